"""The rows of one briefing's scope (all cities or one) from its facts
(metrics.accountability.BriefingFacts)."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from metrics.accountability import BriefingFacts, home_rows, lagging_table
from metrics.catalog import Catalog

__all__ = ["BriefingFacts", "Scope", "scope_rows"]


@dataclass
class Scope:
    """The rows of one briefing: the targets counted now and before, and the lagging ones."""

    rows: pd.DataFrame
    previous: pd.DataFrame
    lagging: pd.DataFrame
    reporting: pd.DataFrame


def scope_rows(facts: BriefingFacts, catalog: Catalog, city: str | None = None) -> Scope:
    """The overview's rows (each target at its own region) for all cities or one city."""
    rows = home_rows(facts.status, catalog, city)
    previous = home_rows(facts.previous_status, catalog, city)
    lagging = lagging_table(rows, facts.remedies, catalog, facts.period.end)
    keys = set(zip(rows["indicator"], rows["region"], strict=True))
    rep = facts.reporting
    inside = [k in keys for k in zip(rep["indicator"], rep["region"], strict=True)]
    return Scope(rows, previous, lagging, rep[inside].reset_index(drop=True))
