"""The offline router on a table of phrasings: which tool (or none), and the prompt it writes."""

from __future__ import annotations

import pytest
from langchain_core.messages import HumanMessage

from chatcanvas.agent.intents import merged_edit_prompt
from chatcanvas.agent.router import IntentRouter

TOOLS = [{"name": "generate_image"}, {"name": "edit_image"}]

# (message, is there a current image?, expected tool or None, expected prompt or None)
PHRASINGS = [
    # draw
    ("draw a red fox", False, "generate_image", "a red fox"),
    ("Draw me a cat wearing a hat", False, "generate_image", "a cat wearing a hat"),
    ("can you draw a lighthouse at dusk?", False, "generate_image", "a lighthouse at dusk"),
    ("Could you please paint a mountain lake", False, "generate_image", "a mountain lake"),
    ("paint a portrait of an old sailor", True, "generate_image", "a portrait of an old sailor"),
    ("sketch a bicycle", False, "generate_image", "a bicycle"),
    ("imagine a castle in the clouds", False, "generate_image", "a castle in the clouds"),
    ("generate a sunset over the sea", False, "generate_image", "a sunset over the sea"),
    ("show me a dragon made of glass", False, "generate_image", "a dragon made of glass"),
    ("picture of a cozy cabin in the woods", False, "generate_image", "a cozy cabin in the woods"),
    ("a picture of two owls on a branch", False, "generate_image", "two owls on a branch"),
    ("I'd like an image of a robot reading", False, "generate_image", "a robot reading"),
    ("I want a photo of a busy market street", False, "generate_image", "a busy market street"),
    ("create an illustration of a whale in space", False, "generate_image", "a whale in space"),
    ("make a logo of a bee", False, "generate_image", "a logo of a bee"),
    ("render a futuristic city at night please", False, "generate_image", "a futuristic city at night"),
    ("hey, draw a penguin on a surfboard!", True, "generate_image", "a penguin on a surfboard"),
    ("now draw a green frog", True, "generate_image", "a green frog"),
    ("illustrate a dog chasing a ball", False, "generate_image", "a dog chasing a ball"),
    ("let's draw a treehouse", False, "generate_image", "a treehouse"),
    # edit the current image
    ("make it blue", True, "edit_image", "a blue fox"),
    ("Make it more colorful", True, "edit_image", "a red fox, more colorful"),
    ("can you make it snowy please", True, "edit_image", "a red fox, snowy"),
    ("add a hat", True, "edit_image", "a red fox, with a hat"),
    ("add some snow falling", True, "edit_image", "a red fox, with some snow falling"),
    ("now with a rainbow", True, "edit_image", "a red fox, with a rainbow"),
    ("turn it into a watercolor painting", True, "edit_image", "a red fox, as a watercolor painting"),
    ("change it to green", True, "edit_image", "a green fox"),
    ("more contrast", True, "edit_image", "a red fox, more contrast"),
    ("less saturated", True, "edit_image", "a red fox, less saturated"),
    ("remove the background", True, "edit_image", "a red fox, without background"),
    ("make the fox purple", True, "edit_image", "a purple fox"),
    ("put it on a beach", True, "edit_image", "a red fox, with it on a beach"),
    ("make it look like a pencil sketch", True, "edit_image", "a red fox, look like a pencil sketch"),
    ("ok make it darker", True, "edit_image", "a red fox, darker"),
    # chat: no tool
    ("hello", False, None, None),
    ("hi there!", True, None, None),
    ("thanks!", True, None, None),
    ("thank you, that's perfect", True, None, None),
    ("what can you do?", False, None, None),
    ("how does this work?", True, None, None),
    ("what is the capital of France?", False, None, None),
    ("who made you?", False, None, None),
    ("what can you draw?", False, None, None),
    ("make it blue", False, None, None),  # nothing to edit yet: a helpful answer instead
    ("add a hat", False, None, None),
]


def route(text: str, has_image: bool):
    turn = {"current_image_id": "img1", "current_prompt": "a red fox"} if has_image else {}
    router = IntentRouter().bind_tools(TOOLS, turn=turn)
    return router.invoke([HumanMessage(text)])


@pytest.mark.parametrize(("text", "has_image", "tool", "prompt"), PHRASINGS, ids=[p[0] for p in PHRASINGS])
def test_router_phrasing(text, has_image, tool, prompt):
    message = route(text, has_image)
    if tool is None:
        assert message.tool_calls == [] and message.content
    else:
        assert [call["name"] for call in message.tool_calls] == [tool]
        assert message.tool_calls[0]["args"] == {"prompt": prompt}


def test_the_table_is_big_enough_and_covers_every_kind():
    kinds = [tool for _, _, tool, _ in PHRASINGS]
    assert len(PHRASINGS) >= 40
    assert {"generate_image", "edit_image", None} == set(kinds)


def test_the_router_only_calls_tools_it_was_given():
    router = IntentRouter().bind_tools([{"name": "generate_image"}], turn={"current_image_id": "x"})
    assert router.invoke([HumanMessage("make it blue")]).tool_calls == []


@pytest.mark.parametrize(
    ("current", "instruction", "merged"),
    [
        ("a red circle on a blue background", "make the circle green", "a green circle on a blue background"),
        ("a red circle on a blue background", "make the background yellow", "a red circle on a yellow background"),
        ("a small red star in the top left corner", "make it blue", "a small blue star in the top left corner"),
        ("a red fox, with a hat", "remove the hat", "a red fox"),
        ("a fox", "make it orange", "an orange fox"),
        ("an orange fox", "make it red", "a red fox"),
        (None, "make this a watercolor", "a watercolor"),
    ],
)
def test_merged_edit_prompts_keep_the_context(current, instruction, merged):
    assert merged_edit_prompt(current, instruction) == merged
