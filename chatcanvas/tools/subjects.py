"""Personalized subjects as tools: `register_subject` and `generate_with_subject`, over `SubjectService`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from langchain.tools import ToolRuntime
from langchain_core.tools import BaseTool, ToolException, tool

from chatcanvas.engine import Job, JobEvent
from chatcanvas.errors import ChatCanvasError, NotFound
from chatcanvas.services.images import ImageService
from chatcanvas.services.subjects import SubjectService, personalized_prompt
from chatcanvas.store import Subject
from chatcanvas.tools.context import ToolContext, identity
from chatcanvas.tools.images import ImageToolRunner, describe, validation_message

__all__ = ["SubjectService", "create_subject_tools", "personalized_prompt"]


def create_subject_tools(service: SubjectService, *, user: str = "local", conversation: str = "default",
                         on_progress: Callable[[JobEvent], None] | None = None) -> list[BaseTool]:
    default = ToolContext(user, conversation)
    images = ImageService(service.engine, service.images, service.adapter_by_id, service.edit_prompt_by_id)
    runner = ImageToolRunner(images, default, on_progress)

    @tool(response_format="content_and_artifact", parse_docstring=True)
    def register_subject(name: str, aliases: list[str] | None = None, image_ids: list[str] | None = None,
                         method: str | None = None, runtime: ToolRuntime[Any, Any] = None) -> tuple[str, dict]:
        """Remember a person, pet or object from photos, so it can be drawn later by name.

        Use it when the user attaches photos and says who or what it is ("this is my dog Rex", "this is me"), and
        when they send more photos of a subject they have ("more pics of Rex"): give its name, and it is learned again
        from its photos and the new ones.

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
            known: Subject | None = service.subjects.find(who.user, name)
        except NotFound:
            known = None
        try:
            if known is not None:  # more photos of someone they have: learned again from all of them
                subject, _ = service.learn_again(who.user, known.id, ids)
            else:
                subject, _ = service.register(who.user, name, image_ids=ids, aliases=aliases or (), method=method)
        except ChatCanvasError as exc:
            raise ToolException(str(exc)) from exc
        if known is not None:
            count = subject.photos or len(ids)
            text = (f"Learned {subject.name} again from {count} photo(s), {len(ids)} of them new; it is ready to draw."
                    if subject.status == "ready" else
                    f"Learning {subject.name} again from {count} photo(s), {len(ids)} of them new, in the background; "
                    f"until then pictures of {subject.name} use what was learned before.")
        elif subject.method == "ip_adapter":
            text = f"Registered {subject.name} ({subject.id}); it is ready to draw."
        else:
            text = (f"Learning {subject.name} ({subject.id}) from {len(ids)} photo(s) in the background; "
                    "ask for a picture of it now and it is drawn as soon as training finishes.")
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

        def show_learning(job: Job, learning: Subject) -> None:  # just enrolled: drawn once learned
            runner.follow(job, runtime, timeout=service.engine.settings.subject_wait_s,
                          label=f"learning {learning.name}")

        try:
            found, request = service.personalize(who.user, subject, prompt, negative_prompt=negative_prompt,
                                                 width=width, height=height, seed=seed, n=n,
                                                 wait_for_learning=show_learning)
        except ChatCanvasError as exc:  # not found, still learning, failed to learn
            raise ToolException(f"subject: {exc}") from exc
        records = runner.run(lambda who: images.generate(request, who.user, who.conversation), runtime)
        return describe(records, f"Drew {found.name} in"), {"images": [r.to_dict() for r in records]}

    tools = [register_subject, generate_with_subject]
    for each in tools:
        each.handle_tool_error = True
        each.handle_validation_error = validation_message
    return tools
