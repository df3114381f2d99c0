"""All chatcanvas tools for one user and conversation, called directly: for hosts that are not LLM agents
(the MCP server, the Discord slash commands), through the very tools the agent uses."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from chatcanvas.engine import JobEvent
from chatcanvas.errors import UserError
from chatcanvas.services.subjects import SubjectService
from chatcanvas.tools.images import create_image_tools
from chatcanvas.tools.subjects import create_subject_tools


class ToolFailed(UserError):
    """A tool answered with an error; the message is the tool's own, meant for the user."""


class ToolBox:
    def __init__(self, subjects: SubjectService, user: str, conversation: str,
                 on_progress: Callable[[JobEvent], None] | None = None):
        engine = subjects.engine
        tools = create_image_tools(engine, subjects.images, user=user, conversation=conversation,
                                   on_progress=on_progress, subject_lookup=subjects.adapter_by_id,
                                   subject_prompt=subjects.edit_prompt_by_id)
        tools += create_subject_tools(subjects, user=user, conversation=conversation, on_progress=on_progress)
        self.tools = {tool.name: tool for tool in tools}

    def call(self, tool: str, /, **args: Any) -> tuple[str, dict[str, Any]]:
        """Run one tool (blocking); return its (text, artifact) or raise `ToolFailed` with its message."""
        given = {key: value for key, value in args.items() if value is not None}
        message = self.tools[tool].invoke({"type": "tool_call", "name": tool, "args": given, "id": f"direct-{tool}"})
        if message.status == "error":
            raise ToolFailed(str(message.content))
        return str(message.content), message.artifact or {}
