"""TaintToleration: NoSchedule and NoExecute taints must be tolerated (Filter);
fewer untolerated PreferNoSchedule taints score higher (Score, weight 3).

The taints are the NodeInfo's effective taints, which include the synthesized
``node.kubernetes.io/not-ready:NoSchedule`` of a node that is not Ready (see
``nodeinfo``).  The Filter reports the first untolerated taint, as
``node(s) had untolerated taint {key: value}``.
"""

from __future__ import annotations

from ..framework import NODE_ADD, NODE_UPDATE, Status
from .helpers import (PREFER_NO_SCHEDULE, default_normalize, first_untolerated, pod_tolerations,
                      tolerated)

NAME = "TaintToleration"


class TaintToleration:
    name = NAME
    weight = 3
    events = frozenset({NODE_ADD, NODE_UPDATE})

    def filter(self, state, pod: dict, node_info) -> Status | None:
        taint = first_untolerated(node_info.taints, pod_tolerations(pod))
        if taint is None:
            return None
        return Status.unresolvable(
            f"node(s) had untolerated taint {{{taint.get('key', '')}: {taint.get('value', '')}}}")

    def pre_score(self, state, pod: dict, nodes) -> None:
        state.write(NAME, [t for t in pod_tolerations(pod)
                           if (t.get("effect") or PREFER_NO_SCHEDULE) == PREFER_NO_SCHEDULE])

    def score(self, state, pod: dict, node_info) -> int:
        tolerations = state.get(NAME)
        if tolerations is None:
            tolerations = [t for t in pod_tolerations(pod)
                           if (t.get("effect") or PREFER_NO_SCHEDULE) == PREFER_NO_SCHEDULE]
        return sum(1 for taint in node_info.taints
                   if taint.get("effect") == PREFER_NO_SCHEDULE
                   and not tolerated(tolerations, taint))

    def normalize(self, state, pod: dict, scores: dict[str, int]) -> None:
        default_normalize(scores, reverse=True)
