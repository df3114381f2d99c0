"""The newcomer paths through `ImageAgent.chat` with the offline router: undo, going back, variations, uploads
that keep their content, and the built-in model's range. Plumbing on `tiny`, meaning on `shapes`."""

from __future__ import annotations

import pytest

from chatcanvas.agent import ImageAgent
from chatcanvas.eval.reading import read
from chatcanvas.models.shapes.scenes import Background, Scene, Thing, render
from tests.conftest import png_bytes


@pytest.fixture
def tiny_agent(settings):
    agent = ImageAgent.create(llm="router", settings=settings)
    yield agent
    agent.close()


@pytest.fixture
def shapes_agent(settings):
    agent = ImageAgent.create(llm="router", settings=settings.model_copy(update={"model": "shapes"}))
    yield agent
    agent.close()


def test_undo_then_an_edit_changes_the_picture_before_the_undone_one(tiny_agent):
    first = tiny_agent.chat("draw a red fox in the snow", user="u", conversation="c")
    edited = tiny_agent.chat("make it blue", user="u", conversation="c")
    assert edited.images[0].parent_id == first.images[0].id

    undone = tiny_agent.chat("undo", user="u", conversation="c")
    assert undone.images == [] and [c["name"] for c in undone.tool_calls] == ["select_image"]
    assert undone.current_image_id == first.images[0].id
    assert tiny_agent.current_image("u", "c").id == first.images[0].id

    again = tiny_agent.chat("make it green", user="u", conversation="c")
    assert again.images[0].parent_id == first.images[0].id
    assert "green" in again.images[0].prompt and "blue" not in again.images[0].prompt


def test_go_back_to_the_first_one_and_the_red_one(tiny_agent):
    first = tiny_agent.chat("draw a red fox", user="u", conversation="c")
    tiny_agent.chat("now a blue whale", user="u", conversation="c")
    tiny_agent.chat("a green frog on a lily pad", user="u", conversation="c")
    back = tiny_agent.chat("go back to the first one", user="u", conversation="c")
    assert back.current_image_id == first.images[0].id
    tiny_agent.chat("the second picture", user="u", conversation="c")
    second = tiny_agent.chat("hmm, the red one", user="u", conversation="c")
    assert second.current_image_id == first.images[0].id


def test_variations_and_another_one(tiny_agent):
    first = tiny_agent.chat("draw a lighthouse at dusk", user="u", conversation="c")
    three = tiny_agent.chat("give me 3 variations", user="u", conversation="c")
    assert len(three.images) == 3
    assert {r.prompt for r in three.images} == {first.images[0].prompt}
    assert len({r.seed for r in three.images}) == 3
    another = tiny_agent.chat("another one", user="u", conversation="c")
    assert len(another.images) == 1 and another.images[0].prompt == first.images[0].prompt
    assert another.images[0].seed not in {r.seed for r in three.images} | {first.images[0].seed}
    picked = tiny_agent.chat("I like the second one", user="u", conversation="c")
    assert picked.images == [] and picked.current_image_id is not None


def test_an_uploaded_square_recoloured_keeps_its_background(shapes_agent):
    photo = render(Scene((Thing("square", "blue", "big", "center"),), Background("orange")))[0]
    uploaded = shapes_agent.chat("here is my picture", images=[png_bytes(photo)], user="u", conversation="c")
    record = shapes_agent.current_image("u", "c")
    assert uploaded.images == [] and record.operation == "upload"
    assert "blue square" in record.prompt and "orange background" in record.prompt

    edited = shapes_agent.chat("make the square red", user="u", conversation="c")
    assert edited.images[0].parent_id == record.id
    assert "red square" in edited.images[0].prompt and "orange background" in edited.images[0].prompt
    reading = read(shapes_agent.store.open(edited.images[0]))
    assert (reading.color, reading.background) == ("red", "orange")


def test_shapes_says_what_it_cannot_draw_and_what_it_can(shapes_agent):
    refused = shapes_agent.chat("draw a cat", user="u", conversation="c")
    assert refused.images == [] and refused.tool_calls == []
    assert "cat" in refused.text and "circle" in refused.text
    help_reply = shapes_agent.chat("what can you do?", user="u", conversation="c")
    assert "circle" in help_reply.text and "lighthouse" not in help_reply.text
    drawn = shapes_agent.chat("a red star on a blue background please", user="u", conversation="c")
    assert len(drawn.images) == 1 and drawn.images[0].prompt == "a red star on a blue background"


def test_on_shapes_a_size_change_is_an_edit_and_picking_an_image_notes_no_unknown_words(shapes_agent):
    chat = dict(user="u", conversation="sizes")
    shapes_agent.chat("can I get a big blue square on an orange background", **chat)
    smaller = shapes_agent.chat("hmm make it smaller", **chat)  # "smaller" is a size the model knows
    assert [call["name"] for call in smaller.tool_calls] == ["edit_image"]
    assert smaller.images[0].prompt == "a small blue square on an orange background"
    takes = shapes_agent.chat("show me 3 options", **chat)
    assert len(takes.images) == 3 and "does not know" not in takes.text
    picked = shapes_agent.chat("the second one", **chat)
    assert picked.current_image_id == takes.images[1].id and "does not know" not in picked.text
    cat = shapes_agent.chat("draw a cat on a green background", **chat)
    assert "does not know 'cat'" in cat.text  # the note names what the prompt asked that the model lacks
    again = shapes_agent.chat("make the background purple", **chat)  # the prompt still says "cat": said already
    assert len(again.images) == 1 and "cat" not in again.text and "circle" not in again.text
    dog = shapes_agent.chat("add a pink dog", **chat)  # a new word: named alone, the whole range is not said again
    assert len(dog.images) == 1 and "'dog'" in dog.text and "'add'" not in dog.text and "circle" not in dog.text


def test_on_shapes_a_dark_or_light_ground_is_drawn_black_or_white(shapes_agent):
    """`shapes` has no greys: a dark background is black and a light one white, in whoever's words."""
    chat = dict(user="u", conversation="grounds")
    shapes_agent.chat("a big red star on a blue background", **chat)
    dark = shapes_agent.chat("make the background dark", **chat)
    assert [call["name"] for call in dark.tool_calls] == ["edit_image"] and "does not know" not in dark.text
    assert "black background" in dark.images[0].prompt and "red star" in dark.images[0].prompt
    assert read(shapes_agent.store.open(dark.images[0])).background == "black"
    light = shapes_agent.chat("hmm could you put it on a light background instead", **chat)
    assert "white background" in light.images[0].prompt and "does not know" not in light.text
    assert read(shapes_agent.store.open(light.images[0])).background == "white"
    drawn = shapes_agent.chat("draw a yellow ring on a dark grey backdrop", **chat)
    assert "black" in drawn.images[0].prompt and "grey" not in drawn.images[0].prompt
    assert read(shapes_agent.store.open(drawn.images[0])).background == "black"


def test_edit_prompts_of_a_photo_without_description_use_the_change(tiny_agent):
    photo = render(Scene((Thing("circle", "red", "big", "center"),), Background("blue")))[0]
    reply = tiny_agent.chat("make the background green", images=[png_bytes(photo)], user="u", conversation="c")
    assert reply.images[0].operation == "edit" and "green" in reply.images[0].prompt


def test_on_shapes_adding_a_shape_keeps_the_first_and_the_picture_shows_both(shapes_agent, monkeypatch):
    import itertools

    seeds = itertools.count(11)  # the chat picks seeds at random; fixed here so the picture read back is the same
    monkeypatch.setattr("chatcanvas.engine.jobs.secrets.randbelow", lambda bound: next(seeds))
    chat = dict(user="u", conversation="two")
    shapes_agent.chat("my 4yo is learning shapes, can you draw a big red circle on a white background", **chat)
    added = shapes_agent.chat("now add a small blue square in the top left", **chat)
    prompt = added.images[0].prompt
    assert prompt == "a big red circle and a small blue square in the top left corner on a white background"
    reading = read(shapes_agent.store.open(added.images[0]))
    # both things drawn (which one the reader counts as the main object depends on the edit's seed)
    assert reading.background == "white" and reading.colors.get("red", 0) > 0.1 and reading.colors.get("blue", 0) > 0.05


def test_an_undescribed_photo_takes_its_description_from_the_users_words(tiny_agent):
    photo = render(Scene((Thing("circle", "red", "big", "center"),), Background("blue")))[0]
    said = ("I have attached a photograph. Would you be so kind as to change the background from blue to a soft "
            "pale yellow, leaving the red circle exactly as it is?")
    reply = tiny_agent.chat(said, images=[png_bytes(photo)], user="u", conversation="c")
    assert reply.images[0].prompt == "a red circle on a soft pale yellow background"
    token = ("here's my token, it's literally just a red circle on blue lol. can you turn the circle into a "
             "glowing fire orb 🔥")
    orb = tiny_agent.chat(token, images=[png_bytes(photo)], user="u", conversation="d")
    assert [c["name"] for c in orb.tool_calls] == ["edit_image"]
    assert "fire orb" in orb.images[0].prompt and "on blue" in orb.images[0].prompt


def test_going_back_to_before_a_change_and_to_the_one_preferred(tiny_agent):
    chat = dict(user="u", conversation="house")
    first = tiny_agent.chat("Good afternoon. I should be most grateful if you could draw a Georgian townhouse "
                            "with a black front door.", **chat)
    railing = tiny_agent.chat("That is rather splendid. Might I ask you to add a wrought iron railing?", **chat)
    assert railing.images[0].parent_id == first.images[0].id and "railing" in railing.images[0].prompt
    door = tiny_agent.chat("Could you now change the front door to a dark green one, please?", **chat)
    assert "dark green front door" in door.images[0].prompt and "black" not in door.images[0].prompt
    back = tiny_agent.chat("Would you kindly go back to the version before the door was changed?", **chat)
    assert back.images == [] and back.current_image_id == railing.images[0].id
    tiny_agent.chat("the green door one", **chat)
    preferred = tiny_agent.chat("On reflection, I preferred it with the black door.", **chat)
    assert preferred.current_image_id == railing.images[0].id


def test_a_newcomer_in_chatcanvas_chat(tmp_path):
    import os
    import re
    import subprocess
    import sys
    from pathlib import Path

    from tests.conftest import CACHE_DIR

    script = ("can I get a watercolor of a fox\nshe wants it pink\nundo\ngive me 3 variations\n"
              "go back to the first one\nhow do I draw a horse?\n/quit\n")
    env = {**os.environ, "CHATCANVAS_DATA_DIR": str(tmp_path / "data"), "CHATCANVAS_CACHE_DIR": str(CACHE_DIR)}
    done = subprocess.run([str(Path(sys.executable).parent / "chatcanvas"), "chat", "--model", "tiny", "--llm", "router"], input=script, text=True,
                          capture_output=True, cwd=tmp_path, env=env, timeout=300)
    assert done.returncode == 0, done.stderr
    made = re.findall(r"  image: (\S+\.png)", done.stdout)
    assert len(made) == 1 + 1 + 3  # the fox, the pink edit, three variations
    current = re.findall(r"  current image: (\S+\.png)", done.stdout)
    assert current == [made[0], made[0]]  # undo and "the first one" both land on the fox
    assert "There is no picture" not in done.stdout and "Sorry" not in done.stdout
    assert 'say "draw a horse"' in done.stdout


def test_more_variations_than_the_limit_are_clamped_and_the_reply_says_so(tiny_agent):
    tiny_agent.chat("draw a lighthouse at dusk", user="u", conversation="many")
    many = tiny_agent.chat("give me 10 variations", user="u", conversation="many")
    limit = tiny_agent.settings.max_images
    assert len(many.images) == limit < 10
    assert f"You asked for 10; I make at most {limit} at once" in many.text


def test_lettering_on_the_picture_is_an_edit_that_keeps_the_words_as_typed(tiny_agent):
    tiny_agent.chat("draw a rainbow over a purple castle", user="u", conversation="card")
    lettered = tiny_agent.chat("write 'Happy Birthday Mia' across the top", user="u", conversation="card")
    assert [call["name"] for call in lettered.tool_calls] == ["edit_image"]
    expected = 'a rainbow over a purple castle, with the text "Happy Birthday Mia" across the top'
    assert lettered.images[0].prompt == expected
    poem = tiny_agent.chat("write me a poem", user="u", conversation="card")
    assert poem.images == [] and poem.tool_calls == []


def test_on_shapes_moving_the_shape_moves_it(shapes_agent):
    """ "actually put it in the middle" redraws the layout (an edit at the model's usual strength kept the star in
    its corner); the picture reader finds the star in the center, still pink on green."""
    first = shapes_agent.chat("could you draw a big pink star in the top left on a green background",
                              conversation="move")
    assert read(shapes_agent.store.open(first.images[0])).position == "top left"
    moved = shapes_agent.chat("actually put it in the middle", conversation="move")
    assert moved.images[0].operation == "edit" and moved.images[0].strength == 0.95
    reading = read(shapes_agent.store.open(moved.images[0]))
    assert (reading.position, reading.shape, reading.color, reading.background) == ("center", "star", "pink", "green")
