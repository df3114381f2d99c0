"""The service layer every surface calls: one edit, one upload, one subject policy, each wait bounded."""

from __future__ import annotations

import pytest
from PIL import Image

from chatcanvas.engine import Engine, GenerateRequest
from chatcanvas.errors import EngineError, InvalidInput, JobCancelled, NotFound
from chatcanvas.services.images import Edit, ImageService
from tests.conftest import png_bytes


@pytest.fixture
def service(settings):
    with Engine(settings.model_copy(update={"max_steps": 5000})) as engine:
        yield ImageService(engine)


def test_an_uploaded_source_is_stored_as_the_edits_parent_and_the_mask_is_not(service):
    source, mask = png_bytes(Image.new("RGB", (64, 64), "teal")), png_bytes(Image.new("L", (64, 64), 255))
    job = service.edit(Edit(owner="alice", conversation="c1", prompt="a red circle", source=source, mask=mask,
                            steps=2, seed=5))
    [edited] = service.wait(job, timeout=300)
    parent = service.get(edited.parent_id, "alice")
    assert (parent.operation, parent.conversation, edited.operation, edited.seed) == ("upload", "c1", "edit", 5)
    assert [r.id for r in service.list("alice")] == [edited.id, parent.id]  # the mask was read, not kept


def test_a_bad_field_stores_nothing(service):
    with pytest.raises(InvalidInput, match="strength"):
        service.edit(Edit(owner="alice", prompt="x", source=png_bytes(Image.new("RGB", (64, 64))), strength=7.0))
    with pytest.raises(InvalidInput, match="mask"):
        service.edit(Edit(owner="alice", prompt="x", source=png_bytes(Image.new("RGB", (64, 64))), mask=b"not png"))
    assert service.list("alice") == []


def test_a_stored_source_is_the_owners_own(service):
    [mine] = service.wait(service.generate(GenerateRequest(prompt="a fox", steps=2, seed=1), "alice"), timeout=300)
    with pytest.raises(NotFound):
        service.edit(Edit(owner="bob", prompt="a blue fox", source=mine))
    with pytest.raises(NotFound):
        service.get(mine.id, "bob")
    [edited] = service.wait(service.edit(Edit(owner="alice", prompt="a blue fox", source=mine, steps=2)), 300)
    assert edited.parent_id == mine.id


def test_a_wait_past_its_bound_says_so_and_the_job_goes_on(service):
    job = service.generate(GenerateRequest(prompt="a slow fox", steps=1000, seed=2), "alice")
    with pytest.raises(EngineError, match="did not finish"):
        service.wait(job, timeout=0.05)
    assert not job.done  # 3,000 steps: still going
    service.cancel(job)
    with pytest.raises(JobCancelled):
        service.wait(job, timeout=300)


def test_a_chat_turn_is_checked_before_anything_streams_and_read_back_only_by_its_owner(settings):
    from chatcanvas.agent import ImageAgent, Reply
    from chatcanvas.services.chat import ChatService, ChatTurn

    with ImageAgent.create(llm="router", settings=settings) as agent:
        chat = ChatService(agent)
        with pytest.raises(InvalidInput, match="images"):
            chat.stream(ChatTurn(user="alice", conversation="c1", text="make it red", uploads=[b"not a picture"]))
        assert chat.conversations("alice") == [] and agent.store.list_images("alice") == []
        reply = chat.reply(ChatTurn(user="alice", conversation="c1", text="draw a red circle"))
        assert isinstance(reply, Reply) and len(reply.images) == 1
        assert [c.id for c in chat.conversations("alice")] == ["c1"] and chat.conversations("bob") == []
        assert chat.current_image("alice", "c1").id == reply.images[0].id
        with pytest.raises(NotFound):
            chat.conversation("bob", "c1")
