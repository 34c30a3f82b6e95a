"""The analysts' pages (数据填报 / 批量导入) driven through Streamlit's AppTest.

Each test runs the real dashboard.py against a copy of config.yaml and a fresh SQLite
file, signed in as a real account (the navigation shows the analysts' pages only to
analysts and admins), and checks the database itself after every write.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from db import accounts, queries
from db.engine import Database
from db.permissions import Actor
from db.undo import undo_import
from metrics.catalog import load_catalog
from tests.conftest import CONFIG
from tests.dashboard_helpers import add_accounts, app_database, closing, dashboard

SHARE = "heze-2023-digital-gov.data-service-share"  # %, Heze 371700
SHARE_UNITS = ("市大数据局", "市政府各部门", "各县区政府、管委会")
STATIONS_UNIT = "市工业和信息化局"
PASSWORD = "correct horse battery"
ANALYST = Actor("bdb", "analyst", units=("市大数据局",), regions=("371700",))  # 菏泽
OTHER_UNIT = Actor("miit", "analyst", units=(STATIONS_UNIT,), regions=("371700",))
ENTRY, UPLOAD = "views/entry.py", "views/upload.py"
RED = "background-color: #fde2e1"


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Database]:
    """A fresh database for the app (through the environment) and for the test's checks."""
    db = app_database(tmp_path, monkeypatch)
    add_accounts(db, PASSWORD, (ANALYST, OTHER_UNIT))
    yield from closing(db)


def app(page: str, actor: Actor = ANALYST, lang: str = "zh") -> AppTest:
    return dashboard(actor, page, lang="en" if lang == "en" else None)


def stored(db: Database) -> pd.DataFrame:
    return queries.observation_table(db)


def texts(elements) -> str:  # type: ignore[no-untyped-def]
    """The elements' text as shown: the pages escape Markdown in what they draw."""
    return re.sub(r"\\(.)", r"\1", "\n".join(str(e.value) for e in elements))


def choice(at: AppTest, name: str):  # type: ignore[no-untyped-def]
    """A selectbox of the entry page: keyed per language (see views/entry.py `_select`)."""
    return at.selectbox(key=f"entry.{name}.{at.session_state['lang']}")


def table(at: AppTest, column: str) -> pd.DataFrame:
    """The first table drawn with this column (st.dataframe keys only exist with selections)."""
    for frame in at.dataframe:
        if column in frame.value.columns:
            return frame.value
    raise AssertionError(f"no table with column {column!r}")


def red_rows(at: AppTest, column: str) -> set[int]:
    """Positions of the rows the table with this column draws on a red background."""
    frame = next(d for d in at.dataframe if column in d.value.columns)
    rows: set[int] = set()
    for selectors, style in re.findall(
        r"([^{}]+)\{([^}]*)\}", frame.proto.arrow_data.styler.styles
    ):
        if RED in style:
            rows |= {int(n) for n in re.findall(r"_row(\d+)_col", selectors)}
    return rows


def enter(at: AppTest, period: str, value: str, **fields: str) -> AppTest:
    if choice(at, "unit").value not in SHARE_UNITS:
        choice(at, "unit").set_value("").run()  # all units
    choice(at, "indicator").set_value(SHARE)
    choice(at, "region").set_value("371700")
    at.text_input(key="entry.period").input(period)
    at.text_input(key="entry.value").input(value)
    for name, text in fields.items():
        at.text_input(key=f"entry.{name}").input(text)
    at.button(key="entry.submit").click()
    return at.run()


def sheet(rows: list[tuple[str, str, str, str]]) -> bytes:
    """A CSV as Chinese Excel saves it: GBK, Chinese headers."""
    frame = pd.DataFrame(rows, columns=["指标编码", "地区", "统计期", "数值"])
    return frame.to_csv(index=False).encode("gbk")


# --- every page draws, in both languages ------------------------------------------------


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_entry_page_draws_its_widgets(database: Database, lang: str) -> None:
    at = app(ENTRY, lang=lang)
    assert not at.exception
    assert at.title[0].value == {"zh": "数据填报", "en": "Data entry"}[lang]
    for name in ("plan", "unit", "indicator", "region"):
        assert choice(at, name) is not None
    for key in ("entry.period", "entry.value", "entry.note", "entry.source", "entry.reason"):
        assert at.text_input(key=key) is not None
    assert at.button(key="entry.submit").label == {"zh": "提交", "en": "Submit"}[lang]
    # an analyst starts with the indicators of their own unit
    assert choice(at, "unit").value == "市大数据局"
    ids = [o.rsplit(" · ", 1)[-1] for o in choice(at, "indicator").options]
    assert ids and all("市大数据局" in database.catalog.indicators[i].responsible for i in ids)
    choice(at, "unit").set_value("").run()  # all units
    # the indicator list is searchable by name and id, filtered by plan
    choice(at, "plan").set_value("heze-2023-digital-gov").run()
    options = choice(at, "indicator").options
    assert options and all("heze-2023-digital-gov." in o for o in options)
    choice(at, "indicator").set_value(SHARE).run()
    assert choice(at, "region").options[0].endswith("371700")
    assert len(choice(at, "region").options) > 1  # the counties
    shown = texts(at.markdown) + texts(at.caption)
    assert {"zh": "不低于70.0%", "en": "at least 70.0%"}[lang] in shown
    assert {"zh": "暂无数据", "en": "No data"}[lang] in shown
    assert not at.exception


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_import_page_draws_its_widgets(database: Database, lang: str) -> None:
    at = app(UPLOAD, lang=lang)
    assert not at.exception
    assert at.title[0].value == {"zh": "批量导入", "en": "Import"}[lang]
    labels = [b.label for b in at.get("download_button")]
    assert len(labels) == 2 and any("CSV" in x for x in labels)
    assert any("Excel" in x for x in labels)
    uploader = at.file_uploader[0]
    assert set(uploader.allowed_type) >= {".csv", ".xlsx", ".txt"}
    assert {"zh": "尚无导入记录", "en": "No imports yet"}[lang] in texts(at.caption)


# --- entry -------------------------------------------------------------------------------


def test_entry_writes_a_value_and_the_overview_sees_it(database: Database) -> None:
    from views.common import status

    before = status(date.today())
    row = before[(before.indicator == SHARE) & (before.region == "371700")].iloc[0]
    assert row.status == "no_data"

    at = enter(app(ENTRY), "2025年第三季度", "６５％", note="平台统计")
    assert not at.exception
    obs = stored(database)
    assert len(obs) == 1
    got = obs.iloc[0]
    assert (got.indicator_id, got.region_code, got.period_kind) == (SHARE, "371700", "quarter")
    assert got.period_end == pd.Timestamp("2025-09-30")
    assert got.value == 65.0 and got.note == "平台统计" and got.updated_by == ANALYST.name
    success = texts(at.success)
    assert "新增数值 65.0%" in success and "2025Q3" in success and "新状态" in success
    assert at.text_input(key="entry.value").value == ""  # ready for the next value
    # the cached reads the overview uses were cleared by the write
    after = status(date.today())
    row = after[(after.indicator == SHARE) & (after.region == "371700")].iloc[0]
    assert row.status != "no_data" and row.latest_value == 65.0
    assert "65.0%" in texts(at.markdown)  # the last value, shown on the page


def test_a_bad_value_is_shown_under_its_field_in_the_page_language(database: Database) -> None:
    at = enter(app(ENTRY), "2025Q3", "很多")
    assert not at.exception
    assert stored(database).empty
    in_form = texts(at.form[0].error)
    assert "无法识别的数值“很多”" in in_form and "Unrecognised" not in in_form
    assert "未保存" in texts(at.error)
    assert not at.success

    # a bad period goes under the period input (outside the form), the value is kept
    at.text_input(key="entry.value").input("52%")
    at.text_input(key="entry.period").input("2025Q7")
    at.button(key="entry.submit").click()
    at.run()
    assert stored(database).empty
    assert "2025Q7" in texts(at.error) and "2025Q7" not in texts(at.form[0].error)
    assert "无法识别的统计期" in texts(at.error)
    assert at.text_input(key="entry.value").value == "52%"


def test_a_period_outside_the_plan_and_a_percentage_above_100(database: Database) -> None:
    at = enter(app(ENTRY, lang="en"), "2030Q1", "120%")
    assert stored(database).empty
    errors = texts(at.error)
    assert "outside the plan's life" in errors and "不在规划期限内" not in errors
    assert "between 0 and 100" in texts(at.form[0].error)
    assert "Not saved" in errors


def test_an_account_of_another_unit_is_not_offered_the_indicator(database: Database) -> None:
    """Analysts see only what they may write (issue 17): another unit's indicator is not in
    the list, so it cannot be entered at all; the db layer still refuses it (test_accounts)."""
    at = app(ENTRY, actor=OTHER_UNIT)
    assert not at.exception
    if choice(at, "unit").value not in SHARE_UNITS:
        choice(at, "unit").set_value("").run()  # all units
    assert SHARE not in choice(at, "indicator").options
    assert stored(database).empty


def test_a_correction_keeps_the_old_value_as_a_revision(database: Database) -> None:
    at = enter(app(ENTRY), "2025Q3", "52%", note="初报")
    assert len(stored(database)) == 1
    # choosing the stored period shows its value and prefills its note
    assert "52.0%" in texts(at.info)
    assert at.text_input(key="entry.note").value == "初报"
    at.text_input(key="entry.value").input("61%")
    at.text_input(key="entry.reason").input("统计局修订")
    at.button(key="entry.submit").click()
    at.run()
    assert not at.exception
    obs = stored(database)
    assert len(obs) == 1 and obs.iloc[0].value == 61.0 and obs.iloc[0].note == "初报"
    revs = queries.revisions(database, SHARE)
    assert len(revs) == 1
    assert (revs.iloc[0].old_value, revs.iloc[0].new_value) == (52.0, 61.0)
    assert revs.iloc[0].reason == "统计局修订"
    assert "由 52.0% 改为 61.0%" in texts(at.success)
    history = table(at, "原因")
    assert list(history.iloc[0][["原值", "新值", "原因"]]) == ["52.0%", "61.0%", "统计局修订"]

    # the same value again changes nothing and records no revision
    at.text_input(key="entry.value").input("61%")
    at.button(key="entry.submit").click()
    at.run()
    assert "未做修改" in texts(at.info)
    assert len(queries.revisions(database, SHARE)) == 1


def test_switching_language_keeps_the_chosen_target(database: Database) -> None:
    at = app(ENTRY)
    choice(at, "unit").set_value("").run()
    choice(at, "indicator").set_value(SHARE).run()
    choice(at, "region").set_value("371702").run()
    at.radio(key="lang_choice").set_value("en").run()
    assert not at.exception
    assert at.title[0].value == "Data entry"
    assert choice(at, "indicator").value == SHARE
    name_en = database.catalog.indicators[SHARE].name_en
    assert f"{name_en} · {SHARE}" in choice(at, "indicator").options
    assert choice(at, "region").value == "371702"
    assert choice(at, "region").format_func("371702") == "Mudan 371702"


# --- import ------------------------------------------------------------------------------

GOOD = [
    (SHARE, "371700", "2024Q4", "40%"),
    (SHARE, "371700", "2025Q1", "45%"),
]
BAD = [(SHARE, "371700", "2025Q2", "abc"), ("no-such-indicator", "371700", "2025Q2", "1")]


def upload(at: AppTest, name: str, data: bytes, mime: str = "text/csv") -> AppTest:
    at.file_uploader[0].set_value((name, data, mime))
    return at.run()


def test_import_previews_then_writes(database: Database) -> None:
    at = upload(app(UPLOAD), "季度统计.csv", sheet(GOOD + BAD))
    assert not at.exception
    assert stored(database).empty  # the preview is a dry run
    metrics = {m.label: m.value for m in at.metric}
    assert metrics == {"新增": "2", "更新": "0", "不变": "0", "问题行": "2"}
    preview = table(at, "行号")
    assert list(preview["行号"]) == [2, 3, 4, 5]
    assert list(preview["结果"]) == ["新增", "新增", "有问题", "有问题"]
    assert preview["原值 → 新值"].iloc[0] == "— → 40.0%"
    assert "无法识别的数值“abc”" in preview["问题"].iloc[2]
    assert list(preview["统计期"])[:2] == ["2024Q4", "2025Q1"]  # the long rows to store
    assert red_rows(at, "结果") == {2, 3}  # the problem rows are highlighted
    problems = table(at, "说明")
    assert list(problems["行号"]) == [4, 5]
    assert set(problems.columns) == {"行号", "列", "原始值", "说明"}
    assert at.button(key="upload.write").disabled  # all or nothing by default

    at.checkbox(key="upload.skip_invalid").check()
    at.run()
    assert not at.button(key="upload.write").disabled
    at.button(key="upload.write").click()
    at.run()
    assert not at.exception
    obs = stored(database)
    assert sorted(obs.value) == [40.0, 45.0]
    assert "已写入第 1 号导入" in texts(at.success)
    assert at.file_uploader[0].key == "upload.file.1"  # a fresh uploader for the next file
    imports = queries.imports(database)
    assert list(imports[["inserted", "errors", "status"]].iloc[0]) == [2, 2, "written"]
    assert list(table(at, "编号")["编号"]) == [1]
    assert list(table(at, "当前状态")["导入前状态"]) == ["暂无数据"]


def test_import_of_a_clean_excel_file_and_its_update_preview(database: Database) -> None:
    at = upload(app(UPLOAD, lang="en"), "q.csv", sheet(GOOD))
    at.button(key="upload.write").click()
    at.run()
    assert len(stored(database)) == 2

    frame = pd.DataFrame(
        [(SHARE, "菏泽市", "2025Q1", "50%"), (SHARE, "371700", "2024Q4", "40%")],
        columns=["indicator_id", "region", "period", "value"],
    )
    buffer = io.BytesIO()
    frame.to_excel(buffer, index=False)
    xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    at = upload(at, "q2.xlsx", buffer.getvalue(), xlsx)
    assert not at.exception
    preview = table(at, "Row")
    assert list(preview["Result"]) == ["update", "unchanged"]
    assert preview["Old → new"].iloc[0] == "45.0% → 50.0%"
    assert not red_rows(at, "Result")
    at.button(key="upload.write").click()
    at.run()
    assert "Import #2" in texts(at.success)
    assert sorted(stored(database).value) == [40.0, 50.0]


def test_an_unreadable_file_gives_a_message_not_a_traceback(database: Database) -> None:
    at = upload(app(UPLOAD), "broken.xlsx", b"this is not a workbook", "application/zip")
    assert not at.exception
    assert "无法读取 Excel 文件" in texts(at.error)
    at = upload(at, "headers.csv", "名称,数量\n甲,1\n".encode())
    assert not at.exception
    assert "没有可识别的表头行" in texts(at.error)  # what the header needs
    assert not any(b.key == "upload.write" for b in at.button)
    assert stored(database).empty


def test_undo_reverts_an_import(database: Database) -> None:
    at = app(ENTRY)
    at = enter(at, "2024Q4", "30%")  # stored before the import: the undo must restore it
    at.switch_page(UPLOAD).run()
    at = upload(at, "q.csv", sheet(GOOD))
    at.button(key="upload.write").click()
    at.run()
    assert sorted(stored(database).value) == [40.0, 45.0]

    at.button(key="upload.undo.1").click()
    at.run()
    assert not at.exception
    assert list(stored(database).value) == [30.0]  # 2024Q4 restored, 2025Q1 deleted
    assert "恢复 1 条，删除 1 条" in texts(at.success)
    assert list(queries.imports(database).status) == ["undone"]
    assert list(table(at, "编号")["状态"]) == ["已撤销"]
    assert not any(b.key == "upload.undo.1" for b in at.button)


def test_undoing_an_import_undone_elsewhere_shows_why(database: Database) -> None:
    at = upload(app(UPLOAD), "q.csv", sheet(GOOD))
    at.button(key="upload.write").click()
    at.run()
    undo_import(database, 1)  # another analyst, or the CLI, got there first
    at.button(key="upload.undo.1").click()
    at.run()
    assert not at.exception
    errors = texts(at.error)
    assert "第 1 号导入已于" in errors and "already undone" not in errors  # one language


def test_a_busy_database_gives_a_message_and_keeps_the_input(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    from db.engine import DatabaseBusy

    def busy(*args: object, **kwargs: object) -> None:
        raise DatabaseBusy("数据库正忙 / The database is busy")

    monkeypatch.setattr("db.writes.enter_value", busy)
    at = enter(app(ENTRY), "2025Q3", "52%")
    assert not at.exception
    assert "数据库正忙" in texts(at.error) and "The database is busy" not in texts(at.error)
    assert at.text_input(key="entry.value").value == "52%"
    assert stored(database).empty


def test_an_analyst_is_offered_undo_only_for_their_own_imports(database: Database) -> None:
    """Issue 17 item 2: no undo button for someone else's import (db/ would refuse it too)."""
    from db.writes import import_file

    assert import_file(database, sheet(GOOD), "by-admin.csv").written  # the local operator's
    analyst = app(UPLOAD)
    assert not analyst.exception
    assert not any(b.key == "upload.undo.1" for b in analyst.button)
    root = Actor("root", "admin")
    accounts.add_user(database, root.name, root.role, PASSWORD, [], [])
    admin = app(UPLOAD, actor=root)
    assert any(b.key == "upload.undo.1" for b in admin.button)


def test_an_analysts_template_lists_only_their_own_indicators() -> None:
    from metrics.exports import template_sheet

    catalog = load_catalog(CONFIG)
    everything = template_sheet(catalog)
    own = template_sheet(catalog, [SHARE])
    assert len(everything) == len(catalog.indicators) and len(own) == 1
    assert own.attrs["choices"][own.columns[0]] == [SHARE]
