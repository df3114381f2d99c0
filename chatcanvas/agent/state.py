"""The agent's state: messages plus which image is current and which were attached in this turn."""

from __future__ import annotations

from typing import NotRequired

from langchain.agents import AgentState


class ImageAgentState(AgentState):
    current_image_id: NotRequired[str | None]
    """The image "it" refers to: set by the tools (generated, edited) and by uploads, never guessed from text."""
    attached_image_ids: NotRequired[list[str]]
    """Images the user attached to this turn (uploads, already validated and stored)."""
