"""Read a `shapes` picture back: background color and pattern, the object's color, size, where it sits and which
shape it is, from region color statistics and shape masks. No learned model is involved, so a score means what it
says.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image

from chatcanvas.models.shapes.scenes import COLORS, POSITIONS, SHAPES, SIZE, SIZES, color_labels, shape_mask

_NAMES = list(COLORS)
_CELLS = {cell: name for name, cell in POSITIONS.items()}
MIN_OBJECT_PIXELS = 24
"""Fewer pixels than this (a 16px circle has ~200) means no object was drawn."""
MIN_PATTERN_MATCH = 0.5
"""A background reads as striped or checkered when both of the pattern's halves mostly show one color each."""


@dataclass(frozen=True)
class Reading:
    background: str
    color: str | None  # the most common non-background color, None when there is no object
    position: str | None  # a cell of the 3x3 layout (same names as the captions)
    shape: str | None  # the best-fitting shape mask at the object's place and size
    colors: dict[str, float]  # the share of each color among the object's pixels
    size: str | None = None  # the nearest of the captions' sizes (small, medium, big), None when there is no object
    pattern: str = "plain"  # plain, striped or checkered (the dataset's background patterns)
    second: str | None = None  # a patterned background's other color


def cell_of(x: float, y: float) -> str:
    """The layout cell of a point: the bands between the objects' anchor points (centers at 18-32-46 for the big
    size, 9-32-55 for the small one) split at 25 and 39."""
    def band(value: float) -> int:
        return 0 if value < 25 else 2 if value > 39 else 1

    return _CELLS[(band(x), band(y))]


def _pattern_cells() -> dict[str, np.ndarray]:
    """Where a patterned background shows its second color (as `scenes` draws them)."""
    ys, xs = np.mgrid[0:SIZE, 0:SIZE]
    return {"striped": (ys // 4) % 2 == 1, "checkered": ((ys // 8) + (xs // 8)) % 2 == 1}


_PATTERN_CELLS = _pattern_cells()


def _background(labels: np.ndarray) -> tuple[np.ndarray, int, str, int | None]:
    """Each pixel's background color, the main background color, the pattern and its second color (None: plain)."""
    for pattern, on in _PATTERN_CELLS.items():
        first = int(np.bincount(labels[~on], minlength=len(_NAMES)).argmax())
        second = int(np.bincount(labels[on], minlength=len(_NAMES)).argmax())
        if (first != second and (labels[~on] == first).mean() >= MIN_PATTERN_MATCH
                and (labels[on] == second).mean() >= MIN_PATTERN_MATCH):
            return np.where(on, second, first), first, pattern, second
    plain = int(np.bincount(labels.ravel(), minlength=len(_NAMES)).argmax())
    return np.full_like(labels, plain), plain, "plain", None


def _extent(mask: np.ndarray) -> int:
    ys, xs = np.nonzero(mask)
    return int(max(xs.max() - xs.min(), ys.max() - ys.min()) + 1)


def _shape(mask: np.ndarray) -> str:
    ys, xs = np.nonzero(mask)
    center = (xs.mean() + 0.5, ys.mean() + 0.5)
    extent = _extent(mask)
    best, best_iou = SHAPES[0], -1.0
    for shape in SHAPES:
        for diameter in (extent * 0.9, extent, extent * 1.1):
            template = shape_mask(shape, center, diameter) > 0.5
            union = np.logical_or(template, mask).sum()
            iou = np.logical_and(template, mask).sum() / max(union, 1)
            if iou > best_iou:
                best, best_iou = shape, iou
    return best


def _size(mask: np.ndarray, shape: str | None) -> str:
    """The caption size whose drawing of `shape` (a circle when the shape was not read) spans most like `mask`."""
    ys, xs = np.nonzero(mask)
    center = (xs.mean() + 0.5, ys.mean() + 0.5)
    extent = _extent(mask)
    spans = {size: _extent(shape_mask(shape or "circle", center, diameter) > 0.5) for size, diameter in SIZES.items()}
    return min(spans, key=lambda size: abs(spans[size] - extent))


def read(image: Image.Image, with_shape: bool = True) -> Reading:
    labels = color_labels(image)
    expected, background, pattern, second = _background(labels)
    ground = dict(background=_NAMES[background], pattern=pattern, second=None if second is None else _NAMES[second])
    foreground = labels != expected
    if foreground.sum() < MIN_OBJECT_PIXELS:
        return Reading(color=None, position=None, shape=None, colors={}, **ground)
    object_counts = np.bincount(labels[foreground], minlength=len(_NAMES))
    color = int(object_counts.argmax())
    mask = (labels == color) & foreground
    ys, xs = np.nonzero(mask)
    shares = {_NAMES[i]: float(c / foreground.sum()) for i, c in enumerate(object_counts) if c}
    shape = _shape(mask) if with_shape else None
    return Reading(color=_NAMES[color], position=cell_of(xs.mean() + 0.5, ys.mean() + 0.5), shape=shape,
                   colors=shares, size=_size(mask, shape), **ground)
