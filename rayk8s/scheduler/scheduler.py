"""The scheduler: informers -> queue -> one cycle per pod -> asynchronous bind.

:class:`Scheduler` is kube-scheduler's ``Scheduler`` for one profile, over an
:class:`~rayk8s.client.AsyncClient`:

- **Informers.**  One pod informer over every non-terminal pod (``status.phase``
  not Succeeded/Failed; a pod that finishes leaves the selection and arrives
  as a delete) and one node informer.  Unassigned pods whose
  ``spec.schedulerName`` is ours, that are not terminating and carry no
  scheduling gates go to the :class:`~.queue.SchedulingQueue`; assigned pods
  and nodes update the :class:`~.nodeinfo.NodeCache` incrementally.
- **The loop.**  Pops one pod at a time and runs the framework's cycle
  synchronously over the live NodeCache (the cycle never awaits, so the cache
  is a consistent snapshot), then yields to the event loop.
- **Binding.**  A placed pod is *assumed* on its node at once and bound in the
  background (``POST pods/<name>/binding``), at most ``parallel_binds`` at a
  time; the loop goes on with the next pod.  The informer confirms the pod
  with its nodeName; a failed bind forgets the assumption and the pod comes
  back through back-off.  Success records a ``Scheduled`` event,
  ``Successfully assigned <ns>/<pod> to <node>``.
- **Failure.**  When no node fits: a Warning ``FailedScheduling`` event with
  the FitError message, and the pod's ``PodScheduled`` condition set to False
  with reason ``Unschedulable`` (``SchedulerError`` for errors) by a strategic
  merge patch of ``pods/status`` -- skipped when the condition already says
  the same.  The pod waits among the unschedulable pods until a cluster event
  that its rejecting plugins care about (node added or changed, assigned pod
  deleted), or 5 minutes.  If preemption found victims, they are deleted and
  the pod's ``status.nominatedNodeName`` is set.

Configuration (``config`` dict; every key optional):
``scheduler_name`` ("default-scheduler"), ``plugins`` (extra plugin objects,
appended to ``plugins=``), ``disabled_plugins`` (default plugin names, or
"*"), ``weights`` ({plugin name: weight}), ``algorithm`` (a callable that
replaces filter and score; see framework), ``percentage_of_nodes_to_score``
(0: adaptive), ``pod_initial_backoff_seconds`` (1), ``pod_max_backoff_seconds``
(10), ``pod_max_in_unschedulable_seconds`` (300), ``not_ready_taint`` (True),
``parallel_binds`` (16), ``seed`` (for the tie-break).
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from typing import Any, Iterable

from prometheus_client import CollectorRegistry

from .. import clock as clockmod
from ..api import errors
from ..machinery.cache import key_of
from ..machinery.events import NORMAL, WARNING, EventRecorder
from ..machinery.informer import SharedInformerFactory
from . import framework as fw
from .metrics import SchedulerMetrics
from .nodeinfo import NodeCache, PodInfo
from .plugins import PreemptionResult, default_plugins
from .queue import QueuedPodInfo, SchedulingQueue

log = logging.getLogger(__name__)

DEFAULT_SCHEDULER_NAME = "default-scheduler"
ACTIVE_PODS = "status.phase!=Succeeded,status.phase!=Failed"
CONFIG_KEYS = frozenset({
    "scheduler_name", "plugins", "disabled_plugins", "weights", "algorithm",
    "percentage_of_nodes_to_score", "pod_initial_backoff_seconds", "pod_max_backoff_seconds",
    "pod_max_in_unschedulable_seconds", "not_ready_taint", "parallel_binds", "seed"})


def _meta(obj: dict) -> dict:
    return obj.get("metadata") or {}


def _spec(obj: dict) -> dict:
    return obj.get("spec") or {}


def assigned(pod: dict) -> bool:
    return bool(_spec(pod).get("nodeName"))


def _pod_changed(old: dict, new: dict) -> bool:
    """Whether a pending pod changed in a way that may change where it fits.

    Status, resourceVersion and managed fields are ignored: the scheduler's own
    PodScheduled patch must not requeue the pod it just failed to place.
    """
    om, nm = _meta(old), _meta(new)
    return (_spec(old) != _spec(new) or om.get("labels") != nm.get("labels")
            or om.get("annotations") != nm.get("annotations"))


def _node_signature(node: dict) -> tuple:
    """What of a node the plugins read; a heartbeat does not change it."""
    spec, status = _spec(node), node.get("status") or {}
    conditions = tuple(sorted((c.get("type"), c.get("status"), c.get("reason"))
                              for c in status.get("conditions") or []))
    return (repr(_meta(node).get("labels")), repr(spec.get("taints")),
            bool(spec.get("unschedulable")), repr(status.get("allocatable")),
            repr(status.get("capacity")), conditions)


class Scheduler:
    """kube-scheduler for one profile (see the module docstring)."""

    def __init__(self, client, clock: clockmod.Clock | None = None, *,
                 plugins: Iterable[Any] = (), config: dict[str, Any] | None = None,
                 registry: CollectorRegistry | None = None,
                 informers: SharedInformerFactory | None = None):
        cfg = dict(config or {})
        unknown = set(cfg) - CONFIG_KEYS
        if unknown:
            raise ValueError(f"unknown scheduler config keys {sorted(unknown)}; "
                             f"known: {sorted(CONFIG_KEYS)}")
        self.client = client
        self.clock = clock if clock is not None else clockmod.RealClock()
        self.name = cfg.get("scheduler_name", DEFAULT_SCHEDULER_NAME)
        user_plugins = list(cfg.get("plugins") or []) + list(plugins or [])
        self.framework = fw.Framework(
            default_plugins(cfg.get("disabled_plugins", ())) + user_plugins,
            weights=cfg.get("weights"), algorithm=cfg.get("algorithm"),
            percentage_of_nodes_to_score=int(cfg.get("percentage_of_nodes_to_score", 0)),
            rng=random.Random(cfg.get("seed")))
        self.metrics = SchedulerMetrics(registry, profile=self.name)
        self.queue = SchedulingQueue(
            self.clock, initial_backoff=float(cfg.get("pod_initial_backoff_seconds", 1.0)),
            max_backoff=float(cfg.get("pod_max_backoff_seconds", 10.0)),
            max_unschedulable=float(cfg.get("pod_max_in_unschedulable_seconds", 300.0)),
            on_incoming=self.metrics.incoming)
        self.metrics.watch_queue(self.queue)
        self.cache = NodeCache(not_ready_taint=bool(cfg.get("not_ready_taint", True)))
        self.recorder = EventRecorder(client, self.name, clock=self.clock)
        self._own_factory = informers is None
        self.informers = informers or SharedInformerFactory(client, clock=self.clock)
        self.pod_informer = self.informers.informer("pods", field_selector=ACTIVE_PODS)
        self.node_informer = self.informers.informer("nodes")
        self.claim_informer = self.informers.informer("persistentvolumeclaims")
        self.parallel_binds = int(cfg.get("parallel_binds", 16))
        # Events some filter plugin wants (others need not scan unschedulable pods).
        self._wanted_events = frozenset().union(
            *(self.framework.events_of(p.name) for p in self.framework.filter_plugins
              + self.framework.pre_filter_plugins)) if self.framework.algorithm is None \
            else fw.EVENTS
        # Background writes (binds, events, status patches, preemptions).
        self._tasks: set[asyncio.Task] = set()
        self._loop_task: asyncio.Task | None = None
        self._timer_task: asyncio.Task | None = None
        self._bind_slots: asyncio.Semaphore | None = None
        self.counts = {"scheduled": 0, "unschedulable": 0, "error": 0, "bind_failures": 0,
                       "preemptions": 0}

    # -- lifecycle ---------------------------------------------------------------

    async def start(self) -> None:
        """Start informers, wait for their first lists, then run the loop."""
        if self._loop_task is not None:
            return
        self._bind_slots = asyncio.Semaphore(self.parallel_binds)
        self.node_informer.add_handler(on_add=self._on_node_add, on_update=self._on_node_update,
                                       on_delete=self._on_node_delete)
        self.pod_informer.add_handler(on_add=self._on_pod_add, on_update=self._on_pod_update,
                                      on_delete=self._on_pod_delete)
        self.claim_informer.add_handler(on_add=lambda c: self._move_all(fw.PVC_ADD),
                                        on_update=lambda o, n: self._move_all(fw.PVC_UPDATE))
        self.informers.start_all()
        await asyncio.gather(self.node_informer.wait_for_sync(),
                             self.pod_informer.wait_for_sync(),
                             self.claim_informer.wait_for_sync())
        loop = asyncio.get_running_loop()
        self._timer_task = loop.create_task(self.queue.run(), name="scheduler-queue")
        self._loop_task = loop.create_task(self._run(), name="scheduler-loop")

    async def stop(self) -> None:
        self.queue.close()
        for task in (self._loop_task, self._timer_task):
            if task is not None:
                task.cancel()
        await asyncio.gather(*(t for t in (self._loop_task, self._timer_task) if t),
                             return_exceptions=True)
        if self._tasks:  # let binds and reports finish, briefly
            _, late = await asyncio.wait(set(self._tasks), timeout=5)
            for task in late:
                task.cancel()
            await asyncio.gather(*late, return_exceptions=True)
        if self._own_factory:
            await self.informers.stop_all()

    async def wait_idle(self) -> None:
        """Until the background writes started so far are done (tests, benchmarks)."""
        while self._tasks:
            await asyncio.gather(*set(self._tasks), return_exceptions=True)

    def stats(self) -> dict[str, Any]:
        return {"name": self.name, **self.counts, "pending": self.queue.pending(),
                "nodes": len(self.cache), "pods_counted": self.cache.pod_count(),
                "assumed": len(self.cache.assumed), "in_flight_writes": len(self._tasks),
                "plugins": [p.name for p in self.framework.plugins]}

    def _spawn(self, coro) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # -- informer handlers (only update the cache and the queue) ---------------------

    def responsible_for(self, pod: dict) -> bool:
        spec = _spec(pod)
        return ((spec.get("schedulerName") or DEFAULT_SCHEDULER_NAME) == self.name
                and not spec.get("nodeName") and not _meta(pod).get("deletionTimestamp")
                and not spec.get("schedulingGates"))

    def _hint(self, info: QueuedPodInfo, event: str) -> bool:
        if not info.unschedulable_plugins:
            return True
        return any(event in self.framework.events_of(p) for p in info.unschedulable_plugins)

    def _move_all(self, event: str) -> None:
        if event in self._wanted_events and self.queue.count("unschedulable"):
            self.queue.move_all(event, self._hint)

    def _on_node_add(self, node: dict) -> None:
        self.cache.set_node(node)
        self._move_all(fw.NODE_ADD)

    def _on_node_update(self, old: dict, new: dict) -> None:
        self.cache.set_node(new)
        if _node_signature(old) != _node_signature(new):
            self._move_all(fw.NODE_UPDATE)

    def _on_node_delete(self, node: dict) -> None:
        self.cache.remove_node(_meta(node)["name"])

    def _on_pod_add(self, pod: dict) -> None:
        if assigned(pod):
            self.queue.delete(key_of(pod))
            self.cache.add_pod(pod)
            self._move_all(fw.ASSIGNED_POD_ADD)
        elif self.responsible_for(pod):
            self.queue.add(key_of(pod), int(_spec(pod).get("priority") or 0))

    def _on_pod_update(self, old: dict, new: dict) -> None:
        key = key_of(new)
        if assigned(new):
            self.queue.delete(key)
            same = _spec(old) == _spec(new) and \
                _meta(old).get("ownerReferences") == _meta(new).get("ownerReferences")
            if not (same and self.cache.refresh_pod(new)):
                self.cache.update_pod(new)
            if not assigned(old):
                self._move_all(fw.ASSIGNED_POD_ADD)
            return
        if not self.responsible_for(new):
            self.queue.delete(key)
        elif key in self.queue:
            if _pod_changed(old, new):
                self.queue.update(key)
        elif not self.cache.is_assumed(key):
            self.queue.add(key, int(_spec(new).get("priority") or 0))

    def _on_pod_delete(self, pod: dict) -> None:
        key = key_of(pod)
        self.queue.delete(key)
        if self.cache.node_of(key) is not None:
            self.cache.remove_pod(key)
            self._move_all(fw.ASSIGNED_POD_DELETE)

    # -- the loop -------------------------------------------------------------------

    async def _run(self) -> None:
        while True:
            info = await self.queue.pop()
            if info is None:
                return
            try:
                self.schedule_one(info)
            except Exception:  # noqa: BLE001 - one pod must not stop the scheduler
                log.exception("scheduling %s failed", info.key)
                self.queue.add_unschedulable(info, error=True)
            await asyncio.sleep(0)  # let informers and binds run between pods

    def schedule_one(self, info: QueuedPodInfo) -> str | None:
        """One scheduling cycle for a popped pod; returns the chosen node, if any."""
        pod = self.pod_informer.cache.get(info.key)
        if pod is None or not self.responsible_for(pod) or self.cache.is_assumed(info.key):
            self.queue.delete(info.key)
            return None
        start = time.perf_counter()
        state = fw.CycleState(PodInfo(pod))
        state.listers = {"persistentvolumeclaims": self.claim_informer.cache}
        nodes = self.cache.nodes()
        try:
            result = self.framework.schedule(pod, nodes, state)
        except fw.FitError as fit:
            preemption = None
            if nodes:
                preemption = self.framework.run_post_filter(state, pod, nodes, fit.diagnosis)
            self.counts["unschedulable"] += 1
            self.metrics.attempt("unschedulable", time.perf_counter() - start)
            self.queue.add_unschedulable(info, fit.diagnosis.unschedulable_plugins)
            nominated = preemption.node if isinstance(preemption, PreemptionResult) else None
            self._spawn(self._report_failure(pod, "Unschedulable", str(fit), nominated))
            if isinstance(preemption, PreemptionResult) and preemption.victims:
                self._spawn(self._preempt(pod, preemption))
            return None
        except fw.SchedulingError as err:
            self.counts["error"] += 1
            self.metrics.attempt("error", time.perf_counter() - start)
            self.queue.add_unschedulable(info, error=True)
            self._spawn(self._report_failure(pod, "SchedulerError", str(err)))
            return None
        self.cache.assume(pod, result.node)
        self.queue.done(info.key)
        self._spawn(self._bind(info, pod, result.node, start))
        return result.node

    # -- writes ---------------------------------------------------------------------

    async def _bind(self, info: QueuedPodInfo, pod: dict, node: str, start: float) -> None:
        meta = _meta(pod)
        ns, name = meta.get("namespace") or "default", meta["name"]
        binding = {"apiVersion": "v1", "kind": "Binding",
                   "metadata": {"name": name, "namespace": ns, "uid": meta.get("uid")},
                   "target": {"apiVersion": "v1", "kind": "Node", "name": node}}
        assert self._bind_slots is not None
        async with self._bind_slots:
            try:
                await self.client.create_sub("pods", name, "binding", binding, ns)
            except Exception as exc:  # noqa: BLE001 - any failure: forget and retry
                self._bind_failed(info, pod, exc, start)
                return
        self.counts["scheduled"] += 1
        self.metrics.attempt("scheduled", time.perf_counter() - start)
        self.metrics.scheduled(info.attempts, self.clock.now() - info.initial_attempt)
        await self.recorder.event(pod, NORMAL, "Scheduled",
                                  f"Successfully assigned {ns}/{name} to {node}")

    def _bind_failed(self, info: QueuedPodInfo, pod: dict, exc: Exception,
                     start: float) -> None:
        key = info.key
        self.cache.forget(key)
        self.counts["bind_failures"] += 1
        self.metrics.attempt("error", time.perf_counter() - start)
        current = self.pod_informer.cache.get(key)
        if isinstance(exc, errors.ApiError) and exc.code == 404 or current is None or \
                _meta(current).get("uid") != _meta(pod).get("uid") or \
                not self.responsible_for(current):
            return  # deleted, replaced or bound by someone else: nothing to retry
        log.info("binding %s failed: %s", key, exc)
        self.queue.requeue_error(info)
        message = f'running Bind plugin "DefaultBinder": {exc}'
        self._spawn(self._report_failure(current, "SchedulerError", message))

    async def _report_failure(self, pod: dict, reason: str, message: str,
                              nominated: str | None = None) -> None:
        """FailedScheduling event and PodScheduled=False (the patch only if it changes)."""
        await self.recorder.event(pod, WARNING, "FailedScheduling", message)
        meta = _meta(pod)
        current = self.pod_informer.cache.get(key_of(pod)) or pod
        status = current.get("status") or {}
        old = next((c for c in status.get("conditions") or []
                    if c.get("type") == "PodScheduled"), None)
        now = clockmod.rfc3339(self.clock.now())
        cond = {"type": "PodScheduled", "status": "False", "reason": reason,
                "message": message, "lastProbeTime": None, "lastTransitionTime": now}
        if old is not None and old.get("status") == "False":
            cond["lastTransitionTime"] = old.get("lastTransitionTime") or now
        patch: dict[str, Any] = {}
        if old is None or any(old.get(k) != cond[k] for k in ("status", "reason", "message")):
            patch["conditions"] = [cond]
        if nominated and status.get("nominatedNodeName") != nominated:
            patch["nominatedNodeName"] = nominated
        if not patch:
            return
        try:
            await self.client.patch("pods", meta["name"], {"status": patch},
                                    meta.get("namespace") or "default",
                                    patch_type="strategic", subresource="status")
        except errors.ApiError as exc:
            if exc.code != 404:
                log.warning("could not update the status of %s: %s", key_of(pod), exc)

    async def _preempt(self, pod: dict, result: PreemptionResult) -> None:
        """Evict the victims chosen by DefaultPreemption, as kube-scheduler does."""
        self.counts["preemptions"] += 1
        self.metrics.preemption_attempts.inc()
        self.metrics.preemption_victims.observe(len(result.victims))
        uid = _meta(pod).get("uid", "")
        for victim in result.victims:
            vmeta = _meta(victim.pod)
            ns, name = vmeta.get("namespace") or "default", vmeta["name"]
            condition = {"type": "DisruptionTarget", "status": "True",
                         "reason": "PreemptionByScheduler",
                         "message": f"{self.name}: preempting to accommodate a higher "
                                    f"priority pod",
                         "lastTransitionTime": clockmod.rfc3339(self.clock.now())}
            try:
                await self.client.patch("pods", name, {"status": {"conditions": [condition]}},
                                        ns, patch_type="strategic", subresource="status")
                await self.client.delete("pods", name, ns)
            except errors.ApiError as exc:
                if exc.code != 404:
                    log.warning("could not preempt %s/%s: %s", ns, name, exc)
                continue
            await self.recorder.event(victim.pod, NORMAL, "Preempted",
                                      f"Preempted by pod {uid} on node {result.node}")
