"""An asyncio facade over :class:`MVCCStore`, for the apiserver and the etcd actor.

Every method of the :class:`~rayk8s.store.contract.KV` protocol exists here as
a coroutine with the same signature plus a keyword-only ``type`` (a free label
for metrics, such as the resource being served).  The store is in memory and
fast, so the work runs synchronously inside the coroutine; only waiting
yields to the loop.

Watching is a long poll: :meth:`AsyncStore.wait_events` returns at once when
history already holds events from the requested revision, else it parks until
a commit touches its prefix or the timeout passes.  Commits wake waiters
through the store's listener hook, so writes that bypass the facade (made on
the store directly, even from another thread) wake them too.  Waiters are
grouped by prefix, so a commit costs one check per distinct prefix, not per
waiter.

Metrics (with a ``prometheus_client.CollectorRegistry``) follow etcd's and the
apiserver's names: ``etcd_request_duration_seconds{operation,type}``, the
``etcd_mvcc_{put,delete,txn,range}_total`` counters and the
``etcd_debugging_mvcc_*`` gauges, which read the store when scraped.
"""

from __future__ import annotations

import asyncio
import time
from typing import Sequence

from .contract import Compare, Delete, Event, KeyValue, Op, Put, RangeResult, TxnResult
from .mvcc import MVCCStore

# Sub-millisecond buckets first: in-memory operations take microseconds.
_BUCKETS = (0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
            0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)


class _Metrics:
    def __init__(self, registry, facade: "AsyncStore"):
        from prometheus_client import Counter, Gauge, Histogram
        store = facade.store
        self.duration = Histogram(
            "etcd_request_duration_seconds",
            "Etcd request latency in seconds for each operation and object type.",
            ["operation", "type"], buckets=_BUCKETS, registry=registry)
        self.put = Counter("etcd_mvcc_put_total", "Total number of puts seen by this member.",
                           registry=registry)
        self.delete = Counter("etcd_mvcc_delete_total",
                              "Total number of deletes seen by this member.", registry=registry)
        self.txn = Counter("etcd_mvcc_txn_total", "Total number of txns seen by this member.",
                           registry=registry)
        self.range = Counter("etcd_mvcc_range_total",
                             "Total number of ranges seen by this member.", registry=registry)
        for name, doc, fn in (
                ("etcd_debugging_mvcc_current_revision", "The current revision of store.",
                 lambda: store.revision),
                ("etcd_debugging_mvcc_compact_revision",
                 "The revision of the last compaction in store.",
                 lambda: store.compact_revision),
                ("etcd_debugging_mvcc_keys_total", "Total number of keys.",
                 lambda: store.keys_count),
                ("etcd_debugging_mvcc_watcher_total", "Total number of watchers.",
                 lambda: facade.watchers)):
            Gauge(name, doc, registry=registry).set_function(fn)


class _Waiter:
    __slots__ = ("start_revision", "future")

    def __init__(self, start_revision: int, future: asyncio.Future):
        self.start_revision = start_revision
        self.future = future


def _wake(fut: asyncio.Future) -> None:
    if not fut.done():
        fut.set_result(None)


class AsyncStore:
    """Coroutines over one :class:`MVCCStore` (a new in-memory one by default)."""

    def __init__(self, store: MVCCStore | None = None, registry=None):
        self.store = store if store is not None else MVCCStore()
        # prefix -> parked wait_events calls; touched only from their loops
        # (other threads go through call_soon_threadsafe).
        self._waiters: dict[str, set[_Waiter]] = {}
        self._metrics = _Metrics(registry, self) if registry is not None else None
        self._unsubscribe = self.store.subscribe(self._on_commit)
        self._closed = False

    # -- plumbing -----------------------------------------------------------

    def _timed(self, operation: str, type_: str, fn, *args):
        if self._metrics is None:
            return fn(*args)
        start = time.perf_counter()
        try:
            return fn(*args)
        finally:
            self._metrics.duration.labels(operation, type_).observe(time.perf_counter() - start)

    def _on_commit(self, events: list[Event]) -> None:
        """Store listener: wake the waiters whose prefix a commit touched."""
        if not self._waiters:
            return
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        for prefix, waiters in list(self._waiters.items()):
            newest = max((ev.revision for ev in events if ev.kv.key.startswith(prefix)),
                         default=0)
            for waiter in list(waiters) if newest else ():
                if waiter.start_revision <= newest:
                    loop = waiter.future.get_loop()
                    if loop is running:
                        _wake(waiter.future)
                    else:
                        loop.call_soon_threadsafe(_wake, waiter.future)

    # -- properties ---------------------------------------------------------

    @property
    def revision(self) -> int:
        return self.store.revision

    @property
    def compact_revision(self) -> int:
        return self.store.compact_revision

    @property
    def watchers(self) -> int:
        """How many wait_events calls are parked."""
        return sum(len(w) for w in self._waiters.values())

    def stats(self) -> dict:
        return {**self.store.stats(), "watchers": self.watchers}

    # -- KV -----------------------------------------------------------------

    async def get(self, key: str, revision: int = 0, *, type: str = "") -> KeyValue | None:
        if self._metrics is not None:
            self._metrics.range.inc()
        return self._timed("get", type, self.store.get, key, revision)

    async def range(self, prefix: str, start_key: str = "", limit: int = 0,
                    revision: int = 0, *, type: str = "") -> RangeResult:
        if self._metrics is not None:
            self._metrics.range.inc()
        return self._timed("range", type, self.store.range, prefix, start_key, limit, revision)

    async def put(self, key: str, value: bytes, lease: int = 0, *,
                  type: str = "") -> tuple[int, KeyValue | None]:
        result = self._timed("put", type, self.store.put, key, value, lease)
        if self._metrics is not None:
            self._metrics.put.inc()
        return result

    async def delete(self, key: str, *, type: str = "") -> tuple[int, KeyValue | None]:
        result = self._timed("delete", type, self.store.delete, key)
        if self._metrics is not None and result[1] is not None:
            self._metrics.delete.inc()
        return result

    async def txn(self, compares: Sequence[Compare], success: Sequence[Op],
                  failure: Sequence[Op] = (), *, type: str = "") -> TxnResult:
        result = self._timed("txn", type, self.store.txn, compares, success, failure)
        if self._metrics is not None:
            self._metrics.txn.inc()
            ops = success if result.succeeded else failure
            self._metrics.put.inc(sum(isinstance(op, Put) for op in ops))
            self._metrics.delete.inc(sum(isinstance(op, Delete) and resp is not None
                                         for op, resp in zip(ops, result.responses)))
        return result

    async def events(self, prefix: str, start_revision: int, *, type: str = "") -> list[Event]:
        return self._timed("events", type, self.store.events, prefix, start_revision)

    async def compact(self, revision: int, *, type: str = "") -> None:
        return self._timed("compact", type, self.store.compact, revision)

    async def lease_grant(self, ttl: float, lease_id: int = 0, *, type: str = "") -> int:
        return self._timed("lease_grant", type, self.store.lease_grant, ttl, lease_id)

    async def lease_keepalive(self, lease_id: int, *, type: str = "") -> float:
        return self._timed("lease_keepalive", type, self.store.lease_keepalive, lease_id)

    async def lease_revoke(self, lease_id: int, *, type: str = "") -> int:
        return self._counting_deletes("lease_revoke", type, self.store.lease_revoke, lease_id)

    async def lease_time_to_live(self, lease_id: int, *,
                                 type: str = "") -> tuple[float, float, list[str]]:
        return self._timed("lease_time_to_live", type, self.store.lease_time_to_live, lease_id)

    async def expire_leases(self, *, type: str = "") -> int:
        return self._counting_deletes("expire_leases", type, self.store.expire_leases)

    def _counting_deletes(self, operation: str, type_: str, fn, *args):
        before = self.store.keys_count
        try:
            return self._timed(operation, type_, fn, *args)
        finally:
            if self._metrics is not None and self.store.keys_count < before:
                self._metrics.delete.inc(before - self.store.keys_count)

    # -- watch --------------------------------------------------------------

    async def wait_events(self, prefix: str, start_revision: int, timeout: float,
                          *, type: str = "") -> list[Event]:
        """Events under ``prefix`` from ``start_revision`` (inclusive), waiting for some.

        Returns at once when there are any; else waits until a commit brings
        some or ``timeout`` wall seconds pass (then returns what there is,
        usually ``[]``).  Raises Compacted like :meth:`events`.
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        waiter = _Waiter(start_revision, loop.create_future())
        # Park before the first read, so a commit from another thread between
        # the read and the wait cannot be missed.
        waiters = self._waiters.setdefault(prefix, set())
        waiters.add(waiter)
        try:
            while True:
                evs = self.store.events(prefix, start_revision)
                remaining = deadline - loop.time()
                if evs or remaining <= 0 or self._closed:
                    return evs
                try:
                    await asyncio.wait_for(waiter.future, remaining)
                except asyncio.TimeoutError:
                    return self.store.events(prefix, start_revision)
                waiter.future = loop.create_future()
        finally:
            waiters.discard(waiter)
            if not waiters and self._waiters.get(prefix) is waiters:
                del self._waiters[prefix]

    # -- maintenance --------------------------------------------------------

    async def run_maintenance(self, lease_interval: float = 1.0) -> None:
        """Expire leases every ``lease_interval`` seconds of the store's clock; cancel to stop."""
        clock = self.store.clock
        while True:
            await clock.sleep(lease_interval)
            await self.expire_leases()

    def close(self) -> None:
        """Close the store; parked waiters return what they have."""
        self._closed = True
        self._unsubscribe()
        for waiters in self._waiters.values():
            for waiter in waiters:
                _wake(waiter.future)
        self.store.close()
