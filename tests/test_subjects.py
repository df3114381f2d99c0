"""Personalized subjects on the tiny model: IP-Adapter and LoRA, end to end, with isolation and erasure."""

from __future__ import annotations

import base64
import threading
import time

import numpy as np
import pytest
import torch
from PIL import Image
from transformers import CLIPVisionModelWithProjection

from chatcanvas.agent import ImageAgent
from chatcanvas.engine import GenerateRequest
from chatcanvas.errors import InvalidInput, NotFound
from tests.conftest import pixels, png_bytes

FOX = dict(prompt="a red fox", width=64, height=64, steps=4, seed=11)


def photos(color: str = "brown", count: int = 2) -> list[Image.Image]:
    made = []
    for index in range(count):
        image = Image.new("RGB", (64, 64), color)
        image.paste("white", (8 + index * 4, 8, 40, 40))
        made.append(image)
    return made


@pytest.fixture
def agent(settings):
    agent = ImageAgent.create(llm="router", settings=settings)
    yield agent
    agent.close()


def subject_files(agent) -> list[str]:
    return sorted(str(p.relative_to(agent.subjects.subjects.folders)) for p in agent.subjects.subjects.folders.rglob("*"))


class EncoderCalls:
    """Counts forward passes of any CLIP image encoder while active (a real hook, nothing replaced)."""

    def __init__(self):
        self.count = 0

    def __enter__(self):
        def hook(module, args, output):
            if isinstance(module, CLIPVisionModelWithProjection):
                self.count += 1
        self.handle = torch.nn.modules.module.register_module_forward_hook(hook)
        return self

    def __exit__(self, *exc):
        self.handle.remove()


def test_ip_adapter_subject_changes_the_image_and_encodes_once(agent):
    service, engine = agent.subjects, agent.engine
    plain_before = engine.run(GenerateRequest(**FOX))[0]
    with EncoderCalls() as calls:
        subject, job = service.enroll("alice", "Rex", photos(), aliases=["my dog"])
        job.wait(120)
        subject = service.subjects.get("alice", subject.id)
        assert (subject.status, subject.method, subject.kind) == ("ready", "ip_adapter", "dog")
        _, adapter = service.adapter("alice", "my dog")
        with_rex = engine.run(GenerateRequest(**FOX, subject=adapter), owner="alice")[0]
        again = engine.run(GenerateRequest(**{**FOX, "seed": 12}, subject=adapter), owner="alice")[0]
    assert calls.count == 2  # the encoder ran once per reference photo, at enrollment only
    assert with_rex.subject_ids == (subject.id,) and with_rex.subject_method == "ip_adapter"
    assert with_rex.operation == "personalize" and again.subject_ids == (subject.id,)
    assert np.abs(pixels(with_rex.path) - pixels(plain_before.path)).mean() > 1.0
    plain_after = engine.run(GenerateRequest(**{**FOX, "seed": 11}), owner="bob")[0]
    assert np.array_equal(pixels(plain_after.path), pixels(plain_before.path))  # the adapter was removed


def test_lora_subject_trains_with_progress_and_its_images_differ(agent):
    service, engine = agent.subjects, agent.engine
    plain_before = engine.run(GenerateRequest(**FOX))[0]
    subject, job = service.enroll("alice", "Rex", photos(), aliases=["my dog"], method="lora")
    assert subject.status == "training"
    steps = []
    job.subscribe(lambda event: steps.append(event.step))
    job.wait(300)
    subject = service.subjects.get("alice", subject.id)
    assert subject.status == "ready" and subject.progress == 1.0
    assert steps[-1] == 20 and steps == sorted(steps)
    assert (subject.lora_folder / "pytorch_lora_weights.safetensors").exists()
    _, adapter = service.adapter("alice", "Rex")
    with_rex = engine.run(GenerateRequest(**FOX, subject=adapter), owner="alice")[0]
    assert with_rex.subject_method == "lora"
    # the same seed without the LoRA gives the identical picture (checked below), so any clear change is the LoRA's
    assert np.abs(pixels(with_rex.path) - pixels(plain_before.path)).mean() > 0.2
    plain_after = engine.run(GenerateRequest(**FOX))[0]
    assert np.array_equal(pixels(plain_after.path), pixels(plain_before.path))  # LoRA unloaded


def test_lora_training_is_seeded_and_each_picture_can_carry_its_own_caption(settings, tmp_path):
    from safetensors.torch import load_file

    from chatcanvas.engine import Engine
    from chatcanvas.engine.jobs import TrainLoraRequest

    def train(name: str, seed: int = 0, captions: tuple[str, ...] | None = None) -> dict:
        request = TrainLoraRequest(images=tuple(photos()), instance_prompt="a photo of sks dog", steps=3,
                                   output=tmp_path / name, seed=seed, captions=captions)
        engine.submit(request).wait(120)
        return load_file(tmp_path / name / "pytorch_lora_weights.safetensors")

    def same(a: dict, b: dict) -> bool:
        return a.keys() == b.keys() and all(torch.equal(a[key], b[key]) for key in a)

    with Engine(settings) as engine:
        first = train("first")
        torch.manual_seed(1234)  # as if in another process: torch's global generator is elsewhere
        again = train("again")
        other_seed = train("other-seed", seed=1)
        captioned = train("captioned", captions=("on the grass", "on the sand"))
        with pytest.raises(InvalidInput, match="captions.*2 images, 1 captions"):
            engine.submit(TrainLoraRequest(images=tuple(photos()), instance_prompt="a photo of sks dog",
                                           output=tmp_path / "bad", captions=("on the grass",)))
    assert same(first, again)  # the LoRA's initial weights come from the request's seed, not torch's global state
    assert not same(first, other_seed)
    assert not same(first, captioned)
    assert not (tmp_path / "bad").exists()


def test_lora_training_can_be_cancelled(settings):
    agent = ImageAgent.create(llm="router", settings=settings.model_copy(update={"lora_steps": 100_000}))
    try:
        service = agent.subjects
        subject, job = service.enroll("alice", "Rex", photos(), method="lora")
        started = threading.Event()
        job.subscribe(lambda event: started.set() if event.step >= 2 else None)
        assert started.wait(120)
        agent.engine.cancel(job)
        with pytest.raises(Exception, match="cancelled"):
            job.wait(120)
        assert job.step < 100_000
        subject = service.subjects.get("alice", subject.id)
        assert subject.status == "failed" and "cancelled" in subject.error
        plain = agent.engine.run(GenerateRequest(**FOX))[0]  # the shared UNet is plain again
        assert plain.subject_ids == ()
    finally:
        agent.close()


def test_deleting_erases_every_file_and_others_cannot_use_a_subject(agent):
    service = agent.subjects
    subject, job = service.enroll("alice", "Rex", photos())
    job.wait(120)
    assert any(name.endswith(".safetensors") for name in subject_files(agent))
    for label in ("Rex", subject.id):
        with pytest.raises(NotFound):
            service.adapter("bob", label)
    with pytest.raises(NotFound):
        service.delete("bob", subject.id)
    service.delete("alice", subject.id)
    assert subject_files(agent) == [] and not subject.folder.exists()
    with pytest.raises(NotFound):
        service.subjects.get("alice", subject.id)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"pictures": []}, "images: at least one photo"),
        ({"method": "dreambooth"}, "method: unknown method 'dreambooth'"),
        ({"name": "  "}, "name: must not be empty"),
        ({"name": "rex"}, "name: you already have a subject called 'rex'"),
        ({"name": "Bobby", "aliases": ["My Dog"]}, "you already have a subject called 'My Dog'"),
        ({"method": "lora", "captions": ["on the grass"]}, "captions: one caption per image is needed: 2 images, 1"),
        ({"captions": ["on the grass", "on the sand"]}, "captions: captions train a LoRA subject; ip_adapter"),
    ],
)
def test_bad_enrollments_are_clear_and_store_nothing(agent, kwargs, message):
    service = agent.subjects
    service.enroll("alice", "Rex", photos(), aliases=["my dog"])[1].wait(120)
    before = subject_files(agent), len(service.subjects.list_subjects("alice"))
    arguments = {"owner": "alice", "name": "Other", "pictures": photos(), **kwargs}
    with pytest.raises(InvalidInput, match=message):
        service.enroll(**arguments)
    assert (subject_files(agent), len(service.subjects.list_subjects("alice"))) == before


def test_the_router_flow_register_then_draw(agent):
    photo = png_bytes(photos()[0])
    registered = agent.chat("this is my dog Rex", images=[photo], user="alice", conversation="c")
    assert registered.tool_calls == [{"name": "register_subject", "args": {"name": "Rex", "aliases": ["my dog"]}}]
    assert "Registered Rex" in registered.text
    drawn = agent.chat("draw Rex surfing", user="alice", conversation="c")
    assert drawn.tool_calls == [{"name": "generate_with_subject", "args": {"subject": "Rex", "prompt": "Rex surfing"}}]
    [image] = drawn.images
    assert image.prompt == "a dog surfing" and image.subject_method == "ip_adapter"
    assert agent.current_image("alice", "c").id == image.id
    # bob has no Rex: the same words draw a plain picture
    bobs = agent.chat("draw Rex surfing", user="bob", conversation="c")
    assert bobs.tool_calls[0]["name"] == "generate_image" and bobs.images[0].subject_ids == ()


def test_more_takes_of_a_subject_picture_draw_the_subject_again(agent):
    agent.chat("this is my dog Rex", images=[png_bytes(photos()[0])], user="alice", conversation="c")
    first = agent.chat("draw Rex surfing", user="alice", conversation="c").images[0]
    again = agent.chat("try that again", user="alice", conversation="c")
    assert again.tool_calls == [{"name": "generate_with_subject", "args": {"subject": "Rex", "prompt": "Rex surfing"}}]
    [take] = again.images
    assert take.operation == "personalize" and take.subject_ids == first.subject_ids and take.seed != first.seed
    three = agent.chat("3 variations", user="alice", conversation="c")
    assert [call["args"].get("n") for call in three.tool_calls] == [3]
    assert [image.operation for image in three.images] == ["personalize"] * 3
    picked = agent.chat("the first one was better", user="alice", conversation="c")  # the first of the last 3
    assert picked.tool_calls[0]["name"] == "select_image" and picked.current_image_id == three.images[0].id


def test_more_photos_of_a_subject_learn_it_again_from_all_of_them(agent):
    first = agent.chat("this is my dog Rex", images=[png_bytes(p) for p in photos()], user="alice", conversation="c")
    [rex] = agent.subjects.subjects.list_subjects("alice")
    more = agent.chat("here are a couple more pics of rex, the light was better", images=[
        png_bytes(p) for p in photos("white")], user="alice", conversation="c")
    assert more.tool_calls == [{"name": "register_subject", "args": {"name": "Rex"}}], (first.text, more.text)
    assert "Learned Rex again from 4 photo(s), 2 of them new" in more.text
    [again] = agent.subjects.subjects.list_subjects("alice")  # one Rex: the older one is gone
    assert again.id != rex.id and (again.name, again.aliases, again.status, again.photos) == (
        "Rex", rex.aliases, "ready", 4)
    assert len(again.references) == 4 and not rex.folder.exists()
    drawn = agent.chat("draw my dog on the moon", user="alice", conversation="c")
    assert drawn.images[0].subject_ids == (again.id,)
    # bob's photos of his own Rex are his: alice's stays as it is
    assert "Registered Rex" in agent.chat("this is my dog Rex", images=[png_bytes(photos("black")[0])],
                                          user="bob", conversation="c").text
    assert [s.id for s in agent.subjects.subjects.list_subjects("alice")] == [again.id]


def test_learning_a_subject_again_that_fails_keeps_the_one_they_had(agent):
    agent.chat("this is my dog Rex", images=[png_bytes(photos()[0])], user="alice", conversation="c")
    photo = agent.store.save_upload(photos("white")[0], owner="alice")
    subject, job = agent.subjects.learn_again("alice", "my dog", [photo.id])
    job.wait(60)
    assert subject.name == "Rex" and subject.status == "ready"
    [kept] = agent.subjects.subjects.list_subjects("alice")
    assert kept.id == subject.id  # learned again: the new one replaced it
    # a learning that fails (cancelled here) leaves the subject they had, and no second Rex
    started = agent.subjects.enroll("alice", "Rex", [photos("gray")[0]], ["my dog"], "lora", replaces=kept)[1]
    agent.engine.cancel(started)
    with pytest.raises(Exception):
        started.wait(60)
    deadline = time.monotonic() + 60
    while len(agent.subjects.subjects.list_subjects("alice")) != 1:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    assert [s.id for s in agent.subjects.subjects.list_subjects("alice")] == [kept.id]


def test_register_without_photos_is_a_clear_tool_error(agent):
    from tests.scripted import ScriptedChatModel, tool_call

    scripted = ScriptedChatModel().enqueue(tool_call("register_subject", name="Rex"), "Please attach a photo.")
    scripted_agent = ImageAgent(agent.engine, scripted, settings=agent.settings)
    reply = scripted_agent.chat("remember Rex")
    assert "attach one or more photos" in scripted.history[-1][-1].content
    assert reply.text == "Please attach a photo." and agent.subjects.subjects.list_subjects("local") == []


def test_subjects_over_http_and_chat(live):
    from tests.conftest import KEYS

    server = live(api_keys=KEYS)
    alice, bob = server.client("key-alice"), server.client("key-bob")
    files = [("images[]", (f"rex{i}.png", png_bytes(p), "image/png")) for i, p in enumerate(photos())]
    created = alice.post("/v1/subjects", data={"name": "Rex", "aliases": "my dog, the pup"}, files=files)
    assert created.status_code == 201, created.text
    subject = created.json()
    assert {"id", "name", "aliases", "method", "status", "progress"} <= subject.keys()
    assert (subject["status"], subject["aliases"], subject["references"]) == ("ready", ["my dog", "the pup"], 2)

    mia = [("images", ("mia.png", png_bytes(photos("gray")[0]), "image/png"))]
    two_captions = {"name": "Mia", "method": "lora", "captions[]": ["on the floor", "on a sofa"]}
    mismatched = alice.post("/v1/subjects", data=two_captions, files=mia)
    assert mismatched.status_code == 400 and "one caption per image" in mismatched.json()["error"]["message"]
    lora = alice.post("/v1/subjects", data={"name": "Mia", "method": "lora", "captions[]": "on the floor"}, files=mia)
    assert lora.status_code == 202 and lora.json()["status"] == "training"

    reply = alice.post("/v1/chat", json={"message": "draw my dog on the moon"}).json()
    assert reply["tool_calls"][0]["name"] == "generate_with_subject"
    meta = alice.get(f"/v1/images/{reply['images'][0]['id']}/meta").json()
    assert meta["subject_ids"] == [subject["id"]] and meta["subject_method"] == "ip_adapter"

    assert bob.get(f"/v1/subjects/{subject['id']}").status_code == 404
    assert bob.delete(f"/v1/subjects/{subject['id']}").status_code == 404
    assert bob.get("/v1/subjects").json()["data"] == []
    photo = "data:image/png;base64," + base64.b64encode(png_bytes(photos("black")[0])).decode()
    bob_rex = bob.post("/v1/chat", json={"message": "this is my dog Rex", "images": [photo]}).json()
    assert "Registered Rex" in bob_rex["reply"]  # bob's own Rex, a different subject
    assert [s["id"] for s in bob.get("/v1/subjects").json()["data"]] != [subject["id"]]

    bad = alice.post("/v1/subjects", data={"name": "Rex"}, files=files)
    assert bad.status_code == 400 and "already have a subject called 'Rex'" in bad.json()["error"]["message"]
    nothing = alice.post("/v1/subjects", data={"name": "Ghost"})
    assert nothing.status_code == 400 and "at least one photo" in nothing.json()["error"]["message"]
    html = alice.post("/v1/subjects", data={"name": "Page"}, files=[("images", ("x.png", b"<html>", "image/png"))])
    assert html.status_code == 400 and "not an image" in html.json()["error"]["message"]

    deadline = time.monotonic() + 120
    while alice.get(f"/v1/subjects/{lora.json()['id']}").json()["status"] == "training":
        assert time.monotonic() < deadline
        time.sleep(0.05)
    assert alice.get(f"/v1/subjects/{lora.json()['id']}").json()["status"] == "ready"
    assert alice.delete(f"/v1/subjects/{subject['id']}").status_code == 204
    assert alice.get(f"/v1/subjects/{subject['id']}").status_code == 404
    assert [s["name"] for s in alice.get("/v1/subjects").json()["data"]] == ["Mia"]


def test_lora_trains_on_an_sdxl_architecture_model_too(settings, tmp_path):
    from tests.tiny_sdxl import build_tiny_sdxl

    build_tiny_sdxl().save_pretrained(tmp_path / "tiny-sdxl")
    model = str(tmp_path / "tiny-sdxl")
    agent = ImageAgent.create(llm="router", settings=settings.model_copy(update={"model": model, "lora_steps": 6,
                                                                                "lora_learning_rate": 1e-2}))
    try:
        plain = agent.engine.run(GenerateRequest(**FOX))[0]
        subject, job = agent.subjects.enroll("alice", "Rex", photos(), method="lora")
        job.wait(300)
        assert agent.subjects.subjects.get("alice", subject.id).status == "ready"
        _, adapter = agent.subjects.adapter("alice", "Rex")
        with_rex = agent.engine.run(GenerateRequest(**FOX, subject=adapter))[0]
        assert type(agent.engine.registry.get(model).base).__name__ == "StableDiffusionXLPipeline"
        assert np.abs(pixels(with_rex.path) - pixels(plain.path)).mean() > 0.1
        again = agent.engine.run(GenerateRequest(**FOX))[0]
        assert np.array_equal(pixels(again.path), pixels(plain.path))
    finally:
        agent.close()


def test_drawing_a_subject_right_after_enrolling_waits_for_its_training_with_progress(settings):
    """A user says "this is Donut" with photos and at once "draw Donut ...": the draw waits for the LoRA to be
    learned, streaming "learning Donut" steps, then draws it (not "still being learned, try again")."""
    from chatcanvas.agent import Progress

    lora = settings.model_copy(update={"subject_method": "lora", "lora_steps": 4})
    agent = ImageAgent.create(llm="router", settings=lora)
    try:
        chat = dict(user="alice", conversation="c")
        pictures = [png_bytes(p) for p in photos("orange", 2)]
        registered = agent.chat("these are photos of his favourite toy, a ring he calls Donut", images=pictures,
                                **chat)
        assert registered.tool_calls[0]["args"]["name"] == "Donut" and "Learning Donut" in registered.text
        items = list(agent.stream("draw Donut on a green background", **chat))
        steps = [item for item in items if isinstance(item, Progress)]
        reply = items[-1]
        assert [call["name"] for call in reply.tool_calls] == ["generate_with_subject"]
        assert len(reply.images) == 1 and reply.images[0].subject_method == "lora"
        learning = [s for s in steps if s.label == "learning Donut"]
        assert learning and learning[-1].total == 4
        assert any(s.label == "drawing" for s in steps[steps.index(learning[-1]):])
        assert agent.subjects.subjects.find("alice", "Donut").status == "ready"
    finally:
        agent.close()


def test_an_edit_of_a_subject_picture_applies_the_subject_again(settings):
    """The edit prompt still names the LoRA's trigger word; the edit must load that LoRA (not draw the word), and
    the edited picture records the subject, so later edits keep it too."""
    from chatcanvas.engine import EditRequest

    lora = settings.model_copy(update={"subject_method": "lora", "lora_steps": 4})
    agent = ImageAgent.create(llm="router", settings=lora)
    try:
        chat = dict(user="alice", conversation="c")
        agent.chat("this is my dog Rex", images=[png_bytes(p) for p in photos()], **chat)
        drawn = agent.chat("draw Rex on a beach", **chat).images[0]
        edited = agent.chat("make the sky purple", **chat)
        assert [call["name"] for call in edited.tool_calls] == ["edit_image"]
        [record] = edited.images
        assert record.parent_id == drawn.id and "sks" in record.prompt
        assert record.subject_ids == drawn.subject_ids and record.subject_method == "lora"
        args = edited.tool_calls[0]["args"]
        plain = agent.engine.run(EditRequest(prompt=record.prompt, image=agent.engine.store.open(drawn),
                                             seed=record.seed, strength=args.get("strength"), parent_id=drawn.id),
                                 owner="alice")[0]
        assert plain.subject_ids == ()
        # the same seed, prompt and strength without the LoRA: any clear difference is the LoRA's
        assert np.abs(pixels(record.path) - pixels(plain.path)).mean() > 0.2
        again = agent.chat("now add a yellow star", **chat).images[0]
        assert again.subject_ids == drawn.subject_ids and again.parent_id == record.id
        # erased, the subject is left out of later edits instead of failing them
        agent.subjects.delete("alice", drawn.subject_ids[0])
        last = agent.chat("make it darker", **chat)
        assert [call["name"] for call in last.tool_calls] == ["edit_image"] and last.images[0].subject_ids == ()
    finally:
        agent.close()


def test_an_edit_of_an_ip_adapter_subject_picture_keeps_its_subject(agent):
    chat = dict(user="alice", conversation="c")
    agent.chat("this is my dog Rex", images=[png_bytes(p) for p in photos()], **chat)
    drawn = agent.chat("draw Rex surfing", **chat).images[0]
    edited = agent.chat("make the water green", **chat)
    [record] = edited.images
    assert record.operation == "edit" and record.parent_id == drawn.id
    assert record.subject_ids == drawn.subject_ids and record.subject_method == "ip_adapter"


def test_a_subject_picture_is_read_and_edited_in_the_users_words(agent):
    """The picture of Rex is stored as its method drew it ("a dog surfing"); the agent reads it back as "Rex
    surfing", so "give Rex a red hat" is a change of that picture, and the edit is drawn with the subject named as
    its method knows it again."""
    chat = dict(user="alice", conversation="c")
    agent.chat("this is my dog Rex", images=[png_bytes(p) for p in photos()], **chat)
    drawn = agent.chat("draw Rex surfing", **chat).images[0]
    assert drawn.prompt == "a dog surfing"
    hat = agent.chat("give Rex a red hat", **chat)
    [call] = hat.tool_calls
    said = call["args"]["prompt"]
    assert call["name"] == "edit_image" and said.startswith("Rex") and "surfing" in said and "red hat" in said
    [record] = hat.images
    assert record.parent_id == drawn.id and record.subject_ids == drawn.subject_ids
    assert record.prompt.startswith("a dog") and "surfing" in record.prompt and "Rex" not in record.prompt
    blue = agent.chat("make the hat blue", **chat)
    assert blue.tool_calls[0]["name"] == "edit_image"
    said = blue.tool_calls[0]["args"]["prompt"]
    assert said.startswith("Rex") and "surfing" in said and "blue hat" in said and "red" not in said
    assert "Rex" not in blue.images[0].prompt
