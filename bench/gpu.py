"""The GPU benchmark, one command for every figure of the speed targets (run it on a CUDA machine):

    python bench/gpu.py                # SD 1.5 at 512x512/25 steps and SDXL at 1024x1024/30 steps

Full-size SD 1.5- and SDXL-architecture pipelines are built from their published configs with random weights
(the same FLOPs as the real models; nothing is downloaded). For each, in one process on one card:
plain diffusers fp16 eager (batch 1) vs the chatcanvas engine's fast path (bf16, channels-last, fused QKV,
torch.compile; batch 1, then batched), it/s, images/s, their ratio, stable-fast's published H100 figures, and MFU
against the physical floor (H100, ~800 TFLOP/s usable bf16: 0.06 s for SD 1.5 x 25 steps, 0.52 s for SDXL x 30).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time

import torch
from diffusers import (
    AutoencoderKL,
    EulerDiscreteScheduler,
    StableDiffusionPipeline,
    StableDiffusionXLPipeline,
    UNet2DConditionModel,
)
from transformers import CLIPTextConfig, CLIPTextModel, CLIPTextModelWithProjection

from chatcanvas.config import Settings
from chatcanvas.engine import Engine, GenerateRequest
from chatcanvas.engine.tiny import _tokenizer

PUBLISHED = {"sd15": {"stable-fast it/s": 104.6, "eager it/s": 54.5, "floor s": 0.06},
             "sdxl": {"stable-fast it/s": 21.6, "eager it/s": 14.9, "floor s": 0.52}}
CLIP_L = dict(hidden_size=768, intermediate_size=3072, num_attention_heads=12, num_hidden_layers=12,
              max_position_embeddings=77, vocab_size=49408, projection_dim=768, hidden_act="quick_gelu")
VAE = dict(block_out_channels=(128, 256, 512, 512), layers_per_block=2, latent_channels=4,
           down_block_types=("DownEncoderBlock2D",) * 4, up_block_types=("UpDecoderBlock2D",) * 4)


def sd15(dtype: torch.dtype) -> StableDiffusionPipeline:
    with torch.device("cuda"):
        unet = UNet2DConditionModel(
            sample_size=64, block_out_channels=(320, 640, 1280, 1280), layers_per_block=2, cross_attention_dim=768,
            attention_head_dim=8, down_block_types=("CrossAttnDownBlock2D",) * 3 + ("DownBlock2D",),
            up_block_types=("UpBlock2D",) + ("CrossAttnUpBlock2D",) * 3)
        vae = AutoencoderKL(**VAE, sample_size=512)
        text = CLIPTextModel(CLIPTextConfig(**CLIP_L))
    return StableDiffusionPipeline(unet=unet, vae=vae, text_encoder=text, tokenizer=_tokenizer(),
                                   scheduler=EulerDiscreteScheduler(beta_schedule="scaled_linear", beta_start=0.00085,
                                                                    beta_end=0.012),
                                   safety_checker=None, feature_extractor=None,
                                   requires_safety_checker=False).to(dtype=dtype)


def sdxl(dtype: torch.dtype) -> StableDiffusionXLPipeline:
    with torch.device("cuda"):
        unet = UNet2DConditionModel(
            sample_size=128, block_out_channels=(320, 640, 1280), layers_per_block=2, cross_attention_dim=2048,
            transformer_layers_per_block=(1, 2, 10), attention_head_dim=(5, 10, 20), use_linear_projection=True,
            down_block_types=("DownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D"),
            up_block_types=("CrossAttnUpBlock2D", "CrossAttnUpBlock2D", "UpBlock2D"), addition_embed_type="text_time",
            addition_time_embed_dim=256, projection_class_embeddings_input_dim=2816)
        vae = AutoencoderKL(**VAE, sample_size=1024, scaling_factor=0.13025)
        text = CLIPTextModel(CLIPTextConfig(**CLIP_L))
        text_2 = CLIPTextModelWithProjection(CLIPTextConfig(
            hidden_size=1280, intermediate_size=5120, num_attention_heads=20, num_hidden_layers=32,
            max_position_embeddings=77, vocab_size=49408, projection_dim=1280, hidden_act="gelu"))
    return StableDiffusionXLPipeline(unet=unet, vae=vae, text_encoder=text, text_encoder_2=text_2,
                                     tokenizer=_tokenizer(), tokenizer_2=_tokenizer(),
                                     scheduler=EulerDiscreteScheduler(beta_schedule="scaled_linear",
                                                                      beta_start=0.00085, beta_end=0.012)).to(dtype=dtype)


def timed(fn, runs: int) -> float:
    fn()
    torch.cuda.synchronize()
    values = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        torch.cuda.synchronize()
        values.append(time.perf_counter() - started)
    return statistics.median(values)


def bench(name: str, build, size: int, steps: int, batch: int, runs: int,
          compile_mode: str = "max-autotune-no-cudagraphs") -> None:
    published = PUBLISHED[name]
    plain = build(torch.float16)
    plain.set_progress_bar_config(disable=True)
    plain_s = timed(lambda: plain("a red fox", num_inference_steps=steps, width=size, height=size), runs)
    plain = None  # free the fp16 copy before the engine builds its own
    torch.cuda.empty_cache()
    with tempfile.TemporaryDirectory() as data:
        model = f"bench/{name}"  # a Hub-shaped id for the adopted random-weight pipeline
        settings = Settings(data_dir=data, model=model, fast_path=True, max_batch=batch, warmup_sizes=f"{size}x{size}",
                            compile_mode=compile_mode)
        engine = Engine(settings)
        engine.registry.adopt(model, build(engine.registry.dtype))  # compiles and warms up batch 1 and `batch`
        one = GenerateRequest(prompt="a red fox", width=size, height=size, steps=steps, seed=1)
        engine_s = timed(lambda: engine.run(one), runs)
        many = GenerateRequest(prompt="a red fox", width=size, height=size, steps=steps, seed=1, n=batch)
        batch_s = timed(lambda: engine.run(many), max(2, runs // 2))
        engine.close()
    print(f"{name}: {size}x{size}, {steps} steps, {torch.cuda.get_device_name()}")
    print(f"  plain diffusers fp16 eager, batch 1 : {steps / plain_s:7.1f} it/s  {plain_s:6.3f} s/image")
    print(f"  chatcanvas fast path, batch 1      : {steps / engine_s:7.1f} it/s  {engine_s:6.3f} s/image  "
          f"(stable-fast published {published['stable-fast it/s']} it/s on H100)")
    print(f"  ratio fast path / plain fp16       : {plain_s / engine_s:7.2f}x")
    print(f"  chatcanvas batched, {batch:2d} images    : {batch / batch_s:7.2f} images/s")
    print(f"  MFU vs the H100 floor ({published['floor s']} s)  : batch 1 {published['floor s'] / engine_s:6.1%}, "
          f"batched {published['floor s'] * batch / batch_s:6.1%}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--only", choices=["sd15", "sdxl"])
    parser.add_argument("--compile-mode", default="max-autotune-no-cudagraphs",
                        help="torch.compile mode for the fast path; max-autotune adds CUDA graphs")
    args = parser.parse_args()
    if not torch.cuda.is_available():
        raise SystemExit("bench/gpu.py needs a CUDA GPU; on CPU run bench/engine_vs_diffusers.py")
    if args.only in (None, "sd15"):
        bench("sd15", sd15, 512, 25, 16, args.runs, args.compile_mode)
    if args.only in (None, "sdxl"):
        bench("sdxl", sdxl, 1024, 30, 4, args.runs, args.compile_mode)


if __name__ == "__main__":
    main()
