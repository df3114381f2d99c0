"""Where conversations persist: a LangGraph checkpointer, SQLite in the data folder or Postgres by URL."""

from __future__ import annotations

import sqlite3
from contextlib import ExitStack
from pathlib import Path
from urllib.parse import quote

from langgraph.checkpoint.base import BaseCheckpointSaver

from chatcanvas.errors import InvalidInput


def thread_id(user: str, conversation: str) -> str:
    """A conversation's thread, scoped by its user: alice's "main" and bob's "main" never meet."""
    return f"{quote(user, safe='')}/{quote(conversation, safe='')}"


def open_checkpointer(data_dir: Path, database_url: str | None, resources: ExitStack) -> BaseCheckpointSaver:
    """The checkpointer; connections it opens are closed with `resources`."""
    if database_url:
        if not database_url.startswith(("postgres://", "postgresql://")):
            raise InvalidInput("database_url", "only postgresql:// URLs are supported (SQLite is the default)")
        try:
            from langgraph.checkpoint.postgres import PostgresSaver
        except ImportError as exc:
            raise InvalidInput("database_url", "Postgres needs pip install 'chatcanvas[postgres]'") from exc
        saver = resources.enter_context(PostgresSaver.from_conn_string(database_url))
        saver.setup()
        return saver
    from langgraph.checkpoint.sqlite import SqliteSaver

    data_dir.mkdir(parents=True, exist_ok=True)
    connection = sqlite3.connect(data_dir / "conversations.db", check_same_thread=False)
    # WAL with NORMAL sync: a commit survives a crash of the process; one fsync per checkpoint, not two
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=NORMAL")
    resources.callback(connection.close)
    saver = SqliteSaver(connection)
    saver.setup()
    return saver
