"""Security and failure hardening (issue 14): each test reproduces an attack or a fault a
hostile tester found and checks that it is now defended."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from sqlalchemy import exc as sa_exc
from sqlalchemy import func, select

from db import accounts, audit
from db.backup import backup, restore
from db.connect import open_database
from db.engine import DatabaseReplaced
from db.models import AuditEntry, Observation
from db.permissions import Actor, PermissionDenied
from db.writes import enter_value, import_file, undo_import
from metrics.catalog import load_catalog
from tests.conftest import SMALL_CATALOG

SHARE = "heze-2023-digital-gov.data-service-share"  # Heze, 市大数据局
STATIONS = "heze-2023-digital-gov.base-stations"  # Heze, 市工业和信息化局
JINAN = "jinan-2025.data-share"  # Jinan, also 市大数据局
PASSWORD = "correct horse battery"

JINAN_PLAN = """\
  - id: jinan-2025
    title: 济南市全面数字化转型方案
    issuer: 济南市人民政府
    issued: 2025-01-01
    region: "370100"
"""
JINAN_INDICATOR = """\
  - id: jinan-2025.data-share
    plan: jinan-2025
    name: 数据共享率
    name_en: Data sharing rate
    domain: 数据资源
    unit: "%"
    targets:
      - {op: ">=", value: 90, by: 2027-12-31}
    responsible: [市大数据局]
    quote: 数据共享率达90%
"""


@pytest.fixture
def two_cities(tmp_path: Path, db_url: str):
    """The small catalog plus a Jinan plan whose indicator is also 市大数据局's."""
    text = SMALL_CATALOG.replace("plans:\n", "plans:\n" + JINAN_PLAN) + JINAN_INDICATOR
    path = tmp_path / "two.yaml"
    path.write_text(text, encoding="utf-8")
    database = open_database(load_catalog(path), db_url)
    yield database
    database.engine.dispose()


def _sheet(*rows: str) -> bytes:
    return ("指标编码,地区,统计期,数值,来源\n" + "".join(r + "\n" for r in rows)).encode()


def _stored(db, indicator: str = SHARE) -> list[tuple]:
    with db.read() as conn:
        return conn.execute(
            select(Observation.value, Observation.source, Observation.import_id)
            .where(Observation.indicator_id == indicator)
            .order_by(Observation.period_end)
        ).all()


# --- 1. the SQLite file replaced or deleted under a running process ---------------------


@pytest.fixture
def sqlite_db(tmp_path: Path, small_catalog):
    database = open_database(small_catalog, f"sqlite:///{tmp_path / 'live.db'}")
    yield database
    database.engine.dispose()


@pytest.mark.parametrize("fault", ["deleted", "replaced"])
def test_a_write_into_a_replaced_database_file_is_refused(sqlite_db, tmp_path, fault):
    live = tmp_path / "live.db"
    assert enter_value(sqlite_db, Actor("root", "admin"), SHARE, "371700", "2024Q1", "30").written
    backup(sqlite_db, tmp_path / "copy.db")
    if fault == "deleted":
        for suffix in ("", "-wal", "-shm"):
            Path(f"{live}{suffix}").unlink(missing_ok=True)
    else:  # a restore by mv
        os.replace(tmp_path / "copy.db", live)
    assert sqlite_db.file_problem() is not None
    with pytest.raises(DatabaseReplaced) as refused:
        enter_value(sqlite_db, Actor("root", "admin"), SHARE, "371700", "2024Q2", "40")
    assert "重新打开" in str(refused.value) and "reopen" in str(refused.value)
    with pytest.raises(DatabaseReplaced):
        import_file(sqlite_db, _sheet(f"{SHARE},371700,2024Q3,50,"), "q.csv")
    if fault == "replaced":  # reopened, the restored file takes writes again
        reopened = open_database(sqlite_db.catalog, sqlite_db.url)
        assert reopened.file_problem() is None
        assert enter_value(
            reopened, Actor("root", "admin"), SHARE, "371700", "2024Q2", "40"
        ).written
        assert [v for v, _s, _i in _stored(reopened)] == [30.0, 40.0]
        reopened.engine.dispose()


def test_restore_writes_into_the_open_file_so_running_processes_see_it(sqlite_db, tmp_path):
    admin = Actor("root", "admin")
    enter_value(sqlite_db, admin, SHARE, "371700", "2024Q1", "30")
    backup(sqlite_db, tmp_path / "copy.db")
    enter_value(sqlite_db, admin, SHARE, "371700", "2024Q2", "40")
    restore(sqlite_db, tmp_path / "copy.db")
    assert sqlite_db.file_problem() is None
    assert [v for v, _s, _i in _stored(sqlite_db)] == [30.0]
    assert enter_value(sqlite_db, admin, SHARE, "371700", "2024Q3", "45").written


def test_restore_refuses_a_file_that_is_not_a_good_backup(sqlite_db, tmp_path):
    bad = tmp_path / "bad.db"
    bad.write_bytes(b"not a database" * 100)
    enter_value(sqlite_db, Actor("root", "admin"), SHARE, "371700", "2024Q1", "30")
    with pytest.raises(Exception, match="备份|backup"):
        restore(sqlite_db, bad)
    assert [v for v, _s, _i in _stored(sqlite_db)] == [30.0]


# --- 2. unit permissions scoped to one city ----------------------------------------------


def test_an_ambiguous_unit_without_a_city_is_refused_listing_the_cities(two_cities):
    with pytest.raises(accounts.AccountError) as refused:
        accounts.add_user(two_cities, "hz", "analyst", PASSWORD, units=["市大数据局"])
    message = str(refused.value)
    assert "菏泽市" in message and "济南市" in message and ":市大数据局" in message


@pytest.mark.parametrize(
    ("units", "regions"),
    [(["371700:市大数据局"], []), (["市大数据局"], ["371700"])],
)
def test_a_city_scoped_unit_writes_only_that_citys_indicators(two_cities, units, regions):
    actor = accounts.add_user(two_cities, "hz", "analyst", PASSWORD, units=units, regions=regions)
    region = regions[0] if regions else "371700"
    assert import_file(two_cities, _sheet(f"{SHARE},{region},2024Q4,50,"), "hz.csv", actor).written
    jinan = import_file(two_cities, _sheet(f"{JINAN},370100,2024Q4,50,"), "jn.csv", actor)
    assert not jinan.written and "hz" in jinan.errors[0]["message"]
    assert _stored(two_cities, JINAN) == []


def test_a_qualified_unit_of_the_wrong_city_is_refused(two_cities):
    with pytest.raises(accounts.AccountError, match="999999"):
        accounts.add_user(two_cities, "x", "analyst", PASSWORD, units=["999999:市大数据局"])


def test_an_old_binding_works_where_unambiguous_and_not_where_ambiguous(two_cities):
    miit = Actor("miit", "analyst", units=("市工业和信息化局",))  # one city only
    assert enter_value(two_cities, miit, STATIONS, "371702", "2024Q4", "1").written
    old = Actor("old", "analyst", units=("市大数据局",))  # made before cities were told apart
    for indicator, region in ((SHARE, "371700"), (JINAN, "370100")):
        report = enter_value(two_cities, old, indicator, region, "2024Q4", "1")
        assert not report.written and "菏泽市" in report.errors[0]["message"]


# --- 3. undo integrity ---------------------------------------------------------------------


def test_undo_checks_permission_even_when_the_import_has_no_current_rows(db):
    first = import_file(db, _sheet(f"{SHARE},371700,2024Q4,10,"), "a.csv").import_id
    import_file(db, _sheet(f"{SHARE},371700,2024Q4,20,"), "b.csv")
    for who in (Actor("leader", "viewer"), Actor("miit", "analyst", units=("市工业和信息化局",))):
        with pytest.raises(PermissionDenied):
            undo_import(db, first, who)
    with db.read() as conn:
        assert conn.scalar(select(func.count()).where(AuditEntry.action == "undo")) == 0


@pytest.mark.parametrize("order", ["a_then_b", "b_then_a"])
def test_undoing_two_imports_of_one_key_in_any_order_restores_what_was_before(db, order):
    admin = Actor("root", "admin")
    enter_value(db, admin, SHARE, "371700", "2024Q4", "5", source="统计局原始第一版")
    before = _stored(db)
    a = import_file(db, _sheet(f"{SHARE},371700,2024Q4,10,来源A"), "a.csv").import_id
    b = import_file(db, _sheet(f"{SHARE},371700,2024Q4,20,来源B"), "b.csv").import_id
    first, second = (a, b) if order == "a_then_b" else (b, a)
    undo_import(db, first)
    after_first = _stored(db)
    # a consistent state: the value shown belongs to an import that is still in force
    assert after_first == ([(20.0, "来源B", b)] if first == a else [(10.0, "来源A", a)])
    undo_import(db, second)
    assert _stored(db) == before == [(5.0, "统计局原始第一版", None)]


def test_undoing_two_imports_that_created_a_key_deletes_it(db):
    a = import_file(db, _sheet(f"{SHARE},371700,2024Q4,10,A"), "a.csv").import_id
    b = import_file(db, _sheet(f"{SHARE},371700,2024Q4,20,B"), "b.csv").import_id
    undo_import(db, a)
    undo_import(db, b)
    assert _stored(db) == []


def test_revisions_keep_the_source(db):
    from db.models import Revision

    import_file(db, _sheet(f"{SHARE},371700,2024Q4,10,旧来源"), "a.csv")
    b = import_file(db, _sheet(f"{SHARE},371700,2024Q4,20,新来源"), "b.csv").import_id
    with db.read() as conn:
        rev = conn.execute(select(Revision.old_source, Revision.new_source)).one()
    assert tuple(rev) == ("旧来源", "新来源")
    undo_import(db, b)
    assert _stored(db)[0][:2] == (10.0, "旧来源")


# --- 4. account enumeration and lockout abuse ----------------------------------------------


def test_an_unknown_name_costs_a_hash_verification_like_a_known_one(db, monkeypatch):
    calls: list[str] = []
    real = accounts.HASHER

    class Spy:
        def verify(self, stored: str, password: str) -> bool:
            calls.append(stored)
            return real.verify(stored, password)

        def __getattr__(self, name: str):
            return getattr(real, name)

    monkeypatch.setattr(accounts, "HASHER", Spy())
    accounts.add_user(db, "wang", "viewer", PASSWORD)
    for name in ("ghost", "wang"):
        with pytest.raises(accounts.AccountError):
            accounts.authenticate(db, name, "wrong password")
    assert len(calls) == 2 and all(h.startswith("$argon2id$") for h in calls)


def _failure(db, name: str, password: str, client: str = "10.0.0.1") -> str:
    with pytest.raises(accounts.AccountError) as failed:
        accounts.authenticate(db, name, password, client=client)
    return str(failed.value)


def test_every_login_failure_says_the_same(db):
    accounts.add_user(db, "wang", "viewer", PASSWORD)
    accounts.add_user(db, "old", "viewer", PASSWORD)
    accounts.disable_user(db, "old")
    wrong = _failure(db, "wang", "wrong password")
    assert _failure(db, "ghost", PASSWORD) == wrong
    assert _failure(db, "old", PASSWORD) == wrong  # disabled
    for _ in range(db.catalog.settings.max_failed_logins):
        _failure(db, "wang", "wrong password", client="10.9.9.9")
    assert _failure(db, "wang", PASSWORD, client="10.9.9.9") == wrong  # throttled
    for word in ("locked", "锁定", "disabled", "停用"):
        assert word not in wrong


def test_strangers_cannot_lock_out_the_admin(db):
    accounts.add_user(db, "admin", "admin", PASSWORD)
    for _ in range(db.catalog.settings.max_failed_logins * 2):
        _failure(db, "admin", "guess", client="203.0.113.7")
    # the attacker's own client is throttled, even with the right password …
    _failure(db, "admin", PASSWORD, client="203.0.113.7")
    # … but the admin, from elsewhere, signs in
    assert accounts.authenticate(db, "admin", PASSWORD, client="10.0.0.2").role == "admin"


def test_a_throttle_ends_after_the_lockout_time(db):
    accounts.add_user(db, "wang", "viewer", PASSWORD)
    start = audit.now()
    for _ in range(db.catalog.settings.max_failed_logins):
        with pytest.raises(accounts.AccountError):
            accounts.authenticate(db, "wang", "wrong", now=start, client="c")
    with pytest.raises(accounts.AccountError):
        accounts.authenticate(db, "wang", PASSWORD, now=start, client="c")
    from datetime import timedelta

    later = start + timedelta(minutes=db.catalog.settings.lockout_minutes + 1)
    assert accounts.authenticate(db, "wang", PASSWORD, now=later, client="c").name == "wang"


def test_a_huge_or_secret_looking_name_is_not_stored_in_the_audit_log(db):
    _failure(db, "x" * 1_000_000, PASSWORD)
    _failure(db, "MySecretPassw0rd!", "")  # a password typed into the name field
    with db.read() as conn:
        rows = conn.execute(select(AuditEntry.user_name, AuditEntry.detail)).all()
    text = repr(rows)
    assert len(text) < 2_000 and "MySecretPassw0rd!" not in text and "xxxxxxxxxx" not in text


def test_a_login_works_when_the_database_cannot_be_written(db, monkeypatch):
    accounts.add_user(db, "wang", "viewer", PASSWORD)

    def full_disk(*_a, **_k):
        raise sa_exc.OperationalError("INSERT", {}, Exception("database or disk is full"))

    monkeypatch.setattr(accounts.audit, "record", full_disk)
    assert accounts.authenticate(db, "wang", PASSWORD).name == "wang"
    assert "wrong account name or password" in _failure(db, "wang", "wrong")


# --- 5. sessions end on password change and disable -----------------------------------------


@pytest.mark.parametrize("change", ["passwd", "disable"])
def test_a_password_change_or_disable_ends_other_sessions(db, change):
    accounts.add_user(db, "wang", "viewer", PASSWORD)
    session = accounts.authenticate(db, "wang", PASSWORD)
    assert accounts.session_valid(db, session)
    if change == "passwd":
        accounts.set_password(db, "wang", "another long password")
    else:
        accounts.disable_user(db, "wang")
    assert not accounts.session_valid(db, session)
    if change == "passwd":
        fresh = accounts.authenticate(db, "wang", "another long password")
        assert accounts.session_valid(db, fresh)


# --- 9. passwords of blanks -----------------------------------------------------------------


@pytest.mark.parametrize("password", [" " * 10, "\t" * 12, "　" * 10])
def test_a_password_of_blanks_is_refused(db, password):
    with pytest.raises(accounts.AccountError, match="at least 10"):
        accounts.add_user(db, "wang", "viewer", password)


def test_the_restore_command_puts_a_backup_back(tmp_path, small_catalog_path):
    from tests.conftest import run_cli

    first, second = tmp_path / "first.csv", tmp_path / "second.csv"
    first.write_bytes(_sheet(f"{SHARE},371700,2024Q1,30,"))
    second.write_bytes(_sheet(f"{SHARE},371700,2024Q2,40,"))
    assert run_cli(tmp_path, small_catalog_path, "import", str(first)).returncode == 0
    assert run_cli(tmp_path, small_catalog_path, "backup", str(tmp_path / "b.db")).returncode == 0
    assert run_cli(tmp_path, small_catalog_path, "import", str(second)).returncode == 0
    done = run_cli(tmp_path, small_catalog_path, "restore", str(tmp_path / "b.db"))
    assert done.returncode == 0 and "恢复" in done.stdout
    db = open_database(load_catalog(small_catalog_path), f"sqlite:///{tmp_path / 'cli.db'}")
    assert [v for v, _s, _i in _stored(db)] == [30.0]
    db.engine.dispose()
    bad = tmp_path / "bad.db"
    bad.write_bytes(b"x" * 4096)
    refused = run_cli(tmp_path, small_catalog_path, "restore", str(bad))
    assert refused.returncode == 1 and "backup" in refused.stdout + refused.stderr


def test_the_dashboard_refuses_writes_after_a_restore_by_mv(
    tmp_path, small_catalog_path, monkeypatch
):
    """Not reopened: SQLite would apply the old file's -wal to the moved-in copy (seen:
    the restored file then held the value written after the backup)."""
    from views import common

    live = tmp_path / "dash.db"
    monkeypatch.setenv("METRICS_CONFIG", str(small_catalog_path))
    monkeypatch.setenv("METRICS_DATABASE_URL", f"sqlite:///{live}")
    common.get_db.clear()
    db = common.get_db()
    enter_value(db, Actor("root", "admin"), SHARE, "371700", "2024Q1", "30")
    backup(db, tmp_path / "copy.db")
    assert common.database_problem() is None
    os.replace(tmp_path / "copy.db", live)  # a restore by mv under the running dashboard
    assert "replaced" in common.database_problem()
    with pytest.raises(DatabaseReplaced):
        enter_value(common.get_db(), Actor("root", "admin"), SHARE, "371700", "2024Q3", "50")
    db.engine.dispose()
    common.get_db.clear()


# --- 8. failure handling ----------------------------------------------------------------------


def test_anonymous_users_never_see_tracebacks():
    import tomllib

    from tests.conftest import ROOT

    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["client"]["showErrorDetails"] == "none"


@pytest.mark.parametrize(
    "error",
    [
        sa_exc.OperationalError(
            "UPDATE users SET password_hash=? WHERE users.name = ?",
            ("$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA", "wang"),
            Exception("database or disk is full"),
        ),
        sa_exc.IntegrityError(
            "INSERT INTO users (name, password_hash) VALUES (?, ?)",
            ("wang", "$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA"),
            Exception("UNIQUE constraint failed: users.name"),
        ),
    ],
)
def test_the_cli_never_prints_sql_or_its_parameters(capsys, monkeypatch, error):
    from cli.errors import report_error

    monkeypatch.delenv("METRICS_DEBUG", raising=False)
    assert report_error(error) == 1
    printed = capsys.readouterr().err
    assert type(error).__name__ in printed and "数据未改变" in printed
    for secret in ("argon2", "password_hash", "UPDATE", "INSERT", "wang", "?"):
        assert secret not in printed, secret


def _unwritable(database, fault: str) -> None:
    """Every write of this engine fails as SQLite fails on a read-only file or a full
    disk (root ignores file modes, so the fault is set on each connection)."""
    import sqlite3

    from sqlalchemy import event

    if fault == "read-only":

        @event.listens_for(database.engine, "connect")
        def _query_only(dbapi_conn, _record) -> None:  # type: ignore[no-untyped-def]
            dbapi_conn.execute("PRAGMA query_only=ON")

    else:

        @event.listens_for(database.engine, "before_cursor_execute")
        def _full(_conn, _cursor, statement, *_rest) -> None:  # type: ignore[no-untyped-def]
            if statement.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE")):
                raise sqlite3.OperationalError("database or disk is full")

    database.engine.dispose()  # the pooled connections go; new ones get the fault


@pytest.mark.parametrize("fault", ["read-only", "full disk"])
def test_an_unwritable_database_fails_writes_with_one_message(sqlite_db, fault):
    accounts.add_user(sqlite_db, "wang", "admin", PASSWORD)
    _unwritable(sqlite_db, fault)
    assert accounts.authenticate(sqlite_db, "wang", PASSWORD).name == "wang"  # reads go on
    assert _stored(sqlite_db) == []
    with pytest.raises(Exception) as refused:
        enter_value(sqlite_db, Actor("wang", "admin"), SHARE, "371700", "2024Q1", "30")
    from db.engine import DatabaseUnwritable

    assert isinstance(refused.value, DatabaseUnwritable)
    assert "无法写入" in str(refused.value) and "cannot be written" in str(refused.value)
    with pytest.raises(DatabaseUnwritable):
        import_file(sqlite_db, _sheet(f"{SHARE},371700,2024Q3,50,"), "q.csv")


@pytest.mark.parametrize("fault", ["read-only", "full disk"])
def test_the_dashboard_reads_and_signs_in_on_an_unwritable_database(tmp_path, monkeypatch, fault):
    import streamlit as st

    from tests.test_dashboard_accounts import _app, _database, _login
    from views import common

    _database(tmp_path, monkeypatch, login_required=True).engine.dispose()
    _unwritable(common.get_db(), fault)
    try:
        at = _login(_app(), "bdb", PASSWORD)  # every sign-in writes (audit): it fails
        assert not at.exception and at.session_state["actor"].name == "bdb"
        at.switch_page("views/overview.py").run()
        assert not at.exception and "总览" in {t.value for t in at.title}
        at.switch_page("views/entry.py").run()
        lang = at.session_state["lang"]
        at.selectbox(key=f"entry.unit.{lang}").set_value("").run()
        at.selectbox(key=f"entry.indicator.{lang}").set_value(SHARE)
        at.selectbox(key=f"entry.region.{lang}").set_value("371700")
        at.text_input(key="entry.period").input("2025Q3")
        at.text_input(key="entry.value").input("65%")
        at.button(key="entry.submit").click()
        at.run()
        assert not at.exception
        shown = " ".join(e.value for e in at.error)
        assert "数据库无法写入" in shown and "Traceback" not in shown
        assert at.text_input(key="entry.value").value == "65%"  # kept for another try
        assert _stored(common.get_db()) == []
    finally:
        common.get_db().engine.dispose()
        st.cache_resource.clear()


def test_a_database_file_opened_read_only_is_read_and_refuses_writes(tmp_path, small_catalog):
    from db.engine import DatabaseUnwritable

    path = tmp_path / "ro.db"
    open_database(small_catalog, f"sqlite:///{path}").engine.dispose()
    database = open_database(small_catalog, f"sqlite:///file:{path}?mode=ro&uri=true")
    try:
        assert _stored(database) == []
        with pytest.raises(DatabaseUnwritable):
            enter_value(database, Actor("root", "admin"), SHARE, "371700", "2024Q1", "30")
    finally:
        database.engine.dispose()
