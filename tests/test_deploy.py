"""The Ray deployment's parts that need no cluster: what crosses between ingress and worker, and that Ray stays an
option (the package imports, and `chatcanvas serve --ray` explains itself, without it)."""

from __future__ import annotations

import pathlib
import re
import subprocess
import sys

import pytest
from PIL import Image

import chatcanvas
from chatcanvas.deploy.wire import error_fields, error_from, job_payload, payload_request
from chatcanvas.engine.jobs import EditRequest, GenerateRequest, Job, JobSpec
from chatcanvas.errors import (
    Busy,
    EngineError,
    InvalidImage,
    InvalidInput,
    JobCancelled,
    JobInterrupted,
    NotFound,
    QueueFull,
    UnknownModel,
)
from tests.conftest import pixels

WITHOUT_RAY = "import sys; sys.modules['ray'] = None; "  # `import ray` then fails as when it is not installed


def test_a_job_reaches_the_worker_with_its_seeds_and_pictures():
    request = GenerateRequest(prompt="a red fox", width=64, height=64, steps=3, n=2)
    job = Job(JobSpec(request, "tiny", (41, 42)), "alice", "c1")
    payload = job_payload(job)
    assert (payload["id"], payload["owner"], payload["conversation"], payload["seeds"]) == (job.id, "alice", "c1",
                                                                                          [41, 42])
    again = payload_request(payload)
    assert again == GenerateRequest(prompt="a red fox", width=64, height=64, steps=3, n=2, seed=41)

    picture = Image.new("RGB", (16, 16), (200, 30, 10))
    edit = EditRequest(prompt="make it blue", image=picture, strength=0.5, parent_id="img1")
    received = payload_request(job_payload(Job(JobSpec(edit, "tiny", (7,)), "bob")))
    assert isinstance(received, EditRequest) and received.seed == 7 and received.parent_id == "img1"
    assert (pixels(received.image) == pixels(picture)).all()  # lossless


@pytest.mark.parametrize("error", [
    InvalidInput("width", "must be a multiple of 8, got 63"), UnknownModel("nope"), InvalidImage("not a picture"),
    NotFound("no image 'x'"), Busy("a turn is running"), QueueFull(8, retry_after=2.0, mine=True),
    JobCancelled("job j was cancelled at step 3 of 10"), EngineError("image generation failed: boom"),
    JobInterrupted("the server is stopping"),
])
def test_a_workers_error_arrives_as_the_same_kind_with_the_same_words(error):
    arrived = error_from(error_fields(error))
    assert str(arrived) == str(error)
    # the HTTP answer is picked by kind: the arrived error is of the kind that maps the same way
    for kind in (QueueFull, NotFound, InvalidInput, JobInterrupted, Busy, JobCancelled, EngineError):
        assert isinstance(arrived, kind) == isinstance(error, kind), kind
    if isinstance(error, InvalidInput):
        assert arrived.field == error.field
    if isinstance(error, QueueFull):
        assert (arrived.capacity, arrived.retry_after) == (8, 2.0)


def test_the_package_imports_without_ray():
    code = WITHOUT_RAY + "import chatcanvas, chatcanvas.deploy, chatcanvas.deploy.wire, chatcanvas.server, " \
                         "chatcanvas.cli; print('ok')"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr


def test_serve_ray_without_ray_says_what_to_install_in_one_line():
    code = WITHOUT_RAY + "sys.argv = ['chatcanvas', 'serve', '--ray', '--workers', '2']; " \
                         "from chatcanvas.cli import main; main()"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert done.returncode == 2
    assert done.stderr == "error: --ray: Ray Serve is not installed: pip install 'chatcanvas[ray]'\n"


@pytest.mark.parametrize("args, says", [
    (["--high-throughput"], "is a mode of Ray Serve: add --ray"),
    (["--ray", "--high-throughput", "--ray-address", "10.0.0.5:6379"], "RAY_SERVE_ENABLE_HA_PROXY=1"),
    (["--no-high-throughput"], "is a mode of Ray Serve: add --ray"),
])
def test_serve_high_throughput_is_refused_in_one_line_where_it_cannot_hold(args, says, tmp_path):
    code = f"import sys; sys.argv = {['chatcanvas', 'serve', '--data-dir', str(tmp_path), *args]!r}; " \
           "from chatcanvas.cli import main; main()"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert done.returncode == 2 and done.stderr.startswith(f"error: {args[-1 if len(args) == 1 else 1]}: "), \
        done.stderr
    assert says in done.stderr and len(done.stderr.splitlines()) == 1


def test_only_the_deploy_package_and_the_cli_import_ray():
    root = pathlib.Path(chatcanvas.__file__).parent
    importers = set()
    for path in root.rglob("*.py"):
        for line in path.read_text().splitlines():
            if re.match(r"\s*(from|import)\s+ray\b", line):
                importers.add(path.relative_to(root).parts[0])
    assert importers == {"deploy", "cli"}


def test_a_worker_sends_every_status_but_steps_and_previews_at_most_every_tenth_of_a_second():
    from chatcanvas.deploy.wire import ProgressFilter
    from chatcanvas.engine.jobs import JobEvent, JobStatus

    now = [0.0]
    progress = ProgressFilter(every=0.1, clock=lambda: now[0])

    def step(n: int, preview: bytes | None = None) -> JobEvent:
        return JobEvent("j", JobStatus.RUNNING, n, 100, preview=preview)

    queued, running = JobEvent("j", JobStatus.QUEUED, 0, 100), JobEvent("j", JobStatus.RUNNING, 0, 100)
    assert progress.pick([queued]) == [queued]
    now[0] = 0.01
    assert progress.pick([running, step(1), step(2)]) == [running]  # the start; steps wait their turn
    now[0] = 0.05
    assert progress.pick([step(3)]) == []
    assert progress.pick([step(4, preview=b"png4")]) == []
    now[0] = 0.2
    # the latest step, carrying the newest preview made since the last one sent
    assert progress.pick([step(5), step(6), step(7)]) == [step(7, preview=b"png4")]
    now[0] = 0.4
    assert progress.pick([step(8)]) == [step(8)]  # a preview goes once
    done = JobEvent("j", JobStatus.SUCCEEDED, 100, 100, images=1)
    assert progress.pick([step(9), done]) == [done]  # the end is never held back
