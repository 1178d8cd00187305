"""A stingy work queue of keys, with delays and back-off on the cluster clock.

This is client-go's ``util/workqueue`` (the rate-limiting, delaying queue)
for asyncio.  Controllers' event handlers add *keys* (``namespace/name``);
workers ``get`` a key, reconcile it, then call ``done``.  The queue guarantees:

- **Dedup.**  A key already waiting in the queue is not queued twice; ten
  events for one object before a worker gets to it cost one sync.
- **Stinginess.**  One key is never handed to two workers at once.  A key
  added while a worker holds it is marked *dirty* and re-queued when the
  worker calls ``done(key)``, so the change is not lost and the two syncs do
  not race.
- **Delays.**  ``add_after(key, seconds)`` queues the key once the emulated
  delay has passed.  One background task per queue sleeps on the injected
  clock until the earliest deadline, and is woken early when an earlier
  deadline arrives; with a :class:`~rayk8s.clock.FakeClock` nothing moves until
  the test calls ``advance``.  A key already waiting keeps the *earlier* of its
  two deadlines.
- **Back-off.**  ``add_rate_limited(key)`` delays the key by what the rate
  limiter says (by default client-go's: 5 ms doubling per failure, plus a
  10 qps bucket).  ``forget(key)`` after a successful sync resets the count.

Shutdown follows client-go's ``ShutDown``: new adds are ignored, delayed keys
are dropped, and ``get`` keeps handing out the keys that were already queued;
once the queue is empty ``get`` raises :class:`ShutDown` (immediately, for
getters that were waiting).  Workers should treat ``ShutDown`` as "exit".

The queue lives on one event loop and none of its synchronous methods awaits,
so each is atomic with respect to the others; no locks are needed.

Counters for metrics are plain attributes, named after client-go's
``workqueue_*`` metrics: ``adds`` (keys actually queued), ``retries``
(``add_after``/``add_rate_limited`` calls), ``depth`` (keys waiting to be
handed out) and ``unfinished`` (keys being processed).
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
from collections import deque
from typing import Awaitable, Callable, Hashable

from ..clock import Clock
from . import ratelimit


class ShutDown(Exception):
    """``WorkQueue.get`` after ``shutdown()``, once no queued key is left."""


class WorkQueue:
    """A deduplicating, stingy, delaying, rate-limited queue of hashable keys."""

    def __init__(self, clock: Clock, rate_limiter: ratelimit.RateLimiter | None = None,
                 name: str = ""):
        self.clock = clock
        self.rate_limiter = (rate_limiter if rate_limiter is not None
                             else ratelimit.default_controller_rate_limiter(clock))
        self.name = name
        self.adds = 0
        self.retries = 0
        # Keys ready to hand out, oldest first.  Each is in _dirty and not in
        # _processing; no key appears twice.
        self._queue: deque[Hashable] = deque()
        # Keys that need a sync: every key of _queue, plus keys added while
        # being processed (re-queued by done()).
        self._dirty: set[Hashable] = set()
        # Keys handed out by get() and not yet done().
        self._processing: set[Hashable] = set()
        # Delayed keys: a heap of (deadline, seq, key).  _deadline holds each
        # key's one live deadline; heap entries that disagree are stale.
        self._waiting: list[tuple[float, int, Hashable]] = []
        self._deadline: dict[Hashable, float] = {}
        self._seq = itertools.count()
        # Futures of get() calls waiting for a key, oldest first.
        self._getters: deque[asyncio.Future] = deque()
        # The delay task; started lazily, because the queue may be built
        # before the event loop runs.
        self._timer: asyncio.Task | None = None
        self._timer_wake: asyncio.Future | None = None
        self._timer_target: float | None = None
        self._shutting_down = False

    # -- plain queue -----------------------------------------------------

    def add(self, key: Hashable) -> None:
        """Queue ``key`` unless it is already queued; ignored after shutdown."""
        if self._shutting_down or key in self._dirty:
            return
        self.adds += 1
        self._dirty.add(key)
        if key in self._processing:
            return  # done() re-queues it.
        self._queue.append(key)
        self._wake_one_getter()

    async def get(self) -> Hashable:
        """The next key, waiting for one; raises :class:`ShutDown` when drained.

        The caller owns the key until it calls ``done(key)``.
        """
        self._ensure_timer()
        while not self._queue:
            if self._shutting_down:
                raise ShutDown(self.name)
            fut = asyncio.get_running_loop().create_future()
            self._getters.append(fut)
            try:
                await fut
            except asyncio.CancelledError:
                # We were woken for a key but cancelled before taking it: pass
                # the wake-up on, or that key would sit while others wait.
                if fut.done() and not fut.cancelled():
                    self._wake_one_getter()
                raise
        key = self._queue.popleft()
        self._dirty.discard(key)
        self._processing.add(key)
        return key

    def done(self, key: Hashable) -> None:
        """The worker finished ``key``; re-queue it if it was added meanwhile."""
        if key not in self._processing:
            return
        self._processing.discard(key)
        if key in self._dirty:
            self._queue.append(key)
            self._wake_one_getter()

    def shutdown(self) -> None:
        """Stop accepting keys; drop delayed ones; wake every waiting getter."""
        self._shutting_down = True
        self._waiting.clear()
        self._deadline.clear()
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        while self._getters:
            fut = self._getters.popleft()
            if not fut.done():
                fut.set_result(None)

    @property
    def shutting_down(self) -> bool:
        return self._shutting_down

    def __len__(self) -> int:
        return len(self._queue)

    @property
    def depth(self) -> int:
        """Keys queued and not yet handed out (client-go's ``Len``)."""
        return len(self._queue)

    @property
    def unfinished(self) -> int:
        """Keys handed out and not yet done."""
        return len(self._processing)

    @property
    def waiting(self) -> int:
        """Keys delayed by ``add_after`` whose deadline has not come."""
        return len(self._deadline)

    def _wake_one_getter(self) -> None:
        while self._getters:
            fut = self._getters.popleft()
            if not fut.done():
                fut.set_result(None)
                return

    # -- delays ------------------------------------------------------------

    def add_after(self, key: Hashable, delay: float) -> None:
        """Queue ``key`` after ``delay`` emulated seconds (now if ``delay <= 0``).

        If ``key`` is already delayed, the earlier deadline wins.
        """
        if self._shutting_down:
            return
        self.retries += 1
        if delay <= 0:
            self.add(key)
            return
        deadline = self.clock.now() + delay
        current = self._deadline.get(key)
        if current is not None and current <= deadline:
            return
        self._deadline[key] = deadline
        heapq.heappush(self._waiting, (deadline, next(self._seq), key))
        self._ensure_timer()
        if self._timer_target is None or deadline < self._timer_target:
            self._wake_timer()

    def _ensure_timer(self) -> None:
        if self._shutting_down or (self._timer is not None and not self._timer.done()):
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return  # No loop yet: the first get() or add_after() in one starts it.
        self._timer = loop.create_task(self._run_timer(), name=f"workqueue-timer:{self.name}")

    def _wake_timer(self) -> None:
        if self._timer_wake is not None and not self._timer_wake.done():
            self._timer_wake.set_result(None)

    async def _run_timer(self) -> None:
        """Move delayed keys into the queue as their deadlines pass."""
        loop = asyncio.get_running_loop()
        while True:
            now = self.clock.now()
            while self._waiting and self._waiting[0][0] <= now:
                deadline, _, key = heapq.heappop(self._waiting)
                if self._deadline.get(key) == deadline:
                    del self._deadline[key]
                    self.add(key)
            self._timer_wake = loop.create_future()
            if not self._waiting:
                self._timer_target = None
                await self._timer_wake
                continue
            self._timer_target = self._waiting[0][0]
            sleeper = loop.create_task(self.clock.sleep(self._timer_target - now))
            try:
                await asyncio.wait({sleeper, self._timer_wake},
                                   return_when=asyncio.FIRST_COMPLETED)
            finally:
                sleeper.cancel()

    # -- rate limiting -------------------------------------------------------

    def add_rate_limited(self, key: Hashable) -> None:
        """Queue ``key`` after the rate limiter's delay (records one failure)."""
        if self._shutting_down:
            return
        self.add_after(key, self.rate_limiter.when(key))

    def forget(self, key: Hashable) -> None:
        """Reset ``key``'s back-off; call after a successful sync."""
        self.rate_limiter.forget(key)

    def num_requeues(self, key: Hashable) -> int:
        return self.rate_limiter.num_requeues(key)


async def run_worker(queue: WorkQueue, handle: Callable[[Hashable], Awaitable[None]],
                     on_error: Callable[[Hashable, Exception], None]) -> None:
    """A worker of ``queue`` (client-go's processNextWorkItem loop): take a key, await
    ``handle(key)``, mark it done; when ``handle`` raises, report it to ``on_error``
    and add the key back rate-limited.  ``handle`` forgets the key's back-off itself
    when it is done with it.  Returns when the queue shuts down."""
    while True:
        try:
            key = await queue.get()
        except ShutDown:
            return
        try:
            await handle(key)
        except Exception as exc:  # noqa: BLE001 - keep the worker alive; back the key off
            on_error(key, exc)
            queue.add_rate_limited(key)
        finally:
            queue.done(key)
