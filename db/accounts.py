"""Accounts: who may log in, with which role, units and regions."""

from __future__ import annotations

from sqlalchemy import select

from db.engine import Database
from db.models import User
from db.permissions import Actor


def get_actor(db: Database, name: str) -> Actor | None:
    """The account as the permission checks see it, or None if there is no such account."""
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
    )
