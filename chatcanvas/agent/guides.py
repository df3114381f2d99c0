"""Pictures that guide a new one rather than being changed: "draw a living room from this floor-plan sketch" (the
attached sketch steers the layout: `control`), "a fox in the style of this painting" (the attached picture lends its
style: `style_image_id`). The rest of the message is read as any request to draw."""

from __future__ import annotations

import dataclasses
import re

from chatcanvas.agent import intents
from chatcanvas.agent.router import RouterRule, TurnFacts

_THIS = r"(?:this|these|that|the\s+(?:attached|uploaded)|my|the)"
_STYLE = re.compile(
    rf"[,;]?\s*\b(?:in|with)\s+(?:the\s+)?(?:same\s+)?(?:art\s+)?(?:style|look|aesthetic|vibe|colou?rs?|palette)\s+"
    rf"(?:of|as|from)\s+{_THIS}\s*(?:\w+\s+){{0,2}}?(?:picture|pic|photo|image|painting|artwork|art|drawing|"
    rf"illustration|poster|one|style)?\b|"
    rf"[,;]?\s*\b(?:styled|painted|done)\s+like\s+{_THIS}\s+(?:\w+\s+)?(?:picture|pic|photo|image|painting|one|"
    rf"artwork)\b", re.I)
_CONTROL = re.compile(
    rf"[,;]?\s*\b(?:from|based\s+on|following|that\s+follows|using|with\s+the\s+layout\s+of|on\s+top\s+of)\s+"
    rf"{_THIS}\s+(?:(?:rough|quick|hand[- ]?drawn|pencil)\s+)?(?P<what>(?:floor[- ]?)?plans?|sketch(?:es)?|"
    rf"drawings?|doodles?|outlines?|line\s*art|blueprints?|layouts?|wireframes?|depth\s+maps?|edges?)"
    rf"(?:[- ](?:sketch|drawing|plan|outline|doodle))?\b", re.I)


def _control_kind(what: str) -> str:
    what = what.lower()
    if what.startswith("depth"):
        return "depth"
    if what.startswith("edge"):
        return "canny"
    return "sketch"


def _guided_draw(text: str, facts: TurnFacts) -> tuple[str, dict] | None:
    if not facts.attached_image_ids:
        return None
    style, control = _STYLE.search(text), _CONTROL.search(text)
    found = style or control
    if found is None:
        return None
    rest = (text[:found.start()] + text[found.end():]).strip(" ,.;")
    if not rest:
        return None
    # the request without the guide, read with nothing attached: the attachment is the guide, not what is drawn
    plain = dataclasses.replace(facts, attached_image_ids=(), current_image_id=None, current_prompt=None)
    intent = intents.decide(rest, plain)
    if intent.tool != "generate_image":
        return None
    args = dict(intent.args)
    if style:
        args["style_image_id"] = facts.attached_image_ids[0]
    else:
        args["control_image_id"] = facts.attached_image_ids[0]
        args["control"] = _control_kind(control.group("what"))
    return "generate_image", args


GUIDE_RULES = (RouterRule("guided_draw", 20, _guided_draw),)
