"""Micro-batching, fairness, out-of-memory recovery, model residency, and the GPU fast path's switch."""

from __future__ import annotations

import threading

import numpy as np
import pytest
import torch

from chatcanvas.config import Settings
from chatcanvas.engine import Engine, GenerateRequest, JobStatus
from tests.conftest import CACHE_DIR, pixels


class CountingEngine(Engine):
    """Records every pipeline call's batch size; can fail a call with out-of-memory above a size."""

    oom_above: int | None = None

    def __init__(self, *args, **kwargs):
        self.batches: list[int] = []
        super().__init__(*args, **kwargs)

    def _call_pipeline(self, pipe, **kwargs):
        size = len(kwargs["generator"])
        self.batches.append(size)
        if self.oom_above is not None and size > self.oom_above:
            raise torch.OutOfMemoryError(f"injected: no memory for a batch of {size}")
        return super()._call_pipeline(pipe, **kwargs)


@pytest.fixture
def make_engine(tmp_path):
    made = []

    def make(**overrides):
        settings = Settings(data_dir=tmp_path / f"data{len(made)}", cache_dir=CACHE_DIR, model="tiny", max_steps=5000,
                            **overrides)
        engine = CountingEngine(settings)
        made.append(engine)
        return engine

    yield make
    for engine in made:
        engine.close()


def block(engine: Engine):
    """Occupy the worker with a long job so the next submissions queue up; returns a release function."""
    blocker = engine.submit(GenerateRequest(prompt="blocker", steps=1000, seed=0), owner="blocker")
    started = threading.Event()
    blocker.subscribe(lambda event: started.set() if event.step >= 1 else None)
    assert started.wait(60)

    def release():
        engine.cancel(blocker)
    return release


REQUESTS = [("alice", "a red fox", 1, 1), ("bob", "a blue whale", 2, 2), ("carol", "a green frog", 3, 1)]


def test_compatible_jobs_run_as_one_call_and_equal_their_solo_images(make_engine):
    batched = make_engine(max_batch=8)
    release = block(batched)
    jobs = [batched.submit(GenerateRequest(prompt=p, seed=s, n=n, steps=4), owner=u) for u, p, s, n in REQUESTS]
    release()
    results = [job.wait(60) for job in jobs]
    assert batched.batches[-1] == 4  # one call for the three users' four images

    solo = make_engine(max_batch=1)
    for (user, prompt, seed, n), records in zip(REQUESTS, results, strict=True):
        alone = solo.run(GenerateRequest(prompt=prompt, seed=seed, n=n, steps=4), owner=user)
        assert [r.seed for r in records] == [r.seed for r in alone]
        for mine, theirs in zip(records, alone, strict=True):
            assert np.abs(pixels(mine.path) - pixels(theirs.path)).max() <= 1
    assert solo.batches == [n for _, _, _, n in REQUESTS]  # one call per job


def test_incompatible_jobs_are_not_batched(make_engine):
    engine = make_engine(max_batch=8)
    release = block(engine)
    jobs = [engine.submit(GenerateRequest(prompt="a", steps=4, seed=1)),
            engine.submit(GenerateRequest(prompt="b", steps=3, seed=1)),
            engine.submit(GenerateRequest(prompt="c", steps=4, seed=1, width=32, height=32))]
    release()
    for job in jobs:
        job.wait(60)
    assert engine.batches[-3:] == [1, 1, 1]


@pytest.mark.parametrize("max_batch", [1, 4])
def test_a_user_with_twenty_jobs_delays_anothers_single_job_by_at_most_one_batch(make_engine, max_batch):
    engine = make_engine(max_batch=max_batch, max_jobs_per_user=50)
    release = block(engine)
    finished: list[str] = []
    lock = threading.Lock()

    def track(job, name):
        job.subscribe(lambda e: (lock.acquire(), finished.append(name), lock.release()) if e.status.finished else None)

    heavy = [engine.submit(GenerateRequest(prompt=f"heavy {i}", steps=2, seed=i), owner="heavy") for i in range(20)]
    for index, job in enumerate(heavy):
        track(job, f"heavy{index}")
    light = engine.submit(GenerateRequest(prompt="just one", steps=2, seed=1), owner="light")
    track(light, "light")
    release()
    light.wait(60)
    for job in heavy:
        job.wait(60)
    # at most one batch of the heavy user's jobs finishes before the light user's job
    assert finished.index("light") <= max_batch


def test_out_of_memory_halves_the_batch_and_the_worker_keeps_serving(make_engine):
    engine = make_engine(max_batch=8)
    engine.oom_above = 2
    release = block(engine)
    jobs = [engine.submit(GenerateRequest(prompt=f"p{i}", steps=2, seed=i), owner=f"u{i}") for i in range(4)]
    release()
    assert all(len(job.wait(60)) == 1 for job in jobs)
    assert 4 in engine.batches and max(engine.batches[engine.batches.index(4) + 1:]) <= 2

    engine.oom_above = 0  # even one image does not fit
    with pytest.raises(Exception, match="ran out of memory for this image even on its own"):
        engine.run(GenerateRequest(prompt="too big", steps=2, seed=1), timeout=60)
    engine.oom_above = None
    assert engine.run(GenerateRequest(prompt="fine again", steps=2, seed=1), timeout=60)[0].prompt == "fine again"


def test_models_beyond_the_limit_are_evicted_least_recently_used(make_engine, tmp_path):
    from chatcanvas.engine.tiny import build_tiny_pipeline

    build_tiny_pipeline().save_pretrained(tmp_path / "other")
    engine = make_engine(max_models=1)
    engine.run(GenerateRequest(prompt="a", steps=1, seed=1))
    engine.run(GenerateRequest(prompt="b", steps=1, seed=1, model=str(tmp_path / "other")))
    assert engine.registry.loaded() == [str(tmp_path / "other")]
    assert len(engine.registry.switch_seconds) == 2 and all(s > 0 for s in engine.registry.switch_seconds)
    assert engine.registry.get(str(tmp_path / "other")).bytes > 0


def test_a_cancelled_job_in_a_batch_is_dropped_and_the_others_finish(make_engine):
    engine = make_engine(max_batch=8)
    release = block(engine)
    keep = engine.submit(GenerateRequest(prompt="keep", steps=40, seed=1), owner="a")
    drop = engine.submit(GenerateRequest(prompt="drop", steps=40, seed=2), owner="b")
    drop.subscribe(lambda e: engine.cancel(drop) if e.step == 2 else None)
    release()
    assert len(keep.wait(60)) == 1
    assert drop._done.wait(60) and drop.status is JobStatus.CANCELLED
    assert engine.store.list_images("b") == []


def _fox(pipe) -> np.ndarray:
    image = pipe(prompt="a red fox", num_inference_steps=4, width=64, height=64,
                 generator=torch.Generator("cpu").manual_seed(1), output_type="pil").images[0]
    return pixels(image)


def test_the_fast_paths_memory_layout_and_fused_projections_keep_the_pixels(tmp_path):
    from chatcanvas.engine.fast import optimize

    settings = Settings(data_dir=tmp_path, cache_dir=CACHE_DIR, model="tiny", fast_path=False)
    with Engine(settings) as engine:
        pipe = engine.registry.get("tiny").base
        plain = _fox(pipe)
        done = optimize(pipe, compile_models=False)
        fast = _fox(pipe)
    assert "channels_last" in done
    assert plain.std() > 5  # a real picture, not a flat one that would match anything
    assert np.abs(plain - fast).max() <= 2, np.abs(plain - fast).max()


@pytest.mark.skipif(not torch.cuda.is_available(), reason="torch.compile with CUDA graphs is the GPU fast path; "
                    "compiling the tiny model on this CPU would only measure the compiler")
def test_the_fast_path_compiles_and_matches_the_plain_path(tmp_path):
    made = {}
    for fast in (False, True):
        settings = Settings(data_dir=tmp_path / str(fast), cache_dir=CACHE_DIR, model="tiny", fast_path=fast,
                            warmup_sizes="64x64")
        with Engine(settings) as engine:
            made[fast] = pixels(engine.run(GenerateRequest(prompt="a red fox", seed=1, steps=4))[0].path)
    assert made[False].std() > 5
    assert np.abs(made[False] - made[True]).mean() <= 3, np.abs(made[False] - made[True]).mean()


def test_the_fast_path_is_off_on_cpu_and_on_for_cuda():
    from chatcanvas.engine.fast import fast_path_enabled

    assert fast_path_enabled(None, torch.device("cpu")) is False
    assert fast_path_enabled(None, torch.device("cuda")) is True
    assert fast_path_enabled(False, torch.device("cuda")) is False


def test_a_tiny_preview_decoder_shows_the_image_while_it_is_drawn(make_engine, tmp_path):
    from diffusers import AutoencoderTiny
    from PIL import Image

    torch.manual_seed(0)
    AutoencoderTiny(encoder_block_out_channels=(8, 8, 8, 8), decoder_block_out_channels=(8, 8, 8, 8),
                    num_encoder_blocks=(1, 1, 1, 1), num_decoder_blocks=(1, 1, 1, 1)
                    ).save_pretrained(tmp_path / "taesd")
    plain = make_engine().run(GenerateRequest(prompt="a red fox", seed=1, steps=6))[0]
    engine = make_engine(preview_vae=str(tmp_path / "taesd"), preview_every=2)
    job = engine.submit(GenerateRequest(prompt="a red fox", seed=1, steps=6))
    previews = []
    job.subscribe(lambda event: previews.append((event.step, event.preview)) if event.preview else None)
    [record] = job.wait(60)
    assert [step for step, _ in previews] == [2, 4]  # every 2 steps, not on the last
    import io
    assert Image.open(io.BytesIO(previews[0][1])).size == (64, 64)
    assert np.array_equal(pixels(record.path), pixels(plain.path))  # previews do not change the result


def test_a_builtin_model_previews_through_its_own_vae(tmp_path):
    import io

    from PIL import Image

    with Engine(Settings(data_dir=tmp_path, cache_dir=CACHE_DIR, model="shapes", preview_every=5)) as engine:
        job = engine.submit(GenerateRequest(prompt="a big red circle in the center on a blue background", seed=3,
                                            steps=6))
        previews = []
        job.subscribe(lambda event: previews.append((event.step, event.preview)) if event.preview else None)
        [record] = job.wait(120)
    assert [step for step, _ in previews] == [5]
    preview = pixels(Image.open(io.BytesIO(previews[0][1])))
    assert preview.shape == pixels(record.path).shape
    assert np.abs(preview - pixels(record.path)).mean() < 20  # one step before the end, it is the picture already


def test_previews_of_a_batch_are_one_decode_and_a_clock_can_space_them():
    import io

    from diffusers import AutoencoderTiny
    from PIL import Image

    from chatcanvas.engine.runner import PreviewClock, preview_png, preview_pngs

    torch.manual_seed(0)
    decoder = AutoencoderTiny(encoder_block_out_channels=(8, 8, 8, 8), decoder_block_out_channels=(8, 8, 8, 8),
                              num_encoder_blocks=(1, 1, 1, 1), num_decoder_blocks=(1, 1, 1, 1)).eval()
    latents = torch.randn(3, 4, 8, 8)
    together = preview_pngs(decoder, latents)
    assert len(together) == 3 and len(set(together)) == 3  # each latent its own picture
    for index in range(3):
        alone = preview_png(decoder, latents[index:index + 1])
        assert np.abs(pixels(Image.open(io.BytesIO(together[index]))) - pixels(Image.open(io.BytesIO(alone)))).max() <= 1
    every_two = PreviewClock(2)
    assert [step + 1 for step in range(10) if every_two.due(step, 10)] == [2, 4, 6, 8]  # never the last step
    spaced = PreviewClock(2, interval_s=3600)
    assert [step + 1 for step in range(10) if spaced.due(step, 10)] == [2]  # the next one would be an hour later
