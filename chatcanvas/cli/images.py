"""`chatcanvas generate`, `edit` and `models`."""

from __future__ import annotations

import queue
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Optional

import typer
from PIL import Image

from chatcanvas.cli.common import DataDirOpt, ModelOpt, app, progress_bar, quiet_libraries, settings_with
from chatcanvas.config import Settings
from chatcanvas.errors import ChatCanvasError

if TYPE_CHECKING:
    from chatcanvas.engine import Engine, Job
    from chatcanvas.store import ImageRecord, ImageStore

SeedOpt = Annotated[Optional[int], typer.Option(help="Seed for reproducible pixels; n>1 uses seed, seed+1, ...")]
StepsOpt = Annotated[Optional[int], typer.Option(help="Denoising steps (default: the model's).")]
GuidanceOpt = Annotated[Optional[float], typer.Option("--guidance", help="Classifier-free guidance scale.")]
SchedulerOpt = Annotated[Optional[str], typer.Option(help="euler, euler_a, dpmpp_2m, ddim, lcm, ...")]
NegativeOpt = Annotated[Optional[str], typer.Option("--negative", help="What the image must not show.")]
WidthOpt = Annotated[Optional[int], typer.Option(help="Width in pixels, a multiple of 8.")]
HeightOpt = Annotated[Optional[int], typer.Option(help="Height in pixels, a multiple of 8.")]
NOpt = Annotated[int, typer.Option("--n", "-n", help="How many images.")]
OutputOpt = Annotated[Optional[Path], typer.Option("--output", "-o", help="Where to write the PNG.")]


def open_engine(settings: Settings) -> Engine:
    """An engine for one command: its job lives and dies with the command, so it is not kept for a restart."""
    quiet_libraries()
    from chatcanvas.engine import Engine

    return Engine(settings.model_copy(update={"durable_jobs": False}))


def _open_picture(path: Path | None, field: str) -> Image.Image | None:
    if path is None:
        return None
    if not path.is_file():
        raise ChatCanvasError(f"{field}: no such file: {path}")
    try:
        return Image.open(path).convert("RGB")
    except OSError as exc:
        raise ChatCanvasError(f"{field}: not a picture: {exc}") from None


def check_early(request, settings: Settings) -> None:
    """Refuse bad arguments before paying for torch and the model."""
    from chatcanvas.engine.catalog import check_model
    from chatcanvas.engine.validation import check_request

    check_request(request, settings)
    check_model(request.model or settings.model)


def wait_with_progress(engine: Engine, job: Job, label: str) -> list[ImageRecord]:
    """Wait for `job` with a progress bar on stderr; Ctrl-C cancels the job."""
    events: queue.SimpleQueue = queue.SimpleQueue()
    job.subscribe(events.put)
    with progress_bar(label, job.total) as bar:
        try:
            while True:
                event = events.get()
                if event.total and bar.total != event.total:
                    bar.reset(total=event.total)
                bar.n = event.step
                bar.refresh()
                if event.status.finished:
                    break
        except KeyboardInterrupt:
            engine.cancel(job)
            job.wait()
    return job.wait()


def write_outputs(store: ImageStore, records: list[ImageRecord], output: Path | None) -> list[Path]:
    """Write the stored PNGs to `output` (out.png, out-2.png, ...) or to ./chatcanvas-<id>.png."""
    paths = []
    for index, record in enumerate(records):
        if output is None:
            target = Path(f"chatcanvas-{record.id[:12]}.png")
        elif index == 0:
            target = output
        else:
            target = output.with_name(f"{output.stem}-{index + 1}{output.suffix or '.png'}")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(store.read(record))
        paths.append(target)
    return paths


def _report(records: list[ImageRecord], paths: list[Path]) -> None:
    for record, path in zip(records, paths, strict=True):
        typer.echo(f"{path}  id={record.id} seed={record.seed} {record.width}x{record.height} model={record.model}")


@app.command()
def generate(
    prompt: Annotated[str, typer.Argument(help="What to draw.")],
    model: ModelOpt = None,
    seed: SeedOpt = None,
    steps: StepsOpt = None,
    width: WidthOpt = None,
    height: HeightOpt = None,
    guidance: GuidanceOpt = None,
    scheduler: SchedulerOpt = None,
    negative: NegativeOpt = None,
    n: NOpt = 1,
    output: OutputOpt = None,
    data_dir: DataDirOpt = None,
    control_image: Annotated[Optional[Path], typer.Option(
        help="A sketch, picture or depth map whose layout the new picture follows (with --control).")] = None,
    control: Annotated[Optional[str], typer.Option(help="What --control-image is: sketch, canny or depth.")] = None,
    style_image: Annotated[Optional[Path], typer.Option(
        help="A picture whose style (not content) to take (InstantStyle; SD 1.5 / SDXL models).")] = None,
) -> None:
    """Draw an image from a text prompt (following a sketch, edges or depth map with --control-image)."""
    from chatcanvas.engine import GenerateRequest
    from chatcanvas.services.images import ImageService

    settings = settings_with(model, data_dir)
    guide, style = (_open_picture(path, field) for path, field in ((control_image, "control_image"),
                                                                    (style_image, "style_image")))
    request = GenerateRequest(prompt=prompt, negative_prompt=negative, width=width, height=height, steps=steps,
                              guidance_scale=guidance, seed=seed, n=n, scheduler=scheduler, control_image=guide,
                              control=control, style_image=style)
    check_early(request, settings)
    engine = open_engine(settings)
    try:
        job = ImageService(engine).generate(request, "local", "cli")
        records = wait_with_progress(engine, job, "drawing")
        _report(records, write_outputs(engine.store, records, output))
    finally:
        engine.close()


@app.command()
def edit(
    image: Annotated[Path, typer.Argument(help="The image to change: PNG, JPEG or WebP (a photo works).")],
    prompt: Annotated[str, typer.Argument(help="The picture as it should look after the change.")],
    model: ModelOpt = None,
    seed: SeedOpt = None,
    strength: Annotated[Optional[float], typer.Option(
        help="How much to change, (0, 1]; default: the model's (0.6; 0.8 on shapes).")] = None,
    mask: Annotated[Optional[Path], typer.Option(help="Area to repaint: white (or transparent) pixels.")] = None,
    steps: StepsOpt = None,
    width: WidthOpt = None,
    height: HeightOpt = None,
    guidance: GuidanceOpt = None,
    scheduler: SchedulerOpt = None,
    negative: NegativeOpt = None,
    n: NOpt = 1,
    output: OutputOpt = None,
    data_dir: DataDirOpt = None,
    method: Annotated[str, typer.Option(help="auto, img2img, inpaint, instruct or inversion (LEDITS++ on SD/SDXL).")]
    = "auto",
    add: Annotated[Optional[list[str]], typer.Option(help="Inversion: something to add (repeatable).")] = None,
    remove: Annotated[Optional[list[str]], typer.Option(help="Inversion: something to take out (repeatable).")]
    = None,
) -> None:
    """Edit an image: img2img from a prompt, inpainting with --mask, an instruction-edit model, or inversion
    (--add / --remove: LEDITS++ inverts the picture, then steers it towards and away from those words)."""
    for label, path in (("image", image), ("mask", mask)):
        if path is not None and not path.is_file():
            raise ChatCanvasError(f"{label}: no such file: {path}")
    from chatcanvas.engine import EditRequest
    from chatcanvas.services.images import Edit, ImageService

    settings = settings_with(model, data_dir)
    placeholder = EditRequest(prompt=prompt, image=Image.new("RGB", (8, 8)), strength=strength, width=width,
                              height=height, steps=steps, guidance_scale=guidance, seed=seed, n=n, scheduler=scheduler,
                              method=method, add=tuple(add or ()), remove=tuple(remove or ()))
    check_early(placeholder, settings)
    engine = open_engine(settings)

    try:
        job = ImageService(engine).edit(Edit(
            owner="local", conversation="cli", prompt=prompt, source=image.read_bytes(),
            mask=mask.read_bytes() if mask is not None else None, strength=strength, negative_prompt=negative,
            width=width, height=height, steps=steps, guidance_scale=guidance, seed=seed, n=n, scheduler=scheduler,
            method=method, add=tuple(add or ()), remove=tuple(remove or ())))
        records = wait_with_progress(engine, job, "editing")
        _report(records, write_outputs(engine.store, records, output))
    finally:
        engine.close()


@app.command()
def models(data_dir: DataDirOpt = None) -> None:
    """List the built-in model ids and the diffusers models cached locally."""
    quiet_libraries()
    from chatcanvas.engine.catalog import BUILTIN_MODELS
    from chatcanvas.engine.schedulers import SCHEDULERS

    settings = settings_with(data_dir=data_dir)
    typer.echo("Built-in (no download):")
    for name, builtin in BUILTIN_MODELS.items():
        state = "built" if builtin.is_cached(settings.resolved_cache_dir) else "built on first use"
        typer.echo(f"  {name:<10} {builtin.description} [{state}]")
    typer.echo("Cached from the Hugging Face Hub:")
    cached = _hub_pipelines()
    for repo_id, size in cached:
        typer.echo(f"  {repo_id}  ({size / 1e9:.1f} GB)")
    if not cached:
        typer.echo("  (none; any diffusers repo id works with --model on a machine that can download it)")
    typer.echo(f"Schedulers: {', '.join(SCHEDULERS)}")
    from chatcanvas.engine.families import FAMILIES

    typer.echo("Families (any Hub id or folder of these pipelines; defaults steps / guidance):")
    for family in FAMILIES.values():
        edits = ", ".join(family.edits) or "none"
        typer.echo(f"  {family.label}: {family.steps} / {family.guidance_scale:g}; edits: {edits}; schedulers: "
                   f"{', '.join(family.schedulers)}")


def _hub_pipelines() -> list[tuple[str, int]]:
    from huggingface_hub import scan_cache_dir
    from huggingface_hub.errors import CacheNotFound

    try:
        info = scan_cache_dir()
    except CacheNotFound:
        return []
    found = []
    for repo in info.repos:
        files = {f.file_name for revision in repo.revisions for f in revision.files}
        if repo.repo_type == "model" and "model_index.json" in files:
            found.append((repo.repo_id, repo.size_on_disk))
    return sorted(found)
