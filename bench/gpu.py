"""The GPU benchmark, one command for every figure of the speed targets (run it on a CUDA machine):

    python bench/gpu.py                # SD 1.5 at 512x512/25 steps and SDXL at 1024x1024/30 steps
    python bench/gpu.py --only flux    # FLUX.1-dev architecture at 1024x1024/28 steps (and --only sd35)
    python bench/gpu.py --smoke        # every case scaled down on the CPU: checks the script, measures nothing

Full-size SD 1.5- and SDXL-architecture pipelines are built from their published configs with random weights
(the same FLOPs as the real models; nothing is downloaded). For each, in one process on one card:
plain diffusers fp16 eager (batch 1) vs the chatcanvas engine's fast path (bf16, channels-last, fused QKV,
torch.compile; batch 1, then batched), it/s, images/s, their ratio, stable-fast's published H100 figures, and MFU
against the physical floor (H100, ~800 TFLOP/s usable bf16: 0.06 s for SD 1.5 x 25 steps, 0.52 s for SDXL x 30).

FLUX.1-dev (12B transformer, T5-XXL, CLIP-L) and SD 3.5 Large (8B MMDiT, three text encoders) are built the same
way from their published configs. Each: plain diffusers bf16 eager vs the engine's fast path vs the fast path with
the First Block Cache (`CHATCANVAS_CACHE=first_block:0.12`; FLUX only: diffusers' SD3 transformer has no cache
hooks), seconds per image and MFU against the card's dense
bf16 peak (989 TFLOP/s on H100/H200) from the transformer's FLOPs per step (2 x parameters x tokens plus attention).
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
    FlowMatchEulerDiscreteScheduler,
    FluxPipeline,
    FluxTransformer2DModel,
    SD3Transformer2DModel,
    StableDiffusion3Pipeline,
    StableDiffusionPipeline,
    StableDiffusionXLPipeline,
    UNet2DConditionModel,
)
from transformers import CLIPTextConfig, CLIPTextModel, CLIPTextModelWithProjection, T5Config, T5EncoderModel

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


def synchronize() -> None:
    if torch.cuda.is_available():
        torch.cuda.synchronize()


def timed(fn, runs: int) -> float:
    fn()
    synchronize()
    values = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        synchronize()
        values.append(time.perf_counter() - started)
    return statistics.median(values)


# --- flow-matching transformers: FLUX.1-dev and SD 3.5 Large, from their published configs -------------------------
T5_XXL = dict(vocab_size=32128, d_model=4096, d_kv=64, d_ff=10240, num_layers=24, num_heads=64,
              feed_forward_proj="gated-gelu", is_encoder_decoder=False)
FLUX_DEV = dict(patch_size=1, in_channels=64, num_layers=19, num_single_layers=38, attention_head_dim=128,
                num_attention_heads=24, joint_attention_dim=4096, pooled_projection_dim=768, guidance_embeds=True,
                axes_dims_rope=(16, 56, 56))
SD35_LARGE = dict(sample_size=128, patch_size=2, in_channels=16, num_layers=38, attention_head_dim=64,
                  num_attention_heads=38, joint_attention_dim=4096, caption_projection_dim=2432,
                  pooled_projection_dim=2048, out_channels=16, qk_norm="rms_norm", pos_embed_max_size=192)
FLOW_VAE = dict(block_out_channels=(128, 256, 512, 512), layers_per_block=2, latent_channels=16,
                down_block_types=("DownEncoderBlock2D",) * 4, up_block_types=("UpDecoderBlock2D",) * 4,
                use_quant_conv=False, use_post_quant_conv=False)
PEAK_BF16 = 989e12
"""Dense bf16 tensor-core peak of an H100 / H200 SXM, FLOP/s."""


def _shrink(config: dict, smoke: bool, **small) -> dict:
    return {**config, **small} if smoke else config


def _t5(smoke: bool) -> T5EncoderModel:
    return T5EncoderModel(T5Config(**_shrink(T5_XXL, smoke, d_model=64, d_kv=16, d_ff=128, num_layers=2,
                                             num_heads=4)))


def _t5_tokenizer():
    from chatcanvas.engine.tiny import t5_tokenizer  # an in-code vocabulary: random weights read ids, not words

    return t5_tokenizer()


def flux_dev(dtype: torch.dtype, smoke: bool = False) -> FluxPipeline:
    device = "cpu" if smoke else "cuda"
    with torch.device(device):
        transformer = FluxTransformer2DModel(**_shrink(
            FLUX_DEV, smoke, num_layers=1, num_single_layers=1, attention_head_dim=16, num_attention_heads=2,
            joint_attention_dim=64, pooled_projection_dim=32, axes_dims_rope=(4, 4, 8)))
        clip = CLIPTextModel(CLIPTextConfig(**_shrink(CLIP_L, smoke, hidden_size=32, intermediate_size=37,
                                                      num_attention_heads=4, num_hidden_layers=2, projection_dim=32)))
        vae = AutoencoderKL(**_shrink(FLOW_VAE, smoke, block_out_channels=(8, 8, 8, 8), layers_per_block=1,
                                    norm_num_groups=4),
                            scaling_factor=0.3611, shift_factor=0.1159)
        t5 = _t5(smoke)
    scheduler = FlowMatchEulerDiscreteScheduler(base_image_seq_len=256, base_shift=0.5, max_image_seq_len=4096,
                                                max_shift=1.15, shift=3.0, use_dynamic_shifting=True)
    return FluxPipeline(transformer=transformer, vae=vae, text_encoder=clip, tokenizer=_tokenizer(),
                        text_encoder_2=t5, tokenizer_2=_t5_tokenizer(), scheduler=scheduler).to(dtype=dtype)


def sd35(dtype: torch.dtype, smoke: bool = False) -> StableDiffusion3Pipeline:
    device = "cpu" if smoke else "cuda"
    big_g = dict(hidden_size=1280, intermediate_size=5120, num_attention_heads=20, num_hidden_layers=32,
                 max_position_embeddings=77, vocab_size=49408, projection_dim=1280, hidden_act="gelu")
    with torch.device(device):
        transformer = SD3Transformer2DModel(**_shrink(
            SD35_LARGE, smoke, sample_size=32, num_layers=1, attention_head_dim=8, num_attention_heads=4,
            joint_attention_dim=64, caption_projection_dim=32, pooled_projection_dim=64, pos_embed_max_size=96))
        small_clip = dict(hidden_size=32, intermediate_size=37, num_attention_heads=4, num_hidden_layers=2,
                          projection_dim=32)
        clip_l = CLIPTextModelWithProjection(CLIPTextConfig(**_shrink(CLIP_L, smoke, **small_clip)))
        clip_g = CLIPTextModelWithProjection(CLIPTextConfig(**_shrink(big_g, smoke, **small_clip)))
        vae = AutoencoderKL(**_shrink(FLOW_VAE, smoke, block_out_channels=(8, 8, 8, 8), layers_per_block=1,
                                    norm_num_groups=4),
                            scaling_factor=1.5305, shift_factor=0.0609)
        t5 = _t5(smoke)
    return StableDiffusion3Pipeline(
        transformer=transformer, vae=vae, text_encoder=clip_l, tokenizer=_tokenizer(), text_encoder_2=clip_g,
        tokenizer_2=_tokenizer(), text_encoder_3=t5, tokenizer_3=_t5_tokenizer(),
        scheduler=FlowMatchEulerDiscreteScheduler(shift=3.0)).to(dtype=dtype)


def transformer_flops(pipe, size: int, text_tokens: int, passes: int) -> float:
    """FLOPs of one denoising step: 2 x parameters x tokens for the linear layers, plus 4 x tokens^2 x width per
    attention layer, times the passes per step (2 with classifier-free guidance)."""
    transformer = pipe.transformer
    params = sum(p.numel() for p in transformer.parameters())
    patch = getattr(transformer.config, "patch_size", 1) * (2 if isinstance(pipe, FluxPipeline) else 1)
    image_tokens = (size // 8 // patch) ** 2
    tokens = image_tokens + text_tokens
    width = transformer.config.num_attention_heads * transformer.config.attention_head_dim
    layers = transformer.config.num_layers + getattr(transformer.config, "num_single_layers", 0)
    return passes * (2 * params * tokens + 4 * layers * tokens ** 2 * width)


def bench_flow(name: str, build, size: int, steps: int, guidance: float, runs: int, compile_mode: str,
               smoke: bool) -> None:
    """Plain diffusers bf16 vs the engine's fast path vs the fast path with First Block Cache, side by side.

    Each line prints as soon as it is measured, and a variant that fails prints its error and lets the next run."""
    dtype = torch.float32 if smoke else torch.bfloat16
    card = torch.cuda.get_device_name() if torch.cuda.is_available() else "CPU (smoke: scaled-down, not a figure)"
    print(f"{name}: {size}x{size}, {steps} steps, guidance {guidance}, {card}", flush=True)
    plain = build(dtype, smoke)
    plain.set_progress_bar_config(disable=True)
    text_tokens = 512 if isinstance(plain, FluxPipeline) else 333  # T5 512 (FLUX) / 77 CLIP + 256 T5 (SD3)
    passes = 1 if isinstance(plain, FluxPipeline) else 2  # FLUX.1-dev's guidance is distilled: one pass a step
    flops = transformer_flops(plain, size, text_tokens, passes) * steps
    plain_s = timed(lambda: plain("a red fox", num_inference_steps=steps, guidance_scale=guidance, width=size,
                                  height=size), runs)
    print(f"  plain diffusers bf16 eager          : {plain_s:7.3f} s/image  MFU {flops / plain_s / PEAK_BF16:6.1%}",
          flush=True)
    plain = None
    if torch.cuda.is_available():
        torch.cuda.empty_cache()
    for label, cache in (("fast path", None), ("fast path + first-block cache", "first_block:0.12")):
        try:
            with tempfile.TemporaryDirectory() as data:
                model = f"bench/{name}"
                settings = Settings(data_dir=data, model=model, fast_path=not smoke, max_batch=1, cache=cache,
                                    warmup_sizes=f"{size}x{size}", compile_mode=compile_mode,
                                    dtype="float32" if smoke else "bfloat16", device="cpu" if smoke else "auto")
                engine = Engine(settings)
                started = time.perf_counter()
                loaded = engine.registry.adopt(model, build(engine.registry.dtype, smoke))  # compiles, warms up
                ready_s = time.perf_counter() - started
                if cache is not None and f"cache ({cache})" not in loaded.speedups:
                    print(f"  {label}: not measured (no cache hooks in diffusers for this model)", flush=True)
                    engine.close()
                    continue
                one = GenerateRequest(prompt="a red fox", width=size, height=size, steps=steps,
                                      guidance_scale=guidance, seed=1)
                seconds = timed(lambda: engine.run(one), runs)
                engine.close()
            print(f"  {label:<34} : {seconds:7.3f} s/image  MFU {flops / seconds / PEAK_BF16:6.1%}  "
                  f"({plain_s / seconds:4.2f}x plain; build+compile+warm-up {ready_s:.0f} s; "
                  f"{', '.join(loaded.speedups)})", flush=True)
        except Exception as exc:  # a variant that breaks must not hide the others' figures
            print(f"  {label}: failed: {type(exc).__name__}: {str(exc).splitlines()[0][:300]}", flush=True)
        if torch.cuda.is_available():
            torch.cuda.empty_cache()


def bench(name: str, build, size: int, steps: int, batch: int, runs: int,
          compile_mode: str = "max-autotune-no-cudagraphs") -> None:
    published = PUBLISHED[name]
    print(f"{name}: {size}x{size}, {steps} steps, {torch.cuda.get_device_name()}", flush=True)
    plain = build(torch.float16)
    plain.set_progress_bar_config(disable=True)
    plain_s = timed(lambda: plain("a red fox", num_inference_steps=steps, width=size, height=size), runs)
    print(f"  plain diffusers fp16 eager, batch 1 : {steps / plain_s:7.1f} it/s  {plain_s:6.3f} s/image", flush=True)
    plain = None  # free the fp16 copy before the engine builds its own
    torch.cuda.empty_cache()
    with tempfile.TemporaryDirectory() as data:
        model = f"bench/{name}"  # a Hub-shaped id for the adopted random-weight pipeline
        settings = Settings(data_dir=data, model=model, fast_path=True, max_batch=batch, warmup_sizes=f"{size}x{size}",
                            compile_mode=compile_mode)
        engine = Engine(settings)
        started = time.perf_counter()
        loaded = engine.registry.adopt(model, build(engine.registry.dtype))  # compiles and warms up batch 1, `batch`
        print(f"  build + compile + warm-up          : {time.perf_counter() - started:7.0f} s  "
              f"({', '.join(loaded.speedups)})", flush=True)
        one = GenerateRequest(prompt="a red fox", width=size, height=size, steps=steps, seed=1)
        engine_s = timed(lambda: engine.run(one), runs)
        print(f"  chatcanvas fast path, batch 1      : {steps / engine_s:7.1f} it/s  {engine_s:6.3f} s/image  "
              f"(stable-fast published {published['stable-fast it/s']} it/s on H100)", flush=True)
        print(f"  ratio fast path / plain fp16       : {plain_s / engine_s:7.2f}x", flush=True)
        many = GenerateRequest(prompt="a red fox", width=size, height=size, steps=steps, seed=1, n=batch)
        batch_s = timed(lambda: engine.run(many), max(2, runs // 2))
        engine.close()
    print(f"  chatcanvas batched, {batch:2d} images    : {batch / batch_s:7.2f} images/s", flush=True)
    print(f"  MFU vs the H100 floor ({published['floor s']} s)  : batch 1 {published['floor s'] / engine_s:6.1%}, "
          f"batched {published['floor s'] * batch / batch_s:6.1%}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--only", choices=["sd15", "sdxl", "flux", "sd35"])
    parser.add_argument("--smoke", action="store_true", help="scaled-down FLUX and SD 3.5 on the CPU (a check)")
    parser.add_argument("--compile-mode", default="max-autotune-no-cudagraphs",
                        help="torch.compile mode for the fast path; max-autotune adds CUDA graphs")
    args = parser.parse_args()
    if args.smoke:
        bench_flow("flux-dev", flux_dev, 64, 2, 3.5, 1, args.compile_mode, smoke=True)
        bench_flow("sd35-large", sd35, 64, 2, 3.5, 1, args.compile_mode, smoke=True)
        return
    if not torch.cuda.is_available():
        raise SystemExit("bench/gpu.py needs a CUDA GPU; on CPU run bench/engine_vs_diffusers.py")
    if args.only in (None, "sd15"):
        bench("sd15", sd15, 512, 25, 16, args.runs, args.compile_mode)
    if args.only in (None, "sdxl"):
        bench("sdxl", sdxl, 1024, 30, 4, args.runs, args.compile_mode)
    if args.only in (None, "flux"):
        bench_flow("flux-dev", flux_dev, 1024, 28, 3.5, args.runs, args.compile_mode, smoke=False)
    if args.only in (None, "sd35"):
        bench_flow("sd35-large", sd35, 1024, 28, 3.5, args.runs, args.compile_mode, smoke=False)


if __name__ == "__main__":
    main()
