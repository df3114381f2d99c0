"""Train the `shapes` model from scratch on the procedural dataset, then export it as a diffusers pipeline.

    python -m chatcanvas.models.shapes.train --out shapes-training            # train (resumes), then export
    python -m chatcanvas.models.shapes.train --out shapes-training --export-only

Two stages: the autoencoder alone (pixel reconstruction, a small KL term), then the UNet and the text encoder together
on the frozen autoencoder's latents (v-prediction, EMA of the weights). Every batch is drawn from a seed derived
from (seed, stage, step), so a run that resumes from its last checkpoint sees the same data as one that did not stop.
About 80 minutes on two CPU cores with the defaults; minutes on a GPU. One run of the defaults from scratch
does not reach the shipped weights' scores (its backgrounds stay muddy); the README lists the runs that made them.
"""

from __future__ import annotations

import argparse
import copy
import logging
import math
import os
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from chatcanvas.models.shapes import WEIGHTS
from chatcanvas.models.shapes.model import (
    MAX_TOKENS,
    TRAIN_SCHEDULER,
    build_scheduler,
    build_text_encoder,
    build_tokenizer,
    build_unet,
    build_vae,
)
from chatcanvas.models.shapes.scenes import training_batch

log = logging.getLogger("chatcanvas.shapes.train")


def pixels(images) -> torch.Tensor:
    array = np.stack([np.asarray(image, dtype=np.float32) for image in images])
    return torch.from_numpy(array).permute(0, 3, 1, 2) / 127.5 - 1.0


def _save(state: dict, path: Path) -> None:
    staging = path.with_suffix(".tmp")
    torch.save(state, staging)
    os.replace(staging, path)  # a checkpoint is whole or absent


def _lr(step: int, total: int, peak: float, warmup: int) -> float:
    if step < warmup:
        return peak * (step + 1) / warmup
    progress = (step - warmup) / max(1, total - warmup)
    return peak * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * progress)))


def train_vae(out: Path, steps: int, batch: int, seed: int, every: int):
    path = out / "vae.pt"
    vae = build_vae()
    optimizer = torch.optim.AdamW(vae.parameters(), lr=2e-3, weight_decay=0.0)
    start = 0
    if path.exists():
        state = torch.load(path, weights_only=False)
        vae.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        start = state["step"]
    if start >= steps:
        return vae
    vae.train()
    began, losses = time.perf_counter(), []
    for step in range(start, steps):
        for group in optimizer.param_groups:
            group["lr"] = _lr(step, steps, 2e-3, 100)
        x = pixels(training_batch(seed * 1_000_003 + step, batch, drop_caption=0)[0])
        posterior = vae.encode(x).latent_dist
        recon = vae.decode(posterior.sample()).sample
        loss = F.mse_loss(recon, x) + F.l1_loss(recon, x) + 1e-6 * posterior.kl().mean()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(vae.parameters(), 1.0)
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        losses.append(loss.item())
        if (step + 1) % every == 0 or step + 1 == steps:
            _save({"model": vae.state_dict(), "optimizer": optimizer.state_dict(), "step": step + 1}, path)
            log.info("vae step %d/%d loss %.4f (%.2f s/step)", step + 1, steps, np.mean(losses),
                     (time.perf_counter() - began) / (step + 1 - start))
            losses = []
    return vae


@torch.no_grad()
def latent_scale(vae, seed: int) -> float:
    vae.eval()
    latents = [vae.encode(pixels(training_batch(seed + i, 64, drop_caption=0)[0])).latent_dist.mode()
               for i in range(8)]
    return float(1.0 / torch.cat(latents).std())


def train_denoiser(out: Path, vae, scale: float, steps: int, batch: int, seed: int, every: int, lr: float,
                   snr_gamma: float = 0.0, noisy_fraction: float = 0.0, init_from: Path | None = None,
                   levels: int = 4):
    from diffusers import DDPMScheduler
    from diffusers.training_utils import compute_snr

    path = out / "denoiser.pt"
    tokenizer = build_tokenizer()
    torch.manual_seed(seed)
    unet, text_encoder = build_unet(levels), build_text_encoder(len(tokenizer))
    ema_unet, ema_text = copy.deepcopy(unet).requires_grad_(False), copy.deepcopy(text_encoder).requires_grad_(False)
    parameters = list(unet.parameters()) + list(text_encoder.parameters())
    optimizer = torch.optim.AdamW(parameters, lr=lr, weight_decay=0.01)
    scheduler = DDPMScheduler(**TRAIN_SCHEDULER)
    start = 0
    if path.exists():
        state = torch.load(path, weights_only=False)
        for module, key in ((unet, "unet"), (text_encoder, "text"), (ema_unet, "ema_unet"), (ema_text, "ema_text")):
            module.load_state_dict(state[key])
        optimizer.load_state_dict(state["optimizer"])
        start = state["step"]
    elif init_from is not None:
        warm_start(torch.load(init_from, weights_only=False), unet, text_encoder, ema_unet, ema_text)
    vae.eval().requires_grad_(False)
    unet.train()
    text_encoder.train()
    began, losses = time.perf_counter(), []
    for step in range(start, steps):
        for group in optimizer.param_groups:
            group["lr"] = _lr(step, steps, lr, 200)
        images, captions = training_batch(seed * 7_000_003 + step, batch)
        generator = torch.Generator().manual_seed(seed * 9_000_011 + step)
        with torch.no_grad():
            latents = vae.encode(pixels(images)).latent_dist.sample(generator) * scale
        ids = tokenizer(captions, padding="max_length", max_length=MAX_TOKENS, truncation=True,
                        return_tensors="pt").input_ids
        noise = torch.randn(latents.shape, generator=generator)
        timesteps = torch.randint(0, scheduler.config.num_train_timesteps, (batch,), generator=generator)
        noisiest = int(batch * noisy_fraction)  # where the layout (and so "on the left") is decided
        timesteps[:noisiest] = timesteps[:noisiest] // 2 + scheduler.config.num_train_timesteps // 2
        noisy = scheduler.add_noise(latents, noise, timesteps)
        target = scheduler.get_velocity(latents, noise, timesteps)
        prediction = unet(noisy, timesteps, text_encoder(ids)[0]).sample
        loss = F.mse_loss(prediction, target, reduction="none").mean(dim=(1, 2, 3))
        if snr_gamma:  # min-SNR weighting for v-prediction; it starves the noisiest steps, where layout is decided
            snr = compute_snr(scheduler, timesteps)
            loss = loss * torch.clamp(snr, max=snr_gamma) / (snr + 1)
        loss = loss.mean()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(parameters, 1.0)
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        decay = min(0.999, (1 + step) / (10 + step))
        with torch.no_grad():
            for ema, live in ((ema_unet, unet), (ema_text, text_encoder)):
                for e, p in zip(ema.parameters(), live.parameters()):
                    e.lerp_(p, 1 - decay)
        losses.append(loss.item())
        if (step + 1) % every == 0 or step + 1 == steps:
            _save({"unet": unet.state_dict(), "text": text_encoder.state_dict(), "ema_unet": ema_unet.state_dict(),
                   "ema_text": ema_text.state_dict(), "optimizer": optimizer.state_dict(), "step": step + 1,
                   "scale": scale},
                  path)
            log.info("denoiser step %d/%d loss %.4f (%.2f s/step)", step + 1, steps, np.mean(losses),
                     (time.perf_counter() - began) / (step + 1 - start))
            losses = []
    return tokenizer, ema_unet, ema_text


def warm_start(state: dict, unet, text_encoder, ema_unet, ema_text) -> None:
    """Start from an earlier run's EMA weights: the whole text encoder, and every UNet tensor whose name and shape
    still fit (a UNet with one more level keeps its upper levels; its up blocks are numbered one further)."""
    text_encoder.load_state_dict(state["ema_text"])
    ema_text.load_state_dict(state["ema_text"])
    levels = len(unet.config.block_out_channels) - max(int(k.split(".")[1]) for k in state["ema_unet"]
                                                       if k.startswith("down_blocks.")) - 1
    target = unet.state_dict()
    copied = 0
    for key, tensor in state["ema_unet"].items():
        if key.startswith("up_blocks."):
            _, index, rest = key.split(".", 2)
            key = f"up_blocks.{int(index) + levels}.{rest}"
        if key in target and target[key].shape == tensor.shape:
            target[key] = tensor
            copied += 1
    unet.load_state_dict(target)
    ema_unet.load_state_dict(target)
    log.info("warm start: %d of %d UNet tensors from step %d", copied, len(target), state["step"])


def export(out: Path, target: Path, levels: int = 4) -> Path:
    """Write the pipeline (EMA weights, fp16 safetensors) from the checkpoints in `out`."""
    from diffusers import StableDiffusionPipeline

    vae = build_vae()
    vae_state = torch.load(out / "vae.pt", weights_only=False)
    vae.load_state_dict(vae_state["model"])
    state = torch.load(out / "denoiser.pt", weights_only=False)
    tokenizer = build_tokenizer()
    unet, text_encoder = build_unet(levels), build_text_encoder(len(tokenizer))
    unet.load_state_dict(state["ema_unet"])
    text_encoder.load_state_dict(state["ema_text"])
    vae.register_to_config(scaling_factor=state["scale"])
    pipe = StableDiffusionPipeline(vae=vae, text_encoder=text_encoder, tokenizer=tokenizer, unet=unet,
                                   scheduler=build_scheduler(), safety_checker=None, feature_extractor=None,
                                   requires_safety_checker=False)
    target.mkdir(parents=True, exist_ok=True)
    pipe.to(torch.float16).save_pretrained(target, safe_serialization=True)
    log.info("exported step %d to %s", state["step"], target)
    return target


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=Path("shapes-training"), help="checkpoint folder (resumed)")
    parser.add_argument("--export-to", type=Path, default=WEIGHTS, help="where the finished pipeline is written")
    parser.add_argument("--vae-steps", type=int, default=1500)
    parser.add_argument("--steps", type=int, default=9000, help="UNet + text encoder steps")
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--lr", type=float, default=6e-4)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--snr-gamma", type=float, default=0.0, help="min-SNR loss weighting (0: plain v-loss)")
    parser.add_argument("--noisy-fraction", type=float, default=0.5,
                        help="share of each batch trained at the noisiest half of the timesteps")
    parser.add_argument("--checkpoint-every", type=int, default=100)
    parser.add_argument("--unet-levels", type=int, default=4, choices=(3, 4))
    parser.add_argument("--init-from", type=Path, help="an earlier run's denoiser.pt to start from (warm start)")
    parser.add_argument("--export-only", action="store_true")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    args.out.mkdir(parents=True, exist_ok=True)
    if not args.export_only:
        torch.manual_seed(args.seed)
        vae = train_vae(args.out, args.vae_steps, max(8, args.batch // 4), args.seed, args.checkpoint_every)
        scale = latent_scale(vae, args.seed)
        log.info("latent scale %.4f", scale)
        train_denoiser(args.out, vae, scale, args.steps, args.batch, args.seed, args.checkpoint_every, args.lr,
                       args.snr_gamma, args.noisy_fraction, args.init_from, args.unet_levels)
    export(args.out, args.export_to, args.unet_levels)


if __name__ == "__main__":
    main()
