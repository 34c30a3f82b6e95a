"""Streamlit entry point: language, login, and the navigation a role may see.

Run with `streamlit run dashboard.py`. Pages live in views/ and stay thin.
"""

from __future__ import annotations

from urllib.parse import urlparse

import streamlit as st
import streamlit.delta_generator

from views.auth import allowed_pages, current_actor, login_form, not_your_page, sidebar_account
from views.common import LANG_KEY, carry_choices, get_db, lang, tr

# The first element a Streamlit process draws asks whether it runs in a Python REPL, by
# inspect.stack() (every frame's source read: 0.1 s of the first render), only to print a
# hint to use `streamlit run`. This script always runs under it (or AppTest): no hint to give.
# (A private flag of Streamlit's; if it is ever renamed this line only does nothing.)
streamlit.delta_generator._use_warning_has_been_displayed = True

st.set_page_config(
    page_title="智慧城市目标跟踪 / Smart-city targets",
    page_icon=":material/bar_chart:",
    layout="wide",
)

lang()  # settles the language before any label is drawn
with st.sidebar:
    choice = st.radio(
        tr("app.language"),
        ["zh", "en"],
        format_func={"zh": "中文", "en": "English"}.get,
        index=0 if lang() == "zh" else 1,
        horizontal=True,
        key="lang_choice",
    )
    if choice != st.session_state[LANG_KEY]:
        carry_choices(st.session_state[LANG_KEY], choice)
        st.session_state[LANG_KEY] = choice
        st.query_params["lang"] = choice
        st.rerun()

try:
    get_db()
except Exception as exc:  # shown to the user as a sentence, never a traceback
    st.error(tr("app.db_error", detail=exc))
    st.stop()

actor = current_actor()
sidebar_account(actor)
allowed = set(allowed_pages(actor))

SECTIONS = [
    (
        "nav.leaders",
        [
            ("overview", "views/overview.py", "nav.overview"),
            ("indicator", "views/indicator.py", "nav.indicator"),
            ("completeness", "views/completeness.py", "nav.completeness"),
            ("briefing", "views/briefing.py", "nav.briefing"),
        ],
    ),
    (
        "nav.analysts",
        [
            ("owed", "views/cycle.py", "nav.owed"),
            ("review", "views/review.py", "nav.review"),
            ("entry", "views/entry.py", "nav.entry"),
            ("import", "views/upload.py", "nav.import"),
        ],
    ),
    (
        "nav.admin",
        [
            ("users", "views/users.py", "nav.users"),
            ("audit", "views/audit.py", "nav.audit"),
            ("extract", "views/extract.py", "nav.extract"),
        ],
    ),
]
# An analyst lands on what their unit owes (本期待填报), a reviewer on the review page.
landing = {"analyst": "owed", "reviewer": "review"}.get(actor.role if actor else "", "overview")
# A page that needs signing in, opened while signed out: say so on the login page
# rather than showing the overview in its place (issue 17 item 10).
wanted = urlparse(st.context.url or "").path.rstrip("/").rsplit("/", 1)[-1]
locked = {name: title for _, entries in SECTIONS for name, _, title in entries}
needs_login = actor is None and wanted in locked and wanted not in allowed
if needs_login:
    st.session_state["auth_notice"] = tr("app.sign_in_first", page=tr(locked[wanted]))
# Signed in without the role for it (a viewer opening /import): say so, in the page's
# language, instead of Streamlit's own English "Page not found".
not_yours = actor is not None and wanted in locked and wanted not in allowed


def not_allowed() -> None:
    st.warning(not_your_page(locked[wanted], actor))


pages: dict[str, list] = {}
for section, entries in SECTIONS:
    shown = [
        st.Page(path, title=tr(title), url_path=name, default=name == landing and not needs_login)
        for name, path, title in entries
        if name in allowed
    ]
    if shown:
        pages[tr(section)] = shown
if actor is None:
    pages[tr("nav.account")] = [
        st.Page(
            login_form,
            title=tr("nav.login"),
            url_path="login",
            default=needs_login or not allowed,
        )
    ]
if not_yours or needs_login:  # the page's own address, so no "Page not found" either
    hidden = st.Page(
        not_allowed if not_yours else login_form,
        title=tr(locked[wanted]),
        url_path=wanted,
        visibility="hidden",
    )
    next(iter(pages.values())).append(hidden)
st.navigation(pages).run()
