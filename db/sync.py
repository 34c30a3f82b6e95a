"""Catalog sync: config.yaml → regions, plans, indicators and target stages.

Idempotent (an unchanged catalog writes nothing) and never destructive: an
indicator removed from the catalog is marked retired and keeps its observations.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, delete, select, update

from db import audit
from db.engine import Database
from db.models import Indicator, Plan, Region, TargetStage
from db.permissions import LOCAL_OPERATOR, Actor, require_admin


@dataclass(frozen=True)
class SyncResult:
    added: int = 0
    changed: int = 0
    retired: int = 0
    unchanged: int = 0

    @property
    def wrote(self) -> bool:
        return bool(self.added or self.changed or self.retired)


def _rows(db: Database) -> tuple[list[dict], list[dict], list[dict], dict[str, list[dict]]]:
    cat = db.catalog
    regions = [
        {"code": r.code, "name": r.name, "name_en": r.name_en, "parent_code": r.parent}
        for r in cat.regions.values()
    ]
    plans = [
        {
            "id": p.id,
            "title": p.title,
            "doc_no": p.doc_no,
            "issuer": p.issuer,
            "issued": p.issued,
            "region_code": p.region,
        }
        for p in cat.plans.values()
    ]
    indicators, stages = [], {}
    for ind in cat.indicators.values():
        indicators.append(
            {
                "id": ind.id,
                "plan_id": ind.plan,
                "region_code": cat.region_of(ind),
                "name": ind.name,
                "name_en": ind.name_en,
                "domain": ind.domain,
                "unit": ind.unit,
                "kind": ind.kind,
                "responsible": list(ind.responsible),
                "definition": ind.model_dump(mode="json"),
            }
        )
        stages[ind.id] = [
            {
                "indicator_id": ind.id,
                "seq": i,
                "op": s.op,
                "value": s.value,
                "low": s.low,
                "high": s.high,
                "by": s.by,
            }
            for i, s in enumerate(ind.targets)
        ]
    return regions, plans, indicators, stages


def sync_digest(db: Database, schema_version: int) -> str:
    """What a sync would write, as one digest: the rows made of the catalog, the schema
    version and this module's source (a changed sync rule is a changed digest). Equal
    digests mean a sync would change nothing (db.connect skips it then)."""
    text = json.dumps(_rows(db), sort_keys=True, ensure_ascii=False, default=str)
    h = hashlib.sha256(text.encode("utf-8"))
    h.update(f"\nschema {schema_version}\n".encode())
    h.update(Path(__file__).read_bytes())
    return h.hexdigest()


def _upsert(conn: Connection, table: Any, key: str, rows: list[dict]) -> tuple[set, set, set]:
    """Insert new rows, update changed ones, retire the ones gone; returns the key sets."""
    cols = [table.c[k] for k in (rows[0] if rows else {key: None})]
    existing = {r[0]: r for r in conn.execute(select(*cols, table.c.retired))}
    wanted = {r[key]: r for r in rows}
    new = [r for k, r in wanted.items() if k not in existing]
    changed = [
        r
        for k, r in wanted.items()
        if k in existing and (tuple(existing[k][:-1]) != tuple(r.values()) or existing[k][-1])
    ]
    gone = {k for k, r in existing.items() if k not in wanted and not r[-1]}
    if new:
        conn.execute(table.insert(), [{**r, "retired": False} for r in new])
    for r in changed:
        # The key itself is not re-set: on SQLite that would make every referencing
        # observation be checked again (a full scan at a million rows).
        values = {k: v for k, v in r.items() if k != key}
        conn.execute(update(table).where(table.c[key] == r[key]).values(**values, retired=False))
    if gone:
        conn.execute(update(table).where(table.c[key].in_(gone)).values(retired=True))
    return {r[key] for r in new}, {r[key] for r in changed}, gone


def sync_catalog(db: Database, actor: Actor = LOCAL_OPERATOR) -> SyncResult:
    """Make the database's catalog tables match config.yaml; admins only."""
    require_admin(actor)
    with db.write() as conn:
        return sync_catalog_in(conn, db, actor)


def sync_catalog_in(conn: Connection, db: Database, actor: Actor = LOCAL_OPERATOR) -> SyncResult:
    """`sync_catalog` on the caller's connection, inside the caller's transaction, so that a
    caller can write more (e.g. its own audit row) and have all of it land or none
    (db/plans.py adds a plan that way); admins only."""
    require_admin(actor)
    regions, plans, indicators, stages = _rows(db)
    _upsert(conn, Region.__table__, "code", regions)
    _upsert(conn, Plan.__table__, "id", plans)
    new, changed, gone = _upsert(conn, Indicator.__table__, "id", indicators)
    touched = new | changed
    if touched:
        conn.execute(delete(TargetStage).where(TargetStage.indicator_id.in_(touched)))
        conn.execute(TargetStage.__table__.insert(), [s for i in touched for s in stages[i]])
    result = SyncResult(
        len(new), len(changed), len(gone), len(indicators) - len(new) - len(changed)
    )
    if result.wrote:
        Database.mark_changed(conn)
        audit.record(
            conn,
            actor.name,
            "catalog_sync",
            added=sorted(new),
            changed=sorted(changed),
            retired=sorted(gone),
        )
    return result
