"""The one place where an error becomes its message and exit code, for every command.

A leaf module (it imports no command), so a command module such as `cli.extract` can use it
without importing `cli.app`, which imports the commands.
"""

from __future__ import annotations

import os
import sys

from sqlalchemy import exc as sa_exc

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
    if isinstance(exc, sa_exc.SQLAlchemyError):
        # Its text holds the SQL statement and its parameters (an argon2 hash was seen
        # there): only the kind and a generic reason are printed.
        print(
            both("cli.db_error", kind=type(exc).__name__, reason=_db_reason(exc)), file=sys.stderr
        )
        return 1
    print(both("cli.internal", kind=type(exc).__name__, detail=exc), file=sys.stderr)
    return 1


def _db_reason(exc: sa_exc.SQLAlchemyError) -> str:
    """A few words on what kind of database failure this was, naming no value."""
    if isinstance(exc, sa_exc.OperationalError):
        return both("cli.db_reason.operational")
    if isinstance(exc, sa_exc.IntegrityError):
        return both("cli.db_reason.integrity")
    return both("cli.db_reason.other")
