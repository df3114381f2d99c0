"""The image store: content-addressed PNG files (through the blob layer) plus metadata and lineage (in the database).

A file is written whole before its record is committed, so a record never points at a missing file. Each PNG carries
its parameters as JSON in a text chunk named `parameters`. By default both live in the data folder:
`images/ab/abcdef....png` and `chatcanvas.db`; PostgreSQL and an fsspec URL (s3://...) when configured.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import io
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from PIL import Image, PngImagePlugin

from chatcanvas.errors import NotFound
from chatcanvas.store.blobs import TEMPORARY_PREFIX, BlobStore, open_storage
from chatcanvas.store.db import Database, open_database
from chatcanvas.store.uploads import decode_image

Operation = Literal["generate", "edit", "upload", "personalize"]
Describer = Callable[[Image.Image], str | None]
"""Says what a picture shows (None: it cannot say)."""

_SCHEMA = """
CREATE TABLE IF NOT EXISTS images (
    id TEXT PRIMARY KEY,
    owner TEXT NOT NULL,
    conversation TEXT,
    operation TEXT NOT NULL,
    prompt TEXT,
    negative_prompt TEXT,
    seed INTEGER,
    steps INTEGER,
    guidance_scale REAL,
    scheduler TEXT,
    width INTEGER NOT NULL,
    height INTEGER NOT NULL,
    model TEXT,
    parent_id TEXT,
    strength REAL,
    created REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS images_by_conversation ON images (owner, conversation, created);
"""
# columns added after the first schema: (name, SQL type), added to older databases on open
_ADDED_COLUMNS = [("subject_ids", "TEXT NOT NULL DEFAULT '[]'"), ("subject_method", "TEXT"), ("edit_method", "TEXT"),
                  ("control", "TEXT"), ("control_image_id", "TEXT"), ("style_image_id", "TEXT")]


@dataclass(frozen=True, kw_only=True)
class ImageMeta:
    """What the caller knows about a new image; the store adds id, created and path."""

    owner: str
    operation: Operation
    width: int
    height: int
    conversation: str | None = None
    prompt: str | None = None
    negative_prompt: str | None = None
    seed: int | None = None
    steps: int | None = None
    guidance_scale: float | None = None
    scheduler: str | None = None
    model: str | None = None
    parent_id: str | None = None
    strength: float | None = None
    subject_ids: tuple[str, ...] = ()
    subject_method: str | None = None
    edit_method: str | None = None
    """How an edit was made: img2img, inpaint, instruct or inversion."""
    control: str | None = None
    """What steered the layout of a new picture: sketch, canny or depth (of `control_image_id`)."""
    control_image_id: str | None = None
    style_image_id: str | None = None
    """A picture whose style this one took (InstantStyle)."""

    def parameters(self) -> dict[str, Any]:
        """How to reproduce the image: everything but who owns it and where it was said."""
        names = [f.name for f in dataclasses.fields(ImageMeta) if f.name not in ("owner", "conversation")]
        return {name: _to_json(getattr(self, name)) for name in names}


@dataclass(frozen=True, kw_only=True)
class ImageRecord(ImageMeta):
    id: str
    created: float
    path: Path | None
    """Where the PNG lies on this machine when the storage is a local folder; None on an object store (read the
    bytes with `ImageStore.read`, which works on both)."""

    def to_dict(self) -> dict[str, Any]:
        return {name: _to_json(value) for name, value in dataclasses.asdict(self).items()}


_META_FIELDS = [f.name for f in dataclasses.fields(ImageMeta)]
_COLUMNS = ["id", *_META_FIELDS, "created"]


class ImageStore:
    """Images of every user: PNG files in `blobs` (the data folder by default), records in `database` (its
    `chatcanvas.db` by default)."""

    def __init__(self, root: Path | str, *, database: Database | None = None, blobs: BlobStore | None = None,
                 max_upload_bytes: int = 20 * 1024 * 1024, max_upload_pixels: int = 4096 * 4096):
        self.root = Path(root).expanduser()
        self.root.mkdir(parents=True, exist_ok=True)
        self.database = database or open_database(self.root)
        self.blobs = blobs or open_storage(self.root)
        if self.blobs.local_root is not None:
            _remove_stale_temporaries(self.blobs.local_root / "images")
        self.max_upload_bytes = max_upload_bytes
        self.max_upload_pixels = max_upload_pixels
        self.database.create(_SCHEMA, {"images": _ADDED_COLUMNS})

    @classmethod
    def from_settings(cls, settings: Any) -> ImageStore:
        data_dir = settings.resolved_data_dir
        return cls(data_dir, database=open_database(data_dir, settings.database_url),
                   blobs=open_storage(data_dir, settings.storage_url, settings.storage_options),
                   max_upload_bytes=settings.max_upload_bytes, max_upload_pixels=settings.max_upload_pixels)

    # --- writing ------------------------------------------------------------------------------------
    def save(self, image: Image.Image, meta: ImageMeta) -> ImageRecord:
        """Store `image`; its id hashes its pixels and parameters. Saving the same thing twice is a no-op."""
        image_id = _content_id(image, meta)
        existing = self._find(image_id)
        if existing is not None:
            return existing
        self.blobs.write(self.key_for(image_id), _png_bytes(image, meta))  # the file first, then its record
        record = ImageRecord(id=image_id, created=time.time(), path=self.path_for(image_id), **_meta_values(meta))
        self._insert(record)
        return record

    def _insert(self, record: ImageRecord) -> None:
        values = [_to_sql(name, getattr(record, name)) for name in _COLUMNS]
        with self.database.connect() as db:
            db.execute(f"INSERT INTO images ({', '.join(_COLUMNS)}) VALUES ({', '.join('?' * len(_COLUMNS))}) "
                       "ON CONFLICT (id) DO NOTHING", values)

    def decode(self, data: bytes, field: str = "image") -> Image.Image:
        """Check and decode uploaded bytes under this store's limits, without storing them."""
        return decode_image(data, max_bytes=self.max_upload_bytes, max_pixels=self.max_upload_pixels, field=field)

    def add_upload(self, data: bytes, *, owner: str, conversation: str | None = None, field: str = "image",
                   describe: Describer | None = None) -> ImageRecord:
        """Validate uploaded bytes and store them as an image of operation `upload` (EXIF is not kept)."""
        return self.add_uploads([data], owner=owner, conversation=conversation, field=field, describe=describe)[0]

    def add_uploads(self, files: list[bytes], *, owner: str, conversation: str | None = None,
                    field: str = "images", describe: Describer | None = None) -> list[ImageRecord]:
        """Validate every file first, then store them all: one bad file stores none.

        `describe` says what each picture shows (the engine's `describe`); that becomes the record's prompt."""
        images = [self.decode(data, field if len(files) == 1 else f"{field}[{index}]")
                  for index, data in enumerate(files)]
        return [self.save_upload(image, owner=owner, conversation=conversation, describe=describe)
                for image in images]

    def save_upload(self, image: Image.Image, *, owner: str, conversation: str | None = None,
                    describe: Describer | None = None) -> ImageRecord:
        """Store a picture already decoded by `decode` as an image of operation `upload`."""
        prompt = describe(image) if describe is not None else None
        return self.save(image, ImageMeta(owner=owner, conversation=conversation, operation="upload", prompt=prompt,
                                          width=image.width, height=image.height))

    def delete(self, image_id: str, owner: str) -> None:
        """Erase one of the owner's images: the record first, then the file (nothing points at a missing file)."""
        record = self.get(image_id, owner)
        with self.database.connect() as db:
            db.execute("DELETE FROM images WHERE id = ? AND owner = ?", [record.id, owner])
        self.blobs.delete(self.key_for(record.id))

    # --- reading ------------------------------------------------------------------------------------
    @staticmethod
    def key_for(image_id: str) -> str:
        """The image's file in the blob layer: `images/ab/abcdef....png`."""
        return f"images/{image_id[:2]}/{image_id}.png"

    def path_for(self, image_id: str) -> Path | None:
        """The image's file on this machine's disk when the storage is a local folder, else None."""
        return self.blobs.path(self.key_for(image_id))

    def get(self, image_id: str, owner: str) -> ImageRecord:
        """The record, only for its owner: another user's image reads as absent."""
        record = self.find(image_id, owner)
        if record is None:
            raise NotFound(f"no image {image_id!r}")
        return record

    def find(self, image_id: str | None, owner: str) -> ImageRecord | None:
        """Like `get`, but None for no id, an unknown id, or another user's image."""
        record = self._find(image_id) if image_id else None
        return record if record is not None and record.owner == owner else None

    def read(self, record: ImageRecord) -> bytes:
        """The record's PNG bytes, from wherever the storage is; `NotFound` (naming the image, never where its
        file was) when the file is gone."""
        try:
            return self.blobs.read(self.key_for(record.id))
        except (FileNotFoundError, IsADirectoryError):
            raise NotFound(f"the picture of image {record.id!r} is missing from storage") from None

    def open(self, record: ImageRecord, mode: str | None = "RGB") -> Image.Image:
        """The image's pixels, in `mode` (None keeps the stored mode, e.g. RGBA for a mask)."""
        with Image.open(io.BytesIO(self.read(record))) as image:
            image.load()
            return image.convert(mode) if mode else image.copy()

    def list_images(self, owner: str, conversation: str | None = None, limit: int = 50) -> list[ImageRecord]:
        """The owner's images, newest first; only one conversation's when `conversation` is given."""
        sql, args = f"SELECT {', '.join(_COLUMNS)} FROM images WHERE owner = ?", [owner]
        if conversation is not None:
            sql += " AND conversation = ?"
            args.append(conversation)
        sql += " ORDER BY created DESC, id DESC LIMIT ?"
        with self.database.connect() as db:
            return [self._record(row) for row in db.execute(sql, [*args, limit])]

    def latest(self, owner: str, conversation: str | None) -> ImageRecord | None:
        found = self.list_images(owner, conversation, limit=1)
        return found[0] if found else None

    def _find(self, image_id: str) -> ImageRecord | None:
        with self.database.connect() as db:
            row = db.execute(f"SELECT {', '.join(_COLUMNS)} FROM images WHERE id = ?", [image_id]).fetchone()
        return self._record(row) if row else None

    def _record(self, row: tuple) -> ImageRecord:
        values = dict(zip(_COLUMNS, row, strict=True))
        values["subject_ids"] = tuple(json.loads(values["subject_ids"] or "[]"))
        return ImageRecord(path=self.path_for(values["id"]), **values)


def read_parameters(png: Path | str | bytes) -> dict[str, Any]:
    """The parameters a chatcanvas PNG carries (its `parameters` text chunk), from a file path or the PNG's bytes."""
    with Image.open(io.BytesIO(png) if isinstance(png, bytes) else png) as image:
        return json.loads(image.text["parameters"])


def _to_json(value: Any) -> Any:
    if isinstance(value, tuple):
        return list(value)
    return str(value) if isinstance(value, Path) else value


def _to_sql(name: str, value: Any) -> Any:
    return json.dumps(list(value)) if name == "subject_ids" else value


def _meta_values(meta: ImageMeta) -> dict[str, Any]:
    return {name: getattr(meta, name) for name in _META_FIELDS}


def _content_id(image: Image.Image, meta: ImageMeta) -> str:
    digest = hashlib.sha256()
    digest.update(json.dumps(_meta_values(meta), sort_keys=True).encode())
    digest.update(f"{image.mode}:{image.width}x{image.height}:".encode())
    digest.update(image.tobytes())
    return digest.hexdigest()[:24]


def _png_bytes(image: Image.Image, meta: ImageMeta) -> bytes:
    info = PngImagePlugin.PngInfo()
    info.add_text("parameters", json.dumps(meta.parameters(), sort_keys=True))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", pnginfo=info)
    return buffer.getvalue()


STALE_TEMPORARY_SECONDS = 10.0


def _remove_stale_temporaries(folder: Path) -> None:
    """Half-written files a killed process left behind (a live writer's file is seconds old at most)."""
    cutoff = time.time() - STALE_TEMPORARY_SECONDS
    for leftover in folder.glob(f"*/{TEMPORARY_PREFIX}*"):
        with contextlib.suppress(FileNotFoundError):
            if leftover.stat().st_mtime < cutoff:
                leftover.unlink()
