"""NodeResourcesBalancedAllocation: prefer nodes whose cpu and memory would be
used in equal fractions (Score, weight 1).

``score = (1 - std(fractions)) * 100`` where each fraction is
``(requested + pod request) / allocatable`` capped at 1, over cpu and memory
with the *actual* requests; with two resources the std is ``|f1 - f2| / 2``.
Pods that request nothing skip this plugin, as in Kubernetes (so best-effort
pods are not piled onto one node).
"""

from __future__ import annotations

import math

from ..framework import MAX_NODE_SCORE, Status
from ..nodeinfo import CPU, MEMORY

NAME = "NodeResourcesBalancedAllocation"


def balanced_score(fractions: list[float]) -> int:
    if len(fractions) == 2:
        std = abs(fractions[0] - fractions[1]) / 2
    elif len(fractions) > 2:
        mean = sum(fractions) / len(fractions)
        std = math.sqrt(sum((f - mean) ** 2 for f in fractions) / len(fractions))
    else:
        std = 0.0
    return int((1 - std) * MAX_NODE_SCORE)


class BalancedAllocation:
    name = NAME
    weight = 1
    resources = (CPU, MEMORY)  # what score() reads

    def pre_score(self, state, pod: dict, nodes) -> Status | None:
        req = state.pod_info.requests
        if not any(req.get(r) for r in self.resources):
            return Status.skip()
        return None

    def score(self, state, pod: dict, node_info) -> int:
        req, alloc, used = state.pod_info.requests, node_info.allocatable, node_info.requested
        fractions = []
        if alloc.milli_cpu:
            fractions.append(min((used.milli_cpu + req.milli_cpu) / alloc.milli_cpu, 1.0))
        if alloc.memory:
            fractions.append(min((used.memory + req.memory) / alloc.memory, 1.0))
        return balanced_score(fractions)
