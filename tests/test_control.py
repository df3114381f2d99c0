"""Controlled drawing: a sketch (T2I-Adapter) or a depth map (ControlNet) steers the layout of a new picture, on tiny
random adapters sized for the tiny SD model; at the engine, over HTTP (one user's image only), and its refusals."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageDraw

from chatcanvas.engine import EditRequest, GenerateRequest
from chatcanvas.errors import InvalidInput
from tests.conftest import CACHE_DIR, KEYS, pixels, png_bytes
from tests.families import save, save_adapter


def sketch(box: tuple[int, int, int, int]) -> Image.Image:
    picture = Image.new("RGB", (64, 64), "white")
    ImageDraw.Draw(picture).rectangle(box, fill="black")  # a wall block of a plan
    return picture


@pytest.fixture(scope="module")
def adapters(tmp_path_factory):
    root = tmp_path_factory.mktemp("adapters")
    return f"sketch={save_adapter('t2i-adapter', root)},depth={save_adapter('controlnet', root)}"


@pytest.fixture
def control_engine(tmp_path, adapters):
    from chatcanvas.config import Settings
    from chatcanvas.engine import Engine

    engine = Engine(Settings(data_dir=tmp_path / "data", cache_dir=CACHE_DIR, model="tiny", control_models=adapters))
    yield engine
    engine.close()


@pytest.mark.parametrize("kind", ["sketch", "depth"])
def test_the_control_picture_steers_the_drawing_and_is_recorded(control_engine, kind):
    def draw(guide):
        return control_engine.run(GenerateRequest(prompt="a living room", control_image=guide, control=kind,
                                                  seed=3, steps=4, control_scale=2.0), timeout=300)[0]

    left, again, right = draw(sketch((4, 4, 30, 60))), draw(sketch((4, 4, 30, 60))), draw(sketch((34, 4, 60, 60)))
    plain = control_engine.run(GenerateRequest(prompt="a living room", seed=3, steps=4), timeout=300)[0]
    assert (left.control, left.operation, left.width) == (kind, "generate", 64)
    assert np.array_equal(pixels(left.path), pixels(again.path))
    # the same request gives the same pixels, so any change is the control picture's doing (a random tiny adapter
    # reads the picture weakly; a trained one steers the whole layout)
    assert not np.array_equal(pixels(left.path), pixels(right.path))  # another layout, another picture
    assert np.abs(pixels(left.path) - pixels(plain.path)).mean() > 0.5  # with the adapter, not without


def test_control_requests_that_cannot_work_are_refused(control_engine, tmp_path):
    guide, flux = sketch((4, 4, 30, 60)), str(save("flux-schnell", tmp_path))
    cases = [
        (GenerateRequest(prompt="a room", control="sketch"), "control_image", "needs its image"),
        (GenerateRequest(prompt="a room", control_image=guide, control="blueprint"), "control", "sketch, canny"),
        (GenerateRequest(prompt="a room", control_image=guide, control="sketch", control_scale=5.0),
         "control_scale", "between 0 and 2"),
        (EditRequest(prompt="a room", image=guide, control_image=guide, control="sketch"), "control",
         "edits take no control image"),
        (GenerateRequest(prompt="a room", control_image=guide, control="sketch", model=flux),
         "control", "T2IAdapter\\) does not fit"),
        (GenerateRequest(prompt="a room", control_image=guide, control="canny", model=flux),
         "control", "no canny adapter is known .*CHATCANVAS_CONTROL_MODELS=canny="),
    ]
    for request, field, message in cases:
        with pytest.raises(InvalidInput, match=message) as refused:
            control_engine.submit(request)
        assert refused.value.field == field


def test_a_malformed_control_setting_is_refused_at_start(tmp_path):
    from chatcanvas.config import Settings
    from chatcanvas.engine import Engine

    with pytest.raises(InvalidInput, match="KIND=REPO_OR_FOLDER"):
        Engine(Settings(data_dir=tmp_path, cache_dir=CACHE_DIR, model="tiny", control_models="floorplan=x"))


def test_drawing_from_an_uploaded_sketch_over_http_for_its_owner_only(live, adapters):
    server = live(api_keys=KEYS, control_models=adapters)
    alice, bob = {"Authorization": "Bearer key-alice"}, {"Authorization": "Bearer key-bob"}
    with server.client() as http:
        edit = http.post("/v1/images/edits", headers=alice, data={"prompt": "a plan", "steps": "1"},
                         files=[("image", ("plan.png", png_bytes(sketch((4, 4, 30, 60))), "image/png"))])
        upload = http.get(f"/v1/images/{edit.json()['data'][0]['id']}/meta", headers=alice).json()["parent_id"]
        body = {"prompt": "a living room", "control_image_id": upload, "control": "sketch", "steps": 2, "seed": 1}
        drawn = http.post("/v1/images/generations", headers=alice, json=body)
        assert drawn.status_code == 200, drawn.text
        meta = http.get(f"/v1/images/{drawn.json()['data'][0]['id']}/meta", headers=alice).json()
        assert (meta["control"], meta["control_image_id"]) == ("sketch", upload)
        stolen = http.post("/v1/images/generations", headers=bob, json=body)
        assert stolen.status_code == 404
        unsaid = http.post("/v1/images/generations", headers=alice, json={**body, "control": None})
        assert unsaid.status_code == 400 and "control" in unsaid.json()["error"]["message"]


def test_the_cli_draws_from_a_sketch_file(tmp_path, adapters):
    import os
    import subprocess

    from chatcanvas.store import read_parameters

    plan = tmp_path / "plan.png"
    sketch((4, 4, 30, 60)).save(plan)
    done = subprocess.run(["chatcanvas", "generate", "a living room", "--model", "tiny", "--control-image", str(plan),
                           "--control", "sketch", "--steps", "2", "--output", str(tmp_path / "room.png"),
                           "--data-dir", str(tmp_path / "data")], capture_output=True, text=True, timeout=600,
                          env={**os.environ, "CHATCANVAS_CONTROL_MODELS": adapters})
    assert done.returncode == 0, done.stderr
    assert read_parameters(tmp_path / "room.png")["control"] == "sketch"
    wrong = subprocess.run(["chatcanvas", "generate", "a room", "--control", "sketch", "--data-dir",
                            str(tmp_path / "data")], capture_output=True, text=True, timeout=600)
    assert wrong.returncode == 2 and "control_image: a sketch control needs its image" in wrong.stderr


def test_the_chat_draws_from_an_attached_sketch_and_in_the_style_of_an_attached_picture(settings, adapters):
    from chatcanvas.agent import ImageAgent

    agent = ImageAgent.create(llm="router", settings=settings.model_copy(update={"control_models": adapters}))
    try:
        plan = png_bytes(sketch((4, 4, 30, 60)))
        reply = agent.chat("hey, could I get a cozy living room based on my rough floor-plan sketch?", images=[plan],
                           user="alice", conversation="house")
        drawn = reply.images[0]
        assert (drawn.operation, drawn.control) == ("generate", "sketch") and "living room" in drawn.prompt
        upload = drawn.control_image_id
        assert agent.engine.store.get(upload, "alice").operation == "upload"
        styled = agent.chat("now a fox in the same style as this painting", images=[plan], user="alice",
                            conversation="house").images[0]
        assert styled.style_image_id is not None and "fox" in styled.prompt and styled.control is None
    finally:
        agent.close()
