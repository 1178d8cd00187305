"""The ReplicaSet and ReplicationController controllers.

Both keep exactly ``spec.replicas`` active pods that match their selector:

- they *adopt* matching pods that have no controller (ownerReference with
  controller: true) and *release* owned pods whose labels stopped matching;
- they create missing pods from the template (generateName ``<owner>-``)
  and delete surplus ones in Kubernetes' order (unscheduled, pending, not
  ready, recently ready, most restarted, newest first);
- they report ``status`` (replicas, fullyLabeledReplicas, readyReplicas,
  availableReplicas honouring ``minReadySeconds``, observedGeneration).

The two differ only in the selector's form (set-based ``LabelSelector`` for
ReplicaSets, an equality map for ReplicationControllers) and in names, so one
class serves both.  A terminating owner neither adopts nor creates.
"""

from __future__ import annotations

from typing import Iterable

from ..api import selectors
from ..machinery import by_namespace, by_owner_uid, key_of, split_key
from . import base, podutil

# Kubernetes caps creations and deletions per sync (burstReplicas).
BURST_REPLICAS = 500


class ReplicaSetController:
    kind = "ReplicaSet"
    resource = "replicasets"
    name = "replicaset"

    def __init__(self) -> None:
        self.watches = {self.resource: {"namespace": by_namespace},
                        "pods": {"namespace": by_namespace, "owner": by_owner_uid}}

    def selector(self, owner: dict) -> selectors.Selector:
        return selectors.from_label_selector((owner.get("spec") or {}).get("selector"))

    # -- keys
    def keys_for(self, resource: str, obj: dict, listers: base.Listers) -> Iterable[str]:
        if resource == self.resource:
            return [key_of(obj)]
        owners = base.owner_keys(obj, self.kind)
        if owners or base.controller_ref(obj):
            return owners
        # An orphan: every owner in its namespace whose selector matches may adopt it.
        ns = (obj.get("metadata") or {}).get("namespace", "")
        labels = (obj.get("metadata") or {}).get("labels") or {}
        return [key_of(o) for o in listers[self.resource].by_index("namespace", ns)
                if self.selector(o).matches(labels)]

    # -- sync
    def sync(self, key: str, listers: base.Listers, now: float) -> list[base.Action]:
        owner = listers[self.resource].get(key)
        if owner is None:
            return []  # deleted: its pods are the garbage collector's business
        ns, _ = split_key(key)
        uid = owner["metadata"]["uid"]
        sel = self.selector(owner)
        actions: list[base.Action] = []
        terminating = bool(owner["metadata"].get("deletionTimestamp"))
        pods = []
        for pod in listers["pods"].by_index("namespace", ns):
            ref = base.controller_ref(pod)
            labels = (pod.get("metadata") or {}).get("labels") or {}
            if ref is not None and ref.get("uid") == uid:
                if sel.matches(labels):
                    pods.append(pod)
                elif not terminating:
                    actions.append(_release(pod, uid))
            elif ref is None and not terminating and sel.matches(labels) and \
                    not pod["metadata"].get("deletionTimestamp") and podutil.is_active(pod):
                actions.append(_adopt(pod, owner))
                pods.append(pod)
        active = [p for p in pods if podutil.is_active(p)]
        want = int((owner.get("spec") or {}).get("replicas", 1) or 0)
        diff = len(active) - want
        if diff < 0 and not terminating:
            template = (owner.get("spec") or {}).get("template") or {}
            for _ in range(min(-diff, BURST_REPLICAS)):
                actions.append(base.Create(podutil.pod_from_template(owner, template)))
        elif diff > 0:
            for pod in sorted(active, key=podutil.deletion_rank)[:min(diff, BURST_REPLICAS)]:
                actions.append(base.Delete("pods", pod["metadata"]["name"], ns,
                                           preconditions={"uid": pod["metadata"]["uid"]}))
        actions += self._status(owner, pods, active, now)
        return actions

    def _status(self, owner: dict, pods: list[dict], active: list[dict],
                now: float) -> list[base.Action]:
        spec = owner.get("spec") or {}
        min_ready = int(spec.get("minReadySeconds") or 0)
        tlabels = ((spec.get("template") or {}).get("metadata") or {}).get("labels") or {}
        fully = sum(1 for p in active
                    if tlabels.items() <= ((p["metadata"].get("labels") or {}).items()))
        ready = [p for p in active if podutil.is_ready(p)]
        available = [p for p in ready if podutil.is_available(p, min_ready, now)]
        status = dict(owner.get("status") or {})
        new = dict(status, replicas=len(active), fullyLabeledReplicas=fully,
                   readyReplicas=len(ready), availableReplicas=len(available),
                   observedGeneration=owner["metadata"].get("generation", 1))
        actions: list[base.Action] = []
        if new != status:
            actions.append(base.Update(dict(owner, status=new), subresource="status"))
        waits = [w for p in ready
                 if (w := podutil.seconds_until_available(p, min_ready, now)) is not None]
        if waits:
            actions.append(base.Requeue(min(waits) + 0.001))
        return actions


class ReplicationControllerController(ReplicaSetController):
    kind = "ReplicationController"
    resource = "replicationcontrollers"
    name = "replicationcontroller"

    def selector(self, owner: dict) -> selectors.Selector:
        sel = (owner.get("spec") or {}).get("selector")
        return selectors.from_set(sel) if sel else selectors.Selector.nothing()


def _adopt(pod: dict, owner: dict) -> base.Action:
    refs = list(pod["metadata"].get("ownerReferences") or []) + [base.owner_reference(owner)]
    return base.Patch("pods", pod["metadata"]["name"], pod["metadata"].get("namespace"),
                      {"metadata": {"ownerReferences": refs,
                                    "uid": pod["metadata"]["uid"]}})


def _release(pod: dict, owner_uid: str) -> base.Action:
    refs = [r for r in pod["metadata"].get("ownerReferences") or [] if r.get("uid") != owner_uid]
    return base.Patch("pods", pod["metadata"]["name"], pod["metadata"].get("namespace"),
                      {"metadata": {"ownerReferences": refs or None,
                                    "uid": pod["metadata"]["uid"]}})
