"""AUTOMATIC1111-compatible routes at `/sdapi/v1/`: what Open WebUI, SillyTavern, LibreChat, Krita plugins and
webuiapi call. Same keys, services and isolation as the rest: progress, interrupt and skip see the caller's own jobs,
and `sd_model_checkpoint` is each user's own choice among the allowed models."""

from __future__ import annotations

import asyncio
import base64
import dataclasses
import io
import json
import secrets
import time
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from PIL import Image, PngImagePlugin, UnidentifiedImageError

from chatcanvas.engine import GenerateRequest
from chatcanvas.engine.jobs import JobStatus
from chatcanvas.errors import InvalidImage, InvalidInput
from chatcanvas.server import a1111, schemas
from chatcanvas.server.bridge import follow
from chatcanvas.server.deps import ServerState, StateDep, UserDep, decode_base64_image
from chatcanvas.services.images import Edit
from chatcanvas.services.models import allowed_models, model_family
from chatcanvas.store import ImageRecord

router = APIRouter(prefix="/sdapi/v1", tags=["automatic1111"], responses=schemas.errors_as(schemas.A1111Error))


# --- models and options ---------------------------------------------------------------------------------
def _checkpoint(state: ServerState, name: str) -> str:
    """An allowed model by its A1111 title, case aside (webuiapi lowercases what it asks for)."""
    allowed = allowed_models(state.settings)
    for model in allowed:
        if name in (model, f"{model} [chatcanvas]") or name.lower() == model.lower():
            return model
    raise InvalidInput("sd_model_checkpoint", f"{name!r} is not served here; choose one of: {', '.join(allowed)}")


def _model(state: ServerState, user: str, payload: a1111.Txt2ImgPayload | None = None) -> str:
    """The model a call draws with: its `override_settings`, else the user's chosen checkpoint, else the default."""
    override = (payload.override_settings or {}).get("sd_model_checkpoint") if payload is not None else None
    if override:
        return _checkpoint(state, str(override))
    chosen = state.options.get(user).get("sd_model_checkpoint")
    return chosen if chosen in allowed_models(state.settings) else state.settings.model


@router.get("/sd-models")
def sd_models(user: UserDep, state: StateDep) -> list[dict[str, Any]]:
    return [{"title": model, "model_name": model, "hash": None, "sha256": None, "filename": model, "config": None}
            for model in allowed_models(state.settings)]


@router.get("/options")
def get_options(user: UserDep, state: StateDep) -> dict[str, Any]:
    return {"sd_model_checkpoint": _model(state, user.name), "sd_checkpoint_hash": None, "samples_format": "png",
            "CLIP_stop_at_last_layers": 1, "sd_vae": "Automatic", "live_previews_enable": True,
            "show_progress_every_n_steps": state.settings.preview_every}


@router.post("/options")
def set_options(body: a1111.OptionsPayload, user: UserDep, state: StateDep) -> dict[str, Any]:
    """Only `sd_model_checkpoint` means anything here (per user); other options are accepted and left alone."""
    if body.sd_model_checkpoint:
        state.options.set(user.name, {"sd_model_checkpoint": _checkpoint(state, body.sd_model_checkpoint)})
    return {}


@router.post("/refresh-checkpoints")
def refresh_checkpoints(user: UserDep) -> dict[str, Any]:
    return {}


@router.get("/samplers")
def samplers(user: UserDep) -> list[dict[str, Any]]:
    return a1111.samplers_json()


@router.get("/schedulers")
def schedulers(user: UserDep) -> list[dict[str, Any]]:
    return list(a1111.SCHEDULES)


@router.get("/scripts")
def scripts(user: UserDep) -> dict[str, list]:
    return {"txt2img": [], "img2img": []}


@router.get("/embeddings")
def embeddings(user: UserDep) -> dict[str, dict]:
    return {"loaded": {}, "skipped": {}}


@router.get("/cmd-flags")
def cmd_flags(user: UserDep) -> dict[str, Any]:
    return {}


def nothing_here(user: UserDep) -> list:
    """A list A1111 clients read that has nothing in it here (no extra LoRAs, upscalers, VAEs, styles ...)."""
    return []


for _path in ("loras", "upscalers", "latent-upscale-modes", "sd-vae", "hypernetworks", "prompt-styles",
              "face-restorers", "realesrgan-models", "sd-modules"):
    router.add_api_route(f"/{_path}", nothing_here, methods=["GET"], name=f"a1111_{_path}")


# --- drawing ---------------------------------------------------------------------------------------------
def _settings_for(model: str, payload: a1111.Txt2ImgPayload) -> tuple[dict[str, Any], list[str]]:
    """The options of a txt2img or img2img call, mapped onto what the model's family takes."""
    edit = isinstance(payload, a1111.Img2ImgPayload)
    family = model_family(model)
    flow = bool(family is not None and family.flow)
    scheduler, notes = a1111.scheduler_for(payload.sampler_name or payload.sampler_index, payload.scheduler, flow,
                                           tuple(family.schedulers) if family is not None else None)
    guidance = payload.cfg_scale
    if guidance is not None and family is not None and (family.guidance == "none" or (edit and family.instruct)):
        notes.append(f"cfg_scale is not used by {family.label}; its own guidance applied")
        guidance = None
    notes += a1111.ignored_notes(payload)
    options = {"negative_prompt": payload.negative_prompt or None, "steps": payload.steps,
               "guidance_scale": guidance, "scheduler": scheduler, "width": payload.width, "height": payload.height,
               "model": model}
    if edit:
        options["strength"] = payload.denoising_strength
        if payload.denoising_strength is not None and family is not None and family.instruct:
            notes.append(f"denoising_strength is not used by {family.label}: it edits by instruction")
            options["strength"] = None
    return options, notes


def _seeds(payload: a1111.Txt2ImgPayload) -> list[int]:
    """One seed per iteration: A1111's `seed` (-1: a random one), then `batch_size` further for each next one."""
    first = payload.seed if payload.seed >= 0 else secrets.randbelow(2**32 - payload.batch_size * payload.n_iter)
    return [first + i * payload.batch_size for i in range(payload.n_iter)]


def a1111_png(data: bytes, record: ImageRecord) -> bytes:
    """The stored PNG with A1111's infotext as its `parameters` chunk (chatcanvas's JSON kept as `chatcanvas`)."""
    with Image.open(io.BytesIO(data)) as image:
        info = PngImagePlugin.PngInfo()
        info.add_text("parameters", a1111.infotext(record))
        info.add_text("chatcanvas", image.text.get("parameters", "{}"))
        buffer = io.BytesIO()
        image.save(buffer, format="PNG", pnginfo=info)
    return buffer.getvalue()


def _answer(state: ServerState, records: list[ImageRecord], payload: a1111.Txt2ImgPayload, notes: list[str],
            job_id: str) -> dict[str, Any]:
    images = [base64.b64encode(a1111_png(state.store.read(record), record)).decode() for record in records]
    parameters = payload.model_dump(exclude={"init_images", "mask"})
    return {"images": images, "parameters": parameters, "info": a1111.info_json(records, payload, notes, job_id)}


async def _run(request: Request, state: ServerState, submit: list[Any]) -> tuple[list[ImageRecord], str]:
    """Queue every iteration (all checked before the first is queued), then wait for them in order."""
    jobs = []
    try:
        for make in submit:
            jobs.append(await asyncio.to_thread(make))
        records = []
        for job in jobs:
            records += await follow(request, state, job)
    except BaseException:
        for job in jobs:
            state.images.cancel(job)
        raise
    return records, jobs[0].id


@router.post("/txt2img")
async def txt2img(payload: a1111.Txt2ImgPayload, request: Request, user: UserDep, state: StateDep) -> dict:
    model = _model(state, user.name, payload)
    options, notes = _settings_for(model, payload)
    requests = [GenerateRequest(prompt=payload.prompt, n=payload.batch_size, seed=seed, **options)
                for seed in _seeds(payload)]
    for each in requests:
        state.images.check(each)
    records, job_id = await _run(request, state, [
        (lambda each=each: state.images.generate(each, user.name)) for each in requests])
    return await asyncio.to_thread(_answer, state, records, payload, notes, job_id)


def _inverted(mask: bytes) -> bytes:
    """A1111's `inpainting_mask_invert=1`: repaint what the mask leaves black."""
    try:
        with Image.open(io.BytesIO(mask)) as image:
            grey = image.convert("L")
    except (UnidentifiedImageError, OSError) as exc:
        raise InvalidImage(f"not an image we can read ({exc})", "mask") from None
    buffer = io.BytesIO()
    grey.point(lambda value: 255 - value).save(buffer, format="PNG")
    return buffer.getvalue()


@router.post("/img2img")
async def img2img(payload: a1111.Img2ImgPayload, request: Request, user: UserDep, state: StateDep) -> dict:
    if not payload.init_images:
        raise InvalidImage("an image to start from is required", "init_images")
    source = decode_base64_image(payload.init_images[0], "init_images")
    mask = decode_base64_image(payload.mask, "mask") if payload.mask else None
    if mask is not None and payload.inpainting_mask_invert:
        mask = _inverted(mask)
    model = _model(state, user.name, payload)
    options, notes = _settings_for(model, payload)
    if len(payload.init_images) > 1:
        notes.append("only the first of init_images was used")
    commands = [Edit(owner=user.name, prompt=payload.prompt, source=source, mask=mask, seed=seed,
                     n=payload.batch_size, **options) for seed in _seeds(payload)]
    first = await asyncio.to_thread(state.images.edit, commands[0])  # stores the upload once, checks everything
    parent = state.store.get(first.spec.request.parent_id, user.name)
    rest = [(lambda c=command: state.images.edit(dataclasses.replace(c, source=parent))) for command in commands[1:]]
    records, job_id = await _run(request, state, [lambda: first, *rest])
    return await asyncio.to_thread(_answer, state, records, payload, notes, job_id)


# --- progress and stopping -------------------------------------------------------------------------------
@router.get("/progress")
def progress(user: UserDep, state: StateDep, skip_current_image: bool = False) -> dict[str, Any]:
    """The caller's own work: its running job's step, an estimate of the time left, and the live preview."""
    jobs = state.images.active(user.name)
    running = next((job for job in jobs if job.status is JobStatus.RUNNING), None)
    job = running or (jobs[0] if jobs else None)
    done = job.step / job.total if job is not None and job.total else 0.0
    eta = 0.0
    if running is not None and running.started is not None and done > 0:
        eta = (time.time() - running.started) / done * (1 - done)
    preview = None if skip_current_image or running is None or running.preview is None else \
        base64.b64encode(running.preview).decode()
    return {
        "progress": round(done, 4), "eta_relative": round(eta, 2), "current_image": preview,
        "textinfo": (f"drawing {job.step}/{job.total}" if running is not None else
                     "waiting in the queue" if job is not None else None),
        "state": {"skipped": False, "interrupted": False, "stopping_generation": False,
                  "job": job.id if job is not None else "", "job_count": len(jobs),
                  "job_timestamp": str(int(job.created)) if job is not None else "0", "job_no": 0,
                  "sampling_step": job.step if job is not None else 0,
                  "sampling_steps": job.total if job is not None else 0},
    }


@router.post("/interrupt")
def interrupt(user: UserDep, state: StateDep) -> dict[str, Any]:
    """Stop the caller's running and queued jobs (nobody else's)."""
    for job in state.images.active(user.name):
        state.images.cancel(job)
    return {}


@router.post("/skip")
def skip(user: UserDep, state: StateDep) -> dict[str, Any]:
    """Stop the caller's running job; its queued ones go on."""
    for job in state.images.active(user.name):
        if job.status is JobStatus.RUNNING:
            state.images.cancel(job)
    return {}


# --- reading a picture's parameters ----------------------------------------------------------------------
_READ_BACK = ("prompt", "negative_prompt", "seed", "steps", "guidance_scale", "scheduler", "model", "strength")


@router.post("/png-info")
def png_info(body: dict[str, Any], user: UserDep) -> dict[str, Any]:
    data = decode_base64_image(body.get("image", ""), "image")
    try:
        with Image.open(io.BytesIO(data)) as image:
            text = dict(getattr(image, "text", {}) or {})
    except (UnidentifiedImageError, OSError) as exc:
        raise InvalidImage(f"not an image we can read ({exc})", "image") from None
    parameters = text.pop("parameters", "")
    if parameters.startswith("{"):  # a chatcanvas PNG as stored: its JSON, said as A1111's text
        ours = json.loads(parameters)
        text.setdefault("chatcanvas", parameters)
        record = ImageRecord(id="", created=0.0, path=Path(), owner="", operation=ours.get("operation", "generate"),
                             width=ours.get("width", 0), height=ours.get("height", 0),
                             **{k: v for k, v in ours.items() if k in _READ_BACK})
        parameters = a1111.infotext(record)
    return {"info": parameters, "items": text, "parameters": a1111.parse_infotext(parameters) if parameters else {}}
