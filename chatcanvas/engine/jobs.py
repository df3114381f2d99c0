"""Typed jobs: what was asked (a request), what the engine will run (a spec), and the live job handle."""

from __future__ import annotations

import asyncio
import enum
import itertools
import secrets
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from chatcanvas.errors import ChatCanvasError, EngineError, JobCancelled, NotFound

if TYPE_CHECKING:
    from PIL.Image import Image

    from chatcanvas.engine.durable import Journal
    from chatcanvas.store.images import ImageRecord

Operation = Literal["generate", "edit", "personalize", "enroll", "train"]
SubjectMethod = Literal["ip_adapter", "lora"]
EditMethod = Literal["auto", "img2img", "inpaint", "instruct", "inversion"]
EDIT_METHODS: tuple[str, ...] = ("auto", "img2img", "inpaint", "instruct", "inversion")


@dataclass(frozen=True)
class SubjectAdapter:
    """A personalized subject applied to one generation, then removed so the next job is unaffected.

    `weights` is the folder of the subject's cached IP-Adapter embeddings (computed from `references` when
    this model's adapter has none yet) or its LoRA folder.
    """

    subject_id: str
    method: SubjectMethod
    weights: Path
    scale: float = 1.0
    references: tuple[Path, ...] = ()


@dataclass(frozen=True, kw_only=True)
class GenerateRequest:
    """Text to image. `None` means "the model's default" (size, steps, guidance) or "a random seed"."""

    prompt: str
    negative_prompt: str | None = None
    width: int | None = None
    height: int | None = None
    steps: int | None = None
    guidance_scale: float | None = None
    seed: int | None = None
    n: int = 1
    model: str | None = None
    scheduler: str | None = None
    subject: SubjectAdapter | None = None
    control_image: Image | None = None
    """A sketch, picture or depth map whose layout the new picture follows (with `control`)."""
    control: str | None = None
    """What `control_image` is: sketch, canny (its edges are found) or depth."""
    control_scale: float | None = None
    """How strongly the control steers (default 1)."""
    control_image_id: str | None = None
    """The stored image `control_image` came from, kept on the record."""
    style_image: Image | None = None
    """A picture whose style (not content) the new picture takes: InstantStyle, an IP-Adapter on the style blocks."""
    style_scale: float | None = None
    """How strongly the style reference applies (default 1)."""
    style_image_id: str | None = None
    """The stored image `style_image` came from, kept on the record."""


@dataclass(frozen=True, kw_only=True)
class EnrollRequest:
    """Compute a subject's IP-Adapter image embeddings once, from its reference images, into folder `output`."""

    images: tuple[Image, ...]
    output: Path
    model: str | None = None
    subject_id: str | None = None
    """The subject it is for, where there is one: a worker on another node writes `output` into its own copy of
    that subject's folder and publishes it to the shared storage itself."""


@dataclass(frozen=True, kw_only=True)
class TrainLoraRequest:
    """DreamBooth-style LoRA on the UNet from a subject's photos and a rare-token prompt ("a photo of sks dog").

    `None` fields take the model's defaults (diffusers' DreamBooth LoRA example on real models).
    """

    images: tuple[Image, ...]
    instance_prompt: str
    output: Path
    captions: tuple[str, ...] | None = None
    """One per image: what it shows besides the subject ("on a beach"), added to its training prompt. `None`: the
    model's own describer where it has one (the built-in `shapes` names each background), else none."""
    steps: int | None = None
    learning_rate: float | None = None
    rank: int | None = None
    resolution: int | None = None
    seed: int = 0
    model: str | None = None
    subject_id: str | None = None
    """As `EnrollRequest.subject_id`."""


@dataclass(frozen=True, kw_only=True)
class EditRequest(GenerateRequest):
    """Image to image: img2img, inpainting when `mask` is given (white = repaint), or an instruction-edit model.

    `width`/`height` default to the input image's size (rounded down to a multiple of 8, fit within the limits).
    """

    image: Image
    mask: Image | None = None
    strength: float | None = None
    image_guidance_scale: float | None = None
    parent_id: str | None = None
    method: EditMethod = "auto"
    """How to edit: `img2img`, `inpaint` (needs `mask`), `instruct` (an instruction or reference editor),
    `inversion` (LEDITS++: invert the picture once, then steer it towards `add` and away from `remove`), or `auto`:
    the model's instruction editor if it has one, inversion when `add`/`remove` are given and the family has it,
    inpainting with a mask, else img2img (where `add`/`remove` are only hints: `prompt` carries the change)."""
    add: tuple[str, ...] = ()
    """Inversion: what to add or change to ("sunglasses", "a snowy street")."""
    remove: tuple[str, ...] = ()
    """Inversion: what to take out ("the people", "the hat")."""


@dataclass(frozen=True)
class JobSpec:
    """A validated request with its seeds fixed; defaults the model decides are filled in by the worker."""

    request: GenerateRequest | EnrollRequest | TrainLoraRequest
    model: str
    seeds: tuple[int, ...]

    @property
    def operation(self) -> Operation:
        if isinstance(self.request, EnrollRequest):
            return "enroll"
        if isinstance(self.request, TrainLoraRequest):
            return "train"
        if isinstance(self.request, EditRequest):
            return "edit"
        return "personalize" if self.request.subject is not None else "generate"


class JobStatus(str, enum.Enum):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"

    @property
    def finished(self) -> bool:
        return self in (JobStatus.SUCCEEDED, JobStatus.FAILED, JobStatus.CANCELLED)


@dataclass(frozen=True)
class JobEvent:
    """What listeners hear: a status change or one finished denoising step."""

    job_id: str
    status: JobStatus
    step: int
    total: int
    images: int = 0
    preview: bytes | None = None
    """A small PNG of the image so far, on the steps a preview decoder ran (see `preview_vae`)."""


_sequence = itertools.count()


@dataclass(eq=False)
class Job:
    """A handle on one queued or running piece of device work. Thread-safe."""

    spec: JobSpec
    owner: str
    conversation: str | None = None
    id: str = field(default_factory=lambda: f"job_{uuid.uuid4().hex[:16]}")
    status: JobStatus = JobStatus.QUEUED
    step: int = 0
    total: int = 0
    images: list[ImageRecord] = field(default_factory=list)
    error: ChatCanvasError | None = None
    created: float = field(default_factory=time.time)
    sequence: int = field(default_factory=lambda: next(_sequence))
    _done: threading.Event = field(default_factory=threading.Event, repr=False)
    _cancel: threading.Event = field(default_factory=threading.Event, repr=False)
    _listeners: list[Callable[[JobEvent], None]] = field(default_factory=list, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    output: Path | None = None
    """What a non-image job wrote (embeddings, LoRA weights)."""

    step_at_cancel: int | None = None
    """The last step reported when cancel was asked (a running job stops within one step of it)."""

    started: float | None = None
    """When it began to run (for an estimate of the time left)."""

    preview: bytes | None = None
    """The latest preview PNG, when a preview decoder made one."""

    def __post_init__(self) -> None:
        self.total = getattr(self.spec.request, "steps", None) or 0

    # --- observers -------------------------------------------------------------------------------
    def subscribe(self, listener: Callable[[JobEvent], None]) -> None:
        """Call `listener` on every event from now on (on the worker's thread: keep it quick)."""
        with self._lock:
            self._listeners.append(listener)
            event = self._event()
        listener(event)

    def _event(self, preview: bytes | None = None) -> JobEvent:
        return JobEvent(self.id, self.status, self.step, self.total, len(self.images), preview)

    def _emit(self, preview: bytes | None = None) -> None:
        with self._lock:
            listeners = list(self._listeners)
            event = self._event(preview)
        for listener in listeners:
            listener(event)

    # --- state changes (worker side) ----------------------------------------------------------------
    @property
    def cancel_requested(self) -> bool:
        return self._cancel.is_set()

    def mark_running(self, total: int) -> None:
        self.status, self.total, self.started = JobStatus.RUNNING, total, time.time()
        self._emit()

    def report_step(self, step: int, total: int, preview: bytes | None = None) -> None:
        self.step, self.total = step, total
        if preview is not None:
            self.preview = preview
        self._emit(preview)

    def succeed(self, images: list[ImageRecord]) -> None:
        self.images = images
        self._finish(JobStatus.SUCCEEDED)

    def fail(self, error: ChatCanvasError) -> None:
        self.error = error
        self._finish(JobStatus.CANCELLED if isinstance(error, JobCancelled) else JobStatus.FAILED)

    def _finish(self, status: JobStatus) -> None:
        self.status = status
        self._emit()  # listeners (records, metrics) run before any waiter wakes
        self._done.set()

    # --- caller side ------------------------------------------------------------------------------
    def cancel(self) -> None:
        """Ask the job to stop: a queued job never runs, a running one stops after its current step."""
        self._cancel.set()
        # read after setting the flag: the worker checks the flag after each step it reports, so it
        # stops at most one step after the step read here
        self.step_at_cancel = self.step

    @property
    def done(self) -> bool:
        return self._done.is_set()

    def wait(self, timeout: float | None = None) -> list[ImageRecord]:
        """Block until the job finishes; return its stored images or raise its error."""
        if not self._done.wait(timeout):
            raise EngineError(f"job {self.id} did not finish within {timeout} s")
        if self.error is not None:
            raise self.error
        return self.images

    async def wait_async(self) -> list[ImageRecord]:
        await asyncio.to_thread(self._done.wait)
        return self.wait(0)


def job_seeds(request: object) -> tuple[int, ...]:
    """The seeds of a job's pictures, fixed when it is accepted: the request's seed (else a random one) and the
    ones after it, one per picture; none for a job that draws no picture."""
    if not isinstance(request, GenerateRequest):
        return ()
    first = request.seed if request.seed is not None else secrets.randbelow(2**32)
    return tuple(first + i for i in range(request.n))


class JobBook:
    """The jobs an engine knows by id: those accepted in this process (the newest `kept` finished ones with them)
    and, through the journal, ones an earlier process finished. Thread-safe."""

    def __init__(self, journal: Journal | None = None, kept: int = 1000):
        self._journal = journal
        self._kept = kept
        self._jobs: OrderedDict[str, Job] = OrderedDict()
        self._lock = threading.Lock()

    def add(self, job: Job) -> None:
        with self._lock:
            self._jobs[job.id] = job
            while len(self._jobs) > self._kept and next(iter(self._jobs.values())).done:
                self._jobs.popitem(last=False)

    def drop(self, job_id: str) -> None:
        with self._lock:
            self._jobs.pop(job_id, None)

    def find(self, job_id: str, owner: str) -> Job:
        """A job by id, only for its owner (one an earlier process finished too, from its record)."""
        with self._lock:
            job = self._jobs.get(job_id)
        if job is None and self._journal is not None:
            job = self._journal.finished_job(job_id, owner)
        if job is None or job.owner != owner:
            raise NotFound(f"no job {job_id!r}")
        return job

    def unfinished(self) -> list[Job]:
        """The queued and running jobs, oldest first."""
        with self._lock:
            return [job for job in self._jobs.values() if not job.done]

    def active(self, owner: str, conversation: str | None = None) -> list[Job]:
        """The owner's queued and running jobs (in one conversation when given)."""
        return [job for job in self.unfinished() if job.owner == owner
                and (conversation is None or job.conversation == conversation)]
