"""The extract page (规划目标提取) as the Chromium walk of 12:37 found it, fixed: every label
in the page's language, the plan title guessed, a number in the unit cell and an empty
title refused, no stale "no unit" note, the baseline shown and written, the added plan
named in both languages by its path in the catalog folder, the audit log in words.

The page runs in AppTest, which cannot edit st.data_editor cells: a reviewed draft is
put in the page's session state instead, as the page keeps it between runs.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import streamlit as st
import yaml
from streamlit.testing.v1 import AppTest

from db import accounts
from db.connect import open_database
from db.engine import Database
from db.permissions import LOCAL_OPERATOR, Actor
from db.plans import add_plan, header_problems
from metrics.catalog import load_catalog
from metrics.errors import InvalidInput
from metrics.extract import (
    ROW_COLUMNS,
    catalog_yaml,
    entry_rows,
    extract,
    plan_header,
    review_problems,
    rows_entries,
)
from metrics.i18n import LANGS, TEXT, t
from tests.conftest import ROOT
from views.auth import not_your_page

PLAN_ID = "some-2025-digital-gov"
# The walk's plan, shortened: a title with its span in brackets, then 文号, issuer and date;
# goals without a unit, a table row with a present value (the baseline), a task with one.
PLAN_TEXT = """某市数字政府建设三年行动方案（2025—2027年）
某政发〔2025〕12号
某市人民政府
2025年3月1日
一、工作目标
到2027年底，政务服务事项网上可办率达到98%，数据共享需求满足率达到95%。
表1 主要指标
| 序号 | 指标 | 单位 | 2024年 | 2027年 | 属性 |
| 1 | 电子证照共享应用率 | % | 60 | ≥90 | 预期性 |
二、重点任务
（一）推进政务云扩容。2026年底前，政务云承载率达到90%以上（责任单位：市大数据局）。
"""
TITLE = "某市数字政府建设三年行动方案（2025—2027年）"
NO_UNIT = "extract.note_no_unit"
BASELINE_NOTE = "基期值取自原文现状"


def halves(message: str) -> tuple[str, str]:
    """A both() message as its Chinese and English halves."""
    zh, _, en = message.partition(" / ")
    return zh, en


def draft_entries() -> list[dict[str, Any]]:
    return extract(PLAN_TEXT, PLAN_ID, "371700").entries()


def reviewed_rows() -> list[dict[str, Any]]:
    """The draft's rows as a reviewer leaves them: ticked, named in English, units given."""
    rows = entry_rows(draft_entries())
    for n, row in enumerate(rows, start=1):
        row.update(
            reviewed=True, name_en=f"Target {n}", responsible=row["responsible"] or "市政府办公室"
        )
    return rows


# --- the domain: header, review rows, validation ------------------------------------------------


def test_a_title_with_its_span_in_brackets_is_guessed() -> None:
    """Item 2: the first line names the plan, its years in full-width brackets after it."""
    header = plan_header(PLAN_TEXT, PLAN_ID, "371700", None)
    assert header["title"] == TITLE
    assert header["doc_no"] == "某政发〔2025〕12号" and header["issuer"] == "某市人民政府"
    assert header["issued"] == date(2025, 3, 1)
    draft = "实施方案（征求意见稿）\n济南市大数据局\n2025年7月18日\n"
    assert plan_header(draft, "x", None, None)["title"] == "实施方案（征求意见稿）"


def test_the_no_unit_note_goes_once_a_unit_is_responsible() -> None:
    """Item 4: "原文未写责任单位，请补充" is dropped from both halves when units are filled;
    the other notes stay, and an entry still without a unit keeps it."""
    rows = entry_rows(draft_entries())
    zh, en = TEXT[NO_UNIT]
    assert zh in rows[2]["note"] and BASELINE_NOTE in rows[2]["note"]
    rows[2]["responsible"] = "市大数据局；市政务服务管理局"
    entries, problems = rows_entries(rows, PLAN_ID)
    assert problems == []
    assert zh not in entries[2]["note"] and en not in entries[2]["note"]
    assert BASELINE_NOTE in entries[2]["note"] and "Baseline taken" in entries[2]["note"]
    assert entries[0]["note"] == f"{zh} / {en}"  # no unit yet: the note is still true
    rows[0]["responsible"] = "市政府办公室"
    assert "note" not in rows_entries(rows, PLAN_ID)[0][0]  # its only note: none is left


def test_the_baseline_is_a_column_and_round_trips() -> None:
    """Item 5: the baseline the note speaks of is shown in the grid, editable, written."""
    entries = draft_entries()
    rows = entry_rows(entries)
    assert {"baseline_value", "baseline_date"} <= set(ROW_COLUMNS)
    assert (rows[2]["baseline_value"], rows[2]["baseline_date"]) == (60, date(2024, 12, 31))
    assert rows[0]["baseline_value"] is None
    assert rows_entries(rows, PLAN_ID) == (entries, [])  # unchanged rows: the same entries
    rows[0].update(baseline_value=52.5, baseline_date=date(2024, 12, 31))
    written = rows_entries(rows, PLAN_ID)[0][0]
    assert written["baseline"] == {"value": 52.5, "date": date(2024, 12, 31)}
    assert list(written).index("baseline") < list(written).index("targets")  # config order
    rows[1].update(baseline_value=40, baseline_date=None)
    _, problems = rows_entries(rows, PLAN_ID)
    assert len(problems) == 1 and problems[0].startswith("#2")
    assert "基期日期" in problems[0] and "baseline" in problems[0]


def test_a_number_in_the_unit_and_an_empty_title_are_refused() -> None:
    """Item 3: `unit: '2.5'` loads (it is text) but tracks nothing; a plan needs a title."""
    rows = reviewed_rows()
    rows[1]["unit"] = "2.5"
    entries, _ = rows_entries(rows, PLAN_ID)
    header = {**plan_header(PLAN_TEXT, PLAN_ID, "371700", None), "title": " "}
    problems = review_problems(catalog_yaml(header, entries), load_text())
    unit = [p for p in problems if "2.5" in p]
    assert len(unit) == 1
    zh, en = halves(unit[0])
    assert "第2条" in zh and "单位" in zh and "Entry 2" in en and "unit" in en
    title = [p for p in problems if "标题" in p]
    assert len(title) == 1 and "title" in halves(title[0])[1]
    for ok in ("%", "万个", "个工作日"):
        rows[1]["unit"] = ok
        again = review_problems(catalog_yaml(header, rows_entries(rows, PLAN_ID)[0]), "")
        assert not [p for p in again if "单位“" in p]


def test_add_plan_refuses_a_numeric_unit_and_a_blank_title(
    db: Database, small_catalog_path: Path
) -> None:
    before = small_catalog_path.read_text(encoding="utf-8")
    header = plan_header(PLAN_TEXT, PLAN_ID, "371700", None)
    rows = reviewed_rows()
    rows[0]["unit"] = "2.5"
    with pytest.raises(InvalidInput) as raised:
        add_plan(db, LOCAL_OPERATOR, small_catalog_path, header, rows_entries(rows, PLAN_ID)[0])
    assert "“2.5”" in str(raised.value) and "Entry 1" in str(raised.value)
    with pytest.raises(InvalidInput, match="标题.*title"):
        add_plan(
            db,
            LOCAL_OPERATOR,
            small_catalog_path,
            {**header, "title": "  "},
            rows_entries(reviewed_rows(), PLAN_ID)[0],
        )
    assert small_catalog_path.read_text(encoding="utf-8") == before
    assert not (small_catalog_path.parent / "plans").exists()


def test_a_missing_header_field_is_named_in_each_language() -> None:
    """Item 1: no raw “issued” in the Chinese half."""
    header = {**plan_header(PLAN_TEXT, PLAN_ID, "371700", None), "issued": ""}
    (problem,) = header_problems(header)
    zh, en = halves(problem)
    assert "成文日期" in zh and "issued" not in zh
    assert "date issued" in en


def test_the_placeholder_and_draft_problems_speak_of_the_page() -> None:
    """Item 1: 校验 says to tick 已审核, not to delete a line; the field is named in words."""
    text = extract(PLAN_TEXT, PLAN_ID, "371700").to_yaml()
    problems = review_problems(text, "")
    draft = [p for p in problems if "draft: true" in p]
    assert draft and all("已审核" in p and "删除该行" not in p for p in draft)
    assert all("reviewed" in halves(p)[1] for p in draft)
    todo = [p for p in problems if "占位" in p]
    assert todo and all("英文名称" in halves(p)[0] and "English name" in p for p in todo)


def test_the_refusal_of_a_page_is_in_both_languages() -> None:
    """Item 1: the refusal names the page and the role in each language (views.auth)."""
    text = not_your_page("nav.extract", Actor("ann", "analyst"))
    zh, en = halves(text)
    assert "规划目标提取" in zh and "填报员" in zh
    assert "Extract targets from a plan" in en and "analyst" in en


def test_one_name_for_the_page_and_a_current_intro() -> None:
    """Item 1: the sidebar link is the page title; the intro no longer says to paste."""
    for lang in LANGS:
        assert t("nav.extract", lang) == t("extract.title", lang)
        assert "config.yaml" not in t("extract.intro", lang)
        assert "config.yaml" not in t("extract.valid", lang)
    assert "将规划加入目录" in t("extract.intro", "zh")


# --- the page -----------------------------------------------------------------------------------


def load_text() -> str:
    from tests.conftest import SMALL_CATALOG

    return SMALL_CATALOG


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Database, Path]]:
    """The small catalog and a database the page opens, with an administrator `root`."""
    config = tmp_path / "config.yaml"
    config.write_text(load_text(), encoding="utf-8")
    url = f"sqlite:///{tmp_path / 'page.db'}"
    monkeypatch.setenv("METRICS_CONFIG", str(config))
    monkeypatch.setenv("METRICS_DATABASE_URL", url)
    st.cache_resource.clear()
    st.cache_data.clear()
    database = open_database(load_catalog(config), url)
    accounts.add_user(database, "root", "admin", "a long enough password 1")
    yield database, config
    database.engine.dispose()
    st.cache_resource.clear()
    st.cache_data.clear()


def page(path: str, lang: str, actor: Actor | None = None) -> AppTest:
    at = AppTest.from_file(str(ROOT / path), default_timeout=60)
    at.session_state["lang"] = lang
    if actor is not None:
        at.session_state["actor"] = actor
    return at.run()


def extracted(lang: str, actor: Actor | None = None) -> AppTest:
    at = page("views/extract.py", lang, actor)
    at.text_area(key="extract.text").input(PLAN_TEXT)
    at.text_input(key="extract.plan_id").input(PLAN_ID)
    at.text_input(key="extract.region").input("371700")
    at.button[0].click().run()
    assert not at.exception
    return at


@pytest.mark.parametrize("lang", LANGS)
def test_the_page_labels_its_fields_and_columns(lang: str, site: tuple[Database, Path]) -> None:
    """Item 1: plan-header labels and grid headers from the translation table, the column
    keys kept; empty low/high cells are empty numbers, not "None"."""
    at = extracted(lang)
    labels = {w.key: w.label for w in at.text_input}
    for key in ("title", "doc_no", "issuer", "issued", "region"):
        assert labels[f"extract.plan.{key}"] == t(f"extract.field.{key}", lang)
    assert at.text_input(key="extract.plan.title").value == TITLE  # item 2, on the page
    grid = at.dataframe[0]
    assert list(grid.value.columns) == ROW_COLUMNS
    config = json.loads(grid.proto.columns)
    assert {c: config[c]["label"] for c in ROW_COLUMNS} == {
        c: t(f"extract.col.{c}", lang) for c in ROW_COLUMNS
    }
    kinds = {o["value"]: o["label"] for o in config["kind"]["type_config"]["options"]}
    assert kinds == {k: t(f"extract.kind.{k}", lang) for k in ("quantity", "milestone")}
    assert grid.proto.HasField("placeholder") and grid.proto.placeholder == ""  # not "None"
    for column in ("low", "high", "baseline_value"):
        assert grid.value[column].dtype == float  # NaN: shown empty
        assert "None" not in grid.value[column].astype(str).tolist()
    assert list(grid.value["baseline_value"].fillna(-1)) == [-1, -1, 60, -1]  # item 5
    assert at.title[0].value == t("nav.extract", lang)
    assert "config.yaml" not in at.caption[0].value


def test_validate_points_at_the_reviewed_box(site: tuple[Database, Path]) -> None:
    at = extracted("zh")
    at.button(key="extract.check").click().run()
    problems = at.code[0].value
    assert "勾选“已审核”" in problems and "删除该行" not in problems


def test_a_draft_on_screen_asks_before_the_page_is_left(site: tuple[Database, Path]) -> None:
    """Item 6 (the least): a reload or a closed tab loses the draft, so the browser asks."""
    at = page("views/extract.py", "zh")
    assert not at.get("html")  # nothing to lose yet
    at = extracted("zh")
    (guard,) = at.get("html")
    assert "beforeunload" in guard.proto.body and "metrics-extract-draft" in guard.proto.body


@pytest.mark.parametrize("lang", LANGS)
def test_the_added_plan_is_named_in_both_languages_and_audited_in_words(
    lang: str, site: tuple[Database, Path]
) -> None:
    """Items 1, 4, 5 on the page: the success names the file as config.yaml includes it
    (not the server's path) in both languages; the written entries hold the baseline and
    no stale note; the audit log names the action and its details in words."""
    database, config = site
    root = accounts.get_actor(database, "root")
    at = extracted(lang, root)
    state = at.session_state["extract.draft"]
    state["rows"] = reviewed_rows()
    at.session_state["extract.draft"] = state
    at.run()
    at.button(key="extract_add_plan").click().run()
    assert not at.exception and not at.error
    assert not at.get("html")  # added: leaving loses nothing now
    zh, en = halves(at.success[0].value)
    name = f"plans/{PLAN_ID}.yaml"
    assert "已添加规划" in zh and "Added plan" in en
    for half in (zh, en):
        assert name in half.replace("\\", "") and str(config.parent) not in half
    written = yaml.safe_load((config.parent / name).read_text(encoding="utf-8"))
    assert written["plans"][0]["title"] == TITLE
    table_row = written["indicators"][2]
    assert table_row["baseline"] == {"value": 60, "date": date(2024, 12, 31)}
    notes = " ".join(e.get("note", "") for e in written["indicators"])
    assert TEXT[NO_UNIT][0] not in notes and BASELINE_NOTE in notes

    audit = page("views/audit.py", lang, root)
    assert not audit.exception
    log = audit.dataframe[0].value
    action, detail = (t(f"audit.col.{c}", lang) for c in ("action", "detail"))
    row = log[log[action] == t("audit.act.plan_added", lang)]
    assert len(row) == 1 and "plan_added" not in set(log[action])
    shown = row[detail].iloc[0]
    for key in ("plan", "file", "indicators"):
        assert f"{t(f'audit.key.{key}', lang)}: " in shown
    if lang == "zh":
        assert "plan:" not in shown and "indicators:" not in shown


def test_an_unreadable_cell_stops_the_add(site: tuple[Database, Path]) -> None:
    """A stage the table cannot read is left out of the entries: the page refuses to add
    the plan without it, instead of adding it silently short of a stage."""
    database, config = site
    at = extracted("en", accounts.get_actor(database, "root"))
    state = at.session_state["extract.draft"]
    state["rows"] = reviewed_rows()
    state["rows"][0]["earlier"] = "at least 5 by 2024"
    at.session_state["extract.draft"] = state
    at.run()
    at.button(key="extract_add_plan").click().run()
    assert not at.exception and not at.success
    assert at.error[0].value == t("extract.cells_left", "en", n=1)
    assert "#1" in at.code[0].value
    assert not (config.parent / "plans").exists()
