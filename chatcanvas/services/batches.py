"""Batches over HTTP (`POST /v1/batches`): the same run as `chatcanvas batch`, in a background thread, into the data
folder; recorded before it is acknowledged and taken up again after a restart."""

from __future__ import annotations

import json
import logging
import secrets
import threading
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from chatcanvas.engine.jobs import GenerateRequest
from chatcanvas.errors import InvalidInput, NotFound
from chatcanvas.services.batch import BatchItem, BatchProgress, Dataset, run_batch
from chatcanvas.services.images import ImageService
from chatcanvas.store.batches import BatchRecord, BatchStore

log = logging.getLogger(__name__)
@dataclass(frozen=True)
class Batch:
    id: str
    owner: str
    created: float
    seed: int
    status: str  # running, succeeded, failed (some items), cancelled
    total: int
    done: int
    failed: int
    errors: tuple[str, ...]
    folder: Path

    def rows(self) -> list[dict[str, Any]]:
        """The dataset's rows written so far, in item order."""
        written = Dataset(self.folder).rows()  # read only: the batch's run may be appending meanwhile
        return sorted(written.values(), key=lambda row: row["file_name"])


class BatchService:
    """`POST /v1/batches`: a batch is recorded (its items and base seed) before it is acknowledged, then drawn by a
    background thread into `DATA/batches/ID/`; after a restart `resume()` takes up every batch still running, and
    the dataset's own resume skips what was written."""

    def __init__(self, images: ImageService, root: Path):
        self.images, self.root = images, Path(root).expanduser()
        self.records = BatchStore(self.root)
        self._stops: dict[str, threading.Event] = {}
        self._lock = threading.Lock()
        self._closing = False

    def folder(self, batch_id: str) -> Path:
        return self.root / "batches" / batch_id

    def create(self, owner: str, items: list[BatchItem], seed: int | None = None) -> Batch:
        """Check every item (nothing is stored for a bad one), record the batch, start drawing it."""
        for index, item in enumerate(items):
            try:
                self.images.check(GenerateRequest(
                    prompt=item.prompt, negative_prompt=item.negative_prompt, seed=item.seed, n=item.n,
                    width=item.width, height=item.height, steps=item.steps, guidance_scale=item.guidance_scale,
                    scheduler=item.scheduler, model=item.model))
            except InvalidInput as exc:
                raise InvalidInput(f"item {index + 1}: {exc.field}", str(exc).split(": ", 1)[-1]) from None
        batch_id = f"batch_{secrets.token_hex(8)}"
        base = seed if seed is not None else secrets.randbelow(2**31)
        text = "".join(json.dumps(asdict(item)) + "\n" for item in items)
        self.records.add(batch_id, owner, base, text, sum(item.n for item in items))
        self._start(batch_id, owner, items, base)
        return self.get(batch_id, owner)

    def _start(self, batch_id: str, owner: str, items: list[BatchItem], base: int) -> None:
        stop = threading.Event()
        with self._lock:
            self._stops[batch_id] = stop
        threading.Thread(target=self._draw, args=(batch_id, owner, items, base, stop), daemon=True,
                         name=f"chatcanvas-{batch_id}").start()

    def _draw(self, batch_id: str, owner: str, items: list[BatchItem], base: int, stop: threading.Event) -> None:
        errors: list[str] = []

        def save(progress: BatchProgress) -> None:
            self.records.update(batch_id, done=progress.done, failed=progress.failed, errors=errors)

        try:
            progress = run_batch(self.images, items, self.folder(batch_id), owner, seed=base, stop=stop,
                                 on_progress=save, errors=errors)
            status = None if self._closing else "cancelled" if stop.is_set() else "failed" if progress.failed \
                else "succeeded"  # closing: left running, for the next server on this folder to resume
            self.records.update(batch_id, done=progress.done, failed=progress.failed, errors=errors, status=status)
        except Exception as exc:  # the server is stopping, or the folder cannot be written: said on the batch
            if not self._closing:
                log.warning("batch %s stopped: %s", batch_id, exc)
                self.records.update(batch_id, errors=[*errors, f"stopped: {exc}"])
        finally:
            with self._lock:
                self._stops.pop(batch_id, None)

    def get(self, batch_id: str, owner: str) -> Batch:
        record = self.records.get(batch_id, owner)
        if record is None:
            raise NotFound(f"no batch {batch_id!r}")
        return self._batch(record)

    def list(self, owner: str) -> list[Batch]:
        return [self._batch(record) for record in self.records.list(owner)]

    def _batch(self, record: BatchRecord) -> Batch:
        return Batch(record.id, record.owner, record.created, record.seed, record.status, record.total, record.done,
                     record.failed, record.errors, self.folder(record.id))

    def cancel(self, batch_id: str, owner: str) -> Batch:
        self.get(batch_id, owner)  # NotFound for anyone else's
        with self._lock:
            stop = self._stops.get(batch_id)
        if stop is not None:
            stop.set()
        self.records.cancel(batch_id)
        return self.get(batch_id, owner)

    def resume(self) -> int:
        """Take up every batch a stopped server left running; returns how many."""
        records = self.records.running()
        for record in records:
            with self._lock:
                if record.id in self._stops:
                    continue
            items = [BatchItem(**json.loads(line)) for line in record.items.splitlines() if line.strip()]
            self._start(record.id, record.owner, items, record.seed)
        return len(records)

    def close(self) -> None:
        self._closing = True
        with self._lock:
            stops = list(self._stops.values())
        for stop in stops:  # left 'running': the next server on this folder resumes them
            stop.set()
