"""The durable record of device jobs: written before a job is acknowledged, kept through restarts.

A job's request is kept as JSON plus its input pictures as PNG files (lossless, so a job run again after a restart
sees the same pixels); the record follows the job's status, and its result ids once the images are stored.
The input pictures are working data, not blobs: kept beside the record (files next to the data folder's SQLite, or a
table of the PostgreSQL database) and dropped when the job ends, so whichever process resumes the job reads them
from where it reads the record.
"""

from __future__ import annotations

import json
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from filelock import FileLock, Timeout

from chatcanvas.store.db import Database, open_database

_SCHEMA = """
CREATE TABLE IF NOT EXISTS {jobs} (
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
CREATE INDEX IF NOT EXISTS {jobs}_by_status ON {jobs} (status, created);
CREATE TABLE IF NOT EXISTS {jobs}_blobs (
    job_id TEXT NOT NULL,
    name TEXT NOT NULL,
    data BLOB NOT NULL,
    PRIMARY KEY (job_id, name)
)
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
    """Job records in the data folder's SQLite (input pictures as files beside it), or in PostgreSQL when the
    database is (input pictures in a table too, so any process that reaches the database can run them)."""

    def __init__(self, root: Path | str, database: Database | None = None):
        root = Path(root).expanduser()
        self.database = database or open_database(root)
        self.blobs = root / "jobs"
        self.table = "chatcanvas_jobs" if self.database.postgres else "jobs"
        self._claim = FileLock(root / "jobs.lock", thread_local=False)  # taken at start, let go by the worker
        self._claim_connection: Any = None
        if not self.database.postgres:
            self.blobs.mkdir(parents=True, exist_ok=True)
        self.database.create(_SCHEMA.format(jobs=self.table))

    def claim(self) -> bool:
        """Become the process that runs the unfinished jobs again (held until `release`); False when another live
        process already is (it resumed them when it started). Per data folder, or per database with PostgreSQL."""
        if self.database.postgres:
            self._claim_connection = self.database.try_lock(self.table)  # the lock lives as long as its session
            return self._claim_connection is not None
        try:
            self._claim.acquire(timeout=0)
        except Timeout:
            return False
        return True

    def release(self) -> None:
        if self._claim_connection is not None:
            self._claim_connection.close()
            self._claim_connection = None
        if self._claim.is_locked:
            self._claim.release(force=True)

    def add(self, *, id: str, owner: str, conversation: str | None, kind: str, model: str, seeds: tuple[int, ...],
            request: dict[str, Any], blobs: dict[str, bytes], created: float) -> None:
        """Record a queued job: its input pictures first, then the row (a row never names a missing picture)."""
        if not self.database.postgres and blobs:
            folder = self.blobs / id
            folder.mkdir(parents=True, exist_ok=True)
            for name, data in blobs.items():
                (folder / name).write_bytes(data)
        with self.database.connect() as db:
            if self.database.postgres:
                for name, data in blobs.items():
                    db.execute(f"INSERT INTO {self.table}_blobs (job_id, name, data) VALUES (?, ?, ?)",
                               [id, name, data])
            db.execute(f"INSERT INTO {self.table} ({_COLUMNS}) VALUES ({', '.join('?' * 16)})",
                       [id, owner, conversation, kind, model, json.dumps(list(seeds)), json.dumps(request), "queued",
                        0, 0, "[]", None, None, 0, created, time.time()])

    def blob(self, job_id: str, name: str) -> bytes:
        """One input picture of an unfinished job, as PNG bytes."""
        if not self.database.postgres:
            return (self.blobs / job_id / name).read_bytes()
        with self.database.connect() as db:
            row = db.execute(f"SELECT data FROM {self.table}_blobs WHERE job_id = ? AND name = ?",
                             [job_id, name]).fetchone()
        if row is None:
            raise FileNotFoundError(f"the picture {name} of job {job_id} is missing")
        return bytes(row[0])

    def _drop_blobs(self, db: Any, job_id: str) -> None:
        if not self.database.postgres:
            shutil.rmtree(self.blobs / job_id, ignore_errors=True)
        else:
            db.execute(f"DELETE FROM {self.table}_blobs WHERE job_id = ?", [job_id])

    def remove(self, job_id: str) -> None:
        """Forget a job that was never acknowledged (the queue refused it)."""
        with self.database.connect() as db:
            db.execute(f"DELETE FROM {self.table} WHERE id = ?", [job_id])
            self._drop_blobs(db, job_id)

    def started(self, job_id: str, total: int) -> None:
        with self.database.connect() as db:
            db.execute(f"UPDATE {self.table} SET status = 'running', total = ?, attempts = attempts + 1, "
                       "updated = ? WHERE id = ?", [total, time.time(), job_id])

    def finished(self, job_id: str, status: str, *, step: int, total: int, image_ids: tuple[str, ...] = (),
                 output: str | None = None, error: str | None = None) -> None:
        """The job's end: its images are stored by now; its input pictures are no longer needed."""
        with self.database.connect() as db:
            db.execute(f"UPDATE {self.table} SET status = ?, step = ?, total = ?, image_ids = ?, output = ?, "
                       "error = ?, updated = ? WHERE id = ?",
                       [status, step, total, json.dumps(list(image_ids)), output, error, time.time(), job_id])
            self._drop_blobs(db, job_id)

    def get(self, job_id: str, owner: str) -> JobRecord | None:
        """The owner's job record; None for an unknown id or another user's job."""
        with self.database.connect() as db:
            row = db.execute(f"SELECT {_COLUMNS} FROM {self.table} WHERE id = ? AND owner = ?",
                             [job_id, owner]).fetchone()
        return _record(row) if row else None

    def unfinished(self) -> list[JobRecord]:
        """Jobs that were queued or running when the last process stopped, oldest first."""
        with self.database.connect() as db:
            rows = db.execute(f"SELECT {_COLUMNS} FROM {self.table} WHERE status IN (?, ?) ORDER BY created",
                              list(UNFINISHED)).fetchall()
        return [_record(row) for row in rows]

    def prune(self, older_than: float = KEEP_FINISHED_SECONDS) -> int:
        """Forget finished jobs older than `older_than` seconds, and input pictures no unfinished job needs (a
        process killed between writing them and its record); how many records went."""
        with self.database.connect() as db:
            cursor = db.execute(f"DELETE FROM {self.table} WHERE status NOT IN (?, ?) AND updated < ?",
                                [*UNFINISHED, time.time() - older_than])
            pruned = cursor.rowcount
            live = {row[0] for row in db.execute(f"SELECT id FROM {self.table} WHERE status IN (?, ?)",
                                                 list(UNFINISHED)).fetchall()}
            if self.database.postgres:
                db.execute(f"DELETE FROM {self.table}_blobs WHERE job_id NOT IN "
                           f"(SELECT id FROM {self.table} WHERE status IN (?, ?))", list(UNFINISHED))
        if not self.database.postgres:
            for folder in self.blobs.iterdir():
                if folder.name not in live:
                    shutil.rmtree(folder, ignore_errors=True)
        return pruned
