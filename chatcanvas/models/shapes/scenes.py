"""The procedural `shapes` dataset: scenes of one to three flat objects on a plain, striped or checkered background,
rendered with Pillow, each with a caption in one of several phrasings and the object masks an evaluation needs.

Everything is drawn from a seeded `random.Random`, so a seed names a scene. Some (shape, color, background)
combinations are held out of training (`HELD_OUT`) so the evaluation can ask for pictures the model never saw.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field, replace

import numpy as np
from PIL import Image, ImageDraw

SIZE = 64
_SUPERSAMPLE = 4

COLORS: dict[str, tuple[int, int, int]] = {
    "red": (220, 30, 30),
    "orange": (250, 140, 0),
    "yellow": (250, 225, 30),
    "green": (30, 160, 50),
    "blue": (30, 70, 220),
    "purple": (130, 40, 180),
    "pink": (250, 130, 200),
    "brown": (120, 70, 30),
    "white": (245, 245, 245),
    "black": (15, 15, 15),
}
SHAPES = ("circle", "square", "triangle", "star", "ring", "cross")
SIZES: dict[str, int] = {"small": 16, "medium": 24, "big": 34}
SIZE_WORDS: dict[str, tuple[str, ...]] = {"small": ("small", "little"), "medium": ("medium",), "big": ("big", "large")}
# grid cells (column, row) of a 3x3 layout; the evaluation reads positions back in the same thirds
POSITIONS: dict[str, tuple[int, int]] = {
    "top left": (0, 0), "top": (1, 0), "top right": (2, 0),
    "left": (0, 1), "center": (1, 1), "right": (2, 1),
    "bottom left": (0, 2), "bottom": (1, 2), "bottom right": (2, 2),
}
POSITION_PHRASES: dict[str, tuple[str, ...]] = {
    "top left": ("in the top left corner", "at the top left"),
    "top": ("at the top",),
    "top right": ("in the top right corner", "at the top right"),
    "left": ("on the left",),
    "center": ("in the center", "in the middle"),
    "right": ("on the right",),
    "bottom left": ("in the bottom left corner", "at the bottom left"),
    "bottom": ("at the bottom",),
    "bottom right": ("in the bottom right corner", "at the bottom right"),
}
PATTERNS = ("plain", "striped", "checkered")
STRIPE = 8
"""Band height of a striped object, in pixels: broad enough for the autoencoder to keep."""


def _held_out() -> frozenset[tuple[str, str, str]]:
    """About one in ten (shape, color, background color) triples, never drawn for training."""
    triples = [(s, c, b) for s in SHAPES for c in COLORS for b in COLORS if c != b]
    rng = random.Random(1234)
    return frozenset(rng.sample(triples, len(triples) // 10))


HELD_OUT = _held_out()


@dataclass(frozen=True)
class Thing:
    """One object in a scene. `stripes` (bands of a second color) and `inner` (a ring's hole filled with a second
    color) make the two-colored objects used as subjects; no training picture has them."""

    shape: str
    color: str
    size: str
    position: str
    stripes: str | None = None
    inner: str | None = None

    def center(self) -> tuple[float, float]:
        column, row = POSITIONS[self.position]
        margin = SIZES[self.size] / 2 + 1
        step = (SIZE - 2 * margin) / 2
        return margin + column * step, margin + row * step


@dataclass(frozen=True)
class Background:
    color: str
    pattern: str = "plain"
    second: str | None = None


@dataclass(frozen=True)
class Scene:
    things: tuple[Thing, ...]
    background: Background
    caption: str = field(default="", compare=False)


# ---------------------------------------------------------------- drawing

def _star(cx: float, cy: float, radius: float) -> list[tuple[float, float]]:
    points = []
    for i in range(10):
        r = radius if i % 2 == 0 else radius * 0.45
        angle = -math.pi / 2 + i * math.pi / 5
        points.append((cx + r * math.cos(angle), cy + r * math.sin(angle)))
    return points


def shape_mask(shape: str, center: tuple[float, float], diameter: float, size: int = SIZE) -> np.ndarray:
    """A float mask in [0, 1] of one shape, antialiased by supersampling."""
    k = _SUPERSAMPLE
    canvas = Image.new("L", (size * k, size * k), 0)
    draw = ImageDraw.Draw(canvas)
    cx, cy, r = center[0] * k, center[1] * k, diameter * k / 2
    box = (cx - r, cy - r, cx + r, cy + r)
    if shape == "circle":
        draw.ellipse(box, fill=255)
    elif shape == "square":
        s = r * 0.88
        draw.rectangle((cx - s, cy - s, cx + s, cy + s), fill=255)
    elif shape == "triangle":
        draw.polygon([(cx, cy - r), (cx + r, cy + r * 0.8), (cx - r, cy + r * 0.8)], fill=255)
    elif shape == "star":
        draw.polygon(_star(cx, cy + r * 0.08, r * 1.05), fill=255)
    elif shape == "ring":
        draw.ellipse(box, fill=255)
        inner = r * 0.55
        draw.ellipse((cx - inner, cy - inner, cx + inner, cy + inner), fill=0)
    elif shape == "cross":
        t = r * 0.36
        draw.rectangle((cx - r, cy - t, cx + r, cy + t), fill=255)
        draw.rectangle((cx - t, cy - r, cx + t, cy + r), fill=255)
    else:
        raise ValueError(f"unknown shape {shape!r}")
    small = canvas.resize((size, size), Image.BOX)
    return np.asarray(small, dtype=np.float32) / 255.0


def _background(background: Background) -> np.ndarray:
    first = np.array(COLORS[background.color], dtype=np.float32)
    image = np.empty((SIZE, SIZE, 3), dtype=np.float32)
    image[:] = first
    if background.pattern == "plain" or background.second is None:
        return image
    second = np.array(COLORS[background.second], dtype=np.float32)
    period = 8
    ys, xs = np.mgrid[0:SIZE, 0:SIZE]
    if background.pattern == "striped":
        on = (ys // (period // 2)) % 2 == 1
    else:
        on = ((ys // period) + (xs // period)) % 2 == 1
    image[on] = second
    return image


def render(scene: Scene) -> tuple[Image.Image, list[np.ndarray]]:
    """The scene as a 64x64 RGB picture, and each object's mask (in the order of `scene.things`)."""
    image = _background(scene.background)
    masks = []
    for thing in scene.things:
        mask = shape_mask(thing.shape, thing.center(), SIZES[thing.size])
        color = np.empty((SIZE, SIZE, 3), dtype=np.float32)
        color[:] = COLORS[thing.color]
        if thing.stripes is not None:
            ys = np.mgrid[0:SIZE, 0:SIZE][0]
            color[(ys // STRIPE) % 2 == 1] = COLORS[thing.stripes]
        if thing.inner is not None:
            hole = shape_mask("circle", thing.center(), SIZES[thing.size] * 0.55)
            color = color * (1 - hole[..., None]) + np.array(COLORS[thing.inner], dtype=np.float32) * hole[..., None]
            mask = np.maximum(mask, hole)
        image = image * (1 - mask[..., None]) + color * mask[..., None]
        masks.append(mask)
    return Image.fromarray(np.clip(image + 0.5, 0, 255).astype(np.uint8)), masks


# ---------------------------------------------------------------- captions

def background_phrase(background: Background) -> str:
    if background.pattern == "plain":
        return f"{background.color} background"
    return f"{background.color} and {background.second} {background.pattern} background"


def thing_phrase(thing: Thing, rng: random.Random, with_size: bool, with_position: bool) -> str:
    words = ["a"]
    if with_size:
        words.append(rng.choice(SIZE_WORDS[thing.size]))
    if thing.stripes is not None:
        words.append(f"{thing.color} and {thing.stripes} striped")
    else:
        words.append(thing.color)
    words.append(thing.shape)
    if with_position:
        words.append(rng.choice(POSITION_PHRASES[thing.position]))
    return " ".join(words)


def caption(scene: Scene, rng: random.Random) -> str:
    """One of several phrasings; a lone object may leave out its size or position, several objects always say where."""
    single = len(scene.things) == 1
    phrases = [thing_phrase(t, rng, with_size=rng.random() < 0.7, with_position=not single or rng.random() < 0.8)
               for t in scene.things]
    objects = phrases[0] if single else ", ".join(phrases[:-1]) + " and " + phrases[-1]
    ground = background_phrase(scene.background)
    template = rng.randrange(3)
    if template == 0:
        return f"{objects} on a {ground}"
    if template == 1:
        return f"{ground} with {objects}"
    return f"{objects}, {ground}"


def describe(scene: Scene) -> str:
    """The canonical caption (sizes and positions spelled out), as the evaluation and the demo ask for it."""
    phrases = [" ".join(["a", thing.size, thing.color, thing.shape, POSITION_PHRASES[thing.position][0]])
               for thing in scene.things]
    objects = phrases[0] if len(phrases) == 1 else ", ".join(phrases[:-1]) + " and " + phrases[-1]
    return f"{objects} on a {background_phrase(scene.background)}"


# ---------------------------------------------------------------- sampling

def _apart(cells: list[tuple[int, int]], cell: tuple[int, int]) -> bool:
    return all(max(abs(cell[0] - c[0]), abs(cell[1] - c[1])) >= 2 for c in cells)


def sample_scene(rng: random.Random, *, held_out: bool = False, count: int | None = None,
                 pattern: str | None = None) -> Scene:
    """A random scene. Training scenes (`held_out=False`) avoid `HELD_OUT`; held-out scenes use only those triples."""
    if count is None:
        count = rng.choices((1, 2, 3), weights=(0.6, 0.28, 0.12))[0]
    if pattern is None:
        pattern = rng.choices(PATTERNS, weights=(0.7, 0.15, 0.15))[0]
    while True:
        ground = rng.choice(list(COLORS))
        second = None
        if pattern != "plain":
            second = rng.choice([c for c in COLORS if c != ground])
        things: list[Thing] = []
        cells: list[tuple[int, int]] = []
        for _ in range(count):
            if held_out:
                shape, color, bg = rng.choice(sorted(t for t in HELD_OUT if t[2] == ground) or [(None, None, None)])
                if shape is None:
                    break
            else:
                shape, color = rng.choice(SHAPES), rng.choice(list(COLORS))
                if (shape, color, ground) in HELD_OUT:
                    break
            if color in (ground, second):
                break
            size = rng.choice(list(SIZES)) if count == 1 else rng.choice(("small", "medium"))
            free = [p for p, cell in POSITIONS.items() if _apart(cells, cell)]
            if not free:
                break
            position = rng.choice(free)
            cells.append(POSITIONS[position])
            things.append(Thing(shape, color, size, position))
        if len(things) == count:
            scene = Scene(tuple(things), Background(ground, pattern, second))
            return replace(scene, caption=caption(scene, rng))


def training_batch(seed: int, count: int, drop_caption: float = 0.1) -> tuple[list[Image.Image], list[str]]:
    """`count` training pictures and captions; a fraction of captions are empty (for classifier-free guidance)."""
    rng = random.Random(seed)
    images, captions = [], []
    for _ in range(count):
        scene = sample_scene(rng)
        images.append(render(scene)[0])
        captions.append("" if rng.random() < drop_caption else scene.caption)
    return images, captions


SUBJECT = Thing("ring", "red", "big", "center", inner="white")
"""The evaluation's subject: a red ring with a white middle (no training picture has a two-colored object)."""
SUBJECT_BACKGROUNDS = ("blue", "green", "yellow", "purple", "black", "orange")


_PALETTE = np.array(list(COLORS.values()), dtype=np.float32)


def color_labels(image: Image.Image) -> np.ndarray:
    """Each pixel's nearest named color (an index into COLORS), at the dataset's size."""
    pixels = np.asarray(image.convert("RGB").resize((SIZE, SIZE)), dtype=np.float32)
    distances = ((pixels[:, :, None, :] - _PALETTE[None, None]) ** 2).sum(-1)
    return distances.argmin(-1)


def background_color(image: Image.Image) -> str:
    """The named color covering most of the picture."""
    return list(COLORS)[int(np.bincount(color_labels(image).ravel(), minlength=len(COLORS)).argmax())]


def surroundings(image: Image.Image) -> str:
    """What a picture shows besides its object, in the captions' words ("on a blue background")."""
    return f"on a {background_color(image)} background"


def subject_references(count: int = 4, seed: int = 0) -> list[Image.Image]:
    """Rendered pictures of the subject on varied backgrounds, sizes and places (as a user's photos would vary)."""
    rng = random.Random(seed)
    pictures = []
    for i in range(count):
        thing = replace(SUBJECT, size=rng.choice(("medium", "big")),
                        position=rng.choice(("center", "left", "right", "top", "bottom")))
        pictures.append(render(Scene((thing,), Background(SUBJECT_BACKGROUNDS[i % len(SUBJECT_BACKGROUNDS)])))[0])
    return pictures


def vocabulary() -> list[str]:
    """Every word a training caption can use."""
    words = {"a", "and", "on", "with", "background", "in", "the", "at", "corner", "of"}
    words.update(COLORS, SHAPES, PATTERNS, *SIZE_WORDS.values())
    for phrases in POSITION_PHRASES.values():
        for phrase in phrases:
            words.update(phrase.split())
    return sorted(words)
