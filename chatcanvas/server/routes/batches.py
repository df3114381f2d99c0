"""`/v1/batches`: a dataset from JSONL (one `{"prompt": ...}` a line), drawn in the background; follow it with GET,
download it as a zipped Hugging Face imagefolder, cancel it with DELETE. Only its owner sees it."""

from __future__ import annotations

import asyncio
import io
import json
import zipfile
from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response

from chatcanvas.errors import InvalidInput
from chatcanvas.server.deps import ServerState, StateDep, UserDep
from chatcanvas.services.batch import parse_items
from chatcanvas.services.batches import Batch
from chatcanvas.services.models import model_for_api

router = APIRouter(prefix="/v1/batches", tags=["batches"])


def batch_json(request: Request, state: ServerState, batch: Batch, rows: bool = False) -> dict[str, Any]:
    base = (state.settings.public_url or str(request.base_url)).rstrip("/")
    body: dict[str, Any] = {"id": batch.id, "object": "batch", "status": batch.status, "created": batch.created,
                            "seed": batch.seed, "total": batch.total, "done": batch.done, "failed": batch.failed,
                            "errors": list(batch.errors), "dataset_url": f"{base}/v1/batches/{batch.id}/dataset"}
    if rows:  # each picture by a signed link, as the image routes give them
        body["images"] = [{"file_name": row["file_name"], "image_id": row["image_id"], "prompt": row["prompt"],
                           "seed": row["seed"], "url": f"{base}/v1/images/{row['image_id']}?token="
                                                      f"{state.auth.sign(row['image_id'], batch.owner)}"}
                          for row in batch.rows()]
    return body


@router.post("", status_code=202)
async def create_batch(request: Request, user: UserDep, state: StateDep,
                       seed: int | None = Query(None, ge=0, le=2**31 - 1, description="Base seed of the dataset.")
                       ) -> JSONResponse:
    """Queue a batch from a JSONL body; 202 with the batch to follow at `GET /v1/batches/{id}`."""
    try:
        text = (await request.body()).decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidInput("body", "must be UTF-8 JSONL, one {\"prompt\": ...} a line") from None
    items = parse_items(text, jsonl=True)
    items = [item.__class__(**{**item.__dict__, "model": model_for_api(item.model, state.settings,
                                                                         f"item {index + 1}: model")})
             for index, item in enumerate(items)]
    batch = await asyncio.to_thread(state.batches.create, user.name, items, seed)
    return JSONResponse(batch_json(request, state, batch), status_code=202)


@router.get("")
def list_batches(request: Request, user: UserDep, state: StateDep) -> dict[str, Any]:
    return {"object": "list", "data": [batch_json(request, state, b) for b in state.batches.list(user.name)]}


@router.get("/{batch_id}")
def get_batch(batch_id: str, request: Request, user: UserDep, state: StateDep) -> dict[str, Any]:
    return batch_json(request, state, state.batches.get(batch_id, user.name), rows=True)


@router.delete("/{batch_id}")
def cancel_batch(batch_id: str, request: Request, user: UserDep, state: StateDep) -> dict[str, Any]:
    return batch_json(request, state, state.batches.cancel(batch_id, user.name))


@router.get("/{batch_id}/dataset", response_class=Response,
            responses={200: {"content": {"application/zip": {}}, "description": "train/*.png + metadata.jsonl"}})
def batch_dataset(batch_id: str, user: UserDep, state: StateDep) -> Response:
    """What is drawn so far, as a zipped imagefolder (`datasets.load_dataset("imagefolder", data_dir=...)`)."""
    batch = state.batches.get(batch_id, user.name)
    rows = batch.rows()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        for row in rows:
            archive.write(batch.folder / "train" / row["file_name"], f"train/{row['file_name']}")
        archive.writestr("train/metadata.jsonl", "".join(json.dumps(r) + "\n" for r in rows))
    return Response(buffer.getvalue(), media_type="application/zip",
                    headers={"content-disposition": f'attachment; filename="{batch.id}.zip"'})
