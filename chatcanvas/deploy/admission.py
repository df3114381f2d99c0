"""The cluster-wide ledger of jobs in flight, per user: one named, detached Ray actor every ingress replica asks.

Why an actor rather than the shared store: the per-user cap is one atomic read-and-increment, and an actor runs its
calls one at a time, so two ingress replicas admitting the same user's jobs at once can never both pass the cap; no
database row lock, no polling. Each worker replica's own fair queue then serves the users it holds in turn.

If the actor dies it is restarted (`max_restarts=-1`) empty. It is not the record of any job (the job store is): each
ingress replica sends it the jobs it has in flight every few seconds (`sync`), so the counts rebuild within one sync
after a restart, and the jobs of an ingress replica that died and stopped syncing are forgotten after `LEASE_S`.
"""

from __future__ import annotations

import time

import ray

NAME = "chatcanvas-admission"
NAMESPACE = "chatcanvas"
LEASE_S = 60.0
"""An ingress replica not heard from for this long is gone: its jobs no longer count."""


class Admission:
    def __init__(self) -> None:
        self._jobs: dict[str, dict[str, str]] = {}  # ingress replica -> {job id: owner}
        self._heard: dict[str, float] = {}

    def admit(self, ingress: str, owner: str, job_id: str, cap: int | None, released: tuple[str, ...] = ()) -> bool:
        """Count the job for its owner; False (nothing counted) when the owner already has `cap` jobs in flight
        anywhere in the cluster. `cap` None: counted, never refused (a job resumed after a restart). `released`: the
        jobs of `ingress` that ended since it last told the ledger, let go first (one call instead of one per job)."""
        self.release_many(ingress, released)
        self._expire()
        if cap is not None and self.count(owner) >= cap:
            return False
        self._jobs.setdefault(ingress, {})[job_id] = owner
        self._heard[ingress] = time.monotonic()
        return True

    def release(self, ingress: str, job_id: str) -> None:
        """The job ended (or was never acknowledged)."""
        self._jobs.get(ingress, {}).pop(job_id, None)

    def release_many(self, ingress: str, job_ids: tuple[str, ...] | list[str]) -> None:
        """These jobs ended (or were never acknowledged)."""
        jobs = self._jobs.get(ingress, {})
        for job_id in job_ids:
            jobs.pop(job_id, None)

    def sync(self, ingress: str, jobs: dict[str, str]) -> None:
        """Everything `ingress` has in flight now, {job id: owner}: replaces what it sent before."""
        self._jobs[ingress] = dict(jobs)
        self._heard[ingress] = time.monotonic()
        self._expire()

    def holding(self, job_ids: list[str]) -> list[str]:
        """Which of `job_ids` some live ingress replica runs now (a restarted one must not run them twice)."""
        self._expire()
        live = {job_id for jobs in self._jobs.values() for job_id in jobs}
        return [job_id for job_id in job_ids if job_id in live]

    def count(self, owner: str) -> int:
        return sum(1 for jobs in self._jobs.values() for who in jobs.values() if who == owner)

    def in_flight(self) -> dict[str, int]:
        """Jobs in flight per user, cluster-wide."""
        self._expire()
        counts: dict[str, int] = {}
        for jobs in self._jobs.values():
            for owner in jobs.values():
                counts[owner] = counts.get(owner, 0) + 1
        return counts

    def _expire(self) -> None:
        cutoff = time.monotonic() - LEASE_S
        for ingress in [name for name, heard in self._heard.items() if heard < cutoff]:
            self._heard.pop(ingress, None)
            self._jobs.pop(ingress, None)


def admission_actor() -> ray.actor.ActorHandle:
    """The one ledger actor of this cluster, started by whichever ingress replica asks first."""
    return ray.remote(Admission).options(
        name=NAME, namespace=NAMESPACE, get_if_exists=True, lifetime="detached", max_restarts=-1,
        max_task_retries=-1, num_cpus=0,
    ).remote()
