"""The index of each user's conversations (the messages themselves live in the agent's checkpointer)."""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from chatcanvas.errors import NotFound
from chatcanvas.store.db import Database, open_database

_SCHEMA = """
CREATE TABLE IF NOT EXISTS conversations (
    owner TEXT NOT NULL,
    id TEXT NOT NULL,
    title TEXT NOT NULL,
    created REAL NOT NULL,
    updated REAL NOT NULL,
    PRIMARY KEY (owner, id)
);
"""


@dataclass(frozen=True)
class Conversation:
    id: str
    owner: str
    title: str
    created: float
    updated: float

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class ConversationStore:
    def __init__(self, root: Path | str, *, database: Database | None = None):
        self.database = database or open_database(root)
        self.database.create(_SCHEMA)

    def touch(self, owner: str, conversation: str, first_message: str = "") -> None:
        """Record that the conversation had a turn (created on its first, titled by its first message)."""
        now = time.time()
        title = " ".join(first_message.split())[:80] or conversation
        with self.database.connect() as db:
            db.execute(
                "INSERT INTO conversations (owner, id, title, created, updated) VALUES (?, ?, ?, ?, ?) "
                "ON CONFLICT (owner, id) DO UPDATE SET updated = excluded.updated",
                [owner, conversation, title, now, now],
            )

    def get(self, owner: str, conversation: str) -> Conversation:
        with self.database.connect() as db:
            row = db.execute("SELECT id, owner, title, created, updated FROM conversations WHERE owner = ? AND id = ?",
                             [owner, conversation]).fetchone()
        if row is None:
            raise NotFound(f"no conversation {conversation!r}")
        return Conversation(*row)

    def list_conversations(self, owner: str, limit: int = 100) -> list[Conversation]:
        with self.database.connect() as db:
            rows = db.execute("SELECT id, owner, title, created, updated FROM conversations WHERE owner = ? "
                              "ORDER BY updated DESC LIMIT ?", [owner, limit]).fetchall()
        return [Conversation(*row) for row in rows]

    def delete(self, owner: str, conversation: str) -> None:
        """Drop the conversation from the owner's index (`NotFound` for an unknown or another user's one)."""
        with self.database.connect() as db:
            gone = db.execute("DELETE FROM conversations WHERE owner = ? AND id = ?", [owner, conversation]).rowcount
        if not gone:
            raise NotFound(f"no conversation {conversation!r}")
