"""LangChain tools over the engine: validate arguments, submit jobs, return (text, image records)."""

from chatcanvas.tools.context import ToolContext
from chatcanvas.tools.images import create_image_tools

__all__ = ["ToolContext", "create_image_tools"]
