"""Dashboard sign-ins that a browser holds as an HttpOnly cookie (issue 14 item 5).

A Streamlit session id is not a secret (it shows in upload URLs), so it must not be what
a sign-in rests on. A sign-in made on the login form (over the websocket) gets a one-time
code; the browser posts it to the server's /session/claim route (serve.py), which answers
with an HttpOnly cookie holding a random token. Every page run then checks the cookie the
browser sent against this table: a reload stays signed in, and a websocket opened with a
stolen session id but without the cookie is signed out.

Only SHA-256 hashes of the code and the token are stored (each is 256 random bits, so a
fast hash is as safe as a slow one). A session ends on sign-out, on a password change or
a disable of its account (`end_all`, in the same transaction), after the idle time, and
at its absolute lifetime (settings.session_max_hours, 12 hours when not set).
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection, func, select, update
from sqlalchemy import exc as sa_exc

from db import audit
from db.engine import Database, DatabaseBusy
from db.models import BrowserSession, User
from db.permissions import Actor

COOKIE = "metrics_session"
DEFAULT_MAX_HOURS = 12
CODE_LIFETIME = timedelta(minutes=2)  # from the form's sign-in to the browser's claim
# last_seen_at is written at most this often per session: a page run must not turn every
# read into a write.
TOUCH_EVERY = timedelta(minutes=1)
log = logging.getLogger(__name__)
# Writes a sign-in may fail with when the database cannot be written (full disk,
# read-only, the file replaced): the sign-in then lasts only as long as the page.
UNWRITABLE = (sa_exc.OperationalError, sa_exc.DatabaseError, DatabaseBusy)


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()


def max_hours(db: Database) -> float:
    return getattr(db.catalog.settings, "session_max_hours", DEFAULT_MAX_HOURS)


@dataclass(frozen=True)
class Resumed:
    """What a cookie's token gives: the account, or None with why the session ended
    ("unknown", "logout", "idle", "lifetime", "credentials")."""

    actor: Actor | None
    why: str | None = None


def _code_hash(code: str, browser: str) -> str:
    return digest(f"{code}\n{browser}")


def start(
    db: Database, actor: Actor, client: str, browser: str = "", now: datetime | None = None
) -> str | None:
    """A new session for `actor`, and the one-time code the browser exchanges for its
    cookie; None when the database cannot be written (the caller then keeps the sign-in
    in the page only). `browser` is a secret of the browser that signed in (Streamlit's
    XSRF token): only a claim that sends it too gets the cookie, so someone who sees the
    code on a hijacked websocket cannot use it."""
    now = now or audit.now()
    code = secrets.token_urlsafe(32)
    try:
        with db.write() as conn:
            conn.execute(
                BrowserSession.__table__.insert().values(
                    user_name=actor.name,
                    code_hash=_code_hash(code, browser),
                    code_expires_at=now + CODE_LIFETIME,
                    created_at=now,
                    expires_at=now + timedelta(hours=max_hours(db)),
                    last_seen_at=now,
                    client=(client or "unknown")[:100],
                )
            )
    except UNWRITABLE as exc:
        log.warning("sign-in kept in the page only, the session was not stored: %s", exc)
        return None
    return code


def claim(
    db: Database, code: str, browser: str = "", now: datetime | None = None
) -> tuple[str, datetime] | None:
    """Exchange a one-time code (with the browser secret it was made for) for the
    cookie's token and the session's end; None when the code is unknown, used already,
    too old or claimed by another browser. The code is spent in the same UPDATE that
    sets the token, so two claims of one code cannot both succeed."""
    now = now or audit.now()
    if not code or len(code) > 100:
        return None
    token = secrets.token_urlsafe(32)
    tbl = BrowserSession.__table__
    try:
        with db.write() as conn:
            ends = conn.scalar(
                select(tbl.c.expires_at).where(
                    tbl.c.code_hash == _code_hash(code, browser),
                    tbl.c.code_expires_at > now,
                    tbl.c.revoked_at.is_(None),
                )
            )
            done = conn.execute(
                update(tbl)
                .where(
                    tbl.c.code_hash == _code_hash(code, browser),
                    tbl.c.code_expires_at > now,
                    tbl.c.revoked_at.is_(None),
                )
                .values(token_hash=digest(token), code_hash=None, code_expires_at=None)
            )
    except UNWRITABLE as exc:
        log.warning("a sign-in code could not be claimed: %s", exc)
        return None
    return (token, ends) if done.rowcount == 1 and ends is not None else None


def _actor(db: Database, name: str) -> Actor | None:
    """The account as db.accounts.get_actor reads it (not imported: db.accounts ends
    sessions through this module)."""
    with db.read() as conn:
        row = conn.execute(select(User).where(User.name == name)).mappings().first()
    if row is None:
        return None
    return Actor(
        name=row["name"],
        role=row["role"],
        units=tuple(row["units"] or ()),
        regions=tuple(row["regions"] or ()),
        disabled=bool(row["disabled"]),
        extra={"credentials_at": row.get("credentials_at")},
    )


def _revoke(db: Database, session_id: int, why: str, now: datetime) -> None:
    try:
        with db.write() as conn:
            conn.execute(
                update(BrowserSession)
                .where(BrowserSession.id == session_id, BrowserSession.revoked_at.is_(None))
                .values(revoked_at=now, revoked_why=why)
            )
    except UNWRITABLE as exc:  # the session is refused all the same
        log.warning("an ended session could not be marked: %s", exc)


def resume(db: Database, token: str, now: datetime | None = None) -> Resumed:
    """The account a cookie's token is signed in as, checked on every page run: not
    revoked, within its lifetime and the idle time, the account neither disabled nor
    given a new password since the sign-in."""
    now = now or audit.now()
    if not token or len(token) > 100:
        return Resumed(None, "unknown")
    with db.read() as conn:
        row = (
            conn.execute(select(BrowserSession).where(BrowserSession.token_hash == digest(token)))
            .mappings()
            .first()
        )
    if row is None:
        return Resumed(None, "unknown")
    if row["revoked_at"] is not None:
        return Resumed(None, row["revoked_why"] or "logout")
    idle = timedelta(minutes=db.catalog.settings.session_idle_minutes)
    actor = _actor(db, row["user_name"])
    changed = actor is not None and actor.extra.get("credentials_at")
    why = None
    if now >= row["expires_at"]:
        why = "lifetime"
    elif now - row["last_seen_at"] > idle + TOUCH_EVERY:
        why = "idle"
    elif actor is None or actor.disabled or (changed and changed >= row["created_at"]):
        why = "credentials"
    if why:
        _revoke(db, row["id"], why, now)
        return Resumed(None, why)
    if now - row["last_seen_at"] >= TOUCH_EVERY:
        try:
            with db.write() as conn:
                conn.execute(
                    update(BrowserSession)
                    .where(BrowserSession.id == row["id"])
                    .values(last_seen_at=now)
                )
        except UNWRITABLE:  # reading goes on; the idle time counts from the last write
            pass
    return Resumed(actor)


def end(db: Database, token: str, why: str = "logout") -> None:
    """Sign-out: the cookie's token no longer works, whoever holds a copy."""
    if not token or len(token) > 100:
        return
    with db.read() as conn:
        session_id = conn.scalar(
            select(BrowserSession.id).where(BrowserSession.token_hash == digest(token))
        )
    if session_id is not None:
        _revoke(db, session_id, why, audit.now())


def end_all(conn: Connection, name: str, why: str) -> None:
    """Every session of an account ends (a password change, a disable); called inside
    the transaction that makes the change."""
    conn.execute(
        update(BrowserSession)
        .where(BrowserSession.user_name == name, BrowserSession.revoked_at.is_(None))
        .values(revoked_at=audit.now(), revoked_why=why)
    )


def active_count(db: Database, name: str) -> int:
    """How many sessions of an account are open (for tests and the users page)."""
    now = audit.now()
    with db.read() as conn:
        return int(
            conn.scalar(
                select(func.count())
                .select_from(BrowserSession)
                .where(
                    BrowserSession.user_name == name,
                    BrowserSession.revoked_at.is_(None),
                    BrowserSession.expires_at > now,
                )
            )
            or 0
        )
