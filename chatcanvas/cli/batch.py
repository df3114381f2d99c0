"""`chatcanvas batch`: a dataset from a prompts file, resumable, as a Hugging Face imagefolder."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from chatcanvas.cli.common import DataDirOpt, ModelOpt, app, progress_bar, settings_with
from chatcanvas.cli.images import check_early, open_engine
from chatcanvas.errors import InvalidInput


@app.command()
def batch(
    prompts: Annotated[Path, typer.Argument(help="A text file (one prompt a line) or JSONL (prompt, negative_prompt, "
                                                 "seed, n, size, steps, guidance_scale, scheduler, model).")],
    out: Annotated[Path, typer.Option("--out", "-o", help="The dataset folder (DIR/train/*.png + metadata.jsonl).")],
    seed: Annotated[Optional[int], typer.Option(help="Base seed: the same file and seed give the same dataset.")]
    = None,
    model: ModelOpt = None,
    data_dir: DataDirOpt = None,
) -> None:
    """Draw every prompt of a file into a Hugging Face imagefolder; run it again to resume where it stopped."""
    from chatcanvas.engine import GenerateRequest
    from chatcanvas.services.batch import BatchProgress, parse_items, run_batch
    from chatcanvas.services.images import ImageService

    if not prompts.is_file():
        raise InvalidInput("PROMPTS", f"no such file: {prompts}")
    items = parse_items(prompts.read_text(encoding="utf-8"), jsonl=True if prompts.suffix == ".jsonl" else None)
    settings = settings_with(model, data_dir)
    for item in items[:1]:  # the first item's options and the model, before torch is paid for
        check_early(GenerateRequest(prompt=item.prompt, n=item.n, width=item.width, height=item.height,
                                    steps=item.steps, model=item.model), settings)
    engine = open_engine(settings)
    errors: list[str] = []
    bar = progress_bar("drawing", sum(item.n for item in items), unit="image")

    def show(progress: BatchProgress) -> None:
        bar.n = progress.done + progress.failed
        bar.refresh()

    import signal
    import threading

    if threading.current_thread() is threading.main_thread():
        # Ctrl-C stops the batch (and the next run resumes it), also when a shell or a harness started the command with
        # SIGINT ignored, as a background job is
        signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        done = run_batch(ImageService(engine), items, out, seed=seed, on_progress=show, errors=errors,
                         window=settings.max_jobs_per_user)
    except KeyboardInterrupt:
        bar.close()
        typer.echo(f"stopped; what is written stays in {out}: run the same command again to resume", err=True)
        raise SystemExit(130) from None
    finally:
        bar.close()
        engine.close()
    for error in errors:
        typer.echo(f"failed: {error}", err=True)
    typer.echo(f"{out}: {done.done} of {done.total} images ({done.skipped} already there, {done.failed} failed); "
               f'load it with datasets.load_dataset("imagefolder", data_dir="{out}")')
    if done.failed:
        raise SystemExit(1)
