"""What a briefing is built from, and the rows of its scope (all cities or one)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd

from metrics.accountability import home_rows, lagging_table
from metrics.catalog import Catalog
from metrics.periods import Period


@dataclass
class BriefingFacts:
    """Everything a briefing or a warning notice is built from, read once."""

    period: Period
    previous: Period
    status: pd.DataFrame  # evaluate as of the period's end (what the dashboard shows then)
    previous_status: pd.DataFrame  # evaluate as of the previous period's end
    remedies: pd.DataFrame  # the current statement per target
    history: pd.DataFrame  # every statement
    reporting: pd.DataFrame  # missing / late reports of the period, per target and unit
    observations: pd.DataFrame  # the engine's input, for the trajectory charts
    today: date


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
