"""db/pending.py: one previewed, unwritten file per account (issue 14 item 5), kept so a
reload brings the import preview back; only the account itself sees or discards it, and
its size is bounded like the upload's."""

from __future__ import annotations

from dataclasses import replace

import pytest

from db.pending import discard_pending, load_pending, save_options, save_pending
from db.permissions import Actor
from metrics.errors import InvalidInput, PermissionDenied

ANA = Actor("ana", "analyst", units=("市大数据局",))
BOB = Actor("bob", "analyst", units=("市大数据局",))
ADMIN = Actor("root", "admin")
DATA = "指标编码,统计期,数值\nx,2024Q3,1\n".encode()


def test_saved_file_comes_back_with_its_options_and_is_replaced_by_the_next(db) -> None:
    assert load_pending(db, ANA) is None
    save_pending(db, ANA, "一季度.csv", DATA, {"sheet": "", "accept_warnings": True})
    got = load_pending(db, ANA)
    assert got is not None
    assert (got.filename, got.data, got.options) == (
        "一季度.csv",
        DATA,
        {"sheet": "", "accept_warnings": True},
    )
    save_pending(db, ANA, "二季度.csv", b"other", {})
    got = load_pending(db, ANA)
    assert (got.filename, got.data, got.options) == ("二季度.csv", b"other", {})


def test_options_change_without_the_file_and_discard_forgets_it(db) -> None:
    assert save_options(db, ANA, {"skip_invalid": True}) is False  # nothing pending
    save_pending(db, ANA, "a.csv", DATA)
    assert save_options(db, ANA, {"mappings": {"Q2": {"columns": {"本季完成": "value"}}}})
    assert load_pending(db, ANA).options == {"mappings": {"Q2": {"columns": {"本季完成": "value"}}}}
    assert load_pending(db, ANA).data == DATA
    assert discard_pending(db, ANA) is True
    assert load_pending(db, ANA) is None
    assert discard_pending(db, ANA) is False


def test_each_account_sees_and_discards_only_its_own_file(db) -> None:
    save_pending(db, ANA, "ana.csv", b"ana")
    save_pending(db, BOB, "bob.csv", b"bob")
    assert load_pending(db, ANA).data == b"ana"
    assert load_pending(db, BOB).data == b"bob"
    assert load_pending(db, ADMIN) is None  # an administrator does not read analysts' drafts
    discard_pending(db, ADMIN)
    discard_pending(db, BOB)
    assert load_pending(db, ANA).data == b"ana"
    assert load_pending(db, BOB) is None


@pytest.mark.parametrize(
    "actor",
    [Actor("v", "viewer"), Actor("r", "reviewer"), Actor("off", "analyst", disabled=True)],
)
def test_accounts_that_may_not_import_keep_no_file(db, actor: Actor) -> None:
    with pytest.raises(PermissionDenied):
        save_pending(db, actor, "a.csv", DATA)
    with pytest.raises(PermissionDenied):
        load_pending(db, actor)


def test_size_is_bounded_by_the_upload_limit(db) -> None:
    small = db.catalog.settings.model_copy(update={"upload_max_mb": 0.001})  # about 1 KB
    limited = replace(db, catalog=replace(db.catalog, settings=small))
    with pytest.raises(InvalidInput, match="超过上限"):
        save_pending(limited, ANA, "big.csv", b"x" * 2000)
    save_pending(limited, ANA, "small.csv", b"x" * 1000)
    assert len(load_pending(limited, ANA).data) == 1000


@pytest.mark.parametrize(
    ("filename", "options"),
    [("", {}), ("x" * 300 + ".csv", {}), ("a.csv", {"x": "y" * 70_000}), ("a.csv", {"x": {1, 2}})],
)
def test_bad_names_and_options_are_refused(db, filename: str, options: dict) -> None:
    with pytest.raises(InvalidInput):
        save_pending(db, ANA, filename, DATA, options)
    assert load_pending(db, ANA) is None
