"""Adding a reviewed plan from the extract page: one YAML file per plan, included from
config.yaml, checked by the catalog loader, synced at once and recorded in the audit log."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from db.models import AuditEntry, Indicator, Plan
from db.permissions import LOCAL_OPERATOR, Actor
from db.plans import add_plan, with_include
from metrics.catalog import load_catalog
from metrics.errors import Conflict, InvalidInput, PermissionDenied

PLAN = {
    "id": "heze-2026-digital",
    "title": "菏泽市数字化转型2026年工作要点",
    "doc_no": "",
    "issuer": "菏泽市人民政府办公室",
    "issued": date(2026, 3, 1),
    "region": "371700",
}


def entry(n: int = 1, **changes: Any) -> dict[str, Any]:
    e: dict[str, Any] = {
        "id": f"heze-2026-digital.base-stations-{n}",
        "plan": "heze-2026-digital",
        "name": "新增5G基站数量",
        "name_en": "New 5G base stations",
        "domain": "数字基础设施",
        "unit": "个",
        "kind": "quantity",
        "targets": [{"op": ">=", "value": 800, "by": date(2026, 12, 31)}],
        "responsible": ["市工业和信息化局"],
        "clause": "一、",
        "quote": "年内新增5G基站800个",
    }
    e.update(changes)
    return e


def test_the_plan_is_added_validated_synced_and_audited(db, small_catalog_path: Path) -> None:
    before = small_catalog_path.read_text(encoding="utf-8")
    added = add_plan(db, LOCAL_OPERATOR, small_catalog_path, PLAN, [entry(1), entry(2)])
    assert added.file == small_catalog_path.parent / "plans" / "heze-2026-digital.yaml"
    after = small_catalog_path.read_text(encoding="utf-8")
    assert after.startswith(before.rstrip("\n"))  # config.yaml keeps every line it had
    assert after.rstrip().endswith("include:\n  - plans/heze-2026-digital.yaml")
    catalog = load_catalog(small_catalog_path)  # what `metrics validate` checks
    assert "heze-2026-digital" in catalog.plans
    assert {"heze-2026-digital.base-stations-1", "heze-2026-digital.base-stations-2"} <= set(
        catalog.indicators
    )
    assert db.catalog.plans.keys() == catalog.plans.keys()
    with db.engine.connect() as conn:
        ids = set(conn.scalars(select(Indicator.id)))
        log = conn.execute(select(AuditEntry.action, AuditEntry.detail)).all()
    assert "heze-2026-digital.base-stations-2" in ids  # visible at once
    assert (
        "plan_added",
        {
            "plan": "heze-2026-digital",
            "file": "plans/heze-2026-digital.yaml",
            "indicators": [
                "heze-2026-digital.base-stations-1",
                "heze-2026-digital.base-stations-2",
            ],
        },
    ) in [(a, d) for a, d in log]


def unchanged(db, config: Path, before: str, rows: int) -> None:  # type: ignore[no-untyped-def]
    assert config.read_text(encoding="utf-8") == before
    assert not (config.parent / "plans" / "heze-2026-digital.yaml").exists()
    with db.engine.connect() as conn:
        assert len(conn.scalars(select(Indicator.id)).all()) == rows


@pytest.mark.parametrize(
    ("plan", "entries", "error", "says"),
    [
        ({**PLAN, "issued": ""}, [entry()], InvalidInput, "issued"),  # named, not "unknown plan"
        ({k: v for k, v in PLAN.items() if k != "issued"}, [entry()], InvalidInput, "issued"),
        (PLAN, [entry(draft=True)], InvalidInput, "draft: true"),
        (PLAN, [entry(name_en="TODO: English name")], InvalidInput, "name_en"),
        (PLAN, [entry(responsible=[])], InvalidInput, "responsible"),
        ({**PLAN, "region": "999999"}, [entry()], InvalidInput, "999999"),
        (PLAN, [], InvalidInput, "heze-2026-digital"),
        ({**PLAN, "id": "heze-2023-digital-gov"}, [entry()], Conflict, "heze-2023-digital-gov"),
    ],
)
def test_a_plan_that_does_not_validate_changes_nothing(
    db, small_catalog_path: Path, plan: dict, entries: list, error: type, says: str
) -> None:
    before = small_catalog_path.read_text(encoding="utf-8")
    with db.engine.connect() as conn:
        rows = len(conn.scalars(select(Indicator.id)).all())
    with pytest.raises(error) as raised:
        add_plan(db, LOCAL_OPERATOR, small_catalog_path, plan, entries)
    assert says in str(raised.value) and " / " in str(raised.value)
    assert "unknown plan" not in str(raised.value).lower() or plan["id"] != PLAN["id"]
    unchanged(db, small_catalog_path, before, rows)


@pytest.mark.parametrize("failing", ["plan_added", "catalog_sync"])
def test_a_failing_audit_or_sync_write_changes_nothing(
    db, small_catalog_path: Path, monkeypatch: pytest.MonkeyPatch, failing: str
) -> None:
    """The sync and its audit rows are one transaction: when the `plan_added` row (after
    the sync's rows) or the sync's own `catalog_sync` row cannot be written, no catalog row,
    no audit row, no plan file and no include line is left."""
    from db import plans

    real = plans.audit.record

    def record(conn, user: str, action: str, **detail: Any) -> None:  # type: ignore[no-untyped-def]
        if action == failing:
            raise RuntimeError(f"audit write failed ({action})")
        real(conn, user, action, **detail)

    monkeypatch.setattr(plans.audit, "record", record)
    before = small_catalog_path.read_text(encoding="utf-8")
    catalog_before = db.catalog
    with db.engine.connect() as conn:
        rows = len(conn.scalars(select(Indicator.id)).all())
        log = len(conn.scalars(select(AuditEntry.id)).all())
    with pytest.raises(RuntimeError, match=failing):
        add_plan(db, LOCAL_OPERATOR, small_catalog_path, PLAN, [entry(1), entry(2)])
    unchanged(db, small_catalog_path, before, rows)
    assert not (small_catalog_path.parent / "plans").exists()  # not even an empty folder
    assert db.catalog is catalog_before
    with db.engine.connect() as conn:
        assert len(conn.scalars(select(AuditEntry.id)).all()) == log
        assert "heze-2026-digital" not in set(conn.scalars(select(Plan.id)))
    monkeypatch.undo()  # the same plan can then be added
    add_plan(db, LOCAL_OPERATOR, small_catalog_path, PLAN, [entry(1)])
    assert (small_catalog_path.parent / "plans" / "heze-2026-digital.yaml").exists()


def test_only_an_admin_adds_a_plan(db, small_catalog_path: Path) -> None:
    before = small_catalog_path.read_text(encoding="utf-8")
    with pytest.raises(PermissionDenied):
        add_plan(db, Actor("ana", "analyst"), small_catalog_path, PLAN, [entry()])
    unchanged(db, small_catalog_path, before, len(db.catalog.indicators))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("plans: []\n", "plans: []\n\ninclude:\n  - plans/b.yaml\n"),
        (
            "include:\n  - plans/a.yaml\nplans: []\n",
            "include:\n  - plans/a.yaml\n  - plans/b.yaml\nplans: []\n",
        ),
        (
            "plans: []\ninclude: [plans/a.yaml]\n",
            "plans: []\ninclude: [plans/a.yaml, plans/b.yaml]\n",
        ),
        ("plans: []\ninclude:\n", "plans: []\n\ninclude:\n  - plans/b.yaml\n"),
    ],
)
def test_the_include_list_grows_by_one_line(text: str, expected: str) -> None:
    assert with_include(text, "plans/b.yaml") == expected


def test_validate_locates_a_problem_in_the_included_file(
    tmp_path: Path, small_catalog_path: Path
) -> None:
    from conftest import run_cli

    (tmp_path / "plans").mkdir()
    (tmp_path / "plans" / "p.yaml").write_text(
        'plans:\n  - id: p\n    title: T\n    issuer: I\n    region: "371700"\n', encoding="utf-8"
    )
    small_catalog_path.write_text(
        small_catalog_path.read_text(encoding="utf-8") + "include:\n  - plans/p.yaml\n",
        encoding="utf-8",
    )
    done = run_cli(tmp_path, small_catalog_path, "validate", str(small_catalog_path))
    assert done.returncode == 1
    assert "plans/p.yaml:2: plans[0].issued" in done.stdout + done.stderr


def test_the_page_names_a_missing_issued_date(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, small_catalog_path: Path
) -> None:
    """From the extract page: the header without its issued date is refused, by name, and
    nothing is added."""
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    from db import accounts
    from db.connect import open_database

    url = f"sqlite:///{tmp_path / 'page.db'}"
    monkeypatch.setenv("METRICS_CONFIG", str(small_catalog_path))
    monkeypatch.setenv("METRICS_DATABASE_URL", url)
    st.cache_resource.clear()
    database = open_database(load_catalog(small_catalog_path), url)
    accounts.add_user(database, "root", "admin", "a long enough password 1")
    before = small_catalog_path.read_text(encoding="utf-8")
    root = Path(__file__).resolve().parents[1]
    at = AppTest.from_file(str(root / "views" / "extract.py"), default_timeout=60)
    at.session_state["lang"] = "en"
    at.session_state["actor"] = accounts.get_actor(database, "root")
    at.run()
    at.text_area(key="extract.text").input(
        "2026年数字化工作要点\n一、网络\n年内新增5G基站800个。\n"
    )
    at.text_input(key="extract.plan_id").input("heze-2026-digital")
    at.text_input(key="extract.region").input("371700")
    at.button[0].click().run()
    at.button(key="extract_add_plan").click().run()
    assert not at.exception
    assert "issued" in at.error[0].value
    assert small_catalog_path.read_text(encoding="utf-8") == before
    assert not (small_catalog_path.parent / "plans").exists()
    database.engine.dispose()
    st.cache_resource.clear()
