"""A chatcanvas server on loopback in this process, for the benchmarks (real uvicorn, real HTTP)."""

from __future__ import annotations

import threading
import time

import httpx
import uvicorn

from chatcanvas.config import Settings
from chatcanvas.server import create_app


class Live:
    def __init__(self, settings: Settings):
        self.app = create_app(settings)
        self.server = uvicorn.Server(uvicorn.Config(self.app, host="127.0.0.1", port=0, log_level="warning"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> Live:
        self.thread.start()
        while not self.server.started:
            time.sleep(0.02)
        self.url = f"http://127.0.0.1:{self.server.servers[0].sockets[0].getsockname()[1]}"
        while httpx.get(f"{self.url}/readyz").status_code != 200:
            time.sleep(0.05)
        return self

    def __exit__(self, *exc) -> None:
        self.server.should_exit = True
        self.thread.join(30)
