"""What the browser tests share: the Streamlit server they start and the page moves they make.

Playwright drives Debian's chromium (`playwright install` cannot download browsers on the
project's machines). Every wait is bounded, so a broken page fails in seconds. Streamlit
marks `[data-testid=stApp]` with `data-test-script-state` while a rerun is in flight; the
helpers wait for `notRunning` after each action, and the tests then assert with `expect`,
which retries until its own timeout.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "test-artifacts" / "browser"  # /test-artifacts/ is in .gitignore
CHROMIUM = Path("/usr/bin/chromium")
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
IDLE = "[data-testid=stApp][data-test-script-state=notRunning]"
RUNNING = "[data-testid=stApp][data-test-script-state=running]"
# Counts every change of the app's script state in window.__runs (added to each context),
# so that settle() knows a rerun happened even when it was over before we looked.
COUNT_RUNS = """
window.__runs = 0;
new MutationObserver((records) => { window.__runs += records.length; }).observe(document, {
    subtree: true, attributes: true, attributeFilter: ["data-test-script-state"],
});
"""

# bounded waits (milliseconds unless named _S)
FIRST_LOAD_MS = 45_000  # the first page of a fresh server loads the catalog and the data
ACTION_MS = 15_000  # one rerun after a click or a key press
RERUN_START_MS = 5_000  # a click's rerun starting on a loaded server
EXPECT_MS = 10_000  # an assertion that retries (playwright's expect)
HEALTH_S = 45  # the server answering /_stcore/health with "ok"
SETUP_S = 120  # `python -m metrics init|demo|user add`


def require_browser() -> Any:
    """Playwright's sync API, or skip (fail where METRICS_REQUIRE_BROWSER is set, as in CI)."""
    problems = []
    if not CHROMIUM.exists():
        problems.append(f"{CHROMIUM} not found (apt-get install chromium fonts-noto-cjk)")
    try:
        import playwright.sync_api as sync_api
    except ImportError:
        sync_api = None
        problems.append("the playwright package is not installed (pip install -e '.[test]')")
    if problems:
        message = "browser tests need a browser: " + "; ".join(problems)
        if os.environ.get("METRICS_REQUIRE_BROWSER"):
            pytest.fail(message + " (METRICS_REQUIRE_BROWSER is set)", pytrace=False)
        pytest.skip(message)
    return sync_api


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def run_cli(args: list[str], env: dict[str, str], stdin: str | None = None) -> str:
    """`python -m metrics …` against the test database; a failure shows its output."""
    done = subprocess.run(
        [sys.executable, "-m", "metrics", *args],
        cwd=ROOT,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=SETUP_S,
    )
    if done.returncode != 0:
        pytest.fail(
            f"python -m metrics {' '.join(args)} exited {done.returncode}:\n"
            f"{done.stdout}\n{done.stderr}",
            pytrace=False,
        )
    return done.stdout


@dataclass
class Server:
    """`streamlit run dashboard.py` in its own process group, on a free port."""

    env: dict[str, str]
    log_path: Path
    port: int = field(default_factory=free_port)
    proc: subprocess.Popen | None = None
    script: str = "dashboard.py"  # serve.py: the same pages with cookie sessions

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, attempts: int = 3) -> None:
        """Start and wait for health; a port taken meanwhile by another process is retried."""
        for _ in range(attempts - 1):
            if self._start_once(fail=False):
                return
            self.port = free_port()
        self._start_once(fail=True)

    def _start_once(self, fail: bool) -> bool:
        command = [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            self.script,
            "--server.headless=true",
            f"--server.port={self.port}",
            "--server.address=127.0.0.1",
            "--server.fileWatcherType=none",  # others edit the pages meanwhile: no reloads
            "--browser.gatherUsageStats=false",
        ]
        with self.log_path.open("wb") as log:
            self.proc = subprocess.Popen(
                command,
                cwd=ROOT,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group, stopped whole in stop()
            )
        atexit.register(self.stop)  # even if the fixture's teardown never runs
        deadline = time.monotonic() + HEALTH_S
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                if not fail and "is not available" in self.log_tail():
                    self.proc = None
                    return False  # the port was taken between free_port() and the bind
                self.fail(f"streamlit exited with {self.proc.returncode} before it was healthy")
            with (
                contextlib.suppress(OSError),
                urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=2) as reply,
            ):
                if reply.read().decode().strip() == "ok":
                    return True
            time.sleep(0.25)
        self.fail(f"streamlit did not answer /_stcore/health with ok within {HEALTH_S}s")
        return False

    def log_tail(self, lines: int = 40) -> str:
        try:
            text = self.log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    def fail(self, message: str) -> None:
        self.stop()
        pytest.fail(f"{message}\n--- server log ---\n{self.log_tail()}", pytrace=False)

    def stop(self) -> None:
        """SIGTERM to the whole process group, then SIGKILL if it lingers."""
        proc, self.proc = self.proc, None
        if proc is None or proc.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)


# --- page moves ---------------------------------------------------------------------------------


def idle(page: Any, timeout: int = ACTION_MS) -> None:
    """The script is not running and no element is left over (stale) from the last run;
    the runs seen so far are marked as settled."""
    page.wait_for_selector(IDLE, timeout=timeout)
    page.wait_for_function(
        "() => !document.querySelector('[data-stale=true]')", timeout=timeout, polling=100
    )
    page.evaluate("() => { window.__settled = window.__runs || 0; }")


def settle(page: Any, timeout: int = ACTION_MS) -> None:
    """Wait for the rerun an action started to finish. A rerun that began since the last
    idle() counts even if it is already over; one that has not begun yet is waited for a
    few seconds (a loaded server answers a click late), then the page is taken as it is."""
    with contextlib.suppress(Exception):  # no rerun at all: the action changed nothing
        page.wait_for_function(
            "() => (window.__runs || 0) > (window.__settled || 0)", timeout=RERUN_START_MS
        )
    idle(page, timeout)


def open_page(page: Any, url: str, ready: str, timeout: int = FIRST_LOAD_MS) -> None:
    """Load a URL (a new Streamlit session) and wait until `ready` is drawn and idle."""
    page.goto(url, timeout=timeout)
    page.wait_for_selector(ready, timeout=timeout)
    idle(page, timeout)


def no_exception(page: Any) -> None:
    """No Python exception box on the page (Streamlit draws tracebacks as stException)."""
    boxes = page.locator("[data-testid=stException]")
    if boxes.count():
        raise AssertionError("the page shows an exception:\n" + boxes.first.inner_text())


def nav(page: Any, title: str) -> None:
    """Follow a link of the sidebar navigation (keeps the session, unlike page.goto)."""
    page.locator("[data-testid=stSidebarNavLink]").filter(has_text=title).first.click()
    settle(page)


def metrics(page: Any, count: int = 1) -> dict[str, str]:
    """The st.metric tiles on the page, label -> value, read in one go once the rerun is
    over (tile by tile, a redraw in between could mix two runs). A page can draw its
    tiles in a second run (a restored upload), so `count` tiles are waited for."""
    page.wait_for_function(
        f"document.querySelectorAll('[data-testid=stMetric]').length >= {count}",
        timeout=ACTION_MS,
    )
    idle(page)
    pairs = page.evaluate(
        """() => [...document.querySelectorAll("[data-testid=stMetric]")].map((tile) => [
            tile.querySelector("[data-testid=stMetricLabel]")?.innerText.trim() ?? "",
            tile.querySelector("[data-testid=stMetricValue]")?.innerText.trim() ?? "",
        ])"""
    )
    return dict(pairs)


def grid_column(
    page: Any,
    table: int,
    column: int,
    rows: int,
    until: Callable[[list[str]], bool] | None = None,
) -> list[str]:
    """Texts of the first `rows` cells of a column of the table-th visible st.dataframe.

    The data grid draws on a canvas; its accessible copy (glide-cell-COL-ROW, with a
    selection column 0 where rows can be selected) holds the cell texts of visible rows.
    That copy is redrawn a moment after the rerun (a language switch): with `until`, the
    column is read again (bounded by EXPECT_MS) until it holds; the last read is returned.
    """
    deadline = time.monotonic() + EXPECT_MS / 1000
    texts = _grid_column(page, table, column, rows)
    while until is not None and not until(texts) and time.monotonic() < deadline:
        time.sleep(0.2)
        texts = _grid_column(page, table, column, rows)
    return texts


def _grid_column(page: Any, table: int, column: int, rows: int) -> list[str]:
    idle(page)
    # only the tables on screen: a collapsed expander (the import's layout) holds others
    grid = page.locator("[data-testid=stDataFrame] >> visible=true").nth(table)
    # the grid draws its cells after the element itself: wait (bounded) for the first one
    grid.locator(f"[data-testid=glide-cell-{column}-0]").wait_for(state="attached")
    texts = []
    for row in range(rows):
        cell = grid.locator(f"[data-testid=glide-cell-{column}-{row}]")
        if not cell.count():
            break
        texts.append(cell.inner_text().strip())
    return texts


def choose(page: Any, label: str, search: str, option: str | re.Pattern[str]) -> None:
    """Pick an option of an st.selectbox by typing into its search box."""
    box = page.locator("[data-testid=stSelectbox]").filter(has=page.get_by_text(label, exact=True))
    field_ = box.get_by_role("combobox")
    field_.click()
    field_.fill(search)
    page.get_by_role("option", name=option).first.click(timeout=ACTION_MS)
    settle(page)


def multiselect(page: Any, label: str, option: str) -> None:
    """Add one option to an st.multiselect and close its list."""
    box = page.locator("[data-testid=stMultiSelect]").filter(
        has=page.get_by_text(label, exact=True)
    )
    box.click()
    page.get_by_role("option", name=option, exact=True).click(timeout=ACTION_MS)
    settle(page)
    page.keyboard.press("Escape")


def login(page: Any, base: str, name: str, password: str) -> None:
    open_page(page, f"{base}/login", "[data-testid=stForm]")
    form = page.locator("[data-testid=stForm]")
    form.get_by_role("textbox", name="账号", exact=True).fill(name)
    form.get_by_role("textbox", name="密码", exact=True).fill(password)
    form.locator("[data-testid=stFormSubmitButton] button").click()
    # signed in once the sidebar names the account (the landing page may rerun once more)
    page.wait_for_selector(
        f"[data-testid=stSidebar] :text('当前账号：{name}')", timeout=FIRST_LOAD_MS
    )
    settle(page)


def cjk_glyphs_drawn(page: Any, text: str, selector: str) -> bool:
    """Whether the browser draws distinct glyphs for each character of `text` in the font
    of `selector`. Without a CJK font every character falls back to the same empty box
    (.notdef), so two different characters come out pixel-identical."""
    return page.evaluate(
        """([text, selector]) => {
            const font = getComputedStyle(document.querySelector(selector)).fontFamily;
            const draw = (ch) => {
                const canvas = document.createElement("canvas");
                canvas.width = 64; canvas.height = 64;
                const ctx = canvas.getContext("2d");
                ctx.fillStyle = "#fff"; ctx.fillRect(0, 0, 64, 64);
                ctx.fillStyle = "#000"; ctx.font = `40px ${font}`;
                ctx.fillText(ch, 8, 48);
                return canvas.toDataURL();
            };
            const images = [...text].map(draw);
            return new Set(images).size === images.length;
        }""",
        [text, selector],
    )


# --- artifacts ----------------------------------------------------------------------------------


def fresh_artifacts() -> Path:
    """test-artifacts/browser/, emptied of the last run's screenshots (not under
    pytest-xdist, where another worker may be writing its own there meanwhile)."""
    if ARTIFACTS.exists() and not os.environ.get("PYTEST_XDIST_WORKER"):
        shutil.rmtree(ARTIFACTS)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


@dataclass
class Walk:
    """One path through the app: numbered screenshots, and one more if a step fails."""

    page: Any
    name: str
    step: int = 0

    def shot(self, what: str) -> Path:
        self.step += 1
        path = ARTIFACTS / f"{self.name}-{self.step:02d}-{what}.png"
        self.page.screenshot(path=str(path), timeout=ACTION_MS)
        return path

    @contextlib.contextmanager
    def recording(self) -> Iterator[Walk]:
        try:
            yield self
        except BaseException:
            with contextlib.suppress(Exception):
                self.shot("FAILED")
            raise


# --- the server and the browser, as every browser test module sets them up --------------------


def copy_config(tmp: Path) -> Path:
    """A copy of the repository's config.yaml in `tmp`: the server's catalog, not the tree's."""
    config = tmp / "config.yaml"
    shutil.copy(ROOT / "config.yaml", config)
    return config


def server_env(tmp: Path, config: Path) -> dict[str, str]:
    """The environment of `python -m metrics` and the server: `config`, a SQLite file in
    `tmp` (METRICS_DATABASE_URL), no usage statistics, unbuffered output for the log."""
    env = dict(os.environ)
    env.update(
        METRICS_CONFIG=str(config),
        METRICS_DATABASE_URL=f"sqlite:///{tmp / 'metrics.db'}",
        STREAMLIT_BROWSER_GATHER_USAGE_STATS="false",
        PYTHONUNBUFFERED="1",
    )
    return env


def add_user(env: dict[str, str], name: str, role: str, *options: str, password: str) -> None:
    """`python -m metrics user add NAME --role ROLE OPTIONS… --password-stdin`."""
    run_cli(
        ["user", "add", name, "--role", role, *options, "--password-stdin"], env, password + "\n"
    )


def serving(env: dict[str, str], tmp: Path) -> Iterator[Server]:
    """The body of a module's `server` fixture (`yield from serving(env, tmp)`): the
    dashboard started on `env`, its log in `tmp`, always stopped."""
    srv = Server(env=env, log_path=tmp / "streamlit.log")
    try:
        srv.start()
        yield srv
    finally:
        srv.stop()


def launched_chromium(sync_api: Any) -> Iterator[Any]:
    """Debian's chromium launched once, `expect` bounded (the `chromium` fixture's body)."""
    sync_api.expect.set_options(timeout=EXPECT_MS)
    with sync_api.sync_playwright() as p:
        launched = p.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        try:
            yield launched
        finally:
            launched.close()


def new_context(chromium: Any, width: int = 1400, height: int = 1000, **options: Any) -> Any:
    """A fresh browser context (no cookies: each page a new Streamlit session) in Chinese,
    with the bounded waits; `options` go to playwright's new_context (is_mobile, …)."""
    context = chromium.new_context(
        viewport={"width": width, "height": height}, locale="zh-CN", **options
    )
    context.set_default_timeout(ACTION_MS)
    context.set_default_navigation_timeout(FIRST_LOAD_MS)
    context.add_init_script(COUNT_RUNS)
    return context


def one_page(chromium: Any, **options: Any) -> Iterator[Any]:
    """A page of its own new_context(…), closed after (the body of a `tab` fixture)."""
    context = new_context(chromium, **options)
    try:
        yield context.new_page()
    finally:
        context.close()


@contextlib.contextmanager
def walked_page(chromium: Any, name: str, **options: Any) -> Iterator[tuple[Any, Walk]]:
    """A page of its own context and its Walk, recording: a failure leaves a screenshot,
    then the context is closed."""
    context = new_context(chromium, **options)
    page = context.new_page()
    walk = Walk(page, name)
    try:
        with walk.recording():
            yield page, walk
    finally:
        context.close()


def sign_in(page: Any, base: str, name: str, password: str, lands_on: str) -> None:
    """login(…), then wait (first-load bounded) for the page a role lands on to draw."""
    login(page, base, name, password)
    page.wait_for_selector(lands_on, timeout=FIRST_LOAD_MS)
    settle(page)
