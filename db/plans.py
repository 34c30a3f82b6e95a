"""Adding a reviewed plan to the catalog: one YAML file per plan, included from config.yaml.

The dashboard's extract page hands over the reviewed plan header and entries; this module
checks them with the catalog's own loader, writes `plans/<plan-id>.yaml` next to the
catalog, adds it to the catalog's `include:` list, syncs the database so the new
indicators show at once, and records the addition in the audit log, in the sync's own
transaction. A plan that does not validate, or whose sync or audit row cannot be written,
changes nothing: no file is left behind, config.yaml keeps its text and the database its
rows.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from db import audit
from db.engine import Database
from db.permissions import Actor, require_admin
from db.sync import SyncResult, sync_catalog_in
from metrics.catalog import ID_RE, CatalogError, parse_catalog
from metrics.errors import Conflict, InvalidInput
from metrics.extract import catalog_yaml, review_problems
from metrics.extract.review import field_both
from metrics.i18n import both

PLANS_DIR = "plans"  # relative to the catalog's folder
HEADER_FIELDS = ("id", "title", "issuer", "issued", "region")  # what a plan must state


@dataclass(frozen=True)
class AddedPlan:
    plan_id: str
    file: Path
    indicators: int
    sync: SyncResult
    include: str = ""  # the file as config.yaml names it, relative to the catalog's folder


def header_problems(plan: dict[str, Any]) -> list[str]:
    """The plan header's missing or malformed fields, each named (bilingual)."""
    problems = [
        field_both("plan_add.header_missing", key)
        for key in HEADER_FIELDS
        if plan.get(key) is None or not str(plan[key]).strip()  # "  " is no title either
    ]
    if plan.get("id") and not ID_RE.match(str(plan["id"])):
        problems.append(both("extract.bad_plan_id", value=plan["id"]))
    return problems


def with_include(config_text: str, name: str) -> str:
    """config.yaml's text with `name` appended to its top-level `include:` list (created at
    the end when there is none); every other line is kept as it was."""
    data = yaml.safe_load(config_text) or {}
    if "include" not in data or data["include"] is None:
        body = re.sub(r"^include:[ \t]*(?:null|~)?[ \t]*\n?", "", config_text, flags=re.M)
        return body.rstrip("\n") + f"\n\ninclude:\n  - {name}\n"
    flow = re.search(r"^include:[ \t]*\[(.*)\][ \t]*$", config_text, flags=re.M)
    if flow:
        items = flow.group(1).strip()
        joined = f"{items}, {name}" if items else name
        return config_text[: flow.start()] + f"include: [{joined}]" + config_text[flow.end() :]
    lines = config_text.splitlines(keepends=True)
    start = next(i for i, line in enumerate(lines) if re.match(r"^include:", line))
    end = start + 1
    while end < len(lines) and re.match(r"^(?:[ \t]+-|[ \t]*$|[ \t]*#)", lines[end]):
        end += 1
    while end > start + 1 and not lines[end - 1].strip():
        end -= 1  # after the last item, before blank lines
    indent = re.match(r"^([ \t]+)-", lines[end - 1]) if end > start + 1 else None
    lines.insert(end, f"{indent.group(1) if indent else '  '}- {name}\n")
    if end == len(lines) - 1 and not lines[end - 1].endswith("\n"):
        lines[end - 1] += "\n"
    return "".join(lines)


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def add_plan(
    db: Database,
    actor: Actor,
    config_path: Path,
    plan: dict[str, Any],
    entries: list[dict[str, Any]],
) -> AddedPlan:
    """Add a reviewed plan and its indicators to the catalog and the database (admins only).

    Raises InvalidInput listing every problem (a missing `issued` date, an entry still a
    draft, an unknown region, …) or Conflict when the plan id or its file already exists;
    in both cases nothing is written anywhere."""
    require_admin(actor)
    problems = header_problems(plan)
    if problems:
        raise InvalidInput("\n".join(problems))
    if not entries:
        raise InvalidInput(both("plan_add.no_entries", plan=plan["id"]))
    plan_id = str(plan["id"])
    config_text = config_path.read_text(encoding="utf-8")
    if plan_id in db.catalog.plans:
        raise Conflict(both("plan_add.exists", plan=plan_id))
    name = f"{PLANS_DIR}/{plan_id}.yaml"
    target = config_path.parent / name
    if target.exists():
        raise Conflict(both("plan_add.file_exists", path=name))

    plan_text = catalog_yaml(plan, entries)
    problems = review_problems(plan_text, config_text, file=name, catalog_path=config_path)
    if problems:
        raise InvalidInput("\n".join(problems))
    new_config = with_include(config_text, name)

    made_dir = not target.parent.exists()
    target.parent.mkdir(exist_ok=True)
    target.write_text(plan_text, encoding="utf-8")
    old_catalog = db.catalog
    try:
        catalog = parse_catalog(new_config, file=str(config_path), path=config_path)
        _write_atomic(config_path, new_config)
        db.catalog = catalog
        try:
            result = _sync_and_record(db, actor, plan_id, name, [e["id"] for e in entries])
        except BaseException:
            _write_atomic(config_path, config_text)
            db.catalog = old_catalog
            raise
    except BaseException as exc:
        target.unlink(missing_ok=True)
        if made_dir and not any(target.parent.iterdir()):
            target.parent.rmdir()
        if isinstance(exc, CatalogError):
            raise InvalidInput(str(exc)) from None
        raise
    return AddedPlan(plan_id, target, len(entries), result, name)


def _sync_and_record(
    db: Database, actor: Actor, plan_id: str, name: str, indicator_ids: list[str]
) -> SyncResult:
    """The catalog sync and the `plan_added` audit row in ONE transaction: if either fails,
    neither the new catalog rows nor the audit rows land (the caller then restores the files)."""
    with db.write() as conn:
        result = sync_catalog_in(conn, db, actor)
        audit.record(
            conn, actor.name, "plan_added", plan=plan_id, file=name, indicators=indicator_ids
        )
    return result
