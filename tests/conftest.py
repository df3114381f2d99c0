"""Shared fixtures: one tiny-model cache for the whole run, a fresh data folder and engine per test."""

from __future__ import annotations

import glob
import io
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import uuid
import warnings
from pathlib import Path

import pytest

# Built once per test run and shared by every engine (and every CLI subprocess) in it.
CACHE_DIR = Path(os.environ.get("CHATCANVAS_TEST_CACHE") or tempfile.mkdtemp(prefix="chatcanvas-test-cache-"))
os.environ["CHATCANVAS_CACHE_DIR"] = str(CACHE_DIR)
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
os.environ["HF_HUB_OFFLINE"] = "1"
# One torch thread in this process and every CLI subprocess it starts, before torch is imported: the tiny models'
# work is too small to split well, and on a two-core machine the second core serves the subprocess or server beside it.
os.environ.setdefault("OMP_NUM_THREADS", "1")
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
    with store.database.connect() as db:
        rows = db.execute("SELECT COUNT(*) FROM images").fetchone()[0]
    files = sum(1 for key in store.blobs.keys("images") if key.endswith(".png"))
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


POSTGRES_BINDIRS = sorted(glob.glob("/usr/lib/postgresql/*/bin"))


def _as_postgres(*command: str) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else list(command)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def postgres_server():
    """A throwaway PostgreSQL server for the whole run (a Unix socket in a temp folder): its base URL."""
    if not POSTGRES_BINDIRS:
        pytest.skip("PostgreSQL server binaries are not installed (.ci/run installs Debian's postgresql)")
    bindir = POSTGRES_BINDIRS[-1]
    data = tempfile.mkdtemp(prefix="chatcanvas-pg-", dir="/tmp")
    os.chmod(data, 0o755)
    if os.geteuid() == 0:
        user = pwd.getpwnam("postgres")
        os.chown(data, user.pw_uid, user.pw_gid)
    port = _free_port()
    subprocess.run(_as_postgres(f"{bindir}/initdb", "-D", f"{data}/db", "-A", "trust", "-U", "postgres"),
                   check=True, capture_output=True)
    subprocess.run(_as_postgres(f"{bindir}/pg_ctl", "-D", f"{data}/db", "-w", "-l", f"{data}/log", "-o",
                                f"-k {data} -p {port} -c listen_addresses='' -c fsync=off", "start"), check=True,
                   capture_output=True)
    try:
        yield f"postgresql://postgres@/{{database}}?host={data}&port={port}"
    finally:
        subprocess.run(_as_postgres(f"{bindir}/pg_ctl", "-D", f"{data}/db", "-m", "immediate", "stop"),
                       capture_output=True)
        shutil.rmtree(data, ignore_errors=True)


@pytest.fixture
def postgres_url(postgres_server):
    """A fresh, empty database on the run's PostgreSQL server for one test (dropped after it)."""
    import psycopg

    from chatcanvas.store.db import close_databases

    name = f"test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(postgres_server.format(database="postgres"), autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {name}")
    yield postgres_server.format(database=name)
    close_databases()  # the stores' connection pools, before their database goes
    with psycopg.connect(postgres_server.format(database="postgres"), autocommit=True) as admin:
        admin.execute(f"DROP DATABASE {name} WITH (FORCE)")


@pytest.fixture(scope="session")
def s3_server():
    """An S3-compatible server (moto) on a loopback port for the whole run: the storage options that reach it."""
    try:
        from moto.server import ThreadedMotoServer
    except ImportError:
        pytest.skip("moto[server] is not installed (it comes with the test extra)")
    pytest.importorskip("s3fs", reason="s3fs is not installed (it comes with the test extra)")
    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield {"endpoint_url": f"http://127.0.0.1:{port}", "key": "testing", "secret": "testing",
               "client_kwargs": {"region_name": "us-east-1"}}
    finally:
        server.stop()


@pytest.fixture
def s3_bucket(s3_server):
    """A new, empty bucket on the run's S3 server: (its name, the storage options)."""
    import boto3

    name = f"test-{uuid.uuid4().hex[:12]}"
    boto3.client("s3", endpoint_url=s3_server["endpoint_url"], aws_access_key_id=s3_server["key"],
                 aws_secret_access_key=s3_server["secret"], region_name="us-east-1").create_bucket(Bucket=name)
    return name, s3_server
