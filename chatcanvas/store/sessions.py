"""Web sign-in sessions: the browser's cookie holds a random token; only its hash is kept here, never a key."""

from __future__ import annotations

import hashlib
import secrets
import time
from pathlib import Path

from chatcanvas.store.db import Database, open_database

_SCHEMA = """
CREATE TABLE IF NOT EXISTS sessions (
    token_hash TEXT PRIMARY KEY,
    "user" TEXT NOT NULL,
    created REAL NOT NULL,
    expires REAL NOT NULL
);
"""


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


class SessionStore:
    """One row per live session; the column `user` is quoted (a reserved word in PostgreSQL)."""

    def __init__(self, root: Path | str, *, database: Database | None = None):
        self.database = database or open_database(root)
        self.database.create(_SCHEMA)

    def create(self, user: str, ttl: float) -> str:
        """A new session for `user`, valid `ttl` seconds; the token goes to the browser, its hash stays here."""
        token, now = secrets.token_urlsafe(32), time.time()
        with self.database.connect() as db:
            db.execute("DELETE FROM sessions WHERE expires < ?", [now])
            db.execute('INSERT INTO sessions (token_hash, "user", created, expires) VALUES (?, ?, ?, ?)',
                       [_hash(token), user, now, now + ttl])
        return token

    def user_for(self, token: str | None) -> str | None:
        """The user of a live session; None for an unknown, revoked or expired token."""
        if not token or len(token) > 200:
            return None
        with self.database.connect() as db:
            row = db.execute('SELECT "user" FROM sessions WHERE token_hash = ? AND expires >= ?',
                             [_hash(token), time.time()]).fetchone()
        return row[0] if row else None

    def revoke(self, token: str | None) -> None:
        if token:
            with self.database.connect() as db:
                db.execute("DELETE FROM sessions WHERE token_hash = ?", [_hash(token)])
