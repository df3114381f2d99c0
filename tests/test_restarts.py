"""`chatcanvas serve` killed and restarted under load: every acknowledged job and image survives."""

from __future__ import annotations

import os
import signal
import sqlite3
import threading
import time

import httpx

from tests.served import Served

ALICE, BOB = {"Authorization": "Bearer key-alice"}, {"Authorization": "Bearer key-bob"}


def submit(url: str, headers: dict, steps: int, seed: int) -> str | None:
    """A 202 job's id, or None when the request did not get its answer (the server died first)."""
    try:
        response = httpx.post(f"{url}/v1/jobs", headers=headers, timeout=30,
                              json={"prompt": f"a red circle {seed}", "steps": steps, "seed": seed, "size": "64x64"})
    except httpx.TransportError:
        return None
    assert response.status_code == 202, response.text
    return response.json()["id"]


def test_kill_9_under_load_loses_nothing_acknowledged(tmp_path):
    acknowledged: dict[str, dict] = {}
    seed = 0
    for cycle in range(2):  # killed twice under load; the second time with the first kill's jobs resumed
        server = Served(tmp_path)
        try:
            lock = threading.Lock()
            earlier = dict(acknowledged)  # resumed first; killed again mid-run they would count as a crash loop

            def load(headers, first_seed):
                for offset in range(3):
                    job_id = submit(server.url, headers, 120, first_seed + offset)
                    if job_id is not None:
                        with lock:
                            acknowledged[job_id] = headers

            threads = [threading.Thread(target=load, args=(who, seed + 10 * i)) for i, who in enumerate((ALICE, BOB))]
            seed += 100
            for thread in threads:
                thread.start()
            deadline = time.monotonic() + 120

            def statuses(jobs):
                return {server.job(job_id, who)["status"] for job_id, who in jobs}

            while not ("running" in statuses((job_id, who) for job_id, who in list(acknowledged.items())
                                            if job_id not in earlier) and statuses(earlier.items()) <= {"succeeded"}):
                assert time.monotonic() < deadline, server.output()
                time.sleep(0.02)
            server.process.send_signal(signal.SIGKILL)
            server.process.wait(60)
            for thread in threads:
                thread.join(60)
        finally:
            server.output()
    assert len(acknowledged) >= 3

    aged = time.time() - 60  # half-written files older than 10 s are litter: these are, as after a minute's outage
    for leftover in (tmp_path / "images").glob("*/.tmp-*"):
        os.utime(leftover, (aged, aged))
    server = Served(tmp_path)
    try:
        for job_id, headers in acknowledged.items():
            job = server.until_finished(job_id, headers)
            assert job["status"] == "succeeded", f"{job.get('error')} {job['id']}"
            for image in job["images"]:
                assert httpx.get(image["url"]).status_code == 200
        other = BOB if acknowledged[next(iter(acknowledged))] is ALICE else ALICE
        assert httpx.get(f"{server.url}/v1/jobs/{next(iter(acknowledged))}", headers=other).status_code == 404
    finally:
        server.output()
    with sqlite3.connect(tmp_path / "chatcanvas.db") as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    assert not list((tmp_path / "images").glob("*/.tmp-*"))
    assert not list((tmp_path / "jobs").iterdir())


def test_sigterm_with_queued_jobs_nobody_follows(tmp_path):
    server = Served(tmp_path)
    try:
        running = submit(server.url, ALICE, 400, 1)
        queued = [submit(server.url, who, 5, seed) for seed, who in enumerate((ALICE, BOB, ALICE), start=2)]
        deadline = time.monotonic() + 120
        while server.job(running, ALICE)["status"] != "running":
            assert time.monotonic() < deadline
            time.sleep(0.05)
        server.process.send_signal(signal.SIGTERM)
        assert server.process.wait(300) in (0, -signal.SIGTERM)
    finally:
        output = server.output()
    assert "Application shutdown complete" in output
    server = Served(tmp_path)
    try:
        assert server.job(running, ALICE)["status"] == "succeeded"  # the running one was let finish
        for job_id, who in zip(queued, (ALICE, BOB, ALICE), strict=True):
            job = server.until_finished(job_id, who)
            assert job["status"] == "succeeded" and len(job["images"]) == 1, job
    finally:
        server.output()
