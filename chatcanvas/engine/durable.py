"""Requests as the job store keeps them: JSON fields plus lossless PNGs of their input pictures, and back."""

from __future__ import annotations

import dataclasses
import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PIL import Image

from chatcanvas.engine.jobs import EditRequest, EnrollRequest, GenerateRequest, SubjectAdapter, TrainLoraRequest

Request = GenerateRequest | EditRequest | EnrollRequest | TrainLoraRequest
KINDS: dict[str, type] = {"generate": GenerateRequest, "edit": EditRequest, "enroll": EnrollRequest,
                          "train": TrainLoraRequest}


def _png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def encode(request: Request) -> tuple[str, dict[str, Any], dict[str, bytes]]:
    """(kind, JSON-ready fields, input pictures as PNG bytes by file name)."""
    kind = next(name for name, cls in KINDS.items() if type(request) is cls)
    fields: dict[str, Any] = {}
    blobs: dict[str, bytes] = {}
    for field in dataclasses.fields(request):
        value = getattr(request, field.name)
        if isinstance(value, Image.Image):
            blobs[f"{field.name}.png"] = _png(value)
            fields[field.name] = {"picture": f"{field.name}.png"}
        elif isinstance(value, tuple) and value and isinstance(value[0], Image.Image):
            names = [f"{field.name}-{index}.png" for index in range(len(value))]
            blobs.update({name: _png(image) for name, image in zip(names, value, strict=True)})
            fields[field.name] = {"pictures": names}
        elif isinstance(value, SubjectAdapter):
            fields[field.name] = {"subject": {"subject_id": value.subject_id, "method": value.method,
                                              "weights": str(value.weights), "scale": value.scale,
                                              "references": [str(p) for p in value.references]}}
        elif isinstance(value, Path):
            fields[field.name] = {"path": str(value)}
        elif isinstance(value, tuple):
            fields[field.name] = list(value)
        else:
            fields[field.name] = value
    return kind, fields, blobs


def decode(kind: str, fields: dict[str, Any], blob: Callable[[str], bytes]) -> Request:
    """The request `encode` wrote; `blob(name)` reads the PNG of one of its pictures. Raises on anything missing."""
    cls = KINDS[kind]
    values: dict[str, Any] = {}
    for field in dataclasses.fields(cls):
        if field.name not in fields:
            continue
        value = fields[field.name]
        if isinstance(value, dict) and "picture" in value:
            value = _open(blob(value["picture"]))
        elif isinstance(value, dict) and "pictures" in value:
            value = tuple(_open(blob(name)) for name in value["pictures"])
        elif isinstance(value, dict) and "subject" in value:
            subject = value["subject"]
            value = SubjectAdapter(subject["subject_id"], subject["method"], Path(subject["weights"]),
                                   subject["scale"], tuple(Path(p) for p in subject["references"]))
        elif isinstance(value, dict) and "path" in value:
            value = Path(value["path"])
        elif isinstance(value, list):
            value = tuple(value)
        values[field.name] = value
    return cls(**values)


def _open(data: bytes) -> Image.Image:
    with Image.open(io.BytesIO(data)) as image:
        image.load()
        return image.copy()
