"""Each model family on tiny random components saved to a folder and loaded through `from_pretrained`: generate,
seeds, batching, progress, cancel, every edit kind it has, the schedulers that fit it, and clear refusals of what it
cannot honour (a scheduler that does not fit, a negative prompt or guidance it has no way to use)."""

from __future__ import annotations

import threading

import numpy as np
import pytest
from PIL import Image

from chatcanvas.engine import EditRequest, GenerateRequest, JobStatus
from chatcanvas.engine.families import FAMILIES
from chatcanvas.errors import InvalidInput, UnknownModel
from tests.conftest import pixels
from tests.families import BUILDERS, save

# the family each tiny pipeline should be read as, from its model_index.json alone
EXPECTED = {"sd15": "sd", "sd2-v": "sd", "sdxl": "sdxl", "sd3": "sd3", "flux-schnell": "flux-schnell",
            "flux-dev": "flux", "flux-kontext": "flux-kontext", "pixart-sigma": "pixart", "qwen-image": "qwen-image",
            "flux2-klein": "flux2-klein", "z-image": "z-image", "sana": "sana"}
TEXT_TO_IMAGE = [name for name in BUILDERS if EXPECTED[name] != "flux-kontext"]
SIZE = dict(width=32, height=32)


@pytest.fixture(scope="module")
def folders(tmp_path_factory):
    root = tmp_path_factory.mktemp("families")
    return {name: str(save(name, root)) for name in BUILDERS}


@pytest.fixture(scope="module")
def family_engine(tmp_path_factory):
    from chatcanvas.config import Settings
    from chatcanvas.engine import Engine
    from tests.conftest import CACHE_DIR

    engine = Engine(Settings(data_dir=tmp_path_factory.mktemp("data"), cache_dir=CACHE_DIR, model="tiny",
                             max_models=2))
    yield engine
    engine.close()


def test_every_tiny_family_is_read_from_its_folder_before_it_loads(family_engine, folders):
    for name, folder in folders.items():
        assert family_engine.registry.peek(folder) is None
        assert family_engine.registry.family(folder).name == EXPECTED[name], name


@pytest.mark.parametrize("name", TEXT_TO_IMAGE)
def test_generate_is_reproducible_batches_equal_solo_and_reports_every_step(family_engine, folders, name):
    engine, model = family_engine, folders[name]
    family = FAMILIES[EXPECTED[name]]
    job = engine.submit(GenerateRequest(prompt="a red cat", model=model, steps=3, seed=5, n=2, **SIZE))
    events = []
    job.subscribe(events.append)
    batch = job.wait(120)
    assert [e.step for e in events if e.status is JobStatus.RUNNING and e.step] == [1, 2, 3]
    assert [r.seed for r in batch] == [5, 6] and all((r.width, r.height) == (32, 32) for r in batch)
    assert batch[0].model == model
    alone = engine.run(GenerateRequest(prompt="a red cat", model=model, steps=3, seed=6, **SIZE), timeout=120)[0]
    assert np.abs(pixels(alone.path) - pixels(batch[1].path)).max() <= 1  # a batch draws what each job alone would
    assert np.abs(pixels(batch[0].path) - pixels(batch[1].path)).mean() > 0.5  # another seed, another picture
    loaded = engine.registry.get(model)
    assert loaded.family.name == family.name
    if name == "sd2-v":  # v-prediction survives the per-job scheduler (Euler on the model's own config)
        assert loaded.base.scheduler.config.prediction_type == "v_prediction"


@pytest.mark.parametrize("name", TEXT_TO_IMAGE)
def test_each_edit_kind_of_the_family_keeps_the_input_size(family_engine, folders, name):
    engine, model = family_engine, folders[name]
    family = FAMILIES[EXPECTED[name]]
    photo = Image.new("RGB", (96, 64), "orange")
    photo.paste(Image.new("RGB", (32, 32), "blue"), (32, 16))
    if not family.edits:
        with pytest.raises(InvalidInput, match="cannot edit pictures"):
            engine.submit(EditRequest(prompt="a blue cat", image=photo, model=model, steps=2, seed=1))
        return
    edited = engine.run(EditRequest(prompt="a blue cat", image=photo, model=model, steps=4, seed=1), timeout=120)[0]
    assert (edited.width, edited.height) == (96, 64) and edited.operation == "edit"
    assert np.abs(pixels(edited.path) - np.asarray(photo, dtype=np.float32)).mean() > 1.0
    mask = Image.new("L", (96, 64), 0)
    mask.paste(255, (0, 0, 48, 64))  # repaint the left half only
    if "inpaint" not in family.edits:  # a reference editor: the prompt says what changes, no mask
        assert edited.strength is None
        with pytest.raises(InvalidInput, match="without a mask"):
            engine.submit(EditRequest(prompt="a blue cat", image=photo, mask=mask, model=model))
        if family.min_edit_side > 8:
            with pytest.raises(InvalidInput, match=f"at least {family.min_edit_side} pixels.*48x32"):
                engine.submit(EditRequest(prompt="a blue cat", image=photo.resize((48, 32)), model=model))
        return
    inpainted = engine.run(EditRequest(prompt="a blue cat", image=photo, mask=mask, model=model, steps=4, seed=1),
                           timeout=120)[0]
    drawn, original = pixels(inpainted.path), np.asarray(photo, dtype=np.float32)
    assert (inpainted.width, inpainted.height) == (96, 64)
    assert np.abs(drawn[:, 48:] - original[:, 48:]).max() <= 1  # outside the mask: untouched
    assert np.abs(drawn[:, :48] - original[:, :48]).mean() > 1.0  # inside it: repainted


@pytest.mark.parametrize("name", ["sd3", "flux-dev", "qwen-image", "flux2-klein", "z-image", "sana"])
def test_each_flow_scheduler_that_fits_runs_and_the_sd_ones_are_refused_naming_what_fits(family_engine, folders,
                                                                                         name):
    engine, model = family_engine, folders[name]
    family = FAMILIES[EXPECTED[name]]
    for scheduler in family.schedulers:
        record = engine.run(GenerateRequest(prompt="a cat", model=model, steps=2, seed=1, scheduler=scheduler,
                                            **SIZE), timeout=120)[0]
        assert record.scheduler == scheduler
    with pytest.raises(InvalidInput, match="does not fit .*flow-matching.*flow_euler") as refused:
        engine.submit(GenerateRequest(prompt="a cat", model=model, scheduler="dpmpp_2m", **SIZE))
    assert refused.value.field == "scheduler"
    if name == "flux-dev":  # FLUX hands the scheduler its own sigmas: Heun cannot take them
        with pytest.raises(InvalidInput, match="flow_heun"):
            engine.submit(GenerateRequest(prompt="a cat", model=model, scheduler="flow_heun", **SIZE))


def test_an_sd_model_refuses_a_flow_scheduler(family_engine, folders):
    with pytest.raises(InvalidInput, match="not a flow-matching model.*dpmpp_2m"):
        family_engine.submit(GenerateRequest(prompt="a cat", model=folders["sdxl"], scheduler="flow_euler"))


@pytest.mark.parametrize("name", ["flux-dev", "qwen-image", "sd3", "z-image"])
def test_a_negative_prompt_changes_the_picture_in_each_family_that_takes_one(family_engine, folders, name):
    """FLUX turns true CFG on for it; Qwen-Image uses it in place of its blank one; SD3 in its CFG."""
    engine, model = family_engine, folders[name]
    # a strong guidance, so the tiny random text encoder's small differences between texts show in the pixels
    guidance = {} if name == "flux-dev" else {"guidance_scale": 9.0}
    plain = engine.run(GenerateRequest(prompt="a cat", model=model, steps=2, seed=3, **guidance, **SIZE),
                       timeout=120)[0]
    negative = engine.run(GenerateRequest(prompt="a cat", negative_prompt="blurry, text", model=model, steps=2,
                                          seed=3, **guidance, **SIZE), timeout=120)[0]
    assert negative.negative_prompt == "blurry, text"
    # the same request twice gives the same pixels (tested above), so any change is the negative prompt's doing
    assert np.abs(pixels(plain.path) - pixels(negative.path)).max() >= 2


def test_flux_schnell_refuses_guidance_and_sizes_off_its_grid(family_engine, folders):
    model = folders["flux-schnell"]
    with pytest.raises(InvalidInput, match="takes no guidance") as refused:
        family_engine.submit(GenerateRequest(prompt="a cat", model=model, guidance_scale=3.5, **SIZE))
    assert refused.value.field == "guidance_scale"
    with pytest.raises(InvalidInput, match="multiples of 16; got 40"):
        family_engine.submit(GenerateRequest(prompt="a cat", model=model, width=40, height=32))


def test_a_negative_prompt_without_guidance_is_refused_not_ignored(family_engine, folders):
    with pytest.raises(InvalidInput, match="negative prompt would do nothing"):
        family_engine.submit(GenerateRequest(prompt="a cat", negative_prompt="dogs", guidance_scale=1.0,
                                             model=folders["sd3"], **SIZE))


def test_a_kontext_edit_of_a_64_picture_returns_64_and_kontext_cannot_generate(family_engine, folders):
    engine, model = family_engine, folders["flux-kontext"]
    picture = Image.new("RGB", (64, 64), "red")
    edited = engine.run(EditRequest(prompt="make it blue", image=picture, model=model, steps=2, seed=1),
                        timeout=120)[0]
    assert (edited.width, edited.height) == (64, 64) and edited.strength is None
    wide = engine.run(EditRequest(prompt="make it blue", image=Image.new("RGB", (96, 48), "red"), model=model,
                                  steps=2, seed=1), timeout=120)[0]
    assert (wide.width, wide.height) == (96, 48)
    with pytest.raises(InvalidInput, match="instruction editor and takes no strength"):
        engine.submit(EditRequest(prompt="make it blue", image=picture, model=model, strength=0.5))
    with pytest.raises(InvalidInput, match="without a mask"):
        engine.submit(EditRequest(prompt="make it blue", image=picture, model=model, mask=Image.new("L", (64, 64))))
    with pytest.raises(Exception, match="instruction-edit model"):
        engine.run(GenerateRequest(prompt="a cat", model=model, **SIZE), timeout=120)


def test_a_flux_job_cancelled_mid_run_stops(family_engine, folders):
    engine = family_engine
    job = engine.submit(GenerateRequest(prompt="a cat", model=folders["flux-dev"], steps=40, seed=1, **SIZE))
    started = threading.Event()
    job.subscribe(lambda event: event.step and started.set())
    assert started.wait(120)
    engine.cancel(job)
    with pytest.raises(Exception, match="cancelled"):
        job.wait(120)
    assert job.status is JobStatus.CANCELLED and job.step < 40


def test_a_model_whose_tokenizer_fails_to_load_is_one_line_naming_why(family_engine, folders, tmp_path):
    import shutil

    broken = tmp_path / "broken-flux"
    shutil.copytree(folders["flux-schnell"], broken)
    (broken / "tokenizer_2" / "tokenizer.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(UnknownModel) as failed:
        family_engine.preload(str(broken))
    message = str(failed.value)
    assert "\n" not in message and "could not load its tokenizer_2" in message


def test_the_cli_names_the_part_that_failed_to_load_in_one_line(folders, tmp_path):
    import shutil
    import subprocess

    broken = tmp_path / "broken"
    shutil.copytree(folders["flux-schnell"], broken)
    (broken / "tokenizer_2" / "tokenizer.json").write_text("{not json", encoding="utf-8")
    failed = subprocess.run(["chatcanvas", "generate", "a cat", "--model", str(broken), "--data-dir",
                             str(tmp_path / "data")], capture_output=True, text=True, timeout=300)
    lines = [line for line in failed.stderr.splitlines() if line.strip()]
    assert failed.returncode != 0 and len(lines) == 1, failed.stderr
    assert "could not load its tokenizer_2" in lines[0] and "Traceback" not in failed.stderr


def test_a_job_refused_only_once_its_model_has_loaded_fails_alone_with_the_reason(family_engine, folders,
                                                                                   monkeypatch):
    """A Hub model never fetched has no family until it loads: its jobs are checked before they run, and one that
    asks what the family cannot honour fails with that reason without taking the jobs queued beside it along."""
    engine, model = family_engine, folders["flux-schnell"]
    monkeypatch.setattr(engine.registry, "family", lambda name: None)  # as for a Hub id not in the cache
    jobs = [engine.submit(GenerateRequest(prompt="a cat", model=model, steps=2, seed=seed, guidance_scale=guidance,
                                          **SIZE))
            for seed, guidance in ((1, None), (2, 3.5), (3, None))]
    jobs[0].wait(120)
    jobs[2].wait(120)
    with pytest.raises(InvalidInput, match="takes no guidance"):
        jobs[1].wait(120)
    assert [job.status for job in jobs] == [JobStatus.SUCCEEDED, JobStatus.FAILED, JobStatus.SUCCEEDED]
