"""The province-scale benchmark (benchmarks/run.py) as a smoke test: a 20,000-row run
must finish and report every figure. It fails on an exception or a missing key, never on
a time: the figures themselves are checked at N = 1,000,000 (benchmarks/README.md)."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys

from benchmarks.run import REQUIRED_KEYS as KEYS  # every figure, floors too
from tests.conftest import ROOT


def test_benchmark_smoke_run_reports_every_figure(tmp_path):
    done = subprocess.run(
        [
            sys.executable,
            str(ROOT / "benchmarks" / "run.py"),
            "--observations",
            "20000",
            "--json",
            "--naive-seconds",
            "3",
            "--workdir",
            str(tmp_path),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    result = json.loads(done.stdout)
    assert set(KEYS) <= set(result), sorted(set(KEYS) - set(result))
    with_postgres = bool(os.environ.get("METRICS_TEST_POSTGRES_URL"))
    for key in KEYS:
        if key.startswith("pg_") and not with_postgres:
            assert result[key] is None
            continue
        assert isinstance(result[key], int | float) and math.isfinite(result[key]), key
        assert result[key] > 0, key
    assert result["observations"] == 20000
    ratio = result["import_s"] / result["raw_limit_s"]
    assert math.isclose(result["import_ratio"], ratio, rel_tol=1e-2)
    # each figure beside its floor, measured in the same run
    status = (result["status_read_s"] + result["status_s"]) / result["status_floor_s"]
    assert math.isclose(result["status_ratio"], status, rel_tol=1e-2)
    excess = result["overview_start_s"] + result["overview_cold_s"] - result["bare_imports_s"]
    assert math.isclose(result["overview_cold_excess_s"], excess, rel_tol=1e-2, abs_tol=1e-3)
    assert result["api_cities_rows"] > 0 and result["api_all_rows"] >= result["api_cities_rows"]
    assert result["naive_rows"] > 0
    # the table that the README shows comes with the JSON, on stderr
    assert "| import_ratio |" in done.stderr
