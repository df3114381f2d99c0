"""chatcanvas as an MCP server (FastMCP): image and subject tools for any MCP client, over stdio or HTTP.

Each MCP tool calls the same LangChain tools the agent uses (never the engine directly), as the calling
user: the stdio user from settings, or the owner of the bearer key on the HTTP transport mounted at /mcp.
Results are PNG `ImageContent` plus a text line with the ids; progress goes out as MCP progress notifications.
A parameter the agent's tools have too takes its description from them. The server keeps each conversation's current
image (the last one made, uploaded or selected) while it runs; an edit without an image id changes that one.
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
from pydantic import Field
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
                               "an earlier image by passing its id, or make it current with select_image.")
    agent_tools = {name: tool.args for name, tool in ToolBox(agent.subjects, stdio_user, CONVERSATION).tools.items()}
    current: dict[tuple[str, str], str] = {}  # (user, conversation) -> the image an edit without image_id changes

    def as_in(tool: str, parameter: str, default: Any = ...) -> Any:
        """A parameter the agent's tool of that name has too, with the same description (they cannot drift)."""
        return Field(default, description=agent_tools[tool][parameter]["description"])

    def conversation_field() -> Any:
        return Field(CONVERSATION, description="The conversation of yours the images belong to; an edit without "
                                               "image_id changes its current image.")

    def user_of(ctx: Context) -> str:
        request = getattr(ctx.request_context, "request", None)
        if request is None:
            return stdio_user
        return request.scope.get("state", {}).get(USER_KEY) or stdio_user

    async def call(ctx: Context, name: str, args: dict[str, Any], conversation: str) -> tuple[str, dict[str, Any]]:
        """Run the agent's tool as the calling user; the last image it made or picked becomes current."""
        user = user_of(ctx)

        def on_progress(event: JobEvent) -> None:
            if event.total and event.step:
                from_thread.run(ctx.report_progress, event.step, event.total, f"step {event.step} of {event.total}")

        toolbox = ToolBox(agent.subjects, user, conversation, on_progress)
        try:
            text, artifact = await anyio.to_thread.run_sync(lambda: toolbox.call(name, **args))
        except ToolFailed as exc:
            raise ToolError(str(exc)) from exc
        chosen = artifact.get("images") or ([artifact["selected"]] if artifact.get("selected") else [])
        if chosen:
            current[(user, conversation)] = chosen[-1]["id"]
        return text, artifact

    def pictures(text: str, artifact: dict[str, Any]) -> list:
        return [*(Image(path=image["path"]) for image in artifact.get("images", [])), text]

    @mcp.tool()
    async def generate_image(ctx: Context, prompt: str = as_in("generate_image", "prompt"),
                             negative_prompt: str | None = as_in("generate_image", "negative_prompt", None),
                             width: int | None = as_in("generate_image", "width", None),
                             height: int | None = as_in("generate_image", "height", None),
                             steps: int | None = as_in("generate_image", "steps", None),
                             seed: int | None = as_in("generate_image", "seed", None),
                             n: int = as_in("generate_image", "n", 1),
                             conversation: str = conversation_field()) -> list:
        """Draw new images from a text description; returns the PNGs and their ids."""
        return pictures(*await call(ctx, "generate_image", {
            "prompt": prompt, "negative_prompt": negative_prompt, "width": width, "height": height, "steps": steps,
            "seed": seed, "n": n}, conversation))

    @mcp.tool()
    async def edit_image(ctx: Context, prompt: str = as_in("edit_image", "prompt"),
                         image_id: str | None = as_in("edit_image", "image_id", None),
                         strength: float | None = as_in("edit_image", "strength", None),
                         mask_image_id: str | None = as_in("edit_image", "mask_image_id", None),
                         seed: int | None = as_in("edit_image", "seed", None),
                         conversation: str = conversation_field()) -> list:
        """Change an image (by id, else the conversation's current one) to match the description of the result."""
        image_id = image_id or current.get((user_of(ctx), conversation))
        return pictures(*await call(ctx, "edit_image", {
            "prompt": prompt, "image_id": image_id, "strength": strength, "mask_image_id": mask_image_id,
            "seed": seed}, conversation))

    @mcp.tool()
    async def select_image(ctx: Context, image_id: str = as_in("select_image", "image_id"),
                           conversation: str = conversation_field()) -> str:
        """Make an earlier image of this conversation current without drawing ("undo", "go back to the first one");
        the next edit without image_id changes it."""
        text, _ = await call(ctx, "select_image", {"image_id": image_id}, conversation)
        return text

    @mcp.tool()
    async def list_images(ctx: Context,
                          conversation: str | None = Field(None, description="Only this conversation's images; "
                                                                             "leave empty for all of yours."),
                          limit: int = Field(20, description="How many images at most, 1 to 200.")) -> str:
        """Your images, newest first: id, prompt, size, seed, parent."""
        records = await anyio.to_thread.run_sync(agent.images.list, user_of(ctx), conversation, max(1, min(limit, 200)))
        return json.dumps([{"id": r.id, "prompt": r.prompt, "operation": r.operation, "width": r.width,
                            "height": r.height, "seed": r.seed, "parent_id": r.parent_id,
                            "conversation": r.conversation} for r in records])

    @mcp.tool()
    async def upload_image(ctx: Context,
                           data_base64: str = Field(description="The image file (PNG, JPEG or WebP), base64-encoded."),
                           conversation: str = conversation_field()) -> str:
        """Store a PNG, JPEG or WebP image (base64) to edit it or enroll a subject from it; returns its id. It
        becomes the conversation's current image."""
        try:
            data = base64.b64decode(data_base64, validate=True)
            owner = user_of(ctx)
            record = await anyio.to_thread.run_sync(agent.images.upload, data, owner, conversation)
        except (ValueError, ChatCanvasError) as exc:
            raise ToolError(f"image: {exc}") from exc
        current[(owner, conversation)] = record.id
        return f"Stored image {record.id} ({record.width}x{record.height})."

    @mcp.tool()
    async def register_subject(ctx: Context, name: str = as_in("register_subject", "name"),
                               image_ids: list[str] = Field(description="The ids of stored photos of the subject "
                                                                        "(see upload_image)."),
                               aliases: list[str] | None = as_in("register_subject", "aliases", None),
                               method: str | None = as_in("register_subject", "method", None)) -> list:
        """Remember a person, pet or object from stored photos (see upload_image) to draw it later by name."""
        return pictures(*await call(ctx, "register_subject", {
            "name": name, "image_ids": image_ids, "aliases": aliases, "method": method}, CONVERSATION))

    @mcp.tool()
    async def generate_with_subject(ctx: Context, subject: str = as_in("generate_with_subject", "subject"),
                                    prompt: str = as_in("generate_with_subject", "prompt"),
                                    seed: int | None = as_in("generate_with_subject", "seed", None),
                                    n: int = as_in("generate_with_subject", "n", 1),
                                    conversation: str = conversation_field()) -> list:
        """Draw a registered subject ("Rex surfing"); returns the PNGs and their ids."""
        return pictures(*await call(ctx, "generate_with_subject", {
            "subject": subject, "prompt": prompt, "seed": seed, "n": n}, conversation))

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
        value = headers.get(b"authorization", b"").decode("latin-1")
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
