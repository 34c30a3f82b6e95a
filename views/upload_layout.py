"""What the import page draws of a dry run: the mapping step (issue 13: what was read
from each sheet, a form per sheet to correct it), the long table, problems, warnings and
the write button. views/upload.py holds the page's state, reads and writes.

A workbook with one sheet per quarter is read sheet by sheet; each sheet's detected
layout can be corrected on its own (its columns, its period, its region), is applied to
that sheet only (`import_mapping`), and is saved as that sheet's profile when the file is
written.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd
import streamlit as st

from db.writes import WriteReport
from metrics.catalog import Catalog
from metrics.errors import InvalidInput
from metrics.exports import to_csv_bytes
from metrics.i18n import TEXT
from metrics.importer import ERROR_COLUMNS
from metrics.intake.layout import SheetLayout, Skipped
from metrics.intake.layout import is_template as template_shaped
from metrics.intake.profiles import ROLES, Mapping, mapping_from_dict
from metrics.values import format_value
from views.common import in_lang, lang, plain, tr

PREFIX = "upload."
CHOICES = (*ROLES, "unknown")
LIST_CAP = 500  # skipped rows listed per sheet
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


def word(key: str, value: str) -> str:
    """The sentence of key (a detected role, shape, reason), or the value as found."""
    return tr(key) if key in TEXT else value


def md(key: str, **params: object) -> str:
    """A sentence whose own Markdown (bold sheet names) acts while every value put into it
    (sheet names, headers: text from files) is shown literally."""
    return tr(key, **{k: plain(v) for k, v in params.items()})


def region_name(catalog: Catalog, code: str) -> str:
    info = catalog.regions[code]
    return info.name if lang() == "zh" else (info.name_en or info.name)


def is_template(layout: SheetLayout) -> bool:
    """The tool's own template (or a long sheet like it, as `metrics.intake` decides it):
    nothing to confirm or save."""
    return template_shaped(layout) and not layout.profile


def light(layout: SheetLayout, cap: int = LIST_CAP) -> tuple[SheetLayout, int, int, int]:
    """A copy of a layout small enough to keep in the session (a 200,000-row sheet's
    data_rows is a list of 200,000 numbers): (copy, data rows, skipped rows, 其中 rows
    read as a catalog indicator or region)."""
    return (
        replace(
            layout,
            data_rows=[],
            skipped=list(layout.skipped[:cap]),
            breakdowns_read=list(layout.breakdowns_read[:cap]),
        ),
        len(layout.data_rows),
        len(layout.skipped),
        len(layout.breakdowns_read),
    )


# --- the sheets' corrections --------------------------------------------------


def mappings_of(options: dict[str, Any]) -> dict[str, Mapping]:
    """The per-sheet corrections kept in the options (sheet → Mapping)."""
    out = {}
    for sheet, data in (options.get("mappings") or {}).items():
        try:
            out[str(sheet)] = mapping_from_dict(data)
        except InvalidInput:
            continue  # a stale or edited option: dropped, the sheet reads as detected
    return out


def import_mapping(
    mappings: dict[str, Mapping], chosen: str
) -> Mapping | dict[str, Mapping] | None:
    """What `import_file` applies for these per-sheet corrections: the chosen (or only)
    sheet's mapping, or each corrected sheet's own (the others read as detected)."""
    if not mappings:
        return None
    if chosen:
        m = mappings.get(chosen)
        return None if m is None else replace(m, sheet=chosen, columns=dict(m.columns))
    return dict(mappings)


# --- drawing ---------------------------------------------------------------------------------


def layout_section(
    preview: dict[str, Any],
    catalog: Catalog,
    correct: Any,
    corrected: dict[str, Mapping],
    tag: str,
) -> None:
    """What was read from the file, before anything is written: per sheet its header
    row, columns → fields, shape, period, region, skipped rows; sheets skipped; and a
    form per sheet to correct it. `correct(sheet, layout)` is the forms' callback."""
    layouts: list[tuple[SheetLayout, int, int, int]] = preview["layouts"]
    template = all(is_template(lay) for lay, *_ in layouts) and not corrected
    with st.expander(tr("upload.layout_title"), expanded=not template):
        for i, (lay, rows, skipped, read_as) in enumerate(layouts):
            if lay.profile:
                st.info(
                    tr("upload.profile_applied", sheet=plain(lay.sheet)), icon=":material/bookmark:"
                )
            st.markdown(_sheet_sentence(lay, rows, catalog, bool(preview.get("guessed"))))
            if lay.unit:  # a title or 单位：… line: 4000 is read as 个 and converted
                st.caption(md("upload.layout_unit", unit=lay.unit))
            st.dataframe(
                pd.DataFrame(
                    {
                        tr("upload.col.column"): [c.header for c in lay.columns],
                        tr("upload.col.field"): [
                            word(f"upload.role.{c.role}", c.role) for c in lay.columns
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
            if skipped:
                _listed_rows(tr("upload.skipped_rows", n=skipped), lay.skipped, skipped, True)
            if read_as:
                _listed_rows(tr("upload.breakdowns_read", n=read_as), lay.breakdowns_read, read_as)
            correction_form(tag, i, lay, correct, corrected.get(lay.sheet), len(layouts) > 1)
        for gone in preview.get("skipped_sheets", []):
            st.caption(
                tr(
                    "upload.sheet_skipped",
                    sheet=plain(gone["sheet"]),
                    reason=word(f"upload.sheet_reason.{gone['reason']}", gone["reason"]),
                )
            )
        if preview.get("no_data"):
            st.caption(tr("upload.no_data", n=preview["no_data"]))


def _listed_rows(caption: str, rows: list[Skipped], total: int, reasons: bool = False) -> None:
    """Rows of the sheet by their row number (and why, for skipped ones) and text: the
    first LIST_CAP of `total`, and a line saying the list is cut."""
    st.caption(caption)
    if total > len(rows):
        st.caption(tr("upload.list_cut", shown=len(rows), total=total))
    table = {tr("upload.col.row"): [k.row for k in rows]}
    if reasons:
        table[tr("upload.col.reason")] = [word(f"upload.skip.{k.reason}", k.reason) for k in rows]
    table[tr("upload.col.text")] = [k.text for k in rows]
    st.dataframe(pd.DataFrame(table), hide_index=True, width="stretch")


def _sheet_sentence(lay: SheetLayout, rows: int, catalog: Catalog, guessed: bool) -> str:
    """How a sheet was read. For a refused file (guessed) only its header is known: the
    period and region its title or name gives are worked out by the real read only."""
    header = ", ".join(str(r) for r in lay.header_rows)
    shape = word(f"upload.shape.{lay.shape}", lay.shape)
    if guessed:
        return md(
            "upload.layout_sheet_guess", sheet=lay.sheet, header=header, shape=shape, rows=rows
        )
    region = (
        f"{region_name(catalog, lay.region)} {lay.region}"
        if lay.region in catalog.regions
        else tr("upload.layout.from_column")
    )
    return md(
        "upload.layout_sheet",
        sheet=lay.sheet,
        header=header,
        shape=shape,
        period=lay.period or tr("upload.layout.from_column"),
        period_from=word(f"upload.from.{lay.period_from}", lay.period_from),
        region=region,
        region_from=word(f"upload.from.{lay.region_from}", lay.region_from),
        rows=rows,
    )


def form_values(tag: str, i: int, layout: SheetLayout) -> Mapping:
    """The correction a sheet's form holds now (read in its callback)."""
    ss = st.session_state
    columns = {}
    for j, col in enumerate(layout.columns):
        role = ss.get(_key(f"role.{tag}.{i}.{j}"), col.role)
        if not col.header or role not in CHOICES:
            continue
        if role == "unknown":  # left unread: say so only if it was read as something
            if col.role != "unknown":
                columns[col.header] = "ignore"
            continue
        columns[col.header] = role
    return Mapping(
        fingerprint=layout.fingerprint,
        header_row=layout.header_rows[0] if layout.header_rows else None,
        columns=columns,
        period=str(ss.get(_key(f"fix_period.{tag}.{i}")) or "").strip(),
        region=str(ss.get(_key(f"fix_region.{tag}.{i}")) or "").strip(),
    )


def correction_form(
    tag: str, i: int, layout: SheetLayout, correct: Any, current: Mapping | None, several: bool
) -> None:
    """One sheet's correction: what each column holds, and the sheet's period or region.
    Widget keys carry the file's tag, so another file's choices never carry over."""
    ss = st.session_state
    if current is not None:  # a restored preview: its forms show the correction kept
        ss.setdefault(_key(f"fix_period.{tag}.{i}"), current.period)
        ss.setdefault(_key(f"fix_region.{tag}.{i}"), current.region)
    with st.form(_key(f"correct.{tag}.{i}")):
        if several:
            st.markdown(md("upload.correct_sheet", sheet=layout.sheet))
        st.caption(tr("upload.correct_help"))
        cells = st.columns(3)
        labels = {r: word(f"upload.role.{r}", r) for r in CHOICES}  # fixed now, not per call
        for j, col in enumerate(layout.columns):
            if not col.header:
                continue
            role = col.role if col.role in CHOICES else "unknown"
            cells[j % 3].selectbox(
                col.header,
                CHOICES,
                index=CHOICES.index(role),
                format_func=labels.__getitem__,
                key=_key(f"role.{tag}.{i}.{j}"),
            )
        left, right = st.columns(2)
        left.text_input(tr("upload.fix_period"), key=_key(f"fix_period.{tag}.{i}"))
        right.text_input(tr("upload.fix_region"), key=_key(f"fix_region.{tag}.{i}"))
        st.form_submit_button(
            tr("upload.correct"), on_click=correct, args=(i, layout), key=_key(f"apply.{tag}.{i}")
        )


# --- the dry run: the long table, problems, warnings, the write button ----------------------


def preview_table(report: WriteReport) -> pd.DataFrame:
    """The long table the import would store (one row per value: its sheet row,
    indicator, region, period, old and new value, new / update / unchanged), then one
    row per problem row. Its wording is left to `drawn`, so a large file's preview is
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


def drawn(rows: pd.DataFrame, catalog: Catalog) -> Any:
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
                f"{region_name(catalog, r)} {r}" if r in catalog.regions else r for r in rows.region
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


def draw_preview(preview: dict[str, Any], catalog: Catalog, write: Any) -> None:
    """The counts, the long table (first rows), problems and warnings, the write button."""
    problems = preview["problems"]
    st.markdown(plain(tr("upload.dry_run", file=preview["file"], rows=preview["rows"])))
    cols = st.columns(5 if preview["warning_count"] else 4)
    cols[0].metric(tr("upload.inserted"), preview["inserted"])
    cols[1].metric(tr("upload.updated"), preview["updated"])
    cols[2].metric(tr("upload.unchanged"), preview["unchanged"])
    cols[3].metric(tr("upload.errors"), problems)
    if preview["warning_count"]:
        cols[4].metric(tr("upload.warnings"), preview["warning_rows"])

    only = st.toggle(tr("upload.only_problems"), key=_key("only_problems"), disabled=not problems)
    shown = preview["problem_head"] if only else preview["head"]
    total = problems if only else preview["total_rows"]
    if total > len(shown):
        st.caption(tr("upload.rows_cut", shown=len(shown), total=total))
    st.dataframe(drawn(shown, catalog), hide_index=True, width="stretch")

    if preview["error_count"]:
        st.markdown(f"**{tr('upload.problems')}**")
        if preview["error_count"] > len(preview["errors"]):
            st.caption(
                tr("upload.list_cut", shown=len(preview["errors"]), total=preview["error_count"])
            )
        errors = listed(preview["errors"])
        st.dataframe(errors, hide_index=True, width="stretch")
        st.download_button(
            tr("upload.problems_csv"),
            data=to_csv_bytes(errors),
            file_name=f"problems-{preview['file'].rsplit('.', 1)[0]}.csv",
            mime="text/csv",
            on_click="ignore",
            key=_key("problems_csv"),
        )
        st.warning(tr("upload.refuse", n=problems))

    accept = True
    if preview["warning_count"]:
        st.markdown(f"**{tr('upload.warnings_title')}**")
        if preview["warning_count"] > len(preview["warnings"]):
            st.caption(
                tr(
                    "upload.list_cut",
                    shown=len(preview["warnings"]),
                    total=preview["warning_count"],
                )
            )
        st.dataframe(listed(preview["warnings"]), hide_index=True, width="stretch")
        accept = st.checkbox(
            tr("upload.accept_warnings", n=preview["warning_rows"]),
            key=_key("accept_warnings"),
        )

    changes = preview["inserted"] + preview["updated"]
    skip = False
    if preview["error_count"] and changes:
        skip = st.checkbox(tr("upload.skip_invalid", n=problems), key=_key("skip_invalid"))
    if not changes:
        st.info(tr("upload.no_valid") if preview["error_count"] else tr("upload.nothing"))
    st.button(
        tr("upload.write"),
        type="primary",
        disabled=not changes or (bool(preview["error_count"]) and not skip) or not accept,
        on_click=write,
        args=(skip, bool(preview["warning_count"]) and accept),
        key=_key("write"),
    )


def listed(found: list[dict[str, Any]]) -> pd.DataFrame:
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
