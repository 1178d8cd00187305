"""The apiserver's watch cache: one store watch, many client watches.

kube-apiserver does not open an etcd watch per client; its *cacher* keeps one
watch per resource and a ring of recent events that every client watch is
served from.  Here one feed task follows the store from a revision under
``/registry/`` and appends every event to a bounded ring; client watches wait
on the ring.

Invariants
- ``events`` holds store events in strictly increasing revision order; the
  oldest kept revision is ``oldest``, and every event with a revision in
  ``(oldest - 1, revision]`` under the prefix is present (none skipped).
- ``revision`` is the store revision the cache is current up to: every event
  at or below it has been appended.
- A watcher asking for events after ``rv`` with ``rv < oldest - 1`` is not
  served from the ring (the caller falls back to the store's history, which
  answers 410 once compacted).

Objects are decoded once, when first asked for, and shared: callers must not
mutate them.
"""

from __future__ import annotations

import asyncio
import bisect
from collections import deque
from typing import Any

import msgpack

from ..store import contract


class CachedEvent:
    """A store event with lazily decoded current and previous objects."""

    __slots__ = ("type", "key", "revision", "_raw", "_prev_raw", "_prev_rv", "_obj", "_prev")

    def __init__(self, ev: contract.Event):
        self.type = ev.type
        self.key = ev.kv.key
        self.revision = ev.kv.mod_revision
        self._raw = ev.kv.value if ev.type == contract.EventType.PUT else None
        self._prev_raw = ev.prev_kv.value if ev.prev_kv is not None else None
        self._prev_rv = ev.prev_kv.mod_revision if ev.prev_kv is not None else 0
        self._obj = None
        self._prev = None

    @property
    def object(self) -> dict | None:
        """The object after the event (None for a delete)."""
        if self._obj is None and self._raw is not None:
            self._obj = decode(self._raw, self.revision)
        return self._obj

    @property
    def prev_object(self) -> dict | None:
        """The object before the event (None for a create)."""
        if self._prev is None and self._prev_raw is not None:
            self._prev = decode(self._prev_raw, self._prev_rv)
        return self._prev


def encode(obj: dict) -> bytes:
    """Objects are stored without ``metadata.resourceVersion`` (it is the key's mod_revision)."""
    meta = obj.get("metadata") or {}
    if "resourceVersion" in meta:
        obj = dict(obj)
        obj["metadata"] = {k: v for k, v in meta.items() if k != "resourceVersion"}
    return msgpack.packb(obj, use_bin_type=True)


def decode(raw: bytes, revision: int) -> dict:
    obj = msgpack.unpackb(raw, raw=False)
    obj.setdefault("metadata", {})["resourceVersion"] = str(revision)
    return obj


class WatchCache:
    def __init__(self, revision: int, capacity: int = 50_000):
        self.capacity = capacity
        self.revision = revision
        self.events: deque[CachedEvent] = deque()
        # Parallel to ``events``: their revisions, for bisect.
        self._revs: deque[int] = deque()
        self._changed = asyncio.Event()

    @property
    def oldest(self) -> int:
        """The oldest revision served from the ring (revision+1 when empty)."""
        return self._revs[0] if self._revs else self.revision + 1

    def can_serve(self, after_rv: int) -> bool:
        return after_rv >= self.oldest - 1

    def append(self, events: list[contract.Event], revision: int | None = None) -> None:
        for ev in events:
            self.events.append(CachedEvent(ev))
            self._revs.append(ev.kv.mod_revision)
        while len(self.events) > self.capacity:
            self.events.popleft()
            self._revs.popleft()
        if self._revs:
            self.revision = max(self.revision, self._revs[-1])
        if revision is not None:
            self.revision = max(self.revision, revision)
        self._changed.set()
        self._changed = asyncio.Event()

    def reset(self, revision: int) -> None:
        """Forget everything (the feed lost track); watchers will get 410."""
        self.events.clear()
        self._revs.clear()
        self.revision = revision
        self._changed.set()
        self._changed = asyncio.Event()

    def since(self, after_rv: int) -> list[CachedEvent]:
        """Every cached event with revision > after_rv."""
        i = bisect.bisect_right(self._revs, after_rv)
        return [self.events[j] for j in range(i, len(self.events))]

    async def wait_change(self, timeout: float) -> bool:
        """Wait until something is appended; False on timeout."""
        changed = self._changed
        try:
            await asyncio.wait_for(changed.wait(), timeout)
            return True
        except asyncio.TimeoutError:
            return False

    def stats(self) -> dict[str, Any]:
        return {"revision": self.revision, "events": len(self.events), "oldest": self.oldest}
