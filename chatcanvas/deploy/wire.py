"""What crosses the process boundary between the Ray ingress and an image worker: plain dicts only.

A job goes to a worker as its request in the job store's encoding (JSON fields plus lossless PNGs of its input
pictures, `engine/durable.py`) with its id, owner and fixed seeds; it comes back as progress events and one `done`
event carrying the stored images' ids or a typed error. Nothing here imports Ray, so both sides and the tests share it.
"""

from __future__ import annotations

import dataclasses
import math
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from chatcanvas.engine.durable import Request, decode, encode
from chatcanvas.engine.jobs import EnrollRequest, GenerateRequest, Job, JobEvent, JobStatus, TrainLoraRequest
from chatcanvas.errors import (
    Busy,
    ChatCanvasError,
    EngineError,
    InvalidInput,
    JobCancelled,
    JobInterrupted,
    NotFound,
    QueueFull,
    UserError,
)

if TYPE_CHECKING:
    from chatcanvas.store.subjects import SubjectStore

# most specific first: an error travels as the first of these it is an instance of
_ERRORS: tuple[type[ChatCanvasError], ...] = (QueueFull, InvalidInput, NotFound, Busy, JobCancelled, UserError,
                                              JobInterrupted, EngineError)


def job_payload(job: Job) -> dict[str, Any]:
    """The job as a worker receives it."""
    kind, fields, blobs = encode(job.spec.request)
    return {"id": job.id, "owner": job.owner, "conversation": job.conversation, "model": job.spec.model,
            "seeds": list(job.spec.seeds), "kind": kind, "request": fields, "blobs": blobs}


def payload_request(payload: dict[str, Any]) -> Request:
    """The request a payload carries, its seed fixed to the job's first seed: a worker draws exactly the pictures
    the ingress acknowledged, and a retry on another replica draws them again pixel for pixel."""
    request = decode(payload["kind"], payload["request"], payload["blobs"].__getitem__)
    if isinstance(request, GenerateRequest) and payload["seeds"]:
        request = dataclasses.replace(request, seed=payload["seeds"][0])
    return request


def on_this_node(request: Request, owner: str, subjects: SubjectStore) -> tuple[Request, str | None]:
    """The request with its subject's files where this worker keeps them, and the subject whose files the worker
    must publish once the job succeeds (None: nothing to publish).

    The ingress names a subject's files by its own paths; on another node without a shared disk those are not there.
    With object storage, a worker therefore keeps its own copy of each subject by id: an enrollment or a LoRA
    writes into it (then the worker puts the result in storage, before the job's end is sent), and a generation
    with a subject reads from it (copied from storage on first use). With a local storage folder the paths are the
    stored files themselves, the same for every process, and nothing changes."""
    if not subjects.copies:
        return request, None
    if isinstance(request, (EnrollRequest, TrainLoraRequest)) and request.subject_id:
        subject = subjects.get(owner, request.subject_id)
        return dataclasses.replace(request, output=subject.weights), subject.id
    adapter = getattr(request, "subject", None)
    if adapter is None:
        return request, None
    subject = subjects.fetch(subjects.get(owner, adapter.subject_id))
    if adapter.method == "lora":
        return dataclasses.replace(request, subject=dataclasses.replace(adapter, weights=subject.weights)), None
    # IP-Adapter embeddings this model's adapter lacks are computed from the references and kept: publish them too
    here = dataclasses.replace(adapter, weights=subject.weights, references=subject.references)
    return dataclasses.replace(request, subject=here), subject.id


PROGRESS_EVERY_S = 0.25
"""At most this often a worker sends a job's step (the latest): a small model's hundreds of steps a second would
cost more to send between processes than to draw."""


class ProgressFilter:
    """Which of one job's events a worker sends on: every change of status, and otherwise, once `every` seconds have
    passed since the last one sent, the latest step with the latest preview made since then (a preview decoded every
    few steps of a small model would otherwise cross between processes several times a second per job)."""

    def __init__(self, every: float = PROGRESS_EVERY_S, clock: Callable[[], float] = time.monotonic):
        self.every, self.clock = every, clock
        self.status: JobStatus | None = None
        self.sent = -math.inf
        self.preview: bytes | None = None  # the newest preview not sent yet

    def pick(self, events: list[JobEvent]) -> list[JobEvent]:
        """The events to send of those that arrived since the last call (oldest first)."""
        picked = []
        for event in events:
            if event.preview is not None:
                self.preview = event.preview
            if event.status is not self.status:
                picked.append(event)
                self.status = event.status
        now, latest = self.clock(), events[-1]
        if now - self.sent >= self.every and not latest.status.finished:
            if picked and picked[-1] is latest:
                picked.pop()
            picked.append(dataclasses.replace(latest, preview=self.preview))
            self.preview = None
        if picked:
            self.sent = now
        return picked


def progress_event(event: JobEvent) -> dict[str, Any]:
    return {"kind": "progress", "status": event.status.value, "step": event.step, "total": event.total,
            "preview": event.preview}


def done_event(job: Job) -> dict[str, Any]:
    """A finished job: its stored images' ids (stored before this is sent) and output, or its error."""
    event: dict[str, Any] = {"kind": "done", "status": job.status.value, "step": job.step, "total": job.total,
                             "image_ids": [image.id for image in job.images],
                             "output": str(job.output) if job.output else None}
    if job.error is not None:
        event["error"] = error_fields(job.error)
    return event


def error_fields(error: ChatCanvasError) -> dict[str, Any]:
    kind = next((cls for cls in _ERRORS if isinstance(error, cls)), EngineError)
    fields: dict[str, Any] = {"kind": kind.__name__, "message": str(error)}
    if isinstance(error, InvalidInput):
        fields["field"] = error.field
    if isinstance(error, QueueFull):
        fields["capacity"], fields["retry_after"] = error.capacity, error.retry_after
    return fields


def error_from(fields: dict[str, Any]) -> ChatCanvasError:
    """The typed error `error_fields` described, with the same message (and field, capacity)."""
    kind = next((cls for cls in _ERRORS if cls.__name__ == fields.get("kind")), EngineError)
    error = kind.__new__(kind)
    Exception.__init__(error, str(fields.get("message") or kind.__name__))
    if kind is InvalidInput:
        error.field = fields.get("field") or ""
    if kind is QueueFull:
        error.capacity, error.retry_after = fields.get("capacity") or 0, fields.get("retry_after") or 5.0
    return error
