"""Per-user settings a client protocol keeps between calls (A1111's `sd_model_checkpoint`): one row per user and
name, in the store's database, so a choice outlives a restart and one user's choice is never another's."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from chatcanvas.store.db import Database, open_database

_SCHEMA = """
CREATE TABLE IF NOT EXISTS user_options (
    owner TEXT NOT NULL,
    name TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (owner, name)
);
"""


class OptionStore:
    def __init__(self, root: Path | str, *, database: Database | None = None):
        self.database = database or open_database(root)
        self.database.create(_SCHEMA)

    def get(self, owner: str) -> dict[str, Any]:
        with self.database.connect() as db:
            rows = db.execute("SELECT name, value FROM user_options WHERE owner = ?", [owner]).fetchall()
        return {name: json.loads(value) for name, value in rows}

    def set(self, owner: str, values: dict[str, Any]) -> None:
        with self.database.connect() as db:
            db.executemany("INSERT INTO user_options (owner, name, value) VALUES (?, ?, ?) "
                           "ON CONFLICT (owner, name) DO UPDATE SET value = excluded.value",
                           [(owner, name, json.dumps(value)) for name, value in values.items()])
