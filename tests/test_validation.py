"""Every bad input gets its own clear error naming the field, and nothing is queued or stored."""

from __future__ import annotations

import pytest
from PIL import Image

from chatcanvas.engine import EditRequest, GenerateRequest
from chatcanvas.errors import InvalidInput
from tests.conftest import store_snapshot

BAD_GENERATE = [
    ({"prompt": ""}, "prompt", "must not be empty"),
    ({"prompt": "   "}, "prompt", "must not be empty"),
    ({"prompt": "x" * 2001}, "prompt", "the limit is 2000"),
    ({"negative_prompt": "x" * 2001}, "negative_prompt", "the limit is 2000"),
    ({"width": 63}, "width", "multiple of 8"),
    ({"height": 100}, "height", "multiple of 8"),
    ({"width": 4096}, "width", "between 8 and 1536"),
    ({"height": 0}, "height", "between 8 and 1536"),
    ({"width": 64.0}, "width", "whole number"),
    ({"steps": 0}, "steps", "between 1 and 100"),
    ({"steps": 101}, "steps", "between 1 and 100"),
    ({"guidance_scale": -1}, "guidance_scale", "between 0 and 50"),
    ({"guidance_scale": float("nan")}, "guidance_scale", "finite number"),
    ({"n": 0}, "n", "between 1 and 4"),
    ({"n": 5}, "n", "between 1 and 4"),
    ({"seed": -1}, "seed", "between 0 and"),
    ({"model": "not a model"}, "model", "unknown model 'not a model'"),
    ({"scheduler": "warp_drive"}, "scheduler", "unknown scheduler 'warp_drive'"),
]


@pytest.mark.parametrize(("overrides", "field", "message"), BAD_GENERATE, ids=[c[1] + ":" + c[2] for c in BAD_GENERATE])
def test_bad_generate_input_is_refused_by_field(engine, overrides, field, message):
    engine.run(GenerateRequest(prompt="already here", steps=1, seed=1))
    before = store_snapshot(engine.store)
    request = GenerateRequest(**{"prompt": "a fox", **overrides})
    with pytest.raises(InvalidInput, match=message) as caught:
        engine.submit(request)
    assert caught.value.field == field
    assert str(caught.value).startswith(f"{field}: ")
    assert len(engine.queue) == 0
    assert store_snapshot(engine.store) == before


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"strength": 0}, "strength", "above 0 and at most 1"),
        ({"strength": 1.5}, "strength", "above 0 and at most 1"),
        ({"image": None}, "image", "an image to edit is required"),
        ({"mask": "not an image"}, "mask", "must be an image"),
        ({"image_guidance_scale": 99}, "image_guidance_scale", "between 0 and 50"),
    ],
)
def test_bad_edit_input_is_refused_by_field(engine, overrides, field, message):
    before = store_snapshot(engine.store)
    request = EditRequest(**{"prompt": "blue", "image": Image.new("RGB", (64, 64)), **overrides})
    with pytest.raises(InvalidInput, match=message) as caught:
        engine.submit(request)
    assert caught.value.field == field
    assert store_snapshot(engine.store) == before


def test_more_steps_than_the_scheduler_has_noise_levels_is_refused(settings):
    """With max_steps raised past the scheduler's 1000 noise levels, the run is refused up front by field, rather
    than failing at its last step inside diffusers."""
    from chatcanvas.engine import Engine

    engine = Engine(settings.model_copy(update={"max_steps": 5000}))
    try:
        with pytest.raises(InvalidInput, match="tiny denoises in at most 1000 steps; got 1001") as caught:
            engine.run(GenerateRequest(prompt="a fox", steps=1001, seed=1))
        assert caught.value.field == "steps"
    finally:
        engine.close()
