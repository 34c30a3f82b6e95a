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

from db import profiles, queries
from db.engine import DatabaseBusy
from db.writes import UndoReport, WriteReport, import_file, undo_import
from metrics.catalog import Catalog
from metrics.errors import MetricsError
from metrics.exports import template_sheet, to_csv_bytes, to_xlsx_bytes
from metrics.i18n import TEXT
from metrics.importer import ERROR_COLUMNS
from metrics.intake.layout import SheetLayout
from metrics.intake.profiles import ROLES, Mapping, mapping_of
from metrics.progress import status_label
from metrics.values import format_value
from views.auth import acting_actor
from views.common import (
    data_version,
    get_db,
    in_lang,
    lang,
    plain,
    show_error,
    status,
    tr,
    writable,
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
def _template(fmt: str, catalog_path: str, only: tuple[str, ...] | None = None) -> bytes:
    """The import template (one row per indicator, or only `only`), built once per catalog."""
    sheet = template_sheet(get_db().catalog, only)
    return to_csv_bytes(sheet) if fmt == "csv" else to_xlsx_bytes(sheet, sheet="template")


def _own_indicators() -> tuple[str, ...] | None:
    """An analyst's template lists only what they may write; others get every indicator."""
    actor = acting_actor()
    return tuple(writable(actor)) if actor.role == "analyst" else None


@st.cache_data(show_spinner=False, max_entries=4)
def _imports(version: tuple[int, int, int]) -> pd.DataFrame:
    return queries.imports(get_db())


def preview_table(report: WriteReport) -> pd.DataFrame:
    """The long table the import would store (one row per value: its sheet row,
    indicator, region, period, old and new value, new / update / unchanged), then one
    row per problem row. Its wording is left to `_drawn`, so a large file's preview is
    built once and drawn in either language."""
    changes = report.changes
    if changes is None:
        changes = pd.DataFrame(columns=["row", "indicator_id", "region_code", "period_label"])
    rows = pd.DataFrame(
        {
            "row": changes.row.to_numpy(dtype=int),
            "result": changes.change.to_numpy(dtype=object)
            if "change" in changes
            else np.full(len(changes), "", dtype=object),
            "indicator": changes.indicator_id.to_numpy(dtype=object),
            "region": changes.region_code.to_numpy(dtype=object),
            "period": changes.period_label.to_numpy(dtype=object),
            "old": changes.old_value.to_numpy(dtype=float)
            if "old_value" in changes
            else np.full(len(changes), np.nan),
            "new": changes.value.to_numpy(dtype=float)
            if "value" in changes
            else np.full(len(changes), np.nan),
            "messages": "",
        }
    )
    if report.errors:
        errors = pd.DataFrame(report.errors)
        text = "[" + errors.column.astype(str) + "] “" + errors.value.astype(str) + "”: "
        text = text + errors.message.astype(str)
        joined = text.groupby(errors.row.astype(int)).agg("；".join)
        problems = pd.DataFrame(
            {
                "row": joined.index.to_numpy(dtype=int),
                "result": "error",
                "indicator": "",
                "region": "",
                "period": "",
                "old": np.nan,
                "new": np.nan,
                "messages": joined.to_numpy(),
            }
        )
        rows = pd.concat([rows, problems], ignore_index=True)
    return rows.sort_values("row", kind="stable").reset_index(drop=True)


def _drawn(rows: pd.DataFrame, catalog: Catalog) -> Any:
    """The rows to draw in the current language, problem rows red, updates amber, new
    values green."""
    units = {i.id: i.unit for i in catalog.indicators.values()}
    names = {
        i.id: i.name if lang() == "zh" else (i.name_en or i.name)
        for i in catalog.indicators.values()
    }
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
    shown = pd.DataFrame(
        {
            tr("upload.col.row"): rows.row,
            tr("upload.col.result"): [tr(f"upload.change.{r}") if r else "" for r in rows.result],
            tr("upload.col.indicator"): [names.get(i, i) for i in rows.indicator],
            tr("upload.col.region"): [
                f"{_region_name(catalog, r)} {r}" if r in catalog.regions else r
                for r in rows.region
            ],
            tr("upload.col.period"): rows.period,
            tr("upload.col.change"): words,
            tr("upload.col.messages"): rows.messages,
        },
        index=rows.index,
    )
    colours = rows.result.map(_ROW_COLOURS).fillna("").to_numpy()
    styles = pd.DataFrame(
        np.repeat(colours[:, None], shown.shape[1], axis=1),
        index=shown.index,
        columns=shown.columns,
    )
    return shown.style.apply(lambda _: styles, axis=None)


def _problem_rows(report: WriteReport) -> int:
    return len({e["row"] for e in report.errors})


def _mapping() -> Mapping | None:
    """The analyst's correction of the detected layout, if any (kept for this file)."""
    return st.session_state.get(_key("mapping"))


def _preview(data: bytes, name: str) -> dict[str, Any]:
    """The dry run of this file against the data as stored now, kept in the session until
    the file, the correction or the stored data change (a large file is read once, not on
    every click). Warnings are reported apart from problems: they need a confirmation."""
    sha = hashlib.sha256(data).hexdigest()
    version = data_version()
    mapping = _mapping()
    fixed = mapping.to_yaml() if mapping is not None else ""
    cached = st.session_state.get(_key("preview"))
    if (
        cached
        and cached["sha"] == sha
        and cached["name"] == name
        and cached["version"] == version
        and cached["mapping"] == fixed
    ):
        return cached
    db = get_db()
    max_rows = db.catalog.settings.upload_max_rows
    try:
        report = import_file(
            db,
            data,
            name,
            acting_actor(),
            dry_run=True,
            max_rows=max_rows,
            mapping=mapping,
            accept_warnings=True,
        )
    except DatabaseBusy as exc:  # not the file's fault: not kept, the next rerun tries again
        return {"busy": exc}
    except MetricsError as exc:
        preview: dict[str, Any] = {"error": exc}
    else:
        preview = {"report": report, "rows": preview_table(report)}
    preview.update(sha=sha, name=name, version=version, mapping=fixed)
    st.session_state[_key("preview")] = preview
    return preview


def _is_template(layout: SheetLayout) -> bool:
    """The tool's own template (or a long sheet like it): nothing to confirm or save."""
    return layout.shape == "long" and layout.header_rows == [1] and not layout.profile


def _save_profiles(report: WriteReport, user: str) -> None:
    """The confirmed mapping of each report-shaped sheet, saved under its header's
    fingerprint so next quarter's sheet from the same bureau applies it by itself."""
    if report.intake is None:
        return
    corrected = _mapping()
    for layout in report.intake.layouts:
        if not layout.fingerprint or (_is_template(layout) and corrected is None):
            continue
        mapping = mapping_of(layout)
        if corrected is not None:
            mapping.period = corrected.period or mapping.period
            mapping.region = corrected.region or mapping.region
        profiles.save_profile(get_db(), mapping, user, name=f"{report.file} / {layout.sheet}")


def _status_of(keys: pd.DataFrame) -> pd.Series:
    """The engine's status today for each (indicator_id, region_code) row."""
    frame = status(date.today())
    lookup = dict(zip(zip(frame.indicator, frame.region, strict=True), frame.status, strict=True))
    return pd.Series(
        [lookup.get((i, r), "") for i, r in zip(keys.indicator_id, keys.region_code, strict=True)],
        index=keys.index,
        dtype=object,
    )


def _write(uploader_key: str, skip_invalid: bool, accept_warnings: bool) -> None:
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
            mapping=_mapping(),
            accept_warnings=accept_warnings,
        )
    except (MetricsError, DatabaseBusy) as exc:
        ss[_key("result")] = {"error": exc}
        return
    ss[_key("result")] = {"report": result, "keys": keys.assign(before=before), "fresh": True}
    if result.written:
        try:
            _save_profiles(result, acting_actor().name)
        except (MetricsError, DatabaseBusy) as exc:  # the data are written; say so, go on
            ss[_key("result")]["profile_error"] = exc
        ss[_key("uploads")] = ss.get(_key("uploads"), 0) + 1  # a fresh, empty uploader
        ss.pop(_key("preview"), None)
        ss.pop(_key("mapping"), None)


def _undo(import_id: int) -> None:
    """Revert one import (callback)."""
    try:
        report = undo_import(get_db(), import_id, acting_actor())
    except MetricsError as exc:
        st.session_state[_key("undo_result")] = {"error": in_lang(exc)}  # the page's language
        return
    st.session_state[_key("undo_result")] = {"report": report}


def _template_section(catalog: Catalog) -> None:
    st.subheader(tr("upload.step_template"))
    st.caption(tr("upload.template_help"))
    left, right = st.columns(2)
    left.download_button(
        tr("upload.template_csv"),
        data=_template("csv", str(catalog.path), _own_indicators()),
        file_name="import-template.csv",
        mime="text/csv",
        on_click="ignore",
        key=_key("template_csv"),
    )
    right.download_button(
        tr("upload.template_xlsx"),
        data=_template("xlsx", str(catalog.path), _own_indicators()),
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
        show_error(result["error"])
        return
    if "profile_error" in result:
        show_error(result["profile_error"])
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
        show_error(preview["busy"])
        return
    if "error" in preview:
        st.markdown(f"**{tr('upload.unreadable')}**")
        show_error(preview["error"])
        return
    report: WriteReport = preview["report"]
    rows: pd.DataFrame = preview["rows"]
    problems = _problem_rows(report)
    if report.intake is not None:
        _layout_section(report, catalog)

    st.markdown(plain(tr("upload.dry_run", file=report.file, rows=report.rows)))
    cols = st.columns(5 if report.warnings else 4)
    cols[0].metric(tr("upload.inserted"), report.inserted)
    cols[1].metric(tr("upload.updated"), report.updated)
    cols[2].metric(tr("upload.unchanged"), report.unchanged)
    cols[3].metric(tr("upload.errors"), problems)
    if report.warnings:
        cols[4].metric(tr("upload.warnings"), len({w["row"] for w in report.warnings}))

    only = st.toggle(tr("upload.only_problems"), key=_key("only_problems"), disabled=not problems)
    shown = rows[rows.result == "error"] if only else rows
    if len(shown) > PREVIEW_ROWS:
        st.caption(tr("upload.rows_cut", shown=PREVIEW_ROWS, total=len(shown)))
        shown = shown.head(PREVIEW_ROWS)
    st.dataframe(_drawn(shown, catalog), hide_index=True, width="stretch")

    if report.errors:
        st.markdown(f"**{tr('upload.problems')}**")
        errors = _listed(report.errors)
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

    accept = True
    if report.warnings:
        st.markdown(f"**{tr('upload.warnings_title')}**")
        st.dataframe(_listed(report.warnings), hide_index=True, width="stretch")
        accept = st.checkbox(
            tr("upload.accept_warnings", n=len({w["row"] for w in report.warnings})),
            key=_key("accept_warnings"),
        )

    changes = report.inserted + report.updated
    skip = False
    if report.errors and changes:
        skip = st.checkbox(tr("upload.skip_invalid", n=problems), key=_key("skip_invalid"))
    if not changes:
        st.info(tr("upload.no_valid") if report.errors else tr("upload.nothing"))
    st.button(
        tr("upload.write"),
        type="primary",
        disabled=not changes or (bool(report.errors) and not skip) or not accept,
        on_click=_write,
        args=(uploader_key, skip, bool(report.warnings) and accept),
        key=_key("write"),
    )


def _listed(found: list[dict[str, Any]]) -> pd.DataFrame:
    """Problems or warnings per row, with the page's column names."""
    frame = pd.DataFrame(found, columns=ERROR_COLUMNS)
    frame["message"] = frame.message.map(in_lang)
    return frame.rename(
        columns={
            "row": tr("upload.col.row"),
            "column": tr("upload.col.column"),
            "value": tr("upload.col.value"),
            "message": tr("upload.col.message"),
        }
    )


def _word(key: str, value: str) -> str:
    """The sentence of key (a detected role, shape, reason), or the value as found."""
    return tr(key) if key in TEXT else value


def _layout_section(report: WriteReport, catalog: Catalog) -> None:
    """What was read from the file, before anything is written: per sheet its header
    row, columns → fields, shape, period, region, skipped rows; sheets skipped; and a
    form to correct it."""
    intake = report.intake
    layouts: list[SheetLayout] = intake.layouts
    template = all(_is_template(lay) for lay in layouts) and _mapping() is None
    with st.expander(tr("upload.layout_title"), expanded=not template):
        for lay in layouts:
            if lay.profile:
                st.info(tr("upload.profile_applied", sheet=lay.sheet), icon=":material/bookmark:")
            region = (
                f"{_region_name(catalog, lay.region)} {lay.region}"
                if lay.region in catalog.regions
                else tr("upload.layout.from_column")
            )
            st.markdown(
                plain(
                    tr(
                        "upload.layout_sheet",
                        sheet=lay.sheet,
                        header=", ".join(str(r) for r in lay.header_rows),
                        shape=_word(f"upload.shape.{lay.shape}", lay.shape),
                        period=lay.period or tr("upload.layout.from_column"),
                        period_from=_word(f"upload.from.{lay.period_from}", lay.period_from),
                        region=region,
                        region_from=_word(f"upload.from.{lay.region_from}", lay.region_from),
                        rows=len(lay.data_rows),
                    )
                )
            )
            st.dataframe(
                pd.DataFrame(
                    {
                        tr("upload.col.column"): [c.header for c in lay.columns],
                        tr("upload.col.field"): [
                            _word(f"upload.role.{c.role}", c.role) for c in lay.columns
                        ],
                        tr("upload.col.unit"): [c.unit for c in lay.columns],
                        tr("upload.col.period"): [c.period for c in lay.columns],
                        tr("upload.col.region"): [c.region for c in lay.columns],
                        tr("upload.col.indicator"): [c.indicator for c in lay.columns],
                    }
                ),
                hide_index=True,
                width="stretch",
            )
            if lay.skipped:
                st.caption(tr("upload.skipped_rows", n=len(lay.skipped)))
                st.dataframe(
                    pd.DataFrame(
                        {
                            tr("upload.col.row"): [k.row for k in lay.skipped],
                            tr("upload.col.reason"): [
                                _word(f"upload.skip.{k.reason}", k.reason) for k in lay.skipped
                            ],
                            tr("upload.col.text"): [k.text for k in lay.skipped],
                        }
                    ),
                    hide_index=True,
                    width="stretch",
                )
        for skipped in intake.skipped_sheets:
            st.caption(
                tr(
                    "upload.sheet_skipped",
                    sheet=skipped["sheet"],
                    reason=_word(f"upload.sheet_reason.{skipped['reason']}", skipped["reason"]),
                )
            )
        if intake.no_data:
            st.caption(tr("upload.no_data", n=intake.no_data))
        if len(layouts) == 1:
            _correction_form(layouts[0])


def _correct(layout: SheetLayout) -> None:
    """Keep the analyst's correction (form callback); the preview is read again with it."""
    ss = st.session_state
    edited = ss.get(_key("roles"))
    columns = {c.header: c.role for c in layout.columns if c.header}
    if isinstance(edited, dict):
        for pos, change in edited.get("edited_rows", {}).items():
            role = change.get("role")
            header = layout.columns[int(pos)].header
            if role in ROLES and header:
                columns[header] = role
    ss[_key("mapping")] = Mapping(
        fingerprint=layout.fingerprint,
        header_row=layout.header_rows[0],
        columns=columns,
        period=str(ss.get(_key("fix_period")) or "").strip(),
        region=str(ss.get(_key("fix_region")) or "").strip(),
    )


def _correction_form(layout: SheetLayout) -> None:
    with st.form(_key("correct")):
        st.caption(tr("upload.correct_help"))
        st.data_editor(
            pd.DataFrame(
                {
                    "header": [c.header for c in layout.columns],
                    "role": [c.role for c in layout.columns],
                }
            ),
            column_config={
                "header": st.column_config.TextColumn(tr("upload.col.column"), disabled=True),
                "role": st.column_config.SelectboxColumn(
                    tr("upload.col.field"), options=[*ROLES, "unknown"], required=True
                ),
            },
            hide_index=True,
            key=_key("roles"),
        )
        left, right = st.columns(2)
        left.text_input(tr("upload.fix_period"), key=_key("fix_period"))
        right.text_input(tr("upload.fix_region"), key=_key("fix_region"))
        st.form_submit_button(tr("upload.correct"), on_click=_correct, args=(layout,))


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
    actor = acting_actor()
    mine = history.status == "written"
    if actor.role != "admin":  # an analyst undoes their own imports only (db/ checks again)
        mine &= history.user_name == actor.name
    for imp in history[mine].itertuples(index=False):
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
