"""chatcanvas as an MCP server (FastMCP): image and subject tools for any MCP client, over stdio or HTTP.

Each MCP tool calls the same LangChain tools the agent uses (never the engine directly), as the calling
user: the stdio user from settings, or the owner of the bearer key on the HTTP transport mounted at /mcp.
Results are PNG `ImageContent` plus a text line with the ids; progress goes out as MCP progress notifications.
"""

from __future__ import annotations

import base64
import json
from typing import Any

import anyio
from anyio import from_thread
from mcp.server.fastmcp import Context, FastMCP
from mcp.server.fastmcp.exceptions import ToolError
from mcp.server.fastmcp.utilities.types import Image
from starlette.types import ASGIApp, Receive, Scope, Send

from chatcanvas.agent import ImageAgent
from chatcanvas.engine import JobEvent
from chatcanvas.errors import ChatCanvasError
from chatcanvas.server.auth import Authenticator
from chatcanvas.tools import ToolBox, ToolFailed

USER_KEY = "chatcanvas_user"
CONVERSATION = "mcp"


def create_mcp_server(agent: ImageAgent, stdio_user: str = "local") -> FastMCP:
    mcp = FastMCP("chatcanvas", streamable_http_path="/", stateless_http=True, log_level="WARNING",
                  instructions="Draw, edit and personalize images. Image tools return PNGs and their ids; edit "
                               "an earlier image by passing its id.")

    def user_of(ctx: Context) -> str:
        request = getattr(ctx.request_context, "request", None)
        if request is None:
            return stdio_user
        return request.scope.get("state", {}).get(USER_KEY) or stdio_user

    async def call(ctx: Context, name: str, args: dict[str, Any], conversation: str) -> Any:
        user = user_of(ctx)

        def on_progress(event: JobEvent) -> None:
            if event.total and event.step:
                from_thread.run(ctx.report_progress, event.step, event.total, f"step {event.step} of {event.total}")

        toolbox = ToolBox(agent.subjects, user, conversation, on_progress)
        try:
            text, artifact = await anyio.to_thread.run_sync(lambda: toolbox.call(name, **args))
        except ToolFailed as exc:
            raise ToolError(str(exc)) from exc
        return [*(Image(path=image["path"]) for image in artifact.get("images", [])), text]

    @mcp.tool()
    async def generate_image(ctx: Context, prompt: str, negative_prompt: str | None = None, width: int | None = None,
                             height: int | None = None, steps: int | None = None, seed: int | None = None,
                             n: int = 1, conversation: str = CONVERSATION) -> list:
        """Draw new images from a text description; returns the PNGs and their ids."""
        return await call(ctx, "generate_image", {"prompt": prompt, "negative_prompt": negative_prompt,
                                                  "width": width, "height": height, "steps": steps, "seed": seed,
                                                  "n": n}, conversation)

    @mcp.tool()
    async def edit_image(ctx: Context, prompt: str, image_id: str | None = None, strength: float | None = None,
                         mask_image_id: str | None = None, seed: int | None = None,
                         conversation: str = CONVERSATION) -> list:
        """Change an image (by id, else the conversation's latest) to match the description of the result."""
        return await call(ctx, "edit_image", {"prompt": prompt, "image_id": image_id, "strength": strength,
                                              "mask_image_id": mask_image_id, "seed": seed}, conversation)

    @mcp.tool()
    async def list_images(ctx: Context, conversation: str | None = None, limit: int = 20) -> str:
        """Your images, newest first: id, prompt, size, seed, parent."""
        records = agent.store.list_images(user_of(ctx), conversation, max(1, min(limit, 200)))
        return json.dumps([{"id": r.id, "prompt": r.prompt, "operation": r.operation, "width": r.width,
                            "height": r.height, "seed": r.seed, "parent_id": r.parent_id,
                            "conversation": r.conversation} for r in records])

    @mcp.tool()
    async def upload_image(ctx: Context, data_base64: str, conversation: str = CONVERSATION) -> str:
        """Store a PNG, JPEG or WebP image (base64) to edit it or enroll a subject from it; returns its id."""
        try:
            data = base64.b64decode(data_base64, validate=True)
            record = agent.store.add_upload(data, owner=user_of(ctx), conversation=conversation)
        except (ValueError, ChatCanvasError) as exc:
            raise ToolError(f"image: {exc}") from exc
        return f"Stored image {record.id} ({record.width}x{record.height})."

    @mcp.tool()
    async def register_subject(ctx: Context, name: str, image_ids: list[str], aliases: list[str] | None = None,
                               method: str | None = None) -> list:
        """Remember a person, pet or object from stored photos (see upload_image) to draw it later by name."""
        return await call(ctx, "register_subject", {"name": name, "image_ids": image_ids, "aliases": aliases,
                                                    "method": method}, CONVERSATION)

    @mcp.tool()
    async def generate_with_subject(ctx: Context, subject: str, prompt: str, seed: int | None = None, n: int = 1,
                                    conversation: str = CONVERSATION) -> list:
        """Draw a registered subject ("Rex surfing"); returns the PNGs and their ids."""
        return await call(ctx, "generate_with_subject", {"subject": subject, "prompt": prompt, "seed": seed,
                                                         "n": n}, conversation)

    @mcp.tool()
    async def list_subjects(ctx: Context) -> str:
        """Your registered subjects: name, aliases, method, status."""
        return json.dumps([s.to_dict() for s in agent.subjects.subjects.list_subjects(user_of(ctx))])

    return mcp


class BearerGate:
    """ASGI wrapper for the mounted MCP app: the same API keys as the rest of the server."""

    def __init__(self, app: ASGIApp, auth: Authenticator):
        self.app, self.auth = app, auth

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        value = headers.get(b"authorization", b"").decode()
        key = value[7:].strip() if value.lower().startswith("bearer ") else None
        user = self.auth.user_for_key(key)
        if user is None:
            body = json.dumps({"error": {"message": "missing or invalid API key", "type": "authentication_error"}})
            await send({"type": "http.response.start", "status": 401,
                        "headers": [(b"content-type", b"application/json"), (b"www-authenticate", b"Bearer")]})
            await send({"type": "http.response.body", "body": body.encode()})
            return
        scope.setdefault("state", {})[USER_KEY] = user.name
        await self.app(scope, receive, send)
