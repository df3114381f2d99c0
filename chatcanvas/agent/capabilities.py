"""What the agent can do, as plug-ins: each capability brings tools, a system-prompt section and router rules.

The agent's core (loop, state, prompt, persistence) never names a tool; a new capability (subjects, say) is
one more entry in `default_capabilities`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from langchain_core.tools import BaseTool

from chatcanvas.agent.router import IMAGE_RULES, RouterRule
from chatcanvas.config import Settings
from chatcanvas.engine import Engine
from chatcanvas.store import ImageRecord, ImageStore
from chatcanvas.tools import SubjectService, create_image_tools


@dataclass(frozen=True)
class Services:
    """What capabilities build their tools on."""

    engine: Engine
    store: ImageStore
    settings: Settings
    subjects: SubjectService


@dataclass(frozen=True)
class TurnView:
    """The conversation as a capability sees it when the prompt is written."""

    user: str
    conversation: str
    current_image: ImageRecord | None
    attached: list[ImageRecord] = field(default_factory=list)


class Capability(Protocol):
    name: str
    rules: Sequence[RouterRule]

    def tools(self, services: Services) -> list[BaseTool]: ...

    def describe(self, turn: TurnView) -> tuple[str | None, dict[str, Any]]:
        """A system-prompt section (or None) and facts for the offline router."""
        ...


@dataclass
class ImageCapability:
    """generate_image and edit_image."""

    name: str = "images"
    rules: Sequence[RouterRule] = IMAGE_RULES

    def tools(self, services: Services) -> list[BaseTool]:
        return create_image_tools(services.engine, services.store)

    def describe(self, turn: TurnView) -> tuple[str | None, dict[str, Any]]:
        return None, {}


def default_capabilities() -> list[Capability]:
    from chatcanvas.agent.subjects import SubjectCapability

    return [ImageCapability(), SubjectCapability()]
