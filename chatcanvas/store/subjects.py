"""Personalized subjects per user: names and aliases, reference images, method, status, and their files.

Each subject owns one folder (`subjects/<id>/`: reference PNGs, cached embeddings, LoRA weights); deleting
the subject deletes the folder, so a user can erase it completely.
"""

from __future__ import annotations

import json
import re
import shutil
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from PIL import Image

from chatcanvas.errors import InvalidInput, NotFound
from chatcanvas.store.db import connect

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
_COLUMNS = ["id", "owner", "name", "aliases", "kind", "method", "status", "progress", "error", "model", "created",
            "updated"]


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
    folder: Path

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
                "model": self.model, "references": len(self.references), "created": self.created,
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
    def __init__(self, root: Path | str):
        self.root = Path(root).expanduser()
        self.folders = self.root / "subjects"
        self.folders.mkdir(parents=True, exist_ok=True)
        self.db_path = self.root / "chatcanvas.db"
        with connect(self.db_path) as db:
            db.executescript(_SCHEMA)
            known = {row[0] for row in db.execute("SELECT id FROM subjects")}
        for folder in self.folders.iterdir():  # left by a crash mid-create or mid-delete
            if folder.name not in known:
                shutil.rmtree(folder, ignore_errors=True)

    def create(self, *, owner: str, name: str, aliases: list[str] | tuple[str, ...] = (), method: str,
               model: str, images: list[Image.Image], kind: str | None = None) -> Subject:
        """Check everything, write the reference images, then commit the record (status `training`)."""
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
        taken = {label.lower(): subject.name for subject in self.list_subjects(owner) for label in subject.names}
        for label in (name, *aliases):
            if label.lower() in taken:
                raise InvalidInput("name", f"you already have a subject called {label!r} ({taken[label.lower()]})")
        subject_id = f"subj_{uuid.uuid4().hex[:16]}"
        staging = Path(tempfile.mkdtemp(prefix=".new-", dir=self.folders))
        try:
            (staging / "references").mkdir()
            for index, image in enumerate(images):
                image.convert("RGB").save(staging / "references" / f"{index:02d}.png")
            staging.rename(self.folders / subject_id)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        now = time.time()
        row = [subject_id, owner, name, json.dumps(aliases), kind or guess_kind(name, aliases), method, "training",
               0.0, None, model, now, now]
        try:
            with connect(self.db_path) as db:
                db.execute(f"INSERT INTO subjects ({', '.join(_COLUMNS)}) VALUES ({', '.join('?' * len(_COLUMNS))})",
                           row)
        except BaseException:
            shutil.rmtree(self.folders / subject_id, ignore_errors=True)
            raise
        return self.get(owner, subject_id)

    def update(self, subject_id: str, *, status: Status | None = None, progress: float | None = None,
               error: str | None = None) -> None:
        sets, values = ["updated = ?"], [time.time()]
        for column, value in (("status", status), ("progress", progress), ("error", error)):
            if value is not None:
                sets.append(f"{column} = ?")
                values.append(value)
        with connect(self.db_path) as db:
            db.execute(f"UPDATE subjects SET {', '.join(sets)} WHERE id = ?", [*values, subject_id])

    def get(self, owner: str, subject_id: str) -> Subject:
        with connect(self.db_path) as db:
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
        with connect(self.db_path) as db:
            rows = db.execute(f"SELECT {', '.join(_COLUMNS)} FROM subjects WHERE owner = ? ORDER BY created",
                              [owner]).fetchall()
        return [self._subject(row) for row in rows]

    def in_training(self) -> list[Subject]:
        """Every user's subjects whose enrollment has not ended (after a restart: resumed or failed)."""
        with connect(self.db_path) as db:
            rows = db.execute(f"SELECT {', '.join(_COLUMNS)} FROM subjects WHERE status = 'training' "
                              "ORDER BY created").fetchall()
        return [self._subject(row) for row in rows]

    def delete(self, owner: str, subject_id: str) -> None:
        """Erase the subject: its record, reference images, embeddings and weights."""
        subject = self.get(owner, subject_id)
        with connect(self.db_path) as db:
            db.execute("DELETE FROM subjects WHERE id = ?", [subject.id])
        shutil.rmtree(subject.folder, ignore_errors=True)

    def _subject(self, row: tuple) -> Subject:
        values = dict(zip(_COLUMNS, row, strict=True))
        values["aliases"] = tuple(json.loads(values["aliases"]))
        return Subject(**values, folder=self.folders / values["id"])
