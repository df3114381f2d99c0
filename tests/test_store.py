"""The image store: atomic files before records, PNG parameters, owner scoping, and upload validation."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import zlib

import pytest
from PIL import Image

from chatcanvas.errors import InvalidImage, NotFound
from chatcanvas.store import ImageMeta, ImageStore, read_parameters
from tests.conftest import png_bytes, store_snapshot


def _meta(**overrides) -> ImageMeta:
    return ImageMeta(**{"owner": "alice", "operation": "generate", "width": 8, "height": 8, "prompt": "p",
                        "seed": 1, "steps": 4, "model": "tiny", **overrides})


def test_records_and_files_round_trip_with_parameters(tmp_path):
    store = ImageStore(tmp_path)
    record = store.save(Image.new("RGB", (8, 8), "red"), _meta(conversation="c1"))
    assert record.path.exists() and record.path.parent.name == record.id[:2]
    assert store.get(record.id, "alice") == record
    params = read_parameters(record.path)
    assert params == record.parameters()
    assert {"prompt", "seed", "steps", "model"} <= params.keys()
    assert "owner" not in params  # who made it is not written into a file that may be shared
    assert store.latest("alice", "c1") == record
    assert store.latest("alice", "other") is None


def test_another_users_image_reads_as_absent(tmp_path):
    store = ImageStore(tmp_path)
    record = store.save(Image.new("RGB", (8, 8)), _meta())
    with pytest.raises(NotFound):
        store.get(record.id, "bob")
    assert store.list_images("bob") == []
    # the same pixels and parameters from another user are another image, not a shared one
    bobs = store.save(Image.new("RGB", (8, 8)), _meta(owner="bob"))
    assert bobs.id != record.id


def test_a_crash_between_file_and_record_leaves_no_dangling_record(tmp_path):
    script = textwrap.dedent(f"""
        import os
        from PIL import Image
        from chatcanvas.store import ImageMeta, ImageStore

        class CrashingStore(ImageStore):
            def _insert(self, record):
                assert record.path.exists()  # the file is already on disk...
                os._exit(9)                  # ...and the process dies before the record is committed

        store = ImageStore({str(tmp_path)!r})
        store.save(Image.new("RGB", (8, 8), "blue"), ImageMeta(owner="a", operation="generate", width=8, height=8))
        CrashingStore({str(tmp_path)!r}).save(
            Image.new("RGB", (8, 8), "red"), ImageMeta(owner="a", operation="generate", width=8, height=8))
    """)
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert result.returncode == 9, result.stderr
    store = ImageStore(tmp_path)
    records = store.list_images("a")
    assert len(records) == 1
    assert all(r.path.exists() for r in records)
    assert store_snapshot(store) == (1, 2)  # the orphan file is there, but nothing points at it


def test_uploads_are_validated_and_stored_upright(tmp_path):
    store = ImageStore(tmp_path)
    photo = Image.new("RGB", (40, 20), "green")
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: rotate 90 degrees clockwise to display
    record = store.add_upload(png_bytes(photo, "JPEG", exif=exif), owner="alice")
    assert (record.width, record.height) == (20, 40)
    assert record.operation == "upload"
    assert "exif" not in Image.open(record.path).info  # camera metadata (GPS...) is not kept
    webp = store.add_upload(png_bytes(photo, "WEBP"), owner="alice")
    assert (webp.width, webp.height) == (40, 20)


def _bomb() -> bytes:
    """A valid 30000x30000 PNG header with a tiny compressed body: 900 M pixels on paper."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        import struct

        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    import struct

    header = struct.pack(">IIBBBBB", 30000, 30000, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0" * 1000)) + chunk(
        b"IEND", b"")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (_bomb(), "decompression bomb"),
        (png_bytes(Image.new("RGB", (64, 64), "red"))[:-40], "damaged or truncated"),
        (b"<!doctype html><html><body>not a picture</body></html>", "not an image in an accepted format"),
        (png_bytes(Image.new("RGB", (8, 8)), "GIF"), "not an image in an accepted format"),
        (b"", "the file is empty"),
        (png_bytes(Image.effect_noise((600, 600), 64).convert("RGB")), "the limit is 100,000"),
        (png_bytes(Image.new("RGB", (300, 300))), "the limit is 50,000"),
    ],
    ids=["bomb", "truncated", "html", "gif", "empty", "too-many-bytes", "too-many-pixels"],
)
def test_bad_uploads_are_refused_and_nothing_is_stored(tmp_path, data, message):
    store = ImageStore(tmp_path, max_upload_bytes=100_000, max_upload_pixels=50_000)
    store.add_upload(png_bytes(Image.new("RGB", (8, 8))), owner="alice")
    before = store_snapshot(store)
    with pytest.raises(InvalidImage, match=message) as caught:
        store.add_upload(data, owner="alice")
    assert caught.value.field == "image"
    assert store_snapshot(store) == before
