"""A local HTTP server standing in for Discord's REST API (discord.py's HTTP edge points here in tests)."""

from __future__ import annotations

import itertools
import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlparse

from tests.multipart import parse_multipart

APPLICATION_ID = 1000
BOT_ID = 1001


def message(content: str = "", channel_id: str = "3000", message_id: str = "5000") -> dict:
    return {"id": message_id, "channel_id": channel_id, "content": content, "tts": False, "pinned": False, "type": 0,
            "author": {"id": str(BOT_ID), "username": "chatcanvas", "discriminator": "0", "avatar": None,
                       "bot": True},
            "timestamp": "2026-01-01T00:00:00+00:00", "edited_timestamp": None, "mention_everyone": False,
            "mentions": [], "mention_roles": [], "attachments": [], "embeds": [], "components": []}


class FakeDiscord:
    def __init__(self, attachments: dict[str, bytes] | None = None):
        self.calls: list[dict] = []  # {"method", "path", "json", "files"}
        self.attachments = attachments or {}
        self.changed = threading.Condition()
        ids = itertools.count(6000)
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _read(self) -> tuple[dict | list | None, dict[str, bytes]]:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                kind = self.headers.get("Content-Type") or ""
                if "multipart/form-data" in kind:
                    return _multipart(body, kind)
                return (json.loads(body) if body else None), {}

            def _handle(self, method: str) -> None:
                path = urlparse(self.path).path
                payload, files = self._read() if method in ("POST", "PATCH", "PUT") else (None, {})
                fake.record({"method": method, "path": path, "json": payload, "files": files})
                if path.startswith("/attachments/"):
                    return self._send(200, fake.attachments.get(path.rsplit("/", 1)[-1], b""), "image/png")
                if method == "DELETE":
                    self.send_response(204)
                    self.end_headers()
                    return None
                if path.endswith("/users/@me"):
                    body = {"id": str(BOT_ID), "username": "chatcanvas", "discriminator": "0", "avatar": None,
                            "bot": True}
                elif path.endswith("/oauth2/applications/@me"):
                    body = {"id": str(APPLICATION_ID), "name": "chatcanvas", "description": "", "icon": None,
                            "bot_public": True, "bot_require_code_grant": False, "verify_key": "0" * 64,
                            "owner": {"id": "1", "username": "owner", "discriminator": "0", "avatar": None},
                            "flags": 0}
                elif re.search(r"/applications/\d+/commands$", path):
                    body = [{**command, "id": str(next(ids)), "application_id": str(APPLICATION_ID), "version": "1",
                             "type": command.get("type", 1)} for command in (payload or [])]
                elif path.endswith("/callback"):
                    body = {"interaction": {"id": path.split("/")[-3], "type": 2}}
                else:
                    content = (payload or {}).get("content") or ""
                    channel = re.search(r"/channels/(\d+)/", path)
                    body = message(content, channel.group(1) if channel else "3000", str(next(ids)))
                return self._send(200, json.dumps(body).encode(), "application/json")

            def _send(self, status: int, data: bytes, kind: str) -> None:
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):  # noqa: N802
                self._handle("GET")

            def do_POST(self):  # noqa: N802
                self._handle("POST")

            def do_PATCH(self):  # noqa: N802
                self._handle("PATCH")

            def do_PUT(self):  # noqa: N802
                self._handle("PUT")

            def do_DELETE(self):  # noqa: N802
                self._handle("DELETE")

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def record(self, call: dict) -> None:
        with self.changed:
            self.calls.append(call)
            self.changed.notify_all()

    def close(self) -> None:
        self.server.shutdown()


def _multipart(body: bytes, kind: str) -> tuple[dict | None, dict[str, bytes]]:
    payload, files = None, {}
    for params, data in parse_multipart(body, kind):
        if params.get("name") == "payload_json":
            payload = json.loads(data)
        elif params.get("filename"):
            files[params["filename"]] = data
    return payload, files
