"""OpenAI-compatible image endpoints: `POST /v1/images/generations` and `POST /v1/images/edits`."""

from __future__ import annotations

import asyncio
import base64
import re
import time
from typing import Annotated, Literal

from fastapi import APIRouter, File, Form, Request, UploadFile
from pydantic import BaseModel, ConfigDict, Field

from chatcanvas.engine import GenerateRequest
from chatcanvas.errors import InvalidImage, InvalidInput
from chatcanvas.server import schemas
from chatcanvas.server.bridge import follow
from chatcanvas.server.deps import ServerState, StateDep, UserDep, image_url
from chatcanvas.services.images import Edit
from chatcanvas.services.models import model_for_api
from chatcanvas.store import ImageRecord

router = APIRouter(tags=["openai images"])

ResponseFormat = Literal["b64_json", "url"]


class GenerationBody(BaseModel):
    model_config = ConfigDict(extra="allow")

    prompt: str = Field(..., description="What to draw.")
    n: int = Field(1, description="How many images.")
    size: str | None = Field(None, description='"WIDTHxHEIGHT" (multiples of 8) or "auto".')
    response_format: ResponseFormat = "b64_json"
    model: str | None = Field(None, description="An image model id; OpenAI names mean the server's default.")
    seed: int | None = None
    steps: int | None = None
    negative_prompt: str | None = None
    guidance_scale: float | None = None
    scheduler: str | None = None
    control_image_id: str | None = Field(None, description="One of your images whose layout the picture follows.")
    control: str | None = Field(None, description="What the control image is: sketch, canny or depth.")
    control_scale: float | None = Field(None, description="How strongly the control steers, 0-2 (default 1).")
    style_image_id: str | None = Field(None, description="One of your images whose style (not content) to take.")
    style_scale: float | None = Field(None, description="How strongly the style applies, 0-2 (default 1).")
    user: str | None = Field(None, description="Ignored: the API key says who you are.")


def parse_size(size: str | None) -> tuple[int | None, int | None]:
    if size in (None, "", "auto"):
        return None, None
    match = re.fullmatch(r"(\d{1,5})x(\d{1,5})", size)
    if not match:
        raise InvalidInput("size", f'must be "WIDTHxHEIGHT" like "512x512" or "auto", got {size!r}')
    return int(match.group(1)), int(match.group(2))


def images_response(request: Request, state: ServerState, records: list[ImageRecord], fmt: ResponseFormat) -> dict:
    data = []
    for record in records:
        item = {"revised_prompt": record.prompt, "id": record.id, "seed": record.seed}
        if fmt == "url":
            item["url"] = image_url(request, state, record)
        else:
            item["b64_json"] = base64.b64encode(state.store.read(record)).decode()
        data.append(item)
    return {"created": int(time.time()), "data": data}


@router.post("/v1/images/generations", response_model=schemas.ImagesResponse,
             response_model_exclude_none=True)
async def generations(body: GenerationBody, request: Request, user: UserDep, state: StateDep) -> dict:
    width, height = parse_size(body.size)
    job_request = GenerateRequest(prompt=body.prompt, negative_prompt=body.negative_prompt, width=width,
                                  height=height, steps=body.steps, guidance_scale=body.guidance_scale,
                                  seed=body.seed, n=body.n, model=model_for_api(body.model, state.settings),
                                  scheduler=body.scheduler, control_image_id=body.control_image_id,
                                  control=body.control, control_scale=body.control_scale,
                                  style_image_id=body.style_image_id, style_scale=body.style_scale)
    job = await asyncio.to_thread(state.images.generate, job_request, user.name)  # recorded on disk first
    return await asyncio.to_thread(images_response, request, state, await follow(request, state, job),
                                   body.response_format)


@router.post("/v1/images/edits", response_model=schemas.ImagesResponse,
             response_model_exclude_none=True)
async def edits(
    request: Request,
    user: UserDep,
    state: StateDep,
    prompt: Annotated[str, Form(description="The picture as it should look after the edit.")],
    image: Annotated[list[UploadFile] | None, File(description="The image to edit (PNG, JPEG, WebP).")] = None,
    image_array: Annotated[list[UploadFile] | None, File(alias="image[]", description="Same, array form.")] = None,
    mask: Annotated[UploadFile | None, File(description="Transparent pixels mark the area to repaint.")] = None,
    n: Annotated[int, Form()] = 1,
    size: Annotated[str | None, Form()] = None,
    response_format: Annotated[ResponseFormat, Form()] = "b64_json",
    model: Annotated[str | None, Form()] = None,
    seed: Annotated[int | None, Form()] = None,
    strength: Annotated[float | None, Form()] = None,
    steps: Annotated[int | None, Form()] = None,
    negative_prompt: Annotated[str | None, Form()] = None,
    method: Annotated[str, Form(description="auto, img2img, inpaint, instruct or inversion (LEDITS++).")] = "auto",
    add: Annotated[list[str] | None, Form(description="Inversion: what to add (repeat the field for more).")] = None,
    remove: Annotated[list[str] | None, Form(description="Inversion: what to take out.")] = None,
) -> dict:
    files = [*(image or []), *(image_array or [])]
    if not files:
        raise InvalidImage("an image to edit is required (field image or image[])")
    command = Edit(owner=user.name, prompt=prompt, source=await files[0].read(),
                   mask=await mask.read() if mask is not None else None, negative_prompt=negative_prompt,
                   strength=strength, steps=steps, seed=seed, n=n, model=model_for_api(model, state.settings),
                   method=method, add=tuple(add or ()), remove=tuple(remove or ()),
                   **dict(zip(("width", "height"), parse_size(size), strict=True)))
    job = await asyncio.to_thread(state.images.edit, command)
    return await asyncio.to_thread(images_response, request, state, await follow(request, state, job),
                                   response_format)
