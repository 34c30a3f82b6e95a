"""通报与整改 / Briefing & remedies: the quarter's briefing and warning notices to download,
the units ranked, the unit × status matrix, every lagging target with its cause and remedy,
who did not report, and (for the responsible unit's analysts) the form to record a cause
and a remedy, with the history of what was recorded.

The page only reads, calls and draws: the facts come from db.remedies.briefing_facts (the
same `evaluate` as the overview), tables from metrics.accountability, documents from
metrics.briefing, and a statement is written by db.remedies.record_remedy, which checks
the account's unit and region.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

import pandas as pd
import streamlit as st

from db import remedies as rem
from db.permissions import write_problem
from metrics.accountability import LAGGING, home_rows, league_table, unit_matrix
from metrics.briefing import (
    build_briefing,
    build_notice,
    find_converter,
    notice_units,
    notices_zip,
    scope_rows,
    to_pdf,
)
from metrics.briefing.document import unit_labels
from metrics.briefing.notices import build_notices, file_name, notice_names
from metrics.catalog import Catalog
from metrics.errors import MetricsError
from metrics.i18n import t
from metrics.progress import STATUS_ORDER
from views import charts
from views.auth import current_actor
from views.common import get_db, lang, lang_key, plain, status, tr
from views.remedies import DOCX, briefing_button, facts_for, history_table, quarters


def _status_words(series: pd.Series, lng: str) -> pd.Series:
    return series.map(lambda s: charts.status_text(s, lng))


def _indicator_names(ids: pd.Series, catalog: Catalog, lng: str) -> pd.Series:
    return ids.map(lambda i: catalog.indicators[i].label(lng))


def _table_or_none(
    rows: pd.DataFrame, none_text: str, key: str, columns: Callable[[pd.DataFrame], dict]
) -> None:
    """The rows as a table (`columns`: each header and its values), or a line saying there
    are none."""
    if rows.empty:
        st.caption(none_text)
    else:
        st.dataframe(pd.DataFrame(columns(rows)), hide_index=True, key=key)


lng = lang()
db = get_db()
catalog = db.catalog
today = date.today()
st.title(tr("bp.title"))

periods = quarters(today)
cities = [c for c, info in catalog.regions.items() if info.parent is None]
c1, c2, c3 = st.columns(3)
period = c1.selectbox(
    tr("bp.period"), periods, key=lang_key("bp_period"), format_func=lambda p: p.label
)
city = c2.selectbox(
    tr("bp.city"),
    [None, *cities],
    key=lang_key("bp_city"),
    format_func=lambda c: tr("bp.all_cities") if c is None else catalog.region_name(c, lng),
)
doc_lang = c3.radio(
    tr("bp.doc_lang"),
    ["zh", "en"],
    index=0 if lng == "zh" else 1,
    format_func={"zh": "中文", "en": "English"}.get,
    horizontal=True,
    key="bp_doc_lang",
)

facts = facts_for(period)
scope = scope_rows(facts, catalog, city)
st.caption(
    tr("bp.caption", date=period.end.isoformat(), n=len(scope.rows), lagging=len(scope.lagging))
)

# --- downloads ---
d1, d2 = st.columns(2)
with d1:
    briefing_button(period, "bp_dl_briefing", city, doc_lang)
    if find_converter() is not None:  # LibreOffice installed: the same document as PDF
        st.download_button(
            tr("bp.download_pdf"),
            data=lambda: to_pdf(build_briefing(facts, catalog, city, doc_lang)),
            file_name=f"{t('brief.file', doc_lang, period=period.label)}.pdf",
            mime="application/pdf",
            key="bp_dl_pdf",
            on_click="ignore",
            icon=":material/picture_as_pdf:",
        )
units = notice_units(facts, catalog, city)
addressees = notice_names(facts, catalog, city, lng)
labels = unit_labels(scope, catalog, lng)
d2.download_button(
    tr("bp.notices", n=len(units)),
    data=lambda: notices_zip(build_notices(facts, catalog, city, doc_lang)),
    file_name=f"{t('notice.title', doc_lang)}_{period.label}.zip",
    mime="application/zip",
    key="bp_dl_notices",
    on_click="ignore",
    disabled=not units,
    icon=":material/folder_zip:",
)
if units:
    u1, u2 = st.columns([2, 1], vertical_alignment="bottom")
    unit = u1.selectbox(
        tr("bp.notice_unit"), units, key=lang_key("bp_unit"), format_func=addressees.get
    )
    u2.download_button(
        tr("bp.notice_one"),
        data=lambda: build_notice(facts, catalog, unit, units.index(unit) + 1, city, doc_lang),
        file_name=file_name(notice_names(facts, catalog, city, doc_lang)[unit], doc_lang),
        mime=DOCX,
        key="bp_dl_notice",
        on_click="ignore",
        icon=":material/download:",
    )

# --- league table and matrix ---
st.subheader(tr("bp.league"))
league = league_table(scope.rows, scope.previous, catalog)
st.dataframe(
    pd.DataFrame(
        {
            t("brief.col_rank", lng): league["rank"],
            t("brief.col_unit", lng): league["unit"].map(labels),
            t("brief.col_total", lng): league["total"],
            t("brief.col_good", lng): league["good"],
            t("brief.col_share", lng): (league["share"] * 100).round(1),
            t("brief.col_prev_share", lng): (league["prev_share"] * 100).round(1),
            t("brief.col_prev_rank", lng): league["prev_rank"],
        }
    ),
    hide_index=True,
    key="bp_league",
    column_config={
        t(f"brief.col_{k}", lng): st.column_config.NumberColumn(format="%.1f%%")
        for k in ("share", "prev_share")
    },
)
st.subheader(tr("bp.matrix"))
matrix = unit_matrix(scope.rows, catalog)
matrix["unit"] = matrix["unit"].map(labels)
st.dataframe(
    matrix.rename(
        columns={
            "unit": t("brief.col_unit", lng),
            "total": t("brief.col_total_row", lng),
            **{s: charts.status_text(s, lng) for s in STATUS_ORDER},
        }
    ),
    hide_index=True,
    key="bp_matrix",
)

# --- lagging targets with their answers ---
st.subheader(tr("bp.lagging"))
_table_or_none(
    scope.lagging,
    t("brief.none_lagging", lng),
    "bp_lagging",
    lambda lag: {
        t("brief.col_status", lng): _status_words(lag["status"], lng),
        t("brief.col_indicator", lng): _indicator_names(lag["indicator"], catalog, lng),
        tr("bp.city"): lag["city"].map(lambda c: catalog.region_name(c, lng)),
        t("brief.col_responsible", lng): lag["responsible"].map("、".join),
        t("brief.col_cause", lng): lag["cause"].replace("", t("brief.no_answer", lng)),
        t("brief.col_remedy", lng): lag["remedy"],
        t("rem.field_recover_by", lng): lag["recover_by"].dt.date,
        tr("bp.overdue"): lag["overdue"],
    },
)

st.subheader(tr("bp.reporting"))
_table_or_none(
    scope.reporting,
    t("brief.none_reporting", lng),
    "bp_reporting",
    lambda gaps: {
        t("brief.col_unit", lng): gaps["unit"].map(labels),
        t("brief.col_indicator", lng): _indicator_names(gaps["indicator"], catalog, lng),
        t("brief.col_status", lng): gaps["state"].map(
            {"missing": tr("bp.state_missing"), "late": tr("bp.state_late")}
        ),
        tr("bp.col_due"): gaps["due"].dt.date,
    },
)

# --- record a cause and a remedy (the responsible unit's analysts, admins) ---
st.subheader(tr("bp.record"))
actor = current_actor()
now_rows = home_rows(status(today), catalog)
lagging_now = now_rows[now_rows["status"].isin(LAGGING)]
labels = {
    (r.indicator, r.region): f"{charts.status_text(r.status, lng)} · "
    f"{catalog.region_name(r.region, lng)} · "
    f"{catalog.indicators[r.indicator].label(lng)}"
    for r in lagging_now.itertuples()
}
if actor is None or actor.role not in ("analyst", "admin"):
    st.info(tr("bp.sign_in"), icon=":material/lock:")
else:
    mine = [k for k in labels if write_problem(actor, catalog, k[0], k[1]) is None]
    if not mine:
        st.caption(tr("bp.none_yours"))
    else:
        with st.form("bp_form", clear_on_submit=True):
            target = st.selectbox(tr("bp.target"), mine, format_func=labels.get, key="bp_target")
            cause = st.text_area(t("rem.field_cause", lng), key="bp_cause", max_chars=rem.MAX_TEXT)
            remedy = st.text_area(
                t("rem.field_remedy", lng), key="bp_remedy", max_chars=rem.MAX_TEXT
            )
            recover_by = st.date_input(
                t("rem.field_recover_by", lng),
                value=today + timedelta(days=90),
                min_value=today,
                key="bp_recover_by",
            )
            submitted = st.form_submit_button(tr("bp.submit"), type="primary")
        if submitted:
            try:
                new_id = rem.record_remedy(
                    db, actor, target[0], target[1], cause, remedy, recover_by, as_of=today
                )
            except MetricsError as exc:
                st.error(plain(str(exc)), icon=":material/error:")
            else:  # drawn again from the top, so every table above shows it
                st.session_state["bp_saved"] = new_id
                st.rerun()
    if "bp_saved" in st.session_state:
        st.success(tr("bp.saved", id=st.session_state.pop("bp_saved")), icon=":material/check:")

# --- history of statements ---
st.subheader(tr("bp.history"))
history = rem.remedy_history(db)
targets = list(dict.fromkeys(zip(history["indicator"], history["region"], strict=True)))
if not targets:
    st.caption(tr("bp.no_history"))
else:
    chosen = st.selectbox(
        tr("bp.history_target"),
        targets,
        key=lang_key("bp_history"),
        format_func=lambda k: (
            f"{catalog.region_name(k[1], lng)} · {catalog.indicators[k[0]].label(lng)}"
        ),
    )
    part = history[(history["indicator"] == chosen[0]) & (history["region"] == chosen[1])]
    st.dataframe(history_table(part), hide_index=True, key="bp_history_table")
