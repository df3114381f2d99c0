"""LangChain tools over the engine: validate arguments, submit jobs, return (text, image records)."""

from chatcanvas.tools.context import ToolContext
from chatcanvas.tools.images import create_image_tools
from chatcanvas.tools.subjects import SubjectService, create_subject_tools
from chatcanvas.tools.toolbox import ToolBox, ToolFailed

__all__ = ["SubjectService", "ToolBox", "ToolContext", "ToolFailed", "create_image_tools", "create_subject_tools"]
