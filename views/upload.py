"""批量导入 / Import: a statistics sheet at once, previewed before anything is written.

The page reads, calls and draws: `db.writes.import_file` reads and checks the file,
checks the account's permission and writes (all or nothing unless only the valid rows
are asked for); `undo_import` reverts an import. A dry run is shown first so an analyst
sees every problem row and every change before choosing to write. Writes happen in
button callbacks, before the page is drawn again, so the history below is already new.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
from datetime import date
from typing import Any

import pandas as pd
import streamlit as st

from db import pending, profiles, queries
from db.engine import DatabaseBusy
from db.undo import UndoReport, undo_import
from db.writes import WriteReport, import_file
from metrics.catalog import Catalog
from metrics.errors import MetricsError
from metrics.exports import template_sheet, to_csv_bytes, to_xlsx_bytes
from metrics.i18n import TEXT
from metrics.intake import detect_layouts
from metrics.intake.layout import SheetLayout
from metrics.intake.profiles import Mapping, mapping_from_dict, mapping_of
from metrics.progress import status_label
from views import upload_layout
from views.auth import acting_actor
from views.common import (
    data_version,
    get_db,
    in_lang,
    lang,
    local_times,
    plain,
    show_error,
    status,
    tr,
    when,
    writable,
)

PREFIX = "upload."
PREVIEW_ROWS = upload_layout.PREVIEW_ROWS
XLSX_MIME = upload_layout.XLSX_MIME


def _key(name: str) -> str:
    return PREFIX + name


def _region_name(catalog: Catalog, code: str) -> str:
    info = catalog.regions[code]
    return info.name if lang() == "zh" else (info.name_en or info.name)


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


PROBLEMS_CAP = 5_000  # problems and warnings kept (and listed) per file; the rest counted


def _options() -> dict[str, Any]:
    """The choices made in this file's preview (kept with the pending file, so a reload
    brings them back): the sheet, the per-sheet corrections, the two checkboxes."""
    ss = st.session_state
    return {
        "sheet": ss.get(_key("sheet")) or "",
        "mappings": dict(ss.get(_key("mappings")) or {}),
        "accept_warnings": bool(ss.get(_key("accept_warnings"))),
        "skip_invalid": bool(ss.get(_key("skip_invalid"))),
    }


def _set_options(options: dict[str, Any]) -> None:
    """Put kept choices back into the widgets' state (before the widgets are drawn)."""
    ss = st.session_state
    ss[_key("sheet")] = str(options.get("sheet") or "")
    ss[_key("mappings")] = dict(options.get("mappings") or {})
    ss[_key("accept_warnings")] = bool(options.get("accept_warnings"))
    ss[_key("skip_invalid")] = bool(options.get("skip_invalid"))
    ss[_key("kept_options")] = _options()


def _forget_file() -> None:
    """The file is written or discarded: its preview and choices go, the uploader empties."""
    ss = st.session_state
    for name in ("current", "preview", "sheet", "mappings", "accept_warnings", "skip_invalid"):
        ss.pop(_key(name), None)
    ss.pop(_key("kept_options"), None)
    ss[_key("uploads")] = ss.get(_key("uploads"), 0) + 1  # a fresh, empty uploader


def _file_bytes() -> bytes | None:
    """The bytes of the file in play: the uploader's, or the pending file's after a reload."""
    ss = st.session_state
    current = ss.get(_key("current"))
    if current is None:
        return None
    uploaded = ss.get(_key(f"file.{ss.get(_key('uploads'), 0)}"))
    if uploaded is not None:
        data = uploaded.getvalue()
        if hashlib.sha256(data).hexdigest() == current["sha"]:
            return data
    kept = pending.load_pending(get_db(), acting_actor())
    if kept is None or hashlib.sha256(kept.data).hexdigest() != current["sha"]:
        return None  # discarded or replaced meanwhile (another tab)
    return kept.data


def _mapping_for(options: dict[str, Any]) -> Mapping | dict[str, Mapping] | None:
    """What import_file applies for the sheets' corrections."""
    return upload_layout.import_mapping(upload_layout.mappings_of(options), options["sheet"])


def _compact(report: WriteReport) -> dict[str, Any]:
    """What the page draws of a dry run, and nothing more: counts, the first rows of the
    long table, the problem rows and warnings (capped), the layouts without their row
    lists, the (indicator, region) pairs it touches. A 200,000-row report itself holds
    several copies of the file's rows; it is dropped here and the write reads the file
    again."""
    rows = upload_layout.preview_table(report)
    keys = pd.DataFrame(columns=["indicator_id", "region_code"])
    if report.changes is not None and "change" in report.changes:
        touched = report.changes[report.changes.change != "unchanged"]
        keys = touched[["indicator_id", "region_code"]].drop_duplicates().reset_index(drop=True)
    intake = report.intake
    return {
        "file": report.file,
        "rows": report.rows,
        "inserted": report.inserted,
        "updated": report.updated,
        "unchanged": report.unchanged,
        "problems": _problem_rows(report),
        "errors": report.errors[:PROBLEMS_CAP],
        "error_count": len(report.errors),
        "warnings": report.warnings[:PROBLEMS_CAP],
        "warning_count": len(report.warnings),
        "warning_rows": len({w["row"] for w in report.warnings}),
        "head": rows.head(PREVIEW_ROWS).copy(),
        "problem_head": rows[rows.result == "error"].head(PREVIEW_ROWS).copy(),
        "total_rows": len(rows),
        "keys": keys,
        "layouts": [upload_layout.light(lay) for lay in intake.layouts] if intake else [],
        "skipped_sheets": list(intake.skipped_sheets) if intake else [],
        "no_data": intake.no_data if intake else 0,
    }


def _problem_rows(report: WriteReport) -> int:
    return len({e["row"] for e in report.errors})


def _preview(name: str, sha: str, data: bytes | None) -> dict[str, Any]:
    """The dry run of this file against the data as stored now, kept (compact) in the
    session until the file, the choices or the stored data change: a large file is read
    once, not on every click. Warnings are reported apart from problems: they need a
    confirmation."""
    options = _options()
    version = data_version()
    choice = json.dumps([options["sheet"], options["mappings"]], sort_keys=True)
    cached = st.session_state.get(_key("preview"))
    if (
        cached
        and cached["sha"] == sha
        and cached["name"] == name
        and cached["version"] == version
        and cached["choice"] == choice
    ):
        return cached
    data = data if data is not None else _file_bytes()
    if data is None:
        return {"gone": True}
    db = get_db()
    layouts = None
    try:
        mapping = _mapping_for(options)
        report = import_file(
            db,
            data,
            name,
            acting_actor(),
            dry_run=True,
            max_rows=db.catalog.settings.upload_max_rows,
            sheet=options["sheet"] or None,
            mapping=mapping,
            accept_warnings=True,
        )
    except DatabaseBusy as exc:  # not the file's fault: not kept, the next rerun tries again
        return {"busy": exc}
    except MetricsError as exc:
        preview: dict[str, Any] = {"error": exc}
        layouts = detect_layouts(data, name, db.catalog)
        if layouts:  # the forms start from each sheet's header as detected
            preview["layouts"] = [upload_layout.light(lay) for lay in layouts]
            preview["guessed"] = True
    else:
        preview = _compact(report)
        del report
    preview.update(sha=sha, name=name, version=version, choice=choice)
    st.session_state[_key("preview")] = preview
    return preview


def _save_profiles(report: WriteReport, user: str, options: dict[str, Any]) -> None:
    """The confirmed mapping of each report-shaped or corrected sheet, saved under its
    header's fingerprint so next quarter's sheet from the same bureau applies it by
    itself (a sheet's own period or region correction is kept with it)."""
    if report.intake is None:
        return
    corrected = upload_layout.mappings_of(options)
    single = len(report.intake.layouts) == 1
    for layout in report.intake.layouts:
        mine = corrected.get(layout.sheet)
        if mine is None and single and corrected:
            mine = next(iter(corrected.values()))
        if not layout.fingerprint or (upload_layout.is_template(layout) and mine is None):
            continue
        mapping = mapping_of(layout)
        if mine is not None:
            mapping.period = mine.period or mapping.period
            mapping.region = mine.region or mapping.region
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


def _write(skip_invalid: bool, accept_warnings: bool) -> None:
    """Import the file for real (callback: runs before the page is drawn again), read
    again from its bytes (the uploader's, or the pending file's after a reload)."""
    ss = st.session_state
    current, preview = ss.get(_key("current")), ss.get(_key("preview")) or {}
    if current is None:
        return
    data = _file_bytes()
    if data is None:
        ss[_key("result")] = {"gone": True}
        _forget_file()
        return
    db = get_db()
    options = _options()
    keys = preview.get("keys", pd.DataFrame(columns=["indicator_id", "region_code"]))
    before = _status_of(keys)
    try:
        result = import_file(
            db,
            data,
            current["name"],
            acting_actor(),
            skip_invalid=skip_invalid,
            max_rows=db.catalog.settings.upload_max_rows,
            sheet=options["sheet"] or None,
            mapping=_mapping_for(options),
            accept_warnings=accept_warnings,
        )
    except (MetricsError, DatabaseBusy) as exc:
        ss[_key("result")] = {"error": exc}
        return
    done: dict[str, Any] = {
        "counts": {
            "file": result.file,
            "inserted": result.inserted,
            "updated": result.updated,
            "unchanged": result.unchanged,
        },
        "written": result.written,
        "import_id": result.import_id,
        "errors": len(result.errors),
        "skipped": _problem_rows(result),
        "keys": keys.assign(before=before),
        "fresh": True,
    }
    ss[_key("result")] = done
    if result.written:
        try:
            _save_profiles(result, acting_actor().name, options)
        except (MetricsError, DatabaseBusy) as exc:  # the data are written; say so, go on
            done["profile_error"] = exc
        # written: a pending file left over is replaced by the next upload
        with contextlib.suppress(MetricsError, DatabaseBusy):
            pending.discard_pending(db, acting_actor())
        _forget_file()


def _discard() -> None:
    """放弃此文件 (callback): the pending file and its preview go; nothing is written."""
    ss = st.session_state
    current = ss.get(_key("current"))
    try:
        pending.discard_pending(get_db(), acting_actor())
    except (MetricsError, DatabaseBusy) as exc:
        ss[_key("result")] = {"error": exc}
        return
    if current is not None:
        ss[_key("result")] = {"discarded": current["name"]}
    _forget_file()


def _correct(i: int, layout: SheetLayout) -> None:
    """Keep the analyst's correction of one sheet (form callback); the preview is read
    again with it, and it is kept with the pending file."""
    ss = st.session_state
    tag = (ss.get(_key("current")) or {}).get("sha", "")[:12]
    fixed = upload_layout.form_values(tag, i, layout)
    try:
        fixed = mapping_from_dict(fixed.to_dict())  # the period checked, as a profile is
    except MetricsError as exc:
        ss[_key("correct_error")] = exc
        return
    mappings = dict(ss.get(_key("mappings")) or {})
    mappings[layout.sheet] = fixed.to_dict()
    ss[_key("mappings")] = mappings


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
    if "gone" in result:
        st.warning(tr("upload.file_gone"))
        return
    if "discarded" in result:
        st.info(plain(tr("upload.discarded", file=result["discarded"])))
        return
    if "profile_error" in result:
        show_error(result["profile_error"])
    counts = result["counts"]
    if not result["written"]:
        st.warning(plain(tr("upload.not_written", errors=result["errors"], **counts)))
        return
    st.success(
        plain(tr("upload.written", id=result["import_id"], skipped=result["skipped"], **counts)),
        icon=":material/check_circle:",
    )
    if result.pop("fresh", False):
        st.toast(tr("upload.toast", id=result["import_id"]), icon=":material/check_circle:")
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


def _file_in_play(uploaded: Any) -> tuple[dict[str, Any] | None, bytes | None]:
    """Which file the page previews: a new upload (kept as the account's pending file,
    its choices reset), the same one again, or, in a new session (a reload), the pending
    file kept from before with its choices."""
    ss = st.session_state
    current = ss.get(_key("current"))
    if uploaded is not None:
        data = uploaded.getvalue()
        sha = hashlib.sha256(data).hexdigest()
        if current is None or current["sha"] != sha or current["name"] != uploaded.name:
            ss.pop(_key("result"), None)  # a new file: the last write is history
            _set_options({})
            current = {"name": uploaded.name, "sha": sha, "restored": False}
            ss[_key("current")] = current
            try:
                pending.save_pending(get_db(), acting_actor(), uploaded.name, data, _options())
            except (MetricsError, DatabaseBusy) as exc:
                ss[_key("not_kept")] = exc
            else:
                ss.pop(_key("not_kept"), None)
        return current, data
    if current is None and not ss.get(_key("looked_for_pending")):
        ss[_key("looked_for_pending")] = True  # once per session: a reload looks again
        try:
            kept = pending.load_pending(get_db(), acting_actor())
        except (MetricsError, DatabaseBusy):
            kept = None
        if kept is not None:
            current = {
                "name": kept.filename,
                "sha": hashlib.sha256(kept.data).hexdigest(),
                "restored": True,
                "at": kept.created_at,
            }
            ss[_key("current")] = current
            _set_options(kept.options)
            return current, kept.data
    return current, None


def _keep_options() -> None:
    """The choices made since the last run, saved with the pending file (a reload brings
    them back); only when they changed."""
    ss = st.session_state
    options = _options()
    if ss.get(_key("kept_options")) == options:
        return
    try:
        pending.save_options(get_db(), acting_actor(), options)
    except (MetricsError, DatabaseBusy):
        return  # kept next time; the preview itself goes on
    ss[_key("kept_options")] = options


def _preview_section(catalog: Catalog) -> None:
    st.subheader(tr("upload.step_file"))
    _write_result(catalog)
    settings = catalog.settings
    uploaded = st.file_uploader(
        tr("upload.file"),
        type=["csv", "xlsx", "xls", "txt"],
        help=tr("upload.file_help"),
        key=_key(f"file.{st.session_state.get(_key('uploads'), 0)}"),
        max_upload_size=max(1, math.ceil(settings.upload_max_mb)),
    )
    if uploaded is not None:
        size_mb = uploaded.size / 1024 / 1024
        if size_mb > settings.upload_max_mb:
            st.error(tr("import.too_large", size=f"{size_mb:.1f}", limit=settings.upload_max_mb))
            return
    current, data = _file_in_play(uploaded)
    if current is None:
        return
    if current.get("restored"):
        st.info(
            plain(tr("upload.restored", file=current["name"], at=when(current.get("at")))),
            icon=":material/restore:",
        )
    if st.session_state.get(_key("not_kept")) is not None:
        st.caption(tr("upload.not_kept"))
    st.button(
        tr("upload.discard"), on_click=_discard, key=_key("discard"), icon=":material/delete:"
    )
    problem = st.session_state.pop(_key("correct_error"), None)
    if problem is not None:
        show_error(problem)
    preview = _preview(current["name"], current["sha"], data)
    if "gone" in preview:
        st.warning(tr("upload.file_gone"))
        return
    if "busy" in preview:
        show_error(preview["busy"])
        return
    _sheet_choice()
    tag = current["sha"][:12]
    corrected = upload_layout.mappings_of(_options())
    if "error" in preview:
        st.markdown(f"**{tr('upload.unreadable')}**")
        show_error(preview["error"])
        if preview.get("layouts"):
            st.caption(tr("upload.correct_to_read"))
            upload_layout.layout_section(preview, catalog, _correct, corrected, tag)
        _keep_options()
        return
    if preview["layouts"]:
        upload_layout.layout_section(preview, catalog, _correct, corrected, tag)
    upload_layout.draw_preview(preview, catalog, _write)
    _keep_options()


def _sheet_choice() -> None:
    """A workbook of several sheets: read them all (the default) or one."""
    ss = st.session_state
    preview = ss.get(_key("preview")) or {}
    names = [lay.sheet for lay, *_ in preview.get("layouts", [])]
    names += [s["sheet"] for s in preview.get("skipped_sheets", []) if s["reason"] == "not_chosen"]
    chosen = ss.get(_key("sheet")) or ""
    if chosen and chosen not in names:
        names.append(chosen)
    if len(names) < 2 and not chosen:
        return
    labels = {s: s for s in names} | {"": tr("upload.sheet_all")}
    st.selectbox(
        tr("upload.sheet"),
        ["", *sorted(set(names), key=names.index)],
        format_func=labels.__getitem__,
        key=_key("sheet"),
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
                tr("upload.col.at"): local_times(history.created_at),
                tr("upload.col.rows"): history.rows,
                tr("upload.inserted"): history.inserted,
                tr("upload.updated"): history.updated,
                tr("upload.unchanged"): history.unchanged,
                tr("upload.errors"): history.errors,
                tr("upload.col.status"): history.status.map(
                    lambda s: tr(f"upload.state.{s}") if f"upload.state.{s}" in TEXT else s
                ),
                tr("upload.col.undone"): [
                    f"{when(at)} {by or ''}".strip() if at is not None and not pd.isna(at) else ""
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
                at=when(imp.created_at),
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
