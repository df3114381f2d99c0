"""`RayEngine`: the engine protocol over a Ray Serve deployment of image workers, for the ingress replicas.

Requests are checked here (nothing loads), recorded in the job store before they are acknowledged, counted against
the owner's cluster-wide cap (`admission.py`), then streamed to one `ImageWorker` replica, whose events drive the local
`Job` every caller holds. A replica that dies mid-job costs one retry on another replica from the job's first step
(the same seeds draw the same pixels); a second loss fails the job with a clear error.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import io
import logging
import threading
import time
import uuid
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import TYPE_CHECKING, Any

import ray
from ray import serve
from ray.exceptions import GetTimeoutError, RayActorError, TaskCancelledError
from ray.serve.exceptions import BackPressureError, DeploymentUnavailableError, ReplicaUnavailableError

from chatcanvas.config import Settings
from chatcanvas.deploy.admission import Leases, admission_actor
from chatcanvas.deploy.wire import error_from, job_payload
from chatcanvas.engine.durable import Journal
from chatcanvas.engine.engine import check_job, check_settings
from chatcanvas.engine.jobs import (
    EnrollRequest,
    GenerateRequest,
    Job,
    JobBook,
    JobEvent,
    JobSpec,
    JobStatus,
    TrainLoraRequest,
    job_seeds,
)
from chatcanvas.engine.protocol import EngineHealth
from chatcanvas.engine.registry import PipelineRegistry
from chatcanvas.errors import ChatCanvasError, EngineError, JobCancelled, JobInterrupted, NotFound, QueueFull
from chatcanvas.store.images import ImageStore
from chatcanvas.store.jobs import JobStore

if TYPE_CHECKING:
    from PIL import Image
    from ray.serve.handle import DeploymentHandle

log = logging.getLogger(__name__)

ROUTING_WAIT_S = 2.0
"""How long `submit` waits to hear that Serve routed the job (or refused it: `max_queued_requests`); a job still
waiting for a free replica then is acknowledged as queued."""
CALL_TIMEOUT_S = 30.0
HEALTH_EVERY_S = 2.0
SYNC_EVERY_S = 10.0
WORKER_LOST = "the image worker stopped while drawing; please try again"
CLOSE_GRACE_S = 5.0
RELEASE_EVERY_S = 0.1
"""The ledger hears of jobs admitted on slots held and of jobs that ended with the next slot asked for, or within
this long when none is."""
_FINISHED_JOBS_KEPT = 1000
_LOST = (RayActorError, ReplicaUnavailableError)


class NoLiveWorker(JobInterrupted):
    """No image worker replica is running (503 with Retry-After, as while a server restarts)."""


class _WorkerLost(Exception):
    """The worker's stream ended without its job's end: the replica is gone or stopping."""


class RayEngine:
    """The `EngineClient` of an ingress replica: checks and records jobs here, draws them on the image workers."""

    def __init__(self, settings: Settings, worker: DeploymentHandle, store: ImageStore | None = None,
                 admission: Any = None):
        check_settings(settings)
        check_router_loop()
        self.settings = settings
        self.store = store or ImageStore.from_settings(settings)
        self.registry = PipelineRegistry(settings)  # names models and reads families; never loads one here
        self.job_store = JobStore(self.store.root, self.store.database) if settings.durable_jobs else None
        self._journal = Journal(self.job_store, self.store) if self.job_store is not None else None
        self._worker = worker
        self._stream = worker.options(stream=True)
        self._admission = admission if admission is not None else admission_actor()
        self._ingress = _ingress_id()
        self._leases = Leases()  # the slots of each user's cap this replica holds in the ledger, and the news
        self._news_lock = threading.Lock()
        self._news_due = False  # a flush of the ledger's news is scheduled on the engine's loop
        self._jobs = JobBook(self._journal, _FINISHED_JOBS_KEPT)
        self._tasks: dict[str, asyncio.Task] = {}  # the stream of each job in flight, on the engine's loop
        self._finishing: set[str] = set()  # jobs whose end arrived: no longer cancellable
        self._drives: set[concurrent.futures.Future] = set()  # every job's `_drive`, until it has returned
        self._listeners: list[Callable[[JobEvent], None]] = []
        self._stopping = threading.Event()
        self._health = EngineHealth(alive=False, queue_depth=0, loaded_models=(), default_model=settings.model,
                                    last_switch_s=0.0, worker_restarts=0, workers=0)
        self._checked = threading.Event()  # set once the workers have answered (or not) the first time
        self.replicas: dict[str, dict[str, Any]] = {}
        """The live worker replicas' last health reports, by replica id."""
        self.replicas_lost = 0
        """How often a job's worker replica went away under it (each such job counts once per loss); `/metrics`
        exports it as the worker restarts."""
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="chatcanvas-ray-engine", daemon=True)
        self._thread.start()
        self._spawn(self._watch())
        self._checked.wait(CALL_TIMEOUT_S)
        self.resumes_jobs = self._journal is not None
        """This ingress runs again the jobs an earlier one left unfinished (those no live ingress holds)."""
        self.resumed = self._resume() if self._journal is not None else 0

    @property
    def default_model(self) -> str:
        return self.settings.model

    def add_listener(self, listener: Callable[[JobEvent], None]) -> None:
        self._listeners.append(listener)

    # --- intake -------------------------------------------------------------------------------------
    def check(self, request: GenerateRequest | EnrollRequest | TrainLoraRequest) -> None:
        check_job(request, self.settings, self.registry)

    def submit(self, request: GenerateRequest | EnrollRequest | TrainLoraRequest, owner: str = "local",
               conversation: str | None = None) -> Job:
        """Check, record and admit the job, then hand it to the workers. Raises `InvalidInput`, `QueueFull` (the
        owner's cluster-wide cap, or Serve's queue full) or `NoLiveWorker` at once."""
        self.check(request)
        if self._stopping.is_set():
            raise QueueFull(self.settings.queue_size, retry_after=30.0)
        if self._health.workers == 0:
            raise NoLiveWorker("no image worker is running right now; try again in a minute")
        model = request.model or self.default_model
        job = Job(JobSpec(request, model, job_seeds(request)), owner, conversation)
        if self._journal is not None:  # recorded before it is acknowledged
            self._journal.accept(job)
        try:
            self._admit(job, self.settings.max_jobs_per_user)
            routed: concurrent.futures.Future[None] = concurrent.futures.Future()
            for listener in self._listeners:
                job.subscribe(listener)
            self._jobs.add(job)
            self._start(job, routed)
            try:
                routed.result(ROUTING_WAIT_S)
            except concurrent.futures.TimeoutError:
                pass  # waiting in Serve's queue for a free replica: acknowledged as queued
        except BaseException:
            if self._journal is not None:
                self._journal.refuse(job)  # never acknowledged
            self._jobs.drop(job.id)
            self._release(job.id)
            raise
        return job

    def _admit(self, job: Job, cap: int | None) -> None:
        """Count the job against its owner's cluster-wide cap: on a slot of the cap this replica holds (no call), or
        on one more slot leased from the ledger (one call, carrying the news)."""
        if self._leases.take(job.id, job.owner):
            self._tell_ledger()
            return
        noted, released, returned = self._leases.news()
        try:
            admitted = ray.get(self._admission.lease.remote(self._ingress, job.owner, job.id, cap, noted, released,
                                                            returned), timeout=CALL_TIMEOUT_S)
        except (GetTimeoutError, RayActorError) as exc:
            self._leases.granted(job.id, job.owner, False)
            raise NoLiveWorker(f"the job ledger did not answer ({type(exc).__name__}); try again shortly") from exc
        self._leases.granted(job.id, job.owner, admitted)
        if not admitted:
            raise QueueFull(cap or 0, retry_after=2.0, mine=True)

    def _release(self, job_id: str) -> None:
        """Let the job's slot go spare here; the ledger hears of it with the next slot asked for, or within
        `RELEASE_EVERY_S` (one call for many)."""
        self._leases.release(job_id)
        self._tell_ledger()

    def _tell_ledger(self) -> None:
        if self._stopping.is_set():
            self._flush_news()
            return
        with self._news_lock:
            due, self._news_due = self._news_due, True
        if not due:
            self._loop.call_soon_threadsafe(self._loop.call_later, RELEASE_EVERY_S, self._flush_news)

    def _flush_news(self) -> None:
        """Tell the ledger what it has not heard (stopping: give back every spare slot), and come back while a
        spare slot waits to be given back."""
        with self._news_lock:
            self._news_due = False
        noted, released, returned = self._leases.news(everything=self._stopping.is_set())
        if noted or released or returned:
            self._admission.update.remote(self._ingress, noted, released, returned)
        if self._leases.waiting() and not self._stopping.is_set():
            self._tell_ledger()

    def _resume(self) -> int:
        """Send again the jobs an earlier ingress acknowledged but did not see end (from their first step), except
        those another live ingress replica runs now."""
        assert self._journal is not None
        jobs = self._journal.unfinished_jobs()
        if not jobs:
            return 0
        running = set(ray.get(self._admission.holding.remote([job.id for job in jobs]), timeout=CALL_TIMEOUT_S))
        jobs = [job for job in jobs if job.id not in running]
        for job in jobs:
            self._admit(job, None)
            self._jobs.add(job)
            self._start(job, concurrent.futures.Future())
        log.info("resumed %d job(s) acknowledged before the restart", len(jobs))
        return len(jobs)

    # --- one job's stream -----------------------------------------------------------------------------
    def _start(self, job: Job, routed: concurrent.futures.Future[None]) -> None:
        drive = self._spawn(self._drive(job, routed))
        self._drives.add(drive)
        drive.add_done_callback(self._drives.discard)

    async def _drive(self, job: Job, routed: concurrent.futures.Future[None]) -> None:
        """Follow the job on a worker replica until it ends; retried once on another replica if its replica dies."""
        self._tasks[job.id] = asyncio.current_task()
        payload = job_payload(job)
        try:
            if job.cancel_requested:  # cancelled before its stream could start
                raise asyncio.CancelledError
            for attempt in (1, 2):
                try:
                    await self._follow(job, payload, routed)
                    return
                except Exception as exc:
                    if not self._worker_lost(exc, job):
                        raise
                    self.replicas_lost += 1
                    if attempt == 2 or self._stopping.is_set():
                        log.warning("job %s lost its worker again (%s); failing it", job.id, type(exc).__name__)
                        await self._end(job, EngineError(WORKER_LOST))
                        return
                    log.warning("job %s lost its worker replica (%s); running it again from its first step on "
                                "another replica", job.id, type(exc).__name__)
                    await asyncio.sleep(HEALTH_EVERY_S)  # let Serve's router drop the dead replica first
        except (asyncio.CancelledError, TaskCancelledError):
            if job.cancel_requested:
                where = f"at step {job.step} of {job.total}" if job.status is JobStatus.RUNNING else "before it started"
                await self._end(job, JobCancelled(f"job {job.id} was cancelled {where}"))
            else:
                await self._end(job, JobInterrupted(f"the server is stopping before job {job.id} could finish; "
                                                    "it runs again when the server is back"))
        except BackPressureError as exc:
            capacity = exc.args[1] if len(exc.args) > 1 else self.settings.queue_size
            refused = QueueFull(capacity, retry_after=exc.retry_after_s or 5.0)
            if not routed.done():
                routed.set_exception(refused)  # `submit` raises it: never acknowledged
            else:
                await self._end(job, refused)
        except DeploymentUnavailableError as exc:
            await self._end(job, NoLiveWorker(f"the image workers are unavailable: {exc.message}"))
        except ChatCanvasError as exc:  # e.g. the images it reported are not in the shared store
            await self._end(job, exc)
        except Exception as exc:  # whatever happens to one stream, its job ends and the engine goes on
            log.exception("following job %s failed", job.id)
            await self._end(job, EngineError(f"image generation failed: {type(exc).__name__}: {exc}"))
        finally:
            self._tasks.pop(job.id, None)
            self._finishing.discard(job.id)
            if not routed.done():
                routed.set_result(None)
            self._release(job.id)

    def _worker_lost(self, exc: Exception, job: Job) -> bool:
        """Whether `exc` says the job's replica went away (died, or cancelled the call itself while stopping)."""
        if isinstance(exc, (*_LOST, _WorkerLost)):
            return True
        return isinstance(exc, TaskCancelledError) and not job.cancel_requested and not self._stopping.is_set()

    async def _follow(self, job: Job, payload: dict[str, Any], routed: concurrent.futures.Future[None]) -> None:
        response = self._stream.run.remote(payload)
        try:
            async for event in response:
                if not routed.done():
                    routed.set_result(None)
                if event["kind"] == "accepted":
                    log.debug("job %s runs on %s", job.id, event["replica"])
                elif event["kind"] == "progress":
                    if event["status"] == "running":
                        if job.status is JobStatus.QUEUED:
                            await asyncio.to_thread(job.mark_running, event["total"])  # recorded
                        job.report_step(event["step"], event["total"], event["preview"])
                elif event["kind"] == "done":
                    if event.get("error", {}).get("kind") == JobInterrupted.__name__:
                        raise _WorkerLost()  # the replica is stopping (scaled down past its grace period)
                    self._finishing.add(job.id)  # a cancel arriving now is too late: the job has ended
                    await self._finish(job, event)
                    return
        except asyncio.CancelledError:
            response.cancel()  # Serve cancels the replica's task, and the replica the local job
            raise
        raise _WorkerLost()

    async def _finish(self, job: Job, event: dict[str, Any]) -> None:
        if "error" not in event:
            records = await asyncio.to_thread(self._records, job, event["image_ids"])
            job.output = Path(event["output"]) if event["output"] else None
            await asyncio.to_thread(job.succeed, records)
            return
        job.step = event["step"]
        await asyncio.to_thread(job.fail, error_from(event["error"]))

    def _records(self, job: Job, image_ids: list[str]) -> list:
        try:
            return [self.store.get(image_id, job.owner) for image_id in image_ids]
        except NotFound as exc:
            raise EngineError(f"a worker reported image {exc} stored, but it is not in the shared store: do the "
                              "ingress and the workers use the same data folder or database?") from exc

    async def _end(self, job: Job, error: ChatCanvasError) -> None:
        if not job.done:
            await asyncio.to_thread(job.fail, error)

    # --- finding, following, cancelling -----------------------------------------------------------------
    def job(self, job_id: str, owner: str) -> Job:
        return self._jobs.find(job_id, owner)

    def active_jobs(self, owner: str, conversation: str | None = None) -> list[Job]:
        return self._jobs.active(owner, conversation)

    def cancel(self, job: Job) -> None:
        """Cancel the job's stream: Serve cancels the call on its replica (or before it reaches one), and the
        replica cancels its local job within a step. Never blocks (routes call it on their event loop)."""
        job.cancel()
        self._loop.call_soon_threadsafe(self._cancel_stream, job.id)

    def _cancel_stream(self, job_id: str) -> None:
        """On the engine's loop: cancel the job's stream unless its end has already arrived."""
        task = self._tasks.get(job_id)
        if task is not None and job_id not in self._finishing:
            task.cancel()

    # --- the workers ------------------------------------------------------------------------------------
    def health(self) -> EngineHealth:
        """The workers' state as last heard (at most `HEALTH_EVERY_S` old): alive while a replica answers."""
        health = self._health
        in_flight = len(self._jobs.unfinished())
        return EngineHealth(alive=health.alive and not self._stopping.is_set(), queue_depth=in_flight,
                            loaded_models=health.loaded_models, default_model=health.default_model,
                            last_switch_s=health.last_switch_s, worker_restarts=self.replicas_lost,
                            workers=health.workers)

    async def _watch(self) -> None:
        """Ask every worker replica for its health each second; tell the ledger this replica's jobs now and then."""
        synced = 0.0
        while True:
            try:
                answers = await self._worker.broadcast("health").results_async(timeout_s=CALL_TIMEOUT_S,
                                                                                return_exceptions=True)
            except Exception as exc:  # the controller is away for a moment: no replica counts as live
                log.debug("worker health broadcast failed: %s", exc)
                answers = []
            live = [answer for answer in answers if isinstance(answer, dict) and answer.get("alive")]
            self.replicas = {answer["replica"]: answer for answer in live}
            models = tuple(dict.fromkeys(model for answer in live for model in answer["loaded_models"]))
            self._health = EngineHealth(alive=bool(live), queue_depth=0, loaded_models=models,
                                        default_model=self.default_model,
                                        last_switch_s=max((a["last_switch_s"] for a in live), default=0.0),
                                        worker_restarts=0, workers=len(live))
            self._checked.set()
            now = self._loop.time()
            if now - synced >= SYNC_EVERY_S:
                synced = now
                mine = {job.id: job.owner for job in self._jobs.unfinished()}
                self._admission.sync.remote(self._ingress, mine, self._leases.slots())
            await asyncio.sleep(HEALTH_EVERY_S)

    def describe(self, image: Image.Image) -> str | None:
        """What an upload shows, in the default model's words: asked of one worker replica (it has the model)."""
        buffer = io.BytesIO()
        image.save(buffer, format="PNG")

        async def ask() -> str | None:
            return await self._worker.describe.remote(buffer.getvalue())

        try:
            return self._spawn(ask()).result(CALL_TIMEOUT_S)
        except Exception as exc:  # an upload is stored without a description rather than refused
            log.warning("no worker replica described the upload: %s: %s", type(exc).__name__, exc)
            return None

    def preload(self, model: str | None = None) -> None:
        """Every worker replica loads the default model as it starts; another model is loaded on each one now."""
        if model is None or model == self.default_model:
            return

        async def load() -> None:
            await self._worker.broadcast("preload", model).results_async()

        self._spawn(load()).result()

    def _spawn(self, coroutine: Coroutine) -> concurrent.futures.Future:
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop)

    def close(self, timeout: float | None = None) -> None:
        """Take no more jobs; let the ones in flight end (up to `timeout`, default `shutdown_wait_s`). Those still
        running then are cancelled on their workers, and with durable jobs the next ingress runs them again."""
        self._stopping.set()
        left = self._jobs.unfinished()
        deadline = time.monotonic() + (self.settings.shutdown_wait_s if timeout is None else timeout)
        for job in left:
            with contextlib.suppress(ChatCanvasError):
                job.wait(max(0.0, deadline - time.monotonic()))
        for job in left:
            self._loop.call_soon_threadsafe(self._cancel_stream, job.id)
        for job in left:
            with contextlib.suppress(ChatCanvasError):
                job.wait(CLOSE_GRACE_S)
        concurrent.futures.wait(list(self._drives), CLOSE_GRACE_S)  # each stream's last words (the ledger's release)
        self._flush_news()
        with contextlib.suppress(concurrent.futures.TimeoutError):
            self._spawn(self._quiet()).result(CLOSE_GRACE_S)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)
        if self.job_store is not None:
            self.job_store.release()

    async def _quiet(self) -> None:
        """Cancel what still runs on the engine's loop (the health watch) and let it end."""
        tasks = [task for task in asyncio.all_tasks() if task is not asyncio.current_task()]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    def __enter__(self) -> RayEngine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def check_router_loop() -> None:
    """The engine follows its jobs on an event loop of its own; a deployment handle whose router runs on the
    replica's main loop (Ray Serve's throughput-optimized mode turns that on) cannot be awaited there."""
    from ray.serve._private import constants

    if not getattr(constants, "RAY_SERVE_RUN_ROUTER_IN_SEPARATE_LOOP", True):
        raise EngineError("the chatcanvas ingress needs each deployment handle's router on a loop of its own: set "
                          "RAY_SERVE_RUN_ROUTER_IN_SEPARATE_LOOP=1 where the cluster starts (with "
                          "RAY_SERVE_THROUGHPUT_OPTIMIZED=1 it is off unless set)")


def _ingress_id() -> str:
    """This replica's id in the ledger (a driver process using the engine directly gets a random one)."""
    try:
        return serve.get_replica_context().replica_id.unique_id
    except Exception:  # not inside a Serve replica
        return f"driver-{uuid.uuid4().hex[:12]}"
