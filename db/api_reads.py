"""Reads the JSON API needs beyond those the dashboard shares (db.queries)."""

from __future__ import annotations

from datetime import timedelta

import pandas as pd
from sqlalchemy import select

from db.engine import Database
from db.models import Observation
from db.queries import bulk_frame

OBS = Observation.__table__
#: Report days are counted in China Standard Time (timestamps are stored in UTC).
LOCAL_OFFSET = timedelta(hours=8)


def first_reported(db: Database, indicator_ids: list[str], regions: list[str]) -> pd.DataFrame:
    """The input of `metrics.schedule.assess` for these indicators at these regions: one
    row per stored observation with the local day it was first stored.

    Only the owed keys are read (an indicator at its own region), straight off the unique
    index, so a province of ten million county rows costs the few city rows it owes."""
    cols = ["indicator", "region", "period_kind", "period_end", "reported_on", "review"]
    if not indicator_ids or not regions:
        return pd.DataFrame(columns=cols)
    stmt = select(
        OBS.c.indicator_id,
        OBS.c.region_code,
        OBS.c.period_kind,
        OBS.c.period_end,
        OBS.c.created_at,
    ).where(OBS.c.indicator_id.in_(indicator_ids), OBS.c.region_code.in_(regions))
    with db.read() as conn:
        frame = bulk_frame(conn, stmt, cols[:5])
    frame["period_end"] = pd.to_datetime(frame["period_end"])
    frame["reported_on"] = (pd.to_datetime(frame["reported_on"]) + LOCAL_OFFSET).dt.normalize()
    # No review step is recorded here: a stored value counts as submitted.
    frame["review"] = "submitted"
    return frame
