"""The cluster-wide ledger of jobs in flight, per user: one named, detached Ray actor every ingress replica asks.

Why an actor rather than the shared store: the per-user cap is one atomic read-and-increment, and an actor runs its
calls one at a time, so two ingress replicas admitting the same user's jobs at once can never both pass the cap; no
database row lock, no polling. Each worker replica's own fair queue then serves the users it holds in turn.

The cap is counted in slots, which each ingress replica leases from the ledger one at a time and keeps while the
user goes on drawing there: a user's next job on a slot its ingress already holds is admitted there without asking
(one blocking call per job was a fifth of an ingress's CPU per image); the ingress tells the ledger such jobs, the
jobs that ended and the slots it gives back (those spare for `LEASE_IDLE_S`) in one call every tenth of a second
(`Leases`, `Admission.update`). The slots an ingress holds never pass the cap together with everyone else's: a slot
spare on one ingress replica is not free for another until it is given back, at most `LEASE_IDLE_S` later.

If the actor dies it is restarted (`max_restarts=-1`) empty. It is not the record of any job (the job store is): each
ingress replica sends it its jobs in flight and the slots it holds every few seconds (`sync`), so the counts rebuild
within one sync after a restart, and those of an ingress replica that died and stopped syncing are forgotten after
`LEASE_S`.
"""

from __future__ import annotations

import threading
import time
from typing import Callable

import ray

NAME = "chatcanvas-admission"
NAMESPACE = "chatcanvas"
LEASE_S = 60.0
"""An ingress replica not heard from for this long is gone: its jobs and slots no longer count."""
LEASE_IDLE_S = 1.0
"""An ingress replica gives back a slot that has been spare this long."""


class Admission:
    def __init__(self) -> None:
        self._jobs: dict[str, dict[str, str]] = {}  # ingress replica -> {job id: owner}
        self._slots: dict[str, dict[str, int]] = {}  # ingress replica -> {owner: slots of the owner's cap it holds}
        self._heard: dict[str, float] = {}

    def lease(self, ingress: str, owner: str, job_id: str, cap: int | None, noted: tuple = (),
              released: tuple[str, ...] = (), returned: dict[str, int] | None = None) -> bool:
        """One more slot of `owner`'s cap for `ingress`, for job `job_id`; False (nothing counted) when the slots
        held anywhere in the cluster already fill the cap. `cap` None: never refused (a job resumed after a restart).
        The news since `ingress` last called comes first (see `update`)."""
        self.update(ingress, noted, released, returned)
        self._expire()
        if cap is not None and self.count(owner) >= cap:
            return False
        slots = self._slots.setdefault(ingress, {})
        slots[owner] = slots.get(owner, 0) + 1
        self._jobs.setdefault(ingress, {})[job_id] = owner
        return True

    def update(self, ingress: str, noted: tuple = (), released: tuple[str, ...] = (),
               returned: dict[str, int] | None = None) -> None:
        """News from `ingress`: jobs it admitted on slots it holds (`noted`, (job id, owner) pairs), jobs that ended
        or were never acknowledged (`released`), slots it gives back (`returned`, {owner: count})."""
        jobs = self._jobs.setdefault(ingress, {})
        jobs.update(noted)
        for job_id in released:
            jobs.pop(job_id, None)
        slots = self._slots.setdefault(ingress, {})
        for owner, count in (returned or {}).items():
            left = slots.get(owner, 0) - count
            if left > 0:
                slots[owner] = left
            else:
                slots.pop(owner, None)
        self._heard[ingress] = time.monotonic()

    def sync(self, ingress: str, jobs: dict[str, str], slots: dict[str, int] | None = None) -> None:
        """Everything `ingress` has in flight now, {job id: owner}, and the slots it holds, {owner: count}: replaces
        what it sent before."""
        self._jobs[ingress] = dict(jobs)
        if slots is not None:
            self._slots[ingress] = {owner: count for owner, count in slots.items() if count > 0}
        self._heard[ingress] = time.monotonic()
        self._expire()

    def holding(self, job_ids: list[str]) -> list[str]:
        """Which of `job_ids` some live ingress replica runs now (a restarted one must not run them twice)."""
        self._expire()
        live = {job_id for jobs in self._jobs.values() for job_id in jobs}
        return [job_id for job_id in job_ids if job_id in live]

    def count(self, owner: str) -> int:
        """The slots of `owner`'s cap held in the cluster."""
        return sum(slots.get(owner, 0) for slots in self._slots.values())

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
            self._slots.pop(ingress, None)


class Leases:
    """An ingress replica's side of the ledger: the slots of each user's cap it holds and its jobs on them, and the
    news the ledger has not heard yet. Thread-safe (jobs are admitted on request threads)."""

    def __init__(self, idle_s: float = LEASE_IDLE_S, clock: Callable[[], float] = time.monotonic):
        self.idle_s, self.clock = idle_s, clock
        self._lock = threading.Lock()
        self._held: dict[str, int] = {}  # owner -> slots held here
        self._asked: dict[str, int] = {}  # owner -> slots asked of the ledger, not answered yet
        self._using: dict[str, int] = {}  # owner -> its jobs here on those slots
        self._jobs: dict[str, str] = {}  # job id -> owner, of the jobs counted here
        self._spare_since: dict[str, float] = {}  # owner -> since when a slot of theirs has been spare
        self._noted: list[tuple[str, str]] = []
        self._released: list[str] = []

    def take(self, job_id: str, owner: str) -> bool:
        """Count the job on a spare slot held here (True), or note that a slot is being asked for (False: ask the
        ledger, then say `granted`)."""
        with self._lock:
            if self._using.get(owner, 0) < self._held.get(owner, 0):
                self._count(job_id, owner)
                self._noted.append((job_id, owner))
                return True
            self._asked[owner] = self._asked.get(owner, 0) + 1
            return False

    def granted(self, job_id: str, owner: str, granted: bool) -> None:
        """The ledger's answer to a slot asked for `job_id`."""
        with self._lock:
            self._asked[owner] -= 1
            if not self._asked[owner]:
                del self._asked[owner]
            if granted:
                self._held[owner] = self._held.get(owner, 0) + 1
                self._count(job_id, owner)

    def _count(self, job_id: str, owner: str) -> None:
        self._using[owner] = self._using.get(owner, 0) + 1
        self._jobs[job_id] = owner
        if self._using[owner] >= self._held.get(owner, 0):
            self._spare_since.pop(owner, None)

    def release(self, job_id: str) -> None:
        """The job ended, or was never acknowledged: its slot is spare (given back once spare for `idle_s`)."""
        with self._lock:
            self._released.append(job_id)
            owner = self._jobs.pop(job_id, None)
            if owner is None:
                return
            self._using[owner] -= 1
            if not self._using[owner]:
                del self._using[owner]
            self._spare_since.setdefault(owner, self.clock())

    def news(self, everything: bool = False) -> tuple[tuple, tuple[str, ...], dict[str, int]]:
        """What to tell the ledger (`Admission.update`): the jobs counted on slots held, the jobs released, and the
        slots given back now: those spare for `idle_s`, or every spare one when `everything` (stopping)."""
        with self._lock:
            now, returned = self.clock(), {}
            for owner, since in list(self._spare_since.items()):
                if everything or now - since >= self.idle_s:
                    spare = self._held.get(owner, 0) - self._using.get(owner, 0)
                    if spare > 0:
                        returned[owner] = spare
                        self._held[owner] -= spare
                        if not self._held[owner]:
                            del self._held[owner]
                    del self._spare_since[owner]
            noted, released = tuple(self._noted), tuple(self._released)
            self._noted, self._released = [], []
            return noted, released, returned

    def waiting(self) -> bool:
        """Whether there is news to tell, or a spare slot to give back later."""
        with self._lock:
            return bool(self._noted or self._released or self._spare_since)

    def slots(self) -> dict[str, int]:
        """The slots held here, with those being asked for ({owner: count}; for `Admission.sync`)."""
        with self._lock:
            return {owner: self._held.get(owner, 0) + self._asked.get(owner, 0)
                    for owner in self._held.keys() | self._asked.keys()}


def admission_actor() -> ray.actor.ActorHandle:
    """The one ledger actor of this cluster, started by whichever ingress replica asks first."""
    return ray.remote(Admission).options(
        name=NAME, namespace=NAMESPACE, get_if_exists=True, lifetime="detached", max_restarts=-1,
        max_task_retries=-1, num_cpus=0,
    ).remote()
