"""Informers: list+watch one resource into an indexed cache, and tell handlers.

This is client-go's reflector, DeltaFIFO and shared informer folded into one
asyncio task, because here one event loop owns everything and events are
handled synchronously (there is no queue between the watch and the handlers).

The loop (:meth:`Informer.run`):

1. **List** the resource, replace the cache with the items, and fire handlers
   for the *differences* against what the cache held: ``on_add`` for new
   keys, ``on_update(old, new)`` for keys whose object changed (by
   resourceVersion), ``on_delete(last_known)`` for keys that are gone.  On the
   first list everything is an add.  client-go fires an update for every
   listed object on a re-list; we skip unchanged ones, which level-triggered
   controllers do not need (resync exists for "look at everything again").
2. **Watch** from the list's resourceVersion with ``watch_batch`` long-polls,
   applying each batch's events in order and remembering the last
   resourceVersion seen.  ``ADDED``/``MODIFIED`` store the object and fire
   ``on_add`` or ``on_update`` depending on whether the key was cached;
   ``DELETED`` removes it and fires ``on_delete`` with the server's final
   state; ``BOOKMARK`` only advances the resourceVersion.
3. A **410 Gone** (the resourceVersion was compacted away, raised or sent as
   an ``ERROR`` event) sends us back to 1; the diff then reports what happened
   in the gap, including deletions we never saw as events.  Any other error is
   retried after an exponential back-off on the cluster clock (0.8 s doubling
   to 30 s, reset by a success, like the reflector's), from the same
   resourceVersion: a failed watch does not need a re-list.

Handlers run synchronously, in event order, after the cache reflects the
event; an exception in one is logged and does not stop the informer.  Objects
handed to handlers are the cached dicts: read-only, like everything a lister
returns.  Controllers' handlers should only enqueue keys
(:func:`enqueue_handler`) and read state from the cache when they sync.
"""

from __future__ import annotations

import asyncio
import logging
from types import SimpleNamespace
from typing import Any, Callable, Mapping, Protocol

from ..api.errors import ApiError
from ..clock import Clock, RealClock
from .cache import Cache, IndexFunc, Obj, key_of

log = logging.getLogger(__name__)


class ListWatchClient(Protocol):
    """The two apiserver calls an informer needs."""

    async def list_object(self, resource: str, namespace: str | None = None,
                          label_selector: str | None = None,
                          field_selector: str | None = None) -> dict:
        """A Kubernetes List: ``{"metadata": {"resourceVersion"}, "items": [...]}``."""

    async def watch_batch(self, resource: str, namespace: str | None = None,
                          resource_version: str = "", timeout: float = 30.0,
                          label_selector: str | None = None,
                          field_selector: str | None = None,
                          allow_bookmarks: bool = True) -> list[dict]:
        """Every event after ``resource_version`` (``[]`` on timeout); 410 if too old."""


class Handler:
    """One registered set of callbacks; any of them may be None."""

    __slots__ = ("on_add", "on_update", "on_delete")

    def __init__(self, on_add=None, on_update=None, on_delete=None):
        self.on_add: Callable[[Obj], Any] | None = on_add
        self.on_update: Callable[[Obj, Obj], Any] | None = on_update
        self.on_delete: Callable[[Obj], Any] | None = on_delete


def _rv(obj: Obj) -> str | None:
    return (obj.get("metadata") or {}).get("resourceVersion")


def _changed(old: Obj, new: Obj) -> bool:
    old_rv, new_rv = _rv(old), _rv(new)
    if old_rv and new_rv:
        return old_rv != new_rv
    return old != new


class Informer:
    """Keeps ``cache`` equal to the apiserver's view of one resource."""

    # The back-off after a failed list or watch, in emulated seconds.
    backoff_initial = 0.8
    backoff_max = 30.0

    def __init__(self, client: ListWatchClient, resource: str, namespace: str | None = None,
                 label_selector: str | None = None, field_selector: str | None = None,
                 indexers: dict[str, IndexFunc] | None = None, resync_period: float = 0,
                 clock: Clock | None = None, watch_timeout: float = 30.0):
        self.client = client
        self.resource = resource
        self.namespace = namespace or None
        self.label_selector = label_selector
        self.field_selector = field_selector
        self.resync_period = resync_period
        self.clock = clock if clock is not None else RealClock()
        self.watch_timeout = watch_timeout
        self.cache = Cache(indexers)
        # The resourceVersion of the last list, event or bookmark applied; the
        # next watch starts after it.
        self.resource_version = ""
        # Counters for metrics and tests.
        self.lists = 0
        self.watches = 0
        self.errors = 0
        self._handlers: list[Handler] = []
        self._synced = asyncio.Event()
        self._task: asyncio.Task | None = None

    def __repr__(self) -> str:
        where = f" in {self.namespace}" if self.namespace else ""
        return f"<Informer {self.resource}{where} rv={self.resource_version!r}>"

    # -- handlers ------------------------------------------------------------

    def add_handler(self, handler: Any = None, *, on_add=None, on_update=None,
                    on_delete=None) -> Handler:
        """Register callbacks: an object (or mapping) with any of ``on_add``,
        ``on_update``, ``on_delete``, and/or the same as keywords.

        A handler added after the initial list is first told ``on_add`` for
        every cached object, so it starts from the same state as the others.
        Returns the registration, for :meth:`remove_handler`.
        """
        get = (handler.get if isinstance(handler, Mapping)
               else lambda name: getattr(handler, name, None))
        h = Handler(on_add or get("on_add"), on_update or get("on_update"),
                    on_delete or get("on_delete"))
        if not (h.on_add or h.on_update or h.on_delete):
            raise ValueError("handler has none of on_add, on_update, on_delete")
        self._handlers.append(h)
        if self.has_synced and h.on_add:
            for obj in self.cache.list():
                self._call(h.on_add, obj)
        return h

    def remove_handler(self, registration: Handler) -> None:
        self._handlers.remove(registration)

    def _call(self, fn: Callable, *args: Obj) -> None:
        try:
            fn(*args)
        except Exception:
            log.exception("%r: event handler %r failed", self, fn)

    def _fire_add(self, obj: Obj) -> None:
        for h in list(self._handlers):
            if h.on_add:
                self._call(h.on_add, obj)

    def _fire_update(self, old: Obj, new: Obj) -> None:
        for h in list(self._handlers):
            if h.on_update:
                self._call(h.on_update, old, new)

    def _fire_delete(self, obj: Obj) -> None:
        for h in list(self._handlers):
            if h.on_delete:
                self._call(h.on_delete, obj)

    # -- lifecycle ---------------------------------------------------------

    @property
    def has_synced(self) -> bool:
        """True once the first list is in the cache (and forever after)."""
        return self._synced.is_set()

    async def wait_for_sync(self, timeout: float | None = None) -> bool:
        """Wait for the first list; ``timeout`` is in emulated seconds.

        Returns whether the informer has synced.
        """
        if self.has_synced:
            return True
        waiter = asyncio.ensure_future(self._synced.wait())
        if timeout is None:
            await waiter
            return True
        timer = asyncio.ensure_future(self.clock.sleep(timeout))
        try:
            await asyncio.wait({waiter, timer}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            waiter.cancel()
            timer.cancel()
        return self.has_synced

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    def start(self) -> asyncio.Task:
        """Run the informer as a task on the running loop (idempotent)."""
        if not self.running:
            self._task = asyncio.get_running_loop().create_task(
                self.run(), name=f"informer:{self.resource}")
        return self._task

    async def stop(self) -> None:
        """Cancel the task started by :meth:`start` and wait for it to end."""
        task, self._task = self._task, None
        if task is None:
            return
        task.cancel()
        try:
            await task
        except asyncio.CancelledError:
            pass

    async def run(self) -> None:
        """List, then watch forever; re-list on 410; back off on errors."""
        resync = (asyncio.get_running_loop().create_task(self._resync_loop())
                  if self.resync_period > 0 else None)
        backoff = self.backoff_initial
        need_list = True
        gone_in_a_row = 0
        try:
            while True:
                try:
                    if need_list:
                        await self._list()
                        need_list = False
                    await self._watch()
                    backoff = self.backoff_initial
                    gone_in_a_row = 0
                except ApiError as err:
                    if err.code != 410:
                        backoff = await self._back_off(err, backoff)
                        continue
                    need_list = True
                    gone_in_a_row += 1
                    log.info("%r: %s; re-listing", self, err.message or "410 Gone")
                    if gone_in_a_row > 1:  # A fresh list went stale at once: slow down.
                        backoff = await self._back_off(err, backoff)
                except Exception as err:  # noqa: BLE001 - the informer must survive
                    backoff = await self._back_off(err, backoff)
        finally:
            if resync is not None:
                resync.cancel()

    async def _back_off(self, err: Exception, delay: float) -> float:
        self.errors += 1
        log.warning("%r: %r; retrying in %.1fs", self, err, delay)
        await self.clock.sleep(delay)
        return min(delay * 2, self.backoff_max)

    # -- list and watch -------------------------------------------------------

    async def _list(self) -> None:
        result = await self.client.list_object(
            self.resource, namespace=self.namespace,
            label_selector=self.label_selector, field_selector=self.field_selector)
        self.lists += 1
        items = result.get("items") or []
        rv = str((result.get("metadata") or {}).get("resourceVersion") or "")
        before = dict(self.cache.items())
        self.cache.replace(items, rv)
        self.resource_version = rv
        for key, obj in self.cache.items():
            old = before.pop(key, None)
            if old is None:
                self._fire_add(obj)
            elif _changed(old, obj):
                self._fire_update(old, obj)
        for old in before.values():
            self._fire_delete(old)
        self._synced.set()

    async def _watch(self) -> None:
        events = await self.client.watch_batch(
            self.resource, namespace=self.namespace,
            resource_version=self.resource_version, timeout=self.watch_timeout,
            label_selector=self.label_selector, field_selector=self.field_selector,
            allow_bookmarks=True)
        self.watches += 1
        for event in events:
            self._apply(event)
        if not events:
            await asyncio.sleep(0)  # An instant empty answer must not starve the loop.

    def _apply(self, event: dict) -> None:
        etype = event.get("type")
        obj = event.get("object") or {}
        if etype == "ERROR":
            raise ApiError(obj if "code" in obj else {"code": 500, "message": str(obj)})
        if etype in ("ADDED", "MODIFIED"):
            old = self.cache.get(key_of(obj))
            self.cache.update(obj)
            if old is None:
                self._fire_add(obj)
            else:
                self._fire_update(old, obj)
        elif etype == "DELETED":
            self.cache.delete(obj)
            self._fire_delete(obj)
        elif etype != "BOOKMARK":
            log.warning("%r: ignoring watch event of type %r", self, etype)
            return
        rv = _rv(obj)
        if rv:
            self.resource_version = str(rv)

    async def _resync_loop(self) -> None:
        """Every ``resync_period``: ``on_update(obj, obj)`` for every cached object."""
        while self.resync_period > 0:
            await self.clock.sleep(self.resync_period)
            if self.has_synced:
                for obj in self.cache.list():
                    self._fire_update(obj, obj)


class SharedInformerFactory:
    """One informer per (resource, namespace, selectors), shared by all users."""

    def __init__(self, client: ListWatchClient, clock: Clock | None = None,
                 watch_timeout: float = 30.0):
        self.client = client
        self.clock = clock if clock is not None else RealClock()
        self.watch_timeout = watch_timeout
        self._informers: dict[tuple, Informer] = {}

    def informer(self, resource: str, namespace: str | None = None,
                 label_selector: str | None = None, field_selector: str | None = None,
                 indexers: dict[str, IndexFunc] | None = None,
                 resync_period: float = 0) -> Informer:
        """The shared informer for these arguments, created on first request.

        Indexers are merged into the shared cache (same name and different
        function is an error); the shortest non-zero resync period wins.
        """
        key = (resource, namespace or None, label_selector or None, field_selector or None)
        inf = self._informers.get(key)
        if inf is None:
            inf = self._informers[key] = Informer(
                self.client, resource, namespace, label_selector, field_selector,
                indexers, resync_period, self.clock, self.watch_timeout)
            return inf
        if indexers:
            inf.cache.add_indexers(indexers)
        if resync_period > 0 and not 0 < inf.resync_period <= resync_period:
            inf.resync_period = resync_period
        return inf

    @property
    def informers(self) -> list[Informer]:
        return list(self._informers.values())

    def start_all(self) -> None:
        """Start every informer not yet running (call again after adding more)."""
        for inf in self._informers.values():
            inf.start()

    async def stop_all(self) -> None:
        await asyncio.gather(*(inf.stop() for inf in self._informers.values()))

    async def wait_for_sync(self, timeout: float | None = None) -> bool:
        """Whether every informer synced within ``timeout`` emulated seconds."""
        results = await asyncio.gather(
            *(inf.wait_for_sync(timeout) for inf in self._informers.values()))
        return all(results)


def enqueue_handler(queue: Any, key_fn: Callable[[Obj], str] = key_of) -> SimpleNamespace:
    """A handler that adds the object's key to ``queue`` on every event."""
    def on_add(obj: Obj) -> None:
        queue.add(key_fn(obj))

    def on_update(old: Obj, new: Obj) -> None:
        queue.add(key_fn(new))

    return SimpleNamespace(on_add=on_add, on_update=on_update, on_delete=on_add)
