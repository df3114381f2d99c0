"""The Slack app: the real slack_bolt / slack_sdk clients against a local stand-in for Slack's Web API,
with signed event payloads sent to /slack/events on a live chatcanvas server."""

from __future__ import annotations

import io
import json
import time

import pytest
from PIL import Image
from slack_sdk.signature import SignatureVerifier

from tests.conftest import KEYS, png_bytes
from tests.fake_slack import BOT_TOKEN, FakeSlack

SECRET = "slack-signing-secret"


@pytest.fixture
def slack(live):
    fake = FakeSlack(files={"F9": png_bytes(Image.new("RGB", (64, 64), "orange"))})
    server = live(api_keys=KEYS, slack_bot_token=BOT_TOKEN, slack_signing_secret=SECRET,
                  slack_api_url=f"{fake.url}/api/")
    yield fake, server
    fake.close()


def signed(body: dict, secret: str = SECRET, age: int = 0) -> tuple[bytes, dict]:
    data = json.dumps(body).encode()
    timestamp = str(int(time.time()) - age)
    signature = SignatureVerifier(secret).generate_signature(timestamp=timestamp, body=data.decode())
    return data, {"X-Slack-Request-Timestamp": timestamp, "X-Slack-Signature": signature,
                  "Content-Type": "application/json"}


def event(text: str, **extra) -> dict:
    inner = {"type": "app_mention", "user": "U1", "text": f"<@UBOT> {text}", "ts": "1700000000.000100",
             "channel": "C1", "team": "T1", **extra}
    return {"type": "event_callback", "team_id": "T1", "api_app_id": "A1", "event": inner,
            "event_id": f"Ev{time.monotonic_ns()}", "event_time": int(time.time())}


def test_a_mention_draws_and_uploads_the_png_into_the_thread(slack):
    fake, server = slack
    body, headers = signed(event("draw a red fox"))
    response = server.client().post("/slack/events", content=body, headers=headers)
    assert response.status_code == 200
    calls = fake.wait_for("files.completeUploadExternal")
    methods = [c[0] for c in calls]
    assert methods[0] == "auth.test"
    posted = next(c for c in calls if c[0] == "chat.postMessage")[1]
    assert posted["channel"] == "C1" and posted["thread_ts"] == "1700000000.000100"
    updates = [c[1]["text"] for c in calls if c[0] == "chat.update"]
    assert any(text.startswith("Drawing... step") for text in updates)
    assert updates[-1].startswith("Here is your image")
    assert methods.index("chat.postMessage") < methods.index("files.getUploadURLExternal") < methods.index(
        "upload") < methods.index("files.completeUploadExternal")
    [uploaded] = fake.uploads.values()
    assert Image.open(io.BytesIO(uploaded)).format == "PNG"
    done = next(c for c in calls if c[0] == "files.completeUploadExternal")[1]
    assert done["channel_id"] == "C1" and done["thread_ts"] == "1700000000.000100"
    assert all(c[2].get("Authorization") == f"Bearer {BOT_TOKEN}" for c in calls if c[0] != "upload")
    # the Slack user is a chatcanvas user of their own
    assert server.state.store.list_images("slack:T1:U1")[0].prompt == "a red fox"


def test_an_attached_image_is_fetched_through_slack_and_edited(slack):
    fake, server = slack
    body, headers = signed(event("make this a watercolor", files=[{"id": "F9", "mimetype": "image/png"}]))
    assert server.client().post("/slack/events", content=body, headers=headers).status_code == 200
    calls = fake.wait_for("files.completeUploadExternal")
    assert [c[1]["file"] for c in calls if c[0] == "files.info"] == ["F9"]
    download = next(c for c in calls if c[0] == "GET /files/F9")
    assert download[2]["Authorization"] == f"Bearer {BOT_TOKEN}"
    images = server.state.store.list_images("slack:T1:U1")
    edited, upload = images[0], images[1]
    assert upload.operation == "upload" and edited.parent_id == upload.id


def test_the_bot_token_never_goes_to_a_host_that_is_not_slack(slack):
    fake, server = slack
    fake.file_url = "http://169.254.169.254/latest/meta-data"
    body, headers = signed(event("make this a watercolor", files=[{"id": "F9", "mimetype": "image/png"}]))
    server.client().post("/slack/events", content=body, headers=headers)
    deadline = time.monotonic() + 30
    while not any(c[0] == "chat.update" for c in fake.calls):
        assert time.monotonic() < deadline
        time.sleep(0.05)
    update = next(c for c in fake.calls if c[0] == "chat.update")[1]["text"]
    assert update.startswith("Sorry, I couldn't do that: image: refusing to fetch")
    assert server.state.store.list_images("slack:T1:U1") == []


def _first_update(fake) -> str:
    deadline = time.monotonic() + 60
    while not any(c[0] == "chat.update" for c in fake.calls):
        assert time.monotonic() < deadline
        time.sleep(0.05)
    return next(c for c in fake.calls if c[0] == "chat.update")[1]["text"]


def test_a_file_url_that_redirects_off_slack_never_gets_the_token(slack):
    fake, server = slack
    elsewhere = FakeSlack(files={"F9": png_bytes(Image.new("RGB", (64, 64), "orange"))})  # same IP, other port
    try:
        fake.redirects["F9"] = f"{elsewhere.url}/files/F9"
        body, headers = signed(event("make this a watercolor", files=[{"id": "F9", "mimetype": "image/png"}]))
        server.client().post("/slack/events", content=body, headers=headers)
        update = _first_update(fake)
        assert update.startswith("Sorry, I couldn't do that: image: refusing to fetch")
        assert elsewhere.calls == []  # the redirect was not followed: no request, no token
        assert next(c for c in fake.calls if c[0] == "GET /files/F9")[2]["Authorization"] == f"Bearer {BOT_TOKEN}"
        assert server.state.store.list_images("slack:T1:U1") == []
    finally:
        elsewhere.close()


def test_a_redirect_within_slack_is_followed(slack):
    fake, server = slack
    fake.files["F10"] = fake.files["F9"]
    fake.redirects["F9"] = f"{fake.url}/files/F10"
    body, headers = signed(event("make this a watercolor", files=[{"id": "F9", "mimetype": "image/png"}]))
    assert server.client().post("/slack/events", content=body, headers=headers).status_code == 200
    calls = fake.wait_for("files.completeUploadExternal")
    assert next(c for c in calls if c[0] == "GET /files/F10")[2]["Authorization"] == f"Bearer {BOT_TOKEN}"
    assert server.state.store.list_images("slack:T1:U1")[1].operation == "upload"


def test_a_thread_is_one_conversation(slack):
    fake, server = slack
    for text in ("draw a red fox", "make it blue"):
        body, headers = signed(event(text, thread_ts="1700000000.000100", ts=f"{time.time():.6f}"))
        server.client().post("/slack/events", content=body, headers=headers)
        fake.wait_for("files.completeUploadExternal")
        with fake.changed:
            fake.calls.clear()
    first, second = reversed(server.state.store.list_images("slack:T1:U1"))
    assert second.parent_id == first.id and second.conversation == "slack:C1:1700000000.000100"


@pytest.mark.parametrize(("secret", "age"), [("wrong-secret", 0), (SECRET, 600)], ids=["bad-signature", "stale"])
def test_bad_signatures_and_stale_timestamps_are_rejected(slack, secret, age):
    fake, server = slack
    body, headers = signed(event("draw a red fox"), secret=secret, age=age)
    response = server.client().post("/slack/events", content=body, headers=headers)
    assert response.status_code == 401
    time.sleep(0.3)
    assert [c[0] for c in fake.calls if c[0] != "auth.test"] == []
    assert server.state.store.list_images("slack:T1:U1") == []


def test_slack_url_verification_handshake(slack):
    _, server = slack
    body, headers = signed({"type": "url_verification", "challenge": "abc123", "token": "x"})
    response = server.client().post("/slack/events", content=body, headers=headers)
    assert response.status_code == 200 and "abc123" in response.text


def test_a_direct_message_chats_too(slack):
    fake, server = slack
    payload = event("draw a lighthouse")
    payload["event"] = {**payload["event"], "type": "message", "channel_type": "im", "channel": "D1",
                        "text": "draw a lighthouse"}
    body, headers = signed(payload)
    assert server.client().post("/slack/events", content=body, headers=headers).status_code == 200
    calls = fake.wait_for("files.completeUploadExternal")
    assert next(c for c in calls if c[0] == "chat.postMessage")[1]["channel"] == "D1"
    assert server.state.store.list_images("slack:T1:U1")[0].conversation == "slack:D1:1700000000.000100"
