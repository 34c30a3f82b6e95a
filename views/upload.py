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
from db.permissions import PermissionDenied
from db.writes import UndoReport, WriteReport, import_file, undo_import
from metrics.catalog import Catalog
from metrics.exports import template_sheet, to_csv_bytes, to_xlsx_bytes
from metrics.i18n import TEXT
from metrics.importer import ERROR_COLUMNS, ImportFileError, read_table
from metrics.progress import status_label
from metrics.values import format_value
from views.auth import acting_actor
from views.common import data_version, get_db, lang, plain, status, tr

TEXT.update(
    {
        "upload.title": ("批量导入", "Import"),
        "upload.intro": (
            "上传季度统计表（CSV 或 Excel），先预览检查结果，确认无误后再写入；每次导入都可以撤销。",
            "Upload a quarterly statistics sheet (CSV or Excel), check the preview, then "
            "write it; every import can be undone.",
        ),
        "upload.acting": ("导入账号：{user}", "Importing as: {user}"),
        "upload.step_template": ("1. 下载模板", "1. Download the template"),
        "upload.template_help": (
            "模板列出全部指标及其所属地区，填写“统计期”和“数值”即可；可改为区县编码或名称，也可删去不填的行。"
            "表头可用中文或英文。",
            "The template lists every indicator at its plan's region: fill in the period and "
            "the value; change the region to a county code or name if needed and delete the "
            "rows you do not fill. Headers may be Chinese or English.",
        ),
        "upload.template_csv": ("下载 CSV 模板", "Download CSV template"),
        "upload.template_xlsx": ("下载 Excel 模板", "Download Excel template"),
        "upload.step_file": ("2. 上传并预览", "2. Upload and preview"),
        "upload.file": ("选择 CSV 或 Excel 文件", "Choose a CSV or Excel file"),
        "upload.file_help": (
            "支持 UTF-8、带 BOM 的 UTF-8、GBK 编码的 CSV（逗号或制表符分隔）及 .xlsx；"
            "数值可写成 1,234、35%、6.5万",
            "CSV in UTF-8, UTF-8 with BOM or GBK (comma or tab separated) and .xlsx; values "
            "may be written as 1,234, 35% or 6.5万",
        ),
        "upload.unreadable": ("无法读取该文件", "This file cannot be read"),
        "upload.dry_run": (
            "预览（尚未写入）：{file}，共 {rows} 行",
            "Preview (nothing written yet): {file}, {rows} rows",
        ),
        "upload.inserted": ("新增", "New"),
        "upload.updated": ("更新", "Updated"),
        "upload.unchanged": ("不变", "Unchanged"),
        "upload.errors": ("问题行", "Problem rows"),
        "upload.only_problems": ("只看问题行", "Only problem rows"),
        "upload.rows_cut": (
            "仅显示前 {shown} 行（共 {total} 行）；问题清单列出全部问题",
            "Showing the first {shown} of {total} rows; the problem list has every problem",
        ),
        "upload.problems": ("问题清单", "Problems"),
        "upload.problems_csv": ("下载问题清单（CSV）", "Download the problem list (CSV)"),
        "upload.refuse": (
            "有 {n} 行存在问题。默认全部写入或全部不写入：请修改文件后重新上传，或选择只写入有效行。",
            "{n} rows have problems. By default a file is written whole or not at all: fix "
            "the file and upload it again, or choose to write only the valid rows.",
        ),
        "upload.skip_invalid": (
            "只写入有效行（跳过 {n} 个问题行）",
            "Write only the valid rows (skip {n} problem rows)",
        ),
        "upload.nothing": (
            "没有需要写入的变化：文件中的数值与已存数值相同",
            "Nothing to write: every value in the file equals the stored one",
        ),
        "upload.no_valid": (
            "文件中没有可写入的有效行",
            "The file has no valid row to write",
        ),
        "upload.write": ("写入数据库", "Write to the database"),
        "upload.written": (
            "已写入第 {id} 号导入（{file}）：新增 {inserted} 条，更新 {updated} 条，不变 {unchanged} 条，跳过 {skipped} 个问题行",
            "Import #{id} ({file}) written: {inserted} new, {updated} updated, {unchanged} "
            "unchanged, {skipped} problem rows skipped",
        ),
        "upload.not_written": (
            "未写入任何数据（{file}）：新增 {inserted} 条，更新 {updated} 条，问题 {errors} 个。数据可能已被他人修改，请重新预览。",
            "Nothing was written ({file}): {inserted} new, {updated} updated, {errors} "
            "problems. The data may have changed meanwhile: preview again.",
        ),
        "upload.toast": ("已写入第 {id} 号导入", "Import #{id} written"),
        "upload.status_changes": ("受影响指标的当前状态", "Status of the targets it changed"),
        "upload.step_history": ("3. 导入记录", "3. Import history"),
        "upload.no_history": ("尚无导入记录", "No imports yet"),
        "upload.undo": ("撤销 #{id}", "Undo #{id}"),
        "upload.undo_what": (
            "#{id} {file}（{user}，{at}）：新增 {inserted}，更新 {updated}",
            "#{id} {file} ({user}, {at}): {inserted} new, {updated} updated",
        ),
        "upload.undo_confirm": (
            "撤销后，本次导入新增的数值将被删除，更新的数值恢复为导入前的值（均记入修改记录）；此后又被修改过的数值保持不变。",
            "Undoing deletes the values this import added and restores the ones it changed "
            "(each recorded as a revision); values changed again since are left as they are.",
        ),
        "upload.undo_do": ("确认撤销第 {id} 号导入", "Undo import #{id}"),
        "upload.undone": (
            "已撤销第 {id} 号导入：恢复 {restored} 条，删除 {deleted} 条，{kept} 条此后已被再次修改，保持不变",
            "Import #{id} undone: {restored} restored, {deleted} deleted, {kept} changed again "
            "since and left as they are",
        ),
        "upload.col.row": ("行号", "Row"),
        "upload.col.result": ("结果", "Result"),
        "upload.col.change": ("原值 → 新值", "Old → new"),
        "upload.col.messages": ("问题", "Problems"),
        "upload.col.column": ("列", "Column"),
        "upload.col.value": ("原始值", "Raw value"),
        "upload.col.message": ("说明", "Message"),
        "upload.col.indicator": ("指标", "Indicator"),
        "upload.col.region": ("地区", "Region"),
        "upload.col.before": ("导入前状态", "Status before"),
        "upload.col.after": ("当前状态", "Status now"),
        "upload.col.id": ("编号", "No."),
        "upload.col.file": ("文件", "File"),
        "upload.col.user": ("导入人", "By"),
        "upload.col.at": ("时间", "When"),
        "upload.col.rows": ("行数", "Rows"),
        "upload.col.status": ("状态", "Status"),
        "upload.col.undone": ("撤销", "Undone"),
        "upload.change.insert": ("新增", "new"),
        "upload.change.update": ("更新", "update"),
        "upload.change.unchanged": ("不变", "unchanged"),
        "upload.change.error": ("有问题", "problem"),
        "upload.state.written": ("已写入", "written"),
        "upload.state.undone": ("已撤销", "undone"),
    }
)

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
    except (LookupError, PermissionDenied, DatabaseBusy) as exc:
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
