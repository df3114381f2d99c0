"""Style references (InstantStyle): an IP-Adapter applied on the style block only, from a picture whose style the
new one takes; on the tiny model's own tiny IP-Adapter, at the engine and over HTTP, and the refusals."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from chatcanvas.engine import GenerateRequest
from chatcanvas.engine.personalize import style_blocks
from chatcanvas.errors import InvalidInput
from tests.conftest import pixels, png_bytes
from tests.families import save


def stripes(color: str) -> Image.Image:
    picture = Image.new("RGB", (64, 64), "white")
    for x in range(0, 64, 8):
        picture.paste(Image.new("RGB", (4, 64), color), (x, 0))
    return picture


def test_the_style_block_is_sdxls_published_one_and_the_tiny_models_own(engine):
    from tests.tiny_sdxl import build_tiny_sdxl

    assert style_blocks(engine.registry.get("tiny").base.unet, 1.0) == {"up": {"block_0": [0.0, 1.0]}}
    sdxl = build_tiny_sdxl().unet  # SDXL's first up block has three attentions per level at full size
    assert list(style_blocks(sdxl, 0.8)["up"]) == ["block_0"] and style_blocks(sdxl, 0.8)["up"]["block_0"][1] == 0.8


def test_a_style_reference_changes_the_picture_and_is_recorded(engine):
    def draw(style):
        return engine.run(GenerateRequest(prompt="a fox", seed=2, steps=4, style_image=style, style_scale=2.0),
                          timeout=300)[0]

    red, again, blue = draw(stripes("red")), draw(stripes("red")), draw(stripes("blue"))
    plain = engine.run(GenerateRequest(prompt="a fox", seed=2, steps=4), timeout=300)[0]
    assert np.array_equal(pixels(red.path), pixels(again.path))
    assert not np.array_equal(pixels(red.path), pixels(blue.path))
    assert np.abs(pixels(red.path) - pixels(plain.path)).mean() > 0.5
    after = engine.run(GenerateRequest(prompt="a fox", seed=2, steps=4), timeout=300)[0]
    assert np.array_equal(pixels(plain.path), pixels(after.path))  # the adapter is gone after the job


def test_style_references_are_refused_where_they_cannot_work(engine, tmp_path):
    with pytest.raises(InvalidInput, match="SD 1.5 and SDXL models take them") as refused:
        engine.submit(GenerateRequest(prompt="a fox", style_image=stripes("red"),
                                      model=str(save("flux-schnell", tmp_path))))
    assert refused.value.field == "style_image"
    with pytest.raises(InvalidInput, match="needs a style image"):
        engine.submit(GenerateRequest(prompt="a fox", style_scale=0.5))
    with pytest.raises(InvalidInput, match="between 0 and 2"):
        engine.submit(GenerateRequest(prompt="a fox", style_image=stripes("red"), style_scale=3.0))


def test_a_style_from_an_uploaded_picture_over_http(live):
    server = live()
    with server.client() as http:
        edit = http.post("/v1/images/edits", data={"prompt": "stripes", "steps": "1"},
                         files=[("image", ("s.png", png_bytes(stripes("red")), "image/png"))])
        upload = http.get(f"/v1/images/{edit.json()['data'][0]['id']}/meta").json()["parent_id"]
        drawn = http.post("/v1/images/generations", json={"prompt": "a fox", "style_image_id": upload, "steps": 2})
        assert drawn.status_code == 200, drawn.text
        meta = http.get(f"/v1/images/{drawn.json()['data'][0]['id']}/meta").json()
        assert meta["style_image_id"] == upload
        missing = http.post("/v1/images/generations", json={"prompt": "a fox", "style_image_id": "nope"})
        assert missing.status_code == 404
