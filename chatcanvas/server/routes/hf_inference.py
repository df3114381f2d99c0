"""The Hugging Face inference protocol, served: `POST /hf/models/{model_id}` (and `POST /hf` for the default model).

What `huggingface_hub.InferenceClient(model=URL, token=KEY).text_to_image(...)` / `.image_to_image(...)` and
huggingface.js's `textToImage({endpointUrl, accessToken, ...})` send: `{"inputs": PROMPT, "parameters": {...}}`
for text to image; the picture as raw bytes, or `{"inputs": BASE64, "parameters": {"prompt": ...}}`, for image to
image. The answer is the PNG itself; errors are `{"error": ...}` with their status. The bearer token is the API key.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from fastapi import APIRouter, Request, Response

from chatcanvas.engine import GenerateRequest
from chatcanvas.errors import InvalidImage, InvalidInput, check_number
from chatcanvas.server import schemas
from chatcanvas.server.bridge import follow
from chatcanvas.server.deps import ServerState, StateDep, UserDep, decode_base64_image
from chatcanvas.services.images import Edit
from chatcanvas.services.models import model_for_api, scheduler_named

router = APIRouter(prefix="/hf", tags=["hugging face inference"], responses=schemas.errors_as(schemas.HFError))

_TEXT_PARAMETERS = {"negative_prompt", "width", "height", "num_inference_steps", "guidance_scale", "scheduler",
                    "seed", "target_size"}
_IMAGE_PARAMETERS = _TEXT_PARAMETERS | {"prompt", "strength"}
_PNG = {200: {"content": {"image/png": {}}, "description": "The picture, a PNG carrying its parameters."}}


def _number(parameters: dict[str, Any], name: str, kind: type) -> Any:
    return check_number(f"parameters.{name}", parameters.get(name), kind)


def _options(parameters: dict[str, Any], allowed: set[str]) -> dict[str, Any]:
    unknown = sorted(set(parameters) - allowed)
    if unknown:
        raise InvalidInput(f"parameters.{unknown[0]}", f"is not a parameter here; use {', '.join(sorted(allowed))}")
    size = parameters.get("target_size") or {}
    if not isinstance(size, dict):
        raise InvalidInput("parameters.target_size", 'must be {"width": W, "height": H}')
    negative = parameters.get("negative_prompt")
    if isinstance(negative, list):  # the HF spec allows a list; one prompt is what a picture takes
        negative = ", ".join(str(each) for each in negative)
    if negative is not None and not isinstance(negative, str):
        raise InvalidInput("parameters.negative_prompt", "must be text")
    return {"negative_prompt": negative or None,
            "width": _number(parameters, "width", int) or _number(size, "width", int),
            "height": _number(parameters, "height", int) or _number(size, "height", int),
            "steps": _number(parameters, "num_inference_steps", int),
            "guidance_scale": _number(parameters, "guidance_scale", float),
            "scheduler": scheduler_named(parameters.get("scheduler"), "parameters.scheduler"),
            "seed": _number(parameters, "seed", int)}


async def _read(request: Request) -> tuple[Any, dict[str, Any], bytes | None]:
    """(inputs, parameters, raw picture): a JSON body, or a picture sent as is."""
    body = await request.body()
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind.startswith("image/") or (kind != "application/json" and body[:8] in (b"\x89PNG\r\n\x1a\n",)):
        return None, {}, body
    try:
        payload = json.loads(body)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InvalidInput("body", f'must be JSON {{"inputs": ..., "parameters": {{...}}}} or a picture ({exc})') \
            from None
    if not isinstance(payload, dict) or "inputs" not in payload:
        raise InvalidInput("inputs", 'is required: {"inputs": "a prompt", "parameters": {...}}')
    parameters = payload.get("parameters") or {}
    if not isinstance(parameters, dict):
        raise InvalidInput("parameters", "must be an object")
    return payload["inputs"], parameters, None


def _picture(inputs: Any) -> bytes | None:
    """The picture an image-to-image call sends as base64 `inputs`; None when `inputs` is a prompt."""
    if not isinstance(inputs, str) or " " in inputs.strip() or len(inputs) < 64:
        return None
    try:
        return decode_base64_image(inputs, "inputs")
    except InvalidImage:
        return None


async def _draw(request: Request, state: ServerState, user: str, model: str | None) -> Response:
    inputs, parameters, raw = await _read(request)
    picture = raw if raw is not None else _picture(inputs)
    if picture is None:
        if not isinstance(inputs, str) or not inputs.strip():
            raise InvalidInput("inputs", "must be the prompt: what to draw")
        job_request = GenerateRequest(prompt=inputs, model=model, **_options(parameters, _TEXT_PARAMETERS))
        job = await asyncio.to_thread(state.images.generate, job_request, user)
    else:
        prompt = parameters.get("prompt")
        if not isinstance(prompt, str) or not prompt.strip():
            raise InvalidInput("parameters.prompt", "image to image needs a prompt: the picture as it should become")
        strength = _number(parameters, "strength", float)
        command = Edit(owner=user, prompt=prompt, source=picture, model=model, strength=strength,
                       **_options({k: v for k, v in parameters.items() if k not in ("prompt", "strength")},
                                  _IMAGE_PARAMETERS))
        job = await asyncio.to_thread(state.images.edit, command)
    records = await follow(request, state, job)
    record = records[0]
    data = await asyncio.to_thread(state.store.read, record)
    return Response(data, media_type="image/png", headers={"x-chatcanvas-image-id": record.id,
                                                           "x-chatcanvas-seed": str(record.seed)})


@router.post("", responses=_PNG, response_class=Response)
async def default_model(request: Request, user: UserDep, state: StateDep) -> Response:
    """Draw with the server's default model."""
    return await _draw(request, state, user.name, None)


@router.post("/models/{model_id:path}", responses=_PNG, response_class=Response)
async def named_model(model_id: str, request: Request, user: UserDep, state: StateDep) -> Response:
    """Draw with one of the models this server allows (`CHATCANVAS_MODELS`)."""
    return await _draw(request, state, user.name, model_for_api(model_id, state.settings))

