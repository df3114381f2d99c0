"""Subjects on flow-matching transformers: DreamBooth LoRA for FLUX.1 and SD3 (diffusers' train_dreambooth_lora_flux
/ _sd3 recipes), trained on tiny random pipelines, then drawn, with the shared transformer left plain afterwards."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from chatcanvas.engine import GenerateRequest
from tests.conftest import CACHE_DIR, pixels
from tests.families import save


@pytest.mark.parametrize("name", ["flux-dev", "sd3"])
def test_a_subject_enrolled_on_a_flow_model_learns_a_lora_and_draws_with_it(tmp_path, name):
    from chatcanvas.config import Settings
    from chatcanvas.engine import Engine
    from chatcanvas.services.subjects import SubjectService
    from chatcanvas.store.subjects import SubjectStore

    model = str(save(name, tmp_path))
    settings = Settings(data_dir=tmp_path / "data", cache_dir=CACHE_DIR, model=model, lora_steps=6,
                        lora_learning_rate=1e-2, lora_resolution=32)
    engine = Engine(settings)
    try:
        subjects = SubjectService(engine, engine.store, SubjectStore(settings.resolved_data_dir))
        photos = [Image.new("RGB", (48, 48), color) for color in ("red", "orange", "crimson")]
        subject, job = subjects.register("alice", "Rex", photos, aliases=["my toy"])
        assert subject.method == "lora"  # unless asked, FLUX and SD3 subjects learn a LoRA
        events = []
        job.subscribe(events.append)
        job.wait(600)
        assert (subject.lora_folder / "pytorch_lora_weights.safetensors").is_file()
        assert subjects.subjects.get("alice", subject.id).status == "ready"
        _, request = subjects.personalize("alice", "my toy", "on a beach", width=32, height=32, seed=1)
        plain_request = GenerateRequest(prompt=request.prompt, steps=2, seed=1, width=32, height=32)
        before = engine.run(plain_request, timeout=300)[0]  # the same words without the subject's LoRA
        drawn = engine.run(GenerateRequest(**{**request.__dict__, "steps": 2}), timeout=300)[0]
        after = engine.run(plain_request, timeout=300)[0]
        assert drawn.subject_ids == (subject.id,) and drawn.subject_method == "lora"
        assert np.abs(pixels(drawn.path) - pixels(before.path)).mean() > 0.5
        assert np.array_equal(pixels(before.path), pixels(after.path))  # the LoRA is gone from the transformer
    finally:
        engine.close()


def test_a_flux_subject_can_use_an_xlabs_ip_adapter_with_no_training(tmp_path):
    """FLUX.1's IP-Adapter (XLabs' layout through `FluxPipeline.load_ip_adapter`): the references are encoded once,
    the draw passes the cached embeddings (the negative ones too, so true CFG needs no image encoder), and the
    plain model is back afterwards."""
    from chatcanvas.config import Settings
    from chatcanvas.engine import Engine
    from chatcanvas.services.subjects import SubjectService
    from chatcanvas.store.subjects import SubjectStore
    from tests.families import save_flux_ip_adapter

    model = str(save("flux-dev", tmp_path))
    adapter = save_flux_ip_adapter(tmp_path)
    settings = Settings(data_dir=tmp_path / "data", cache_dir=CACHE_DIR, model=model,
                        ip_adapter_repo=str(adapter), ip_adapter_image_encoder=str(adapter / "image_encoder"),
                        ip_adapter_scale=1.0)
    engine = Engine(settings)
    try:
        subjects = SubjectService(engine, engine.store, SubjectStore(settings.resolved_data_dir))
        photos = [Image.new("RGB", (48, 48), color) for color in ("red", "orange")]
        subject, _ = subjects.register("alice", "Rex", photos, aliases=["my toy"], method="ip_adapter")
        assert subject.status == "ready" and subject.method == "ip_adapter"
        _, request = subjects.personalize("alice", "my toy", "on a beach", width=32, height=32, seed=1)
        plain_request = GenerateRequest(prompt=request.prompt, steps=2, seed=1, width=32, height=32)
        before = engine.run(plain_request, timeout=300)[0]
        drawn = engine.run(GenerateRequest(**{**request.__dict__, "steps": 2}), timeout=300)[0]
        again = engine.run(GenerateRequest(**{**request.__dict__, "steps": 2}), timeout=300)[0]
        after = engine.run(plain_request, timeout=300)[0]
        assert drawn.subject_ids == (subject.id,) and drawn.subject_method == "ip_adapter"
        assert np.abs(pixels(drawn.path) - pixels(before.path)).mean() > 0.5
        assert np.array_equal(pixels(drawn.path), pixels(again.path))  # same seed, same subject: same picture
        assert np.array_equal(pixels(before.path), pixels(after.path))  # the adapter is gone from the transformer
        # with a negative prompt FLUX runs true CFG: the negative pass takes the cached negative image embeddings
        negative = engine.run(GenerateRequest(**{**request.__dict__, "steps": 2, "negative_prompt": "blurry"}),
                              timeout=300)[0]
        assert np.abs(pixels(negative.path) - pixels(drawn.path)).mean() > 0.5
        # a FLUX model takes no style reference: InstantStyle needs a UNet's style blocks
        styled = GenerateRequest(prompt="a cat", steps=2, width=32, height=32, style_image_id=before.id,
                                 style_image=Image.open(before.path))
        with pytest.raises(Exception, match="style blocks"):
            engine.run(styled, timeout=300)
    finally:
        engine.close()
