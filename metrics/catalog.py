"""The catalog: typed models of regions, plans and indicators, and their loader.

Loading never stops at the first mistake: an administrator editing config.yaml
gets every problem at once, each with the file, line and field and a bilingual
sentence saying what to change.
"""

from __future__ import annotations

import functools
import gc
import os
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError

from metrics.errors import InvalidInput
from metrics.i18n import both
from metrics.schedule import Reporting

DOMAINS: dict[str, str] = {
    "总体目标": "Overall goals",
    "数字基础设施": "Digital infrastructure",
    "数据资源": "Data resources",
    "数字经济": "Digital economy",
    "政务服务": "Government services",
    "城市治理": "City governance",
    "民生服务": "Public services",
    "生态环保": "Environment",
    "网络安全": "Cyber security",
}


def domain_label(domain: str, lang: str) -> str:
    """A domain (总体目标 …) in a language."""
    return DOMAINS.get(domain, domain) if lang == "en" else domain


ID_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
REGION_RE = re.compile(r"^\d{6}$")


Op = Literal[">=", "<=", "==", "between"]


def _code_as_text(v: Any) -> Any:
    """A region code left unquoted in YAML (371700) is read as a number: take its text."""
    return str(v) if isinstance(v, int) else v


CODE_AS_TEXT = BeforeValidator(_code_as_text)


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Stage(_Model):
    """One dated target: the value (or range) to reach by a deadline."""

    op: Op
    value: float | None = None
    low: float | None = None
    high: float | None = None
    by: date

    @property
    def goal(self) -> float:
        """The stage's goal, the one rule (docs/method.md §3): its value; for `between` the
        low bound, the least value that meets it. The planned path starts from it when a
        target has no baseline; with one, it aims at the point of the range nearest the
        level already reached (`between` from above: the high bound)."""
        return float(self.value if self.value is not None else self.low)  # type: ignore[arg-type]

    def scaled(self, share: float) -> Stage:
        """The stage as a county aims at it: every number times its target share."""
        if share == 1.0:
            return self
        return self.model_copy(
            update={
                k: None if v is None else v * share
                for k, v in (("value", self.value), ("low", self.low), ("high", self.high))
            }
        )


class Baseline(_Model):
    value: float
    date: date


class Indicator(_Model):
    id: str
    plan: str
    name: str
    name_en: str
    # Other names bureaus' sheets give the indicator (import matches them like the name).
    aliases: list[str] = []
    domain: str
    unit: str
    kind: Literal["quantity", "milestone"] = "quantity"
    cumulative: bool = False
    recurring: Literal["yearly"] | None = None
    aggregate: Literal["sum"] | None = None
    baseline: Baseline | None = None
    targets: list[Stage]
    responsible: list[str] = Field(min_length=1)
    clause: str = ""
    quote: str
    note: str = ""
    region: Annotated[str | None, CODE_AS_TEXT] = None
    draft: bool = False
    # Reporting schedule (frequency, due rule); keys left out come from the plan's.
    reporting: Reporting | None = None

    def label(self, lang: str) -> str:
        """The indicator's name in a language (English when asked for and given)."""
        return self.name_en if lang == "en" and self.name_en else self.name


class Plan(_Model):
    id: str
    title: str
    title_en: str = ""
    doc_no: str = ""
    issuer: str
    issued: date
    region: Annotated[str, CODE_AS_TEXT]
    source: str = ""
    status: str = ""
    # Reporting schedule default for the plan's indicators (metrics.schedule).
    reporting: Reporting | None = None

    def label(self, lang: str) -> str:
        """The plan's title in a language (English when asked for and given)."""
        return self.title_en if lang == "en" and self.title_en else self.title


class Region(_Model):
    code: Annotated[str, CODE_AS_TEXT]
    name: str
    name_en: str = ""
    children: list[Region] = []


class Settings(BaseModel):
    """Deployment settings; unknown keys are kept so later features can add their own."""

    model_config = ConfigDict(extra="allow", frozen=True)

    database_url: str = "sqlite:///data/metrics.db"
    on_track_ratio: float = 0.95
    at_risk_ratio: float = 0.6
    # Accounts: anonymous read-only viewing is for a single-user localhost install only.
    login_required: bool = False
    session_idle_minutes: int = Field(default=30, gt=0)
    max_failed_logins: int = Field(default=5, gt=0)
    lockout_minutes: int = Field(default=15, gt=0)
    min_password_length: int = Field(default=10, ge=8)
    # Uploads
    upload_max_mb: float = Field(default=20, gt=0)
    upload_max_rows: int = Field(default=200_000, gt=0)
    # Leaders' pages: "all" values (unapproved ones marked) or only "approved" ones.
    chart_values: Literal["all", "approved"] = "all"
    # Reminders (催报) by e-mail: an SMTP server and each unit's addresses; unset: print only.
    smtp_host: str | None = None
    smtp_port: int = Field(default=25, gt=0, lt=65536)
    smtp_sender: str = "metrics@localhost"
    unit_emails: dict[str, list[str]] = {}


@dataclass(frozen=True)
class RegionInfo:
    """A region with its parent, flattened from the catalog's tree."""

    code: str
    name: str
    name_en: str
    parent: str | None

    def label(self, lang: str) -> str:
        """The region's name in a language (English when asked for and given)."""
        return self.name_en if lang == "en" and self.name_en else self.name


@dataclass(frozen=True)
class Problem:
    """One mistake in the catalog, located so a person can go straight to it."""

    file: str
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.field}: {self.message}"


class CatalogError(InvalidInput):
    """Raised with every problem found; its text lists them one per line."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


@dataclass(frozen=True)
class Catalog:
    """The loaded, cross-checked catalog."""

    path: Path
    settings: Settings
    regions: dict[str, RegionInfo]
    plans: dict[str, Plan]
    indicators: dict[str, Indicator]

    def region_of(self, indicator: Indicator) -> str:
        """The region an indicator is set for: its own, else its plan's."""
        return indicator.region or self.plans[indicator.plan].region

    def children_of(self, code: str) -> list[str]:
        return list(self._children.get(code, ()))

    @functools.cached_property
    def _children(self) -> dict[str, tuple[str, ...]]:
        children: dict[str, list[str]] = {}
        for r in self.regions.values():
            if r.parent is not None:
                children.setdefault(r.parent, []).append(r.code)
        return {parent: tuple(codes) for parent, codes in children.items()}

    def region_name(self, code: str, lang: str) -> str:
        """A region's name in a language; an unknown code is shown as itself."""
        info = self.regions.get(code)
        return code if info is None else info.label(lang)

    def county_share(self, indicator: Indicator) -> float:
        """The part of an indicator's target each county of its home region aims at: an
        equal share (1 / the home region's number of counties) when the indicator adds
        up (`aggregate: sum`), else the whole target (docs/method.md §2)."""
        if indicator.aggregate != "sum":
            return 1.0
        return 1.0 / max(len(self.children_of(self.region_of(indicator))), 1)

    def to_records(self) -> list[dict[str, Any]]:
        """One plain dict per indicator: the `catalog --json` contract."""
        out = []
        for ind in self.indicators.values():
            plan = self.plans[ind.plan]
            region = self.region_of(ind)
            out.append(
                {
                    "id": ind.id,
                    "plan": ind.plan,
                    "doc_no": plan.doc_no,
                    "region": region,
                    "region_name": self.regions[region].name,
                    "name": ind.name,
                    "name_en": ind.name_en,
                    "domain": ind.domain,
                    "unit": ind.unit,
                    "kind": ind.kind,
                    "cumulative": ind.cumulative,
                    "recurring": ind.recurring,
                    "aggregate": ind.aggregate,
                    "baseline": (
                        {"value": ind.baseline.value, "date": ind.baseline.date.isoformat()}
                        if ind.baseline
                        else None
                    ),
                    "targets": [
                        {
                            "op": s.op,
                            "value": s.value,
                            "low": s.low,
                            "high": s.high,
                            "by": s.by.isoformat(),
                        }
                        for s in ind.targets
                    ],
                    "responsible": list(ind.responsible),
                    "clause": ind.clause,
                    "quote": ind.quote,
                }
            )
        return out


def default_path() -> Path:
    """The catalog in use: METRICS_CONFIG if set, else ./config.yaml."""
    return Path(os.environ.get("METRICS_CONFIG", "config.yaml"))


# libyaml's parser when PyYAML has it (several times faster), with the safe constructor.
_BaseLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_BaseLoader):  # type: ignore[misc, valid-type]
    """Safe loading that leaves an impossible date (2023-02-30) as text for the checks to name."""

    def construct_yaml_timestamp(self, node: yaml.Node) -> Any:  # type: ignore[override]
        try:
            return super().construct_yaml_timestamp(node)
        except ValueError:
            return self.construct_scalar(node)


_Loader.add_constructor("tag:yaml.org,2002:timestamp", _Loader.construct_yaml_timestamp)


_STR = "tag:yaml.org,2002:str"
_MAP = "tag:yaml.org,2002:map"
_SEQ = "tag:yaml.org,2002:seq"
# Scalars built by the loader's own constructors; any other tag (merge keys, !!binary,
# !!set, an unknown tag) leaves the document to PyYAML's constructor.
_SCALARS = frozenset(
    "tag:yaml.org,2002:" + t for t in ("str", "int", "float", "bool", "null", "timestamp")
)
# Deeper documents are left to PyYAML's constructor and the eager locator, so that a
# nesting too deep for the locator is refused as before.
_FAST_DEPTH = 100


class _Unusual(Exception):
    pass


@dataclass(frozen=True)
class _Shape:
    """What the locator would find without walking: nodes visited (aliases expanded, as
    _Locator counts them) and whether a mapping repeats a key."""

    nodes: int
    duplicate: bool


def _build(loader: Any, root: yaml.Node) -> tuple[Any, _Shape]:
    """The data PyYAML's safe constructor builds from the node tree (same values, an
    aliased node is one object), for the plain tags a catalog uses, in one pass that also
    counts the nodes and notices repeated keys; _Unusual for anything else."""
    constructors = loader.yaml_constructors
    memo: dict[int, tuple[Any, int]] = {}
    busy: set[int] = set()
    duplicate = False

    def scalar(node: yaml.Node) -> Any:
        if type(node) is not yaml.ScalarNode or node.tag not in _SCALARS:
            raise _Unusual
        return node.value if node.tag == _STR else constructors[node.tag](loader, node)

    def build(node: yaml.Node, depth: int) -> tuple[Any, int]:
        nonlocal duplicate
        kept = memo.get(id(node))
        if kept is not None:
            return kept
        if depth > _FAST_DEPTH or id(node) in busy:
            raise _Unusual
        kind = type(node)
        if kind is yaml.ScalarNode:
            out = (scalar(node), 1)
        elif kind is yaml.MappingNode and node.tag == _MAP:
            busy.add(id(node))
            mapping: dict[Any, Any] = {}
            names: set[str] = set()
            count = 1
            for key_node, value_node in node.value:
                key = scalar(key_node)
                name = str(key_node.value)
                if name in names:
                    duplicate = True
                names.add(name)
                value, n = build(value_node, depth + 1)
                mapping[key] = value
                count += n
            busy.discard(id(node))
            out = (mapping, count)
        elif kind is yaml.SequenceNode and node.tag == _SEQ:
            busy.add(id(node))
            items: list[Any] = []
            count = 1
            for item in node.value:
                value, n = build(item, depth + 1)
                items.append(value)
                count += n
            busy.discard(id(node))
            out = (items, count)
        else:
            raise _Unusual
        memo[id(node)] = out
        return out

    data, nodes = build(root, 0)
    return data, _Shape(nodes, duplicate)


def _parse_yaml(text: str) -> tuple[yaml.Node | None, Any, _Shape | None]:
    """Parse once: the node tree (with line numbers), the data built from it, and its shape
    (None when PyYAML's constructor built it: the locator must then walk the tree)."""
    loader = _Loader(text)
    try:
        root = loader.get_single_node()
        if root is None:
            return None, None, _Shape(0, False)
        try:
            data, shape = _build(loader, root)
        except Exception:  # anything unusual, or an error PyYAML's constructor must raise
            return root, loader.construct_document(root), None
        return root, data, shape
    finally:
        loader.dispose()


# --- locating fields in the YAML source -------------------------------------------------

Path_ = tuple[str | int, ...]


# A real catalog has some ten thousand YAML nodes; aliases that expand far beyond this
# (a "billion laughs" file) are refused instead of walked.
MAX_NODES = 500_000


class _TooLarge(Exception):
    pass


class _Locator:
    """Maps a field's path (("indicators", 3, "targets", 0, "by")) to its source line."""

    def __init__(self, root: yaml.Node | None, problems: list[Problem], file: str):
        self.lines: dict[Path_, int] = {}
        self.visits = 0
        if root is not None:
            self._walk(root, (), problems, file)

    def _walk(self, node: yaml.Node, path: Path_, problems: list[Problem], file: str) -> None:
        self.visits += 1
        if self.visits > MAX_NODES:
            raise _TooLarge
        self.lines[path] = node.start_mark.line + 1
        if isinstance(node, yaml.MappingNode):
            seen: set[str] = set()
            for key, value in node.value:
                name = str(key.value)
                if name in seen:
                    problems.append(
                        Problem(
                            file,
                            key.start_mark.line + 1,
                            _dotted(path + (name,)),
                            both("catalog.duplicate_key", key=name),
                        )
                    )
                seen.add(name)
                self._walk(value, path + (name,), problems, file)
                self.lines[path + (name,)] = key.start_mark.line + 1
        elif isinstance(node, yaml.SequenceNode):
            for i, item in enumerate(node.value):
                self._walk(item, path + (i,), problems, file)

    def line(self, path: Path_) -> int:
        while path and path not in self.lines:
            path = path[:-1]
        return self.lines.get(path, 1)


class _LazyLocator:
    """A _Locator walked on the first line asked for: a catalog without problems needs none.
    Only for a tree whose shape says the walk finds no problem and stays within MAX_NODES."""

    def __init__(self, root: yaml.Node | None, file: str):
        self._root = root
        self._file = file
        self._walked: _Locator | None = None

    def line(self, path: Path_) -> int:
        if self._walked is None:
            self._walked = _Locator(self._root, [], self._file)
        return self._walked.line(path)


def _locator(
    root: yaml.Node | None, shape: _Shape | None, problems: list[Problem], file: str
) -> _Locator | _LazyLocator:
    """The locator of a parsed file: walked now when the walk has problems to report
    (repeated keys) or its shape is not known; raises _TooLarge as the walk would."""
    if shape is None or shape.duplicate:
        return _Locator(root, problems, file)
    if shape.nodes > MAX_NODES:
        raise _TooLarge
    return _LazyLocator(root, file)


def _dotted(path: Path_) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


_PYDANTIC_KEYS = {
    "missing": "catalog.missing",
    "extra_forbidden": "catalog.extra",
    "date_from_datetime_parsing": "catalog.bad_date",
    "date_parsing": "catalog.bad_date",
    "date_type": "catalog.bad_date",
    "float_parsing": "catalog.bad_number",
    "float_type": "catalog.bad_number",
}


def _pydantic_message(err: dict[str, Any]) -> str:
    loc = err["loc"]
    if err["type"] == "literal_error" and loc and loc[-1] == "op":
        return both("catalog.bad_op")
    if err["type"] == "literal_error" and loc and loc[-1] == "kind":
        return both("catalog.bad_kind")
    if err["type"] == "literal_error" and loc and loc[-1] == "frequency":
        return both("catalog.bad_frequency")
    if err["type"] == "too_short" and loc and loc[-1] == "responsible":
        return both("catalog.no_responsible")
    key = _PYDANTIC_KEYS.get(err["type"])
    if key:
        return both(key)
    return both("catalog.bad_value", detail=err["msg"])


# --- loading -----------------------------------------------------------------------------


def load_catalog(path: str | os.PathLike[str] | None = None) -> Catalog:
    """Load and check a catalog file; raise CatalogError listing every problem."""
    path = Path(path) if path is not None else default_path()
    file = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (FileNotFoundError, IsADirectoryError):
        raise CatalogError(
            [Problem(file, 0, "-", both("catalog.file_missing", path=file))]
        ) from None
    except UnicodeDecodeError as exc:
        raise CatalogError(
            [Problem(file, 0, "-", both("catalog.bad_value", detail=str(exc)))]
        ) from None
    return parse_catalog(text, file=file, path=path)


def parse_catalog(text: str, file: str = "config.yaml", path: Path | None = None) -> Catalog:
    """Check catalog text; the work of load_catalog, usable on text not yet saved.

    The cyclic garbage collector is paused meanwhile: the parse makes some hundred thousand
    objects and no garbage cycles (the loader is disposed), and every collection they would
    set off walks all of them again (a quarter of the parse of a 676-indicator catalog)."""
    paused = gc.isenabled()
    gc.disable()
    try:
        return _parse_catalog(text, file, path)
    finally:
        if paused:
            gc.enable()


def _parse_catalog(text: str, file: str, path: Path | None) -> Catalog:
    problems: list[Problem] = []
    try:
        root, data, shape = _parse_yaml(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else 1
        detail = getattr(exc, "problem", None) or str(exc)
        raise CatalogError(
            [Problem(file, line, "-", both("catalog.yaml_syntax", detail=detail))]
        ) from None
    except RecursionError:
        raise CatalogError([Problem(file, 1, "-", both("catalog.too_deep"))]) from None
    try:
        loc = _locator(root, shape, problems, file)
    except (_TooLarge, RecursionError):
        raise CatalogError(
            [Problem(file, 1, "-", both("catalog.too_large", n=MAX_NODES))]
        ) from None
    if not isinstance(data, dict):
        raise CatalogError(problems + [Problem(file, 1, "-", both("catalog.not_mapping"))])

    # include: [plans/x.yaml, …]: files of plans and indicators added to this catalog
    # (an added plan is one file); their problems are located in their own file
    parts = _include(data, path or Path(file), file, loc, problems)

    def where(p: Path_) -> tuple[str, int, Path_]:
        for section, first, count, inc_file, inc_loc in parts:
            index = p[1] if len(p) > 1 and p[0] == section else None
            if isinstance(index, int) and first <= index < first + count:
                own = (section, index - first) + p[2:]
                return inc_file, inc_loc.line(own), own
        return file, loc.line(p), p

    def problem(p: Path_, key: str, **kw: Any) -> None:
        f, line, own = where(p)
        problems.append(Problem(f, line, _dotted(own), both(key, **kw)))

    def items(section: str) -> list[Any]:
        value = data.get(section) or []
        if not isinstance(value, list):
            problem((section,), "catalog.section_list", section=section)
            return []
        return value

    def validate(model: type[_Model], raw: Any, p: Path_) -> Any:
        try:
            return model.model_validate(raw)
        except ValidationError as exc:
            for err in exc.errors():
                f, line, own = where(p + tuple(err["loc"]))
                problems.append(Problem(f, line, _dotted(own), _pydantic_message(err)))
            return None

    settings = validate(Settings, data.get("settings") or {}, ("settings",)) or Settings()

    # regions: flatten the tree, remember parents
    regions: dict[str, RegionInfo] = {}
    region_paths: dict[str, Path_] = {}  # the first of each code, for a duplicate's line

    def add_region(raw: Any, p: Path_, parent: str | None) -> None:
        region = validate(Region, raw, p)
        if region is None:
            return
        if not REGION_RE.match(region.code):
            problem(p + ("code",), "catalog.region_code", value=region.code)
        elif region.code in regions:
            problem(
                p + ("code",),
                "catalog.duplicate_id",
                value=region.code,
                line=loc.line(region_paths[region.code]),
            )
        else:
            regions[region.code] = RegionInfo(region.code, region.name, region.name_en, parent)
            region_paths[region.code] = p + ("code",)
        for i, child in enumerate(raw.get("children") or []):
            add_region(child, p + ("children", i), region.code)

    for i, raw in enumerate(items("regions")):
        add_region(raw, ("regions", i), None)

    plans: dict[str, Plan] = {}
    plan_paths: dict[str, Path_] = {}
    invalid_plans: set[str] = set()  # their own problems are named; no "unknown plan" after
    for i, raw in enumerate(items("plans")):
        p: Path_ = ("plans", i)
        plan = validate(Plan, raw, p)
        if plan is None:
            if isinstance(raw, dict) and isinstance(raw.get("id"), str):
                invalid_plans.add(raw["id"])
            continue
        if not ID_RE.match(plan.id):
            problem(p + ("id",), "catalog.bad_id", value=plan.id)
        if plan.id in plans:
            line = loc.line(plan_paths[plan.id])
            problem(p + ("id",), "catalog.duplicate_id", value=plan.id, line=line)
            continue
        if plan.region not in regions:
            problem(p + ("region",), "catalog.unknown_region", value=plan.region)
        plans[plan.id] = plan
        plan_paths[plan.id] = p + ("id",)

    indicators: dict[str, Indicator] = {}
    indicator_paths: dict[str, Path_] = {}
    for i, raw in enumerate(items("indicators")):
        p = ("indicators", i)
        ind = validate(Indicator, raw, p)
        if ind is None:
            continue
        before = len(problems)
        _check_indicator(ind, p, plans, regions, problem, invalid_plans)
        if ind.id in indicators:
            line = loc.line(indicator_paths[ind.id])
            problem(p + ("id",), "catalog.duplicate_id", value=ind.id, line=line)
        elif len(problems) == before:
            indicators[ind.id] = ind
            indicator_paths[ind.id] = p + ("id",)

    if problems:
        raise CatalogError(sorted(problems, key=lambda pr: pr.line))
    return Catalog(path or Path(file), settings, regions, plans, indicators)


def _include(
    data: dict[str, Any],
    path: Path,
    file: str,
    loc: _Locator | _LazyLocator,
    problems: list[Problem],
) -> list[tuple[str, int, int, str, _Locator | _LazyLocator]]:
    """Append the plans and indicators of each `include:` file (relative to the catalog's
    folder) to data; return (section, first index, count, file, locator) for each part."""
    names = data.get("include") or []
    if not isinstance(names, list):
        message = both("catalog.section_list", section="include")
        problems.append(Problem(file, loc.line(("include",)), "include", message))
        return []
    parts: list[tuple[str, int, int, str, _Locator | _LazyLocator]] = []
    for i, name in enumerate(names):
        inc = path.parent / str(name)

        def here(message: str, i: int = i) -> Problem:
            return Problem(file, loc.line(("include", i)), f"include[{i}]", message)

        try:
            root, inc_data, shape = _parse_yaml(inc.read_text(encoding="utf-8"))
        except (FileNotFoundError, IsADirectoryError, UnicodeDecodeError):
            problems.append(here(both("catalog.include_missing", path=str(inc))))
            continue
        except yaml.YAMLError as exc:
            detail = getattr(exc, "problem", None) or str(exc)
            problems.append(here(both("catalog.yaml_syntax", detail=f"{inc}: {detail}")))
            continue
        if not isinstance(inc_data, dict) or set(inc_data) - {"plans", "indicators"}:
            problems.append(here(both("catalog.include_keys", path=str(inc))))
            continue
        try:
            inc_loc = _locator(root, shape, problems, str(inc))
        except (_TooLarge, RecursionError):
            problems.append(here(both("catalog.too_large", n=MAX_NODES)))
            continue
        for section in ("plans", "indicators"):
            extra = inc_data.get(section) or []
            if not isinstance(extra, list):
                message = both("catalog.section_list", section=section)
                problems.append(here(message))
                continue
            mine = data.get(section) or []
            if not isinstance(mine, list):
                continue  # named by the section check
            parts.append((section, len(mine), len(extra), str(inc), inc_loc))
            data[section] = mine + extra
    return parts


def _check_indicator(
    ind: Indicator,
    p: Path_,
    plans: dict[str, Plan],
    regions: dict[str, RegionInfo],
    problem: Any,
    invalid_plans: set[str] = frozenset(),  # type: ignore[assignment]
) -> None:
    """The rules pydantic's types cannot say: references, stage shapes, units."""
    plan_id, _, slug = ind.id.partition(".")
    if plan_id != ind.plan or not ID_RE.match(slug):
        problem(p + ("id",), "catalog.indicator_id", value=ind.id, plan=ind.plan)
    if ind.plan in invalid_plans:
        pass  # the plan's own problem (a missing issued date, …) is what to fix
    elif ind.plan not in plans:
        problem(p + ("plan",), "catalog.unknown_plan", value=ind.plan)
    if ind.region is not None and ind.region not in regions:
        problem(p + ("region",), "catalog.unknown_region", value=ind.region)
    if ind.domain not in DOMAINS:
        problem(
            p + ("domain",), "catalog.unknown_domain", value=ind.domain, choices="、".join(DOMAINS)
        )
    if ind.kind == "milestone" and ind.unit != "%":
        problem(p + ("unit",), "catalog.milestone_unit", unit=ind.unit)
    if ind.aggregate == "sum" and ind.unit == "%":
        problem(p + ("aggregate",), "catalog.percent_aggregate")
    if not ind.targets:
        problem(p + ("targets",), "catalog.no_targets")
    previous: date | None = None
    for j, stage in enumerate(ind.targets):
        sp = p + ("targets", j)
        if stage.op == "between":
            if stage.low is None or stage.high is None or stage.value is not None:
                problem(sp, "catalog.between_bounds")
            elif stage.low > stage.high:
                problem(sp + ("low",), "catalog.between_order", low=stage.low, high=stage.high)
        elif stage.value is None or stage.low is not None or stage.high is not None:
            problem(sp, "catalog.stage_value", op=stage.op)
        if ind.unit == "%":
            for v in (stage.value, stage.low, stage.high):
                if v is not None and not 0 <= v <= 100:
                    problem(sp, "catalog.percent_range", value=v)
        if previous is not None and stage.by <= previous:
            problem(sp + ("by",), "catalog.stage_order", by=stage.by)
        if ind.baseline and stage.by < ind.baseline.date:
            problem(
                sp + ("by",),
                "catalog.stage_before_baseline",
                by=stage.by,
                baseline=ind.baseline.date,
            )
        previous = stage.by
