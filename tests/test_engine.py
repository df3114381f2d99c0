"""The engine on the real tiny pipeline: seeds, batches, edits, inpainting, schedulers, progress."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from chatcanvas.engine import EditRequest, GenerateRequest, JobStatus
from chatcanvas.store import read_parameters
from tests.conftest import pixels

FOX = dict(prompt="a red fox", width=64, height=64, steps=4)


def test_same_seed_same_pixels_other_seed_differs(engine):
    first = engine.run(GenerateRequest(**FOX, seed=7))[0]
    again = engine.run(GenerateRequest(**FOX, seed=7, n=1))[0]
    other = engine.run(GenerateRequest(**FOX, seed=8))[0]
    assert np.array_equal(pixels(first.path), pixels(again.path))
    assert first.id == again.id  # same pixels and parameters: the same content address
    assert np.abs(pixels(first.path) - pixels(other.path)).mean() > 1.0


def test_a_batch_of_three_equals_three_single_images(engine):
    batch = engine.run(GenerateRequest(**FOX, seed=11, n=3))
    assert [r.seed for r in batch] == [11, 12, 13]
    for record in batch:
        alone = engine.run(GenerateRequest(**FOX, seed=record.seed))[0]
        assert np.abs(pixels(record.path) - pixels(alone.path)).max() <= 1


def test_a_random_seed_is_recorded_and_reproduces(engine):
    first = engine.run(GenerateRequest(**FOX))[0]
    assert first.seed is not None
    again = engine.run(GenerateRequest(**FOX, seed=first.seed))[0]
    assert np.array_equal(pixels(first.path), pixels(again.path))


def test_edit_records_parent_operation_strength_and_changes_the_image(engine):
    parent = engine.run(GenerateRequest(**FOX, seed=1))[0]
    edited = engine.run(EditRequest(prompt="a blue fox", image=engine.store.open(parent), strength=0.7,
                                    seed=2, parent_id=parent.id))[0]
    assert (edited.operation, edited.parent_id, edited.strength) == ("edit", parent.id, 0.7)
    assert (edited.width, edited.height) == (64, 64)
    assert np.abs(pixels(edited.path) - pixels(parent.path)).mean() > 1.0
    params = read_parameters(edited.path)
    assert params["parent_id"] == parent.id and params["operation"] == "edit"


def test_an_edit_asked_for_one_step_still_denoises_one_step(engine):
    """1 step x strength 0.6 rounds to no denoising step at all; the edit runs one instead of failing."""
    parent = engine.run(GenerateRequest(**{**FOX, "steps": 1}, seed=1))[0]
    edited = engine.run(EditRequest(prompt="a blue fox", image=engine.store.open(parent), strength=0.6, steps=1,
                                    seed=2, parent_id=parent.id))[0]
    assert edited.operation == "edit" and np.abs(pixels(edited.path) - pixels(parent.path)).mean() > 1.0


def test_editing_an_uploaded_jpeg_photo(engine):
    from tests.conftest import png_bytes

    photo = Image.radial_gradient("L").convert("RGB").resize((100, 75))
    upload = engine.store.add_upload(png_bytes(photo, "JPEG", quality=90), owner="local", conversation="c")
    assert upload.operation == "upload" and (upload.width, upload.height) == (100, 75)
    edited = engine.run(EditRequest(prompt="make it a watercolor", image=engine.store.open(upload), seed=3,
                                    parent_id=upload.id), owner="local", conversation="c")[0]
    assert edited.parent_id == upload.id
    assert (edited.width, edited.height) == (96, 72)  # the photo's size, rounded down to multiples of 8


def test_inpainting_changes_only_the_masked_area(engine):
    source = engine.run(GenerateRequest(**FOX, seed=4))[0]
    mask = Image.new("L", (64, 64), 0)
    mask.paste(255, (16, 16, 48, 48))
    result = engine.run(EditRequest(prompt="a hole", image=engine.store.open(source), mask=mask, strength=1.0,
                                    seed=5, parent_id=source.id))[0]
    before, after = pixels(source.path), pixels(result.path)
    keep = np.asarray(mask) == 0
    assert np.abs(after[keep] - before[keep]).max() <= 2
    assert np.abs(after[~keep] - before[~keep]).mean() > 1.0


def test_a_scheduler_per_request_leaves_the_shared_pipeline_alone(engine):
    engine.run(GenerateRequest(**FOX, seed=1))
    shared = engine.registry.get("tiny").base
    scheduler, config = shared.scheduler, dict(shared.scheduler.config)
    results = {}
    for name in ("euler", "euler_a", "dpmpp_2m", "ddim", "lcm"):
        record = engine.run(GenerateRequest(**FOX, seed=1, scheduler=name))[0]
        assert record.scheduler == name
        results[name] = pixels(record.path)
    assert shared.scheduler is scheduler and dict(shared.scheduler.config) == config
    assert np.abs(results["euler"] - results["ddim"]).mean() > 0.5


def test_progress_is_reported_step_by_step(engine):
    job = engine.submit(GenerateRequest(**{**FOX, "steps": 6}, seed=1))
    events = []
    job.subscribe(events.append)
    job.wait(60)
    steps = [e.step for e in events if e.status is JobStatus.RUNNING and e.step]
    assert steps == [1, 2, 3, 4, 5, 6]
    assert events[-1].status is JobStatus.SUCCEEDED


def test_instruction_edit_models_are_recognised_and_get_their_own_arguments(engine, tmp_path):
    import torch
    from diffusers import StableDiffusionInstructPix2PixPipeline, UNet2DConditionModel

    from chatcanvas.engine.tiny import build_tiny_pipeline

    tiny = build_tiny_pipeline()
    torch.manual_seed(0)
    unet = UNet2DConditionModel(**{**tiny.unet.config, "in_channels": 8})  # image latents ride along
    pix2pix = StableDiffusionInstructPix2PixPipeline(**{**tiny.components, "unet": unet})
    pix2pix.save_pretrained(tmp_path / "pix2pix")
    model = str(tmp_path / "pix2pix")

    source = engine.run(GenerateRequest(**FOX, seed=1))[0]
    image = engine.store.open(source)
    weak = engine.run(EditRequest(prompt="make it snowy", image=image, seed=2, model=model,
                                  image_guidance_scale=1.0, parent_id=source.id))[0]
    strong = engine.run(EditRequest(prompt="make it snowy", image=image, seed=2, model=model,
                                    image_guidance_scale=4.0, parent_id=source.id))[0]
    assert engine.registry.get(model).instruct
    assert weak.model == model and weak.strength is None and weak.parent_id == source.id
    assert np.abs(pixels(weak.path) - pixels(strong.path)).mean() > 0.1
    with pytest.raises(Exception, match="instruction-edit model"):
        engine.run(GenerateRequest(**FOX, model=model))
