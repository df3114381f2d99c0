"""The bounded job queue in front of the device: round-robin across users, batch-ready.

Each user has a FIFO lane; `take` serves lanes in turn, so one user's twenty jobs wait behind another
user's single job for at most one turn. `gather` then pulls queued jobs that can join the same batch.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable

from chatcanvas.engine.jobs import Job
from chatcanvas.errors import QueueFull


class FairQueue:
    def __init__(self, capacity: int):
        self.capacity = capacity
        self._lanes: OrderedDict[str, deque[Job]] = OrderedDict()
        self._size = 0
        self._closed = False
        self._cond = threading.Condition()

    def __len__(self) -> int:
        return self._size

    def depth(self, owner: str | None = None) -> int:
        with self._cond:
            if owner is None:
                return self._size
            return len(self._lanes.get(owner, ()))

    def put(self, job: Job, per_owner: int | None = None, *, resumed: bool = False, front: bool = False) -> None:
        """Queue `job`; `QueueFull` when the queue is full or (checked in the same step) its owner already has
        `per_owner` jobs waiting. A `resumed` job (acknowledged before a restart, or back from waiting for its
        model) is never refused; `front` puts it first in its owner's lane."""
        with self._cond:
            if self._closed:
                raise QueueFull(self.capacity, retry_after=30.0)
            if not resumed and per_owner is not None and len(self._lanes.get(job.owner, ())) >= per_owner:
                raise QueueFull(per_owner, retry_after=2.0, mine=True)
            if not resumed and self._size >= self.capacity:
                raise QueueFull(self.capacity)
            lane = self._lanes.setdefault(job.owner, deque())
            if front:
                lane.appendleft(job)
            else:
                lane.append(job)
            self._size += 1
            self._cond.notify()

    def remove(self, job: Job) -> bool:
        """Take a queued job out; False when it is not queued (already running or finished)."""
        with self._cond:
            lane = self._lanes.get(job.owner)
            if lane is None or job not in lane:
                return False
            lane.remove(job)
            self._size -= 1
            if not lane:
                del self._lanes[job.owner]
            return True

    def take(self, timeout: float | None = None) -> Job | None:
        """Wait for a job and return the next user's oldest; None on timeout or once closed and empty."""
        with self._cond:
            if not self._cond.wait_for(lambda: self._size > 0 or self._closed, timeout) or self._size == 0:
                return None
            return self._pop_next_lane()

    def gather(self, fits: Callable[[Job], bool], limit: int, wait: float = 0.0) -> list[Job]:
        """Take up to `limit` queued jobs that fit (users in turn), waiting up to `wait` seconds for more."""
        deadline = time.monotonic() + wait
        taken: list[Job] = []
        with self._cond:
            while len(taken) < limit:
                found = self._pop_compatible(fits)
                if found is not None:
                    taken.append(found)
                    continue
                remaining = deadline - time.monotonic()
                if remaining <= 0 or self._closed:
                    break
                self._cond.wait(remaining)
        return taken

    def _pop_next_lane(self) -> Job:
        owner, lane = next(iter(self._lanes.items()))
        job = lane.popleft()
        self._size -= 1
        # the served user goes to the back of the line
        del self._lanes[owner]
        if lane:
            self._lanes[owner] = lane
        return job

    def _pop_compatible(self, fits: Callable[[Job], bool]) -> Job | None:
        for owner, lane in list(self._lanes.items()):
            for job in lane:
                if fits(job):
                    lane.remove(job)
                    self._size -= 1
                    del self._lanes[owner]
                    if lane:
                        self._lanes[owner] = lane
                    return job
        return None

    def drain(self) -> list[Job]:
        """Take every queued job out (the queue stays open) and hand them back."""
        with self._cond:
            left = [job for lane in self._lanes.values() for job in lane]
            self._lanes.clear()
            self._size = 0
            return left

    def close(self) -> list[Job]:
        """Refuse new jobs, wake the worker, and hand back whatever was still queued."""
        with self._cond:
            self._closed = True
            left = [job for lane in self._lanes.values() for job in lane]
            self._lanes.clear()
            self._size = 0
            self._cond.notify_all()
            return left
