"""The namespace controller: empty a terminating namespace, then finalize it.

A namespace deleted while ``spec.finalizers`` holds ``kubernetes`` is only
marked (``deletionTimestamp``, phase ``Terminating``; see
apiserver/deletion.py).  This controller then does what Kubernetes'
``NamespacedResourcesDeleter`` does:

1. every object of every namespaced kind in the namespace is deleted, each
   with ``propagationPolicy: Background`` (so the garbage collector adds no
   ``orphan`` finalizer; everything goes anyway) and its uid as precondition.
   Objects already terminating are not deleted again;
2. the namespace's status conditions report progress with Kubernetes' five
   condition types, reasons and messages (``NamespaceContentRemaining``:
   "Some resources are remaining: pods. has 2 resource instances";
   ``NamespaceFinalizersRemaining``: "Some finalizers are remaining: x in 1
   resource instances"; the three failure types are always False here, since
   discovery is the static kinds table).  As in Kubernetes, "remaining" means
   what survives the deletes: objects with finalizers, pods still running on
   a node (graceful deletion), objects already terminating;
3. while content remains the key is re-queued after Kubernetes' estimate
   (the longest pod grace period, 15 s per finalizer holder) / 2 + 1 s; the
   objects' own delete events usually come first;
4. once the listers show the namespace empty and the conditions say so,
   ``kubernetes`` is removed from ``spec.finalizers`` with an update of the
   ``finalize`` subresource; the apiserver then removes the namespace.

At most one write per namespace per sync: a status update and a finalize
both carry the lister's resourceVersion, so the second would always
conflict; the finalize waits for the sync the status write triggers.

Keys are namespace names.  The controller watches namespaces and every
namespaced kind the apiserver can list and delete, including events and
leases; a change in a terminating namespace re-queues that namespace.
"""

from __future__ import annotations

from typing import Iterable

from .. import clock as clockmod
from ..api import kinds
from ..machinery import by_namespace
from . import base

FINALIZER = "kubernetes"
GC_FINALIZERS = ("orphan", "foregroundDeletion")
# Kubernetes' guess of how long an object with finalizers takes to go.
FINALIZER_ESTIMATE = 15

# The condition types the deleter maintains, in Kubernetes' order.
CONDITION_TYPES = ("NamespaceDeletionDiscoveryFailure",
                   "NamespaceDeletionGroupVersionParsingFailure",
                   "NamespaceDeletionContentFailure", "NamespaceContentRemaining",
                   "NamespaceFinalizersRemaining")
# type -> (reason, message) when all is well (status False).
OK = {
    "NamespaceDeletionDiscoveryFailure": ("ResourcesDiscovered",
                                          "All resources successfully discovered"),
    "NamespaceDeletionGroupVersionParsingFailure": ("ParsedGroupVersions",
                                                    "All legacy kube types successfully parsed"),
    "NamespaceDeletionContentFailure": ("ContentDeleted", "All content successfully deleted, "
                                        "may be waiting on finalization"),
    "NamespaceContentRemaining": ("ContentRemoved", "All content successfully removed"),
    "NamespaceFinalizersRemaining": ("ContentRemoved", "All content successfully removed"),
}


def namespaced_resources() -> list[str]:
    """Every namespaced kind that can be listed, watched and deleted."""
    return [k.plural for k in kinds.REGISTRY.all()
            if k.namespaced and {"list", "watch", "delete"} <= set(k.verbs)]


class NamespaceController:
    name = "namespace"

    def __init__(self, resources: Iterable[str] | None = None):
        # Plural names of the namespaced kinds whose objects are deleted.
        self.resources = tuple(kinds.REGISTRY.lookup(r).plural
                               for r in (namespaced_resources() if resources is None
                                         else resources))
        # plural -> "<resource>.<group>", as the deleter's messages spell it ("pods.").
        self._group_resource = {r: f"{k.plural}.{k.group}" for r in self.resources
                                for k in [kinds.REGISTRY.lookup(r)]}
        self.watches = {"namespaces": {},
                        **{r: {"namespace": by_namespace} for r in self.resources}}

    # -- keys
    def keys_for(self, resource: str, obj: base.Obj, listers: base.Listers) -> Iterable[str]:
        meta = obj.get("metadata") or {}
        if resource == "namespaces":
            return [meta["name"]] if meta.get("deletionTimestamp") and meta.get("name") else []
        ns = meta.get("namespace")
        owner = listers["namespaces"].get(ns) if ns else None
        if owner is not None and (owner.get("metadata") or {}).get("deletionTimestamp"):
            return [ns]
        return []

    # -- sync
    def sync(self, key: str, listers: base.Listers, now: float) -> list[base.Action]:
        namespace = listers["namespaces"].get(key)
        if namespace is None or not namespace["metadata"].get("deletionTimestamp"):
            return []
        if FINALIZER not in ((namespace.get("spec") or {}).get("finalizers") or []):
            return []  # finalized: the apiserver removes it once metadata.finalizers are gone
        actions: list[base.Action] = []
        found = 0
        remaining: dict[str, int] = {}      # group resource -> instances surviving the deletes
        by_finalizer: dict[str, int] = {}   # finalizer -> instances holding it
        estimate = 0
        for resource in self.resources:
            cache = listers.get(resource)
            if cache is None:
                continue
            for obj in cache.list(key):
                found += 1
                meta = obj["metadata"]
                if not meta.get("deletionTimestamp"):
                    actions.append(base.Delete(resource, meta["name"], key,
                                               propagation_policy="Background",
                                               preconditions={"uid": meta["uid"]}))
                left = _finalizers_left(obj)
                grace = _grace_left(resource, obj)
                if left or grace is not None or meta.get("deletionTimestamp"):
                    gr = self._group_resource[resource]
                    remaining[gr] = remaining.get(gr, 0) + 1
                    for f in left:
                        by_finalizer[f] = by_finalizer.get(f, 0) + 1
                    estimate = max(estimate, FINALIZER_ESTIMATE if left else 0, grace or 0)
        status = _status(namespace, remaining, by_finalizer, now)
        if status != namespace.get("status"):
            actions.append(base.Update(dict(namespace, status=status), subresource="status"))
        if found:
            actions.append(base.Requeue(estimate / 2 + 1))
        elif status == namespace.get("status"):
            spec = namespace.get("spec") or {}
            finalizers = [f for f in spec.get("finalizers") or [] if f != FINALIZER]
            actions.append(base.Update(dict(namespace, spec=dict(spec, finalizers=finalizers)),
                                       subresource="finalize"))
        return actions


def _finalizers_left(obj: base.Obj) -> list[str]:
    """The finalizers ``obj`` keeps after a Background delete (which drops the GC's)."""
    meta = obj["metadata"]
    finalizers = list(meta.get("finalizers") or [])
    if meta.get("deletionTimestamp"):
        return finalizers
    return [f for f in finalizers if f not in GC_FINALIZERS]


def _grace_left(resource: str, obj: base.Obj) -> int | None:
    """Seconds a pod that may be running gets to stop; None if it goes at once."""
    if resource != "pods":
        return None
    spec, status = obj.get("spec") or {}, obj.get("status") or {}
    if not spec.get("nodeName") or status.get("phase") in ("Succeeded", "Failed"):
        return None
    meta = obj["metadata"]
    if meta.get("deletionGracePeriodSeconds") is not None:
        return int(meta["deletionGracePeriodSeconds"])
    return int(spec.get("terminationGracePeriodSeconds", 30) or 0)


def _status(namespace: base.Obj, remaining: dict[str, int], by_finalizer: dict[str, int],
            now: float) -> dict:
    """The namespace's status with phase Terminating and the deleter's conditions."""
    wanted: dict[str, tuple[str, str, str]] = {t: ("False",) + OK[t] for t in CONDITION_TYPES}
    if remaining:
        wanted["NamespaceContentRemaining"] = (
            "True", "SomeResourcesRemain", "Some resources are remaining: " + ", ".join(
                sorted(f"{gr} has {n} resource instances"
                       for gr, n in remaining.items())))
    if by_finalizer:
        wanted["NamespaceFinalizersRemaining"] = (
            "True", "SomeFinalizerRemain", "Some finalizers are remaining: " + ", ".join(
                sorted(f"{f} in {n} resource instances" for f, n in by_finalizer.items())))
    old = namespace.get("status") or {}
    conditions = [dict(c) for c in old.get("conditions") or []]
    for ctype in CONDITION_TYPES:
        status, reason, message = wanted[ctype]
        current = next((c for c in conditions if c.get("type") == ctype), None)
        if current is None:
            conditions.append({"type": ctype, "status": status,
                               "lastTransitionTime": clockmod.rfc3339(now),
                               "reason": reason, "message": message})
        elif (current.get("status"), current.get("reason"), current.get("message")) != \
                (status, reason, message):
            if current.get("status") != status:
                current["lastTransitionTime"] = clockmod.rfc3339(now)
            current.update(status=status, reason=reason, message=message)
    return dict(old, phase="Terminating", conditions=conditions)
