"""Markdown injection (issue 14 item 6): text from URLs, people and files is shown
literally. Streamlit renders Markdown in every message, caption and label, so a link,
an image, bold text, an :emoji: or a bare URL in `?id=` would act; views.common.plain is
the one escaping function every page passes such text through."""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from urllib.parse import quote

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from tests.conftest import CONFIG, ROOT

HOSTILE = "[x](http://evil.example)**b**![i](http://evil.example/i.png)"
MORE = [
    HOSTILE,
    "<img src=http://evil.example/x.png>",
    "www.evil.example and mail@evil.example",
    ":red[alert] :material/warning: :smile: __u__ ~~s~~ `c` $x^2$",
    "# big\n\n    code\n\n1. one\n- two\n> quote\n| a | b |",
]
SHARE = "heze-2023-digital-gov.data-service-share"
PASSWORD = "correct horse battery"
# what Streamlit's Markdown (CommonMark + GFM + math + emoji + directives) would act on
ACTIVE = {
    "link or image": re.compile(r"(?<!\\)\]\("),
    "bold or italic": re.compile(r"(?<!\\)(\*|_)"),
    "bare URL": re.compile(r"https?://|www\.", re.IGNORECASE),
    "e-mail autolink": re.compile(r"[\w.+-]@"),
    "HTML": re.compile(r"(?<!\\)<"),
    "math": re.compile(r"(?<!\\)\$"),
    "emoji, icon or directive": re.compile(r":[\w+/-]+[:\[{]", re.ASCII),
    "strike or code": re.compile(r"(?<!\\)[~`]"),
    "heading, list, quote, table or code block": re.compile(
        r"^(?: {0,3}#| {4}| {0,3}\d+[.)]\s| {0,3}[-+*]\s| {0,3}>)|(?<!\\)\|", re.MULTILINE
    ),
}
MARKDOWN_ELEMENTS = ("error", "warning", "info", "success", "markdown", "caption", "title")


def active_markdown(text: str) -> list[str]:
    """The Markdown constructs a string would still trigger (empty when shown literally)."""
    return [name for name, pattern in ACTIVE.items() if pattern.search(text)]


@pytest.mark.parametrize("text", MORE)
def test_plain_leaves_no_markdown_active(text: str) -> None:
    from views.common import ZWJ, plain

    escaped = plain(text)
    assert active_markdown(text)  # the oracle sees the attack …
    assert active_markdown(escaped) == []  # … and nothing of it after escaping
    shown = re.sub(r"\\(.)", r"\1", escaped).replace(ZWJ, "").replace("\u00a0", " ")
    assert shown == text  # what a reader sees is exactly what was typed


@pytest.mark.parametrize("text", ["菏泽市 · 2024Q3 · 35%", "10:30:00", "#12 (a-b)", "6.5万"])
def test_plain_keeps_ordinary_text_readable(text: str) -> None:
    from views.common import plain

    assert re.sub(r"\\(.)", r"\1", plain(text)) == text


# --- the public pages with hostile URL parameters (AppTest) ------------------------------------


@pytest.fixture
def app_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    config = tmp_path / "config.yaml"
    shutil.copy(CONFIG, config)
    monkeypatch.setenv("METRICS_CONFIG", str(config))
    monkeypatch.setenv("METRICS_DATABASE_URL", f"sqlite:///{tmp_path / 'metrics.db'}")
    st.cache_resource.clear()
    st.cache_data.clear()
    yield tmp_path
    st.cache_resource.clear()
    st.cache_data.clear()


def _shown(at: AppTest) -> list[str]:
    """Every Markdown-rendered text the run drew: messages, captions, titles, markdown."""
    return [str(e.value) for kind in MARKDOWN_ELEMENTS for e in at.get(kind)]


def _assert_literal(at: AppTest, expect_in: str) -> None:
    assert not at.exception, [e.message for e in at.exception]
    shown = _shown(at)
    assert any("evil.example" in s for s in shown), shown  # the value is said, literally
    for text in shown:
        if "evil" not in text:
            continue  # the page's own sentences may use Markdown on purpose
        assert "](" not in re.sub(r"\\.", "", text), text  # no unescaped ](
        assert "http://evil" not in text and "**b" not in text, text
        assert active_markdown(text) == [], text
    assert any(expect_in in s for s in shown), (expect_in, shown)


def _page(path: str, **params: str) -> AppTest:
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60)
    at.query_params["lang"] = "zh"
    if path == "views/overview.py":  # the landing page: its filters are read on the first run
        at.query_params.update(params)
        return at.run()
    at.run()
    at.switch_page(path)
    at.query_params.update(params)
    return at.run()


@pytest.mark.parametrize(
    ("path", "params", "sentence"),
    [
        ("views/indicator.py", {"id": HOSTILE}, "不在目录中"),
        ("views/indicator.py", {"id": SHARE, "region": HOSTILE}, "无法识别"),
        ("views/indicator.py", {"id": SHARE, "as_of": HOSTILE}, "无法识别"),
        ("views/overview.py", {"city": HOSTILE}, "忽略"),
        ("views/overview.py", {"as_of": HOSTILE}, "忽略"),
    ],
    ids=["indicator-id", "indicator-region", "indicator-as_of", "overview-city", "overview-as_of"],
)
def test_hostile_url_parameters_are_shown_literally(app_env, path, params, sentence) -> None:
    _assert_literal(_page(path, **params), sentence)


@pytest.mark.parametrize("text", MORE[1:])
def test_other_markdown_in_a_url_parameter_stays_inert(app_env, text) -> None:
    at = _page("views/indicator.py", id=text)
    assert not at.exception
    said = [e.value for e in at.error]
    assert said and all(active_markdown(s) == [] for s in said), said


def test_a_hostile_account_name_is_shown_literally(app_env) -> None:
    """Account names are typed by people: the sidebar and the entry page show them as such."""
    from db import accounts
    from db.connect import open_database
    from metrics.catalog import load_catalog

    name = "**[x](http://evil.example)**"
    config = app_env / "config.yaml"
    text = config.read_text(encoding="utf-8")
    config.write_text(text.replace("login_required: false", "login_required: true"), "utf-8")
    db = open_database(load_catalog(config))
    accounts.add_user(db, name, "analyst", PASSWORD, units=["371700:市大数据局"])
    db.engine.dispose()
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60).run()  # the form
    at.text_input(key="login_name").input(name)
    at.text_input(key="login_password").input(PASSWORD)
    next(b for b in at.button if b.label == "登录").click()
    at.run()
    assert at.session_state["actor"].name == name
    at.switch_page("views/entry.py").run()
    captions = [c.value for c in at.caption] + [c.value for c in at.sidebar.caption]
    mine = [c for c in captions if "evil.example" in c]
    assert len(mine) >= 2, captions  # the sidebar's "signed in as" and the entry page's
    for text in mine:
        assert active_markdown(text) == [], text


# --- in Chromium: the DOM has no link or image to the hostile host ------------------------------


def _browser_env(tmp: Path) -> dict[str, str]:
    import os

    shutil.copy(CONFIG, tmp / "config.yaml")
    env = dict(os.environ)
    env.update(
        METRICS_CONFIG=str(tmp / "config.yaml"),
        METRICS_DATABASE_URL=f"sqlite:///{tmp / 'metrics.db'}",
        STREAMLIT_BROWSER_GATHER_USAGE_STATS="false",
        PYTHONUNBUFFERED="1",
    )
    return env


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """`streamlit run serve.py` (what production runs) on a fresh database."""
    from tests.browser_helpers import Server, require_browser, run_cli

    sync_api = require_browser()
    tmp = tmp_path_factory.mktemp("escaping")
    env = _browser_env(tmp)
    run_cli(["init"], env)
    server = Server(env=env, log_path=tmp / "streamlit.log", script="serve.py")
    server.start()
    try:
        yield sync_api, server
    finally:
        server.stop()


@pytest.mark.browser
def test_no_link_or_image_to_the_hostile_host_in_the_page(served) -> None:
    from tests.browser_helpers import (
        ACTION_MS,
        CHROMIUM,
        LAUNCH_ARGS,
        no_exception,
        open_page,
    )

    sync_api, server = served
    value = quote(HOSTILE, safe="")
    urls = [
        f"{server.url}/indicator?id={value}",
        f"{server.url}/indicator?id={SHARE}&region={value}&as_of={value}",
        f"{server.url}/?city={value}",
    ]
    others = "www.evil.example mail@evil.example :red[alert] :smile: $x$"
    urls.append(f"{server.url}/indicator?id={quote(others, safe='')}")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        try:
            context = browser.new_context(locale="zh-CN")
            context.set_default_timeout(ACTION_MS)
            page = context.new_page()
            for url in urls:
                open_page(page, url, "[data-testid=stAlert]")
                no_exception(page)
                assert page.locator("a[href*='evil']").count() == 0, url
                assert page.locator("img[src*='evil']").count() == 0, url
                boxes = page.locator("[data-testid=stAlert]").filter(has_text="evil.example")
                assert boxes.count() >= 1, url
                for i in range(boxes.count()):
                    inner = boxes.nth(i).inner_html()
                    assert not re.search(r"<(a|img|strong|em|code|h\d)\b", inner), inner
                    shown = boxes.nth(i).inner_text().replace("\u200d", "")
                    assert "[x](http://evil.example)**b**" in shown or others in shown, shown
                assert page.locator("a[href^=mailto]").count() == 0, url
        finally:
            browser.close()
