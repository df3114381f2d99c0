"""The caller's own things: images (PNG and metadata), conversations, and jobs with live progress.

Another user's image, conversation or job answers 404, exactly as if it did not exist.
"""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from fastapi.sse import EventSourceResponse
from pydantic import BaseModel, Field

from chatcanvas.engine import GenerateRequest, Job, JobEvent
from chatcanvas.server import schemas
from chatcanvas.server.deps import ServerState, StateDep, UserDep, caller, image_json, unauthorized
from chatcanvas.server.routes.openai_images import GenerationBody, parse_size
from chatcanvas.services.models import model_for_api

router = APIRouter(tags=["resources"])


@router.get("/v1/images", response_model=schemas.ImageList)
async def list_images(user: UserDep, state: StateDep, request: Request,
                      conversation_id: Annotated[str | None, Query(max_length=200)] = None,
                      limit: Annotated[int, Query(ge=1, le=200)] = 50) -> dict:
    records = await asyncio.to_thread(state.images.list, user.name, conversation_id, limit)
    return {"data": [image_json(request, state, record) for record in records]}


@router.get("/v1/images/{image_id}", response_class=Response,
            responses={200: {"content": {"image/png": {}}, "description": "The PNG, parameters in its text chunk."}})
def get_image(image_id: str, request: Request, state: StateDep,
                    token: Annotated[str | None, Query(description="A signed-URL token instead of a key.")] = None):
    user = caller(request, state.auth) or state.auth.user_for_token(image_id, token)
    if user is None:
        raise unauthorized()
    record = state.images.get(image_id, user.name)
    return Response(state.store.read(record), media_type="image/png",  # from the storage, local or not
                    headers={"Cache-Control": "private, max-age=86400"})


@router.delete("/v1/images/{image_id}", status_code=204)
async def delete_image(image_id: str, user: UserDep, state: StateDep) -> Response:
    """Erase one of your images (its file and record); images edited from it keep their own pixels."""
    await asyncio.to_thread(state.images.delete, image_id, user.name)
    return Response(status_code=204)


@router.get("/v1/images/{image_id}/meta", response_model=schemas.ImageMeta)
def get_image_meta(image_id: str, request: Request, user: UserDep, state: StateDep) -> dict:
    record = state.images.get(image_id, user.name)
    return image_json(request, state, record) | record.parameters() | {"conversation_id": record.conversation}


@router.get("/v1/conversations", response_model=schemas.ConversationList)
def list_conversations(user: UserDep, state: StateDep) -> dict:
    return {"data": [c.to_dict() for c in state.chat.conversations(user.name)]}


@router.get("/v1/conversations/{conversation_id}", response_model=schemas.ConversationDetail)
async def get_conversation(conversation_id: str, user: UserDep, state: StateDep) -> dict:
    return await asyncio.to_thread(state.conversations.conversation, user.name, conversation_id)


@router.delete("/v1/conversations/{conversation_id}", status_code=204)
async def delete_conversation(conversation_id: str, user: UserDep, state: StateDep) -> Response:
    """Erase a conversation: its messages and its pictures (409 while one of them is being made)."""
    await asyncio.to_thread(state.conversations.delete, user.name, conversation_id)
    return Response(status_code=204)


class SelectBody(BaseModel):
    image_id: str = Field(..., min_length=1, max_length=200, description="One of the conversation's pictures.")


@router.post("/v1/conversations/{conversation_id}/select", response_model=schemas.CurrentImage)
async def select_image(conversation_id: str, body: SelectBody, user: UserDep, state: StateDep) -> dict:
    """Make one of the conversation's pictures the current one: the next "make it blue" changes it."""
    record = await asyncio.to_thread(state.conversations.select, user.name, conversation_id, body.image_id)
    return {"conversation_id": conversation_id, "current_image_id": record.id}


@router.post("/v1/conversations/{conversation_id}/cancel", response_model=schemas.Cancelled)
async def cancel_turn(conversation_id: str, user: UserDep, state: StateDep) -> dict:
    """Stop the conversation's queued and running jobs; its running turn then ends with a reply."""
    cancelled = await asyncio.to_thread(state.conversations.stop, user.name, conversation_id)
    return {"conversation_id": conversation_id, "cancelled": cancelled}


def job_json(request: Request, state: ServerState, job: Job) -> dict:
    return {
        "id": job.id, "status": job.status.value, "step": job.step, "total": job.total, "created": job.created,
        "conversation_id": job.conversation, "images": [image_json(request, state, r) for r in job.images],
        "error": str(job.error) if job.error else None,
    }


@router.post("/v1/jobs", status_code=202, response_model=schemas.Job)
async def submit_job(body: GenerationBody, request: Request, user: UserDep, state: StateDep) -> dict:
    """Queue a text-to-image job and answer at once with its id; follow it at /v1/jobs/{id}/events."""
    width, height = parse_size(body.size)
    job_request = GenerateRequest(
        prompt=body.prompt, negative_prompt=body.negative_prompt, width=width, height=height, steps=body.steps,
        guidance_scale=body.guidance_scale, seed=body.seed, n=body.n, model=model_for_api(body.model, state.settings),
        scheduler=body.scheduler)
    job = await asyncio.to_thread(state.images.generate, job_request, user.name)  # recorded on disk first
    return job_json(request, state, job)


@router.get("/v1/jobs/{job_id}", response_model=schemas.Job)
async def get_job(job_id: str, request: Request, user: UserDep, state: StateDep) -> dict:
    return job_json(request, state, state.images.job(job_id, user.name))


@router.post("/v1/jobs/{job_id}/cancel", response_model=schemas.Job)
async def cancel_job(job_id: str, request: Request, user: UserDep, state: StateDep) -> dict:
    job = state.images.job(job_id, user.name)
    state.images.cancel(job)
    return job_json(request, state, job)


@router.get("/v1/jobs/{job_id}/events", responses={200: {"content": {"text/event-stream": {}}}})
async def job_events(job_id: str, request: Request, user: UserDep, state: StateDep):
    """Server-sent events: `progress` for each step, then one `done` with the job (or its error)."""
    job = state.images.job(job_id, user.name)
    return EventSourceResponse(_job_stream(request, state, job))


async def _job_stream(request: Request, state: ServerState, job: Job) -> AsyncIterator[str]:
    loop = asyncio.get_running_loop()
    events: asyncio.Queue[JobEvent] = asyncio.Queue()
    job.subscribe(lambda event: loop.call_soon_threadsafe(events.put_nowait, event))
    while True:
        event = await events.get()
        if event.status.finished:
            yield f"event: done\ndata: {json.dumps(job_json(request, state, job))}\n\n"
            return
        data = {"job_id": job.id, "status": event.status.value, "step": event.step, "total": event.total}
        if event.preview:
            data["preview"] = "data:image/png;base64," + base64.b64encode(event.preview).decode()
        yield f"event: progress\ndata: {json.dumps(data)}\n\n"
