"""Scheduler names a request may ask for, and fresh per-job scheduler instances.

Schedulers keep per-run state (timesteps, step index), so a shared instance breaks under concurrency
(diffusers issues #1606, #9833): every job gets its own, built from the model's scheduler config.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chatcanvas.errors import InvalidInput

if TYPE_CHECKING:
    from diffusers.schedulers.scheduling_utils import SchedulerMixin

_DPMPP_2M = {"algorithm_type": "dpmsolver++", "solver_order": 2}
_FLOW = {"use_flow_sigmas": True, "prediction_type": "flow_prediction"}

# name -> (diffusers class name, config overrides); classes are imported on use, so checking a name is cheap
SCHEDULERS: dict[str, tuple[str, dict[str, Any]]] = {
    "euler": ("EulerDiscreteScheduler", {}),
    "euler_a": ("EulerAncestralDiscreteScheduler", {}),
    "heun": ("HeunDiscreteScheduler", {}),
    "dpmpp_2m": ("DPMSolverMultistepScheduler", _DPMPP_2M),
    "dpmpp_2m_karras": ("DPMSolverMultistepScheduler", {**_DPMPP_2M, "use_karras_sigmas": True}),
    "unipc": ("UniPCMultistepScheduler", {}),
    "ddim": ("DDIMScheduler", {}),
    "ddpm": ("DDPMScheduler", {}),
    "pndm": ("PNDMScheduler", {}),
    "lcm": ("LCMScheduler", {}),
    # flow matching (FLUX, SD3/3.5, Qwen-Image, Sana): the same solvers on flow sigmas, shifted as the model's own
    "flow_euler": ("FlowMatchEulerDiscreteScheduler", {}),
    "flow_heun": ("FlowMatchHeunDiscreteScheduler", {}),
    "flow_dpmpp_2m": ("DPMSolverMultistepScheduler", {**_DPMPP_2M, **_FLOW}),
    "flow_unipc": ("UniPCMultistepScheduler", _FLOW),
}
SD_SCHEDULERS = ("euler", "euler_a", "heun", "dpmpp_2m", "dpmpp_2m_karras", "unipc", "ddim", "ddpm", "pndm", "lcm")
FLOW_SCHEDULERS = ("flow_euler", "flow_heun", "flow_dpmpp_2m", "flow_unipc")


def check_scheduler(name: str | None) -> None:
    if name is not None and name not in SCHEDULERS:
        raise InvalidInput("scheduler", f"unknown scheduler {name!r}; choose one of {', '.join(SCHEDULERS)}")


def fresh_scheduler(base: SchedulerMixin, name: str | None) -> SchedulerMixin:
    """A new scheduler instance: the model's own kind when `name` is None, else the named kind on its config."""
    if name is None:
        return type(base).from_config(base.config)
    import diffusers

    check_scheduler(name)
    class_name, overrides = SCHEDULERS[name]
    if overrides.get("use_flow_sigmas"):  # the flow-matching model's own shift, fixed or resolution-dependent
        overrides = {**overrides, "flow_shift": base.config.get("shift", 1.0)}
    return getattr(diffusers, class_name).from_config(base.config, **overrides)
