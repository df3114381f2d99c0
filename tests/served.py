"""A `chatcanvas serve` process of its own, on a data folder that outlives it (its log in a file)."""

from __future__ import annotations

import os
import socket
import subprocess
import time

import httpx

from tests.conftest import CACHE_DIR, KEYS


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Served:
    """One `chatcanvas serve` process on a data folder that outlives it."""

    def __init__(self, data_dir, keys: str | None = KEYS, ready_within: float = 180, **env):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        environment = {**os.environ, "CHATCANVAS_DATA_DIR": str(data_dir), "CHATCANVAS_CACHE_DIR": str(CACHE_DIR),
                       "CHATCANVAS_MAX_STEPS": "5000", **({"CHATCANVAS_API_KEYS": keys} if keys else {}), **env}
        self.log = data_dir / f"serve-{self.port}.log"  # a file, not a pipe: a full pipe would stall the server
        with self.log.open("w") as log:
            self.process = subprocess.Popen(
                ["chatcanvas", "serve", "--model", "tiny", "--host", "127.0.0.1", "--port", str(self.port)],
                env=environment, stdout=log, stderr=subprocess.STDOUT, text=True)
        deadline = time.monotonic() + ready_within
        while True:
            try:
                if httpx.get(f"{self.url}/readyz").status_code == 200:
                    return
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline and self.process.poll() is None, self.output()
            time.sleep(0.1)

    def output(self) -> str:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(60)
        return self.log.read_text()

    def job(self, job_id: str, headers: dict) -> dict:
        response = httpx.get(f"{self.url}/v1/jobs/{job_id}", headers=headers, timeout=60)
        assert response.status_code == 200, (job_id, response.text)
        return response.json()

    def until_finished(self, job_id: str, headers: dict, timeout: float = 300) -> dict:
        deadline = time.monotonic() + timeout
        while (job := self.job(job_id, headers))["status"] in ("queued", "running"):
            assert time.monotonic() < deadline, job
            time.sleep(0.1)
        return job
