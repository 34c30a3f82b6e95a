"""`python -m metrics status`: the engine's words and numbers, as a table or JSON."""

from __future__ import annotations

import json

import pytest

from tests.conftest import run_cli

SHARE = (
    "heze-2023-digital-gov.data-service-share"  # baseline 20 (2022-12-31), 35 by 2023, 70 by 2025
)


def test_status_json_contract_and_filters(tmp_path, small_catalog_path):
    sheet = tmp_path / "q.csv"
    sheet.write_text(
        f"指标编码,统计期,数值\n{SHARE},2023Q4,36%\n{SHARE},2024Q4,40%\n", encoding="utf-8"
    )
    assert run_cli(tmp_path, small_catalog_path, "import", str(sheet)).returncode == 0

    out = run_cli(tmp_path, small_catalog_path, "status", "--as-of", "2025-01-15", "--json")
    assert out.returncode == 0, out.stderr
    rows = {r["indicator"]: r for r in json.loads(out.stdout)}
    assert set(rows[SHARE]) == {
        "indicator",
        "region",
        "status",
        "latest_value",
        "latest_period",
        "baseline_value",
        "expected",
        "ratio",
        "progress",
        "target_value",
        "deadline",
        "days_left",
        "projected_value",
        "projected_met",
        "missed_stages",
        "stale",
    }
    share = rows[SHARE]
    assert (share["latest_value"], share["latest_period"], share["baseline_value"]) == (
        40.0,
        "2024Q4",
        20.0,
    )
    assert share["target_value"] == 70.0 and share["deadline"] == "2025-12-31"
    # On the path from 35 (end-2023) to 70 (end-2025), a year later 52.5 is planned:
    # r = (40 - 20) / (52.5 - 20) ≈ 0.62 → at risk.
    assert share["expected"] == pytest.approx(52.5, abs=0.1)
    assert share["status"] == "at_risk"
    assert rows["heze-2023-digital-gov.base-stations"]["status"] == "no_data"

    before = json.loads(
        run_cli(tmp_path, small_catalog_path, "status", "--as-of", "2023-06-30", "--json").stdout
    )
    assert {r["indicator"]: r["status"] for r in before}[SHARE] == "no_data"

    table = run_cli(
        tmp_path,
        small_catalog_path,
        "status",
        "--plan",
        "heze-2023-digital-gov",
        "--as-of",
        "2025-01-15",
    )
    assert table.returncode == 0 and "存在风险/at_risk" in table.stdout
    today = run_cli(tmp_path, small_catalog_path, "status", "--json")  # default: today
    assert {r["indicator"]: r["status"] for r in json.loads(today.stdout)}[SHARE] == "missed"
    bad = run_cli(tmp_path, small_catalog_path, "status", "--as-of", "2025-13-01")
    assert bad.returncode == 1 and "2025-13-01" in bad.stderr
