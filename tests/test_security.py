"""Security and failure hardening (issue 14): each test reproduces an attack or a fault a
hostile tester found and checks that it is now defended."""

from __future__ import annotations

import os
from datetime import date
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
from db.undo import undo_import
from db.writes import enter_value, import_file
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


# --- 7. resource abuse: caches and uploads --------------------------------------------------


@pytest.fixture
def dashboard_db(tmp_path, small_catalog_path, monkeypatch):
    """The database the dashboard's pages use (views.common.get_db), on the small catalog."""
    from views import common

    monkeypatch.setenv("METRICS_CONFIG", str(small_catalog_path))
    monkeypatch.setenv("METRICS_DATABASE_URL", f"sqlite:///{tmp_path / 'dash.db'}")
    common.get_db.clear()
    database = common.get_db()
    yield database
    database.engine.dispose()
    common.get_db.clear()


def test_anonymous_sign_in_attempts_trigger_no_cache_clearing(dashboard_db):
    """Failed sign-ins write (audit, failure counts) but change no data: no listener runs."""
    from db import sessions

    calls: list[int] = []
    dashboard_db.on_write(lambda: calls.append(1))
    accounts.add_user(dashboard_db, "wang", "viewer", PASSWORD)
    for name in ("wang", "ghost", "x" * 200):
        _failure(dashboard_db, name, "wrong password")
    assert sessions.claim(dashboard_db, "forged-code") is None
    assert sessions.resume(dashboard_db, "forged-token").actor is None
    assert calls == []
    enter_value(dashboard_db, Actor("root", "admin"), SHARE, "371700", "2024Q1", "30")
    assert calls == [1]  # a data write does


def test_a_data_write_clears_the_data_reads_only(dashboard_db):
    import streamlit as st

    from views import common

    computed: list[int] = []

    @st.cache_data
    def unrelated() -> int:  # e.g. the county outlines or an import template
        computed.append(1)
        return len(computed)

    unrelated()
    common.status(date.today())
    enter_value(dashboard_db, Actor("root", "admin"), SHARE, "371700", "2024Q1", "30")
    unrelated()
    assert computed == [1]  # still cached: a data write cleared only the data reads
    assert 30.0 in set(common.status(date.today())["latest_value"].dropna())


def _boot_server(tmp_path: Path, script: str):  # type: ignore[no-untyped-def]
    """`streamlit run SCRIPT` on a copy of config.yaml with login_required: true."""
    import shutil

    from tests.browser_helpers import Server
    from tests.conftest import CONFIG

    config = tmp_path / "config.yaml"
    shutil.copy(CONFIG, config)
    text = config.read_text(encoding="utf-8").replace(
        "login_required: false", "login_required: true"
    )
    config.write_text(text, encoding="utf-8")
    env = dict(os.environ)
    env.update(
        METRICS_CONFIG=str(config),
        METRICS_DATABASE_URL=f"sqlite:///{tmp_path / 'metrics.db'}",
        STREAMLIT_BROWSER_GATHER_USAGE_STATS="false",
        PYTHONUNBUFFERED="1",
    )
    open_database(load_catalog(config), env["METRICS_DATABASE_URL"]).engine.dispose()
    server = Server(env=env, log_path=tmp_path / f"{script}.log", script=script)
    server.start()
    return server, config, env["METRICS_DATABASE_URL"]


class _Client:
    """A client that speaks Streamlit's websocket protocol directly, as an attacker can."""

    def __init__(self, base: str, cookies: dict[str, str] | None = None) -> None:
        import urllib.request

        from websockets.sync.client import connect

        with urllib.request.urlopen(f"{base}/_stcore/health", timeout=10) as reply:
            xsrf = reply.headers["set-cookie"].split(";")[0].split("=", 1)[1]
        self.base, self.xsrf = base, xsrf
        self.cookies = {"_streamlit_xsrf": xsrf, **(cookies or {})}
        self.ws = connect(
            base.replace("http", "ws", 1) + "/_stcore/stream",
            subprotocols=["streamlit"],
            additional_headers={"Cookie": self._cookie_header()},
        )
        self.session_id = ""

    def _cookie_header(self) -> str:
        return "; ".join(f"{k}={v}" for k, v in self.cookies.items())

    def send(self, **fields) -> None:  # type: ignore[no-untyped-def]
        from streamlit.proto.BackMsg_pb2 import BackMsg

        msg = BackMsg()
        if "query" in fields:
            msg.rerun_script.query_string = fields["query"]
        if fields.get("clear_cache"):
            msg.clear_cache = True
        self.ws.send(msg.SerializeToString())

    def run(self, query: str = "") -> bytes:
        """One page run; every ForwardMsg's bytes until the script finished."""
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        self.send(query=query)
        seen = b""
        while True:
            data = self.ws.recv(timeout=60)
            msg = ForwardMsg()
            msg.ParseFromString(data)
            seen += data
            if msg.WhichOneof("type") == "new_session":
                self.session_id = msg.new_session.initialize.session_id
            if msg.WhichOneof("type") == "script_finished":
                return seen

    def upload(self, size: int) -> int:
        import uuid

        import httpx

        reply = httpx.put(
            f"{self.base}/_stcore/upload_file/{self.session_id}/{uuid.uuid4().hex}",
            files={"file": ("big.csv", b"x" * size, "text/csv")},
            headers={"X-Xsrftoken": self.xsrf, "Cookie": self._cookie_header()},
            timeout=60,
        )
        return reply.status_code


@pytest.mark.parametrize("script", ["serve.py", "dashboard.py"])
def test_strangers_can_neither_clear_the_caches_nor_park_uploads(tmp_path, script):
    """Streamlit answers any client's clear_cache (every cache of every user, and the
    session's state) and takes uploads from any session; serve.py refuses both.
    dashboard.py is the unguarded control: the same attacks work there."""
    pytest.importorskip("websockets")
    from db import sessions

    server, config, url = _boot_server(tmp_path, script)
    try:
        stranger = _Client(server.url)
        assert b"Not signed in" in stranger.run("lang=en")  # the session state says "en"
        stranger.send(clear_cache=True)
        after = stranger.run("")  # no ?lang: the language comes from the session state
        status = stranger.upload(5 * 1024 * 1024)
        # a signed-in browser (a valid metrics_session cookie) uploads as before
        database = open_database(load_catalog(config), url)
        accounts.add_user(database, "bdb", "analyst", PASSWORD, units=["371700:市大数据局"])
        code = sessions.start(database, accounts.get_actor(database, "bdb"), "test")
        token, _ends = sessions.claim(database, code)
        database.engine.dispose()
        member = _Client(server.url, {sessions.COOKIE: token})
        member.run("")
        assert member.upload(1024) == 204
    finally:
        server.stop()
    if script == "serve.py":
        assert b"Not signed in" in after and "未登录".encode() not in after
        assert status == 403
        assert "dropped a clear_cache request" in server.log_path.read_text(encoding="utf-8")
    else:  # the attack reproduced without the guard
        assert "未登录".encode() in after and status == 204


def test_no_page_offers_an_uploader_to_a_signed_out_reader(tmp_path, monkeypatch):
    from tests.test_dashboard_accounts import _app, _database, _reachable

    for login_required in (False, True):
        (tmp_path / str(login_required)).mkdir()
        _database(tmp_path / str(login_required), monkeypatch, login_required).engine.dispose()
        at = _app()
        assert not at.get("file_uploader")
        for path in _reachable(at):
            at.switch_page(path).run()
            assert not at.exception and not at.get("file_uploader"), path


# --- restore on both backends, with another process's Database open ----------------------------


def test_backup_change_restore_on_each_backend_with_another_handle_open(db, tmp_path):
    """`metrics restore` (db.backup.restore) on SQLite and PostgreSQL (its own schema): the
    change made after the backup is gone, and a second Database on the same data, open
    and used throughout (a running dashboard), reads the restored state and writes on."""
    admin = Actor("root", "admin")
    other = open_database(db.catalog, db.url)  # another process's handle, kept open
    try:
        enter_value(db, admin, SHARE, "371700", "2024Q1", "30")
        assert [v for v, _s, _i in _stored(other)] == [30.0]
        copy = backup(db, tmp_path / "copy.backup")
        enter_value(other, admin, SHARE, "371700", "2024Q2", "40")  # after the backup
        restore(db, copy)
        assert [v for v, _s, _i in _stored(db)] == [30.0]
        assert [v for v, _s, _i in _stored(other)] == [30.0]  # the open handle sees it
        assert other.file_problem() is None
        assert enter_value(other, admin, SHARE, "371700", "2024Q3", "45").written
        assert [v for v, _s, _i in _stored(db)] == [30.0, 45.0]
    finally:
        other.engine.dispose()
