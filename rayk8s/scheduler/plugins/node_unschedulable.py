"""NodeUnschedulable: cordoned nodes (``spec.unschedulable``) take no new pods,
unless the pod tolerates the ``node.kubernetes.io/unschedulable:NoSchedule`` taint."""

from __future__ import annotations

from ..framework import NODE_ADD, NODE_UPDATE, Status
from .helpers import NO_SCHEDULE, pod_tolerations, tolerated

NAME = "NodeUnschedulable"
ERR_REASON_UNSCHEDULABLE = "node(s) were unschedulable"
UNSCHEDULABLE_TAINT = {"key": "node.kubernetes.io/unschedulable", "effect": NO_SCHEDULE}


class NodeUnschedulable:
    name = NAME
    events = frozenset({NODE_ADD, NODE_UPDATE})

    def filter(self, state, pod: dict, node_info) -> Status | None:
        if not node_info.unschedulable:
            return None
        if tolerated(pod_tolerations(pod), UNSCHEDULABLE_TAINT):
            return None
        return Status.unresolvable(ERR_REASON_UNSCHEDULABLE)
