"""The OpenAI-compatible endpoints, checked with the official openai client against a live server."""

from __future__ import annotations

import base64
import io

import httpx
import numpy as np
import openai
import pytest
from PIL import Image

from tests.conftest import KEYS, png_bytes, store_snapshot


@pytest.fixture
def server(live):
    return live(api_keys=KEYS)


@pytest.fixture
def client(server):
    return openai.OpenAI(base_url=f"{server.url}/v1", api_key="key-alice", max_retries=0)


def png(b64: str) -> Image.Image:
    return Image.open(io.BytesIO(base64.b64decode(b64)))


def test_generate_two_images_as_base64(client):
    result = client.images.generate(prompt="a red fox", n=2, size="64x64", response_format="b64_json",
                                    extra_body={"seed": 5, "steps": 3, "negative_prompt": "blurry"})
    assert len(result.data) == 2
    first, second = (png(item.b64_json) for item in result.data)
    assert first.size == (64, 64) and first.format == "PNG"
    assert np.asarray(first).tolist() != np.asarray(second).tolist()
    assert [item.model_extra["seed"] for item in result.data] == [5, 6]


def test_generate_as_url_then_fetch_it(client, server):
    result = client.images.generate(prompt="a lighthouse", size="64x64", response_format="url", model="tiny")
    url = result.data[0].url
    assert url.startswith(server.url + "/v1/images/") and "token=" in url
    fetched = httpx.get(url)  # a signed URL opens without the key (for <img> tags and chat platforms)
    assert fetched.status_code == 200 and fetched.headers["content-type"] == "image/png"
    assert Image.open(io.BytesIO(fetched.content)).size == (64, 64)
    assert httpx.get(url.split("?")[0]).status_code == 401
    assert httpx.get(url[:-2] + ("00" if not url.endswith("00") else "11")).status_code == 401


def test_edit_without_and_with_a_mask(client):
    source = Image.linear_gradient("L").convert("RGB").resize((64, 64))
    edited = client.images.edit(image=("photo.png", png_bytes(source), "image/png"), prompt="make it snowy",
                                size="64x64", extra_body={"seed": 1, "strength": 0.8})
    plain = np.asarray(png(edited.data[0].b64_json).convert("RGB"), dtype=np.int16)
    assert np.abs(plain - np.asarray(source, dtype=np.int16)).mean() > 1.0

    mask = Image.new("RGBA", (64, 64), (0, 0, 0, 255))
    mask.paste((0, 0, 0, 0), (0, 0, 32, 64))  # transparent left half: repaint it
    masked = client.images.edit(image=("photo.png", png_bytes(source), "image/png"), prompt="a hole", n=1,
                                mask=("mask.png", png_bytes(mask), "image/png"), extra_body={"seed": 2, "strength": 1})
    result = np.asarray(png(masked.data[0].b64_json).convert("RGB"), dtype=np.int16)
    original = np.asarray(source, dtype=np.int16)
    assert np.abs(result[:, 32:] - original[:, 32:]).max() <= 2  # outside the mask: kept
    assert np.abs(result[:, :32] - original[:, :32]).mean() > 1.0


def test_bad_requests_are_clear_400s(client, server):
    with pytest.raises(openai.BadRequestError) as caught:
        client.images.generate(prompt="a fox", size="63x64")
    assert caught.value.body["message"] == "width: must be a multiple of 8, got 63"
    assert caught.value.body["param"] == "width"
    with pytest.raises(openai.BadRequestError, match="size"):
        client.images.generate(prompt="a fox", size="big")
    with pytest.raises(openai.AuthenticationError):
        openai.OpenAI(base_url=f"{server.url}/v1", api_key="wrong", max_retries=0).images.generate(prompt="x")


def test_chat_completions_return_images_and_continue_per_user(client):
    first = client.chat.completions.create(model="chatcanvas", user="trip",
                                           messages=[{"role": "user", "content": "draw a red fox"}])
    message = first.choices[0].message
    images = message.model_extra["images"]
    assert len(images) == 1 and images[0]["image_url"]["url"].startswith("data:image/png;base64,")
    assert "![image" in message.content and "/v1/images/" in message.content
    second = client.chat.completions.create(
        model="chatcanvas", user="trip",
        messages=[{"role": "user", "content": "draw a red fox"}, {"role": "assistant", "content": message.content},
                  {"role": "user", "content": "make it blue"}])
    assert second.choices[0].message.model_extra["images"]
    conversation = httpx.get(f"{client.base_url}conversations/trip",
                             headers={"Authorization": "Bearer key-alice"}).json()
    tools = [m for m in conversation["messages"] if m["role"] == "tool"]
    assert len(tools) == 2 and conversation["current_image_id"] == tools[-1]["image_ids"][0]


def test_chat_completions_accept_an_image_part_and_stream(client):
    photo = "data:image/png;base64," + base64.b64encode(png_bytes(Image.new("RGB", (64, 64), "teal"))).decode()
    stream = client.chat.completions.create(
        model="chatcanvas", stream=True, extra_headers={"X-Conversation-Id": "photo-edit"},
        messages=[{"role": "user", "content": [{"type": "text", "text": "make this a watercolor"},
                                               {"type": "image_url", "image_url": {"url": photo}}]}])
    chunks = list(stream)
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    images = [i for c in chunks if c.choices for i in (c.choices[0].delta.model_extra or {}).get("images", [])]
    assert chunks[-1].choices[0].finish_reason == "stop"
    assert "Done: here is the new version" in text and len(images) == 1


def test_models_lists_the_agent_and_image_models(client):
    ids = [model.id for model in client.models.list()]
    assert ids[0] == "chatcanvas" and "tiny" in ids


def test_remote_image_urls_are_not_fetched(client, server):
    before = store_snapshot(server.state.store)
    with pytest.raises(openai.BadRequestError, match="remote image URLs are not fetched"):
        client.chat.completions.create(model="chatcanvas", messages=[{"role": "user", "content": [
            {"type": "image_url", "image_url": {"url": "http://169.254.169.254/latest/meta-data"}}]}])
    assert store_snapshot(server.state.store) == before
