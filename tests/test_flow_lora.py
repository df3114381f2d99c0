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
        assert subject.method == "lora"  # FLUX and SD3 have no IP-Adapter here: a LoRA is learned
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
