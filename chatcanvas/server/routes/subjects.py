"""Personalized subjects over HTTP: enroll from photos, list, follow training, erase. All owner-scoped."""

from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import APIRouter, File, Form, UploadFile
from fastapi.responses import JSONResponse, Response

from chatcanvas.errors import InvalidImage
from chatcanvas.server import schemas
from chatcanvas.server.deps import StateDep, UserDep

router = APIRouter(tags=["subjects"])


@router.post("/v1/subjects", status_code=201, response_model=schemas.Subject,
             responses={202: {"model": schemas.Subject, "description": "Enrolled; LoRA training started."}})
async def create_subject(
    user: UserDep,
    state: StateDep,
    name: Annotated[str, Form(max_length=60, description='What to call it: "Rex", or "me".')],
    images: Annotated[list[UploadFile] | None, File(description="One or more photos.")] = None,
    images_array: Annotated[list[UploadFile] | None, File(alias="images[]", description="Same, array form.")] = None,
    aliases: Annotated[str, Form(max_length=500, description='Comma-separated: "my dog, the pup".')] = "",
    method: Annotated[str | None, Form(description="ip_adapter (instant) or lora (trained).")] = None,
    kind: Annotated[str | None, Form(max_length=40, description='What it is: "dog", "person".')] = None,
    captions: Annotated[list[str] | None, Form(description='LoRA only, one per photo, in order: what else it shows '
                                                           '("on the beach").')] = None,
    captions_array: Annotated[list[str] | None, Form(alias="captions[]", description="Same, array form.")] = None,
) -> JSONResponse:
    files = [*(images or []), *(images_array or [])]
    if not files:
        raise InvalidImage("at least one photo of the subject is needed", "images")
    data = [await upload.read() for upload in files]
    service = state.subjects

    def register():
        pictures = [state.store.decode(item, f"images[{index}]") for index, item in enumerate(data)]
        return service.register(user.name, name, pictures, aliases=[a for a in aliases.split(",") if a.strip()],
                                method=method, kind=kind,
                                captions=[*(captions or []), *(captions_array or [])] or None)

    subject, _ = await asyncio.to_thread(register)  # an IP-Adapter subject is ready, a LoRA one learning
    return JSONResponse(service.live(subject), status_code=201 if subject.method == "ip_adapter" else 202)


@router.get("/v1/subjects", response_model=schemas.SubjectList)
async def list_subjects(user: UserDep, state: StateDep) -> dict:
    service = state.subjects
    return {"data": [service.live(subject) for subject in service.subjects.list_subjects(user.name)]}


@router.get("/v1/subjects/{subject_id}", response_model=schemas.Subject)
async def get_subject(subject_id: str, user: UserDep, state: StateDep) -> dict:
    service = state.subjects
    return service.live(service.subjects.get(user.name, subject_id))


@router.delete("/v1/subjects/{subject_id}", status_code=204)
async def delete_subject(subject_id: str, user: UserDep, state: StateDep) -> Response:
    """Erase the subject: its record, reference photos, embeddings and trained weights."""
    await asyncio.to_thread(state.subjects.delete, user.name, subject_id)
    return Response(status_code=204)
