"""The cluster clock: one source of time for every component.

Kubernetes components are full of periods and deadlines (lease renewals every
10 s, a 40 s node grace period, the HPA's 5-minute stabilisation window,
back-offs doubling to 5 minutes).  To test and demonstrate them without
waiting, every component reads time from a :class:`Clock` instead of ``time``:

- :class:`RealClock` runs ``time_scale`` times faster than wall time, from an
  ``epoch`` shared by every actor of a cluster (so all components agree on
  "now" even in different processes).  ``time_scale=1`` is wall time.
- :class:`FakeClock` only moves when a test calls :meth:`FakeClock.advance`;
  sleepers wake when their deadline is passed.  Unit tests use it instead of
  sleeping.

Timestamps written into objects (``creationTimestamp``, conditions' times)
are emulated time, formatted by :func:`rfc3339`.
"""

from __future__ import annotations

import asyncio
import datetime as _dt
import heapq
import itertools
import threading
import time
from typing import Protocol


class Clock(Protocol):
    time_scale: float

    def now(self) -> float:
        """Emulated seconds since the Unix epoch."""

    async def sleep(self, seconds: float) -> None:
        """Sleep ``seconds`` of emulated time."""

    def wall_seconds(self, seconds: float) -> float:
        """How many wall-clock seconds ``seconds`` of emulated time last."""


class RealClock:
    """Wall time sped up by ``time_scale`` from a shared ``epoch``.

    ``epoch`` is the wall time at which emulated time equalled wall time (the
    cluster's start); pass the same value to every component's clock.
    """

    def __init__(self, time_scale: float = 1.0, epoch: float | None = None):
        if time_scale <= 0:
            raise ValueError("time_scale must be positive")
        self.time_scale = float(time_scale)
        self.epoch = time.time() if epoch is None else float(epoch)

    def now(self) -> float:
        return self.epoch + (time.time() - self.epoch) * self.time_scale

    def wall_seconds(self, seconds: float) -> float:
        return max(0.0, seconds) / self.time_scale

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(self.wall_seconds(seconds))

    def __reduce__(self):
        return (RealClock, (self.time_scale, self.epoch))


class FakeClock:
    """A clock that moves only when told; for tests.

    Async sleepers are woken by :meth:`advance` in deadline order.  Safe to
    advance from another thread than the sleepers' event loop.
    """

    time_scale = 1.0

    def __init__(self, start: float = 1_700_000_000.0):
        self._now = float(start)
        self._lock = threading.Lock()
        self._seq = itertools.count()
        # (deadline, seq, loop, future)
        self._sleepers: list[tuple[float, int, asyncio.AbstractEventLoop, asyncio.Future]] = []

    def now(self) -> float:
        return self._now

    def wall_seconds(self, seconds: float) -> float:
        return 0.0

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("time does not run backwards")
        with self._lock:
            self._now += seconds
            due = []
            while self._sleepers and self._sleepers[0][0] <= self._now:
                due.append(heapq.heappop(self._sleepers))
        for _, _, loop, fut in due:
            loop.call_soon_threadsafe(_resolve, fut)

    def pending_sleepers(self) -> int:
        with self._lock:
            return len(self._sleepers)

    async def sleep(self, seconds: float) -> None:
        if seconds <= 0:
            await asyncio.sleep(0)
            return
        loop = asyncio.get_running_loop()
        fut = loop.create_future()
        with self._lock:
            heapq.heappush(self._sleepers, (self._now + seconds, next(self._seq), loop, fut))
        await fut


def _resolve(fut: asyncio.Future) -> None:
    if not fut.done():
        fut.set_result(None)


def rfc3339(ts: float) -> str:
    """``2026-11-27T03:13:43Z``: Kubernetes' metav1.Time format (seconds)."""
    return _dt.datetime.fromtimestamp(int(ts), tz=_dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def rfc3339_micro(ts: float) -> str:
    """``2026-11-27T03:13:43.123456Z``: metav1.MicroTime (Events, Leases)."""
    return _dt.datetime.fromtimestamp(ts, tz=_dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_rfc3339(text: str) -> float:
    return _dt.datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()
