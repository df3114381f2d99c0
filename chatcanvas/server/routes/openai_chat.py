"""OpenAI-compatible chat: `POST /v1/chat/completions` runs the agent; `GET /v1/models` lists what is served.

Images come back as `message.images = [{"type": "image_url", "image_url": {"url": "data:image/png;base64,..."}}]`
(the convention OpenRouter uses) and as markdown links in the content, which chat UIs such as Open WebUI show.
"""

from __future__ import annotations

import asyncio
import base64
import json
import time
import uuid
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Header, Request
from fastapi.sse import EventSourceResponse
from pydantic import BaseModel, ConfigDict, Field

from chatcanvas.agent import Reply
from chatcanvas.engine import BUILTIN_MODELS
from chatcanvas.errors import InvalidInput, NotFound
from chatcanvas.server import schemas
from chatcanvas.server.bridge import iterate_in_thread, last_of, unless_disconnected
from chatcanvas.server.deps import ServerState, StateDep, UserDep, decode_base64_image, image_url
from chatcanvas.services.chat import ChatTurn
from chatcanvas.services.models import AGENT_MODEL, model_card

router = APIRouter(tags=["openai chat"])


class ChatCompletionBody(BaseModel):
    model_config = ConfigDict(extra="allow")

    model: str = Field(AGENT_MODEL, description='"chatcanvas": the image agent.')
    messages: list[dict[str, Any]] = Field(..., min_length=1, max_length=500)
    stream: bool = False
    user: str | None = Field(None, max_length=200, description="Continues this conversation (of yours).")


def last_user_turn(messages: list[dict[str, Any]]) -> tuple[str, list[bytes]]:
    """The newest user message's text and its data: URL images (earlier turns live in the conversation)."""
    for message in reversed(messages):
        if message.get("role") != "user":
            continue
        content = message.get("content")
        if isinstance(content, str):
            return content, []
        if not isinstance(content, list):
            raise InvalidInput("messages", "a user message's content must be text or a list of parts")
        texts, images = [], []
        for index, part in enumerate(content):
            kind = part.get("type") if isinstance(part, dict) else None
            if kind == "text":
                texts.append(str(part.get("text", "")))
            elif kind == "image_url":
                url = part.get("image_url")
                url = url.get("url") if isinstance(url, dict) else url
                images.append(decode_base64_image(url, f"messages.content[{index}].image_url"))
            else:
                raise InvalidInput("messages", f"unsupported content part {kind!r}; use text or image_url")
        return " ".join(texts), images
    raise InvalidInput("messages", "there is no user message")


def assistant_message(request: Request, state: ServerState, reply: Reply) -> dict[str, Any]:
    links = "".join(f"\n\n![image {r.id}]({image_url(request, state, r)})" for r in reply.images)
    images = [{"type": "image_url",
               "image_url": {"url": "data:image/png;base64," + base64.b64encode(state.store.read(r)).decode()}}
              for r in reply.images]
    return {"role": "assistant", "content": reply.text + links, "images": images,
            "current_image_id": reply.current_image_id}


@router.post("/v1/chat/completions", response_model=schemas.ChatCompletion,
             responses={200: {"content": {"text/event-stream": {}}, "description": "With stream: chunks."}})
async def chat_completions(body: ChatCompletionBody, request: Request, user: UserDep, state: StateDep,
                           x_conversation_id: Annotated[str | None, Header(max_length=200)] = None):
    if body.model != AGENT_MODEL:
        raise NotFound(f"model {body.model!r} does not chat; use model {AGENT_MODEL!r}")
    text, files = last_user_turn(body.messages)
    conversation = x_conversation_id or body.user or f"c_{uuid.uuid4().hex[:16]}"
    turn = ChatTurn(user=user.name, conversation=conversation, text=text, uploads=files)
    items = await asyncio.to_thread(state.chat.stream, turn)
    completion_id, created = f"chatcmpl-{uuid.uuid4().hex[:24]}", int(time.time())
    if body.stream:
        return EventSourceResponse(_chunks(request, state, items, completion_id, created, user.name, conversation))
    reply = await unless_disconnected(request, last_of(items), lambda: state.chat.cancel(user.name, conversation))
    message = await asyncio.to_thread(assistant_message, request, state, reply)  # reads the PNGs
    return {
        "id": completion_id, "object": "chat.completion", "created": created, "model": AGENT_MODEL,
        "choices": [{"index": 0, "message": message, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0},
        "conversation_id": conversation,
    }


async def _chunks(request: Request, state: ServerState, items, completion_id: str, created: int, user: str,
                  conversation: str) -> AsyncIterator[str]:
    def chunk(delta: dict, finish: str | None = None) -> str:
        body = {"id": completion_id, "object": "chat.completion.chunk", "created": created, "model": AGENT_MODEL,
                "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}
        return f"data: {json.dumps(body)}\n\n"

    finished = False
    try:
        yield chunk({"role": "assistant", "content": ""})
        async for item in iterate_in_thread(items):
            if isinstance(item, Reply):
                finished = True
                message = await asyncio.to_thread(assistant_message, request, state, item)
                yield chunk(message | {"role": "assistant"})
        yield chunk({}, "stop")
        yield "data: [DONE]\n\n"
    finally:
        if not finished:
            state.chat.cancel(user, conversation)


@router.get("/v1/models", response_model=schemas.ModelList)
async def models(user: UserDep, state: StateDep) -> dict:
    names = [AGENT_MODEL, state.settings.model, *BUILTIN_MODELS, *state.engine.health().loaded_models]
    unique = list(dict.fromkeys(names))
    return {"object": "list",
            "data": [{"id": name, "object": "model", "created": 0, "owned_by": "chatcanvas"} for name in unique]}


@router.get("/v1/models/{model_id}", response_model=schemas.ModelCard)
async def model(model_id: str, user: UserDep, state: StateDep) -> dict:
    """One model as a person meets it: what it can draw and three prompts to try (`chatcanvas`: the agent's)."""
    return model_card(model_id, state.settings)
