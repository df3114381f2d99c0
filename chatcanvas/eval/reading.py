"""Read a `shapes` picture back: background color, the object's color, where it sits and which shape it is,
from region color statistics and shape masks. No learned model is involved, so a score means what it says.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image

from chatcanvas.models.shapes.scenes import COLORS, POSITIONS, SHAPES, color_labels, shape_mask

_NAMES = list(COLORS)
_CELLS = {cell: name for name, cell in POSITIONS.items()}
MIN_OBJECT_PIXELS = 24
"""Fewer pixels than this (a 16px circle has ~200) means no object was drawn."""


@dataclass(frozen=True)
class Reading:
    background: str
    color: str | None  # the most common non-background color, None when there is no object
    position: str | None  # a cell of the 3x3 layout (same names as the captions)
    shape: str | None  # the best-fitting shape mask at the object's place and size
    colors: dict[str, float]  # the share of each color among the object's pixels


def cell_of(x: float, y: float) -> str:
    """The layout cell of a point: the bands between the objects' anchor points (centers at 18-32-46 for the big
    size, 9-32-55 for the small one) split at 25 and 39."""
    def band(value: float) -> int:
        return 0 if value < 25 else 2 if value > 39 else 1

    return _CELLS[(band(x), band(y))]


def _shape(mask: np.ndarray) -> str:
    ys, xs = np.nonzero(mask)
    center = (xs.mean() + 0.5, ys.mean() + 0.5)
    extent = max(xs.max() - xs.min(), ys.max() - ys.min()) + 1
    best, best_iou = SHAPES[0], -1.0
    for shape in SHAPES:
        for diameter in (extent * 0.9, extent, extent * 1.1):
            template = shape_mask(shape, center, diameter) > 0.5
            union = np.logical_or(template, mask).sum()
            iou = np.logical_and(template, mask).sum() / max(union, 1)
            if iou > best_iou:
                best, best_iou = shape, iou
    return best


def read(image: Image.Image, with_shape: bool = True) -> Reading:
    labels = color_labels(image)
    counts = np.bincount(labels.ravel(), minlength=len(_NAMES))
    background = int(counts.argmax())
    foreground = labels != background
    if foreground.sum() < MIN_OBJECT_PIXELS:
        return Reading(_NAMES[background], None, None, None, {})
    object_counts = np.bincount(labels[foreground], minlength=len(_NAMES))
    color = int(object_counts.argmax())
    mask = labels == color
    ys, xs = np.nonzero(mask)
    shares = {_NAMES[i]: float(c / foreground.sum()) for i, c in enumerate(object_counts) if c}
    return Reading(_NAMES[background], _NAMES[color], cell_of(xs.mean() + 0.5, ys.mean() + 0.5),
                   _shape(mask) if with_shape else None, shares)
