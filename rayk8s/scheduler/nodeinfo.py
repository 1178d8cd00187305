"""What the scheduler knows about each node: kube-scheduler's cache and NodeInfo.

A :class:`NodeInfo` aggregates one node with the pods assigned to it: their
summed requests (``requested``, and ``non_zero_requested`` where a container
without a cpu or memory request counts as 100m / 200Mi, kube-scheduler's
defaults for spreading zero-request pods), the host ports they hold, and their
count per owner (for spreading replicas).  :class:`NodeCache` keeps one
NodeInfo per node *incrementally*: informer events add, update or remove one
pod or node at a time, so a scheduling cycle never recomputes a node.

Assumed pods.  After a pod is placed, the scheduler *assumes* it on the node
(counts it at once) and binds in the background, as kube-scheduler does; the
informer later confirms it (the pod arrives with ``spec.nodeName``), or a failed
bind *forgets* it.  An assumed pod confirmed on another node moves there.

The not-ready taint.  In Kubernetes the node lifecycle controller taints a node
whose Ready condition is not True with ``node.kubernetes.io/not-ready``
(``NoSchedule``; kubelets also register with it).  rayk8s has no such
controller yet, so with ``not_ready_taint=True`` (the default) a NodeInfo adds
that taint to its *effective* taints (:attr:`NodeInfo.taints`) when the node's
Ready condition is missing or not True and the node has no such taint itself.
The Node object is never changed.

Pods' requests follow ``resourcehelper.PodRequests``: containers are summed,
init containers take the max (a restartable "sidecar" init container adds to
both), and ``spec.overhead`` is added.  Quantities become integers: cpu in
millicores, memory and other resources in units (rounded up).

Everything here is pure and single-threaded; callers never mutate the dicts a
NodeInfo holds (they are the informer's cached objects).
"""

from __future__ import annotations

import functools
from typing import Any, Iterable, Iterator

from ..api import quantity
from ..machinery.cache import key_of

CPU, MEMORY, EPHEMERAL, PODS = "cpu", "memory", "ephemeral-storage", "pods"
# kube-scheduler's per-container defaults for scoring pods that request nothing.
DEFAULT_MILLI_CPU_REQUEST = 100
DEFAULT_MEMORY_REQUEST = 200 * 1024 * 1024
NOT_READY_TAINT = {"key": "node.kubernetes.io/not-ready", "effect": "NoSchedule"}


@functools.lru_cache(maxsize=8192)
def _amount(name: str, value: Any) -> int:
    """One quantity as the integer kube-scheduler compares (cached: few distinct values)."""
    try:
        return quantity.cpu_millis(value) if name == CPU else quantity.to_int(value)
    except (ValueError, TypeError):
        return 0


def resource_list(rl: dict | None) -> dict[str, int]:
    """``{"cpu": "500m", "memory": "1Gi"}`` -> ``{"cpu": 500, "memory": 1073741824}``."""
    return {name: _amount(name, str(v)) for name, v in (rl or {}).items()}


def _container_requests(c: dict, non_zero: bool) -> dict[str, int]:
    req = resource_list((c.get("resources") or {}).get("requests"))
    if non_zero:
        req.setdefault(CPU, DEFAULT_MILLI_CPU_REQUEST)
        req.setdefault(MEMORY, DEFAULT_MEMORY_REQUEST)
    return req


def _add(into: dict[str, int], other: dict[str, int]) -> None:
    for k, v in other.items():
        into[k] = into.get(k, 0) + v


def _max(into: dict[str, int], other: dict[str, int]) -> None:
    for k, v in other.items():
        if v > into.get(k, 0):
            into[k] = v


def pod_requests(pod: dict, non_zero: bool = False) -> dict[str, int]:
    """What the pod requests, as kube-scheduler computes it (see module docstring)."""
    spec = pod.get("spec") or {}
    reqs: dict[str, int] = {}
    for c in spec.get("containers") or []:
        _add(reqs, _container_requests(c, non_zero))
    sidecars: dict[str, int] = {}
    init_max: dict[str, int] = {}
    for c in spec.get("initContainers") or []:
        creq = _container_requests(c, non_zero)
        if c.get("restartPolicy") == "Always":
            _add(reqs, creq)
            _add(sidecars, creq)
            creq = dict(sidecars)
        else:
            _add(creq, sidecars)
        _max(init_max, creq)
    _max(reqs, init_max)
    _add(reqs, resource_list(spec.get("overhead")))
    return reqs


class Resources:
    """A vector of resources: cpu (millicores), memory, ephemeral-storage, scalars."""

    __slots__ = ("milli_cpu", "memory", "ephemeral_storage", "allowed_pods", "scalar")

    def __init__(self, amounts: dict[str, int] | None = None):
        self.milli_cpu = 0
        self.memory = 0
        self.ephemeral_storage = 0
        self.allowed_pods = 0
        # Extended and other resources by name (hugepages-2Mi, example.com/gpu, ...).
        self.scalar: dict[str, int] = {}
        if amounts:
            self.add(amounts)

    def add(self, amounts: dict[str, int], sign: int = 1) -> None:
        for name, v in amounts.items():
            if name == CPU:
                self.milli_cpu += sign * v
            elif name == MEMORY:
                self.memory += sign * v
            elif name == EPHEMERAL:
                self.ephemeral_storage += sign * v
            elif name == PODS:
                self.allowed_pods += sign * v
            else:
                self.scalar[name] = self.scalar.get(name, 0) + sign * v

    def get(self, name: str) -> int:
        if name == CPU:
            return self.milli_cpu
        if name == MEMORY:
            return self.memory
        if name == EPHEMERAL:
            return self.ephemeral_storage
        if name == PODS:
            return self.allowed_pods
        return self.scalar.get(name, 0)

    def as_dict(self) -> dict[str, int]:
        out = {CPU: self.milli_cpu, MEMORY: self.memory, EPHEMERAL: self.ephemeral_storage,
               PODS: self.allowed_pods}
        out.update(self.scalar)
        return out

    def __repr__(self) -> str:
        return f"Resources({self.as_dict()})"


def host_ports(pod: dict) -> list[tuple[str, str, int]]:
    """``(hostIP, protocol, hostPort)`` for every container port with a hostPort."""
    spec = pod.get("spec") or {}
    containers = list(spec.get("containers") or [])
    containers += [c for c in spec.get("initContainers") or []
                   if c.get("restartPolicy") == "Always"]
    out = []
    for c in containers:
        for p in c.get("ports") or []:
            port = p.get("hostPort") or 0
            if port > 0:
                out.append((p.get("hostIP") or "0.0.0.0", p.get("protocol") or "TCP", port))
    return out


def owner_uid(pod: dict) -> str:
    """The first owner's uid ("" for a bare pod): the group replicas are spread by."""
    refs = (pod.get("metadata") or {}).get("ownerReferences") or []
    return (refs[0].get("uid") or "") if refs else ""


class PodInfo:
    """A pod with what the scheduler derives from it, computed once."""

    __slots__ = ("pod", "key", "namespace", "priority", "requests", "non_zero_cpu",
                 "non_zero_memory", "host_ports", "owner_uid")

    def __init__(self, pod: dict):
        self.pod = pod
        self.key = key_of(pod)
        meta = pod.get("metadata") or {}
        spec = pod.get("spec") or {}
        self.namespace = meta.get("namespace") or ""
        self.priority = int(spec.get("priority") or 0)
        self.requests = Resources(pod_requests(pod))
        non_zero = pod_requests(pod, non_zero=True)
        self.non_zero_cpu = non_zero.get(CPU, 0)
        self.non_zero_memory = non_zero.get(MEMORY, 0)
        self.host_ports = host_ports(pod)
        self.owner_uid = owner_uid(pod)

    @property
    def name(self) -> str:
        return self.pod["metadata"]["name"]

    def __repr__(self) -> str:
        return f"<PodInfo {self.key}>"


def _ready(node: dict) -> bool:
    for c in (node.get("status") or {}).get("conditions") or []:
        if c.get("type") == "Ready":
            return c.get("status") == "True"
    return False


class NodeInfo:
    """One node and the pods counted on it (assigned and assumed)."""

    __slots__ = ("name", "node", "labels", "taints", "allocatable", "pods", "requested",
                 "non_zero_requested", "used_ports", "owner_counts", "not_ready_taint",
                 "unschedulable")

    def __init__(self, name: str, node: dict | None = None, not_ready_taint: bool = True):
        self.name = name
        self.not_ready_taint = not_ready_taint
        self.node: dict | None = None
        self.labels: dict[str, str] = {}
        # spec.unschedulable (cordoned).
        self.unschedulable = False
        # The node's taints, plus the synthesized not-ready taint (module docstring).
        self.taints: list[dict] = []
        self.allocatable = Resources()
        # pod key -> PodInfo, for every pod counted on this node.
        self.pods: dict[str, PodInfo] = {}
        # Sums over self.pods of their requests / non-zero cpu and memory requests.
        self.requested = Resources()
        self.non_zero_requested = Resources()
        # (hostIP, protocol, port) -> how many pods hold it.
        self.used_ports: dict[tuple[str, str, int], int] = {}
        # owner uid -> number of pods of that owner on this node.
        self.owner_counts: dict[str, int] = {}
        if node is not None:
            self.set_node(node)

    def set_node(self, node: dict) -> None:
        self.node = node
        self.labels = (node.get("metadata") or {}).get("labels") or {}
        spec = node.get("spec") or {}
        status = node.get("status") or {}
        self.unschedulable = bool(spec.get("unschedulable"))
        taints = list(spec.get("taints") or [])
        if self.not_ready_taint and not _ready(node) and not any(
                t.get("key") == NOT_READY_TAINT["key"] and t.get("effect") in
                ("NoSchedule", "NoExecute") for t in taints):
            taints.append(dict(NOT_READY_TAINT))
        self.taints = taints
        alloc = status.get("allocatable")
        if alloc is None:  # v1 defaulting: allocatable defaults to capacity
            alloc = status.get("capacity")
        self.allocatable = Resources(resource_list(alloc))

    def add_pod(self, pi: PodInfo) -> None:
        if pi.key in self.pods:
            self.remove_pod(pi.key)
        self.pods[pi.key] = pi
        self._account(pi, 1)

    def remove_pod(self, key: str) -> PodInfo | None:
        pi = self.pods.pop(key, None)
        if pi is not None:
            self._account(pi, -1)
        return pi

    def _account(self, pi: PodInfo, sign: int) -> None:
        req = pi.requests
        self.requested.milli_cpu += sign * req.milli_cpu
        self.requested.memory += sign * req.memory
        self.requested.ephemeral_storage += sign * req.ephemeral_storage
        for name, v in req.scalar.items():
            self.requested.scalar[name] = self.requested.scalar.get(name, 0) + sign * v
        self.non_zero_requested.milli_cpu += sign * pi.non_zero_cpu
        self.non_zero_requested.memory += sign * pi.non_zero_memory
        for port in pi.host_ports:
            n = self.used_ports.get(port, 0) + sign
            if n > 0:
                self.used_ports[port] = n
            else:
                self.used_ports.pop(port, None)
        if pi.owner_uid:
            n = self.owner_counts.get(pi.owner_uid, 0) + sign
            if n > 0:
                self.owner_counts[pi.owner_uid] = n
            else:
                self.owner_counts.pop(pi.owner_uid, None)

    def __repr__(self) -> str:
        return (f"<NodeInfo {self.name} pods={len(self.pods)} "
                f"requested={self.requested.milli_cpu}m/{self.requested.memory}>")


class NodeCache:
    """NodeInfos for every node, kept current one event at a time."""

    def __init__(self, not_ready_taint: bool = True):
        self.not_ready_taint = not_ready_taint
        # node name -> NodeInfo; a NodeInfo without node holds pods whose node we
        # have not seen (yet, or any more), so they count when it (re)appears.
        self._infos: dict[str, NodeInfo] = {}
        # Names of nodes that have a Node object, in the order they appeared.
        self._order: list[str] = []
        # pod key -> name of the node it is counted on.
        self._pod_node: dict[str, str] = {}
        # Keys of pods assumed by the scheduler and not yet seen bound.
        self.assumed: set[str] = set()

    # -- nodes -----------------------------------------------------------------

    def set_node(self, node: dict) -> NodeInfo:
        name = node["metadata"]["name"]
        info = self._infos.get(name)
        if info is None:
            info = self._infos[name] = NodeInfo(name, not_ready_taint=self.not_ready_taint)
        if info.node is None:
            self._order.append(name)
        info.set_node(node)
        return info

    def remove_node(self, name: str) -> None:
        info = self._infos.get(name)
        if info is None or info.node is None:
            return
        self._order.remove(name)
        if info.pods:
            info.node = None  # keep counting its pods (see _infos)
        else:
            del self._infos[name]

    def get(self, name: str) -> NodeInfo | None:
        info = self._infos.get(name)
        return info if info is not None and info.node is not None else None

    def nodes(self) -> list[NodeInfo]:
        """Every node with a Node object, in arrival order (the snapshot's list)."""
        return [self._infos[n] for n in self._order]

    def __len__(self) -> int:
        return len(self._order)

    def __iter__(self) -> Iterator[NodeInfo]:
        return iter(self.nodes())

    # -- pods --------------------------------------------------------------------

    def _place(self, pi: PodInfo, node_name: str) -> None:
        old = self._pod_node.get(pi.key)
        if old is not None and old != node_name:
            self._unplace(pi.key)
        info = self._infos.get(node_name)
        if info is None:
            info = self._infos[node_name] = NodeInfo(node_name,
                                                     not_ready_taint=self.not_ready_taint)
        info.add_pod(pi)
        self._pod_node[pi.key] = node_name

    def _unplace(self, key: str) -> PodInfo | None:
        name = self._pod_node.pop(key, None)
        if name is None:
            return None
        info = self._infos.get(name)
        pi = info.remove_pod(key) if info is not None else None
        if info is not None and info.node is None and not info.pods:
            del self._infos[name]
        return pi

    def add_pod(self, pod: dict) -> None:
        """An assigned pod seen by the informer (added or updated); confirms an assumed one."""
        node_name = (pod.get("spec") or {}).get("nodeName")
        if not node_name:
            return
        pi = PodInfo(pod)
        self.assumed.discard(pi.key)
        self._place(pi, node_name)

    update_pod = add_pod

    def refresh_pod(self, pod: dict) -> bool:
        """Point a counted pod at its newer object when nothing counted changed.

        For status-only updates (the common case: kubelets report status), so
        requests are not recomputed.  False when the pod is not counted here.
        """
        key = key_of(pod)
        name = self._pod_node.get(key)
        info = self._infos.get(name) if name is not None else None
        pi = info.pods.get(key) if info is not None else None
        if pi is None or (pod.get("spec") or {}).get("nodeName") != name:
            return False
        pi.pod = pod
        self.assumed.discard(key)
        return True

    def remove_pod(self, pod_or_key: dict | str) -> None:
        key = pod_or_key if isinstance(pod_or_key, str) else key_of(pod_or_key)
        self.assumed.discard(key)
        self._unplace(key)

    def assume(self, pod: dict, node_name: str) -> None:
        """Count ``pod`` on ``node_name`` before its binding is confirmed."""
        pi = PodInfo(pod)
        self.assumed.add(pi.key)
        self._place(pi, node_name)

    def forget(self, key: str) -> None:
        """Undo :meth:`assume` (the bind failed); a confirmed pod stays."""
        if key in self.assumed:
            self.assumed.discard(key)
            self._unplace(key)

    def is_assumed(self, key: str) -> bool:
        return key in self.assumed

    def node_of(self, key: str) -> str | None:
        return self._pod_node.get(key)

    def pod_count(self) -> int:
        return len(self._pod_node)


def snapshot_of(nodes: Iterable[dict], pods: Iterable[dict] = (),
                not_ready_taint: bool = True) -> NodeCache:
    """A NodeCache built from plain objects (tests, custom tooling)."""
    cache = NodeCache(not_ready_taint=not_ready_taint)
    for n in nodes:
        cache.set_node(n)
    for p in pods:
        cache.add_pod(p)
    return cache
