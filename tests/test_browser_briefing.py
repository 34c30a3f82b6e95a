"""The briefing in a real browser: a leader opens 通报与整改 and gets the quarter's .docx in
one click; an analyst of the responsible unit records a cause and a remedy, and the next
download holds it. `streamlit run dashboard.py` on demo data, driven by Playwright with
Debian's chromium (see tests/browser_helpers.py); skipped without a browser unless
METRICS_REQUIRE_BROWSER is set."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from typing import Any

import docx
import pytest

from metrics.briefing.document import lagging_header
from tests.browser_helpers import (
    ACTION_MS,
    FIRST_LOAD_MS,
    Server,
    Walk,
    add_user,
    copy_config,
    fresh_artifacts,
    login,
    nav,
    no_exception,
    one_page,
    open_page,
    run_cli,
    server_env,
    serving,
    settle,
)

pytestmark = pytest.mark.browser

ANALYST, PASSWORD = "e2e-briefing", "browser-test-password-1"
DOWNLOAD_READY = "[data-testid=stDownloadButton]"
CAUSE = "浏览器测试：数据接口尚未打通"


@pytest.fixture(scope="module")
def server(sync_api: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    fresh_artifacts()
    tmp = tmp_path_factory.mktemp("browser_briefing")
    env = server_env(tmp, copy_config(tmp))
    run_cli(["init"], env)
    run_cli(["demo"], env)
    add_user(
        env, ANALYST, "analyst", "--unit", "市大数据局", "--region", "371700", password=PASSWORD
    )
    yield from serving(env, tmp)


@pytest.fixture
def tab(chromium: Any, server: Server) -> Iterator[Any]:
    yield from one_page(chromium, accept_downloads=True)


def download_briefing(page: Any) -> bytes:
    """Click 下载通报（Word） and return the file the browser received."""
    button = page.locator(DOWNLOAD_READY).filter(has_text="下载通报（Word）").locator("button")
    with page.expect_download(timeout=60_000) as info:
        button.click()
    download = info.value
    assert download.suggested_filename.endswith(".docx"), download.suggested_filename
    with open(download.path(), "rb") as fh:
        return fh.read()


def lagging_rows(data: bytes) -> list[list[str]]:
    header = lagging_header("zh")
    rows: list[list[str]] = []
    for table in docx.Document(io.BytesIO(data)).tables:
        cells = [[c.text for c in row.cells] for row in table.rows]
        if cells[0] == header:
            rows += cells[1:]
    return rows


def test_a_leader_downloads_the_briefing_in_one_click(tab: Any, server: Server) -> None:
    page = tab
    walk = Walk(page, "briefing-leader")
    with walk.recording():
        open_page(page, server.url + "/", "[data-testid=stMetric]")
        nav(page, "通报与整改")
        page.wait_for_selector(DOWNLOAD_READY, timeout=FIRST_LOAD_MS)
        no_exception(page)
        caption = page.get_by_text(re.compile(r"滞后 \d+ 项")).first.inner_text()
        lagging = int(re.search(r"滞后 (\d+) 项", caption).group(1))  # type: ignore[union-attr]
        walk.shot("briefing-page")
        data = download_briefing(page)
        rows = lagging_rows(data)
        assert len(rows) == lagging > 0  # the page's count is the document's
        assert all(r[6] for r in rows)  # every row names its responsible unit
        no_exception(page)


def test_an_analysts_cause_is_in_the_next_download(tab: Any, server: Server) -> None:
    page = tab
    walk = Walk(page, "briefing-analyst")
    with walk.recording():
        login(page, server.url, ANALYST, PASSWORD)
        nav(page, "通报与整改")
        page.wait_for_selector("[data-testid=stForm]", timeout=FIRST_LOAD_MS)
        form = page.locator("[data-testid=stForm]")
        form.get_by_label("落后原因").fill(CAUSE)
        form.get_by_label("整改措施").fill("成立专班，每周调度")
        form.locator("[data-testid=stFormSubmitButton] button").click()
        settle(page)
        page.get_by_text("已记录第").first.wait_for(timeout=ACTION_MS)
        no_exception(page)
        walk.shot("recorded")
        rows = lagging_rows(download_briefing(page))
        answered = [r for r in rows if r[7] == CAUSE]
        assert len(answered) == 1, "the recorded cause is not in the briefing (once)"
        assert "成立专班，每周调度" in answered[0][8]


def test_the_overview_offers_the_quarters_briefing(tab: Any, server: Server) -> None:
    page = tab
    with Walk(page, "briefing-overview").recording():
        open_page(page, server.url + "/", "[data-testid=stMetric]")
        no_exception(page)
        rows = lagging_rows(download_briefing(page))
        assert rows and all(r[6] for r in rows)
