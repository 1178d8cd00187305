"""Pod facts controllers share: activity, readiness, availability, ranking,
and building a pod from a template."""

from __future__ import annotations

import copy
from typing import Any

from .. import clock as clockmod
from . import base

_PHASE_RANK = {"Pending": 0, "Unknown": 1, "Running": 2}


def is_active(pod: dict) -> bool:
    """Counted by its controller: not terminal and not being deleted."""
    phase = (pod.get("status") or {}).get("phase")
    return phase not in ("Succeeded", "Failed") and \
        not (pod.get("metadata") or {}).get("deletionTimestamp")


def ready_condition(pod: dict) -> dict | None:
    for cond in (pod.get("status") or {}).get("conditions") or []:
        if cond.get("type") == "Ready":
            return cond
    return None


def is_ready(pod: dict) -> bool:
    cond = ready_condition(pod)
    return bool(cond and cond.get("status") == "True")


def ready_since(pod: dict) -> float | None:
    cond = ready_condition(pod)
    if not cond or cond.get("status") != "True" or not cond.get("lastTransitionTime"):
        return None
    return clockmod.parse_rfc3339(cond["lastTransitionTime"])


def is_available(pod: dict, min_ready_seconds: int, now: float) -> bool:
    if not is_ready(pod):
        return False
    if not min_ready_seconds:
        return True
    since = ready_since(pod)
    return since is not None and now - since >= min_ready_seconds


def seconds_until_available(pod: dict, min_ready_seconds: int, now: float) -> float | None:
    """For a ready but not yet available pod: when it becomes available."""
    since = ready_since(pod)
    if since is None or not min_ready_seconds:
        return None
    left = since + min_ready_seconds - now
    return left if left > 0 else None


def restarts(pod: dict) -> int:
    return sum(int(c.get("restartCount") or 0)
               for c in (pod.get("status") or {}).get("containerStatuses") or [])


def deletion_rank(pod: dict) -> tuple:
    """Sort key: pods to delete first sort first (kube-controller-manager's order).

    Unscheduled before scheduled; Pending before Unknown before Running; not
    ready before ready; ready more recently before ready longer; more restarts
    first; newer before older.
    """
    status = pod.get("status") or {}
    since = ready_since(pod) or 0.0
    created = (pod.get("metadata") or {}).get("creationTimestamp") or ""
    return (1 if (pod.get("spec") or {}).get("nodeName") else 0,
            _PHASE_RANK.get(status.get("phase"), 0),
            1 if is_ready(pod) else 0,
            -since,
            -restarts(pod),
            _neg(created))


def _neg(text: str) -> tuple:
    # Newer (greater) timestamps first: invert by sorting on the negated characters.
    return tuple(-ord(ch) for ch in text)


def pod_from_template(owner: dict, template: dict, name: str | None = None,
                      extra_labels: dict[str, str] | None = None) -> dict:
    """A pod for ``owner`` from its pod template (generateName ``<owner>-`` by default)."""
    tmeta = copy.deepcopy(template.get("metadata") or {})
    meta: dict[str, Any] = {
        "namespace": owner["metadata"].get("namespace", "default"),
        "labels": dict(tmeta.get("labels") or {}, **(extra_labels or {})),
        "ownerReferences": [base.owner_reference(owner)],
    }
    if tmeta.get("annotations"):
        meta["annotations"] = dict(tmeta["annotations"])
    if tmeta.get("finalizers"):
        meta["finalizers"] = list(tmeta["finalizers"])
    if name:
        meta["name"] = name
    else:
        meta["generateName"] = f"{owner['metadata']['name']}-"
    return {"apiVersion": "v1", "kind": "Pod", "metadata": meta,
            "spec": copy.deepcopy(template.get("spec") or {})}
