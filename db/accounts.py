"""Accounts: who may log in, with which role, units and regions.

Passwords are hashed with Argon2id (rehashed on login when the parameters change);
five failed logins lock an account for a while; every change is in the audit log.
No account or password is ever shipped: the first admin is made with the CLI.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pandas as pd
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import select, update

from db import audit
from db.engine import Database
from db.models import User
from db.permissions import LOCAL_OPERATOR, Actor, require_admin
from metrics.errors import MetricsError
from metrics.i18n import both

ROLES = ("viewer", "analyst", "reviewer", "admin")  # reviewer: db/cycle.py
HASHER = PasswordHasher()  # argon2-cffi's defaults are Argon2id (RFC 9106 low-memory)


class AccountError(MetricsError):
    """A user-management or login request that cannot be done; the text says why."""


def _row_actor(row) -> Actor:  # type: ignore[no-untyped-def]
    return Actor(
        name=row["name"],
        role=row["role"],
        units=tuple(row["units"] or ()),
        regions=tuple(row["regions"] or ()),
        disabled=bool(row["disabled"]),
    )


def get_actor(db: Database, name: str) -> Actor | None:
    """The account as the permission checks see it, or None if there is no such account."""
    with db.read() as conn:
        row = conn.execute(select(User).where(User.name == name)).mappings().first()
    return None if row is None else _row_actor(row)


def _check_password(db: Database, password: str) -> None:
    n = db.catalog.settings.min_password_length
    if len(password) < n:
        raise AccountError(both("user.short_password", n=n))


def add_user(
    db: Database,
    name: str,
    role: str,
    password: str,
    units: list[str] | None = None,
    regions: list[str] | None = None,
    actor: Actor = LOCAL_OPERATOR,
) -> Actor:
    """Create an account; admins only. Units must be named as the catalog names them."""
    require_admin(actor)
    units, regions = list(units or []), list(regions or [])
    if not name or len(name) > 50 or any(c.isspace() for c in name):
        raise AccountError(both("user.bad_name"))
    if role not in ROLES:
        raise AccountError(both("user.bad_role", role=role))
    known_units = {u for i in db.catalog.indicators.values() for u in i.responsible}
    for unit in units:
        if unit not in known_units:
            raise AccountError(both("user.unknown_unit", unit=unit))
    for code in regions:
        if code not in db.catalog.regions:
            raise AccountError(both("user.unknown_region", code=code))
    if role == "analyst" and not units:
        raise AccountError(both("user.analyst_units"))
    _check_password(db, password)
    with db.write() as conn:
        if conn.scalar(select(User.id).where(User.name == name)) is not None:
            raise AccountError(both("user.exists", name=name))
        conn.execute(
            User.__table__.insert().values(
                name=name,
                role=role,
                units=units,
                regions=regions,
                password_hash=HASHER.hash(password),
                disabled=False,
                failed_logins=0,
                created_at=audit.now(),
            )
        )
        audit.record(
            conn, actor.name, "user_add", name=name, role=role, units=units, regions=regions
        )
    return Actor(name, role, tuple(units), tuple(regions))


def _require_user(conn, name: str) -> None:  # type: ignore[no-untyped-def]
    if conn.scalar(select(User.id).where(User.name == name)) is None:
        raise AccountError(both("user.unknown", name=name))


def disable_user(db: Database, name: str, actor: Actor = LOCAL_OPERATOR) -> None:
    require_admin(actor)
    with db.write() as conn:
        _require_user(conn, name)
        conn.execute(update(User).where(User.name == name).values(disabled=True))
        audit.record(conn, actor.name, "user_disable", name=name)


def set_password(db: Database, name: str, password: str, actor: Actor = LOCAL_OPERATOR) -> None:
    """A new password (admins, or the account itself); also lifts a lockout."""
    if actor.name != name:
        require_admin(actor)
    _check_password(db, password)
    with db.write() as conn:
        _require_user(conn, name)
        conn.execute(
            update(User)
            .where(User.name == name)
            .values(password_hash=HASHER.hash(password), failed_logins=0, locked_until=None)
        )
        audit.record(conn, actor.name, "user_passwd", name=name)


def list_users(db: Database) -> pd.DataFrame:
    cols = [
        "name",
        "role",
        "units",
        "regions",
        "disabled",
        "failed_logins",
        "locked_until",
        "created_at",
    ]
    tbl = User.__table__
    with db.read() as conn:
        rows = conn.execute(select(*[tbl.c[c] for c in cols]).order_by(tbl.c.name)).all()
    return pd.DataFrame(rows, columns=cols)


def authenticate(db: Database, name: str, password: str, now: datetime | None = None) -> Actor:
    """The account for a name and password, or AccountError saying why not.

    An unknown name and a wrong password give the same message, so the form does not
    tell an attacker which names exist."""
    now = now or audit.now()
    settings = db.catalog.settings
    with db.write() as conn:
        row = conn.execute(select(User).where(User.name == name)).mappings().first()
        if row is None:
            audit.record(conn, name, "login_failed", reason="unknown account")
            failure = both("login.failed")
        elif row["disabled"]:
            audit.record(conn, name, "login_failed", reason="disabled")
            failure = both("login.disabled")
        elif row["locked_until"] is not None and row["locked_until"] > now:
            audit.record(conn, name, "login_failed", reason="locked")
            failure = both("login.locked", until=row["locked_until"].strftime("%Y-%m-%d %H:%M"))
        else:
            try:
                HASHER.verify(row["password_hash"] or "", password)
            except (VerifyMismatchError, VerificationError, InvalidHashError):
                fails = row["failed_logins"] + 1
                locked = (
                    now + timedelta(minutes=settings.lockout_minutes)
                    if fails >= settings.max_failed_logins
                    else None
                )
                conn.execute(
                    update(User)
                    .where(User.name == name)
                    .values(failed_logins=0 if locked else fails, locked_until=locked)
                )
                audit.record(
                    conn, name, "login_failed", reason="wrong password", locked=locked is not None
                )
                failure = both("login.failed")
            else:
                values: dict = {"failed_logins": 0, "locked_until": None}
                if HASHER.check_needs_rehash(row["password_hash"]):
                    values["password_hash"] = HASHER.hash(password)
                conn.execute(update(User).where(User.name == name).values(**values))
                audit.record(conn, name, "login")
                return _row_actor(row)
    raise AccountError(failure)
