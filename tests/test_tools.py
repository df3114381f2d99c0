"""The image tools: LangChain's standard tool tests, injected identity, the current image, clear tool errors."""

from __future__ import annotations

import functools
import tempfile

import pytest
from langchain_core.messages import AIMessage, ToolMessage
from langchain_tests.integration_tests import ToolsIntegrationTests
from langchain_tests.unit_tests import ToolsUnitTests

from chatcanvas.tools import ToolContext, create_image_tools
from tests.conftest import CACHE_DIR


@functools.cache
def shared_tools():
    from chatcanvas.config import Settings
    from chatcanvas.engine import Engine

    engine = Engine(Settings(data_dir=tempfile.mkdtemp(prefix="chatcanvas-tools-"), cache_dir=CACHE_DIR,
                             model="tiny"))
    generate, edit, _select = create_image_tools(engine)
    generate.invoke({"prompt": "a first picture to edit", "seed": 1})
    return {"generate_image": generate, "edit_image": edit}


class TestGenerateImageUnit(ToolsUnitTests):
    tool_constructor = property(lambda self: shared_tools()["generate_image"])
    tool_invoke_params_example = {"prompt": "a red fox in the snow", "seed": 7, "steps": 2, "n": 2}


class TestGenerateImageIntegration(ToolsIntegrationTests):
    tool_constructor = property(lambda self: shared_tools()["generate_image"])
    tool_invoke_params_example = {"prompt": "a red fox in the snow", "seed": 7, "steps": 2, "n": 2}


class TestEditImageUnit(ToolsUnitTests):
    tool_constructor = property(lambda self: shared_tools()["edit_image"])
    tool_invoke_params_example = {"prompt": "a blue fox in the snow", "strength": 0.5, "seed": 3}


class TestEditImageIntegration(ToolsIntegrationTests):
    tool_constructor = property(lambda self: shared_tools()["edit_image"])
    tool_invoke_params_example = {"prompt": "a blue fox in the snow", "strength": 0.5, "seed": 3}


@pytest.fixture
def tools(engine):
    return create_image_tools(engine)


def call(tool, args, call_id="call-1"):
    return tool.invoke({"type": "tool_call", "name": tool.name, "id": call_id, "args": args})


def test_the_model_never_sees_identity_arguments(tools):
    for tool in tools:
        schema = tool.tool_call_schema.model_json_schema()["properties"]
        assert not {"runtime", "user", "owner", "conversation"} & schema.keys()


def test_generate_returns_a_short_line_and_the_records(tools, engine):
    message = call(tools[0], {"prompt": "a red fox", "seed": 7, "n": 2})
    assert isinstance(message, ToolMessage) and message.status == "success"
    ids = [image["id"] for image in message.artifact["images"]]
    assert len(ids) == 2 and all(image_id in message.content for image_id in ids)
    assert len(message.content) < 200
    assert [image["seed"] for image in message.artifact["images"]] == [7, 8]
    assert engine.store.get(ids[0], "local").prompt == "a red fox"


def test_edit_without_an_id_edits_the_conversations_current_image(tools):
    first = call(tools[0], {"prompt": "a red fox", "seed": 1}).artifact["images"][0]
    edited = call(tools[1], {"prompt": "a blue fox"}).artifact["images"][0]
    assert edited["parent_id"] == first["id"] and edited["operation"] == "edit"
    again = call(tools[1], {"prompt": "a green fox", "image_id": first["id"], "strength": 0.3}).artifact["images"][0]
    assert again["parent_id"] == first["id"] and again["strength"] == 0.3


def test_edit_with_a_mask_image(tools, engine):
    from PIL import Image

    from tests.conftest import pixels, png_bytes

    first = call(tools[0], {"prompt": "a red fox", "seed": 1}).artifact["images"][0]
    mask = Image.new("RGBA", (64, 64), (0, 0, 0, 255))
    mask.paste((0, 0, 0, 0), (0, 0, 32, 64))  # transparent left half: the area to repaint
    mask_record = engine.store.add_upload(png_bytes(mask), owner="local", conversation="default")
    edited = call(tools[1], {"prompt": "a hole", "image_id": first["id"], "mask_image_id": mask_record.id,
                             "strength": 1.0}).artifact["images"][0]
    before, after = pixels(first["path"]), pixels(edited["path"])
    assert abs(after[:, 32:] - before[:, 32:]).max() <= 2
    assert abs(after[:, :32] - before[:, :32]).mean() > 1.0


def test_tools_run_as_the_user_the_agent_runtime_names(engine):
    from langgraph.graph import END, START, MessagesState, StateGraph
    from langgraph.prebuilt import ToolNode

    graph = StateGraph(MessagesState)
    graph.add_node("tools", ToolNode(create_image_tools(engine)))
    graph.add_edge(START, "tools")
    graph.add_edge("tools", END)
    node = graph.compile()
    draw = AIMessage(content="", tool_calls=[{"name": "generate_image", "args": {"prompt": "a fox", "seed": 1},
                                              "id": "c1", "type": "tool_call"}])
    result = node.invoke({"messages": [draw]}, config={"configurable": {"user": "alice", "conversation": "main"}})
    image_id = result["messages"][-1].artifact["images"][0]["id"]
    record = engine.store.get(image_id, "alice")
    assert (record.owner, record.conversation) == ("alice", "main")

    # bob, who has no images, cannot edit alice's by id, nor see it as his current image
    edit = AIMessage(content="", tool_calls=[{"name": "edit_image", "args": {"prompt": "blue", "image_id": image_id},
                                              "id": "c2", "type": "tool_call"}])
    as_bob = node.invoke({"messages": [edit]}, config={"configurable": {"user": "bob", "conversation": "main"}})
    assert as_bob["messages"][-1].status == "error"
    assert f"no image {image_id!r}" in as_bob["messages"][-1].content
    plain = AIMessage(content="", tool_calls=[{"name": "edit_image", "args": {"prompt": "blue"}, "id": "c3",
                                               "type": "tool_call"}])
    as_bob = node.invoke({"messages": [plain]}, config={"configurable": {"user": "bob", "conversation": "main"}})
    assert "no image in this conversation yet" in as_bob["messages"][-1].content


def test_tool_context_names_the_user(engine):
    tools = create_image_tools(engine, user="carol", conversation="c9")
    record = call(tools[0], {"prompt": "a fox", "seed": 1}).artifact["images"][0]
    assert (record["owner"], record["conversation"]) == ("carol", "c9")
    assert ToolContext().user == "local"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ({"prompt": "a fox", "width": 63}, "width: must be a multiple of 8, got 63"),
        ({"prompt": "a fox", "width": "wide"}, "width: Input should be a valid integer"),
        ({"prompt": ""}, "prompt: must not be empty"),
        ({"prompt": "a fox", "n": 9}, "n: must be between 1 and 4"),
    ],
)
def test_bad_arguments_come_back_as_clear_tool_errors(tools, engine, args, message):
    from tests.conftest import store_snapshot

    before = store_snapshot(engine.store)
    result = call(tools[0], args)
    assert result.status == "error" and message in result.content
    assert store_snapshot(engine.store) == before


def test_edit_with_nothing_to_edit_is_a_clear_tool_error(tools):
    result = call(tools[1], {"prompt": "make it blue"})
    assert result.status == "error"
    assert "there is no image in this conversation yet" in result.content
