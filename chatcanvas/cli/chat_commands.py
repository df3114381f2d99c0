"""The terminal chat's conversation and slash commands: which conversation a run continues, and /images, /use N,
/undo, /save N PATH, /image PATH, /help. Each command is a call to the chat or image service; a bad argument is
one line on stderr."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from chatcanvas.errors import ChatCanvasError, NotFound

if TYPE_CHECKING:
    from chatcanvas.services.conversations import ConversationService
    from chatcanvas.services.images import ImageService
    from chatcanvas.store import ImageRecord, ImageStore

DEFAULT_CONVERSATION = "default"
PROMPT_CHARS = 60


@dataclass
class ChatSession:
    """One run of `chatcanvas chat`: who chats, in which conversation, where pictures are written, and the
    pictures attached to the next message."""

    service: ConversationService
    images: ImageService
    user: str
    conversation: str
    out_dir: Path
    pending: list[bytes] = field(default_factory=list)

    def save(self, records: list[ImageRecord]) -> list[Path]:
        return save_images(self.images.store, records, self.out_dir)


def save_images(store: ImageStore, records: list[ImageRecord], folder: Path) -> list[Path]:
    """The pictures written into `folder` as `<id>.png` (the stored PNG, its parameters chunk and all)."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for record in records:
        target = folder / f"{record.id}.png"
        target.write_bytes(store.read(record))
        paths.append(target)
    return paths


class CommandError(Exception):
    """A slash command's argument is wrong; the message says what to type instead."""


# --- which conversation -----------------------------------------------------------------------------
def open_conversation(service: ConversationService, user: str, name: str | None, new: bool) -> tuple[str, str]:
    """The conversation this run continues, and the line that says so.

    Without a name, the user's latest conversation (or "default" on a first run); `new` names a fresh one
    (the earlier ones stay stored; `--conversation` returns to one)."""
    if new:
        if name is None:
            name = f"chat-{uuid.uuid4().hex[:8]}"
        elif _sizes(service, user, name) != (0, 0):
            raise CommandError(f"conversation {name!r} already exists; leave out --new to continue it")
        return name, f"new conversation {name!r}"
    if name is None:
        latest = service.chat.conversations(user)
        name = latest[0].id if latest else DEFAULT_CONVERSATION
    messages, pictures = _sizes(service, user, name)
    if (messages, pictures) == (0, 0):
        return name, f"new conversation {name!r}"
    return name, (f"resuming conversation {name!r} ({_count(messages, 'message')}, {_count(pictures, 'picture')}); "
                  "--new starts fresh")


def _sizes(service: ConversationService, user: str, conversation: str) -> tuple[int, int]:
    """How many messages the user sent in the conversation, and how many pictures it has."""
    try:
        messages = service.conversation(user, conversation)["messages"]
    except NotFound:
        messages = []
    return sum(m["role"] == "user" for m in messages), len(service.pictures(user, conversation))


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


# --- the commands ---------------------------------------------------------------------------------
def show_images(session: ChatSession, argument: str) -> None:
    """/images: the conversation's pictures, numbered as /use and /save take them; * marks the current one."""
    _no_argument(argument)
    pictures = session.service.pictures(session.user, session.conversation)
    if not pictures:
        typer.echo("no pictures in this conversation yet")
        return
    current = session.service.chat.current_image(session.user, session.conversation)
    ordinal = {picture.id: number for number, picture in enumerate(pictures, 1)}
    for number, picture in enumerate(pictures, 1):
        mark = "*" if current is not None and picture.id == current.id else " "
        about = _short(picture.prompt or "")
        if picture.operation == "upload":
            about = f"your picture{': ' + about if about else ''}"
        if picture.parent_id in ordinal:
            about += f" (edit of #{ordinal[picture.parent_id]})"
        typer.echo(f"{mark} #{number} {picture.id}  {about}{'  (current)' if mark == '*' else ''}")


def use_image(session: ChatSession, argument: str) -> None:
    """/use N: make picture N of /images the current one ("it" in your next message)."""
    picture = _numbered(session, argument.strip(), "/use 2")
    _made_current(session, session.service.select(session.user, session.conversation, picture.id))


def undo(session: ChatSession, argument: str) -> None:
    """/undo: make the previous picture current again, as saying "undo" does (the picture it was edited from)."""
    _no_argument(argument)
    previous = session.service.previous(session.user, session.conversation)
    if previous is None:
        raise CommandError("there is no earlier picture to go back to")
    _made_current(session, session.service.select(session.user, session.conversation, previous.id))


def save_image(session: ChatSession, argument: str) -> None:
    """/save N PATH: write picture N of /images to PATH as a PNG (with its parameters; a folder gets <id>.png)."""
    number, _, path_text = argument.strip().partition(" ")
    picture = _numbered(session, number, "/save 2 fox.png")
    if not path_text.strip():
        raise CommandError("give a path to write to, e.g. /save 1 fox.png")
    target = Path(path_text.strip()).expanduser()
    if target.is_dir():
        target = target / f"{picture.id}.png"
    elif not target.suffix:
        target = target.with_suffix(".png")
    elif target.suffix.lower() != ".png":
        raise CommandError(f"pictures are saved as PNG; name the file {target.with_suffix('.png').name}")
    data = session.images.read(picture.id, session.user)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    except OSError as exc:
        raise CommandError(f"cannot write {target}: {exc.strerror or exc}") from None
    typer.echo(f"saved #{number.lstrip('#')} to {target}")


def attach_image(session: ChatSession, argument: str) -> None:
    """/image PATH: attach a picture file to your next message."""
    if not argument.strip():
        raise CommandError("give a picture file, e.g. /image photo.jpg")
    path = Path(argument.strip()).expanduser()
    if not path.is_file():
        raise CommandError(f"no such file: {path}")
    session.pending.append(path.read_bytes())
    typer.echo(f"attached {path} to your next message")


def show_help(session: ChatSession, argument: str) -> None:
    """/help: this list."""
    for name, command in COMMANDS.items():
        typer.echo(f"  {(command.__doc__ or name).splitlines()[0]}")
    typer.echo("  /quit: leave (Ctrl-C at the prompt too; Ctrl-C while drawing cancels the picture)")


COMMANDS: dict[str, Callable[[ChatSession, str], None]] = {
    "/images": show_images, "/use": use_image, "/undo": undo, "/save": save_image, "/image": attach_image,
    "/help": show_help,
}
QUIT = ("/quit", "/exit")


def run_command(session: ChatSession, line: str) -> None:
    """Run one slash command line; a wrong one prints one line on stderr, never a traceback."""
    name, _, argument = line.partition(" ")
    command = COMMANDS.get(name.lower())
    if command is None:
        typer.echo(f"{name}: no such command; /help lists them", err=True)
        return
    try:
        command(session, argument)
    except (CommandError, ChatCanvasError) as exc:
        typer.echo(f"{name.lower()}: {exc}", err=True)


def _numbered(session: ChatSession, number: str, example: str) -> ImageRecord:
    """Picture `number` of the conversation's pictures (from 1, as /images numbers them)."""
    pictures = session.service.pictures(session.user, session.conversation)
    if not number.lstrip("#").isdecimal():
        among = f", 1 to {len(pictures)}" if pictures else ""
        raise CommandError(f"give a picture's number from /images{among}, e.g. {example}")
    wanted = int(number.lstrip("#"))
    if not pictures:
        raise CommandError("this conversation has no pictures yet")
    if not 1 <= wanted <= len(pictures):
        raise CommandError(f"no picture {wanted}; this conversation has {len(pictures)}")
    return pictures[wanted - 1]


def _made_current(session: ChatSession, picture: ImageRecord) -> None:
    pictures = session.service.pictures(session.user, session.conversation)
    number = next((n for n, p in enumerate(pictures, 1) if p.id == picture.id), "?")
    typer.echo(f"current picture: #{number} {picture.id}  {_short(picture.prompt or 'your picture')}")
    for path in session.save([picture]):
        typer.echo(f"  current image: {path}")


def _no_argument(argument: str) -> None:
    if argument.strip():
        raise CommandError(f"takes no argument (got {argument.strip()!r})")


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= PROMPT_CHARS else text[:PROMPT_CHARS - 3].rstrip() + "..."
