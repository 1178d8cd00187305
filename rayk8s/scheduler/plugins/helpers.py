"""Helpers the default plugins share: score normalisation, taints, node selectors.

Each follows the Kubernetes helper of the same purpose
(``helper.DefaultNormalizeScore``, ``v1helper.TolerationsTolerateTaint``,
``nodeaffinity.NodeSelector``); all are pure functions over plain dicts.
"""

from __future__ import annotations

import re
from typing import Iterable

from ...api import selectors
from ..framework import MAX_NODE_SCORE

_INT = re.compile(r"[+-]?[0-9]+")
NO_SCHEDULE, PREFER_NO_SCHEDULE, NO_EXECUTE = "NoSchedule", "PreferNoSchedule", "NoExecute"


def default_normalize(scores: dict[str, int], reverse: bool = False,
                      max_priority: int = MAX_NODE_SCORE) -> None:
    """Scale scores to 0..max by the highest one (reversed: max - scaled), in place."""
    highest = max(scores.values(), default=0)
    if highest == 0:
        if reverse:
            for name in scores:
                scores[name] = max_priority
        return
    for name, score in scores.items():
        score = max_priority * score // highest
        scores[name] = max_priority - score if reverse else score


# -- taints and tolerations -----------------------------------------------------------

def tolerates(toleration: dict, taint: dict) -> bool:
    """``Toleration.ToleratesTaint``: empty effect/key match all; operator Equal or Exists."""
    effect = toleration.get("effect") or ""
    if effect and effect != taint.get("effect"):
        return False
    key = toleration.get("key") or ""
    if key and key != taint.get("key"):
        return False
    op = toleration.get("operator") or "Equal"
    if op == "Exists":
        return True
    if op == "Equal":
        return (toleration.get("value") or "") == (taint.get("value") or "")
    return False


def tolerated(tolerations: Iterable[dict], taint: dict) -> bool:
    return any(tolerates(t, taint) for t in tolerations)


def first_untolerated(taints: Iterable[dict], tolerations: list[dict],
                      effects: tuple[str, ...] = (NO_SCHEDULE, NO_EXECUTE)) -> dict | None:
    """The first taint with one of ``effects`` that no toleration tolerates."""
    for taint in taints:
        if taint.get("effect") in effects and not tolerated(tolerations, taint):
            return taint
    return None


def pod_tolerations(pod: dict) -> list[dict]:
    return (pod.get("spec") or {}).get("tolerations") or []


# -- node selectors ----------------------------------------------------------------------

_OPS = {"In": selectors.IN, "NotIn": selectors.NOT_IN, "Exists": selectors.EXISTS,
        "DoesNotExist": selectors.DOES_NOT_EXIST, "Gt": selectors.GREATER_THAN,
        "Lt": selectors.LESS_THAN}


class NodeSelectorTerm:
    """One ``nodeSelectorTerm``: its matchExpressions AND its matchFields.

    A term with no requirement, or with an invalid one, matches no node (as
    ``nodeaffinity.nodeSelectorTerm`` after a parse error).
    """

    __slots__ = ("labels", "fields", "valid")

    def __init__(self, term: dict | None):
        term = term or {}
        self.labels: list[selectors.Requirement] = []
        self.fields: list[selectors.Requirement] = []
        self.valid = True
        for expr in term.get("matchExpressions") or []:
            req = self._requirement(expr)
            if req is None:
                self.valid = False
            else:
                self.labels.append(req)
        for expr in term.get("matchFields") or []:
            req = self._requirement(expr)
            if req is None or expr.get("key") != "metadata.name" or \
                    req.op not in (selectors.IN, selectors.NOT_IN):
                self.valid = False
            else:
                self.fields.append(req)
        if not self.labels and not self.fields:
            self.valid = False

    @staticmethod
    def _requirement(expr: dict) -> selectors.Requirement | None:
        op = _OPS.get(expr.get("operator", ""))
        values = tuple(expr.get("values") or ())
        if op is None or not expr.get("key"):
            return None
        if op in (selectors.IN, selectors.NOT_IN) and not values:
            return None
        if op in (selectors.EXISTS, selectors.DOES_NOT_EXIST) and values:
            return None
        if op in (selectors.GREATER_THAN, selectors.LESS_THAN) and (
                len(values) != 1 or not _INT.fullmatch(values[0])):
            return None
        return selectors.Requirement(expr["key"], op, values)

    def matches(self, node_name: str, labels: dict[str, str]) -> bool:
        if not self.valid:
            return False
        if self.fields:
            fields = {"metadata.name": node_name}
            if not all(r.matches(fields) for r in self.fields):
                return False
        return all(r.matches(labels) for r in self.labels)


class RequiredNodeAffinity:
    """A pod's ``nodeSelector`` AND its required node affinity (terms ORed)."""

    __slots__ = ("node_selector", "terms")

    def __init__(self, pod: dict):
        spec = pod.get("spec") or {}
        self.node_selector: dict[str, str] = spec.get("nodeSelector") or {}
        required = ((((spec.get("affinity") or {}).get("nodeAffinity") or {})
                     .get("requiredDuringSchedulingIgnoredDuringExecution")))
        self.terms: list[NodeSelectorTerm] | None = None
        if required is not None:
            self.terms = [NodeSelectorTerm(t) for t in required.get("nodeSelectorTerms") or []]

    @property
    def empty(self) -> bool:
        return not self.node_selector and self.terms is None

    def matches(self, node_name: str, labels: dict[str, str]) -> bool:
        for k, v in self.node_selector.items():
            if labels.get(k) != v:
                return False
        if self.terms is None:
            return True
        return any(t.matches(node_name, labels) for t in self.terms)
