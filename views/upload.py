"""批量导入 / Import: a statistics sheet at once, previewed before anything is written.

The page reads, calls and draws: `db.writes.import_file` reads and checks the file,
checks the account's permission and writes (all or nothing unless only the valid rows
are asked for); `undo_import` reverts an import. A dry run is shown first so an analyst
sees every problem row and every change before choosing to write. Writes happen in
button callbacks, before the page is drawn again, so the history below is already new.
"""

from __future__ import annotations

import hashlib
import math
from datetime import date
from typing import Any

import numpy as np
import pandas as pd
import streamlit as st

from db import queries
from db.engine import DatabaseBusy
from db.writes import UndoReport, WriteReport, import_file, undo_import
from metrics.catalog import Catalog
from metrics.errors import MetricsError
from metrics.exports import template_sheet, to_csv_bytes, to_xlsx_bytes
from metrics.i18n import TEXT
from metrics.importer import ERROR_COLUMNS, ImportFileError, read_table
from metrics.progress import status_label
from metrics.values import format_value
from views.auth import acting_actor
from views.common import data_version, get_db, lang, plain, status, tr

PREFIX = "upload."
PREVIEW_ROWS = (
    500  # rows drawn styled (Styler costs ~0.3 ms a row per rerun); problems list is whole
)
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_ROW_COLOURS = {
    "error": "background-color: #fde2e1",
    "update": "background-color: #fff4ce",
    "insert": "background-color: #e6f4ea",
}


def _key(name: str) -> str:
    return PREFIX + name


def _cell(value: object) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return str(value)


def _when(x: object) -> str:
    return "" if x is None or pd.isna(x) else pd.Timestamp(x).strftime("%Y-%m-%d %H:%M")


def _region_name(catalog: Catalog, code: str) -> str:
    info = catalog.regions[code]
    return info.name if lang() == "zh" else (info.name_en or info.name)


def _unique(names: list[object]) -> list[str]:
    """Column names made unique and textual (a sheet may repeat or leave out headers)."""
    seen: dict[str, int] = {}
    out = []
    for i, name in enumerate(names, start=1):
        text = _cell(name).strip() or f"#{i}"
        seen[text] = seen.get(text, 0) + 1
        out.append(text if seen[text] == 1 else f"{text} ({seen[text]})")
    return out


@st.cache_data(show_spinner=False, max_entries=2)
def _template(fmt: str, catalog_path: str) -> bytes:
    """The import template (one row per indicator), built once per catalog."""
    sheet = template_sheet(get_db().catalog)
    return to_csv_bytes(sheet) if fmt == "csv" else to_xlsx_bytes(sheet, sheet="template")


@st.cache_data(show_spinner=False, max_entries=4)
def _imports(version: tuple[int, int, int]) -> pd.DataFrame:
    return queries.imports(get_db())


def preview_table(raw: pd.DataFrame, report: WriteReport) -> tuple[pd.DataFrame, pd.DataFrame]:
    """What the import would do with each row of the file (new / update / unchanged /
    problem, old and new value, the problems), and the file's own cells as text.

    Both frames share the row positions; their wording is left to `_drawn`, so the
    preview of a large file is built once and drawn in either language."""
    sheet = pd.DataFrame(
        {col: raw.iloc[:, i].map(_cell) for i, col in enumerate(_unique(list(raw.columns)))}
    )
    n = len(sheet)
    result = np.full(n, "", dtype=object)
    indicator = np.full(n, "", dtype=object)
    old = np.full(n, np.nan)
    new = np.full(n, np.nan)
    messages = np.full(n, "", dtype=object)
    changes = report.changes
    if changes is not None and not changes.empty:
        pos = changes.row.to_numpy(dtype=int) - 2
        result[pos] = changes.change.to_numpy()
        indicator[pos] = changes.indicator_id.to_numpy()
        old[pos] = changes.old_value.to_numpy(dtype=float)
        new[pos] = changes.value.to_numpy(dtype=float)
    if report.errors:
        errors = pd.DataFrame(report.errors)
        text = "[" + errors.column.astype(str) + "] “" + errors.value.astype(str) + "”: "
        text = text + errors.message.astype(str)
        joined = text.groupby(errors.row.astype(int)).agg("；".join)
        pos = joined.index.to_numpy() - 2
        inside = (pos >= 0) & (pos < n)
        result[pos[inside]] = "error"
        messages[pos[inside]] = joined.to_numpy()[inside]
    rows = pd.DataFrame(
        {
            "row": np.arange(2, n + 2),
            "result": result,
            "indicator": indicator,
            "old": old,
            "new": new,
            "messages": messages,
        },
        index=sheet.index,
    )
    return rows, sheet


def _drawn(rows: pd.DataFrame, sheet: pd.DataFrame, catalog: Catalog) -> Any:
    """The rows to draw in the current language, problem rows red, updates amber, new
    values green."""
    units = {i.id: i.unit for i in catalog.indicators.values()}
    words = []
    for kind, ind, old, new in zip(rows.result, rows.indicator, rows.old, rows.new, strict=True):
        unit = units.get(ind, "")
        if kind == "update":
            words.append(f"{format_value(old, unit, lang())} → {format_value(new, unit, lang())}")
        elif kind == "insert":
            words.append(f"— → {format_value(new, unit, lang())}")
        elif kind == "unchanged":
            words.append(format_value(new, unit, lang()))
        else:
            words.append("")
    ours = pd.DataFrame(
        {
            tr("upload.col.row"): rows.row,
            tr("upload.col.result"): [tr(f"upload.change.{r}") if r else "" for r in rows.result],
            tr("upload.col.change"): words,
            tr("upload.col.messages"): rows.messages,
        },
        index=rows.index,
    )
    theirs = sheet.loc[rows.index]
    theirs.columns = _unique([*ours.columns, *theirs.columns])[len(ours.columns) :]
    shown = pd.concat([ours, theirs], axis=1)
    colours = rows.result.map(_ROW_COLOURS).fillna("").to_numpy()
    styles = pd.DataFrame(
        np.repeat(colours[:, None], shown.shape[1], axis=1),
        index=shown.index,
        columns=shown.columns,
    )
    return shown.style.apply(lambda _: styles, axis=None)


def _problem_rows(report: WriteReport) -> int:
    return len({e["row"] for e in report.errors})


def _preview(data: bytes, name: str) -> dict[str, Any]:
    """The dry run of this file against the data as stored now, kept in the session until
    the file or the stored data change (a large file is read once, not on every click)."""
    sha = hashlib.sha256(data).hexdigest()
    version = data_version()
    cached = st.session_state.get(_key("preview"))
    if cached and cached["sha"] == sha and cached["name"] == name and cached["version"] == version:
        return cached
    db = get_db()
    max_rows = db.catalog.settings.upload_max_rows
    try:
        report = import_file(db, data, name, acting_actor(), dry_run=True, max_rows=max_rows)
        raw = read_table(data, name)
    except DatabaseBusy as exc:  # not the file's fault: not kept, the next rerun tries again
        return {"busy": str(exc)}
    except ImportFileError as exc:
        preview: dict[str, Any] = {"error": str(exc)}
    else:
        preview = {"report": report, "rows": preview_table(raw, report)}
    preview.update(sha=sha, name=name, version=version)
    st.session_state[_key("preview")] = preview
    return preview


def _status_of(keys: pd.DataFrame) -> pd.Series:
    """The engine's status today for each (indicator_id, region_code) row."""
    frame = status(date.today())
    lookup = dict(zip(zip(frame.indicator, frame.region, strict=True), frame.status, strict=True))
    return pd.Series(
        [lookup.get((i, r), "") for i, r in zip(keys.indicator_id, keys.region_code, strict=True)],
        index=keys.index,
        dtype=object,
    )


def _write(uploader_key: str, skip_invalid: bool) -> None:
    """Import the uploaded file for real (callback: runs before the page is drawn again)."""
    ss = st.session_state
    uploaded = ss.get(uploader_key)
    if uploaded is None:
        return
    db = get_db()
    preview = ss.get(_key("preview")) or {}
    report: WriteReport | None = preview.get("report")
    keys = pd.DataFrame(columns=["indicator_id", "region_code"])
    if report is not None and report.changes is not None:
        touched = report.changes[report.changes.change != "unchanged"]
        keys = touched[["indicator_id", "region_code"]].drop_duplicates()
    before = _status_of(keys)
    try:
        result = import_file(
            db,
            uploaded.getvalue(),
            uploaded.name,
            acting_actor(),
            skip_invalid=skip_invalid,
            max_rows=db.catalog.settings.upload_max_rows,
        )
    except (ImportFileError, DatabaseBusy) as exc:
        ss[_key("result")] = {"error": str(exc)}
        return
    ss[_key("result")] = {"report": result, "keys": keys.assign(before=before), "fresh": True}
    if result.written:
        ss[_key("uploads")] = ss.get(_key("uploads"), 0) + 1  # a fresh, empty uploader
        ss.pop(_key("preview"), None)


def _undo(import_id: int) -> None:
    """Revert one import (callback)."""
    try:
        report = undo_import(get_db(), import_id, acting_actor())
    except MetricsError as exc:
        st.session_state[_key("undo_result")] = {"error": str(exc.args[0] if exc.args else exc)}
        return
    st.session_state[_key("undo_result")] = {"report": report}


def _template_section(catalog: Catalog) -> None:
    st.subheader(tr("upload.step_template"))
    st.caption(tr("upload.template_help"))
    left, right = st.columns(2)
    left.download_button(
        tr("upload.template_csv"),
        data=_template("csv", str(catalog.path)),
        file_name="import-template.csv",
        mime="text/csv",
        on_click="ignore",
        key=_key("template_csv"),
    )
    right.download_button(
        tr("upload.template_xlsx"),
        data=_template("xlsx", str(catalog.path)),
        file_name="import-template.xlsx",
        mime=XLSX_MIME,
        on_click="ignore",
        key=_key("template_xlsx"),
    )


def _write_result(catalog: Catalog) -> None:
    """What the last write did, and the status of the targets it changed."""
    result = st.session_state.get(_key("result"))
    if not result:
        return
    if "error" in result:
        st.error(plain(result["error"]), icon=":material/error:")
        return
    report: WriteReport = result["report"]
    counts = {
        "file": report.file,
        "inserted": report.inserted,
        "updated": report.updated,
        "unchanged": report.unchanged,
    }
    if not report.written:
        st.warning(plain(tr("upload.not_written", errors=len(report.errors), **counts)))
        return
    st.success(
        plain(tr("upload.written", id=report.import_id, skipped=_problem_rows(report), **counts)),
        icon=":material/check_circle:",
    )
    if result.pop("fresh", False):
        st.toast(tr("upload.toast", id=report.import_id), icon=":material/check_circle:")
    keys: pd.DataFrame = result["keys"]
    if keys.empty:
        return
    after = _status_of(keys)
    names = {
        i.id: i.name if lang() == "zh" else (i.name_en or i.name)
        for i in catalog.indicators.values()
    }

    def word(s: str) -> str:
        return status_label(s, lang()) if s else "—"

    with st.expander(tr("upload.status_changes"), expanded=True):
        st.dataframe(
            pd.DataFrame(
                {
                    tr("upload.col.indicator"): keys.indicator_id.map(names),
                    tr("upload.col.region"): [
                        f"{_region_name(catalog, r)} {r}" for r in keys.region_code
                    ],
                    tr("upload.col.before"): keys.before.map(word),
                    tr("upload.col.after"): after.map(word),
                }
            ),
            hide_index=True,
            width="stretch",
        )


def _preview_section(catalog: Catalog) -> None:
    st.subheader(tr("upload.step_file"))
    _write_result(catalog)
    settings = catalog.settings
    uploader_key = _key(f"file.{st.session_state.get(_key('uploads'), 0)}")
    uploaded = st.file_uploader(
        tr("upload.file"),
        type=["csv", "xlsx", "txt"],
        help=tr("upload.file_help"),
        key=uploader_key,
        max_upload_size=max(1, math.ceil(settings.upload_max_mb)),
    )
    if uploaded is None:
        return
    st.session_state.pop(_key("result"), None)  # a new file: the last write is history
    data = uploaded.getvalue()
    size_mb = len(data) / 1024 / 1024
    if size_mb > settings.upload_max_mb:
        st.error(tr("import.too_large", size=f"{size_mb:.1f}", limit=settings.upload_max_mb))
        return
    preview = _preview(data, uploaded.name)
    if "busy" in preview:
        st.error(plain(preview["busy"]), icon=":material/error:")
        return
    if "error" in preview:
        st.error(plain(tr("upload.unreadable") + "：" + preview["error"]), icon=":material/error:")
        return
    report: WriteReport = preview["report"]
    rows, sheet = preview["rows"]
    problems = _problem_rows(report)

    st.markdown(plain(tr("upload.dry_run", file=report.file, rows=report.rows)))
    cols = st.columns(4)
    cols[0].metric(tr("upload.inserted"), report.inserted)
    cols[1].metric(tr("upload.updated"), report.updated)
    cols[2].metric(tr("upload.unchanged"), report.unchanged)
    cols[3].metric(tr("upload.errors"), problems)

    only = st.toggle(tr("upload.only_problems"), key=_key("only_problems"), disabled=not problems)
    shown = rows[rows.result == "error"] if only else rows
    if len(shown) > PREVIEW_ROWS:
        st.caption(tr("upload.rows_cut", shown=PREVIEW_ROWS, total=len(shown)))
        shown = shown.head(PREVIEW_ROWS)
    st.dataframe(_drawn(shown, sheet, catalog), hide_index=True, width="stretch")

    if report.errors:
        st.markdown(f"**{tr('upload.problems')}**")
        errors = pd.DataFrame(report.errors, columns=ERROR_COLUMNS)
        errors = errors.rename(
            columns={
                "row": tr("upload.col.row"),
                "column": tr("upload.col.column"),
                "value": tr("upload.col.value"),
                "message": tr("upload.col.message"),
            }
        )
        st.dataframe(errors, hide_index=True, width="stretch")
        st.download_button(
            tr("upload.problems_csv"),
            data=to_csv_bytes(errors),
            file_name=f"problems-{report.file.rsplit('.', 1)[0]}.csv",
            mime="text/csv",
            on_click="ignore",
            key=_key("problems_csv"),
        )
        st.warning(tr("upload.refuse", n=problems))

    changes = report.inserted + report.updated
    skip = False
    if report.errors and changes:
        skip = st.checkbox(tr("upload.skip_invalid", n=problems), key=_key("skip_invalid"))
    if not changes:
        st.info(tr("upload.no_valid") if report.errors else tr("upload.nothing"))
    st.button(
        tr("upload.write"),
        type="primary",
        disabled=not changes or (bool(report.errors) and not skip),
        on_click=_write,
        args=(uploader_key, skip),
        key=_key("write"),
    )


def _history_section() -> None:
    st.subheader(tr("upload.step_history"))
    undo = st.session_state.pop(_key("undo_result"), None)
    if undo and "error" in undo:
        st.error(plain(undo["error"]), icon=":material/error:")
    elif undo:
        r: UndoReport = undo["report"]
        st.success(
            tr(
                "upload.undone", id=r.import_id, restored=r.restored, deleted=r.deleted, kept=r.kept
            ),
            icon=":material/check_circle:",
        )
    history = _imports(data_version())
    if history.empty:
        st.caption(tr("upload.no_history"))
        return
    st.dataframe(
        pd.DataFrame(
            {
                tr("upload.col.id"): history.id,
                tr("upload.col.file"): history.file_name,
                tr("upload.col.user"): history.user_name,
                tr("upload.col.at"): history.created_at.map(_when),
                tr("upload.col.rows"): history.rows,
                tr("upload.inserted"): history.inserted,
                tr("upload.updated"): history.updated,
                tr("upload.unchanged"): history.unchanged,
                tr("upload.errors"): history.errors,
                tr("upload.col.status"): history.status.map(
                    lambda s: tr(f"upload.state.{s}") if f"upload.state.{s}" in TEXT else s
                ),
                tr("upload.col.undone"): [
                    f"{_when(at)} {by or ''}".strip() if at is not None and not pd.isna(at) else ""
                    for at, by in zip(history.undone_at, history.undone_by, strict=True)
                ],
            }
        ),
        hide_index=True,
        width="stretch",
    )
    for imp in history[history.status == "written"].itertuples(index=False):
        left, right = st.columns([4, 1], vertical_alignment="center")
        left.text(
            tr(
                "upload.undo_what",
                id=imp.id,
                file=imp.file_name,
                user=imp.user_name,
                at=_when(imp.created_at),
                inserted=imp.inserted,
                updated=imp.updated,
            )
        )
        with right.popover(tr("upload.undo", id=imp.id), key=_key(f"undo_open.{imp.id}")):
            st.warning(tr("upload.undo_confirm"))
            st.button(
                tr("upload.undo_do", id=imp.id),
                type="primary",
                on_click=_undo,
                args=(int(imp.id),),
                key=_key(f"undo.{imp.id}"),
            )


def render() -> None:
    catalog = get_db().catalog
    st.title(tr("upload.title"))
    st.caption(tr("upload.intro"))
    st.caption(plain(tr("upload.acting", user=acting_actor().name)))
    _template_section(catalog)
    _preview_section(catalog)
    _history_section()


render()
