"""The web studio at `/` (static HTML, ES modules and CSS from `static/`, no build step), and the key login that
guards it."""

from __future__ import annotations

import hashlib
import html
import math
from importlib import resources
from pathlib import PurePosixPath
from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from chatcanvas.server.auth import COOKIE, SESSION_TTL_SECONDS
from chatcanvas.server.deps import StateDep, UserDep, caller, unauthorized

router = APIRouter(tags=["web"])

LOGIN_PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>chatcanvas: sign in</title>
<meta name="viewport" content="width=device-width, initial-scale=1"><link rel="icon" href="data:,"></head>
<body style="font-family:system-ui;max-width:420px;margin:4em auto"><h1>chatcanvas</h1>{error}
<form method="post" action="/login"><label>API key <input name="key" type="password" autofocus></label>
<button type="submit">Sign in</button></form></body></html>"""


def login_page(error: str = "") -> HTMLResponse:
    note = f'<p style="color:#b00">{html.escape(error)}</p>' if error else ""
    return HTMLResponse(LOGIN_PAGE.format(error=note), status_code=401,
                        headers={"WWW-Authenticate": "Bearer"})


HTML_ANSWERS = {401: {"content": {"text/html": {}}, "description": "The sign-in form."},
                429: {"content": {"text/html": {}}, "description": "The sign-in form: too many wrong keys."}}


@router.get("/", response_class=HTMLResponse, responses=HTML_ANSWERS)
def index(request: Request, state: StateDep) -> Response:
    """The chat page; without a key (when keys are configured), a sign-in form answered with 401."""
    if caller(request, state.auth) is None:
        return login_page()
    page = resources.files("chatcanvas.server").joinpath("static/index.html").read_text()
    return HTMLResponse(page, headers={"Cache-Control": "no-store"})


STATIC_TYPES = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8", ".svg": "image/svg+xml"}
"""What the page is made of: ES modules, style sheets and its icon, served as they are (no build step)."""


@router.get("/static/{name}", include_in_schema=False)
def static_file(name: str, request: Request, user: UserDep) -> Response:
    """One of the page's own files, for a signed-in user; revalidated by its ETag so an upgrade shows at once."""
    folder = resources.files("chatcanvas.server").joinpath("static")
    suffix = PurePosixPath(name).suffix
    if suffix not in STATIC_TYPES or name not in {entry.name for entry in folder.iterdir()}:
        raise HTTPException(404, f"no file {name!r}")
    data = folder.joinpath(name).read_bytes()
    etag = f'"{hashlib.sha256(data).hexdigest()[:16]}"'
    headers = {"Cache-Control": "no-cache", "ETag": etag}
    if request.headers.get("if-none-match") == etag:
        return Response(status_code=304, headers=headers)
    return Response(data, media_type=STATIC_TYPES[suffix], headers=headers)


def _is_https(request: Request, public_url: str | None) -> bool:
    return request.url.scheme == "https" or (public_url or "").startswith("https://")


@router.post("/login", response_class=RedirectResponse, status_code=303,
             responses={**HTML_ANSWERS, 303: {"description": "Signed in: a session cookie, and on to the page."}})
def login(request: Request, state: StateDep, key: Annotated[str, Form(max_length=500)] = "") -> Response:
    """Check a key and start a session: the cookie holds a random session token (never the key), same-site,
    script-proof, and `Secure` when served over https. Five wrong keys a minute from one address: 429."""
    if state.auth.open:
        return login_page("No keys are needed here.")
    client = request.client.host if request.client else "unknown"
    wait = state.auth.throttle.wait_needed(client)
    if wait > 0:
        response = login_page(f"Too many wrong keys; try again in {math.ceil(wait)} seconds.")
        response.status_code = 429
        response.headers["Retry-After"] = str(math.ceil(wait))
        return response
    user = state.auth.user_for_key(key)
    if user is None:
        state.auth.throttle.failed(client)
        return login_page("That key is not valid.")
    response = RedirectResponse("/", status_code=303)
    response.set_cookie(COOKIE, state.auth.sessions.create(user.name, SESSION_TTL_SECONDS), httponly=True,
                        samesite="strict", max_age=SESSION_TTL_SECONDS,
                        secure=_is_https(request, state.settings.public_url))
    return response


@router.post("/logout", response_class=RedirectResponse, status_code=303,
             responses={303: {"description": "Signed out, back to the page."}})
def logout(request: Request, state: StateDep) -> Response:
    """End this browser's session (the cookie stops working everywhere it was copied)."""
    if caller(request, state.auth) is None:
        raise unauthorized()
    state.auth.sessions.revoke(request.cookies.get(COOKIE))
    response = RedirectResponse("/", status_code=303)
    response.delete_cookie(COOKIE, httponly=True, samesite="strict")
    return response
