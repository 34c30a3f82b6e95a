"""总览 / Overview: where every target stands, what is late, and who is responsible.

For leaders, read-only. The page only filters, formats and draws: statuses come from
views.common.home_status (metrics.progress.evaluate, kept), roll-ups from
metrics.progress.rollup, figures from views.charts, downloads from metrics.exports
(formulas neutralised). Filters live in the URL so a view can be shared as a link.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from db.status_cache import catalog_digest
from metrics.catalog import DOMAINS, Catalog, domain_label
from metrics.progress import STATUS_ORDER, rollup
from metrics.values import format_value
from views import charts
from views.common import (
    data_version,
    demo_banner,
    download_html,
    get_db,
    home_status,
    lang,
    lang_key,
    plain,
    screen_mode,
    tr,
    unreported,
)
from views.remedies import overview_briefing, overview_matrix

# query parameter -> widget key; the parameters are the shareable part of the URL
PARAMS = {
    "city": lang_key("ov_city"),
    "plan": lang_key("ov_plan"),
    "domain": lang_key("ov_domain"),
    "resp": lang_key("ov_resp"),
    "status": lang_key("ov_status"),
}
AS_OF_PARAM, AS_OF_KEY = "as_of", lang_key("ov_as_of")


# --- filters kept in st.query_params ------------------------------------------------------------


def _seed_filters(options: dict[str, list[str]]) -> list[str]:
    """Start each filter from the URL the first time the page runs in a session.

    Returns the URL values that are not valid options, so the page can say they were
    ignored rather than silently dropping them.
    """
    ignored: list[str] = []
    for param, key in PARAMS.items():
        if key in st.session_state:
            continue
        values = st.query_params.get_all(param)
        st.session_state[key] = [v for v in values if v in options[param]]
        ignored += [v for v in values if v not in options[param]]
    if AS_OF_KEY not in st.session_state:
        raw = st.query_params.get(AS_OF_PARAM)
        as_of = date.today()
        if raw:
            try:
                as_of = date.fromisoformat(raw)
            except ValueError:
                ignored.append(raw)
        st.session_state[AS_OF_KEY] = as_of
    return ignored


def _write_url() -> None:
    """Mirror the filters into the URL (a default value leaves its parameter out)."""
    wanted: dict[str, list[str]] = {p: list(st.session_state[k]) for p, k in PARAMS.items()}
    as_of: date = st.session_state[AS_OF_KEY] or date.today()
    wanted[AS_OF_PARAM] = [] if as_of == date.today() else [as_of.isoformat()]
    for param, values in wanted.items():
        if st.query_params.get_all(param) == values:
            continue
        if values:
            st.query_params[param] = values
        elif param in st.query_params:
            del st.query_params[param]


# --- shaping the table --------------------------------------------------------------------------


def _catalog_frame(catalog: Catalog, lng: str) -> pd.DataFrame:
    """One row per indicator with what the table and filters need, in the UI language."""
    rows = []
    for ind in catalog.indicators.values():
        plan = catalog.plans[ind.plan]
        final = ind.targets[-1]
        region = catalog.region_of(ind)
        rows.append(
            {
                "indicator": ind.id,
                "name": ind.label(lng),
                "city": region,
                "city_name": catalog.region_name(region, lng),
                "plan": ind.plan,
                "plan_name": plan.doc_no or plan.label(lng),
                "domain": ind.domain,
                "domain_name": domain_label(ind.domain, lng),
                "responsible": list(ind.responsible),
                "target_text": charts.stage_text(final, ind.unit, lng),
            }
        )
    return pd.DataFrame(rows)


def _chosen() -> tuple[tuple[str, ...], ...]:
    """The filters chosen now, in PARAMS order: part of the cache key of what is shown."""
    return tuple(tuple(st.session_state[k]) for k in PARAMS.values())


def _filtered(frame: pd.DataFrame, chosen: tuple[tuple[str, ...], ...]) -> pd.DataFrame:
    """Rows matching every filter; an empty filter means all."""
    picked = dict(zip(PARAMS, chosen, strict=True))
    keep = pd.Series(True, index=frame.index)
    for column in ("city", "plan", "domain", "status"):
        if picked[column]:
            keep &= frame[column].isin(picked[column])
    units = set(picked["resp"])
    if units:
        keep &= frame["responsible"].map(lambda rs: bool(units.intersection(rs)))
    return frame[keep]


def _plan_label(catalog: Catalog, plan_id: str, lng: str) -> str:
    plan = catalog.plans[plan_id]
    return f"{plan.doc_no} {plan.label(lng)}".strip()


#: the attention list's kinds, most severe first (statuses from the engine, reports owed
#: from the reporting cycle)
ATTENTION_ORDER = ("missed", "unreported", "off_track", "at_risk")
TILE_PX = 112
NARROW_PX = 150


def _qualified(units: list[str], city: str) -> str:
    """Units named with their city: 市大数据局 is a different bureau in every city. A
    unit's own name may hold 、 (各县区政府、管委会), so units are parted by ；."""
    return f"{city}·" + "；".join(units)


def _attention(shown: pd.DataFrame, owed: pd.DataFrame, catalog: Catalog, lng: str) -> pd.DataFrame:
    """One row per target needing attention, its most severe kind first: missed, reports
    past due and not made, off track, at risk; then the earliest date. `owed`: the reports
    past due with no value (views.common.unreported)."""
    # per target: its first due day, its first period owed and how many (owed lists the
    # periods oldest first); one groupby, no list per target
    per = owed.groupby(["indicator", "region"]).agg(
        due=("due", "min"), first=("period", "first"), n=("period", "size")
    )
    keys = pd.MultiIndex.from_frame(shown[["indicator", "region"]])
    per = per.reindex(keys)
    due = pd.Series(per["due"].to_numpy(), index=shown.index)
    first_owed = pd.Series(per["first"].to_numpy(), index=shown.index)
    n_owed = pd.Series(per["n"].to_numpy(), index=shown.index)
    kind = shown["status"].where(shown["status"].isin(["missed", "off_track", "at_risk"]))
    kind = kind.where(~((kind != "missed") & due.notna()), "unreported")
    rank = kind.map({k: i for i, k in enumerate(ATTENTION_ORDER)})
    part = shown[rank.notna()]
    if part.empty:
        return pd.DataFrame()
    when = pd.to_datetime(part["deadline"]).where(
        kind[part.index] != "unreported", pd.to_datetime(due[part.index])
    )
    words = {k: tr(f"ov.kind.{k}") for k in ATTENTION_ORDER}
    out = pd.DataFrame(
        {
            "kind": [words[k] for k in kind[part.index]],
            "name": part["name"],
            "responsible": [
                _qualified(units, city)
                for units, city in zip(part["responsible"], part["city_name"], strict=True)
            ],
            "when": when.dt.date,
            "latest": [
                "—"
                if pd.isna(v)
                else format_value(float(v), catalog.indicators[i].unit, lng, decimals=4)
                for v, i in zip(part["latest_value"], part["indicator"], strict=True)
            ],
            "target": part["target_text"],
            "owed": [
                "" if pd.isna(n) else _owed_text(str(f), int(n))
                for f, n in zip(first_owed[part.index], n_owed[part.index], strict=True)
            ],
            "indicator": part["indicator"],
            "_rank": rank[part.index],
        }
    )
    out = out.sort_values(["_rank", "when"], kind="stable").drop(columns="_rank")
    return out.reset_index(drop=True)


def _owed_text(first: str, n: int) -> str:
    """未报 2024Q4, or 未报 2024Q4 起 5 期: the first report owed and how many."""
    if n == 1:
        return tr("ov.owed", periods=first)
    return tr("ov.owed_many", first=first, n=n)


def _open_selected(event: object, frame: pd.DataFrame, as_of: date) -> None:
    """A selected row opens its indicator (as of the same date)."""
    rows = event.selection.rows if event is not None else []  # type: ignore[attr-defined]
    if rows:
        params = {"id": str(frame.iloc[rows[0]]["indicator"])}
        if as_of != date.today():
            params["as_of"] = as_of.isoformat()
        st.switch_page("views/indicator.py", query_params=params)


def _by_unit(shown: pd.DataFrame, catalog: Catalog, lng: str) -> pd.DataFrame:
    """Status counts per responsible unit of each city: the bureaus of the same name in two
    cities are two bars. Cities in the order they first appear, units sorted within each
    (as metrics.progress.rollup per city gives them), counted in one crosstab."""
    if shown.empty:
        return rollup(shown, catalog, "responsible")
    cities = list(dict.fromkeys(shown["city"]))
    counted = pd.DataFrame(
        {
            "city": pd.Categorical(shown["city"], categories=cities),
            "unit": shown["responsible"].to_numpy(),
            "status": shown["status"].to_numpy(),
        }
    ).explode("unit")
    table = pd.crosstab([counted["city"], counted["unit"]], counted["status"])
    table = table.reindex(columns=list(STATUS_ORDER), fill_value=0).astype("int64")
    table["total"] = table.sum(axis=1)
    table.columns.name = None
    table = table[table["total"] > 0].sort_index(level=[0, 1], sort_remaining=False)
    names = {c: catalog.region_name(str(c), lng) for c in cities}
    keys = table.index.to_frame(index=False)
    table = table.reset_index(drop=True)
    table.insert(
        0,
        "responsible",
        [f"{names[c]}·{u}" for c, u in zip(keys["city"], keys["unit"], strict=True)],
    )
    return table


# --- what the page shows for one state, kept per (catalog, date, data, language, filters) --
#
# st.cache_resource, not st.cache_data: a rerun gets the same objects back instead of
# unpickling frames and figures (nothing below changes them). Every key starts with the
# catalog's digest: a plan added in this process replaces db.catalog without changing
# the data version, and st.cache_data.clear() (views.common) does not reach these.


@dataclass(frozen=True)
class Catalogued:
    """The catalog's side of the page in one language: one row per indicator, the
    filters' options, the cities' names."""

    cat: pd.DataFrame
    options: dict[str, list[str]]
    city_names: dict[str, str]


@st.cache_resource(show_spinner=False, max_entries=4)
def _catalogued(digest: str, lng: str) -> Catalogued:
    catalog = get_db().catalog
    cat = _catalog_frame(catalog, lng)
    options = {
        "city": list(dict.fromkeys(cat["city"])),
        "plan": list(catalog.plans),
        "domain": [d for d in DOMAINS if d in set(cat["domain"])],
        "resp": sorted({u for units in cat["responsible"] for u in units}),
        "status": list(STATUS_ORDER),
    }
    return Catalogued(cat, options, dict(zip(cat["city"], cat["city_name"], strict=False)))


@st.cache_resource(show_spinner=False, max_entries=16)
def _home(digest: str, as_of: date, version: tuple, lng: str) -> pd.DataFrame:
    """Every target at its own region, with the catalog's columns (the rows every section
    starts from). `version` keys it to the stored data (views.common.data_version)."""
    return home_status(as_of).merge(_catalogued(digest, lng).cat, on="indicator")


@dataclass(frozen=True)
class Shown:
    """Everything the filtered sections draw, made once per (date, data, language,
    filters): a rerun with nothing changed only draws (the 0.3 s a rerun may take)."""

    shown: pd.DataFrame
    attention: pd.DataFrame
    counts: dict[str, int]
    table: pd.DataFrame
    names: dict[str, str]
    fig_city: go.Figure
    fig_unit: go.Figure
    export: pd.DataFrame


@st.cache_resource(show_spinner=False, max_entries=32)
def _shown(digest: str, as_of: date, version: tuple, lng: str, chosen: tuple) -> Shown:
    catalog = get_db().catalog
    shown = _filtered(_home(digest, as_of, version, lng), chosen)
    attention = _attention(shown, unreported(as_of), catalog, lng)
    counts = shown["status"].value_counts()
    units = shown["indicator"].map(lambda i: catalog.indicators[i].unit)
    latest = [
        "—" if pd.isna(v) else format_value(float(v), u, lng, decimals=4)
        for v, u in zip(shown["latest_value"], units, strict=True)
    ]
    table = pd.DataFrame(
        {
            "status": [[charts.status_text(s, lng)] for s in shown["status"]],
            "name": shown["name"],
            "city": shown["city_name"],
            "responsible": shown["responsible"].map("、".join),
            "deadline": pd.to_datetime(shown["deadline"]).dt.date,
            "days_left": shown["days_left"],
            "progress": shown["progress"] * 100,
            "latest": latest,
            "period": shown["latest_period"].fillna("—"),
            "target": shown["target_text"],
            "plan": shown["plan_name"],
            "domain": shown["domain_name"],
            "indicator": shown["indicator"],
        }
    ).reset_index(drop=True)
    city_names = _catalogued(digest, lng).city_names
    by_city = rollup(shown, catalog, by="region")
    by_unit = _by_unit(shown, catalog, lng)
    top = 20
    unit_title = tr("chart.by_unit") if len(by_unit) <= top else tr("chart.by_unit_top", n=top)
    fig_city = charts.status_bars(by_city, "region", city_names, tr("chart.by_city"), lng)
    fig_unit = charts.status_bars(
        by_unit.nlargest(top, "total"), "responsible", {}, unit_title, lng, horizontal=True
    )
    export = pd.DataFrame(
        {
            tr("col.id"): shown["indicator"],
            tr("col.indicator"): shown["name"],
            tr("col.city"): shown["city_name"],
            tr("col.plan"): shown["plan_name"],
            tr("col.domain"): shown["domain_name"],
            tr("col.status"): shown["status"].map(lambda s: charts.status_text(s, lng)),
            tr("col.value"): shown["latest_value"],
            tr("col.unit"): units,
            tr("col.period"): shown["latest_period"],
            tr("col.target"): shown["target_text"],
            tr("col.deadline"): pd.to_datetime(shown["deadline"]).dt.strftime("%Y-%m-%d"),
            tr("col.days_left"): shown["days_left"],
            tr("col.progress"): (shown["progress"] * 100).round(1),
            tr("col.responsible"): shown["responsible"].map("、".join),
        }
    )
    return Shown(
        shown=shown,
        attention=attention,
        counts={s: int(counts.get(s, 0)) for s in STATUS_ORDER},
        table=table,
        names=dict(zip(shown["indicator"], shown["name"], strict=True)),
        fig_city=fig_city,
        fig_unit=fig_unit,
        export=export,
    )


@st.cache_resource(show_spinner=False, max_entries=32)
def _comparison(
    digest: str, as_of: date, version: tuple, lng: str, keyword: str
) -> go.Figure | None:
    """The same kind of indicator across cities (None when no name holds the keyword)."""
    catalog = get_db().catalog
    ids = charts.match_keyword(catalog, keyword)
    if not ids:
        return None
    home = _home(digest, as_of, version, lng)
    part = home[home["indicator"].isin(ids)].sort_values(["city", "indicator"])
    cmp_rows = pd.DataFrame(
        {
            "label": part["city_name"] + " · " + part["name"],
            "progress": part["progress"],
            "status": part["status"],
            "value_text": [
                "—"
                if pd.isna(v)
                else format_value(float(v), catalog.indicators[i].unit, lng, decimals=4)
                for v, i in zip(part["latest_value"], part["indicator"], strict=True)
            ],
            "target_text": part["target_text"],
        }
    )
    return charts.comparison_figure(cmp_rows, tr("chart.compare", group=keyword), lng)


@st.cache_resource(show_spinner=False, max_entries=2)
def _groups(digest: str) -> list[tuple[str, str, list[str]]]:
    return charts.similar_groups(get_db().catalog)


# --- the page -----------------------------------------------------------------------------------

lng = lang()
catalog = get_db().catalog
digest = catalog_digest(catalog)  # kept per catalog object: a dict look-up on a rerun
catalogued = _catalogued(digest, lng)
options = catalogued.options
ignored = _seed_filters(options)

screen = screen_mode()
st.title(tr("ov.title"))
if ignored:
    st.warning(tr("ov.ignored", values="、".join(plain(v) for v in ignored)))

city_names = catalogued.city_names
demo_banner()
active = sum(bool(st.session_state[k]) for k in PARAMS.values())
with st.expander(
    tr("ov.filters", n=active) if active else tr("ov.filters_none"), expanded=bool(active)
):
    c1, c2, c3 = st.columns(3)
    c1.multiselect(
        tr("ov.city"),
        options["city"],
        key=PARAMS["city"],
        format_func=city_names.get,
        placeholder=tr("ov.all"),
        persist_state="session",
    )
    c2.multiselect(
        tr("ov.plan"),
        options["plan"],
        key=PARAMS["plan"],
        format_func=lambda p: _plan_label(catalog, p, lng),
        placeholder=tr("ov.all"),
        persist_state="session",
    )
    c3.multiselect(
        tr("ov.domain"),
        options["domain"],
        key=PARAMS["domain"],
        format_func=lambda d: domain_label(d, lng),
        placeholder=tr("ov.all"),
        persist_state="session",
    )
    c4, c5, c6 = st.columns(3)
    c4.multiselect(
        tr("ov.resp"),
        options["resp"],
        key=PARAMS["resp"],
        placeholder=tr("ov.all"),
        persist_state="session",
    )
    c5.multiselect(
        tr("ov.status"),
        options["status"],
        key=PARAMS["status"],
        format_func=lambda s: charts.status_text(s, lng),
        placeholder=tr("ov.all"),
        persist_state="session",
    )
    c6.date_input(tr("ov.as_of"), key=AS_OF_KEY, persist_state="session")
    st.caption(tr("ov.share_hint"))
    st.link_button(tr("ov.screen"), "?screen=1", icon=":material/fullscreen:", disabled=screen)
_write_url()

as_of: date = st.session_state[AS_OF_KEY] or date.today()  # a cleared date means today
version = data_version()
view = _shown(digest, as_of, version, lng, _chosen())
shown = view.shown

if version[0] == 0:  # nothing stored yet (an index lookup, not a full read)
    st.info(tr("ov.empty_hint"), icon=":material/info:")

overview_briefing(as_of)  # the quarter's 通报 in one click

# --- what needs attention first: one list, most severe first, each row opens its indicator ---
st.subheader(tr("ov.attention"))
attention = view.attention
if attention.empty:
    st.success(tr("ov.attention_none"))
else:
    st.caption(tr("ov.attention_hint"))
    picked = st.dataframe(
        attention.drop(columns=["indicator"]),
        key="ov_attention",
        hide_index=True,
        on_select="rerun",
        selection_mode="single-row",
        height=min(35 * len(attention) + 38, 420),
        column_config={
            # narrow first columns: on a phone the issue, the indicator and who is
            # responsible are all on the first screen
            "kind": st.column_config.TextColumn(tr("col.attention"), width="small"),
            "name": st.column_config.TextColumn(tr("col.indicator"), width=NARROW_PX),
            "responsible": st.column_config.TextColumn(tr("col.responsible"), width=NARROW_PX),
            "owed": tr("col.owed"),
            "when": st.column_config.DateColumn(tr("col.when"), format="YYYY-MM-DD"),
            "latest": tr("col.latest"),
            "target": tr("col.target"),
        },
    )
    _open_selected(picked, attention, as_of)

st.caption(tr("ov.caption", date=as_of.isoformat(), n=len(shown)))
with st.container(horizontal=True, gap="small"):  # wraps into a grid on a phone
    st.metric(tr("ov.total"), len(shown), border=True, width=TILE_PX)
    for s in STATUS_ORDER:
        st.metric(charts.status_text(s, lng), view.counts[s], border=True, width=TILE_PX)

# --- the table ---
st.subheader(tr("ov.table"))
labels = [charts.status_text(s, lng) for s in STATUS_ORDER]
table = view.table

if table.empty:
    st.info(tr("ov.no_match"))
else:
    st.caption(tr("ov.table_hint"))
    event = st.dataframe(
        table,
        key="ov_table",
        hide_index=True,
        on_select="rerun",
        selection_mode="single-row",
        column_config={
            "status": st.column_config.MultiselectColumn(
                tr("col.status"),
                options=labels,
                color=[charts.STATUS_COLORS[s] for s in STATUS_ORDER],
            ),
            "name": st.column_config.TextColumn(tr("col.indicator"), width="large"),
            "city": tr("col.city"),
            "plan": tr("col.plan"),
            "domain": tr("col.domain"),
            "latest": tr("col.latest"),
            "period": tr("col.period"),
            "target": tr("col.target"),
            "deadline": st.column_config.DateColumn(tr("col.deadline"), format="YYYY-MM-DD"),
            "days_left": st.column_config.NumberColumn(tr("col.days_left"), format="%d"),
            "progress": st.column_config.ProgressColumn(
                tr("col.progress"),
                help=tr("col.progress_help"),
                format="%.0f%%",
                min_value=0,
                max_value=100,
            ),
            "responsible": st.column_config.TextColumn(tr("col.responsible"), width="medium"),
            "indicator": tr("col.id"),
        },
    )
    _open_selected(event, table, as_of)

    pick_col, link_col = st.columns([3, 1], vertical_alignment="bottom")
    chosen = pick_col.selectbox(
        tr("ov.choose"),
        list(table["indicator"]),
        key=lang_key("ov_pick"),
        format_func=view.names.get,
    )
    link_params = {"id": chosen}
    if as_of != date.today():
        link_params["as_of"] = as_of.isoformat()
    link_col.page_link(
        "views/indicator.py",
        label=tr("ov.open"),
        icon=":material/query_stats:",
        query_params=link_params,
    )

# --- status by city and by responsible unit ---
st.subheader(tr("ov.charts"))
left, right = st.columns(2)
with left:
    st.plotly_chart(view.fig_city, key="ov_fig_city")
    download_html(view.fig_city, "status_by_city", "ov_dl_city")
with right:
    st.plotly_chart(view.fig_unit, key="ov_fig_unit")
    download_html(view.fig_unit, "status_by_unit", "ov_dl_unit")
st.caption(tr("chart.png_hint"))

overview_matrix(shown)

# --- the same kind of indicator across cities ---
st.subheader(tr("ov.compare"))
groups = _groups(digest)
g1, g2 = st.columns([2, 1])
group_labels = {zh: tr("ov.compare_group_item", zh=zh, en=en, n=len(ids)) for zh, en, ids in groups}
preset = g1.selectbox(
    tr("ov.compare_group"), list(group_labels), key=lang_key("ov_cmp"), format_func=group_labels.get
)
typed = g2.text_input(tr("ov.compare_kw"), key="ov_cmp_kw").strip()
keyword = typed or preset or ""
fig_cmp = _comparison(digest, as_of, version, lng, keyword)
if fig_cmp is None:
    st.caption(tr("ov.compare_none", kw=keyword))
else:
    st.caption(tr("ov.compare_rule", kw=keyword))
    st.plotly_chart(fig_cmp, key="ov_fig_cmp")
    download_html(fig_cmp, "comparison", "ov_dl_cmp")

# --- export of the filtered table ---
st.subheader(tr("ov.export"))
export = view.export
st.caption(tr("ov.export_hint", n=len(export)))
e1, e2, _ = st.columns([1, 1, 3])
stamp = as_of.strftime("%Y%m%d")


def _csv() -> bytes:
    from metrics.exports import to_csv_bytes  # openpyxl and friends only when clicked

    return to_csv_bytes(export)


def _xlsx() -> bytes:
    from metrics.exports import to_xlsx_bytes

    note = tr("ov.export_note", date=as_of.isoformat())
    return to_xlsx_bytes(export, sheet=tr("ov.sheet"), note=note)


e1.download_button(
    tr("ov.csv"),
    data=_csv,
    file_name=f"{tr('ov.file')}_{stamp}.csv",
    mime="text/csv",
    key="ov_dl_csv",
    on_click="ignore",
    icon=":material/download:",
)
e2.download_button(
    tr("ov.xlsx"),
    data=_xlsx,
    file_name=f"{tr('ov.file')}_{stamp}.xlsx",
    mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    key="ov_dl_xlsx",
    on_click="ignore",
    icon=":material/download:",
)
