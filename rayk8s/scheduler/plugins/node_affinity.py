"""NodeAffinity: ``spec.nodeSelector`` and required node affinity must match
(Filter); matching preferred terms add their weights (Score, weight 2).

Required ``nodeSelectorTerms`` are ORed; within a term, ``matchExpressions``
(In, NotIn, Exists, DoesNotExist, Gt, Lt on labels) and ``matchFields``
(``metadata.name`` In/NotIn) are ANDed.  A term that is empty or invalid
matches no node, as in Kubernetes.
"""

from __future__ import annotations

from ..framework import NODE_ADD, NODE_UPDATE, Status
from .helpers import NodeSelectorTerm, RequiredNodeAffinity, default_normalize

NAME = "NodeAffinity"
ERR_REASON_POD = "node(s) didn't match Pod's node affinity/selector"


def preferred_terms(pod: dict) -> list[tuple[int, NodeSelectorTerm]]:
    affinity = (((pod.get("spec") or {}).get("affinity") or {}).get("nodeAffinity") or {})
    out = []
    for term in affinity.get("preferredDuringSchedulingIgnoredDuringExecution") or []:
        weight = int(term.get("weight") or 0)
        if weight:
            out.append((weight, NodeSelectorTerm(term.get("preference"))))
    return out


class NodeAffinity:
    name = NAME
    weight = 2
    events = frozenset({NODE_ADD, NODE_UPDATE})

    def pre_filter(self, state, pod: dict) -> Status | None:
        required = RequiredNodeAffinity(pod)
        if required.empty:
            return Status.skip()
        state.write(NAME, required)
        return None

    def filter(self, state, pod: dict, node_info) -> Status | None:
        required = state.get(NAME) or RequiredNodeAffinity(pod)
        if required.matches(node_info.name, node_info.labels):
            return None
        return Status.unresolvable(ERR_REASON_POD)

    def pre_score(self, state, pod: dict, nodes) -> Status | None:
        terms = preferred_terms(pod)
        if not terms:
            return Status.skip()
        state.write(NAME + "/preferred", terms)
        return None

    def score(self, state, pod: dict, node_info) -> int:
        terms = state.get(NAME + "/preferred")
        if terms is None:
            terms = preferred_terms(pod)
        return sum(w for w, term in terms if term.matches(node_info.name, node_info.labels))

    def normalize(self, state, pod: dict, scores: dict[str, int]) -> None:
        default_normalize(scores)
