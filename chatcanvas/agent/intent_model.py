"""A small intent classifier that second-guesses the structural reader on what kind of turn a message is.

The structural reader (intents.py, subjects.py) reads a sentence's parts and writes the tool arguments; it is exact on
phrasing it knows and brittle on phrasing it does not. This model reads the same message as a bag of words and
character n-grams, plus the turn's context (is a picture on screen, was one attached, what the last turn did, is an
enrolled subject named), and says which of the seven kinds of turn it is: draw, edit, reply, select, variations,
draw_subject or register_subject. The router asks the structural reader again for the model's kind when the two
disagree and the model is sure (see `router.IntentRouter`).

It is a multinomial logistic regression over TF-IDF features, trained from scratch by `chatcanvas.eval.train_intents`
on the dev half of the agent evaluation and shipped as package data (`weights/intents.npz`, about 710 KiB of
arrays, no pickle). Inference is numpy only, so the same message in the same state always gets the same answer.
English only.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from itertools import pairwise
from typing import Any

import numpy as np

KINDS = ("draw", "edit", "reply", "select", "variations", "draw_subject", "register_subject")
PREVIOUS_OF = {"draw": "draw", "variations": "draw", "draw_subject": "draw", "edit": "edit", "select": "select",
               "register_subject": "register", "reply": "reply"}
"""What a turn of each kind did, as the next turn's context sees it (a picture made is a draw); "start" before any."""
_WORD = re.compile(r"[\w']+")
_SPACES = re.compile(r"\s+")


@dataclass(frozen=True)
class Context:
    """What the model knows about the turn besides its words."""

    has_image: bool = False
    attached: int = 0
    previous: str = "start"
    model: str = "tiny"
    named_subject: bool = False
    has_subjects: bool = False


def features(text: str, context: Context) -> list[str]:
    """The features of one message: word 1-2 grams, in-word character 2-5 grams, and the context's tokens."""
    low = _SPACES.sub(" ", text.lower()).strip()
    words = _WORD.findall(low)
    found = [f"w:{w}" for w in words] + [f"w:{a} {b}" for a, b in pairwise(words)]
    if words:
        found += [f"w:^{words[0]}", f"w:{words[-1]}$"]
    for word in low.split():
        padded = f" {word} "
        for n in range(2, 6):
            if len(padded) < n:
                break
            found += [f"c:{padded[i:i + n]}" for i in range(len(padded) - n + 1)]
    image = "image" if context.has_image or context.attached else "noimage"
    attached = "none" if not context.attached else ("one" if context.attached == 1 else "many")
    found += [f"x:{image}", f"x:prev={context.previous}", f"x:model={context.model}", f"x:attached={attached}",
              f"x:{image}+prev={context.previous}", f"x:named={context.named_subject}",
              f"x:subjects={context.has_subjects}"]
    if context.named_subject:
        found.append(f"x:named+{image}")
    return found


@dataclass(frozen=True)
class Guess:
    kind: str
    confidence: float
    scores: dict[str, float]


class IntentModel:
    """TF-IDF (sublinear tf, l2 norm) then a linear layer and softmax: the arrays `train_intents` writes."""

    def __init__(self, vocabulary: list[str], idf: np.ndarray, coef: np.ndarray, intercept: np.ndarray,
                 classes: list[str]) -> None:
        self.index = {feature: i for i, feature in enumerate(vocabulary)}
        self.idf, self.coef, self.intercept, self.classes = idf, coef, intercept, classes

    @classmethod
    def from_arrays(cls, arrays: Any) -> IntentModel:
        return cls([str(v) for v in arrays["vocabulary"]], arrays["idf"].astype(np.float64),
                   arrays["coef"].astype(np.float64), arrays["intercept"].astype(np.float64),
                   [str(c) for c in arrays["classes"]])

    def vector(self, text: str, context: Context) -> tuple[np.ndarray, np.ndarray]:
        counts = Counter(i for i in (self.index.get(f) for f in features(text, context)) if i is not None)
        columns = np.fromiter(counts, dtype=np.int64, count=len(counts))
        values = np.array([(1.0 + math.log(counts[c])) * self.idf[c] for c in columns], dtype=np.float64)
        norm = float(np.sqrt(values @ values)) if len(values) else 0.0
        return columns, (values / norm if norm else values)

    def guess(self, text: str, context: Context) -> Guess:
        columns, values = self.vector(text, context)
        logits = self.coef[:, columns] @ values + self.intercept
        exp = np.exp(logits - logits.max())
        probs = exp / exp.sum()
        best = int(np.argmax(probs))
        return Guess(self.classes[best], float(probs[best]), dict(zip(self.classes, map(float, probs))))


@lru_cache(maxsize=1)
def shipped() -> IntentModel | None:
    """The model in the package's weights, or None when they are not installed."""
    found = resources.files("chatcanvas.agent").joinpath("weights", "intents.npz")
    if not found.is_file():
        return None
    with found.open("rb") as handle, np.load(handle, allow_pickle=False) as arrays:
        return IntentModel.from_arrays(arrays)
