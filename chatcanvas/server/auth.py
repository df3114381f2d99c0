"""Who is calling: bearer API keys mapped to users, a session cookie for the web page, signed image URLs.

With no keys configured the server serves one local user and must bind loopback only (`serve` refuses
otherwise). Signed URLs let `<img>` tags and chat platforms fetch one image without the key; they are signed
with `CHATCANVAS_URL_SECRET`, or a secret made once into the data folder, so they outlive a restart.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import threading
import time
from collections import deque
from dataclasses import dataclass
from pathlib import Path

from chatcanvas.config import Settings
from chatcanvas.errors import InvalidInput
from chatcanvas.store.db import open_database
from chatcanvas.store.sessions import SessionStore

LOCAL_USER = "local"
COOKIE = "chatcanvas_session"
SESSION_TTL_SECONDS = 30 * 24 * 3600
URL_TTL_SECONDS = 24 * 3600


@dataclass(frozen=True)
class User:
    name: str


def parse_keys(text: str, source: str) -> dict[str, str]:
    keys: dict[str, str] = {}
    for number, raw in enumerate(text.replace(",", "\n").splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        key, sep, user = line.partition(":")
        if not sep or not key.strip() or not user.strip():
            raise InvalidInput("api_keys", f"{source} entry {number} is not KEY:user")
        keys[key.strip()] = user.strip()
    return keys


def load_keys(settings: Settings) -> dict[str, str]:
    keys = parse_keys(settings.api_keys or "", "CHATCANVAS_API_KEYS")
    if settings.api_keys_file:
        path = Path(settings.api_keys_file).expanduser()
        if not path.is_file():
            raise InvalidInput("api_keys_file", f"no such file: {path}")
        keys.update(parse_keys(path.read_text(), str(path)))
    return keys


def url_secret(settings: Settings) -> bytes:
    """The configured URL secret, else one made once (random, owner-only) in the data folder and read after."""
    if settings.url_secret:
        return settings.url_secret.encode()
    path = settings.resolved_data_dir / "url_secret"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process made it first
            pass
        else:
            with os.fdopen(fd, "w") as file:
                file.write(secrets.token_hex(32))
    secret = path.read_text().strip()
    if len(secret) < 32:
        raise InvalidInput("url_secret", f"{path} holds no usable secret; delete it to make a new one")
    return secret.encode()


class LoginThrottle:
    """At most `attempts` failed sign-ins per client address in `window` seconds; then 429 until one ages out."""

    def __init__(self, attempts: int = 5, window: float = 60.0):
        self.attempts, self.window = attempts, window
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def wait_needed(self, client: str) -> float:
        """Seconds until `client` may try again (0: now)."""
        now = time.monotonic()
        with self._lock:
            failures = self._failures.get(client)
            while failures and failures[0] <= now - self.window:
                failures.popleft()
            if not failures:
                self._failures.pop(client, None)
                return 0.0
            return failures[0] + self.window - now if len(failures) >= self.attempts else 0.0

    def failed(self, client: str) -> None:
        with self._lock:
            if len(self._failures) > 10_000:  # a flood of addresses: forget the quiet ones
                self._failures = {k: v for k, v in self._failures.items() if len(v) >= self.attempts}
            self._failures.setdefault(client, deque()).append(time.monotonic())


class Authenticator:
    def __init__(self, settings: Settings):
        self.keys = load_keys(settings)
        self._secret = url_secret(settings)
        self.sessions = SessionStore(settings.resolved_data_dir,
                                     database=open_database(settings.resolved_data_dir, settings.database_url))
        self.throttle = LoginThrottle()

    @property
    def open(self) -> bool:
        """No keys: one local user, loopback only."""
        return not self.keys

    def user_for_key(self, key: str | None) -> User | None:
        if self.open:
            return User(LOCAL_USER)
        if not key:
            return None
        for known, user in self.keys.items():  # compare every key in constant time
            if hmac.compare_digest(known.encode(), key.encode()):
                return User(user)
        return None

    def user_for_session(self, token: str | None) -> User | None:
        """The user of a web session, while that user still has a key."""
        if self.open:
            return User(LOCAL_USER)
        user = self.sessions.user_for(token)
        return User(user) if user is not None and user in self.keys.values() else None

    def sign(self, image_id: str, user: str, ttl: int = URL_TTL_SECONDS) -> str:
        expires = int(time.time()) + ttl
        return f"{expires}.{self._mac(image_id, user, expires)}"

    def user_for_token(self, image_id: str, token: str | None) -> User | None:
        """The user a signed image URL was made for, if the token is valid and unexpired."""
        expires_text, _, mac = (token or "").partition(".")
        # an expiry is at most 12 ASCII digits, a MAC 32 hex digits: anything else is no token (never a 500)
        if not (expires_text.isascii() and expires_text.isdigit() and len(expires_text) <= 12):
            return None
        if int(expires_text) < time.time() or not (mac.isascii() and len(mac) == 32):
            return None
        for user in {LOCAL_USER, *self.keys.values()}:
            if hmac.compare_digest(mac.encode(), self._mac(image_id, user, int(expires_text)).encode()):
                return User(user)
        return None

    def _mac(self, image_id: str, user: str, expires: int) -> str:
        return hmac.new(self._secret, f"{image_id}\n{user}\n{expires}".encode(), hashlib.sha256).hexdigest()[:32]
