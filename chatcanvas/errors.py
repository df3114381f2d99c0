"""The small set of typed errors: user-facing ones carry a message meant to be shown as is."""

from __future__ import annotations


class ChatCanvasError(Exception):
    """Base of every error chatcanvas raises on purpose."""


class UserError(ChatCanvasError):
    """The request was wrong; the message says what to change. Nothing was stored."""


class InvalidInput(UserError):
    """A parameter is out of range or malformed; `field` names it."""

    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}")
        self.field = field


def check_text(field: str, value: str) -> str:
    """`value` when it is text that can be stored and sent on; `InvalidInput` for a lone surrogate (JSON's
    "\\ud800" escapes decode to one), which no tokenizer, database or PNG chunk accepts."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise InvalidInput(field, f"is not valid text: a lone surrogate at character {exc.start}") from None
    return value


def one_line(exc: BaseException) -> str:
    """An exception as one line: its first line of text, or its type when it has none."""
    return next((line.strip() for line in str(exc).splitlines() if line.strip()), "") or type(exc).__name__


def check_number(field: str, value: object, kind: type) -> int | float | None:
    """`value` as `kind` (int or float) when it is a number (a whole one for int; never a bool); None stays None;
    else `InvalidInput` naming `field`."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or (kind is int and value != int(value)):
        raise InvalidInput(field, f"must be a number{' (whole)' if kind is int else ''}, got {value!r}")
    return kind(value)


class UnknownModel(InvalidInput):
    def __init__(self, model: str, detail: str = ""):
        hint = f" ({detail})" if detail else ""
        super().__init__("model", f"unknown model {model!r}{hint}")


class InvalidImage(InvalidInput):
    """An uploaded file is not an image we accept."""

    def __init__(self, message: str, field: str = "image"):
        super().__init__(field, message)


class NotFound(UserError):
    """No such thing for this user (another user's things read as absent too)."""


class Busy(UserError):
    """The thing is in use (a conversation's turn is running); try again when it ends."""


class QueueFull(UserError):
    """The device queue is at capacity; try again shortly."""

    def __init__(self, capacity: int, retry_after: float = 5.0, mine: bool = False):
        if mine:
            message = f"you already have {capacity} images waiting; wait for one to finish"
        else:
            message = f"the image queue is full ({capacity} jobs waiting); try again in a few seconds"
        super().__init__(message)
        self.capacity = capacity
        self.retry_after = retry_after


class JobCancelled(UserError):
    """The job was cancelled before it finished."""


class EngineError(ChatCanvasError):
    """Something failed inside the engine that the user could not have prevented."""


class StorageError(ChatCanvasError):
    """The storage (`storage_url`) failed to write or read a file; nothing that would name the file was recorded."""


class JobInterrupted(EngineError):
    """The process is stopping before the job ended; its record stays, and it runs again after the restart."""
