"""What a built-in model can draw, in words a person reads, and which words of a prompt it does not know.

A Hub or local model draws anything, so it has no range; a built-in one trained on a closed vocabulary (`shapes`)
knows only its captions' words, its native size, and how far from that size it still draws something.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from chatcanvas.engine.catalog import BUILTIN_MODELS

FUNCTION_WORDS = frozenset("""
    a an the this that these those some any another one each every all both either no none
    of on in at to from with without by for into onto over under above below beside near next behind inside
    around between against along across within upon off out up down
    and or but so then than as if also just only very really quite too more most less much many
    is are was were be been being am it its it's they them their there here where which who what how
    i me my mine myself you your yours we us our he she him her his
    can could would will should shall may might must do does did done doing have has had
    i'd i'm i'll i've you're we're they're it'll that's there's what's let's don't doesn't can't won't isn't
    make made making draw drew drawn drawing paint painting create creating generate render rendering show give
    put place get got want wanted need like love let try see keep turn change add include insert swap replace remove
    please pls kindly thanks thank cheers hi hello hey ok okay yes now again
    hmm hm um uh oh ah well actually maybe bit little lot slightly instead
    picture pictures image images drawing drawings photo photos photograph pic pics illustration painting
    paintings sketch artwork art scene canvas version
""".split())
"""Words that say nothing about what is in the picture: function words, politeness, and the picture itself."""

SPELLINGS = {
    "colour": "color", "colours": "colors", "coloured": "colored", "centre": "center", "centred": "center",
    "centered": "center", "grey": "gray", "chequered": "checkered", "checked": "checkered",
    "checkerboard": "checkered", "stripes": "striped", "stripy": "striped", "upper": "top", "lower": "bottom",
}
"""British spellings and near synonyms, mapped to the word a caption would use."""

GENERAL_WORDS = frozenset({"color", "colored", "shape", "side"})
"""Words every range knows: they name an attribute, not a thing to draw."""


@dataclass(frozen=True)
class ModelRange:
    """What one model draws: a sentence, three example prompts in its captions' words, its vocabulary, its size."""

    summary: str
    examples: tuple[str, ...]
    words: frozenset[str]
    native_size: tuple[int, int]
    max_size: tuple[int, int]
    nearest: tuple[tuple[str, str], ...] = ()
    """(pattern, replacement): a phrase the model cannot draw, said in the nearest words it can ("a dark
    background": black, for a model with no greys)."""

    @property
    def min_size(self) -> tuple[int, int]:
        """Below half the native size the model has too few latent cells to draw anything."""
        return self.native_size[0] // 2, self.native_size[1] // 2

    def knows(self, word: str) -> bool:
        """Whether `word` (lower case) is one of the model's words, after spelling and plural forms."""
        known = self.words | GENERAL_WORDS
        word = SPELLINGS.get(word, word)
        stems = [word[:-3] + "y"] if word.endswith("ies") else []
        stems += [word[:-2]] if word.endswith("es") else []
        stems += [word[:-1]] if word.endswith("s") else []
        if word.endswith("er"):  # "smaller", "larger", "bigger": the comparative of a known size
            stems += [word[:-2], word[:-1], word[:-3]] if word[-3:-2] == word[-4:-3] else [word[:-2], word[:-1]]
        return any(SPELLINGS.get(form, form) in known for form in (word, *stems))

    def nearest_prompt(self, prompt: str) -> str:
        """`prompt` with each phrase the model cannot draw said in the nearest words it can (`nearest`)."""
        for pattern, replacement in self.nearest:
            prompt = re.sub(pattern, replacement, prompt, flags=re.I)
        return prompt

    def unknown_words(self, prompt: str) -> list[str]:
        """The content words of `prompt` the model does not know, in order, each once."""
        unknown: list[str] = []
        for word in re.findall(r"[a-z]+(?:'[a-z]+)?", prompt.lower().replace("\u2019", "'")):
            if word in FUNCTION_WORDS:
                continue
            word = word.removesuffix("'s")
            if word in FUNCTION_WORDS or self.knows(word) or word in unknown:
                continue
            unknown.append(word)
        return unknown


def _listed(items: list[str], last: str = "or") -> str:
    return f"{', '.join(items[:-1])} {last} {items[-1]}" if len(items) > 1 else items[0]


@functools.cache
def shapes_range() -> ModelRange:
    """The `shapes` model's range, from the dataset's own lists (what its training captions can say)."""
    from chatcanvas.models.shapes import scenes

    examples = (
        scenes.Scene((scenes.Thing("circle", "red", "big", "center"),), scenes.Background("blue")),
        scenes.Scene((scenes.Thing("star", "yellow", "small", "top left"),), scenes.Background("purple")),
        scenes.Scene((scenes.Thing("square", "white", "medium", "right"),),
                     scenes.Background("green", "striped", "black")),
    )
    summary = (f"flat shapes ({', '.join(scenes.SHAPES)}) in {len(scenes.COLORS)} colors ({', '.join(scenes.COLORS)}), "
               f"{_listed(list(scenes.SIZES))}, in the center, a side or a corner, on "
               f"{_listed(list(scenes.PATTERNS))} backgrounds, at {scenes.SIZE}x{scenes.SIZE}")
    return ModelRange(summary=summary, examples=tuple(scenes.describe(scene) for scene in examples),
                      words=frozenset(scenes.vocabulary()), native_size=(scenes.SIZE, scenes.SIZE),
                      max_size=(2 * scenes.SIZE, 2 * scenes.SIZE), nearest=_shapes_nearest(list(scenes.COLORS)))


_GROUND = r"(background|backdrop|bg)"
_DARK_SHADE = r"dark(?:er)?"
_LIGHT_SHADE = r"(?:light(?:er)?|paler?)"
_DARK = rf"(?:{_DARK_SHADE}|deep(?:er)?|dim(?:mer)?)"
_LIGHT = rf"(?:{_LIGHT_SHADE}|bright(?:er)?)"
_A_BIT = r"(?:(?:a\s+)?(?:bit|little|lot)\s+|much\s+|very\s+|really\s+)?"


def _shapes_nearest(colors: list[str]) -> tuple[tuple[str, str], ...]:
    """`shapes` draws `colors`, no greys and no shades of them: a dark ground is black, a light one white."""
    hue = rf"(?:{'|'.join(c for c in colors if c not in ('black', 'white'))}|gr[ae]y)"  # their shades: the greys
    return (
        (rf"\b{_DARK}\s+gr[ae]y\b", "black"),
        (rf"\b{_LIGHT}\s+gr[ae]y\b|\boff[\s-]white\b", "white"),
        # "on a (very) dark background", "a dark blue background": the nearest of its colours to a dark shade is
        # black, to a light one white ("a bright red background" and "a deep blue one" are red and blue, as said)
        (rf"\b{_A_BIT}(?:{_DARK}\s+(?:colou?red\s+)?|{_DARK_SHADE}\s+{hue}\s+){_GROUND}", r"black \1"),
        (rf"\b{_A_BIT}(?:{_LIGHT}\s+(?:colou?red\s+)?|{_LIGHT_SHADE}\s+{hue}\s+){_GROUND}", r"white \1"),
        (rf"\b{_GROUND}\s+{_A_BIT}{_DARK}\b", r"\1 black"),  # "make the background (a bit) darker"
        (rf"\b{_GROUND}\s+{_A_BIT}{_LIGHT}\b", r"\1 white"),
    )


def model_range(model_id: str) -> ModelRange | None:
    """The range of a built-in model that has one; None for the others (Hub and local models draw anything)."""
    builtin = BUILTIN_MODELS.get(model_id)
    return builtin.model_range() if builtin is not None and builtin.model_range is not None else None
