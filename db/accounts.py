"""Accounts: who may log in, with which role, units and regions.

Passwords are hashed with Argon2id (rehashed on login when the parameters change).
Sign-in gives nothing away: an unknown name costs the same hash verification as a known
one, and every failure says the same. Repeated failures throttle that client for that
name (strangers cannot lock anyone out, the admin included). A password change or a
disable ends the account's sessions. Every change is in the audit log; a database that
cannot be written (full disk, read-only) still lets people sign in and read.
No account or password is ever shipped: the first admin is made with the CLI.
"""

from __future__ import annotations

import functools
import hashlib
import logging
from datetime import datetime, timedelta

import pandas as pd
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import delete, func, select, update

from db import audit, sessions
from db.engine import Database
from db.models import LoginFailure, User
from db.permissions import (
    LOCAL_OPERATOR,
    Actor,
    binding_city,
    city_list,
    city_of,
    require_admin,
    unit_cities,
)
from metrics.errors import MetricsError
from metrics.i18n import both

ROLES = ("viewer", "analyst", "reviewer", "admin")  # reviewer: db/cycle.py
HASHER = PasswordHasher()  # argon2-cffi's defaults are Argon2id (RFC 9106 low-memory)


# Verified against when the name is unknown, so both cases cost one Argon2 verification.
@functools.cache
def _dummy_hash() -> str:
    """The hash an unknown name is verified against, made at the first sign-in (0.2 s),
    not when a page imports this module."""
    return HASHER.hash("no account has this password")


MAX_NAME = 50  # an account name's length; a longer "name" is refused before any work
# A client that fails this many times more than max_failed_logins across all names within
# the lockout time is throttled for every name (guessing names from one place).
CLIENT_FACTOR = 4
log = logging.getLogger(__name__)


class AccountError(MetricsError):
    """A user-management or login request that cannot be done; the text says why."""


def _row_actor(row) -> Actor:  # type: ignore[no-untyped-def]
    return Actor(
        name=row["name"],
        role=row["role"],
        units=tuple(row["units"] or ()),
        regions=tuple(row["regions"] or ()),
        disabled=bool(row["disabled"]),
        extra={"credentials_at": row.get("credentials_at")},
    )


def session_valid(db: Database, actor: Actor) -> bool:
    """Whether a session signed in as `actor` may go on: the account still exists, is
    not disabled, and its password has not changed since (a change ends every session)."""
    fresh = get_actor(db, actor.name)
    return (
        fresh is not None
        and not fresh.disabled
        and fresh.extra.get("credentials_at") == actor.extra.get("credentials_at")
    )


def get_actor(db: Database, name: str) -> Actor | None:
    """The account as the permission checks see it, or None if there is no such account."""
    with db.read() as conn:
        row = conn.execute(select(User).where(User.name == name)).mappings().first()
    return None if row is None else _row_actor(row)


def _check_password(db: Database, password: str) -> None:
    """Long enough, not counting blanks (ten spaces are no password)."""
    n = db.catalog.settings.min_password_length
    if len("".join(password.split())) < n:
        raise AccountError(both("user.short_password", n=n))


def _scoped_units(db: Database, units: list[str], regions: list[str]) -> tuple[list, list]:
    """Units as stored, with the regions that make each name one city's unit.

    `371700:市大数据局` names the city; a bare name is fine when one city has it, or when
    the regions pick one of its cities; otherwise the request is refused, listing the
    cities (77 indicators of four cities share 市大数据局)."""
    catalog = db.catalog
    known_units = {u for i in catalog.indicators.values() for u in i.responsible}
    names, regions = [], list(regions)
    for binding in units:
        city, _, unit = binding.rpartition(":")
        if unit not in known_units:
            raise AccountError(both("user.unknown_unit", unit=unit))
        cities = unit_cities(catalog, unit)
        if city:
            if city not in cities:
                raise AccountError(
                    both(
                        "user.unit_not_in_city",
                        code=city,
                        unit=unit,
                        cities=city_list(catalog, cities),
                    )
                )
            if not any(city_of(catalog, r) == city for r in regions):
                regions.append(city)
        names.append(unit)
    for unit in dict.fromkeys(names):
        if binding_city(catalog, unit, regions) is None:
            cities = unit_cities(catalog, unit)
            named = {city_of(catalog, r) for r in regions} & set(cities)
            if regions and not named:
                raise AccountError(
                    both(
                        "user.unit_not_in_city",
                        code="、".join(regions),
                        unit=unit,
                        cities=city_list(catalog, cities),
                    )
                )
            raise AccountError(
                both(
                    "user.ambiguous_unit",
                    unit=unit,
                    cities=city_list(catalog, cities),
                    example=f"{cities[0]}:{unit}",
                )
            )
    return list(dict.fromkeys(names)), regions


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
    if not name or len(name) > MAX_NAME or any(c.isspace() for c in name):
        raise AccountError(both("user.bad_name"))
    if role not in ROLES:
        raise AccountError(both("user.bad_role", role=role))
    for code in regions:
        if code not in db.catalog.regions:
            raise AccountError(both("user.unknown_region", code=code))
    units, regions = _scoped_units(db, units, regions)
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
        conn.execute(
            update(User).where(User.name == name).values(disabled=True, credentials_at=audit.now())
        )
        sessions.end_all(conn, name, "credentials")
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
            .values(
                password_hash=HASHER.hash(password),
                failed_logins=0,
                locked_until=None,
                credentials_at=audit.now(),  # every session signed in before ends
            )
        )
        sessions.end_all(conn, name, "credentials")
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


def _name_hash(name: str) -> str:
    return hashlib.sha256(name.encode("utf-8", "surrogatepass")).hexdigest()


def _throttled(db: Database, client: str, name_hash: str, now: datetime) -> bool:
    """Whether this client failed too often within the lockout time: for this name, or
    for names in general."""
    settings = db.catalog.settings
    since = now - timedelta(minutes=settings.lockout_minutes)
    tbl = LoginFailure.__table__
    recent = select(func.count()).select_from(tbl).where(tbl.c.client == client, tbl.c.at > since)
    with db.read() as conn:
        for_name = conn.scalar(recent.where(tbl.c.name_hash == name_hash)) or 0
        if for_name >= settings.max_failed_logins:
            return True
        return (conn.scalar(recent) or 0) >= settings.max_failed_logins * CLIENT_FACTOR


def _remember(db: Database, action, what: str) -> None:  # type: ignore[no-untyped-def]
    """A write a sign-in makes (audit row, failure count, rehash). A database that cannot
    be written (full disk, read-only) must not stop people signing in to read: the
    failure is logged, not raised."""
    try:
        with db.write() as conn:
            action(conn)
    except sessions.UNWRITABLE as exc:
        log.warning("sign-in could not record %s: %s", what, getattr(exc, "orig", None) or exc)


def authenticate(
    db: Database,
    name: str,
    password: str,
    now: datetime | None = None,
    client: str = "local",
) -> Actor:
    """The account for a name and password, or AccountError with the one message every
    failure gets.

    Unknown names are verified against a dummy hash (the same time as a known one), and
    a disabled account or a throttled client hears the same words as a wrong password,
    so the form tells nobody which names exist. Failures are counted per client and
    name: an attacker throttles only themself. The audit log keeps the name only when
    it is an account's (a password typed into the name field is not stored)."""
    now = now or audit.now()
    settings = db.catalog.settings
    failure = AccountError(both("login.refused", minutes=settings.lockout_minutes))
    client = (client or "unknown")[:100]
    name = name or ""
    if len(name) > MAX_NAME:  # no hashing or storing of megabyte names
        name = name[: MAX_NAME + 1]
    key = _name_hash(name)
    dummy = _dummy_hash()  # made before the look-up: a first sign-in costs the same for all
    row = None
    if len(name) <= MAX_NAME:
        with db.read() as conn:
            row = conn.execute(select(User).where(User.name == name)).mappings().first()
    throttled = _throttled(db, client, key, now)
    try:
        HASHER.verify((row["password_hash"] if row else None) or dummy, password)
        verified = row is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        verified = False
    if verified and not row["disabled"] and not throttled:

        def succeed(conn) -> None:  # type: ignore[no-untyped-def]
            values: dict = {"failed_logins": 0, "locked_until": None}
            if HASHER.check_needs_rehash(row["password_hash"]):
                values["password_hash"] = HASHER.hash(password)
            conn.execute(update(User).where(User.name == name).values(**values))
            conn.execute(
                delete(LoginFailure).where(
                    LoginFailure.client == client, LoginFailure.name_hash == key
                )
            )
            audit.record(conn, name, "login", client=client)

        _remember(db, succeed, "a sign-in")
        return _row_actor(row)
    if row is None:
        reason = "unknown account"
    elif not verified:
        reason = "wrong password"
    elif row["disabled"]:
        reason = "disabled"
    else:
        reason = "throttled"

    def fail(conn) -> None:  # type: ignore[no-untyped-def]
        conn.execute(LoginFailure.__table__.insert().values(at=now, client=client, name_hash=key))
        who = name if row is not None else "?"
        detail = {"reason": reason, "client": client}
        if row is None:
            detail["name_sha256"] = key[:16]
        audit.record(conn, who, "login_failed", **detail)
        if row is not None and not verified:
            conn.execute(
                update(User).where(User.name == name).values(failed_logins=User.failed_logins + 1)
            )

    _remember(db, fail, "a failed sign-in")
    raise failure
