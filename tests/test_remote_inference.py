"""Hugging Face inference as a backend: one chatcanvas drawing through another's `/hf/models/tiny` (an
`inference:URL` model) with huggingface_hub's InferenceClient, through the same queue, store, lineage, progress and
cancel as a local model; and the token rules (HF_TOKEN only ever to Hugging Face's hosts)."""

from __future__ import annotations

import http.server
import threading
import time

import numpy as np
import pytest
from PIL import Image

from chatcanvas.engine import EditRequest, GenerateRequest
from chatcanvas.engine.jobs import JobStatus
from chatcanvas.engine.remote import Target, parse, token_for
from chatcanvas.errors import EngineError, InvalidInput, UnknownModel
from tests.conftest import KEYS, pixels, png_bytes


@pytest.fixture(autouse=True)
def loopback_allowed(monkeypatch):
    """The suite runs with the Hub switched off (nothing downloads); InferenceClient obeys that for every address,
    so it is lifted here, where the only server reached is on loopback."""
    import huggingface_hub.constants

    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", False)


def test_one_chatcanvas_draws_through_anothers_hf_route(live, settings, tmp_path):
    from chatcanvas.agent import ImageAgent

    upstream = live(api_keys=KEYS)
    model = f"inference:{upstream.url}/hf/models/tiny"
    local = settings.model_copy(update={"data_dir": tmp_path / "front", "model": model,
                                        "inference_token": "key-alice"})
    agent = ImageAgent.create(llm="router", settings=local)
    try:
        engine = agent.engine
        events = []
        job = engine.submit(GenerateRequest(prompt="a red circle", width=32, height=32, steps=2, seed=9, n=2),
                            owner="carol", conversation="c1")
        job.subscribe(events.append)
        drawn = job.wait(300)
        assert [r.seed for r in drawn] == [9, 10] and drawn[0].model == model
        assert (drawn[0].width, drawn[0].height) == (32, 32)
        assert [e.step for e in events if e.status is JobStatus.RUNNING and e.step] == [1, 2]  # one per picture
        # the upstream stored the same pictures for alice (the key this server presents), with the same seeds
        upstream_images = upstream.state.store.list_images("alice", None, 10)
        assert sorted(r.seed for r in upstream_images) == [9, 10]
        again = engine.run(GenerateRequest(prompt="a red circle", width=32, height=32, steps=2, seed=9), "carol")
        assert np.array_equal(pixels(again[0].path), pixels(drawn[0].path))  # seeds reproduce across the hop

        edited = engine.run(EditRequest(prompt="a red circle at night", image=Image.open(drawn[0].path),
                                        parent_id=drawn[0].id, steps=2, seed=3, strength=0.7), "carol")[0]
        assert (edited.operation, edited.parent_id, edited.edit_method) == ("edit", drawn[0].id, "img2img")
        assert (edited.width, edited.height) == (32, 32) and edited.strength == 0.7

        reply = agent.chat("draw a blue square", user="carol", conversation="chat")  # the whole chat, remotely
        assert reply.images and reply.images[0].model == model
        follow_up = agent.chat("make it green", user="carol", conversation="chat")
        assert follow_up.images[0].parent_id == reply.images[0].id

        with pytest.raises(InvalidInput, match="cannot repaint a masked area; it edits by: img2img"):
            engine.submit(EditRequest(prompt="x", image=Image.new("RGB", (32, 32)),
                                      mask=Image.new("L", (32, 32), 255)), "carol")
        # what only the upstream knows it cannot do comes back as its clear refusal (a flow solver on an SD model)
        refused = engine.submit(GenerateRequest(prompt="x", width=32, height=32, scheduler="flow_euler"), "carol")
        with pytest.raises(InvalidInput, match="refused the request: .*flow_euler"):
            refused.wait(300)
    finally:
        agent.close()


def test_provider_errors_timeouts_and_cancel_are_clear(live, settings, tmp_path):
    from chatcanvas.engine import Engine

    upstream = live(api_keys=KEYS)
    wrong_key = Engine(settings.model_copy(update={"data_dir": tmp_path / "a", "inference_token": "nope",
                                                   "model": f"inference:{upstream.url}/hf/models/tiny"}))
    try:
        with pytest.raises(EngineError, match=r"refused the token \(401\).*missing or invalid API key"):
            wrong_key.run(GenerateRequest(prompt="x", width=32, height=32, steps=2), timeout=300)
        cancelled = wrong_key.submit(GenerateRequest(prompt="x", width=32, height=32, steps=2, n=3))
        cancelled.cancel()
        with pytest.raises(Exception, match="cancelled"):
            cancelled.wait(300)
        nowhere = wrong_key.submit(GenerateRequest(prompt="x", model="inference:http://127.0.0.1:9/hf"))
        with pytest.raises(EngineError, match="could not draw with inference:http://127.0.0.1:9/hf"):
            nowhere.wait(300)
    finally:
        wrong_key.close()
    right_key = Engine(settings.model_copy(update={"data_dir": tmp_path / "b", "inference_token": "key-alice",
                                                   "model": f"inference:{upstream.url}/hf/models/nope"}))
    try:
        with pytest.raises(InvalidInput, match="refused the request: .*not served here"):
            right_key.run(GenerateRequest(prompt="x"), timeout=300)
    finally:
        right_key.close()
    for bad in ("inference:", "inference:fal-ai", "inference:nobody:org/model", "inference:http://"):
        with pytest.raises(UnknownModel):
            parse(bad)


class Recorder(http.server.BaseHTTPRequestHandler):
    """A stand-in inference endpoint on loopback that answers a PNG and remembers the authorization it was sent."""

    seen: list[str | None] = []

    def do_POST(self):  # noqa: N802 - the http.server convention
        self.rfile.read(int(self.headers.get("content-length", 0)))
        Recorder.seen.append(self.headers.get("authorization"))
        body = png_bytes(Image.new("RGB", (16, 16), "purple"))
        self.send_response(200)
        self.send_header("content-type", "image/png")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def test_a_hugging_face_token_never_goes_to_a_host_that_is_not_hugging_faces(settings, tmp_path, monkeypatch):
    from chatcanvas.engine import Engine

    monkeypatch.setenv("HF_TOKEN", "hf_secret_of_this_machine")
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/generate"
    Recorder.seen.clear()
    try:
        for token in (None, "key-for-that-host"):
            engine = Engine(settings.model_copy(update={"data_dir": tmp_path / str(token), "inference_token": token,
                                                        "model": f"inference:{url}"}))
            try:
                record = engine.run(GenerateRequest(prompt="a purple square"), timeout=300)[0]
                assert (record.width, record.height) == (16, 16) and record.steps is None  # the provider's own
            finally:
                engine.close()
    finally:
        server.shutdown()
    assert Recorder.seen == [None, "Bearer key-for-that-host"]
    router = Target("fal-ai", "black-forest-labs/FLUX.1-schnell")
    assert token_for(router, settings) == "hf_secret_of_this_machine"  # Hugging Face's router: its own token
    endpoint = parse("inference:https://abc.us-east-1.aws.endpoints.huggingface.cloud")
    assert token_for(endpoint, settings) == "hf_secret_of_this_machine"


class Slow(Recorder):
    def do_POST(self):  # noqa: N802
        time.sleep(3)
        super().do_POST()


def test_a_provider_that_takes_too_long_is_a_clear_timeout(settings, tmp_path):
    from chatcanvas.engine import Engine

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Slow)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    engine = Engine(settings.model_copy(update={"inference_timeout_s": 0.5,
                                                "model": f"inference:http://127.0.0.1:{server.server_address[1]}"}))
    try:
        with pytest.raises(EngineError, match=r"did not answer within 0.5 s.*CHATCANVAS_INFERENCE_TIMEOUT_S"):
            engine.run(GenerateRequest(prompt="x"), timeout=300)
    finally:
        engine.close()
        server.shutdown()
