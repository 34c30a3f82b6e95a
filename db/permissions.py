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
    mine = set(indicator.responsible) & set(actor.units)
    if not mine:
        return both("perm.unit", user=actor.name, units="、".join(indicator.responsible))
    # A unit name such as 市大数据局 exists in several cities: the binding names one city
    # through the account's regions, else it names none and writes nothing.
    if not any(binding_city(catalog, unit, actor.regions) for unit in mine):
        unit = sorted(mine)[0]
        cities = unit_cities(catalog, unit)
        return both(
            "perm.ambiguous_unit",
            user=actor.name,
            unit=unit,
            cities=city_list(catalog, cities),
            example=f"{cities[0]}:{unit}",
        )
    if actor.regions and not _within(catalog, region, actor.regions):
        return both("perm.region", user=actor.name, regions="、".join(actor.regions), region=region)
    return None


def city_of(catalog: Catalog, code: str) -> str:
    """The top of a region's tree (a city, or a county-level city such as Pingdu)."""
    while (info := catalog.regions.get(code)) is not None and info.parent is not None:
        code = info.parent
    return code


def unit_cities(catalog: Catalog, unit: str) -> list[str]:
    """The cities whose indicators name this unit as responsible, sorted."""
    return sorted(
        {
            city_of(catalog, catalog.region_of(ind))
            for ind in catalog.indicators.values()
            if unit in ind.responsible
        }
    )


def city_list(catalog: Catalog, cities: list[str]) -> str:
    """菏泽市 371700、济南市 370100: for messages that list cities."""
    return "、".join(
        f"{catalog.regions[c].name} {c}" if c in catalog.regions else c for c in cities
    )


def binding_city(catalog: Catalog, unit: str, regions: tuple[str, ...] | list[str]) -> str | None:
    """The one city an account's binding to `unit` means, or None when it names no city
    or several: the unit's only city, or the one city of the account's regions among the
    unit's cities."""
    cities = unit_cities(catalog, unit)
    if len(cities) == 1:
        return cities[0]
    named = {city_of(catalog, code) for code in regions} & set(cities)
    return named.pop() if len(named) == 1 else None


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
