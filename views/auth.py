"""The session's account: login, logout, idle expiry and which pages a role may open.

Permission checks for writes live in db/; this module only decides what the
navigation shows and who the pages act for.

Served by `streamlit run serve.py` (cookie sessions), a sign-in rests on an HttpOnly
cookie the browser holds (db/sessions.py): the login form gets a one-time code, the page
posts it to /session/claim, which sets the cookie, and reloads; every run then checks the
cookie this connection sent. A Streamlit session id alone (it shows in upload URLs) no
longer carries a sign-in, and a reload keeps it. Served by `streamlit run dashboard.py`
(and in AppTest) there are no such routes: the sign-in lives in the page's session state.
"""

from __future__ import annotations

import hashlib
import html
import json
import os
import time

import streamlit as st

from db import accounts, sessions
from db.permissions import Actor
from metrics.i18n import LANGS, t
from views.common import database_problem, get_db, plain, tr

ACTOR_KEY = "actor"
SEEN_KEY = "last_seen"
SINCE_KEY = "signed_in_at"
BOUND_KEY = "signed_in_with"  # the cookie (hash) a sign-in belongs to
# serve.py sets this for its process: the /session/ routes exist, so sign-ins are cookies.
COOKIE_SESSIONS_ENV = "METRICS_COOKIE_SESSIONS"
CLAIM_PATH = "/session/claim"
END_PATH = "/session/end"
# A header a cross-site form cannot send without a CORS preflight (which is never allowed).
CSRF_HEADER = "X-Metrics-Session"
NOTICES = {
    "idle": "auth.expired",
    "lifetime": "auth.lifetime",
    "credentials": "auth.credentials_changed",
}
# However active, a sign-in ends after this long (settings.session_max_hours overrides).
SESSION_MAX_HOURS = sessions.DEFAULT_MAX_HOURS

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


def cookie_sessions() -> bool:
    """Whether this server has the /session/ routes (started as `streamlit run serve.py`)."""
    return os.environ.get(COOKIE_SESSIONS_ENV) == "1"


def _cookies() -> dict[str, str]:
    try:
        return dict(st.context.cookies)
    except Exception:  # no request context
        return {}


def browser_secret(cookies: dict[str, str]) -> str:
    """Streamlit's XSRF token as this browser holds it (the cookie `_streamlit_xsrf`,
    `2|mask|masked token|time`, unmasked, since the mask changes each time it is set);
    empty without one. The sign-in code is only good with it (db.sessions.start)."""
    value = cookies.get("_streamlit_xsrf", "")
    parts = value.split("|")
    if len(parts) == 4 and parts[0] == "2":
        try:
            mask, masked = bytes.fromhex(parts[1]), bytes.fromhex(parts[2])
        except ValueError:
            return value
        if len(mask) == 4:
            return bytes(b ^ mask[i % 4] for i, b in enumerate(masked)).hex()
    return value


def _binding(cookies: dict[str, str]) -> str:
    """What this connection's sign-in is tied to: the session cookie, or (a sign-in the
    database could not store) every cookie the browser sent, Streamlit's XSRF cookie
    among them. Someone who reconnects with a stolen session id sends neither."""
    token = cookies.get(sessions.COOKIE)
    if token:
        return "t:" + sessions.digest(token)
    jar = json.dumps(sorted(cookies.items()))
    return "c:" + hashlib.sha256(jar.encode("utf-8", "surrogatepass")).hexdigest()


def _notice(why: str | None) -> None:
    key = NOTICES.get(why or "")
    if key:
        settings = get_db().catalog.settings
        st.session_state["auth_notice"] = tr(
            key, minutes=settings.session_idle_minutes, hours=sessions.max_hours(get_db())
        )


def current_actor() -> Actor | None:
    """The signed-in account, or None; signs out after the configured idle time."""
    if cookie_sessions():
        return _cookie_actor()
    return _page_actor()


def _cookie_actor() -> Actor | None:
    """The account of this browser's session cookie, checked against the database on
    every run (a reload keeps it; a password change, disable, sign-out, the idle time
    and the lifetime end it everywhere)."""
    cookies = _cookies()
    bound = _binding(cookies)
    held = st.session_state.get(ACTOR_KEY)
    if held is not None and st.session_state.get(BOUND_KEY) != bound:
        logout()  # this state was signed in by another browser: not for this connection
        held = None
    token = cookies.get(sessions.COOKIE)
    if token:
        resumed = sessions.resume(get_db(), token)
        if resumed.actor is None:
            logout()
            _notice(resumed.why)
            return None
        st.session_state[ACTOR_KEY] = resumed.actor
        st.session_state[BOUND_KEY] = bound
        return resumed.actor
    if held is None:
        return None
    return _page_actor()  # signed in while the database could not store a session


def _page_actor() -> Actor | None:
    """A sign-in kept in the page's session state (no cookie routes, or no session row)."""
    actor = st.session_state.get(ACTOR_KEY)
    if actor is None:
        return None
    idle = get_db().catalog.settings.session_idle_minutes
    last = st.session_state.get(SEEN_KEY, time.time())
    if time.time() - last > idle * 60:
        logout()
        st.session_state["auth_notice"] = tr("auth.expired", minutes=idle)
        return None
    hours = sessions.max_hours(get_db())
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
    """Sign in for this page: in the session state, tied to this connection's cookies."""
    st.session_state[ACTOR_KEY] = actor
    st.session_state[SEEN_KEY] = st.session_state[SINCE_KEY] = time.time()
    st.session_state[BOUND_KEY] = _binding(_cookies())


def _browser_script(path: str, body: dict, failed: str) -> None:
    """Post to one of serve.py's /session/ routes from the page, then reload it at the
    app's root, keeping the query (?lang=…). The cookie is HttpOnly: page scripts never
    see it; only the server's answer sets or clears it."""
    script = f"""
<div class="metrics-session">{html.escape(tr("auth.signing_in"))}</div>
<script>
fetch({json.dumps(path)}, {{
  method: "POST",
  credentials: "same-origin",
  headers: {{"Content-Type": "application/json", {json.dumps(CSRF_HEADER)}: "1"}},
  body: {json.dumps(json.dumps(body))},
}}).then((reply) => {{
  if (!reply.ok) throw new Error(String(reply.status));
  window.location.replace(new URL("./", window.location.href).pathname + window.location.search);
}}).catch(() => {{
  document.querySelectorAll(".metrics-session").forEach((box) => {{
    box.textContent = {json.dumps(failed)};
  }});
}});
</script>"""
    st.html(script, unsafe_allow_javascript=True)


def _complete_sign_in(actor: Actor) -> None:
    """After the password was checked: a cookie session where the server has the routes
    and the database takes the row; otherwise a sign-in for this page only."""
    if cookie_sessions():
        code = sessions.start(get_db(), actor, _client(), browser_secret(_cookies()))
        if code is not None:
            _browser_script(CLAIM_PATH, {"code": code}, tr("auth.cookie_failed"))
            st.stop()
        st.session_state["auth_notice"] = tr("auth.session_only")
    _sign_in(actor)
    st.rerun()


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
    """Forget the sign-in in this page (sign_out also ends the cookie's session)."""
    for key in (ACTOR_KEY, SEEN_KEY, SINCE_KEY, BOUND_KEY):
        st.session_state.pop(key, None)


def sign_out() -> None:
    """The sign-out button: the cookie's session ends in the database (a copy of the
    cookie is then worthless), and the browser is told to drop it."""
    token = _cookies().get(sessions.COOKIE)
    logout()
    if _sso_enabled() and getattr(st.user, "is_logged_in", False):
        st.logout()
    if token:
        sessions.end(get_db(), token)
        if cookie_sessions():
            _browser_script(END_PATH, {}, tr("auth.anonymous"))
            st.stop()
    st.rerun()


def not_your_page(page_key: str, actor: Actor) -> str:
    """The refusal for a page outside the account's role, in Chinese and English (the page
    and role named in each): it is often reached by a link someone else sent, in either
    language. dashboard.py's hidden page shows it."""
    return " / ".join(
        t("app.not_your_page", lang, page=t(page_key, lang), role=t(f"role.{actor.role}", lang))
        for lang in LANGS
    )


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
            _complete_sign_in(actor)
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
            sign_out()
