"""The quarterly briefing (通报) as a .docx: title and document line, the summary with counts
by status against the previous period, the units ranked, each lagging target with its
responsible unit, cause and remedy, the units that did not report or reported late, and
charts. Every number is counted from the status rows (`evaluate`) handed in."""

from __future__ import annotations

from datetime import timedelta

import pandas as pd

from metrics.accountability import (
    league_table,
    status_counts,
    unit_matrix,
    unit_names,
    worst_lagging,
)
from metrics.briefing import charts, style
from metrics.briefing.facts import BriefingFacts, Scope, scope_rows
from metrics.briefing.words import (
    date_text,
    indicator_name,
    issue_number,
    latest_text,
    numeral,
    period_text,
    region_name,
    share_text,
    target_text,
    units_text,
)
from metrics.catalog import Catalog
from metrics.i18n import t
from metrics.progress import STATUS_ORDER, status_label

#: Days the units have to answer (causes, remedies) after the briefing is issued.
REPLY_DAYS = 10
#: Indicator names listed per unit in the reporting table (then "等N项").
ITEMS_LISTED = 8


def lagging_header(lang: str) -> list[str]:
    keys = (
        "no",
        "indicator",
        "status",
        "latest",
        "target",
        "deadline",
        "responsible",
        "cause",
        "remedy",
    )
    return [t(f"brief.col_{k}", lang) for k in keys]


def lagging_cells(row: pd.Series, catalog: Catalog, lang: str, number: int) -> list[str]:
    """One lagging target as its table row: who is responsible, why it lags, what is done."""
    ind = catalog.indicators[row["indicator"]]
    cause = row["cause"] or t("brief.no_answer", lang)
    if row["remedy"]:
        remedy = t(
            "brief.remedy_by", lang, remedy=row["remedy"], date=date_text(row["recover_by"], lang)
        )
        if bool(row["overdue"]):
            remedy = t("brief.overdue_mark", lang) + remedy
    else:
        remedy = t("brief.no_answer", lang)
    return [
        str(number),
        indicator_name(ind, lang),
        status_label(row["status"], lang),
        latest_text(row, ind, lang),
        target_text(ind, lang),
        date_text(row["deadline"], lang),
        units_text(list(ind.responsible), lang),
        cause,
        remedy,
    ]


def _summary(
    doc, scope: Scope, facts: BriefingFacts, catalog: Catalog, scope_name: str, lang: str
) -> None:  # type: ignore[no-untyped-def]
    sep = t("brief.sep", lang)
    now, before = status_counts(scope.rows), status_counts(scope.previous)
    parts = sep.join(
        t("brief.count_part", lang, label=status_label(s, lang), n=now[s]) for s in STATUS_ORDER
    )
    plans = scope.rows["indicator"].map(lambda i: catalog.indicators[i].plan).nunique()
    text = t(
        "brief.summary",
        lang,
        date=date_text(facts.period.end, lang),
        scope=scope_name,
        plans=plans,
        n=len(scope.rows),
        parts=parts,
    )
    changes = []
    for s in STATUS_ORDER:
        diff = now[s] - before[s]
        if diff:
            key = "brief.change_up" if diff > 0 else "brief.change_down"
            changes.append(t(key, lang, label=status_label(s, lang), n=abs(diff)))
    change = sep.join(changes) if changes else t("brief.change_none", lang)
    text += t("brief.change", lang, date=date_text(facts.previous.end, lang), parts=change)
    lag = scope.lagging
    text += t(
        "brief.lagging_sentence",
        lang,
        n=len(lag),
        answered=int((lag["cause"] != "").sum()),
        overdue=int(lag["overdue"].sum()),
    )
    style.body(doc, text, lang)
    header = [
        t("brief.col_status", lang),
        t("brief.col_this", lang),
        t("brief.col_prev", lang),
        t("brief.col_change", lang),
    ]
    rows = [
        [status_label(s, lang), str(now[s]), str(before[s]), f"{now[s] - before[s]:+d}"]
        for s in STATUS_ORDER
    ]
    total_now, total_before = sum(now.values()), sum(before.values())
    rows.append(
        [
            t("brief.col_total_row", lang),
            str(total_now),
            str(total_before),
            f"{total_now - total_before:+d}",
        ]
    )
    style.table(doc, header, rows, lang, widths_cm=[4.5, 3.5, 3.5, 3.5])


def unit_labels(scope: Scope, catalog: Catalog, lang: str) -> dict[str, str]:
    """Unit key → name for one briefing: bare names in a one-city briefing, the city's
    name first where several cities' bureaus appear (the same for every table)."""
    keys = sorted(set(unit_matrix(scope.rows, catalog)["unit"]) | set(scope.reporting["unit"]))
    return dict(zip(keys, unit_names(catalog, keys, lang), strict=True))


def _league(doc, scope: Scope, catalog: Catalog, lang: str) -> pd.DataFrame:  # type: ignore[no-untyped-def]
    labels = unit_labels(scope, catalog, lang)
    style.heading(doc, t("brief.h_league", lang), lang)
    style.body(doc, t("brief.league_note", lang), lang)
    table = league_table(scope.rows, scope.previous, catalog)
    keys = ("rank", "unit", "total", "good", "share", "prev_share", "prev_rank")
    rows = [
        [
            str(r["rank"]),
            labels[r["unit"]],
            str(r["total"]),
            str(r["good"]),
            share_text(r["share"]),
            share_text(r["prev_share"]),
            "—" if pd.isna(r["prev_rank"]) else str(r["prev_rank"]),
        ]
        for _, r in table.iterrows()
    ]
    widths = [1.2, 5.2, 1.6, 2.4, 1.7, 1.8, 1.7]
    style.table(doc, [t(f"brief.col_{k}", lang) for k in keys], rows, lang, widths_cm=widths)
    style.heading(doc, t("brief.h_matrix", lang), lang, level=2)
    matrix = unit_matrix(scope.rows, catalog)
    matrix["unit"] = matrix["unit"].map(labels)
    header = [
        t("brief.col_unit", lang),
        *[status_label(s, lang) for s in STATUS_ORDER],
        t("brief.col_total_row", lang),
    ]
    rows = [
        [r["unit"], *[str(r[s]) for s in STATUS_ORDER], str(r["total"])]
        for _, r in matrix.iterrows()
    ]
    widths = [4.1, *[1.55] * len(STATUS_ORDER), 1.6]
    style.table(doc, header, rows, lang, widths_cm=widths)
    return matrix


def _lagging(doc, scope: Scope, catalog: Catalog, lang: str) -> None:  # type: ignore[no-untyped-def]
    style.landscape(doc)
    style.heading(doc, t("brief.h_lagging", lang), lang)
    lag = scope.lagging
    if lag.empty:
        style.body(doc, t("brief.none_lagging", lang), lang)
    for k, (city, part) in enumerate(lag.groupby("city", sort=True), start=1):
        name = region_name(catalog, str(city), lang)
        style.heading(
            doc, t("brief.h_lagging_city", lang, n=numeral(k, lang), city=name), lang, level=2
        )
        rows = [
            lagging_cells(r, catalog, lang, i) for i, (_, r) in enumerate(part.iterrows(), start=1)
        ]
        style.table(
            doc,
            lagging_header(lang),
            rows,
            lang,
            widths_cm=[0.9, 4.4, 1.6, 2.4, 2.6, 2.2, 2.8, 3.6, 4.2],
        )
    style.portrait(doc)


def _reporting(doc, scope: Scope, facts: BriefingFacts, catalog: Catalog, lang: str) -> None:  # type: ignore[no-untyped-def]
    style.heading(doc, t("brief.h_reporting", lang), lang)
    gaps = scope.reporting
    if gaps.empty:
        style.body(doc, t("brief.none_reporting", lang), lang)
        return
    due = gaps["due"].max()
    style.body(
        doc,
        t(
            "brief.reporting_note",
            lang,
            period=period_text(facts.period, lang),
            due=date_text(due, lang),
        ),
        lang,
    )
    labels = unit_labels(scope, catalog, lang)
    rows = []
    for unit, part in gaps.groupby("unit", sort=True):
        names = sorted({indicator_name(catalog.indicators[i], lang) for i in part["indicator"]})
        listed = units_text(names[:ITEMS_LISTED], lang)
        if len(names) > ITEMS_LISTED:
            listed += t("brief.items_more", lang, n=len(names))
        rows.append(
            [
                labels[str(unit)],
                str(int((part["state"] == "missing").sum())),
                str(int((part["state"] == "late").sum())),
                listed,
            ]
        )
    header = [t(f"brief.col_{k}", lang) for k in ("unit", "missing", "late", "items")]
    style.table(doc, header, rows, lang, widths_cm=[3.5, 2.2, 2.2, 7.7])


def _charts(
    doc, scope: Scope, facts: BriefingFacts, catalog: Catalog, matrix: pd.DataFrame, lang: str
) -> None:  # type: ignore[no-untyped-def]
    style.heading(doc, t("brief.h_charts", lang), lang)
    if not matrix.empty:
        style.picture(doc, charts.status_by_unit(matrix, lang))
    worst = worst_lagging(scope.lagging)
    if worst.empty:
        style.body(doc, t("brief.none_trend", lang), lang)
        return
    names = {
        r["indicator"]: t(
            "brief.chart_trend",
            lang,
            name=indicator_name(catalog.indicators[r["indicator"]], lang),
            city=region_name(catalog, r["region"], lang),
        )
        for _, r in worst.iterrows()
    }
    style.picture(doc, charts.trajectories(worst, facts.observations, catalog, names, lang))


def build_briefing(
    facts: BriefingFacts,
    catalog: Catalog,
    city: str | None = None,
    lang: str = "zh",
    issuer: str | None = None,
) -> bytes:
    """The briefing for the facts' period, of all cities or of one, as .docx bytes."""
    scope = scope_rows(facts, catalog, city)
    scope_name = region_name(catalog, city, lang) if city else t("brief.scope_all", lang)
    doc = style.new_document(lang)
    style.title(
        doc, t("brief.title", lang, scope=scope_name, period=period_text(facts.period, lang)), lang
    )
    style.document_line(
        doc,
        t("brief.doc_line", lang, year=facts.period.end.year, n=issue_number(facts.period)),
        f"{issuer or t('brief.issuer_default', lang)}  {date_text(facts.today, lang)}",
        lang,
    )
    style.heading(doc, t("brief.h_summary", lang), lang)
    _summary(doc, scope, facts, catalog, scope_name, lang)
    matrix = _league(doc, scope, catalog, lang)
    _lagging(doc, scope, catalog, lang)
    _reporting(doc, scope, facts, catalog, lang)
    _charts(doc, scope, facts, catalog, matrix, lang)
    style.heading(doc, t("brief.h_requirements", lang), lang)
    reply = facts.today + timedelta(days=REPLY_DAYS)
    style.body(doc, t("brief.requirements", lang, date=date_text(reply, lang)), lang)
    style.body(doc, t("brief.footer", lang, date=date_text(facts.period.end, lang)), lang)
    return style.to_bytes(doc)
