"""A scripted tool-calling chat model: enqueue its replies, then assert on the messages it was shown."""

from __future__ import annotations

from collections import deque
from typing import Any

from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from pydantic import Field


class ScriptedChatModel(GenericFakeChatModel):
    messages: Any = Field(default_factory=deque)  # the replies still to give, in order
    history: list[list[BaseMessage]] = Field(default_factory=list)

    def enqueue(self, *replies: AIMessage | str) -> ScriptedChatModel:
        self.messages.extend(replies)
        return self

    def bind_tools(self, tools, **kwargs) -> ScriptedChatModel:
        return self

    def _generate(self, messages, stop=None, run_manager=None, **kwargs):
        self.history.append(list(messages))
        if not self.messages:
            raise AssertionError("the scripted model ran out of replies")
        reply = self.messages.popleft()
        message = AIMessage(content=reply) if isinstance(reply, str) else reply
        return ChatResult(generations=[ChatGeneration(message=message)])


def tool_call(tool: str, call_id: str = "call_1", /, **args) -> AIMessage:
    return AIMessage(content="", tool_calls=[{"name": tool, "args": args, "id": call_id, "type": "tool_call"}])
