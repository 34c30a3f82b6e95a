"""The dashboard as served in production: `streamlit run serve.py`.

dashboard.py plus two routes of Streamlit's App server (st.App) that carry a sign-in in
an HttpOnly cookie, which page scripts cannot read and Streamlit's own API cannot set:

- POST /session/claim {"code": …}: the one-time code the login form got (db/sessions.py),
  sent by the browser that signed in (its Streamlit XSRF cookie), becomes the cookie `metrics_session` (HttpOnly, SameSite=Lax, Secure over https, for
  the session's remaining lifetime);
- POST /session/end: the cookie's session ends in the database and the cookie is cleared.

Both want JSON and the X-Metrics-Session header, which a page of another site cannot
send here without a CORS preflight (never granted): no sign-in or sign-out by CSRF.

A middleware (issue 14 item 7) guards two things Streamlit leaves to any client:
- its upload endpoint (/_stcore/upload_file/…) takes a file only from a browser whose
  `metrics_session` cookie is a valid sign-in, so a stranger cannot park 45 MB uploads
  in server memory (no page offers them an uploader either);
- its websocket takes no developer requests: `clear_cache` (which empties every cache
  of every user and reopens the database), `load_git_info` and `set_run_on_save` are
  dropped; the pages' caches are keyed by the data version and cleared by writes only.
`streamlit run dashboard.py` still works, with sign-ins kept in the page only and
without these guards (do not serve it to a network).
"""

from __future__ import annotations

import json
import logging
import os

import streamlit as st
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from streamlit.proto.BackMsg_pb2 import BackMsg

from db import audit, sessions
from views.auth import CLAIM_PATH, COOKIE_SESSIONS_ENV, CSRF_HEADER, END_PATH, browser_secret
from views.common import get_db

os.environ[COOKIE_SESSIONS_ENV] = "1"  # read by views.auth in this process's page runs
log = logging.getLogger(__name__)
UPLOAD_PATH = "/_stcore/upload_file/"
STREAM_PATH = "/_stcore/stream"
# Developer requests of Streamlit's websocket protocol that no user of this dashboard
# needs: clear_cache empties every cache of the whole server (and get_db's database).
REFUSED_BACKMSGS = frozenset({"clear_cache", "load_git_info", "set_run_on_save"})


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


def refused_backmsg(data: bytes | None) -> str | None:
    """The type of a websocket frame's BackMsg when it is one we drop, else None (a
    frame that does not parse is left to Streamlit, which closes the connection)."""
    if not data:
        return None
    msg = BackMsg()
    try:
        msg.ParseFromString(data)
    except Exception:  # noqa: BLE001 - protobuf's DecodeError and friends
        return None
    kind = msg.WhichOneof("type")
    return kind if kind in REFUSED_BACKMSGS else None


def signed_in(cookies: dict[str, str]) -> bool:
    """Whether the cookie `metrics_session` is a sign-in valid now (db.sessions.resume)."""
    token = cookies.get(sessions.COOKIE)
    return bool(token) and sessions.resume(get_db(), token).actor is not None


class Guard:
    """ASGI middleware in front of Streamlit's own routes (see the module's docstring)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] == "websocket" and path.endswith(STREAM_PATH):
            await self.app(scope, self._filtered(receive, scope), send)
            return
        if scope["type"] == "http" and UPLOAD_PATH in path and scope["method"] != "OPTIONS":
            cookies = dict(Request(scope).cookies)
            if not await run_in_threadpool(signed_in, cookies):
                # answered before a byte of the body is read
                await PlainTextResponse("sign in first", status_code=403)(scope, receive, send)
                return
        await self.app(scope, receive, send)

    @staticmethod
    def _filtered(receive: Receive, scope: Scope) -> Receive:
        async def next_message() -> Message:
            while True:
                message = await receive()
                kind = message["type"] == "websocket.receive" and refused_backmsg(
                    message.get("bytes")
                )
                if not kind:
                    return message
                log.warning("dropped a %s request from %s", kind, scope.get("client"))

        return next_message


app = st.App(
    "dashboard.py",
    routes=[
        Route(CLAIM_PATH, claim, methods=["POST"]),
        Route(END_PATH, end, methods=["POST"]),
    ],
    middleware=[Middleware(Guard)],
)
