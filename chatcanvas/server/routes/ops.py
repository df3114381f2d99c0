"""Health, readiness and Prometheus metrics."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse, Response

from chatcanvas.server import schemas
from chatcanvas.server.deps import StateDep, UserDep

router = APIRouter(tags=["ops"])


@router.get("/healthz", response_model=schemas.Health)
async def healthz() -> dict:
    """The process is up (no key needed)."""
    return {"status": "ok"}


@router.get("/readyz", response_model=schemas.Readiness,
            responses={503: {"model": schemas.Readiness, "description": "Loading, or shutting down."}})
async def readyz(state: StateDep) -> JSONResponse:
    """200 once the default model is loaded and the worker runs; 503 while loading or shutting down (or, on a Ray
    deployment, while no image worker replica is live)."""
    model = state.settings.model
    health = state.engine.health()
    checks = {
        "model_loaded": model in health.loaded_models,
        "worker_alive": health.alive,
        "accepting": not state.stopping.is_set(),
    }
    ready = all(checks.values())
    body = {"status": "ready" if ready else "not ready", "model": model, **checks}
    if health.workers is not None:
        body["workers"] = health.workers
    return JSONResponse(body, status_code=200 if ready else 503)


@router.get("/metrics", response_class=Response,
            responses={200: {"content": {"text/plain": {}}, "description": "Prometheus text format."}})
async def metrics(user: UserDep, state: StateDep) -> Response:
    return Response(state.metrics.render(), media_type="text/plain; version=0.0.4")
