"""The file an account has uploaded and previewed but not yet written (table
pending_uploads, migration 8): kept so that a page reload, or a sign-in the next morning,
brings the import preview back instead of losing it.

One file per account, keyed by the account's name: every function acts for `actor` and
touches only `actor`'s own row, so nobody reads or discards another account's file, an
administrator included (a pending file is a draft, not data). Only accounts that may
import keep one (a viewer or a disabled account is refused), and its size is bounded by
`settings.upload_max_mb`, as the upload itself is.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, update

from db import audit
from db.engine import Database
from db.models import PendingUpload
from db.permissions import Actor
from metrics.errors import InvalidInput, PermissionDenied
from metrics.i18n import both

#: The options (sheet, mapping corrections, checkboxes) are small; a bigger JSON is a bug
#: or an abuse, not a choice a person made.
MAX_OPTIONS_BYTES = 64_000
MAX_FILENAME = 255
IMPORTING_ROLES = ("analyst", "admin")


@dataclass(frozen=True)
class Pending:
    """An account's uploaded, not yet written file and the choices made in its preview."""

    filename: str
    data: bytes
    options: dict[str, Any]
    created_at: datetime


def _check_actor(actor: Actor) -> None:
    """Only an enabled account that may import keeps a file (its own)."""
    if actor.disabled:
        raise PermissionDenied(both("perm.disabled", user=actor.name))
    if actor.role not in IMPORTING_ROLES:
        raise PermissionDenied(both("perm.viewer", user=actor.name))


def _options_json(options: dict[str, Any]) -> dict[str, Any]:
    """The options as stored: JSON-able and small, or refused."""
    if not isinstance(options, dict):
        raise InvalidInput(both("pending.options_invalid"))
    try:
        text = json.dumps(options, ensure_ascii=False, sort_keys=True)
    except (TypeError, ValueError):
        raise InvalidInput(both("pending.options_invalid")) from None
    if len(text.encode("utf-8")) > MAX_OPTIONS_BYTES:
        raise InvalidInput(both("pending.options_invalid"))
    return json.loads(text)


def save_pending(
    db: Database, actor: Actor, filename: str, data: bytes, options: dict[str, Any] | None = None
) -> None:
    """Keep `data` as the account's pending file (replacing the one before)."""
    _check_actor(actor)
    limit = db.catalog.settings.upload_max_mb
    size_mb = len(data) / 1024 / 1024
    if size_mb > limit:
        raise InvalidInput(both("import.too_large", size=f"{size_mb:.1f}", limit=limit))
    if not filename or len(filename) > MAX_FILENAME:
        raise InvalidInput(both("pending.filename_invalid", limit=MAX_FILENAME))
    stored = _options_json(options or {})
    table = PendingUpload.__table__
    with db.write() as conn:
        conn.execute(delete(table).where(table.c.user_name == actor.name))
        conn.execute(
            table.insert().values(
                user_name=actor.name,
                filename=filename,
                data=bytes(data),
                options=stored,
                created_at=audit.now(),
            )
        )


def save_options(db: Database, actor: Actor, options: dict[str, Any]) -> bool:
    """Replace the choices kept with the account's pending file (not the file itself: a
    click on a checkbox must not write the whole file again). False if there is none."""
    _check_actor(actor)
    stored = _options_json(options)
    table = PendingUpload.__table__
    with db.write() as conn:
        done = conn.execute(
            update(table).where(table.c.user_name == actor.name).values(options=stored)
        )
    return bool(done.rowcount)


def load_pending(db: Database, actor: Actor) -> Pending | None:
    """The account's pending file, or None."""
    _check_actor(actor)
    table = PendingUpload.__table__
    with db.read() as conn:
        row = conn.execute(
            select(table.c.filename, table.c.data, table.c.options, table.c.created_at).where(
                table.c.user_name == actor.name
            )
        ).first()
    if row is None:
        return None
    options = row.options if isinstance(row.options, dict) else {}
    return Pending(row.filename, bytes(row.data), options, row.created_at)


def discard_pending(db: Database, actor: Actor) -> bool:
    """Forget the account's pending file (written or discarded). False if there was none.
    A disabled account may still discard its own file."""
    if actor.role not in IMPORTING_ROLES:
        raise PermissionDenied(both("perm.viewer", user=actor.name))
    table = PendingUpload.__table__
    with db.write() as conn:
        done = conn.execute(delete(table).where(table.c.user_name == actor.name))
    return bool(done.rowcount)
