"""Big models on real cards: weight quantization at load, CPU offload, and the denoiser caches of diffusion
transformers, each a setting (`CHATCANVAS_QUANTIZE`, `CHATCANVAS_OFFLOAD`, `CHATCANVAS_CACHE`).

- Quantization (`int8wo`, `float8wo` through torchao; `nf4` through bitsandbytes) applies to the denoiser, the
  part that holds most weights and runs every step.
- Offload keeps weights in CPU memory and moves each part to the GPU while it runs: `model` (whole components),
  `group` (blocks, overlapped with compute on a CUDA stream), `sequential` (layer by layer, the least memory).
  It needs an accelerator: on a CPU the weights already live in CPU memory, so it is skipped with that reason.
- Caches reuse a transformer's outputs between steps where they barely change: `first_block[:threshold]`
  (First Block Cache) or `taylorseer` (TaylorSeer's forecast). UNet models have no cache hooks and are left as
  they are, with the reason logged.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import torch
from diffusers import DiffusionPipeline

from chatcanvas.errors import InvalidInput

log = logging.getLogger(__name__)

QUANTIZE = ("int8wo", "float8wo", "nf4")
OFFLOAD = ("none", "model", "group", "sequential")


def check_cache(setting: str | None) -> None:
    if setting is None:
        return
    kind, _, value = setting.partition(":")
    if kind not in ("first_block", "taylorseer"):
        raise InvalidInput("cache", f"{setting!r}: use first_block, first_block:THRESHOLD or taylorseer")
    if value and kind == "first_block":
        try:
            threshold = float(value)
        except ValueError:
            threshold = -1.0
        if not 0 < threshold < 1:
            raise InvalidInput("cache", f"the first-block threshold must be between 0 and 1, got {value!r}")


def quantization_config(setting: str | None, source: str, dtype: torch.dtype) -> Any:
    """The `quantization_config` for `from_pretrained` that quantizes the model's denoiser, or None."""
    if setting is None:
        return None
    from diffusers import PipelineQuantizationConfig

    denoiser = _denoiser_name(source)
    if setting == "nf4":
        from diffusers import BitsAndBytesConfig

        config: Any = BitsAndBytesConfig(load_in_4bit=True, bnb_4bit_quant_type="nf4", bnb_4bit_compute_dtype=dtype)
    else:
        from diffusers import TorchAoConfig
        from torchao.quantization import Float8WeightOnlyConfig, Int8WeightOnlyConfig

        config = TorchAoConfig(Int8WeightOnlyConfig() if setting == "int8wo" else Float8WeightOnlyConfig())
    return PipelineQuantizationConfig(quant_mapping={denoiser: config})


def _denoiser_name(source: str) -> str:
    index = Path(source) / "model_index.json"
    try:
        components = json.loads(index.read_text(encoding="utf-8")) if index.is_file() else {}
    except (OSError, ValueError):
        components = {}
    return "unet" if "unet" in components else "transformer"


def place(pipe: DiffusionPipeline, device: torch.device, offload: str) -> tuple[DiffusionPipeline, str | None]:
    """Put the pipeline on `device`, or set up the offload asked for; return it and what was done."""
    if offload == "none":
        return pipe.to(device), None
    if device.type == "cpu":
        log.info("offload %r skipped: the device is the CPU, where the weights already are", offload)
        return pipe, None
    if offload == "model":
        pipe.enable_model_cpu_offload(device=device)
    elif offload == "sequential":
        pipe.enable_sequential_cpu_offload(device=device)
    else:
        pipe.enable_group_offload(onload_device=device, offload_device=torch.device("cpu"),
                                  offload_type="block_level", num_blocks_per_group=1, use_stream=True)
    return pipe, f"offload ({offload})"


def apply_cache(pipe: DiffusionPipeline, setting: str | None) -> str | None:
    """Turn the denoiser cache on; return what was done, or None (no setting, or a denoiser without hooks)."""
    if setting is None:
        return None
    denoiser = getattr(pipe, "transformer", None)
    if denoiser is None or not hasattr(denoiser, "enable_cache"):
        log.info("cache %r skipped for %s: its denoiser has no cache hooks (transformer models only)", setting,
                 type(pipe).__name__)
        return None
    from diffusers import FirstBlockCacheConfig, TaylorSeerCacheConfig

    kind, _, value = setting.partition(":")
    if kind == "first_block":
        denoiser.enable_cache(FirstBlockCacheConfig(threshold=float(value or 0.2)))
    else:
        denoiser.enable_cache(TaylorSeerCacheConfig())
    return f"cache ({setting})"
