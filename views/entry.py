"""数据填报 / Data entry: one value at a time, for analysts.

The page only reads, calls and draws: `db.writes.enter_value` checks the value exactly
like an imported row, checks the account's permission and keeps the old value as a
revision; the status shown is the progress engine's (`views.common.status`). The write
happens in the submit button's callback, before the page is drawn again, so every
message can be drawn next to the field it is about and the tables below already show
the new value.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pandas as pd
import streamlit as st

from db.engine import DatabaseBusy
from db.writes import WriteReport, enter_value
from metrics.catalog import Catalog, Indicator
from metrics.demo import strip_demo_labels
from metrics.exports import period_labels
from metrics.importer import COLUMNS
from metrics.periods import KIND_RANK, Period, PeriodError, parse_period
from metrics.progress import explain, status_label
from metrics.values import format_value
from views import charts
from views.auth import acting_actor
from views.common import (
    get_db,
    in_lang,
    lang,
    observations,
    plain,
    revisions,
    status,
    tr,
    when,
    who,
    writable,
)

PREFIX = "entry."
ALL = ""
# Which input a report error belongs under, by the column the checks name.
_FIELD_OF = {
    name: "indicator" if canon.startswith("indicator") else canon
    for canon, aliases in COLUMNS.items()
    for name in (canon, *aliases)
}


def _key(name: str) -> str:
    return PREFIX + name


def _field(column: str) -> str:
    return _FIELD_OF.get(str(column), "general")


def _errors_by_field(errors: list[dict[str, Any]]) -> dict[str, list[str]]:
    """The report's messages grouped under the input they are about."""
    grouped: dict[str, list[str]] = {}
    for err in errors:
        grouped.setdefault(_field(err.get("column", "")), []).append(in_lang(err["message"]))
    return grouped


def _show_errors(field: str) -> None:
    for message in _result_errors().get(field, []):
        st.error(plain(message), icon=":material/error:")


def _warnings() -> None:
    """The plausibility warnings of the last submit, and the box that confirms them."""
    result = _result()
    report = result.get("report") if result else None
    if report is None or not report.warnings or report.written:
        return
    for warning in report.warnings:
        st.warning(plain(in_lang(warning["message"])), icon=":material/warning:")
    st.checkbox(tr("entry.accept_warnings"), key=_key("accept_warnings"))


def _result() -> dict[str, Any] | None:
    return st.session_state.get(_key("result"))


def _result_errors() -> dict[str, list[str]]:
    result = _result()
    return _errors_by_field(result["report"].errors) if result and "report" in result else {}


def _forget() -> None:
    """An input changed: the last submit's messages no longer describe what is shown.
    A result made in this same rerun (input changed and submitted at once) stays."""
    result = _result()
    if result is not None and not result.get("fresh"):
        del st.session_state[_key("result")]


def _choice_key(name: str) -> str:
    """The widget key of a choice in the current language (see `_select`)."""
    return _key(f"{name}.{lang()}")


def _chosen(name: str) -> str:
    return st.session_state[_choice_key(name)]


def _select(
    name: str,
    label: str,
    labels: dict[str, str],
    default: str | None = None,
    on_change: Callable[[], None] = _forget,
) -> str:
    """A selectbox over `labels` (value → label in the current language).

    The widget is keyed per language: a keyed selectbox keeps showing the label it was
    first drawn with when only its labels change, so a language switch makes a new one,
    which starts from the choice made in the other language. A remembered choice that a
    filter or another choice has made invalid is dropped."""
    ss = st.session_state
    key, other = _choice_key(name), _key(f"{name}.{'en' if lang() == 'zh' else 'zh'}")
    if key not in ss and other in ss:
        ss[key] = ss[other]
    if key in ss and ss[key] not in labels:
        # assigned, not deleted: a deleted key leaves the browser showing (and sending
        # back) the old choice, e.g. 菏泽市 under a Jinan indicator
        ss[key] = default if default in labels else next(iter(labels))
    if key not in ss and default is not None:
        ss[key] = default
    return st.selectbox(
        label, list(labels), format_func=labels.__getitem__, key=key, on_change=on_change
    )


def _new_indicator(allowed: dict[str, list[str]]) -> None:
    """A new indicator starts at its own (first writable) region, set here in the
    callback so the browser shows it too (item: 菏泽市 kept under a Jinan indicator)."""
    _forget()
    regions = allowed.get(_chosen("indicator"))
    if regions:
        st.session_state[_choice_key("region")] = regions[0]


def _indicator_label(ind: Indicator) -> str:
    return f"{ind.label(lang())} · {ind.id}"


def _region_label(catalog: Catalog, code: str) -> str:
    return f"{catalog.regions[code].label(lang())} {code}"


def _plan_label(catalog: Catalog, plan_id: str) -> str:
    if plan_id == ALL:
        return tr("entry.all")
    plan = catalog.plans[plan_id]
    return f"{plan.label(lang())} {plan.doc_no}".strip()


def _value(x: object, unit: str) -> str:
    return format_value(None if pd.isna(x) else float(x), unit, lang())  # type: ignore[arg-type]


def _stage_texts(ind: Indicator) -> list[str]:
    """The catalog's stages in words, as the plan states them (worded as on every page)."""
    return [
        tr(
            "entry.stage",
            by=s.by.isoformat(),
            target=charts.stage_text(s, ind.unit, lang()),
        )
        for s in ind.targets
    ]


def _status_row(indicator_id: str, region: str) -> pd.Series | None:
    """This target's row of the progress engine today, if it has one."""
    frame = status(date.today())
    rows = frame[(frame.indicator == indicator_id) & (frame.region == region)]
    return None if rows.empty else rows.iloc[0]


def _status_text(row: pd.Series | None, catalog: Catalog) -> tuple[str, str]:
    if row is None:
        return tr("entry.status_none"), ""
    return status_label(str(row["status"]), lang()), explain(row, catalog, lang())


def _stored(indicator_id: str, region: str) -> pd.DataFrame:
    """Stored values of one target, oldest period first, with canonical period labels."""
    obs = observations()
    rows = obs[(obs.indicator_id == indicator_id) & (obs.region_code == region)].copy()
    rows["rank"] = rows.period_kind.map(KIND_RANK)
    rows = rows.sort_values(["period_end", "rank"], ascending=[True, False])
    rows["period"] = period_labels(rows.period_kind, rows.period_end) if len(rows) else []
    return rows


def _parsed_period(text: str) -> Period | None:
    """The typed period, for the hint under the input; a bad spelling gets its message
    from the checks when submitted, next to the input."""
    if not text.strip():
        return None
    try:
        return parse_period(text)
    except PeriodError:
        return None


def _default_period_example(today: date) -> str:
    quarter = (today.month - 1) // 3  # the last finished quarter
    year = today.year if quarter else today.year - 1
    return f"{year}Q{quarter or 4}"


def _submit() -> None:
    """Write the form's value (callback: runs before the page is drawn again)."""
    ss = st.session_state
    indicator_id, region = _chosen("indicator"), _chosen("region")
    period = ss.get(_key("period"), "")
    try:
        report = enter_value(
            get_db(),
            acting_actor(),
            indicator_id,
            region,
            period,
            ss.get(_key("value"), ""),
            note=ss.get(_key("note"), ""),
            source=ss.get(_key("source"), ""),
            reason=ss.get(_key("reason"), ""),
            accept_warnings=bool(ss.get(_key("accept_warnings"), False)),
        )
    except DatabaseBusy as exc:  # nothing written; the inputs stay for another try
        ss[_key("result")] = {"error": in_lang(exc), "fresh": True}
        return
    ss[_key("result")] = {
        "report": report,
        "indicator": indicator_id,
        "region": region,
        "period": period,
        "fresh": True,
    }
    if report.written or (not report.errors and not report.warnings):
        ss[_key("value")] = ""
        ss[_key("reason")] = ""
        ss[_key("accept_warnings")] = False


def _confirmation(result: dict[str, Any], catalog: Catalog) -> None:
    """What the last submit changed, and the target's status now."""
    if "error" in result:
        st.error(plain(result["error"]), icon=":material/error:")
        return
    report: WriteReport = result["report"]
    if report.errors:
        st.error(tr("entry.not_saved"), icon=":material/error:")
        return
    if report.warnings and not report.written:
        st.warning(tr("entry.warnings_not_saved"), icon=":material/warning:")
        return
    ind = catalog.indicators[result["indicator"]]
    row = report.changes.iloc[0]  # type: ignore[union-attr]
    what = " · ".join(
        [_indicator_label(ind), _region_label(catalog, result["region"]), row.period_label]
    )
    new, old = _value(row.value, ind.unit), _value(row.old_value, ind.unit)
    if row.change == "insert":
        message = tr("entry.done_insert", what=what, new=new)
    elif row.change == "update" and row.value != row.old_value:
        message = tr("entry.done_update", what=what, old=old, new=new)
    elif row.change == "update":
        message = tr("entry.done_note", what=what, new=new)
    else:
        message = tr("entry.done_unchanged", what=what, new=new)
    label, why = _status_text(_status_row(ind.id, result["region"]), catalog)
    text = message + "  \n" + tr("entry.new_status", label=label, explain=why)
    if report.written:
        st.success(plain(text), icon=":material/check_circle:")
    else:
        st.info(plain(text))
    if result.get("fresh") and report.written:
        st.toast(plain(tr("entry.toast", what=what)), icon=":material/check_circle:")


def _prefill(target: tuple[str, str, str], stored: pd.Series | None) -> None:
    """Show the stored note and source of the chosen period in the inputs (an entry
    writes both, so leaving them as shown keeps them)."""
    ss = st.session_state
    if ss.get(_key("prefilled_for")) == target:
        return
    ss[_key("prefilled_for")] = target

    note, source = (None, None) if stored is None else (stored.note, stored.source)
    ss[_key("note")], ss[_key("source")] = strip_demo_labels(note, source)


def _tables(ind: Indicator, region: str, values: pd.DataFrame) -> None:
    """The target's stored values and every correction of them."""
    st.subheader(tr("entry.values"))
    if values.empty:
        st.caption(tr("entry.no_value"))
    else:
        shown = values.iloc[::-1]
        st.dataframe(
            pd.DataFrame(
                {
                    tr("entry.col.period"): shown.period,
                    tr("entry.col.value"): [_value(v, ind.unit) for v in shown.value],
                    tr("entry.col.note"): shown.note.fillna(""),
                    tr("entry.col.source"): shown.source.fillna(""),
                    tr("entry.col.by"): shown.updated_by.map(who),
                    tr("entry.col.at"): [when(x) for x in shown.updated_at],
                    tr("entry.col.import"): [
                        "" if pd.isna(i) else f"#{int(i)}" for i in shown.import_id
                    ],
                }
            ),
            hide_index=True,
            width="stretch",
        )
    st.subheader(tr("entry.history"))
    revs = revisions(ind.id)
    revs = revs[revs.region_code == region]
    if revs.empty:
        st.caption(tr("entry.no_history"))
        return
    st.dataframe(
        pd.DataFrame(
            {
                tr("entry.col.period"): period_labels(revs.period_kind, revs.period_end),
                tr("entry.col.old"): [_value(v, ind.unit) for v in revs.old_value],
                tr("entry.col.new"): [_value(v, ind.unit) for v in revs.new_value],
                tr("entry.col.note"): revs.new_note.fillna(""),
                tr("entry.col.by"): revs.changed_by.map(who),
                tr("entry.col.at"): [when(x) for x in revs.changed_at],
                tr("entry.col.reason"): revs.reason.fillna(""),
            }
        ),
        hide_index=True,
        width="stretch",
    )


def render() -> None:
    db = get_db()
    catalog = db.catalog
    st.title(tr("entry.title"))
    st.caption(tr("entry.intro"))
    actor = acting_actor()
    st.caption(plain(tr("entry.acting", user=actor.name)))

    # --- which target: only what this account may write (views.common.writable) ------
    allowed = writable(actor)
    if not allowed:
        st.info(tr("entry.nothing_writable", user=plain(actor.name)))
        return
    mine = [i for i in catalog.indicators.values() if i.id in allowed]
    plans = [ALL, *dict.fromkeys(i.plan for i in mine)]
    own = [u for u in actor.units if any(u in i.responsible for i in mine)]
    units = [ALL, *(own or sorted({u for i in mine for u in i.responsible}))]
    left, right = st.columns(2)
    with left:
        plan = _select("plan", tr("entry.plan"), {p: _plan_label(catalog, p) for p in plans})
    with right:
        unit = _select(
            "unit",
            tr("entry.unit"),
            {u: u or tr("entry.all") for u in units},
            # an analyst starts with the indicators of their own unit
            default=next((u for u in units if u in actor.units), None),
        )
    choices = {
        i.id: _indicator_label(i)
        for i in mine
        if plan in (ALL, i.plan) and unit in (ALL, *i.responsible)
    }
    if not choices:
        st.info(tr("entry.no_match"))
        return
    indicator_id = _select(
        "indicator", tr("entry.indicator"), choices, on_change=lambda: _new_indicator(allowed)
    )
    _show_errors("indicator")
    ind = catalog.indicators[indicator_id]
    regions = allowed[indicator_id]

    left, right = st.columns(2)
    with left:
        region = _select(
            "region", tr("entry.region"), {c: _region_label(catalog, c) for c in regions}
        )
        _show_errors("region")
    with right:
        period_text = st.text_input(
            tr("entry.period"),
            key=_key("period"),
            placeholder=tr(
                "entry.period_placeholder", example=_default_period_example(date.today())
            ),
            help=tr("entry.period_help"),
            on_change=_forget,
        )
        _show_errors("period")

    # --- what is known about it -------------------------------------------------------
    values = _stored(indicator_id, region)
    period = _parsed_period(period_text)
    stored = None
    if period is not None:
        same = values[
            (values.period_kind == period.kind) & (values.period_end == pd.Timestamp(period.end))
        ]
        stored = None if same.empty else same.iloc[-1]
        with right:
            st.caption(tr("entry.period_read", label=plain(period.label)))

    with st.container(border=True):
        st.markdown(f"**{plain(_indicator_label(ind))}**")
        st.caption(plain(tr("entry.responsible", units="、".join(ind.responsible))))
        stages = _stage_texts(ind)
        if ind.baseline is not None:
            stages.insert(
                0,
                tr(
                    "entry.baseline",
                    value=_value(ind.baseline.value, ind.unit),
                    date=ind.baseline.date.isoformat(),
                ),
            )
        st.markdown(plain(tr("entry.targets", stages=tr("entry.sep").join(stages))))
        if values.empty:
            st.caption(tr("entry.no_value"))
        else:
            last = values.iloc[-1]
            st.markdown(
                plain(
                    tr(
                        "entry.latest",
                        period=last.period,
                        value=_value(last.value, ind.unit),
                        user=who(last.updated_by),
                        at=when(last.updated_at),
                    )
                )
            )
        label, why = _status_text(_status_row(indicator_id, region), catalog)
        st.markdown(plain(tr("entry.status", label=label)))
        if why:
            st.caption(plain(why))

    if stored is not None:
        st.info(
            plain(
                tr(
                    "entry.period_stored",
                    value=_value(stored.value, ind.unit),
                    user=who(stored.updated_by),
                    at=when(stored.updated_at),
                )
            )
        )

    # --- the value --------------------------------------------------------------------
    _prefill((indicator_id, region, period.label if period else ""), stored)
    with st.form(_key("form"), border=True):
        st.text_input(
            tr("entry.value", unit=ind.unit),
            key=_key("value"),
            placeholder=tr("entry.value_placeholder"),
            help=tr("entry.value_help", unit=ind.unit),
        )
        _show_errors("value")
        _warnings()
        left, right = st.columns(2)
        with left:
            st.text_input(tr("entry.note"), key=_key("note"))
            _show_errors("note")
        with right:
            st.text_input(tr("entry.source"), key=_key("source"))
            _show_errors("source")
        st.text_input(
            tr("entry.reason"), key=_key("reason"), placeholder=tr("entry.reason_placeholder")
        )
        _show_errors("general")
        st.form_submit_button(
            tr("entry.submit"), type="primary", on_click=_submit, key=_key("submit")
        )

    result = _result()
    if result is not None:
        _confirmation(result, catalog)
        result["fresh"] = False

    _tables(ind, region, values)


render()
