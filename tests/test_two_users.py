"""Two users doing random things to every resource over real HTTP: nobody ever reads, changes or erases the other's
images, jobs, conversations or subjects, and no request gets a 5xx."""

from __future__ import annotations

import io
import itertools

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, consumes, invariant, rule
from PIL import Image

from tests.conftest import CACHE_DIR, KEYS

USERS = ("alice", "bob")
NAMES = itertools.count()  # subject names are unique per user, and the server outlives each example
SMALL = {"size": "64x64", "steps": 1}


def photo(color: str) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 64), color).save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    from chatcanvas.config import Settings
    from tests.live import LiveServer

    with LiveServer(Settings(data_dir=tmp_path_factory.mktemp("two"), cache_dir=CACHE_DIR, model="tiny",
                             api_keys=KEYS, max_steps=4)) as live:
        yield live


def test_two_users_never_touch_each_others_things(server):
    clients = {user: server.client(f"key-{user}") for user in USERS}

    class TwoUsers(RuleBasedStateMachine):
        images = Bundle("images")
        jobs = Bundle("jobs")
        conversations = Bundle("conversations")
        subjects = Bundle("subjects")

        def __init__(self):
            super().__init__()
            self.erased: set[str] = set()
            self.joined: set[tuple[str, str]] = set()  # (user, conversation id) a user wrote into themselves

        def call(self, user: str, method: str, path: str, **kwargs):
            response = clients[user].request(method, path, **kwargs)
            assert response.status_code < 500, (method, path, response.status_code, response.text)
            return response

        # --- creating ---------------------------------------------------------------------------
        @rule(target=images, user=st.sampled_from(USERS), seed=st.integers(0, 2**31))
        def generate(self, user, seed):
            body = self.call(user, "POST", "/v1/images/generations",
                             json={"prompt": "a red circle", "seed": seed, "response_format": "url", **SMALL}).json()
            return self.made(user, body["data"][0]["id"])

        def made(self, user, image_id):
            self.erased.discard(image_id)  # the same request again makes the same image (ids hash the content)
            return user, image_id

        @rule(target=images, user=st.sampled_from(USERS), color=st.sampled_from(["teal", "orange"]))
        def edit_an_upload(self, user, color):
            response = self.call(user, "POST", "/v1/images/edits", data={"prompt": "a blue square", "steps": "1"},
                                 files={"image": ("photo.png", photo(color), "image/png")})
            assert response.status_code == 200, response.text
            return self.made(user, response.json()["data"][0]["id"])

        @rule(target=jobs, user=st.sampled_from(USERS))
        def submit_job(self, user):
            response = self.call(user, "POST", "/v1/jobs", json={"prompt": "a green star", **SMALL})
            assert response.status_code == 202, response.text
            return user, response.json()["id"]

        @rule(target=conversations, user=st.sampled_from(USERS), text=st.sampled_from(["draw a cat", "hello"]))
        def chat(self, user, text):
            response = self.call(user, "POST", "/v1/chat", json={"message": text})
            assert response.status_code == 200, response.text
            return user, response.json()["conversation_id"]

        @rule(target=subjects, user=st.sampled_from(USERS))
        def enroll(self, user):
            response = self.call(user, "POST", "/v1/subjects", data={"name": f"Rex {next(NAMES)}", "kind": "dog"},
                                 files={"images": ("rex.png", photo("brown"), "image/png")})
            assert response.status_code in (201, 202), response.text
            return user, response.json()["id"]

        # --- reading, changing, erasing: the owner may, the other user gets 404 ---------------------
        @rule(thing=images, reader=st.sampled_from(USERS))
        def read_image(self, thing, reader):
            owner, image_id = thing
            for path in (f"/v1/images/{image_id}", f"/v1/images/{image_id}/meta"):
                status = self.call(reader, "GET", path).status_code
                assert status == (200 if reader == owner and image_id not in self.erased else 404), (path, status)

        @rule(thing=images, reader=st.sampled_from(USERS))
        def edit_by_id(self, thing, reader):
            owner, image_id = thing
            response = self.call(reader, "POST", "/v1/chat", json={"message": "make it blue", "image_ids": [image_id]})
            assert response.status_code == (200 if reader == owner and image_id not in self.erased else 404)

        @rule(thing=consumes(images), deleter=st.sampled_from(USERS))
        def delete_image(self, thing, deleter):
            owner, image_id = thing
            status = self.call(deleter, "DELETE", f"/v1/images/{image_id}").status_code
            if deleter == owner and image_id not in self.erased:
                assert status == 204
                self.erased.add(image_id)
            else:
                assert status == 404
                if image_id not in self.erased:  # still there for its owner
                    assert self.call(owner, "GET", f"/v1/images/{image_id}/meta").status_code == 200

        @rule(thing=jobs, reader=st.sampled_from(USERS), cancel=st.booleans())
        def read_or_cancel_job(self, thing, reader, cancel):
            owner, job_id = thing
            path = f"/v1/jobs/{job_id}/cancel" if cancel else f"/v1/jobs/{job_id}"
            response = self.call(reader, "POST" if cancel else "GET", path)
            assert response.status_code == (200 if reader == owner else 404)

        @rule(thing=conversations, reader=st.sampled_from(USERS))
        def read_conversation(self, thing, reader):
            owner, conversation = thing
            status = self.call(reader, "GET", f"/v1/conversations/{conversation}").status_code
            assert status == (200 if reader == owner or (reader, conversation) in self.joined else 404)
            if reader != owner:  # writing into someone else's conversation id starts the writer's own
                note = f"psst from {reader}"
                self.call(reader, "POST", "/v1/chat", json={"message": note, "conversation_id": conversation})
                self.joined.add((reader, conversation))  # the reader's own conversation of that name, from now on
                messages = self.call(owner, "GET", f"/v1/conversations/{conversation}").json()["messages"]
                assert note not in [m["content"] for m in messages]

        @rule(thing=consumes(subjects), actor=st.sampled_from(USERS))
        def read_then_delete_subject(self, thing, actor):
            owner, subject_id = thing
            expected = 200 if actor == owner else 404
            assert self.call(actor, "GET", f"/v1/subjects/{subject_id}").status_code == expected
            assert self.call(actor, "DELETE", f"/v1/subjects/{subject_id}").status_code == (
                204 if actor == owner else 404)

        # --- what each user sees of everything -------------------------------------------------------
        @invariant()
        def lists_hold_only_ones_own(self):
            for user in USERS:
                other = next(u for u in USERS if u != user)
                images = self.call(user, "GET", "/v1/images", params={"limit": 200}).json()["data"]
                for image in images:
                    assert self.call(other, "GET", f"/v1/images/{image['id']}/meta").status_code == 404
                conversations = self.call(user, "GET", "/v1/conversations").json()["data"]
                for conversation in conversations:
                    owner_view = self.call(user, "GET", f"/v1/conversations/{conversation['id']}")
                    assert owner_view.status_code == 200
                for subject in self.call(user, "GET", "/v1/subjects").json()["data"]:
                    assert self.call(other, "GET", f"/v1/subjects/{subject['id']}").status_code == 404

    from hypothesis.stateful import run_state_machine_as_test

    run_state_machine_as_test(TwoUsers, settings=settings(
        max_examples=10, stateful_step_count=15, deadline=None, derandomize=True, database=None,
        suppress_health_check=list(HealthCheck)))
