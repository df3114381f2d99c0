"""The public surface: pinned so that a change to it is a decision, not an accident."""

from __future__ import annotations

import importlib

import chatcanvas


def test_public_names_are_pinned():
    assert chatcanvas.__all__ == [
        "EditRequest", "Engine", "GenerateRequest", "ImageAgent", "ImageRecord", "ImageStore", "Reply", "Settings",
        "ToolContext",
        "create_image_tools", "get_settings",
    ]
    for name in chatcanvas.__all__:
        assert getattr(chatcanvas, name) is not None
    assert importlib.import_module("chatcanvas.tools").__all__ == [
        "SubjectService", "ToolBox", "ToolContext", "ToolFailed", "create_image_tools", "create_subject_tools"]


def test_settings_read_the_environment_once(monkeypatch, tmp_path):
    from chatcanvas.config import Settings, get_settings

    monkeypatch.setenv("CHATCANVAS_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("CHATCANVAS_MAX_STEPS", "12")
    monkeypatch.setenv("CHATCANVAS_DEVICE", "cpu")
    get_settings.cache_clear()
    try:
        settings = get_settings()
        assert settings is get_settings()
        assert (settings.resolved_data_dir, settings.max_steps, settings.device) == (tmp_path, 12, "cpu")
        assert Settings(dtype="auto").dtype == "auto"
    finally:
        get_settings.cache_clear()


def test_auto_device_and_dtype_on_this_machine():
    import torch

    from chatcanvas.engine.registry import resolve_device, resolve_dtype

    device = resolve_device("auto")
    if not torch.cuda.is_available():
        assert resolve_dtype("auto", torch.device("cpu")) == torch.float32
    assert resolve_dtype("float16", device) == torch.float16
    assert resolve_device("cpu").type == "cpu"


ENGINE_INTERNALS = r"chatcanvas\.engine\.(registry|queue|runner|batching|engine|lora|personalize|durable)"


def test_each_layer_imports_only_the_layers_below_it():
    import pathlib
    import re

    root = pathlib.Path(chatcanvas.__file__).parent
    forbidden = {
        "engine": r"langchain|langgraph|fastapi|chatcanvas\.(tools|agent|server|services|cli)",
        "store": r"torch|diffusers|langchain|fastapi|chatcanvas\.(engine|tools|agent|server|services|cli)",
        "services": rf"fastapi|starlette|slack|discord|langchain|langgraph|chatcanvas\.(server|cli|tools)"
                    rf"|{ENGINE_INTERNALS}",
        "tools": rf"fastapi|starlette|slack|discord|chatcanvas\.(agent|server)|{ENGINE_INTERNALS}",
        "agent": rf"fastapi|starlette|slack|discord|chatcanvas\.server|{ENGINE_INTERNALS}",
        "server": rf"torch|diffusers|chatcanvas\.(cli|eval)|{ENGINE_INTERNALS}",
    }
    checked = 0
    for layer, pattern in forbidden.items():
        for path in (root / layer).rglob("*.py"):
            checked += 1
            for line in path.read_text().splitlines():
                if re.match(r"\s*(from|import)\s", line):
                    assert not re.search(rf"\b({pattern})\b", line), f"{path.relative_to(root)}: {line.strip()}"
    assert checked > 40
    # the chat-turn service is the one caller of the agent above it: no surface calls the agent's turn itself
    for path in [*(root / "server").rglob("*.py"), *(root / "cli").rglob("*.py")]:
        text = path.read_text()
        assert not re.search(r"agent\.(stream|chat|achat|cancel)\(", text), path.relative_to(root)


def test_nothing_above_the_engine_protocol_touches_its_queue_or_registry():
    import ast
    import pathlib

    root = pathlib.Path(chatcanvas.__file__).parent
    for path in root.rglob("*.py"):
        if path.is_relative_to(root / "engine"):
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Attribute) and node.attr in ("registry", "queue", "_jobs", "job_store"):
                owner = ast.unparse(node.value)
                assert "engine" not in owner, f"{path.relative_to(root)}:{node.lineno}: {owner}.{node.attr}"


def test_the_local_engine_implements_the_engine_protocol(settings):
    from chatcanvas.engine import Engine, EngineClient

    with Engine(settings) as engine:
        assert isinstance(engine, EngineClient)
        health = engine.health()
        assert health.alive and health.default_model == settings.model and health.queue_depth == 0
