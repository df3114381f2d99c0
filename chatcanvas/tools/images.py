"""The image tools an agent calls: `generate_image`, `edit_image` and `select_image`.

Each checks its arguments, calls the image service (the same calls the HTTP routes make), waits for the job
(relaying progress to the agent's stream), and returns `(a short line for the model, {"images": [records]})`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from langchain.tools import ToolRuntime
from langchain_core.tools import BaseTool, ToolException, tool
from pydantic import ValidationError

from chatcanvas.engine import GenerateRequest, Job, JobEvent
from chatcanvas.engine.protocol import EngineClient
from chatcanvas.errors import ChatCanvasError, NotFound
from chatcanvas.services.images import Edit, ImageService, SubjectLookup, SubjectPrompt
from chatcanvas.store.images import ImageRecord, ImageStore
from chatcanvas.tools.context import ToolContext, current_image_id, identity

log = logging.getLogger(__name__)

Artifact = dict[str, list[dict[str, Any]]]


def describe(records: list[ImageRecord], verb: str) -> str:
    """The line the model reads: which images were made, by id."""
    parts = [f"{r.id} (seed {r.seed}, {r.width}x{r.height})" for r in records]
    noun = "image" if len(records) == 1 else f"{len(records)} images"
    return f"{verb} {noun}: {', '.join(parts)}. The current image is now {records[-1].id}."


class ImageToolRunner:
    """Runs the image service's calls as the calling user, relaying job progress to the agent's stream."""

    def __init__(self, service: ImageService, default: ToolContext,
                 on_progress: Callable[[JobEvent], None] | None = None):
        self.service, self.default, self.on_progress = service, default, on_progress

    def run(self, submit: Callable[[ToolContext], Job], runtime: ToolRuntime | None) -> list[ImageRecord]:
        """`submit(who)` queues the job; its stored images once it finishes, or a `ToolException` saying why."""
        who = identity(runtime, self.default)
        try:
            job = submit(who)
        except (ChatCanvasError, NotFound) as exc:
            raise ToolException(str(exc)) from exc
        try:
            return self.follow(job, runtime)
        except ChatCanvasError as exc:
            log.warning("%s failed for %s: %s", job.id, who.user, exc)
            raise ToolException(str(exc)) from exc
        except BaseException:
            self.service.engine.cancel(job)  # the caller went away (Ctrl-C, task cancelled): free the device
            raise

    def follow(self, job: Job, runtime: ToolRuntime | None, timeout: float | None = None,
               label: str = "drawing") -> list[ImageRecord]:
        """Relay the job's progress (as `label`: "drawing", "learning Rex") to the agent's stream and
        `on_progress` until it finishes; its images (the job's error raised; `EngineError` past the bound)."""
        writer = getattr(runtime, "stream_writer", None)

        def relay(event: JobEvent) -> None:
            if writer is not None:
                writer({"type": "progress", "job_id": event.job_id, "status": event.status.value,
                        "step": event.step, "total": event.total, "label": label})
            if self.on_progress is not None:
                self.on_progress(event)

        return self.service.wait(job, timeout, relay)

    def image(self, image_id: str | None, runtime: ToolRuntime | None, field: str) -> ImageRecord:
        """An image of the calling user's: the one named, else the conversation's current image."""
        who = identity(runtime, self.default)
        try:
            if image_id:
                return self.service.get(image_id, who.user)
            current = current_image_id(runtime)
            if current:
                return self.service.get(current, who.user)
        except NotFound as exc:
            raise ToolException(f"{field}: {exc}") from exc
        latest = self.service.latest(who.user, who.conversation)
        if latest is None:
            raise ToolException(
                f"{field}: there is no image in this conversation yet; generate one or attach one first"
            )
        return latest


def create_image_tools(engine: EngineClient, store: ImageStore | None = None, *, user: str = "local",
                       conversation: str = "default",
                       on_progress: Callable[[JobEvent], None] | None = None,
                       subject_lookup: SubjectLookup | None = None,
                       subject_prompt: SubjectPrompt | None = None) -> list[BaseTool]:
    """The image tools for any LangChain / LangGraph agent.

    The user and conversation come from the agent's run context (`ToolContext`) or `config["configurable"]`
    at call time; `user` and `conversation` here are the fallbacks when neither is given. `on_progress` hears
    every step of the tools' jobs (on the calling thread), besides the agent's custom stream. With
    `subject_lookup`, an edit of a picture of an enrolled subject applies that subject again (its LoRA or
    IP-Adapter), so the subject's trigger word in the prompt keeps meaning the subject; with `subject_prompt`, an
    edit's prompt that names the subject by name ("Rex in a red hat") names it by that trigger word too.
    """
    service = ImageService(engine, store, subject_lookup, subject_prompt)
    runner = ImageToolRunner(service, ToolContext(user, conversation), on_progress)

    @tool(response_format="content_and_artifact", parse_docstring=True)
    def generate_image(
        prompt: str,
        negative_prompt: str | None = None,
        width: int | None = None,
        height: int | None = None,
        steps: int | None = None,
        guidance_scale: float | None = None,
        seed: int | None = None,
        n: int = 1,
        control_image_id: str | None = None,
        control: str | None = None,
        style_image_id: str | None = None,
        runtime: ToolRuntime[Any, Any] = None,
    ) -> tuple[str, Artifact]:
        """Draw new images from a text description. Use it when the user asks for a picture of something new.

        Args:
            prompt: A full visual description of the picture: subject, setting, style, colors.
            negative_prompt: What the picture must not show.
            width: Width in pixels, a multiple of 8. Leave empty for the model's default.
            height: Height in pixels, a multiple of 8. Leave empty for the model's default.
            steps: Denoising steps; more is slower and finer. Leave empty for the default.
            guidance_scale: How strictly to follow the prompt. Leave empty for the default.
            seed: A number to reproduce an earlier picture exactly. Leave empty for a new one.
            n: How many variations to draw.
            control_image_id: An image whose layout the new picture should follow, e.g. an uploaded floor-plan
                sketch ("draw a living room from this sketch"). Leave empty for none.
            control: What control_image_id is: sketch (lines on a plain ground), canny (a picture whose edges to
                follow) or depth (a depth map). Needed with control_image_id.
            style_image_id: An image whose style (colors, brushwork, mood; not its content) the new picture should
                take: "draw a fox in the style of this painting". Leave empty for none.
        """
        if control_image_id is not None:
            control_image_id = runner.image(control_image_id, runtime, "control_image_id").id
        if style_image_id is not None:
            style_image_id = runner.image(style_image_id, runtime, "style_image_id").id
        request = GenerateRequest(prompt=prompt, negative_prompt=negative_prompt, width=width, height=height,
                                  steps=steps, guidance_scale=guidance_scale, seed=seed, n=n,
                                  control_image_id=control_image_id, control=control, style_image_id=style_image_id)
        records = runner.run(lambda who: service.generate(request, who.user, who.conversation), runtime)
        return describe(records, "Generated"), {"images": [r.to_dict() for r in records]}

    @tool(response_format="content_and_artifact", parse_docstring=True)
    def edit_image(
        prompt: str,
        image_id: str | None = None,
        strength: float | None = None,
        mask_image_id: str | None = None,
        seed: int | None = None,
        method: str = "auto",
        add: list[str] | None = None,
        remove: list[str] | None = None,
        runtime: ToolRuntime[Any, Any] = None,
    ) -> tuple[str, Artifact]:
        """Change an existing image (by default the conversation's current one) to match a description.

        Args:
            prompt: The whole picture as it should look after the change, e.g. "a blue fox in the snow".
            image_id: The image to change. Leave empty to change the current image.
            strength: How much to change, above 0 up to 1; low keeps more of the original. Leave empty for the model's default.
            mask_image_id: An image marking the area to repaint (white or transparent); the rest stays.
            seed: A number to reproduce an earlier edit exactly.
            method: How to edit: auto (default), img2img, inpaint, instruct, or inversion (photos on SD/SDXL models:
                keeps everything but what add and remove name).
            add: For inversion: things to add or change to, e.g. ["sunglasses"].
            remove: For inversion: things to take out, e.g. ["the people"].
        """
        source = runner.image(image_id, runtime, "image_id")
        mask = runner.image(mask_image_id, runtime, "mask_image_id") if mask_image_id else None
        records = runner.run(lambda who: service.edit(Edit(owner=who.user, conversation=who.conversation,
                                                           prompt=prompt, source=source, mask=mask,
                                                           strength=strength, seed=seed, method=method,
                                                           add=tuple(add or ()), remove=tuple(remove or ()))),
                             runtime)
        return describe(records, "Edited"), {"images": [r.to_dict() for r in records]}

    @tool(response_format="content_and_artifact", parse_docstring=True)
    def select_image(image_id: str, runtime: ToolRuntime[Any, Any] = None) -> tuple[str, Artifact]:
        """Make an earlier image of this conversation the current one again, without drawing anything. Use it for
        "undo", "go back to the first one", "the red one was better".

        Args:
            image_id: The id of the conversation's earlier image to make current, from the list of its images.
        """
        who = identity(runtime, runner.default)
        record = runner.image(image_id, runtime, "image_id")
        if record.conversation != who.conversation:
            raise ToolException(f"image_id: {image_id} is not an image of this conversation")
        about = f'"{record.prompt}"' if record.prompt else "the uploaded photo"
        return (f"The current image is now {record.id} ({about}).",
                {"images": [], "selected": record.to_dict()})

    tools = [generate_image, edit_image, select_image]
    for each in tools:
        each.handle_tool_error = True
        each.handle_validation_error = validation_message
    return tools


def validation_message(error: ValidationError) -> str:
    """A bad argument from the model, named: "width: Input should be a valid integer"."""
    return "; ".join(f"{'.'.join(str(p) for p in e['loc']) or 'arguments'}: {e['msg']}" for e in error.errors())
