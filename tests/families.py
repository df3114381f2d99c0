"""Tiny random pipelines of each model family, built in-process the way diffusers' own pipeline tests build them.

Every tokenizer comes from an in-code vocabulary (T5's included), so nothing is downloaded. `save(name, folder)`
writes one with `save_pretrained`, so tests load it through the same `from_pretrained` path as a Hub id.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch
from diffusers import (
    AutoencoderKL,
    DiffusionPipeline,
    EulerDiscreteScheduler,
    FlowMatchEulerDiscreteScheduler,
    FluxKontextPipeline,
    FluxPipeline,
    FluxTransformer2DModel,
    PixArtSigmaPipeline,
    PixArtTransformer2DModel,
    SD3Transformer2DModel,
    StableDiffusion3Pipeline,
    StableDiffusionPipeline,
)
from transformers import (
    CLIPTextConfig,
    CLIPTextModel,
    CLIPTextModelWithProjection,
    T5Config,
    T5EncoderModel,
)

from chatcanvas.engine.tiny import _tokenizer as clip_tokenizer
from chatcanvas.engine.tiny import build_tiny_pipeline, t5_tokenizer
from tests.tiny_sdxl import build_tiny_sdxl


def byte_tokenizer(*special: str) -> Any:
    """A byte-level BPE tokenizer (Qwen's kind) whose vocabulary is the 256 byte symbols and `special` tokens."""
    from transformers import Qwen2Tokenizer

    printable = [*range(ord("!"), ord("~") + 1), *range(ord("\u00a1"), ord("\u00ac") + 1),
                 *range(ord("\u00ae"), ord("\u00ff") + 1)]
    symbols = [chr(b) for b in printable] + [chr(256 + i) for i in range(256 - len(printable))]
    vocab = {symbol: index for index, symbol in enumerate(symbols)}
    for token in special:
        vocab[token] = len(vocab)
    return Qwen2Tokenizer(vocab=vocab, merges=[], unk_token=None, bos_token=None, eos_token="<|im_end|>",
                          pad_token="<|endoftext|>")


def t5_encoder(vocab_size: int) -> T5EncoderModel:
    torch.manual_seed(0)
    return T5EncoderModel(T5Config(vocab_size=vocab_size, d_model=32, d_kv=8, d_ff=37, num_layers=2, num_heads=4,
                                   relative_attention_num_buckets=8, is_encoder_decoder=False, pad_token_id=0,
                                   eos_token_id=1, decoder_start_token_id=0))


def _clip_config(projection_dim: int = 32) -> CLIPTextConfig:
    return CLIPTextConfig(bos_token_id=0, eos_token_id=1, pad_token_id=1, hidden_size=32, intermediate_size=37,
                          num_attention_heads=4, num_hidden_layers=2, vocab_size=len(clip_tokenizer()),
                          max_position_embeddings=77, projection_dim=projection_dim)


def _flow_vae(latent_channels: int) -> AutoencoderKL:
    torch.manual_seed(0)
    return AutoencoderKL(sample_size=32, in_channels=3, out_channels=3, block_out_channels=(4, 8),
                         down_block_types=("DownEncoderBlock2D",) * 2, up_block_types=("UpDecoderBlock2D",) * 2,
                         layers_per_block=1, latent_channels=latent_channels, norm_num_groups=1, use_quant_conv=False,
                         use_post_quant_conv=False, shift_factor=0.0609, scaling_factor=1.5035)


def build_sd2_v() -> StableDiffusionPipeline:
    """SD 2-shaped: v-prediction with the Euler scheduler (how stabilityai/stable-diffusion-2 runs)."""
    pipe = build_tiny_pipeline()
    pipe.scheduler = EulerDiscreteScheduler.from_config(pipe.scheduler.config, prediction_type="v_prediction")
    return pipe


def flux_scheduler() -> FlowMatchEulerDiscreteScheduler:
    """FLUX.1's published scheduler config: the shift grows with the picture's token count."""
    return FlowMatchEulerDiscreteScheduler(base_image_seq_len=256, base_shift=0.5, max_image_seq_len=4096,
                                           max_shift=1.15, shift=3.0, use_dynamic_shifting=True)


def build_flux(cls: type[DiffusionPipeline] = FluxPipeline, guidance_embeds: bool = False) -> DiffusionPipeline:
    """FLUX.1-shaped (schnell when `guidance_embeds` is False, dev when True); `cls` FluxKontextPipeline for Kontext."""
    torch.manual_seed(0)
    transformer = FluxTransformer2DModel(patch_size=1, in_channels=4, num_layers=1, num_single_layers=1,
                                         attention_head_dim=16, num_attention_heads=2, joint_attention_dim=32,
                                         pooled_projection_dim=32, axes_dims_rope=[4, 4, 8],
                                         guidance_embeds=guidance_embeds)
    torch.manual_seed(0)
    text_encoder = CLIPTextModel(_clip_config())
    tokenizer_2 = t5_tokenizer()
    return cls(transformer=transformer, vae=_flow_vae(1), text_encoder=text_encoder, tokenizer=clip_tokenizer(),
               text_encoder_2=t5_encoder(len(tokenizer_2)), tokenizer_2=tokenizer_2,
               scheduler=flux_scheduler(), image_encoder=None, feature_extractor=None)


def build_flux_kontext() -> FluxKontextPipeline:
    return build_flux(FluxKontextPipeline, guidance_embeds=True)


def build_sd3() -> StableDiffusion3Pipeline:
    torch.manual_seed(0)
    # 16 latent channels as in SD3 itself (its inpainting pipeline checks for them)
    transformer = SD3Transformer2DModel(sample_size=32, patch_size=1, in_channels=16, num_layers=1,
                                        attention_head_dim=8, num_attention_heads=4, caption_projection_dim=32,
                                        joint_attention_dim=32, pooled_projection_dim=64, out_channels=16)
    torch.manual_seed(0)
    text_encoder = CLIPTextModelWithProjection(_clip_config())
    torch.manual_seed(1)
    text_encoder_2 = CLIPTextModelWithProjection(_clip_config())
    tokenizer_3 = t5_tokenizer()
    return StableDiffusion3Pipeline(
        transformer=transformer, vae=_flow_vae(16), text_encoder=text_encoder, tokenizer=clip_tokenizer(),
        text_encoder_2=text_encoder_2, tokenizer_2=clip_tokenizer(), text_encoder_3=t5_encoder(len(tokenizer_3)),
        tokenizer_3=tokenizer_3, scheduler=FlowMatchEulerDiscreteScheduler(shift=3.0), image_encoder=None,
        feature_extractor=None)


def build_pixart_sigma() -> PixArtSigmaPipeline:
    torch.manual_seed(0)
    transformer = PixArtTransformer2DModel(sample_size=32, num_layers=2, patch_size=2, attention_head_dim=8,
                                           num_attention_heads=3, caption_channels=32, in_channels=4,
                                           cross_attention_dim=24, out_channels=8, attention_bias=True,
                                           activation_fn="gelu-approximate", num_embeds_ada_norm=1000,
                                           norm_type="ada_norm_single", norm_elementwise_affine=False,
                                           norm_eps=1e-6)
    torch.manual_seed(0)
    vae = AutoencoderKL(block_out_channels=(8, 8, 16, 16), in_channels=3, out_channels=3,
                        down_block_types=("DownEncoderBlock2D",) * 4, up_block_types=("UpDecoderBlock2D",) * 4,
                        latent_channels=4, layers_per_block=1, norm_num_groups=4, sample_size=64)
    from diffusers import DPMSolverMultistepScheduler

    tokenizer = t5_tokenizer()
    return PixArtSigmaPipeline(transformer=transformer, vae=vae, text_encoder=t5_encoder(len(tokenizer)),
                               tokenizer=tokenizer, scheduler=DPMSolverMultistepScheduler())


QWEN_SPECIAL = ("<|im_start|>", "<|im_end|>", "<|endoftext|>", "<|vision_start|>", "<|vision_end|>",
                "<|image_pad|>")


def build_qwen_image() -> Any:
    """Qwen-Image-shaped: a Qwen2.5-VL text encoder, its 3D-causal VAE and the MMDiT, as diffusers' tests size them."""
    from diffusers import AutoencoderKLQwenImage, QwenImagePipeline, QwenImageTransformer2DModel
    from transformers import Qwen2_5_VLConfig, Qwen2_5_VLForConditionalGeneration

    tokenizer = byte_tokenizer(*QWEN_SPECIAL)
    ids = tokenizer.get_vocab()
    torch.manual_seed(0)
    transformer = QwenImageTransformer2DModel(patch_size=2, in_channels=16, out_channels=4, num_layers=2,
                                              attention_head_dim=16, num_attention_heads=3, joint_attention_dim=16,
                                              guidance_embeds=False, axes_dims_rope=(8, 4, 4))
    torch.manual_seed(0)
    vae = AutoencoderKLQwenImage(base_dim=24, z_dim=4, dim_mult=[1, 2, 4], num_res_blocks=1,
                                 temperal_downsample=[False, True], latents_mean=[0.0] * 4, latents_std=[1.0] * 4)
    text = {"hidden_size": 16, "intermediate_size": 16, "num_hidden_layers": 2, "num_attention_heads": 2,
            "num_key_value_heads": 2, "rope_theta": 1000000.0, "vocab_size": len(tokenizer),
            "rope_scaling": {"mrope_section": [1, 1, 2], "rope_type": "default", "type": "default"},
            "bos_token_id": ids["<|endoftext|>"], "eos_token_id": ids["<|im_end|>"]}
    config = Qwen2_5_VLConfig(text_config=text, hidden_size=16, vocab_size=len(tokenizer),
                              vision_config={"depth": 2, "hidden_size": 16, "intermediate_size": 16, "num_heads": 2,
                                             "out_hidden_size": 16},
                              vision_start_token_id=ids["<|vision_start|>"], vision_end_token_id=ids["<|vision_end|>"],
                              image_token_id=ids["<|image_pad|>"])
    torch.manual_seed(0)
    text_encoder = Qwen2_5_VLForConditionalGeneration(config)
    # Qwen-Image's published scheduler: flow matching, the shift growing with the picture's token count
    scheduler = FlowMatchEulerDiscreteScheduler(base_image_seq_len=256, base_shift=0.5, max_image_seq_len=8192,
                                                max_shift=0.9, shift=1.0, shift_terminal=0.02,
                                                time_shift_type="exponential", use_dynamic_shifting=True)
    return QwenImagePipeline(scheduler=scheduler, vae=vae, text_encoder=text_encoder, tokenizer=tokenizer,
                             transformer=transformer)


CHAT_TEMPLATE = ("{% for m in messages %}<|im_start|>{{ m.role }}\n{{ m.content }}<|im_end|>\n{% endfor %}"
                 "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}")


def qwen3_text(model_class: Any, layers: int) -> tuple[Any, Any]:
    """A chat-templated byte-level tokenizer and a tiny Qwen3 text model (`Qwen3Model` or `Qwen3ForCausalLM`)."""
    from transformers import Qwen3Config

    tokenizer = byte_tokenizer(*QWEN_SPECIAL)
    tokenizer.chat_template = CHAT_TEMPLATE
    torch.manual_seed(0)
    text_encoder = model_class(Qwen3Config(intermediate_size=16, hidden_size=16, num_hidden_layers=layers,
                                           num_attention_heads=2, num_key_value_heads=2, head_dim=8,
                                           vocab_size=len(tokenizer), max_position_embeddings=1024))
    return tokenizer, text_encoder


def build_flux2_klein() -> Any:
    """FLUX.2 [klein]-shaped (step-distilled): a Qwen3 text encoder read at layers 9, 18 and 27, as the real one."""
    from diffusers import AutoencoderKLFlux2, Flux2KleinPipeline, Flux2Transformer2DModel
    from transformers import Qwen3ForCausalLM

    tokenizer, text_encoder = qwen3_text(Qwen3ForCausalLM, layers=28)
    torch.manual_seed(0)
    transformer = Flux2Transformer2DModel(patch_size=1, in_channels=16, num_layers=1, num_single_layers=1,
                                          attention_head_dim=16, num_attention_heads=2, joint_attention_dim=48,
                                          timestep_guidance_channels=256, axes_dims_rope=[4, 4, 4, 4],
                                          guidance_embeds=False)
    torch.manual_seed(0)
    vae = AutoencoderKLFlux2(sample_size=32, in_channels=3, out_channels=3, block_out_channels=(4, 8),
                             down_block_types=("DownEncoderBlock2D",) * 2, up_block_types=("UpDecoderBlock2D",) * 2,
                             layers_per_block=1, latent_channels=4, norm_num_groups=1, use_quant_conv=False,
                             use_post_quant_conv=False)
    return Flux2KleinPipeline(scheduler=flux_scheduler(), vae=vae, text_encoder=text_encoder, tokenizer=tokenizer,
                              transformer=transformer, is_distilled=True)


BUILDERS: dict[str, Callable[[], DiffusionPipeline]] = {
    "sd15": build_tiny_pipeline,
    "sd2-v": build_sd2_v,
    "sdxl": build_tiny_sdxl,
    "sd3": build_sd3,
    "flux-schnell": build_flux,
    "flux-dev": lambda: build_flux(guidance_embeds=True),
    "flux-kontext": build_flux_kontext,
    "pixart-sigma": build_pixart_sigma,
    "qwen-image": build_qwen_image,
    "flux2-klein": build_flux2_klein,
}


def save(name: str, folder: Path) -> Path:
    """Build the family's tiny pipeline and save it under `folder/name`; return that folder."""
    target = Path(folder) / name
    if not (target / "model_index.json").exists():
        BUILDERS[name]().save_pretrained(target, safe_serialization=True)
    return target


def build_t2i_adapter() -> Any:
    """A T2I-Adapter sized for the tiny SD UNet: features at its two levels (16 and 32 channels, 1/16 the size)."""
    from diffusers import T2IAdapter

    torch.manual_seed(0)
    return T2IAdapter(in_channels=3, channels=[16, 32], num_res_blocks=1, downscale_factor=16,
                      adapter_type="full_adapter_xl")


def build_controlnet() -> Any:
    """A ControlNet copied from the tiny SD UNet's encoder, as ControlNetModel.from_unet makes one."""
    from diffusers import ControlNetModel

    torch.manual_seed(0)
    controlnet = ControlNetModel.from_unet(build_tiny_pipeline().unet)
    # a fresh ControlNet's "zero convolutions" are zeros (it starts out doing nothing): give them small random
    # weights, as training would, so a test can see the control picture reach the UNet
    zero_convs = [*controlnet.controlnet_down_blocks, controlnet.controlnet_mid_block,
                  controlnet.controlnet_cond_embedding.conv_out]
    with torch.no_grad():
        for module in zero_convs:
            for parameter in module.parameters():
                parameter.normal_(std=1.0)
    return controlnet


def build_z_image() -> Any:
    """Z-Image-shaped: a Qwen3 text encoder (its second-to-last layer read), a single-stream DiT, a FLUX-like VAE."""
    from diffusers import ZImagePipeline, ZImageTransformer2DModel
    from transformers import Qwen3Model

    tokenizer, text_encoder = qwen3_text(Qwen3Model, layers=2)
    torch.manual_seed(0)
    transformer = ZImageTransformer2DModel(all_patch_size=(2,), all_f_patch_size=(1,), in_channels=4, dim=32,
                                           n_layers=2, n_refiner_layers=1, n_heads=2, n_kv_heads=2, cap_feat_dim=16,
                                           axes_dims=[8, 4, 4], axes_lens=[256, 32, 32])
    torch.manual_seed(0)
    vae = AutoencoderKL(block_out_channels=(8, 8, 16, 16), in_channels=3, out_channels=3,
                        down_block_types=("DownEncoderBlock2D",) * 4, up_block_types=("UpDecoderBlock2D",) * 4,
                        latent_channels=4, layers_per_block=1, norm_num_groups=4, sample_size=64,
                        shift_factor=0.1159, scaling_factor=0.3611)
    return ZImagePipeline(scheduler=FlowMatchEulerDiscreteScheduler(shift=3.0), vae=vae, text_encoder=text_encoder,
                          tokenizer=tokenizer, transformer=transformer)


BUILDERS["z-image"] = build_z_image


def build_sana() -> Any:
    """Sana-shaped: a Gemma2 text encoder (its tokenizer over the in-code T5 vocabulary), a linear-attention DiT and
    a deep-compression autoencoder, as diffusers' tests size them."""
    from diffusers import AutoencoderDC, SanaPipeline, SanaTransformer2DModel
    from transformers import Gemma2Config, Gemma2Model, GemmaTokenizerFast

    tokenizer = GemmaTokenizerFast(tokenizer_object=t5_tokenizer().backend_tokenizer, bos_token="<pad>",
                                   eos_token="</s>", unk_token="<unk>", pad_token="<pad>")
    torch.manual_seed(0)
    text_encoder = Gemma2Model(Gemma2Config(head_dim=16, hidden_size=8, intermediate_size=64,
                                            max_position_embeddings=8192, num_attention_heads=2, num_hidden_layers=1,
                                            num_key_value_heads=2, vocab_size=len(tokenizer)))
    torch.manual_seed(0)
    transformer = SanaTransformer2DModel(patch_size=1, in_channels=4, out_channels=4, num_layers=1,
                                         num_attention_heads=2, attention_head_dim=4, num_cross_attention_heads=2,
                                         cross_attention_head_dim=4, cross_attention_dim=8, caption_channels=8,
                                         sample_size=32)
    torch.manual_seed(0)
    vae = AutoencoderDC(in_channels=3, latent_channels=4, attention_head_dim=2,
                        encoder_block_types=("ResBlock", "EfficientViTBlock"),
                        decoder_block_types=("ResBlock", "EfficientViTBlock"), encoder_block_out_channels=(8, 8),
                        decoder_block_out_channels=(8, 8), encoder_qkv_multiscales=((), (5,)),
                        decoder_qkv_multiscales=((), (5,)), encoder_layers_per_block=(1, 1),
                        decoder_layers_per_block=[1, 1], downsample_block_type="conv",
                        upsample_block_type="interpolate", decoder_norm_types="rms_norm", decoder_act_fns="silu",
                        scaling_factor=0.41407)
    return SanaPipeline(tokenizer=tokenizer, text_encoder=text_encoder, vae=vae, transformer=transformer,
                        scheduler=FlowMatchEulerDiscreteScheduler(shift=7.0))


BUILDERS["sana"] = build_sana


def save_adapter(name: str, folder: Path) -> Path:
    target = Path(folder) / name
    if not (target / "config.json").exists():
        {"t2i-adapter": build_t2i_adapter, "controlnet": build_controlnet}[name]().save_pretrained(target)
    return target


def save_flux_ip_adapter(folder: Path) -> Path:
    """A random IP-Adapter for the tiny FLUX transformer in XLabs' layout (`ip_adapter.safetensors`: the image
    projection as `ip_adapter_proj_model.*`, per double block `double_blocks.N.processor.ip_adapter_double_stream_
    {k,v}_proj.*`), with a tiny CLIP vision encoder beside it in `image_encoder/`, as XLabs pairs theirs with
    openai/clip-vit-large-patch14."""
    from safetensors.torch import save_file
    from transformers import CLIPVisionConfig, CLIPVisionModelWithProjection

    target = Path(folder) / "flux-ip-adapter"
    if (target / "ip_adapter.safetensors").exists():
        return target
    config = build_flux().transformer.config
    inner, joint, clip_dim, tokens = config.num_attention_heads * config.attention_head_dim, \
        config.joint_attention_dim, 32, 4
    generator = torch.Generator().manual_seed(3)
    tensors = {
        "ip_adapter_proj_model.proj.weight": torch.randn(joint * tokens, clip_dim, generator=generator) * 0.3,
        "ip_adapter_proj_model.proj.bias": torch.zeros(joint * tokens),
        "ip_adapter_proj_model.norm.weight": torch.ones(joint),
        "ip_adapter_proj_model.norm.bias": torch.zeros(joint),
    }
    for block in range(config.num_layers):
        for kind in ("k", "v"):
            key = f"double_blocks.{block}.processor.ip_adapter_double_stream_{kind}_proj"
            tensors[f"{key}.weight"] = torch.randn(inner, joint, generator=generator) * 0.5
            tensors[f"{key}.bias"] = torch.zeros(inner)
    target.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(4)
    CLIPVisionModelWithProjection(CLIPVisionConfig(
        hidden_size=32, projection_dim=clip_dim, image_size=32, patch_size=8, num_channels=3, num_hidden_layers=2,
        num_attention_heads=4, intermediate_size=37)).save_pretrained(target / "image_encoder")
    save_file(tensors, target / "ip_adapter.safetensors")
    return target
