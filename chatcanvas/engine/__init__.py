"""The only code that touches diffusers and torch: models, the device worker and its queue, jobs."""

from chatcanvas.engine.engine import Engine
from chatcanvas.engine.jobs import EditRequest, GenerateRequest, Job, JobEvent, JobStatus
from chatcanvas.engine.registry import BUILTIN_MODELS, PipelineRegistry
from chatcanvas.engine.schedulers import SCHEDULERS

__all__ = [
    "BUILTIN_MODELS",
    "SCHEDULERS",
    "EditRequest",
    "Engine",
    "GenerateRequest",
    "Job",
    "JobEvent",
    "JobStatus",
    "PipelineRegistry",
]
