"""The model families, in one table: how each is called, which schedulers fit it, its defaults, what it can edit.

A family is known from the pipeline class a model's `model_index.json` names, so it is known before the weights
load. A request option the family cannot honour (a negative prompt on a model without guidance, an SD scheduler
on a flow-matching model, a strength on an instruction editor) is refused with the field named and what fits;
nothing is silently dropped. Cheap to import: nothing here loads torch or diffusers.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Literal

from chatcanvas.engine.jobs import EDIT_METHODS, EditRequest, GenerateRequest
from chatcanvas.engine.schedulers import FLOW_SCHEDULERS, SD_SCHEDULERS
from chatcanvas.errors import InvalidInput

Negative = Literal["negative_prompt", "true_cfg", "none"]
"""How a negative prompt is honoured: by classifier-free guidance (SD, SDXL, SD3, PixArt), by true CFG (a second
pass with the negative prompt: FLUX, Qwen-Image), or not at all."""
Guidance = Literal["cfg", "true_cfg", "distilled", "none"]
"""What `guidance_scale` means: the CFG weight, the true-CFG weight (Qwen-Image: a second pass with the negative
prompt, or a blank one), a distilled guidance embedding (FLUX.1-dev, Kontext), or nothing (FLUX.1-schnell:
timestep-distilled, no guidance input)."""
EditKind = Literal["img2img", "inpaint", "instruct", "inversion"]


@dataclass(frozen=True)
class Family:
    name: str
    label: str
    pipelines: tuple[str, ...]
    """The diffusers pipeline classes of the family (text-to-image, or the editor for instruction models)."""
    negative: Negative
    guidance: Guidance
    schedulers: tuple[str, ...]
    steps: int
    guidance_scale: float
    edits: tuple[EditKind, ...]
    """What an edit of a picture runs: img2img and inpaint through `AutoPipelineFor*.from_pipe`, or the model itself
    as an instruction editor."""
    examples: tuple[str, ...] = ()
    max_sequence_length: int | None = None
    """The T5 prompt length passed to the pipeline (None: the pipeline's own default or no T5)."""
    true_cfg_scale: float = 4.0
    """The true-CFG weight used when a negative prompt is given to a true-CFG family."""
    lora: bool = False
    ip_adapter: bool = False
    min_edit_side: int = 8
    """The smallest picture side the family's editor takes."""
    generates: bool = True
    """False for edit-only models (Kontext, InstructPix2Pix, Qwen-Image-Edit): they need a picture to start from."""
    multiple: int = 8
    """Width and height are multiples of this (the VAE's downscale times the transformer's patch or packing)."""
    call_extras: tuple[tuple[str, Any], ...] = ()
    """Arguments the family's pipeline is always called with."""
    keeps_input_size: bool = False
    """An instruction editor that would resize its input to its preferred resolution unless told the area."""
    notes: str = ""

    @property
    def instruct(self) -> bool:
        return self.edits == ("instruct",)

    @property
    def flow(self) -> bool:
        return self.schedulers[0].startswith("flow_")


_SD_EDITS: tuple[EditKind, ...] = ("img2img", "inpaint")
_INVERSION_EDITS: tuple[EditKind, ...] = ("img2img", "inpaint", "inversion")
"""SD and SDXL also edit by inversion: LEDITS++ (`LEditsPPPipelineStableDiffusion` / `...XL`)."""
INVERSION_SCHEDULERS = ("dpmpp_2m", "dpmpp_2m_karras", "ddim")
"""LEDITS++ inverts with DPM-Solver++ (its default, as SDE) or DDIM only."""
_FLUX_SCHEDULERS = ("flow_euler", "flow_dpmpp_2m", "flow_unipc")
"""FLUX passes its own sigmas and a resolution-dependent shift to the scheduler: Heun takes neither (DPM++ fits
because FLUX leaves the sigmas to a scheduler on flow sigmas)."""
_SIGMA_SCHEDULERS = ("flow_euler", "flow_unipc")
"""Qwen-Image always passes its own sigmas: only the solvers that take a sigma schedule fit."""

FAMILIES: dict[str, Family] = {family.name: family for family in (
    Family("sd", "Stable Diffusion 1.x / 2.x", ("StableDiffusionPipeline",), "negative_prompt", "cfg", SD_SCHEDULERS,
           30, 7.5, _INVERSION_EDITS,
           ("stable-diffusion-v1-5/stable-diffusion-v1-5", "stabilityai/stable-diffusion-2-1"),
           lora=True, ip_adapter=True, notes="v-prediction (SD 2) is read from the scheduler config"),
    Family("sdxl", "Stable Diffusion XL", ("StableDiffusionXLPipeline",), "negative_prompt", "cfg", SD_SCHEDULERS,
           30, 5.0, _INVERSION_EDITS, ("stabilityai/stable-diffusion-xl-base-1.0",), lora=True, ip_adapter=True),
    Family("sd3", "Stable Diffusion 3 / 3.5", ("StableDiffusion3Pipeline",), "negative_prompt", "cfg",
           FLOW_SCHEDULERS, 28, 3.5, _SD_EDITS,
           ("stabilityai/stable-diffusion-3.5-large", "stabilityai/stable-diffusion-3.5-medium",
            "stabilityai/stable-diffusion-3.5-large-turbo"), max_sequence_length=256, multiple=16, lora=True),
    Family("flux", "FLUX.1 [dev]", ("FluxPipeline",), "true_cfg", "distilled", _FLUX_SCHEDULERS, 28, 3.5,
           _SD_EDITS, ("black-forest-labs/FLUX.1-dev",), max_sequence_length=512, lora=True, ip_adapter=True,
           multiple=16),
    Family("flux-schnell", "FLUX.1 [schnell]", ("FluxPipeline",), "true_cfg", "none", _FLUX_SCHEDULERS, 4, 0.0,
           _SD_EDITS, ("black-forest-labs/FLUX.1-schnell",), max_sequence_length=256, lora=True, ip_adapter=True,
           multiple=16,
           notes="a FluxPipeline whose transformer has no guidance embedding"),
    Family("flux-kontext", "FLUX.1 Kontext [dev]", ("FluxKontextPipeline",), "true_cfg", "distilled",
           _FLUX_SCHEDULERS, 28, 2.5, ("instruct",), ("black-forest-labs/FLUX.1-Kontext-dev",),
           max_sequence_length=512, keeps_input_size=True, multiple=16, generates=False),
    Family("qwen-image", "Qwen-Image", ("QwenImagePipeline",), "true_cfg", "true_cfg", _SIGMA_SCHEDULERS, 50, 4.0,
           _SD_EDITS, ("Qwen/Qwen-Image",), max_sequence_length=512, lora=True, multiple=16),
    Family("z-image", "Z-Image", ("ZImagePipeline",), "negative_prompt", "cfg", ("flow_euler",), 9, 0.0, _SD_EDITS,
           ("Tongyi-MAI/Z-Image-Turbo",), max_sequence_length=512, multiple=16,
           notes="Turbo's 9 steps without guidance; a negative prompt needs guidance above 1"),
    Family("sana", "Sana", ("SanaPipeline",), "negative_prompt", "cfg", FLOW_SCHEDULERS, 20, 4.5, (),
           ("Efficient-Large-Model/Sana_1600M_1024px_diffusers",), max_sequence_length=300, multiple=32,
           call_extras=(("use_resolution_binning", False),),
           notes="draws the asked size itself (no resolution binning); no image-to-image pipeline in diffusers"),
    Family("pixart", "PixArt-Σ / PixArt-α", ("PixArtSigmaPipeline", "PixArtAlphaPipeline"), "negative_prompt", "cfg",
           SD_SCHEDULERS, 20, 4.5, (), ("PixArt-alpha/PixArt-Sigma-XL-2-1024-MS",), max_sequence_length=300,
           notes="no image-to-image pipeline in diffusers: text to image only"),
    Family("instruct-pix2pix", "InstructPix2Pix", ("StableDiffusionInstructPix2PixPipeline",
                                                   "StableDiffusionXLInstructPix2PixPipeline"),
           "negative_prompt", "cfg", SD_SCHEDULERS, 20, 7.5, ("instruct",), ("timbrooks/instruct-pix2pix",),
           generates=False),
    Family("flux2-klein", "FLUX.2 [klein]", ("Flux2KleinPipeline",), "none", "none", _FLUX_SCHEDULERS, 4, 0.0,
           ("instruct",), ("black-forest-labs/FLUX.2-klein-4B", "black-forest-labs/FLUX.2-klein-9B"),
           max_sequence_length=512, multiple=16, min_edit_side=64,
           notes="step-distilled; edits take the picture as a reference"),
    Family("flux2-klein-base", "FLUX.2 [klein] base", ("Flux2KleinPipeline",), "none", "cfg", _FLUX_SCHEDULERS, 50,
           4.0, ("instruct",), ("black-forest-labs/FLUX.2-klein-base-4B",), max_sequence_length=512, multiple=16,
           min_edit_side=64,
           notes="guided with an empty negative prompt; it takes no negative prompt of its own"),
)}

MODEL_DEFAULTS: dict[str, dict[str, Any]] = {
    "black-forest-labs/FLUX.1-schnell": {"steps": 4, "guidance_scale": 0.0},
    "black-forest-labs/FLUX.1-dev": {"steps": 28, "guidance_scale": 3.5},
    "black-forest-labs/FLUX.1-Kontext-dev": {"steps": 28, "guidance_scale": 2.5},
    "stabilityai/stable-diffusion-3.5-large": {"steps": 28, "guidance_scale": 3.5},
    "stabilityai/stable-diffusion-3.5-large-turbo": {"steps": 4, "guidance_scale": 0.0},
    "stabilityai/stable-diffusion-3.5-medium": {"steps": 40, "guidance_scale": 4.5},
    "stabilityai/stable-diffusion-xl-base-1.0": {"steps": 30, "guidance_scale": 5.0},
}
"""Published defaults of well-known checkpoints, where they differ from their family's."""


@dataclass(frozen=True)
class ModelFamily:
    """A family as it applies to one model: the table's row with that checkpoint's own defaults."""

    family: Family
    steps: int
    guidance_scale: float

    def __getattr__(self, name: str) -> Any:  # the row's fields read through
        return getattr(self.family, name)


GENERIC = Family("other", "other diffusers pipeline", (), "negative_prompt", "cfg", SD_SCHEDULERS + FLOW_SCHEDULERS,
                 30, 7.5, _SD_EDITS)
"""Pipelines not in the table: called by what their signature takes; an option it lacks is refused at run time."""


INSTRUCT_PIPELINES = frozenset({
    "StableDiffusionInstructPix2PixPipeline", "StableDiffusionXLInstructPix2PixPipeline", "FluxKontextPipeline",
    "QwenImageEditPipeline", "QwenImageEditPlusPipeline",
})
"""Pipelines that take an instruction and an image ("make it snowy") rather than a description."""


_VARIANTS = {"flux-schnell", "flux2-klein-base"}
"""Rows that share a pipeline class with another row and are told apart by their configs."""


def family_of(class_name: str, transformer_config: dict[str, Any] | None = None,
              pipeline_config: dict[str, Any] | None = None) -> Family:
    """The family of a pipeline class (FLUX.1 schnell and dev share a class, and the guidance embedding tells which;
    FLUX.2 klein and its base, and the pipeline's `is_distilled` does)."""
    if class_name == "FluxPipeline" and transformer_config is not None \
            and not transformer_config.get("guidance_embeds", True):
        return FAMILIES["flux-schnell"]
    if class_name == "Flux2KleinPipeline" and pipeline_config is not None \
            and not pipeline_config.get("is_distilled", False):
        return FAMILIES["flux2-klein-base"]
    for family in FAMILIES.values():
        if class_name in family.pipelines and family.name not in _VARIANTS:
            return family
    edit_only = class_name in INSTRUCT_PIPELINES
    return replace(GENERIC, pipelines=(class_name,), label=class_name or GENERIC.label, generates=not edit_only,
                   edits=("instruct",) if edit_only else _SD_EDITS)


def for_model(model_id: str, family: Family) -> ModelFamily:
    known = MODEL_DEFAULTS.get(model_id, {})
    return ModelFamily(family, known.get("steps", family.steps), known.get("guidance_scale", family.guidance_scale))


def read_family(source: str, model_id: str) -> ModelFamily | None:
    """The family of the model at `source` (a local folder) from its config files alone; None when not local."""
    folder = Path(source)
    index = folder / "model_index.json"
    if not index.is_file():
        return None
    try:
        pipeline = json.loads(index.read_text(encoding="utf-8"))
        transformer = folder / "transformer" / "config.json"
        config = json.loads(transformer.read_text(encoding="utf-8")) if transformer.is_file() else None
    except (OSError, ValueError):
        return None
    return for_model(model_id, family_of(pipeline.get("_class_name", ""), config, pipeline))


def lookup_family(model: str) -> ModelFamily | None:
    """The family of a model id without loading anything: built-in ids are SD-shaped, a folder's configs say, and
    a Hub id's say when the Hub cache has them; None when that cannot be known yet."""
    from chatcanvas.engine.catalog import BUILTIN_MODELS

    if model in BUILTIN_MODELS:
        return for_model(model, FAMILIES["sd"])
    if model.startswith("inference:"):
        from chatcanvas.engine.remote import remote_family

        return for_model(model, remote_family(model))
    path = Path(model).expanduser()
    if path.is_dir():
        return read_family(str(path), model)
    try:
        from huggingface_hub import try_to_load_from_cache

        index = try_to_load_from_cache(model, "model_index.json")
    except Exception:  # a malformed id or cache: the load will say what is wrong
        return None
    return read_family(str(Path(index).parent), model) if isinstance(index, str) else None


def check_options(model: str, family: ModelFamily, *, edit: bool, mask: bool, negative_prompt: str | None,
                  guidance_scale: float | None, scheduler: str | None, strength: float | None,
                  image_guidance_scale: float | None, width: int | None = None, height: int | None = None,
                  image_size: tuple[int, int] | None = None) -> None:
    """Refuse, naming the field and what fits, any option `family` cannot honour."""
    label = f"{model} ({family.label})"
    for name, value in (("width", width), ("height", height)):
        if isinstance(value, int) and value % family.multiple:
            raise InvalidInput(name, f"{label} draws sizes in multiples of {family.multiple}; got {value}")
    if scheduler is not None and scheduler not in family.schedulers:
        kind = "a flow-matching model" if family.flow else "not a flow-matching model"
        raise InvalidInput("scheduler", f"{scheduler!r} does not fit {label}, {kind}; "
                                        f"choose one of {', '.join(family.schedulers)}")
    if guidance_scale is not None and guidance_scale > 0 and family.guidance == "none":
        raise InvalidInput("guidance_scale", f"{label} takes no guidance (it is guidance-distilled); leave it out")
    if negative_prompt:
        if family.negative == "none":
            raise InvalidInput("negative_prompt", f"{label} cannot take a negative prompt")
        effective = guidance_scale if guidance_scale is not None else family.guidance_scale
        if family.negative == "negative_prompt" and effective <= 1 or family.guidance == "true_cfg" and effective <= 1:
            raise InvalidInput("negative_prompt", f"{label} runs without classifier-free guidance at guidance_scale "
                                                  f"{effective:g}, so a negative prompt would do nothing; raise "
                                                  "guidance_scale above 1 or leave the negative prompt out")
    if edit:  # which edit methods the family has is `check_edit_method`'s
        if image_size is not None and min(image_size) < family.min_edit_side:
            raise InvalidInput("image", f"{label} edits pictures at least {family.min_edit_side} pixels on each side; "
                                        f"this one is {image_size[0]}x{image_size[1]}")
        if strength is not None and family.instruct:
            raise InvalidInput("strength", f"{label} is an instruction editor and takes no strength; leave it out")
    if image_guidance_scale is not None and not (edit and family.name == "instruct-pix2pix"):
        raise InvalidInput("image_guidance_scale", f"only InstructPix2Pix models take it, not {label}")


def edit_kind(family: Family | ModelFamily, method: str, mask: bool, concepts: bool) -> EditKind:
    """What an edit runs: the method asked for, or for `auto` the family's instruction editor, inversion when
    there are things to add or remove and the family inverts, inpainting with a mask, else img2img."""
    if method != "auto":
        return method  # type: ignore[return-value]
    if "instruct" in family.edits and not mask:
        return "instruct"
    if concepts and "inversion" in family.edits and not mask:
        return "inversion"
    return "inpaint" if mask else "img2img"


def check_edit_method(label: str, family: Family | ModelFamily, method: str, mask: bool, add: tuple[str, ...],
                      remove: tuple[str, ...], strength: float | None, scheduler: str | None) -> None:
    if method not in EDIT_METHODS:
        raise InvalidInput("method", f"{method!r}: use one of {', '.join(EDIT_METHODS)}")
    if not family.edits:
        raise InvalidInput("image", f"{label} cannot edit pictures: it draws from text only")
    kind = edit_kind(family, method, mask, bool(add or remove))
    if mask and method == "auto" and "inpaint" not in family.edits:
        if family.instruct:
            raise InvalidInput("mask", f"{label} is an instruction editor: it changes what the prompt says, without "
                                       "a mask; leave the mask out")
        raise InvalidInput("mask", f"{label} cannot repaint a masked area; it edits by: {', '.join(family.edits)}; "
                                   "leave the mask out")
    if kind not in family.edits:
        fits = ", ".join(family.edits) or "none"
        raise InvalidInput("method", f"{label} cannot edit by {kind}; it edits by: {fits}")
    if kind == "inpaint" and not mask:
        raise InvalidInput("mask", "inpainting needs a mask (white or transparent = repaint)")
    if kind == "inversion":
        if not (add or remove):
            raise InvalidInput("add", "an inversion edit needs something to add or to remove")
        if mask:
            raise InvalidInput("mask", "an inversion edit finds the area itself; leave the mask out")
        if strength is not None:
            raise InvalidInput("strength", "an inversion edit takes no strength; leave it out")
        if scheduler is not None and scheduler not in INVERSION_SCHEDULERS:
            raise InvalidInput("scheduler", f"{scheduler!r} cannot invert a picture; choose one of "
                                            f"{', '.join(INVERSION_SCHEDULERS)}")
    elif (add or remove) and method != "auto":  # with auto they are hints: the prompt carries the change too
        raise InvalidInput("add" if add else "remove", f"only an inversion edit takes it, not {kind}")


def check_request_options(model: str, family: ModelFamily, request: GenerateRequest,
                          default_scheduler: str | None, control_models: str | None = None) -> None:
    """`check_options` for a whole request (an `EditRequest` brings its picture, mask and strength)."""
    edit = isinstance(request, EditRequest)
    if request.style_image is not None and (not family.ip_adapter or family.flow):
        raise InvalidInput("style_image", f"style references use an IP-Adapter on a UNet's style blocks, which "
                                          f"{model} ({family.label}) has none of; SD 1.5 and SDXL models take them")
    if request.control is not None:
        from chatcanvas.engine.control import check_fit, control_source

        source = control_source(request.control, family.name, control_models)
        if source is None:
            raise InvalidInput("control", f"no {request.control} adapter is known for {model} ({family.label}); "
                                          f"name one with CHATCANVAS_CONTROL_MODELS={request.control}=REPO_OR_FOLDER")
        check_fit(source, family.pipelines, f"{model} ({family.label})")
    if edit:
        check_edit_method(f"{model} ({family.label})", family, request.method, request.mask is not None,
                          request.add, request.remove, request.strength, request.scheduler or default_scheduler)
    check_options(model, family, edit=edit, mask=edit and request.mask is not None,
                  negative_prompt=request.negative_prompt, guidance_scale=request.guidance_scale,
                  scheduler=request.scheduler or default_scheduler, strength=request.strength if edit else None,
                  image_guidance_scale=request.image_guidance_scale if edit else None,
                  width=request.width, height=request.height,
                  image_size=getattr(request.image, "size", None) if edit else None)


def call_options(family: ModelFamily, prompts: Any, negative_prompt: Any, guidance_scale: float) -> dict[str, Any]:
    """The pipeline arguments that carry the prompt's guidance for this family."""
    if family.guidance == "true_cfg":  # CFG runs only with a negative prompt: a blank one when none is given
        options: dict[str, Any] = {"true_cfg_scale": guidance_scale}
        if guidance_scale > 1:
            blank = [" "] * len(prompts) if isinstance(prompts, list) else " "
            options["negative_prompt"] = negative_prompt or blank
    elif family.negative == "true_cfg":
        options = {"guidance_scale": guidance_scale}
        if negative_prompt:
            options.update(negative_prompt=negative_prompt, true_cfg_scale=family.true_cfg_scale)
    else:
        options = {"guidance_scale": guidance_scale}
        if negative_prompt:
            options["negative_prompt"] = negative_prompt
    if family.max_sequence_length is not None:
        options["max_sequence_length"] = family.max_sequence_length
    options.update(family.call_extras)
    return options
