"""Personalized subjects on a pipeline: IP-Adapter embeddings (training-free) and LoRA weights (fine-tuned).

IP-Adapters load two ways: SD 1.5 / SDXL (h94's layout, the image encoder inside the repo) and FLUX.1 (XLabs' layout,
a separate CLIP vision encoder, the negative image embeddings passed for true CFG).

Both are applied for one job and removed after it, so the next user's image comes from the plain model.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from diffusers import DiffusionPipeline
from PIL import Image
from safetensors.torch import load_file, save_file

from chatcanvas.config import Settings
from chatcanvas.engine.catalog import BUILTIN_MODELS
from chatcanvas.engine.jobs import SubjectAdapter
from chatcanvas.errors import InvalidInput

LORA_ADAPTER = "subject"


@dataclass(frozen=True)
class IPAdapterSpec:
    """Which IP-Adapter weights a model uses (`load_ip_adapter(source, subfolder=..., weight_name=...)`)."""

    source: str
    subfolder: str
    weight_name: str
    image_encoder: str | None = None
    """A CLIP vision encoder apart from the adapter (FLUX.1's); None: the `image_encoder` folder beside it."""

    @property
    def key(self) -> str:
        """Embeddings depend on the adapter's image encoder: cache them per adapter."""
        text = f"{self.source}|{self.subfolder}|{self.weight_name}|{self.image_encoder or ''}"
        return hashlib.sha256(text.encode()).hexdigest()[:12]


XLABS_FLUX = IPAdapterSpec("XLabs-AI/flux-ip-adapter", "", "ip_adapter.safetensors", "openai/clip-vit-large-patch14")


def _flux(pipe: DiffusionPipeline) -> bool:
    from diffusers.loaders import FluxIPAdapterMixin

    return isinstance(pipe, FluxIPAdapterMixin)


def ip_adapter_spec(model: str, pipe: DiffusionPipeline, settings: Settings) -> IPAdapterSpec:
    """The configured IP-Adapter, else the built-in model's own, else h94/IP-Adapter for SD 1.5 or SDXL and XLabs'
    for FLUX.1."""
    flux = _flux(pipe)
    if settings.ip_adapter_repo:
        default_weight = XLABS_FLUX.weight_name if flux else "ip-adapter_sd15.safetensors"
        default_folder = XLABS_FLUX.subfolder if flux else "models"
        encoder = settings.ip_adapter_image_encoder or (XLABS_FLUX.image_encoder if flux else None)
        return IPAdapterSpec(settings.ip_adapter_repo, settings.ip_adapter_subfolder or default_folder,
                             settings.ip_adapter_weight or default_weight, encoder)
    builtin = BUILTIN_MODELS.get(model)
    if builtin is not None and builtin.ip_adapter is not None:
        return IPAdapterSpec(str(builtin.ip_adapter(settings.resolved_cache_dir)), "models",
                             "ip-adapter_tiny.safetensors")
    name = type(pipe).__name__
    if flux:
        return dataclasses.replace(XLABS_FLUX, image_encoder=settings.ip_adapter_image_encoder
                                   or XLABS_FLUX.image_encoder)
    if not hasattr(pipe, "load_ip_adapter") or getattr(pipe, "unet", None) is None:
        raise InvalidInput("method", f"IP-Adapter subjects need an SD 1.5, SDXL or FLUX.1 model, not {name}; "
                                     "use lora")
    if "XL" in name:
        return IPAdapterSpec("h94/IP-Adapter", "sdxl_models", "ip-adapter_sdxl.safetensors")
    return IPAdapterSpec("h94/IP-Adapter", "models", "ip-adapter_sd15.safetensors")


def _denoiser(pipe: DiffusionPipeline) -> torch.nn.Module:
    return getattr(pipe, "unet", None) or pipe.transformer


def _load(pipe: DiffusionPipeline, spec: IPAdapterSpec, with_encoder: bool) -> None:
    """Load the adapter (and, when images are to be encoded, its image encoder) into `pipe`."""
    if _flux(pipe):
        pipe.load_ip_adapter(spec.source, weight_name=spec.weight_name, subfolder=spec.subfolder,
                             image_encoder_pretrained_model_name_or_path=spec.image_encoder if with_encoder else None,
                             image_encoder_dtype=pipe.transformer.dtype)
    elif with_encoder:
        pipe.load_ip_adapter(spec.source, subfolder=spec.subfolder, weight_name=spec.weight_name)
    else:  # the embeddings are cached: no image encoder needed
        pipe.load_ip_adapter(spec.source, subfolder=spec.subfolder, weight_name=spec.weight_name,
                             image_encoder_folder=None)


def _encode(pipe: DiffusionPipeline, image: Image.Image) -> torch.Tensor:
    """One picture's [negative; positive] image embeddings, shaped (2, 1, dim) for both layouts."""
    if _flux(pipe):  # FLUX's negative is the embedding of a black picture, as its pipeline makes one
        device = pipe._execution_device
        positive = pipe.encode_image(image.convert("RGB"), device, 1)
        negative = pipe.encode_image(Image.new("RGB", image.size), device, 1)
        return torch.stack([negative, positive])
    return pipe.prepare_ip_adapter_image_embeds(
        ip_adapter_image=[image.convert("RGB")], ip_adapter_image_embeds=None, device=pipe._execution_device,
        num_images_per_prompt=1, do_classifier_free_guidance=True)[0]


def _pass_embeds(pipe: DiffusionPipeline, embeds: torch.Tensor, guidance_scale: float,
                 kwargs: dict[str, Any]) -> None:
    """Give the call its [negative; positive] embeddings in the way its pipeline takes them."""
    if _flux(pipe):  # true CFG reads the negative apart; without it the pipeline would encode a black picture
        kwargs["ip_adapter_image_embeds"] = [embeds[1:]]
        kwargs["negative_ip_adapter_image_embeds"] = [embeds[:1]]
    else:
        kwargs["ip_adapter_image_embeds"] = [embeds if guidance_scale > 1 else embeds[1:]]


def embeddings_path(folder: Path, spec: IPAdapterSpec) -> Path:
    return Path(folder) / f"ip-adapter-{spec.key}.safetensors"


def compute_embeddings(pipe: DiffusionPipeline, spec: IPAdapterSpec, images: tuple[Image.Image, ...],
                       output: Path) -> Path:
    """Run the adapter's image encoder once over the reference images; keep the mean [negative; positive]."""
    _load(pipe, spec, with_encoder=True)
    try:
        with torch.inference_mode():
            per_image = [_encode(pipe, image) for image in images]
        embeds = torch.stack(per_image).mean(dim=0).float().cpu().contiguous()  # (2, 1, dim)
    finally:
        pipe.unload_ip_adapter()
    output.parent.mkdir(parents=True, exist_ok=True)
    staging = output.with_suffix(".tmp")
    save_file({"embeds": embeds}, staging)
    staging.replace(output)
    return output


@contextlib.contextmanager
def applied(pipe: DiffusionPipeline, subject: SubjectAdapter | None, spec: IPAdapterSpec | None,
            guidance_scale: float, kwargs: dict[str, Any]) -> Iterator[None]:
    """Apply `subject` to `pipe` for the duration of one call (adding the call's arguments), then remove it."""
    if subject is None:
        yield
        return
    fused = bool(getattr(pipe, "fusing_unet", False))  # the fast path's fused QKV would bypass LoRA layers
    if fused:
        pipe.unfuse_qkv_projections()
    try:
        with _apply(pipe, subject, spec, guidance_scale, kwargs):
            yield
    finally:
        if fused:
            pipe.fuse_qkv_projections()


@contextlib.contextmanager
def _apply(pipe: DiffusionPipeline, subject: SubjectAdapter, spec: IPAdapterSpec | None, guidance_scale: float,
           kwargs: dict[str, Any]) -> Iterator[None]:
    if subject.method == "ip_adapter":
        assert spec is not None
        _load(pipe, spec, with_encoder=False)
        try:
            pipe.set_ip_adapter_scale(subject.scale)
            embeds = load_file(subject.weights)["embeds"].to(pipe._execution_device, _denoiser(pipe).dtype)
            _pass_embeds(pipe, embeds, guidance_scale, kwargs)
            yield
        finally:
            pipe.unload_ip_adapter()
    elif getattr(pipe, "chatcanvas_blank_lora", None) is not None:  # a resident slot: swap in, then back out
        pipe.load_lora_weights(str(subject.weights), adapter_name=LORA_ADAPTER, hotswap=True)
        try:
            yield
        finally:
            pipe.load_lora_weights(pipe.chatcanvas_blank_lora, adapter_name=LORA_ADAPTER, hotswap=True)
    else:
        pipe.load_lora_weights(str(subject.weights), adapter_name=LORA_ADAPTER)
        try:
            pipe.set_adapters([LORA_ADAPTER], adapter_weights=[subject.scale])
            yield
        finally:
            pipe.unload_lora_weights()


def resident_lora_slot(pipe: DiffusionPipeline, targets: tuple[str, ...], rank: int) -> bool:
    """Prepare LoRA hotswapping on `pipe` (before any compile): a blank adapter (its B matrices zero, so it changes
    nothing) on every layer a subject's LoRA may train, which subjects then replace in place and give back. Returns
    False for a pipeline without LoRA loading."""
    denoiser = getattr(pipe, "unet", None) or getattr(pipe, "transformer", None)
    if denoiser is None or not hasattr(pipe, "load_lora_weights") or not hasattr(pipe, "enable_lora_hotswap"):
        return False
    from peft import LoraConfig
    from peft.utils import get_peft_model_state_dict

    prefix = "unet" if getattr(pipe, "unet", None) is not None else "transformer"
    denoiser.add_adapter(LoraConfig(r=1, lora_alpha=1, init_lora_weights=True, target_modules=list(targets)),
                         adapter_name="chatcanvas_blank")
    blank = {f"{prefix}.{key}": value.detach().clone()
             for key, value in get_peft_model_state_dict(denoiser, adapter_name="chatcanvas_blank").items()}
    denoiser.delete_adapters("chatcanvas_blank")
    pipe.enable_lora_hotswap(target_rank=rank)
    pipe.load_lora_weights(dict(blank), adapter_name=LORA_ADAPTER)
    pipe.chatcanvas_blank_lora = blank
    return True


def style_blocks(unet: torch.nn.Module, scale: float) -> dict[str, Any]:
    """InstantStyle's scale dict: the IP-Adapter only on the style block, the middle attention of the first up block
    that has attentions (SDXL's published `{"up": {"block_0": [0.0, 1.0, 0.0]}}`), off everywhere else."""
    for index, block in enumerate(unet.up_blocks):
        attentions = getattr(block, "attentions", None)
        if attentions:
            weights = [0.0] * len(attentions)
            weights[min(1, len(attentions) - 1)] = scale
            return {"up": {f"block_{index}": weights}}
    raise InvalidInput("style_image", "this model's UNet has no attention blocks to take a style")


@contextlib.contextmanager
def styled(pipe: DiffusionPipeline, spec: IPAdapterSpec, style: Image.Image, scale: float, guidance_scale: float,
           kwargs: dict[str, Any]) -> Iterator[None]:
    """A style reference for one call: the adapter's image embeddings of `style`, applied on the style blocks only."""
    _load(pipe, spec, with_encoder=True)
    try:
        pipe.set_ip_adapter_scale(style_blocks(pipe.unet, scale))
        with torch.inference_mode():
            embeds = _encode(pipe, style)
        _pass_embeds(pipe, embeds, guidance_scale, kwargs)  # the pipeline repeats them per image
        yield
    finally:
        pipe.unload_ip_adapter()
