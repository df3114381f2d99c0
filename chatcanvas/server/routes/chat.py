"""`POST /v1/chat`: one message to the agent; JSON back, or server-sent progress events then the reply."""

from __future__ import annotations

import asyncio
import base64
import json
import uuid
from collections.abc import AsyncIterator

from fastapi import APIRouter, Request
from fastapi.sse import EventSourceResponse
from pydantic import BaseModel, Field

from chatcanvas.agent import Progress, Reply
from chatcanvas.errors import NotFound
from chatcanvas.server import schemas
from chatcanvas.server.bridge import iterate_in_thread, last_of, unless_disconnected
from chatcanvas.server.deps import ServerState, StateDep, UserDep, decode_base64_image, image_json
from chatcanvas.services.chat import ChatTurn

router = APIRouter(tags=["chat"])


class ChatBody(BaseModel):
    message: str = Field("", max_length=8000, description="What the user said.")
    conversation_id: str | None = Field(None, min_length=1, max_length=200,
                                        description="Continue this conversation; a new one when left out.")
    images: list[str] = Field(default_factory=list, max_length=8,
                              description="Attached images: base64 or data: URLs.")
    image_ids: list[str] = Field(default_factory=list, max_length=8,
                                 description="Stored images of yours to attach (e.g. the one picked to edit).")
    stream: bool = Field(False, description="Answer as server-sent events: progress..., then reply.")


def reply_json(request: Request, state: ServerState, reply: Reply) -> dict:
    return {
        "conversation_id": reply.conversation,
        "reply": reply.text,
        "images": [image_json(request, state, record) for record in reply.images],
        "tool_calls": reply.tool_calls,
        "current_image_id": reply.current_image_id,
    }


def sse(event: str, data: dict) -> str:
    return f"event: {event}\ndata: {json.dumps(data)}\n\n"


@router.post("/v1/chat", response_model=schemas.ChatReply,
             responses={200: {"content": {"text/event-stream": {}}, "description": "With stream: progress..., reply."}})
async def chat(body: ChatBody, request: Request, user: UserDep, state: StateDep):
    conversation = body.conversation_id or f"c_{uuid.uuid4().hex[:16]}"
    files = [decode_base64_image(data, f"images[{i}]") for i, data in enumerate(body.images)]
    chat_service = state.chat
    turn = ChatTurn(user=user.name, conversation=conversation, text=body.message, uploads=files,
                    image_ids=body.image_ids)
    # checks and stores the attachments now: a bad request fails before any response starts
    items = await asyncio.to_thread(chat_service.stream, turn)
    if body.stream:
        return EventSourceResponse(_events(request, state, items, user.name, conversation))
    reply = await unless_disconnected(request, last_of(items), lambda: chat_service.cancel(user.name, conversation))
    return reply_json(request, state, reply)


async def _events(request: Request, state: ServerState, items, user: str, conversation: str) -> AsyncIterator[str]:
    finished = False
    shown: dict[str, bytes] = {}  # per job, the last preview sent
    try:
        async for item in iterate_in_thread(items):
            if isinstance(item, Progress):
                data = {"job_id": item.job_id, "status": item.status, "step": item.step, "total": item.total,
                        "label": item.label}
                preview = _new_preview(state, user, item.job_id, shown)
                if preview is not None:
                    data["preview"] = "data:image/png;base64," + base64.b64encode(preview).decode()
                yield sse("progress", data)
            else:
                finished = True
                yield sse("reply", reply_json(request, state, item))
    finally:
        if not finished:  # the client went away mid-turn: stop its image
            state.chat.cancel(user, conversation)


def _new_preview(state: ServerState, user: str, job_id: str, shown: dict[str, bytes]) -> bytes | None:
    """The job's latest preview picture when it has one not sent yet (the engine makes one every few steps)."""
    try:
        preview = state.images.job(job_id, user).preview
    except NotFound:
        return None
    if preview is None or shown.get(job_id) is preview:
        return None
    shown[job_id] = preview
    return preview
