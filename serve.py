"""The dashboard as served in production: `streamlit run serve.py`.

dashboard.py plus two routes of Streamlit's App server (st.App) that carry a sign-in in
an HttpOnly cookie, which page scripts cannot read and Streamlit's own API cannot set:

- POST /session/claim {"code": …}: the one-time code the login form got (db/sessions.py),
  sent by the browser that signed in (its Streamlit XSRF cookie), becomes the cookie `metrics_session` (HttpOnly, SameSite=Lax, Secure over https, for
  the session's remaining lifetime);
- POST /session/end: the cookie's session ends in the database and the cookie is cleared.

Both want JSON and the X-Metrics-Session header, which a page of another site cannot
send here without a CORS preflight (never granted): no sign-in or sign-out by CSRF.
`streamlit run dashboard.py` still works, with sign-ins kept in the page only.
"""

from __future__ import annotations

import json
import os

import streamlit as st
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from db import audit, sessions
from views.auth import CLAIM_PATH, COOKIE_SESSIONS_ENV, CSRF_HEADER, END_PATH, browser_secret
from views.common import get_db

os.environ[COOKIE_SESSIONS_ENV] = "1"  # read by views.auth in this process's page runs


def _refused(status: int = 403) -> Response:
    return JSONResponse({"ok": False}, status_code=status)


async def _body(request: Request) -> dict | None:
    """The request's JSON object, or None when it is not one of our page's posts."""
    if request.headers.get(CSRF_HEADER) != "1":
        return None
    if not request.headers.get("content-type", "").startswith("application/json"):
        return None
    raw = await request.body()
    if len(raw) > 1000:
        return None
    try:
        body = json.loads(raw or b"{}")
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


def _secure(request: Request) -> bool:
    forwarded = request.headers.get("x-forwarded-proto", "").split(",")[0].strip()
    return request.url.scheme == "https" or forwarded == "https"


async def claim(request: Request) -> Response:
    body = await _body(request)
    if body is None or not isinstance(body.get("code"), str):
        return _refused()
    browser = browser_secret(dict(request.cookies))  # the browser that signed in, only
    claimed = await run_in_threadpool(lambda: sessions.claim(get_db(), body["code"], browser))
    if claimed is None:
        return _refused()
    token, ends = claimed
    response = JSONResponse({"ok": True})
    response.set_cookie(
        sessions.COOKIE,
        token,
        max_age=max(1, int((ends - audit.now()).total_seconds())),
        path="/",
        httponly=True,
        samesite="lax",
        secure=_secure(request),
    )
    return response


async def end(request: Request) -> Response:
    if await _body(request) is None:
        return _refused()
    token = request.cookies.get(sessions.COOKIE)
    if token:
        await run_in_threadpool(lambda: sessions.end(get_db(), token))
    response = JSONResponse({"ok": True})
    response.delete_cookie(sessions.COOKIE, path="/", httponly=True, samesite="lax")
    return response


app = st.App(
    "dashboard.py",
    routes=[
        Route(CLAIM_PATH, claim, methods=["POST"]),
        Route(END_PATH, end, methods=["POST"]),
    ],
)
