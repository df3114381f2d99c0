"""The conversation agent: LangChain `create_agent` + image state middleware, the offline router, LLM choice."""

from chatcanvas.agent.capabilities import Capability, ImageCapability, Services, TurnView, default_capabilities
from chatcanvas.agent.image_agent import ImageAgent, Progress, Reply
from chatcanvas.agent.llm import load_llm
from chatcanvas.agent.router import IntentRouter, RouterRule

__all__ = [
    "Capability",
    "ImageAgent",
    "ImageCapability",
    "IntentRouter",
    "Progress",
    "Reply",
    "RouterRule",
    "Services",
    "TurnView",
    "default_capabilities",
    "load_llm",
]
