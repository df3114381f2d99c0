"""A byte-exact multipart/form-data reader for the test stand-ins (binary files must survive untouched)."""

from __future__ import annotations

import re


def parse_multipart(body: bytes, content_type: str) -> list[tuple[dict[str, str], bytes]]:
    """[(disposition params such as name and filename, payload bytes)] for each part."""
    boundary = re.search(r'boundary="?([^";]+)"?', content_type).group(1).encode()
    parts = []
    for chunk in body.split(b"--" + boundary)[1:]:
        if chunk.startswith(b"--"):
            break
        head, _, data = chunk.partition(b"\r\n\r\n")
        params = dict(re.findall(r'(\w+)="([^"]*)"', head.decode("utf-8", "replace")))
        parts.append((params, data[:-2] if data.endswith(b"\r\n") else data))
    return parts
