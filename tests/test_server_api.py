"""The chat API, jobs with live progress, limits and uploads, over real HTTP on loopback."""

from __future__ import annotations

import base64
import json
import threading
import time

import httpx
import pytest
from PIL import Image

from tests.conftest import KEYS, png_bytes, store_snapshot


def sse_events(response: httpx.Response) -> list[tuple[str, dict]]:
    events, name = [], None
    for line in response.iter_lines():
        if line.startswith("event: "):
            name = line[len("event: "):]
        elif line.startswith("data: "):
            events.append((name, json.loads(line[len("data: "):])))
    return events


def test_two_chat_turns_draw_then_edit(live):
    server = live()
    with server.client() as http:
        first = http.post("/v1/chat", json={"message": "draw a red fox"}).json()
        assert first["tool_calls"] == [{"name": "generate_image", "args": {"prompt": "a red fox"}}]
        [image] = first["images"]
        assert {"id", "url", "width", "height", "seed", "prompt", "parent_id", "operation"} <= image.keys()
        second = http.post("/v1/chat", json={"message": "make it blue",
                                             "conversation_id": first["conversation_id"]}).json()
        assert second["images"][0]["parent_id"] == image["id"]
        assert second["images"][0]["prompt"] == "a blue fox"
        assert http.get(second["images"][0]["url"]).status_code == 200
        meta = http.get(f"/v1/images/{image['id']}/meta").json()
        assert meta["seed"] == image["seed"] and meta["conversation_id"] == first["conversation_id"]


def test_chat_with_an_uploaded_photo_and_a_picked_image(live):
    server = live()
    photo = base64.b64encode(png_bytes(Image.new("RGB", (48, 40), "olive"), "JPEG")).decode()
    with server.client() as http:
        reply = http.post("/v1/chat", json={"message": "make this a watercolor",
                                            "images": [f"data:image/jpeg;base64,{photo}"]}).json()
        upload = http.get(f"/v1/images/{reply['images'][0]['parent_id']}/meta").json()
        assert upload["operation"] == "upload" and (upload["width"], upload["height"]) == (48, 40)
        # the web page's "click an image to edit it": attach a stored image by id
        drawn = http.post("/v1/chat", json={"message": "draw a boat",
                                            "conversation_id": reply["conversation_id"]}).json()
        picked = http.post("/v1/chat", json={"message": "make it red", "conversation_id": reply["conversation_id"],
                                             "image_ids": [upload["id"]]}).json()
        assert picked["images"][0]["parent_id"] == upload["id"] != drawn["images"][0]["id"]


def test_chat_streams_progress_in_order_then_the_reply(live):
    server = live()
    with server.client() as http, http.stream("POST", "/v1/chat", json={"message": "draw a castle",
                                                                         "stream": True}) as response:
        assert response.headers["content-type"].startswith("text/event-stream")
        events = sse_events(response)
    kinds = [name for name, _ in events]
    assert kinds[-1] == "reply" and kinds.count("reply") == 1 and "progress" in kinds
    steps = [data["step"] for name, data in events if name == "progress" and data["status"] == "running"]
    assert steps == sorted(steps) and steps[-1] == 4
    assert events[-1][1]["images"][0]["prompt"] == "a castle"


def test_jobs_report_progress_and_cancel_stops_them(live):
    server = live(max_steps=2000)
    with server.client() as http:
        job = http.post("/v1/jobs", json={"prompt": "a slow one", "steps": 6, "size": "64x64"})
        assert job.status_code == 202
        with http.stream("GET", f"/v1/jobs/{job.json()['id']}/events") as response:
            events = sse_events(response)
        assert [d["step"] for n, d in events if n == "progress" and d["step"]] == [1, 2, 3, 4, 5, 6]
        assert events[-1][0] == "done" and events[-1][1]["status"] == "succeeded"
        assert len(events[-1][1]["images"]) == 1

        long_job = http.post("/v1/jobs", json={"prompt": "a very slow one", "steps": 1000}).json()
        while http.get(f"/v1/jobs/{long_job['id']}").json()["step"] < 2:
            time.sleep(0.02)
        cancelled = http.post(f"/v1/jobs/{long_job['id']}/cancel").json()
        assert cancelled["id"] == long_job["id"]
        deadline = time.monotonic() + 30
        while (state := http.get(f"/v1/jobs/{long_job['id']}").json())["status"] != "cancelled":
            assert time.monotonic() < deadline
            time.sleep(0.02)
        assert state["step"] < 1000 and state["images"] == [] and "cancelled" in state["error"]


def _start_long_job(http, steps=1000):
    job = http.post("/v1/jobs", json={"prompt": "occupy the device", "steps": steps}).json()
    while http.get(f"/v1/jobs/{job['id']}").json()["status"] != "running":
        time.sleep(0.02)
    return job


def test_a_full_queue_answers_429_with_retry_after(live):
    server = live(queue_size=1, max_steps=2000)
    with server.client() as http:
        running = _start_long_job(http)
        queued = http.post("/v1/jobs", json={"prompt": "waits", "steps": 1})
        assert queued.status_code == 202
        full = http.post("/v1/images/generations", json={"prompt": "one too many"})
        assert full.status_code == 429 and int(full.headers["Retry-After"]) >= 1
        assert full.json()["error"]["code"] == "queue_full"
        http.post(f"/v1/jobs/{running['id']}/cancel")


def test_a_user_has_a_cap_on_queued_jobs(live):
    server = live(max_jobs_per_user=1, max_steps=2000, api_keys=KEYS)
    alice, bob = server.client("key-alice"), server.client("key-bob")
    running = _start_long_job(alice)
    assert alice.post("/v1/jobs", json={"prompt": "one waiting", "steps": 1}).status_code == 202
    over = alice.post("/v1/jobs", json={"prompt": "one too many", "steps": 1})
    assert over.status_code == 429 and "you already have 1 images waiting" in over.json()["error"]["message"]
    assert bob.post("/v1/jobs", json={"prompt": "bob is not capped by alice", "steps": 1}).status_code == 202
    alice.post(f"/v1/jobs/{running['id']}/cancel")


def test_a_client_that_disconnects_cancels_its_running_job(live):
    server = live(max_steps=5000)
    engine = server.state.engine

    def request():
        with pytest.raises(httpx.ReadTimeout):
            httpx.post(f"{server.url}/v1/images/generations", json={"prompt": "abandoned", "steps": 1000},
                       timeout=httpx.Timeout(5, read=1.0))

    thread = threading.Thread(target=request)
    thread.start()
    deadline = time.monotonic() + 30
    while not engine.active_jobs("local"):
        assert time.monotonic() < deadline
        time.sleep(0.01)
    job = engine.active_jobs("local")[0]
    thread.join()  # the client gave up after 1 s and closed the connection
    assert job._done.wait(30)
    assert job.status.value == "cancelled" and job.step < 1000


@pytest.mark.parametrize(
    ("payload", "status", "message"),
    [
        ({"message": "edit", "images": [base64.b64encode(b"<html>hi</html>").decode()]}, 400, "not an image"),
        ({"message": "edit", "images": [base64.b64encode(png_bytes(Image.new("RGB", (64, 64)))[:-30]).decode()]},
         400, "damaged or truncated"),
        ({"message": "edit", "images": ["not base64!!"]}, 400, "not valid base64"),
        ({"message": ""}, 400, "message: must not be empty"),
        ({"message": "x" * 9000}, 400, "message"),
    ],
    ids=["html", "truncated", "bad-base64", "empty", "too-long"],
)
def test_bad_chat_requests_are_4xx_and_store_nothing(live, payload, status, message):
    server = live()
    before = store_snapshot(server.state.store)
    with server.client() as http:
        response = http.post("/v1/chat", json=payload)
    assert response.status_code == status and message in response.json()["error"]["message"]
    assert store_snapshot(server.state.store) == before


def test_an_oversized_body_is_refused_and_nothing_is_stored(live):
    server = live(max_request_bytes=64 * 1024)
    before = store_snapshot(server.state.store)
    big = Image.effect_noise((400, 400), 80).convert("RGB")
    with server.client() as http:
        response = http.post("/v1/images/edits", data={"prompt": "x"},
                             files={"image": ("big.png", png_bytes(big), "image/png")})
    assert response.status_code == 413
    assert store_snapshot(server.state.store) == before


def test_health_ready_and_metrics(live):
    server = live()
    with server.client() as http:
        assert http.get("/healthz").json() == {"status": "ok"}
        assert http.get("/readyz").json()["model_loaded"] is True
        http.post("/v1/images/generations", json={"prompt": "count me", "n": 2})
        metrics = http.get("/metrics").text
    assert 'chatcanvas_jobs_total{state="succeeded"} 1.0' in metrics
    assert "chatcanvas_images_total 2.0" in metrics
    assert "chatcanvas_step_seconds_count" in metrics and "chatcanvas_queue_depth 0.0" in metrics


def test_image_edits_accept_the_image_array_field(live):
    server = live()
    source = Image.new("RGB", (64, 64), "navy")
    with server.client() as http:
        response = http.post("/v1/images/edits", data={"prompt": "make it snowy", "size": "64x64", "seed": "3"},
                             files=[("image[]", ("a.png", png_bytes(source), "image/png"))])
        assert response.status_code == 200, response.text
        item = response.json()["data"][0]
        meta = http.get(f"/v1/images/{item['id']}/meta").json()
        assert meta["operation"] == "edit" and meta["seed"] == 3
        assert http.get(f"/v1/images/{meta['parent_id']}/meta").json()["operation"] == "upload"
        none = http.post("/v1/images/edits", data={"prompt": "x"})
        assert none.status_code == 400 and "an image to edit is required" in none.json()["error"]["message"]


def test_job_events_carry_previews_when_a_preview_decoder_is_set(live, tmp_path):
    import torch
    from diffusers import AutoencoderTiny

    torch.manual_seed(0)
    AutoencoderTiny(encoder_block_out_channels=(8, 8, 8, 8), decoder_block_out_channels=(8, 8, 8, 8),
                    num_encoder_blocks=(1, 1, 1, 1), num_decoder_blocks=(1, 1, 1, 1)).save_pretrained(tmp_path / "taesd")
    server = live(preview_vae=str(tmp_path / "taesd"), preview_every=1)
    with server.client() as http:
        job = http.post("/v1/jobs", json={"prompt": "a preview", "steps": 3}).json()
        with http.stream("GET", f"/v1/jobs/{job['id']}/events") as response:
            events = sse_events(response)
    previews = [data["preview"] for name, data in events if name == "progress" and "preview" in data]
    assert previews and all(p.startswith("data:image/png;base64,") for p in previews)
    assert events[-1][0] == "done"
