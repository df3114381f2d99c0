"""Batch records (`POST /v1/batches`): each batch's items, base seed, status and counts, one row per batch, so a batch
outlives a restart and only its owner reads it. The batch service keeps them in the data folder's SQLite file even
when a database URL is set: a batch's dataset is written into that data folder, and its record stays beside it."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path

from chatcanvas.store.db import Database, open_database

_SCHEMA = """
CREATE TABLE IF NOT EXISTS batches (
    id TEXT PRIMARY KEY,
    owner TEXT NOT NULL,
    created REAL NOT NULL,
    seed INTEGER NOT NULL,
    items TEXT NOT NULL,
    status TEXT NOT NULL,
    total INTEGER NOT NULL,
    done INTEGER NOT NULL DEFAULT 0,
    failed INTEGER NOT NULL DEFAULT 0,
    errors TEXT NOT NULL DEFAULT '[]'
);
"""
_COLUMNS = "id, owner, created, seed, status, total, done, failed, errors, items"


@dataclass(frozen=True)
class BatchRecord:
    id: str
    owner: str
    created: float
    seed: int
    status: str  # running, succeeded, failed (some items), cancelled
    total: int
    done: int
    failed: int
    errors: tuple[str, ...]
    items: str
    """The batch's items as JSONL."""


def _record(row: tuple) -> BatchRecord:
    return BatchRecord(*row[:8], tuple(json.loads(row[8])), row[9])


class BatchStore:
    def __init__(self, root: Path | str, *, database: Database | None = None):
        self.database = database or open_database(root)
        self.database.create(_SCHEMA)

    def add(self, batch_id: str, owner: str, seed: int, items: str, total: int) -> None:
        with self.database.connect() as db:
            db.execute("INSERT INTO batches (id, owner, created, seed, items, status, total) VALUES (?, ?, ?, ?, ?, "
                       "'running', ?)", [batch_id, owner, time.time(), seed, items, total])

    def update(self, batch_id: str, errors: list[str], status: str | None = None, **counts: int) -> None:
        """Counts, errors (the last 20) and, when given, the final status of a batch still running."""
        sets = ", ".join([f"{name} = ?" for name in counts] + ["errors = ?"] + (["status = ?"] if status else []))
        values = [*counts.values(), json.dumps(errors[-20:]), *([status] if status else []), batch_id]
        with self.database.connect() as db:
            db.execute(f"UPDATE batches SET {sets} WHERE id = ? AND status = 'running'", values)

    def get(self, batch_id: str, owner: str) -> BatchRecord | None:
        with self.database.connect() as db:
            row = db.execute(f"SELECT {_COLUMNS} FROM batches WHERE id = ? AND owner = ?", [batch_id, owner]).fetchone()
        return _record(row) if row else None

    def list(self, owner: str, limit: int = 100) -> list[BatchRecord]:
        with self.database.connect() as db:
            rows = db.execute(f"SELECT {_COLUMNS} FROM batches WHERE owner = ? ORDER BY created DESC LIMIT ?",
                              [owner, limit]).fetchall()
        return [_record(row) for row in rows]

    def cancel(self, batch_id: str) -> None:
        with self.database.connect() as db:
            db.execute("UPDATE batches SET status = 'cancelled' WHERE id = ? AND status = 'running'", [batch_id])

    def running(self) -> list[BatchRecord]:
        with self.database.connect() as db:
            rows = db.execute(f"SELECT {_COLUMNS} FROM batches WHERE status = 'running'").fetchall()
        return [_record(row) for row in rows]
