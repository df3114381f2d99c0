"""chatcanvas: image tools for chat apps and agents (generate, edit, personalize) on Hugging Face diffusers."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from chatcanvas.agent import ImageAgent, Reply
    from chatcanvas.config import Settings, get_settings
    from chatcanvas.engine import EditRequest, Engine, GenerateRequest
    from chatcanvas.store import ImageRecord, ImageStore
    from chatcanvas.tools import ToolContext, create_image_tools

__version__ = "0.1.0"

_EXPORTS = {
    "EditRequest": "chatcanvas.engine",
    "Engine": "chatcanvas.engine",
    "GenerateRequest": "chatcanvas.engine",
    "ImageAgent": "chatcanvas.agent",
    "Reply": "chatcanvas.agent",
    "ImageRecord": "chatcanvas.store",
    "ImageStore": "chatcanvas.store",
    "Settings": "chatcanvas.config",
    "ToolContext": "chatcanvas.tools",
    "create_image_tools": "chatcanvas.tools",
    "get_settings": "chatcanvas.config",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(_EXPORTS[name]), name)
