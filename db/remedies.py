"""Causes and remedies of lagging targets (落后原因 / 整改措施), and the facts a briefing needs.

A statement is recorded by the responsible unit's analysts (or an administrator) for a
target that is at risk, off track, missed or without data, with the date it promises to
be back on track. Statements are only ever added: the history of what was said, by whom
and when, is kept, and the latest one is the target's current answer.
"""

from __future__ import annotations

from datetime import date, datetime

import pandas as pd
from sqlalchemy import func, select

from db import audit, queries
from db.cycle import completeness
from db.engine import Database
from db.models import Remedy
from db.permissions import Actor, write_problem
from metrics.accountability import (
    LAGGING,
    REMEDY_COLUMNS,
    BriefingFacts,
    current_remedies,
    previous_period,
    reporting_gaps,
)
from metrics.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from metrics.i18n import both, t
from metrics.periods import Period
from metrics.progress import evaluate

REM = Remedy.__table__
MAX_TEXT = 2000  # characters of a cause or a remedy: a paragraph, not a document


def _names(field: str) -> dict[str, str]:
    """A field's name in each language, for a message that names it."""
    return {"zh": t(f"rem.field_{field}", "zh"), "en": t(f"rem.field_{field}", "en")}


def _text(value: object, field: str) -> str:
    text = str(value or "").strip()
    if not text:
        raise InvalidInput(both("rem.empty", **_names(field)))
    if len(text) > MAX_TEXT:
        raise InvalidInput(both("rem.too_long", n=len(text), max=MAX_TEXT, **_names(field)))
    return text


def _date(value: object, field: str) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise InvalidInput(both("rem.bad_date", value=value, **_names(field))) from None


def target_status(db: Database, indicator_id: str, region: str, as_of: date) -> str:
    """The engine's status of one target (no_data where the region has no row)."""
    frame = evaluate(db.catalog, queries.observations(db, [indicator_id]), as_of)
    row = frame[(frame["indicator"] == indicator_id) & (frame["region"] == region)]
    return str(row["status"].iloc[0]) if len(row) else "no_data"


def record_remedy(
    db: Database,
    actor: Actor,
    indicator_id: str,
    region: str,
    cause: str,
    remedy: str,
    recover_by: date | str,
    unit: str | None = None,
    as_of: date | None = None,
) -> int:
    """Add a cause-and-remedy statement for a lagging target; returns its id.

    Refused (nothing written) for an account of another unit or region, a viewer, a
    target that is not lagging as of `as_of` (default today), an empty or overlong text,
    or a promised date before `as_of`."""
    catalog = db.catalog
    ind = catalog.indicators.get(indicator_id)
    if ind is None:
        raise NotFound(both("rem.unknown_indicator", id=indicator_id))
    if region not in catalog.regions:
        raise NotFound(both("rem.unknown_region", region=region))
    problem = write_problem(actor, catalog, indicator_id, region)
    if problem is not None:
        raise PermissionDenied(problem)
    if unit is None:
        mine = [u for u in ind.responsible if u in actor.units]
        unit = (mine or list(ind.responsible))[0]
    elif unit not in ind.responsible or (actor.role != "admin" and unit not in actor.units):
        raise PermissionDenied(
            both("rem.not_your_unit", unit=unit, units="、".join(ind.responsible))
        )
    cause_text, remedy_text = _text(cause, "cause"), _text(remedy, "remedy")
    as_of = as_of or date.today()
    promised = _date(recover_by, "recover_by")
    if promised < as_of:
        raise InvalidInput(both("rem.past_date", date=promised, as_of=as_of))
    status = target_status(db, indicator_id, region, as_of)
    if status not in LAGGING:
        labels = {"zh": t(f"status.{status}", "zh"), "en": t(f"status.{status}", "en")}
        raise Conflict(both("rem.not_lagging", id=indicator_id, **labels))
    with db.write() as conn:
        new_id = conn.execute(
            REM.insert().values(
                indicator_id=indicator_id,
                region_code=region,
                unit=unit,
                status=status,
                as_of=as_of,
                cause=cause_text,
                remedy=remedy_text,
                recover_by=promised,
                recorded_by=actor.name,
                recorded_at=audit.now(),
            )
        ).inserted_primary_key[0]
        audit.record(
            conn,
            actor.name,
            "remedy.record",
            id=int(new_id),
            indicator=indicator_id,
            region=region,
            unit=unit,
            status=status,
            recover_by=promised.isoformat(),
        )
    return int(new_id)


def remedy_history(
    db: Database, indicator_id: str | None = None, region: str | None = None
) -> pd.DataFrame:
    """Every statement, newest first (optionally of one indicator, one region)."""
    stmt = select(
        REM.c.id,
        REM.c.indicator_id,
        REM.c.region_code,
        REM.c.unit,
        REM.c.status,
        REM.c.as_of,
        REM.c.cause,
        REM.c.remedy,
        REM.c.recover_by,
        REM.c.recorded_by,
        REM.c.recorded_at,
    ).order_by(REM.c.id.desc())
    if indicator_id is not None:
        stmt = stmt.where(REM.c.indicator_id == indicator_id)
    if region is not None:
        stmt = stmt.where(REM.c.region_code == region)
    with db.read() as conn:
        frame = pd.DataFrame(conn.execute(stmt).all(), columns=REMEDY_COLUMNS)
    for column in ("as_of", "recover_by", "recorded_at"):
        frame[column] = pd.to_datetime(frame[column])
    return frame


def reporting(db: Database, period: Period, today: date) -> pd.DataFrame:
    """Targets whose report for `period` is missing or came late, as the reporting cycle
    (db.cycle.completeness, metrics.schedule) judges it as of `today`."""
    return reporting_gaps(completeness(db, today, period.label), db.catalog)


def briefing_facts(db: Database, period: Period, today: date | None = None) -> BriefingFacts:
    """The status at the period's end and the previous one's, the causes and remedies and
    the reporting gaps: the same `evaluate` over the same observations the dashboard uses."""
    today = today or date.today()
    prev = previous_period(period)
    now = queries.status(db, period.end)  # the dashboard's own call, for the same date
    before = queries.status(db, prev.end)
    obs = queries.observations(db)
    history = remedy_history(db)
    gaps = reporting(db, period, today)
    return BriefingFacts(
        period=period,
        previous=prev,
        status=now,
        previous_status=before,
        remedies=current_remedies(history),
        history=history,
        reporting=gaps,
        observations=obs,
        today=today,
    )


def remedies_version(db: Database) -> int:
    """The highest statement id: changes with every statement recorded (statements are only
    added), so a page's cache of the briefing's facts knows when to read again."""
    with db.read() as conn:
        return int(conn.scalar(select(func.max(REM.c.id))) or 0)
