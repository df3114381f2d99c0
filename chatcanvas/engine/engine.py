"""The engine: one worker thread owns the device and runs queued jobs; results are stored before they are returned."""

from __future__ import annotations

import gc
import logging
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import torch

from chatcanvas.config import Settings, get_settings
from chatcanvas.engine.batching import batch_key, batchable, run_batch
from chatcanvas.engine.control import configured
from chatcanvas.engine.describe import ImageDescriber
from chatcanvas.engine.durable import Journal
from chatcanvas.engine.families import check_request_options
from chatcanvas.engine.jobs import (
    EditRequest,
    EnrollRequest,
    GenerateRequest,
    Job,
    JobBook,
    JobEvent,
    JobSpec,
    TrainLoraRequest,
    job_seeds,
)
from chatcanvas.engine.lora import train_lora
from chatcanvas.engine.memory import check_cache
from chatcanvas.engine.personalize import compute_embeddings, embeddings_path, ip_adapter_spec
from chatcanvas.engine.protocol import EngineHealth
from chatcanvas.engine.queue import FairQueue
from chatcanvas.engine.registry import LoadedModel, PipelineRegistry
from chatcanvas.engine.remote import is_remote
from chatcanvas.engine.runner import RunParams, family_error, resolve, run_job
from chatcanvas.engine.schedulers import check_scheduler
from chatcanvas.engine.validation import check_request
from chatcanvas.errors import (
    ChatCanvasError,
    EngineError,
    InvalidInput,
    JobCancelled,
    JobInterrupted,
    QueueFull,
)
from chatcanvas.store.images import ImageMeta, ImageRecord, ImageStore
from chatcanvas.store.jobs import JobStore

if TYPE_CHECKING:
    from PIL import Image

log = logging.getLogger(__name__)

_FINISHED_JOBS_KEPT = 1000


def check_settings(settings: Settings) -> None:
    """Refuse, at start, settings no job could run with (`InvalidInput` naming the setting)."""
    check_scheduler(settings.scheduler)
    check_cache(settings.cache)
    configured(settings.control_models)
    if settings.steps is not None and settings.steps > settings.max_steps:
        raise InvalidInput("steps", f"the default steps ({settings.steps}) exceed max_steps ({settings.max_steps})")


def check_job(request: GenerateRequest | EnrollRequest | TrainLoraRequest, settings: Settings,
              registry: PipelineRegistry) -> None:
    """Every check a job passes before it is queued, raising `InvalidInput` naming the first bad field. Nothing
    loads: `registry` only names models and reads the families of those in memory or on disk (an engine whose
    device is elsewhere, such as the Ray ingress, checks with a registry that never loads a model)."""
    check_request(request, settings)
    model = request.model or settings.model
    registry.check(model)
    if is_remote(model) and not isinstance(request, GenerateRequest):
        raise InvalidInput("model", f"subjects are learned on a local model; {model} draws remotely")
    if isinstance(request, GenerateRequest):
        family = registry.family(model)
        if family is not None:  # else it is checked when the model has loaded, before the job runs
            check_request_options(model, family, request, settings.scheduler, settings.control_models)


class Engine:
    """Submit image jobs; one worker runs them one at a time on the device, users served in turn."""

    def __init__(self, settings: Settings | None = None, store: ImageStore | None = None,
                 registry: PipelineRegistry | None = None):
        self.settings = settings or get_settings()
        check_settings(self.settings)
        self.store = store or ImageStore.from_settings(self.settings)
        self.registry = registry or PipelineRegistry(self.settings)
        self.queue = FairQueue(self.settings.queue_size)
        self.describer = ImageDescriber(self.settings, device=self.registry.device)
        self.job_store = JobStore(self.store.root, self.store.database) if self.settings.durable_jobs else None
        self._journal = Journal(self.job_store, self.store) if self.job_store is not None else None
        self._jobs = JobBook(self._journal, _FINISHED_JOBS_KEPT)
        self._stopping = threading.Event()
        self._parked: dict[str, list[Job]] = {}  # jobs off the queue while their model loads, by model
        self._parked_lock = threading.Lock()
        self._listeners: list[Callable[[JobEvent], None]] = []
        self.worker_restarts = 0
        self.resumes_jobs = True
        """Whether this engine runs the jobs earlier processes left unfinished: False when another live process on
        the same data folder (or database) does, having resumed them when it started."""
        self.resumed = self._resume() if self._journal is not None else 0
        """How many jobs acknowledged by an earlier process were queued again at start-up."""
        self._worker = self._start_worker()

    def _start_worker(self) -> threading.Thread:
        worker = threading.Thread(target=self._supervised, name="chatcanvas-device-worker", daemon=True)
        worker.start()
        return worker

    def add_listener(self, listener: Callable[[JobEvent], None]) -> None:
        """Hear every event of every job submitted from now on (metrics, logs); keep it quick."""
        self._listeners.append(listener)

    @property
    def alive(self) -> bool:
        return self._worker.is_alive() and not self._stopping.is_set()

    @property
    def default_model(self) -> str:
        return self.settings.model

    # --- intake -------------------------------------------------------------------------------------
    def submit(self, request: GenerateRequest | EnrollRequest | TrainLoraRequest, owner: str = "local",
               conversation: str | None = None) -> Job:
        """Check `request` and queue it. Raises `InvalidInput` (nothing queued) or `QueueFull` at once."""
        self.check(request)
        model = request.model or self.default_model
        job = Job(JobSpec(request, model, job_seeds(request)), owner, conversation)
        if self._journal is not None:  # recorded before it is acknowledged
            self._journal.accept(job)
        for listener in self._listeners:
            job.subscribe(listener)
        try:
            self.queue.put(job, per_owner=self.settings.max_jobs_per_user)
        except QueueFull:
            if self._journal is not None:
                self._journal.refuse(job)  # never acknowledged
            raise
        self._jobs.add(job)
        return job

    def _resume(self) -> int:
        """Queue again the jobs an earlier process acknowledged but did not finish."""
        assert self._journal is not None
        jobs = self._journal.unfinished_jobs()
        if jobs is None:
            self.resumes_jobs = False
            return 0
        for job in jobs:
            self.queue.put(job, resumed=True)
            self._jobs.add(job)
        if jobs:
            log.info("resumed %d job(s) acknowledged before the restart", len(jobs))
        return len(jobs)

    def check(self, request: GenerateRequest | EnrollRequest | TrainLoraRequest) -> None:
        """Raise `InvalidInput` naming the first bad field; queue nothing."""
        check_job(request, self.settings, self.registry)

    def describe(self, image: Image.Image) -> str | None:
        """What `image` shows in the default model's words (an upload's prompt); None when the model cannot say."""
        return self.describer.describe(image)

    def run(self, request: GenerateRequest, owner: str = "local", conversation: str | None = None,
            timeout: float | None = None) -> list[ImageRecord]:
        """Submit and wait: the stored images, or the job's error raised."""
        return self.submit(request, owner, conversation).wait(timeout)

    def job(self, job_id: str, owner: str) -> Job:
        """A job by id, only for its owner (one an earlier process finished too, from its record)."""
        return self._jobs.find(job_id, owner)

    def active_jobs(self, owner: str, conversation: str | None = None) -> list[Job]:
        """The owner's queued and running jobs (in one conversation when given)."""
        return self._jobs.active(owner, conversation)

    def cancel(self, job: Job) -> None:
        """Cancel a queued job (it never runs) or a running one (it stops after the current step)."""
        job.cancel()
        if self.queue.remove(job) or self._unpark(job):
            job.fail(JobCancelled(f"job {job.id} was cancelled before it started"))

    def health(self) -> EngineHealth:
        switches = self.registry.switch_seconds
        with self._parked_lock:
            parked = sum(len(jobs) for jobs in self._parked.values())
        return EngineHealth(alive=self.alive, queue_depth=self.queue.depth() + parked,
                            loaded_models=tuple(self.registry.loaded()), default_model=self.default_model,
                            last_switch_s=switches[-1] if switches else 0.0, worker_restarts=self.worker_restarts)

    def preload(self, model: str | None = None) -> None:
        """Load a model now rather than on its first job (call before serving)."""
        self.registry.get(model or self.default_model)

    def close(self, timeout: float | None = None) -> None:
        """Stop taking jobs and let the running one finish (up to `timeout`, default `shutdown_wait_s`).

        Queued jobs end here with `JobInterrupted` for whoever waits in this process; with durable jobs their
        records stay queued, and the next engine on this data folder runs them (and a job still running at the
        deadline, from its first step)."""
        self._stopping.set()
        if self.job_store is not None:
            left = "this job runs again when the server is back"
        else:
            left = "this job was dropped"
        with self._parked_lock:
            parked = [job for jobs in self._parked.values() for job in jobs]
            self._parked.clear()
        for job in [*self.queue.close(), *parked]:
            job.fail(JobInterrupted(f"the server is stopping before job {job.id} could start; {left}"))
        self._worker.join(self.settings.shutdown_wait_s if timeout is None else timeout)

    def __enter__(self) -> Engine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- the device worker --------------------------------------------------------------------------
    def _supervised(self) -> None:
        """The worker thread: if its loop ever dies, the jobs it held and the queued ones fail with a clear
        error (waiters never hang) and a new worker takes over; `alive` is False until it has."""
        held: list[Job] = []
        try:
            self._work(held)
            if self.job_store is not None:  # stopped: the next process on this folder may resume
                self.job_store.release()
        except BaseException as exc:  # noqa: BLE001 - whatever killed the loop, nobody may wait forever
            if self._stopping.is_set():
                return
            log.critical("the device worker died (%s: %s); failing its jobs and starting a new one",
                         type(exc).__name__, exc)
            error = EngineError(f"the device worker stopped unexpectedly ({type(exc).__name__}); please try again")
            for job in [*held, *self.queue.drain()]:
                if not job.done:
                    job.fail(error)
            self.worker_restarts += 1
            self._worker = self._start_worker()

    def _work(self, held: list[Job]) -> None:
        while not self._stopping.is_set():
            held.clear()
            job = self.queue.take(timeout=0.5)
            if job is None or self._park_until_loaded(job):
                continue
            held.append(job)
            try:
                batch = self._gather(job)
                held[:] = batch
                if len(batch) > 1:
                    self._run_batch(batch)
                else:
                    self._run_one(job)
            except Exception as exc:  # the worker outlives anything one batch does
                log.exception("the device worker failed on %s", [j.id for j in held])
                for held_job in held:
                    if not held_job.done:
                        held_job.fail(EngineError(f"image generation failed: {type(exc).__name__}: {exc}"))

    # --- model switches, off the worker ---------------------------------------------------------------
    def _park_until_loaded(self, job: Job) -> bool:
        """True when the job's model is not in memory: the job waits off the queue while a loader thread loads
        the model, and the worker goes on with other users' jobs; the loaded model's jobs then come back first."""
        model = job.spec.model
        if job.cancel_requested or self.registry.peek(model) is not None:
            return False
        with self._parked_lock:
            waiting = self._parked.get(model)
            if waiting is not None:
                waiting.append(job)
                return True
            self._parked[model] = [job]
        threading.Thread(target=self._load_for_parked, args=(model,), name="chatcanvas-model-load",
                         daemon=True).start()
        return True

    def _load_for_parked(self, model: str) -> None:
        error: ChatCanvasError | None = None
        try:
            self.registry.get(model)
        except ChatCanvasError as exc:
            error = exc
        except Exception as exc:  # any failure to load fails the jobs that wanted this model, nothing else
            log.exception("loading %s failed", model)
            error = EngineError(f"could not load model {model!r}: {type(exc).__name__}: {exc}")
        with self._parked_lock:
            jobs = self._parked.pop(model, [])
        for job in reversed(jobs):  # each to the front of its owner's lane, in the order they came
            if error is not None:
                job.fail(error)
                continue
            try:
                self.queue.put(job, resumed=True, front=True)
            except QueueFull:  # the engine closed meanwhile
                job.fail(JobInterrupted(f"the server is stopping before job {job.id} could start"))

    def _unpark(self, job: Job) -> bool:
        with self._parked_lock:
            waiting = self._parked.get(job.spec.model, [])
            if job in waiting:
                waiting.remove(job)
                return True
        return False

    def _gather(self, first: Job) -> list[Job]:
        """`first` and the queued jobs that can share its pipeline call (up to `max_batch` images)."""
        if self.settings.max_batch < 2 or not batchable(first) or first.cancel_requested:
            return [first]
        try:
            model = self.registry.get(first.spec.model)
        except Exception:  # the job runs alone and reports the loading error itself
            return [first]
        if family_error(first, model, self.settings) is not None:
            return [first]  # it runs alone and fails with what its model's family cannot honour
        key = batch_key(resolve(first, model, self.settings), first.spec.model)
        room = [self.settings.max_batch - len(first.spec.seeds)]

        def fits(job: Job) -> bool:
            if (not batchable(job) or job.cancel_requested or job.spec.model != first.spec.model
                    or len(job.spec.seeds) > room[0] or family_error(job, model, self.settings) is not None):
                return False
            if batch_key(resolve(job, model, self.settings), job.spec.model) != key:
                return False
            room[0] -= len(job.spec.seeds)
            return True

        return [first, *self.queue.gather(fits, self.settings.max_batch - 1, self.settings.batch_wait_ms / 1000)]

    def _call_pipeline(self, pipe: Any, **kwargs: Any) -> Any:
        """Every pipeline call passes here: out of device memory, the cache is emptied before the error goes on."""
        try:
            return pipe(**kwargs)
        except torch.OutOfMemoryError:
            gc.collect()
            if torch.cuda.is_available():
                torch.cuda.empty_cache()
            raise

    def _run_batch(self, jobs: list[Job], model: LoadedModel | None = None) -> None:
        try:
            model = model or self.registry.get(jobs[0].spec.model)
            params = [resolve(job, model, self.settings) for job in jobs]
            results = run_batch(jobs, params, model, self._call_pipeline, self.settings.preview_every,
                                self.settings.preview_interval_s)
        except torch.OutOfMemoryError:
            half = len(jobs) // 2
            log.warning("out of memory with a batch of %d images; retrying as halves",
                        sum(len(p.seeds) for p in params))
            for part in (jobs[:half], jobs[half:]):
                if len(part) > 1:
                    self._run_batch(part, model)
                else:
                    self._run_one(part[0])
            return
        except ChatCanvasError as exc:
            for job in jobs:
                job.fail(exc)
            return
        except Exception as exc:  # the worker must outlive any batch
            log.exception("batch of %d jobs failed", len(jobs))
            for job in jobs:
                job.fail(EngineError(f"image generation failed: {type(exc).__name__}: {exc}"))
            return
        for job, job_params, images in zip(jobs, params, results, strict=True):
            if images is None:
                job.fail(JobCancelled(f"job {job.id} was cancelled at step {job.step} of {job.total}"))
                continue
            try:
                records = self._store(job, job_params, images)
            except Exception as exc:
                log.exception("storing the images of %s failed", job.id)
                job.fail(EngineError(f"storing the images failed: {exc}"))
            else:
                job.succeed(records)

    def _run_one(self, job: Job) -> None:
        if job.cancel_requested:
            job.fail(JobCancelled(f"job {job.id} was cancelled before it started"))
            return
        try:
            model = self.registry.get(job.spec.model)
            request = job.spec.request
            if isinstance(request, EnrollRequest):
                job.mark_running(len(request.images))
                spec = ip_adapter_spec(model.id, model.base, self.settings)
                job.output = compute_embeddings(model.base, spec, request.images,
                                                embeddings_path(request.output, spec))
                records = []
            elif isinstance(request, TrainLoraRequest):
                train_lora(job, model, request, self.settings)
                job.output, records = request.output, []
            else:
                records = self._generate(job, model)
        except torch.OutOfMemoryError:
            gc.collect()
            job.fail(EngineError("the device ran out of memory for this image even on its own; try a smaller size "
                                 "or fewer images"))
        except ChatCanvasError as exc:
            job.fail(exc)
        except Exception as exc:  # the worker must outlive any one job
            log.exception("job %s failed", job.id)
            job.fail(EngineError(f"image generation failed: {type(exc).__name__}: {exc}"))
        else:
            job.succeed(records)

    def _generate(self, job: Job, model: LoadedModel) -> list[ImageRecord]:
        refused = family_error(job, model, self.settings)
        if refused is not None:
            raise refused
        params = resolve(job, model, self.settings)
        try:
            images = run_job(job, model, params, self.settings, self._call_pipeline)
        except torch.OutOfMemoryError:
            log.warning("out of memory for %s; retrying once with the cache emptied", job.id)
            images = run_job(job, model, params, self.settings, self._call_pipeline)
        return self._store(job, params, images)

    def _store(self, job: Job, params: RunParams, images: list) -> list[ImageRecord]:
        request = job.spec.request
        parent = request.parent_id if isinstance(request, EditRequest) else None
        subject = request.subject
        return [
            self.store.save(image, ImageMeta(
                owner=job.owner, conversation=job.conversation, operation=job.spec.operation,
                prompt=params.prompt, negative_prompt=params.negative_prompt, seed=seed, steps=params.steps,
                guidance_scale=params.guidance_scale, scheduler=params.scheduler, width=image.width,
                height=image.height, model=job.spec.model, parent_id=parent, strength=params.strength,
                subject_ids=(subject.subject_id,) if subject else (),
                subject_method=subject.method if subject else None,
                edit_method=params.kind if isinstance(request, EditRequest) else None,
                control=request.control, control_image_id=request.control_image_id,
                style_image_id=request.style_image_id,
            ))
            for image, seed in zip(images, params.seeds, strict=True)
        ]
