"""What the web studio does to one of your pictures: draw it again with a new seed, vary it, repaint a painted area.

Each answers 202 with the job at once (follow it at /v1/jobs/{id}/events); its pictures join the picture's
conversation. Another user's picture answers 404.
"""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from chatcanvas.server import schemas
from chatcanvas.server.deps import StateDep, UserDep, decode_base64_image
from chatcanvas.server.routes.resources import job_json
from chatcanvas.services.studio import VARIATIONS

router = APIRouter(tags=["studio"])

MASK = "A mask as base64 or a data: URL, the picture's size: white marks the area to repaint, black keeps."


class RerollBody(BaseModel):
    mask: str | None = Field(None, description=f"Only for an edit of a painted area (masks are not kept). {MASK}")


class VariationsBody(BaseModel):
    n: int = Field(VARIATIONS, ge=1, description="How many (at most the server's max_images).")


class RepaintBody(BaseModel):
    change: str = Field(..., max_length=8000, description='What the painted area should become: "make it green", '
                                                          '"a yellow star".')
    mask: str = Field(..., description=MASK)
    seed: int | None = Field(None, ge=0, lt=2**63, description="Leave out for a new one.")


@router.post("/v1/images/{image_id}/reroll", status_code=202, response_model=schemas.Job)
async def reroll(image_id: str, request: Request, user: UserDep, state: StateDep,
                 body: RerollBody | None = None) -> dict:
    """The picture's own recipe (prompt, size, steps, subject, the picture it was edited from) with a new seed."""
    mask = decode_base64_image(body.mask, "mask") if body is not None and body.mask is not None else None
    job = await asyncio.to_thread(state.studio.reroll, user.name, image_id, mask)
    return job_json(request, state, job)


@router.post("/v1/images/{image_id}/variations", status_code=202, response_model=schemas.Job)
async def variations(image_id: str, request: Request, user: UserDep, state: StateDep,
                     body: VariationsBody | None = None) -> dict:
    """Pictures like this one: its prompt redrawn from it, each with its own seed."""
    n = body.n if body is not None else VARIATIONS
    job = await asyncio.to_thread(state.studio.variations, user.name, image_id, n)
    return job_json(request, state, job)


@router.post("/v1/images/{image_id}/repaint", status_code=202, response_model=schemas.Job)
async def repaint(image_id: str, body: RepaintBody, request: Request, user: UserDep, state: StateDep) -> dict:
    """Inpaint the area the mask marks so that the picture shows the change; the rest stays as it is."""
    mask = decode_base64_image(body.mask, "mask")
    job = await asyncio.to_thread(state.studio.repaint, user.name, image_id, body.change, mask, body.seed)
    return job_json(request, state, job)
