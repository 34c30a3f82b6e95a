"""Accounts and permissions: only the responsible unit writes its numbers, through
every interface; repeated failed logins throttle the client; downloads cannot run formulas."""

from __future__ import annotations

from datetime import timedelta

import pandas as pd
import pytest
from sqlalchemy import func, select

from db import accounts
from db.audit import now
from db.models import AuditEntry, Observation, User
from db.permissions import Actor, PermissionDenied
from db.sync import sync_catalog
from db.undo import undo_import
from db.writes import enter_value, import_file
from metrics.exports import neutralise, to_csv_bytes, to_xlsx_bytes
from tests.conftest import run_cli

SHARE = "heze-2023-digital-gov.data-service-share"  # 市大数据局, city level
STATIONS = "heze-2023-digital-gov.base-stations"  # 市工业和信息化局, adds up over counties
PASSWORD = "correct horse battery"

ACTORS = {
    "viewer": Actor("leader", "viewer"),
    "analyst_right_unit": Actor("bdb", "analyst", units=("市大数据局",)),
    "analyst_other_unit": Actor("miit", "analyst", units=("市工业和信息化局",)),
    "county_analyst_right_county": Actor(
        "mudan", "analyst", units=("市工业和信息化局",), regions=("371702",)
    ),
    "county_analyst_other_county": Actor(
        "cao", "analyst", units=("市工业和信息化局",), regions=("371721",)
    ),
    "disabled_admin": Actor("gone", "admin", disabled=True),
    "admin": Actor("root", "admin"),
}

# (actor, indicator, region) → may write?
MATRIX = [
    ("viewer", SHARE, "371700", False),
    ("analyst_right_unit", SHARE, "371700", True),
    ("analyst_other_unit", SHARE, "371700", False),
    ("analyst_other_unit", STATIONS, "371702", True),
    ("county_analyst_right_county", STATIONS, "371702", True),
    ("county_analyst_right_county", STATIONS, "371700", False),
    ("county_analyst_other_county", STATIONS, "371702", False),
    ("disabled_admin", SHARE, "371700", False),
    ("admin", STATIONS, "371721", True),
]


def _observations(db) -> int:
    with db.read() as conn:
        return conn.scalar(select(func.count()).select_from(Observation))


@pytest.mark.parametrize(("who", "indicator", "region", "allowed"), MATRIX)
def test_entry_permission_matrix(db, who, indicator, region, allowed):
    report = enter_value(
        db, ACTORS[who], indicator, region, "2024Q4", "40"
    )  # 1 would read as a fraction
    assert report.written is allowed
    if not allowed:
        [error] = report.errors
        assert ACTORS[who].name in error["message"]
        assert _observations(db) == 0


@pytest.mark.parametrize(("who", "indicator", "region", "allowed"), MATRIX)
def test_import_permission_matrix(db, who, indicator, region, allowed):
    # 40, not 1: a lone percentage of 1 reads as a fraction and asks for confirmation
    sheet = f"指标编码,地区,统计期,数值\n{indicator},{region},2024Q4,40\n".encode()
    report = import_file(db, sheet, "q.csv", ACTORS[who])
    assert report.written is allowed
    if not allowed:
        assert report.errors[0]["row"] == 2 and report.errors[0]["column"] == "指标编码"
        assert _observations(db) == 0


def test_a_rejected_import_row_says_which_permission_is_missing(db):
    sheet = f"指标编码,地区,统计期,数值\n{STATIONS},371702,2024Q4,1\n{SHARE},,2024Q4,5\n"
    report = import_file(db, sheet.encode(), "q.csv", ACTORS["analyst_other_unit"])
    [error] = report.errors
    assert error["row"] == 3 and "市大数据局" in error["message"]
    assert "responsible units" in error["message"] and not report.written
    skipped = import_file(
        db, sheet.encode(), "q.csv", ACTORS["analyst_other_unit"], skip_invalid=True
    )
    assert skipped.written and skipped.inserted == 1


def test_undo_needs_the_permission_for_every_row(db):
    sheet = f"指标编码,地区,统计期,数值\n{STATIONS},371702,2024Q4,1\n"
    imp = import_file(db, sheet.encode(), "q.csv", ACTORS["county_analyst_right_county"])
    with pytest.raises(PermissionDenied):
        undo_import(db, imp.import_id, ACTORS["county_analyst_other_county"])
    with pytest.raises(PermissionDenied):
        undo_import(db, imp.import_id, ACTORS["viewer"])
    assert _observations(db) == 1
    assert undo_import(db, imp.import_id, ACTORS["county_analyst_right_county"]).deleted == 1


@pytest.mark.parametrize("who", ["viewer", "analyst_right_unit", "disabled_admin"])
def test_catalog_sync_and_user_management_are_for_admins(db, who):
    with pytest.raises(PermissionDenied):
        sync_catalog(db, ACTORS[who])
    with pytest.raises(PermissionDenied):
        accounts.add_user(db, "x", "viewer", PASSWORD, actor=ACTORS[who])
    with pytest.raises(PermissionDenied):
        accounts.disable_user(db, "x", actor=ACTORS[who])


def test_every_write_names_a_real_account_in_the_audit_log(db):
    accounts.add_user(db, "bdb", "analyst", PASSWORD, units=["市大数据局"])
    actor = accounts.get_actor(db, "bdb")
    enter_value(db, actor, SHARE, "371700", "2024Q4", "40")
    enter_value(db, actor, SHARE, "371700", "2024Q4", "41")
    with db.read() as conn:
        obs = conn.execute(select(Observation.created_by, Observation.updated_by)).one()
        log = conn.execute(
            select(AuditEntry.user_name, AuditEntry.action, AuditEntry.detail).where(
                AuditEntry.action == "entry"
            )
        ).all()
    assert tuple(obs) == ("bdb", "bdb")
    assert [(u, a, d["old"], d["new"]) for u, a, d in log] == [
        ("bdb", "entry", None, 40.0),
        ("bdb", "entry", 40.0, 41.0),
    ]


# --- accounts and logins ------------------------------------------------------------


def test_passwords_are_argon2id_and_never_stored_plain(db):
    accounts.add_user(db, "admin1", "admin", PASSWORD)
    with db.read() as conn:
        stored = conn.scalar(select(User.password_hash))
    assert stored.startswith("$argon2id$") and PASSWORD not in stored
    assert accounts.authenticate(db, "admin1", PASSWORD).role == "admin"


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"role": "boss"}, "not valid"),
        ({"role": "analyst"}, "at least one responsible unit"),
        ({"role": "analyst", "units": ["市不存在局"]}, "not in the catalog"),
        ({"role": "viewer", "regions": ["999999"]}, "Unknown region"),
        ({"role": "viewer", "password": "short"}, "at least 10 characters"),
    ],
)
def test_bad_account_requests_are_refused_with_a_reason(db, kwargs, words):
    args = {"password": PASSWORD, **kwargs}
    with pytest.raises(accounts.AccountError, match=words):
        accounts.add_user(db, "someone", **args)


def test_five_failed_logins_throttle_that_client_for_that_name(db):
    accounts.add_user(db, "wang", "viewer", PASSWORD)
    start = now()
    for _ in range(5):
        with pytest.raises(accounts.AccountError, match="wrong account name or password"):
            accounts.authenticate(db, "wang", "wrong", now=start, client="a")
    with pytest.raises(accounts.AccountError, match="too many attempts"):
        accounts.authenticate(db, "wang", PASSWORD, now=start + timedelta(minutes=1), client="a")
    # another client is not locked out by the first one's guesses
    assert accounts.authenticate(db, "wang", PASSWORD, now=start, client="b").name == "wang"
    later = start + timedelta(minutes=db.catalog.settings.lockout_minutes + 1)
    assert accounts.authenticate(db, "wang", PASSWORD, now=later, client="a").name == "wang"
    with db.read() as conn:
        failures = conn.scalar(
            select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "login_failed")
        )
    assert failures == 6


def test_unknown_and_disabled_accounts_cannot_log_in(db):
    with pytest.raises(accounts.AccountError, match="wrong account name or password") as ghost:
        accounts.authenticate(db, "ghost", PASSWORD)
    accounts.add_user(db, "old", "analyst", PASSWORD, units=["市大数据局"])
    accounts.disable_user(db, "old")
    with pytest.raises(accounts.AccountError) as disabled:
        accounts.authenticate(db, "old", PASSWORD)
    assert str(disabled.value) == str(ghost.value)  # nothing tells which names exist
    report = enter_value(db, accounts.get_actor(db, "old"), SHARE, "371700", "2024Q4", "1")
    assert not report.written and "disabled" in report.errors[0]["message"]


def test_outdated_hash_parameters_are_rehashed_on_login(db):
    from argon2 import PasswordHasher

    weak = PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1)
    accounts.add_user(db, "old", "viewer", PASSWORD)
    with db.write() as conn:
        conn.execute(User.__table__.update().values(password_hash=weak.hash(PASSWORD)))
    accounts.authenticate(db, "old", PASSWORD)
    with db.read() as conn:
        rehashed = conn.scalar(select(User.password_hash))
    assert not accounts.HASHER.check_needs_rehash(rehashed)


# --- the command line ----------------------------------------------------------------


def test_cli_users_and_import_permissions(tmp_path, small_catalog_path):
    add = run_cli(
        tmp_path,
        small_catalog_path,
        "user",
        "add",
        "miit",
        "--role",
        "analyst",
        "--unit",
        "市工业和信息化局",
        "--password-stdin",
        stdin=PASSWORD + "\n",
    )
    assert add.returncode == 0, add.stderr
    listed = run_cli(tmp_path, small_catalog_path, "user", "list")
    assert "miit\tanalyst\tactive\t市工业和信息化局" in listed.stdout
    assert PASSWORD not in listed.stdout
    sheet = tmp_path / "q.csv"
    sheet.write_text(f"指标编码,统计期,数值\n{SHARE},2024Q4,50\n", encoding="utf-8")
    refused = run_cli(tmp_path, small_catalog_path, "import", str(sheet), "--user", "miit")
    assert refused.returncode == 1 and "市大数据局" in refused.stdout
    unknown = run_cli(tmp_path, small_catalog_path, "import", str(sheet), "--user", "nobody")
    assert unknown.returncode == 1 and "Unknown account" in unknown.stderr
    local = run_cli(tmp_path, small_catalog_path, "import", str(sheet))  # the local operator
    assert local.returncode == 0
    viewer = run_cli(
        tmp_path,
        small_catalog_path,
        "user",
        "add",
        "v",
        "--role",
        "viewer",
        "--password-stdin",
        "--user",
        "miit",
        stdin=PASSWORD + "\n",
    )
    assert viewer.returncode == 1 and "administrator" in viewer.stderr
    no_stdin = run_cli(tmp_path, small_catalog_path, "user", "add", "v", "--role", "viewer")
    assert no_stdin.returncode == 1 and "--password-stdin" in no_stdin.stderr


# --- downloads cannot run formulas ------------------------------------------------------


@pytest.mark.parametrize(
    "cell", ['=HYPERLINK("http://x")', "+1+1", "-2+3", "@SUM(A1)", "\tx", "\rx"]
)
def test_formula_cells_are_neutralised(cell):
    frame = pd.DataFrame({"备注": [cell, "普通备注"], "数值": [-5.0, 1.0]})
    safe = neutralise(frame)
    assert safe["备注"][0] == "'" + cell and safe["备注"][1] == "普通备注"
    assert safe["数值"][0] == -5.0  # numbers are not formulas
    assert to_csv_bytes(frame).decode("utf-8-sig").splitlines()[1].startswith(("'", "\"'"))
    import io

    import openpyxl

    book = openpyxl.load_workbook(io.BytesIO(to_xlsx_bytes(frame)))
    value = book.active["A2"].value
    assert value.startswith("'") and book.active["A2"].data_type == "s"
