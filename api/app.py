"""The read-only JSON API for cities' big screens (城市大脑, 驾驶舱): statuses, indicators,
series and completeness, filtered by city, plan, responsible unit and date.

Every answer comes from the same reads as the dashboard: statuses are `db.queries.status`
(one `metrics.progress.evaluate`, computed once per data version and shared through the
database), so a big screen and a leader's page never disagree. Every data route needs a
bearer token (`python -m metrics token add NAME`); each token has its own rate limit and,
optionally, the regions it may see. The OpenAPI description is at /api/v1/openapi.json.
"""

# No `from __future__ import annotations`: FastAPI reads the route signatures at run time,
# and `Depends(authorised)` names a function local to create_app.
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Annotated

import numpy as np
import pandas as pd
from fastapi import Depends, FastAPI, HTTPException, Query
from fastapi.responses import Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from api import schemas
from db import queries
from db.api_reads import first_reported
from db.engine import Database
from db.status_cache import Version, read_version
from db.tokens import TokenInfo, check_token
from metrics.catalog import Catalog
from metrics.i18n import both
from metrics.progress import COLUMNS, STATUS_ORDER, status_label
from metrics.schedule import assess, owed, summarise

PREFIX = "/api/v1"
#: A series request may not return more rows than this: narrow it by indicator or date.
MAX_SERIES_ROWS = 500_000
MAX_SERIES_INDICATORS = 200

# Query parameters that several routes take (FastAPI copies each Query per route).
Code = Annotated[str | None, Query()]
AsOf = Annotated[str | None, Query(description="YYYY-MM-DD (default: today)")]
DateFrom = Annotated[
    str | None, Query(alias="from", description="YYYY-MM-DD: periods ending on or after")
]
DateTo = Annotated[
    str | None, Query(alias="to", description="YYYY-MM-DD: periods ending on or before")
]


class ApiError(HTTPException):
    """An error with a machine-readable code and a bilingual message."""

    def __init__(self, status: int, code: str, message: str, headers: dict | None = None):
        super().__init__(status, {"error": code, "message": message}, headers)


# --- rate limits ---------------------------------------------------------------------------


class RateLimiter:
    """A token bucket per API token: `rate` requests per minute, bursts up to `rate`.

    Kept in this process: with several API processes behind one address each allows the
    full rate (docs/deploy.md)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self.buckets: dict[int, tuple[float, float]] = {}
        self.lock = threading.Lock()

    def wait(self, token_id: int, rate: int) -> float:
        """0 when the request may go ahead (and is counted), else the seconds to wait."""
        now = self.clock()
        with self.lock:
            level, last = self.buckets.get(token_id, (float(rate), now))
            level = min(float(rate), level + (now - last) * rate / 60.0)
            if level >= 1.0:
                self.buckets[token_id] = (level - 1.0, now)
                return 0.0
            self.buckets[token_id] = (level, now)
            return (1.0 - level) * 60.0 / rate


# --- the catalog as lookup tables ----------------------------------------------------------


@dataclass
class Lookups:
    """Per indicator and region, what the filters and the answers need (built once)."""

    meta: pd.DataFrame  # by indicator: plan, name, name_en, unit, responsible
    plan_of: dict[str, str]
    units: dict[str, set[str]]  # unit -> its indicators
    city_of: dict[str, str]  # region -> its top-level region
    below: dict[str, set[str]]  # region -> itself and every region under it
    counties: set[str]  # regions with a parent and nothing under them


def _lookups(catalog: Catalog) -> Lookups:
    rows = []
    units: dict[str, set[str]] = {}
    for ind in catalog.indicators.values():
        rows.append((ind.id, ind.plan, ind.name, ind.name_en, ind.unit, list(ind.responsible)))
        for unit in ind.responsible:
            units.setdefault(unit, set()).add(ind.id)
    meta = pd.DataFrame(
        rows, columns=["indicator", "plan", "name", "name_en", "unit", "responsible"]
    )
    parents = {code: info.parent for code, info in catalog.regions.items()}
    city_of, below = {}, {code: {code} for code in parents}
    for code in parents:
        top, up = code, parents.get(code)
        while up is not None:
            below.setdefault(up, {up}).add(code)
            top, up = up, parents.get(up)
        city_of[code] = top
    has_children = {p for p in parents.values() if p is not None}
    counties = {c for c, p in parents.items() if p is not None and c not in has_children}
    return Lookups(
        meta.set_index("indicator"),
        dict(zip(meta.indicator, meta.plan, strict=True)),
        units,
        city_of,
        below,
        counties,
    )


# --- the app -------------------------------------------------------------------------------


def create_app(db: Database, limiter: RateLimiter | None = None) -> FastAPI:
    """The ASGI app over one database (served by `python -m metrics api`)."""
    app = FastAPI(
        title="智慧城市目标跟踪 API / Smart-city target tracker API",
        version="1",
        description=(
            "只读接口：目标状态、指标、数据序列与填报完整性。/ Read-only: target statuses, "
            "indicators, series and reporting completeness. Send `Authorization: Bearer "
            "<token>` (python -m metrics token add NAME)."
        ),
        openapi_url=f"{PREFIX}/openapi.json",
        docs_url=f"{PREFIX}/docs",
        redoc_url=None,
    )
    look = _lookups(db.catalog)
    limiter = limiter or RateLimiter()
    bearer = HTTPBearer(auto_error=False, description="python -m metrics token add NAME")
    app.state.db, app.state.limiter = db, limiter

    def authorised(
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
    ) -> TokenInfo:
        if credentials is None or credentials.scheme.lower() != "bearer":
            raise ApiError(401, "no_token", both("api.no_token"), {"WWW-Authenticate": "Bearer"})
        token = check_token(db, credentials.credentials)
        if token is None:
            raise ApiError(401, "bad_token", both("api.bad_token"), {"WWW-Authenticate": "Bearer"})
        wait = limiter.wait(token.id, token.rate_per_minute)
        if wait > 0:
            seconds = max(1, int(np.ceil(wait)))
            raise ApiError(
                429,
                "rate_limited",
                both("api.rate_limited", rate=token.rate_per_minute, seconds=seconds),
                {"Retry-After": str(seconds)},
            )
        return token

    Token = Annotated[TokenInfo, Depends(authorised)]

    def data_route(name: str, page: type) -> Callable[[Callable], Callable]:
        """A route that needs a token: one tag, and the error answers documented."""
        return app.get(
            f"{PREFIX}/{name}", tags=["data"], response_model=page, responses=schemas.ERRORS
        )

    # --- filters ---

    def day(value: str | None, name: str) -> date | None:
        if value is None or value == "":
            return None
        try:
            return date.fromisoformat(value)
        except ValueError:
            raise ApiError(400, "bad_date", both("api.bad_date", name=name, value=value)) from None

    def as_of_day(as_of: str | None) -> date:
        """The day the request names, else today."""
        return day(as_of, "as_of") or date.today()

    def regions_for(token: TokenInfo, city: str | None, region: str | None) -> set[str] | None:
        """The regions a request may see: the token's (with what lies under them), narrowed
        by city (the city and its counties) or region (exactly it). None: every region."""
        allowed: set[str] | None = None
        if token.regions:
            allowed = set().union(*(look.below.get(r, {r}) for r in token.regions))
        for name, code in (("city", city), ("region", region)):
            if code is None:
                continue
            if code not in look.city_of:
                raise ApiError(
                    400, "unknown_region", both("api.unknown_region", name=name, code=code)
                )
            wanted = look.below[code] if name == "city" else {code}
            allowed = wanted if allowed is None else allowed & wanted
        return allowed

    def indicators_for(
        plan: str | None, unit: str | None, indicator: list[str] | None
    ) -> set[str] | None:
        chosen: set[str] | None = None
        if plan is not None:
            if plan not in db.catalog.plans:
                raise ApiError(400, "unknown_plan", both("api.unknown_plan", plan=plan))
            chosen = {i for i, p in look.plan_of.items() if p == plan}
        if unit is not None:
            if unit not in look.units:
                raise ApiError(400, "unknown_unit", both("api.unknown_unit", unit=unit))
            chosen = look.units[unit] if chosen is None else chosen & look.units[unit]
        if indicator:
            unknown = [i for i in indicator if i not in look.plan_of]
            if unknown:
                raise ApiError(
                    404, "unknown_indicator", both("api.unknown_indicator", id=unknown[0])
                )
            chosen = set(indicator) if chosen is None else chosen & set(indicator)
        return chosen

    def kept(
        frame: pd.DataFrame,
        allowed: set[str] | None,
        start: date | None = None,
        end: date | None = None,
    ) -> np.ndarray:
        """The rows in `allowed` regions (None: all) whose period ends within start..end."""
        mask = np.ones(len(frame), dtype=bool)
        if allowed is not None:
            mask &= frame["region"].isin(allowed).to_numpy()
        if start is not None:
            mask &= (frame["period_end"] >= pd.Timestamp(start)).to_numpy()
        if end is not None:
            mask &= (frame["period_end"] <= pd.Timestamp(end)).to_numpy()
        return mask

    def json_body(head: dict, frame: pd.DataFrame) -> Response:
        """`head` plus "count" and "items" (the frame's rows), written by pandas' C writer."""
        out = frame.copy()
        for col in out.columns:
            if pd.api.types.is_datetime64_any_dtype(out[col]):
                text = out[col].dt.strftime("%Y-%m-%d")
                out[col] = text.astype(object).where(out[col].notna(), None)
        items = out.to_json(orient="records", force_ascii=False, double_precision=15)
        start = json.dumps({**head, "count": len(out)}, ensure_ascii=False)[:-1]
        return Response(f'{start},"items":{items}}}', media_type="application/json")

    def version_list(v: Version) -> list[int]:
        return [v.obs_max, v.rev_max, v.undone]

    # --- routes ---

    @app.get(f"{PREFIX}/health", tags=["meta"], response_model=schemas.Health)
    def health() -> dict:
        """Liveness and the data version (no token needed; no data)."""
        with db.read() as conn:
            return {"ok": True, "data_version": version_list(read_version(conn))}

    @data_route("statuses", schemas.StatusPage)
    def statuses(
        token: Token,
        city: Annotated[
            str | None,
            Query(description="城市代码：该市及其区县 / a city code: it and its counties"),
        ] = None,
        region: Annotated[str | None, Query(description="恰为该地区 / exactly this region")] = None,
        plan: Annotated[str | None, Query(description="规划 id / plan id")] = None,
        unit: Annotated[str | None, Query(description="责任单位 / responsible unit")] = None,
        status: Annotated[
            list[str] | None, Query(description=f"one or more of {', '.join(STATUS_ORDER)}")
        ] = None,
        as_of: AsOf = None,
        counties: Annotated[
            bool, Query(description="false: leave out county rows (cities and above only)")
        ] = True,
        home_only: Annotated[
            bool, Query(description="true: each target at its own region only")
        ] = False,
    ) -> Response:
        """Every target's status (metrics.progress.evaluate), as the dashboard shows it."""
        when = as_of_day(as_of)
        if status:
            bad = [s for s in status if s not in STATUS_ORDER]
            if bad:
                raise ApiError(
                    400,
                    "bad_status",
                    both("api.bad_status", value=bad[0], allowed=", ".join(STATUS_ORDER)),
                )
        allowed = regions_for(token, city, region)
        chosen = indicators_for(plan, unit, None)
        frame = queries.status(db, when)
        mask = kept(frame, allowed)
        if chosen is not None:
            mask &= frame["indicator"].isin(chosen).to_numpy()
        if status:
            mask &= frame["status"].isin(status).to_numpy()
        if not counties:
            mask &= ~frame["region"].isin(look.counties).to_numpy()
        if home_only:
            mask &= frame["home"].astype(bool).to_numpy()
        shown = frame.loc[mask, COLUMNS + ["home"]]
        meta = look.meta.reindex(shown["indicator"])
        shown = shown.assign(
            status_zh=shown["status"].map({s: status_label(s, "zh") for s in STATUS_ORDER}),
            status_en=shown["status"].map({s: status_label(s, "en") for s in STATUS_ORDER}),
            city=shown["region"].map(look.city_of),
            plan=meta["plan"].to_numpy(),
            name=meta["name"].to_numpy(),
            name_en=meta["name_en"].to_numpy(),
            unit=meta["unit"].to_numpy(),
            responsible=meta["responsible"].to_numpy(),
        )
        return json_body({"as_of": when.isoformat()}, shown)

    @data_route("indicators", schemas.IndicatorPage)
    def indicators(
        token: Token,
        city: Annotated[
            str | None,
            Query(description="城市代码 / a city code: indicators set for it or under it"),
        ] = None,
        plan: Code = None,
        unit: Code = None,
    ) -> dict:
        """The catalog's indicators (the `catalog --json` records)."""
        allowed = regions_for(token, city, None)
        chosen = indicators_for(plan, unit, None)
        records = [
            r
            for r in db.catalog.to_records()
            if (chosen is None or r["id"] in chosen) and (allowed is None or r["region"] in allowed)
        ]
        return {"count": len(records), "items": records}

    @data_route("series", schemas.SeriesPage)
    def series(
        token: Token,
        indicator: Annotated[
            list[str] | None, Query(description="指标 id，可重复 / indicator id (repeatable)")
        ] = None,
        city: Code = None,
        region: Code = None,
        plan: Code = None,
        unit: Code = None,
        date_from: DateFrom = None,
        date_to: DateTo = None,
    ) -> Response:
        """Stored observations: indicator, region, period kind, period end, value."""
        chosen = indicators_for(plan, unit, indicator)
        if chosen is None or not 0 < len(chosen) <= MAX_SERIES_INDICATORS:
            raise ApiError(400, "too_wide", both("api.series_too_wide", n=MAX_SERIES_INDICATORS))
        allowed = regions_for(token, city, region)
        start, end = day(date_from, "from"), day(date_to, "to")
        # stored names (indicator_id, region_code) to this API's public ones
        frame = queries.observations(db, sorted(chosen)).rename(
            columns={"indicator_id": "indicator", "region_code": "region"}
        )
        mask = kept(frame, allowed, start, end)
        if int(mask.sum()) > MAX_SERIES_ROWS:
            raise ApiError(400, "too_wide", both("api.series_too_many", n=MAX_SERIES_ROWS))
        shown = frame.loc[mask].sort_values(["indicator", "region", "period_end"], kind="stable")
        return json_body({}, shown)

    @data_route("completeness", schemas.CompletenessPage)
    def completeness(
        token: Token,
        city: Code = None,
        plan: Code = None,
        unit: Code = None,
        as_of: AsOf = None,
        date_from: DateFrom = None,
        date_to: DateTo = None,
    ) -> Response:
        """What each unit owes (metrics.schedule) and whether it came in: on time, late,
        missing or not yet due; with counts per unit and per city."""
        when = as_of_day(as_of)
        allowed = regions_for(token, city, None)
        chosen = indicators_for(plan, unit, None)
        due = owed(db.catalog, when, None if chosen is None else sorted(chosen))
        start, end = day(date_from, "from"), day(date_to, "to")
        due = due[kept(due, allowed, start, end)]
        reports = first_reported(db, sorted(set(due["indicator"])), sorted(set(due["region"])))
        assessed = assess(due.reset_index(drop=True), reports)
        cols = [
            "indicator",
            "region",
            "responsible",
            "period",
            "period_end",
            "due",
            "overdue",
            "state",
        ]
        items = assessed[cols].assign(
            responsible=assessed["responsible"].map(list),
            due=pd.to_datetime(assessed["due"]),
        )
        summary = {}
        for by in ("unit", "city"):
            table = summarise(assessed, db.catalog, by) if len(assessed) else pd.DataFrame()
            summary[by] = table.astype(object).where(table.notna(), None).to_dict(orient="records")
        return json_body({"as_of": when.isoformat(), "summary": summary}, items)

    return app


def serve(db: Database, host: str, port: int) -> None:
    """Serve the API with uvicorn until interrupted."""
    import uvicorn

    uvicorn.run(create_app(db), host=host, port=port, log_level="info", access_log=False)


__all__ = ["ApiError", "RateLimiter", "create_app", "serve"]
