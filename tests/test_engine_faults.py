"""The device worker outlives what goes wrong under it: a model that fails to load, a loop that dies."""

from __future__ import annotations

import pytest

from chatcanvas.engine import Engine, GenerateRequest
from chatcanvas.engine.registry import PipelineRegistry
from chatcanvas.errors import EngineError


class FailingRegistry(PipelineRegistry):
    """The real registry, except that loading raises a plain RuntimeError while `broken` is set (a bad driver,
    a corrupt file a library does not wrap in its own error)."""

    broken = True

    def _load(self, model):
        if self.broken:
            raise RuntimeError("CUDA error: an illegal memory access was encountered")
        return super()._load(model)


class WorkerKilled(BaseException):
    """Not an Exception: nothing in the worker's loop catches it, so the loop itself dies."""


@pytest.mark.parametrize("max_batch", [8, 1])
def test_a_model_that_raises_while_loading_fails_its_jobs_and_the_next_one_succeeds(settings, max_batch):
    settings = settings.model_copy(update={"max_batch": max_batch})
    registry = FailingRegistry(settings)
    with Engine(settings, registry=registry) as engine:
        first = engine.submit(GenerateRequest(prompt="a red circle", steps=2, seed=1))
        second = engine.submit(GenerateRequest(prompt="a blue square", steps=2, seed=2))
        for job in (first, second):
            with pytest.raises(EngineError, match="RuntimeError: CUDA error"):
                job.wait(120)
        assert engine.alive
        registry.broken = False
        [image] = engine.run(GenerateRequest(prompt="a green star", steps=2, seed=3), timeout=120)
        assert image.path.exists() and image.prompt == "a green star"


def test_a_worker_whose_loop_dies_fails_its_jobs_and_is_replaced(engine):
    engine.preload()
    real_gather = engine._gather
    calls = []

    def dies_once(job):
        calls.append(job.id)
        if len(calls) == 1:
            raise WorkerKilled()
        return real_gather(job)

    engine._gather = dies_once
    doomed = engine.submit(GenerateRequest(prompt="a red circle", steps=2, seed=1))
    with pytest.raises(EngineError, match="worker stopped unexpectedly"):
        doomed.wait(120)
    assert engine.worker_restarts == 1
    [image] = engine.run(GenerateRequest(prompt="a blue square", steps=2, seed=2), timeout=120)
    assert image.path.exists()
    assert engine.alive


def test_the_per_user_cap_is_checked_in_the_same_step_as_the_put():
    import threading

    from chatcanvas.engine.jobs import Job, JobSpec
    from chatcanvas.engine.queue import FairQueue
    from chatcanvas.errors import QueueFull

    queue = FairQueue(capacity=64)
    gate = threading.Barrier(12)
    accepted, refused = [], []

    def put():
        job = Job(JobSpec(GenerateRequest(prompt="a red circle"), "tiny", (1,)), owner="u")
        gate.wait(30)
        try:
            queue.put(job, per_owner=3)
            accepted.append(job)
        except QueueFull as exc:
            refused.append(str(exc))

    threads = [threading.Thread(target=put) for _ in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert (len(accepted), len(refused), queue.depth("u")) == (3, 9, 3)
    assert "you already have 3 images waiting" in refused[0]


class SlowToLoad(PipelineRegistry):
    """The real registry; loading `slow_model` (a real load) waits until the test lets it go on."""

    slow_model = "shapes"

    def __init__(self, settings):
        super().__init__(settings)
        import threading

        self.loading, self.go_on = threading.Event(), threading.Event()

    def _load(self, model):
        if model == self.slow_model:
            self.loading.set()
            assert self.go_on.wait(300)
        return super()._load(model)


def test_a_model_switch_never_holds_up_other_users_jobs(settings):
    settings = settings.model_copy(update={"max_models": 2})
    registry = SlowToLoad(settings)
    with Engine(settings, registry=registry) as engine:
        engine.preload()
        switching = engine.submit(GenerateRequest(prompt="a red circle", steps=2, seed=1, model="shapes"),
                                  owner="alice")
        also_shapes = engine.submit(GenerateRequest(prompt="a blue square", steps=2, seed=2, model="shapes"),
                                    owner="alice")
        assert registry.loading.wait(120)
        # while shapes loads, bob's jobs on the loaded model run and finish
        for seed in (3, 4):
            [image] = engine.run(GenerateRequest(prompt="a green star", steps=2, seed=seed), owner="bob",
                                 timeout=120)
            assert image.model == "tiny"
        assert not switching.done and engine.health().queue_depth == 2
        cancelled = engine.submit(GenerateRequest(prompt="never mind", steps=2, seed=5, model="shapes"),
                                  owner="carol")
        engine.cancel(cancelled)
        registry.go_on.set()
        for job in (switching, also_shapes):
            [image] = job.wait(300)
            assert image.model == "shapes"
        assert cancelled.status.value == "cancelled"
        assert set(engine.health().loaded_models) == {"tiny", "shapes"}
