"""Which model ids exist: the built-in ones, Hub repo ids and local diffusers folders. Cheap to import."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from PIL import Image

from chatcanvas.engine.tiny import ensure_tiny, ensure_tiny_ip_adapter, tiny_folder
from chatcanvas.errors import InvalidInput, UnknownModel
from chatcanvas.models.shapes import WEIGHTS as SHAPES_WEIGHTS

if TYPE_CHECKING:
    from chatcanvas.engine.ranges import ModelRange

_HUB_ID = re.compile(r"^[A-Za-z0-9][\w.-]*/[\w.-]+$")


@dataclass(frozen=True)
class Defaults:
    """What a request gets when it leaves a field out."""

    width: int
    height: int
    steps: int
    guidance_scale: float
    edit_strength: float = 0.6


DREAMBOOTH_LORA_TARGETS = ("to_k", "to_q", "to_v", "to_out.0")
"""The UNet modules diffusers' DreamBooth LoRA scripts train: the attention projections."""


@dataclass(frozen=True)
class BuiltinModel:
    """A model id that needs no download: `materialize(cache_dir)` returns a local diffusers folder."""

    description: str
    materialize: Callable[[Path], Path]
    folder: Callable[[Path], Path]
    steps: int
    guidance_scale: float
    ip_adapter: Callable[[Path], Path] | None = None
    lora_steps: int = 500
    lora_learning_rate: float = 1e-4
    subject_method: str = "ip_adapter"
    """How subjects are enrolled on it unless asked otherwise: "lora" where the model has no IP-Adapter."""
    edit_strength: float = 0.6
    """How much an img2img edit repaints unless the request says (0: nothing, 1: everything)."""
    lora_targets: tuple[str, ...] = DREAMBOOTH_LORA_TARGETS
    """The UNet modules a subject's LoRA trains."""
    lora_batch: int = 1
    """Reference pictures per LoRA training step."""
    lora_rank: int = 4
    """The subject LoRA's rank (diffusers' DreamBooth LoRA example uses 4)."""
    instance_prompt: str = "a photo of {trigger}"
    """The LoRA training prompt around a subject's rare-token phrase (DreamBooth's "a photo of sks dog")."""
    reference_context: Callable[[Image.Image], str] | None = None
    """What a reference picture shows besides the subject ("on a blue background"), in the model's own words. It is
    added to that picture's training prompt, so the LoRA binds the subject, not its surroundings, to the rare token."""
    describe: Callable[[Image.Image], str] | None = None
    """What a whole picture shows, as the model's own caption would say it: an upload's prompt, so an edit of it
    starts from words the model knows."""
    model_range: Callable[[], ModelRange] | None = None
    """What the model can draw and at which sizes, where that is less than anything (a closed vocabulary)."""

    def is_cached(self, cache_dir: Path) -> bool:
        return (self.folder(cache_dir) / "model_index.json").exists()


def shapes_folder(cache_dir: Path) -> Path:
    return SHAPES_WEIGHTS


def ensure_shapes(cache_dir: Path) -> Path:
    """The trained `shapes` pipeline installed with the package (nothing is built or downloaded)."""
    if not (SHAPES_WEIGHTS / "model_index.json").exists():
        raise UnknownModel("shapes", f"its weights are not installed at {SHAPES_WEIGHTS}; train them with "
                                     "`python -m chatcanvas.models.shapes.train`")
    return SHAPES_WEIGHTS


def shapes_surroundings(image: Image.Image) -> str:
    from chatcanvas.models.shapes.scenes import surroundings

    return surroundings(image)


def shapes_caption(image: Image.Image) -> str:
    from chatcanvas.engine.describe import describe_shapes

    return describe_shapes(image)


def shapes_model_range() -> ModelRange:
    from chatcanvas.engine.ranges import shapes_range

    return shapes_range()


BUILTIN_MODELS: dict[str, BuiltinModel] = {
    "shapes": BuiltinModel(
        "trained demo model, 64x64: flat shapes in named colors, places and backgrounds", ensure_shapes,
        shapes_folder, steps=20, guidance_scale=4.0, subject_method="lora", edit_strength=0.8,
        # a small UNet trained from scratch: its subjects need the convolutions too, and all pictures per step
        lora_steps=400, lora_learning_rate=3e-3, lora_batch=4, lora_rank=8,
        lora_targets=(*DREAMBOOTH_LORA_TARGETS, "proj_in", "proj_out", "ff.net.0.proj", "ff.net.2", "conv1", "conv2"),
        # its captions never say "photo", and each reference's background gets named (the way its captions do)
        instance_prompt="{trigger}", reference_context=shapes_surroundings,
        describe=shapes_caption, model_range=shapes_model_range,
    ),
    "tiny": BuiltinModel(
        "random weights, 64x64, for tests and smoke runs", ensure_tiny, tiny_folder, steps=4, guidance_scale=5.0,
        ip_adapter=ensure_tiny_ip_adapter, lora_steps=20, lora_learning_rate=1e-3,
    ),
}


def instance_prompt(model: str, trigger: str) -> str:
    """The LoRA training prompt for a subject known as `trigger` ("sks dog") on `model`."""
    builtin = BUILTIN_MODELS.get(model)
    return (builtin.instance_prompt if builtin else BuiltinModel.instance_prompt).format(trigger=trigger)


def default_subject_method(model: str) -> str:
    """How a subject is enrolled for `model` when nobody says: the built-in's choice, else IP-Adapter where the
    model's family has one on a UNet (SD 1.5, SDXL) and a LoRA on flow transformers (FLUX.1, SD3: FLUX.1's XLabs
    IP-Adapter is there to be chosen, but a LoRA keeps a subject far better)."""
    builtin = BUILTIN_MODELS.get(model)
    if builtin:
        return builtin.subject_method
    from chatcanvas.engine.families import lookup_family

    family = lookup_family(model)
    return "lora" if family is not None and (not family.ip_adapter or family.flow) else "ip_adapter"


def check_model(model: str) -> None:
    """Refuse, without loading anything, an id that cannot name a model."""
    if not isinstance(model, str) or not model.strip():
        raise InvalidInput("model", "must not be empty")
    if model in BUILTIN_MODELS:
        return
    if model.startswith("inference:"):
        from chatcanvas.engine.remote import parse

        parse(model)
        return
    path = Path(model).expanduser()
    if path.is_dir():
        if not (path / "model_index.json").exists():
            raise UnknownModel(model, "the folder has no model_index.json: not a diffusers pipeline")
        return
    if not _HUB_ID.match(model):
        raise UnknownModel(
            model, f"not a built-in id ({', '.join(BUILTIN_MODELS)}), a local folder or a Hub repo id like org/name"
        )
