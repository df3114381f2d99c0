"""Reading a chat message the way the offline router does: is it a request to draw, to change the current
image, or just talk? Plus the prompt rewriting that turns "make it blue" into a whole description.

Deterministic string rules, no model: the same message always gives the same decision.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

COLORS = (
    "red", "orange", "yellow", "green", "blue", "purple", "pink", "brown", "black", "white", "gray", "grey",
    "cyan", "magenta", "teal", "violet", "gold", "silver", "beige", "turquoise",
)
_COLOR = re.compile(rf"\b({'|'.join(COLORS)})\b", re.IGNORECASE)

_POLITE = r"(?:(?:hey|hi|ok|okay|so|now|and|then|please|pls|kindly)[,!]?\s+)*"
_ASK = r"(?:(?:can|could|would|will)\s+you\s+(?:please\s+)?|i\s+(?:want|would\s+like|'d\s+like)\s+(?:you\s+to\s+)?|i\s+need\s+|let'?s\s+|give\s+me\s+)?"
_DRAW_VERB = r"(?:draw|paint|sketch|generate|imagine|create|render|illustrate|design|doodle|make|show)"
_PICTURE = r"(?:(?:an?\s+|the\s+|some\s+)?(?:new\s+)?(?:picture|pic|image|photo|drawing|painting|sketch|illustration|render|rendering)s?\s+(?:of|showing|with)\s+)"

DRAW_START = re.compile(rf"^{_POLITE}{_ASK}{_DRAW_VERB}\b(?:\s+(?:me|us))?\s*(?:{_PICTURE})?", re.IGNORECASE)
DRAW_ANYWHERE = re.compile(rf"{_PICTURE}|\b(?:draw|paint|sketch|imagine|illustrate)\b", re.IGNORECASE)
_DRAW_TAIL = re.compile(rf"^.*?(?:{_PICTURE}|\b(?:draw|paint|sketch|imagine|illustrate)\b(?:\s+(?:me|us))?\s*)", re.IGNORECASE)

EDIT_START = re.compile(
    rf"^{_POLITE}{_ASK}(?:"
    r"make\s+(?:it|this|that|the\b|him|her|them|everything)|turn\s+(?:it|this|that|the\b)|change|add|remove|"
    r"delete|erase|replace|recolou?r|put|give\s+(?:it|him|her|them)|more\b|less\b|now\s+with|now\s+make|"
    r"with(?:out)?\s+|instead|same\s+but|try\s+(?:it\s+)?(?:in|with|as)|convert|transform|edit|fix|swap"
    r")",
    re.IGNORECASE,
)

_THANKS = re.compile(r"\b(thanks|thank\s+you|thx|ty|cheers|great|awesome|nice|love\s+it|perfect|cool)\b", re.I)
_GREETING = re.compile(r"^\s*(hi|hello|hey|yo|good\s+(morning|afternoon|evening)|howdy)\b", re.I)


@dataclass(frozen=True)
class Intent:
    """What the router decided: `tool` is None for a plain reply."""

    tool: str | None
    args: dict


def clean(text: str) -> str:
    """Trim whitespace, trailing politeness and end punctuation."""
    text = re.sub(r"\s+", " ", text).strip().strip(" .!?,;:")
    text = re.sub(r"[\s,]*\b(please|pls|thanks|thank you)$", "", text, flags=re.I)
    return text.strip(" .!?,;:")


def draw_prompt(text: str) -> str | None:
    """The description in a request to draw, or None when the message does not ask for a picture."""
    question = text.strip().endswith("?")
    text = clean(text)
    match = DRAW_START.match(text)
    if match and match.end() < len(text):
        verb = match.group(0).lower()
        # "make"/"show" only count as drawing with a picture word or an object: "show me a cat", "make a logo"
        rest = text[match.end():].strip()
        if re.search(r"\b(make|show)\b", verb) and not re.search(_PICTURE, verb, re.I):
            if not re.match(r"^(me\s+)?(an?|the|some|\d+)\b", rest, re.I):
                return None
        return rest or None
    if DRAW_ANYWHERE.search(text) and not question:
        rest = _DRAW_TAIL.sub("", text, count=1).strip()
        return rest or None
    return None


def is_edit(text: str) -> bool:
    return bool(EDIT_START.match(clean(text)))


def edit_instruction(text: str) -> str:
    """The change itself: "could you make it blue please" -> "make it blue"."""
    text = clean(text)
    return re.sub(rf"^{_POLITE}{_ASK}", "", text, flags=re.I).strip()


def merged_edit_prompt(current: str | None, instruction: str) -> str:
    """A whole description after the change, for img2img models that need one.

    "a red fox" + "make it blue" -> "a blue fox"; + "add a hat" -> "a red fox, with a hat";
    + "remove the hat" (from "a red fox, with a hat") -> "a red fox"; no current prompt -> the change itself.
    """
    instruction = edit_instruction(instruction)
    lowered = instruction.lower()
    if not current:
        target = re.sub(r"^(make|turn|change|convert|transform)\s+(it|this|that|the\s+\w+)\s+(into\s+|to\s+)?", "",
                        instruction, flags=re.I)
        return target or instruction
    base = current.strip().rstrip(".")

    # recolour: "make it blue", "make the circle green", "change the background to red", "turn it yellow"
    colors = _COLOR.findall(instruction)
    if colors and re.match(r"^(make|turn|change|recolou?r|paint)\b", lowered) and not re.match(
            r"^make\s+(it|this|that)\s+(more|less)\b", lowered):
        return _fix_articles(_recolor(base, lowered, colors[-1].lower()))

    removal = re.match(r"^(remove|delete|erase|without|get\s+rid\s+of)\s+(?:the\s+|a\s+|an\s+)?(.+)$", lowered)
    if removal:
        thing = removal.group(2).strip()
        pattern = rf",?\s*with\s+(?:an?\s+|the\s+|some\s+)?{re.escape(thing)}\b"
        stripped = re.sub(pattern, "", base, flags=re.I).strip(" ,")
        return stripped if stripped and stripped != base else f"{base}, without {thing}"

    addition = re.match(r"^(?:add|put|give\s+(?:it|him|her|them)|now\s+with|with|include)\s+(.+)$", instruction, re.I)
    if addition:
        return f"{base}, with {addition.group(1)}"

    restyle = re.match(r"^(?:make|turn|convert|transform|change)\s+(?:it|this|that|the\s+\w+)\s+(?:into|to|in)\s+"
                       r"(.+)$", instruction, re.I)
    if restyle:
        return f"{base}, as {restyle.group(1)}"
    degree = re.match(r"^(?:make\s+(?:it|this|that)\s+)?(more|less)\s+(.+)$", instruction, re.I)
    if degree:
        return f"{base}, {degree.group(1).lower()} {degree.group(2)}"
    plain = re.match(r"^make\s+(?:it|this|that)\s+(.+)$", instruction, re.I)
    if plain:
        return f"{base}, {plain.group(1)}"
    return f"{base}, {instruction}"


def _recolor(base: str, instruction: str, new: str) -> str:
    target = re.search(r"\b(?:make|turn|paint|recolou?r|change)\s+the\s+([a-z]+)", instruction)
    noun = target.group(1) if target else None
    if noun in ("color", "colour", "image", "picture"):
        noun = None
    if noun:  # the colour word before that noun ("red circle", "red big circle"), or a new one
        replaced = re.sub(rf"\b({'|'.join(COLORS)})(\s+(?:\w+\s+)?{noun})\b", rf"{new}\2", base, count=1,
                          flags=re.I)
        if replaced != base:
            return replaced
        if noun == "background":
            return f"{base}, on a {new} background"
        return re.sub(rf"\b({noun})\b", rf"{new} \1", base, count=1, flags=re.I)
    if _COLOR.search(base):
        return _COLOR.sub(new, base, count=1)
    article = re.match(r"^(an?|the)\s+", base, re.I)
    if article:
        return f"{article.group(1)} {new} {base[article.end():]}"
    return f"{new} {base}"


def _fix_articles(text: str) -> str:
    """ "a orange" -> "an orange", "an red" -> "a red" (only before colour words, which the recolour wrote)."""
    text = re.sub(rf"\b([Aa])\s+(?=(?:{'|'.join(c for c in COLORS if c[0] in 'aeiou')})\b)", r"\1n ", text)
    return re.sub(rf"\b([Aa])n\s+(?=(?:{'|'.join(c for c in COLORS if c[0] not in 'aeiou')})\b)", r"\1 ", text)


def chat_reply(text: str, has_image: bool) -> str:
    """A short answer for a message that asks for no picture."""
    if _GREETING.match(text):
        return "Hi! I draw and edit pictures. Try \"draw a red fox in the snow\"."
    if _THANKS.search(text) and not text.strip().endswith("?"):
        return "You're welcome! Ask for another picture or a change any time."
    if is_edit(text) and not has_image:
        return "There is no picture here to change yet: ask me to draw one first, or attach a photo."
    hint = ' or change the current one ("make it blue", "add a hat")' if has_image else ""
    return (
        f"I'm an image assistant: ask me to draw something (\"draw a lighthouse at dusk\"){hint}. "
        "Attach a photo to edit it."
    )
