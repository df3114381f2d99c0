"""The schemas the agent's LLM reads: every argument of every LangChain tool says what it is for."""

from __future__ import annotations

from chatcanvas.tools import SubjectService, ToolBox


def test_every_tool_argument_has_a_description(engine):
    from chatcanvas.store import SubjectStore

    subjects = SubjectService(engine, engine.store, SubjectStore(engine.settings.resolved_data_dir))
    tools = ToolBox(subjects, "local", "default").tools
    assert {"generate_image", "edit_image", "select_image", "register_subject", "generate_with_subject"} <= set(tools)
    undescribed = [f"{name}.{arg}" for name, tool in tools.items() for arg, schema in tool.args.items()
                   if not str(schema.get("description", "")).strip()]
    assert not undescribed
    for tool in tools.values():  # who calls reaches the tools injected, never as an argument the model writes
        assert "runtime" not in tool.args and tool.description.strip()
