"""Shared fixtures: one tiny-model cache for the whole run, a fresh data folder and engine per test."""

from __future__ import annotations

import io
import os
import tempfile
import warnings
from pathlib import Path

import pytest

# Built once per test run and shared by every engine (and every CLI subprocess) in it.
CACHE_DIR = Path(os.environ.get("CHATCANVAS_TEST_CACHE") or tempfile.mkdtemp(prefix="chatcanvas-test-cache-"))
os.environ["CHATCANVAS_CACHE_DIR"] = str(CACHE_DIR)
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
os.environ["HF_HUB_OFFLINE"] = "1"
warnings.filterwarnings("ignore", category=FutureWarning)


@pytest.fixture
def settings(tmp_path):
    from chatcanvas.config import Settings

    return Settings(data_dir=tmp_path / "data", cache_dir=CACHE_DIR, model="tiny")


@pytest.fixture
def one_torch_thread():
    """One torch thread: on a small shared machine the tiny models' work is too small to split."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture
def engine(settings):
    from chatcanvas.engine import Engine

    engine = Engine(settings)
    yield engine
    engine.close()


def png_bytes(image, format: str = "PNG", **save_args) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=format, **save_args)
    return buffer.getvalue()


def pixels(path_or_image):
    import numpy as np
    from PIL import Image

    image = path_or_image if isinstance(path_or_image, Image.Image) else Image.open(path_or_image)
    return np.asarray(image.convert("RGB"), dtype=np.int16)


def store_snapshot(store) -> tuple[int, int]:
    """(records, files) in a store: what 'nothing was stored' compares."""
    import sqlite3

    with sqlite3.connect(store.db_path) as db:
        rows = db.execute("SELECT COUNT(*) FROM images").fetchone()[0]
    files = sum(1 for p in store.files.rglob("*.png"))
    return rows, files


@pytest.fixture
def live(settings):
    """Start a live server; `live(**settings_overrides)` returns it running (stopped after the test)."""
    from tests.live import LiveServer

    started = []

    def start(**overrides):
        server = LiveServer(settings.model_copy(update=overrides)).__enter__()
        started.append(server)
        return server

    yield start
    for server in started:
        server.__exit__(None, None, None)


KEYS = "key-alice:alice,key-bob:bob"


CHROMIUM = "/usr/bin/chromium"
needs_chromium = pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="Debian's chromium is not installed "
                                    "(.ci/run installs it)")


@pytest.fixture(scope="module")
def browser():
    """Debian's headless Chromium driven by Playwright, one per test module (each test opens its own pages)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync"])
        yield browser
        browser.close()
