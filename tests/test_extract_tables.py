"""The 主要指标 table of a plan, pasted as text: each row a proposal, each later year a stage."""

from __future__ import annotations

from datetime import date

import pytest

from metrics.extract import extract
from metrics.extract.tables import find_tables

GOALS = "二、发展目标\n到2025年，数字政府建设取得显著成效。主要指标如下：\n"
PIPES = (
    "| 序号 | 指标 | 单位 | 2020年 | 2025年 | 属性 |\n"
    "| 1 | 政务服务事项网上可办率 | % | 90 | 100 | 约束性 |\n"
    "| 2 | 电子证照共享应用率 | % | 60 | ≥95 | 预期性 |\n"
    "| 3 | 5G基站数量 | 万个 | 1.2 | 3.5 | 预期性 |\n"
    "| 4 | 企业开办时间 | 个工作日 | 3 | 0.5 | 约束性 |\n"
)


def rows(text: str) -> list[tuple[str, str, list[tuple[str, float | None, int]]]]:
    return [
        (p.name, p.unit, [(s.op, s.value, s.by.year) for s in p.stages])
        for p in extract(text).quantities
        if p.deadline_source == "table"
    ]


def test_a_pipe_table_gives_one_proposal_per_row() -> None:
    assert rows(GOALS + PIPES) == [
        ("政务服务事项网上可办率", "%", [(">=", 100, 2025)]),
        ("电子证照共享应用率", "%", [(">=", 95, 2025)]),
        ("5G基站数量", "万个", [(">=", 3.5, 2025)]),
        # below the base year's value: a ceiling, and the note says why
        ("企业开办时间", "个工作日", [("<=", 0.5, 2025)]),
    ]


def test_a_row_keeps_its_baseline_quote_and_notes() -> None:
    p = next(p for p in extract(GOALS + PIPES).quantities if p.name == "企业开办时间")
    assert p.baseline == (3.0, date(2020, 12, 31))
    assert p.quote == "|4|企业开办时间|个工作日|3|0.5|约束性|"
    keys = [k for k, _ in p.notes]
    assert "extract.note_table" in keys and "extract.note_table_ceiling" in keys
    entry = extract(GOALS + PIPES).entries()[-1]
    assert entry["baseline"] == {"value": 3, "date": date(2020, 12, 31)}


@pytest.mark.parametrize(
    "table",
    [
        # tabs, the unit in the name's parenthesis, an empty unit cell
        "序号\t指标\t单位\t2020年\t2025年\n1\t5G基站数量（万个）\t\t1.2\t3.5\n",
        # single spaces, as a PDF converter writes them
        "序号 指标名称 单位 2020年 2025年 属性\n1 5G基站数量 万个 1.2 3.5 预期性\n",
        # no 序号 header, yet numbered rows; the target year's header says 目标
        "指标 | 单位 | 2020年基期值 | 2025年目标值\n1 | 5G基站数量 | 万个 | 1.2 | 3.5\n",
    ],
)
def test_tables_as_pasted(table: str) -> None:
    assert rows(GOALS + table) == [("5G基站数量", "万个", [(">=", 3.5, 2025)])]


def test_a_cell_with_thousands_separators() -> None:
    table = "| 指标 | 单位 | 2024年 | 2027年 |\n| 5G基站数量 | 个 | 1,200 | 2，500 |\n"
    assert rows(GOALS + table) == [("5G基站数量", "个", [(">=", 2500, 2027)])]


def test_a_target_a_hundred_times_off_its_baseline_is_flagged() -> None:
    """1.2 万个 in 2024, "2,500" in 2027: the reviewer is told to check the unit."""
    table = "| 指标 | 单位 | 2024年 | 2027年 |\n| 5G基站数量 | 万个 | 1.2 | 2,500 |\n"
    (p,) = [p for p in extract(GOALS + table).quantities if p.deadline_source == "table"]
    assert ("extract.note_table_scale", {}) in p.notes
    (q,) = [p for p in extract(GOALS + PIPES).quantities if p.name == "5G基站数量"]
    assert ("extract.note_table_scale", {}) not in q.notes


def test_a_table_flattened_to_one_cell_per_line() -> None:
    """A web page's table, one cell a line, merged category cells left out: rows are found by
    their shape (a unit, then one cell per year), category and source cells skipped."""
    cells = [
        "类别",
        "主要指标",
        "单位",
        "2022年",
        "2027年",
        "来源",
        "总体",
        "数字经济增加值占GDP的比重",
        "%",
        "45.4",
        "50",
        "市统计局",
        "数字经济重点企业",
        "家",
        "/",
        "500",
        "市经济信息委",
        "",
        "数字产业化",
        "软件和信息服务业收入",
        "亿元",
        "2705",
        "7000",
        "市经济信息委",
        "其中:创新工厂(含5G工厂)",
        "个",
        "/",
        "50",
        "市经济信息委",
    ]
    table = "表1 主要指标\n" + "".join(f"{c} |\n" for c in cells)
    assert rows(GOALS + table) == [
        ("数字经济增加值占GDP的比重", "%", [(">=", 50, 2027)]),
        ("数字经济重点企业", "家", [(">=", 500, 2027)]),
        ("软件和信息服务业收入", "亿元", [(">=", 7000, 2027)]),
        ("创新工厂", "个", [(">=", 50, 2027)]),  # the name loses its bracket
    ]


def test_each_later_year_is_a_stage() -> None:
    table = (
        "| 指标 | 单位 | 2020年 | 2023年 | 2025年 |\n| 电子证照应用率 | % | 40 | 70 | 95以上 |\n"
    )
    assert rows(GOALS + table) == [("电子证照应用率", "%", [(">=", 70, 2023), (">=", 95, 2025)])]


def test_a_target_stated_in_the_prose_and_the_table_is_proposed_once() -> None:
    text = GOALS.replace("取得显著成效。", "取得显著成效，5G基站数量达到3.5万个。") + PIPES
    got = [(p.unit, p.stages[0].value) for p in extract(text).quantities]
    assert got.count(("万个", 3.5)) == 1


def test_a_table_of_where_things_stand_gives_nothing() -> None:
    text = (
        "一、发展基础\n“十三五”期间，全市信息化水平显著提升。\n"
        "| 指标 | 单位 | 2018年 | 2020年 |\n| 5G基站数量 | 个 | 100 | 1200 |\n"
    )
    assert rows(text) == []


@pytest.mark.parametrize(
    "row",
    [
        "| 5G基站数量 | 万个 | 1.2 | 3.5 | 预期性 | 备注 | 多出一列 |",  # more cells than the header
        "| 1 | 2 | 3 | 4 |",  # no name
    ],
)
def test_a_row_that_does_not_line_up_is_not_guessed(row: str) -> None:
    table = "| 指标 | 单位 | 2020年 | 2025年 | 属性 |\n" + row + "\n"
    assert rows(GOALS + table) == []


def test_the_prose_reader_does_not_read_the_rows_again() -> None:
    """The rows are blanked for the sentence reader: 90 (the base year) is not a target."""
    values = [s.value for p in extract(GOALS + PIPES).quantities for s in p.stages]
    assert 90 not in values and 1.2 not in values


def test_find_tables_ends_at_the_prose() -> None:
    text = GOALS + PIPES + "\n三、重点任务\n到2025年，建成智慧社区30个。\n"
    (table,) = find_tables(text)
    assert text[table.start : table.end] == PIPES.rstrip("\n")
    assert (">=", 30, 2025) in [
        (s.op, s.value, s.by.year) for p in extract(text).quantities for s in p.stages
    ]
