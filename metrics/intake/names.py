"""Matching the names and regions written in a sheet to the catalog's.

Both sides are normalised the same way (NFKC, no spaces or line breaks, no numbering
prefix such as "1." or "（一）", no unit in brackets at the end, bracket widths made
equal), so a catalog name holding full-width characters matches the cell an analyst
typed. A name no indicator has gets "did you mean …" with the closest names.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from rapidfuzz import fuzz, process

from metrics.catalog import Catalog
from metrics.i18n import both

_SPACE_RE = re.compile(r"\s+")
_NUMBERING_RE = re.compile(
    r"^(?:[0-9]{1,3}(?:\.[0-9]{1,3})*[.、)](?![0-9])|\([一二三四五六七八九十0-9]{1,3}\)"
    r"|[一二三四五六七八九十]{1,3}[、.]|[①-⑳])\s*"
)
_UNIT_SUFFIX_RE = re.compile(r"\(([^()]{1,8})\)$")
#: Cells meaning "the plan's whole city".
CITY_WORDS = frozenset({"全市", "市本级", "全市合计"})
TOTAL_WORDS = frozenset({"合计", "小计", "总计", "全市合计", "全省合计", "总计合计"})


def normalise(text: object) -> str:
    """The form names are compared in: NFKC (full-width brackets and digits become
    ASCII), no whitespace at all, lower case."""
    return _SPACE_RE.sub("", unicodedata.normalize("NFKC", str(text))).lower()


def strip_decoration(text: object) -> tuple[str, str]:
    """(name, unit): numbering prefix and a trailing "(万个)" taken off a normalised name."""
    plain = unicodedata.normalize("NFKC", str(text)).strip()
    name = normalise(_NUMBERING_RE.sub("", plain, count=1))
    unit = ""
    if m := _UNIT_SUFFIX_RE.search(name):
        unit, name = m[1], name[: m.start()]
    return name, unit


def region_code_text(cell: object) -> str:
    """A region code cell without Excel's padding: 371702.0 and " 371702 " are 371702."""
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    return normalise(cell)


class IndicatorNames:
    """Catalog names, English names and aliases, normalised, each to the ids bearing it."""

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog
        self.by_name: dict[str, list[str]] = {}
        for ind in catalog.indicators.values():
            for name in {ind.name, ind.name_en, *ind.aliases} - {""}:
                for key in {normalise(name), strip_decoration(name)[0]} - {""}:
                    ids = self.by_name.setdefault(key, [])
                    if ind.id not in ids:
                        ids.append(ind.id)
        self.ids = {normalise(i): i for i in catalog.indicators}
        self._choices = list(self.by_name)

    def candidates(self, cell: object) -> list[str]:
        """Ids a name cell may mean (several when indicators share a name)."""
        key = normalise(cell)
        if key in self.by_name:
            return self.by_name[key]
        return self.by_name.get(strip_decoration(cell)[0], [])

    def suggest(self, cell: object, limit: int = 3) -> str:
        """The closest catalog names, for a "did you mean" in the message."""
        key = strip_decoration(cell)[0]
        hits = process.extract(key, self._choices, scorer=fuzz.WRatio, limit=limit * 3)
        names: list[str] = []
        for choice, score, _ in hits:
            if score < 60:
                continue
            name = self.catalog.indicators[self.by_name[choice][0]].name
            if name not in names:
                names.append(name)
        return "、".join(names[:limit])

    def unknown_message(self, cell: object) -> str:
        hint = self.suggest(cell)
        if hint:
            return both("intake.unknown_indicator_hint", raw=str(cell).strip(), hint=hint)
        return both("row.unknown_indicator", raw=str(cell).strip())

    def settle(self, ids: Iterable[str], region: str | None) -> str | None:
        """One id among several sharing a name: the one set for the row's region, else
        the only one whose plan covers it; None when still ambiguous."""
        ids = list(ids)
        if len(ids) == 1:
            return ids[0]
        if region is None:
            return None
        own = [i for i in ids if self.catalog.region_of(self.catalog.indicators[i]) == region]
        if len(own) == 1:
            return own[0]
        covering = [i for i in ids if _within(self.catalog, region, self._home(i))]
        return covering[0] if len(covering) == 1 else None

    def _home(self, indicator_id: str) -> str:
        return self.catalog.region_of(self.catalog.indicators[indicator_id])


def _within(catalog: Catalog, region: str, ancestor: str) -> bool:
    current: str | None = region
    while current is not None:
        if current == ancestor:
            return True
        current = catalog.regions[current].parent if current in catalog.regions else None
    return False


class RegionNames:
    """Region codes and names (with and without padding), each to its code."""

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog
        self.codes = set(catalog.regions)
        names: dict[str, list[str]] = {}
        for r in catalog.regions.values():
            for name in {r.name, r.name_en} - {""}:
                names.setdefault(normalise(name), []).append(r.code)
        self.names = {n: c[0] for n, c in names.items() if len(set(c)) == 1}

    def code(self, cell: object) -> str | None:
        """The region a cell names (code or name); CITY for 全市; None if unknown."""
        text = region_code_text(cell)
        if text in self.codes:
            return text
        if text in CITY_WORDS:
            return CITY
        return self.names.get(text)

    def found_in(self, text: str) -> list[str]:
        """Regions named inside a title or a sheet name ("填报单位：曹县大数据局"), longest
        names first so 菏泽市牡丹区 is not also 菏泽市."""
        key = normalise(text)
        hits: list[str] = []
        for name in sorted(self.names, key=len, reverse=True):
            if len(name) >= 2 and name in key:
                code = self.names[name]
                key = key.replace(name, "\0")
                if code not in hits:
                    hits.append(code)
        return hits


CITY = "__city__"
