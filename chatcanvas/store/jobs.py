"""The durable record of device jobs: written before a job is acknowledged, kept through restarts.

A job's request is kept as JSON plus its input pictures as PNG files (lossless, so a job run again after a restart
sees the same pixels); the record follows the job's status, and its result ids once the images are stored.
"""

from __future__ import annotations

import json
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from filelock import FileLock, Timeout

from chatcanvas.store.db import connect

_SCHEMA = """
CREATE TABLE IF NOT EXISTS jobs (
    id TEXT PRIMARY KEY,
    owner TEXT NOT NULL,
    conversation TEXT,
    kind TEXT NOT NULL,
    model TEXT NOT NULL,
    seeds TEXT NOT NULL,
    request TEXT NOT NULL,
    status TEXT NOT NULL,
    step INTEGER NOT NULL DEFAULT 0,
    total INTEGER NOT NULL DEFAULT 0,
    image_ids TEXT NOT NULL DEFAULT '[]',
    output TEXT,
    error TEXT,
    attempts INTEGER NOT NULL DEFAULT 0,
    created REAL NOT NULL,
    updated REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS jobs_by_status ON jobs (status, created);
"""
UNFINISHED = ("queued", "running")
KEEP_FINISHED_SECONDS = 7 * 24 * 3600


@dataclass(frozen=True)
class JobRecord:
    id: str
    owner: str
    conversation: str | None
    kind: str
    model: str
    seeds: tuple[int, ...]
    request: dict[str, Any]
    status: str
    step: int
    total: int
    image_ids: tuple[str, ...]
    output: str | None
    error: str | None
    attempts: int
    created: float
    updated: float


_COLUMNS = ("id, owner, conversation, kind, model, seeds, request, status, step, total, image_ids, output, error, "
            "attempts, created, updated")


def _record(row: tuple) -> JobRecord:
    values = list(row)
    values[5] = tuple(json.loads(values[5]))
    values[6] = json.loads(values[6])
    values[10] = tuple(json.loads(values[10]))
    return JobRecord(*values)


class JobStore:
    def __init__(self, root: Path | str):
        root = Path(root).expanduser()
        self.db_path = root / "chatcanvas.db"
        self.blobs = root / "jobs"
        self.blobs.mkdir(parents=True, exist_ok=True)
        self._claim = FileLock(root / "jobs.lock", thread_local=False)  # taken at start, let go by the worker
        with connect(self.db_path) as db:
            db.executescript(_SCHEMA)

    def claim(self) -> bool:
        """Become the process that runs this folder's unfinished jobs again (held until `release`); False when
        another live process already is (it resumed them when it started)."""
        try:
            self._claim.acquire(timeout=0)
        except Timeout:
            return False
        return True

    def release(self) -> None:
        if self._claim.is_locked:
            self._claim.release(force=True)

    def add(self, *, id: str, owner: str, conversation: str | None, kind: str, model: str, seeds: tuple[int, ...],
            request: dict[str, Any], blobs: dict[str, bytes], created: float) -> None:
        """Record a queued job: its input pictures first, then the row (a row never names a missing file)."""
        folder = self.blobs / id
        if blobs:
            folder.mkdir(parents=True, exist_ok=True)
            for name, data in blobs.items():
                (folder / name).write_bytes(data)
        with connect(self.db_path) as db:
            db.execute(f"INSERT INTO jobs ({_COLUMNS}) VALUES ({', '.join('?' * 16)})",
                       [id, owner, conversation, kind, model, json.dumps(list(seeds)), json.dumps(request), "queued",
                        0, 0, "[]", None, None, 0, created, time.time()])

    def blob(self, job_id: str, name: str) -> Path:
        return self.blobs / job_id / name

    def remove(self, job_id: str) -> None:
        """Forget a job that was never acknowledged (the queue refused it)."""
        with connect(self.db_path) as db:
            db.execute("DELETE FROM jobs WHERE id = ?", [job_id])
        shutil.rmtree(self.blobs / job_id, ignore_errors=True)

    def started(self, job_id: str, total: int) -> None:
        with connect(self.db_path) as db:
            db.execute("UPDATE jobs SET status = 'running', total = ?, attempts = attempts + 1, updated = ? "
                       "WHERE id = ?", [total, time.time(), job_id])

    def finished(self, job_id: str, status: str, *, step: int, total: int, image_ids: tuple[str, ...] = (),
                 output: str | None = None, error: str | None = None) -> None:
        """The job's end: its images are stored by now; its input pictures are no longer needed."""
        with connect(self.db_path) as db:
            db.execute("UPDATE jobs SET status = ?, step = ?, total = ?, image_ids = ?, output = ?, error = ?, "
                       "updated = ? WHERE id = ?",
                       [status, step, total, json.dumps(list(image_ids)), output, error, time.time(), job_id])
        shutil.rmtree(self.blobs / job_id, ignore_errors=True)

    def get(self, job_id: str, owner: str) -> JobRecord | None:
        """The owner's job record; None for an unknown id or another user's job."""
        with connect(self.db_path) as db:
            row = db.execute(f"SELECT {_COLUMNS} FROM jobs WHERE id = ? AND owner = ?", [job_id, owner]).fetchone()
        return _record(row) if row else None

    def unfinished(self) -> list[JobRecord]:
        """Jobs that were queued or running when the last process stopped, oldest first."""
        with connect(self.db_path) as db:
            rows = db.execute(f"SELECT {_COLUMNS} FROM jobs WHERE status IN (?, ?) ORDER BY created",
                              list(UNFINISHED)).fetchall()
        return [_record(row) for row in rows]

    def prune(self, older_than: float = KEEP_FINISHED_SECONDS) -> int:
        """Forget finished jobs older than `older_than` seconds, and input pictures no unfinished job needs (a
        process killed between writing them and its record); how many records went."""
        with connect(self.db_path) as db:
            cursor = db.execute("DELETE FROM jobs WHERE status NOT IN (?, ?) AND updated < ?",
                                [*UNFINISHED, time.time() - older_than])
            live = {row[0] for row in db.execute("SELECT id FROM jobs WHERE status IN (?, ?)", list(UNFINISHED))}
        for folder in self.blobs.iterdir():
            if folder.name not in live:
                shutil.rmtree(folder, ignore_errors=True)
        return cursor.rowcount
