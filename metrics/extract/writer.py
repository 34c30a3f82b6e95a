"""The YAML draft: proposals as catalog entries, written the way config.yaml is written.

Block entries with flow stages (`- {op: ">=", value: 90, by: 2026-12-31}`), a comment with
the heading each entry was read under, and `draft: true` plus a placeholder English name on
every entry, so nothing is pasted into the catalog unreviewed.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

import yaml

from metrics.extract.lexicon import plain_number
from metrics.i18n import TEXT

if TYPE_CHECKING:  # the extractor imports this module to write its drafts
    from metrics.extract.extractor import Draft
    from metrics.extract.proposals import Proposal

TODO_EN = "TODO: English name"


def _note_text(notes: list[tuple[str, dict[str, Any]]]) -> str:
    """The notes as one bilingual line: every Chinese note, then every English one."""
    if not notes:
        return ""
    zh = "；".join(TEXT[k][0].format(**kw) for k, kw in notes)
    en = "; ".join(TEXT[k][1].format(**kw) for k, kw in notes)
    return f"{zh} / {en}"


def without_note(note: str, key: str) -> str:
    """`note` (as _note_text writes it) without the sentence `key` in either half: the review
    table drops a note the reviewer has made untrue ("no unit stated" once units are filled).
    A note edited out of that shape is left as it is."""
    zh, en = TEXT[key]
    if " / " not in note:
        return note
    zh_half, en_half = note.split(" / ", 1)

    def drop(half: str, sentence: str, sep: str) -> str:
        if half == sentence:
            return ""
        if half.startswith(sentence + sep):
            return half[len(sentence + sep) :]
        if half.endswith(sep + sentence):
            return half[: -len(sep + sentence)]
        return half.replace(sep + sentence + sep, sep)

    zh_half, en_half = drop(zh_half, zh, "；"), drop(en_half, en, "; ")
    if not zh_half and not en_half:
        return ""
    return f"{zh_half} / {en_half}"


def stage_dict(
    op: str,
    by: Any,
    value: float | None = None,
    low: float | None = None,
    high: float | None = None,
) -> dict[str, Any]:
    """One target stage in the catalog's schema and key order: op, value (or low and high
    for `between`), by."""
    stage: dict[str, Any] = {"op": op}
    if op == "between":
        stage["low"], stage["high"] = plain_number(low), plain_number(high)
    else:
        stage["value"] = plain_number(value)
    stage["by"] = by
    return stage


def proposal_entry(plan_id: str, n: int, p: Proposal) -> dict[str, Any]:
    """A proposal as a catalog indicator dict, in config.yaml's key order, marked draft."""
    targets = [stage_dict(s.op, s.by, s.value, s.low, s.high) for s in p.stages]
    entry: dict[str, Any] = {
        "id": f"{plan_id}.draft-{n}",
        "plan": plan_id,
        "draft": True,
        "name": p.name,
        "name_en": TODO_EN,
        "domain": p.domain,
        "unit": p.unit,
        "kind": p.kind,
    }
    if p.cumulative:
        entry["cumulative"] = True
    if p.recurring:
        entry["recurring"] = "yearly"
    if p.baseline is not None:
        entry["baseline"] = {"value": plain_number(p.baseline[0]), "date": p.baseline[1]}
    entry["targets"] = targets
    entry["responsible"] = list(p.responsible)
    entry["clause"] = p.clause
    entry["quote"] = p.quote
    note = _note_text(p.notes)
    if note:
        entry["note"] = note
    return entry


def _scalar(value: Any) -> str:
    """One YAML scalar as config.yaml writes it (quoted only when YAML needs it)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, int | float):
        return str(value)
    if value == "":
        return '""'
    dumped = yaml.safe_dump(value, allow_unicode=True, default_flow_style=True, width=10**9)
    return dumped.strip().removesuffix("...").strip()


def _flow(items: dict[str, Any] | list[Any]) -> str:
    if isinstance(items, dict):
        parts = []
        for k, v in items.items():
            text = _scalar(v)
            if k == "op":
                text = f'"{v}"'
            parts.append(f"{k}: {text}")
        return "{" + ", ".join(parts) + "}"
    return "[" + ", ".join(_scalar(v) for v in items) + "]"


def draft_yaml(draft: Draft) -> str:
    """The draft as catalog YAML, commented like config.yaml, ready for review."""
    comments = []
    last_heading = None
    for p in draft.proposals:
        lines = []
        if p.heading != last_heading:
            lines.append(p.heading)
            last_heading = p.heading
        if p.deadline_source == "horizon":
            lines.append(f"No year stated: the plan's horizon ({p.stages[-1].by}) is used.")
        comments.append(lines)
    return catalog_yaml(draft.plan, draft.entries(), comments, draft.goal_year)


def catalog_yaml(
    plan: dict[str, Any] | None,
    entries: list[dict[str, Any]],
    comments: list[list[str]] | None = None,
    goal_year: int | None = None,
) -> str:
    """Plans and indicators as config.yaml writes them: block entries, flow stages."""
    lines = [
        "# 由 python -m metrics extract 自动生成的草稿：每条均需人工审核（数值、单位、期限、责任单位、",
        "# 英文名称），审核后删除 draft: true。 / Draft generated by python -m metrics extract: review",
        "# every entry (value, unit, deadline, units, English name), then remove draft: true.",
    ]
    if goal_year:
        lines.append(f"# 方案期限 / plan horizon: {goal_year}")
    if plan is not None:
        lines.append("plans:")
        for i, (k, v) in enumerate(plan.items()):
            text = f'"{v}"' if k == "region" else _scalar(v)
            lines.append(f"  {'- ' if i == 0 else '  '}{k}: {text}")
        lines.append("")
    lines.append("indicators:" if entries else "indicators: []")
    for n, entry in enumerate(entries):
        lines.append("")
        lines.extend(f"# {c}" for c in (comments[n] if comments else []))
        for i, (key, value) in enumerate(entry.items()):
            prefix = "- " if i == 0 else "  "
            if key == "targets":
                lines.append(f"{prefix}targets:")
                lines.extend(f"    - {_flow(stage)}" for stage in value)
            elif key == "responsible":
                lines.append(f"{prefix}responsible: {_flow(value)}")
            elif key == "unit" and value == "%":
                lines.append(f'{prefix}unit: "%"')
            else:
                lines.append(f"{prefix}{key}: {_scalar(value)}")
    return "\n".join(lines) + "\n"
