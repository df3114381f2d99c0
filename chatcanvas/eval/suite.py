"""The agent evaluation's conversations: the JSON format, its checks, and the pictures an `attach` stands for.

The suite ships as `chatcanvas/eval/conversations/{dev,test}.json` (dev guides changes; test is the half no
change looked at). A conversation runs as a fresh user; each turn says what a good assistant does with it.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from chatcanvas.errors import InvalidInput
from chatcanvas.models.shapes.scenes import (
    COLORS,
    POSITIONS,
    SHAPES,
    SIZES,
    Background,
    Scene,
    Thing,
    render,
    subject_references,
)

CATEGORIES = {"draw": "draw", "edit": "edit", "reply": "chat", "select": "reference", "variations": "variations",
              "register_subject": "subject", "draw_subject": "subject"}
"""Each expectation and the category it is reported under."""
CATEGORY_ORDER = ("draw", "edit", "chat", "reference", "variations", "subject")
SPLITS = ("dev", "test", "all")
PHOTO = {"shape": "circle", "color": "red", "background": "blue"}
"""What an attached "photo" shows: a big red circle in the center on a blue background."""
_TURN_KEYS = {"say", "attach", "expect", "must", "must_not", "parent", "select", "image", "n", "subject"}


@dataclass(frozen=True)
class Turn:
    say: str
    expect: str
    attach: str | dict[str, str] | None = None
    must: tuple[str, ...] = ()
    must_not: tuple[str, ...] = ()
    parent: int | None = None
    select: int | None = None
    image: int | None = None
    n: int | None = None
    subject: str | None = None

    @property
    def category(self) -> str:
        return CATEGORIES[self.expect]


@dataclass(frozen=True)
class SubjectSpec:
    name: str
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class Conversation:
    id: str
    turns: tuple[Turn, ...]
    model: str = "tiny"
    subjects: tuple[SubjectSpec, ...] = ()


def load_conversations(split: str | None = None, path: str | Path | None = None) -> list[Conversation]:
    """The shipped conversations of `split` (dev, test or all), or the ones in the file at `path`."""
    if path is not None:
        path = Path(path)
        if not path.is_file():
            raise InvalidInput("file", f"no such file: {path}")
        return parse_conversations(_read_json(path.read_text(encoding="utf-8"), str(path)), str(path))
    split = split or "dev"
    if split not in SPLITS:
        raise InvalidInput("split", f"{split!r}: use one of {', '.join(SPLITS)}")
    data: list[Any] = []
    for name in ("dev", "test") if split == "all" else (split,):
        shipped = resources.files("chatcanvas.eval.conversations").joinpath(f"{name}.json")
        if not shipped.is_file():
            raise InvalidInput("split", f"the {name} conversations ({name}.json) are not installed")
        found = _read_json(shipped.read_text(encoding="utf-8"), f"{name}.json")
        data.extend(found if isinstance(found, list) else [found])
    return parse_conversations(data, f"{split} conversations")


def _read_json(text: str, source: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidInput("conversations", f"{source} is not JSON: {exc}") from None


def parse_conversations(data: Any, source: str = "conversations") -> list[Conversation]:
    """Check the conversations and turn them into `Conversation`s; `InvalidInput` names the first problem.

    A conversation: {"id", "turns", "model" (default "tiny"), "subjects": [{"name", "aliases"}] (enrolled first)}.
    A turn: {"say", "expect": draw|edit|reply|select|variations|register_subject|draw_subject, "attach",
    "must", "must_not", "parent", "select", "image", "n", "subject"}; `parent` and `select` are indices of
    earlier turns, whose pictures are their uploads then the images they made (the last one unless `image`).
    """
    def fail(where: str, problem: str) -> InvalidInput:
        return InvalidInput("conversations", f"{source}: {where}: {problem}")

    if not isinstance(data, list) or not data:
        raise fail("top level", "must be a non-empty list of conversations")
    conversations, seen = [], set()
    for number, item in enumerate(data):
        name = item.get("id") if isinstance(item, dict) else None
        if not isinstance(name, str) or not name.strip():
            raise fail(f"conversation {number}", "needs an 'id' (text)")
        if name in seen:
            raise fail(name, "the id is used twice")
        seen.add(name)
        turns = item.get("turns")
        if not isinstance(turns, list) or not turns:
            raise fail(name, "needs a non-empty list of 'turns'")
        model = item.get("model", "tiny")
        if not isinstance(model, str) or not model.strip():
            raise fail(name, "'model' must be a model id")
        subjects = []
        for entry in item.get("subjects") or []:
            aliases = entry.get("aliases", []) if isinstance(entry, dict) else None
            if not isinstance(entry, dict) or not isinstance(entry.get("name"), str) or not _texts(aliases):
                raise fail(name, "each subject needs a 'name' and optional 'aliases' (a list of text)")
            subjects.append(SubjectSpec(entry["name"], tuple(aliases)))
        parsed = []
        for index, raw in enumerate(turns):
            try:
                parsed.append(_parse_turn(raw, index))
            except ValueError as exc:
                raise fail(f"{name} turn {index}", str(exc)) from None
        conversations.append(Conversation(name, tuple(parsed), model, tuple(subjects)))
    return conversations


def _texts(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(word, str) and word.strip() for word in value)


def _parse_turn(raw: Any, index: int) -> Turn:
    if not isinstance(raw, dict):
        raise ValueError("must be an object with 'say' and 'expect'")
    unknown = set(raw) - _TURN_KEYS
    if unknown:
        raise ValueError(f"unknown field(s) {', '.join(sorted(unknown))}")
    if not isinstance(raw.get("say"), str):
        raise ValueError("'say' (the user's message) is required")
    if raw.get("expect") not in CATEGORIES:
        raise ValueError(f"'expect' must be one of {', '.join(CATEGORIES)}")
    for key in ("must", "must_not"):
        if key in raw and not _texts(raw[key]):
            raise ValueError(f"'{key}' must be a list of words")
    for key in ("parent", "select"):
        if key in raw and not (isinstance(raw[key], int) and 0 <= raw[key] < index):
            raise ValueError(f"'{key}' must be the index of an earlier turn")
    if "image" in raw and not (isinstance(raw["image"], int) and raw["image"] >= 0):
        raise ValueError("'image' must be a picture's index (0 or more)")
    required = {"select": "select", "variations": "n", "register_subject": "subject", "draw_subject": "subject"}
    needed = required.get(raw["expect"])
    if needed and needed not in raw:
        raise ValueError(f"expect {raw['expect']!r} needs '{needed}'")
    if "n" in raw and not (isinstance(raw["n"], int) and raw["n"] >= 1):
        raise ValueError("'n' must be a whole number of images (1 or more)")
    if "subject" in raw and not (isinstance(raw["subject"], str) and raw["subject"].strip()):
        raise ValueError("'subject' must be a subject's name")
    if raw.get("attach") is not None:
        attachment_pictures(raw["attach"])  # raises ValueError for a bad one
    return Turn(say=raw["say"], expect=raw["expect"], attach=raw.get("attach"), must=tuple(raw.get("must", ())),
                must_not=tuple(raw.get("must_not", ())), parent=raw.get("parent"), select=raw.get("select"),
                image=raw.get("image"), n=raw.get("n"), subject=raw.get("subject"))


def attachment_pictures(attach: str | dict[str, str]) -> list[Any]:
    """The PIL pictures an `attach` value stands for: "photo", "photos:N" or a flat scene's description."""
    if attach == "photo":
        attach = PHOTO
    if isinstance(attach, str):
        count = attach.removeprefix("photos:")
        if not attach.startswith("photos:") or not count.isdigit() or not 1 <= int(count) <= 8:
            raise ValueError(f"attach {attach!r}: use \"photo\", \"photos:N\" (1-8) or a scene object")
        return subject_references(int(count))
    if not isinstance(attach, dict):
        raise ValueError("attach must be \"photo\", \"photos:N\" or a scene object")
    choices = {"shape": SHAPES, "color": COLORS, "background": COLORS, "size": SIZES, "position": POSITIONS}
    for key, value in attach.items():
        if key not in choices:
            raise ValueError(f"attach has no field {key!r} (fields: {', '.join(choices)})")
        if value not in choices[key]:
            raise ValueError(f"attach {key}={value!r}: {key} is one of {', '.join(choices[key])}")
    if "shape" not in attach or "color" not in attach or "background" not in attach:
        raise ValueError("attach needs a shape, a color and a background")
    thing = Thing(attach["shape"], attach["color"], attach.get("size", "big"), attach.get("position", "center"))
    return [render(Scene((thing,), Background(attach["background"])))[0]]


def attachment_bytes(attach: str | dict[str, str] | None) -> list[bytes]:
    """The attachment as the PNG files a user would send (none for None)."""
    files = []
    for picture in attachment_pictures(attach) if attach is not None else []:
        buffer = io.BytesIO()
        picture.save(buffer, format="PNG")
        files.append(buffer.getvalue())
    return files
