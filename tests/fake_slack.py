"""A local HTTP server standing in for Slack's Web API and file hosting, recording every call."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

from tests.multipart import parse_multipart

BOT_TOKEN = "xoxb-test-token"


class FakeSlack:
    def __init__(self, files: dict[str, bytes] | None = None):
        self.calls: list[tuple[str, dict, dict]] = []  # (method, params, headers)
        self.uploads: dict[str, bytes] = {}
        self.files = files or {}
        self.file_url: str | None = None  # what files.info answers as the download URL (default: this server)
        self.redirects: dict[str, str] = {}  # file name -> where its download redirects (302)
        self.changed = threading.Condition()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _body(self) -> bytes:
                return self.rfile.read(int(self.headers.get("Content-Length") or 0))

            def do_GET(self):  # noqa: N802
                name = urlparse(self.path).path.rsplit("/", 1)[-1]
                fake.record("GET " + urlparse(self.path).path, {}, dict(self.headers))
                if name in fake.redirects:
                    self.send_response(302)
                    self.send_header("Location", fake.redirects[name])
                    self.end_headers()
                    return
                if self.headers.get("Authorization") != f"Bearer {BOT_TOKEN}" or name not in fake.files:
                    self.send_response(403)
                    self.end_headers()
                    return
                self.send_response(200)
                self.send_header("Content-Type", "image/png")
                self.end_headers()
                self.wfile.write(fake.files[name])

            def do_POST(self):  # noqa: N802
                path, body = urlparse(self.path).path, self._body()
                if path.startswith("/upload/"):
                    fake.uploads[path.rsplit("/", 1)[-1]] = _multipart_file(body, self.headers) or body
                    fake.record("upload", {"file_id": path.rsplit("/", 1)[-1]}, dict(self.headers))
                    self._send(200, b"OK", "text/plain")
                    return
                method = path.removeprefix("/api/")
                if "json" in (self.headers.get("Content-Type") or ""):
                    params = json.loads(body or b"{}")
                else:
                    params = {k: v[0] for k, v in parse_qs(body.decode()).items()}
                fake.record(method, params, dict(self.headers))
                self._send(200, json.dumps(fake.answer(method, params)).encode(), "application/json")

            def _send(self, status, data, kind):
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def record(self, method: str, params: dict, headers: dict) -> None:
        with self.changed:
            self.calls.append((method, params, headers))
            self.changed.notify_all()

    def answer(self, method: str, params: dict) -> dict:
        if method == "auth.test":
            return {"ok": True, "user_id": "UBOT", "team_id": "T1", "bot_id": "B1", "url": self.url}
        if method == "chat.postMessage":
            return {"ok": True, "channel": params.get("channel"), "ts": "1700000000.000900"}
        if method == "chat.update":
            return {"ok": True, "channel": params.get("channel"), "ts": params.get("ts")}
        if method == "files.getUploadURLExternal":
            file_id = f"F{len(self.uploads) + 100}"
            return {"ok": True, "upload_url": f"{self.url}/upload/{file_id}", "file_id": file_id}
        if method == "files.completeUploadExternal":
            return {"ok": True, "files": [{"id": f["id"]} for f in json.loads(params.get("files", "[]"))]}
        if method == "files.info":
            url = self.file_url or f"{self.url}/files/{params['file']}"
            return {"ok": True, "file": {"id": params["file"], "mimetype": "image/png", "url_private_download": url}}
        return {"ok": False, "error": "unknown_method"}

    def wait_for(self, method: str, timeout: float = 60) -> list[tuple[str, dict, dict]]:
        with self.changed:
            assert self.changed.wait_for(lambda: any(c[0] == method for c in self.calls), timeout), self.calls
            return list(self.calls)

    def close(self) -> None:
        self.server.shutdown()


def _multipart_file(body: bytes, headers) -> bytes | None:
    kind = headers.get("Content-Type") or ""
    if "multipart/form-data" not in kind:
        return None
    files = [data for params, data in parse_multipart(body, kind) if params.get("filename")]
    return files[0] if files else None
