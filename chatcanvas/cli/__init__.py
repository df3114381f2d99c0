"""The `chatcanvas` command line."""

from __future__ import annotations

import typer

from chatcanvas.cli import adapters, batch, chat, evaluate, images, serve  # noqa: F401  (each registers its commands)
from chatcanvas.cli.common import app
from chatcanvas.errors import ChatCanvasError


def main() -> None:
    """Entry point: usage errors are typer's; our own errors print one line and exit 2."""
    try:
        app()
    except ChatCanvasError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise SystemExit(2) from None
    except OSError as exc:  # a folder that is a file, a disk that is full, a permission: one line, no traceback
        where = f": {exc.filename}" if exc.filename else ""
        typer.echo(f"error: {exc.strerror or exc}{where}", err=True)
        raise SystemExit(1) from None


if __name__ == "__main__":
    main()
