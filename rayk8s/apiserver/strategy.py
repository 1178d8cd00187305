"""Per-kind rules the registry applies around writes (kube-apiserver's *strategies*).

Each function is pure over object dicts:

- :func:`prepare_create` resets what a client may not set on create (status
  of kinds with a status subresource; a pod's phase starts ``Pending``) and
  fills what the server owns (generation, a Job's generated selector).
- :func:`prepare_update` keeps what a main-resource update may not change
  (status, server-owned metadata) and bumps ``metadata.generation`` when the
  desired state changed.
- :func:`prepare_status_update` keeps everything but ``status``.
- :func:`to_scale` / :func:`from_scale` map objects to ``autoscaling/v1 Scale``.
"""

from __future__ import annotations

import copy
from typing import Any

from ..api import selectors
from ..api.kinds import Kind

# Kinds whose status is reset on create, as their strategies' PrepareForCreate do.
_RESET_STATUS = {"Deployment", "ReplicaSet", "StatefulSet", "DaemonSet", "Job",
                 "ReplicationController", "HorizontalPodAutoscaler", "Service",
                 "Ingress", "PersistentVolumeClaim", "PersistentVolume", "Pod",
                 "Namespace"}
_INITIAL_STATUS = {
    "Namespace": {"phase": "Active"},
    "PersistentVolumeClaim": {"phase": "Pending"},
    "PersistentVolume": {"phase": "Pending"},
    "Service": {"loadBalancer": {}},
    "Ingress": {"loadBalancer": {}},
}
# Metadata fields only the server sets; an update keeps the stored values.
_SERVER_METADATA = ("uid", "creationTimestamp", "deletionTimestamp",
                    "deletionGracePeriodSeconds", "generation")


def _desired(kind: Kind, obj: dict) -> Any:
    """The part of an object whose change bumps ``metadata.generation``."""
    if "spec" in obj or kind.has_status:
        return obj.get("spec")
    return {k: v for k, v in obj.items() if k not in ("metadata", "status", "kind", "apiVersion")}


def prepare_create(kind: Kind, obj: dict, uid: str, now_text: str) -> dict:
    obj = copy.deepcopy(obj)
    meta = obj.setdefault("metadata", {})
    for field in ("resourceVersion", "deletionTimestamp", "deletionGracePeriodSeconds",
                  "selfLink"):
        meta.pop(field, None)
    meta["uid"] = uid
    meta["creationTimestamp"] = now_text
    meta["generation"] = 1
    if kind.kind in _RESET_STATUS:
        obj["status"] = copy.deepcopy(_INITIAL_STATUS.get(kind.kind, {}))
    if kind.kind == "Pod":
        obj["status"] = {"phase": "Pending", "qosClass": qos_class(obj.get("spec") or {})}
    if kind.kind == "Job":
        _generate_job_selector(obj, uid)
    return obj


def _generate_job_selector(job: dict, uid: str) -> None:
    """A Job without ``manualSelector`` selects its pods by its uid (job controller labels)."""
    spec = job.setdefault("spec", {})
    if spec.get("manualSelector"):
        return
    name = job["metadata"].get("name", "")
    labels = {"batch.kubernetes.io/controller-uid": uid, "batch.kubernetes.io/job-name": name,
              "controller-uid": uid, "job-name": name}
    spec["selector"] = {"matchLabels": {"batch.kubernetes.io/controller-uid": uid}}
    tmeta = spec.setdefault("template", {}).setdefault("metadata", {})
    tmeta.setdefault("labels", {}).update(labels)


def prepare_update(kind: Kind, new: dict, old: dict) -> dict:
    new = copy.deepcopy(new)
    meta = new.setdefault("metadata", {})
    old_meta = old.get("metadata") or {}
    for field in _SERVER_METADATA:
        if field == "uid" and meta.get("uid"):
            continue  # a uid given must match: validation says "field is immutable"
        if field in old_meta:
            meta[field] = old_meta[field]
        else:
            meta.pop(field, None)
    if kind.has_status:
        if "status" in old:
            new["status"] = copy.deepcopy(old["status"])
        else:
            new.pop("status", None)
    if _desired(kind, new) != _desired(kind, old):
        meta["generation"] = int(old_meta.get("generation") or 1) + 1
    return new


def prepare_status_update(kind: Kind, new: dict, old: dict) -> dict:
    out = copy.deepcopy(old)
    if "status" in new:
        out["status"] = copy.deepcopy(new["status"])
    else:
        out.pop("status", None)
    return out


def prepare_finalize_update(new: dict, old: dict) -> dict:
    """namespaces/finalize: only ``spec.finalizers`` may change."""
    out = copy.deepcopy(old)
    out.setdefault("spec", {})["finalizers"] = list((new.get("spec") or {}).get("finalizers") or [])
    return out


def qos_class(spec: dict) -> str:
    containers = list(spec.get("containers") or []) + list(spec.get("initContainers") or [])
    requests_any = limits_any = False
    guaranteed = True
    for c in containers:
        res = c.get("resources") or {}
        req, lim = res.get("requests") or {}, res.get("limits") or {}
        requests_any |= bool(req)
        limits_any |= bool(lim)
        for r in ("cpu", "memory"):
            if r not in lim or str(req.get(r, lim[r])) != str(lim[r]):
                guaranteed = False
    if not requests_any and not limits_any:
        return "BestEffort"
    return "Guaranteed" if guaranteed and containers else "Burstable"


def selector_string(kind: Kind, obj: dict) -> str:
    sel = (obj.get("spec") or {}).get("selector")
    if kind.kind == "ReplicationController":
        return str(selectors.from_set(sel or {}))
    return str(selectors.from_label_selector(sel or {}))


def to_scale(kind: Kind, obj: dict) -> dict:
    meta = obj.get("metadata") or {}
    return {
        "kind": "Scale", "apiVersion": "autoscaling/v1",
        "metadata": {k: meta[k] for k in ("name", "namespace", "uid", "resourceVersion",
                                          "creationTimestamp") if k in meta},
        "spec": {"replicas": int((obj.get("spec") or {}).get("replicas") or 0)},
        "status": {"replicas": int((obj.get("status") or {}).get("replicas") or 0),
                   "selector": selector_string(kind, obj)},
    }


def from_scale(obj: dict, scale: dict) -> dict:
    out = copy.deepcopy(obj)
    out.setdefault("spec", {})["replicas"] = (scale.get("spec") or {}).get("replicas", 0)
    return out
