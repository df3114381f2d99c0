"""chatcanvas on Ray Serve: an `Ingress` deployment (the FastAPI app, CPU replicas) in front of an `ImageWorker`
deployment (one replica per GPU, each a local `Engine` with its models resident, batching inside the replica).

    serve run chatcanvas.deploy.ray:app_builder model=tiny workers=2
    chatcanvas serve --ray --workers 2          (starts or joins a cluster and deploys this)
    serve deploy deploy/serve_config.yaml       (a Serve config; deploy/kuberay-rayservice.yaml on Kubernetes)

Every replica shares the settings given here, so they all use one data folder on one machine (SQLite in WAL mode
and content-addressed files are safe across processes), or one database and object store across nodes.
"""

from __future__ import annotations

import asyncio
import io
import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import ray
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from ray import serve
from ray.serve.handle import DeploymentHandle

from chatcanvas.config import Settings, get_settings
from chatcanvas.deploy.wire import (
    PROGRESS_EVERY_S,
    ProgressFilter,
    done_event,
    error_fields,
    on_this_node,
    payload_request,
    progress_event,
)
from chatcanvas.engine.jobs import JobStatus
from chatcanvas.errors import ChatCanvasError, InvalidInput
from chatcanvas.store.subjects import SubjectStore

log = logging.getLogger(__name__)

HIGH_THROUGHPUT_ENV = {
    # HAProxy (a C load balancer; ray[serve] ships its binary) takes the HTTP port and hands each request to an
    # ingress replica's own port: no Python proxy actor between the users and the app
    "RAY_SERVE_ENABLE_HA_PROXY": "1",
    # gRPC between replicas, each ingress replica serving HTTP on a port of its own, request logs buffered
    "RAY_SERVE_THROUGHPUT_OPTIMIZED": "1",
    # except that each deployment handle's router keeps an event loop of its own: the `RayEngine` follows its jobs
    # on a loop of its own, which a router on the replica's main loop cannot serve
    "RAY_SERVE_RUN_ROUTER_IN_SEPARATE_LOOP": "1",
    # a quieter control plane: the Serve controller's loop every 0.5 s instead of 0.1 s (deploys, scaling and
    # replica health react within half a second) and each replica's metrics handed to Ray every 1 s instead of 0.1 s
    # (still more often than Prometheus scrapes); on a small node that is CPU the workers get back
    "RAY_SERVE_CONTROL_LOOP_INTERVAL_S": "0.5",
    "RAY_SERVE_METRICS_EXPORT_INTERVAL_MS": "1000",
}
"""Ray Serve's high-throughput mode, as `chatcanvas serve --ray` (on the cluster it starts, unless
--no-high-throughput) and deploy/kuberay-rayservice.yaml set it where the cluster's processes start (Ray reads these
in each process; a running cluster keeps its own)."""

APP_NAME = "chatcanvas"
"""The Serve application's name where chatcanvas deploys it (the CLI, deploy/*.yaml, the tests)."""
INGRESS = "Ingress"
WORKER = "ImageWorker"


@serve.deployment(name=WORKER, max_ongoing_requests=16, graceful_shutdown_wait_loop_s=2,
                  graceful_shutdown_timeout_s=600,
                  # each ingress asks every worker for its health every 2 s: one access-log line per call is noise
                  logging_config={"enable_access_log": False})
class ImageWorker:
    """One device's worker: a local `Engine` (its fair queue and batching) with the default model loaded.

    Many `run` calls are in a replica at once (`max_ongoing_requests`), so its fair queue serves the users it holds
    in turn and compatible jobs share a pipeline call. Scaling down, Serve lets the running calls finish
    (`graceful_shutdown_timeout_s`) before the replica's engine is closed."""

    def __init__(self, settings: Settings, torch_threads: int | None = None):
        import torch

        from chatcanvas.cli.common import quiet_libraries
        from chatcanvas.engine import Engine

        quiet_libraries()
        if torch_threads:
            torch.set_num_threads(torch_threads)
        # the ingress records jobs; the worker only draws and stores, and decodes no previews it would not send
        interval = max(settings.preview_interval_s, PROGRESS_EVERY_S)
        self.engine = Engine(settings.model_copy(update={"durable_jobs": False, "preview_interval_s": interval}))
        self.engine.preload()
        self.subjects = SubjectStore.from_settings(settings)
        """Subjects' records and files: this node's own copies of them (see `on_this_node`)."""
        self.replica = serve.get_replica_context().replica_id.to_full_id_str()
        """The replica's id, which is also its actor's name in the `serve` namespace."""
        self.running: dict[str, Any] = {}  # the ingress's job id -> the local job
        self.served = 0

    async def run(self, payload: dict[str, Any]) -> AsyncIterator[dict[str, Any]]:
        """Draw one job: `accepted`, `progress` events (status, step, total, preview PNG when any; steps at most every
        `PROGRESS_EVERY_S`), then `done` with the stored images' ids or the error. Cancelling the call (the ingress's
        `response.cancel()`) cancels the local job within a step."""
        yield {"kind": "accepted", "replica": self.replica}
        loop = asyncio.get_running_loop()
        events: asyncio.Queue = asyncio.Queue()
        asked = payload_request(payload)
        try:
            request, publish = await asyncio.to_thread(on_this_node, asked, payload["owner"], self.subjects)
            job = await asyncio.to_thread(self.engine.submit, request, payload["owner"], payload["conversation"])
        except ChatCanvasError as exc:
            yield {"kind": "done", "status": "failed", "step": 0, "total": 0, "image_ids": [], "output": None,
                   "error": error_fields(exc)}
            return
        self.running[payload["id"]] = job
        progress = ProgressFilter()
        try:
            job.subscribe(lambda event: loop.call_soon_threadsafe(events.put_nowait, event))
            while True:
                arrived = [await events.get()]
                while not events.empty():
                    arrived.append(events.get_nowait())
                for event in progress.pick(arrived):
                    if not event.status.finished:
                        yield progress_event(event)
                if arrived[-1].status.finished:
                    break
            self.served += 1
            event = done_event(job)  # its images are in the shared store by now
            if publish is not None and job.status is JobStatus.SUCCEEDED:
                try:  # a subject's weights are in storage before the ingress reads it as ready
                    await asyncio.to_thread(self.subjects.publish, publish)
                except ChatCanvasError as exc:
                    event.update(status=JobStatus.FAILED.value, error=error_fields(exc))
            if getattr(asked, "output", None) is not None:
                event["output"] = str(asked.output)  # the path the ingress named, not this node's copy
            yield event
        finally:  # cancelled (asyncio.CancelledError) or abandoned: the local job stops too
            self.running.pop(payload["id"], None)
            if not job.done:
                self.engine.cancel(job)

    async def describe(self, png: bytes) -> str | None:
        from PIL import Image

        with Image.open(io.BytesIO(png)) as image:
            picture = image.convert("RGB")
        return await asyncio.to_thread(self.engine.describe, picture)

    async def preload(self, model: str) -> None:
        await asyncio.to_thread(self.engine.preload, model)

    def health(self) -> dict[str, Any]:
        """This replica's state: what `/readyz` and the ingress's metrics read, and tests find replicas by."""
        health = self.engine.health()
        return {"replica": self.replica, "alive": health.alive, "queue_depth": health.queue_depth,
                "loaded_models": list(health.loaded_models), "last_switch_s": health.last_switch_s,
                "worker_restarts": health.worker_restarts, "running": sorted(self.running), "served": self.served}

    def check_health(self) -> None:
        """Serve's health check: a replica whose device worker stopped is replaced."""
        if not self.engine.alive:
            raise RuntimeError("the device worker of this replica is not running")

    def __del__(self) -> None:
        engine = getattr(self, "engine", None)
        if engine is not None:
            engine.close(timeout=30)


@serve.deployment(name=INGRESS, max_ongoing_requests=256, ray_actor_options={"num_cpus": 0.5})
@serve.ingress()
class Ingress:
    """The HTTP app exactly as `chatcanvas serve` has it (auth, routes, error bodies), its agent on a `RayEngine`."""

    def __init__(self, worker: DeploymentHandle, settings: Settings):
        self.worker, self.settings = worker, settings

    def __serve_build_asgi_app__(self) -> Any:
        from chatcanvas.cli.common import quiet_libraries
        from chatcanvas.deploy.ray_engine import RayEngine  # torch and diffusers load with it: in the replica only
        from chatcanvas.server import create_app

        quiet_libraries()
        return create_app(self.settings, engine=lambda settings: RayEngine(settings, self.worker))


class DeployArgs(BaseModel):
    """The application's arguments (`serve run ... key=value` gives them as strings)."""

    model_config = ConfigDict(extra="forbid")

    model: str | None = Field(None, description="The default model; else CHATCANVAS_MODEL.")
    data_dir: Path | None = Field(None, description="The shared data folder; else CHATCANVAS_DATA_DIR.")
    workers: int = Field(1, ge=1, description="Image worker replicas (the initial count when autoscaling).")
    min_workers: int | None = Field(None, ge=1, description="Autoscaling floor (models stay resident: at least 1).")
    max_workers: int | None = Field(None, ge=1, description="Autoscaling ceiling.")
    num_gpus: float | None = Field(None, ge=0, description="GPUs per worker; None: 1 when the cluster has GPUs.")
    num_cpus: float = Field(1.0, gt=0, description="CPUs per worker replica (fractions share a machine).")
    torch_threads: int | None = Field(None, ge=1, description="torch threads per worker (1: replicas on one "
                                                             "machine do not fight for its cores).")
    max_ongoing_requests: int = Field(16, ge=1, description="Jobs in one worker replica at once (its batches "
                                                          "and fair queue draw from these).")
    max_queued_requests: int = Field(64, ge=1, description="Jobs waiting for a replica at each ingress replica; "
                                                         "beyond it a job is refused with 429.")
    ingress_replicas: int = Field(1, ge=1)
    ingress_cpus: float = Field(0.5, gt=0)
    graceful_shutdown_timeout_s: float | None = Field(None, ge=0, description="How long a worker scaled down may "
                                                      "finish its jobs; else CHATCANVAS_SHUTDOWN_WAIT_S.")


def parse_args(args: dict[str, Any]) -> DeployArgs:
    """`DeployArgs` from `serve run` / config arguments; a bad one is one clear `InvalidInput`."""
    try:
        return DeployArgs.model_validate(args)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(part) for part in first["loc"]) or "args"
        message = "unknown argument" if first["type"] == "extra_forbidden" else first["msg"]
        raise InvalidInput(field, f"{message} (got {first.get('input')!r})") from None


def app_builder(args: dict[str, Any]) -> Any:
    """`serve run chatcanvas.deploy.ray:app_builder model=tiny workers=2`: the settings come from CHATCANVAS_*
    variables where this runs, the arguments override some, and every replica receives the result."""
    options = parse_args(args)
    updates: dict[str, Any] = {}
    if options.model:
        updates["model"] = options.model
    if options.data_dir:
        updates["data_dir"] = options.data_dir
    return build_app(get_settings().model_copy(update=updates), options)


def build_app(settings: Settings, options: DeployArgs | None = None, worker_settings: Settings | None = None) -> Any:
    """The Serve application: `Ingress` bound to an `ImageWorker` deployment, both given `settings` (the workers
    `worker_settings` where they differ: e.g. a data folder of their own, as on a node that shares no disk)."""
    options = options or DeployArgs()
    if options.min_workers and options.max_workers and options.min_workers > options.max_workers:
        raise InvalidInput("min_workers", f"{options.min_workers} is more than max_workers ({options.max_workers})")
    num_gpus = options.num_gpus
    if num_gpus is None:
        num_gpus = 1 if ray.is_initialized() and ray.cluster_resources().get("GPU", 0) > 0 else 0
    scaling: dict[str, Any] = {"num_replicas": options.workers}
    if options.min_workers or options.max_workers:
        low = options.min_workers or 1
        high = max(options.max_workers or options.workers, low)
        scaling = {"num_replicas": "auto", "autoscaling_config": {
            "min_replicas": low, "max_replicas": high, "initial_replicas": min(max(options.workers, low), high),
            "target_ongoing_requests": max(1, options.max_ongoing_requests // 2)}}
    worker = ImageWorker.options(
        **scaling, max_ongoing_requests=options.max_ongoing_requests,
        max_queued_requests=options.max_queued_requests,
        graceful_shutdown_timeout_s=(settings.shutdown_wait_s if options.graceful_shutdown_timeout_s is None
                                     else options.graceful_shutdown_timeout_s),
        ray_actor_options={"num_cpus": options.num_cpus, "num_gpus": num_gpus},
    ).bind(worker_settings or settings, options.torch_threads)
    ingress = Ingress.options(num_replicas=options.ingress_replicas,
                              ray_actor_options={"num_cpus": options.ingress_cpus})
    return ingress.bind(worker, settings)
