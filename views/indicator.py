"""指标详情 / Indicator: one target's chart, status sentence, counties, values and source.

For leaders, read-only. The status and its sentence come from the engine
(metrics.progress via views.common.status and progress.explain), the planned path and
projection from progress.trajectory / projection_line, the figures from views.charts.
Text from the catalog or from analysts is shown with st.text (never as HTML or Markdown).
The chosen indicator, region and as-of date stay in the URL (?id=…&region=…&as_of=…).
"""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from metrics.exports import period_labels, to_csv_bytes, to_xlsx_bytes
from metrics.progress import explain, projection_line, trajectory
from metrics.progress.series import reviewed_series
from metrics.schedule import rule_for
from metrics.values import format_value
from views import charts
from views.common import (
    download_html,
    get_db,
    indicator_observations,
    lang,
    lang_key,
    local_times,
    plain,
    review_states,
    revisions,
    status,
    tr,
    who,
)
from views.remedies import history_section

ID_KEY, REGION_KEY, AS_OF_KEY = lang_key("ind_id"), lang_key("ind_region"), lang_key("ind_as_of")

# how the status sentence is framed; the status itself always comes from the engine
_BOX = {
    "achieved": st.success,
    "on_track": st.success,
    "at_risk": st.warning,
    "off_track": st.error,
    "missed": st.error,
    "no_data": st.info,
}


def _seed_from_url(ids: list[str]) -> list[str]:
    """First run on this page: take indicator, region and as-of date from the URL."""
    notes: list[str] = []
    if ID_KEY not in st.session_state:
        raw = st.query_params.get("id")
        if raw and raw not in ids:  # said and stopped: never another indicator in its place
            st.error(tr("ind.not_found", id=plain(raw)), icon=":material/error:")
            st.page_link("views/overview.py", label=tr("ind.back"), icon=":material/arrow_back:")
            st.stop()
        st.session_state[ID_KEY] = raw if raw in ids else ids[0]
        region = st.query_params.get("region")
        if region:
            st.session_state[REGION_KEY] = region
    if AS_OF_KEY not in st.session_state:
        raw = st.query_params.get("as_of")
        as_of = date.today()
        if raw:
            try:
                as_of = date.fromisoformat(raw)
            except ValueError:
                notes.append(tr("ind.unknown_param", what=tr("ind.as_of"), value=plain(raw)))
        st.session_state[AS_OF_KEY] = as_of
    return notes


def _write_url(indicator_id: str, region: str, home: str, as_of: date) -> None:
    wanted = {
        "id": indicator_id,
        "region": None if region == home else region,
        "as_of": None if as_of == date.today() else as_of.isoformat(),
    }
    for param, value in wanted.items():
        if value is None:
            if param in st.query_params:
                del st.query_params[param]
        elif st.query_params.get(param) != value:
            st.query_params[param] = value


def _on_indicator_change() -> None:
    """A new indicator starts at its own region."""
    st.session_state.pop(REGION_KEY, None)


def _fmt(value: object, unit: str, lng: str, decimals: int = 4) -> str:
    """A stored value keeps its digits; computed ones (planned, projected) pass decimals=2."""
    if value is None or pd.isna(value):
        return "—"
    return format_value(float(value), unit, lng, decimals=decimals)


def _batch(value: object) -> str:
    """An import number as #12; a typed entry has none (shown empty, never "None")."""
    return "" if value is None or pd.isna(value) else f"#{int(value)}"  # type: ignore[arg-type]


def _labels(frame: pd.DataFrame) -> pd.Series:
    if frame.empty:
        return pd.Series([], dtype=object)
    return period_labels(frame["period_kind"], frame["period_end"])


# --- the page -----------------------------------------------------------------------------------

lng = lang()
catalog = get_db().catalog
ids = list(catalog.indicators)
notes = _seed_from_url(ids)

st.page_link("views/overview.py", label=tr("ind.back"), icon=":material/arrow_back:")
st.title(tr("ind.title"))
for note in notes:
    st.warning(note)


def _county_map(codes: list[str], part: pd.DataFrame, city: str, unit: str, lng: str) -> None:
    """The city's counties on a map, by status or by latest value, from the optional
    boundary package (views.charts.county_boundaries); the counties it cannot draw (no
    package, no outline) are listed in a table instead."""
    catalog = get_db().catalog
    by_code = part.set_index("region")
    frame = pd.DataFrame(
        {
            "code": codes,
            "name": [catalog.region_name(c, lng) for c in codes],
            "value": [by_code["latest_value"].get(c) for c in codes],
            "period": [by_code["latest_period"].get(c) for c in codes],
            "status": [by_code["status"].get(c, "no_data") for c in codes],
        }
    )
    frame["status"] = frame["status"].fillna("no_data")
    geojson, missing = charts.county_boundaries(tuple(codes))
    if geojson is not None:
        by = st.segmented_control(
            tr("ind.map_by"),
            ["status", "value"],
            default="status",
            format_func=lambda k: tr(f"ind.map_by_{k}"),
            key=lang_key("ind_map_by"),
        )
        drawn = frame[~frame["code"].isin(missing)]
        fig = charts.county_map(
            drawn, geojson, by or "status", tr("ind.map_title", city=city), unit, lng
        )
        st.plotly_chart(fig, key="ind_fig_map")
    if missing:
        st.caption(tr("ind.map_missing") if geojson is not None else tr("ind.map_none"))
        rest = frame[frame["code"].isin(missing)]
        st.dataframe(
            rest.assign(status=[charts.status_text(x, lng) for x in rest["status"]]),
            key="ind_county_table",
            hide_index=True,
            column_config={
                "code": tr("vcol.region_code"),
                "name": tr("vcol.region_name"),
                "value": tr("vcol.value"),
                "period": tr("vcol.period"),
                "status": tr("col.status"),
            },
        )


def _indicator_label(i: str) -> str:
    ind = catalog.indicators[i]
    plan = catalog.plans[ind.plan]
    city = catalog.region_name(catalog.region_of(ind), lng)
    where = f"{city} · {plan.doc_no}" if plan.doc_no else city
    return f"{ind.label(lng)}（{where}）"


c1, c2, c3 = st.columns([3, 1, 1])
indicator_id: str = c1.selectbox(
    tr("ind.choose"), ids, key=ID_KEY, format_func=_indicator_label, on_change=_on_indicator_change
)
ind = catalog.indicators[indicator_id]
home = catalog.region_of(ind)
as_of: date = st.session_state[AS_OF_KEY] or date.today()  # a cleared date means today

every = status(as_of)
rows = every[every["indicator"] == indicator_id]
region_options = [home] + [r for r in rows["region"] if r != home]
if st.session_state.get(REGION_KEY) not in region_options:
    bad = st.session_state.get(REGION_KEY)
    if bad:
        st.warning(tr("ind.unknown_param", what=tr("ind.region"), value=plain(bad)))
    st.session_state[REGION_KEY] = home
region: str = c2.selectbox(
    tr("ind.region"),
    region_options,
    key=REGION_KEY,
    format_func=lambda r: catalog.region_name(r, lng),
)
c3.date_input(tr("ind.as_of"), key=AS_OF_KEY)
_write_url(indicator_id, region, home, as_of)

row = rows[rows["region"] == region].iloc[0]
unit = ind.unit
name = ind.label(lng)
region_label = catalog.region_name(region, lng)

# --- the status in one sentence, with the numbers used ---
state = str(row["status"])
_BOX[state](f"**{charts.status_text(state, lng)}** — {plain(explain(row, catalog, lng))}")

m = st.columns(4)
period = row["latest_period"] if isinstance(row["latest_period"], str) else None
m[0].metric(
    tr("ind.latest"),
    _fmt(row["latest_value"], unit, lng),
    delta=period,
    delta_color="off",
    delta_arrow="off",
    border=True,
)
m[1].metric(tr("ind.expected"), _fmt(row["expected"], unit, lng, 2), border=True)
final = ind.targets[-1]
share = float(row["target_share"]) if pd.notna(row["target_share"]) else 1.0
days = int(row["days_left"])
left = tr("ind.days", n=days) if days >= 0 else tr("ind.overdue", n=-days)
m[2].metric(
    tr("ind.target"),
    charts.stage_short(final.scaled(share), unit, lng),
    delta=f"{final.by.isoformat()} · {left}",
    delta_color="off",
    delta_arrow="off",
    border=True,
)
m[3].metric(tr("ind.projection"), _fmt(row["projected_value"], unit, lng, 2), border=True)

tab_chart, tab_table, tab_meta = st.tabs(
    [tr("ind.tab_chart"), tr("ind.tab_table"), tr("ind.tab_meta")]
)

# --- the chart ---
obs = indicator_observations(indicator_id)
judged = obs[pd.to_datetime(obs["period_end"]) <= pd.Timestamp(as_of)]
# which values the chart shows and how they are marked: settings.chart_values (the rule
# is metrics.progress.series.reviewed_series; the status applies the same setting)
actual = reviewed_series(
    judged,
    review_states(indicator_id),
    ind,
    region,
    catalog.children_of(region),
    catalog.settings.chart_values,
)
if len(actual):
    labels = period_labels(actual["kind"], actual["date"])
    suffix = actual["summed"].map(lambda s: f"（{tr('ind.summed')}）" if s else "")
    actual = actual.assign(label=labels + suffix)
has_base = pd.notna(row["baseline_value"]) and pd.notna(row["baseline_date"])
if has_base:
    path = trajectory(catalog, indicator_id, row["baseline_value"], row["baseline_date"], share)
    baseline = (row["baseline_date"], float(row["baseline_value"]))
else:
    path = trajectory(catalog, indicator_id, share=share)
    baseline = (ind.baseline.date, ind.baseline.value * share) if ind.baseline else None
with tab_chart:
    figure = charts.indicator_figure(
        charts.IndicatorChartData(
            title=tr("ind.chart_title", name=name, region=region_label),
            unit=unit,
            actual=actual,
            trajectory=path,
            stages=charts.stage_frame(ind, share, lng),
            projection=projection_line(row),
            baseline=baseline,
            as_of=as_of,
        ),
        lng,
    )
    st.plotly_chart(figure, key="ind_fig")
    st.caption(tr("ind.chart_note"))
    if len(actual) and bool(actual["summed"].any()):
        st.caption(tr("ind.summed_note"))
    d1, d2 = st.columns([1, 3], vertical_alignment="center")
    with d1:
        download_html(figure, indicator_id, "ind_dl_fig")
    d2.caption(tr("chart.png_hint"))

    # --- counties ---
    county_codes = catalog.children_of(home)
    if county_codes:
        st.subheader(tr("ind.regions"))
        part = rows[rows["region"].isin(county_codes)]
        if part.empty:
            st.caption(tr("ind.regions_none"))
        else:
            region_rows = pd.DataFrame(
                {
                    "name": part["region"].map(lambda r: catalog.region_name(r, lng)),
                    "value": part["latest_value"],
                    "period": part["latest_period"],
                    "status": part["status"],
                    # the county's share of the final stage's goal (Stage.goal, equal shares)
                    "target": part["target_share"] * final.goal,
                }
            )
            fig_regions = charts.region_figure(
                region_rows, tr("chart.regions", name=name), unit, lng
            )
            st.plotly_chart(fig_regions, key="ind_fig_regions")
            download_html(fig_regions, f"{indicator_id}_counties", "ind_dl_regions")
            _county_map(county_codes, part, catalog.region_name(home, lng), unit, lng)

# --- values and their history, and the series as a file ---
with tab_table:
    series = obs.sort_values(["region_code", "period_end"])
    data_file = pd.DataFrame(
        {
            tr("vcol.region_code"): series["region_code"],
            tr("vcol.region_name"): series["region_code"].map(
                lambda r: catalog.region_name(r, lng)
            ),
            tr("vcol.period"): _labels(series),
            tr("vcol.value"): series["value"],
            tr("vcol.unit"): unit,
            tr("vcol.source"): series["source"].fillna(""),
        }
    )
    f1, f2, _ = st.columns([1, 1, 3])
    f1.download_button(
        tr("ind.csv"),
        data=lambda: to_csv_bytes(data_file),
        file_name=f"{indicator_id}.csv",
        mime="text/csv",
        key="ind_dl_csv",
        on_click="ignore",
        icon=":material/download:",
    )
    f2.download_button(
        tr("ind.xlsx"),
        data=lambda: to_xlsx_bytes(
            data_file, sheet=tr("ind.sheet"), note=f"{name} · {tr('ind.as_of')} {as_of}"
        ),
        file_name=f"{indicator_id}.xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        key="ind_dl_xlsx",
        on_click="ignore",
        icon=":material/download:",
    )
    # --- values and their history ---
    st.subheader(tr("ind.values"))
    show_all = st.toggle(tr("ind.values_all"), key="ind_values_all")
    values = obs if show_all else obs[obs["region_code"] == region]
    if values.empty:
        st.caption(tr("ind.values_none"))
    else:
        values = values.sort_values(["region_code", "period_end"], ascending=[True, False])
        st.dataframe(
            pd.DataFrame(
                {
                    tr("vcol.region"): values["region_code"].map(
                        lambda r: catalog.region_name(r, lng)
                    ),
                    tr("vcol.period"): _labels(values),
                    tr("vcol.value"): [_fmt(v, unit, lng) for v in values["value"]],
                    tr("vcol.note"): values["note"].fillna(""),
                    tr("vcol.source"): values["source"].fillna(""),
                    tr("vcol.by"): values["updated_by"].map(who),
                    tr("vcol.at"): local_times(values["updated_at"]),
                    tr("vcol.import"): values["import_id"].map(_batch),
                }
            ),
            hide_index=True,
            key="ind_values",
        )

    st.subheader(tr("ind.revisions"))
    revs = revisions(indicator_id)
    if revs.empty:
        st.caption(tr("ind.revisions_none"))
    else:
        revs = revs.assign(period_end=pd.to_datetime(revs["period_end"]))
        st.dataframe(
            pd.DataFrame(
                {
                    tr("vcol.region"): revs["region_code"].map(
                        lambda r: catalog.region_name(r, lng)
                    ),
                    tr("vcol.period"): _labels(revs),
                    tr("vcol.old"): [_fmt(v, unit, lng) for v in revs["old_value"]],
                    tr("vcol.new"): [_fmt(v, unit, lng) for v in revs["new_value"]],
                    tr("vcol.old_note"): revs["old_note"].fillna(""),
                    tr("vcol.new_note"): revs["new_note"].fillna(""),
                    tr("vcol.changed_by"): revs["changed_by"].map(who),
                    tr("vcol.changed_at"): local_times(revs["changed_at"]),
                    tr("vcol.reason"): revs["reason"].fillna(""),
                    tr("vcol.import"): revs["import_id"].map(_batch),
                }
            ),
            hide_index=True,
            key="ind_revisions",
        )

with tab_chart:  # causes and remedies, every statement kept
    history_section(indicator_id, region, "ind_remedies")

# --- where the target comes from (catalog text: plain, never Markdown/HTML) ---
plan = catalog.plans[ind.plan]
rule = rule_for(catalog, ind)
city_name = catalog.region_name(home, lng)
stages = "；".join(f"{s.by.isoformat()} {charts.stage_text(s, unit, lng)}" for s in ind.targets)
with tab_meta:
    with st.container(border=True):
        st.subheader(tr("ind.meta"))
        st.text(f"{tr('ind.definition')}：{name}" + (f"（{ind.note}）" if ind.note else ""))
        st.text(f"{tr('ind.unit')}：{unit or '—'}")
        st.text(f"{tr('ind.method')}：{tr(f'ind.method.{ind.kind}')}")
        st.text(f"{tr('ind.frequency')}：{tr(f'ind.freq.{rule.frequency}')}")
        st.text(f"{tr('ind.contact')}：{city_name}·{'；'.join(ind.responsible)}")
    st.subheader(tr("ind.source"))
    with st.container(border=True):
        st.text(f"{tr('ind.plan')}：{plan.label(lng)}")
        st.text(f"{tr('ind.doc_no')}：{plan.doc_no or '—'}　{tr('ind.issued')}：{plan.issued}")
        st.text(f"{tr('ind.clause')}：{ind.clause or '—'}")
        st.text(f"{tr('ind.stages')}：{stages}")
        st.text(f"{tr('ind.responsible')}：{'、'.join(ind.responsible)}")
        if ind.note:
            st.text(f"{tr('ind.note')}：{ind.note}")
    with st.container(border=True):
        st.caption(tr("ind.quote"))
        st.text(ind.quote)
