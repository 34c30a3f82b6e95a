"""Dashboard sign-ins held by the browser as an HttpOnly cookie (issue 14 item 5): the token
is a secret only the browser has (hashed at rest), survives a reload, and ends on sign-out,
a password change, a disable, the idle time and the absolute lifetime."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from db import accounts, audit, sessions
from db.models import BrowserSession

PASSWORD = "correct horse battery"


@pytest.fixture
def wang(db):
    accounts.add_user(db, "wang", "viewer", PASSWORD)
    return accounts.authenticate(db, "wang", PASSWORD)


def _signed_in(db, actor, now=None) -> str:
    """A sign-in as the form makes it, claimed as the browser does: the cookie's token."""
    code = sessions.start(db, actor, "10.0.0.1", now=now)
    assert code is not None
    claimed = sessions.claim(db, code, now=now)
    assert claimed is not None
    return claimed[0]


def test_the_token_and_the_code_are_stored_only_as_hashes(db, wang):
    code = sessions.start(db, wang, "10.0.0.1")
    with db.read() as conn:
        before = conn.execute(select(BrowserSession)).mappings().one()
    token, _ends = sessions.claim(db, code)
    with db.read() as conn:
        after = conn.execute(select(BrowserSession)).mappings().one()
    stored = repr(dict(before)) + repr(dict(after))
    assert code not in stored and token not in stored
    assert before["code_hash"] == sessions.digest(code) and after["code_hash"] is None
    assert after["token_hash"] == sessions.digest(token)
    assert sessions.resume(db, token).actor.name == "wang"


def test_a_code_is_spent_once_and_only_while_fresh(db, wang):
    code = sessions.start(db, wang, "c")
    assert sessions.claim(db, code) is not None
    assert sessions.claim(db, code) is None  # replayed
    late = sessions.start(db, wang, "c")
    assert sessions.claim(db, late, now=audit.now() + sessions.CODE_LIFETIME * 2) is None
    assert sessions.claim(db, "guessed-code") is None


@pytest.mark.parametrize(
    ("token", "why"),
    [("", "unknown"), ("not-a-token", "unknown"), ("x" * 10_000, "unknown")],
)
def test_no_or_a_forged_token_is_nobody(db, wang, token, why):
    _signed_in(db, wang)
    assert sessions.resume(db, token) == sessions.Resumed(None, why)


@pytest.mark.parametrize("change", ["passwd", "disable", "logout"])
def test_a_password_change_a_disable_or_a_sign_out_ends_the_session(db, wang, change):
    token = _signed_in(db, wang)
    other = _signed_in(db, wang)  # the same account in a second browser
    if change == "passwd":
        accounts.set_password(db, "wang", "another long password")
    elif change == "disable":
        accounts.disable_user(db, "wang")
    else:
        sessions.end(db, token)
    expected = "logout" if change == "logout" else "credentials"
    assert sessions.resume(db, token) == sessions.Resumed(None, expected)
    # a password change or disable ends every session; a sign-out only its own
    assert (sessions.resume(db, other).actor is None) == (change != "logout")
    if change == "passwd":
        fresh = accounts.authenticate(db, "wang", "another long password")
        assert sessions.resume(db, _signed_in(db, fresh)).actor.name == "wang"


def test_a_session_ends_at_its_absolute_lifetime_however_active(db, wang):
    start = audit.now()
    token = _signed_in(db, wang, now=start)
    hours = sessions.max_hours(db)
    step = timedelta(minutes=db.catalog.settings.session_idle_minutes // 2)
    moment = start
    while moment + step < start + timedelta(hours=hours):  # active all along
        moment += step
        assert sessions.resume(db, token, now=moment).actor is not None
    late = start + timedelta(hours=hours, minutes=1)
    assert sessions.resume(db, token, now=late) == sessions.Resumed(None, "lifetime")
    assert sessions.resume(db, token, now=moment) == sessions.Resumed(None, "lifetime")


def test_a_session_ends_after_the_idle_time(db, wang):
    start = audit.now()
    token = _signed_in(db, wang, now=start)
    idle = timedelta(minutes=db.catalog.settings.session_idle_minutes)
    late = start + idle + sessions.TOUCH_EVERY + timedelta(seconds=1)
    assert sessions.resume(db, token, now=late) == sessions.Resumed(None, "idle")


def test_a_database_that_cannot_be_written_gives_no_code(db, wang, monkeypatch):
    from sqlalchemy import exc as sa_exc

    def full_disk(*_a, **_k):
        raise sa_exc.OperationalError("INSERT", {}, Exception("database or disk is full"))

    monkeypatch.setattr(db, "write", full_disk)
    assert sessions.start(db, wang, "c") is None
