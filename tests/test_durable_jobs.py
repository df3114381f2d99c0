"""Accepted jobs outlive the process: recorded before they are acknowledged, run again after a restart."""

from __future__ import annotations

import threading

import pytest
from PIL import Image

from chatcanvas.engine import EditRequest, Engine, GenerateRequest
from chatcanvas.errors import JobCancelled, JobInterrupted, NotFound
from tests.conftest import pixels


class Busy:
    """An engine whose worker is busy with a long job (cancelled on `release`), so new jobs stay queued."""

    def __init__(self, settings):
        self.engine = Engine(settings.model_copy(update={"max_steps": 100_000}))
        # the most steps tiny's scheduler takes, at a size that keeps the worker busy for minutes
        self.blocker = self.engine.submit(GenerateRequest(prompt="keep busy", steps=1000, seed=1, width=1024,
                                                          height=1024), owner="ops")
        started = threading.Event()
        self.blocker.subscribe(lambda event: event.step and started.set())
        assert started.wait(120)

    def release(self):
        """Cancel the long job and wait until it and the engine have stopped."""
        self.engine.cancel(self.blocker)
        with pytest.raises(JobCancelled):
            self.blocker.wait(120)
        self.engine.close()


def test_queued_jobs_run_after_a_restart_with_the_same_pixels(settings):
    busy = Busy(settings)
    first = busy.engine
    photo = Image.new("RGB", (64, 48), "orange")
    draw = first.submit(GenerateRequest(prompt="a red circle", steps=2, seed=7, n=2), owner="alice")
    edit = first.submit(EditRequest(prompt="a blue square", image=photo, steps=2, seed=3, parent_id=None),
                        owner="alice", conversation="c1")
    first.close(timeout=0)  # both still queued behind the long job
    for job in (draw, edit):
        with pytest.raises(JobInterrupted, match="runs again when the server is back"):
            job.wait(0)
    busy.release()

    with Engine(settings) as second:
        assert second.resumed == 2
        drawn = second.job(draw.id, "alice").wait(120)
        edited = second.job(edit.id, "alice").wait(120)
        assert [r.seed for r in drawn] == [7, 8] and drawn[0].prompt == "a red circle"
        assert (edited[0].width, edited[0].height, edited[0].conversation) == (64, 48, "c1")
        with pytest.raises(NotFound):
            second.job(draw.id, "bob")
        # a job run again gives the pixels it would have given the first time
        [again] = second.run(GenerateRequest(prompt="a red circle", steps=2, seed=7), timeout=120)
        assert (pixels(again.path) == pixels(drawn[0].path)).all()

    with Engine(settings) as third:  # finished jobs read back from their records, nothing runs twice
        assert third.resumed == 0
        job = third.job(draw.id, "alice")
        assert job.status.value == "succeeded" and [r.id for r in job.images] == [r.id for r in drawn]
        assert not any((settings.data_dir / "jobs").iterdir())  # input pictures go once a job ends


def test_a_job_that_cannot_run_again_fails_with_the_reason(settings):
    busy = Busy(settings)
    job = busy.engine.submit(EditRequest(prompt="a blue square", image=Image.new("RGB", (64, 64)), steps=2, seed=1),
                             owner="alice")
    busy.engine.close(timeout=0)
    busy.release()
    for picture in (settings.data_dir / "jobs" / job.id).iterdir():
        picture.unlink()  # its input picture is gone
    with Engine(settings) as second:
        assert second.resumed == 0
        record = second.job(job.id, "alice")
        assert record.status.value == "failed"
        with pytest.raises(Exception, match="could not run again after a restart"):
            record.wait(0)


def test_a_refused_job_leaves_no_record(settings):
    from chatcanvas.errors import QueueFull

    busy = Busy(settings.model_copy(update={"max_jobs_per_user": 1}))
    try:
        busy.engine.submit(GenerateRequest(prompt="a red circle", steps=1), owner="alice")
        with pytest.raises(QueueFull):
            busy.engine.submit(GenerateRequest(prompt="a red circle", steps=1), owner="alice")
        assert len(busy.engine.job_store.unfinished()) == 2  # the long job and the one accepted
    finally:
        busy.release()


def test_one_process_at_a_time_runs_a_folders_unfinished_jobs(settings):
    with Engine(settings) as serving:
        with Engine(settings) as second:  # e.g. a terminal chat beside the server
            assert not second.job_store.claim()
    with Engine(settings) as next_start:
        assert next_start.job_store._claim.is_locked
