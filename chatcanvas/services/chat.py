"""A chat turn: how every surface (HTTP chat, OpenAI chat completions, Slack, Discord, the terminal) talks to the
agent. A turn names its user and conversation; its message and attachments are checked (and the attachments
stored) before anything streams; conversations are read back only by their owner."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from chatcanvas.agent import ImageAgent, Progress, Reply
    from chatcanvas.store import ImageRecord
    from chatcanvas.store.conversations import Conversation


@dataclass(frozen=True, kw_only=True)
class ChatTurn:
    user: str
    conversation: str
    text: str
    uploads: Sequence[bytes] = ()  # new pictures attached to the message
    image_ids: Sequence[str] = ()  # the user's stored pictures attached (e.g. the one picked to edit)


class ChatService:
    def __init__(self, agent: ImageAgent):
        self.agent = agent

    def stream(self, turn: ChatTurn) -> Iterator[Progress | Reply]:
        """`Progress` for each step of the turn's image jobs, then the `Reply`. A bad message or attachment raises
        here, before the first item (nothing stored, nothing said to the agent)."""
        return self.agent.stream(turn.text, turn.uploads, user=turn.user, conversation=turn.conversation,
                                 image_ids=turn.image_ids)

    def reply(self, turn: ChatTurn) -> Reply:
        """The turn run to its end."""
        return self.agent.chat(turn.text, turn.uploads, user=turn.user, conversation=turn.conversation,
                               image_ids=turn.image_ids)

    def cancel(self, user: str, conversation: str) -> int:
        """Stop the conversation's running and queued image jobs (the client went away, or Ctrl-C); how many."""
        return self.agent.cancel(user, conversation)

    def conversations(self, user: str) -> list[Conversation]:
        return self.agent.conversations.list_conversations(user)

    def conversation(self, user: str, conversation: str) -> dict[str, Any]:
        """The user's conversation with its messages; `NotFound` for an unknown or another user's one."""
        return self.agent.conversation(user, conversation)

    def current_image(self, user: str, conversation: str) -> ImageRecord | None:
        return self.agent.current_image(user, conversation)

    def attachments(self, user: str, conversation: str) -> list[list[str]]:
        """Per user message, oldest first, the ids of the pictures attached to its turn."""
        return self.agent.attachments(user, conversation)

    def make_current(self, user: str, conversation: str, image_id: str) -> None:
        self.agent.make_current(user, conversation, image_id)

    def forget(self, user: str, conversation: str) -> None:
        self.agent.forget(user, conversation)
