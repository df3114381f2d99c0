"""The typer app every `chatcanvas` command registers on, and what the commands share."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from chatcanvas.config import Settings, get_settings
from chatcanvas.errors import InvalidInput

app = typer.Typer(
    help="chatcanvas: image tools for chats and agents (generate, edit, personalize) on diffusers.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)

ModelOpt = Annotated[Optional[str], typer.Option(
    "--model", "-m", help="Built-in id (shapes, tiny), Hub repo id, local folder, or inference:PROVIDER:ID / :URL.")]
DataDirOpt = Annotated[Optional[Path], typer.Option("--data-dir", help="Where images and metadata are kept.")]


def quiet_libraries() -> None:
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    os.environ.setdefault("DIFFUSERS_VERBOSITY", "error")
    os.environ.setdefault("TRANSFORMERS_NO_ADVISORY_WARNINGS", "1")
    import warnings

    warnings.filterwarnings("ignore", category=FutureWarning)
    import logging

    # optional speed libraries log their own start-up at import (torchao's kernels for other GPUs, its pytree
    # registrations): a command's output is its own
    for name in ("torchao", "torch.utils._pytree"):
        logging.getLogger(name).setLevel(logging.ERROR)
    from diffusers.utils import logging as diffusers_logging
    from transformers.utils import logging as transformers_logging

    diffusers_logging.disable_progress_bar()
    transformers_logging.disable_progress_bar()
    # the variables above only count before the libraries' first import
    diffusers_logging.set_verbosity_error()
    transformers_logging.set_verbosity_error()


def settings_with(model: str | None = None, data_dir: Path | None = None) -> Settings:
    updates: dict = {}
    if model:
        updates["model"] = model
    if data_dir:
        if data_dir.expanduser().exists() and not data_dir.expanduser().is_dir():
            raise InvalidInput("--data-dir", f"{data_dir} is a file; give a folder (it is made when missing)")
        updates["data_dir"] = data_dir
    return get_settings().model_copy(update=updates)


def progress_bar(label: str, total: int | None, unit: str = "step"):
    """A progress bar on stderr, shown on a terminal (or with CHATCANVAS_PROGRESS=1)."""
    from tqdm import tqdm

    shown = sys.stderr.isatty() or os.environ.get("CHATCANVAS_PROGRESS") == "1"
    return tqdm(total=total or None, desc=label, unit=unit, file=sys.stderr, leave=False, disable=not shown)
