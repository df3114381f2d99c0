"""The GPU fast path: bf16/fp16 weights (the registry's dtype), SDPA attention, channels-last memory, fused QKV
projections, and `torch.compile` of the denoiser and the VAE decoder, warmed up at start-up on the sizes we
expect (shape buckets) so requests do not trigger recompiles. On by default on CUDA, off on CPU.
"""

from __future__ import annotations

import logging
import time

import torch
from diffusers import DiffusionPipeline

log = logging.getLogger(__name__)


def fast_path_enabled(setting: bool | None, device: torch.device) -> bool:
    return device.type == "cuda" if setting is None else setting


def optimize(pipe: DiffusionPipeline, compile_models: bool, mode: str = "max-autotune-no-cudagraphs",
             fuse: bool = True, fullgraph: bool = True) -> list[str]:
    """Apply what this pipeline supports; return what was done (for the log and the tests).

    `fullgraph=False` where the denoiser carries a cache hook: its skip decision is a data-dependent branch that
    diffusers keeps out of the graph (`torch.compiler.disable`), so the graph breaks there by design.
    """
    done = []
    denoiser = getattr(pipe, "unet", None) or getattr(pipe, "transformer", None)
    if denoiser is None:
        return done
    if hasattr(denoiser, "set_default_attn_processor") and hasattr(torch.nn.functional, "scaled_dot_product_attention"):
        done.append("sdpa")  # diffusers' default attention processor is already SDPA on torch 2
    for module in (denoiser, getattr(pipe, "vae", None)):
        if module is not None:
            module.to(memory_format=torch.channels_last)
    done.append("channels_last")
    if fuse and hasattr(pipe, "fuse_qkv_projections"):  # not with a resident LoRA slot: fused QKV bypasses it
        try:
            pipe.fuse_qkv_projections()
            done.append("fused_qkv")
        except (AttributeError, ValueError, NotImplementedError) as exc:
            log.info("QKV fusion not available for %s: %s", type(pipe).__name__, exc)
    if compile_models:
        torch._inductor.config.conv_1x1_as_mm = True
        torch._inductor.config.coordinate_descent_tuning = True
        torch._inductor.config.epilogue_fusion = False
        denoiser.forward = torch.compile(denoiser.forward, mode=mode, fullgraph=fullgraph)
        if getattr(pipe, "vae", None) is not None:
            pipe.vae.decode = torch.compile(pipe.vae.decode, mode=mode, fullgraph=True)
        done.append(f"compiled ({mode})")
    return done


def warm_up(pipe: DiffusionPipeline, sizes: list[tuple[int, int]], batch_sizes: list[int], steps: int = 2) -> float:
    """Run each (size, batch) bucket once so compilation happens now, not on a user's request."""
    started = time.perf_counter()
    with torch.inference_mode():
        for width, height in sizes:
            for batch in batch_sizes:
                pipe(prompt=["warm-up"] * batch, num_inference_steps=steps, width=width, height=height,
                     output_type="pil")
    return time.perf_counter() - started
