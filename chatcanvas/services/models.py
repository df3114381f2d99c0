"""Who may load what: API users name models from an allow-list; the operator (CLI, Python API) names any."""

from __future__ import annotations

from typing import Any

from chatcanvas.config import Settings
from chatcanvas.engine.catalog import BUILTIN_MODELS
from chatcanvas.engine.families import ModelFamily, lookup_family
from chatcanvas.engine.ranges import model_range
from chatcanvas.engine.schedulers import SCHEDULERS
from chatcanvas.errors import InvalidInput, NotFound

# Model names OpenAI clients send by default; they mean "the server's model".
OPENAI_IMAGE_MODELS = frozenset({"dall-e-2", "dall-e-3", "gpt-image-1", "gpt-image-1-mini", "chatcanvas"})


def allowed_models(settings: Settings) -> list[str]:
    """`CHATCANVAS_MODELS` (comma-separated), else the default model and the built-in ones."""
    if settings.models:
        named = [item.strip() for item in settings.models.split(",") if item.strip()]
        return list(dict.fromkeys([settings.model, *named]))
    return list(dict.fromkeys([settings.model, *BUILTIN_MODELS]))


def model_for_api(model: str | None, settings: Settings, field: str = "model") -> str | None:
    """The model an API request asked for (None: the default), refused at once when it is not allowed.

    Nothing is loaded or looked up on disk for a refused name, so the answer says nothing of what exists."""
    if model is None or model in OPENAI_IMAGE_MODELS or model == "":
        return None
    allowed = allowed_models(settings)
    if model not in allowed:
        raise InvalidInput(field, f"{model!r} is not served here; choose one of: {', '.join(allowed)}")
    return model


def model_family(model: str) -> ModelFamily | None:
    """What the family table says of a model (how it takes guidance, which schedulers fit), without loading it;
    None when that cannot be known before it loads."""
    return lookup_family(model)


def scheduler_named(name: Any, field: str = "scheduler") -> str | None:
    """A scheduler as clients name it: a chatcanvas name, or a diffusers class ("DPMSolverMultistepScheduler", as
    Hugging Face inference clients send it) meaning that class as it comes."""
    if name is None or name in SCHEDULERS:
        return name
    for ours, (class_name, overrides) in SCHEDULERS.items():
        if name == class_name and not overrides.get("use_karras_sigmas") and not overrides.get("use_flow_sigmas"):
            return ours
    raise InvalidInput(field, f"{name!r} is not a scheduler here; name a diffusers scheduler class or one of "
                              f"{', '.join(SCHEDULERS)}")


AGENT_MODEL = "chatcanvas"
"""The chat agent as OpenAI clients name it; it draws with the server's default model."""

OPEN_EXAMPLES = ("a red fox sitting in the snow", "a lighthouse on a cliff at sunset, oil painting",
                 "a cup of coffee on a wooden table, morning light")
"""What to suggest trying on a model that draws anything (it has no range of its own)."""


def model_card(model: str, settings: Settings) -> dict[str, Any]:
    """What a person should know before typing to a model: what it is, what it can draw (a built-in model's range, the
    same the agent is told) and three prompts to try. `chatcanvas`, the agent, is described by the model it draws
    with. `NotFound` for a model not served here."""
    served = [AGENT_MODEL, *allowed_models(settings)]
    if model not in served:
        raise NotFound(f"no model {model!r} here; these are served: {', '.join(served)}")
    drawn = settings.model if model == AGENT_MODEL else model
    builtin = BUILTIN_MODELS.get(drawn)
    known = model_range(drawn)
    card: dict[str, Any] = {
        "id": model, "object": "model", "created": 0, "owned_by": "chatcanvas", "image_model": drawn,
        "description": builtin.description if builtin else None,
        "range": None, "examples": list(known.examples if known else OPEN_EXAMPLES),
    }
    if known is not None:
        card["range"] = {"summary": known.summary, "width": known.native_size[0], "height": known.native_size[1]}
    return card
