"""Auth and isolation: every route but /healthz and /readyz needs a key; one user never sees another's things."""

from __future__ import annotations

import os
import re
import subprocess

import httpx
import pytest
from fastapi.routing import APIRoute

from tests.conftest import CACHE_DIR, KEYS

OPEN_ROUTES = {"/healthz", "/readyz"}


def all_routes(routes):
    """app.routes, with included routers opened up."""
    for route in routes:
        if hasattr(route, "original_router"):
            yield from all_routes(route.original_router.routes)
        else:
            yield route


def test_every_route_but_health_needs_a_key(live):
    server = live(api_keys=KEYS)
    routes = [r for r in all_routes(server.app.routes) if isinstance(r, APIRoute)]
    paths = {r.path for r in routes}
    assert {"/v1/chat", "/v1/images/generations", "/v1/images/edits", "/v1/chat/completions", "/v1/models",
            "/v1/images/{image_id}", "/v1/jobs/{job_id}/events", "/metrics", "/", "/openapi.json"} <= paths
    checked = 0
    with httpx.Client(base_url=server.url, timeout=30) as http:
        for route in routes:
            path = re.sub(r"\{[^}]+\}", "abc123", route.path)
            for method in route.methods - {"HEAD"}:
                for headers in ({}, {"Authorization": "Bearer not-a-key"}):
                    response = http.request(method, path, headers=headers)
                    if route.path in OPEN_ROUTES:
                        assert response.status_code == 200, (method, path)
                    else:
                        assert response.status_code == 401, (method, path, headers, response.text)
                        assert response.headers["www-authenticate"] == "Bearer"
                    checked += 1
    assert checked >= 2 * len(routes)
    mounts = [r.path for r in all_routes(server.app.routes) if not isinstance(r, APIRoute)]
    assert mounts == ["/mcp"]
    for headers in ({}, {"Authorization": "Bearer not-a-key"}):
        assert httpx.post(f"{server.url}/mcp/", json={}, headers=headers).status_code == 401


def test_one_user_never_sees_anothers_things(live):
    server = live(api_keys=KEYS, max_steps=2000)
    alice, bob = server.client("key-alice"), server.client("key-bob")
    chat = alice.post("/v1/chat", json={"message": "draw a red fox", "conversation_id": "main"}).json()
    image_id = chat["images"][0]["id"]
    job = alice.post("/v1/jobs", json={"prompt": "alice's slow job", "steps": 1000}).json()
    try:
        for path in (f"/v1/images/{image_id}", f"/v1/images/{image_id}/meta", "/v1/conversations/main",
                     f"/v1/jobs/{job['id']}", f"/v1/jobs/{job['id']}/events"):
            response = bob.get(path)
            assert response.status_code == 404, path
            assert alice.get(path.replace("/events", "")).status_code == 200, path
        assert bob.post(f"/v1/jobs/{job['id']}/cancel").status_code == 404
        assert bob.post("/v1/chat", json={"message": "make it blue", "image_ids": [image_id]}).status_code == 404
        assert bob.get("/v1/images").json()["data"] == []
        assert bob.get("/v1/conversations").json()["data"] == []
        # bob's own "main" is his own conversation
        bobs = bob.post("/v1/chat", json={"message": "make it blue", "conversation_id": "main"}).json()
        assert bobs["images"] == [] and "no picture here" in bobs["reply"]
        assert [c["id"] for c in alice.get("/v1/conversations").json()["data"]] == ["main"]
    finally:
        alice.post(f"/v1/jobs/{job['id']}/cancel")


def test_keys_file_and_the_web_login(live, tmp_path):
    keys = tmp_path / "keys.txt"
    keys.write_text("# team keys\nkey-carol:carol\n")
    server = live(api_keys_file=keys)
    with httpx.Client(base_url=server.url, follow_redirects=False) as http:
        assert http.get("/").status_code == 401 and "API key" in http.get("/").text
        assert http.post("/login", data={"key": "wrong"}).status_code == 401
        signed_in = http.post("/login", data={"key": "key-carol"})
        assert signed_in.status_code == 303
        page = http.get("/")
        assert page.status_code == 200 and "<title>chatcanvas</title>" in page.text
        assert http.post("/v1/chat", json={"message": "hello"}).status_code == 200  # the page's cookie


def test_serving_beyond_loopback_without_keys_is_refused(tmp_path):
    env = {**os.environ, "CHATCANVAS_DATA_DIR": str(tmp_path), "CHATCANVAS_CACHE_DIR": str(CACHE_DIR)}
    env.pop("CHATCANVAS_API_KEYS", None)
    done = subprocess.run(["chatcanvas", "serve", "--host", "0.0.0.0", "--port", "0"], capture_output=True,
                          text=True, env=env, timeout=60)
    assert done.returncode == 2
    assert done.stderr.startswith("error: host: refusing to serve 0.0.0.0 without API keys")


@pytest.mark.parametrize("keys", ["nocolon", "key:"])
def test_malformed_keys_are_a_clear_error(settings, keys):
    from chatcanvas.errors import InvalidInput
    from chatcanvas.server import create_app

    with pytest.raises(InvalidInput, match="is not KEY:user"):
        create_app(settings.model_copy(update={"api_keys": keys}))


def test_a_user_can_erase_an_image_and_nobody_else_can(live):
    server = live(api_keys=KEYS)
    alice, bob = server.client("key-alice"), server.client("key-bob")
    image = alice.post("/v1/images/generations", json={"prompt": "a red fox", "response_format": "url"}).json()
    image_id = image["data"][0]["id"]
    path = server.state.store.get(image_id, "alice").path
    assert bob.delete(f"/v1/images/{image_id}").status_code == 404
    assert alice.get(f"/v1/images/{image_id}").status_code == 200
    assert alice.delete(f"/v1/images/{image_id}").status_code == 204
    assert alice.get(f"/v1/images/{image_id}").status_code == 404 and not path.exists()
    assert alice.delete(f"/v1/images/{image_id}").status_code == 404


def test_the_login_cookie_is_a_session_not_the_key(live, tmp_path):
    server = live(api_keys=KEYS)
    with httpx.Client(base_url=server.url, follow_redirects=False) as http:
        signed_in = http.post("/login", data={"key": "key-alice"})
        assert signed_in.status_code == 303
        cookie = signed_in.headers["set-cookie"]
        assert "key-alice" not in cookie and "HttpOnly" in cookie and "SameSite=strict" in cookie
        assert "Secure" not in cookie  # plain http on loopback
        assert http.get("/v1/conversations").status_code == 200
        token = http.cookies.get("chatcanvas_session")
        assert token and token != "key-alice"
        # the key itself in the cookie is no longer a way in
        as_key = httpx.get(f"{server.url}/v1/conversations", cookies={"chatcanvas_session": "key-alice"})
        assert as_key.status_code == 401
        assert http.post("/logout").status_code == 303
        assert httpx.get(f"{server.url}/v1/conversations", cookies={"chatcanvas_session": token}).status_code == 401
    # the database keeps only a hash of the token
    assert token.encode() not in (server.settings.data_dir / "chatcanvas.db").read_bytes()


def test_the_login_cookie_is_secure_behind_https(live):
    server = live(api_keys=KEYS, public_url="https://images.example.com")
    with httpx.Client(base_url=server.url, follow_redirects=False) as http:
        assert "Secure" in http.post("/login", data={"key": "key-bob"}).headers["set-cookie"]


def test_wrong_keys_at_login_are_throttled(live):
    server = live(api_keys=KEYS)
    with httpx.Client(base_url=server.url, follow_redirects=False) as http:
        assert [http.post("/login", data={"key": f"guess-{i}"}).status_code for i in range(5)] == [401] * 5
        blocked = http.post("/login", data={"key": "key-alice"})  # even the right key waits out the minute
        assert blocked.status_code == 429 and 0 < int(blocked.headers["retry-after"]) <= 60
        assert "Too many wrong keys" in blocked.text
    # bearer keys on the API are not affected
    assert server.client("key-alice").get("/v1/conversations").status_code == 200


def test_signed_urls_outlive_a_restart_without_a_configured_secret(live, settings):
    first = live(api_keys=KEYS)
    url = first.client("key-alice").post("/v1/images/generations", json={
        "prompt": "a red fox", "steps": 1, "response_format": "url"}).json()["data"][0]["url"]
    first.__exit__(None, None, None)
    secret = settings.data_dir / "url_secret"
    assert secret.stat().st_mode & 0o077 == 0
    second = live(api_keys=KEYS)
    path = url.split("/", 3)[3]
    assert httpx.get(f"{second.url}/{path}").status_code == 200


def test_security_headers(live):
    server = live(api_keys=KEYS)
    with httpx.Client(base_url=server.url) as http:
        page, api = http.get("/"), http.get("/healthz")
    for response in (page, api):
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["x-frame-options"] == "DENY"
        assert response.headers["referrer-policy"] == "no-referrer"
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
