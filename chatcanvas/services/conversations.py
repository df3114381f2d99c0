"""A user's conversations as a chat page manages them: read back with the pictures attached to each message, the
current picture chosen by a click (or by /use and /undo in the terminal), a running turn stopped, a conversation
erased. Owner-scoped throughout: another user's conversation reads as absent."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chatcanvas.errors import Busy, NotFound
from chatcanvas.services.chat import ChatService

if TYPE_CHECKING:
    from chatcanvas.agent import ImageAgent
    from chatcanvas.store import ImageRecord


class ConversationService:
    def __init__(self, agent: ImageAgent):
        self.agent = agent
        self.chat = ChatService(agent)

    def conversation(self, user: str, conversation: str) -> dict[str, Any]:
        """The conversation with its messages (`NotFound` for an unknown or another user's one); a user message
        carries the pictures attached to its turn (uploads, or a picture picked to edit) as `image_ids`."""
        data = self.chat.conversation(user, conversation)
        said = [message for message in data["messages"] if message["role"] == "user"]
        for message, attached in zip(said, self.chat.attachments(user, conversation), strict=False):
            if attached:
                message["image_ids"] = attached
        return data

    def select(self, user: str, conversation: str, image_id: str) -> ImageRecord:
        """Make one of the conversation's pictures the current one, as the agent's select_image tool does (`NotFound`
        for an unknown conversation, another's picture or one of another conversation); `Busy` while it draws."""
        self.agent.conversations.get(user, conversation)
        record = self.agent.images.get(image_id, user)
        if record.conversation != conversation:
            raise NotFound(f"image {image_id!r} is not a picture of conversation {conversation!r}")
        self._idle(user, conversation)
        self.chat.make_current(user, conversation, record.id)
        return record

    def pictures(self, user: str, conversation: str) -> list[ImageRecord]:
        """The conversation's pictures (drawn, edited and uploaded), oldest first: the order the agent numbers them
        in ("the second picture")."""
        return list(reversed(self.agent.images.list(user, conversation, limit=1_000_000)))

    def previous(self, user: str, conversation: str) -> ImageRecord | None:
        """The picture "undo" goes back to, by the agent's rule: the current picture's parent when it is in this
        conversation, else the picture made just before it; None when there is none."""
        pictures = self.pictures(user, conversation)
        ids = [picture.id for picture in pictures]
        current = self.chat.current_image(user, conversation)
        position = ids.index(current.id) if current is not None and current.id in ids else len(ids) - 1
        if position < 0:
            return None
        if pictures[position].parent_id in ids:
            return pictures[ids.index(pictures[position].parent_id)]
        return pictures[position - 1] if position > 0 else None

    def stop(self, user: str, conversation: str) -> int:
        """Cancel the conversation's queued and running jobs (a Cancel button, Esc); how many. Its running turn then
        ends with a reply. `NotFound` for an unknown or another user's conversation."""
        self.agent.conversations.get(user, conversation)
        return self.chat.cancel(user, conversation)

    def delete(self, user: str, conversation: str) -> int:
        """Erase a conversation: its messages, its place in the list and its pictures (how many). `NotFound` for an
        unknown or another user's one, `Busy` while one of its pictures is being made."""
        self.agent.conversations.get(user, conversation)
        self._idle(user, conversation)
        images = self.agent.images
        pictures = images.list(user, conversation, limit=1_000_000)
        for record in pictures:
            images.delete(record.id, user)
        self.chat.forget(user, conversation)
        self.agent.conversations.delete(user, conversation)
        return len(pictures)

    def _idle(self, user: str, conversation: str) -> None:
        if self.agent.engine.active_jobs(user, conversation):
            raise Busy("a picture of this conversation is being made; wait for it or cancel it first")

