"""The review table: the dashboard page edits a draft as rows, and checks the result against
the current catalog before anyone pastes it in.

One row per entry, the last stage in columns and earlier stages as short text
(">=35@2023-12-31"); edited rows go back to entries, each bad cell named by its row; the
reviewed YAML is checked with the catalog's own loader (`parse_catalog`).
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from metrics.catalog import CatalogError, Problem, parse_catalog
from metrics.extract.lexicon import plain_number
from metrics.extract.writer import stage_dict, without_note
from metrics.i18n import both, t

ROW_COLUMNS = [
    "reviewed",
    "keep",
    "id",
    "kind",
    "name",
    "name_en",
    "unit",
    "op",
    "value",
    "low",
    "high",
    "by",
    "earlier",
    "baseline_value",
    "baseline_date",
    "cumulative",
    "recurring",
    "domain",
    "responsible",
    "clause",
    "quote",
    "note",
]
_NUMBER = re.compile(r"\s*[-+]?\d[\d,，.．]*\s*")  # "2.5", "1,000": a value, not a unit
_STAGE_TEXT = re.compile(
    r"^\s*(?:(?P<op>>=|<=|==)\s*(?P<value>-?\d+(?:\.\d+)?)"
    r"|between\s*(?P<low>-?\d+(?:\.\d+)?)\s*[-~]\s*(?P<high>-?\d+(?:\.\d+)?))"
    r"\s*@\s*(?P<by>\d{4}-\d{2}-\d{2})\s*$"
)


def stage_text(stage: dict[str, Any]) -> str:
    """An earlier stage as one short line: ">=35@2023-12-31", "between 8-10@2027-12-31"."""
    by = stage["by"].isoformat() if isinstance(stage["by"], date) else stage["by"]
    if stage["op"] == "between":
        return f"between {plain_number(stage['low'])}-{plain_number(stage['high'])}@{by}"
    return f"{stage['op']}{plain_number(stage['value'])}@{by}"


def parse_stage_text(text: str) -> dict[str, Any]:
    """The inverse of stage_text; a ValueError names the text and the expected form."""
    m = _STAGE_TEXT.match(text)
    if not m:
        raise ValueError(both("extract.bad_stage", text=text))
    try:
        by = date.fromisoformat(m.group("by"))
    except ValueError:
        raise ValueError(both("extract.bad_stage", text=text)) from None
    if m.group("op"):
        return stage_dict(m.group("op"), by, float(m.group("value")))
    return stage_dict("between", by, low=float(m.group("low")), high=float(m.group("high")))


def entry_rows(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One editable row per entry: the last stage in columns, earlier stages as text."""
    rows = []
    for e in entries:
        last = e["targets"][-1]
        baseline = e.get("baseline") or {}
        rows.append(
            {
                "reviewed": not e.get("draft", False),
                "keep": True,
                "id": e["id"],
                "kind": e["kind"],
                "name": e["name"],
                "name_en": e["name_en"],
                "unit": e["unit"],
                "op": last["op"],
                "value": last.get("value"),
                "low": last.get("low"),
                "high": last.get("high"),
                "by": last["by"],
                "earlier": "；".join(stage_text(s) for s in e["targets"][:-1]),
                "baseline_value": baseline.get("value"),
                "baseline_date": baseline.get("date"),
                "cumulative": bool(e.get("cumulative")),
                "recurring": e.get("recurring") == "yearly",
                "domain": e["domain"],
                "responsible": "；".join(e["responsible"]),
                "clause": e.get("clause", ""),
                "quote": e.get("quote", ""),
                "note": e.get("note", ""),
            }
        )
    return rows


def _cell(value: Any) -> Any:
    """A table cell as YAML wants it: NaN and NaT (empty cells) become None."""
    if value is None:
        return None
    try:
        if value != value:  # NaN, NaT
            return None
    except (TypeError, ValueError):
        return value
    if hasattr(value, "date") and callable(value.date):
        return value.date()  # pandas Timestamp
    return value


def rows_entries(
    rows: list[dict[str, Any]], plan_id: str
) -> tuple[list[dict[str, Any]], list[str]]:
    """Entries back from edited rows (kept rows only), with a bilingual problem per bad cell."""
    entries: list[dict[str, Any]] = []
    problems: list[str] = []
    for n, raw in enumerate(rows, start=1):
        row = {k: _cell(v) for k, v in raw.items()}
        if not row.get("keep", True):
            continue
        targets: list[dict[str, Any]] = []
        for part in re.split(r"[；;]", str(row.get("earlier") or "")):
            if part.strip():
                try:
                    targets.append(parse_stage_text(part))
                except ValueError as exc:
                    problems.append(f"#{n}: {exc}")
        op = row.get("op") or ">="
        targets.append(
            stage_dict(op, row.get("by"), row.get("value"), row.get("low"), row.get("high"))
        )
        entry: dict[str, Any] = {"id": row.get("id") or f"{plan_id}.draft-{n}", "plan": plan_id}
        if not row.get("reviewed"):
            entry["draft"] = True
        entry.update(
            {
                "name": row.get("name") or "",
                "name_en": row.get("name_en") or "",
                "domain": row.get("domain") or "",
                "unit": row.get("unit") or "",
                "kind": row.get("kind") or "quantity",
            }
        )
        if row.get("cumulative"):
            entry["cumulative"] = True
        if row.get("recurring"):
            entry["recurring"] = "yearly"
        base_value, base_date = row.get("baseline_value"), row.get("baseline_date")
        if base_value is not None or base_date is not None:
            # written even when half given, so that the catalog's loader refuses it too
            entry["baseline"] = {"value": plain_number(base_value), "date": base_date}
            if base_value is None or base_date is None:
                problems.append(both("extract.baseline_incomplete", n=n))
        entry["targets"] = targets
        entry["responsible"] = [
            u.strip() for u in re.split(r"[；;]", str(row.get("responsible") or "")) if u.strip()
        ]
        entry["clause"] = row.get("clause") or ""
        entry["quote"] = row.get("quote") or ""
        note = str(row.get("note") or "")
        if entry["responsible"]:  # the reviewer has named the unit the text did not
            note = without_note(note, "extract.note_no_unit")
        if note:
            entry["note"] = note
        entries.append(entry)
    return entries, problems


def review_problems(
    draft_text: str, catalog_text: str, file: str = "draft.yaml", catalog_path: Path | None = None
) -> list[str]:
    """Every reason a reviewed draft cannot be pasted into the catalog yet, bilingual.

    The draft is appended to the current catalog (its plans and indicators) and checked
    with parse_catalog, so an unknown region or a duplicate id is found as well; entries
    still marked draft or with placeholder text are listed too.
    """
    try:
        draft = yaml.safe_load(draft_text) or {}
        catalog = yaml.safe_load(catalog_text) or {}
    except yaml.YAMLError as exc:
        return [both("catalog.yaml_syntax", detail=str(exc))]
    if not isinstance(draft, dict) or not isinstance(draft.get("indicators", []), list):
        return [both("extract.not_draft")]
    merged = dict(catalog) if isinstance(catalog, dict) else {}
    known_plans = {p.get("id") for p in merged.get("plans") or [] if isinstance(p, dict)}
    merged["plans"] = list(merged.get("plans") or []) + [
        p
        for p in draft.get("plans") or []
        if isinstance(p, dict) and p.get("id") not in known_plans
    ]
    merged["indicators"] = list(merged.get("indicators") or []) + list(
        draft.get("indicators") or []
    )
    problems: list[str] = []
    try:
        parse_catalog(
            yaml.safe_dump(merged, allow_unicode=True, sort_keys=False),
            file=file,
            path=catalog_path,  # where the catalog's include: files are found
        )
    except CatalogError as exc:
        problems.extend(_draft_problem(p, merged, catalog) for p in exc.problems)
    for plan in draft.get("plans") or []:
        if isinstance(plan, dict) and not str(plan.get("title") or "").strip():
            problems.append(field_both("plan_add.header_missing", "title"))
    for n, entry in enumerate(draft.get("indicators") or [], start=1):
        if not isinstance(entry, dict):
            continue
        if entry.get("draft"):
            problems.append(both("extract.draft_left", n=n))
        for key in ("name_en", "name"):
            if str(entry.get(key, "")).startswith("TODO"):
                problems.append(field_both("extract.todo_left", f"col.{key}", n=n, field=key))
        unit = entry.get("unit")
        if isinstance(unit, int | float) or _NUMBER.fullmatch(str(unit or "")):
            # a stray number in the unit cell loads (it is text) but tracks nothing
            problems.append(both("extract.unit_number", n=n, unit=unit))
    return problems


def field_both(key: str, name: str, /, **kwargs: object) -> str:
    """A bilingual sentence naming a field (`extract.field.<name>`, or `extract.<name>` for
    "col.…") in each language ({zh}/{en}), rather than by its YAML key in the Chinese half."""
    label = f"extract.{name}" if "." in name else f"extract.field.{name}"
    return both(key, zh=t(label, "zh"), en=t(label, "en"), **kwargs)


def _draft_problem(problem: Problem, merged: dict[str, Any], catalog: Any) -> str:
    """A catalog problem, located in the draft's own numbering where it is about an entry."""
    offset = len(catalog.get("indicators") or []) if isinstance(catalog, dict) else 0
    m = re.match(r"indicators\[(\d+)\](.*)", problem.field)
    if m and int(m.group(1)) >= offset:
        n = int(m.group(1)) - offset + 1
        ident = merged["indicators"][int(m.group(1))].get("id", "")
        return f"#{n} {ident}{m.group(2)}: {problem.message}"
    return f"{problem.field}: {problem.message}"
