"""The command line, end to end in a subprocess, exactly as the README writes it."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest
from PIL import Image

from chatcanvas.store import read_parameters
from tests.conftest import CACHE_DIR, pixels


def chatcanvas(*args: str, cwd, data_dir) -> subprocess.CompletedProcess:
    exe = shutil.which("chatcanvas") or os.path.join(os.path.dirname(sys.executable), "chatcanvas")
    env = {**os.environ, "CHATCANVAS_DATA_DIR": str(data_dir), "CHATCANVAS_CACHE_DIR": str(CACHE_DIR)}
    return subprocess.run([exe, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=300)


@pytest.fixture
def run(tmp_path):
    return lambda *args: chatcanvas(*args, cwd=tmp_path, data_dir=tmp_path / "data")


def test_generate_then_edit_as_documented(run, tmp_path):
    made = run("generate", "a red fox", "--model", "tiny", "--seed", "7", "--steps", "4", "--width", "64",
               "--height", "64", "--output", "out.png")
    assert made.returncode == 0, made.stderr
    params = read_parameters(tmp_path / "out.png")
    assert (params["prompt"], params["seed"], params["steps"], params["model"]) == ("a red fox", 7, 4, "tiny")
    assert Image.open(tmp_path / "out.png").size == (64, 64)

    edited = run("edit", "out.png", "make it blue", "--model", "tiny", "--seed", "7", "--strength", "0.6",
                 "--output", "out2.png")
    assert edited.returncode == 0, edited.stderr
    params = read_parameters(tmp_path / "out2.png")
    assert (params["operation"], params["strength"], params["prompt"]) == ("edit", 0.6, "make it blue")
    assert params["parent_id"]  # the input was stored as an upload and is the parent
    assert abs(pixels(tmp_path / "out2.png") - pixels(tmp_path / "out.png")).mean() > 1.0

    again = run("generate", "a red fox", "--model", "tiny", "--seed", "7", "--steps", "4", "--width", "64",
                "--height", "64", "--output", "again.png")
    assert again.returncode == 0
    assert (pixels(tmp_path / "again.png") == pixels(tmp_path / "out.png")).all()


def test_edit_takes_a_jpeg_photo(run, tmp_path):
    Image.linear_gradient("L").convert("RGB").resize((80, 48)).save(tmp_path / "photo.jpg", quality=90)
    edited = run("edit", "photo.jpg", "make it a watercolor", "--model", "tiny", "--seed", "1", "--output", "w.png")
    assert edited.returncode == 0, edited.stderr
    assert Image.open(tmp_path / "w.png").size == (80, 48)


def test_models_lists_the_built_in_ids(run):
    listed = run("models")
    assert listed.returncode == 0, listed.stderr
    assert "tiny" in listed.stdout and "euler_a" in listed.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("generate", "a fox", "--width", "63"), "error: width: must be a multiple of 8, got 63"),
        (("generate", "", "--model", "tiny"), "error: prompt: must not be empty"),
        (("generate", "a fox", "--model", "nope"), "error: model: unknown model 'nope'"),
        (("generate", "a fox", "--scheduler", "nope"), "error: scheduler: unknown scheduler 'nope'"),
        (("edit", "missing.png", "blue"), "error: image: no such file: missing.png"),
        (("edit", "page.png", "blue"), "error: image: not an image in an accepted format"),
        (("generate", "a fox", "--model", "tiny", "--data-dir", "page.png"), "error: --data-dir: page.png is a file"),
        (("generate", "a fox", "--model", "tiny", "--output", "page.png/fox.png"), "error: File exists: page.png"),
    ],
)
def test_bad_input_prints_one_clear_line_and_fails(run, tmp_path, args, message):
    (tmp_path / "page.png").write_text("<html><body>hello</body></html>")
    result = run(*args)
    assert result.returncode != 0
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith(message), result.stderr
