"""The engine's journal of jobs: requests as the job store keeps them (JSON fields plus lossless PNGs of their
input pictures, and back), each job's record kept in step with it, and the jobs an earlier process left unfinished."""

from __future__ import annotations

import dataclasses
import io
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PIL import Image

from chatcanvas.engine.jobs import (
    EditRequest,
    EnrollRequest,
    GenerateRequest,
    Job,
    JobEvent,
    JobSpec,
    JobStatus,
    SubjectAdapter,
    TrainLoraRequest,
)
from chatcanvas.errors import EngineError, JobCancelled, JobInterrupted
from chatcanvas.store.images import ImageStore
from chatcanvas.store.jobs import JobRecord, JobStore

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 3
"""A job interrupted this many times while running (it may be what brings the process down) fails instead."""

Request = GenerateRequest | EditRequest | EnrollRequest | TrainLoraRequest
KINDS: dict[str, type] = {"generate": GenerateRequest, "edit": EditRequest, "enroll": EnrollRequest,
                          "train": TrainLoraRequest}


def _png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def encode(request: Request) -> tuple[str, dict[str, Any], dict[str, bytes]]:
    """(kind, JSON-ready fields, input pictures as PNG bytes by file name)."""
    kind = next(name for name, cls in KINDS.items() if type(request) is cls)
    fields: dict[str, Any] = {}
    blobs: dict[str, bytes] = {}
    for field in dataclasses.fields(request):
        value = getattr(request, field.name)
        if isinstance(value, Image.Image):
            blobs[f"{field.name}.png"] = _png(value)
            fields[field.name] = {"picture": f"{field.name}.png"}
        elif isinstance(value, tuple) and value and isinstance(value[0], Image.Image):
            names = [f"{field.name}-{index}.png" for index in range(len(value))]
            blobs.update({name: _png(image) for name, image in zip(names, value, strict=True)})
            fields[field.name] = {"pictures": names}
        elif isinstance(value, SubjectAdapter):
            fields[field.name] = {"subject": {"subject_id": value.subject_id, "method": value.method,
                                              "weights": str(value.weights), "scale": value.scale,
                                              "references": [str(p) for p in value.references]}}
        elif isinstance(value, Path):
            fields[field.name] = {"path": str(value)}
        elif isinstance(value, tuple):
            fields[field.name] = list(value)
        else:
            fields[field.name] = value
    return kind, fields, blobs


def decode(kind: str, fields: dict[str, Any], blob: Callable[[str], bytes]) -> Request:
    """The request `encode` wrote; `blob(name)` reads the PNG of one of its pictures. Raises on anything missing."""
    cls = KINDS[kind]
    values: dict[str, Any] = {}
    for field in dataclasses.fields(cls):
        if field.name not in fields:
            continue
        value = fields[field.name]
        if isinstance(value, dict) and "picture" in value:
            value = _open(blob(value["picture"]))
        elif isinstance(value, dict) and "pictures" in value:
            value = tuple(_open(blob(name)) for name in value["pictures"])
        elif isinstance(value, dict) and "subject" in value:
            subject = value["subject"]
            value = SubjectAdapter(subject["subject_id"], subject["method"], Path(subject["weights"]),
                                   subject["scale"], tuple(Path(p) for p in subject["references"]))
        elif isinstance(value, dict) and "path" in value:
            value = Path(value["path"])
        elif isinstance(value, list):
            value = tuple(value)
        values[field.name] = value
    return cls(**values)


def _open(data: bytes) -> Image.Image:
    with Image.open(io.BytesIO(data)) as image:
        image.load()
        return image.copy()


class Journal:
    """What the engine writes to the job store as a job is accepted, runs and ends, and reads back after a restart."""

    def __init__(self, store: JobStore, images: ImageStore):
        self.store, self.images = store, images

    def accept(self, job: Job) -> None:
        """Record a job before it is acknowledged; its record then follows it."""
        kind, fields, blobs = encode(job.spec.request)
        self.store.add(id=job.id, owner=job.owner, conversation=job.conversation, kind=kind, model=job.spec.model,
                       seeds=job.spec.seeds, request=fields, blobs=blobs, created=job.created)
        job.subscribe(self._recorder(job))

    def refuse(self, job: Job) -> None:
        """Forget a job the queue refused (never acknowledged)."""
        self.store.remove(job.id)

    def _recorder(self, job: Job) -> Callable[[JobEvent], None]:
        """Keeps the job's record in step with it: running, then its end with the stored images' ids."""
        started = [False]

        def record(event: JobEvent) -> None:
            try:
                if event.status is JobStatus.RUNNING and not started[0]:
                    started[0] = True
                    self.store.started(job.id, event.total)
                elif event.status.finished and not isinstance(job.error, JobInterrupted):
                    self.store.finished(job.id, event.status.value, step=event.step, total=event.total,
                                        image_ids=tuple(image.id for image in job.images),
                                        output=str(job.output) if job.output else None,
                                        error=str(job.error) if job.error else None)
            except Exception:  # a listener must never stop the job from finishing
                log.exception("could not record the state of %s", job.id)

        return record

    def unfinished_jobs(self) -> list[Job] | None:
        """The jobs an earlier process acknowledged but did not finish, to queue again (an interrupted one from its
        first step: the same seeds give the same pixels); one that cannot run again fails with the reason. None
        when another live process already runs them."""
        if not self.store.claim():
            log.info("another process runs this data folder's (or database's) unfinished jobs; not resuming them here")
            return None
        self.store.prune()
        jobs = []
        for record in self.store.unfinished():
            try:
                if record.attempts >= MAX_ATTEMPTS:
                    raise EngineError(f"it was interrupted {record.attempts} times while running")
                request = decode(record.kind, record.request,
                                 lambda name, job_id=record.id: self.store.blob(job_id, name))
            except Exception as exc:
                self.store.finished(record.id, "failed", step=record.step, total=record.total,
                                    error=f"this job could not run again after a restart: {exc}")
                continue
            job = Job(JobSpec(request, record.model, record.seeds), record.owner, record.conversation,
                      id=record.id, created=record.created)
            job.subscribe(self._recorder(job))
            jobs.append(job)
        return jobs

    def finished_job(self, job_id: str, owner: str) -> Job | None:
        """A read-only view of the owner's job that an earlier process finished; None when there is none."""
        record = self.store.get(job_id, owner)
        return self._view(record) if record is not None else None

    def _view(self, record: JobRecord) -> Job:
        request = GenerateRequest(prompt=str(record.request.get("prompt") or record.kind))
        job = Job(JobSpec(request, record.model, record.seeds), record.owner, record.conversation, id=record.id,
                  status=JobStatus(record.status), created=record.created)
        job.step, job.total = record.step, record.total
        job.images = [image for image_id in record.image_ids
                      if (image := self.images.find(image_id, record.owner)) is not None]
        if record.error:
            job.error = JobCancelled(record.error) if job.status is JobStatus.CANCELLED else EngineError(record.error)
        job._done.set()
        return job
