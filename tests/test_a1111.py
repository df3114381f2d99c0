"""The AUTOMATIC1111 API at /sdapi/v1, driven by webuiapi (the Python client for it) and by the requests Open WebUI
sends, against a real server on loopback: same keys, services and isolation as the rest."""

from __future__ import annotations

import base64
import io
import json
import threading
import time

import httpx
import numpy as np
import pytest
import webuiapi
from PIL import Image

from tests.conftest import KEYS, pixels, png_bytes


def client(server, user: str, key: str) -> webuiapi.WebUIApi:
    api = webuiapi.WebUIApi(baseurl=f"{server.url}/sdapi/v1", steps=2)
    api.set_auth(user, key)  # HTTP Basic with the API key as the password
    return api


def meta(server, key: str, image_id: str) -> httpx.Response:
    return httpx.get(f"{server.url}/v1/images/{image_id}/meta", headers={"Authorization": f"Bearer {key}"})


def test_webuiapi_draws_edits_with_a_mask_switches_models_and_reads_png_info(live):
    server = live(api_keys=KEYS)
    alice, bob = client(server, "alice", "key-alice"), client(server, "bob", "key-bob")
    assert sorted(m["title"] for m in alice.get_sd_models()) == ["shapes", "tiny"]
    assert {"Euler a", "DPM++ 2M", "DDIM", "UniPC"} <= set(alice.util_get_sampler_names())
    assert alice.get_loras() == [] and alice.get_upscalers() == []

    drawn = alice.txt2img(prompt="a red circle", width=32, height=32, seed=5, batch_size=2, n_iter=2)
    assert len(drawn.images) == 4 and drawn.images[0].size == (32, 32)
    assert drawn.info["all_seeds"] == [5, 6, 7, 8] and drawn.info["sd_model_name"] == "tiny"
    text = drawn.images[0].info["parameters"]  # A1111's infotext in the PNG's parameters chunk
    assert text.startswith("a red circle\n") and "Seed: 5" in text and "Sampler: Euler a" in text
    again = alice.txt2img(prompt="a red circle", width=32, height=32, seed=5)
    assert np.array_equal(pixels(again.images[0]), pixels(drawn.images[0]))  # a seed reproduces its picture

    karras = alice.txt2img(prompt="a red circle", width=32, height=32, seed=5, sampler_name="DPM++ 2M",
                           scheduler="Karras")
    assert meta(server, "key-alice", karras.info["image_ids"][0]).json()["scheduler"] == "dpmpp_2m_karras"

    alice.util_set_model("shapes")  # per user: bob's checkpoint stays the default
    assert alice.get_options()["sd_model_checkpoint"] == "shapes"
    assert bob.get_options()["sd_model_checkpoint"] == "tiny"

    source = Image.new("RGB", (32, 32), "gray")
    mask = Image.new("L", (32, 32), 0)
    mask.paste(255, (8, 8, 24, 24))
    edited = alice.img2img(images=[source], mask_image=mask, prompt="a blue square", width=32, height=32,
                           denoising_strength=0.9, seed=3)
    inverted = alice.img2img(images=[source], mask_image=mask, inpainting_mask_invert=1, prompt="a blue square",
                             width=32, height=32, denoising_strength=0.9, seed=3)
    assert edited.info["sd_model_name"] == "shapes" and edited.info["denoising_strength"] == 0.9
    kept, changed = pixels(edited.images[0]), pixels(source)
    assert np.array_equal(kept[0:4, 0:4], changed[0:4, 0:4])  # outside the mask: the source, untouched
    assert np.abs(kept[12:20, 12:20] - changed[12:20, 12:20]).mean() > 5  # inside: repainted
    assert np.array_equal(pixels(inverted.images[0])[12:20, 12:20], changed[12:20, 12:20])  # inverted: kept
    record = meta(server, "key-alice", edited.info["image_ids"][0]).json()
    assert record["operation"] == "edit" and meta(server, "key-alice", record["parent_id"]).json()["operation"] \
        == "upload"  # the init image is stored as the edit's parent: lineage as on every other route

    info = alice.png_info(edited.images[0])
    assert info.info.startswith("a blue square\n") and info.parameters["Seed"] == "3"
    assert info.parameters["Denoising strength"] == "0.9"
    assert meta(server, "key-bob", record["id"]).status_code == 404  # bob never sees alice's images


def test_the_requests_open_webui_sends_and_clear_errors_in_a1111s_shape(live):
    server = live(api_keys=KEYS)
    # Open WebUI: AUTOMATIC1111_API_AUTH=user:KEY goes out as "Basic base64(user:KEY)"
    auth = {"authorization": "Basic " + base64.b64encode(b"alice:key-alice").decode()}
    with httpx.Client(base_url=server.url, headers=auth, timeout=120) as http:
        assert http.get("/sdapi/v1/options").json()["sd_model_checkpoint"] == "tiny"
        models = [{"id": m["title"], "name": m["model_name"]} for m in http.get("/sdapi/v1/sd-models").json()]
        assert {"id": "shapes", "name": "shapes"} in models
        assert http.post("/sdapi/v1/options", json={"sd_model_checkpoint": "shapes"}).status_code == 200
        answer = http.post("/sdapi/v1/txt2img", json={"prompt": "a yellow star", "batch_size": 1, "width": 64,
                                                      "height": 64, "steps": 2, "cfg_scale": 7,
                                                      "sampler_name": "Euler a", "scheduler": "Automatic"})
        assert answer.status_code == 200, answer.text
        image = Image.open(io.BytesIO(base64.b64decode(answer.json()["images"][0])))
        assert image.size == (64, 64) and "Model: shapes" in image.info["parameters"]

        cases = [({"sampler_name": "DPM++ 3M SDE Exponential"}, "sampler_name"),
                 ({"steps": 0}, "steps"),
                 ({"width": "wide"}, "width"),
                 ({"width": 512, "height": 512}, "64x64"),  # A1111's default size, on a model that draws 64x64
                 ({"override_settings": {"sd_model_checkpoint": "sdxl-turbo"}}, "sd_model_checkpoint")]
        for body, field in cases:
            refused = http.post("/sdapi/v1/txt2img", json={"prompt": "x", "width": 64, "height": 64, **body})
            assert refused.status_code == 400 and field in refused.json()["detail"], (body, refused.text)
        assert http.post("/sdapi/v1/options", json={"sd_model_checkpoint": "nope"}).status_code == 400
        init = base64.b64encode(png_bytes(Image.new("RGB", (64, 64), "gray"))).decode()
        twice = http.post("/sdapi/v1/img2img", json={"prompt": "a red circle", "init_images": [init], "n_iter": 2,
                                                     "seed": 3, "steps": 2, "width": 64, "height": 64})
        info = json.loads(twice.json()["info"])  # each iteration from its own seed, both from the one upload
        assert info["all_seeds"] == [3, 4] and len(twice.json()["images"]) == 2
        parents = {http.get(f"/v1/images/{i}/meta").json()["parent_id"] for i in info["image_ids"]}
        assert len(parents) == 1
        refused = http.post("/sdapi/v1/img2img", json={"prompt": "x", "init_images": ["not base64!"]})
        assert refused.status_code == 400 and "init_images" in refused.json()["detail"]
    wrong = httpx.get(f"{server.url}/sdapi/v1/options",
                      headers={"authorization": "Basic " + base64.b64encode(b"alice:wrong").decode()})
    assert wrong.status_code == 401 and "detail" in wrong.json()


def test_progress_interrupt_and_skip_reach_only_the_callers_own_jobs(live, tmp_path):
    import torch
    from diffusers import AutoencoderTiny

    torch.manual_seed(0)  # a tiny preview decoder: progress carries the picture so far
    blocks = dict(encoder_block_out_channels=(8, 8, 8, 8), decoder_block_out_channels=(8, 8, 8, 8),
                  num_encoder_blocks=(1, 1, 1, 1), num_decoder_blocks=(1, 1, 1, 1))
    AutoencoderTiny(**blocks).save_pretrained(tmp_path / "taesd")
    server = live(api_keys=KEYS, max_steps=2000, preview_vae=str(tmp_path / "taesd"), preview_every=1)
    alice, bob = client(server, "alice", "key-alice"), client(server, "bob", "key-bob")
    results: dict[str, object] = {}

    def draw(name: str, api: webuiapi.WebUIApi, steps: int) -> None:
        try:
            results[name] = api.txt2img(prompt="a green ring", width=32, height=32, steps=steps, seed=1)
        except RuntimeError as exc:  # webuiapi raises on an answer that is not 200
            results[name] = exc

    long = threading.Thread(target=draw, args=("alice", alice, 600))
    long.start()
    deadline = time.monotonic() + 300
    while (seen := alice.get_progress())["state"]["sampling_step"] < 2 or not seen["current_image"]:
        assert time.monotonic() < deadline and long.is_alive(), seen
        time.sleep(0.05)
    assert seen["state"]["sampling_steps"] == 600 and 0 < seen["progress"] < 1 and seen["eta_relative"] > 0
    assert "drawing" in seen["textinfo"]
    assert Image.open(io.BytesIO(base64.b64decode(seen["current_image"]))).format == "PNG"
    with httpx.Client(base_url=server.url, headers={"Authorization": "Bearer key-alice"}) as http:
        assert http.get("/sdapi/v1/progress", params={"skip_current_image": "true"}).json()["current_image"] is None
    assert bob.get_progress()["state"]["job_count"] == 0  # bob sees none of alice's work
    bob.interrupt()
    bob.skip()
    step = alice.get_progress()["state"]["sampling_step"]
    deadline = time.monotonic() + 300
    while alice.get_progress()["state"]["sampling_step"] <= step + 2:  # still running after bob's interrupt
        assert time.monotonic() < deadline and long.is_alive()
        time.sleep(0.05)
    alice.interrupt()
    long.join(300)
    assert isinstance(results["alice"], RuntimeError) and "cancelled" in str(results["alice"])
    assert alice.get_progress()["state"]["job_count"] == 0


@pytest.mark.parametrize("family", ["flux-schnell"])
def test_a1111_samplers_map_to_the_flow_solver_on_a_flow_model(live, tmp_path, family):
    from tests.families import save

    model = str(save(family, tmp_path))
    server = live(api_keys=KEYS, model=model)
    api = client(server, "alice", "key-alice")
    drawn = api.txt2img(prompt="a cat", width=32, height=32, seed=2, cfg_scale=7)  # webuiapi sends Euler a, CFG 7
    assert any("flow_euler" in note for note in drawn.info["notes"])
    assert any("cfg_scale is not used" in note for note in drawn.info["notes"])
    assert meta(server, "key-alice", drawn.info["image_ids"][0]).json()["scheduler"] == "flow_euler"
    with pytest.raises(RuntimeError, match="does not fit a flow-matching model"):
        api.txt2img(prompt="a cat", width=32, height=32, sampler_name="DDIM")


def test_the_calls_sillytaverns_sd_source_makes(live):
    """SillyTavern's "Stable Diffusion Web UI (AUTOMATIC1111)" source, call for call as its server makes them: the
    ping (GET options), upscalers and latent modes, VAEs, samplers, schedulers, models, set-model (POST options, then
    progress until idle), and a txt2img with the body its panel sends."""
    server = live(api_keys=KEYS)
    auth = {"Authorization": "Basic " + base64.b64encode(b"st:key-alice").decode()}
    with httpx.Client(base_url=server.url, headers=auth, timeout=120) as http:
        assert http.get("/sdapi/v1/options").status_code == 200
        assert [x["name"] for x in http.get("/sdapi/v1/upscalers").json()] == []
        assert [x["name"] for x in http.get("/sdapi/v1/latent-upscale-modes").json()] == []
        assert isinstance(http.get("/sdapi/v1/sd-vae").json(), list)
        assert "Euler a" in [x["name"] for x in http.get("/sdapi/v1/samplers").json()]
        assert "karras" in [x["name"] for x in http.get("/sdapi/v1/schedulers").json()]
        assert {"value": "shapes", "text": "shapes"} in [{"value": x["title"], "text": x["title"]}
                                                         for x in http.get("/sdapi/v1/sd-models").json()]
        assert http.post("/sdapi/v1/options", json={"sd_model_checkpoint": "shapes"}).status_code == 200
        idle = http.get("/sdapi/v1/progress").json()
        assert idle["progress"] == 0.0 and idle["state"]["job_count"] == 0
        body = {"prompt": "a red circle in the middle", "negative_prompt": "blurry", "sampler_name": "DPM++ 2M",
                "scheduler": "karras", "steps": 3, "cfg_scale": 7, "width": 64, "height": 64, "restore_faces": False,
                "enable_hr": False, "hr_upscaler": "Latent", "hr_scale": 2, "denoising_strength": 0.7, "seed": -1,
                "clip_skip": 1, "override_settings": {"CLIP_stop_at_last_layers": 1, "sd_vae": "Automatic"},
                "override_settings_restore_afterwards": True, "save_images": False, "send_images": True,
                "do_not_save_grid": False, "do_not_save_samples": False}
        answer = http.post("/sdapi/v1/txt2img", json=body)
        assert answer.status_code == 200, answer.text
        info = json.loads(answer.json()["info"])
        assert info["sd_model_name"] == "shapes" and info["sampler_name"] == "DPM++ 2M Karras" and info["seed"] >= 0
        assert Image.open(io.BytesIO(base64.b64decode(answer.json()["images"][0]))).size == (64, 64)
