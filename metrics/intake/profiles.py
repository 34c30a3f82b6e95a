"""A sheet's confirmed mapping, saved as a profile keyed by its header's fingerprint so
the same bureau's sheet next quarter imports with no correction.

A profile is small YAML (or the same dict from the database):

    fingerprint: 3f2a…          # optional: which sheets it applies to
    sheet: 2024Q3               # optional: only this sheet
    header_row: 4               # optional: the (last) header row, 1-based
    columns: {完成值（个）: value, 县区: region, 序号: ignore}
    period: 2024Q3              # optional: the period of a sheet that names none
    region: "371721"            # optional: the region of a sheet without a region column
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import yaml

from metrics.errors import InvalidInput
from metrics.i18n import both
from metrics.intake.layout import FIELDS, Classifier, SheetLayout, _shape
from metrics.intake.names import normalise
from metrics.periods import PeriodError, parse_period

ROLES = (*FIELDS, "wide")


@dataclass
class Mapping:
    """Corrections to a detected layout."""

    fingerprint: str = ""
    sheet: str = ""
    header_row: int | None = None
    columns: dict[str, str] = field(default_factory=dict)  # header → role
    period: str = ""
    region: str = ""

    def to_dict(self) -> dict:
        return {k: v for k, v in asdict(self).items() if v not in ("", None, {})}

    def to_yaml(self) -> str:
        return yaml.safe_dump(self.to_dict(), allow_unicode=True, sort_keys=False)


def mapping_from_dict(data: object) -> Mapping:
    """A Mapping from parsed YAML or JSON, every field checked."""
    if not isinstance(data, dict):
        raise InvalidInput(both("intake.mapping_invalid", detail="not a mapping"))
    unknown = set(data) - {"fingerprint", "sheet", "header_row", "columns", "period", "region"}
    if unknown:
        raise InvalidInput(both("intake.mapping_invalid", detail="、".join(sorted(unknown))))
    columns = data.get("columns") or {}
    if not isinstance(columns, dict) or any(str(r) not in ROLES for r in columns.values()):
        raise InvalidInput(both("intake.mapping_invalid", detail="columns: " + "/".join(ROLES)))
    header_row = data.get("header_row")
    if header_row is not None and (not isinstance(header_row, int) or header_row < 1):
        raise InvalidInput(both("intake.mapping_invalid", detail="header_row"))
    period = str(data.get("period") or "")
    if period:
        try:
            period = parse_period(period).label
        except PeriodError as exc:
            raise InvalidInput(both("intake.mapping_invalid", detail=exc.message)) from None
    return Mapping(
        fingerprint=str(data.get("fingerprint") or ""),
        sheet=str(data.get("sheet") or ""),
        header_row=header_row,
        columns={str(k): str(v) for k, v in columns.items()},
        period=period,
        region=str(data.get("region") or ""),
    )


def load_mapping(text: str) -> Mapping:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise InvalidInput(both("intake.mapping_invalid", detail=type(exc).__name__)) from None
    return mapping_from_dict(data)


def apply_mapping(layout: SheetLayout, mapping: Mapping, classifier: Classifier) -> None:
    """Overrule what detection found with what the analyst confirmed."""
    wanted = {normalise(k): v for k, v in mapping.columns.items()}
    for col in layout.columns:
        role = wanted.get(normalise(col.header))
        if role is None:
            continue
        if role == "wide":
            again = classifier.classify(col.header)
            if again.role == "wide":
                col.period, col.region, col.indicator = again.period, again.region, again.indicator
        else:
            col.period = col.region = col.indicator = ""
        col.role = role
    layout.shape = _shape(layout.columns)
    if mapping.period:
        layout.period, layout.period_from = mapping.period, "mapping"
    if mapping.region:
        layout.region, layout.region_from = mapping.region, "mapping"


def mapping_of(layout: SheetLayout) -> Mapping:
    """The mapping that reproduces a layout (saved when the analyst confirms it)."""
    return Mapping(
        fingerprint=layout.fingerprint,
        header_row=layout.header_rows[0],
        columns={c.header: c.role for c in layout.columns if c.header},
        period=layout.period if layout.period_from in ("mapping",) else "",
        region=layout.region if layout.region_from in ("mapping",) else "",
    )
