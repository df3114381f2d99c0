"""Memory and speed settings on tiny family pipelines: denoiser caches, quantization, offload (skipped on a CPU
with its reason), and a clear refusal of a setting that cannot work."""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest
import torch

from chatcanvas.engine import GenerateRequest
from chatcanvas.errors import InvalidInput
from tests.conftest import CACHE_DIR, pixels
from tests.families import save

SIZE = dict(width=32, height=32)


@pytest.fixture(scope="module")
def folders(tmp_path_factory):
    root = tmp_path_factory.mktemp("memory-families")
    return {name: str(save(name, root)) for name in ("flux-dev", "sd15")}


def engine_with(tmp_path, **settings):
    from chatcanvas.config import Settings
    from chatcanvas.engine import Engine

    return Engine(Settings(data_dir=tmp_path / "data", cache_dir=CACHE_DIR, model="tiny", **settings))


@pytest.mark.parametrize("cache", ["first_block:0.2", "taylorseer"])
def test_a_transformer_cache_is_applied_and_keeps_seeds_reproducible(tmp_path, folders, cache):
    engine = engine_with(tmp_path, cache=cache)
    try:
        model = folders["flux-dev"]
        first = engine.run(GenerateRequest(prompt="a cat", model=model, steps=6, seed=2, **SIZE), timeout=120)[0]
        again = engine.run(GenerateRequest(prompt="a cat", model=model, steps=6, seed=2, **SIZE), timeout=120)[0]
        loaded = engine.registry.get(model)
        assert f"cache ({cache})" in loaded.speedups and loaded.base.transformer.is_cache_enabled
        assert np.array_equal(pixels(first.path), pixels(again.path))  # the cache starts afresh each picture
    finally:
        engine.close()


def test_a_unet_model_is_left_uncached_and_still_draws(tmp_path, folders):
    engine = engine_with(tmp_path, cache="first_block")
    try:
        record = engine.run(GenerateRequest(prompt="a cat", model=folders["sd15"], steps=2, seed=1, **SIZE),
                            timeout=120)[0]
        assert record.width == 32 and engine.registry.get(folders["sd15"]).speedups == []
    finally:
        engine.close()


def test_a_cache_setting_that_names_nothing_is_refused_at_start(tmp_path):
    with pytest.raises(InvalidInput, match="first_block, first_block:THRESHOLD or taylorseer"):
        engine_with(tmp_path, cache="fastest")
    with pytest.raises(InvalidInput, match="between 0 and 1"):
        engine_with(tmp_path, cache="first_block:3")


def test_offload_is_skipped_on_a_cpu_where_the_weights_already_are(tmp_path, folders):
    engine = engine_with(tmp_path, offload="model")
    try:
        record = engine.run(GenerateRequest(prompt="a cat", model=folders["flux-dev"], steps=2, seed=1, **SIZE),
                            timeout=120)[0]
        assert record.width == 32
        assert not any(s.startswith("offload") for s in engine.registry.get(folders["flux-dev"]).speedups)
    finally:
        engine.close()


@pytest.mark.skipif(not torch.cuda.is_available(), reason="model offload moves parts onto a GPU: needs CUDA")
def test_model_offload_on_a_gpu_draws_the_same_picture(tmp_path, folders):
    plain, offloaded = engine_with(tmp_path / "a"), engine_with(tmp_path / "b", offload="model")
    try:
        request = GenerateRequest(prompt="a cat", model=folders["flux-dev"], steps=2, seed=1, **SIZE)
        first, second = plain.run(request, timeout=120)[0], offloaded.run(request, timeout=120)[0]
        assert "offload (model)" in offloaded.registry.get(folders["flux-dev"]).speedups
        assert np.abs(pixels(first.path) - pixels(second.path)).max() <= 2
    finally:
        plain.close()
        offloaded.close()


@pytest.mark.skipif(importlib.util.find_spec("torchao") is None, reason="int8 weight-only quantization needs torchao")
def test_int8_weight_only_quantization_of_the_denoiser(tmp_path, folders):
    engine = engine_with(tmp_path, quantize="int8wo")
    try:
        record = engine.run(GenerateRequest(prompt="a cat", model=folders["flux-dev"], steps=2, seed=1, **SIZE),
                            timeout=120)[0]
        loaded = engine.registry.get(folders["flux-dev"])
        weight = loaded.base.transformer.transformer_blocks[0].attn.to_q.weight
        assert "quantized (int8wo)" in loaded.speedups and "Int8" in type(weight).__name__
        assert record.width == 32
    finally:
        engine.close()
