"""Who is calling: bearer API keys mapped to users, a cookie for the web page, signed image URLs.

With no keys configured the server serves one local user and must bind loopback only (`serve` refuses
otherwise). Signed URLs let `<img>` tags and chat platforms fetch one image without the key.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass
from pathlib import Path

from chatcanvas.config import Settings
from chatcanvas.errors import InvalidInput

LOCAL_USER = "local"
COOKIE = "chatcanvas_key"
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


class Authenticator:
    def __init__(self, settings: Settings):
        self.keys = load_keys(settings)
        self._secret = (settings.url_secret or secrets.token_hex(32)).encode()

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
