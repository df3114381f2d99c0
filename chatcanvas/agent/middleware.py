"""Middleware that keeps the image state: writes the turn's system prompt and moves the current image.

Before each model call it names the current image and what the capabilities know; after each image tool
call it makes the newest image the current one, from the tool's artifact (never from text).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from langchain.agents.middleware import AgentMiddleware, ModelRequest, ModelResponse
from langchain_core.messages import SystemMessage, ToolMessage
from langgraph.prebuilt.tool_node import ToolCallRequest
from langgraph.types import Command

from chatcanvas.agent.capabilities import Capability, TurnView
from chatcanvas.agent.prompt import system_prompt
from chatcanvas.agent.router import IntentRouter
from chatcanvas.agent.state import ImageAgentState
from chatcanvas.store import ImageStore
from chatcanvas.tools import ToolContext


class ImageStateMiddleware(AgentMiddleware):
    state_schema = ImageAgentState

    def __init__(self, store: ImageStore, capabilities: Sequence[Capability]):
        super().__init__()
        self.store = store
        self.capabilities = list(capabilities)

    # --- before the model ----------------------------------------------------------------------------
    def _prepare(self, request: ModelRequest) -> ModelRequest:
        context = request.runtime.context if isinstance(request.runtime.context, ToolContext) else ToolContext()
        state = request.state
        turn = TurnView(
            user=context.user,
            conversation=context.conversation,
            current_image=self.store.find(state.get("current_image_id"), context.user),
            attached=[r for r in (self.store.find(i, context.user) for i in state.get("attached_image_ids") or []) if r],
        )
        sections, extras = [], {}
        for capability in self.capabilities:
            section, facts = capability.describe(turn)
            sections.append(section or "")
            extras.update(facts)
        request = request.override(system_message=SystemMessage(system_prompt(turn, sections)))
        if isinstance(request.model, IntentRouter):
            current = turn.current_image
            # the ledger's words for it where a capability listed it ("Rex surfing" for "sks dog surfing")
            said = next((image.get("prompt") for image in extras.get("images") or [] if current is not None
                         and image.get("id") == current.id), current.prompt if current else None)
            facts = {
                "current_image_id": current.id if current else None,
                "current_prompt": said,
                "attached_image_ids": [r.id for r in turn.attached],
                "extras": extras,
            }
            request = request.override(model_settings={**request.model_settings, "turn": facts})
        return request

    def wrap_model_call(self, request: ModelRequest, handler: Callable[[ModelRequest], ModelResponse]) -> Any:
        return handler(self._prepare(request))

    async def awrap_model_call(self, request: ModelRequest,
                               handler: Callable[[ModelRequest], Awaitable[ModelResponse]]) -> Any:
        return await handler(self._prepare(request))

    # --- after a tool ----------------------------------------------------------------------------------
    @staticmethod
    def _track(result: ToolMessage | Command) -> ToolMessage | Command:
        if not isinstance(result, ToolMessage) or result.status == "error" or not isinstance(result.artifact, dict):
            return result
        images = result.artifact.get("images") or []
        selected = result.artifact.get("selected")
        if images:
            return Command(update={"messages": [result], "current_image_id": images[-1]["id"]})
        if isinstance(selected, dict) and selected.get("id"):
            return Command(update={"messages": [result], "current_image_id": selected["id"]})
        return result

    def wrap_tool_call(self, request: ToolCallRequest,
                       handler: Callable[[ToolCallRequest], ToolMessage | Command]) -> ToolMessage | Command:
        return self._track(handler(request))

    async def awrap_tool_call(self, request: ToolCallRequest,
                              handler: Callable[[ToolCallRequest], Awaitable[ToolMessage | Command]]
                              ) -> ToolMessage | Command:
        return self._track(await handler(request))
