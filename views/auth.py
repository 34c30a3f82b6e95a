"""The session's account: login, logout, idle expiry and which pages a role may open.

Permission checks for writes live in db/; this module only decides what the
navigation shows and who the pages act for.
"""

from __future__ import annotations

import time

import streamlit as st

from db import accounts
from db.permissions import Actor
from views.common import database_problem, get_db, plain, tr

ACTOR_KEY = "actor"
SEEN_KEY = "last_seen"
SINCE_KEY = "signed_in_at"
# However active, a sign-in ends after this long (settings.session_max_hours overrides).
SESSION_MAX_HOURS = 12

# Which pages each role sees; anonymous readers (when allowed) see the leaders' pages.
PAGES_BY_ROLE = {
    None: ("overview", "indicator", "completeness", "briefing"),
    "viewer": ("overview", "indicator", "completeness", "briefing"),
    "analyst": ("owed", "overview", "indicator", "completeness", "briefing", "entry", "import"),
    # The reporting cycle (db/cycle.py): reviewers approve, return and lock.
    "reviewer": ("review", "overview", "indicator", "completeness"),
    "admin": (
        "overview",
        "indicator",
        "completeness",
        "briefing",
        "owed",
        "review",
        "entry",
        "import",
        "users",
        "audit",
        "extract",
    ),
}


def current_actor() -> Actor | None:
    """The signed-in account, or None; signs out after the configured idle time."""
    actor = st.session_state.get(ACTOR_KEY)
    if actor is None:
        return None
    idle = get_db().catalog.settings.session_idle_minutes
    last = st.session_state.get(SEEN_KEY, time.time())
    if time.time() - last > idle * 60:
        logout()
        st.session_state["auth_notice"] = tr("auth.expired", minutes=idle)
        return None
    hours = getattr(get_db().catalog.settings, "session_max_hours", SESSION_MAX_HOURS)
    since = st.session_state.setdefault(SINCE_KEY, time.time())
    if time.time() - since > hours * 3600:
        logout()
        st.session_state["auth_notice"] = tr("auth.lifetime", hours=hours)
        return None
    st.session_state[SEEN_KEY] = time.time()
    # A disabled account, or one whose password changed since this sign-in, is out at once.
    if not accounts.session_valid(get_db(), actor):
        logout()
        st.session_state["auth_notice"] = tr("auth.credentials_changed")
        return None
    fresh = accounts.get_actor(get_db(), actor.name)
    st.session_state[ACTOR_KEY] = fresh
    return fresh


def _client() -> str:
    """Who is signing in, for throttling failed sign-ins: the connection's address."""
    try:
        address = st.context.ip_address
    except Exception:  # no request context
        address = None
    return address if isinstance(address, str) and address else "unknown"


def _sign_in(actor: Actor) -> None:
    st.session_state[ACTOR_KEY] = actor
    st.session_state[SEEN_KEY] = st.session_state[SINCE_KEY] = time.time()


def acting_actor() -> Actor:
    """The account a page writes for. Writing pages are only in the navigation of
    signed-in analysts and admins; should one be reached otherwise, it stops here
    rather than act for anyone (the CLI's local operator is not for the dashboard)."""
    actor = current_actor()
    if actor is None:
        st.warning(tr("auth.required"))
        st.stop()
    return actor


def logout() -> None:
    st.session_state.pop(ACTOR_KEY, None)
    st.session_state.pop(SEEN_KEY, None)
    st.session_state.pop(SINCE_KEY, None)


def allowed_pages(actor: Actor | None) -> tuple[str, ...]:
    if actor is None and get_db().catalog.settings.login_required:
        return ()
    return PAGES_BY_ROLE[actor.role if actor else None]


def _sso_enabled() -> bool:
    try:
        return "auth" in st.secrets
    except Exception:  # no secrets.toml at all: plain local passwords
        return False


def login_form() -> None:
    """Name and password; or single sign-on (st.login) where an OIDC provider is set up."""
    notice = st.session_state.pop("auth_notice", None)
    if notice:
        st.warning(notice)
    with st.form("login", clear_on_submit=False):
        name = st.text_input(tr("auth.name"), key="login_name", max_chars=accounts.MAX_NAME)
        password = st.text_input(tr("auth.password"), type="password", key="login_password")
        submitted = st.form_submit_button(tr("auth.login"), type="primary")
    if submitted:
        try:
            actor = accounts.authenticate(get_db(), name.strip(), password, client=_client())
        except accounts.AccountError as exc:
            st.error(plain(exc))
        else:
            _sign_in(actor)
            st.rerun()
    if _sso_enabled():
        if getattr(st.user, "is_logged_in", False):
            identity = str(st.user.get("email") or st.user.get("name") or "")
            actor = accounts.get_actor(get_db(), identity)
            if actor is None or actor.disabled:
                st.error(tr("auth.sso_no_account", name=plain(identity)))
            else:
                _sign_in(actor)
                st.rerun()
        elif st.button(tr("auth.sso")):
            st.login()


def sidebar_account(actor: Actor | None) -> None:
    with st.sidebar:
        problem = database_problem()  # once per request: the file replaced under us?
        if problem:
            st.error(plain(problem))
        if actor is None:
            st.caption(tr("auth.anonymous"))
            return
        st.caption(tr("auth.signed_in", name=plain(actor.name), role=tr(f"role.{actor.role}")))
        if st.button(tr("auth.logout"), key="logout"):
            logout()
            if _sso_enabled() and getattr(st.user, "is_logged_in", False):
                st.logout()
            st.rerun()
