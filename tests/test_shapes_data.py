"""The `shapes` dataset, tokenizer, picture reader and training script (the parts that need no trained weights)."""

from __future__ import annotations

import random

import pytest

from chatcanvas.eval.reading import read
from chatcanvas.models.shapes.scenes import (
    COLORS,
    HELD_OUT,
    POSITIONS,
    SHAPES,
    Background,
    Scene,
    Thing,
    describe,
    render,
    sample_scene,
    training_batch,
    vocabulary,
)


def test_captions_name_what_is_drawn_and_training_never_draws_a_held_out_combination():
    rng = random.Random(3)
    seen_shapes, seen_patterns = set(), set()
    for _ in range(3000):
        scene = sample_scene(rng)
        for thing in scene.things:
            assert (thing.shape, thing.color, scene.background.color) not in HELD_OUT
            assert f"{thing.color} {thing.shape}" in scene.caption
            assert thing.color not in (scene.background.color, scene.background.second)
            seen_shapes.add(thing.shape)
        assert f"{scene.background.color} " in scene.caption and "background" in scene.caption
        if len(scene.things) > 1:  # several objects always say where each one is
            assert all(any(p in scene.caption for p in phrases) for phrases in [["left", "right", "top", "bottom"]])
        seen_patterns.add(scene.background.pattern)
    assert seen_shapes == set(SHAPES) and seen_patterns == {"plain", "striped", "checkered"}
    assert len(COLORS) >= 8 and len(HELD_OUT) == 54


def test_held_out_scenes_use_only_held_out_combinations():
    rng = random.Random(4)
    for _ in range(200):
        scene = sample_scene(rng, held_out=True, count=1, pattern="plain")
        assert (scene.things[0].shape, scene.things[0].color, scene.background.color) in HELD_OUT


def test_training_batches_are_a_function_of_their_seed():
    first_images, first_captions = training_batch(11, 6)
    again_images, again_captions = training_batch(11, 6)
    assert first_captions == again_captions
    assert [i.tobytes() for i in first_images] == [i.tobytes() for i in again_images]
    assert training_batch(12, 6)[1] != first_captions


def test_the_reader_reads_rendered_scenes_exactly():
    """The evaluation's reader, on the true pictures: every color, place and shape read back."""
    for shape in SHAPES:
        for position in POSITIONS:
            for size in ("small", "big"):
                scene = Scene((Thing(shape, "orange", size, position),), Background("blue"))
                reading = read(render(scene)[0])
                assert (reading.background, reading.color, reading.position, reading.shape) == (
                    "blue", "orange", position, shape), (shape, position, size)


def test_the_reader_finds_no_object_on_an_empty_background_and_reads_the_subjects_two_colors():
    from PIL import Image

    from chatcanvas.eval.shapes import has_light_middle, is_subject
    from chatcanvas.models.shapes.scenes import subject_references

    assert read(Image.new("RGB", (64, 64), COLORS["green"])).color is None
    for picture in subject_references(4):
        assert is_subject(read(picture)) and has_light_middle(read(picture))
    plain = read(render(Scene((Thing("ring", "red", "big", "center"),), Background("yellow")))[0])
    assert not is_subject(plain) and not has_light_middle(plain)
    striped = Scene((Thing("star", "red", "big", "center", stripes="white"),), Background("blue"))
    shares = read(render(striped)[0]).colors
    assert shares["red"] > 0.3 and shares["white"] > 0.3


def test_each_reference_picture_is_described_by_its_background_in_the_captions_words():
    from chatcanvas.engine.catalog import BUILTIN_MODELS
    from chatcanvas.models.shapes.scenes import SUBJECT_BACKGROUNDS, subject_references

    describe_picture = BUILTIN_MODELS["shapes"].reference_context
    described = [describe_picture(picture) for picture in subject_references(6)]
    assert described == [f"on a {ground} background" for ground in SUBJECT_BACKGROUNDS[:6]]


def test_the_tokenizer_has_one_token_per_caption_word_and_still_reads_other_text():
    from chatcanvas.models.shapes.model import MAX_TOKENS, build_tokenizer

    tokenizer = build_tokenizer()
    for word in vocabulary():
        assert tokenizer.tokenize(word) == [f"{word}</w>"]
    longest = describe(Scene(tuple(Thing("triangle", c, "medium", p) for c, p in
                                   (("red", "top left"), ("blue", "top right"), ("green", "bottom left"))),
                             Background("yellow", "checkered", "white")))
    assert len(tokenizer(longest).input_ids) <= MAX_TOKENS
    assert tokenizer.unk_token_id not in tokenizer("sks dragon, 42!").input_ids[1:-1]


def test_training_resumes_from_its_checkpoint_and_exports_a_loadable_pipeline(tmp_path):
    import torch
    from diffusers import AutoPipelineForText2Image

    from chatcanvas.models.shapes.train import main

    out, pipe_dir = tmp_path / "run", tmp_path / "pipe"
    main(["--out", str(out), "--export-to", str(pipe_dir), "--vae-steps", "2", "--steps", "2", "--batch", "4",
          "--checkpoint-every", "1"])
    first = torch.load(out / "denoiser.pt", weights_only=False)
    assert first["step"] == 2
    main(["--out", str(out), "--export-to", str(pipe_dir), "--vae-steps", "2", "--steps", "3", "--batch", "4",
          "--checkpoint-every", "1"])
    resumed = torch.load(out / "denoiser.pt", weights_only=False)
    assert resumed["step"] == 3 and resumed["scale"] == pytest.approx(first["scale"])
    assert not torch.equal(resumed["unet"]["conv_in.weight"], first["unet"]["conv_in.weight"])

    pipe = AutoPipelineForText2Image.from_pretrained(pipe_dir, dtype=torch.float32)
    assert pipe.unet.config.sample_size * pipe.vae_scale_factor == 64
    assert {f.suffix for f in pipe_dir.rglob("*.safetensors")} == {".safetensors"}
    stored = next(pipe_dir.glob("unet/*.safetensors"))
    from safetensors import safe_open

    with safe_open(stored, "pt") as weights:
        assert all(weights.get_tensor(k).dtype == torch.float16 for k in list(weights.keys())[:5])
    image = pipe("a red circle on a blue background", num_inference_steps=2, height=64, width=64,
                 generator=torch.Generator().manual_seed(0)).images[0]
    assert image.size == (64, 64)
