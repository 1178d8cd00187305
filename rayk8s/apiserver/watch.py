"""Serving one watch poll from the watch cache (or the store's history).

A poll answers every event after ``after`` that the watcher's selectors
admit, waiting up to ``timeout`` wall seconds for the first one.  Selector
membership is per watcher, as in kube-apiserver: an object that stops
matching is a DELETED event for this watcher, one that starts matching an
ADDED event.  A DELETED event carries the object's last state with the
deleting revision as its resourceVersion.
"""

from __future__ import annotations

import asyncio
import copy
from typing import Callable

from ..api import errors
from ..store import contract
from .watchcache import CachedEvent, WatchCache


def to_watch_event(ev: CachedEvent, matches: Callable[[dict], bool],
                   out: Callable[[dict], dict]) -> dict | None:
    """A store event as one watcher sees it, or None when it doesn't concern it."""
    prev = ev.prev_object
    prev_ok = prev is not None and matches(prev)
    if ev.type == contract.EventType.DELETE:
        if not prev_ok:
            return None
        obj = copy.copy(prev)
        obj["metadata"] = dict(prev["metadata"], resourceVersion=str(ev.revision))
        return {"type": "DELETED", "object": out(obj)}
    cur = ev.object
    if matches(cur):
        return {"type": "MODIFIED" if prev_ok else "ADDED", "object": out(cur)}
    if prev_ok:  # stopped matching: gone from this watcher's view
        return {"type": "DELETED", "object": out(cur)}
    return None


async def poll(cache: WatchCache, store, prefix: str, after: int, timeout: float,
               matches: Callable[[dict], bool],
               out: Callable[[dict], dict]) -> tuple[list[dict], int]:
    """(events after ``after`` under ``prefix``, the revision to continue from)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + max(timeout, 0.0)
    while True:
        if cache.can_serve(after):
            raw, upto = cache.since(after), cache.revision
        else:
            try:
                history = await store.events(prefix, after + 1)
            except contract.Compacted as exc:
                raise errors.gone(f"too old resource version: {after} "
                                  f"({exc.compact_revision})") from None
            raw = [CachedEvent(e) for e in history]
            upto = max([after] + [e.revision for e in raw])
        events = []
        for ev in raw:
            if ev.key.startswith(prefix):
                converted = to_watch_event(ev, matches, out)
                if converted is not None:
                    events.append(converted)
        after = max(after, upto)
        if events:
            return events, after
        remaining = deadline - loop.time()
        if remaining <= 0:
            # Only what was scanned is passed: the feed may have appended since.
            return [], after
        await cache.wait_change(remaining)
