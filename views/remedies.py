"""What the briefing page shares with the overview and the indicator page: the briefing's
facts (cached until observations or statements change), the one-click briefing download,
and one target's history of causes and remedies."""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd
import streamlit as st

from db import remedies as rem
from metrics.accountability import BriefingFacts, unit_matrix, unit_names
from metrics.i18n import t
from metrics.periods import Period, period_from_end
from metrics.progress import STATUS_ORDER
from views import charts
from views.common import data_version, get_db, lang, tr

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def last_quarter(day: date) -> Period:
    """The quarter a briefing on `day` covers: the one ending that day, else the last ended."""
    quarter = period_from_end("quarter", _quarter_end(day))
    if quarter.end == day:
        return quarter
    return period_from_end("quarter", quarter.start - timedelta(days=1))


def _quarter_end(day: date) -> date:
    month = 3 * ((day.month - 1) // 3) + 3
    nxt = date(day.year + (month == 12), 1 if month == 12 else month + 1, 1)
    return nxt - timedelta(days=1)


def quarters(today: date, n: int = 8) -> list[Period]:
    """The last n quarters that have ended by `today`, newest first."""
    out = [last_quarter(today)]
    while len(out) < n:
        out.append(period_from_end("quarter", out[-1].start - timedelta(days=1)))
    return out


@st.cache_data(show_spinner=False, max_entries=16)
def _facts(end: date, today: date, version: tuple, statements: int) -> BriefingFacts:
    return rem.briefing_facts(get_db(), period_from_end("quarter", end), today)


def facts_for(period: Period) -> BriefingFacts:
    """The briefing's facts, read again whenever observations or statements change."""
    return _facts(period.end, date.today(), data_version(), rem.remedies_version(get_db()))


def _briefing(period: Period, city: str | None, doc_lang: str) -> bytes:
    """The .docx, built when the button is clicked (python-docx and matplotlib are
    imported then, not on every page that shows the button: 0.4 s of a first render)."""
    from metrics.briefing import build_briefing

    return build_briefing(facts_for(period), get_db().catalog, city, doc_lang)


def briefing_button(
    period: Period,
    key: str,
    city: str | None = None,
    doc_lang: str | None = None,
    show_period: bool = False,
) -> None:
    """The quarter's briefing (.docx) in one click; built only when clicked."""
    doc_lang = doc_lang or lang()
    stem = t("brief.file", doc_lang, period=period.label) + (f"_{city}" if city else "")
    st.download_button(
        tr("bp.download") + (f" · {period.label}" if show_period else ""),
        data=lambda: _briefing(period, city, doc_lang),
        file_name=f"{stem}.docx",
        mime=DOCX,
        key=key,
        on_click="ignore",
        type="primary",
        icon=":material/description:",
    )


def history_table(history: pd.DataFrame) -> pd.DataFrame:
    """Statements as the pages show them, in the UI language, newest first."""
    lng = lang()
    return pd.DataFrame(
        {
            tr("bp.col_recorded"): history["recorded_at"],
            tr("bp.col_recorded_by"): history["recorded_by"],
            t("brief.col_unit", lng): history["unit"],
            tr("bp.col_status_then"): history["status"].map(lambda s: charts.status_text(s, lng)),
            t("rem.field_cause", lng): history["cause"],
            t("rem.field_remedy", lng): history["remedy"],
            t("rem.field_recover_by", lng): history["recover_by"].dt.date,
        }
    )


def history_section(indicator_id: str, region: str, key: str) -> None:
    """One target's causes and remedies, every statement kept (for the indicator page)."""
    st.subheader(tr("bp.history"))
    history = rem.remedy_history(get_db(), indicator_id, region)
    if history.empty:
        st.caption(tr("bp.no_history"))
        return
    st.dataframe(history_table(history), hide_index=True, key=key)


def overview_briefing(as_of: date) -> None:
    """On the overview: the briefing of the quarter its date falls in (or ends), one click."""
    briefing_button(last_quarter(as_of), "ov_dl_briefing", show_period=True)


def overview_matrix(shown: pd.DataFrame) -> None:
    """On the overview: the unit × status matrix of the targets shown (filters applied)."""
    lng = lang()
    with st.expander(tr("bp.matrix")):
        catalog = get_db().catalog
        matrix = unit_matrix(shown, catalog)
        matrix["unit"] = unit_names(catalog, matrix["unit"], lng)
        names = {s: charts.status_text(s, lng) for s in STATUS_ORDER}
        names |= {"unit": t("brief.col_unit", lng), "total": t("brief.col_total_row", lng)}
        st.dataframe(matrix.rename(columns=names), hide_index=True, key="ov_unit_matrix")
