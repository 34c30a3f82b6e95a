"""Roll-ups of status rows: how many targets of each status per plan, city, region,
domain or responsible unit."""

from __future__ import annotations

import numpy as np
import pandas as pd

from metrics.catalog import Catalog
from metrics.progress.common import STATUS_ORDER

ROLLUP_KEYS = ("plan", "city", "region", "domain", "responsible")


def rollup(
    status_frame: pd.DataFrame, catalog: Catalog, by: str, home_only: bool = True
) -> pd.DataFrame:
    """Counts of each status per plan, city, region, domain or responsible unit.

    A target with two responsible units counts once for each. `city` is the
    prefecture-level region (a county's parent). By default only targets at their
    own region are counted, so a city's county rows do not count its targets twice.
    """
    if by not in ROLLUP_KEYS:
        raise ValueError(f"by must be one of {', '.join(ROLLUP_KEYS)}")
    frame = status_frame
    if home_only and "home" in frame.columns:
        frame = frame[frame["home"].astype(bool)]
    frame = frame[frame["indicator"].isin(list(catalog.indicators))]
    inds = frame["indicator"].map(catalog.indicators)
    if by == "plan":
        keys = inds.map(lambda i: i.plan)
    elif by == "domain":
        keys = inds.map(lambda i: i.domain)
    elif by == "region":
        keys = frame["region"]
    elif by == "city":

        def city(code: str) -> str:
            info = catalog.regions.get(code)
            while info is not None and info.parent is not None:
                code, info = info.parent, catalog.regions.get(info.parent)
            return code

        keys = frame["region"].map(city)
    else:
        keys = inds.map(lambda i: list(i.responsible))
    counted = pd.DataFrame({by: keys.to_numpy(), "status": frame["status"].to_numpy()})
    if by == "responsible":
        counted = counted.explode(by)
    table = pd.crosstab(counted[by], counted["status"]) if len(counted) else pd.DataFrame()
    table = table.reindex(columns=list(STATUS_ORDER), fill_value=0).astype(np.int64)
    table["total"] = table.sum(axis=1)
    table.columns.name = None
    return table.rename_axis(by).reset_index()
