"""Who may write what. Every write function in db/ calls these checks, so the dashboard,
the CLI and any later API cannot bypass them."""

from __future__ import annotations

from dataclasses import dataclass, field

from metrics.catalog import Catalog
from metrics.errors import PermissionDenied
from metrics.i18n import both

__all__ = ["LOCAL_OPERATOR", "Actor", "PermissionDenied", "write_problem"]


@dataclass(frozen=True)
class Actor:
    """The account a write is made for."""

    name: str
    role: str  # viewer | analyst | admin
    units: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()
    disabled: bool = False
    extra: dict = field(default_factory=dict, compare=False)


# The CLI without --user: whoever has the server's files already has the data.
LOCAL_OPERATOR = Actor(name="local-operator", role="admin")


def write_problem(actor: Actor, catalog: Catalog, indicator_id: str, region: str) -> str | None:
    """Why `actor` may not write this (indicator, region), or None if it may."""
    if actor.disabled:
        return both("perm.disabled", user=actor.name)
    if actor.role == "admin":
        return None
    if actor.role != "analyst":
        return both("perm.viewer", user=actor.name)
    indicator = catalog.indicators.get(indicator_id)
    if indicator is None:
        return None  # reported as an unknown indicator by validation
    if not set(indicator.responsible) & set(actor.units):
        return both("perm.unit", user=actor.name, units="、".join(indicator.responsible))
    if actor.regions and not _within(catalog, region, actor.regions):
        return both("perm.region", user=actor.name, regions="、".join(actor.regions), region=region)
    return None


def _within(catalog: Catalog, region: str, allowed: tuple[str, ...]) -> bool:
    code: str | None = region
    while code is not None:
        if code in allowed:
            return True
        info = catalog.regions.get(code)
        code = info.parent if info else None
    return False


def require_admin(actor: Actor) -> None:
    if actor.disabled:
        raise PermissionDenied(both("perm.disabled", user=actor.name))
    if actor.role != "admin":
        raise PermissionDenied(both("perm.admin", user=actor.name))
