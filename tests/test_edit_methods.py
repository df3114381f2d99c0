"""Edit methods: real-image editing by inversion (LEDITS++) on an SD-family model, `auto` choosing the method, the
method kept on the image record, and clear refusals of a method the model's family does not have."""

from __future__ import annotations

import subprocess

import numpy as np
import pytest
from PIL import Image

from chatcanvas.engine import EditRequest
from chatcanvas.errors import InvalidInput
from chatcanvas.store import read_parameters
from tests.conftest import pixels, png_bytes


def photo() -> Image.Image:
    picture = Image.new("RGB", (64, 48), "orange")
    picture.paste(Image.new("RGB", (24, 24), "blue"), (20, 12))
    return picture


def test_an_inversion_edit_keeps_the_size_records_its_method_and_reproduces(engine):
    removed = engine.run(EditRequest(prompt="an orange picture", image=photo(), remove=("blue square",), seed=4,
                                     steps=6), timeout=300)[0]
    again = engine.run(EditRequest(prompt="an orange picture", image=photo(), remove=("blue square",), seed=4,
                                   steps=6), timeout=300)[0]
    added = engine.run(EditRequest(prompt="an orange picture", image=photo(), add=("a red circle",), seed=4,
                                   steps=6), timeout=300)[0]
    assert (removed.edit_method, removed.width, removed.height, removed.strength) == ("inversion", 64, 48, None)
    assert read_parameters(removed.path)["edit_method"] == "inversion"
    assert np.array_equal(pixels(removed.path), pixels(again.path))
    assert np.abs(pixels(removed.path) - pixels(added.path)).mean() > 1.0  # towards, not away: another picture
    plain = engine.run(EditRequest(prompt="a red circle", image=photo(), seed=4, steps=6), timeout=300)[0]
    assert plain.edit_method == "img2img"  # auto, with nothing to add or remove


def test_methods_a_family_does_not_have_or_that_lack_what_they_need_are_refused(engine, tmp_path):
    from tests.families import save

    flux = str(save("flux-schnell", tmp_path))
    cases = [
        (dict(model=flux, method="inversion", remove=("hat",)), "method", "cannot edit by inversion; it edits by: "
                                                                          "img2img, inpaint"),
        (dict(method="inversion"), "add", "needs something to add or to remove"),
        (dict(method="img2img", add=("a hat",)), "add", "only an inversion edit takes it"),
        (dict(remove=("hat",), mask=Image.new("L", (64, 48), 255), method="inversion"), "mask", "finds the area"),
        (dict(remove=("hat",), strength=0.5), "strength", "takes no strength"),
        (dict(remove=("hat",), scheduler="euler"), "scheduler", "cannot invert a picture; choose one of dpmpp_2m"),
        (dict(method="sketch"), "method", "use one of auto, img2img"),
        (dict(method="inpaint"), "mask", "inpainting needs a mask"),
    ]
    for options, field, message in cases:
        with pytest.raises(InvalidInput, match=message) as refused:
            engine.submit(EditRequest(prompt="a cat", image=photo(), **options))
        assert refused.value.field == field, options
    # with auto, what to remove is a hint: a family that cannot invert edits by img2img from the prompt
    hinted = engine.run(EditRequest(prompt="a cat without a hat", image=photo(), remove=("hat",), model=flux,
                                    steps=2), timeout=300)[0]
    assert hinted.edit_method == "img2img"


def test_inversion_over_http_and_the_cli(live, tmp_path):
    server = live()
    with server.client() as http:
        response = http.post("/v1/images/edits", data={"prompt": "an orange picture", "method": "inversion",
                                                       "remove": ["blue square"], "steps": "4", "seed": "2"},
                             files=[("image", ("p.png", png_bytes(photo()), "image/png"))])
        assert response.status_code == 200, response.text
        meta = http.get(f"/v1/images/{response.json()['data'][0]['id']}/meta").json()
        assert meta["edit_method"] == "inversion" and (meta["width"], meta["height"]) == (64, 48)
        refused = http.post("/v1/images/edits", data={"prompt": "x", "method": "inversion"},
                            files=[("image", ("p.png", png_bytes(photo()), "image/png"))])
        assert refused.status_code == 400 and "add" in refused.json()["error"]["message"]
    source = tmp_path / "photo.png"
    photo().save(source)
    done = subprocess.run(["chatcanvas", "edit", str(source), "an orange picture", "--model", "tiny", "--remove",
                           "blue square", "--steps", "4", "--output", str(tmp_path / "out.png"), "--data-dir",
                           str(tmp_path / "data")], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    assert read_parameters(tmp_path / "out.png")["edit_method"] == "inversion"
