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
    assert len(before["code_hash"]) == 64 and after["code_hash"] is None
    assert after["token_hash"] == sessions.digest(token)
    assert sessions.resume(db, token).actor.name == "wang"


def test_a_code_is_spent_once_only_while_fresh_and_only_by_its_browser(db, wang):
    code = sessions.start(db, wang, "c", browser="xsrf-of-the-browser")
    assert sessions.claim(db, code, "xsrf-of-another-browser") is None
    assert sessions.claim(db, code) is None
    assert sessions.claim(db, code, "xsrf-of-the-browser") is not None
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


# --- in a real browser: `streamlit run serve.py` ----------------------------------------------


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """serve.py (the cookie routes) on a fresh database with one analyst."""
    import os
    import shutil

    from tests.browser_helpers import ROOT, Server, require_browser, run_cli

    sync_api = require_browser()
    tmp = tmp_path_factory.mktemp("sessions")
    shutil.copy(ROOT / "config.yaml", tmp / "config.yaml")
    env = dict(os.environ)
    env.update(
        METRICS_CONFIG=str(tmp / "config.yaml"),
        METRICS_DATABASE_URL=f"sqlite:///{tmp / 'metrics.db'}",
        STREAMLIT_BROWSER_GATHER_USAGE_STATS="false",
        PYTHONUNBUFFERED="1",
    )
    run_cli(["init"], env)
    run_cli(
        ["user", "add", "e2e-admin", "--role", "admin", "--password-stdin"], env, PASSWORD + "\n"
    )
    server = Server(env=env, log_path=tmp / "streamlit.log", script="serve.py")
    server.start()
    try:
        yield sync_api, server, env
    finally:
        server.stop()


def _signed_in_as(page) -> str:
    from tests.browser_helpers import idle

    idle(page)
    return page.locator("[data-testid=stSidebar]").inner_text()


@pytest.mark.browser
def test_a_reload_keeps_the_sign_in_and_another_browser_does_not_get_it(served):
    from tests.browser_helpers import (
        ACTION_MS,
        CHROMIUM,
        EXPECT_MS,
        FIRST_LOAD_MS,
        LAUNCH_ARGS,
        login,
        no_exception,
        open_page,
    )

    sync_api, server, _env = served
    signed = "当前账号"
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        try:
            first = browser.new_context(locale="zh-CN")
            first.set_default_timeout(ACTION_MS)
            page = first.new_page()
            login(page, server.url, "e2e-admin", PASSWORD)
            page.wait_for_selector(f"[data-testid=stSidebar] :text('{signed}')", timeout=EXPECT_MS)
            cookie = next(c for c in first.cookies() if c["name"] == sessions.COOKIE)
            assert cookie["httpOnly"] and cookie["sameSite"] == "Lax"
            assert page.evaluate("document.cookie").find(sessions.COOKIE) == -1  # scripts: no
            page.reload()
            page.wait_for_selector(
                f"[data-testid=stSidebar] :text('{signed}')", timeout=FIRST_LOAD_MS
            )
            assert "e2e-admin" in _signed_in_as(page)
            no_exception(page)
            # a second browser, without the cookie, is not signed in
            other = browser.new_context(locale="zh-CN")
            stranger = other.new_page()
            open_page(stranger, server.url, "[data-testid=stSidebar]")
            assert signed not in _signed_in_as(stranger)
            # sign-out ends the session: the copied cookie no longer works anywhere
            page.locator("[data-testid=stSidebar] button").filter(has_text="退出").click()
            page.wait_for_selector("[data-testid=stSidebar] :text('未登录')", timeout=FIRST_LOAD_MS)
            assert not [c for c in first.cookies() if c["name"] == sessions.COOKIE]
            other.add_cookies(
                [{"name": cookie["name"], "value": cookie["value"], "url": server.url}]
            )
            open_page(stranger, server.url, "[data-testid=stSidebar]")
            assert signed not in _signed_in_as(stranger)
        finally:
            browser.close()


# --- the dashboard (AppTest) with the cookie routes on ------------------------------------------


@pytest.fixture
def closed_db(tmp_path, monkeypatch):
    """A shared deployment (login required) with a leader, an analyst and an admin."""
    import streamlit as st

    from tests.test_dashboard_accounts import _database

    database = _database(tmp_path, monkeypatch, login_required=True)
    yield database
    database.engine.dispose()
    st.cache_resource.clear()


@pytest.fixture
def cookie_jar(monkeypatch):
    """The cookies this AppTest "browser" sends, with serve.py's routes switched on
    (AppTest cannot seed st.context.cookies, so the reader is replaced)."""
    from views import auth

    jar: dict[str, str] = {"_streamlit_xsrf": "2|0a0b0c0d|1a2b3c4d5e6f|1700000000"}
    monkeypatch.setenv(auth.COOKIE_SESSIONS_ENV, "1")
    monkeypatch.setattr(auth, "_cookies", lambda: dict(jar))
    return jar


def _claimed_code(at) -> str:
    """The one-time code in the page's claim script (what the browser would post)."""
    import re

    bodies = [el.proto.body for el in at.get("html")]
    found = [m.group(1) for b in bodies for m in [re.search(r'code\\": \\"([\w-]+)', b)] if m]
    assert found, bodies
    return found[0]


def test_the_dashboard_signs_in_by_cookie_and_keeps_it_across_a_reload(closed_db, cookie_jar):
    from tests.test_dashboard_accounts import ADMIN, _app, _login, _reachable

    at = _login(_app(), "root", PASSWORD)
    assert not at.exception
    assert "actor" not in at.session_state  # not signed in until the browser holds the cookie
    from views.common import get_db

    db = get_db()
    from views.auth import browser_secret

    assert sessions.claim(db, _claimed_code(at)) is None  # not from the browser that signed in
    token, _ends = sessions.claim(db, _claimed_code(at), browser_secret(cookie_jar))
    cookie_jar[sessions.COOKIE] = token
    reloaded = _app()  # a reload: a new Streamlit session, the same browser
    assert not reloaded.exception and reloaded.session_state["actor"].name == "root"
    assert _reachable(reloaded) == ADMIN
    # the Streamlit session reached without the cookie (a stolen session id) is nobody
    del cookie_jar[sessions.COOKIE]
    reloaded.run()
    assert "actor" not in reloaded.session_state and _reachable(reloaded) == set()
    # with the cookie again, until the password changes: then out, with the reason said
    cookie_jar[sessions.COOKIE] = token
    reloaded.run()
    assert reloaded.session_state["actor"].name == "root"
    accounts.set_password(db, "root", "a brand new password")
    reloaded.run()
    assert "actor" not in reloaded.session_state
    assert any("密码已修改" in w.value for w in reloaded.warning)


def test_sign_out_ends_the_cookies_session(closed_db, cookie_jar):
    from tests.test_dashboard_accounts import _app, _login
    from views.common import get_db

    at = _login(_app(), "leader", PASSWORD)
    from views.auth import browser_secret

    token, _ends = sessions.claim(get_db(), _claimed_code(at), browser_secret(cookie_jar))
    cookie_jar[sessions.COOKIE] = token
    at = _app()
    assert at.session_state["actor"].name == "leader"
    next(b for b in at.sidebar.button if b.key == "logout").click()
    at.run()
    assert "actor" not in at.session_state
    assert sessions.resume(get_db(), token) == sessions.Resumed(None, "logout")


@pytest.mark.parametrize(
    ("cookie", "secret"),
    [
        ("2|0a0b0c0d|1a2b3c4d|1700000000", "10203040"),  # unmasked: XOR with the mask
        ("2|ffffffff|1a2b3c4d|1700000001", "e5d4c3b2"),
        ("not-streamlit's-format", "not-streamlit's-format"),
        (None, ""),
    ],
)
def test_the_browser_secret_is_the_unmasked_xsrf_token(cookie, secret):
    from views.auth import browser_secret

    assert browser_secret({} if cookie is None else {"_streamlit_xsrf": cookie}) == secret
