"""chatcanvas as a tool set for any LangChain / LangGraph agent: create_agent with create_image_tools."""

from __future__ import annotations

from langchain.agents import create_agent

from chatcanvas.tools import ToolContext, create_image_tools
from tests.scripted import ScriptedChatModel, tool_call


def test_a_host_agent_draws_and_edits_as_the_user_in_its_context(engine):
    model = ScriptedChatModel().enqueue(
        tool_call("generate_image", "c1", prompt="a red fox", seed=1), "Here is a fox.",
        tool_call("edit_image", "c2", prompt="a blue fox"), "Now it is blue.")
    agent = create_agent(model, tools=create_image_tools(engine), context_schema=ToolContext)
    context = ToolContext(user="alice", conversation="walk")

    first = agent.invoke({"messages": [{"role": "user", "content": "draw a fox"}]}, context=context)
    [drawn] = first["messages"][2].artifact["images"]
    assert first["messages"][-1].content == "Here is a fox."
    second = agent.invoke({"messages": [*first["messages"], {"role": "user", "content": "make it blue"}]},
                          context=context)
    [edited] = second["messages"][-2].artifact["images"]
    assert edited["parent_id"] == drawn["id"]
    record = engine.store.get(edited["id"], "alice")
    assert (record.owner, record.conversation, record.operation) == ("alice", "walk", "edit")
    assert engine.store.list_images("local") == []
