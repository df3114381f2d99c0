"""Datasets from text: `chatcanvas batch` (interrupted and resumed, reproducible by --seed, loaded with
`datasets.load_dataset("imagefolder", ...)`) and `POST /v1/batches` (followed, downloaded, isolated, resumed after
a restart)."""

from __future__ import annotations

import io
import json
import signal
import subprocess
import time
import zipfile

import httpx
import numpy as np
import pytest

from chatcanvas.errors import InvalidInput
from chatcanvas.services.batch import parse_items
from tests.conftest import KEYS, pixels


def load(folder):
    import datasets

    return datasets.load_dataset("imagefolder", data_dir=str(folder), split="train")


def rows(folder) -> list[dict]:
    path = folder / "train" / "metadata.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def batch(*args, **kwargs) -> subprocess.Popen:
    return subprocess.Popen(["chatcanvas", "batch", *map(str, args)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, **kwargs)


def test_twenty_prompts_interrupted_then_resumed_load_as_an_imagefolder(tmp_path):
    prompts = tmp_path / "prompts.jsonl"
    lines = [json.dumps({"prompt": f"a red circle, take {i}", "steps": 20, "size": "32x32"}) + "\n" for i in range(20)]
    prompts.write_text("".join(lines))
    out, data = tmp_path / "dataset", tmp_path / "data"
    first = batch(prompts, "--out", out, "--model", "tiny", "--seed", 11, "--data-dir", data)
    deadline = time.monotonic() + 600
    while len(rows(out)) < 3:
        assert first.poll() is None, first.communicate()
        assert time.monotonic() < deadline
        time.sleep(0.05)
    first.send_signal(signal.SIGINT)  # Ctrl-C
    _, said = first.communicate(timeout=600)
    assert first.returncode == 130 and "run the same command again to resume" in said
    kept = {row["file_name"]: (out / "train" / row["file_name"]).stat().st_mtime_ns for row in rows(out)}
    assert 3 <= len(kept) < 20

    second = batch(prompts, "--out", out, "--model", "tiny", "--data-dir", data)  # the seed is kept in the folder
    said, errors = second.communicate(timeout=600)
    assert second.returncode == 0, errors
    assert f"20 of 20 images ({len(kept)} already there, 0 failed)" in said
    assert all((out / "train" / name).stat().st_mtime_ns == mtime for name, mtime in kept.items())  # not redrawn
    dataset = load(out)
    assert dataset.num_rows == 20 and {"image", "text", "prompt", "seed", "steps"} <= set(dataset.column_names)
    assert dataset[0]["text"] == "a red circle, take 0" and dataset[0]["image"].size == (32, 32)
    assert len({row["file_name"] for row in rows(out)}) == 20

    # the same prompts and --seed give the same pictures (each prompt's seed comes from the base seed and its line);
    # the images share pipeline calls with other lines here, so a batched sum may round one level apart
    first_five = tmp_path / "first-five.jsonl"
    first_five.write_text("".join(lines[:5]))
    again = tmp_path / "again"
    third = batch(first_five, "--out", again, "--model", "tiny", "--seed", 11, "--data-dir", tmp_path / "data2")
    assert third.wait(600) == 0
    assert [row["seed"] for row in rows(again)] == [row["seed"] for row in rows(out)[:5]]
    for row in rows(out)[:5]:
        assert np.abs(pixels(out / "train" / row["file_name"]) - pixels(again / "train" / row["file_name"])).max() <= 1


def test_jsonl_fields_and_clear_refusals(tmp_path):
    items = parse_items('{"prompt": "a fox", "n": 2, "size": "32x48", "seed": 4, "negative_prompt": "blur"}\n'
                        '\n{"prompt": "an owl", "steps": 3, "guidance_scale": 2}\n')
    assert (items[0].n, items[0].width, items[0].height, items[0].seed) == (2, 32, 48, 4)
    assert (items[1].steps, items[1].guidance_scale) == (3, 2.0)
    assert [i.prompt for i in parse_items("a fox\n# a comment\n\nan owl\n")] == ["a fox", "an owl"]
    for text, field in [('{"prompt": "x", "colour": "red"}', "line 1: colour"), ('{"n": 2}', "line 1: prompt"),
                        ('{"prompt": "x"}\n{"prompt": "y", "size": "big"}', "line 2: size"),
                        ('{"prompt": "x", "seed": 1.5}', "line 1: seed"), ("{nope", "line 1"), ("", "prompts")]:
        with pytest.raises(InvalidInput) as refused:
            parse_items(text)
        assert refused.value.field == field, text
    prompts = tmp_path / "p.jsonl"
    prompts.write_text('{"prompt": "x", "steps": 0}\n')
    done = subprocess.run(["chatcanvas", "batch", str(prompts), "--out", str(tmp_path / "o"), "--model", "tiny",
                           "--data-dir", str(tmp_path / "d")], capture_output=True, text=True, timeout=600)
    assert done.returncode == 2 and "steps" in done.stderr and "Traceback" not in done.stderr
    (tmp_path / "o2").mkdir()
    (tmp_path / "o2" / "batch.json").write_text('{"fingerprint": "another", "seed": 1}')
    plain = tmp_path / "p.txt"
    plain.write_text("a fox\n")
    done = subprocess.run(["chatcanvas", "batch", str(plain), "--out", str(tmp_path / "o2"), "--model", "tiny",
                           "--data-dir", str(tmp_path / "d")], capture_output=True, text=True, timeout=600)
    assert done.returncode == 2 and "holds another batch's dataset" in done.stderr


def test_post_v1_batches_follows_downloads_isolates_and_resumes_after_a_restart(live, settings):
    server = live(api_keys=KEYS)
    alice = {"Authorization": "Bearer key-alice"}
    body = "".join(json.dumps({"prompt": f"a blue square {i}", "size": "32x32", "steps": 2}) + "\n" for i in range(4))
    with httpx.Client(base_url=server.url, timeout=120) as http:
        created = http.post("/v1/batches", params={"seed": 5}, content=body, headers=alice)
        assert created.status_code == 202 and created.json()["total"] == 4
        batch_id = created.json()["id"]
        deadline = time.monotonic() + 600
        while (state := http.get(f"/v1/batches/{batch_id}", headers=alice).json())["status"] == "running":
            assert time.monotonic() < deadline
            time.sleep(0.1)
        assert state["status"] == "succeeded" and state["done"] == 4 and len(state["images"]) == 4
        assert http.get(state["images"][0]["url"]).headers["content-type"] == "image/png"  # a signed link
        archive = zipfile.ZipFile(io.BytesIO(http.get(f"/v1/batches/{batch_id}/dataset", headers=alice).content))
        assert sorted(archive.namelist())[-1] == "train/metadata.jsonl" and len(archive.namelist()) == 5
        bob = {"Authorization": "Bearer key-bob"}
        assert http.get(f"/v1/batches/{batch_id}", headers=bob).status_code == 404
        assert http.get(f"/v1/batches/{batch_id}/dataset", headers=bob).status_code == 404
        assert http.delete(f"/v1/batches/{batch_id}", headers=bob).status_code == 404
        assert http.get("/v1/batches", headers=bob).json()["data"] == []
        refused = http.post("/v1/batches", content='{"prompt": "x", "model": "not-allowed/model"}\n', headers=alice)
        assert refused.status_code == 400 and "item 1: model" in refused.json()["error"]["message"]
        assert len(http.get("/v1/batches", headers=alice).json()["data"]) == 1  # nothing stored for the bad one

        # a long batch, and the server stops in the middle of it
        long = "".join(json.dumps({"prompt": f"a green ring {i}", "size": "32x32", "steps": 60}) + "\n"
                       for i in range(12))
        long_id = http.post("/v1/batches", content=long, headers=alice).json()["id"]
        while http.get(f"/v1/batches/{long_id}", headers=alice).json()["done"] < 1:
            assert time.monotonic() < deadline
            time.sleep(0.05)
    server.__exit__(None, None, None)
    restarted = live(api_keys=KEYS)  # the same data folder
    with httpx.Client(base_url=restarted.url, timeout=120, headers=alice) as http:
        while (state := http.get(f"/v1/batches/{long_id}").json())["status"] == "running":
            assert time.monotonic() < deadline + 600
            time.sleep(0.1)
        assert state["status"] == "succeeded" and state["done"] == 12 and len(state["images"]) == 12
        assert len({image["file_name"] for image in state["images"]}) == 12
