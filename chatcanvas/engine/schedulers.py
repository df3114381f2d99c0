"""Scheduler names a request may ask for, and fresh per-job scheduler instances.

Schedulers keep per-run state (timesteps, step index), so a shared instance breaks under concurrency
(diffusers issues #1606, #9833): every job gets its own, built from the model's scheduler config.
"""

from __future__ import annotations

from typing import Any

from diffusers import (
    DDIMScheduler,
    DDPMScheduler,
    DPMSolverMultistepScheduler,
    EulerAncestralDiscreteScheduler,
    EulerDiscreteScheduler,
    HeunDiscreteScheduler,
    LCMScheduler,
    PNDMScheduler,
    UniPCMultistepScheduler,
)
from diffusers.schedulers.scheduling_utils import SchedulerMixin

from chatcanvas.errors import InvalidInput

# name -> (class, config overrides)
SCHEDULERS: dict[str, tuple[type[SchedulerMixin], dict[str, Any]]] = {
    "euler": (EulerDiscreteScheduler, {}),
    "euler_a": (EulerAncestralDiscreteScheduler, {}),
    "heun": (HeunDiscreteScheduler, {}),
    "dpmpp_2m": (DPMSolverMultistepScheduler, {"algorithm_type": "dpmsolver++", "solver_order": 2}),
    "dpmpp_2m_karras": (
        DPMSolverMultistepScheduler,
        {"algorithm_type": "dpmsolver++", "solver_order": 2, "use_karras_sigmas": True},
    ),
    "unipc": (UniPCMultistepScheduler, {}),
    "ddim": (DDIMScheduler, {}),
    "ddpm": (DDPMScheduler, {}),
    "pndm": (PNDMScheduler, {}),
    "lcm": (LCMScheduler, {}),
}


def check_scheduler(name: str | None) -> None:
    if name is not None and name not in SCHEDULERS:
        raise InvalidInput("scheduler", f"unknown scheduler {name!r}; choose one of {', '.join(SCHEDULERS)}")


def fresh_scheduler(base: SchedulerMixin, name: str | None) -> SchedulerMixin:
    """A new scheduler instance: the model's own kind when `name` is None, else the named kind on its config."""
    if name is None:
        return type(base).from_config(base.config)
    check_scheduler(name)
    cls, overrides = SCHEDULERS[name]
    return cls.from_config(base.config, **overrides)
