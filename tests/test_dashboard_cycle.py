"""The reporting cycle's pages (本期待填报, 审核与锁定, 报送情况) driven through AppTest:
the analyst lands on what their unit owes and fills it in one form, the reviewer returns a
value with a reason the analyst then sees, approves and locks, a locked value is refused
with a message, an admin unlocks with an audited reason, and the completeness page names
who has not reported. The database is checked after every write."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from db import cycle, queries
from db.engine import Database
from db.permissions import Actor
from tests.conftest import SMALL_CATALOG
from tests.dashboard_helpers import add_accounts, app_database, closing, config_file, dashboard

SHARE = "heze-2023-digital-gov.data-service-share"
ANALYST = Actor("bdb", "analyst", units=("市大数据局",), regions=("371700",))  # 菏泽
REVIEWER = Actor("coord", "reviewer")
ADMIN = Actor("root", "admin")
PASSWORD = "correct horse battery"
VALUE_KEY = f"cycle.v.{SHARE}.371700"


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Database]:
    # Reports owed from 2025 on (the share's last deadline is 2025-12-31: 2025Q1..Q4).
    config = config_file(
        tmp_path,
        SMALL_CATALOG.replace(
            '    region: "371700"\nindicators:',
            '    region: "371700"\n    reporting: {start: 2025-01-01}\nindicators:',
        ),
    )
    db = app_database(tmp_path, monkeypatch, config)
    add_accounts(db, PASSWORD, (ANALYST, REVIEWER, ADMIN))
    yield from closing(db)


def app(actor: Actor | None, page: str | None = None) -> AppTest:
    return dashboard(actor, page)


def texts(elements) -> str:  # type: ignore[no-untyped-def]
    return re.sub(r"\\(.)", r"\1", "\n".join(str(e.value) for e in elements))


def shown(at: AppTest) -> str:
    return "\n".join(
        texts(group) for group in (at.title, at.markdown, at.caption, at.error, at.success, at.info)
    )


def stored(db: Database) -> pd.DataFrame:
    return queries.observation_table(db)


def fill(at: AppTest, value: str, period: str | None = None) -> AppTest:
    if period is not None:  # a period with nothing left to do: chosen by hand
        at.selectbox(key="cycle.period").set_value(period)
        at = at.run()
    at.text_input(key=VALUE_KEY).set_value(value)
    at.button(key="cycle.save").click()
    return at.run()


def test_analyst_lands_on_owed_and_fills_one_form(database: Database) -> None:
    at = app(ANALYST)
    assert not at.exception
    assert "本期待填报" in texts(at.title)
    table = at.dataframe[0].value
    assert set(table["统计期"]) == {"2025Q1", "2025Q2", "2025Q3", "2025Q4"}
    assert set(table["状态"]) == {"逾期未报"}
    # The newest period's form: the target and unit beside the cell.
    assert at.selectbox(key="cycle.period").value == "2025Q4"
    assert "不低于70" in shown(at) or "70" in shown(at)
    assert at.text_input(key=VALUE_KEY).label == "数值（%）"
    at = fill(at, "abc")
    assert "未保存" in texts(at.error) and "abc" in texts(at.error)
    assert stored(database).empty
    at = fill(at, "72")
    assert not at.exception
    assert "已提交" in texts(at.success)
    obs = stored(database)
    assert obs.value.tolist() == [72.0]
    assert obs.period_end.iloc[0] == pd.Timestamp("2025-12-31")


def test_return_with_reason_reaches_the_analyst(database: Database) -> None:
    at = fill(app(ANALYST), "72")
    at = app(REVIEWER)
    assert "审核与锁定" in texts(at.title)
    at.multiselect(key="review.pick").select(at.multiselect(key="review.pick").options[0])
    at.text_input(key="review.reason").set_value("应为年末累计值")
    at.button(key="review.return").click()
    at = at.run()
    assert "已退回 1 项" in texts(at.success)
    assert cycle.submissions(database).review_state.tolist() == ["returned"]
    at = app(ANALYST)
    assert "应为年末累计值" in shown(at) or "应为年末累计值" in at.dataframe[0].value.to_string()
    at = fill(at, "73")
    assert cycle.submissions(database).review_state.tolist() == ["submitted"]


def test_approve_lock_refuses_change_and_admin_unlocks(database: Database) -> None:
    fill(app(ANALYST), "72")
    at = app(REVIEWER)
    at.multiselect(key="review.pick").select(at.multiselect(key="review.pick").options[0])
    at.button(key="review.approve").click()
    at = at.run()
    at.button(key="review.lock").click()
    at = at.run()
    assert "已锁定 1 项" in texts(at.success)
    at = fill(app(ANALYST), "80", period="2025Q4")
    assert "锁定" in texts(at.error)
    assert stored(database).value.tolist() == [72.0]
    at = app(ADMIN, "views/review.py")
    at.multiselect(key="review.unlock_pick").select(
        at.multiselect(key="review.unlock_pick").options[0]
    )
    at.text_input(key="review.unlock_reason").set_value("统计局修订年报")
    at.button(key="review.unlock").click()
    at = at.run()
    assert "已解锁 1 项" in texts(at.success)
    entry = queries.audit_log(database, action="unlock").iloc[0]
    assert entry.user == "root" and entry.detail["reason"] == "统计局修订年报"
    fill(app(ANALYST), "80", period="2025Q4")
    assert stored(database).value.tolist() == [80.0]


def test_unlock_without_reason_is_refused(database: Database) -> None:
    fill(app(ANALYST), "72")
    cycle.approve(database, REVIEWER, [(SHARE, "371700", "2025Q4")])
    cycle.lock_period(database, REVIEWER, "2025Q4")
    at = app(ADMIN, "views/review.py")
    at.multiselect(key="review.unlock_pick").select(
        at.multiselect(key="review.unlock_pick").options[0]
    )
    at.button(key="review.unlock").click()
    at = at.run()
    assert "原因" in texts(at.error)
    assert bool(cycle.submissions(database).locked.iloc[0])


def test_completeness_names_who_has_not_reported(database: Database) -> None:
    fill(app(ANALYST), "72")
    at = app(None, "views/completeness.py")
    assert not at.exception
    assert at.selectbox(key="compl.period").value == "2025Q4"
    summary = at.dataframe[0].value.set_index("单位/城市")
    assert summary.loc["市大数据局", "已报"] == 1
    assert summary.loc["市工业和信息化局", "未报"] == 1
    history = at.dataframe[1].value.set_index("指标")
    # No data past the due day reads 未报, never 暂无数据; a late report stays visible.
    assert history.loc["5G基站数量", "当前状态"] == "未报"
    # The milestone owes no report (its deadline came before reporting began in 2025).
    assert history.loc["政务云平台上线", "当前状态"] == "暂无数据"
    assert history.loc["一体化大数据平台统一提供数据服务的比例", "报送记录"] == "曾迟报"
    listing = at.dataframe[2].value
    assert set(listing["状态"]) == {"迟报", "未报"}
    assert "市工业和信息化局" in set(listing["责任单位"])


@pytest.mark.parametrize(
    ("actor", "page", "title"),
    [
        (ANALYST, None, "Reports owed this period"),
        (REVIEWER, None, "Review and lock"),
        (ADMIN, "views/review.py", "Review and lock"),
        (None, "views/completeness.py", "Reporting completeness and timeliness"),
    ],
)
def test_pages_in_english(database: Database, actor, page, title) -> None:  # type: ignore[no-untyped-def]
    fill(app(ANALYST), "72")
    at = dashboard(actor, page, lang="en")
    assert not at.exception
    assert title in texts(at.title)
    assert not re.search(r"[\u4e00-\u9fff]", texts(at.title) + texts(at.caption).split("·")[0])
