"""`chatcanvas chat` (an image chat in the terminal) and `chatcanvas demo` (a scripted conversation to HTML)."""

from __future__ import annotations

import html
import logging
import os
import queue
import signal
import sys
import threading
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Optional

import typer

from chatcanvas.cli.chat_commands import QUIT, ChatSession, CommandError, open_conversation, run_command, save_images
from chatcanvas.cli.common import DataDirOpt, ModelOpt, app, progress_bar, quiet_libraries, settings_with
from chatcanvas.errors import ChatCanvasError, JobCancelled

if TYPE_CHECKING:
    from chatcanvas.agent import ImageAgent, Reply
    from chatcanvas.engine import JobEvent

LlmOpt = Annotated[Optional[str], typer.Option("--llm", help="router (offline), provider:model, or hf:org/model.")]
BaseUrlOpt = Annotated[Optional[str], typer.Option("--llm-base-url", help="An OpenAI-compatible server's /v1 URL.")]

DEMO_SCRIPT = (
    "draw a big red circle in the center on a blue background",
    "make the circle green",
    "make the background yellow",
    "this is my ring Halo",  # with pictures of a red ring with a white middle attached
    "draw Halo on a purple background",
    "what can you do?",
)
DEMO_SUBJECT_TURN = 3
DEMO_USER = "demo"
DEMO_LORA_STEPS = 200
"""The demo subject's training steps on `shapes` (its catalog default is 400): half the wait, still recognisable."""


def demo_subject_pictures() -> list[bytes]:
    """Rendered pictures of the demo's subject (a red ring with a white middle), as a user's photos."""
    import io

    from chatcanvas.models.shapes.scenes import subject_references

    pictures = []
    for picture in subject_references(4):
        buffer = io.BytesIO()
        picture.save(buffer, format="PNG")
        pictures.append(buffer.getvalue())
    return pictures


def open_agent(model: str | None, llm: str | None, base_url: str | None, data_dir: Path | None) -> ImageAgent:
    quiet_libraries()
    from chatcanvas.agent import ImageAgent

    settings = settings_with(model, data_dir)
    if llm:
        settings = settings.model_copy(update={"llm": llm})
    if base_url:
        settings = settings.model_copy(update={"llm_base_url": base_url})
    return ImageAgent.create(settings=settings)


def run_turn(agent: ImageAgent, text: str, images: list[bytes], user: str, conversation: str) -> Reply:
    """One turn with a progress bar. Ctrl-C cancels the turn's pictures (one line says so; the turn still ends
    with a reply); a second Ctrl-C before the reply raises `KeyboardInterrupt`."""
    from chatcanvas.agent import Progress
    from chatcanvas.services.chat import ChatService, ChatTurn

    chat_service = ChatService(agent)
    items: queue.SimpleQueue = queue.SimpleQueue()
    interrupted = False

    def work() -> None:
        try:
            for item in chat_service.stream(ChatTurn(user=user, conversation=conversation, text=text,
                                                     uploads=images)):
                items.put(item)
        except BaseException as exc:  # handed to the main thread, which raises it
            items.put(exc)
        items.put(None)

    def on_interrupt(signum: int, frame: object) -> None:
        nonlocal interrupted
        if interrupted:
            raise KeyboardInterrupt
        interrupted = True
        items.put(_INTERRUPTED)  # the loop below cancels and says so (SimpleQueue.put is safe in a handler)

    previous = signal.signal(signal.SIGINT, on_interrupt)  # Ctrl-C stops the picture, not the program
    turn = threading.Thread(target=work, name="chatcanvas-turn", daemon=True)
    turn.start()
    reply, bar, job = None, None, None
    cancelled: set[str] = set()
    try:
        while (item := items.get()) is not None:
            if isinstance(item, BaseException):
                raise item
            if item is _INTERRUPTED:
                if bar is not None:
                    bar.close()
                    bar = None
                chat_service.cancel(user, conversation)
                if job is not None:
                    cancelled.add(job)
                typer.echo("cancelling the picture (Ctrl-C again leaves the chat)", err=True)
            elif isinstance(item, Progress) and interrupted:
                if item.job_id not in cancelled:  # started after the Ctrl-C: it is cancelled too
                    cancelled.add(item.job_id)
                    chat_service.cancel(user, conversation)
            elif isinstance(item, Progress):
                if bar is not None and job != item.job_id:  # a new job: learning the subject, then drawing
                    bar.close()
                    bar = None
                if bar is None:
                    bar, job = progress_bar(item.label, item.total), item.job_id
                if item.total and bar.total != item.total:
                    bar.reset(total=item.total)
                bar.n = item.step
                bar.refresh()
            else:
                reply = item
    except KeyboardInterrupt:  # leaving mid-turn: let the cancelled turn end before the program does
        chat_service.cancel(user, conversation)
        turn.join(LEAVING_WAIT_S)
        raise
    finally:
        signal.signal(signal.SIGINT, previous)
        if bar is not None:
            bar.close()
    assert reply is not None
    return reply


_INTERRUPTED = object()
"""Put on a turn's queue by Ctrl-C."""
LEAVING_WAIT_S = 10.0
"""How long a second Ctrl-C waits for the turn it cancelled to end (its picture stops at the next step)."""


@app.command()
def chat(
    model: ModelOpt = None,
    llm: LlmOpt = None,
    llm_base_url: BaseUrlOpt = None,
    user: Annotated[str, typer.Option(help="Who is chatting (images and subjects are per user).")] = "local",
    conversation: Annotated[Optional[str], typer.Option(
        help="Conversation name; the same name continues it. Default: your latest conversation.")] = None,
    new: Annotated[bool, typer.Option("--new", help="Start a new conversation (earlier ones stay stored).")] = False,
    out_dir: Annotated[Path, typer.Option("--out-dir", help="Where the images are written.")] = Path("chatcanvas-chat"),
    data_dir: DataDirOpt = None,
) -> None:
    """Chat about pictures in the terminal, continuing your latest conversation (--new starts another).

    /images lists the conversation's pictures, /use N and /undo pick the current one, /save N PATH writes one,
    /image PATH attaches a file to your next message, /help lists these, /quit leaves. Ctrl-C while a picture is
    being made cancels it; at the prompt it leaves."""
    from chatcanvas.services.conversations import ConversationService

    # Ctrl-C is handled here, also when a shell started the command with SIGINT ignored
    signal.signal(signal.SIGINT, signal.default_int_handler)
    interactive = sys.stdin.isatty()
    agent, session = None, None
    try:
        agent = open_agent(model, llm, llm_base_url, data_dir)
        log_to_terminal()
        service = ConversationService(agent)
        try:
            name, opening = open_conversation(service, user, conversation, new)
        except CommandError as exc:
            raise ChatCanvasError(f"--new: {exc}") from None
        session = ChatSession(service, agent.images, user, name, out_dir)
        typer.echo(f"chatcanvas chat ({agent.settings.model}, llm={agent.settings.llm}). "
                   "Ask for a picture; /help lists the commands; /quit leaves.")
        typer.echo(opening)
        chat_loop(session, agent, interactive)
    except KeyboardInterrupt:
        # a turn that outlived LEAVING_WAIT_S ends with the process; what it would log then is noise
        logging.getLogger("concurrent.futures").setLevel(logging.CRITICAL)
        after_prompt = "\n" if interactive else ""  # the terminal's cursor is still on the "you> " line
        where = f"; conversation {session.conversation!r} is kept" if session else ""
        typer.echo(f"{after_prompt}leaving the chat{where}", err=True)
    finally:
        if agent is not None:
            signal.signal(signal.SIGINT, signal.SIG_IGN)  # closing is quick; a Ctrl-C now would only leave a mess
            if session is not None:
                service.chat.cancel(user, session.conversation)  # a picture still being made when Ctrl-C left
            agent.close()


def log_to_terminal() -> None:
    """chatcanvas's warnings as one line each on stderr, less a cancelled job's: Ctrl-C asked for it, and the
    reply says so."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(levelname)s: %(message)s"))
    handler.addFilter(lambda record: not (isinstance(record.args, tuple)
                                          and any(isinstance(arg, JobCancelled) for arg in record.args)))
    logging.getLogger("chatcanvas").addHandler(handler)


def chat_loop(session: ChatSession, agent: ImageAgent, interactive: bool) -> None:
    """Read lines until /quit or the end of input: slash commands run here, anything else is a turn."""
    while True:
        try:
            line = input("you> ") if interactive else sys.stdin.readline()
        except EOFError:
            return
        if not interactive and line == "":
            return
        line = line.strip()
        if not line:
            continue
        if line.lower() in QUIT:
            return
        if line.startswith("/"):
            run_command(session, line)
            continue
        try:
            reply = run_turn(agent, line, session.pending, session.user, session.conversation)
        except ChatCanvasError as exc:
            typer.echo(f"error: {exc}", err=True)
            continue
        finally:
            session.pending = []
        typer.echo(f"chatcanvas> {reply.text}")
        for path in session.save(reply.images):
            typer.echo(f"  image: {path}")
        if not reply.images and any(c["name"] == "select_image" for c in reply.tool_calls):
            current = session.service.chat.current_image(session.user, session.conversation)
            for path in session.save([current] if current else []):
                typer.echo(f"  current image: {path}")


@app.command()
def demo(
    out: Annotated[Path, typer.Option("--out", help="Folder for the images and transcript.html.")] = Path(
        "chatcanvas-demo"),
    model: ModelOpt = None,
    llm: LlmOpt = None,
    data_dir: DataDirOpt = None,
) -> None:
    """Run a short scripted image conversation offline and write an HTML transcript with the pictures inline.

    Each run plays the demo afresh: a new conversation, and the subject learned again (an earlier run's is erased).
    """
    agent = open_demo_agent(model, llm, data_dir or out / "data")
    turns: list[tuple[str, Reply]] = []
    saved: list[Path] = []
    try:
        conversation = start_afresh(agent)
        for number, message in enumerate(DEMO_SCRIPT):
            attached = demo_subject_pictures() if number == DEMO_SUBJECT_TURN else []
            shown = message + (f" [{len(attached)} pictures attached]" if attached else "")
            typer.echo(f"you> {shown}")
            reply = run_turn(agent, message, attached, DEMO_USER, conversation)
            paths = save_images(agent.store, reply.images, out / "images")
            saved.extend(paths)
            typer.echo(f"chatcanvas> {reply.text}")
            for path in paths:
                typer.echo(f"  image: {path}")
            turns.append((shown, reply))
            wait_for_learning(agent)
        model_name = agent.settings.model
    finally:
        agent.close()
    transcript = out / "transcript.html"
    transcript.write_text(render_transcript(turns, model_name))
    typer.echo(f"transcript: {transcript}")
    strip = contact_strip(saved, out / "strip.png")
    if strip is not None:
        typer.echo(f"all pictures: {strip}")


def open_demo_agent(model: str | None, llm: str | None, data_dir: Path) -> ImageAgent:
    """The demo's agent. On `shapes` its subject trains `DEMO_LORA_STEPS` unless CHATCANVAS_LORA_STEPS says
    otherwise, and the models run on one CPU thread unless OMP_NUM_THREADS does: a second thread gains little on
    64x64 pictures, and where the cores are shared with other work it slows the LoRA training many times over."""
    quiet_libraries()
    import torch

    from chatcanvas.agent import ImageAgent

    settings = settings_with(model, data_dir)
    updates: dict[str, object] = {"llm": llm} if llm else {}
    if settings.model == "shapes" and settings.lora_steps is None:
        updates["lora_steps"] = DEMO_LORA_STEPS
    if "OMP_NUM_THREADS" not in os.environ:
        torch.set_num_threads(1)
    return ImageAgent.create(settings=settings.model_copy(update=updates))


def start_afresh(agent: ImageAgent) -> str:
    """Erase the demo user's subjects from an earlier run in this data folder (their names would be taken) and
    name a new conversation for this run."""
    for subject in agent.subjects.subjects.list_subjects(DEMO_USER):
        agent.subjects.delete(DEMO_USER, subject.id)
    return f"demo-{uuid.uuid4().hex[:8]}"


def wait_for_learning(agent: ImageAgent) -> None:
    """Wait for the demo user's subjects still being learned (a LoRA trains in the background), with a step bar
    ("learning Halo: 35%|...| 140/400"); Ctrl-C stops the training."""
    from chatcanvas.engine import JobStatus

    for subject in agent.subjects.subjects.list_subjects(DEMO_USER):
        job = agent.subjects.job(subject.id)
        if job is None or job.done:
            continue
        events: queue.SimpleQueue[JobEvent] = queue.SimpleQueue()
        job.subscribe(events.put)
        bar = progress_bar(f"learning {subject.name}", job.total)
        try:
            while not (event := events.get()).status.finished:
                if event.total and bar.total != event.total:
                    bar.reset(total=event.total)
                bar.n = event.step
                bar.refresh()
        except KeyboardInterrupt:
            agent.images.cancel(job)
            raise
        finally:
            bar.close()
        learned = "learned" if event.status is JobStatus.SUCCEEDED else f"could not learn ({job.error})"
        typer.echo(f"  {learned} {subject.name}: {job.step} of {job.total} training steps")


def contact_strip(paths: list[Path], target: Path, height: int = 192) -> Path | None:
    """The conversation's pictures side by side (small ones scaled up without smoothing), as one PNG."""
    from PIL import Image

    pictures = [Image.open(path).convert("RGB") for path in paths]
    if not pictures:
        return None
    pictures = [p.resize((p.width * height // p.height, height), Image.NEAREST) for p in pictures]
    gap = 8
    strip = Image.new("RGB", (sum(p.width for p in pictures) + gap * (len(pictures) - 1), height), "white")
    x = 0
    for picture in pictures:
        strip.paste(picture, (x, 0))
        x += picture.width + gap
    strip.save(target)
    return target


def render_transcript(turns: list[tuple[str, Reply]], model: str) -> str:
    rows = []
    for message, reply in turns:
        rows.append(f'<div class="you"><b>you</b> {html.escape(message)}</div>')
        calls = "".join(f"<code>{html.escape(c['name'])}({html.escape(str(c['args']))})</code>"
                        for c in reply.tool_calls)
        images = "".join(
            f'<figure><img src="images/{r.id}.png" width="{max(r.width, 192)}" alt="{html.escape(r.prompt or "")}">'
            f"<figcaption>{html.escape(r.prompt or '')}<br>seed {r.seed}"
            f"{' &middot; edit of ' + r.parent_id[:8] if r.parent_id else ''}</figcaption></figure>"
            for r in reply.images
        )
        rows.append(f'<div class="bot"><b>chatcanvas</b> {html.escape(reply.text)}{calls}{images}</div>')
    return f"""<!doctype html>
<html><head><meta charset="utf-8"><title>chatcanvas demo</title>
<style>body{{font-family:system-ui,sans-serif;max-width:720px;margin:2em auto}}div{{margin:.8em 0;padding:.6em;
border-radius:8px}}.you{{background:#eef}}.bot{{background:#f4f4f4}}code{{display:block;font-size:.85em;color:#555}}
img{{image-rendering:pixelated;border:1px solid #ccc}}figure{{display:inline-block;margin:.5em}}</style></head>
<body><h1>chatcanvas demo</h1><p>model <code>{html.escape(model)}</code>, offline</p>
{chr(10).join(rows)}
</body></html>
"""
