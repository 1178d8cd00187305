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
- DefaultIngressClass: a new Ingress that names no class gets the default
  IngressClass's name.

Functions are pure: they take the object (and what they need to know) and
return the admitted object or raise ApiError.
"""

from __future__ import annotations

import copy

from .. import clock
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


IS_DEFAULT_CLASS = "ingressclass.kubernetes.io/is-default-class"
LEGACY_INGRESS_CLASS = "kubernetes.io/ingress.class"


def default_ingress_class(classes: list[dict]) -> dict | None:
    """The default among ``classes``: those annotated ``is-default-class: "true"``,
    the newest by creationTimestamp (ties: the first name), None without one."""
    defaults = [c for c in classes
                if ((c.get("metadata") or {}).get("annotations") or {}).get(IS_DEFAULT_CLASS)
                == "true"]
    if not defaults:
        return None
    defaults.sort(key=lambda c: c["metadata"].get("name") or "")
    defaults.sort(key=_created, reverse=True)   # stable: ties keep name order
    return defaults[0]


def _created(obj: dict) -> float:
    try:
        return clock.parse_rfc3339(obj["metadata"]["creationTimestamp"])
    except (KeyError, TypeError, ValueError):
        return 0.0


def admit_ingress(ingress: dict, classes: list[dict]) -> dict:
    """DefaultIngressClass on create: ``spec.ingressClassName`` from the default
    class, unless the Ingress names a class (the field, even empty, or the legacy
    annotation)."""
    spec = ingress.get("spec")
    annotations = (ingress.get("metadata") or {}).get("annotations") or {}
    if (isinstance(spec, dict) and spec.get("ingressClassName") is not None) \
            or LEGACY_INGRESS_CLASS in annotations:
        return ingress
    default = default_ingress_class(classes)
    if default is None:
        return ingress
    ingress = copy.deepcopy(ingress)
    if not isinstance(ingress.get("spec"), dict):
        ingress["spec"] = {}
    ingress["spec"]["ingressClassName"] = default["metadata"]["name"]
    return ingress
