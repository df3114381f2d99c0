"""Generate, edit, upload, list and erase images: the one place each of these is written, for every surface.

Routes, MCP, Slack, Discord, the CLI and the LangChain tools translate their protocol into these calls. A command
names its owner; everything read or written is that owner's. Every wait is bounded (`job_timeout_s`).
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import queue
import time
from collections.abc import Callable
from dataclasses import dataclass

from PIL import Image

from chatcanvas.engine.jobs import EditRequest, GenerateRequest, Job, JobEvent, SubjectAdapter
from chatcanvas.engine.protocol import EngineClient
from chatcanvas.errors import ChatCanvasError, EngineError, NotFound
from chatcanvas.store.images import ImageRecord, ImageStore
from chatcanvas.store.uploads import edit_mask

log = logging.getLogger(__name__)

Picture = ImageRecord | bytes
"""An image to work from: one of the owner's stored images, or the bytes of a new upload (checked, then stored)."""
SubjectLookup = Callable[[str, str], SubjectAdapter]
"""(owner, subject id) -> how the engine applies that subject; raises when it can't (erased, still learning)."""
SubjectPrompt = Callable[[str, str, str], str]
"""(owner, subject id, prompt) -> the prompt naming that subject the way its method knows it ("Rex" -> "sks dog")."""


@dataclass(frozen=True, kw_only=True)
class Edit:
    """Change a picture to match `prompt`: img2img, inpainting with `mask` (white or transparent = repaint), an
    instruction-edit model, or inversion (LEDITS++: `add` and `remove` say what changes; see
    `EditRequest.method`). A picture that shows an enrolled subject is edited with that subject applied again."""

    owner: str
    conversation: str | None = None
    prompt: str
    source: Picture
    mask: Picture | None = None
    negative_prompt: str | None = None
    strength: float | None = None
    width: int | None = None
    height: int | None = None
    steps: int | None = None
    guidance_scale: float | None = None
    seed: int | None = None
    n: int = 1
    scheduler: str | None = None
    model: str | None = None
    method: str = "auto"
    add: tuple[str, ...] = ()
    remove: tuple[str, ...] = ()


_NOT_OPTIONS = frozenset({"owner", "conversation", "source", "mask"})
"""`Edit` fields that are not `EditRequest` options of the same name."""
FINISHING_S = 60.0


def _too_long(job: Job, timeout: float) -> EngineError:
    return EngineError(f"job {job.id} did not finish within {timeout:g} s; it goes on in the background")


class ImageService:
    def __init__(self, engine: EngineClient, store: ImageStore | None = None,
                 subject_lookup: SubjectLookup | None = None, subject_prompt: SubjectPrompt | None = None):
        self.engine, self.store, self.subject_lookup = engine, store or engine.store, subject_lookup
        self.subject_prompt = subject_prompt

    # --- making images ------------------------------------------------------------------------------
    def generate(self, request: GenerateRequest, owner: str, conversation: str | None = None) -> Job:
        """Queue a text-to-image job (recorded before this returns). Raises `InvalidInput` / `QueueFull` at once.

        A request naming a `control_image_id` (or `style_image_id`) draws with that image of the owner's as its
        control picture (or style reference)."""
        if request.control_image_id is not None and request.control_image is None:
            record = self.get(request.control_image_id, owner)  # NotFound for anyone else's
            request = dataclasses.replace(request, control_image=self.store.open(record).convert("RGB"))
        if request.style_image_id is not None and request.style_image is None:
            record = self.get(request.style_image_id, owner)
            request = dataclasses.replace(request, style_image=self.store.open(record).convert("RGB"))
        return self.engine.submit(request, owner=owner, conversation=conversation)

    def check(self, request: GenerateRequest) -> None:
        """Refuse a request before anything is queued (`InvalidInput` naming the field), as `generate` would."""
        self.engine.check(request)

    def edit(self, command: Edit) -> Job:
        """Queue an edit. Every field and picture is checked before anything is stored; an uploaded source is then
        stored (the edit's parent), an uploaded mask is not."""
        decoded = self._picture(command.source, command.owner, "image")
        mask = None
        if command.mask is not None:
            mask = edit_mask(self._picture(command.mask, command.owner, "mask"))
        options = {field.name: getattr(command, field.name) for field in dataclasses.fields(command)
                   if field.name not in _NOT_OPTIONS}
        request = EditRequest(image=decoded.convert("RGB"), mask=mask, **options)
        self.engine.check(request)
        if isinstance(command.source, bytes):  # stored as decoded above, not decoded again
            source = self.store.save_upload(decoded, owner=command.owner, conversation=command.conversation,
                                            describe=self.engine.describe)
        else:
            source = command.source
        subject = self._subject_of(source)
        request = dataclasses.replace(request, parent_id=source.id, subject=subject)
        if subject is not None and self.subject_prompt is not None and request.prompt:
            # "Rex in a red hat" for a picture of Rex: the subject named as its drawing named it
            request = dataclasses.replace(request, prompt=self.subject_prompt(source.owner, subject.subject_id,
                                                                              request.prompt))
        return self.engine.submit(request, owner=command.owner, conversation=command.conversation)

    def _picture(self, picture: Picture, owner: str, field: str) -> Image.Image:
        """The picture as stored or uploaded (its own mode: a mask's transparency matters)."""
        if isinstance(picture, bytes):
            return self.store.decode(picture, field)
        if picture.owner != owner:
            raise NotFound(f"{field}: no image {picture.id!r}")
        return self.store.open(picture, mode=None)

    def _subject_of(self, source: ImageRecord) -> SubjectAdapter | None:
        if not source.subject_ids or self.subject_lookup is None:
            return None
        try:
            return self.subject_lookup(source.owner, source.subject_ids[0])
        except (ChatCanvasError, NotFound) as exc:  # erased or retrained since: a plain edit
            log.info("editing %s without its subject: %s", source.id, exc)
            return None

    def wait(self, job: Job, timeout: float | None = None,
             on_event: Callable[[JobEvent], None] | None = None) -> list[ImageRecord]:
        """The job's images once it finishes, hearing each of its events on this thread; its error raised, or
        `EngineError` when `timeout` (`job_timeout_s` when not given) passes first (the job goes on)."""
        timeout = self.engine.settings.job_timeout_s if timeout is None else timeout
        events: queue.SimpleQueue[JobEvent] = queue.SimpleQueue()
        job.subscribe(events.put)
        deadline = time.monotonic() + timeout
        while True:
            try:
                event = events.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                raise _too_long(job, timeout) from None
            if on_event is not None:
                on_event(event)
            if event.status.finished:
                return job.wait(FINISHING_S)  # done is set right after the last event's listeners ran

    async def wait_async(self, job: Job, timeout: float | None = None) -> list[ImageRecord]:
        """`wait` for an event loop, holding no thread while the job runs."""
        loop = asyncio.get_running_loop()
        finished = loop.create_future()

        def on_event(event: JobEvent) -> None:
            if event.status.finished:
                loop.call_soon_threadsafe(lambda: finished.done() or finished.set_result(None))

        job.subscribe(on_event)
        timeout = self.engine.settings.job_timeout_s if timeout is None else timeout
        try:
            await asyncio.wait_for(finished, timeout)
        except TimeoutError:
            raise _too_long(job, timeout) from None
        if not job.done:  # done is set right after the last event's listeners ran
            return await asyncio.to_thread(job.wait, FINISHING_S)
        return job.wait(0)

    def job(self, job_id: str, owner: str) -> Job:
        """One of the owner's jobs (queued, running, or finished, also before a restart)."""
        return self.engine.job(job_id, owner)

    def cancel(self, job: Job) -> None:
        self.engine.cancel(job)

    def active(self, owner: str) -> list[Job]:
        """The owner's queued and running jobs, oldest first."""
        return self.engine.active_jobs(owner)

    # --- the owner's images -------------------------------------------------------------------------
    def upload(self, data: bytes, owner: str, conversation: str | None = None, field: str = "image") -> ImageRecord:
        """Check and store an uploaded picture; its prompt says what it shows (in the default model's words)."""
        return self.store.add_upload(data, owner=owner, conversation=conversation, field=field,
                                     describe=self.engine.describe)

    def get(self, image_id: str, owner: str) -> ImageRecord:
        return self.store.get(image_id, owner)

    def latest(self, owner: str, conversation: str | None) -> ImageRecord | None:
        return self.store.latest(owner, conversation)

    def list(self, owner: str, conversation: str | None = None, limit: int = 50) -> list[ImageRecord]:
        return self.store.list_images(owner, conversation, limit)

    def read(self, image_id: str, owner: str) -> bytes:
        return self.store.read(self.store.get(image_id, owner))

    def delete(self, image_id: str, owner: str) -> None:
        """Erase one of the owner's images (images edited from it keep their own pixels)."""
        self.store.delete(image_id, owner)
