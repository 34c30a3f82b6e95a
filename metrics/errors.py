"""The errors a user can cause or meet, one hierarchy for every layer.

Every message is already bilingual (through `metrics.i18n`) when raised. The command line
(`cli.errors`) and the pages (`views.common.show_error`) turn each kind into an exit code or a
notice in one place, so a new error needs no new `except` anywhere else; a bug (any other
exception) is never mistaken for one of these.
"""

from __future__ import annotations


class MetricsError(Exception):
    """Base of every error whose message is meant for the user.

    Raised either with the bilingual text (`both(key, …)`) or with the sentence key and
    its params (`MetricsError(key="…", n=3)`): then `str(exc)` is the same bilingual text
    for the CLI, and a page can say it in its own language (views.common.show_error).
    """

    exit_code = 1

    def __init__(self, *args: object, key: str | None = None, **params: object) -> None:
        if key is not None and not args:
            from metrics.i18n import both  # late: i18n is a leaf, errors must stay one too

            args = (both(key, **params),)
        super().__init__(*args)
        self.key = key
        self.params = params


class InvalidInput(MetricsError, ValueError):
    """A file, cell, catalog or argument that cannot be used as given; the message says how
    to fix it."""


class NotFound(InvalidInput):
    """Something named by the user (an import, an account) does not exist."""


class PermissionDenied(MetricsError):
    """A write the account may not make; the message says which permission is missing."""


class Conflict(MetricsError):
    """The request contradicts the current state (an import already undone, an account that
    exists, a file that would be overwritten)."""


class Busy(MetricsError):
    """The database stayed locked too long; nothing was written, try again."""
