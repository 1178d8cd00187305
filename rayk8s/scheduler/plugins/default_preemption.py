"""DefaultPreemption (PostFilter): when no node fits, find pods of lower
priority whose eviction would make room, or explain why there are none.

For each node the Filter rejected with a status preemption can resolve
(Unschedulable, e.g. "Insufficient cpu"), every lower-priority pod is taken
off the node and the filters run again; if the pod then fits, the
higher-priority victims are put back one by one while it still fits
("reprieve"), and the rest are the node's victims.  The node chosen has the
lowest highest-victim priority, then the lowest priority sum, then the fewest
victims.  The scheduler then deletes the victims (with a DisruptionTarget
condition and a ``Preempted`` event) and sets the pod's
``status.nominatedNodeName``; the pod is retried when the victims are gone.

When no node has victims, the message is kube-scheduler's, appended to the
FitError: ``preemption: 0/3 nodes are available: 1 Preemption is not helpful
for scheduling, 2 No preemption victims found for incoming pod.``

Gaps: PodDisruptionBudgets are not consulted, and nominated pods are not
counted on their nominated node by later cycles, so a pod of lower priority
than the preemptor may take the freed room first.
"""

from __future__ import annotations

from ..framework import UNSCHEDULABLE_AND_UNRESOLVABLE, Status, fit_message
from ..nodeinfo import NodeInfo, PodInfo

NAME = "DefaultPreemption"
NOT_HELPFUL = "Preemption is not helpful for scheduling"
NO_VICTIMS = "No preemption victims found for incoming pod"
NEVER = "not eligible due to preemptionPolicy=Never."
TERMINATING = "not eligible due to a terminating pod on the nominated node."


class PreemptionResult:
    """The node to nominate and the pods to evict there."""

    __slots__ = ("node", "victims")

    def __init__(self, node: str, victims: list[PodInfo]):
        self.node = node
        self.victims = victims

    def __repr__(self) -> str:
        return f"<PreemptionResult {self.node} victims={[v.key for v in self.victims]}>"


def _terminating(pi: PodInfo) -> bool:
    return bool((pi.pod.get("metadata") or {}).get("deletionTimestamp"))


class DefaultPreemption:
    name = NAME

    def eligible(self, pod: dict, priority: int, nodes: list[NodeInfo],
                 statuses: dict[str, Status]) -> str:
        """"" when the pod may preempt, else the reason it may not."""
        if (pod.get("spec") or {}).get("preemptionPolicy") == "Never":
            return NEVER
        nominated = (pod.get("status") or {}).get("nominatedNodeName")
        if nominated:
            st = statuses.get(nominated)
            if st is not None and st.code == UNSCHEDULABLE_AND_UNRESOLVABLE:
                return ""
            for info in nodes:
                if info.name == nominated and any(
                        _terminating(pi) and pi.priority < priority for pi in info.pods.values()):
                    return TERMINATING
        return ""

    def post_filter(self, state, pod: dict, nodes: list[NodeInfo], diagnosis):
        priority = state.pod_info.priority
        reason = self.eligible(pod, priority, nodes, diagnosis.node_statuses)
        if reason:
            return None, Status.unschedulable(f"preemption: {reason}", plugin=NAME)
        statuses: dict[str, Status] = {}
        candidates: list[tuple[str, list[PodInfo]]] = []
        for info in nodes:
            st = diagnosis.node_statuses.get(info.name)
            if st is None or st.code == UNSCHEDULABLE_AND_UNRESOLVABLE:
                statuses[info.name] = Status.unresolvable(NOT_HELPFUL)
                continue
            victims, st = self.select_victims(state, pod, info, priority)
            if victims is None:
                statuses[info.name] = st
            else:
                candidates.append((info.name, victims))
        if not candidates:
            return None, Status.unschedulable(
                "preemption: " + fit_message(len(nodes), statuses), plugin=NAME)
        node, victims = min(candidates, key=lambda c: (
            max(v.priority for v in c[1]) if c[1] else -2**31,
            sum(v.priority + 2**31 for v in c[1]), len(c[1])))
        return PreemptionResult(node, victims), None

    def select_victims(self, state, pod: dict, info: NodeInfo,
                       priority: int) -> tuple[list[PodInfo] | None, Status | None]:
        """The fewest lower-priority pods to evict from ``info`` (None: not enough)."""
        lower = [pi for pi in info.pods.values() if pi.priority < priority]
        if not lower:
            return None, Status.unresolvable(NO_VICTIMS)
        fw = state.framework
        for pi in lower:
            info.remove_pod(pi.key)
        try:
            st = fw.run_filters(state, pod, info)
            if st is not None:
                return None, st
            victims = []
            for pi in sorted(lower, key=lambda p: -p.priority):
                info.add_pod(pi)
                if fw.run_filters(state, pod, info) is not None:
                    info.remove_pod(pi.key)
                    victims.append(pi)
            return victims, None
        finally:
            for pi in lower:
                if pi.key not in info.pods:
                    info.add_pod(pi)
