"""Typed dependencies: the server's state, the calling user, errors in the OpenAI shape."""

from __future__ import annotations

import base64
import binascii
import functools
import threading
from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.concurrency import run_in_threadpool

from chatcanvas.agent import ImageAgent
from chatcanvas.config import Settings
from chatcanvas.errors import InvalidImage
from chatcanvas.server.auth import COOKIE, Authenticator, User
from chatcanvas.server.metrics import Metrics
from chatcanvas.services.batches import BatchService
from chatcanvas.services.chat import ChatService
from chatcanvas.services.conversations import ConversationService
from chatcanvas.services.studio import StudioService
from chatcanvas.store import ImageRecord
from chatcanvas.store.options import OptionStore


@dataclass
class ServerState:
    settings: Settings
    agent: ImageAgent
    auth: Authenticator
    metrics: Metrics
    stopping: threading.Event = field(default_factory=threading.Event)
    slack_handler: Any = None

    @property
    def engine(self):
        return self.agent.engine

    @property
    def store(self):
        return self.agent.store

    @property
    def images(self):
        return self.agent.images

    @property
    def subjects(self):
        return self.agent.subjects

    @property
    def chat(self) -> ChatService:
        return ChatService(self.agent)

    @property
    def conversations(self) -> ConversationService:
        return ConversationService(self.agent)

    @property
    def studio(self) -> StudioService:
        return StudioService(self.images, self.subjects, self.settings)

    @functools.cached_property
    def options(self) -> OptionStore:
        return OptionStore(self.settings.resolved_data_dir, database=self.store.database)

    @functools.cached_property
    def batches(self) -> BatchService:
        return BatchService(self.images, self.settings.resolved_data_dir)


async def get_state(request: Request) -> ServerState:
    # async: FastAPI runs a plain `def` dependency on its thread pool, a hop per request for an attribute read
    return request.app.state.chatcanvas


StateDep = Annotated[ServerState, Depends(get_state)]
_bearer = HTTPBearer(auto_error=False, description="An API key from CHATCANVAS_API_KEYS.")


def unauthorized(message: str = "missing or invalid API key") -> HTTPException:
    return HTTPException(401, message, headers={"WWW-Authenticate": "Bearer"})


def presented_key(request: Request) -> str | None:
    """The API key a request carries: `Authorization: Bearer KEY`, or HTTP Basic with the key as the password (as
    AUTOMATIC1111 clients send it: Open WebUI's `AUTOMATIC1111_API_AUTH=user:KEY`, webuiapi's `set_auth`)."""
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    value = value.strip()
    if scheme.lower() == "bearer" and value:
        return value
    if scheme.lower() == "basic" and value:
        try:
            user, _, password = base64.b64decode(value, validate=True).decode("utf-8").partition(":")
        except (binascii.Error, ValueError):
            return None
        return password or user or None
    return None


def caller(request: Request, auth: Authenticator) -> User | None:
    """Who sent the request: its bearer key, else the web page's session cookie; None when neither is valid."""
    key = presented_key(request)
    if key is not None or auth.open:
        return auth.user_for_key(key)
    return auth.user_for_session(request.cookies.get(COOKIE))


async def current_user(request: Request, state: StateDep,
                       credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]) -> User:
    # `credentials` declares the bearer scheme in the OpenAPI schema; the key itself is read the one way below. A
    # key is checked in memory, here; a session cookie is looked up in the store, on a thread
    if presented_key(request) is not None or state.auth.open:
        user = caller(request, state.auth)
    else:
        user = await run_in_threadpool(caller, request, state.auth)
    if user is None:
        raise unauthorized()
    return user


UserDep = Annotated[User, Depends(current_user)]


def image_url(request: Request, state: ServerState, record: ImageRecord) -> str:
    """An absolute, signed URL for one image: it opens without the API key, for its owner's eyes."""
    base = (state.settings.public_url or str(request.base_url)).rstrip("/")
    return f"{base}/v1/images/{record.id}?token={state.auth.sign(record.id, record.owner)}"


def image_json(request: Request, state: ServerState, record: ImageRecord) -> dict[str, Any]:
    return {
        "id": record.id, "url": image_url(request, state, record), "width": record.width, "height": record.height,
        "seed": record.seed, "prompt": record.prompt, "parent_id": record.parent_id, "operation": record.operation,
        "model": record.model, "created": record.created,
    }


def decode_base64_image(data: str, field: str) -> bytes:
    """Bytes from base64 or a `data:image/...;base64,` URL (never a remote URL: the server fetches nothing)."""
    if not isinstance(data, str) or not data:
        raise InvalidImage("expected base64 image data or a data: URL", field)
    if data.startswith(("http://", "https://")):
        raise InvalidImage("remote image URLs are not fetched; send the image as base64 or a data: URL", field)
    if data.startswith("data:"):
        header, _, data = data.partition(",")
        if ";base64" not in header:
            raise InvalidImage("data: URLs must be base64-encoded", field)
    try:
        return base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise InvalidImage(f"not valid base64 ({exc})", field) from exc
