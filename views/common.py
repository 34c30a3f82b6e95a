"""What every page shares: the database handle, the language, cached reads.

Reads are cached per data version (so a write by another process or another analyst
is seen on the next rerun); a write made here also frees the reads of the old data.
"""

from __future__ import annotations

import gc
import re
from datetime import date

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from db import queries
from db import reviews as reviews_db
from db.connect import open_database
from db.engine import Database
from db.permissions import LOCAL_OPERATOR, Actor, write_problem
from metrics.catalog import load_catalog
from metrics.i18n import local_times, t, when  # noqa: F401  (pages take them from here)

LANG_KEY = "lang"


@st.cache_resource(show_spinner=False)
def get_db() -> Database:
    """One database per server process: created and synced from config.yaml on first use.

    It is not reopened when its SQLite file is replaced under it (a restore by mv): the
    old file's -wal would be applied to the new one. db refuses every write then (checked
    per write, and by `database_problem` per request) until the dashboard restarts."""
    first = not _FROZE_OPEN  # see views/__init__.py: once per process, before the catalog
    if first:  # is parsed (the libraries and modules now loaded) and once it is loaded
        _FROZE_OPEN.append(True)
        gc.freeze()
    db = open_database(load_catalog())
    db.on_write(_forget_after_write(db))
    if first:
        gc.freeze()
    return db


_FROZE_OPEN: list[bool] = []


def _forget_after_write(db: Database):  # type: ignore[no-untyped-def]
    """What a committed write that changed data clears: the reads of the data (they are
    keyed by the data version, so this only frees the old entries at once). Only a write
    that replaced the catalog (a plan added) clears every page's caches. Nothing a
    signed-out client can do calls this (serve.py drops Streamlit's clear_cache request)."""
    held = [db.catalog]

    def forget() -> None:
        if db.catalog is not held[0]:
            held[0] = db.catalog
            st.cache_data.clear()
            return
        for cached in DATA_CACHES:
            cached.clear()

    return forget


def database_problem() -> str | None:
    """Why writes are refused now (the database file was replaced or deleted), or None."""
    return get_db().file_problem()


def lang() -> str:
    """The UI language: Chinese unless the user (or the shared URL) chose English."""
    if LANG_KEY not in st.session_state:
        st.session_state[LANG_KEY] = "en" if st.query_params.get("lang") == "en" else "zh"
    return st.session_state[LANG_KEY]


def lang_key(name: str) -> str:
    """A widget key per language. A keyed widget keeps the option labels it was first
    drawn with, so each language gets its own widget; dashboard.py carries the choices
    over when the language changes (see carry_choices)."""
    return f"{name}@{lang()}"


def carry_choices(old: str, new: str) -> None:
    """Copy every per-language widget choice from one language to the other."""
    state = st.session_state
    for key in [k for k in state if isinstance(k, str) and k.endswith(f"@{old}")]:
        state[key[: -len(old)] + new] = state[key]


def tr(key: str, **kwargs: object) -> str:
    return t(key, lang(), **kwargs)


def data_version() -> tuple[int, int, int]:
    return queries.data_version(get_db())


@st.cache_data(show_spinner=False, max_entries=64)
def _status(as_of: date, version: tuple[int, int, int]) -> pd.DataFrame:
    return queries.status(get_db(), as_of)


def status(as_of: date) -> pd.DataFrame:
    """Every target's status (metrics.progress.evaluate), cached until the data changes."""
    return _status(as_of, data_version())


def home_status(as_of: date) -> pd.DataFrame:
    """Every target at its own region only (db.queries.home_status); the overview keeps
    what it draws from it per data version."""
    return queries.home_status(get_db(), as_of)


@st.cache_data(show_spinner=False, max_entries=16)
def _observations(version: tuple[int, int, int]) -> pd.DataFrame:
    return queries.observation_table(get_db())


@st.cache_data(show_spinner=False, max_entries=64)
def _revisions(indicator_id: str, version: tuple[int, int, int]) -> pd.DataFrame:
    return queries.revisions(get_db(), indicator_id)


def revisions(indicator_id: str) -> pd.DataFrame:
    """One indicator's corrections, newest first, cached until the data changes."""
    return _revisions(indicator_id, data_version())


@st.cache_data(show_spinner=False, max_entries=64)
def _review_states(indicator_id: str, version: tuple[int, int, int], reviews: str) -> pd.DataFrame:
    sub = reviews_db.submissions(get_db(), [indicator_id])
    return sub[[*reviews_db.KEY, "review_state"]]


def review_states(indicator_id: str) -> pd.DataFrame:
    """Each stored value's review state for one indicator (db.reviews.submissions), cached
    until the data or a review decision changes (reviews are not in the data version)."""
    return _review_states(indicator_id, data_version(), queries.review_version(get_db()))


@st.cache_data(show_spinner=False, max_entries=64)
def _indicator_observations(indicator_id: str, version: tuple[int, int, int]) -> pd.DataFrame:
    return queries.observation_table(get_db(), [indicator_id])


def indicator_observations(indicator_id: str) -> pd.DataFrame:
    """One indicator's stored observations with who and when (its rows only, off the
    unique index), cached until the data changes."""
    return _indicator_observations(indicator_id, data_version())


def observations() -> pd.DataFrame:
    """Stored observations with who and when, cached until the data changes."""
    return _observations(data_version())


# Zero-width joiner: invisible, and no Markdown rule sees through it. Put where a bare
# URL, an e-mail address, an :emoji:, a :material/icon: or a :color[directive] would
# otherwise start (a backslash cannot stop those: they act on the text after escapes).
ZWJ = "\u200d"
_SHORTCODE = re.compile(r":(?=[\w+/-]*[A-Za-z_+/-][\w+/-]*[:\[{]|100:|1234:)", re.ASCII)
_AUTOLINK = re.compile(r"(?<=:)(?=//)|(?<=www)(?=\.)|(?=@)", re.IGNORECASE)
_MARKDOWN_CHARS = "\\`*_[]<>$~|&!#{}"


def plain(text: object) -> str:
    """Text for Streamlit's Markdown elements (messages, captions, labels), shown
    literally. Names, notes, file names, raw values and URL parameters come from people
    and files: no link, image, emphasis, heading, list, table, code, HTML, $math$,
    :emoji:, :color[…] or bare-URL autolink may act. The one escaping function every
    page uses for such text (tests/test_escaping.py)."""
    out = _SHORTCODE.sub(":" + ZWJ, str(text))
    out = _AUTOLINK.sub(ZWJ, out)  # http:‍//, www‍., a‍@b: no autolink
    out = "".join("\\" + c if c in _MARKDOWN_CHARS else c for c in out)
    # no indented code block: leading blanks become no-break spaces (shown the same)
    out = re.sub(r"^[ \t]+", lambda m: "\u00a0" * len(m.group()), out, flags=re.MULTILINE)
    out = re.sub(r"^(\u00a0*)([+=-])", r"\1\\\2", out, flags=re.MULTILINE)  # no list, rule
    return re.sub(r"^(\u00a0*\d+)([.)])", r"\1\\\2", out, flags=re.MULTILINE)  # no numbered list


def download_html(fig: go.Figure, name: str, key: str) -> None:
    """A chart as an HTML file, built only when clicked; it embeds plotly.js (about 5 MB)
    so it opens offline. (PNG: the camera button of the chart's own toolbar.)"""

    def build() -> bytes:
        return fig.to_html(include_plotlyjs=True, full_html=True).encode("utf-8")

    st.download_button(
        tr("chart.download_html"),
        data=build,
        file_name=f"{name}.html",
        mime="text/html",
        key=key,
        on_click="ignore",
        icon=":material/download:",
    )


@st.cache_data(show_spinner=False, max_entries=64)
def _writable(
    name: str, role: str, units: tuple[str, ...], regions: tuple[str, ...], disabled: bool
) -> dict[str, list[str]]:
    catalog = get_db().catalog
    actor = Actor(name, role, units=units, regions=regions, disabled=disabled)
    out: dict[str, list[str]] = {}
    for ind in catalog.indicators.values():
        if role == "analyst" and not set(ind.responsible) & set(units):
            continue  # the cheap part of the rule first; write_problem decides the rest
        home = catalog.region_of(ind)
        allowed = [
            code
            for code in (home, *catalog.children_of(home))
            if write_problem(actor, catalog, ind.id, code) is None
        ]
        if allowed:
            out[ind.id] = allowed
    return out


def writable(actor: Actor) -> dict[str, list[str]]:
    """Indicator id -> the regions this account may write, in catalog order: the pages
    offer only these (db.permissions.write_problem is the rule; the write checks it again)."""
    return _writable(actor.name, actor.role, actor.units, actor.regions, actor.disabled)


@st.cache_data(show_spinner=False, max_entries=16)
def _unreported(as_of: date, version: tuple[int, int, int]) -> pd.DataFrame:
    return queries.overdue_unreported(get_db(), as_of)


def unreported(as_of: date) -> pd.DataFrame:
    """The reports past their due day with no value stored (db.queries.overdue_unreported:
    only the owed keys are read), cached until the data changes."""
    return _unreported(as_of, data_version())


@st.cache_data(show_spinner=False, max_entries=16)
def _has_demo(version: tuple[int, int, int]) -> bool:
    return queries.has_demo_data(get_db())


# The cached reads of stored data (and of what may be written, which a plan added changes).
DATA_CACHES = (
    _status,
    _observations,
    _revisions,
    _review_states,
    _indicator_observations,
    _writable,
    _unreported,
    _has_demo,
)


def demo_banner() -> None:
    """Say so on every page while the synthetic demo data is stored (`metrics demo`): one
    EXISTS per data version, never a read of the observations."""
    if _has_demo(data_version()):
        st.warning(tr("app.demo_banner"), icon=":material/science:")


def in_lang(text: object) -> str:
    """A stored or raised "中文 / English" sentence in the page's language (either half;
    a text without the separator is shown as it is)."""
    zh, sep, en = str(text).partition(" / ")
    if not sep:
        return str(text)
    return zh if lang() == "zh" else en


def show_error(exc: BaseException) -> None:
    """A MetricsError as a notice in the page's language: from its sentence key when it
    has one, else the matching half of its bilingual text."""
    key, params = getattr(exc, "key", None), getattr(exc, "params", {})
    st.error(plain(tr(key, **params) if key else in_lang(exc)), icon=":material/error:")


def who(name: object) -> str:
    """An account name as shown: the command line's operator in words, nobody as —."""
    if name is None or (isinstance(name, float) and pd.isna(name)) or name == "":
        return "—"
    return tr("app.local_operator") if name == LOCAL_OPERATOR.name else str(name)


def screen_mode() -> bool:
    """?screen=1: the meeting-room screen — no sidebar or toolbar, larger text."""
    if st.query_params.get("screen") != "1":
        return False
    st.html(
        "<style>[data-testid=stSidebar],[data-testid=stSidebarCollapsedControl],"
        "[data-testid=stHeader],[data-testid=stToolbar]{display:none!important}"
        "[data-testid=stMain]{font-size:1.25rem}"
        "[data-testid=stMainBlockContainer]{max-width:100%;padding:1rem 2rem}</style>"
    )
    return True
