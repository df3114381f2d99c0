"""The web chat page at `/` (static HTML and JS, no build step), and the key login that guards it."""

from __future__ import annotations

import html
from importlib import resources
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from chatcanvas.server.auth import COOKIE
from chatcanvas.server.deps import StateDep, presented_key

router = APIRouter(tags=["web"])

LOGIN_PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>chatcanvas: sign in</title></head>
<body style="font-family:system-ui;max-width:420px;margin:4em auto"><h1>chatcanvas</h1>{error}
<form method="post" action="/login"><label>API key <input name="key" type="password" autofocus></label>
<button type="submit">Sign in</button></form></body></html>"""


def login_page(error: str = "") -> HTMLResponse:
    note = f'<p style="color:#b00">{html.escape(error)}</p>' if error else ""
    return HTMLResponse(LOGIN_PAGE.format(error=note), status_code=401,
                        headers={"WWW-Authenticate": "Bearer"})


@router.get("/", response_class=HTMLResponse)
async def index(request: Request, state: StateDep) -> Response:
    """The chat page; without a key (when keys are configured), a sign-in form answered with 401."""
    if state.auth.user_for_key(presented_key(request)) is None:
        return login_page()
    page = resources.files("chatcanvas.server").joinpath("static/index.html").read_text()
    return HTMLResponse(page, headers={"Cache-Control": "no-store"})


@router.post("/login")
async def login(state: StateDep, key: Annotated[str, Form(max_length=500)] = "") -> Response:
    """Check a key and keep it in a same-site, script-proof cookie for the page's own requests."""
    if state.auth.user_for_key(key) is None or state.auth.open:
        return login_page("That key is not valid." if not state.auth.open else "No keys are needed here.")
    response = RedirectResponse("/", status_code=303)
    response.set_cookie(COOKIE, key, httponly=True, samesite="strict", max_age=30 * 24 * 3600)
    return response
