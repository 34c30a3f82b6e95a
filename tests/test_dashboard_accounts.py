"""Accounts in the dashboard (AppTest): the login form, the pages each role may open,
lockout, idle expiry, and a shared deployment that allows no anonymous reading."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from db import accounts
from db.engine import Database
from tests.conftest import CONFIG
from tests.dashboard_helpers import app_database, closing, config_file, dashboard

PASSWORD = "correct horse battery"
PAGES = {
    "views/overview.py": "总览",
    "views/indicator.py": "指标详情",
    "views/entry.py": "数据填报",
    "views/upload.py": "批量导入",
    "views/users.py": "账号管理",
    "views/audit.py": "审计日志",
    "views/extract.py": "规划目标提取",
}
LEADER = {"views/overview.py", "views/indicator.py"}
ANALYST = LEADER | {"views/entry.py", "views/upload.py"}
ADMIN = set(PAGES)


def _database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, login_required: bool) -> Database:
    text = CONFIG.read_text(encoding="utf-8")
    config = config_file(
        tmp_path,
        text.replace("login_required: false", f"login_required: {str(login_required).lower()}"),
    )
    db = app_database(tmp_path, monkeypatch, config)
    assert db.catalog.settings.login_required is login_required
    accounts.add_user(db, "leader", "viewer", PASSWORD)
    accounts.add_user(db, "bdb", "analyst", PASSWORD, units=["371700:市大数据局"])
    accounts.add_user(db, "root", "admin", PASSWORD)
    return db


@pytest.fixture
def open_db(tmp_path, monkeypatch) -> Iterator[Database]:
    """Anonymous read-only viewing allowed (the embedded default)."""
    yield from closing(_database(tmp_path, monkeypatch, login_required=False))


@pytest.fixture
def closed_db(tmp_path, monkeypatch) -> Iterator[Database]:
    """A shared deployment: nothing is shown before a login."""
    yield from closing(_database(tmp_path, monkeypatch, login_required=True))


def _app() -> AppTest:
    return dashboard()


def _reachable(at: AppTest) -> set[str]:
    """The pages the navigation lets this session open (AppTest refuses the others)."""
    found = set()
    for path in PAGES:
        try:
            at.switch_page(path)
        except ValueError:
            continue
        found.add(path)
    return found


def _to_login(at: AppTest) -> AppTest:
    """The login page: an entry of the navigation, or the only page when login is required."""
    with contextlib.suppress(ValueError):  # else the login form is the only page
        at.switch_page("login")
    return at.run()


def _login(at: AppTest, name: str, password: str) -> AppTest:
    at = _to_login(at)
    at.text_input(key="login_name").input(name)
    at.text_input(key="login_password").input(password)
    next(b for b in at.button if b.label == "登录").click()
    return at.run()


def test_anonymous_readers_see_the_leaders_pages_only(open_db):
    at = _app()
    assert not at.exception
    assert _reachable(at) == LEADER
    assert any("只读" in c.value for c in at.sidebar.caption)


def test_a_shared_deployment_shows_only_the_login_form(closed_db):
    at = _app()
    assert not at.exception
    assert _reachable(at) == set()
    assert at.text_input(key="login_name") is not None and not at.title


@pytest.mark.parametrize(("name", "pages"), [("leader", LEADER), ("bdb", ANALYST), ("root", ADMIN)])
def test_each_role_opens_only_its_pages(closed_db, name, pages):
    at = _login(_app(), name, PASSWORD)
    assert not at.exception and at.session_state["actor"].name == name
    assert _reachable(at) == pages
    for path in pages:
        at.switch_page(path).run()
        assert not at.exception, (path, at.exception)
        assert PAGES[path] in {t.value for t in at.title}, path
    next(b for b in at.sidebar.button if b.key == "logout").click()
    at.run()
    assert "actor" not in at.session_state and _reachable(at) == set()


def test_wrong_passwords_then_lockout_in_the_form(closed_db):
    at = _app()
    for _ in range(closed_db.catalog.settings.max_failed_logins):
        at = _login(at, "bdb", "wrong password")
        assert "账号或密码错误" in at.error[0].value and "actor" not in at.session_state
    at = _login(at, "bdb", PASSWORD)  # this client is throttled; the words are the same
    assert "账号或密码错误" in at.error[0].value and "too many attempts" in at.error[0].value
    assert "锁定" not in at.error[0].value and "actor" not in at.session_state


def test_a_session_expires_after_the_idle_time(closed_db):
    at = _login(_app(), "bdb", PASSWORD)
    assert _reachable(at) == ANALYST
    idle = closed_db.catalog.settings.session_idle_minutes
    at.session_state["last_seen"] = time.time() - idle * 60 - 1
    at.run()
    assert "actor" not in at.session_state
    assert any(f"{idle} 分钟" in w.value for w in at.warning)  # said on the login form
    assert _reachable(at) == set()


def test_a_disabled_account_is_signed_out_at_once(closed_db):
    at = _login(_app(), "bdb", PASSWORD)
    accounts.disable_user(closed_db, "bdb")
    at.run()
    assert "actor" not in at.session_state and _reachable(at) == set()


def test_the_accounts_table_speaks_the_page_language(closed_db):
    """Issue 17 item 6: headers and roles in Chinese, regions by name, no raw codes."""
    at = _login(_app(), "root", PASSWORD)
    at.switch_page("views/users.py").run()
    assert not at.exception
    frame = at.dataframe[0].value
    assert {"账号", "角色", "责任单位", "状态"} <= set(frame.columns)
    assert not {"name", "role", "disabled"} & set(frame.columns)
    roles = dict(zip(frame["账号"], frame["角色"], strict=True))
    assert roles["root"] != "admin" and roles["bdb"] != "analyst"
    assert set(frame["状态"]) == {"启用"}
