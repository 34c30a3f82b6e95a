"""The briefing's charts as PNG images, drawn with matplotlib's object API (no pyplot
state, so pages serving several sessions at once do not share a figure). Chinese labels
need a CJK font: the first of CJK_FONTS installed is used (fonts-noto-cjk on Debian)."""

from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")  # no display: images only

import pandas as pd  # noqa: E402
from matplotlib import font_manager  # noqa: E402
from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from metrics.catalog import Catalog  # noqa: E402
from metrics.i18n import t  # noqa: E402
from metrics.progress import (  # noqa: E402
    STATUS_COLORS,
    STATUS_ORDER,
    actual_series,
    status_label,
    trajectory,
)

CJK_FONTS = ("SimHei", "Noto Sans CJK SC", "Source Han Sans SC", "WenQuanYi Zen Hei")


def _families() -> list[str]:
    installed = {f.name for f in font_manager.fontManager.ttflist}
    return [f for f in CJK_FONTS if f in installed] + ["DejaVu Sans"]


def _png(fig: Figure) -> bytes:
    FigureCanvasAgg(fig)
    out = io.BytesIO()
    fig.savefig(out, format="png", dpi=150, bbox_inches="tight")
    return out.getvalue()


def _figure(width: float, height: float) -> Figure:
    fig = Figure(figsize=(width, height))
    return fig


def status_by_unit(matrix: pd.DataFrame, lang: str, top: int = 20) -> bytes:
    """Horizontal stacked bars: each unit's targets by status (the units with most targets)."""
    with matplotlib.rc_context({"font.family": _families(), "axes.unicode_minus": False}):
        data = matrix.nlargest(top, "total").iloc[::-1]
        fig = _figure(7.5, max(2.5, 0.32 * len(data) + 1.4))
        ax = fig.add_subplot()
        left = pd.Series(0, index=data.index, dtype=float)
        for s in STATUS_ORDER:
            ax.barh(
                data["unit"],
                data[s],
                left=left,
                color=STATUS_COLORS[s],
                label=status_label(s, lang),
                height=0.7,
            )
            left = left + data[s]
        ax.set_title(t("brief.chart_units", lang), fontsize=11)
        ax.tick_params(labelsize=8)
        ax.xaxis.get_major_locator().set_params(integer=True)
        ax.spines[["top", "right"]].set_visible(False)
        ax.legend(
            ncol=len(STATUS_ORDER),
            fontsize=7,
            loc="upper center",
            bbox_to_anchor=(0.5, -0.06),
            frameon=False,
        )
        return _png(fig)


def trajectories(
    rows: pd.DataFrame, observations: pd.DataFrame, catalog: Catalog, names: dict, lang: str
) -> bytes:
    """Small multiples: each row's actual values against its planned path and target."""
    n = len(rows)
    cols = 2 if n > 1 else 1
    nrows = (n + cols - 1) // cols
    with matplotlib.rc_context({"font.family": _families(), "axes.unicode_minus": False}):
        fig = _figure(7.5, 2.7 * nrows + 0.3)
        for k, (_, row) in enumerate(rows.iterrows()):
            ax = fig.add_subplot(nrows, cols, k + 1)
            ind = catalog.indicators[row["indicator"]]
            path = trajectory(
                catalog,
                ind.id,
                row.get("baseline_value"),
                row.get("baseline_date"),
                float(row.get("target_share", 1.0) or 1.0),
            )
            actual = actual_series(
                observations, ind, row["region"], catalog.children_of(row["region"])
            )
            if len(path):
                ax.plot(
                    pd.to_datetime(path["date"]),
                    path["value"],
                    "--",
                    color="#4d4d4d",
                    label=t("brief.chart_plan", lang),
                    lw=1,
                )
            if len(actual):
                ax.plot(
                    pd.to_datetime(actual["date"]),
                    actual["value"],
                    "o-",
                    color=STATUS_COLORS[row["status"]],
                    label=t("brief.chart_actual", lang),
                    ms=3,
                    lw=1.5,
                )
            stages = [(st.by, st.goal) for st in ind.targets]
            ax.scatter(
                [pd.Timestamp(d) for d, _ in stages],
                [g for _, g in stages],
                marker="*",
                s=60,
                color="#b2182b",
                label=t("brief.chart_target", lang),
                zorder=3,
            )
            ax.set_title(names.get(row["indicator"], ind.name), fontsize=8)
            ax.set_ylabel(ind.unit, fontsize=7)
            ax.tick_params(labelsize=6)
            ax.spines[["top", "right"]].set_visible(False)
            if k == 0:
                ax.legend(fontsize=6, frameon=False)
        fig.tight_layout()
        return _png(fig)
