"""Prometheus metrics fed by the engine's job events: queue depth, jobs by state, step latency, images."""

from __future__ import annotations

import threading
import time

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

from chatcanvas.engine import EngineClient, JobEvent, JobStatus


class Metrics:
    def __init__(self, engine: EngineClient):
        self.registry = CollectorRegistry()
        self.queue_depth = Gauge("chatcanvas_queue_depth", "Jobs waiting for the device", registry=self.registry)
        self.queue_depth.set_function(lambda: engine.health().queue_depth)
        self.jobs = Counter("chatcanvas_jobs", "Jobs by the state they reached", ["state"], registry=self.registry)
        self.steps = Histogram("chatcanvas_step_seconds", "Time of one denoising step", registry=self.registry,
                               buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5))
        self.images = Counter("chatcanvas_images", "Images made", registry=self.registry)
        self.models = Gauge("chatcanvas_models_loaded", "Models in memory", registry=self.registry)
        self.models.set_function(lambda: len(engine.health().loaded_models))
        self.switch = Gauge("chatcanvas_model_switch_seconds", "How long the last model load took",
                            registry=self.registry)
        self.switch.set_function(lambda: engine.health().last_switch_s)
        self.restarts = Gauge("chatcanvas_worker_restarts", "Device workers replaced after dying",
                              registry=self.registry)
        self.restarts.set_function(lambda: engine.health().worker_restarts)
        self._last_step: dict[str, tuple[float, int]] = {}  # job -> (when, step) of its last event
        self._lock = threading.Lock()
        engine.add_listener(self.on_event)

    def on_event(self, event: JobEvent) -> None:
        now = time.perf_counter()
        with self._lock:
            if event.status is JobStatus.RUNNING:
                previous = self._last_step.get(event.job_id)
                if previous is not None and event.step > previous[1]:
                    # a remote engine may report every few steps: each of them took the average
                    steps = event.step - previous[1]
                    for _ in range(steps):
                        self.steps.observe((now - previous[0]) / steps)
                if event.step == 0 and event.job_id not in self._last_step:
                    self.jobs.labels("running").inc()
                self._last_step[event.job_id] = (now, event.step)
            elif event.status is JobStatus.QUEUED:
                self.jobs.labels("queued").inc()
            elif event.status.finished:
                self._last_step.pop(event.job_id, None)
                self.jobs.labels(event.status.value).inc()
                self.images.inc(event.images)

    def render(self) -> bytes:
        return generate_latest(self.registry)
