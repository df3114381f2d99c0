"""LoRA hotswap: one resident LoRA slot that subjects are swapped into and out of (so a compiled model is not
recompiled per subject) draws exactly what loading and unloading each subject's LoRA draws, and training a new
subject leaves the slot in place."""

from __future__ import annotations

import numpy as np
from PIL import Image

from chatcanvas.engine import GenerateRequest
from chatcanvas.engine.jobs import SubjectAdapter, TrainLoraRequest
from tests.conftest import CACHE_DIR, pixels


def engine_with(tmp_path, name, **settings):
    from chatcanvas.config import Settings
    from chatcanvas.engine import Engine

    return Engine(Settings(data_dir=tmp_path / name, cache_dir=CACHE_DIR, model="tiny", **settings))


def test_swapping_subjects_through_the_resident_slot_draws_what_loading_them_draws(tmp_path):
    hot, plain = engine_with(tmp_path, "hot", lora_hotswap=True), engine_with(tmp_path, "plain", lora_hotswap=False)
    try:
        loras = {}
        for name, color in (("a", "red"), ("b", "blue")):
            photos = tuple(Image.new("RGB", (64, 64), color) for _ in range(2))
            loras[name] = tmp_path / f"lora-{name}"
            hot.submit(TrainLoraRequest(images=photos, instance_prompt="a photo of sks toy", output=loras[name],
                                        steps=6, learning_rate=5e-2, seed=1)).wait(300)
        unet = hot.registry.get("tiny").base.unet
        assert "subject" in unet.peft_config  # training a subject left the slot in place
        assert "LoRA hotswap (rank 64)" in hot.registry.get("tiny").speedups

        def draws(engine):
            found = []
            for subject in (None, "a", "b", None):
                adapter = SubjectAdapter(subject, "lora", loras[subject]) if subject else None
                found.append(pixels(engine.run(GenerateRequest(prompt="a photo of sks toy", steps=3, seed=4,
                                                                subject=adapter), timeout=300)[0].path))
            return found

        swapped, loaded = draws(hot), draws(plain)
        for left, right in zip(swapped, loaded, strict=True):
            assert np.abs(left - right).max() <= 2
        assert np.abs(swapped[1] - swapped[0]).mean() > 0.5 and np.abs(swapped[2] - swapped[1]).mean() > 0.5
        assert np.abs(swapped[3] - swapped[0]).max() <= 1  # swapped out again: the plain model
        assert "subject" in unet.peft_config
    finally:
        hot.close()
        plain.close()
