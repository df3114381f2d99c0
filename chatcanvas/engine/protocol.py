"""The one boundary between the engine and everything above it (services, surfaces, metrics).

`EngineClient` is what a caller may do with an engine: check and submit jobs, find, follow and cancel them, read its
health and describe an upload. The local device worker (`Engine`) implements it; a remote engine (a Ray Serve
deployment) can stand behind the same calls. Nothing above this protocol touches an engine's queue or registry.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol, runtime_checkable

if TYPE_CHECKING:
    from PIL import Image

    from chatcanvas.config import Settings
    from chatcanvas.engine.jobs import EnrollRequest, GenerateRequest, Job, JobEvent, TrainLoraRequest
    from chatcanvas.store.images import ImageStore


@dataclass(frozen=True)
class EngineHealth:
    """What readiness checks and metrics need to know, read in one call."""

    alive: bool  # a worker runs and takes jobs
    queue_depth: int  # jobs waiting for the device
    loaded_models: tuple[str, ...]  # model ids in memory, most recently used last
    default_model: str
    last_switch_s: float  # how long the last model load took (0 before any)
    worker_restarts: int  # how often a dead worker was replaced
    workers: int | None = None  # live image worker replicas behind a remote engine; None for the local worker

    @property
    def default_loaded(self) -> bool:
        return self.default_model in self.loaded_models


@runtime_checkable
class EngineClient(Protocol):
    settings: Settings
    store: ImageStore
    resumes_jobs: bool
    """Whether this engine runs the jobs earlier processes left unfinished (False on a replica when another live
    process on the same database does)."""

    @property
    def default_model(self) -> str: ...

    def check(self, request: GenerateRequest | EnrollRequest | TrainLoraRequest) -> None:
        """Raise `InvalidInput` naming the first bad field; queue nothing."""

    def submit(self, request: GenerateRequest | EnrollRequest | TrainLoraRequest, owner: str = "local",
               conversation: str | None = None) -> Job:
        """Record and queue a job; raises `InvalidInput` or `QueueFull` at once."""

    def job(self, job_id: str, owner: str) -> Job:
        """The owner's job by id (`NotFound` for anyone else)."""

    def active_jobs(self, owner: str, conversation: str | None = None) -> list[Job]:
        """The owner's queued and running jobs."""

    def cancel(self, job: Job) -> None:
        """Stop a queued or running job."""

    def add_listener(self, listener: Callable[[JobEvent], None]) -> None:
        """Hear every job's events (metrics)."""

    def health(self) -> EngineHealth:
        """Liveness, queue depth and loaded models."""

    def describe(self, image: Image.Image) -> str | None:
        """What an uploaded picture shows, in the default model's words."""

    def preload(self, model: str | None = None) -> None:
        """Load a model before the first job needs it."""

    def close(self, timeout: float | None = None) -> None:
        """Stop taking jobs; let the running one finish."""
