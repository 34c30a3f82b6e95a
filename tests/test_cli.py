"""The command line's one exit-code policy: every error kind becomes its message and exit 1,
a bug becomes an "internal error" line (never a traceback), and a closed pipe is not an
error at all."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from cli.app import report_error
from metrics.errors import Busy, Conflict, InvalidInput, MetricsError, NotFound, PermissionDenied
from tests.conftest import CONFIG, ROOT, run_cli


@pytest.mark.parametrize("kind", [InvalidInput, NotFound, PermissionDenied, Conflict, Busy])
def test_each_error_kind_prints_its_message_and_exits_1(kind, capsys):
    assert report_error(kind("原因 / reason")) == 1
    assert capsys.readouterr().err.strip() == "原因 / reason"


def test_a_bug_is_reported_without_a_traceback(capsys, monkeypatch):
    monkeypatch.delenv("METRICS_DEBUG", raising=False)
    assert report_error(KeyError("boom")) == 1
    err = capsys.readouterr().err
    assert "KeyError" in err and "内部错误" in err and "Traceback" not in err


def test_not_found_is_invalid_input_and_not_a_lookup_error():
    """`except LookupError` in old code must no longer swallow a missing import."""
    assert issubclass(NotFound, InvalidInput) and issubclass(NotFound, MetricsError)
    assert not issubclass(NotFound, LookupError)


def test_undo_of_an_unknown_import_exits_1_with_the_reason(tmp_path, small_catalog_path):
    result = run_cli(tmp_path, small_catalog_path, "undo", "99")
    assert result.returncode == 1
    assert "#99" in result.stderr or "99" in result.stderr
    assert "Traceback" not in result.stderr


def test_an_unknown_flag_is_a_usage_error(tmp_path, small_catalog_path):
    assert run_cli(tmp_path, small_catalog_path, "status", "--no-such-flag").returncode == 2


def test_status_into_a_closed_pipe_is_quiet(tmp_path):
    """`python -m metrics status --json | head -1`: no BrokenPipe message, exit 0. The seed
    catalog's statuses are larger than a pipe's buffer, so the pipe really breaks."""
    env = {
        **os.environ,
        "METRICS_CONFIG": str(CONFIG),
        "METRICS_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}",
    }
    status = subprocess.Popen(
        [sys.executable, "-m", "metrics", "status", "--json", "--as-of", "2024-06-30"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert status.stdout is not None
    status.stdout.readline()
    status.stdout.close()  # what `head -1` does after its line
    _, err = status.communicate(timeout=120)
    assert status.returncode == 0
    assert b"BrokenPipe" not in err and b"Traceback" not in err
