"""Running blocking work from async routes: iterate a sync generator on a thread, and notice a client
that went away (its running job is then cancelled, so the device is not spent on nobody)."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any, TypeVar

from fastapi import Request

T = TypeVar("T")
_DONE = object()


class _Failure:
    def __init__(self, error: BaseException):
        self.error = error


async def iterate_in_thread(items: Iterator[T]) -> AsyncIterator[T]:
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue = asyncio.Queue()

    def pump() -> None:
        try:
            for item in items:
                loop.call_soon_threadsafe(queue.put_nowait, item)
        except BaseException as exc:  # handed to the consumer, which raises it
            loop.call_soon_threadsafe(queue.put_nowait, _Failure(exc))
        finally:
            loop.call_soon_threadsafe(queue.put_nowait, _DONE)

    threading.Thread(target=pump, name="chatcanvas-stream", daemon=True).start()
    while (item := await queue.get()) is not _DONE:
        if isinstance(item, _Failure):
            raise item.error
        yield item


async def last_of(items: Iterator[T]) -> T:
    """Run a blocking generator on a thread and return its last item (a turn's `Reply`)."""
    last = None
    async for item in iterate_in_thread(items):
        last = item
    return last


async def unless_disconnected(request: Request, work: Awaitable[T], on_disconnect: Callable[[], object]) -> T:
    """Await `work`; if the client disconnects first, call `on_disconnect` (cancel its jobs) and still finish.

    The disconnect is heard as it arrives (the request's next ASGI message, once its body has been read), not
    polled for: under Ray Serve each poll is a round trip through the proxy."""
    task = asyncio.ensure_future(work)
    gone = asyncio.ensure_future(_disconnected(request))
    try:
        done, _ = await asyncio.wait({task, gone}, return_when=asyncio.FIRST_COMPLETED)
        if task not in done:
            on_disconnect()
        return await task
    finally:
        gone.cancel()


async def _disconnected(request: Request) -> None:
    while (await request.receive())["type"] != "http.disconnect":
        pass  # the rest of a body nobody read


async def follow(request: Request, state: Any, job: Any) -> list[Any]:
    """A job's images (`state` is the server's state); the job is cancelled if the client goes away first."""
    return await unless_disconnected(request, state.images.wait_async(job), lambda: state.images.cancel(job))
