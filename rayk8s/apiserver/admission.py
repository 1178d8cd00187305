"""Admission: what kube-apiserver's built-in admission plugins do on writes.

Only mutations and checks that the emulated cluster needs live here, each
named after the plugin it stands for:

- NamespaceLifecycle: a namespaced object can only be created in an existing
  namespace that is not being terminated; the system namespaces can't be
  deleted.
- ServiceAccount (the defaulting part): pods run as ``default``.
- Priority: ``spec.priority`` defaults to 0.
- DefaultTolerationSeconds: pods tolerate ``not-ready`` and ``unreachable``
  NoExecute taints for 300 s.

Functions are pure: they take the object (and what they need to know) and
return the admitted object or raise ApiError.
"""

from __future__ import annotations

import copy

from ..api import errors

SYSTEM_NAMESPACES = ("default", "kube-system", "kube-public", "kube-node-lease")
# The namespaces kube-apiserver creates at start (kube-node-lease comes from
# the node lifecycle; it is created here too so kubelets can write Leases).
DEFAULT_NAMESPACES = SYSTEM_NAMESPACES

_TOLERATION_SECONDS = 300
_DEFAULT_TOLERATIONS = (
    ("node.kubernetes.io/not-ready", "NoExecute"),
    ("node.kubernetes.io/unreachable", "NoExecute"),
)


def check_namespace_for_create(namespace_obj: dict | None, namespace: str,
                               qualified: str, name: str) -> None:
    """NamespaceLifecycle for a create in ``namespace``."""
    if namespace_obj is None:
        raise errors.not_found("namespaces", namespace)
    if (namespace_obj.get("metadata") or {}).get("deletionTimestamp") or \
            (namespace_obj.get("status") or {}).get("phase") == "Terminating":
        raise errors.forbidden(
            qualified, name,
            f"unable to create new content in namespace {namespace} because it is "
            f"being terminated")


def check_namespace_delete(name: str) -> None:
    if name in ("default", "kube-system", "kube-public"):
        raise errors.forbidden("namespaces", name, "this namespace may not be deleted")


def admit_pod(pod: dict) -> dict:
    """The defaulting admission plugins for a new pod."""
    pod = copy.deepcopy(pod)
    spec = pod.setdefault("spec", {})
    sa = spec.get("serviceAccountName") or spec.get("serviceAccount") or "default"
    spec["serviceAccountName"] = sa
    spec["serviceAccount"] = sa
    spec.setdefault("priority", 0)
    tolerations = spec.setdefault("tolerations", [])
    for key, effect in _DEFAULT_TOLERATIONS:
        if not any(t.get("key") == key and t.get("effect", effect) == effect
                   or (not t.get("key") and t.get("operator") == "Exists")
                   for t in tolerations):
            tolerations.append({"key": key, "operator": "Exists", "effect": effect,
                                "tolerationSeconds": _TOLERATION_SECONDS})
    return pod
