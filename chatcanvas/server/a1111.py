"""AUTOMATIC1111's web API in chatcanvas terms: its sampler and schedule names, its payloads, its infotext.

The routes (`routes/a1111.py`) call the same image services as every other surface; this module only translates.
A1111 names a sampler ("DPM++ 2M") and a schedule ("Karras") apart; chatcanvas names one scheduler
(`dpmpp_2m_karras`). On flow-matching models (FLUX, SD3, Qwen-Image) a sampler maps to the flow solver of its kind
("Euler a" -> `flow_euler`), said in the answer's notes, since A1111 clients send "Euler a" unasked.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from chatcanvas.errors import InvalidInput
from chatcanvas.store import ImageRecord


@dataclass(frozen=True)
class Sampler:
    name: str
    aliases: tuple[str, ...]
    sd: str
    """The chatcanvas scheduler on SD-family models."""
    flow: str | None
    """The flow-matching solver of the same kind, where there is one."""


SAMPLERS = (
    Sampler("Euler a", ("k_euler_a", "k_euler_ancestral", "euler_ancestral"), "euler_a", "flow_euler"),
    Sampler("Euler", ("k_euler",), "euler", "flow_euler"),
    Sampler("Heun", ("k_heun",), "heun", "flow_heun"),
    Sampler("DPM++ 2M", ("k_dpmpp_2m", "dpmpp_2m"), "dpmpp_2m", "flow_dpmpp_2m"),
    Sampler("DPM++ 2M Karras", ("k_dpmpp_2m_ka",), "dpmpp_2m_karras", "flow_dpmpp_2m"),
    Sampler("DDIM", ("ddim",), "ddim", None),
    Sampler("UniPC", ("unipc",), "unipc", "flow_unipc"),
    Sampler("PLMS", ("plms", "pndm"), "pndm", None),
    Sampler("DDPM", ("ddpm",), "ddpm", None),
    Sampler("LCM", ("k_lcm", "lcm"), "lcm", None),
)
SCHEDULES = ({"name": "automatic", "label": "Automatic", "aliases": None, "default_rho": -1, "need_inner_model": False},
             {"name": "karras", "label": "Karras", "aliases": ["Karras"], "default_rho": 7.0,
              "need_inner_model": False})


def _sampler(name: str) -> Sampler:
    wanted = name.strip().lower()
    for sampler in SAMPLERS:
        if wanted == sampler.name.lower() or wanted in sampler.aliases:
            return sampler
    raise InvalidInput("sampler_name", f"{name!r} is not a sampler here; choose one of "
                                       f"{', '.join(s.name for s in SAMPLERS)}")


def scheduler_for(sampler_name: str | None, schedule: str | None, flow: bool,
                  fits: tuple[str, ...] | None) -> tuple[str | None, list[str]]:
    """The chatcanvas scheduler for an A1111 sampler and schedule on a model (`flow`: a flow-matching one; `fits`:
    the schedulers its family takes, None when unknown), and notes on what was mapped or ignored."""
    notes: list[str] = []
    if not sampler_name:
        return None, notes
    sampler = _sampler(sampler_name)
    karras = (schedule or "").strip().lower() == "karras"
    if karras and sampler.sd == "dpmpp_2m":
        sampler = _sampler("DPM++ 2M Karras")
    elif karras and sampler.sd != "dpmpp_2m_karras":
        notes.append(f"the Karras schedule applies to DPM++ 2M here; {sampler.name} ran with its own")
    elif schedule and schedule.strip().lower() not in ("automatic", "karras", ""):
        notes.append(f"schedule {schedule!r} is not offered here; the sampler's own was used")
    if not flow:
        chosen = sampler.sd
    elif sampler.flow is None:
        raise InvalidInput("sampler_name", f"{sampler.name} does not fit a flow-matching model; choose Euler, "
                                           "DPM++ 2M or UniPC")
    else:
        chosen = sampler.flow
        notes.append(f"{sampler.name} ran as {chosen}, its flow-matching form")
    if fits is not None and chosen not in fits:
        if flow:  # e.g. Heun on FLUX: the family's first solver stands in, said so
            notes.append(f"{chosen} does not fit this model; {fits[0]} was used")
            return fits[0], notes
        raise InvalidInput("sampler_name", f"{sampler.name} does not fit this model")
    return chosen, notes


def sampler_name_of(scheduler: str | None) -> str:
    """The A1111 name for a chatcanvas scheduler (for infotext): "dpmpp_2m_karras" -> "DPM++ 2M Karras"."""
    for sampler in SAMPLERS:
        if scheduler in (sampler.sd, sampler.flow):
            return sampler.name
    return scheduler or "Automatic"


def samplers_json() -> list[dict[str, Any]]:
    return [{"name": s.name, "aliases": list(s.aliases), "options": {}} for s in SAMPLERS]


class Txt2ImgPayload(BaseModel):
    """The fields of `/sdapi/v1/txt2img` chatcanvas reads; the rest (hires fix, restore faces, scripts, ...) are
    accepted and left alone, as A1111 does for a script that is not installed."""

    model_config = ConfigDict(extra="allow")

    prompt: str = ""
    negative_prompt: str | None = ""
    styles: list[str] | None = None
    seed: int = Field(-1, ge=-1, le=2**32 - 1)
    subseed: int | None = -1
    subseed_strength: float | None = 0.0
    sampler_name: str | None = None
    sampler_index: str | None = None
    scheduler: str | None = None
    batch_size: int = Field(1, ge=1, le=64)
    n_iter: int = Field(1, ge=1, le=64)
    steps: int | None = None
    cfg_scale: float | None = None
    width: int = 512
    height: int = 512
    override_settings: dict[str, Any] | None = None


class Img2ImgPayload(Txt2ImgPayload):
    init_images: list[str] = Field(default_factory=list)
    mask: str | None = None
    denoising_strength: float | None = 0.75
    inpainting_mask_invert: int = 0
    image_cfg_scale: float | None = None


class OptionsPayload(BaseModel):
    model_config = ConfigDict(extra="allow")

    sd_model_checkpoint: str | None = None


def ignored_notes(payload: Txt2ImgPayload) -> list[str]:
    notes = []
    if payload.subseed not in (None, -1) and (payload.subseed_strength or 0) > 0:
        notes.append("subseed is not used here: each picture comes from its seed alone")
    if payload.styles:
        notes.append("styles are not stored here; write them into the prompt")
    return notes


def infotext(record: ImageRecord) -> str:
    """A1111's text for one picture: the prompt, the negative prompt, then "Steps: ..., Sampler: ..." ."""
    fields = [("Steps", record.steps), ("Sampler", sampler_name_of(record.scheduler)),
              ("CFG scale", record.guidance_scale), ("Seed", record.seed), ("Size", f"{record.width}x{record.height}"),
              ("Model", record.model)]
    if record.strength is not None:
        fields.append(("Denoising strength", record.strength))
    lines = [record.prompt or ""]
    if record.negative_prompt:
        lines.append(f"Negative prompt: {record.negative_prompt}")
    lines.append(", ".join(f"{key}: {_quoted(value)}" for key, value in fields if value is not None))
    return "\n".join(lines)


def _quoted(value: Any) -> str:
    text = f"{value:g}" if isinstance(value, float) else str(value)
    return json.dumps(text) if ("," in text or ":" in text or '"' in text) and text != "" else text


_FIELD = re.compile(r'\s*(?P<key>[\w ]+):\s*(?P<value>"(?:\\.|[^\\"])*"|[^,]*)(?:,|$)')


def parse_infotext(text: str) -> dict[str, Any]:
    """A1111's infotext back into fields: {"Prompt": ..., "Negative prompt": ..., "Steps": "20", ...}."""
    lines = text.strip().split("\n")
    last = lines[-1] if len(lines) > 1 or re.match(r"^\s*Steps:", lines[-1]) else ""
    body = lines[:-1] if last else lines
    items: dict[str, Any] = {}
    prompt, negative, in_negative = [], [], False
    for line in body:
        if line.startswith("Negative prompt:"):
            in_negative, line = True, line[len("Negative prompt:"):].strip()
        (negative if in_negative else prompt).append(line)
    items["Prompt"] = "\n".join(prompt).strip()
    if negative:
        items["Negative prompt"] = "\n".join(negative).strip()
    for match in _FIELD.finditer(last):
        value = match.group("value").strip()
        items[match.group("key").strip()] = json.loads(value) if value.startswith('"') else value
    return items


def info_json(records: list[ImageRecord], payload: Txt2ImgPayload, notes: list[str], job_id: str) -> str:
    """The `info` string of an A1111 answer (JSON, as A1111 sends it)."""
    first = records[0]
    return json.dumps({
        "prompt": first.prompt, "all_prompts": [r.prompt for r in records],
        "negative_prompt": first.negative_prompt or "",
        "all_negative_prompts": [r.negative_prompt or "" for r in records],
        "seed": first.seed, "all_seeds": [r.seed for r in records],
        "subseed": payload.subseed if payload.subseed is not None else -1,
        "all_subseeds": [payload.subseed if payload.subseed is not None else -1] * len(records),
        "subseed_strength": 0, "width": first.width, "height": first.height,
        "sampler_name": sampler_name_of(first.scheduler), "cfg_scale": first.guidance_scale, "steps": first.steps,
        "batch_size": payload.batch_size, "n_iter": payload.n_iter, "sd_model_name": first.model,
        "sd_model_hash": None, "denoising_strength": first.strength, "styles": payload.styles or [],
        "infotexts": [infotext(r) for r in records], "job_timestamp": job_id, "image_ids": [r.id for r in records],
        "notes": notes, "clip_skip": 1, "is_using_inpainting_conditioning": False, "version": "chatcanvas",
    })
