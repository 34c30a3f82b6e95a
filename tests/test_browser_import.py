"""The import page in a real browser, served as in production (`streamlit run serve.py`,
sign-ins in an HttpOnly cookie), walked as an analyst walks it:

- a bureau's messy 报表 (title lines, a merged two-level header, quarters as columns,
  county rows with 合计, a footer) is uploaded and previewed, the page is reloaded in the
  middle of the preview, the preview is still there (db/pending.py), and the write works;
- a workbook with one sheet per quarter whose second sheet heads its values 本季完成 is
  refused, that sheet's column is corrected in its own form, and all three sheets are
  written;
- a viewer does not see the import page at all, not even by its address.

Screenshots land in test-artifacts/browser/import-*.png. Skipped without chromium or
playwright, unless METRICS_REQUIRE_BROWSER is set.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from tests.browser_helpers import (
    ACTION_MS,
    ARTIFACTS,
    CHROMIUM,
    EXPECT_MS,
    FIRST_LOAD_MS,
    IDLE,
    LAUNCH_ARGS,
    ROOT,
    Server,
    Walk,
    choose,
    login,
    metrics,
    nav,
    new_context,
    no_exception,
    require_browser,
    run_cli,
    settle,
)

pytestmark = pytest.mark.browser

ANALYST, VIEWER, PASSWORD = "import-analyst", "import-viewer", "browser-import-password-1"
NAME = "一体化大数据平台统一提供数据服务的比例"  # heze-2023-digital-gov.data-service-share, %
HEZE = "371700"


def bureau_report() -> bytes:
    """A quarterly 报表 as a bureau sends it."""
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = "Sheet1"
    for row in [
        ["菏泽市数据共享指标完成情况统计表"],
        ["填报单位：菏泽市大数据局（盖章）", None, None, None, "填报日期：2024年10月8日"],
        ["序号", "县区", "指标名称", "2024年", None, None],
        [None, None, None, "一季度", "二季度", "三季度"],
        [1, "牡丹区", NAME, 40, 42, 45],
        [2, "曹县", NAME, 35, 38, "—"],
        [3, "单县", NAME, 30, 31, 33],
        [None, "合计", NAME, 105, 111, 78],
        [],
        ["填表人：张三", None, "审核人：李四", None, "联系电话：0530-1234567"],
        ["注：本表数值为百分比。"],
    ]:
        ws.append(row)
    for merged in ("A3:A4", "B3:B4", "C3:C4", "D3:F3", "A1:F1"):
        ws.merge_cells(merged)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def quarterly_workbook() -> bytes:
    """One sheet per quarter; the second heads its value column in its own words."""
    book = openpyxl.Workbook()
    book.remove(book.active)
    for q, header in ((1, "完成值（%）"), (2, "本季完成"), (3, "完成值（%）")):
        ws = book.create_sheet(f"2024年第{'一二三'[q - 1]}季度")
        ws.append(["菏泽市数据共享情况统计表"])
        ws.append(["县区", "指标名称", header])
        ws.append(["成武县", NAME, 50 + q])
        ws.append(["巨野县", NAME, 45 + q])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


@pytest.fixture(scope="module")
def sync_api() -> Any:
    return require_browser()


@pytest.fixture(scope="module")
def served(sync_api: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """serve.py on a fresh database with an analyst of Heze's 市大数据局 and a viewer."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)  # not emptied: other modules write there too
    tmp = tmp_path_factory.mktemp("browser-import")
    shutil.copy(ROOT / "config.yaml", tmp / "config.yaml")
    env = dict(os.environ)
    env.update(
        METRICS_CONFIG=str(tmp / "config.yaml"),
        METRICS_DATABASE_URL=f"sqlite:///{tmp / 'metrics.db'}",
        STREAMLIT_BROWSER_GATHER_USAGE_STATS="false",
        PYTHONUNBUFFERED="1",
    )
    run_cli(["init"], env)
    run_cli(
        ["user", "add", ANALYST, "--role", "analyst", "--unit", "市大数据局"]
        + ["--region", HEZE, "--password-stdin"],
        env,
        PASSWORD + "\n",
    )
    run_cli(["user", "add", VIEWER, "--role", "viewer", "--password-stdin"], env, PASSWORD + "\n")
    server = Server(env=env, log_path=tmp / "streamlit.log", script="serve.py")
    try:
        server.start()
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def chromium(sync_api: Any) -> Iterator[Any]:
    sync_api.expect.set_options(timeout=EXPECT_MS)
    with sync_api.sync_playwright() as p:
        launched = p.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture
def tab(chromium: Any, served: Server) -> Iterator[Any]:
    context = new_context(chromium)
    page = context.new_page()
    try:
        yield page
    finally:
        context.close()


def stored(server: Server) -> list[tuple[str, str, float]]:
    path = server.env["METRICS_DATABASE_URL"].removeprefix("sqlite:///")
    with sqlite3.connect(path) as conn:
        rows = conn.execute(
            "select region_code, substr(period_end, 1, 10), value from observations"
        ).fetchall()
    return sorted((r, p, float(v)) for r, p, v in rows)


def upload(page: Any, tmp: Path, name: str, data: bytes) -> None:
    path = tmp / name
    path.write_bytes(data)
    page.locator("[data-testid=stFileUploaderDropzoneInput]").set_input_files(path)
    settle(page)


def full(page: Any, name: str) -> None:
    """The whole page, not only the window (to read the preview below the layout)."""
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True, timeout=ACTION_MS)


def write(page: Any, expect: Any) -> None:
    button = page.locator("[data-testid=stButton]").filter(has_text="写入数据库").locator("button")
    expect(button).to_be_enabled()
    button.click()
    settle(page)


def test_a_reload_in_the_middle_of_a_preview_keeps_it_and_the_write_works(
    tab: Any, served: Server, sync_api: Any, tmp_path: Path
) -> None:
    expect, page = sync_api.expect, tab
    walk = Walk(page, "import-reload")
    with walk.recording():
        login(page, served.url, ANALYST, PASSWORD)
        nav(page, "批量导入")
        upload(page, tmp_path, "数据共享季报.xlsx", bureau_report())
        expect(page.get_by_text(re.compile("预览（尚未写入）：数据共享季报.xlsx"))).to_be_visible()
        before = metrics(page)
        assert before["新增"] == "8" and before["问题行"] == "0", before
        no_exception(page)
        walk.shot("previewed")
        full(page, "import-reload-previewed-full")
        page.reload()
        page.wait_for_selector(IDLE, timeout=FIRST_LOAD_MS)
        expect(
            page.get_by_text(re.compile("已恢复上次上传、尚未写入的文件“数据共享季报.xlsx”"))
        ).to_be_visible(timeout=FIRST_LOAD_MS)
        assert metrics(page, count=len(before)) == before  # all tiles of the restored preview
        no_exception(page)
        walk.shot("reloaded")
        write(page, expect)
        done = page.locator("[data-testid=stAlertContentSuccess]").filter(has_text="已写入")
        expect(done).to_contain_text("新增 8 条")
        walk.shot("written")
        assert stored(served) == [
            ("371702", "2024-03-31", 40.0),
            ("371702", "2024-06-30", 42.0),
            ("371702", "2024-09-30", 45.0),
            ("371721", "2024-03-31", 35.0),
            ("371721", "2024-06-30", 38.0),
            ("371722", "2024-03-31", 30.0),
            ("371722", "2024-06-30", 31.0),
            ("371722", "2024-09-30", 33.0),
        ]
        page.reload()  # written: nothing comes back
        page.wait_for_selector(IDLE, timeout=FIRST_LOAD_MS)
        settle(page)
        expect(page.locator("[data-testid=stFileUploaderDropzone]")).to_be_visible()
        assert page.get_by_text("已恢复上次上传").count() == 0


def test_one_sheet_of_a_quarterly_workbook_is_corrected_in_its_own_form(
    tab: Any, served: Server, sync_api: Any, tmp_path: Path
) -> None:
    expect, page = sync_api.expect, tab
    walk = Walk(page, "import-sheets")
    with walk.recording():
        login(page, served.url, ANALYST, PASSWORD)
        nav(page, "批量导入")
        upload(page, tmp_path, "2024年季度汇总.xlsx", quarterly_workbook())
        expect(page.get_by_text(re.compile("工作表“2024年第二季度”没有数值列"))).to_be_visible()
        walk.shot("refused")
        choose(page, "本季完成", "数值", re.compile("^数值$"))
        form = page.locator("[data-testid=stForm]").filter(has_text="2024年第二季度")
        form.locator("[data-testid=stFormSubmitButton] button").click()
        settle(page)
        expect(
            page.get_by_text(re.compile("预览（尚未写入）：2024年季度汇总.xlsx"))
        ).to_be_visible()
        assert metrics(page)["新增"] == "6"
        no_exception(page)
        walk.shot("corrected")
        full(page, "import-sheets-corrected-full")
        page.reload()  # the correction is kept with the file: the preview comes back as corrected
        page.wait_for_selector(IDLE, timeout=FIRST_LOAD_MS)
        expect(page.get_by_text(re.compile("已恢复上次上传、尚未写入的文件"))).to_be_visible(
            timeout=FIRST_LOAD_MS
        )
        assert metrics(page)["新增"] == "6"
        walk.shot("reloaded")
        write(page, expect)
        expect(page.locator("[data-testid=stAlertContentSuccess]")).to_contain_text("新增 6 条")
        walk.shot("written")
        assert [r for r in stored(served) if r[0] in ("371723", "371724")] == [
            ("371723", "2024-03-31", 51.0),
            ("371723", "2024-06-30", 52.0),  # the corrected sheet's own values
            ("371723", "2024-09-30", 53.0),
            ("371724", "2024-03-31", 46.0),
            ("371724", "2024-06-30", 47.0),
            ("371724", "2024-09-30", 48.0),
        ]


def test_a_viewer_sees_no_import_page(tab: Any, served: Server, sync_api: Any) -> None:
    expect, page = sync_api.expect, tab
    walk = Walk(page, "import-viewer")
    with walk.recording():
        page.goto(served.url + "/import")  # signed out: asked to sign in, in Chinese
        expect(page.get_by_text("“批量导入”需要登录后才能使用")).to_be_visible(
            timeout=FIRST_LOAD_MS
        )
        expect(page.get_by_text("Page not found")).to_have_count(0)
        walk.shot("sign-in-first")
        login(page, served.url, VIEWER, PASSWORD)
        expect(page.locator("[data-testid=stSidebarNav]")).not_to_contain_text("批量导入")
        page.goto(served.url + "/import")
        page.wait_for_selector(IDLE, timeout=FIRST_LOAD_MS)
        settle(page)
        assert page.locator("[data-testid=stFileUploaderDropzone]").count() == 0
        assert page.locator("h1", has_text="批量导入").count() == 0
        # said in the page's language, not Streamlit's English "Page not found"
        expect(page.get_by_text("“批量导入”不在您的权限内")).to_be_visible()
        expect(page.get_by_text("Page not found")).to_have_count(0)
        walk.shot("no-import")


def community_report(total: int) -> bytes:
    """A county report of a count that sums (smart communities), with its 合计 row."""
    book = openpyxl.Workbook()
    ws = book.active
    for row in [
        ["2023年第三季度菏泽市智慧社区建设情况统计表"],
        ["填报单位：菏泽市大数据局"],
        ["序号", "县区", "全市建设智慧社区数量（个）", "备注"],
        [1, "牡丹区", 12, None],
        [2, "曹县", 8, None],
        [3, "单县", 5, None],
        [None, "合  计", total, None],
        ["填表人：张三", None, "审核人：李四"],
    ]:
        ws.append(row)
    ws.merge_cells("A1:D1")
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_a_total_that_does_not_add_up_is_refused_and_the_fixed_one_written(
    tab: Any, served: Server, sync_api: Any, tmp_path: Path
) -> None:
    expect, page = sync_api.expect, tab
    walk = Walk(page, "import-totals")
    with walk.recording():
        login(page, served.url, ANALYST, PASSWORD)
        nav(page, "批量导入")
        upload(page, tmp_path, "智慧社区季报.xlsx", community_report(26))
        expect(page.get_by_text(re.compile("“合计”为 26个")).first).to_be_attached()  # grid cell
        assert metrics(page)["问题行"] == "1"
        no_exception(page)
        walk.shot("refused")
        full(page, "import-totals-refused-full")
        upload(page, tmp_path, "智慧社区季报-修正.xlsx", community_report(25))
        expect(
            page.get_by_text(re.compile("预览（尚未写入）：智慧社区季报-修正.xlsx"))
        ).to_be_visible()
        assert metrics(page)["新增"] == "3" and metrics(page)["问题行"] == "0"
        walk.shot("fixed")
        write(page, expect)
        expect(page.locator("[data-testid=stAlertContentSuccess]")).to_contain_text("新增 3 条")
        walk.shot("written")
        assert [r for r in stored(served) if r[1] == "2023-09-30"] == [
            ("371702", "2023-09-30", 12.0),
            ("371721", "2023-09-30", 8.0),
            ("371722", "2023-09-30", 5.0),
        ]
