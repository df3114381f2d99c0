"""Who is asking and in which conversation: reaches the tools injected, never as arguments the model writes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class ToolContext:
    """The run context an agent passes to the image tools (`create_agent(..., context_schema=ToolContext)`)."""

    user: str = "local"
    conversation: str = "default"


def identity(runtime: Any, default: ToolContext) -> ToolContext:
    """The user and conversation of a tool call.

    Read from the agent's run context when it is a `ToolContext` (or a mapping with `user`/`conversation`),
    else from `config["configurable"]`, else the defaults the tools were made with.
    """
    if runtime is None:
        return default
    context = getattr(runtime, "context", None)
    if isinstance(context, ToolContext):
        return context
    source: dict = {}
    if isinstance(context, dict):
        source = context
    else:
        source = (getattr(runtime, "config", None) or {}).get("configurable", {}) or {}
    return ToolContext(
        user=str(source.get("user") or default.user),
        conversation=str(source.get("conversation") or default.conversation),
    )


def current_image_id(runtime: Any) -> str | None:
    """The conversation's current image as the agent state holds it, if the host agent keeps one."""
    state = getattr(runtime, "state", None)
    if isinstance(state, dict):
        return state.get("current_image_id")
    return getattr(state, "current_image_id", None)
