"""Requests an attacker or a careless client sends: each answers a clear 4xx, never a 500 or a leaked path."""

from __future__ import annotations

import pytest

from tests.conftest import KEYS


@pytest.fixture
def server(live):
    return live(api_keys=KEYS)


@pytest.mark.parametrize("token", [
    "9999999999.ü" + "a" * 31,  # a MAC that is not ASCII
    "1" * 5000 + ".abc",  # an expiry too long to be a number
    "99999999999999999999999999.abc",  # an expiry past any clock
    ".", "abc", "12.", "-5.abc", "１２３.abc",  # full-width digits pass str.isdigit()
])
def test_bad_signed_url_tokens_are_401(server, token):
    with server.client() as anonymous:
        response = anonymous.get("/v1/images/abc", params={"token": token})
    assert response.status_code == 401, response.text


@pytest.mark.parametrize("field", ["prompt", "negative_prompt"])
def test_a_lone_surrogate_in_a_prompt_is_400_naming_the_field(server, field):
    body = '{"prompt": "a red circle", "size": "64x64", "steps": 1}'.replace(
        '"prompt": "a red circle"', '"prompt": "a red circle", "negative_prompt": "blurry"')
    body = body.replace(f'"{field}": "', f'"{field}": "\\ud800 ', 1)
    with server.client("key-alice") as alice:
        response = alice.post("/v1/images/generations", content=body, headers={"Content-Type": "application/json"})
    assert response.status_code == 400, response.text
    assert response.json()["error"]["param"] == field
    assert "not valid text" in response.json()["error"]["message"]
    assert server.state.store.list_images("alice") == []


def test_a_lone_surrogate_in_a_chat_message_is_400(server):
    with server.client("key-alice") as alice:
        response = alice.post("/v1/chat", content='{"message": "draw a red circle \\udc00"}',
                              headers={"Content-Type": "application/json"})
        assert response.status_code == 400, response.text
        assert response.json()["error"]["param"] == "message"
        assert alice.get("/v1/conversations").json()["data"] == []


def test_a_record_whose_file_is_missing_is_404_without_a_path(server):
    with server.client("key-alice") as alice:
        made = alice.post("/v1/images/generations", json={"prompt": "a red circle", "size": "64x64", "steps": 1,
                                                          "response_format": "url"}).json()["data"][0]
        record = server.state.store.get(made["id"], "alice")
        record.path.unlink()
        for response in (alice.get(f"/v1/images/{made['id']}"), alice.get(made["url"])):
            assert response.status_code == 404, response.text
            assert str(server.settings.data_dir) not in response.text and ".png" not in response.text
        # the record is still listed, and its metadata still reads
        assert alice.get(f"/v1/images/{made['id']}/meta").status_code == 200


def test_api_users_name_only_allowed_models(server, tmp_path):
    (tmp_path / "weights").mkdir()
    with server.client("key-alice") as alice:
        for model in ("stabilityai/stable-diffusion-xl-base-1.0", str(tmp_path / "weights"), str(tmp_path / "nope"),
                      "../../etc"):
            response = alice.post("/v1/images/generations", json={"prompt": "a red circle", "model": model})
            assert response.status_code == 400, response.text
            error = response.json()["error"]
            assert error["param"] == "model"
            assert error["message"] == f"model: {model!r} is not served here; choose one of: tiny, shapes"
        jobs = alice.post("/v1/jobs", json={"prompt": "a red circle", "model": "runwayml/stable-diffusion-v1-5"})
        assert jobs.status_code == 400 and "choose one of: tiny, shapes" in jobs.text
        # the built-ins and OpenAI's own names are fine; nothing was loaded for the refused ones
        for model in ("tiny", "dall-e-3"):
            ok = alice.post("/v1/images/generations", json={"prompt": "a red circle", "model": model, "steps": 1})
            assert ok.status_code == 200, ok.text
    assert server.state.engine.registry.loaded() == ["tiny"]


def test_the_allow_list_is_the_operators_to_set(live):
    server = live(api_keys=KEYS, models="shapes")
    with server.client("key-alice") as alice:
        refused = alice.post("/v1/images/generations", json={"prompt": "a red circle", "model": "sd-turbo"})
        assert refused.status_code == 400
        assert refused.json()["error"]["message"].endswith("choose one of: tiny, shapes")
        drawn = alice.post("/v1/images/generations", json={"prompt": "a red circle", "model": "shapes", "steps": 2})
        assert drawn.status_code == 200, drawn.text
    assert server.state.store.list_images("alice")[0].model == "shapes"
