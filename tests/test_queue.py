"""The device queue: bounded, fair across users, and cancellable before and during a run."""

from __future__ import annotations

import threading

import pytest

from chatcanvas.engine import GenerateRequest, JobStatus
from chatcanvas.engine.jobs import Job, JobSpec
from chatcanvas.engine.queue import FairQueue
from chatcanvas.errors import JobCancelled, QueueFull
from tests.conftest import store_snapshot


def _job(owner: str) -> Job:
    return Job(JobSpec(GenerateRequest(prompt="x"), "tiny", (1,)), owner)


def _wait_for_step(job: Job, step: int) -> None:
    reached = threading.Event()
    job.subscribe(lambda event: reached.set() if event.step >= step or event.status.finished else None)
    assert reached.wait(60)


@pytest.fixture
def small_queue_engine(tmp_path):
    from chatcanvas.config import Settings
    from chatcanvas.engine import Engine
    from tests.conftest import CACHE_DIR

    engine = Engine(Settings(data_dir=tmp_path / "data", cache_dir=CACHE_DIR, model="tiny", queue_size=2,
                             max_steps=1000))
    yield engine
    engine.close()


def test_users_are_served_in_turn():
    queue = FairQueue(capacity=100)
    alice_jobs = [_job("alice") for _ in range(20)]
    for job in alice_jobs:
        queue.put(job)
    bob_job = _job("bob")
    queue.put(bob_job)
    order = [queue.take(timeout=0) for _ in range(3)]
    assert order == [alice_jobs[0], bob_job, alice_jobs[1]]


def test_gather_pulls_compatible_jobs_across_users():
    queue = FairQueue(capacity=10)
    jobs = [_job("alice"), _job("bob"), _job("carol")]
    for job in jobs:
        queue.put(job)
    batch = [queue.take(timeout=0), *queue.gather(lambda other: other.owner != "bob", limit=1)]
    assert batch == [jobs[0], jobs[2]]
    assert len(queue) == 1


def test_a_full_queue_raises_queue_full_at_once(small_queue_engine):
    engine = small_queue_engine
    running = engine.submit(GenerateRequest(prompt="long", steps=1000, seed=1))
    _wait_for_step(running, 1)
    queued = [engine.submit(GenerateRequest(prompt="wait", steps=1, seed=i)) for i in range(2)]
    with pytest.raises(QueueFull) as caught:
        engine.submit(GenerateRequest(prompt="one too many", steps=1))
    assert caught.value.capacity == 2
    engine.cancel(running)
    for job in queued:
        job.wait(60)


def test_a_cancelled_queued_job_never_runs(small_queue_engine):
    engine = small_queue_engine
    running = engine.submit(GenerateRequest(prompt="long", steps=1000, seed=1))
    _wait_for_step(running, 1)
    victim = engine.submit(GenerateRequest(prompt="never", steps=2, seed=2))
    seen = []
    victim.subscribe(lambda event: seen.append(event.status))
    before = store_snapshot(engine.store)
    engine.cancel(victim)
    assert victim.status is JobStatus.CANCELLED
    engine.cancel(running)
    with pytest.raises(JobCancelled):
        running.wait(60)
    with pytest.raises(JobCancelled):
        victim.wait(1)
    assert JobStatus.RUNNING not in seen
    assert store_snapshot(engine.store) == before


def test_a_running_job_stops_within_one_step_of_cancel(small_queue_engine):
    engine = small_queue_engine
    job = engine.submit(GenerateRequest(prompt="long", steps=1000, seed=1))
    _wait_for_step(job, 3)
    before = store_snapshot(engine.store)
    engine.cancel(job)
    with pytest.raises(JobCancelled, match="cancelled at step"):
        job.wait(60)
    assert job.status is JobStatus.CANCELLED
    assert job.step_at_cancel is not None and job.step_at_cancel >= 3
    assert job.step <= job.step_at_cancel + 1
    assert store_snapshot(engine.store) == before
    # the worker goes on serving
    assert engine.run(GenerateRequest(prompt="next", steps=2, seed=3), timeout=60)
