"""PodTopologySpread with the system default constraints: spread the replicas
of one owner over nodes and zones (Score, weight 2).

The defaults are ``kubernetes.io/hostname`` (maxSkew 3) and
``topology.kubernetes.io/zone`` (maxSkew 5), both ScheduleAnyway.  The pods
counted are those of the pod's first owner (``ownerReferences[0].uid``) --
what recent kube-scheduler does in place of matching the owner's selector;
a bare pod is not spread.  Per node::

    score = sum over constraints of  count * log(domains + 2) + (maxSkew - 1)

where ``count`` is the owner's pods on the node (hostname) or in the node's
zone, counting only nodes that match the pod's required node affinity.
Normalisation turns fewer pods into a higher score:
``100 * (max + min - score) / max``.

A pod's own ``spec.topologySpreadConstraints`` are not read: the defaults
apply to every owned pod (a gap: explicit constraints, DoNotSchedule).
"""

from __future__ import annotations

import math

from ..framework import MAX_NODE_SCORE, Status
from .helpers import RequiredNodeAffinity

NAME = "PodTopologySpread"
HOSTNAME, ZONE = "kubernetes.io/hostname", "topology.kubernetes.io/zone"
DEFAULT_CONSTRAINTS = ((HOSTNAME, 3), (ZONE, 5))


class _PreScore:
    __slots__ = ("owner", "zone_counts", "weights")

    def __init__(self, owner: str):
        self.owner = owner
        self.zone_counts: dict[str, int] = {}
        self.weights: dict[str, float] = {}


class PodTopologySpread:
    name = NAME
    weight = 2
    events = frozenset()  # scoring only: it never rejects a pod
    constraints = DEFAULT_CONSTRAINTS

    def pre_score(self, state, pod: dict, nodes) -> Status | None:
        owner = state.pod_info.owner_uid
        if not owner or not nodes:
            return Status.skip()
        s = _PreScore(owner)
        for info in nodes:
            zone = info.labels.get(ZONE)
            if zone is not None:
                s.zone_counts.setdefault(zone, 0)
        s.weights[HOSTNAME] = math.log(len(nodes) + 2)
        s.weights[ZONE] = math.log(len(s.zone_counts) + 2)
        if s.zone_counts:
            required = RequiredNodeAffinity(pod)
            for info in getattr(state, "nodes", None) or nodes:
                zone = info.labels.get(ZONE)
                if zone not in s.zone_counts or not info.owner_counts.get(owner):
                    continue
                if required.empty or required.matches(info.name, info.labels):
                    s.zone_counts[zone] += info.owner_counts[owner]
        state.write(NAME, s)
        return None

    def score(self, state, pod: dict, node_info) -> int:
        s: _PreScore = state.read(NAME)
        score = 0.0
        for key, max_skew in self.constraints:
            value = node_info.labels.get(key)
            if value is None:
                continue
            if key == HOSTNAME:
                count = node_info.owner_counts.get(s.owner, 0)
            else:
                count = s.zone_counts.get(value, 0)
            score += count * s.weights[key] + (max_skew - 1)
        return int(math.floor(score + 0.5))

    def normalize(self, state, pod: dict, scores: dict[str, int]) -> None:
        if not scores:
            return
        lo, hi = min(scores.values()), max(scores.values())
        for name, score in scores.items():
            scores[name] = MAX_NODE_SCORE if hi == 0 else \
                MAX_NODE_SCORE * (hi + lo - score) // hi
