"""Personalized subjects per user: names and aliases, reference images, method, status, and their files.

Each subject owns one folder in the blob layer (`subjects/<id>/`: reference PNGs, IP-Adapter embeddings, LoRA
weights); deleting the subject deletes the folder, so a user can erase it completely. Diffusers and safetensors read
files from disk: `Subject.folder` is that folder itself when the storage is a local folder, else a local copy under
the data folder's `cache/subjects/` (a subject's files never change once written, so a copy stays valid).
"""

from __future__ import annotations

import contextlib
import io
import json
import re
import shutil
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from PIL import Image

from chatcanvas.errors import InvalidInput, NotFound, StorageError
from chatcanvas.store.blobs import TEMPORARY_PREFIX, BlobStore, open_storage, write_atomic
from chatcanvas.store.db import Database, open_database

Method = Literal["ip_adapter", "lora"]
Status = Literal["ready", "training", "failed"]
METHODS = ("ip_adapter", "lora")
MAX_REFERENCES = 16

_SCHEMA = """
CREATE TABLE IF NOT EXISTS subjects (
    id TEXT PRIMARY KEY,
    owner TEXT NOT NULL,
    name TEXT NOT NULL,
    aliases TEXT NOT NULL,
    kind TEXT NOT NULL,
    method TEXT NOT NULL,
    status TEXT NOT NULL,
    progress REAL NOT NULL,
    error TEXT,
    model TEXT NOT NULL,
    created REAL NOT NULL,
    updated REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS subjects_by_owner ON subjects (owner);
"""
_ADDED_COLUMNS = {"subjects": [("photos", "INTEGER")]}
_COLUMNS = ["id", "owner", "name", "aliases", "kind", "method", "status", "progress", "error", "model", "created",
            "updated", "photos"]
FETCHED = ".fetched"
"""Marks a local copy of a ready subject's files as complete (object storage only)."""


@dataclass(frozen=True)
class Subject:
    id: str
    owner: str
    name: str
    aliases: tuple[str, ...]
    kind: str
    method: Method
    status: Status
    progress: float
    error: str | None
    model: str
    created: float
    updated: float
    photos: int | None
    """How many reference photos it was enrolled from (None for subjects recorded before this was kept)."""
    folder: Path
    """Its files on this machine's disk (see the module's docstring)."""

    @property
    def names(self) -> tuple[str, ...]:
        return (self.name, *self.aliases)

    @property
    def references(self) -> tuple[Path, ...]:
        return tuple(sorted((self.folder / "references").glob("*.png")))

    @property
    def lora_folder(self) -> Path:
        return self.folder / "lora"

    @property
    def weights(self) -> Path:
        """Where its method's learned files are: the IP-Adapter embeddings in its folder, or its LoRA folder."""
        return self.lora_folder if self.method == "lora" else self.folder

    @property
    def trigger(self) -> str:
        """The rare-token phrase a LoRA subject is trained and prompted with (DreamBooth's "sks dog")."""
        return f"sks {self.kind}"

    @property
    def phrase(self) -> str:
        """How prompts name the subject for its method: the LoRA's trigger, else its kind ("a dog")."""
        return self.trigger if self.method == "lora" else f"a {self.kind}"

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "aliases": list(self.aliases), "kind": self.kind,
                "method": self.method, "status": self.status, "progress": self.progress, "error": self.error,
                "model": self.model, "created": self.created,
                "references": self.photos if self.photos is not None else len(self.references),
                "updated": self.updated}


def _clean_name(value: object, field: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput(field, "must not be empty")
    name = " ".join(value.split())
    if len(name) > 60:
        raise InvalidInput(field, f"is {len(name)} characters long; the limit is 60")
    return name


def guess_kind(name: str, aliases: tuple[str, ...]) -> str:
    """The class noun for prompts: "my dog" -> "dog", "our shop van" -> "van", "the kiddo" -> "kiddo"; "me" ->
    "person"; else "subject"."""
    for label in (name, *aliases):
        lowered = label.lower()
        if lowered in ("me", "myself", "i"):
            return "person"
        match = re.match(r"^(?:my|our|the)\s+(?:[a-z-]+\s+){0,2}([a-z][a-z-]*)$", lowered)
        if match:
            return match.group(1)
    return "subject"


class SubjectStore:
    """Subjects' records in `database`, their files in `blobs` (by default both in the data folder `root`)."""

    def __init__(self, root: Path | str, *, database: Database | None = None, blobs: BlobStore | None = None):
        self.root = Path(root).expanduser()
        self.database = database or open_database(self.root)
        self.blobs = blobs or open_storage(self.root)
        self.copies = self.blobs.local_root is None
        """Whether `Subject.folder` is a local copy (object storage) rather than the stored files themselves."""
        local = self.blobs.local_root
        self.folders = self.root / "cache" / "subjects" if local is None else local / "subjects"
        self.folders.mkdir(parents=True, exist_ok=True)
        self.database.create(_SCHEMA, _ADDED_COLUMNS)
        with self.database.connect() as db:
            known = {row[0] for row in db.execute("SELECT id FROM subjects")}
        # folders left by a crash mid-create or mid-delete, and copies of subjects deleted elsewhere; not in a storage
        # folder other processes share (a subject one of them is creating has no record yet)
        if local is None or local == self.root:
            for folder in self.folders.iterdir():
                if folder.name not in known:
                    shutil.rmtree(folder, ignore_errors=True)

    @classmethod
    def from_settings(cls, settings: Any) -> SubjectStore:
        data_dir = settings.resolved_data_dir
        return cls(data_dir, database=open_database(data_dir, settings.database_url),
                   blobs=open_storage(data_dir, settings.storage_url, settings.storage_options))

    def create(self, *, owner: str, name: str, aliases: list[str] | tuple[str, ...] = (), method: str,
               model: str, images: list[Image.Image], kind: str | None = None, replaces: str | None = None) -> Subject:
        """Check everything, write the reference images, then commit the record (status `training`). `replaces`: the
        id of the owner's subject this one learns again (its names are not taken; the caller deletes it once this
        one is ready; until then `find` gives the older one)."""
        name = _clean_name(name, "name")
        aliases = tuple(dict.fromkeys(_clean_name(a, "aliases") for a in aliases if str(a).strip()))
        if len(aliases) > 8:
            raise InvalidInput("aliases", "at most 8 aliases")
        if method not in METHODS:
            raise InvalidInput("method", f"unknown method {method!r}; choose ip_adapter or lora")
        if not images:
            raise InvalidInput("images", "at least one photo of the subject is needed")
        if len(images) > MAX_REFERENCES:
            raise InvalidInput("images", f"at most {MAX_REFERENCES} photos")
        taken = {label.lower(): subject.name for subject in self.list_subjects(owner) for label in subject.names
                 if subject.id != replaces}
        for label in (name, *aliases):
            if label.lower() in taken:
                raise InvalidInput("name", f"you already have a subject called {label!r} ({taken[label.lower()]})")
        subject_id = f"subj_{uuid.uuid4().hex[:16]}"
        now = time.time()
        row = [subject_id, owner, name, json.dumps(aliases), kind or guess_kind(name, aliases), method, "training",
               0.0, None, model, now, now, len(images)]
        try:
            for index, image in enumerate(images):  # the files first, then the record that names them
                self._put(subject_id, f"references/{index:02d}.png", _png(image.convert("RGB")))
            with self.database.connect() as db:
                db.execute(f"INSERT INTO subjects ({', '.join(_COLUMNS)}) VALUES ({', '.join('?' * len(_COLUMNS))})",
                           row)
        except BaseException:
            with contextlib.suppress(StorageError):  # the error that stopped it is the one to report
                self._erase(subject_id)
            raise
        return self.get(owner, subject_id)

    def _put(self, subject_id: str, name: str, data: bytes) -> None:
        self.blobs.write(f"subjects/{subject_id}/{name}", data)
        if self.copies:  # the engine reads the photos from the local copy
            write_atomic(self.folders / subject_id / name, data)

    def _erase(self, subject_id: str) -> None:
        self.blobs.delete_folder(f"subjects/{subject_id}")
        if self.copies:
            shutil.rmtree(self.folders / subject_id, ignore_errors=True)

    def publish(self, subject_id: str) -> None:
        """Put what the engine wrote into the subject's local copy (embeddings, LoRA weights) into storage; call it
        before the subject is marked ready. Nothing to do when the storage is a local folder."""
        if not self.copies:
            return
        folder = self.folders / subject_id
        stored = set(self.blobs.keys(f"subjects/{subject_id}"))
        for path in sorted(folder.rglob("*")):
            name = str(path.relative_to(folder))
            if path.is_file() and name not in stored and not _scratch(path):
                self.blobs.write(f"subjects/{subject_id}/{name}", path.read_bytes())

    def fetch(self, subject: Subject) -> Subject:
        """Make sure `subject.folder` holds its files (copied once from storage; a no-op on a local folder)."""
        if not self.copies or (subject.folder / FETCHED).exists():
            return subject
        for name in self.blobs.keys(f"subjects/{subject.id}"):
            if not (subject.folder / name).exists():
                write_atomic(subject.folder / name, self.blobs.read(f"subjects/{subject.id}/{name}"))
        if subject.status == "ready":  # its files are all written: the copy is complete from now on
            write_atomic(subject.folder / FETCHED, b"")
        return subject

    def update(self, subject_id: str, *, status: Status | None = None, progress: float | None = None,
               error: str | None = None) -> None:
        sets, values = ["updated = ?"], [time.time()]
        for column, value in (("status", status), ("progress", progress), ("error", error)):
            if value is not None:
                sets.append(f"{column} = ?")
                values.append(value)
        with self.database.connect() as db:
            db.execute(f"UPDATE subjects SET {', '.join(sets)} WHERE id = ?", [*values, subject_id])

    def get(self, owner: str, subject_id: str) -> Subject:
        with self.database.connect() as db:
            row = db.execute(f"SELECT {', '.join(_COLUMNS)} FROM subjects WHERE id = ? AND owner = ?",
                             [subject_id, owner]).fetchone()
        if row is None:
            raise NotFound(f"no subject {subject_id!r}")
        return self._subject(row)

    def find(self, owner: str, label: str) -> Subject:
        """By id, name or alias (case-insensitive), among the owner's subjects only."""
        wanted = " ".join(str(label).split()).lower()
        for subject in self.list_subjects(owner):
            if wanted == subject.id or wanted in (n.lower() for n in subject.names):
                return subject
        raise NotFound(f"no subject called {label!r}")

    def list_subjects(self, owner: str) -> list[Subject]:
        with self.database.connect() as db:
            rows = db.execute(f"SELECT {', '.join(_COLUMNS)} FROM subjects WHERE owner = ? ORDER BY created",
                              [owner]).fetchall()
        return [self._subject(row) for row in rows]

    def in_training(self) -> list[Subject]:
        """Every user's subjects whose enrollment has not ended (after a restart: resumed or failed)."""
        with self.database.connect() as db:
            rows = db.execute(f"SELECT {', '.join(_COLUMNS)} FROM subjects WHERE status = 'training' "
                              "ORDER BY created").fetchall()
        return [self._subject(row) for row in rows]

    def delete(self, owner: str, subject_id: str) -> None:
        """Erase the subject: its record, reference images, embeddings and weights."""
        subject = self.get(owner, subject_id)
        with self.database.connect() as db:
            db.execute("DELETE FROM subjects WHERE id = ?", [subject.id])
        self._erase(subject.id)

    def _subject(self, row: tuple) -> Subject:
        values = dict(zip(_COLUMNS, row, strict=True))
        values["aliases"] = tuple(json.loads(values["aliases"]))
        return Subject(**values, folder=self.folders / values["id"])


def _png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def _scratch(path: Path) -> bool:
    """A file that is not part of the subject: a write in progress, or this copy's own marker."""
    return path.name.startswith((TEMPORARY_PREFIX, ".")) or path.suffix == ".tmp"
