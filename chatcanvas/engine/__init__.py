"""The only code that touches diffusers and torch: models, the device worker and its queue, jobs.

Names load on first use, so checking a request or a model id does not pay for importing torch.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from chatcanvas.engine.catalog import BUILTIN_MODELS
    from chatcanvas.engine.engine import Engine
    from chatcanvas.engine.jobs import EditRequest, GenerateRequest, Job, JobEvent, JobStatus
    from chatcanvas.engine.protocol import EngineClient, EngineHealth
    from chatcanvas.engine.registry import PipelineRegistry
    from chatcanvas.engine.schedulers import SCHEDULERS

_EXPORTS = {
    "BUILTIN_MODELS": "chatcanvas.engine.catalog",
    "SCHEDULERS": "chatcanvas.engine.schedulers",
    "EditRequest": "chatcanvas.engine.jobs",
    "Engine": "chatcanvas.engine.engine",
    "EngineClient": "chatcanvas.engine.protocol",
    "EngineHealth": "chatcanvas.engine.protocol",
    "GenerateRequest": "chatcanvas.engine.jobs",
    "Job": "chatcanvas.engine.jobs",
    "JobEvent": "chatcanvas.engine.jobs",
    "JobStatus": "chatcanvas.engine.jobs",
    "PipelineRegistry": "chatcanvas.engine.registry",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(_EXPORTS[name]), name)
