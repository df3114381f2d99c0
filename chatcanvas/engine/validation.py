"""Up-front checks of a request, each failure naming its field (the `check_inputs` habit of diffusers)."""

from __future__ import annotations

import math
from numbers import Real

from PIL import Image

from chatcanvas.config import Settings
from chatcanvas.engine.jobs import EditRequest, EnrollRequest, GenerateRequest, TrainLoraRequest
from chatcanvas.engine.ranges import model_range
from chatcanvas.engine.schedulers import check_scheduler
from chatcanvas.errors import InvalidInput, check_text

MAX_SEED = 2**63 - 1
MAX_GUIDANCE = 50.0


def _int(field: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInput(field, f"must be a whole number, got {value!r}")
    return value


def _float(field: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, Real) or not math.isfinite(float(value)):
        raise InvalidInput(field, f"must be a finite number, got {value!r}")
    return float(value)


def _text(field: str, value: object, limit: int, required: bool) -> None:
    if value is None and not required:
        return
    if not isinstance(value, str):
        raise InvalidInput(field, f"must be text, got {type(value).__name__}")
    if required and not value.strip():
        raise InvalidInput(field, "must not be empty")
    if len(value) > limit:
        raise InvalidInput(field, f"is {len(value)} characters long; the limit is {limit}")
    check_text(field, value)


def check_request(request: GenerateRequest | EnrollRequest | TrainLoraRequest, settings: Settings) -> None:
    """Raise `InvalidInput` for the first field out of range; return quietly when all is well."""
    if isinstance(request, (EnrollRequest, TrainLoraRequest)):
        _check_subject_job(request, settings)
        return
    _text("prompt", request.prompt, settings.max_prompt_chars, required=True)
    _text("negative_prompt", request.negative_prompt, settings.max_prompt_chars, required=False)
    for field, value, limit in (("width", request.width, settings.max_width), ("height", request.height, settings.max_height)):
        if value is None:
            continue
        value = _int(field, value)
        if value < 8 or value > limit:
            raise InvalidInput(field, f"must be between 8 and {limit}, got {value}")
        if value % 8:
            raise InvalidInput(field, f"must be a multiple of 8, got {value}")
    _check_size_for_model(request, request.model or settings.model)
    if request.steps is not None:
        steps = _int("steps", request.steps)
        if not 1 <= steps <= settings.max_steps:
            raise InvalidInput("steps", f"must be between 1 and {settings.max_steps}, got {steps}")
    if request.guidance_scale is not None:
        guidance = _float("guidance_scale", request.guidance_scale)
        if not 0.0 <= guidance <= MAX_GUIDANCE:
            raise InvalidInput("guidance_scale", f"must be between 0 and {MAX_GUIDANCE:g}, got {guidance:g}")
    if request.seed is not None:
        seed = _int("seed", request.seed)
        if not 0 <= seed <= MAX_SEED - settings.max_images:
            raise InvalidInput("seed", f"must be between 0 and {MAX_SEED - settings.max_images}, got {seed}")
    n = _int("n", request.n)
    if not 1 <= n <= settings.max_images:
        raise InvalidInput("n", f"must be between 1 and {settings.max_images}, got {n}")
    check_scheduler(request.scheduler)
    if isinstance(request, EditRequest):
        _check_edit(request)
    _check_control(request)
    if request.style_image is None and request.style_scale is not None:
        raise InvalidInput("style_scale", "needs a style image")
    if request.style_image is not None and not isinstance(request.style_image, Image.Image):
        raise InvalidInput("style_image", "must be a picture")
    if request.style_scale is not None and not 0 <= _float("style_scale", request.style_scale) <= 2:
        raise InvalidInput("style_scale", f"must be between 0 and 2, got {request.style_scale}")


def _check_size_for_model(request: GenerateRequest, model: object) -> None:
    """A model with a range draws near its native size only: far above or below it, refuse rather than draw noise."""
    drawn = model_range(model) if isinstance(model, str) else None
    if drawn is None:
        return
    native = "x".join(map(str, drawn.native_size))
    for axis, (field, value) in enumerate((("width", request.width), ("height", request.height))):
        if value is None:
            continue
        if value > drawn.max_size[axis]:
            bound = "at most " + "x".join(map(str, drawn.max_size))
        elif value < drawn.min_size[axis]:
            bound = "at least " + "x".join(map(str, drawn.min_size))
        else:
            continue
        raise InvalidInput(field, f"{model} draws {native} pictures ({bound}); got {value}")


def _check_control(request: GenerateRequest) -> None:
    from chatcanvas.engine.control import CONTROL_KINDS

    if request.control is None and request.control_image is None:
        if request.control_scale is not None:
            raise InvalidInput("control_scale", "needs a control image")
        return
    if isinstance(request, EditRequest):
        raise InvalidInput("control", "edits take no control image; draw a new picture with it")
    if request.control not in CONTROL_KINDS:
        raise InvalidInput("control", f"{request.control!r}: say what the control image is, one of "
                                      f"{', '.join(CONTROL_KINDS)}")
    if not isinstance(request.control_image, Image.Image):
        raise InvalidInput("control_image", f"a {request.control} control needs its image")
    if request.control_scale is not None and not 0 <= _float("control_scale", request.control_scale) <= 2:
        raise InvalidInput("control_scale", f"must be between 0 and 2, got {request.control_scale}")


def _check_subject_job(request: EnrollRequest | TrainLoraRequest, settings: Settings) -> None:
    if not request.images or not all(isinstance(image, Image.Image) for image in request.images):
        raise InvalidInput("images", "at least one reference image is needed")
    if isinstance(request, TrainLoraRequest):
        _text("instance_prompt", request.instance_prompt, settings.max_prompt_chars, required=True)
        if request.captions is not None:
            if len(request.captions) != len(request.images):
                raise InvalidInput("captions", f"one caption per image is needed: {len(request.images)} images, "
                                               f"{len(request.captions)} captions")
            for caption in request.captions:  # may be empty: nothing but the subject
                if not isinstance(caption, str):
                    raise InvalidInput("captions", f"must be text, got {type(caption).__name__}")
                _text("captions", caption, settings.max_prompt_chars, required=False)
        if request.steps is not None and not 1 <= _int("steps", request.steps) <= 100_000:
            raise InvalidInput("steps", f"must be between 1 and 100000, got {request.steps}")
        if request.learning_rate is not None and not 0 < _float("learning_rate", request.learning_rate) < 1:
            raise InvalidInput("learning_rate", f"must be between 0 and 1, got {request.learning_rate}")


def _check_edit(request: EditRequest) -> None:
    if not isinstance(request.image, Image.Image):
        raise InvalidInput("image", "an image to edit is required")
    if request.strength is not None:
        strength = _float("strength", request.strength)
        if not 0.0 < strength <= 1.0:
            raise InvalidInput("strength", f"must be above 0 and at most 1, got {strength:g}")
    if request.image_guidance_scale is not None:
        scale = _float("image_guidance_scale", request.image_guidance_scale)
        if not 0.0 <= scale <= MAX_GUIDANCE:
            raise InvalidInput("image_guidance_scale", f"must be between 0 and {MAX_GUIDANCE:g}, got {scale:g}")
    if request.mask is not None and not isinstance(request.mask, Image.Image):
        raise InvalidInput("mask", "must be an image")
