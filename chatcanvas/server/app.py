"""The FastAPI app: state built in the lifespan (never at import), small routers, errors in OpenAI's shape."""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import AsyncIterator, Callable

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Receive, Scope, Send

from chatcanvas.agent import ImageAgent
from chatcanvas.config import Settings, get_settings
from chatcanvas.engine import EngineClient
from chatcanvas.errors import (
    Busy,
    ChatCanvasError,
    InvalidInput,
    JobCancelled,
    JobInterrupted,
    NotFound,
    QueueFull,
    UserError,
)
from chatcanvas.server.auth import Authenticator
from chatcanvas.server.deps import ServerState, UserDep
from chatcanvas.server.mcp import BearerGate, create_mcp_server
from chatcanvas.server.metrics import Metrics
from chatcanvas.server.routes import (
    a1111,
    batches,
    chat,
    hf_inference,
    openai_chat,
    openai_images,
    ops,
    platforms,
    resources,
    studio,
    subjects,
    web,
)
from chatcanvas.server.schemas import ERROR_RESPONSES
from chatcanvas.store.blobs import open_storage

log = logging.getLogger(__name__)


def error_body(message: str, kind: str, param: str | None = None, code: str | None = None) -> dict:
    return {"error": {"message": message, "type": kind, "param": param, "code": code}}


def _error(request: Request, status: int, message: str, kind: str, param: str | None = None,
           code: str | None = None, headers: dict[str, str] | None = None) -> JSONResponse:
    """An error in the shape the caller's protocol reads: AUTOMATIC1111's under /sdapi, Hugging Face inference's
    under /hf, else OpenAI's."""
    path = request.url.path
    if path.startswith("/sdapi/"):
        body: dict = {"error": kind, "detail": message, "body": "", "errors": message}
    elif path == "/hf" or path.startswith("/hf/"):
        body = {"error": message}
    else:
        body = error_body(message, kind, param, code)
    return JSONResponse(body, status_code=status, headers=headers)


def create_app(settings: Settings | None = None, agent: ImageAgent | None = None, *,
               engine: Callable[[Settings], EngineClient] | None = None) -> FastAPI:
    """The chatcanvas HTTP app. Models load in the lifespan; `/readyz` says when they are in.

    Without `agent`, the lifespan builds one on `engine(settings)` (default: the local device engine)."""
    settings = settings or get_settings()
    auth = Authenticator(settings)  # bad key configuration fails here, before serving
    open_storage(settings.resolved_data_dir, settings.storage_url, settings.storage_options)  # so does bad storage

    mounted_mcp = LateMount()

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        owned = agent is None
        running = agent or ImageAgent.create(settings=settings, engine=engine)
        state = ServerState(settings, running, auth, Metrics(running.engine))
        app.state.chatcanvas = state
        threading.Thread(target=_preload, args=(running,), name="chatcanvas-preload", daemon=True).start()
        if settings.slack_bot_token and settings.slack_signing_secret:
            from slack_bolt.adapter.starlette import SlackRequestHandler

            from chatcanvas.server.slack import create_slack_app

            state.slack_handler = SlackRequestHandler(create_slack_app(running, settings))
        mcp = create_mcp_server(running)
        mounted_mcp.app = mcp.streamable_http_app()
        resumed = state.batches.resume()  # batches a stopped server left running
        if resumed:
            log.info("resumed %d batches", resumed)
        try:
            async with mcp.session_manager.run():
                yield
        finally:
            state.stopping.set()
            state.batches.close()
            if owned:
                running.close()  # the running job finishes; queued ones are cancelled

    app = FastAPI(title="chatcanvas", version="0.1.0", lifespan=lifespan, max_body_size=settings.max_request_bytes,
                  description="Image tools for chats: a chat agent, OpenAI-compatible image and chat endpoints.",
                  openapi_url=None, docs_url=None, redoc_url=None,  # served below, behind the key like the rest
                  responses=ERROR_RESPONSES)
    for module in (ops, web, chat, openai_images, openai_chat, resources, studio, subjects, platforms, a1111,
                   hf_inference, batches):
        app.include_router(module.router)

    app.mount("/mcp", BearerGate(mounted_mcp, auth), name="mcp")  # streamable HTTP MCP at /mcp/

    @app.get("/openapi.json", include_in_schema=False)
    async def openapi_schema(user: UserDep) -> JSONResponse:
        return JSONResponse(app.openapi())

    @app.get("/docs", include_in_schema=False)
    async def docs(user: UserDep) -> HTMLResponse:
        return get_swagger_ui_html(openapi_url="/openapi.json", title="chatcanvas API")

    _install_error_handlers(app)
    app.add_middleware(SecurityHeaders)
    if auth.keys and not settings.public_url:
        log.warning("CHATCANVAS_PUBLIC_URL is not set: image links are built from each request's Host header; "
                    "set it to the address users reach this server at")
    return app


_SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),  # signed image URLs carry their token in the query
    (b"cross-origin-opener-policy", b"same-origin"),
]
_PAGE_POLICY = (b"content-security-policy", b"default-src 'self'; img-src 'self' data: blob:; "
                b"style-src 'self' 'unsafe-inline'; script-src 'self' 'unsafe-inline'; connect-src 'self'; "
                b"frame-ancestors 'none'; base-uri 'none'; form-action 'self'; object-src 'none'")


class SecurityHeaders:
    """Security headers on every HTTP response (a content policy on HTML pages); streams pass untouched."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: dict) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers") or [])
                present = {name.lower() for name, _ in headers}
                headers += [(name, value) for name, value in _SECURITY_HEADERS if name not in present]
                kind = next((value for name, value in headers if name.lower() == b"content-type"), b"")
                if kind.startswith(b"text/html"):
                    headers.append(_PAGE_POLICY)
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, with_headers)


class LateMount:
    """An ASGI app whose inner app is made in the lifespan (the MCP server needs the running agent)."""

    app: ASGIApp | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.app is None:
            await JSONResponse(error_body("starting up", "unavailable"), status_code=503)(scope, receive, send)
            return
        await self.app(scope, receive, send)


def _preload(agent: ImageAgent) -> None:
    try:
        agent.engine.preload()
    except ChatCanvasError as exc:
        log.error("could not load the default model: %s", exc)


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ChatCanvasError)
    async def chatcanvas_error(request: Request, exc: ChatCanvasError) -> JSONResponse:
        if isinstance(exc, QueueFull):
            return _error(request, 429, str(exc), "rate_limit_exceeded", code="queue_full",
                          headers={"Retry-After": str(max(1, round(exc.retry_after)))})
        if isinstance(exc, NotFound):
            return _error(request, 404, str(exc), "not_found_error", code="not_found")
        if isinstance(exc, InvalidInput):
            return _error(request, 400, str(exc), "invalid_request_error", param=exc.field)
        if isinstance(exc, JobInterrupted):
            return _error(request, 503, str(exc), "unavailable", code="restarting", headers={"Retry-After": "30"})
        if isinstance(exc, Busy):
            return _error(request, 409, str(exc), "invalid_request_error", code="busy")
        if isinstance(exc, JobCancelled):
            return _error(request, 409, str(exc), "cancelled", code="cancelled")
        if isinstance(exc, UserError):
            return _error(request, 400, str(exc), "invalid_request_error")
        log.error("request failed: %s", exc)
        return _error(request, 500, str(exc), "server_error")

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        kind = {401: "authentication_error", 404: "not_found_error", 413: "request_too_large"}.get(
            exc.status_code, "invalid_request_error")
        return _error(request, exc.status_code, str(exc.detail), kind, headers=exc.headers)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0] if exc.errors() else {"loc": (), "msg": "invalid request"}
        field = ".".join(str(part) for part in first.get("loc", ()) if part not in ("body", "query", "header", "path"))
        message = "; ".join(
            f"{'.'.join(str(p) for p in e.get('loc', ()) if p not in ('body', 'query', 'header', 'path')) or 'body'}: "
            f"{e.get('msg')}" for e in exc.errors()
        )
        return _error(request, 400, message, "invalid_request_error", param=field or None)
