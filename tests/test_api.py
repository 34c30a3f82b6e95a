"""The read-only JSON API: what a city's big screen fetches, with a token, at a rate.

Runs on SQLite and (when configured) PostgreSQL through the shared `db` fixture, with
Starlette's TestClient (httpx) against the real app; one test serves it with uvicorn."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
import urllib.request
from datetime import date

import pandas as pd
import pytest
from fastapi.testclient import TestClient

from api.app import RateLimiter, create_app
from db import audit, queries, tokens
from db.permissions import Actor
from db.writes import import_file
from metrics.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from metrics.progress import COLUMNS
from tests.conftest import ROOT, run_cli

AS_OF = "2025-06-30"
SHEET = """指标编码,地区,统计期,数值
heze-2023-digital-gov.data-service-share,371700,2023Q4,36
heze-2023-digital-gov.data-service-share,371700,2024Q4,50
heze-2023-digital-gov.base-stations,371702,2024Q4,0.5
heze-2023-digital-gov.base-stations,371721,2024Q4,0.4
heze-2023-digital-gov.platform-launch,371700,2023Q4,100
"""


@pytest.fixture
def filled(db):
    report = import_file(db, SHEET.encode(), "sheet.csv")
    assert report.written and not report.errors
    return db


@pytest.fixture
def client(filled):
    return TestClient(create_app(filled))


@pytest.fixture
def token(filled) -> str:
    return tokens.add_token(filled, "screen", rate_per_minute=1000)


def get(client: TestClient, path: str, token: str | None, **params):  # type: ignore[no-untyped-def]
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return client.get(f"/api/v1/{path}", params=params, headers=headers)


# --- authentication ---


@pytest.mark.parametrize(
    ("header", "code"),
    [
        (None, "no_token"),
        ("Bearer mtk_not-a-real-token", "bad_token"),
        ("Bearer ", "no_token"),
        ("Basic dXNlcjpwYXNz", "no_token"),
    ],
)
def test_a_request_without_a_valid_token_is_refused(client, token, header, code):
    headers = {"Authorization": header} if header else {}
    response = client.get("/api/v1/statuses", headers=headers)
    assert response.status_code == 401
    detail = response.json()["detail"]
    assert detail["error"] == code
    assert " / " in detail["message"]  # Chinese / English
    assert response.headers["www-authenticate"] == "Bearer"


def test_a_revoked_token_is_refused_at_once_and_the_revocation_is_audited(client, filled, token):
    assert get(client, "statuses", token).status_code == 200
    assert tokens.list_tokens(filled)["last_used_at"].notna().all()  # stamped on use
    tokens.revoke_token(filled, "screen")
    response = get(client, "statuses", token)
    assert response.status_code == 401
    assert response.json()["detail"]["error"] == "bad_token"
    log = queries.audit_log(filled)
    assert {"token_add", "token_revoke"} <= set(log["action"])
    with pytest.raises(Conflict):
        tokens.revoke_token(filled, "screen")


def test_only_the_hash_of_a_token_is_stored(filled, token):
    from sqlalchemy import select

    from db.models import ApiToken

    with filled.read() as conn:
        row = conn.execute(select(ApiToken)).mappings().one()
    assert token not in json.dumps({k: str(v) for k, v in row.items()})
    assert row["token_hash"] == tokens.digest(token)
    assert token.startswith(row["prefix"])


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"name": "has space"}, InvalidInput),
        ({"name": ""}, InvalidInput),
        ({"name": "ok", "regions": ["999999"]}, InvalidInput),
        ({"name": "ok", "rate_per_minute": 0}, InvalidInput),
        ({"name": "screen"}, Conflict),
    ],
)
def test_token_management_refuses_bad_requests_with_a_reason(filled, token, kwargs, error):
    with pytest.raises(error) as caught:
        tokens.add_token(filled, **kwargs)
    assert " / " in str(caught.value)


def test_only_an_admin_manages_tokens(filled):
    viewer = Actor("leader", "viewer")
    with pytest.raises(PermissionDenied):
        tokens.add_token(filled, "x", actor=viewer)
    with pytest.raises(NotFound):
        tokens.revoke_token(filled, "nobody")


def test_the_rate_limit_refuses_with_retry_after_then_lets_through(filled):
    clock = [1000.0]
    app = create_app(filled, RateLimiter(clock=lambda: clock[0]))
    client = TestClient(app)
    slow = tokens.add_token(filled, "slow", rate_per_minute=3)
    other = tokens.add_token(filled, "other", rate_per_minute=3)
    assert [get(client, "statuses", slow).status_code for _ in range(3)] == [200] * 3
    refused = get(client, "statuses", slow)
    assert refused.status_code == 429
    assert refused.json()["detail"]["error"] == "rate_limited"
    assert int(refused.headers["retry-after"]) == 20  # one request per 20 s at 3/min
    assert get(client, "statuses", other).status_code == 200  # limits are per token
    clock[0] += 20
    assert get(client, "statuses", slow).status_code == 200


# --- the answers ---


def test_statuses_are_the_dashboards_evaluate_results(client, filled, token):
    response = get(client, "statuses", token, as_of=AS_OF)
    assert response.status_code == 200
    body = response.json()
    expected = queries.status(filled, date(2025, 6, 30))
    assert body["count"] == len(expected) == len(body["items"])
    got = pd.DataFrame(body["items"])
    assert set(COLUMNS) <= set(got.columns)
    for key in ("indicator", "region", "status", "latest_period", "missed_stages"):
        assert got[key].tolist() == expected[key].where(expected[key].notna(), None).tolist()
    assert got["latest_value"].fillna(-1).tolist() == expected["latest_value"].fillna(-1).tolist()
    share = got[got.indicator == "heze-2023-digital-gov.data-service-share"].iloc[0]
    assert share["status_zh"] and share["status_en"] and share["city"] == "371700"
    assert share["deadline"] == "2025-12-31"


@pytest.mark.parametrize(
    ("params", "regions", "indicators"),
    [
        ({"city": "371700"}, {"371700", "371702", "371721"}, None),
        ({"region": "371702"}, {"371702"}, None),
        ({"city": "371700", "counties": "false"}, {"371700"}, None),
        ({"plan": "heze-2023-digital-gov", "home_only": "true"}, {"371700"}, None),
        ({"unit": "市工业和信息化局"}, None, {"heze-2023-digital-gov.base-stations"}),
    ],
)
def test_statuses_filter_by_city_region_plan_and_unit(client, token, params, regions, indicators):
    items = get(client, "statuses", token, as_of=AS_OF, **params).json()["items"]
    assert items
    if regions is not None:
        assert {i["region"] for i in items} <= regions
    if indicators is not None:
        assert {i["indicator"] for i in items} == indicators


@pytest.mark.parametrize(
    ("params", "code", "status"),
    [
        ({"city": "999999"}, "unknown_region", 400),
        ({"plan": "no-such-plan"}, "unknown_plan", 400),
        ({"unit": "无此单位"}, "unknown_unit", 400),
        ({"as_of": "30/06/2025"}, "bad_date", 400),
        ({"status": "great"}, "bad_status", 400),
    ],
)
def test_a_bad_filter_is_refused_naming_the_parameter(client, token, params, code, status):
    response = get(client, "statuses", token, **params)
    assert response.status_code == status
    assert response.json()["detail"]["error"] == code


def test_a_token_limited_to_a_region_sees_only_it(client, filled):
    county = tokens.add_token(filled, "mudan", regions=["371702"])
    items = get(client, "statuses", county, as_of=AS_OF).json()["items"]
    assert {i["region"] for i in items} == {"371702"}
    points = get(client, "series", county, plan="heze-2023-digital-gov").json()["items"]
    assert {p["region"] for p in points} == {"371702"}


def test_series_returns_the_stored_values_filtered_by_date(client, token):
    body = get(
        client,
        "series",
        token,
        indicator="heze-2023-digital-gov.data-service-share",
        **{"from": "2024-01-01"},
    ).json()
    assert body["items"] == [
        {
            "indicator": "heze-2023-digital-gov.data-service-share",
            "region": "371700",
            "period_kind": "quarter",
            "period_end": "2024-12-31",
            "value": 50.0,
        }
    ]
    assert get(client, "series", token).status_code == 400  # unbounded: name the series
    assert get(client, "series", token, indicator="nope").status_code == 404


def test_indicators_are_the_catalog_records(client, filled, token):
    body = get(client, "indicators", token, unit="市大数据局").json()
    assert {r["id"] for r in body["items"]} == {
        "heze-2023-digital-gov.data-service-share",
        "heze-2023-digital-gov.platform-launch",
    }


def test_completeness_lists_what_was_owed_and_what_came_in(client, token):
    body = get(client, "completeness", token, as_of=AS_OF, plan="heze-2023-digital-gov").json()
    items = pd.DataFrame(body["items"])
    assert set(items["state"]) <= {"on_time", "late", "missing", "not_due", "returned"}
    share = items[items.indicator == "heze-2023-digital-gov.data-service-share"]
    stored = share[share.period.isin(["2023Q4", "2024Q4"])]
    assert len(stored) == 2 and (stored.state != "missing").all()
    assert (share[share.period == "2024Q2"].state == "missing").all()
    assert body["summary"]["unit"] and body["summary"]["city"]
    narrowed = get(client, "completeness", token, as_of=AS_OF, **{"from": "2024-10-01"}).json()
    assert all(i["period_end"] >= "2024-10-01" for i in narrowed["items"])


def test_the_openapi_description_names_every_route_and_the_bearer_scheme(client):
    spec = client.get("/api/v1/openapi.json").json()
    for path in ("statuses", "indicators", "series", "completeness", "health"):
        assert f"/api/v1/{path}" in spec["paths"]
    schemes = spec["components"]["securitySchemes"]
    assert any(s.get("scheme") == "bearer" for s in schemes.values())
    assert "429" in spec["paths"]["/api/v1/statuses"]["get"]["responses"]


def test_every_citys_statuses_in_one_request_well_under_a_second(tmp_path):
    """A province: 16 cities, 143 counties, 266 indicators (benchmarks/synthetic.py), 200,000
    observations. After the first computation (stored once per data version), one request
    returns every status row at the province's cities in well under a second."""
    from benchmarks.synthetic import generate
    from db.connect import open_database
    from metrics.catalog import load_catalog

    syn = generate(200_000, tmp_path)
    db = open_database(load_catalog(syn.catalog_path), f"sqlite:///{tmp_path / 'p.db'}")
    assert import_file(
        db, syn.csv_path.read_bytes(), syn.csv_path.name, accept_warnings=True
    ).written
    client = TestClient(create_app(db))
    key = tokens.add_token(db, "province-screen")
    assert get(client, "statuses", key, as_of=AS_OF).status_code == 200  # computes and stores
    timings = []
    for _ in range(3):
        start = time.perf_counter()
        response = get(client, "statuses", key, as_of=AS_OF, counties="false")
        timings.append(time.perf_counter() - start)
        assert response.status_code == 200
    cities = {i["region"] for i in response.json()["items"]}
    assert len(cities) == 17  # the province and its 16 cities
    assert min(timings) < 0.5, timings


# --- the command line and a real server ---


def test_token_cli_add_list_revoke(tmp_path, small_catalog_path):
    made = run_cli(tmp_path, small_catalog_path, "token", "add", "screen", "--rate", "60")
    assert made.returncode == 0, made.stderr
    secret = made.stdout.strip()
    assert secret.startswith("mtk_") and "仅此一次" in made.stderr
    listed = run_cli(tmp_path, small_catalog_path, "token", "list")
    assert "screen" in listed.stdout and secret not in listed.stdout and "60/min" in listed.stdout
    again = run_cli(tmp_path, small_catalog_path, "token", "add", "screen")
    assert again.returncode == 1 and "already exists" in again.stderr
    gone = run_cli(tmp_path, small_catalog_path, "token", "revoke", "screen")
    assert gone.returncode == 0 and "revoked" in gone.stdout
    # Times are shown in Beijing time, as on every page (they are stored in UTC).
    from datetime import datetime, timedelta
    from zoneinfo import ZoneInfo

    now = datetime.now(ZoneInfo("Asia/Shanghai"))
    shown = {f"revoked {(now - timedelta(minutes=m)):%Y-%m-%d %H:%M}" for m in (0, 1, 2)}
    listed = run_cli(tmp_path, small_catalog_path, "token", "list").stdout
    assert any(s in listed for s in shown), listed


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_python_m_metrics_api_serves_over_http(tmp_path, small_catalog_path):
    secret = run_cli(tmp_path, small_catalog_path, "token", "add", "screen").stdout.strip()
    port = _free_port()
    env = {
        "METRICS_CONFIG": str(small_catalog_path),
        "METRICS_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}",
    }
    import os

    server = subprocess.Popen(
        [sys.executable, "-m", "metrics", "api", "--port", str(port)],
        cwd=ROOT,
        env={**os.environ, **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        base = f"http://127.0.0.1:{port}/api/v1"
        for _ in range(200):
            try:
                with urllib.request.urlopen(f"{base}/health", timeout=1) as r:
                    assert json.load(r)["ok"] is True
                break
            except OSError:
                time.sleep(0.1)
        request = urllib.request.Request(
            f"{base}/statuses", headers={"Authorization": f"Bearer {secret}"}
        )
        with urllib.request.urlopen(request, timeout=10) as r:
            body = json.load(r)
        assert body["count"] == 3  # three indicators at their home region, no data yet
        assert {i["status"] for i in body["items"]} == {"no_data"}
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_audit_now_is_naive_utc():  # the token stamps compare with it
    assert audit.now().tzinfo is None
