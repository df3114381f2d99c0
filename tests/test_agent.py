"""The agent through the real create_agent loop: a scripted tool-calling model and the offline router."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest
from langchain_core.messages import SystemMessage, ToolMessage
from PIL import Image

from chatcanvas.agent import ImageAgent, Progress, Reply
from chatcanvas.errors import InvalidImage, InvalidInput
from tests.conftest import png_bytes, store_snapshot
from tests.scripted import ScriptedChatModel, tool_call


@pytest.fixture
def scripted():
    return ScriptedChatModel()


@pytest.fixture
def agent_with(settings):
    made = []

    def build(llm="router"):
        agent = ImageAgent.create(llm=llm, settings=settings)
        made.append(agent)
        return agent

    yield build
    for agent in made:
        agent.close()


def test_draw_then_edit_the_current_image_without_an_id(agent_with, scripted):
    agent = agent_with(scripted)
    scripted.enqueue(tool_call("generate_image", prompt="a red fox in the snow", seed=7), "Here is your fox.")
    first = agent.chat("draw a red fox", user="alice", conversation="main")
    assert first.text == "Here is your fox."
    assert first.tool_calls == [{"name": "generate_image", "args": {"prompt": "a red fox in the snow", "seed": 7}}]
    assert [r.prompt for r in first.images] == ["a red fox in the snow"] and first.images[0].path.exists()

    scripted.enqueue(tool_call("edit_image", prompt="a blue fox in the snow"), "Now it is blue.")
    second = agent.chat("make it blue", user="alice", conversation="main")
    assert second.images[0].parent_id == first.images[0].id
    assert second.images[0].operation == "edit"
    assert agent.current_image("alice", "main").id == second.images[0].id

    # the model was told which image is current, and that plain questions get plain answers
    system = scripted.history[-2][0]
    assert isinstance(system, SystemMessage)
    assert f"Current image: {first.images[0].id}" in system.content
    assert "Do NOT call a tool for greetings" in system.content


def test_an_upload_becomes_the_image_to_edit(agent_with, scripted):
    agent = agent_with(scripted)
    photo = png_bytes(Image.linear_gradient("L").convert("RGB").resize((72, 56)), "JPEG")
    scripted.enqueue(tool_call("edit_image", prompt="a watercolor painting"), "Done.")
    reply = agent.chat("make this a watercolor", images=[photo], user="alice", conversation="c")
    upload = agent.store.get(reply.images[0].parent_id, "alice")
    assert upload.operation == "upload" and (upload.width, upload.height) == (72, 56)
    assert "The user attached to this message: " + upload.id in scripted.history[0][0].content


def test_a_tool_error_reaches_the_model_and_the_turn_ends_with_a_reply(agent_with, scripted):
    agent = agent_with(scripted)
    scripted.enqueue(tool_call("generate_image", prompt="a fox", width=63), "That size is not possible; try 64.")
    before = store_snapshot(agent.store)
    reply = agent.chat("draw a fox 63 pixels wide")
    error = scripted.history[-1][-1]
    assert isinstance(error, ToolMessage) and error.status == "error"
    assert "width: must be a multiple of 8, got 63" in error.content
    assert reply.text == "That size is not possible; try 64." and reply.images == []
    assert store_snapshot(agent.store) == before


def test_the_router_flow_draw_edit_edit_question(agent_with):
    agent = agent_with("router")
    drawn = agent.chat("please draw a red fox in the snow", user="u", conversation="c")
    assert drawn.tool_calls == [{"name": "generate_image", "args": {"prompt": "a red fox in the snow"}}]
    blue = agent.chat("make it blue", user="u", conversation="c")
    assert blue.tool_calls == [{"name": "edit_image", "args": {"prompt": "a blue fox in the snow"}}]
    assert blue.images[0].parent_id == drawn.images[0].id
    hat = agent.chat("now with a hat", user="u", conversation="c")
    assert hat.images[0].prompt == "a blue fox in the snow, with a hat"
    assert hat.images[0].parent_id == blue.images[0].id
    answer = agent.chat("what can you do?", user="u", conversation="c")
    assert answer.tool_calls == [] and answer.images == [] and "draw" in answer.text
    assert agent.current_image("u", "c").id == hat.images[0].id


def test_the_router_edits_an_uploaded_photo(agent_with):
    agent = agent_with("router")
    photo = png_bytes(Image.new("RGB", (64, 48), "gray"), "PNG")
    reply = agent.chat("make this a watercolor", images=[photo])
    # the tiny model has no describer: the change applies to "a picture"
    assert reply.tool_calls == [{"name": "edit_image", "args": {"prompt": "a picture, watercolor style"}}]
    assert agent.store.get(reply.images[0].parent_id, "local").operation == "upload"


def test_the_router_edits_an_uploaded_photo_by_inversion_when_things_are_added_or_removed(agent_with):
    """On an SD-family model (`tiny`), "remove X" / "add X" on a photo pass what to remove and add, and `auto` edits
    it by inversion (everything else kept); the same words on a drawn picture stay an img2img edit."""
    agent = agent_with("router")
    photo = png_bytes(Image.new("RGB", (64, 48), "gray"), "PNG")
    reply = agent.chat("could you get rid of the power lines and add a rainbow to this photo?", images=[photo],
                       conversation="photo")
    assert reply.tool_calls[0]["name"] == "edit_image"
    args = reply.tool_calls[0]["args"]
    assert (args["remove"], args["add"]) == (["power lines"], ["a rainbow"])
    assert reply.images[0].edit_method == "inversion" and (reply.images[0].width, reply.images[0].height) == (64, 48)
    drawn = agent.chat("draw a street with power lines", conversation="drawn")
    edited = agent.chat("remove the power lines", conversation="drawn")
    assert "remove" not in edited.tool_calls[0]["args"] and edited.images[0].edit_method == "img2img"
    assert edited.images[0].parent_id == drawn.images[0].id


def test_an_edit_with_no_image_gets_a_helpful_answer(agent_with):
    reply = agent_with("router").chat("make it blue")
    assert reply.tool_calls == [] and "no picture here to change yet" in reply.text


def test_stream_yields_progress_then_the_reply(agent_with):
    items = list(agent_with("router").stream("draw a lighthouse"))
    progress = [i for i in items if isinstance(i, Progress)]
    assert isinstance(items[-1], Reply) and len(items[-1].images) == 1
    steps = [p.step for p in progress if p.status == "running" and p.step]
    assert steps == sorted(steps) and steps[-1] == 4
    assert progress[-1].status == "succeeded"


async def test_achat(agent_with):
    reply = await agent_with("router").achat("draw a castle", user="a", conversation="b")
    assert reply.images and reply.conversation == "b"


def test_two_users_with_the_same_conversation_name_never_meet(agent_with):
    agent = agent_with("router")
    alice = agent.chat("draw a red fox", user="alice", conversation="main")
    bob_first = agent.chat("make it blue", user="bob", conversation="main")
    assert bob_first.images == [] and "no picture here" in bob_first.text  # alice's fox is not bob's current image
    bob = agent.chat("draw a green frog", user="bob", conversation="main")
    assert agent.current_image("alice", "main").id == alice.images[0].id
    assert agent.current_image("bob", "main").id == bob.images[0].id
    alice_text = " ".join(str(m.content) for m in agent.messages("alice", "main"))
    assert "frog" not in alice_text and "fox" in alice_text
    assert [r.id for r in agent.store.list_images("bob")] == [bob.images[0].id]


def test_bad_messages_and_attachments_are_refused_before_anything_is_stored(agent_with):
    agent = agent_with("router")
    before = store_snapshot(agent.store)
    with pytest.raises(InvalidInput, match="message: must not be empty"):
        agent.chat("   ")
    with pytest.raises(InvalidImage, match=r"images\[1\]: not an image"):
        agent.chat("edit these", images=[png_bytes(Image.new("RGB", (8, 8))), b"<html></html>"])
    with pytest.raises(InvalidInput, match="user"):
        agent.chat("hi", user="")
    assert store_snapshot(agent.store) == before
    assert agent.messages("local", "default") == []


def test_a_new_process_continues_the_conversation(settings, tmp_path):
    script = textwrap.dedent(f"""
        import json, sys
        from chatcanvas.agent import ImageAgent
        from chatcanvas.config import Settings
        agent = ImageAgent.create(llm="router", settings=Settings(data_dir={str(settings.data_dir)!r},
                                  cache_dir={str(settings.cache_dir)!r}, model="tiny"))
        reply = agent.chat(sys.argv[1], user="alice", conversation="trip")
        print(json.dumps([[i.id, i.parent_id] for i in reply.images]))
        agent.close()
    """)

    def run(message):
        done = subprocess.run([sys.executable, "-c", script, message], capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr
        return __import__("json").loads(done.stdout.strip().splitlines()[-1])

    [[first_id, _]] = run("draw a sailboat at sunset")
    [[edited_id, parent_id]] = run("make it purple")
    assert parent_id == first_id and edited_id != first_id


def test_a_long_turn_holds_only_its_own_conversation(settings):
    """Alice's turn waits on a slow model; Bob's turns in other conversations (among them one whose id shared a
    lock with hers under a fixed set of 64 striped locks) finish meanwhile; a second turn of hers waits for the
    first."""
    import hashlib
    import threading

    from chatcanvas.agent.checkpoint import thread_id

    release, entered = threading.Event(), threading.Event()

    class SlowForAlice(ScriptedChatModel):
        def _generate(self, messages, stop=None, run_manager=None, **kwargs):
            if "take your time" in messages[-1].text:
                entered.set()
                assert release.wait(120)
            return super()._generate(messages, stop, run_manager, **kwargs)

    def stripe(user, conversation):
        return int.from_bytes(hashlib.blake2b(thread_id(user, conversation).encode(), digest_size=4).digest(),
                              "big") % 64

    neighbour = next(f"c{i}" for i in range(10_000) if stripe("bob", f"c{i}") == stripe("alice", "slow"))
    llm = SlowForAlice().enqueue(*["fine"] * 6)
    with ImageAgent.create(llm=llm, settings=settings) as agent:
        slow = threading.Thread(target=agent.chat, args=("take your time",), kwargs={"user": "alice",
                                                                                   "conversation": "slow"})
        slow.start()
        assert entered.wait(120)
        for conversation in (neighbour, "other"):
            replies = []
            bob = threading.Thread(target=lambda c=conversation: replies.append(agent.chat("hello", user="bob",
                                                                                           conversation=c)))
            bob.start()
            bob.join(60)  # while Alice's turn still waits (up to 120 s)
            assert not bob.is_alive() and [r.text for r in replies] == ["fine"]
        second = threading.Thread(target=agent.chat, args=("and again",), kwargs={"user": "alice",
                                                                                "conversation": "slow"})
        second.start()
        second.join(0.5)
        assert second.is_alive()  # the same conversation's next turn waits for the first
        release.set()
        slow.join(120)
        second.join(120)
        assert [m.text for m in agent.messages("alice", "slow") if m.type == "human"] == ["take your time",
                                                                                           "and again"]
        assert len(agent._turn_locks) == 0
