"""A built-in model knows its range: the words it draws, which words of a prompt it does not know, and the sizes it
draws at; a size far from its native one is refused up front, on the engine and over HTTP."""

from __future__ import annotations

import httpx
import pytest
from PIL import Image

from chatcanvas.engine import Engine, GenerateRequest
from chatcanvas.engine.ranges import model_range
from chatcanvas.errors import InvalidInput
from chatcanvas.eval.reading import read
from chatcanvas.models.shapes import scenes
from tests.conftest import KEYS, store_snapshot

SHAPES = model_range("shapes")

PROMPTS = [
    ("a big red circle in the center on a blue background", []),
    ("a cat on the moon", ["cat", "moon"]),
    ("Please draw me a picture of a small green star in the top left corner.", []),
    ("squares and crosses and little rings", []),
    ("a circle in the centre of a grey background", ["grey"]),
    ("a purple triangle in the middle, thanks", []),
    ("make the colour of the square pink", []),
    ("an image of a large white cross at the bottom right on a chequered black and white background", []),
    ("a striped background with two stars on the left side", ["two"]),
    ("a huge red circle next to a tree, a tree, a TREE", ["huge", "tree"]),
    ("a dog's bone on a brown background", ["dog", "bone"]),
    ("cats, dogs and circles", ["cats", "dogs"]),
    ("a photograph of a sunset over the ocean", ["sunset", "ocean"]),
    ("hmm, make it smaller", []),
    ("a bit bigger, actually a little larger", []),
]


@pytest.mark.parametrize(("prompt", "unknown"), PROMPTS, ids=[prompt for prompt, _ in PROMPTS])
def test_unknown_words_are_the_content_words_the_model_never_saw(prompt, unknown):
    assert SHAPES.unknown_words(prompt) == unknown


def test_the_range_is_said_in_the_datasets_own_lists_and_examples_use_only_known_words():
    assert all(shape in SHAPES.summary for shape in scenes.SHAPES)
    assert all(color in SHAPES.summary for color in scenes.COLORS)
    assert "small, medium or big" in SHAPES.summary and "plain, striped or checkered" in SHAPES.summary
    assert SHAPES.summary.endswith("at 64x64")
    assert len(SHAPES.examples) == 3 and SHAPES.examples[0] == "a big red circle in the center on a blue background"
    assert all(SHAPES.unknown_words(example) == [] for example in SHAPES.examples)
    assert SHAPES.words == frozenset(scenes.vocabulary())
    assert (SHAPES.native_size, SHAPES.max_size, SHAPES.min_size) == ((64, 64), (128, 128), (32, 32))


def test_only_a_built_in_model_with_a_closed_vocabulary_has_a_range():
    assert model_range("tiny") is None
    assert model_range("stabilityai/stable-diffusion-xl-base-1.0") is None
    assert model_range("/some/local/folder") is None


@pytest.fixture
def shapes_engine(settings):
    with Engine(settings.model_copy(update={"model": "shapes"})) as engine:
        yield engine


REFUSED = [
    (dict(width=512), "width", "width: shapes draws 64x64 pictures (at most 128x128); got 512"),
    (dict(height=136), "height", "height: shapes draws 64x64 pictures (at most 128x128); got 136"),
    (dict(width=64, height=16), "height", "height: shapes draws 64x64 pictures (at least 32x32); got 16"),
]


@pytest.mark.parametrize(("size", "field", "message"), REFUSED, ids=[message for _, _, message in REFUSED])
def test_a_size_far_from_the_native_one_is_refused_before_anything_is_queued(shapes_engine, size, field, message):
    before = store_snapshot(shapes_engine.store)
    with pytest.raises(InvalidInput) as caught:
        shapes_engine.submit(GenerateRequest(prompt="a big red circle", **size))
    assert (str(caught.value), caught.value.field) == (message, field)
    assert shapes_engine.queue.depth("local") == 0 and store_snapshot(shapes_engine.store) == before


def test_sizes_within_the_range_pass_and_tiny_has_no_range(shapes_engine, engine):
    for width, height in ((32, 32), (64, 128), (128, 128)):
        shapes_engine.check(GenerateRequest(prompt="a big red circle", width=width, height=height))
    shapes_engine.check(GenerateRequest(prompt="a circle", width=512, model="tiny"))  # another model, its own limits
    engine.check(GenerateRequest(prompt="a red fox", width=512, height=512))


def test_shapes_still_draws_at_its_native_size(shapes_engine):
    [record] = shapes_engine.run(GenerateRequest(prompt="a big yellow star in the center on a purple background",
                                                 width=64, height=64, seed=3))
    assert (record.width, record.height) == (64, 64)
    reading = read(Image.open(record.path))
    assert (reading.background, reading.color) == ("purple", "yellow")


def test_the_openai_images_route_refuses_the_size_with_a_4xx_naming_it(live):
    server = live(api_keys=KEYS)
    before = store_snapshot(server.state.store)
    response = httpx.post(f"{server.url}/v1/images/generations", headers={"Authorization": "Bearer key-alice"},
                          json={"prompt": "a big red circle", "model": "shapes", "size": "512x512"}, timeout=60)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["message"] == "width: shapes draws 64x64 pictures (at most 128x128); got 512"
    assert error["param"] == "width"
    assert store_snapshot(server.state.store) == before


NEAREST = [
    ("make the background dark", "make the background black"),
    ("make the background a bit darker", "make the background black"),
    ("a blue circle on a dark background", "a blue circle on a black background"),
    ("a red star on a very dark backdrop", "a red star on a black backdrop"),
    ("a red star on a dark grey background", "a red star on a black background"),
    ("a square on a light gray background", "a square on a white background"),
    ("lighter background please", "white background please"),
    ("a star on a paler background", "a star on a white background"),
    ("a ring on an off-white background", "a ring on an white background"),
    ("a star on a dark blue background", "a star on a black background"),
    ("a star on a light green bg", "a star on a white bg"),
    ("a dark red star", "a dark red star"),  # a shade of a thing's colour: no nearest said for it
    ("a star on a bright red background", "a star on a bright red background"),  # vivid, not light
    ("a star on a deep blue background", "a star on a deep blue background"),
    ("dark mode", "dark mode"),
]


@pytest.mark.parametrize(("prompt", "said"), NEAREST, ids=[prompt for prompt, _ in NEAREST])
def test_a_ground_the_model_has_no_colour_for_is_said_in_the_nearest_it_has(prompt, said):
    assert SHAPES.nearest_prompt(prompt) == said
    assert model_range("shapes").nearest_prompt(said) == said
