"""NodeResourcesFit: the pod's requests must fit in what the node has left
(Filter), and emptier nodes score higher (Score: LeastAllocated, weight 1).

Filter: ``allocatable - requested-by-assigned-pods >= pod request`` for cpu,
memory, ephemeral-storage and every extended resource the pod requests, and
one more pod within ``allocatable.pods``; each shortfall is a reason
("Insufficient cpu", "Too many pods"), so one node can report several.

Score (LeastAllocated over cpu and memory, weight 1 each): per resource
``(allocatable - requested) * 100 / allocatable`` with the *non-zero*
requests (a container without a request counts 100m cpu / 200Mi memory, so
many request-less pods still spread), averaged by weight.
"""

from __future__ import annotations

from ..framework import ASSIGNED_POD_DELETE, MAX_NODE_SCORE, NODE_ADD, NODE_UPDATE, Status
from ..nodeinfo import CPU, MEMORY

NAME = "NodeResourcesFit"
TOO_MANY_PODS = "Too many pods"


def is_scalar_resource(name: str) -> bool:
    """Extended (``example.com/gpu``), hugepages and attachable-volumes resources."""
    return "/" in name or name.startswith(("hugepages-", "attachable-volumes-"))


def insufficient(pod_info, node_info) -> list[str]:
    """The reasons the pod does not fit on the node ([] when it fits)."""
    reasons = []
    if len(node_info.pods) + 1 > node_info.allocatable.allowed_pods:
        reasons.append(TOO_MANY_PODS)
    req = pod_info.requests
    if not (req.milli_cpu or req.memory or req.ephemeral_storage or req.scalar):
        return reasons
    alloc, used = node_info.allocatable, node_info.requested
    if req.milli_cpu and alloc.milli_cpu < req.milli_cpu + used.milli_cpu:
        reasons.append("Insufficient cpu")
    if req.memory and alloc.memory < req.memory + used.memory:
        reasons.append("Insufficient memory")
    if req.ephemeral_storage and \
            alloc.ephemeral_storage < req.ephemeral_storage + used.ephemeral_storage:
        reasons.append("Insufficient ephemeral-storage")
    for name, amount in req.scalar.items():
        if amount and is_scalar_resource(name) and \
                alloc.scalar.get(name, 0) < amount + used.scalar.get(name, 0):
            reasons.append(f"Insufficient {name}")
    return reasons


def least_requested_score(requested: int, capacity: int) -> int:
    if capacity == 0 or requested > capacity:
        return 0
    return (capacity - requested) * MAX_NODE_SCORE // capacity


class NodeResourcesFit:
    name = NAME
    weight = 1
    events = frozenset({NODE_ADD, NODE_UPDATE, ASSIGNED_POD_DELETE})
    # (resource, weight) scored by LeastAllocated.
    resources = ((CPU, 1), (MEMORY, 1))

    def filter(self, state, pod: dict, node_info) -> Status | None:
        reasons = insufficient(state.pod_info, node_info)
        return Status.unschedulable(*reasons) if reasons else None

    def score(self, state, pod: dict, node_info) -> int:
        pi, alloc, used = state.pod_info, node_info.allocatable, node_info.non_zero_requested
        if self.resources is NodeResourcesFit.resources:  # the default: cpu and memory
            total = weights = 0
            if alloc.milli_cpu:
                total += least_requested_score(used.milli_cpu + pi.non_zero_cpu, alloc.milli_cpu)
                weights += 1
            if alloc.memory:
                total += least_requested_score(used.memory + pi.non_zero_memory, alloc.memory)
                weights += 1
            return total // weights if weights else 0
        total = weights = 0
        for resource, weight in self.resources:
            capacity = alloc.get(resource)
            if capacity == 0:
                continue
            if resource == CPU:
                requested = used.milli_cpu + pi.non_zero_cpu
            elif resource == MEMORY:
                requested = used.memory + pi.non_zero_memory
            else:
                requested = node_info.requested.get(resource) + pi.requests.get(resource)
            total += least_requested_score(requested, capacity) * weight
            weights += weight
        return total // weights if weights else 0
