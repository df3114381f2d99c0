"""Personalized subjects: enroll from photos, follow their learning, draw them, erase them.

The one place that ties the subject store to engine jobs, and the one place its policies live: an IP-Adapter subject
is ready within the enrolling call (seconds), a LoRA subject learns in the background (the caller gets it at once,
status "training"); a drawing of a subject still learning waits for it, within a bound.
"""

from __future__ import annotations

import contextlib
import re
import threading
import time
from collections.abc import Callable
from typing import Any

from PIL import Image

from chatcanvas.engine.catalog import default_subject_method, instance_prompt
from chatcanvas.engine.jobs import (
    EnrollRequest,
    GenerateRequest,
    Job,
    JobEvent,
    JobStatus,
    SubjectAdapter,
    TrainLoraRequest,
)
from chatcanvas.engine.protocol import EngineClient
from chatcanvas.errors import ChatCanvasError, InvalidInput, UserError
from chatcanvas.store import ImageStore, Subject, SubjectStore
from chatcanvas.store.subjects import MAX_REFERENCES


class SubjectService:
    """Enroll, resolve and erase subjects; the one place that ties the subject store to engine jobs."""

    def __init__(self, engine: EngineClient, images: ImageStore, subjects: SubjectStore):
        self.engine, self.images, self.subjects = engine, images, subjects
        self._jobs: dict[str, Job] = {}
        self._lock = threading.Lock()
        self._reattach()

    def _reattach(self) -> None:
        """Subjects still learning when the last process stopped: follow the job the engine resumed for each;
        one with no job left (the engine keeps no jobs, or gave up on it) fails with the reason. Left alone when
        another live process runs the unfinished jobs (a replica on the same database): that one follows them."""
        if not self.engine.resumes_jobs:
            return
        for subject in self.subjects.in_training():
            outputs = (subject.folder, subject.lora_folder)
            job = next((job for job in self.engine.active_jobs(subject.owner)
                        if getattr(job.spec.request, "output", None) in outputs), None)
            if job is None:
                self.subjects.update(subject.id, status="failed",
                                     error="its learning was interrupted by a restart; enroll it again")
                continue
            with self._lock:
                self._jobs[subject.id] = job
            job.subscribe(self._recorder(subject.id))

    def enroll(self, owner: str, name: str, pictures: list[Image.Image], aliases: list[str] | tuple[str, ...] = (),
               method: str | None = None, kind: str | None = None,
               captions: list[str] | None = None, replaces: Subject | None = None) -> tuple[Subject, Job]:
        """Create the subject from its photos (checked images); start its enrollment job. `captions` (LoRA only, one
        per photo) say what else each photo shows, so the subject is learned apart from it. `replaces`: the subject
        this one learns again, deleted once this one is ready (and kept if this one fails)."""
        method = method or self.engine.settings.subject_method or default_subject_method(self.engine.default_model)
        if captions is not None and method != "lora":
            raise InvalidInput("captions", f"captions train a LoRA subject; {method} subjects take none")
        subject = self.subjects.create(owner=owner, name=name, aliases=aliases, method=method, kind=kind,
                                       model=self.engine.default_model, images=pictures,
                                       replaces=replaces.id if replaces is not None else None)
        try:
            if method == "ip_adapter":
                request: Any = EnrollRequest(images=tuple(pictures), output=subject.weights, subject_id=subject.id)
            else:
                request = TrainLoraRequest(images=tuple(pictures),
                                           instance_prompt=instance_prompt(subject.model, subject.trigger),
                                           output=subject.weights,
                                           captions=None if captions is None else tuple(captions),
                                           subject_id=subject.id)
            job = self.engine.submit(request, owner=owner)
        except ChatCanvasError:
            self.subjects.delete(owner, subject.id)  # nothing half-stored
            raise
        with self._lock:
            self._jobs[subject.id] = job
        job.subscribe(self._recorder(subject.id, owner, replaces.id if replaces is not None else None))
        return subject, job

    def _recorder(self, subject_id: str, owner: str | None = None, replaces: str | None = None):
        last = [0.0]

        def record(event: JobEvent) -> None:
            now = time.monotonic()
            if event.status is JobStatus.SUCCEEDED:
                try:
                    self.subjects.publish(subject_id)  # its weights are in storage before it reads as ready
                except ChatCanvasError as exc:
                    self.subjects.update(subject_id, status="failed", error=str(exc))
                    return
                self.subjects.update(subject_id, status="ready", progress=1.0)
                if replaces is not None and owner is not None:  # learned again: the older one goes
                    with contextlib.suppress(ChatCanvasError):
                        self.subjects.delete(owner, replaces)
            elif event.status.finished and replaces is not None and owner is not None:
                with contextlib.suppress(ChatCanvasError):  # learning it again failed: the one they had stays
                    self.subjects.delete(owner, subject_id)
            elif event.status.finished:
                job = self._jobs.get(subject_id)
                self.subjects.update(subject_id, status="failed", error=str(job.error if job else event.status.value))
            elif event.total and now - last[0] > 0.5:
                last[0] = now
                self.subjects.update(subject_id, progress=round(event.step / event.total, 3))

        return record

    def enroll_stored(self, owner: str, name: str, image_ids: list[str], aliases: list[str] | tuple[str, ...] = (),
                      method: str | None = None) -> tuple[Subject, Job]:
        """`enroll` from images already stored for the owner (e.g. the ones attached in a chat turn)."""
        if not image_ids:
            raise InvalidInput("images", "at least one photo of the subject is needed")
        pictures = [self.images.open(self.images.get(image_id, owner)) for image_id in image_ids]
        return self.enroll(owner, name, pictures, aliases, method)

    def learn_again(self, owner: str, label: str, image_ids: list[str]) -> tuple[Subject, Job]:
        """More photos of a subject the owner has: it is learned again from its photos and these (the newest kept
        when there are more than a subject takes), under the same name, aliases and method; the one they had stays
        drawable until the new one is ready, and stays if learning it again fails."""
        if not image_ids:
            raise InvalidInput("images", "at least one photo of the subject is needed")
        old = self.subjects.fetch(self.subjects.find(owner, label))
        if old.status == "training":
            raise UserError(f"{old.name} is still being learned; send the new photos once that is done")
        added = [self.images.open(self.images.get(image_id, owner)) for image_id in image_ids]
        earlier = []
        for path in old.references:
            with Image.open(path) as picture:
                earlier.append(picture.convert("RGB"))
        pictures = (earlier + added)[-MAX_REFERENCES:]
        return self._ready_if_instant(owner, *self.enroll(owner, old.name, pictures, old.aliases, old.method,
                                                          old.kind, replaces=old))

    def register(self, owner: str, name: str, pictures: list[Image.Image] | None = None,
                 image_ids: list[str] | None = None, aliases: list[str] | tuple[str, ...] = (),
                 method: str | None = None, kind: str | None = None,
                 captions: list[str] | None = None) -> tuple[Subject, Job]:
        """Enroll from photos (or the owner's stored images); an IP-Adapter subject is ready when this returns (its
        job is waited for, within `job_timeout_s`), a LoRA subject is returned at once, still training."""
        if pictures is None:
            subject, job = self.enroll_stored(owner, name, list(image_ids or ()), aliases, method)
        else:
            subject, job = self.enroll(owner, name, pictures, aliases, method, kind, captions)
        return self._ready_if_instant(owner, subject, job)

    def _ready_if_instant(self, owner: str, subject: Subject, job: Job) -> tuple[Subject, Job]:
        """An IP-Adapter subject once its job has ended (within `job_timeout_s`); a LoRA subject as it is, training."""
        if subject.method == "ip_adapter":
            job.wait(self.engine.settings.job_timeout_s)
            subject = self.subjects.get(owner, subject.id)
        return subject, job

    def personalize(self, owner: str, label: str, prompt: str, *, negative_prompt: str | None = None,
                    width: int | None = None, height: int | None = None, seed: int | None = None, n: int = 1,
                    wait_for_learning: Callable[[Job, Subject], Any] | None = None) -> tuple[Subject, GenerateRequest]:
        """The request that draws the owner's subject `label` (name, alias or id) into `prompt`. A subject still
        learning is waited for first (`wait_for_learning(job, subject)`, else up to `subject_wait_s`)."""
        learning = self.subjects.find(owner, label)
        job = self.job(learning.id) if learning.status == "training" else None
        if job is not None and not job.done:
            try:
                if wait_for_learning is not None:
                    wait_for_learning(job, learning)
                else:
                    job.wait(self.engine.settings.subject_wait_s)
            except ChatCanvasError:
                pass  # the subject's status, read next, says what happened
        found, adapter = self.adapter(owner, label)
        return found, GenerateRequest(prompt=personalized_prompt(found, prompt), negative_prompt=negative_prompt,
                                      width=width, height=height, seed=seed, n=n, subject=adapter)

    def live(self, subject: Subject) -> dict[str, Any]:
        """The subject as JSON, with the progress of its running job when it is training (`step` of `total`)."""
        data = subject.to_dict() | {"step": None, "total": None}
        job = self.job(subject.id)
        if subject.status == "training" and job is not None and job.total:
            data |= {"progress": round(job.step / job.total, 3), "step": job.step, "total": job.total}
        return data

    def job(self, subject_id: str) -> Job | None:
        with self._lock:
            return self._jobs.get(subject_id)

    def adapter(self, owner: str, label: str) -> tuple[Subject, SubjectAdapter]:
        """The owner's ready subject by name, alias or id, as the engine applies it."""
        subject = self.subjects.find(owner, label)
        if subject.status == "training":
            raise UserError(f"{subject.name} is still being learned ({subject.progress:.0%}); try again soon")
        if subject.status == "failed":
            raise UserError(f"{subject.name} could not be learned ({subject.error}); enroll it again")
        if subject.method == "lora" and subject.model != self.engine.default_model:
            raise UserError(f"{subject.name} was trained for model {subject.model!r}, "
                            f"not {self.engine.default_model!r}")
        subject = self.subjects.fetch(subject)  # its files on this machine (copied once from object storage)
        if subject.method == "ip_adapter":
            adapter = SubjectAdapter(subject.id, "ip_adapter", subject.weights, self.engine.settings.ip_adapter_scale,
                                     subject.references)
        else:
            adapter = SubjectAdapter(subject.id, "lora", subject.weights, 1.0)
        return subject, adapter

    def adapter_by_id(self, owner: str, subject_id: str) -> SubjectAdapter:
        """How the engine applies the owner's subject `subject_id` (for edits of a picture that shows it)."""
        return self.adapter(owner, self.subjects.get(owner, subject_id).id)[1]

    def edit_prompt_by_id(self, owner: str, subject_id: str, prompt: str) -> str:
        """An edit's prompt for a picture of the owner's subject `subject_id`: where it names the subject (by name
        or alias) rather than by its phrase, named the way its method knows it, as its drawing was."""
        subject = self.subjects.get(owner, subject_id)
        if re.search(rf"\b{re.escape(subject.phrase)}\b", prompt, re.IGNORECASE):
            return prompt
        rewritten = personalized_prompt(subject, prompt)
        return prompt if rewritten == f"{subject.phrase}, {prompt}" else rewritten  # not named: left as it is

    def delete(self, owner: str, subject_id: str) -> None:
        subject = self.subjects.get(owner, subject_id)
        job = self.job(subject.id)
        if job is not None and not job.done:
            self.engine.cancel(job)
            job._done.wait(60)
        self.subjects.delete(owner, subject.id)


def named_prompt(subject: Subject, prompt: str) -> str:
    """The prompt of a picture of the subject in the user's words: "sks dog surfing" / "a dog surfing" -> "Rex
    surfing" (its phrase, where it stands first, by its name)."""
    return re.sub(rf"\b{re.escape(subject.phrase)}\b", lambda _: subject.name, prompt, count=1, flags=re.IGNORECASE)


def personalized_prompt(subject: Subject, prompt: str) -> str:
    """Name the subject the way its method knows it: "Rex surfing" -> "sks dog surfing" (LoRA) / "a dog surfing"."""
    phrase = subject.phrase
    labels = sorted(subject.names, key=len, reverse=True)
    titles = {alias.split()[-1] for alias in subject.aliases if alias.split()} | {subject.kind}
    title = "|".join(re.escape(t) for t in sorted(titles, key=len, reverse=True) if t)
    pattern = re.compile(r"(?:\b(?:my|our|the)\s+)?" + (rf"(?:\b(?:{title})\s+)?" if title else "") + r"\b(" +
                         "|".join(re.escape(label) for label in labels) + r")\b", re.IGNORECASE)
    if subject.name.lower() == "me":  # "draw me a cat" is not about the subject "me"
        pattern = re.compile(r"\b(me|myself)\b(?!\s+(?:a|an|the|some|\d)\b)", re.IGNORECASE)
    rewritten, count = pattern.subn(phrase, prompt, count=1)
    return rewritten if count else f"{phrase}, {prompt}"


