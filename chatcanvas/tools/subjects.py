"""Personalized subjects as a service and as tools: `register_subject` and `generate_with_subject`.

IP-Adapter enrollment computes the subject's image embeddings once (seconds); LoRA enrollment trains in the
background as an engine job whose progress lands in the subject's record.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable
from typing import Any

from langchain.tools import ToolRuntime
from langchain_core.tools import BaseTool, ToolException, tool
from PIL import Image

from chatcanvas.engine import Engine, GenerateRequest, Job, JobEvent, JobStatus
from chatcanvas.engine.catalog import default_subject_method, instance_prompt
from chatcanvas.engine.jobs import EnrollRequest, SubjectAdapter, TrainLoraRequest
from chatcanvas.errors import ChatCanvasError, InvalidInput, NotFound, UserError
from chatcanvas.store import ImageStore, Subject, SubjectStore
from chatcanvas.tools.context import ToolContext, identity
from chatcanvas.tools.images import ImageToolRunner, describe, validation_message


class SubjectService:
    """Enroll, resolve and erase subjects; the one place that ties the subject store to engine jobs."""

    def __init__(self, engine: Engine, images: ImageStore, subjects: SubjectStore):
        self.engine, self.images, self.subjects = engine, images, subjects
        self._jobs: dict[str, Job] = {}
        self._lock = threading.Lock()
        self._reattach()

    def _reattach(self) -> None:
        """Subjects still learning when the last process stopped: follow the job the engine resumed for each;
        one with no job left (the engine keeps no jobs, or gave up on it) fails with the reason."""
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
               captions: list[str] | None = None) -> tuple[Subject, Job]:
        """Create the subject from its photos (checked images); start its enrollment job. `captions` (LoRA only, one
        per photo) say what else each photo shows, so the subject is learned apart from it."""
        method = method or self.engine.settings.subject_method or default_subject_method(self.engine.default_model)
        if captions is not None and method != "lora":
            raise InvalidInput("captions", f"captions train a LoRA subject; {method} subjects take none")
        subject = self.subjects.create(owner=owner, name=name, aliases=aliases, method=method, kind=kind,
                                       model=self.engine.default_model, images=pictures)
        try:
            if method == "ip_adapter":
                request: Any = EnrollRequest(images=tuple(pictures), output=subject.folder)
            else:
                request = TrainLoraRequest(images=tuple(pictures),
                                           instance_prompt=instance_prompt(subject.model, subject.trigger),
                                           output=subject.lora_folder,
                                           captions=None if captions is None else tuple(captions))
            job = self.engine.submit(request, owner=owner)
        except ChatCanvasError:
            self.subjects.delete(owner, subject.id)  # nothing half-stored
            raise
        with self._lock:
            self._jobs[subject.id] = job
        job.subscribe(self._recorder(subject.id))
        return subject, job

    def _recorder(self, subject_id: str):
        last = [0.0]

        def record(event: JobEvent) -> None:
            now = time.monotonic()
            if event.status is JobStatus.SUCCEEDED:
                self.subjects.update(subject_id, status="ready", progress=1.0)
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

    def live(self, subject: Subject) -> dict[str, Any]:
        """The subject as JSON, with the progress of its running job when it is training."""
        data = subject.to_dict()
        job = self.job(subject.id)
        if subject.status == "training" and job is not None and job.total:
            data["progress"] = round(job.step / job.total, 3)
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
        if subject.method == "ip_adapter":
            adapter = SubjectAdapter(subject.id, "ip_adapter", subject.folder, self.engine.settings.ip_adapter_scale,
                                     subject.references)
        else:
            adapter = SubjectAdapter(subject.id, "lora", subject.lora_folder, 1.0)
        return subject, adapter

    def adapter_by_id(self, owner: str, subject_id: str) -> SubjectAdapter:
        """How the engine applies the owner's subject `subject_id` (for edits of a picture that shows it)."""
        return self.adapter(owner, self.subjects.get(owner, subject_id).id)[1]

    def delete(self, owner: str, subject_id: str) -> None:
        subject = self.subjects.get(owner, subject_id)
        job = self.job(subject.id)
        if job is not None and not job.done:
            self.engine.cancel(job)
            job._done.wait(60)
        self.subjects.delete(owner, subject.id)


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


def create_subject_tools(service: SubjectService, *, user: str = "local", conversation: str = "default",
                         on_progress: Callable[[JobEvent], None] | None = None) -> list[BaseTool]:
    default = ToolContext(user, conversation)
    runner = ImageToolRunner(service.engine, service.images, default, on_progress)

    @tool(response_format="content_and_artifact", parse_docstring=True)
    def register_subject(name: str, aliases: list[str] | None = None, image_ids: list[str] | None = None,
                         method: str | None = None, runtime: ToolRuntime[Any, Any] = None) -> tuple[str, dict]:
        """Remember a person, pet or object from photos, so it can be drawn later by name.

        Use it when the user attaches photos and says who or what it is ("this is my dog Rex", "this is me").

        Args:
            name: What to call the subject, e.g. "Rex" (or "me" for the user).
            aliases: Other ways the user refers to it, e.g. ["my dog"].
            image_ids: The photos to learn from. Leave empty to use the images attached to this message.
            method: "ip_adapter" (instant) or "lora" (trained in the background, more faithful).
        """
        who = identity(runtime, default)
        ids = image_ids or list((getattr(runtime, "state", None) or {}).get("attached_image_ids") or [])
        if not ids:
            raise ToolException("images: attach one or more photos of the subject to register it")
        try:
            subject, job = service.enroll_stored(who.user, name, ids, aliases or (), method)
            if subject.method == "ip_adapter":
                job.wait(600)
                subject = service.subjects.get(who.user, subject.id)
                text = f"Registered {subject.name} ({subject.id}); it is ready to draw."
            else:
                text = (f"Learning {subject.name} ({subject.id}) from {len(ids)} photo(s) in the background; "
                        "ask for a picture of it now and it is drawn as soon as training finishes.")
        except (ChatCanvasError, NotFound) as exc:
            raise ToolException(str(exc)) from exc
        return text, {"subject": subject.to_dict()}

    @tool(response_format="content_and_artifact", parse_docstring=True)
    def generate_with_subject(subject: str, prompt: str, negative_prompt: str | None = None,
                              width: int | None = None, height: int | None = None, seed: int | None = None,
                              n: int = 1, runtime: ToolRuntime[Any, Any] = None) -> tuple[str, dict]:
        """Draw a new picture of one of the user's registered subjects ("draw Rex surfing", "me on the moon").

        Args:
            subject: The subject's name or alias, e.g. "Rex".
            prompt: A full description of the picture, naming the subject, e.g. "Rex surfing a big wave".
            negative_prompt: What the picture must not show.
            width: Width in pixels, a multiple of 8. Leave empty for the default.
            height: Height in pixels, a multiple of 8. Leave empty for the default.
            seed: A number to reproduce an earlier picture exactly.
            n: How many variations to draw.
        """
        who = identity(runtime, default)
        try:
            learning = service.subjects.find(who.user, subject)
        except NotFound as exc:
            raise ToolException(f"subject: {exc}") from exc
        job = service.job(learning.id) if learning.status == "training" else None
        if job is not None and not job.done:  # just enrolled: draw it once it is learned, showing the training
            try:
                runner.follow(job, runtime, timeout=service.engine.settings.subject_wait_s,
                              label=f"learning {learning.name}")
            except ChatCanvasError:
                pass  # the subject's status below says what happened
        try:
            found, adapter = service.adapter(who.user, subject)
        except ChatCanvasError as exc:
            raise ToolException(f"subject: {exc}") from exc
        request = GenerateRequest(prompt=personalized_prompt(found, prompt), negative_prompt=negative_prompt,
                                  width=width, height=height, seed=seed, n=n, subject=adapter)
        records = runner.run(request, runtime)
        return describe(records, f"Drew {found.name} in"), {"images": [r.to_dict() for r in records]}

    tools = [register_subject, generate_with_subject]
    for each in tools:
        each.handle_tool_error = True
        each.handle_validation_error = validation_message
    return tools
