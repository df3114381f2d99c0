"""LangChain tools over the services: validate arguments, call a service, return (text, image records)."""

from chatcanvas.services.subjects import SubjectService
from chatcanvas.tools.context import ToolContext
from chatcanvas.tools.images import create_image_tools
from chatcanvas.tools.subjects import create_subject_tools
from chatcanvas.tools.toolbox import ToolBox, ToolFailed

__all__ = ["SubjectService", "ToolBox", "ToolContext", "ToolFailed", "create_image_tools", "create_subject_tools"]
