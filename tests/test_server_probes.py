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
