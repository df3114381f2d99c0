"""Where the store's files live: a local folder (the data folder by default) or any fsspec URL (`s3://bucket/prefix`),
addressed by keys such as `images/ab/abcdef.png` or `subjects/<id>/lora/pytorch_lora_weights.safetensors`.

A local write is atomic (temp file, fsync, rename, folder fsync), so the data folder keeps today's layout byte for
byte; on an object store a single put is atomic. Callers write a file before the record that names it and delete it
after the record, so a record never points at a missing file.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

from chatcanvas.errors import InvalidInput, StorageError, one_line

TEMPORARY_PREFIX = ".tmp-"


class BlobStore:
    """Files by key under one folder or fsspec URL; `options` go to the fsspec filesystem (for S3: endpoint_url,
    key, secret, ...; the standard AWS_* environment variables work too)."""

    def __init__(self, url: str | Path, options: dict[str, Any] | None = None):
        import fsspec
        from fsspec.implementations.local import LocalFileSystem

        text = str(url)
        if "://" not in text:
            text = str(Path(text).expanduser())
        self.url = text
        try:
            fs, root = fsspec.core.url_to_fs(text, **(options or {}))
        except ImportError as exc:
            hint = " (pip install 'chatcanvas[s3]')" if text.startswith(("s3://", "s3a://")) else ""
            raise InvalidInput("storage_url", f"{text.split('://')[0]}:// storage needs a package that is not "
                                              f"installed{hint}: {one_line(exc)}") from None
        except (ValueError, TypeError, OSError) as exc:
            raise InvalidInput("storage_url", f"cannot open {text!r}: {one_line(exc)}") from None
        self.fs = fs
        self.root = root.rstrip("/")
        self.local_root: Path | None = Path(root) if isinstance(fs, LocalFileSystem) else None
        """The folder the files are in, when the storage is a local folder (None on an object store)."""
        if self.local_root is not None:
            try:
                self.local_root.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise InvalidInput("storage_url", f"cannot use {text!r}: {exc.strerror or exc}") from None

    def __repr__(self) -> str:
        return f"BlobStore({self.url!r})"

    def _full(self, key: str) -> str:
        return f"{self.root}/{key}"

    def path(self, key: str) -> Path | None:
        """Where the file of `key` lies on this machine's disk; None on an object store."""
        return self.local_root / key if self.local_root is not None else None

    def write(self, key: str, data: bytes) -> None:
        """Store `data` under `key` whole, or not at all (`StorageError` on an object store that refuses it)."""
        if self.local_root is not None:
            write_atomic(self.local_root / key, data)
            return
        try:
            self.fs.pipe_file(self._full(key), data)
        except Exception as exc:
            raise StorageError(f"storage_url: could not write {key} to {self.url}: {one_line(exc)}") from exc

    def read(self, key: str) -> bytes:
        """The bytes of `key`; `FileNotFoundError` when there is no such file."""
        if self.local_root is not None:
            return (self.local_root / key).read_bytes()
        try:
            return self.fs.cat_file(self._full(key))
        except FileNotFoundError:
            raise
        except Exception as exc:
            raise StorageError(f"storage_url: could not read {key} from {self.url}: {one_line(exc)}") from exc

    def delete(self, key: str) -> None:
        """Remove the file of `key`; nothing when it is already gone."""
        if self.local_root is not None:
            with contextlib.suppress(FileNotFoundError):
                (self.local_root / key).unlink()
            return
        self._remove(key, recursive=False)

    def delete_folder(self, prefix: str) -> None:
        """Remove every file under `prefix/`."""
        if self.local_root is not None:
            shutil.rmtree(self.local_root / prefix, ignore_errors=True)
            return
        self._remove(prefix, recursive=True)

    def _remove(self, key: str, recursive: bool) -> None:
        try:
            self.fs.rm(self._full(key), recursive=recursive)
        except FileNotFoundError:
            pass
        except Exception as exc:
            raise StorageError(f"storage_url: could not delete {key} from {self.url}: {one_line(exc)}") from exc

    def keys(self, prefix: str) -> list[str]:
        """The keys of the files under `prefix/`, relative to it, sorted (temporaries of unfinished writes left out)."""
        if self.local_root is not None:
            folder = self.local_root / prefix
            return sorted(str(p.relative_to(folder)) for p in folder.rglob("*")
                          if p.is_file() and not p.name.startswith(TEMPORARY_PREFIX))
        base = self._full(prefix)
        try:
            self.fs.invalidate_cache(base)  # another process may have written since this one last listed
            found = self.fs.find(base)
        except FileNotFoundError:
            return []
        except Exception as exc:
            raise StorageError(f"storage_url: could not list {prefix} in {self.url}: {one_line(exc)}") from exc
        return sorted(path[len(base) + 1:] for path in found if path.startswith(base + "/"))


def open_storage(data_dir: Path | str, storage_url: str | None = None,
                 storage_options: dict[str, Any] | None = None) -> BlobStore:
    """The stores' files: at `storage_url` (a folder or fsspec URL), else in the data folder."""
    return BlobStore(storage_url or Path(data_dir).expanduser(), storage_options)


def write_atomic(path: Path, data: bytes) -> None:
    """Write a file whole or not at all: a temporary beside it, fsync, rename over, fsync of the folder."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=TEMPORARY_PREFIX, suffix=path.suffix)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)
