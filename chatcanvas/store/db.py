"""The store's database: the data folder's SQLite file (the default) or PostgreSQL by URL, behind one small layer.

Every store writes its SQL once, in the form both read: `?` placeholders (turned into psycopg's `%s`), SQLite's type
names in schemas (PostgreSQL gets BIGINT, DOUBLE PRECISION and BYTEA), `ON CONFLICT ... DO NOTHING` rather than
`INSERT OR IGNORE`, no `rowid`. A block of `with database.connect() as db:` is one transaction: committed when the
block ends cleanly, rolled back on an error.
"""

from __future__ import annotations

import atexit
import contextlib
import re
import sqlite3
import threading
import weakref
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from chatcanvas.errors import InvalidInput

POSTGRES_SCHEMES = ("postgres://", "postgresql://")
POOL_SIZE = 8
"""Connections one process keeps open to PostgreSQL at most (the device worker, the server's threads)."""

# SQLite's type names as PostgreSQL spells them: 8-byte integers (seeds reach 2**32), 8-byte floats (times), bytes
_POSTGRES_TYPES = [(re.compile(r"\bINTEGER\b"), "BIGINT"), (re.compile(r"\bREAL\b"), "DOUBLE PRECISION"),
                   (re.compile(r"\bBLOB\b"), "BYTEA")]

AddedColumns = Mapping[str, Sequence[tuple[str, str]]]
"""Columns added to tables after their first schema: {table: [(name, SQL type), ...]}."""


def _open(path: Path) -> sqlite3.Connection:
    db = sqlite3.connect(path, timeout=30, check_same_thread=False)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=FULL")
    return db


@contextlib.contextmanager
def connect(path: Path) -> Iterator[sqlite3.Connection]:
    """One SQLite transaction on the file at `path` (WAL, synchronous=FULL: a commit is on disk when it returns), on
    a connection of its own."""
    db = _open(path)
    try:
        with db:  # committed on success, rolled back on error
            yield db
    finally:
        db.close()


def postgres_types(sql: str) -> str:
    for pattern, replacement in _POSTGRES_TYPES:
        sql = pattern.sub(replacement, sql)
    return sql


def _placeholders(sql: str) -> str:
    return sql.replace("%", "%%").replace("?", "%s")


class _PostgresConnection:
    """A psycopg connection that takes the stores' SQL (`?` placeholders), like a sqlite3 connection does."""

    def __init__(self, connection: Any):
        self.connection = connection

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Any:
        return self.connection.execute(_placeholders(sql), params)

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> Any:
        cursor = self.connection.cursor()
        cursor.executemany(_placeholders(sql), rows)
        return cursor


def _psycopg() -> Any:
    try:
        import psycopg
    except ImportError as exc:
        raise InvalidInput("database_url", "Postgres needs pip install 'chatcanvas[postgres]'") from exc
    return psycopg


class Database:
    """The SQLite file at a path, or the PostgreSQL database at a `postgresql://` URL (through a connection pool
    when psycopg-pool is installed, else a connection per block)."""

    def __init__(self, target: Path | str):
        text = str(target)
        if text.startswith(POSTGRES_SCHEMES):
            _psycopg()  # a missing driver is refused now, not at the first query
            self.url: str | None = text
            self.path: Path | None = None
        elif "://" in text:
            raise InvalidInput("database_url", "only postgresql:// URLs are supported (SQLite is the default)")
        else:
            self.url, self.path = None, Path(target).expanduser()
            self.path.parent.mkdir(parents=True, exist_ok=True)
        self._pool: Any = None
        self._local = threading.local()  # SQLite: each thread's open connection, kept between transactions
        self._lock = threading.Lock()
        self._created: set[str] = set()

    @property
    def postgres(self) -> bool:
        return self.url is not None

    def __repr__(self) -> str:
        return f"Database({'PostgreSQL' if self.postgres else str(self.path)})"

    @contextlib.contextmanager
    def connect(self) -> Iterator[Any]:
        """One transaction; `db.execute(sql, params)` and `db.executemany(sql, rows)` take `?` placeholders."""
        if self.path is not None:
            yield from self._sqlite()
            return
        pool = self._open_pool()
        with pool.connection() if pool is not None else _psycopg().connect(self.url) as connection:
            yield _PostgresConnection(connection)

    def _sqlite(self) -> Iterator[sqlite3.Connection]:
        """A transaction on this thread's connection to the file, opened once and kept (opening one per transaction
        reads the schema again, and closing the last one checkpoints the WAL: several times the cost of a small
        commit). A block inside another block of the same thread gets a connection of its own, as before."""
        local = self._local
        db = getattr(local, "db", None)
        if getattr(local, "busy", False):
            with connect(self.path) as nested:
                yield nested
            return
        if db is None:
            db = local.db = _open(self.path)
        local.busy = True
        try:
            with db:  # committed on success, rolled back on error
                yield db
        except sqlite3.DatabaseError:
            local.db = None  # a connection that failed is not trusted again
            with contextlib.suppress(sqlite3.Error):
                db.close()
            raise
        finally:
            local.busy = False

    def _open_pool(self) -> Any:
        with self._lock:
            if self._pool is None:
                try:
                    from psycopg_pool import ConnectionPool
                except ImportError:
                    return None
                self._pool = ConnectionPool(self.url, min_size=1, max_size=POOL_SIZE, open=True,
                                            name="chatcanvas")
            return self._pool

    def create(self, schema: str, added: AddedColumns | None = None) -> None:
        """Create the schema's tables and indexes where missing, and add the `added` columns an older database
        lacks; once per schema in this process."""
        key = schema + repr(added)
        if key in self._created:
            return
        with self.connect() as db:
            if self.path is not None:
                db.executescript(schema)
                for table, columns in (added or {}).items():
                    present = {row[1] for row in db.execute(f"PRAGMA table_info({table})")}
                    for name, kind in columns:
                        if name not in present:
                            db.execute(f"ALTER TABLE {table} ADD COLUMN {name} {kind}")
            else:
                # processes starting together create the tables one at a time (CREATE ... IF NOT EXISTS races)
                db.execute("SELECT pg_advisory_xact_lock(hashtext('chatcanvas schema'))")
                for statement in postgres_types(schema).split(";"):
                    if statement.strip():
                        db.execute(statement)
                for table, columns in (added or {}).items():
                    for name, kind in columns:
                        db.execute(f"ALTER TABLE {table} ADD COLUMN IF NOT EXISTS {name} {postgres_types(kind)}")
        self._created.add(key)

    def try_lock(self, name: str) -> Any | None:
        """PostgreSQL only: take the session-level advisory lock `name` on a connection of its own. Returns that
        connection (closing it lets go), or None when another session holds the lock."""
        connection = _psycopg().connect(self.url, autocommit=True)
        if connection.execute("SELECT pg_try_advisory_lock(hashtext(%s))", [name]).fetchone()[0]:
            return connection
        connection.close()
        return None

    def close(self) -> None:
        """Close the pool's connections (a later `connect` opens a new pool)."""
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.close()


_shared: dict[str, Database] = {}
_files: weakref.WeakValueDictionary[Path, Database] = weakref.WeakValueDictionary()
_shared_lock = threading.Lock()


def open_database(data_dir: Path | str, database_url: str | None = None) -> Database:
    """The stores' database: PostgreSQL at `database_url` (one `Database`, so one pool, per URL in a process), else
    the data folder's `chatcanvas.db`."""
    if not database_url:
        path = (Path(data_dir).expanduser() / "chatcanvas.db").resolve()
        with _shared_lock:  # one per file while it is in use: its threads' connections serve every store
            database = _files.get(path)
            if database is None:
                database = _files[path] = Database(path)
            return database
    with _shared_lock:
        if database_url not in _shared:
            _shared[database_url] = Database(database_url)
        return _shared[database_url]


def close_databases() -> None:
    """Close every PostgreSQL pool this process opened (at exit; tests between throwaway databases)."""
    with _shared_lock:
        databases = list(_shared.values())
        _shared.clear()
    for database in databases:
        database.close()


atexit.register(close_databases)
