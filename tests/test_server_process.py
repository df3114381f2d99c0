"""`chatcanvas serve` as its own process: it starts from the CLI, and SIGTERM lets the running job finish."""

from __future__ import annotations

import signal
import threading
import time

import httpx

from tests.served import Served


def test_sigterm_stops_intake_and_lets_the_running_job_finish(tmp_path):
    server = Served(tmp_path, keys=None, ready_within=120, CHATCANVAS_MAX_STEPS="3000")
    url = server.url
    try:
        deadline = time.monotonic() + 120
        result = {}

        def generate():
            result["response"] = httpx.post(f"{url}/v1/images/generations",
                                            json={"prompt": "finish me", "steps": 300, "size": "64x64"}, timeout=120)

        thread = threading.Thread(target=generate)
        thread.start()
        while 'chatcanvas_jobs_total{state="running"} 1.0' not in httpx.get(f"{url}/metrics").text:
            assert time.monotonic() < deadline
            time.sleep(0.05)
        server.process.send_signal(signal.SIGTERM)
        thread.join(120)
        response = result["response"]
        assert response.status_code == 200, response.text
        assert len(response.json()["data"]) == 1
        # uvicorn re-raises the captured SIGTERM once its graceful shutdown is done
        assert server.process.wait(60) in (0, -signal.SIGTERM)
    finally:
        output = server.output()
    assert "Shutting down" in output and "Application shutdown complete" in output
