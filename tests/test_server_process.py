"""`chatcanvas serve` as its own process: it starts from the CLI, and SIGTERM lets the running job finish."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import threading
import time

import httpx

from tests.conftest import CACHE_DIR


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_sigterm_stops_intake_and_lets_the_running_job_finish(tmp_path):
    port = free_port()
    env = {**os.environ, "CHATCANVAS_DATA_DIR": str(tmp_path), "CHATCANVAS_CACHE_DIR": str(CACHE_DIR),
           "CHATCANVAS_MAX_STEPS": "3000"}
    server = subprocess.Popen(["chatcanvas", "serve", "--model", "tiny", "--host", "127.0.0.1", "--port", str(port)],
                              env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                if httpx.get(f"{url}/readyz").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline and server.poll() is None, "the server did not become ready"
            time.sleep(0.1)
        result = {}

        def generate():
            result["response"] = httpx.post(f"{url}/v1/images/generations",
                                            json={"prompt": "finish me", "steps": 300, "size": "64x64"}, timeout=120)

        thread = threading.Thread(target=generate)
        thread.start()
        while 'chatcanvas_jobs_total{state="running"} 1.0' not in httpx.get(f"{url}/metrics").text:
            assert time.monotonic() < deadline
            time.sleep(0.05)
        server.send_signal(signal.SIGTERM)
        thread.join(120)
        response = result["response"]
        assert response.status_code == 200, response.text
        assert len(response.json()["data"]) == 1
        # uvicorn re-raises the captured SIGTERM once its graceful shutdown is done
        assert server.wait(60) in (0, -signal.SIGTERM)
        output = server.stdout.read()
        assert "Shutting down" in output and "Application shutdown complete" in output
    finally:
        server.kill()
