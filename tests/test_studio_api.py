"""What the web studio adds to the API, over real HTTP: a model's card, previews in chat progress, attachments in a
conversation, its current picture, cancel and delete, re-roll, variations and repaint. Each acts on its caller's
things only; each bad input is a 4xx naming what was wrong."""

from __future__ import annotations

import base64
import io
import json
import time

from PIL import Image

from tests.conftest import KEYS, pixels, png_bytes

PATIENCE_S = 120  # a hang guard, ten times what a tiny job takes on a busy CI machine


def data_url(image: Image.Image) -> str:
    return "data:image/png;base64," + base64.b64encode(png_bytes(image)).decode()


def painted(box: tuple[int, int, int, int], size: tuple[int, int] = (64, 64)) -> Image.Image:
    mask = Image.new("L", size, 0)
    mask.paste(255, box)
    return mask


def finished(http, job: dict) -> dict:
    deadline = time.monotonic() + PATIENCE_S
    while job["status"] in ("queued", "running"):
        assert time.monotonic() < deadline, f"job {job['id']} did not finish"
        time.sleep(0.05)
        job = http.get(f"/v1/jobs/{job['id']}").json()
    return job


def error_of(response, status: int, param: str | None = None) -> str:
    assert response.status_code == status, response.text
    error = response.json()["error"]
    if param is not None:
        assert error["param"] == param, error
    return error["message"]


def test_studio_routes_act_on_the_callers_own_pictures(live):
    from chatcanvas.engine import GenerateRequest

    server = live(api_keys=KEYS, preview_every=1, max_steps=5000, lora_steps=5000)
    alice, bob = server.client("key-alice"), server.client("key-bob")

    # chat progress carries the picture so far (the built-in model's own VAE decodes it)
    with alice.stream("POST", "/v1/chat", json={"message": "draw a red fox", "conversation_id": "main",
                                                 "stream": True}) as response:
        events = [json.loads(line[6:]) for line in response.iter_lines() if line.startswith("data: ")]
    previews = [event["preview"] for event in events if "preview" in event]
    assert previews and all(preview.startswith("data:image/png;base64,") for preview in previews)
    fox = events[-1]["images"][0]

    # a photo and a picked picture show as the user message's attachments
    photo = data_url(Image.new("RGB", (64, 64), "olive"))
    alice.post("/v1/chat", json={"message": "make this blue", "conversation_id": "main", "images": [photo]})
    alice.post("/v1/chat", json={"message": "make it green", "conversation_id": "main", "image_ids": [fox["id"]]})
    said = [m for m in alice.get("/v1/conversations/main").json()["messages"] if m["role"] == "user"]
    upload = alice.get(f"/v1/images/{said[1]['image_ids'][0]}/meta").json()
    assert upload["operation"] == "upload" and said[2]["image_ids"] == [fox["id"]] and not said[0].get("image_ids")

    # re-roll: the same recipe, a new seed, in the same conversation
    job = finished(alice, alice.post(f"/v1/images/{fox['id']}/reroll").json())
    [rerolled] = job["images"]
    assert job["conversation_id"] == "main" and rerolled["prompt"] == fox["prompt"]
    assert rerolled["seed"] != fox["seed"] and rerolled["parent_id"] is None
    # variations: pictures like it, made from it
    response = alice.post(f"/v1/images/{fox['id']}/variations", json={"n": 2})
    assert response.status_code == 202 and response.json()["conversation_id"] == "main"
    varied = finished(alice, response.json())["images"]
    assert len(varied) == 2 and {v["parent_id"] for v in varied} == {fox["id"]}
    # repaint: only the painted area changes
    mask = painted((0, 0, 32, 64))
    job = finished(alice, alice.post(f"/v1/images/{fox['id']}/repaint",
                                     json={"change": "make it blue", "mask": data_url(mask)}).json())
    repainted = alice.get(f"/v1/images/{job['images'][0]['id']}/meta").json()
    assert (repainted["edit_method"], repainted["parent_id"], repainted["prompt"]) == ("inpaint", fox["id"],
                                                                                         "a blue fox")
    before = pixels(Image.open(io.BytesIO(alice.get(f"/v1/images/{fox['id']}").content)))
    after = pixels(Image.open(io.BytesIO(alice.get(f"/v1/images/{repainted['id']}").content)))
    assert (after[:, 32:] == before[:, 32:]).all() and (after[:, :32] != before[:, :32]).any()
    # the PNG carries its parameters
    assert json.loads(Image.open(io.BytesIO(alice.get(f"/v1/images/{repainted['id']}").content)).text[
        "parameters"])["seed"] == repainted["seed"]
    # a repainted picture is re-rolled with its mask again (the server keeps none)
    assert "paint the area again" in error_of(alice.post(f"/v1/images/{repainted['id']}/reroll"), 400, "mask")
    again = finished(alice, alice.post(f"/v1/images/{repainted['id']}/reroll", json={"mask": data_url(mask)}).json())
    assert again["status"] == "succeeded" and again["images"][0]["parent_id"] == fox["id"]

    # bad input: a 4xx naming the field
    error_of(alice.post(f"/v1/images/{fox['id']}/variations", json={"n": 0}), 400, "n")
    error_of(alice.post(f"/v1/images/{fox['id']}/variations", json={"n": 99}), 400, "n")
    error_of(alice.post(f"/v1/images/{fox['id']}/repaint", json={"change": "a star"}), 400, "mask")
    error_of(alice.post(f"/v1/images/{fox['id']}/repaint", json={"change": " ", "mask": data_url(mask)}), 400,
             "change")
    assert "nothing is painted" in error_of(alice.post(f"/v1/images/{fox['id']}/repaint", json={
        "change": "a star", "mask": data_url(painted((0, 0, 0, 0)))}), 400, "mask")
    assert "64x64" in error_of(alice.post(f"/v1/images/{fox['id']}/repaint", json={
        "change": "a star", "mask": data_url(painted((0, 0, 8, 8), (32, 32)))}), 400, "mask")
    error_of(alice.post(f"/v1/images/{fox['id']}/repaint", json={"change": "a star", "mask": "not base64!"}), 400,
             "mask")
    error_of(alice.post(f"/v1/images/{upload['id']}/reroll"), 400, "image_id")
    error_of(alice.post(f"/v1/images/{fox['id']}/reroll", json={"mask": data_url(mask)}), 400, "mask")

    # the current picture: chosen by a click, read back with the conversation
    assert alice.post("/v1/conversations/main/select", json={"image_id": varied[0]["id"]}).json() == {
        "conversation_id": "main", "current_image_id": varied[0]["id"]}
    assert alice.get("/v1/conversations/main").json()["current_image_id"] == varied[0]["id"]
    elsewhere = alice.post("/v1/chat", json={"message": "draw a boat", "conversation_id": "other"}).json()
    error_of(alice.post("/v1/conversations/main/select", json={"image_id": elsewhere["images"][0]["id"]}), 404)
    error_of(alice.post("/v1/conversations/main/select", json={"image_id": ""}), 400, "image_id")
    error_of(alice.post("/v1/conversations/nope/select", json={"image_id": fox["id"]}), 404)

    # nobody else's: bob gets 404 for every one of alice's things, and his own conversation "main" is his own
    bobs = bob.post("/v1/chat", json={"message": "draw a cat", "conversation_id": "main"}).json()
    for method, path, body in [("POST", f"/v1/images/{fox['id']}/reroll", None),
                               ("POST", f"/v1/images/{fox['id']}/variations", None),
                               ("POST", f"/v1/images/{fox['id']}/repaint", {"change": "x", "mask": data_url(mask)}),
                               ("POST", "/v1/conversations/other/select", {"image_id": elsewhere["images"][0]["id"]}),
                               ("POST", "/v1/conversations/main/select", {"image_id": fox["id"]}),
                               ("POST", "/v1/conversations/other/cancel", None),
                               ("DELETE", "/v1/conversations/other", None)]:
        error_of(bob.request(method, path, json=body), 404)

    # while a picture of it is being made, it cannot be switched or erased (409); cancel stops it
    slow = server.state.images.generate(GenerateRequest(prompt="a slow one", steps=1000), "alice", "main")
    assert "cancel it first" in error_of(alice.post("/v1/conversations/main/select",
                                                    json={"image_id": fox["id"]}), 409)
    error_of(alice.delete("/v1/conversations/main"), 409)
    assert alice.post("/v1/conversations/main/cancel").json() == {"conversation_id": "main", "cancelled": 1}
    assert finished(alice, alice.get(f"/v1/jobs/{slow.id}").json())["status"] == "cancelled"

    # deleting a conversation erases its messages and pictures, and nothing of anyone else's
    assert alice.delete("/v1/conversations/main").status_code == 204
    error_of(alice.get("/v1/conversations/main"), 404)
    error_of(alice.get(f"/v1/images/{fox['id']}/meta"), 404)
    assert [c["id"] for c in alice.get("/v1/conversations").json()["data"]] == ["other"]
    assert bob.get("/v1/conversations/main").json()["messages"][0]["content"] == "draw a cat"
    assert bob.get(f"/v1/images/{bobs['images'][0]['id']}/meta").status_code == 200
    assert alice.post("/v1/chat", json={"message": "draw a red fox", "conversation_id": "main"}).status_code == 200
    assert len(alice.get("/v1/conversations/main").json()["messages"]) == 4  # a fresh start under the same id

    # a subject being learned says how far it is
    subject = alice.post("/v1/subjects", data={"name": "Halo", "method": "lora"},
                         files={"images": ("ring.png", png_bytes(Image.new("RGB", (64, 64), "red")))}).json()
    deadline = time.monotonic() + PATIENCE_S
    while not (subject["step"] or 0) >= 1:
        assert time.monotonic() < deadline and subject["status"] == "training", subject
        time.sleep(0.05)
        subject = alice.get(f"/v1/subjects/{subject['id']}").json()
    assert subject["total"] == 5000
    assert alice.delete(f"/v1/subjects/{subject['id']}").status_code == 204


def test_a_models_card_says_what_it_draws(live):
    server = live(model="shapes", api_keys=KEYS)
    with server.client("key-alice") as http:
        agent, shapes, tiny = (http.get(f"/v1/models/{name}").json() for name in ("chatcanvas", "shapes", "tiny"))
        assert agent["image_model"] == "shapes" and agent["range"] == shapes["range"]
        assert "circle" in agent["range"]["summary"] and (agent["range"]["width"], agent["range"]["height"]) == (64, 64)
        assert len(agent["examples"]) == 3 and all("background" in example for example in agent["examples"])
        assert tiny["range"] is None and len(tiny["examples"]) == 3  # a model that draws anything: open examples
        assert "chatcanvas, shapes, tiny" in error_of(http.get("/v1/models/sd-turbo"), 404)
    assert server.client().get("/v1/models/chatcanvas").status_code == 401

