"""The kubelet core: one emulated node's agent, a few asyncio tasks, no threads.

A :class:`Kubelet` registers its Node, heartbeats a Lease in
``kube-node-lease`` every 10 s (``leaseDurationSeconds`` 40), refreshes the
Node's status every 10 s (writing it only when it changed, or every 5 min),
and keeps the pods bound to it in their desired state:

- an informer watches only its pods (field selector ``spec.nodeName=<node>``);
  its handlers enqueue pod keys into a stingy work queue;
- a worker syncs one key: run due probes, then ``podsync.decide`` -> execute
  the runtime actions -> observe again, until nothing is left to do; write
  the status through ``pods/status`` (only when it changed), and re-queue the
  key for the next moment something is due (``add_after`` on the cluster
  clock: container start, exit, back-off expiry, probe period, grace end);
- events go through an EventRecorder from one sender task, so syncs never
  wait for them;
- lifecycle hooks take cluster time without blocking anything: the runtime
  plays a ``postStart`` hook when it starts a container and a ``preStop``
  hook when it is asked to stop one (``sleep``, an ``exec`` command's played
  duration, an instant ``httpGet`` to the pod's own app), and only shifts the
  moments the container shows Running or gets SIGTERM / SIGKILL (podsync.py).

Per pod the kubelet keeps a small ``podsync.Memo`` and the runtime's record;
nothing else.  Many kubelets share one event loop (the node actor shell).
"""

from __future__ import annotations

import asyncio
import collections
import dataclasses
import logging
import math
import uuid
from typing import Any

from prometheus_client import CollectorRegistry

from .. import clock as clockmod
from ..api import quantity
from ..api.errors import ApiError
from ..machinery.cache import key_of
from ..machinery.events import NORMAL, WARNING, EventRecorder
from ..machinery.informer import Informer
from ..machinery.workqueue import WorkQueue, run_worker
from . import nodeinfo, podstatus, podsync, probes, stats
from .images import Catalog
from .metrics import KubeletMetrics
from .runtime import NotServing, Runtime

log = logging.getLogger(__name__)


class SandboxFailed(Exception):
    """The pod sandbox could not be created; the pod is retried with back-off."""
_MAX_PASSES = 10
_MAX_PENDING_EVENTS = 10_000


@dataclasses.dataclass
class KubeletConfig:
    """Knobs; every duration is cluster time."""

    pull_seconds: float = 0.2              # an image pull (or a failed one)
    start_seconds: float = 0.1             # container create + start
    default_task_seconds: float = 5.0      # a command the runtime cannot read runs this long
    accept_unknown_images: bool = False    # play unknown images as a generic HTTP app
    lease_duration_seconds: int = 40
    lease_renew_seconds: float = 10.0
    node_status_update_seconds: float = 10.0
    node_status_report_seconds: float = 300.0
    error_resync_seconds: float = 1.0      # how long ErrImagePull shows before the back-off
    workers: int = 1                       # sync loops per kubelet
    max_log_lines: int = 200
    watch_timeout: float = 30.0

    @classmethod
    def from_dict(cls, values: dict | None) -> "KubeletConfig":
        names = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in (values or {}).items() if k in names})


class Kubelet:
    def __init__(self, client, spec: dict | nodeinfo.NodeSpec, clock=None, *,
                 catalog: Catalog | None = None, config: KubeletConfig | dict | None = None,
                 metrics: KubeletMetrics | CollectorRegistry | None = None,
                 ray_node: str = "",
                 pod_informer: Informer | None = None):
        self.client = client
        self.spec = nodeinfo.node_spec(spec)
        self.name = self.spec.name
        self.clock = clock or clockmod.RealClock()
        self.config = config if isinstance(config, KubeletConfig) else \
            KubeletConfig.from_dict(config)
        cfg = self.config
        self.runtime = Runtime(self.spec.address, self.spec.pod_cidr, catalog, self.clock,
                               pull_seconds=cfg.pull_seconds, start_seconds=cfg.start_seconds,
                               default_task_seconds=cfg.default_task_seconds,
                               accept_unknown_images=cfg.accept_unknown_images,
                               max_log_lines=cfg.max_log_lines)
        # A KubeletMetrics, or a Prometheus registry to put the kubelet metrics in.
        self.metrics = metrics if isinstance(metrics, KubeletMetrics) else \
            KubeletMetrics.of(metrics) if metrics is not None else KubeletMetrics()
        self.recorder = EventRecorder(client, "kubelet", host=self.name, clock=self.clock)
        self.queue = WorkQueue(self.clock, name=f"kubelet-{self.name}")
        # Its own informer on its pods, or one shared by the kubelets of a node shell
        # (all pods; each kubelet picks its own).
        self.shared_informer = pod_informer is not None
        self.informer = pod_informer if pod_informer is not None else Informer(
            client, "pods", field_selector=f"spec.nodeName={self.name}", clock=self.clock,
            watch_timeout=cfg.watch_timeout)
        self._handler = None
        self.ray_node = ray_node
        self.memos: dict[str, podsync.Memo] = {}
        self.uids: dict[str, str] = {}
        self.node: dict | None = None
        self.started_at: float | None = None
        self.lease_renewals = 0
        self.node_status_writes = 0
        self._info = nodeinfo.node_info(self.spec, str(uuid.uuid4()))
        self._node_status: dict | None = None
        self._last_report = -math.inf
        self._events: collections.deque = collections.deque(maxlen=_MAX_PENDING_EVENTS)
        self._events_ready: asyncio.Event | None = None
        self._sending = False
        self._tasks: list[asyncio.Task] = []

    def __repr__(self) -> str:
        return f"<Kubelet {self.name} pods={len(self.uids)}>"

    # -- lifecycle ------------------------------------------------------------------

    async def start(self) -> dict:
        """Register the node, then watch and drive its pods.  Returns the Node."""
        self.started_at = self.clock.now()
        self._events_ready = asyncio.Event()
        await self.register()
        ref = nodeinfo.node_reference(self.name)
        self._event(ref, NORMAL, "Starting", "Starting kubelet.")
        self._event(ref, NORMAL, "NodeAllocatableEnforced",
                    "Updated Node Allocatable limit across pods")
        for reason in nodeinfo.CONDITION_EVENTS:
            self._event(ref, NORMAL, reason, f"Node {self.name} status is now: {reason}")
        self._handler = self.informer.add_handler(
            on_add=self._enqueue, on_delete=self._enqueue,
            on_update=lambda old, new: self._enqueue(new))
        self.metrics.attach(self)
        loop = asyncio.get_running_loop()
        self.informer.start()
        self._tasks = [loop.create_task(self._heartbeats(), name=f"heartbeat:{self.name}"),
                       loop.create_task(self._send_events(), name=f"events:{self.name}")]
        self._tasks += [loop.create_task(self._worker(), name=f"kubelet:{self.name}")
                        for _ in range(max(1, self.config.workers))]
        return self.node

    async def stop(self) -> None:
        """Stop every task; the pods' containers stop with the process."""
        self.metrics.detach(self)
        self.queue.shutdown()
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks = []
        if self._handler is not None:
            self.informer.remove_handler(self._handler)
            self._handler = None
        if not self.shared_informer:
            await self.informer.stop()

    def idle(self) -> bool:
        """Nothing queued, in flight, or waiting to be recorded (for tests and benchmarks)."""
        return self.queue.depth == 0 and self.queue.unfinished == 0 and not self._events \
            and not self._sending

    # -- the node ---------------------------------------------------------------------

    async def register(self) -> dict:
        """Create the Node (or take over an existing one), then the Lease."""
        now = self.clock.now()
        obj = nodeinfo.node_object(self.spec, self.ray_node)
        status = nodeinfo.node_status(self.spec, now, self._info, self.runtime.images)
        try:
            self.node = await self.client.create(dict(obj, status=status))
        except ApiError as exc:
            if exc.code != 409:
                raise
            meta = obj["metadata"]
            patch: dict = {"metadata": {"labels": meta["labels"],
                                        "annotations": meta["annotations"]}}
            existing = await self.client.get("nodes", self.name)
            if not (existing.get("spec") or {}).get("podCIDR"):
                patch["spec"] = {k: obj["spec"][k] for k in ("podCIDR", "podCIDRs")}
            await self.client.patch("nodes", self.name, patch)
            self.node = await self.client.patch("nodes", self.name, {"status": status},
                                                subresource="status")
        self._node_status, self._last_report = status, now
        await self.renew_lease()
        return self.node

    async def renew_lease(self) -> None:
        now = self.clock.now()
        spec = {"holderIdentity": self.name,
                "leaseDurationSeconds": int(self.config.lease_duration_seconds),
                "renewTime": clockmod.rfc3339_micro(now)}
        try:
            await self.client.patch("leases", self.name, {"spec": spec},
                                    nodeinfo.LEASE_NAMESPACE)
        except ApiError as exc:
            if exc.code != 404:
                raise
            uid = ((self.node or {}).get("metadata") or {}).get("uid", "")
            await self.client.create(nodeinfo.lease_object(
                self.name, uid, now, self.config.lease_duration_seconds))
        self.lease_renewals += 1

    async def update_node_status(self) -> bool:
        """Refresh the Node's status; write it if it changed or the report is due."""
        now = self.clock.now()
        status = nodeinfo.node_status(self.spec, now, self._info, self.runtime.images,
                                      self._node_status)
        changed = self._node_status is None or nodeinfo.without_heartbeats(status) != \
            nodeinfo.without_heartbeats(self._node_status)
        if not changed and now - self._last_report < self.config.node_status_report_seconds:
            return False
        self.node = await self.client.patch("nodes", self.name, {"status": status},
                                            subresource="status")
        self._node_status, self._last_report = status, now
        self.node_status_writes += 1
        return True

    async def _heartbeats(self) -> None:
        cfg = self.config
        next_lease = self.clock.now() + cfg.lease_renew_seconds
        next_status = self.clock.now() + cfg.node_status_update_seconds
        while True:
            await self.clock.sleep(max(0.0, min(next_lease, next_status) - self.clock.now()))
            now = self.clock.now()
            try:
                if now >= next_lease:
                    next_lease = now + cfg.lease_renew_seconds
                    await self.renew_lease()
                if now >= next_status:
                    next_status = now + cfg.node_status_update_seconds
                    await self.update_node_status()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - a heartbeat must never stop for good
                log.warning("%s: heartbeat failed: %s", self.name, exc)

    # -- pods ---------------------------------------------------------------------

    def _enqueue(self, pod: dict) -> None:
        key = key_of(pod)
        if (pod.get("spec") or {}).get("nodeName") == self.name or key in self.uids:
            self.queue.add(key)

    async def _worker(self) -> None:
        await run_worker(self.queue, self._sync_once, self._sync_failed)

    async def _sync_once(self, key: str) -> None:
        await self.sync(key)
        self.queue.forget(key)

    def _sync_failed(self, key: str, exc: Exception) -> None:
        log.error("%s: syncing pod %s failed", self.name, key, exc_info=exc)

    async def sync(self, key: str) -> None:
        """Bring one pod a step closer to its desired state (see the module docstring)."""
        pod = self.informer.cache.get(key)
        known = self.uids.get(key)
        if known is not None and (pod is None or pod["metadata"].get("uid") != known):
            self._forget(key, known)
        if pod is None or (pod.get("spec") or {}).get("nodeName") != self.name:
            return
        uid = pod["metadata"]["uid"]
        self.uids[key] = uid
        memo = self.memos.get(key) or podsync.Memo()
        now = self.clock.now()
        probe_wake = self._run_probes(pod, memo, now)
        delete = retry = False
        for _ in range(_MAX_PASSES):
            decision = podsync.decide(pod, self.runtime.observe(uid, now), memo, now,
                                      self.config.error_resync_seconds)
            memo, changed = decision.memo, False
            for action in decision.actions:
                if action.kind == "event":
                    self._event(pod, action.type, action.reason, action.message,
                                action.field_path)
                elif action.kind == "delete":
                    delete = True
                else:
                    try:
                        self._execute(pod, action, now)
                    except SandboxFailed:
                        retry = True
                        break
                    changed = True
            if not changed or retry:
                break
        self.memos[key] = memo
        await self._write_status(pod, memo, decision.status, now)
        if delete and not memo.delete_sent:
            await self._delete(pod)
            memo.delete_sent = True     # once: a pod held by finalizers is not re-deleted
            return
        if retry:
            self.queue.add_rate_limited(key)
            return
        wake = min((t for t in (decision.wake_at, probe_wake) if t is not None), default=None)
        if wake is not None:
            self.queue.add_after(key, max(0.0, wake - now))

    def _forget(self, key: str, uid: str) -> None:
        self.runtime.remove_pod(uid)
        self.memos.pop(key, None)
        self.uids.pop(key, None)

    def _execute(self, pod: dict, action: podsync.Action, now: float) -> None:
        uid, kind = pod["metadata"]["uid"], action.kind
        if kind == "sandbox":
            try:
                self.runtime.run_sandbox(pod, now)
            except RuntimeError as exc:     # no pod IP left in the node's CIDR
                self._event(pod, WARNING, "FailedCreatePodSandBox",
                            f"Failed to create pod sandbox: {exc}")
                raise SandboxFailed(str(exc)) from None
            self.metrics.started_pods.labels(self.name).inc()
        elif kind == "pull":
            self.runtime.start_pull(pod, action.container, action.image, now)
        elif kind in ("pulled", "pull_failed"):
            self.runtime.take_pull(uid, action.container)
        elif kind == "start":
            spec = next(c for c, _ in podsync.container_specs(pod)
                        if c["name"] == action.container)
            self.runtime.start_container(pod, spec, action.init, action.attempt, now)
            self.metrics.started_containers.labels(
                self.name, "init_container" if action.init else "container").inc()
        elif kind == "kill":
            self.runtime.stop_container(uid, action.container, action.grace, action.reason, now)
        elif kind == "stop_sandbox":
            self.runtime.stop_sandbox(uid, now)

    def _run_probes(self, pod: dict, memo: podsync.Memo, now: float) -> float | None:
        """Run the probes that are due; returns when the next one is."""
        results, wake = probes.run_due(pod, memo.probes, self.runtime, now)
        for r in results:
            self.metrics.probes.labels(self.name, probes.title(r.kind),
                                       "successful" if r.ok else "failed").inc()
            if not r.ok:
                self._event(pod, WARNING, "Unhealthy",
                            f"{probes.title(r.kind)} probe failed: {r.message}",
                            podsync.field_path(r.container, r.init))
        return wake

    async def _write_status(self, pod: dict, memo: podsync.Memo, status: dict,
                            now: float) -> None:
        meta = pod["metadata"]
        if status.get("phase") == "Running" and not memo.start_reported:
            memo.start_reported = True
            self.metrics.pod_start_duration.labels(self.name).observe(
                max(0.0, now - (memo.first_seen or now)))
        rv = int(meta.get("resourceVersion") or 0)
        # The cache may not show our last write yet: then that write is the base.
        base = memo.last_status if memo.last_status is not None and rv <= memo.last_rv \
            else pod.get("status")
        patch = podstatus.patch_for(base, status)
        if patch is None:
            return
        try:
            out = await self.client.patch("pods", meta["name"], patch, meta["namespace"],
                                          subresource="status")
        except ApiError as exc:
            if exc.code == 404:
                return
            raise
        memo.last_status = out.get("status") or status
        memo.last_rv = int(out["metadata"].get("resourceVersion") or 0)

    async def _delete(self, pod: dict) -> None:
        meta = pod["metadata"]
        try:
            await self.client.delete("pods", meta["name"], meta["namespace"],
                                     grace_period_seconds=0,
                                     preconditions={"uid": meta["uid"]})
        except ApiError as exc:
            if exc.code not in (404, 409):
                raise

    # -- events ---------------------------------------------------------------------

    def _event(self, obj: dict, type_: str, reason: str, message: str, path: str = "") -> None:
        self._events.append((obj, type_, reason, message, path))
        if self._events_ready is not None:
            self._events_ready.set()

    async def _send_events(self) -> None:
        while True:
            await self._events_ready.wait()
            self._events_ready.clear()
            while self._events:
                self._sending = True
                obj, type_, reason, message, path = self._events.popleft()
                try:
                    await self.recorder.event(obj, type_, reason, message, path)
                finally:
                    self._sending = False

    # -- what the node shell exposes -------------------------------------------------------

    def counts(self) -> tuple[int, dict[str, int]]:
        """(pods with a running sandbox, containers by state) for the metrics."""
        now = self.clock.now()
        states: collections.Counter = collections.Counter()
        for _, c in self.runtime.containers():
            states["running" if c.running(now) else "exited" if c.ended(now) else "created"] += 1
        running = sum(1 for rec in self.runtime.pods.values() if rec.sandbox_running)
        return running, dict(states)

    def logs(self, namespace: str, pod: str, container: str | None = None, *,
             previous: bool = False, timestamps: bool = False,
             tail_lines: int | None = None) -> str:
        lines = self.runtime.logs(namespace, pod, container, previous)
        if tail_lines is not None:
            lines = lines[-tail_lines:] if tail_lines > 0 else []
        return "".join((f"{clockmod.rfc3339_micro(ts)} " if timestamps else "") + line + "\n"
                       for ts, line in lines)

    def http_request(self, pod_key: str, container_port: int, method: str = "GET",
                     path: str = "/", headers: dict | None = None, body: bytes = b"",
                     client: str = "", ready_only: bool = False) -> tuple[int, dict, bytes]:
        """One request to a played app; ``ready_only`` (Service traffic): only while the
        pod is a ready endpoint, else :class:`~rayk8s.node.runtime.NotServing`."""
        if ready_only and not self.serving(pod_key):
            raise NotServing(f"pod {pod_key} is not a ready endpoint (not Ready, or "
                             "terminating)")
        return self.runtime.http_request(pod_key, container_port, method, path, headers,
                                         body, client)

    def serving(self, pod_key: str) -> bool:
        """Whether the pod is Ready (as this kubelet last reported it) and not terminating."""
        pod = self.informer.cache.get(pod_key)
        memo = self.memos.get(pod_key)
        if pod is None or memo is None or memo.last_status is None or \
                (pod.get("metadata") or {}).get("deletionTimestamp"):
            return False
        return any(c.get("type") == "Ready" and c.get("status") == "True"
                   for c in memo.last_status.get("conditions") or [])

    def stats(self) -> dict[str, Any]:
        """kubelet's ``/stats/summary`` for this node."""
        return stats.summary(self.runtime, self.name, self.started_at or self.clock.now(),
                             quantity.to_bytes(self.spec.memory), self.clock.now())

    def pod_stats(self) -> list[dict]:
        return stats.pod_stats(self.runtime, self.name, self.clock.now())
