"""How models load onto the device and are kept there.

Every model loads through `from_pretrained`; img2img and inpainting pipelines are made with `from_pipe`, so
they share the text-to-image pipeline's weights instead of holding a second copy.
"""

from __future__ import annotations

import gc
import logging
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import torch
from diffusers import (
    AutoencoderTiny,
    AutoPipelineForImage2Image,
    AutoPipelineForInpainting,
    AutoPipelineForText2Image,
    DiffusionPipeline,
)

from chatcanvas.config import Settings
from chatcanvas.engine.catalog import BUILTIN_MODELS, DREAMBOOTH_LORA_TARGETS, Defaults, check_model
from chatcanvas.engine.families import INSTRUCT_PIPELINES, ModelFamily, family_of, for_model, lookup_family
from chatcanvas.engine.fast import fast_path_enabled, optimize, warm_up
from chatcanvas.engine.memory import apply_cache, place, quantization_config
from chatcanvas.engine.remote import InferencePipeline, is_remote, remote_family
from chatcanvas.errors import InvalidInput, UnknownModel, one_line

log = logging.getLogger(__name__)

PipelineKind = Literal["text2img", "img2img", "inpaint", "instruct", "inversion", "control"]



def resolve_device(setting: str) -> torch.device:
    if setting != "auto":
        return torch.device(setting)
    if torch.cuda.is_available():
        return torch.device("cuda")
    if getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


def resolve_dtype(setting: str, device: torch.device) -> torch.dtype:
    if setting != "auto":
        return getattr(torch, setting)
    if device.type == "cuda":
        return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
    if device.type == "mps":
        return torch.float16
    return torch.float32


@dataclass
class LoadedModel:
    """One model in memory: its base pipeline and the edit pipelines derived from it."""

    id: str
    base: DiffusionPipeline
    instruct: bool
    defaults: Defaults
    family: ModelFamily
    preview_vae: torch.nn.Module | None = None
    speedups: list[str] = field(default_factory=list)
    """The memory and speed settings applied to it (quantization, offload, cache, the fast path)."""
    _controls: dict[str, DiffusionPipeline] = field(default_factory=dict)

    def control_pipeline(self, source: str) -> DiffusionPipeline:
        """The model with the adapter at `source` attached (loaded once, then kept with the model)."""
        if source not in self._controls:
            from chatcanvas.engine.control import load_control_pipeline

            self._controls[source] = load_control_pipeline(self.base, source, self.base.dtype, self.base.device)
        return self._controls[source]
    _derived: dict[PipelineKind, DiffusionPipeline] = field(default_factory=dict)

    @property
    def bytes(self) -> int:
        """Weight memory of the model (the derived edit pipelines share it)."""
        return sum(p.numel() * p.element_size() for c in self.base.components.values()
                   if isinstance(c, torch.nn.Module) for p in c.parameters())

    def pipeline(self, kind: PipelineKind) -> DiffusionPipeline:
        if self.instruct:
            if kind == "text2img":
                raise InvalidInput("model", f"{self.id!r} is an instruction-edit model: use it to edit, not to "
                                            "generate")
            return self.base
        if kind in ("text2img", "instruct"):
            return self.base
        if kind not in self._derived:
            if kind not in self.family.edits:
                raise InvalidInput("image", f"{self.id!r} ({self.family.label}) cannot edit pictures by {kind}")
            if kind == "inversion":
                derived = _ledits(self.base)
            else:
                auto = AutoPipelineForImage2Image if kind == "img2img" else AutoPipelineForInpainting
                derived = auto.from_pipe(self.base)
            derived.set_progress_bar_config(disable=True)
            self._derived[kind] = derived
        return self._derived[kind]


class PipelineRegistry:
    """Loads models on first use and keeps them; only the engine's worker thread calls `get`."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.device = resolve_device(settings.device)
        self.dtype = resolve_dtype(settings.dtype, self.device)
        self._loaded: OrderedDict[str, LoadedModel] = OrderedDict()
        self._lock = threading.Lock()  # the table of loaded models: held for moments only
        self._load_lock = threading.Lock()  # one load at a time
        self.switch_seconds: list[float] = []
        """How long each model load (a switch) took: logged, and exported as a metric."""

    def check(self, model: str) -> None:
        check_model(model)

    def source(self, model: str) -> str:
        """Where `from_pretrained` reads the model: a local folder or a Hub repo id."""
        builtin = BUILTIN_MODELS.get(model)
        if builtin is not None:
            return str(builtin.materialize(self.settings.resolved_cache_dir))
        path = Path(model).expanduser()
        return str(path) if path.is_dir() else model

    def family(self, model: str) -> ModelFamily | None:
        """The model's family without loading it: from memory, a local folder's configs or the Hub cache; None when
        it cannot be known before the load (a Hub id never fetched)."""
        entry = self.peek(model)
        if entry is not None:
            return entry.family
        return lookup_family(model)

    def loaded(self) -> list[str]:
        return list(self._loaded)

    def peek(self, model: str) -> LoadedModel | None:
        """The model if it is in memory (now the most recently used), else None; never loads, never waits long."""
        with self._lock:
            entry = self._loaded.get(model)
            if entry is not None:
                self._loaded.move_to_end(model)
            return entry

    def get(self, model: str) -> LoadedModel:
        """The loaded model, loading it first (and evicting the least recently used beyond the limits).

        A load holds only the load lock (one load at a time), so `peek` and `get` of models already in memory
        answer at once meanwhile."""
        entry = self.peek(model)
        if entry is not None:
            return entry
        with self._load_lock:
            entry = self.peek(model)
            if entry is not None:
                return entry
            with self._lock:
                self._make_room()
            entry = self._load(model)
            with self._lock:
                self._loaded[model] = entry
            return entry

    def adopt(self, model: str, pipe: DiffusionPipeline) -> LoadedModel:
        """Serve an already-built pipeline under `model` (benchmarks, notebooks); the fast path applies as usual."""
        for component in pipe.components.values():
            if isinstance(component, torch.nn.Module):
                component.eval()
        with self._lock:
            self._make_room()
            started = time.perf_counter()
            entry = self._loaded[model] = self._prepare(model, pipe.to(self.device, self.dtype), False, started)
            return entry

    def _make_room(self) -> None:
        budget = self.settings.model_memory_gb * 1e9 if self.settings.model_memory_gb else None
        while self._loaded and (len(self._loaded) >= self.settings.max_models or (
                budget is not None and sum(m.bytes for m in self._loaded.values()) >= budget)):
            evicted, entry = self._loaded.popitem(last=False)
            log.info("evicting %s (%.2f GB) to make room", evicted, entry.bytes / 1e9)
            del entry
            gc.collect()
            if self.device.type == "cuda":
                torch.cuda.empty_cache()

    def _load(self, model: str) -> LoadedModel:
        check_model(model)
        if is_remote(model):  # drawn by a provider: nothing to load here
            return LoadedModel(model, InferencePipeline(model, self.settings), False, Defaults(0, 0, 0, 0.0),
                               for_model(model, remote_family(model)))
        source = self.source(model)
        started = time.perf_counter()
        try:
            class_name = DiffusionPipeline.load_config(source).get("_class_name", "")
            instruct = class_name in INSTRUCT_PIPELINES
            loader: Any = DiffusionPipeline if instruct else AutoPipelineForText2Image
            options: dict[str, Any] = {}
            if self.settings.quantize is not None:
                options["quantization_config"] = quantization_config(self.settings.quantize, source, self.dtype)
            pipe = loader.from_pretrained(source, dtype=self.dtype, **options)
        except Exception as exc:  # any part that fails to load (a tokenizer, a config, weights): one line, why
            part = _failed_component(exc)
            raise UnknownModel(model, f"could not load {part or 'it'}: {one_line(exc)}") from exc
        pipe, offloaded = place(pipe, self.device, self.settings.offload)
        entry = self._prepare(model, pipe, instruct, started)
        if self.settings.quantize is not None:
            entry.speedups.append(f"quantized ({self.settings.quantize})")
        if offloaded:
            entry.speedups.append(offloaded)
        return entry

    def _prepare(self, model: str, pipe: DiffusionPipeline, instruct: bool, started: float) -> LoadedModel:
        pipe.set_progress_bar_config(disable=True)
        transformer = getattr(pipe, "transformer", None)
        family = for_model(model, family_of(type(pipe).__name__, dict(getattr(transformer, "config", None) or {})
                                            if transformer is not None else None, dict(pipe.config)))
        instruct = instruct or not family.generates
        defaults = _defaults(model, pipe, family)
        cached = apply_cache(pipe, self.settings.cache)
        speedups = [cached] if cached else []
        fast = fast_path_enabled(self.settings.fast_path, self.device)
        hotswap = fast if self.settings.lora_hotswap is None else self.settings.lora_hotswap
        if hotswap:
            from chatcanvas.engine.personalize import resident_lora_slot

            builtin = BUILTIN_MODELS.get(model)
            targets = builtin.lora_targets if builtin else DREAMBOOTH_LORA_TARGETS
            if resident_lora_slot(pipe, targets, self.settings.lora_hotswap_rank):
                speedups.append(f"LoRA hotswap (rank {self.settings.lora_hotswap_rank})")
            else:
                hotswap = False
        if fast:
            done = optimize(pipe, compile_models=True, mode=self.settings.compile_mode, fuse=not hotswap,
                            fullgraph=cached is None)
            speedups += done
            sizes = parse_sizes(self.settings.warmup_sizes) or [(defaults.width, defaults.height)]
            batches = sorted({1, self.settings.max_batch})
            log.info("fast path for %s: %s; warm-up of %s x batch %s took %.1f s", model, ", ".join(done), sizes,
                     batches, warm_up(pipe, sizes, batches))
        preview = None
        if self.settings.preview_vae:
            preview = AutoencoderTiny.from_pretrained(self.source(self.settings.preview_vae), dtype=self.dtype)
            preview = preview.to(self.device).eval()
        elif model in BUILTIN_MODELS:  # a 64x64 model's own VAE decodes a preview in milliseconds
            preview = pipe.vae
        seconds = time.perf_counter() - started
        self.switch_seconds.append(seconds)
        log.info("loaded %s (%s) on %s/%s in %.2f s", model, type(pipe).__name__, self.device, self.dtype, seconds)
        return LoadedModel(model, pipe, instruct, defaults, family, preview, speedups)


def _ledits(base: DiffusionPipeline) -> DiffusionPipeline:
    """LEDITS++ on the model's own weights, with the multistep SDE DPM-Solver++ its authors invert with."""
    from diffusers import (
        DPMSolverMultistepScheduler,
        LEditsPPPipelineStableDiffusion,
        LEditsPPPipelineStableDiffusionXL,
    )

    cls = LEditsPPPipelineStableDiffusionXL if getattr(base, "text_encoder_2", None) is not None \
        else LEditsPPPipelineStableDiffusion
    pipe = cls.from_pipe(base)
    pipe.scheduler = DPMSolverMultistepScheduler.from_config(base.scheduler.config, algorithm_type="sde-dpmsolver++",
                                                             solver_order=2)
    return pipe


def _failed_component(exc: BaseException) -> str | None:
    """Which part of the pipeline was loading when `exc` was raised ("its tokenizer_2"), read
    from diffusers' per-component loader on the traceback; None when the failure was elsewhere."""
    frame = exc.__traceback__
    found = None
    while frame is not None:
        code = frame.tb_frame.f_code
        if code.co_name == "load_sub_model" and "pipeline_loading_utils" in code.co_filename:
            local = frame.tb_frame.f_locals
            found = f"its {local.get('name')}" if local.get("name") else None
        frame = frame.tb_next
    return found


def _defaults(model: str, pipe: DiffusionPipeline, family: ModelFamily) -> Defaults:
    denoiser = getattr(pipe, "unet", None) or getattr(pipe, "transformer", None)
    sample = getattr(pipe, "default_sample_size", None) or getattr(getattr(denoiser, "config", None), "sample_size", 64)
    if isinstance(sample, (list, tuple)):
        sample = sample[0]
    size = int(sample) * int(getattr(pipe, "vae_scale_factor", 8))
    builtin = BUILTIN_MODELS.get(model)
    steps = builtin.steps if builtin else family.steps
    guidance = builtin.guidance_scale if builtin else family.guidance_scale
    strength = builtin.edit_strength if builtin else Defaults.edit_strength
    return Defaults(width=size, height=size, steps=steps, guidance_scale=guidance, edit_strength=strength)


def parse_sizes(text: str) -> list[tuple[int, int]]:
    sizes = []
    for item in filter(None, (part.strip() for part in text.split(","))):
        width, _, height = item.partition("x")
        sizes.append((int(width), int(height or width)))
    return sizes
