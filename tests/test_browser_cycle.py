"""The reporting cycle in a real browser: an analyst signs in and lands on 本期待填报, fills
the period in one form; the reviewer returns it with a reason; the analyst sees the reason
and corrects; the reviewer approves and locks; the analyst's next change is refused; the
completeness page names who has not reported. Skipped without chromium or playwright
(failed where METRICS_REQUIRE_BROWSER is set)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser_helpers import (
    Server,
    Walk,
    add_user,
    choose,
    fresh_artifacts,
    multiselect,
    nav,
    new_context,
    no_exception,
    run_cli,
    server_env,
    serving,
    settle,
    sign_in,
)
from tests.conftest import SMALL_CATALOG

pytestmark = pytest.mark.browser

ANALYST, REVIEWER, PASSWORD = "bdb", "coord", "browser-test-password-1"
SHARE_NAME = "一体化大数据平台统一提供数据服务的比例"


@pytest.fixture(scope="module")
def server(sync_api: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    fresh_artifacts()
    tmp: Path = tmp_path_factory.mktemp("browser-cycle")
    config = tmp / "config.yaml"
    config.write_text(
        SMALL_CATALOG.replace(
            '    region: "371700"\nindicators:',
            '    region: "371700"\n    reporting: {start: 2025-01-01}\nindicators:',
        ),
        encoding="utf-8",
    )
    env = server_env(tmp, config)
    run_cli(["init"], env)
    add_user(env, ANALYST, "analyst", "--unit", "市大数据局", password=PASSWORD)
    add_user(env, REVIEWER, "reviewer", password=PASSWORD)
    yield from serving(env, tmp)


def _tab(chromium: Any) -> Any:
    context = new_context(chromium, height=1100)
    return context, context.new_page()


def _fill(page: Any, value: str) -> None:
    form = page.locator("[data-testid=stForm]")
    form.get_by_role("textbox", name="数值（%）").fill(value)
    form.locator("[data-testid=stFormSubmitButton] button").click()
    settle(page)


def test_fill_return_correct_lock_and_completeness(
    chromium: Any, server: Server, sync_api: Any
) -> None:
    expect = sync_api.expect
    a_ctx, analyst = _tab(chromium)
    r_ctx, reviewer = _tab(chromium)
    walk_a, walk_r = Walk(analyst, "cycle-analyst"), Walk(reviewer, "cycle-reviewer")
    try:
        with walk_a.recording():
            # Signed in, the analyst lands on what the unit owes: no searching.
            sign_in(analyst, server.url, ANALYST, PASSWORD, lands_on="[data-testid=stForm]")
            expect(analyst.locator("h1").first).to_have_text("本期待填报")
            expect(analyst.locator("[data-testid=stForm]")).to_contain_text(SHARE_NAME)
            expect(analyst.locator("[data-testid=stForm]")).to_contain_text("2025-12-31 前不低于70")
            walk_a.shot("owed")
            _fill(analyst, "72")
            expect(analyst.get_by_text("2025Q4 已提交")).to_be_visible()
            no_exception(analyst)
            walk_a.shot("submitted")

        with walk_r.recording():
            sign_in(reviewer, server.url, REVIEWER, PASSWORD, "[data-testid=stMultiSelect]")
            multiselect(reviewer, "选择数值", f"{SHARE_NAME} · 371700 · 72")
            reviewer.get_by_role("textbox", name="退回原因（必填，填报员可见）").fill(
                "应为年末累计值"
            )
            reviewer.get_by_role("button", name="退回").click()
            settle(reviewer)
            expect(reviewer.get_by_text("已退回 1 项")).to_be_visible()
            walk_r.shot("returned")

        with walk_a.recording():
            nav(analyst, "本期待填报")
            expect(analyst.locator("[data-testid=stForm]")).to_contain_text(
                "退回原因：应为年末累计值"
            )
            walk_a.shot("sees-reason")
            _fill(analyst, "73")
            expect(analyst.get_by_text("2025Q4 已提交")).to_be_visible()

        with walk_r.recording():
            nav(reviewer, "审核与锁定")
            multiselect(reviewer, "选择数值", f"{SHARE_NAME} · 371700 · 73")
            reviewer.get_by_role("button", name="审核通过").click()
            settle(reviewer)
            reviewer.get_by_role("button", name="锁定本期已通过的数值").click()
            settle(reviewer)
            expect(reviewer.get_by_text("已锁定 1 项")).to_be_visible()
            walk_r.shot("locked")

        with walk_a.recording():
            nav(analyst, "本期待填报")
            choose(analyst, "填报统计期", "2025Q4", "2025Q4")
            _fill(analyst, "80")
            expect(analyst.locator("[data-testid=stForm]")).to_contain_text("已审核并锁定")
            walk_a.shot("refused")
            nav(analyst, "报送情况")
            expect(analyst.locator("h1").first).to_have_text("报送情况：完整性与及时性")
            no_exception(analyst)
            walk_a.shot("completeness")
    finally:
        a_ctx.close()
        r_ctx.close()
