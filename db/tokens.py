"""API tokens: who may read through the JSON API, at which rate, for which regions.

Managed like accounts (admins only, every change in the audit log). A token is shown once,
when it is made; the database keeps only its SHA-256, so a copy of the database does not
give anyone a working token. A token is 256 random bits, so a fast hash is as safe as a slow
one and lets every request be checked with one index look-up.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import pandas as pd
from sqlalchemy import select, update

from db import audit
from db.engine import Database
from db.models import ApiToken
from db.permissions import LOCAL_OPERATOR, Actor, require_admin
from db.status_cache import short_write
from metrics.errors import Conflict, InvalidInput, NotFound
from metrics.i18n import both

PREFIX = "mtk_"
DEFAULT_RATE_PER_MINUTE = 120
MAX_RATE_PER_MINUTE = 100_000
# last_used_at is written at most this often per token and process: a big screen polling
# every few seconds must not turn every read into a write.
TOUCH_EVERY = timedelta(minutes=5)


@dataclass(frozen=True)
class TokenInfo:
    """A valid token as a request sees it."""

    id: int
    name: str
    regions: tuple[str, ...]
    rate_per_minute: int


def digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _check_name(name: str) -> None:
    if not name or len(name) > 50 or any(c.isspace() for c in name):
        raise InvalidInput(both("token.bad_name"))


def add_token(
    db: Database,
    name: str,
    regions: list[str] | None = None,
    rate_per_minute: int = DEFAULT_RATE_PER_MINUTE,
    actor: Actor = LOCAL_OPERATOR,
) -> str:
    """Make a token and return it (the only time it is ever seen in clear)."""
    require_admin(actor)
    _check_name(name)
    regions = list(regions or [])
    for code in regions:
        if code not in db.catalog.regions:
            raise InvalidInput(both("token.unknown_region", code=code))
    if not 1 <= rate_per_minute <= MAX_RATE_PER_MINUTE:
        raise InvalidInput(both("token.bad_rate", max=MAX_RATE_PER_MINUTE))
    token = PREFIX + secrets.token_urlsafe(32)
    with db.write() as conn:
        if conn.scalar(select(ApiToken.id).where(ApiToken.name == name)) is not None:
            raise Conflict(both("token.exists", name=name))
        conn.execute(
            ApiToken.__table__.insert().values(
                name=name,
                token_hash=digest(token),
                prefix=token[: len(PREFIX) + 4],
                regions=regions,
                rate_per_minute=rate_per_minute,
                created_by=actor.name,
                created_at=audit.now(),
            )
        )
        audit.record(
            conn, actor.name, "token_add", name=name, regions=regions, rate=rate_per_minute
        )
    return token


def revoke_token(db: Database, name: str, actor: Actor = LOCAL_OPERATOR) -> None:
    """Stop a token at once: the next request with it is refused (every process checks the
    database on every request)."""
    require_admin(actor)
    with db.write() as conn:
        row = conn.execute(select(ApiToken.revoked_at).where(ApiToken.name == name)).first()
        if row is None:
            raise NotFound(both("token.unknown", name=name))
        if row.revoked_at is not None:
            raise Conflict(both("token.already_revoked", name=name))
        conn.execute(
            update(ApiToken)
            .where(ApiToken.name == name)
            .values(revoked_at=audit.now(), revoked_by=actor.name)
        )
        audit.record(conn, actor.name, "token_revoke", name=name)


def list_tokens(db: Database) -> pd.DataFrame:
    cols = [
        "name",
        "prefix",
        "regions",
        "rate_per_minute",
        "created_by",
        "created_at",
        "revoked_at",
        "last_used_at",
    ]
    tbl = ApiToken.__table__
    with db.read() as conn:
        rows = conn.execute(select(*[tbl.c[c] for c in cols]).order_by(tbl.c.name)).all()
    return pd.DataFrame(rows, columns=cols)


_touched: dict[tuple[str, int], datetime] = {}  # (database, token id) -> last stamp


def check_token(db: Database, token: str, now: datetime | None = None) -> TokenInfo | None:
    """The token's grants, or None when it is unknown or revoked (one index look-up)."""
    if not token.startswith(PREFIX) or len(token) > 200:
        return None
    tbl = ApiToken.__table__
    with db.read() as conn:
        row = conn.execute(
            select(
                tbl.c.id, tbl.c.name, tbl.c.regions, tbl.c.rate_per_minute, tbl.c.revoked_at
            ).where(tbl.c.token_hash == digest(token))
        ).first()
    if row is None or row.revoked_at is not None:
        return None
    now = now or audit.now()
    key = (db.url, row.id)
    last = _touched.get(key)
    if last is None or now - last >= TOUCH_EVERY:
        _touched[key] = now
        _touch(db, row.id, now)
    return TokenInfo(row.id, row.name, tuple(row.regions or ()), int(row.rate_per_minute))


def _touch(db: Database, token_id: int, now: datetime) -> None:
    """Best effort: a busy database must not fail or hold up a read, so the stamp is
    skipped then."""
    with short_write(db) as conn:
        conn.execute(update(ApiToken).where(ApiToken.id == token_id).values(last_used_at=now))
