"""Builders and a tiny world for the Deployment controller's tests (no Ray, no apiserver).

``World`` holds hand-built caches, runs one sync, and applies its actions the
way the apiserver would (uids, creation timestamps, generations, status kept
on spec updates).  ``rs_step`` and ``kubelet_step`` stand in for the
ReplicaSet controller and the kubelets: pods follow ``spec.replicas`` at once
(unavailable ones go first on scale-down), and become available later.
"""

from __future__ import annotations

import itertools

from rayk8s import clock as clockmod
from rayk8s.controllers import base
from rayk8s.controllers import rollout as ro
from rayk8s.controllers.deployment import DeploymentController
from rayk8s.machinery import Cache, by_namespace, by_owner_uid
from rayk8s.machinery.cache import copy

NOW = 1_700_000_100.0
KEY = "default/web"


def template(image: str = "hello-world:v1.0") -> dict:
    return {"metadata": {"labels": {"app": "web"}},
            "spec": {"containers": [{"name": "web", "image": image}]}}


def deployment(replicas=3, image="hello-world:v1.0", surge="25%", unavailable="25%",
               strategy="RollingUpdate", paused=False, generation=1, status=None,
               revision=None, history=10, deadline=600) -> dict:
    strat: dict = {"type": strategy}
    if strategy == "RollingUpdate":
        strat["rollingUpdate"] = {"maxSurge": surge, "maxUnavailable": unavailable}
    meta = {"name": "web", "namespace": "default", "uid": "d-uid", "generation": generation,
            "resourceVersion": "5"}
    if revision is not None:
        meta["annotations"] = {ro.REVISION: str(revision)}
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": meta,
            "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": "web"}},
                     "template": template(image), "strategy": strat, "paused": paused,
                     "revisionHistoryLimit": history, "progressDeadlineSeconds": deadline},
            "status": status or {}}


def replicaset(d: dict, image: str, replicas: int, available: int | None = None,
               revision: int = 1, created: str = "2023-11-14T20:00:00Z",
               status_replicas: int | None = None) -> dict:
    """An RS the controller would have made for ``image``, with the given state."""
    rs = ro.new_replicaset(dict(d, spec=dict(d["spec"], template=template(image))), None)
    name = rs["metadata"]["name"]
    rs["metadata"].update(uid=f"uid-{name}", creationTimestamp=created, generation=1,
                          resourceVersion="3",
                          annotations={ro.REVISION: str(revision),
                                       **ro.replica_annotations(d)})
    rs["spec"]["replicas"] = replicas
    available = replicas if available is None else available
    count = replicas if status_replicas is None else status_replicas
    rs["status"] = {"replicas": count, "readyReplicas": available,
                    "availableReplicas": available, "observedGeneration": 1}
    return rs


def pod(rs: dict, name: str, phase: str = "Running", deleting: bool = False) -> dict:
    meta = {"name": name, "namespace": "default", "uid": f"uid-{name}",
            "labels": dict(rs["spec"]["template"]["metadata"]["labels"]),
            "ownerReferences": [base.owner_reference(rs)]}
    if deleting:
        meta["deletionTimestamp"] = "2023-11-14T22:14:00Z"
    return {"apiVersion": "v1", "kind": "Pod", "metadata": meta, "status": {"phase": phase}}


def kinds_of(actions, cls):
    return [a for a in actions if isinstance(a, cls)]


def messages(actions):
    return [a.message for a in kinds_of(actions, base.Event)]


def status_of(actions) -> dict:
    [update] = [a for a in kinds_of(actions, base.Update) if a.subresource == "status"]
    return update.obj["status"]


def condition(status: dict, type_: str) -> dict | None:
    return next((c for c in status.get("conditions") or [] if c["type"] == type_), None)


class World:
    """Caches plus the apiserver's side of the controller's actions."""

    def __init__(self, d: dict, rss=(), pods=()):
        self.deployments = Cache({"namespace": by_namespace})
        self.replicasets = Cache({"namespace": by_namespace, "owner": by_owner_uid})
        self.pods = Cache({"namespace": by_namespace, "owner": by_owner_uid})
        self.deployments.add(d)
        for rs in rss:
            self.replicasets.add(rs)
        for p in pods:
            self.pods.add(p)
        self.events: list[str] = []
        self._seq = itertools.count(1)

    @property
    def listers(self) -> dict:
        return {"deployments": self.deployments, "replicasets": self.replicasets,
                "pods": self.pods}

    @property
    def d(self) -> dict:
        return self.deployments.get(KEY)

    def rs_list(self) -> list[dict]:
        return sorted(self.replicasets.list(), key=ro.by_creation)

    def sync(self, now: float = NOW) -> list[base.Action]:
        actions = DeploymentController().sync(KEY, self.listers, now)
        self.apply(actions, now)
        return actions

    def change(self, **spec) -> None:
        """A user's edit of the Deployment's spec (generation bumps)."""
        d = copy(self.d)
        d["spec"].update(spec)
        d["metadata"]["generation"] += 1
        self.deployments.add(d)

    def apply(self, actions, now: float) -> None:
        for a in actions:
            if isinstance(a, base.Create):
                obj = copy(a.obj)
                seq = next(self._seq)
                # Distinct, increasing creation timestamps keep "newer" well defined.
                obj["metadata"].update(uid=f"uid-{obj['metadata']['name']}", generation=1,
                                       resourceVersion="1",
                                       creationTimestamp=clockmod.rfc3339(now + seq))
                obj["status"] = {}
                self.replicasets.add(obj)
            elif isinstance(a, base.Update) and a.subresource == "status":
                self.deployments.add(dict(self.d, status=copy(a.obj["status"])))
            elif isinstance(a, base.Update):
                old = self.replicasets.get(f"default/{a.obj['metadata']['name']}")
                obj = copy(a.obj)
                obj["status"] = old["status"]
                if obj["spec"] != old["spec"]:
                    obj["metadata"]["generation"] = old["metadata"]["generation"] + 1
                self.replicasets.add(obj)
            elif isinstance(a, base.Patch) and a.resource == "deployments":
                d = copy(self.d)
                d["metadata"].setdefault("annotations", {}).update(
                    a.patch["metadata"]["annotations"])
                self.deployments.add(d)
            elif isinstance(a, base.Delete):
                self.replicasets.delete(f"default/{a.name}")
            elif isinstance(a, base.Event):
                self.events.append(a.message)

    def rs_step(self) -> None:
        """The ReplicaSet controller: pods follow spec; unavailable pods go first."""
        for rs in self.replicasets.list():
            size = ro.spec_replicas(rs)
            available = min(ro.status_count(rs, "availableReplicas"), size)
            self._set_status(rs, size, available)

    def kubelet_step(self, per_rs: int | None = None) -> None:
        """Pods become ready and available (at most ``per_rs`` more per ReplicaSet)."""
        for rs in self.replicasets.list():
            pods = ro.status_count(rs, "replicas")
            available = ro.status_count(rs, "availableReplicas")
            gain = pods - available if per_rs is None else min(per_rs, pods - available)
            self._set_status(rs, pods, available + gain)

    def _set_status(self, rs: dict, pods: int, available: int) -> None:
        status = {"replicas": pods, "readyReplicas": available, "availableReplicas": available,
                  "observedGeneration": rs["metadata"]["generation"]}
        self.replicasets.add(dict(rs, status=status))

    def totals(self) -> tuple[int, int, int]:
        """(sum of spec.replicas, pods, available pods) over every ReplicaSet."""
        rss = self.replicasets.list()
        return (sum(ro.spec_replicas(rs) for rs in rss),
                sum(ro.status_count(rs, "replicas") for rs in rss),
                sum(ro.status_count(rs, "availableReplicas") for rs in rss))

    def complete(self) -> bool:
        d = self.d
        new = [rs for rs in self.replicasets.list()
               if ro.equal_ignore_hash(rs["spec"]["template"], d["spec"]["template"])]
        return (len(new) == 1 and self.totals() == (ro.spec_replicas(d),) * 3
                and ro.status_count(new[0], "availableReplicas") == ro.spec_replicas(d))
