"""Uploads keep what they show: `shapes` reads a picture back into its own caption words, other models get a caption
from a transformers image-to-text model (a tiny random BLIP built here), and the description is the upload's prompt."""

from __future__ import annotations

import json

import pytest
import torch
from PIL import Image

from chatcanvas.agent import ImageAgent
from chatcanvas.config import Settings
from chatcanvas.engine import Engine
from chatcanvas.engine.catalog import BUILTIN_MODELS
from chatcanvas.engine.describe import ImageDescriber, describe_shapes
from chatcanvas.engine.tiny import ensure_tiny
from chatcanvas.errors import EngineError
from chatcanvas.models.shapes.scenes import Background, Scene, Thing, describe, render
from tests.conftest import CACHE_DIR, png_bytes, store_snapshot

BLUE_SQUARE = Scene((Thing("square", "blue", "big", "center"),), Background("orange"))

SCENES = [
    BLUE_SQUARE,
    Scene((Thing("circle", "red", "small", "top left"),), Background("green")),
    Scene((Thing("star", "yellow", "medium", "bottom right"),), Background("purple")),
    Scene((Thing("triangle", "white", "big", "left"),), Background("black")),
    Scene((Thing("ring", "pink", "medium", "top"),), Background("blue")),
    Scene((Thing("cross", "brown", "big", "right"),), Background("yellow", "striped", "white")),
    Scene((Thing("circle", "orange", "medium", "bottom"),), Background("blue", "checkered", "green")),
]


def test_an_upload_on_shapes_is_stored_with_what_it_shows_in_the_models_words(settings):
    agent = ImageAgent.create(model="shapes", llm="router", settings=settings)
    try:
        agent.chat("hello", images=[png_bytes(render(BLUE_SQUARE)[0])], user="ann", conversation="upload")
        [record] = agent.store.list_images("ann", "upload")
    finally:
        agent.close()
    assert record.operation == "upload"
    assert "blue square" in record.prompt and "orange background" in record.prompt
    assert record.prompt == describe(BLUE_SQUARE)  # the canonical caption: an edit of it starts from known words


@pytest.mark.parametrize("scene", SCENES, ids=[describe(scene) for scene in SCENES])
def test_the_shapes_describer_reads_color_shape_size_place_and_background(scene):
    assert BUILTIN_MODELS["shapes"].describe is not None
    assert BUILTIN_MODELS["shapes"].describe(render(scene)[0]) == describe(scene)


def test_a_picture_without_an_object_is_described_by_its_background_alone():
    assert describe_shapes(Image.new("RGB", (64, 64), (250, 140, 0))) == "a plain orange background"
    striped = render(Scene((), Background("red", "striped", "white")))[0]
    assert describe_shapes(striped) == "a red and white striped background"


def test_a_bigger_upload_is_read_at_the_models_size():
    picture = render(BLUE_SQUARE)[0].resize((512, 512), Image.NEAREST)
    assert describe_shapes(picture) == describe(BLUE_SQUARE)


def test_models_without_a_describer_or_caption_model_store_uploads_without_a_prompt(engine):
    assert engine.describe(render(BLUE_SQUARE)[0]) is None  # `tiny` draws noise: it has nothing to say
    record = engine.store.add_upload(png_bytes(render(BLUE_SQUARE)[0]), owner="ann", describe=engine.describe)
    assert (record.operation, record.prompt) == ("upload", None)


@pytest.fixture(scope="module")
def tiny_captioner(tmp_path_factory):
    """A BLIP captioning model with random weights, a word-level tokenizer from an in-code vocabulary, saved."""
    from transformers import BertTokenizer, BlipConfig, BlipForConditionalGeneration, BlipImageProcessor, BlipProcessor

    words = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "a", "big", "blue", "square", "in", "the", "center", "on",
             "orange", "background"]
    text = dict(vocab_size=len(words), hidden_size=32, intermediate_size=37, num_hidden_layers=1, num_attention_heads=2,
                max_position_embeddings=64, encoder_hidden_size=32, bos_token_id=2, sep_token_id=3, pad_token_id=0,
                eos_token_id=3)
    vision = dict(hidden_size=32, intermediate_size=37, num_hidden_layers=1, num_attention_heads=2, image_size=32,
                  patch_size=8)
    torch.manual_seed(0)
    model = BlipForConditionalGeneration(BlipConfig(vision_config=vision, text_config=text, projection_dim=32,
                                                    image_text_hidden_size=32))
    folder = tmp_path_factory.mktemp("tiny-blip")
    model.save_pretrained(folder)
    processor = BlipProcessor(image_processor=BlipImageProcessor(size={"height": 32, "width": 32}),
                              tokenizer=BertTokenizer(vocab={word: i for i, word in enumerate(words)}))
    processor.save_pretrained(folder)
    return folder


def test_a_caption_model_named_in_the_environment_describes_uploads_for_other_models(tiny_captioner, tmp_path,
                                                                                     monkeypatch):
    monkeypatch.setenv("CHATCANVAS_CAPTION_MODEL", str(tiny_captioner))
    local_model = ensure_tiny(CACHE_DIR)  # a diffusers folder: not a built-in id
    settings = Settings(data_dir=tmp_path / "data", cache_dir=CACHE_DIR, model=str(local_model), device="cpu")
    assert settings.caption_model == str(tiny_captioner)
    with Engine(settings) as engine:
        picture = render(BLUE_SQUARE)[0]
        first, second = engine.describe(picture), engine.describe(picture)
        assert isinstance(first, str) and first.strip() and first == second
        record = engine.store.add_upload(png_bytes(picture), owner="ann", describe=engine.describe)
    assert record.prompt == first


def test_an_instruction_edit_model_needs_no_description(tmp_path):
    instruct = tmp_path / "instruct"
    instruct.mkdir()
    (instruct / "model_index.json").write_text(json.dumps({"_class_name": "StableDiffusionInstructPix2PixPipeline"}))
    broken = tmp_path / "broken"
    broken.mkdir()  # never loaded: loading it would fail
    describer = ImageDescriber(Settings(model=str(instruct), caption_model=str(broken)))
    assert describer.describe(render(BLUE_SQUARE)[0]) is None


@pytest.mark.parametrize("make", ["empty folder", "missing folder"])
def test_a_bad_caption_model_is_one_clear_error_and_nothing_is_stored(make, tmp_path):
    folder = tmp_path / "captioner"
    if make == "empty folder":
        folder.mkdir()
        (folder / "config.json").write_text("{}")
    settings = Settings(data_dir=tmp_path / "data", cache_dir=CACHE_DIR, model="someone/some-model",
                        caption_model=str(folder), device="cpu")
    with Engine(settings) as engine:
        before = store_snapshot(engine.store)
        for _ in range(2):  # the failure is remembered, and said the same way each time
            with pytest.raises(EngineError) as caught:
                engine.store.add_upload(png_bytes(render(BLUE_SQUARE)[0]), owner="ann", describe=engine.describe)
            message = str(caught.value)
            assert message.startswith(f"caption_model: could not load '{folder}'") and "\n" not in message
        assert store_snapshot(engine.store) == before
