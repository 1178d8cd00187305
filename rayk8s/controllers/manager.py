"""The controller manager: shared informers, one work queue per controller.

For each controller: informer events on every watched resource become keys
(``keys_for``) on the controller's stingy work queue; ``workers`` tasks pull
keys, run ``sync`` over the listers and execute the actions (runner.py).

Read-your-writes: after a sync wrote objects at resourceVersion R, the next
sync of the same key waits (up to ``barrier_timeout`` wall seconds) until
the informer of each written resource has seen R.  A ReplicaSet controller
that just created 3 pods therefore never counts 0 pods again and creates 3
more -- the job client-go's "expectations" do, without the bookkeeping.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Iterable

from .. import clock as clockmod
from ..api import kinds
from ..machinery import SharedInformerFactory, WorkQueue, run_worker
from ..machinery.events import EventRecorder
from . import base
from .runner import Runner

log = logging.getLogger(__name__)


def _plural(resource: str) -> str:
    return kinds.REGISTRY.lookup(resource).plural


class _Loop:
    """One controller: its queue, its workers, its pending writes per key."""

    def __init__(self, manager: "ControllerManager", controller: base.Controller, workers: int):
        self.manager = manager
        self.controller = controller
        self.queue = WorkQueue(manager.clock, name=controller.name)
        self.workers = workers
        self.pending: dict[str, dict[str, int]] = {}
        self.syncs = 0
        self.errors = 0

    def enqueue(self, resource: str, obj: dict) -> None:
        try:
            for key in self.controller.keys_for(resource, obj, self.manager.listers):
                self.queue.add(key)
        except Exception:  # noqa: BLE001 - a bad object must not stop the informer
            log.exception("%s: keys_for failed", self.controller.name)

    async def work(self) -> None:
        await run_worker(self.queue, self._process, self._failed)

    def _failed(self, key: str, exc: Exception) -> None:
        self.errors += 1
        log.error("%s: sync %s failed", self.controller.name, key, exc_info=exc)

    async def _process(self, key: str) -> None:
        await self.manager.wait_seen(self.pending.pop(key, {}))
        self.syncs += 1
        actions = self.controller.sync(key, self.manager.listers, self.manager.clock.now())
        if not actions:
            self.queue.forget(key)
            return
        outcome = await self.manager.runner.run(actions)
        if outcome.written:
            self.pending[key] = {_plural(r): rv for r, rv in outcome.written.items()}
        if outcome.retry:
            self.queue.add_rate_limited(key)
            return
        self.queue.forget(key)
        if outcome.requeue_after is not None:
            self.queue.add_after(key, outcome.requeue_after)


class ControllerManager:
    def __init__(self, client, controllers: Iterable[base.Controller],
                 clock: clockmod.Clock | None = None, workers: int = 2,
                 barrier_timeout: float = 5.0, watch_timeout: float = 30.0):
        self.client = client
        self.clock = clock or clockmod.RealClock()
        self.factory = SharedInformerFactory(client, self.clock, watch_timeout=watch_timeout)
        self.runner = Runner(client, EventRecorder(client, "controller-manager", clock=self.clock))
        self.barrier_timeout = barrier_timeout
        self.loops = [_Loop(self, c, workers) for c in controllers]
        self.listers: dict[str, Any] = {}
        self._tasks: list[asyncio.Task] = []
        self._informers: dict[str, Any] = {}
        for loop in self.loops:
            for resource, indexers in loop.controller.watches.items():
                plural = _plural(resource)
                informer = self.factory.informer(plural, indexers=dict(indexers))
                self._informers[plural] = informer
                self.listers[plural] = informer.cache
                informer.add_handler(
                    on_add=lambda o, l=loop, r=plural: l.enqueue(r, o),
                    on_update=lambda old, new, l=loop, r=plural: l.enqueue(r, new),
                    on_delete=lambda o, l=loop, r=plural: l.enqueue(r, o))

    async def start(self, sync_timeout: float | None = 60.0) -> None:
        self.factory.start_all()
        await self.factory.wait_for_sync(timeout=sync_timeout)
        for loop in self.loops:
            for _ in range(loop.workers):
                self._tasks.append(asyncio.get_running_loop().create_task(loop.work()))

    async def stop(self) -> None:
        for loop in self.loops:
            loop.queue.shutdown()
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks.clear()
        await self.factory.stop_all()

    async def wait_seen(self, written: dict[str, int]) -> None:
        """Wait until each informer has seen the given resourceVersion (bounded)."""
        if not written:
            return
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.barrier_timeout
        for resource, rv in written.items():
            informer = self._informers.get(resource)
            if informer is None:
                continue
            while _rv(informer.resource_version) < rv and loop.time() < deadline:
                await asyncio.sleep(0.01)

    def stats(self) -> dict[str, Any]:
        return {loop.controller.name: {"syncs": loop.syncs, "errors": loop.errors,
                                       "depth": len(loop.queue)} for loop in self.loops}


def _rv(text: str | None) -> int:
    try:
        return int(text or 0)
    except ValueError:
        return 0
