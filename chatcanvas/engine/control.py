"""Controllable generation: a sketch, an edge map or a depth map steers the layout of a new picture ("draw a
living room from this floor-plan sketch"), through a T2I-Adapter or a ControlNet on the model's own weights.

Which adapter serves a kind comes from `CHATCANVAS_CONTROL_MODELS` ("sketch=REPO_OR_FOLDER,canny=...") or, for the
families that have published ones, from the table below. The adapter's class (read from its config) picks the
pipeline, made with `from_pipe` so the model's weights are shared.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from PIL import Image, ImageFilter, ImageOps

from chatcanvas.errors import InvalidInput

CONTROL_KINDS = ("sketch", "canny", "depth")
"""sketch: lines on a plain ground (drawn or scanned); canny: the picture's edges, found here; depth: a depth map
as given (near = bright)."""

PUBLISHED: dict[tuple[str, str], str] = {
    ("sd", "sketch"): "TencentARC/t2iadapter_sketch_sd15v2",
    ("sd", "canny"): "TencentARC/t2iadapter_canny_sd15v2",
    ("sd", "depth"): "TencentARC/t2iadapter_depth_sd15v2",
    ("sdxl", "sketch"): "TencentARC/t2i-adapter-sketch-sdxl-1.0",
    ("sdxl", "canny"): "TencentARC/t2i-adapter-canny-sdxl-1.0",
    ("sdxl", "depth"): "TencentARC/t2i-adapter-depth-midas-sdxl-1.0",
    ("flux", "canny"): "InstantX/FLUX.1-dev-Controlnet-Canny",
}
"""(family, kind) -> a published adapter for it."""

PIPELINES: dict[tuple[str, str], str] = {
    ("StableDiffusionPipeline", "T2IAdapter"): "StableDiffusionAdapterPipeline",
    ("StableDiffusionXLPipeline", "T2IAdapter"): "StableDiffusionXLAdapterPipeline",
    ("StableDiffusionPipeline", "ControlNetModel"): "StableDiffusionControlNetPipeline",
    ("StableDiffusionXLPipeline", "ControlNetModel"): "StableDiffusionXLControlNetPipeline",
    ("FluxPipeline", "FluxControlNetModel"): "FluxControlNetPipeline",
    ("StableDiffusion3Pipeline", "SD3ControlNetModel"): "StableDiffusion3ControlNetPipeline",
}
"""(the model's pipeline, the adapter's class) -> the pipeline that runs them together."""


def configured(setting: str | None) -> dict[str, str]:
    """`CHATCANVAS_CONTROL_MODELS` as kind -> source; refuses an unknown kind or a malformed entry."""
    found: dict[str, str] = {}
    for item in filter(None, (part.strip() for part in (setting or "").split(","))):
        kind, _, source = item.partition("=")
        kind, source = kind.strip(), source.strip()
        if kind not in CONTROL_KINDS or not source:
            raise InvalidInput("control_models", f"{item!r}: use KIND=REPO_OR_FOLDER with a kind among "
                                                 f"{', '.join(CONTROL_KINDS)}")
        found[kind] = source
    return found


def control_source(kind: str, family: str, setting: str | None) -> str | None:
    """Where the adapter for `kind` on a model of `family` loads from, or None when none is known."""
    return configured(setting).get(kind) or PUBLISHED.get((family, kind))


def adapter_class(source: str) -> str:
    """The adapter's class name from its config (a local folder, else the Hub)."""
    folder = Path(source).expanduser()
    if (folder / "config.json").is_file():
        return json.loads((folder / "config.json").read_text(encoding="utf-8")).get("_class_name", "")
    from diffusers import ConfigMixin

    class _Reader(ConfigMixin):
        config_name = "config.json"

    return _Reader.load_config(source).get("_class_name", "")


def check_fit(source: str, pipelines: tuple[str, ...], label: str) -> None:
    """Refuse an adapter in a local folder whose class does not fit the model's pipeline (a Hub one is checked when
    it loads)."""
    if not (Path(source).expanduser() / "config.json").is_file():
        return
    cls_name = adapter_class(source)
    if not any((pipeline, cls_name) in PIPELINES for pipeline in pipelines):
        raise InvalidInput("control", f"the adapter at {source} ({cls_name}) does not fit {label}")


def load_control_pipeline(base: Any, source: str, dtype: Any, device: Any) -> Any:
    """The model's pipeline with the adapter at `source` attached (weights shared with `base`)."""
    import diffusers

    cls_name = adapter_class(source)
    pipeline = PIPELINES.get((type(base).__name__, cls_name))
    if pipeline is None:
        raise InvalidInput("control", f"a {cls_name or 'model'} from {source} does not fit a "
                                      f"{type(base).__name__}")
    adapter = getattr(diffusers, cls_name).from_pretrained(source, dtype=dtype).to(device).eval()
    component = "adapter" if cls_name == "T2IAdapter" else "controlnet"
    pipe = getattr(diffusers, pipeline).from_pipe(base, **{component: adapter})
    pipe.set_progress_bar_config(disable=True)
    return pipe


def prepare(image: Image.Image, kind: str, size: tuple[int, int]) -> Image.Image:
    """The control picture as the adapter reads it: white lines on black for sketches and edges."""
    picture = image.convert("RGB").resize(size, Image.LANCZOS)
    if kind == "depth":
        return picture
    gray = ImageOps.grayscale(picture)
    if kind == "canny":
        edges = gray.filter(ImageFilter.FIND_EDGES)
        return edges.point(lambda value: 255 if value > 32 else 0).convert("RGB")
    # a sketch: dark lines on a light ground are turned into light lines on black
    if sum(gray.getdata()) / (size[0] * size[1]) > 127:
        gray = ImageOps.invert(gray)
    return gray.convert("RGB")


def scale_argument(pipe: Any) -> str:
    """The pipeline's argument for how strongly the control steers."""
    return "adapter_conditioning_scale" if hasattr(pipe, "adapter") else "controlnet_conditioning_scale"
