"""Warning notices (预警通知单): one per responsible unit with lagging targets, listing them
with the cause and remedy on record, asking for an answer by a date."""

from __future__ import annotations

import io
import re
import zipfile
from datetime import timedelta

import pandas as pd

from metrics.accountability import BriefingFacts, unit_names
from metrics.briefing import style
from metrics.briefing.document import REPLY_DAYS, lagging_cells, lagging_header
from metrics.briefing.facts import scope_rows
from metrics.briefing.words import date_text, issue_number
from metrics.catalog import Catalog
from metrics.i18n import t


def unit_lagging(lagging: pd.DataFrame, unit: str) -> pd.DataFrame:
    """The lagging targets one unit (a unit_key) is responsible for, alone or with others."""
    return lagging[lagging["unit_keys"].map(lambda keys: unit in keys)]


def notice_units(facts: BriefingFacts, catalog: Catalog, city: str | None = None) -> list[str]:
    """The units that get a notice (unit keys, "371700:市大数据局"): every responsible unit
    of a lagging target, each city's bureaus apart, sorted."""
    lag = scope_rows(facts, catalog, city).lagging
    return sorted({k for keys in lag["unit_keys"] for k in keys})


def notice_names(
    facts: BriefingFacts, catalog: Catalog, city: str | None = None, lang: str = "zh"
) -> dict[str, str]:
    """Unit key → the addressee's name (the city's name first where the scope has several)."""
    keys = notice_units(facts, catalog, city)
    return dict(zip(keys, unit_names(catalog, keys, lang), strict=True))


def build_notice(
    facts: BriefingFacts,
    catalog: Catalog,
    unit: str,
    number: int = 1,
    city: str | None = None,
    lang: str = "zh",
    issuer: str | None = None,
) -> bytes:
    """One unit's warning notice as .docx bytes."""
    lag = unit_lagging(scope_rows(facts, catalog, city).lagging, unit)
    addressee = notice_names(facts, catalog, city, lang).get(unit, unit.split(":", 1)[-1])
    period = facts.period
    doc = style.new_document(lang)
    style.title(doc, t("notice.title", lang), lang)
    style.document_line(
        doc,
        t(
            "notice.number",
            lang,
            year=period.end.year,
            period=issue_number(period),
            n=f"{number:02d}",
        ),
        date_text(facts.today, lang),
        lang,
    )
    style.body(doc, t("notice.to", lang, unit=addressee), lang, indent=False)
    reply = facts.today + timedelta(days=REPLY_DAYS)
    style.body(
        doc,
        t(
            "notice.body",
            lang,
            date=date_text(period.end, lang),
            n=len(lag),
            reply=date_text(reply, lang),
        ),
        lang,
    )
    late = int(lag["overdue"].sum())
    if late:
        style.body(doc, t("notice.overdue", lang, n=late), lang)
    rows = [lagging_cells(r, catalog, lang, i) for i, (_, r) in enumerate(lag.iterrows(), start=1)]
    style.table(
        doc,
        lagging_header(lang),
        rows,
        lang,
        widths_cm=[0.8, 2.9, 1.3, 1.7, 1.6, 1.6, 1.7, 1.9, 2.1],
    )
    style.body(doc, issuer or t("brief.issuer_default", lang), lang, align_right=True)
    style.body(doc, date_text(facts.today, lang), lang, align_right=True)
    return style.to_bytes(doc)


def file_name(unit: str, lang: str) -> str:
    """A notice's file name: the unit's name with path characters taken out."""
    safe = re.sub(r'[\\/:*?"<>|\s·]+', "_", unit).strip("._") or "unit"
    return t("notice.file", lang, unit=safe) + ".docx"


def build_notices(
    facts: BriefingFacts,
    catalog: Catalog,
    city: str | None = None,
    lang: str = "zh",
    issuer: str | None = None,
) -> dict[str, bytes]:
    """Every unit's notice: file name → .docx bytes, numbered in unit order."""
    names = notice_names(facts, catalog, city, lang)
    return {
        file_name(names[unit], lang): build_notice(facts, catalog, unit, k, city, lang, issuer)
        for k, unit in enumerate(names, start=1)
    }


def notices_zip(notices: dict[str, bytes]) -> bytes:
    """The notices in one .zip (UTF-8 file names)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in notices.items():
            archive.writestr(name, data)
    return out.getvalue()
