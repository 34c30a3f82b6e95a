"""The one place where an error becomes its message and exit code, for every command.

A leaf module (it imports no command), so a command module such as `cli.extract` can use it
without importing `cli.app`, which imports the commands.
"""

from __future__ import annotations

import os
import sys

from metrics.catalog import CatalogError
from metrics.errors import MetricsError
from metrics.i18n import both


def report_error(exc: BaseException) -> int:
    """Print why a command failed and return its exit code; a bug keeps its traceback only
    under METRICS_DEBUG."""
    if isinstance(exc, CatalogError):
        print(both("cli.problems", n=len(exc.problems)), file=sys.stderr)
        for problem in exc.problems:
            print(f"  {problem}", file=sys.stderr)
        return exc.exit_code
    if isinstance(exc, MetricsError):
        print(str(exc), file=sys.stderr)
        return exc.exit_code
    if os.environ.get("METRICS_DEBUG"):
        raise exc
    print(both("cli.internal", kind=type(exc).__name__, detail=exc), file=sys.stderr)
    return 1
