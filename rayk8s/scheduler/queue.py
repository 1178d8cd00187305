"""The scheduling queue: kube-scheduler's PriorityQueue, keyed by pod key.

Three sub-queues hold every pending pod the scheduler is responsible for:

- **active** -- a heap popped by the scheduling loop: higher ``spec.priority``
  first, then the earlier queue timestamp (FIFO);
- **backoff** -- pods waiting out their back-off: ``initial * 2^(attempts-1)``
  capped at ``max`` (1 s doubling to 10 s, kube-scheduler's defaults),
  counted from the last time the pod was queued;
- **unschedulable** -- pods that fit nowhere.  They wait for a cluster event
  that may help them (:meth:`move_all`: a node added or changed, an assigned
  pod deleted), filtered by the events the rejecting plugins care about, and
  go to backoff (if still backing off) or active.  Pods unschedulable for
  longer than 5 minutes are flushed back regardless.

A pod whose attempt failed while a move event happened *during* its cycle
goes to backoff instead of unschedulable (kube-scheduler's
``moveRequestCycle``): the event might have been the one it needed.

The queue holds keys and small bookkeeping records; the pod objects stay in
the informer's cache.  All delays use the injected clock; one background task
(:meth:`run`) moves pods whose back-off expired and flushes old
unschedulable pods, sleeping until the next deadline.  Single event loop, no
locks: no synchronous method awaits.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
from typing import Callable

from ..clock import Clock

ACTIVE, BACKOFF, UNSCHEDULABLE, IN_FLIGHT = "active", "backoff", "unschedulable", "inflight"
# How often unschedulable pods are checked for the 5-minute timeout (emulated s).
UNSCHEDULABLE_FLUSH_PERIOD = 30.0
UNSCHEDULABLE_TIMEOUT = "UnschedulableTimeout"
BACKOFF_COMPLETE = "BackoffComplete"
POD_ADD, POD_UPDATE, SCHEDULE_ATTEMPT_FAILURE = "PodAdd", "PodUpdate", "ScheduleAttemptFailure"


class QueuedPodInfo:
    """What the queue knows of one pending pod."""

    __slots__ = ("key", "priority", "timestamp", "initial_attempt", "attempts",
                 "unschedulable_plugins", "cycle", "where", "seq")

    def __init__(self, key: str, priority: int, now: float):
        self.key = key
        self.priority = priority
        # When the pod was last queued: FIFO order and the back-off's start.
        self.timestamp = now
        # When the pod was first queued (the SLI's start).
        self.initial_attempt = now
        self.attempts = 0
        # Plugins that rejected the pod in its last attempt ({} after an error).
        self.unschedulable_plugins: set[str] = set()
        # The scheduling cycle of its last attempt.
        self.cycle = 0
        # Which sub-queue holds it (ACTIVE, BACKOFF, UNSCHEDULABLE, IN_FLIGHT).
        self.where = ""
        # Bumped on every heap push; heap entries with another seq are stale.
        self.seq = 0

    def __repr__(self) -> str:
        return f"<QueuedPodInfo {self.key} {self.where} attempts={self.attempts}>"


class SchedulingQueue:
    def __init__(self, clock: Clock, *, initial_backoff: float = 1.0, max_backoff: float = 10.0,
                 max_unschedulable: float = 300.0,
                 on_incoming: Callable[[str, str], None] | None = None):
        self.clock = clock
        self.initial_backoff = initial_backoff
        self.max_backoff = max_backoff
        self.max_unschedulable = max_unschedulable
        # Called (sub-queue, event) whenever a pod enters active/backoff/unschedulable.
        self.on_incoming = on_incoming
        self._infos: dict[str, QueuedPodInfo] = {}
        self._active: list[tuple[int, float, int, str]] = []   # (-priority, ts, seq, key)
        self._backoff: list[tuple[float, int, str]] = []       # (expiry, seq, key)
        self._unschedulable: dict[str, QueuedPodInfo] = {}
        self._counts = {ACTIVE: 0, BACKOFF: 0, UNSCHEDULABLE: 0, IN_FLIGHT: 0}
        self._seq = itertools.count(1)
        # The cycle counter; move_request_cycle is the cycle of the last move_all.
        self.scheduling_cycle = 0
        self.move_request_cycle = -1
        self._ready = asyncio.Event()
        self._timer_wake = asyncio.Event()
        self._closed = False
        self._last_flush = clock.now()

    # -- sizes -------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self._infos)

    def __contains__(self, key: str) -> bool:
        return key in self._infos

    def count(self, where: str) -> int:
        return self._counts[where]

    def get(self, key: str) -> QueuedPodInfo | None:
        return self._infos.get(key)

    def backoff_duration(self, info: QueuedPodInfo) -> float:
        duration = self.initial_backoff
        for _ in range(1, info.attempts):
            duration *= 2
            if duration > self.max_backoff:
                return self.max_backoff
        return duration

    def backoff_expiry(self, info: QueuedPodInfo) -> float:
        return info.timestamp + self.backoff_duration(info)

    def is_backing_off(self, info: QueuedPodInfo, now: float) -> bool:
        return info.attempts > 0 and self.backoff_expiry(info) > now

    # -- moving between sub-queues ----------------------------------------------------

    def _leave(self, info: QueuedPodInfo) -> None:
        if info.where:
            self._counts[info.where] -= 1
        if info.where == UNSCHEDULABLE:
            del self._unschedulable[info.key]
        info.where = ""
        info.seq = 0  # heap entries go stale

    def _enter(self, info: QueuedPodInfo, where: str, event: str) -> None:
        self._leave(info)
        info.where = where
        self._counts[where] += 1
        if where == ACTIVE:
            info.seq = next(self._seq)
            heapq.heappush(self._active, (-info.priority, info.timestamp, info.seq, info.key))
            self._ready.set()
        elif where == BACKOFF:
            info.seq = next(self._seq)
            heapq.heappush(self._backoff, (self.backoff_expiry(info), info.seq, info.key))
            self._timer_wake.set()
        elif where == UNSCHEDULABLE:
            self._unschedulable[info.key] = info
        if self.on_incoming is not None and where != IN_FLIGHT:
            self.on_incoming(where, event)

    def _requeue(self, info: QueuedPodInfo, now: float, event: str) -> None:
        """Out of unschedulable: to backoff while backing off, else active."""
        self._enter(info, BACKOFF if self.is_backing_off(info, now) else ACTIVE, event)

    # -- the API the scheduler uses ---------------------------------------------------

    def add(self, key: str, priority: int = 0) -> bool:
        """A new pending pod goes to active; False if the key is already queued."""
        if self._closed or key in self._infos:
            return False
        info = self._infos[key] = QueuedPodInfo(key, priority, self.clock.now())
        self._enter(info, ACTIVE, POD_ADD)
        return True

    def update(self, key: str) -> None:
        """The pod's spec or labels changed: an unschedulable pod gets another try."""
        info = self._infos.get(key)
        if info is not None and info.where == UNSCHEDULABLE:
            self._requeue(info, self.clock.now(), POD_UPDATE)

    def delete(self, key: str) -> None:
        """Forget the pod (deleted, bound elsewhere, or no longer ours)."""
        info = self._infos.pop(key, None)
        if info is not None:
            self._leave(info)

    async def pop(self) -> QueuedPodInfo | None:
        """The next pod to schedule, waiting for one; None once closed."""
        while not self._closed:
            while self._active:
                _, _, seq, key = heapq.heappop(self._active)
                info = self._infos.get(key)
                if info is None or info.seq != seq or info.where != ACTIVE:
                    continue
                self._enter(info, IN_FLIGHT, "")
                info.attempts += 1
                self.scheduling_cycle += 1
                info.cycle = self.scheduling_cycle
                return info
            self._ready.clear()
            await self._ready.wait()
        return None

    def done(self, key: str) -> None:
        """The pod was scheduled (assumed): it leaves the queue."""
        info = self._infos.get(key)
        if info is not None and info.where == IN_FLIGHT:
            self.delete(key)

    def add_unschedulable(self, info: QueuedPodInfo, plugins: set[str] | None = None,
                          error: bool = False) -> None:
        """Put back a pod whose attempt failed (``error``: a failure, not a misfit)."""
        if self._infos.get(info.key) is not info:
            return  # deleted (or re-created) while in flight
        info.timestamp = self.clock.now()
        info.unschedulable_plugins = set(plugins or ())
        if error or self.move_request_cycle >= info.cycle:
            self._enter(info, BACKOFF, SCHEDULE_ATTEMPT_FAILURE)
        else:
            self._enter(info, UNSCHEDULABLE, SCHEDULE_ATTEMPT_FAILURE)

    def requeue_error(self, info: QueuedPodInfo) -> None:
        """A pod whose binding failed comes back through backoff, its attempts kept."""
        if self._closed:
            return
        if self._infos.setdefault(info.key, info) is not info:
            return  # queued again meanwhile
        info.timestamp = self.clock.now()
        self._enter(info, BACKOFF, SCHEDULE_ATTEMPT_FAILURE)

    def move_all(self, event: str,
                 hint: Callable[[QueuedPodInfo, str], bool] | None = None) -> int:
        """A cluster event: move the unschedulable pods it may help; returns how many."""
        now = self.clock.now()
        moved = 0
        for info in list(self._unschedulable.values()):
            if hint is None or hint(info, event):
                self._requeue(info, now, event)
                moved += 1
        self.move_request_cycle = self.scheduling_cycle
        return moved

    # -- timers ------------------------------------------------------------------------

    def flush_backoff_completed(self) -> int:
        now = self.clock.now()
        moved = 0
        while self._backoff and self._backoff[0][0] <= now:
            _, seq, key = heapq.heappop(self._backoff)
            info = self._infos.get(key)
            if info is None or info.seq != seq or info.where != BACKOFF:
                continue
            self._enter(info, ACTIVE, BACKOFF_COMPLETE)
            moved += 1
        return moved

    def flush_unschedulable_leftover(self) -> int:
        now = self.clock.now()
        self._last_flush = now
        moved = 0
        for info in list(self._unschedulable.values()):
            if now - info.timestamp > self.max_unschedulable:
                self._requeue(info, now, UNSCHEDULABLE_TIMEOUT)
                moved += 1
        return moved

    def _next_deadline(self) -> float:
        deadline = self._last_flush + UNSCHEDULABLE_FLUSH_PERIOD
        while self._backoff:
            expiry, seq, key = self._backoff[0]
            info = self._infos.get(key)
            if info is not None and info.seq == seq and info.where == BACKOFF:
                return min(deadline, expiry)
            heapq.heappop(self._backoff)  # stale
        return deadline

    async def run(self) -> None:
        """Move expired back-offs to active and flush old unschedulable pods, forever."""
        loop = asyncio.get_running_loop()
        while not self._closed:
            self.flush_backoff_completed()
            if self.clock.now() >= self._last_flush + UNSCHEDULABLE_FLUSH_PERIOD:
                self.flush_unschedulable_leftover()
            self._timer_wake.clear()
            delay = self._next_deadline() - self.clock.now()
            if delay <= 0:
                await asyncio.sleep(0)
                continue
            sleeper = loop.create_task(self.clock.sleep(delay))
            waker = loop.create_task(self._timer_wake.wait())
            try:
                await asyncio.wait({sleeper, waker}, return_when=asyncio.FIRST_COMPLETED)
            finally:
                sleeper.cancel()
                waker.cancel()

    def close(self) -> None:
        self._closed = True
        self._ready.set()
        self._timer_wake.set()

    def pending(self) -> dict[str, int]:
        """Pods per sub-queue, as ``scheduler_pending_pods``."""
        return {ACTIVE: self._counts[ACTIVE], BACKOFF: self._counts[BACKOFF],
                UNSCHEDULABLE: self._counts[UNSCHEDULABLE]}
