"""What needs a leader's attention: missed targets, targets off track, and stages
falling due soon. The overview's lists and any briefing use these, so "due soon"
means the same window everywhere."""

from __future__ import annotations

from datetime import date

import pandas as pd

#: A stage is "due soon" when its deadline is at most this many days after the as-of date.
DUE_DAYS = 90

#: The lists of `needs_attention`, in the order a page shows them.
ATTENTION_LISTS = ("missed", "off_track", "due")


def due_soon(status_frame: pd.DataFrame, as_of: date, days: int = DUE_DAYS) -> pd.Series:
    """Rows whose current stage is due within `days` of as_of (as_of itself included)
    and that are not already achieved."""
    remaining = (pd.to_datetime(status_frame["current_deadline"]) - pd.Timestamp(as_of)).dt.days
    return remaining.between(0, days) & (status_frame["status"] != "achieved")


def needs_attention(status_frame: pd.DataFrame, as_of: date) -> dict[str, pd.DataFrame]:
    """The rows of each list of ATTENTION_LISTS: `missed`, `off_track` and `due` (due_soon)."""
    status = status_frame["status"]
    return {
        "missed": status_frame[status == "missed"],
        "off_track": status_frame[status == "off_track"],
        "due": status_frame[due_soon(status_frame, as_of)],
    }
