"""Loading models: the built-in id and a Hub-style folder through from_pretrained; edit pipelines share weights."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from chatcanvas.engine import GenerateRequest, PipelineRegistry
from chatcanvas.engine.tiny import build_tiny_pipeline, tiny_folder
from chatcanvas.errors import InvalidInput, UnknownModel
from tests.conftest import pixels


def test_tiny_is_saved_once_and_loaded_through_from_pretrained(settings):
    registry = PipelineRegistry(settings)
    loaded = registry.get("tiny")
    folder = tiny_folder(settings.resolved_cache_dir)
    assert json.loads((folder / "model_index.json").read_text())["_class_name"] == "StableDiffusionPipeline"
    assert loaded.base.name_or_path == str(folder)  # what from_pretrained records
    assert (loaded.defaults.width, loaded.defaults.height, loaded.defaults.steps) == (64, 64, 4)
    assert registry.get("tiny") is loaded  # loaded once, kept


def test_a_model_saved_to_a_folder_loads_like_a_hub_model(engine, tmp_path):
    other = build_tiny_pipeline()
    torch.manual_seed(123)
    for parameter in other.unet.parameters():
        parameter.data.normal_(0, 0.05)
    other.save_pretrained(tmp_path / "my-model")
    model = str(tmp_path / "my-model")

    mine = engine.run(GenerateRequest(prompt="a red fox", seed=1, steps=4, model=model))[0]
    tiny = engine.run(GenerateRequest(prompt="a red fox", seed=1, steps=4, model="tiny"))[0]
    assert mine.model == model
    assert engine.registry.get(model).base.name_or_path == model
    assert np.abs(pixels(mine.path) - pixels(tiny.path)).mean() > 1.0


def test_edit_pipelines_share_the_text_to_image_weights(settings):
    loaded = PipelineRegistry(settings).get("tiny")
    img2img, inpaint = loaded.pipeline("img2img"), loaded.pipeline("inpaint")
    assert type(img2img).__name__ == "StableDiffusionImg2ImgPipeline"
    assert type(inpaint).__name__ == "StableDiffusionInpaintPipeline"
    for derived in (img2img, inpaint):
        for name in ("unet", "vae", "text_encoder"):
            shared = dict(getattr(loaded.base, name).named_parameters())
            for key, tensor in getattr(derived, name).named_parameters():
                assert tensor.data_ptr() == shared[key].data_ptr()
    assert loaded.pipeline("img2img") is img2img  # made once


@pytest.mark.parametrize(
    ("model", "message"),
    [
        ("", "must not be empty"),
        ("no such model", "unknown model"),
        ("{tmp}/empty-folder", "no model_index.json"),
    ],
)
def test_unknown_models_are_refused_by_name(settings, model, message, tmp_path):
    (tmp_path / "empty-folder").mkdir()
    with pytest.raises(InvalidInput, match=message) as caught:
        PipelineRegistry(settings).check(model.format(tmp=tmp_path))
    assert caught.value.field == "model"


def test_a_hub_id_that_cannot_be_loaded_is_a_clear_error(engine):
    with pytest.raises(UnknownModel, match="could not load it"):
        engine.run(GenerateRequest(prompt="x", model="nobody-here/not-a-model"), timeout=60)
    # the worker survives and keeps serving
    assert engine.run(GenerateRequest(prompt="x", steps=1, seed=1))[0].model == "tiny"
