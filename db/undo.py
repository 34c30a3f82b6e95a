"""Undoing an import: each value it wrote goes back to what it replaced (value, note,
source, year-to-date flag and the import that had written it), or is deleted when it
was new; a value changed again since is kept. Revisions record the undo like any other
write, so history stays whole and an undo can itself be traced (and refused in a locked
period)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from sqlalchemy import Connection, select, update

from db import audit, bulk
from db.engine import Database
from db.models import Import
from db.permissions import LOCAL_OPERATOR, Actor, PermissionDenied, write_problem
from db.reviews import refuse_locked
from db.writes import KEY, OBS, REV, update_observations
from metrics.errors import Conflict, NotFound
from metrics.i18n import both


def _is_text(value: object) -> bool:
    return isinstance(value, str)


@dataclass
class UndoReport:
    import_id: int
    restored: int = 0
    deleted: int = 0
    kept: int = 0  # changed again after the import: left as they are


def _undo_targets(conn: Connection, revs: pd.DataFrame) -> pd.DataFrame:
    """Follow the revision chain: a value an undo would give back to an import that has
    itself been undone is replaced by what that import had replaced, until the value
    belongs to something still in force. An import with no revision for the key had
    created it, so the key is deleted (old_value NaN, `gone` True)."""
    revs = revs.assign(gone=False)
    for _ in range(10_000):  # each round steps one import back; a chain cannot loop
        ids = revs.old_import_id.dropna().astype("int64").unique().tolist()
        undone = (
            set(
                conn.scalars(select(Import.id).where(Import.id.in_(ids), Import.status == "undone"))
            )
            if ids
            else set()
        )
        follow = ~revs.gone & revs.old_import_id.isin(undone)
        if not follow.any():
            return revs
        back = pd.DataFrame(
            conn.execute(
                select(
                    *[REV.c[k] for k in KEY],
                    REV.c.import_id,
                    REV.c.old_value,
                    REV.c.old_note,
                    REV.c.old_source,
                    REV.c.old_import_id,
                    REV.c.old_year_to_date,
                ).where(
                    REV.c.import_id.in_(sorted(undone)),
                    REV.c.indicator_id.in_(revs.indicator_id[follow].unique().tolist()),
                )
            ).all(),
            columns=[*KEY, "via", "b_value", "b_note", "b_source", "b_import", "b_ytd"],
        )
        back["period_end"] = pd.to_datetime(back.period_end)
        back["b_value"] = back.b_value.astype("float64")
        back["via"] = back.via.astype("float64")
        step = revs.assign(
            via=revs.old_import_id, period_end=pd.to_datetime(revs.period_end)
        ).merge(back, on=[*KEY, "via"], how="left")
        step.index = revs.index
        step["b_import"] = pd.to_numeric(step.b_import, errors="coerce").astype("float64")
        hit = follow & step.b_value.notna()
        miss = follow & step.b_value.isna()
        for col, src in (
            ("old_value", "b_value"),
            ("old_note", "b_note"),
            ("old_source", "b_source"),
            ("old_import_id", "b_import"),
            ("old_ytd", "b_ytd"),
        ):
            if hit.any():
                revs.loc[hit, col] = step.loc[hit, src]
        revs.loc[miss, "gone"] = True
        revs.loc[miss, "old_import_id"] = np.nan
    raise RuntimeError("revision chain did not end")  # pragma: no cover


def _undo_permission(
    conn: Connection, db: Database, actor: Actor, import_id: int, current: pd.DataFrame
) -> None:
    """The account must be allowed to write every (indicator, region) the import touched:
    those it still holds, those it changed and those later changes took from it. An
    import that holds nothing still needs a writer (a viewer can undo nothing)."""
    touched = pd.DataFrame(
        conn.execute(
            select(REV.c.indicator_id, REV.c.region_code)
            .where((REV.c.import_id == import_id) | (REV.c.old_import_id == import_id))
            .distinct()
        ).all(),
        columns=["indicator_id", "region_code"],
    )
    pairs = pd.concat([current[["indicator_id", "region_code"]], touched]).drop_duplicates()
    problems = [
        p
        for i, r in pairs.itertuples(index=False)
        if (p := write_problem(actor, db.catalog, i, r)) is not None
    ]
    if pairs.empty and (p := write_problem(actor, db.catalog, "", "")) is not None:
        problems.append(p)
    if problems:
        raise PermissionDenied(problems[0])


def undo_import(db: Database, import_id: int, actor: Actor = LOCAL_OPERATOR) -> UndoReport:
    """Revert an import's changes to the values before it, recording each as a revision.

    Values changed again after the import are left alone (and counted), so an undo
    never destroys later work. A value that goes back to an import undone since is
    followed down the revision chain (import A, import B, undo A, undo B leaves the key
    as it was before A). Value, note and source all go back."""
    with db.write() as conn:
        Database.mark_changed(conn)
        imp = conn.execute(select(Import).where(Import.id == import_id)).mappings().first()
        if imp is None:
            raise NotFound(both("undo.unknown", id=import_id))
        if imp["status"] == "undone":
            raise Conflict(both("undo.already", id=import_id, at=imp["undone_at"]))
        current = pd.DataFrame(
            conn.execute(
                select(
                    OBS.c.id,
                    *[OBS.c[k] for k in KEY],
                    OBS.c.value,
                    OBS.c.note,
                    OBS.c.source,
                    OBS.c.year_to_date,
                ).where(OBS.c.import_id == import_id)
            ).all(),
            columns=["obs_id", *KEY, "value", "note", "source", "ytd"],
        )
        _undo_permission(conn, db, actor, import_id, current)
        revs = pd.DataFrame(
            conn.execute(
                select(
                    *[REV.c[k] for k in KEY],
                    REV.c.old_value,
                    REV.c.old_note,
                    REV.c.old_source,
                    REV.c.old_import_id,
                    REV.c.old_year_to_date,
                ).where(REV.c.import_id == import_id)
            ).all(),
            columns=[*KEY, "old_value", "old_note", "old_source", "old_import_id", "old_ytd"],
        )
        revs = _undo_targets(conn, revs.astype({"old_import_id": "float64", "old_ytd": "object"}))
        current["period_end"] = pd.to_datetime(current.period_end)
        revs["period_end"] = pd.to_datetime(revs.period_end)
        touched = current.merge(revs, on=KEY, how="left", indicator=True)
        refuse_locked(conn, touched)  # a locked period stays as approved
        back = (touched._merge == "both") & ~touched.gone.fillna(False).astype(bool)
        # a revision from before migration 9 did not record the flag: it stays as it is
        touched["back_ytd"] = touched.old_ytd.where(touched.old_ytd.notna(), touched.ytd).map(bool)
        restore = touched[back]
        delete = touched[~back]
        at = audit.now()
        reason = f"undo import #{import_id}"
        if not restore.empty:
            update_observations(
                conn,
                pd.DataFrame(
                    {
                        "id": restore.obs_id.astype("int64"),
                        "value": restore.old_value.astype("float64"),
                        "note": restore.old_note.where(restore.old_note.map(_is_text), ""),
                        "source": restore.old_source.where(restore.old_source.map(_is_text), ""),
                        "year_to_date": restore.back_ytd.astype(bool),
                        "import_id": pd.Series(
                            [None if pd.isna(i) else int(i) for i in restore.old_import_id],
                            index=restore.index,
                            dtype=object,
                        ),
                    }
                ),
                actor,
                at,
            )
        if not delete.empty:
            conn.execute(OBS.delete().where(OBS.c.id.in_([int(o) for o in delete.obs_id])))

        def kept(column: str) -> pd.Series:
            kept = touched[column].astype(object).where(back, None)
            return kept.where(kept.notna(), None)

        bulk.insert(
            conn,
            REV,
            pd.DataFrame(
                {
                    **{k: touched[k] for k in KEY},
                    "old_value": touched.value.astype("float64"),
                    "new_value": kept("old_value"),
                    "old_note": touched.note,
                    "new_note": kept("old_note"),
                    "old_source": touched.source,
                    "new_source": kept("old_source"),
                    "old_year_to_date": touched.ytd.astype(bool),
                    "new_year_to_date": kept("back_ytd").map(
                        lambda y: None if y is None else bool(y)
                    ),
                }
            ),
            {"changed_by": actor.name, "changed_at": at, "reason": reason, "import_id": None},
        )
        conn.execute(
            update(Import.__table__)
            .where(Import.id == import_id)
            .values(status="undone", undone_at=at, undone_by=actor.name)
        )
        report = UndoReport(
            import_id,
            restored=len(restore),
            deleted=len(delete),
            kept=int(imp["inserted"] + imp["updated"]) - len(touched),
        )
        audit.record(
            conn,
            actor.name,
            "undo",
            import_id=import_id,
            restored=report.restored,
            deleted=report.deleted,
            kept=report.kept,
        )
    return report
