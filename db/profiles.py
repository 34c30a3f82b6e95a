"""Saved import mappings (profiles), keyed by a sheet header's fingerprint: the mapping
an analyst confirmed for a bureau's sheet applies by itself to next quarter's."""

from __future__ import annotations

import json

from sqlalchemy import Column, Connection, DateTime, Integer, String, Table, Text, select

from db import audit
from db.engine import Database
from db.models import Base
from metrics.intake.profiles import Mapping, mapping_from_dict

PROFILES = Table(
    "import_profiles",
    Base.metadata,
    Column("fingerprint", String(64), primary_key=True),
    Column("name", String(200), nullable=False, default=""),
    Column("mapping", Text, nullable=False),  # JSON of Mapping.to_dict()
    Column("user_name", String(100), nullable=False, default=""),
    Column("saved_at", DateTime, nullable=False),
    Column("uses", Integer, nullable=False, default=0),
)


def create_table(conn: Connection) -> None:
    """Migration 3 (db/migrations.py)."""
    PROFILES.create(conn, checkfirst=True)


def _has_table(conn: Connection) -> bool:
    from sqlalchemy import inspect

    return inspect(conn).has_table("import_profiles")


def all_profiles(db: Database) -> dict[str, Mapping]:
    """Every saved profile by fingerprint ({} before migration 3 ran)."""
    with db.read() as conn:
        if not _has_table(conn):
            return {}
        rows = conn.execute(select(PROFILES.c.fingerprint, PROFILES.c.mapping)).all()
    return {fp: mapping_from_dict(json.loads(text)) for fp, text in rows}


def save_profile(db: Database, mapping: Mapping, user: str, name: str = "") -> None:
    """Save (or replace) the profile of the mapping's fingerprint."""
    if not mapping.fingerprint:
        raise ValueError("a profile needs the sheet's fingerprint")
    payload = json.dumps(mapping.to_dict(), ensure_ascii=False, sort_keys=True)
    with db.write() as conn:
        create_table(conn)
        conn.execute(PROFILES.delete().where(PROFILES.c.fingerprint == mapping.fingerprint))
        conn.execute(
            PROFILES.insert().values(
                fingerprint=mapping.fingerprint,
                name=name,
                mapping=payload,
                user_name=user,
                saved_at=audit.now(),
                uses=0,
            )
        )
        audit.record(conn, user, "import_profile", fingerprint=mapping.fingerprint, name=name)
