"""Micro-batching: compatible text-to-image jobs (same model, size, steps, scheduler, guidance) run as one
pipeline call with per-image prompts and generators, so each image equals what its job alone would give."""

from __future__ import annotations

from typing import Any

import torch
from diffusers import DiffusionPipeline
from PIL import Image

from chatcanvas.engine.families import call_options
from chatcanvas.engine.jobs import EditRequest, GenerateRequest, Job
from chatcanvas.engine.registry import LoadedModel
from chatcanvas.engine.remote import is_remote
from chatcanvas.engine.runner import (
    PipelineCall,
    PreviewClock,
    RunParams,
    call_pipeline,
    job_pipeline,
    preview_pngs,
    step_callback,
)


def batchable(job: Job) -> bool:
    request = job.spec.request
    return (isinstance(request, GenerateRequest) and not isinstance(request, EditRequest) and request.subject is None
            and request.control is None and request.style_image is None and not is_remote(job.spec.model))


def batch_key(params: RunParams, model: str) -> tuple:
    """Jobs with equal keys can share one pipeline call."""
    # a negative prompt turns on true CFG in some families (a second pass): those jobs batch only with each other
    return (model, params.kind, params.width, params.height, params.steps, params.scheduler, params.guidance_scale,
            bool(params.negative_prompt))


def run_batch(jobs: list[Job], params: list[RunParams], model: LoadedModel, call: PipelineCall = call_pipeline,
              preview_every: int = 5, preview_interval_s: float = 0.0) -> list[list[Image.Image] | None]:
    """One call for all `jobs`; per job its images, or None when that job was cancelled meanwhile."""
    shared = params[0]
    pipe = job_pipeline(model.pipeline("text2img"), shared.scheduler)
    prompts = [p.prompt for p in params for _ in p.seeds]
    negatives = [p.negative_prompt or "" for p in params for _ in p.seeds]
    seeds = [seed for p in params for seed in p.seeds]
    firsts = [sum(len(p.seeds) for p in params[:index]) for index in range(len(params))]

    clock = PreviewClock(preview_every, preview_interval_s)

    def on_step_end(p: DiffusionPipeline, step: int, timestep: Any, callback_kwargs: dict) -> dict:
        total = getattr(p, "num_timesteps", None) or shared.steps
        previews: list[bytes | None] = [None] * len(jobs)
        if model.preview_vae is not None and clock.due(step, total):  # every job's first image, in one decode
            previews = preview_pngs(model.preview_vae, callback_kwargs["latents"][firsts])
        for job, preview in zip(jobs, previews, strict=True):
            job.report_step(step + 1, total, preview)
        if all(job.cancel_requested for job in jobs):
            p._interrupt = True
        return callback_kwargs

    for job in jobs:
        job.mark_running(shared.steps)
    with torch.inference_mode():
        output = call(
            pipe, prompt=prompts, **call_options(model.family, prompts, negatives if any(negatives) else None,
                                                 shared.guidance_scale),
            num_inference_steps=shared.steps, num_images_per_prompt=1,
            generator=[torch.Generator("cpu").manual_seed(seed) for seed in seeds], width=shared.width,
            height=shared.height, **step_callback(pipe, on_step_end), output_type="pil",
        )
    images, results = list(output.images), []
    for job, job_params in zip(jobs, params, strict=True):
        mine, images = images[:len(job_params.seeds)], images[len(job_params.seeds):]
        results.append(None if job.cancel_requested else mine)
    return results
