"""The Hugging Face inference protocol served at /hf: `huggingface_hub.InferenceClient` and huggingface.js's
`textToImage` (under node), unchanged, against a real server on loopback."""

from __future__ import annotations

import base64
import io
import json
import shutil
import subprocess
from pathlib import Path

import httpx
import numpy as np
import pytest
from huggingface_hub import InferenceClient
from PIL import Image

from tests.conftest import KEYS, pixels, png_bytes

JS = Path(__file__).parent / "js"


@pytest.fixture(autouse=True)
def loopback_allowed(monkeypatch):
    """The suite runs with the Hub switched off (HF_HUB_OFFLINE, so nothing downloads); InferenceClient obeys it for
    every address, so it is lifted for these tests, whose clients only talk to the server on loopback."""
    import huggingface_hub.constants

    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", False)


def meta(server, key: str, image_id: str) -> httpx.Response:
    return httpx.get(f"{server.url}/v1/images/{image_id}/meta", headers={"Authorization": f"Bearer {key}"})


def test_inference_client_text_to_image_and_image_to_image(live):
    server = live(api_keys=KEYS)
    alice = InferenceClient(model=f"{server.url}/hf/models/tiny", token="key-alice")
    drawn = alice.text_to_image("a red circle", negative_prompt="blurry", seed=3, width=32, height=32,
                                num_inference_steps=2, scheduler="EulerDiscreteScheduler")
    again = alice.text_to_image("a red circle", negative_prompt="blurry", seed=3, width=32, height=32,
                                num_inference_steps=2, scheduler="EulerDiscreteScheduler")
    assert drawn.size == (32, 32) and np.array_equal(pixels(drawn), pixels(again))
    parameters = json.loads(drawn.info["parameters"])  # the PNG carries how it was made
    assert (parameters["negative_prompt"], parameters["seed"], parameters["steps"], parameters["scheduler"]) == \
        ("blurry", 3, 2, "euler")

    changed = alice.image_to_image(png_bytes(drawn), prompt="a blue square", seed=4, num_inference_steps=2,
                                   strength=0.8)
    assert changed.size == (32, 32) and json.loads(changed.info["parameters"])["strength"] == 0.8
    with httpx.Client(base_url=server.url, headers={"Authorization": "Bearer key-alice"}, timeout=120) as http:
        answer = http.post("/hf/models/tiny", json={"inputs": "a green ring", "parameters": {"seed": 1, "width": 32,
                                                                                            "height": 32}})
        assert answer.headers["content-type"] == "image/png"
        record = meta(server, "key-alice", answer.headers["x-chatcanvas-image-id"]).json()
        assert record["operation"] == "generate" and record["model"] == "tiny"
        edited = http.post("/hf/models/tiny", json={"inputs": base64.b64encode(answer.content).decode(),
                                                    "parameters": {"prompt": "a green ring at night", "seed": 2}})
        record = meta(server, "key-alice", edited.headers["x-chatcanvas-image-id"]).json()
        assert record["operation"] == "edit" and (record["width"], record["height"]) == (32, 32)
        assert meta(server, "key-alice", record["parent_id"]).json()["operation"] == "upload"  # lineage kept
        assert meta(server, "key-bob", record["id"]).status_code == 404  # and bob never sees it
        default = http.post("/hf", json={"inputs": "a yellow star", "parameters": {"width": 32, "height": 32}})
        assert default.status_code == 200 and Image.open(io.BytesIO(default.content)).size == (32, 32)


def test_errors_come_back_in_the_shape_hf_clients_read(live):
    server = live(api_keys=KEYS)
    with httpx.Client(base_url=server.url, headers={"Authorization": "Bearer key-alice"}, timeout=60) as http:
        cases = [("/hf/models/nope", {"inputs": "x"}, "not served here"),
                 ("/hf/models/tiny", {"inputs": "x", "parameters": {"num_steps": 2}}, "parameters.num_steps"),
                 ("/hf/models/tiny", {"inputs": "x", "parameters": {"seed": "abc"}}, "parameters.seed"),
                 ("/hf/models/tiny", {"inputs": "x", "parameters": {"scheduler": "Nope"}}, "parameters.scheduler"),
                 ("/hf/models/tiny", {"parameters": {}}, "inputs"),
                 ("/hf/models/tiny", {"inputs": ""}, "inputs"),
                 ("/hf/models/tiny", {"inputs": "x", "parameters": {"width": 100000}}, "width")]
        for path, body, words in cases:
            answer = http.post(path, json=body)
            assert answer.status_code == 400 and words in answer.json()["error"], (body, answer.text)
        raw = http.post("/hf/models/tiny", content=png_bytes(Image.new("RGB", (32, 32))),
                        headers={"content-type": "image/png"})
        assert raw.status_code == 400 and "needs a prompt" in raw.json()["error"]
    with pytest.raises(Exception, match="401"):
        InferenceClient(model=f"{server.url}/hf/models/tiny", token="not-a-key").text_to_image("x")


def test_huggingface_js_text_to_image_under_node(live, tmp_path):
    node = shutil.which("node")
    assert node and (JS / "node_modules" / "@huggingface" / "inference").is_dir(), \
        "huggingface.js is installed by the test command: npm ci --prefix tests/js"
    server = live(api_keys=KEYS)
    out = tmp_path / "js.png"
    done = subprocess.run([node, str(JS / "text_to_image.mjs"), f"{server.url}/hf/models/tiny", "key-alice",
                           str(out)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    assert json.loads(done.stdout.strip().splitlines()[-1])["type"] == "image/png"
    picture = Image.open(out)
    assert picture.size == (32, 32) and json.loads(picture.info["parameters"])["negative_prompt"] == "blurry"
    refused = subprocess.run([node, str(JS / "text_to_image.mjs"), f"{server.url}/hf/models/tiny", "wrong",
                              str(out)], capture_output=True, text=True, timeout=300)
    assert refused.returncode == 1 and "missing or invalid API key" in refused.stdout
