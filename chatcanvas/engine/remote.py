"""Models drawn elsewhere, through the Hugging Face inference protocol: `inference:PROVIDER:MODEL_ID` (a provider
through Hugging Face's router, e.g. `inference:fal-ai:black-forest-labs/FLUX.1-schnell`) or `inference:URL` (an
Inference Endpoint, or another chatcanvas's `/hf/models/...`).

Jobs for such a model go through the same queue, store, lineage, progress (one step per picture) and cancel as a
local model's; the pictures come from `huggingface_hub.InferenceClient`. Which token goes where: `HF_TOKEN` only to
Hugging Face's own hosts (the router, `*.huggingface.cloud` endpoints); any other URL gets
`CHATCANVAS_INFERENCE_TOKEN`, so a Hugging Face token never travels to a host it was not made for.
"""

from __future__ import annotations

import io
import os
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlparse

from PIL import Image

from chatcanvas.config import Settings
from chatcanvas.engine.families import Family
from chatcanvas.engine.jobs import EditRequest, Job
from chatcanvas.engine.schedulers import SCHEDULERS
from chatcanvas.errors import EngineError, InvalidInput, JobCancelled, UnknownModel, one_line

PREFIX = "inference:"
PROVIDERS = ("hf-inference", "fal-ai", "replicate", "together", "nebius", "nscale", "wavespeed", "zai-org",
             "black-forest-labs", "fireworks-ai", "hyperbolic", "sambanova", "novita", "auto")
"""Providers huggingface_hub routes text-to-image to (`auto`: the first the model is served by)."""
_HF_HOSTS = re.compile(r"(^|\.)(huggingface\.co|huggingface\.cloud|hf\.space)$")
_PASSED = ("euler", "euler_a", "heun", "dpmpp_2m", "unipc", "ddim", "ddpm", "pndm", "lcm", "flow_euler", "flow_heun")
"""Schedulers a remote pipeline can be asked for by diffusers class name (the class's own defaults)."""

FAMILY = Family("inference", "Hugging Face inference (remote)", (), "negative_prompt", "cfg", _PASSED, 0, 0.0,
                ("img2img",), (), notes="drawn by the provider: steps, guidance and size default to its own")


def is_remote(model: str) -> bool:
    return isinstance(model, str) and model.startswith(PREFIX)


@dataclass(frozen=True)
class Target:
    provider: str
    model: str
    """A Hub model id, or the URL the protocol is posted to."""

    @property
    def url(self) -> bool:
        return self.model.startswith(("http://", "https://"))


def parse(model: str) -> Target:
    """`inference:URL` or `inference:PROVIDER:MODEL_ID`, else `UnknownModel` saying which forms there are."""
    rest = model[len(PREFIX):].strip()
    if rest.startswith(("http://", "https://")):
        parsed = urlparse(rest)
        if not parsed.hostname:
            raise UnknownModel(model, "the URL names no host")
        return Target("hf-inference", rest)
    provider, _, model_id = rest.partition(":")
    if not model_id or not re.fullmatch(r"[\w.-]+/[\w.-]+", model_id):
        raise UnknownModel(model, "write inference:PROVIDER:ORG/MODEL (e.g. inference:fal-ai:black-forest-labs/"
                                  "FLUX.1-schnell) or inference:https://HOST/PATH")
    if provider not in PROVIDERS:
        raise UnknownModel(model, f"unknown provider {provider!r}; one of {', '.join(PROVIDERS)}")
    return Target(provider, model_id)


def hf_host(target: Target) -> bool:
    """Whether the target is Hugging Face's own (the router a provider is reached through, or an endpoint there)."""
    return not target.url or bool(_HF_HOSTS.search(urlparse(target.model).hostname or ""))


def token_for(target: Target, settings: Settings) -> str | None:
    """The token this target may see: HF_TOKEN for Hugging Face's hosts, CHATCANVAS_INFERENCE_TOKEN elsewhere."""
    if hf_host(target):
        return settings.inference_token if target.url and settings.inference_token else os.environ.get("HF_TOKEN")
    return settings.inference_token


class InferencePipeline:
    """Stands where a diffusers pipeline would: it holds no weights and draws by calling the provider."""

    components: dict[str, Any] = {}

    def __init__(self, model: str, settings: Settings):
        from huggingface_hub import InferenceClient

        self.model, self.target = model, parse(model)
        token = token_for(self.target, settings)
        # huggingface_hub falls back to the machine's own Hugging Face token when given none; for a host that is not
        # Hugging Face's, the authorization header is set here (None: no header at all), so that token never goes
        headers = {} if hf_host(self.target) else {"authorization": f"Bearer {token}" if token else None}
        self.client = InferenceClient(provider=self.target.provider,  # type: ignore[arg-type]
                                      token=token, headers=headers, timeout=settings.inference_timeout_s)
        self.timeout = settings.inference_timeout_s

    def run(self, job: Job, steps: int | None, guidance: float | None, scheduler: str | None,
            seeds: tuple[int, ...]) -> list[Image.Image]:
        """One call per picture (seed, seed+1, ...), a progress step after each; cancel stops between them."""
        request = job.spec.request
        job.mark_running(len(seeds))
        common = {"negative_prompt": request.negative_prompt, "num_inference_steps": steps,
                  "guidance_scale": guidance, "model": self.target.model}
        images = []
        for index, seed in enumerate(seeds):
            if job.cancel_requested:
                raise JobCancelled(f"job {job.id} was cancelled after {index} of {len(seeds)} pictures")
            images.append(self._one(request, common, scheduler, seed))
            job.report_step(index + 1, len(seeds))
        return images

    def _one(self, request: Any, common: dict[str, Any], scheduler: str | None, seed: int) -> Image.Image:
        import httpx
        from huggingface_hub.errors import HfHubHTTPError, InferenceTimeoutError

        try:
            if isinstance(request, EditRequest):
                size = {"width": request.width, "height": request.height} if request.width and request.height \
                    else None
                extra = {"strength": request.strength} if request.strength is not None else {}
                image = self.client.image_to_image(_png(request.image), prompt=request.prompt, target_size=size,
                                                   seed=seed, **extra, **common)
            else:
                image = self.client.text_to_image(
                    request.prompt, width=request.width, height=request.height, seed=seed,
                    scheduler=SCHEDULERS[scheduler][0] if scheduler else None, **common)
        except (InferenceTimeoutError, httpx.TimeoutException):
            raise EngineError(f"{self.model} did not answer within {self.timeout:g} s; try again, or raise "
                              "CHATCANVAS_INFERENCE_TIMEOUT_S") from None
        except HfHubHTTPError as exc:
            raise _provider_error(self.model, exc) from None
        except (httpx.HTTPError, OSError, ValueError) as exc:  # unreachable host, refused connection, bad answer
            raise EngineError(f"could not draw with {self.model}: {one_line(exc)}") from None
        return image.convert("RGB")


def _png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.convert("RGB").save(buffer, format="PNG")
    return buffer.getvalue()


def _provider_error(model: str, exc: Any) -> Exception:
    """The provider's refusal as a clear error: its own message, and what to do about it."""
    response = getattr(exc, "response", None)
    status = getattr(response, "status_code", None)
    said = None
    try:
        body = response.json() if response is not None else None
        said = body.get("error") if isinstance(body, dict) else None
        if isinstance(said, dict):
            said = said.get("message")
    except Exception:  # not JSON: the exception's own first line says it
        said = None
    said = str(said or one_line(exc))[:300]
    if status == 400 or status == 422:
        return InvalidInput("prompt", f"{model} refused the request: {said}")
    if status in (401, 403):
        return EngineError(f"{model} refused the token ({status}): {said}; check HF_TOKEN or "
                           "CHATCANVAS_INFERENCE_TOKEN")
    if status == 404:
        return UnknownModel(model, f"the provider has no such model ({said})")
    if status in (429, 503):
        return EngineError(f"{model} is busy or loading ({status}): {said}; try again shortly")
    return EngineError(f"{model} failed ({status}): {said}")


def remote_family(model: str) -> Family:
    parse(model)  # a malformed id is refused here, before any job
    return FAMILY
