"""The built-in `tiny` model: a Stable Diffusion-shaped pipeline with small random weights, built from a fixed seed.

It is built in-process once, saved into the cache folder, and from then on loaded through the same
`from_pretrained` path as any Hub model. Its pictures are noise; it exists so everything runs offline in seconds.
"""

from __future__ import annotations

import os
import shutil
import string
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from diffusers import StableDiffusionPipeline
    from transformers import CLIPTokenizer, T5TokenizerFast

TINY_VERSION = "2"
_SEED = 0


def _tokenizer() -> CLIPTokenizer:
    """A character-level CLIP tokenizer from an in-code vocabulary (no merges, no download)."""
    from transformers import CLIPTokenizer

    vocab: dict[str, int] = {"<|startoftext|>": 0, "<|endoftext|>": 1}
    for ch in string.ascii_lowercase + string.digits + string.punctuation:
        for token in (ch, ch + "</w>"):
            vocab.setdefault(token, len(vocab))
    return CLIPTokenizer(vocab=vocab, merges=[], model_max_length=77)


def t5_tokenizer() -> T5TokenizerFast:
    """A T5 tokenizer (SentencePiece Unigram) over an in-code vocabulary of characters and a few words."""
    from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers
    from transformers import T5TokenizerFast

    pieces = ["<pad>", "</s>", "<unk>"]
    words = "a an the of on in with red blue green cat dog photo picture night day".split()
    pieces += ["\u2581" + word for word in words]
    pieces += ["\u2581" + ch for ch in string.ascii_lowercase] + list(string.ascii_lowercase + string.digits)
    pieces += list(string.punctuation)
    vocab = [(piece, -float(len(piece))) for piece in dict.fromkeys(pieces)]
    model = models.Unigram(vocab, unk_id=2, byte_fallback=False)
    backend = Tokenizer(model)
    backend.normalizer = normalizers.Lowercase()
    backend.pre_tokenizer = pre_tokenizers.Metaspace(replacement="\u2581", prepend_scheme="always")
    backend.decoder = decoders.Metaspace(replacement="\u2581", prepend_scheme="always")
    return T5TokenizerFast(tokenizer_object=backend, pad_token="<pad>", eos_token="</s>", unk_token="<unk>",
                           extra_ids=0, model_max_length=512)


def build_tiny_pipeline() -> StableDiffusionPipeline:
    """Build the tiny pipeline in memory; the same weights every time."""
    import torch
    from diffusers import AutoencoderKL, EulerDiscreteScheduler, StableDiffusionPipeline, UNet2DConditionModel
    from transformers import CLIPTextConfig, CLIPTextModel

    tokenizer = _tokenizer()
    torch.manual_seed(_SEED)
    unet = UNet2DConditionModel(
        block_out_channels=(16, 32),
        layers_per_block=1,
        sample_size=8,
        in_channels=4,
        out_channels=4,
        down_block_types=("DownBlock2D", "CrossAttnDownBlock2D"),
        up_block_types=("CrossAttnUpBlock2D", "UpBlock2D"),
        cross_attention_dim=32,
        attention_head_dim=4,
        norm_num_groups=8,
    )
    torch.manual_seed(_SEED)
    vae = AutoencoderKL(
        block_out_channels=(8, 8, 16, 16),
        in_channels=3,
        out_channels=3,
        down_block_types=("DownEncoderBlock2D",) * 4,
        up_block_types=("UpDecoderBlock2D",) * 4,
        latent_channels=4,
        layers_per_block=1,
        norm_num_groups=4,
        sample_size=64,
    )
    torch.manual_seed(_SEED)
    text_encoder = CLIPTextModel(
        CLIPTextConfig(
            bos_token_id=0,
            eos_token_id=1,
            pad_token_id=1,
            hidden_size=32,
            intermediate_size=37,
            num_attention_heads=4,
            num_hidden_layers=2,
            vocab_size=len(tokenizer),
            max_position_embeddings=77,
        )
    )
    scheduler = EulerDiscreteScheduler(
        beta_start=0.00085, beta_end=0.012, beta_schedule="scaled_linear", num_train_timesteps=1000,
        timestep_spacing="trailing", steps_offset=1,
    )
    return StableDiffusionPipeline(
        unet=unet,
        vae=vae,
        text_encoder=text_encoder,
        tokenizer=tokenizer,
        scheduler=scheduler,
        safety_checker=None,
        feature_extractor=None,
        requires_safety_checker=False,
    )


def tiny_folder(cache_dir: Path) -> Path:
    return Path(cache_dir) / f"tiny-v{TINY_VERSION}"


def ensure_tiny(cache_dir: Path) -> Path:
    """Return the folder holding the saved tiny model, building it there first if needed."""
    target = tiny_folder(cache_dir)
    if (target / "model_index.json").exists():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".tiny-", dir=target.parent))
    try:
        build_tiny_pipeline().save_pretrained(staging, safe_serialization=True)
        try:
            os.replace(staging, target)  # atomic: a concurrent builder either wins or finds ours
        except OSError:
            if not (target / "model_index.json").exists():
                raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return target


def tiny_ip_adapter_folder(cache_dir: Path) -> Path:
    return Path(cache_dir) / f"tiny-ip-adapter-v{TINY_VERSION}"


def ensure_tiny_ip_adapter(cache_dir: Path) -> Path:
    """A tiny random IP-Adapter for `tiny`, laid out like h94/IP-Adapter: models/ip-adapter_tiny.safetensors and
    models/image_encoder/ (a small CLIPVisionModelWithProjection)."""
    target = tiny_ip_adapter_folder(cache_dir)
    if (target / "models" / "ip-adapter_tiny.safetensors").exists():
        return target
    import torch
    from safetensors.torch import save_file
    from transformers import CLIPVisionConfig, CLIPVisionModelWithProjection

    unet_config = build_tiny_pipeline().unet.config
    torch.manual_seed(_SEED + 1)
    encoder = CLIPVisionModelWithProjection(CLIPVisionConfig(
        hidden_size=32, projection_dim=32, image_size=32, patch_size=8, num_channels=3, num_hidden_layers=2,
        num_attention_heads=4, intermediate_size=37,
    ))
    cross, tokens = unet_config.cross_attention_dim, 4
    generator = torch.Generator().manual_seed(_SEED + 2)
    tensors = {
        "image_proj.proj.weight": torch.randn(cross * tokens, 32, generator=generator) * 0.2,
        "image_proj.proj.bias": torch.zeros(cross * tokens),
        "image_proj.norm.weight": torch.ones(cross),
        "image_proj.norm.bias": torch.zeros(cross),
    }
    # cross-attention processors are numbered 1, 3, 5, ... in the UNet's processor order (diffusers' convention)
    from diffusers import UNet2DConditionModel

    unet = UNet2DConditionModel(**unet_config)
    channels = list(unet_config.block_out_channels)
    key_id = 1
    for name in unet.attn_processors:
        if name.endswith("attn1.processor"):
            continue
        if name.startswith("mid_block"):
            hidden = channels[-1]
        elif name.startswith("up_blocks"):
            hidden = list(reversed(channels))[int(name[len("up_blocks.")])]
        else:
            hidden = channels[int(name[len("down_blocks.")])]
        for kind in ("to_k_ip", "to_v_ip"):
            tensors[f"ip_adapter.{key_id}.{kind}.weight"] = torch.randn(hidden, cross, generator=generator) * 0.3
        key_id += 2
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".tiny-ip-", dir=target.parent))
    try:
        (staging / "models").mkdir()
        save_file(tensors, staging / "models" / "ip-adapter_tiny.safetensors")
        encoder.save_pretrained(staging / "models" / "image_encoder")
        try:
            os.replace(staging, target)
        except OSError:
            if not (target / "models" / "ip-adapter_tiny.safetensors").exists():
                raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return target
