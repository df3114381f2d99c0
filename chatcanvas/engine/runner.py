"""One job, one pipeline call: fill in the model's defaults, pick the pipeline, report steps, honour cancel."""

from __future__ import annotations

import contextlib
import copy
import dataclasses
import inspect
import io
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import torch
from diffusers import DiffusionPipeline
from PIL import Image

from chatcanvas.config import Settings
from chatcanvas.engine import control, personalize
from chatcanvas.engine.control import control_source
from chatcanvas.engine.families import call_options, check_request_options, edit_kind
from chatcanvas.engine.jobs import EditRequest, GenerateRequest, Job
from chatcanvas.engine.personalize import compute_embeddings, embeddings_path, ip_adapter_spec
from chatcanvas.engine.registry import LoadedModel, PipelineKind
from chatcanvas.engine.remote import InferencePipeline
from chatcanvas.engine.schedulers import fresh_scheduler
from chatcanvas.errors import InvalidInput, JobCancelled

DEFAULT_IMAGE_GUIDANCE = 1.5


@dataclass(frozen=True)
class RunParams:
    """The concrete values one job ran with; they go into every image record it makes."""

    kind: PipelineKind
    prompt: str
    negative_prompt: str | None
    width: int
    height: int
    steps: int
    guidance_scale: float
    scheduler: str | None
    strength: float | None
    seeds: tuple[int, ...]


def edit_size(image: Image.Image, max_width: int, max_height: int, multiple: int = 8) -> tuple[int, int]:
    """The input's size, scaled down to fit the limits and rounded down to multiples of `multiple`."""
    width, height = image.size
    scale = min(1.0, max_width / width, max_height / height)
    return (max(multiple, int(width * scale) // multiple * multiple),
            max(multiple, int(height * scale) // multiple * multiple))


def family_error(job: Job, model: LoadedModel, settings: Settings) -> InvalidInput | None:
    """What the loaded model's family cannot honour in `job`, or None. The engine checks at submit when it knows the
    family then; a Hub model never fetched is known only once loaded, and is checked here before its job runs."""
    try:
        check_request_options(model.id, model.family, job.spec.request, settings.scheduler, settings.control_models)
    except InvalidInput as exc:
        return exc
    steps = getattr(job.spec.request, "steps", None)
    scheduler = getattr(model.base, "scheduler", None)
    trained = getattr(scheduler, "config", {}).get("num_train_timesteps")
    if isinstance(steps, int) and isinstance(trained, int) and steps > trained:
        # a scheduler cannot take more steps than the noise levels it was trained with (it fails at the last one)
        return InvalidInput("steps", f"{model.id} denoises in at most {trained} steps; got {steps}")
    return None


def resolve(job: Job, model: LoadedModel, settings: Settings) -> RunParams:
    """The concrete values `job` runs with on `model` (its options already checked: see `family_error`)."""
    request, defaults = job.spec.request, model.defaults
    if isinstance(model.base, InferencePipeline):  # what is not asked for, the provider decides
        kind: PipelineKind = "img2img" if isinstance(request, EditRequest) else "text2img"
        return RunParams(kind, request.prompt, request.negative_prompt, request.width, request.height,
                         request.steps or settings.steps, _first(request.guidance_scale, settings.guidance_scale),
                         request.scheduler or settings.scheduler, getattr(request, "strength", None), job.spec.seeds)
    strength = None
    if isinstance(request, EditRequest):
        kind: PipelineKind = "instruct" if model.instruct else edit_kind(
            model.family, request.method, request.mask is not None, bool(request.add or request.remove))
        fallback = edit_size(request.image, settings.max_width, settings.max_height, model.family.multiple)
        if kind in ("img2img", "inpaint"):
            strength = request.strength if request.strength is not None else defaults.edit_strength
    else:
        kind, fallback = "control" if request.control else "text2img", (defaults.width, defaults.height)
    guidance = next(g for g in (request.guidance_scale, settings.guidance_scale, defaults.guidance_scale)
                    if g is not None)
    if model.family.guidance == "none":  # guidance-distilled: there is nothing to scale
        guidance = 0.0
    steps = request.steps or settings.steps or defaults.steps
    if strength and int(steps * strength) < 1:
        # an edit runs steps x strength denoising steps: 1 step at strength 0.6 would run none (diffusers fails)
        steps = math.ceil(1 / strength)
    return RunParams(
        kind=kind,
        prompt=request.prompt,
        negative_prompt=request.negative_prompt,
        width=request.width or fallback[0],
        height=request.height or fallback[1],
        steps=steps,
        guidance_scale=guidance,
        scheduler=request.scheduler or settings.scheduler,
        strength=strength,
        seeds=job.spec.seeds,
    )


def _first(*values: Any) -> Any:
    return next((value for value in values if value is not None), None)


def job_pipeline(shared: DiffusionPipeline, scheduler: str | None) -> DiffusionPipeline:
    """A per-job view of a shared pipeline: same weights, its own fresh scheduler and run state.

    A shallow copy costs microseconds (`from_pipe` re-validates every component); assigning the scheduler on
    the copy re-registers it in the copy's own config, so the shared pipeline is never mutated.
    """
    view = copy.copy(shared)
    view.scheduler = fresh_scheduler(shared.scheduler, scheduler)
    return view


PipelineCall = Callable[..., Any]


def call_pipeline(pipe: DiffusionPipeline, **kwargs: Any) -> Any:
    """The one place a pipeline is called (the engine wraps it to recover from running out of memory)."""
    return pipe(**kwargs)


def run_job(job: Job, model: LoadedModel, params: RunParams, settings: Settings,
            call: PipelineCall = call_pipeline) -> list[Image.Image]:
    """Run the pipeline for `job`; raise `JobCancelled` when it was cancelled between steps."""
    request = job.spec.request
    if isinstance(model.base, InferencePipeline):
        return model.base.run(job, params.steps, params.guidance_scale, params.scheduler, params.seeds)
    if params.kind == "control":
        source = control_source(request.control, model.family.name, settings.control_models)
        if source is None:
            raise InvalidInput("control", f"no {request.control} adapter is known for {model.id}")
        pipe = job_pipeline(model.control_pipeline(source), params.scheduler)
    else:
        pipe = job_pipeline(model.pipeline(params.kind), params.scheduler)

    clock = PreviewClock(settings.preview_every, settings.preview_interval_s)

    def on_step_end(p: DiffusionPipeline, step: int, timestep: Any, callback_kwargs: dict) -> dict:
        total = getattr(p, "num_timesteps", None) or params.steps
        preview = None
        if model.preview_vae is not None and clock.due(step, total):
            preview = preview_png(model.preview_vae, callback_kwargs["latents"])
        job.report_step(step + 1, total, preview)
        if job.cancel_requested:
            p._interrupt = True
        return callback_kwargs

    if params.kind == "inversion":
        return _run_inversion(job, model, params, pipe, on_step_end, call)
    kwargs: dict[str, Any] = {
        "prompt": params.prompt,
        **call_options(model.family, params.prompt, params.negative_prompt, params.guidance_scale),
        "num_inference_steps": params.steps,
        "num_images_per_prompt": len(params.seeds),
        # one CPU generator per image: the same seed gives the same noise whatever the batch size or device
        "generator": [torch.Generator("cpu").manual_seed(seed) for seed in params.seeds],
        "width": params.width,
        "height": params.height,
        **step_callback(pipe, on_step_end),
        "output_type": "pil",
    }
    if params.kind == "control":
        kwargs["image"] = control.prepare(request.control_image, request.control, (params.width, params.height))
        kwargs[control.scale_argument(pipe)] = request.control_scale if request.control_scale is not None else 1.0
    if isinstance(request, EditRequest):
        kwargs["image"] = request.image.convert("RGB").resize((params.width, params.height), Image.LANCZOS)
        if params.kind == "inpaint":
            kwargs["mask_image"] = request.mask.convert("L").resize((params.width, params.height), Image.NEAREST)
        if params.strength is not None:
            kwargs["strength"] = params.strength
        if params.kind == "instruct" and model.family.name == "instruct-pix2pix":
            kwargs["image_guidance_scale"] = request.image_guidance_scale or DEFAULT_IMAGE_GUIDANCE
        if model.family.keeps_input_size:  # draw at the input's size, not the editor's preferred resolution
            kwargs.update(max_area=params.width * params.height, _auto_resize=False)
    accepted = inspect.signature(type(pipe).__call__).parameters
    refuse_unaccepted(type(pipe).__name__, kwargs, accepted, request)

    subject, spec = request.subject, None
    if subject is not None and subject.method == "ip_adapter":
        spec = ip_adapter_spec(model.id, model.base, settings)
        embeddings = embeddings_path(subject.weights, spec)
        if not embeddings.exists():  # enrolled for another model's adapter: encode the references once for this one
            compute_embeddings(model.base, spec, tuple(Image.open(p).convert("RGB") for p in subject.references),
                               embeddings)
        subject = dataclasses.replace(subject, weights=embeddings)
    job.mark_running(_expected_steps(params))
    style = contextlib.nullcontext()
    if request.style_image is not None:
        if spec is not None:
            raise InvalidInput("style_image", "a style reference cannot be combined with an IP-Adapter subject; "
                                              "enroll the subject as a LoRA to draw it in a style")
        scale = request.style_scale if request.style_scale is not None else 1.0
        style = personalize.styled(pipe, ip_adapter_spec(model.id, model.base, settings), request.style_image,
                                   scale, params.guidance_scale, kwargs)
    with personalize.applied(pipe, subject, spec, params.guidance_scale, kwargs), style, torch.inference_mode():
        accepted_kwargs = {key: value for key, value in kwargs.items() if key in accepted}
        output = call(pipe, **accepted_kwargs)
    if job.cancel_requested:
        raise JobCancelled(f"job {job.id} was cancelled at step {job.step} of {job.total}")
    images = list(output.images)
    if params.kind == "inpaint":
        # The VAE round trip blurs what the mask keeps; paste the original back so only the masked area changes.
        images = [Image.composite(image, kwargs["image"], kwargs["mask_image"]) for image in images]
    return images


INVERSION_SKIP = 0.15
"""The share of the inverted steps LEDITS++ leaves out at the start (its default): more keeps more of the picture."""
EDIT_THRESHOLD = 0.9
"""LEDITS++'s mask threshold: the share of the picture each concept's guidance leaves alone."""


def _run_inversion(job: Job, model: LoadedModel, params: RunParams, pipe: DiffusionPipeline,
                   on_step_end: Callable[..., dict], call: PipelineCall) -> list[Image.Image]:
    """LEDITS++: invert the picture (once per seed: the inversion's noise is drawn from it), then denoise it back
    steered towards each thing to add and away from each thing to remove, inside the masks the method finds."""
    request = job.spec.request
    assert isinstance(request, EditRequest)
    subject = request.subject
    if subject is not None and subject.method != "lora":
        raise InvalidInput("method", "an inversion edit cannot apply an IP-Adapter subject; edit it by img2img")
    # LEDITS++ works on sides in multiples of 32; the result is brought back to the picture's own size
    width, height = (max(32, round(side / 32) * 32) for side in (params.width, params.height))
    image = request.image.convert("RGB").resize((width, height), Image.LANCZOS)
    concepts = [*request.add, *request.remove]
    reverse = [False] * len(request.add) + [True] * len(request.remove)
    # its masks read cross-attention at a quarter of the latent size, which models with fewer levels lack
    masks = len(getattr(model.base.unet.config, "block_out_channels", ())) >= 3
    job.mark_running(_expected_steps(params))
    images: list[Image.Image] = []
    with personalize.applied(pipe, subject, None, params.guidance_scale, {}), torch.inference_mode():
        for seed in params.seeds:
            generator = torch.Generator("cpu").manual_seed(seed)
            pipe.invert(image=image, num_inversion_steps=params.steps, skip=INVERSION_SKIP, generator=generator,
                        height=height, width=width)
            output = call(pipe, editing_prompt=concepts, reverse_editing_direction=reverse,
                          edit_guidance_scale=[params.guidance_scale] * len(concepts),
                          edit_threshold=[EDIT_THRESHOLD] * len(concepts), negative_prompt=params.negative_prompt,
                          generator=generator, use_intersect_mask=masks, use_cross_attn_mask=masks,
                          callback_on_step_end=on_step_end, output_type="pil")
            if job.cancel_requested:
                raise JobCancelled(f"job {job.id} was cancelled at step {job.step} of {job.total}")
            images.extend(picture if picture.size == (params.width, params.height)
                          else picture.resize((params.width, params.height), Image.LANCZOS)
                          for picture in output.images)
    return images


def step_callback(pipe: DiffusionPipeline, on_step_end: Callable[..., dict]) -> dict[str, Any]:
    """How `pipe` reports each step: `callback_on_step_end`, or the older `callback` (PixArt), where a cancel
    stops the run by raising, since those pipelines have no interrupt flag."""
    accepted = inspect.signature(type(pipe).__call__).parameters
    if "callback_on_step_end" in accepted or "callback" not in accepted:
        return {"callback_on_step_end": on_step_end}

    def legacy(step: int, timestep: Any, latents: Any) -> None:
        on_step_end(pipe, step, timestep, {"latents": latents})
        if getattr(pipe, "_interrupt", False):
            raise JobCancelled(f"cancelled at step {step + 1}")

    return {"callback": legacy, "callback_steps": 1}


_ASKED = {"negative_prompt": "negative_prompt", "true_cfg_scale": "negative_prompt", "strength": "strength",
          "mask_image": "mask", "image_guidance_scale": "image_guidance_scale"}
"""Pipeline arguments that carry something a request asked for, and the request field each comes from."""


def refuse_unaccepted(pipeline: str, kwargs: dict[str, Any], accepted: Any, request: GenerateRequest) -> None:
    """A pipeline outside the family table that lacks an argument the request needs: refuse, never drop it."""
    for key, value in kwargs.items():
        asked = _ASKED.get(key) or ("guidance_scale" if key == "guidance_scale" and request.guidance_scale else None)
        if value is not None and key not in accepted and asked:
            raise InvalidInput(asked, f"{pipeline} does not take it; leave it out")


def preview_png(decoder: torch.nn.Module, latents: torch.Tensor) -> bytes:
    """The first image of the batch so far, through a preview decoder (see `preview_pngs`)."""
    return preview_pngs(decoder, latents[:1])[0]


def preview_pngs(decoder: torch.nn.Module, latents: torch.Tensor) -> list[bytes]:
    """Each latent's image so far, as PNG, through a preview decoder in one call: a tiny one (TAESD, whose scaling
    factor is 1), or a built-in model's own VAE (latents unscaled by its factor, as its pipeline decodes them)."""
    config = decoder.config
    latents = latents / getattr(config, "scaling_factor", 1.0) + (getattr(config, "shift_factor", None) or 0.0)
    dtype = next(decoder.parameters()).dtype  # `decoder.dtype` walks every module to find it
    with torch.inference_mode():
        pixels = decoder.decode(latents.to(dtype)).sample
    arrays = ((pixels.float().clamp(-1, 1) + 1) * 127.5).round().byte().permute(0, 2, 3, 1).cpu().numpy()
    pngs = []
    for array in arrays:
        buffer = io.BytesIO()
        Image.fromarray(array).save(buffer, format="PNG")
        pngs.append(buffer.getvalue())
    return pngs


class PreviewClock:
    """Whether a step shows a preview: every `every` steps (never the last), and at least `interval_s` seconds
    after the previous one (0: no wait). A replica whose progress crosses to another process only now and then
    decodes no previews that would be dropped."""

    def __init__(self, every: int, interval_s: float = 0.0):
        self.every, self.interval_s = every, interval_s
        self.last = -math.inf

    def due(self, step: int, total: int) -> bool:
        if (step + 1) % self.every or step + 1 >= total:
            return False
        now = time.monotonic()
        if now - self.last < self.interval_s:
            return False
        self.last = now
        return True


def _expected_steps(params: RunParams) -> int:
    if params.kind == "inversion":
        return max(1, params.steps - int(params.steps * INVERSION_SKIP))
    if params.strength is not None:
        return max(1, min(params.steps, int(params.steps * params.strength)))
    return params.steps
