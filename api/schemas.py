"""The shapes of the API's answers, for its OpenAPI description (the routes write the JSON
themselves with pandas, which is what keeps a province's statuses well under a second)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Error(BaseModel):
    error: str  # no_token, bad_token, rate_limited, bad_date, unknown_region, …
    message: str  # 中文 / English


class ErrorPage(BaseModel):
    detail: Error


ERRORS: dict = {
    400: {
        "model": ErrorPage,
        "description": "a filter that cannot be used (the message says which)",
    },
    401: {"model": ErrorPage, "description": "no token, or an unknown or revoked one"},
    404: {"model": ErrorPage, "description": "an unknown indicator"},
    429: {"model": ErrorPage, "description": "the token's rate limit; see Retry-After"},
}


class Health(BaseModel):
    ok: bool
    data_version: list[int]


class Status(BaseModel):
    """One target at one region, as metrics.progress.evaluate judged it (docs/method.md)."""

    model_config = ConfigDict(extra="allow")

    indicator: str
    region: str
    city: str
    plan: str
    name: str
    name_en: str
    unit: str
    responsible: list[str]
    status: str  # achieved | on_track | at_risk | off_track | missed | no_data
    status_zh: str
    status_en: str
    home: bool
    latest_value: float | None
    latest_period: str | None
    baseline_value: float | None
    expected: float | None
    ratio: float | None
    progress: float | None
    target_value: float | None
    deadline: str | None
    days_left: int | None
    projected_value: float | None
    projected_met: bool | None
    missed_stages: int | None
    stale: bool | None


class StatusPage(BaseModel):
    as_of: str
    count: int
    items: list[Status]


class IndicatorPage(BaseModel):
    count: int
    items: list[dict]  # the `python -m metrics catalog --json` records


class Point(BaseModel):
    indicator: str
    region: str
    period_kind: str  # day | month | quarter | year
    period_end: str
    value: float


class SeriesPage(BaseModel):
    count: int
    items: list[Point]


class Owed(BaseModel):
    indicator: str
    region: str
    responsible: list[str]
    period: str
    period_end: str
    due: str
    overdue: bool
    state: str  # on_time | late | returned | not_due | missing


class CompletenessPage(BaseModel):
    as_of: str
    summary: dict  # {"unit": [...], "city": [...]}: owed, reported, on_time, late, missing …
    count: int
    items: list[Owed]
