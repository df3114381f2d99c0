"""The `shapes` pipeline's parts, as untrained modules: a word-level CLIP tokenizer built from the caption
vocabulary, a small CLIP text encoder, a small UNet at 16x16 latents, a small 4x AutoencoderKL and the schedulers.
"""

from __future__ import annotations

import json
import string

from chatcanvas.models.shapes.scenes import vocabulary

MAX_TOKENS = 48
LATENT_CHANNELS = 4
TRAIN_SCHEDULER = dict(num_train_timesteps=1000, beta_schedule="squaredcos_cap_v2", prediction_type="v_prediction")


def build_tokenizer():
    """BPE merges learned (with the `tokenizers` trainer) from the caption words, so every caption word is one token;
    any other text still tokenizes, letter by letter."""
    from tokenizers import Tokenizer, models, pre_tokenizers, trainers
    from transformers import CLIPTokenizer

    alphabet = list(string.ascii_lowercase + string.digits + string.punctuation)
    bpe = Tokenizer(models.BPE(end_of_word_suffix="</w>"))
    bpe.pre_tokenizer = pre_tokenizers.Whitespace()
    trainer = trainers.BpeTrainer(vocab_size=4096, special_tokens=["<|startoftext|>", "<|endoftext|>"],
                                  initial_alphabet=alphabet, end_of_word_suffix="</w>", show_progress=False)
    bpe.train_from_iterator(vocabulary(), trainer)
    trained = json.loads(bpe.to_str())["model"]
    vocab: dict[str, int] = dict(sorted(trained["vocab"].items(), key=lambda item: item[1]))
    for char in alphabet:  # a letter that ends an unknown word
        vocab.setdefault(char + "</w>", len(vocab))
    merges = [tuple(m.split(" ")) if isinstance(m, str) else tuple(m) for m in trained["merges"]]
    return CLIPTokenizer(vocab=vocab, merges=merges, model_max_length=MAX_TOKENS)


def build_text_encoder(vocab_size: int):
    from transformers import CLIPTextConfig, CLIPTextModel

    return CLIPTextModel(CLIPTextConfig(
        bos_token_id=0, eos_token_id=1, pad_token_id=1, vocab_size=vocab_size, hidden_size=64, intermediate_size=256,
        num_attention_heads=4, num_hidden_layers=3, max_position_embeddings=MAX_TOKENS, projection_dim=64,
    ))


def build_unet(levels: int = 4):
    """Four levels, down to 2x2, where every cell touches two borders of the picture: that is how a convolutional
    network knows where it is. With three (down to 4x4) the model learned colors and shapes but never "on the left"."""
    from diffusers import UNet2DConditionModel

    channels = (32, 64, 128, 128)[:levels]
    return UNet2DConditionModel(
        sample_size=16, in_channels=LATENT_CHANNELS, out_channels=LATENT_CHANNELS, layers_per_block=1,
        block_out_channels=channels,
        down_block_types=("DownBlock2D",) + ("CrossAttnDownBlock2D",) * (levels - 1),
        up_block_types=("CrossAttnUpBlock2D",) * (levels - 1) + ("UpBlock2D",),
        cross_attention_dim=64, attention_head_dim=8, norm_num_groups=16,
    )


def build_vae():
    """The posterior starts nearly deterministic (log-variance bias -8): with a KL weight this small, a unit-variance
    start would leave noisy latents for thousands of steps and teach the decoder to blur."""
    import torch
    from diffusers import AutoencoderKL

    vae = AutoencoderKL(
        in_channels=3, out_channels=3, latent_channels=LATENT_CHANNELS, sample_size=64, layers_per_block=1,
        block_out_channels=(16, 32, 64), down_block_types=("DownEncoderBlock2D",) * 3,
        up_block_types=("UpDecoderBlock2D",) * 3, norm_num_groups=8, mid_block_add_attention=False,
    )
    with torch.no_grad():
        vae.quant_conv.bias[LATENT_CHANNELS:] = -8.0
    return vae


def build_scheduler():
    """What the shipped pipeline samples with: DPM-Solver++ (2M) over the training noise schedule."""
    from diffusers import DPMSolverMultistepScheduler

    return DPMSolverMultistepScheduler(**TRAIN_SCHEDULER, timestep_spacing="trailing", steps_offset=1)
