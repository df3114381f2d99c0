"""Say what an uploaded picture shows, in words the model that will edit it knows: the upload's stored prompt.

A built-in model describes pictures itself (`shapes` reads them back into its own caption words); any other model
gets a caption from the configured transformers image-to-text model; an instruction-edit model needs none.
"""

from __future__ import annotations

import json
import logging
import threading
from pathlib import Path
from typing import Any

from PIL import Image

from chatcanvas.config import Settings
from chatcanvas.engine.catalog import BUILTIN_MODELS
from chatcanvas.errors import EngineError, one_line

log = logging.getLogger(__name__)

MAX_CAPTION_TOKENS = 30


def describe_shapes(image: Image.Image) -> str:
    """The `shapes` caption of a picture, read back from its pixels ("a big blue square in the center on a orange
    background", as `scenes.describe` writes it); what cannot be read is left out."""
    from chatcanvas.eval.reading import read
    from chatcanvas.models.shapes.scenes import POSITION_PHRASES, Background, background_phrase

    reading = read(image)
    ground = background_phrase(Background(reading.background, reading.pattern, reading.second))
    if reading.color is None:
        return f"a {ground}" if reading.pattern != "plain" else f"a plain {ground}"
    place = POSITION_PHRASES[reading.position][0] if reading.position else None
    words = [word for word in ("a", reading.size, reading.color, reading.shape, place) if word]
    return f"{' '.join(words)} on a {ground}"


def pipeline_class(model: str) -> str | None:
    """The diffusers pipeline class a local folder or an already downloaded Hub model names (None: not known)."""
    path = Path(model).expanduser()
    index: Path | None = path / "model_index.json" if path.is_dir() else None
    if index is None:
        from huggingface_hub import try_to_load_from_cache

        try:
            cached = try_to_load_from_cache(model, "model_index.json")
        except ValueError:  # not a repo id
            return None
        index = Path(cached) if isinstance(cached, str) else None
    if index is None or not index.is_file():
        return None
    return json.loads(index.read_text()).get("_class_name")


class ImageDescriber:
    """Describes pictures for one model: its own describer, else the caption model (loaded once, on first use)."""

    def __init__(self, settings: Settings, device: Any = "cpu"):
        self.model = settings.model
        self.caption_model = settings.caption_model
        self.device = device
        self._lock = threading.Lock()
        self._captioner: Any = None
        self._task = ""
        self._load_error: str | None = None

    def describe(self, image: Image.Image) -> str | None:
        """What `image` shows, or None when this model has no way to say (or saying it failed; that is logged).

        Raises `EngineError` when the configured caption model cannot be loaded."""
        builtin = BUILTIN_MODELS.get(self.model)
        if builtin is not None:
            return self._guarded(builtin.describe, image) if builtin.describe else None
        if self.caption_model is None or self._instruct():
            return None
        self._load()
        return self._guarded(self._caption, image)

    def _guarded(self, describer: Any, image: Image.Image) -> str | None:
        try:
            text = " ".join(describer(image).split())
        except Exception:  # one picture that cannot be described is stored without a description
            log.exception("describing a %dx%d picture failed", image.width, image.height)
            return None
        return text or None

    def _instruct(self) -> bool:
        from chatcanvas.engine.registry import INSTRUCT_PIPELINES

        return pipeline_class(self.model) in INSTRUCT_PIPELINES

    def _load(self) -> None:
        with self._lock:
            if self._load_error is not None:
                raise EngineError(self._load_error)
            if self._captioner is not None:
                return
            from transformers import pipeline
            from transformers.pipelines import SUPPORTED_TASKS

            # transformers 5 folds "image-to-text" into "image-text-to-text" (which then wants a text prompt)
            self._task = "image-to-text" if "image-to-text" in SUPPORTED_TASKS else "image-text-to-text"
            folder = Path(self.caption_model).expanduser()
            try:
                if (folder.is_absolute() or self.caption_model.startswith(".")) and not folder.is_dir():
                    raise FileNotFoundError(f"there is no folder {folder}")
                self._captioner = pipeline(self._task, model=self.caption_model, device=self.device)
            except Exception as exc:
                reason = one_line(exc)
                self._load_error = (f"caption_model: could not load {self.caption_model!r} as an image-to-text "
                                    f"model: {reason[:300]}")
                log.warning("%s", self._load_error)
                raise EngineError(self._load_error) from None

    def _caption(self, image: Image.Image) -> str:
        picture = image.convert("RGB")
        with self._lock:
            if self._task == "image-to-text":
                output = self._captioner(picture, max_new_tokens=MAX_CAPTION_TOKENS)
            else:
                output = self._captioner(images=picture, text="", max_new_tokens=MAX_CAPTION_TOKENS,
                                         return_full_text=False)
        return output[0]["generated_text"]
