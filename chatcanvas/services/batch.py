"""Datasets from text: many prompts through the engine's batching into a Hugging Face `imagefolder`.

A prompts file is plain text (one prompt a line) or JSONL (`prompt`, `negative_prompt`, `seed`, `n`, `size` or
`width`/`height`, `steps`, `guidance_scale`, `scheduler`, `model`). The output folder is `DIR/train/*.png` plus
`DIR/train/metadata.jsonl` (`file_name`, `text`, `prompt` and every parameter), which
`datasets.load_dataset("imagefolder", data_dir=DIR)` reads with an image and a text column.

A run resumes where it stopped: each picture's file is written before its row, rows already there are skipped, and
the base seed is kept in `DIR/batch.json`, so a rerun (or a second run) draws exactly what the first would have.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import threading
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from chatcanvas.engine.jobs import GenerateRequest, Job
from chatcanvas.errors import ChatCanvasError, InvalidInput, JobInterrupted, check_number
from chatcanvas.services.images import ImageService
from chatcanvas.store import ImageRecord

MAX_ITEMS = 100_000
_FIELDS = {"prompt", "negative_prompt", "seed", "n", "size", "width", "height", "steps", "guidance_scale",
           "scheduler", "model"}


@dataclass(frozen=True)
class BatchItem:
    prompt: str
    negative_prompt: str | None = None
    seed: int | None = None
    n: int = 1
    width: int | None = None
    height: int | None = None
    steps: int | None = None
    guidance_scale: float | None = None
    scheduler: str | None = None
    model: str | None = None


def parse_items(text: str, jsonl: bool | None = None) -> list[BatchItem]:
    """The items of a prompts file; `InvalidInput` naming the line and field of the first bad one."""
    lines = [(number, line.strip()) for number, line in enumerate(text.splitlines(), start=1)]
    lines = [(number, line) for number, line in lines if line and not (not jsonl and line.startswith("#"))]
    if jsonl is None:
        jsonl = bool(lines) and lines[0][1].startswith("{")
    if not lines:
        raise InvalidInput("prompts", "there are no prompts in it")
    if len(lines) > MAX_ITEMS:
        raise InvalidInput("prompts", f"{len(lines)} lines; at most {MAX_ITEMS} in one batch")
    return [_item(number, line, jsonl) for number, line in lines]


def _item(number: int, line: str, jsonl: bool) -> BatchItem:
    where = f"line {number}"
    if not jsonl:
        return BatchItem(prompt=line)
    try:
        row = json.loads(line)
    except json.JSONDecodeError as exc:
        raise InvalidInput(where, f"not JSON ({exc.msg})") from None
    if not isinstance(row, dict):
        raise InvalidInput(where, 'must be an object like {"prompt": "a red fox"}')
    unknown = sorted(set(row) - _FIELDS)
    if unknown:
        raise InvalidInput(f"{where}: {unknown[0]}", f"is not a field here; use {', '.join(sorted(_FIELDS))}")
    if not isinstance(row.get("prompt"), str) or not row["prompt"].strip():
        raise InvalidInput(f"{where}: prompt", "is required: what to draw")
    size = row.pop("size", None)
    if size is not None:
        width, sep, height = str(size).partition("x")
        if not (sep and width.isdigit() and height.isdigit()):
            raise InvalidInput(f"{where}: size", f'must be "WIDTHxHEIGHT", got {size!r}')
        row.setdefault("width", int(width))
        row.setdefault("height", int(height))
    for name, kind in (("seed", int), ("n", int), ("width", int), ("height", int), ("steps", int),
                       ("guidance_scale", float)):
        if row.get(name) is not None:
            row[name] = check_number(f"{where}: {name}", row[name], kind)
    for name in ("negative_prompt", "scheduler", "model"):
        if row.get(name) is not None and not isinstance(row[name], str):
            raise InvalidInput(f"{where}: {name}", "must be text")
    return BatchItem(**row)


def item_seed(base: int, index: int) -> int:
    """The seed of item `index` when it names none: fixed by the batch's base seed alone."""
    return int.from_bytes(hashlib.sha256(f"{base}:{index}".encode()).digest()[:4], "big") % (2**31)


def file_names(index: int, n: int) -> list[str]:
    return [f"{index:06d}-{k}.png" for k in range(n)]


class Dataset:
    """An imagefolder being written: `train/NAME.png` first, then its row in `train/metadata.jsonl`."""

    def __init__(self, folder: Path):
        self.folder = Path(folder).expanduser()
        self.train = self.folder / "train"
        self.metadata = self.train / "metadata.jsonl"
        self._lock = threading.Lock()

    def open(self, fingerprint: str, seed: int | None) -> int:
        """Make the folder (or take up the one there) and return the base seed; a folder of another batch is
        refused, so a resume never mixes two datasets."""
        if self.folder.exists() and not self.folder.is_dir():
            raise InvalidInput("--out", f"{self.folder} is a file; give a folder")
        self.train.mkdir(parents=True, exist_ok=True)
        state_path = self.folder / "batch.json"
        if state_path.exists():
            state = json.loads(state_path.read_text())
            if state.get("fingerprint") != fingerprint:
                raise InvalidInput("--out", f"{self.folder} holds another batch's dataset; give a new folder")
            if seed is not None and seed != state["seed"]:
                raise InvalidInput("--seed", f"{self.folder} was started with --seed {state['seed']}; resume with "
                                             "that seed or give a new folder")
            return int(state["seed"])
        base = seed if seed is not None else secrets.randbelow(2**31)
        _write_atomically(state_path, json.dumps({"fingerprint": fingerprint, "seed": base}))
        return base

    def rows(self) -> dict[str, dict[str, Any]]:
        """The rows written so far whose picture is there (a half-written last row is skipped); reads only."""
        rows: dict[str, dict[str, Any]] = {}
        if not self.metadata.exists():
            return rows
        for line in self.metadata.read_text().splitlines():
            try:
                row = json.loads(line)
            except json.JSONDecodeError:
                continue
            if isinstance(row, dict) and (self.train / str(row.get("file_name"))).is_file():
                rows[row["file_name"]] = row
        return rows

    def done(self) -> dict[str, dict[str, Any]]:
        """`rows`, with the metadata file rewritten to just those (before a run appends to it again)."""
        rows = self.rows()
        if self.metadata.exists():
            _write_atomically(self.metadata, "".join(json.dumps(row) + "\n" for row in rows.values()))
        return rows

    def add(self, name: str, png: bytes, row: dict[str, Any]) -> None:
        _write_atomically(self.train / name, png)
        with self._lock, self.metadata.open("a") as file:
            file.write(json.dumps(row) + "\n")
            file.flush()
            os.fsync(file.fileno())


def _write_atomically(path: Path, data: str | bytes) -> None:
    staging = path.with_name(f".{path.name}.tmp")
    staging.write_bytes(data.encode() if isinstance(data, str) else data)
    staging.replace(path)


def fingerprint(items: list[BatchItem]) -> str:
    return hashlib.sha256(json.dumps([asdict(item) for item in items]).encode()).hexdigest()[:16]


def row_for(record: ImageRecord, name: str, index: int) -> dict[str, Any]:
    return {"file_name": name, "text": record.prompt, "prompt": record.prompt,
            "negative_prompt": record.negative_prompt, "seed": record.seed, "steps": record.steps,
            "guidance_scale": record.guidance_scale, "scheduler": record.scheduler, "width": record.width,
            "height": record.height, "model": record.model, "item": index, "image_id": record.id}


@dataclass
class BatchProgress:
    total: int
    done: int
    skipped: int = 0
    failed: int = 0


def run_batch(images: ImageService, items: list[BatchItem], out: Path, owner: str = "local",
              seed: int | None = None, window: int | None = None, stop: threading.Event | None = None,
              on_progress: Callable[[BatchProgress], None] | None = None,
              errors: list[str] | None = None) -> BatchProgress:
    """Draw every item not yet in the dataset at `out`, keeping up to `window` jobs queued so the engine can batch
    them; returns the counts. `stop` set: the jobs in flight are cancelled and the run returns (resume later).

    An item the engine refuses or fails is counted and said in `errors` (with its line), never silently dropped;
    the others go on."""
    window = window or images.engine.settings.max_jobs_per_user
    dataset = Dataset(out)
    base = dataset.open(fingerprint(items), seed)
    written = dataset.done()
    progress = BatchProgress(total=sum(item.n for item in items), done=0)
    pending: list[tuple[int, BatchItem]] = []
    for index, item in enumerate(items):
        names = file_names(index, item.n)
        if all(name in written for name in names):
            progress.skipped += item.n
        else:
            pending.append((index, item))
    progress.done = progress.skipped
    if on_progress:
        on_progress(progress)
    stop = stop or threading.Event()
    in_flight: list[tuple[int, Job]] = []

    def finish(index: int, job: Job) -> None:
        try:
            records = images.wait(job)
        except JobInterrupted:  # the engine is stopping: the item is drawn on the resume, not counted as failed
            stop.set()
            return
        except ChatCanvasError as exc:
            progress.failed += items[index].n
            if errors is not None:
                errors.append(f"item {index + 1} ({items[index].prompt[:40]!r}): {exc}")
            return
        for name, record in zip(file_names(index, len(records)), records, strict=True):
            dataset.add(name, images.store.read(record), row_for(record, name, index))
            progress.done += 1
        if on_progress:
            on_progress(progress)

    try:
        for index, item in pending:
            if stop.is_set():
                break
            request = GenerateRequest(prompt=item.prompt, negative_prompt=item.negative_prompt,
                                      seed=item.seed if item.seed is not None else item_seed(base, index), n=item.n,
                                      width=item.width, height=item.height, steps=item.steps,
                                      guidance_scale=item.guidance_scale, scheduler=item.scheduler, model=item.model)
            try:
                in_flight.append((index, images.generate(request, owner)))
            except JobInterrupted:
                stop.set()
            except ChatCanvasError as exc:
                progress.failed += item.n
                if errors is not None:
                    errors.append(f"item {index + 1} ({item.prompt[:40]!r}): {exc}")
            while len(in_flight) >= window and not stop.is_set():
                finish(*in_flight[0])
                in_flight.pop(0)  # only once finished: an interrupt meanwhile still cancels it below
        while in_flight and not stop.is_set():
            finish(*in_flight[0])
            in_flight.pop(0)
    finally:
        for _, job in in_flight:
            images.cancel(job)
    return progress
