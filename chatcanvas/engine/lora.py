"""DreamBooth-style LoRA training of a subject on the loaded pipeline's UNet (peft), as an engine job.

Follows diffusers' `train_dreambooth_lora.py`: frozen VAE and text encoder, rank-r LoRA on the UNet's
attention projections (a built-in model may name more layers), noise-prediction MSE, AdamW, one training prompt per
picture when captions say what else each shows. The adapter is removed from the shared UNet afterwards.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as F
from diffusers import DDPMScheduler, DiffusionPipeline
from diffusers.training_utils import cast_training_params
from peft import LoraConfig
from peft.utils import get_peft_model_state_dict
from PIL import Image, ImageOps

from chatcanvas.config import Settings
from chatcanvas.engine.catalog import BUILTIN_MODELS, DREAMBOOTH_LORA_TARGETS
from chatcanvas.engine.jobs import Job, TrainLoraRequest
from chatcanvas.engine.personalize import LORA_ADAPTER
from chatcanvas.engine.registry import LoadedModel
from chatcanvas.errors import InvalidInput, JobCancelled

TRAINING_ADAPTER = "chatcanvas_subject_training"  # not "training": that is an nn.Module attribute


def lora_defaults(model: str, settings: Settings) -> tuple[int, float, int]:
    """Steps, learning rate and rank: the settings', else the built-in model's, else diffusers' example's."""
    builtin = BUILTIN_MODELS.get(model)
    steps = settings.lora_steps or (builtin.lora_steps if builtin else 500)
    rate = settings.lora_learning_rate or (builtin.lora_learning_rate if builtin else 1e-4)
    rank = settings.lora_rank or (builtin.lora_rank if builtin else 4)
    return steps, rate, rank


def _repeat(tensor: torch.Tensor, count: int) -> torch.Tensor:
    return tensor.repeat(count, *([1] * (tensor.dim() - 1)))


def _pixels(images: tuple[Image.Image, ...], size: int) -> torch.Tensor:
    tensors = []
    for image in images:
        square = ImageOps.fit(image.convert("RGB"), (size, size), Image.LANCZOS)
        data = torch.frombuffer(bytearray(square.tobytes()), dtype=torch.uint8).reshape(size, size, 3)
        tensors.append(data.permute(2, 0, 1).float() / 127.5 - 1.0)
    return torch.stack(tensors)


def _encode(pipe: DiffusionPipeline, prompts: list[str], size: int, device: torch.device):
    """The training prompts' embeddings (one row per prompt), plus SDXL's pooled text and size conditioning when the
    model has them."""
    if getattr(pipe, "text_encoder_2", None) is None:  # SD 1.5 family
        return pipe.encode_prompt(prompts, device, 1, False)[0], None
    embeds, _, pooled, _ = pipe.encode_prompt(prompts, device=device, num_images_per_prompt=1,
                                              do_classifier_free_guidance=False)
    time_ids = pipe._get_add_time_ids((size, size), (0, 0), (size, size), dtype=embeds.dtype,
                                      text_encoder_projection_dim=pipe.text_encoder_2.config.projection_dim)
    return embeds, {"text_embeds": pooled, "time_ids": _repeat(time_ids.to(device), len(prompts))}


def training_prompts(request: TrainLoraRequest, model: str) -> list[str]:
    """One prompt per picture: the instance prompt, followed by what else the picture shows where that is known
    (the request's captions, else the built-in model's own description of the picture)."""
    captions = request.captions
    builtin = BUILTIN_MODELS.get(model)
    if captions is None and builtin is not None and builtin.reference_context is not None:
        captions = tuple(builtin.reference_context(image) for image in request.images)
    if captions is None:
        return [request.instance_prompt] * len(request.images)
    return [f"{request.instance_prompt} {caption}".strip() for caption in captions]


def _drop_training_adapter(pipe: DiffusionPipeline, denoiser: torch.nn.Module) -> None:
    """Remove the adapter just trained; a resident hotswap slot stays (and is the active adapter again)."""
    if getattr(pipe, "chatcanvas_blank_lora", None) is None:
        denoiser.unload_lora()
        return
    denoiser.delete_adapters(TRAINING_ADAPTER)
    denoiser.set_adapters([LORA_ADAPTER])


FLOW_LORA_FAMILIES = ("flux", "flux-schnell", "sd3")
"""Flow-matching transformers whose DreamBooth LoRA recipe is followed here (train_dreambooth_lora_flux / _sd3)."""


def train_lora(job: Job, model: LoadedModel, request: TrainLoraRequest, settings: Settings) -> None:
    pipe: DiffusionPipeline = model.base
    if model.family.name in FLOW_LORA_FAMILIES:
        _train_flow_lora(job, model, request, settings)
        return
    unet = getattr(pipe, "unet", None)
    if unet is None or not hasattr(pipe, "save_lora_weights") or not hasattr(pipe, "encode_prompt"):
        raise InvalidInput("method", f"LoRA training supports SD 1.5, SDXL, SD3 and FLUX.1 models, not "
                                     f"{type(pipe).__name__}; use ip_adapter")
    default_steps, default_rate, default_rank = lora_defaults(model.id, settings)
    steps = request.steps or default_steps
    rate = request.learning_rate or default_rate
    rank = request.rank or default_rank
    size = request.resolution or settings.lora_resolution or model.defaults.width
    device, dtype = pipe._execution_device, unet.dtype
    builtin = BUILTIN_MODELS.get(model.id)
    targets = list(builtin.lora_targets if builtin else DREAMBOOTH_LORA_TARGETS)
    batch = min(len(request.images), builtin.lora_batch if builtin else 1)
    generator = torch.Generator("cpu").manual_seed(request.seed)
    noise_scheduler = DDPMScheduler.from_config(pipe.scheduler.config)

    job.mark_running(steps)
    with torch.no_grad():
        pixels = _pixels(request.images, size).to(device, pipe.vae.dtype)
        latents = pipe.vae.encode(pixels).latent_dist.sample(generator=generator) * pipe.vae.config.scaling_factor
        prompt_embeds, added_cond = _encode(pipe, training_prompts(request, model.id), size, device)

    def loss_at(step: int) -> torch.Tensor:
        chosen = [(step * batch + k) % len(latents) for k in range(batch)]
        clean = latents[chosen].to(dtype)
        noise = torch.randn(clean.shape, generator=generator).to(device, dtype)
        timestep = torch.randint(0, noise_scheduler.config.num_train_timesteps, (batch,), generator=generator)
        timestep = timestep.to(device)
        noisy = noise_scheduler.add_noise(clean, noise, timestep)
        if noise_scheduler.config.prediction_type == "v_prediction":
            target = noise_scheduler.get_velocity(clean, noise, timestep)
        else:
            target = noise
        conditions = None if added_cond is None else {k: v[chosen] for k, v in added_cond.items()}
        prediction = unet(noisy, timestep, prompt_embeds[chosen].to(dtype), added_cond_kwargs=conditions).sample
        return F.mse_loss(prediction.float(), target.float())

    _fit_adapter(job, pipe, unet, request, targets, rank, rate, steps, loss_at, "unet_lora_layers")


def _fit_adapter(job: Job, pipe: DiffusionPipeline, denoiser: torch.nn.Module, request: TrainLoraRequest,
                 targets: list[str], rank: int, rate: float, steps: int,
                 loss_at: Callable[[int], torch.Tensor], layers_argument: str) -> None:
    """Train a rank-`rank` LoRA on `denoiser`'s `targets` for `steps` AdamW steps of `loss_at(step)` (reporting
    each step, stopping on cancel), save it to `request.output` with the pipeline's `save_lora_weights`, and leave
    the shared denoiser as it was."""
    denoiser.requires_grad_(False)
    with torch.random.fork_rng():  # the LoRA's initial weights come from the request's seed too
        torch.manual_seed(request.seed)
        denoiser.add_adapter(LoraConfig(r=rank, lora_alpha=rank, init_lora_weights="gaussian",
                                        target_modules=targets), adapter_name=TRAINING_ADAPTER)
    try:
        cast_training_params(denoiser, dtype=torch.float32)
        parameters = [p for p in denoiser.parameters() if p.requires_grad]
        optimizer = torch.optim.AdamW(parameters, lr=rate)
        denoiser.train()
        for step in range(steps):
            if job.cancel_requested:
                raise JobCancelled(f"job {job.id} was cancelled at step {step} of {steps}")
            loss_at(step).backward()
            torch.nn.utils.clip_grad_norm_(parameters, 1.0)
            optimizer.step()
            optimizer.zero_grad(set_to_none=True)
            job.report_step(step + 1, steps)
        # peft's own key names: the diffusers-style renaming covers only attention layers, and a file mixing the two
        # styles loads only half of its layers
        layers = get_peft_model_state_dict(denoiser, adapter_name=TRAINING_ADAPTER)
        request.output.mkdir(parents=True, exist_ok=True)
        type(pipe).save_lora_weights(request.output, **{layers_argument: layers}, safe_serialization=True)
    finally:
        denoiser.eval()
        _drop_training_adapter(pipe, denoiser)  # the shared denoiser is as it was
        denoiser.requires_grad_(False)


def _flow_conditions(pipe: DiffusionPipeline, prompts: list[str], device: torch.device) -> dict:
    """The training prompts' embeddings, as the pipeline's own `encode_prompt` makes them."""
    if model_is_flux(pipe):
        embeds, pooled, text_ids = pipe.encode_prompt(prompt=prompts, prompt_2=prompts, device=device,
                                                      num_images_per_prompt=1, max_sequence_length=512)
        return {"encoder_hidden_states": embeds, "pooled_projections": pooled, "txt_ids": text_ids}
    embeds, _, pooled, _ = pipe.encode_prompt(prompt=prompts, prompt_2=prompts, prompt_3=prompts, device=device,
                                              num_images_per_prompt=1, do_classifier_free_guidance=False,
                                              max_sequence_length=256)
    return {"encoder_hidden_states": embeds, "pooled_projections": pooled}


def model_is_flux(pipe: DiffusionPipeline) -> bool:
    return hasattr(pipe, "_pack_latents")


def _train_flow_lora(job: Job, model: LoadedModel, request: TrainLoraRequest, settings: Settings) -> None:
    """DreamBooth LoRA on a flow-matching transformer (FLUX.1, SD3): the picture's latents x0 and noise e are mixed
    at a uniformly drawn sigma, x = (1 - sigma) x0 + sigma e, and the transformer learns the velocity e - x0 (the
    recipes' default weighting, "none"). FLUX's latents are packed into 2x2 patches and its guidance embedding
    gets the recipe's guidance of 1."""
    pipe: DiffusionPipeline = model.base
    transformer = pipe.transformer
    default_steps, default_rate, default_rank = lora_defaults(model.id, settings)
    steps, rate = request.steps or default_steps, request.learning_rate or default_rate
    rank = request.rank or default_rank
    size = request.resolution or settings.lora_resolution or model.defaults.width
    size -= size % model.family.multiple
    device, dtype = pipe._execution_device, transformer.dtype
    generator = torch.Generator("cpu").manual_seed(request.seed)
    vae = pipe.vae
    flux = model_is_flux(pipe)

    job.mark_running(steps)
    with torch.no_grad():
        pixels = _pixels(request.images, size).to(device, vae.dtype)
        latents = vae.encode(pixels).latent_dist.sample(generator=generator)
        latents = (latents - (vae.config.shift_factor or 0.0)) * vae.config.scaling_factor
        conditions = _flow_conditions(pipe, training_prompts(request, model.id), device)
    count, channels, height, width = latents.shape
    image_ids = pipe._prepare_latent_image_ids(1, height // 2, width // 2, device, dtype) if flux else None

    def loss_at(step: int) -> torch.Tensor:
        chosen = [step % count]
        clean = latents[chosen].to(dtype)
        noise = torch.randn(clean.shape, generator=generator).to(device, dtype)
        sigma = torch.rand((1,), generator=generator).to(device, dtype)
        noisy = (1.0 - sigma.view(-1, 1, 1, 1)) * clean + sigma.view(-1, 1, 1, 1) * noise
        inputs = {key: value[chosen].to(dtype) if key != "txt_ids" else value for key, value in conditions.items()}
        if flux:
            packed = pipe._pack_latents(noisy, 1, channels, height, width)
            guidance = torch.ones((1,), device=device) if transformer.config.guidance_embeds else None
            prediction = transformer(hidden_states=packed, timestep=sigma, guidance=guidance, img_ids=image_ids,
                                     return_dict=False, **inputs)[0]
            prediction = pipe._unpack_latents(prediction, height * pipe.vae_scale_factor,
                                              width * pipe.vae_scale_factor, pipe.vae_scale_factor)
        else:
            prediction = transformer(hidden_states=noisy, timestep=sigma * 1000, return_dict=False, **inputs)[0]
        return F.mse_loss(prediction.float(), (noise - clean).float())

    _fit_adapter(job, pipe, transformer, request, list(DREAMBOOTH_LORA_TARGETS), rank, rate, steps, loss_at,
                 "transformer_lora_layers")
