"""What the web studio does to one picture: draw it again with a new seed, vary it, repaint an area painted over it.

Each queues one job in the picture's own conversation (so its pictures join that conversation's gallery and the list
of pictures the agent reads) and returns the job at once; the caller follows it and makes its last picture current.
"""

from __future__ import annotations

from chatcanvas.config import Settings
from chatcanvas.engine.jobs import GenerateRequest, Job
from chatcanvas.errors import InvalidInput, check_text
from chatcanvas.services.images import Edit, ImageService
from chatcanvas.services.models import model_for_api
from chatcanvas.services.subjects import SubjectService
from chatcanvas.store.images import ImageRecord
from chatcanvas.store.uploads import edit_mask

VARIATIONS = 3
"""How many variations one click asks for."""


class StudioService:
    def __init__(self, images: ImageService, subjects: SubjectService, settings: Settings):
        self.images, self.subjects, self.settings = images, subjects, settings

    def reroll(self, owner: str, image_id: str, mask: bytes | None = None) -> Job:
        """The picture's own recipe (prompt, size, steps, guidance, scheduler, subject, the picture it was edited
        from) with a new seed. An edit of a painted area needs its `mask` again (masks are not kept)."""
        record = self.images.get(image_id, owner)
        if record.operation == "upload":
            raise InvalidInput("image_id", "an uploaded photo has no recipe to draw again; ask for variations "
                                           "or an edit of it")
        if record.operation == "edit":
            return self._edit_again(record, mask)
        if mask is not None:
            raise InvalidInput("mask", "only an edit of a painted area takes a mask")
        subject = None
        if record.subject_ids:
            subject = self.subjects.adapter_by_id(owner, record.subject_ids[0])  # erased or relearning: said so
        request = GenerateRequest(
            prompt=record.prompt or "", negative_prompt=record.negative_prompt, width=record.width,
            height=record.height, steps=record.steps, guidance_scale=record.guidance_scale,
            scheduler=record.scheduler, model=self._model(record), subject=subject, control=record.control,
            control_image_id=record.control_image_id, style_image_id=record.style_image_id)
        return self.images.generate(request, owner, record.conversation)

    def _edit_again(self, record: ImageRecord, mask: bytes | None) -> Job:
        parent = self.images.store.find(record.parent_id, record.owner)
        if parent is None:
            raise InvalidInput("image_id", "the picture it was edited from is deleted, so it cannot be edited again")
        method = record.edit_method or "auto"
        if method == "inversion":
            raise InvalidInput("image_id", "what an inversion edit added and removed is not kept; ask for the "
                                           "change again")
        if method == "inpaint" and mask is None:
            raise InvalidInput("mask", "this edit repainted a painted area, and masks are not kept: paint the area "
                                       "again and say the change")
        if method != "inpaint" and mask is not None:
            raise InvalidInput("mask", "only an edit of a painted area takes a mask")
        return self.images.edit(Edit(
            owner=record.owner, conversation=record.conversation, prompt=record.prompt or "", source=parent,
            mask=_painted(self.images, mask, parent) if mask is not None else None,
            negative_prompt=record.negative_prompt,
            strength=record.strength, width=record.width, height=record.height, steps=record.steps,
            guidance_scale=record.guidance_scale, scheduler=record.scheduler, model=self._model(record),
            method=method))

    def variations(self, owner: str, image_id: str, n: int = VARIATIONS) -> Job:
        """`n` pictures like this one: its prompt redrawn from it (img2img at the model's edit strength)."""
        record = self.images.get(image_id, owner)
        if not record.prompt:
            raise InvalidInput("image_id", "this picture has no prompt to vary; say in the chat what it shows")
        return self.images.edit(Edit(owner=owner, conversation=record.conversation, prompt=record.prompt,
                                     source=record, n=n, method="img2img", model=self._model(record)))

    def repaint(self, owner: str, image_id: str, change: str, mask: bytes, seed: int | None = None) -> Job:
        """Inpaint the area `mask` marks (white = repaint) so the picture shows `change` ("make it green", "a
        yellow star"): the prompt is the whole picture after the change, written as the agent writes edits."""
        from chatcanvas.agent.rewrite import edit_prompt  # the agent's words for "the picture after the change"

        record = self.images.get(image_id, owner)
        if not isinstance(change, str) or not change.strip():
            raise InvalidInput("change", "say what the painted area should become")
        check_text("change", change)
        prompt = edit_prompt(record.prompt, change.strip())
        return self.images.edit(Edit(owner=owner, conversation=record.conversation, prompt=prompt, source=record,
                                     mask=_painted(self.images, mask, record), method="inpaint", seed=seed,
                                     model=self._model(record)))

    def _model(self, record: ImageRecord) -> str | None:
        """The model that drew the picture, if API users may still use it (else the request is refused)."""
        return model_for_api(record.model, self.settings, "image_id") if record.model else None


def _painted(images: ImageService, mask: bytes, picture: ImageRecord) -> bytes:
    """The mask's bytes, once they are known to be a picture of `picture`'s size with something painted on it."""
    decoded = images.store.decode(mask, "mask")
    if decoded.size != (picture.width, picture.height):
        raise InvalidInput("mask", f"is {decoded.width}x{decoded.height}; it must be the picture's size, "
                                   f"{picture.width}x{picture.height}")
    if edit_mask(decoded).getextrema()[1] == 0:
        raise InvalidInput("mask", "nothing is painted: paint over the area to change")
    return mask
