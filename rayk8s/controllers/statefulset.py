"""The StatefulSet controller (apps/v1).

A StatefulSet keeps ``spec.replicas`` pods with stable identities: pod
``<set>-<ordinal>`` (ordinals from ``spec.ordinals.start``, 0 by default),
hostname = its name, subdomain = ``spec.serviceName``, labels
``statefulset.kubernetes.io/pod-name``, ``apps.kubernetes.io/pod-index`` and
``controller-revision-hash``.  Before a pod is created, each
``volumeClaimTemplates`` entry gets its claim ``<claim>-<set>-<ordinal>``
(the template's labels plus the selector's ``matchLabels``), and the pod
mounts it as volume ``<claim>``; claims outlive their pods, so a re-created
pod finds the same claim.  ``persistentVolumeClaimRetentionPolicy`` Delete is
expressed, as in Kubernetes, by ownerReferences the garbage collector follows:
``whenDeleted`` makes the set an owner of its claims, ``whenScaled`` makes a
condemned pod the owner of its own.

**OrderedReady** (the default, "monotonic"): ordinals are walked upwards and
the sync stops at the first pod it created, or that is terminating, or not
Running and available; scaling down deletes the highest ordinal first, one
at a time, only when every other pod is healthy (or the victim is the first
unhealthy one).  **Parallel** does all of it at once.  Failed (and Succeeded)
pods are deleted and re-created under the same name.

**Updates.** RollingUpdate deletes, from the highest ordinal down to
``partition``, one pod whose ``controller-revision-hash`` differs from the
update revision, and waits until its replacement is Running and Ready before
the next; OnDelete only gives deleted pods the new template.

**Revisions without ControllerRevisions.** Kubernetes stores each template in
a ControllerRevision; rayk8s does not serve that kind, so a revision is only
its name, ``<set>-<hash of spec.template and collisionCount>`` (hashed like
``HashControllerRevision``: FNV-32 of the revision's patch JSON, then
SafeEncodeString), kept in ``status.currentRevision`` / ``updateRevision``.
The current revision's template, needed to re-create a pod below the
partition mid-rollout, is recovered from a live pod of that revision (its
labels minus the three identity labels, its spec minus ``nodeName``); with
no such pod left it falls back to the update template.  ``kubectl rollout
undo`` and ``revisionHistoryLimit`` have nothing to act on, and
``collisionCount`` stays as stored (no name can collide).
"""

from __future__ import annotations

import json
import re
from typing import Iterable

from ..api import selectors
from ..machinery import by_namespace, by_owner_uid, copy, key_of
from . import base, podutil

POD_NAME_LABEL = "statefulset.kubernetes.io/pod-name"
POD_INDEX_LABEL = "apps.kubernetes.io/pod-index"
REVISION_LABEL = "controller-revision-hash"
_IDENTITY_LABELS = (POD_NAME_LABEL, POD_INDEX_LABEL, REVISION_LABEL)
_ORDINAL = re.compile(r"^(.*)-([0-9]+)$")
_ALPHANUMS = "bcdfghjklmnpqrstvwxz2456789"   # k8s.io/apimachinery/pkg/util/rand


def parent_and_ordinal(pod: dict) -> tuple[str, int]:
    """``web-3`` -> ``("web", 3)``; ``("", -1)`` for a name without an ordinal."""
    m = _ORDINAL.match((pod.get("metadata") or {}).get("name") or "")
    return (m.group(1), int(m.group(2))) if m else ("", -1)


def revision_name(sts: dict, collision_count: int = 0) -> str:
    """``<set>-<hash>``: the name Kubernetes would give the template's ControllerRevision."""
    patch = {"spec": {"template": dict((sts.get("spec") or {}).get("template") or {},
                                       **{"$patch": "replace"})}}
    data = json.dumps(patch, sort_keys=True, separators=(",", ":")).encode()
    data += str(collision_count).encode()
    h = 0x811C9DC5
    for byte in data:   # FNV-1 32
        h = (h * 0x01000193) & 0xFFFFFFFF
        h ^= byte
    return f"{sts['metadata']['name']}-" + "".join(
        _ALPHANUMS[ord(c) % len(_ALPHANUMS)] for c in str(h))


def _phase(pod: dict) -> str:
    return (pod.get("status") or {}).get("phase") or ""


def _terminating(pod: dict) -> bool:
    return bool(pod["metadata"].get("deletionTimestamp"))


def _revision(pod: dict) -> str:
    return (pod["metadata"].get("labels") or {}).get(REVISION_LABEL, "")


def _healthy(pod: dict) -> bool:
    return _phase(pod) == "Running" and podutil.is_ready(pod) and not _terminating(pod)


def _available(pod: dict, min_ready: int, now: float) -> bool:
    return _phase(pod) == "Running" and podutil.is_available(pod, min_ready, now)


def _selector(sts: dict) -> selectors.Selector:
    return selectors.from_label_selector((sts.get("spec") or {}).get("selector"))


class StatefulSetController:
    name = "statefulset"

    def __init__(self) -> None:
        self.watches = {"statefulsets": {"namespace": by_namespace},
                        "pods": {"namespace": by_namespace, "owner": by_owner_uid},
                        "persistentvolumeclaims": {"namespace": by_namespace}}

    def keys_for(self, resource: str, obj: dict, listers: base.Listers) -> Iterable[str]:
        if resource == "statefulsets":
            return [key_of(obj)]
        if resource == "pods":
            owners = base.owner_keys(obj, "StatefulSet")
            if owners or base.controller_ref(obj):
                return owners
        # An orphan pod (a set may adopt it) or a claim (a pending pod may need it).
        meta = obj.get("metadata") or {}
        labels = meta.get("labels") or {}
        parent = parent_and_ordinal(obj)[0] if resource == "pods" else None
        return [key_of(s) for s in listers["statefulsets"].by_index(
                    "namespace", meta.get("namespace", ""))
                if _selector(s).matches(labels) and parent in (None, s["metadata"]["name"])]

    def sync(self, key: str, listers: base.Listers, now: float) -> list[base.Action]:
        sts = listers["statefulsets"].get(key)
        if sts is None:
            return []  # its pods are the garbage collector's business
        return _SetSync(sts, listers, now).run()


class _SetSync:
    """One sync of one StatefulSet (stateful_set_control.go's updateStatefulSet)."""

    def __init__(self, sts: dict, listers: base.Listers, now: float):
        self.sts, self.listers, self.now = sts, listers, now
        self.spec = spec = sts.get("spec") or {}
        self.name = sts["metadata"]["name"]
        self.ns = sts["metadata"].get("namespace", "default")
        self.actions: list[base.Action] = []
        status = sts.get("status") or {}
        self.collisions = int(status.get("collisionCount") or 0)
        self.update_rev = revision_name(sts, self.collisions)
        self.current_rev = status.get("currentRevision") or self.update_rev
        strategy = spec.get("updateStrategy") or {}
        self.rolling = (strategy.get("type") or "RollingUpdate") == "RollingUpdate"
        self.partition = int((strategy.get("rollingUpdate") or {}).get("partition") or 0) \
            if self.rolling else 0
        self.monotonic = spec.get("podManagementPolicy") != "Parallel"
        self.min_ready = int(spec.get("minReadySeconds") or 0)
        self.start = int((spec.get("ordinals") or {}).get("start") or 0)
        self.end = self.start + int(spec.get("replicas", 1) or 0)

    def event(self, type_: str, reason: str, message: str) -> None:
        self.actions.append(base.Event(self.sts, type_, reason, message))

    def run(self) -> list[base.Action]:
        pods = self._claim_pods()
        replicas: dict[int, dict] = {}
        condemned: list[dict] = []
        for pod in pods:
            parent, ordinal = parent_and_ordinal(pod)
            if parent != self.name or ordinal < 0:
                continue  # not a member: ignored, as Kubernetes does
            if self.start <= ordinal < self.end:
                replicas[ordinal] = pod
            else:
                condemned.append(pod)
        condemned.sort(key=lambda p: parent_and_ordinal(p)[1], reverse=True)
        unhealthy = [p for p in list(replicas.values()) + condemned if not _healthy(p)]
        first_unhealthy = min(unhealthy, key=lambda p: parent_and_ordinal(p)[1], default=None)
        replaced: set[str] = set()
        if not self.sts["metadata"].get("deletionTimestamp"):
            if self._replicas(replicas, replaced) and self._condemned(condemned, first_unhealthy) \
                    and self.rolling:
                self._rolling_update(replicas)
        self._status([p for p in list(replicas.values()) + condemned
                      if p["metadata"]["uid"] not in replaced])
        return self.actions

    # -- pods -----------------------------------------------------------------------
    def _claim_pods(self) -> list[dict]:
        """Owned pods; orphans named like members and matching the selector are adopted,
        owned pods whose labels stopped matching are released."""
        uid, sel = self.sts["metadata"]["uid"], _selector(self.sts)
        deleting = bool(self.sts["metadata"].get("deletionTimestamp"))
        out = []
        for pod in self.listers["pods"].by_index("namespace", self.ns):
            meta, ref = pod["metadata"], base.controller_ref(pod)
            matches = sel.matches(meta.get("labels") or {})
            if ref is not None and ref.get("uid") == uid:
                if matches:
                    out.append(pod)
                elif not deleting:
                    refs = [r for r in meta.get("ownerReferences") or [] if r.get("uid") != uid]
                    self.actions.append(base.Patch("pods", meta["name"], self.ns, {"metadata": {
                        "ownerReferences": refs or None, "uid": meta["uid"]}}))
            elif ref is None and matches and not deleting and not _terminating(pod) and \
                    parent_and_ordinal(pod)[0] == self.name:
                refs = list(meta.get("ownerReferences") or []) + [base.owner_reference(self.sts)]
                self.actions.append(base.Patch("pods", meta["name"], self.ns, {"metadata": {
                    "ownerReferences": refs, "uid": meta["uid"]}}))
                out.append(pod)
        return out

    def _replicas(self, replicas: dict[int, dict], replaced: set[str]) -> bool:
        """Walk ordinals upwards; False when OrderedReady must stop here."""
        for ordinal in range(self.start, self.end):
            pod = replicas.get(ordinal)
            if pod is not None and _phase(pod) in ("Failed", "Succeeded"):
                if _phase(pod) == "Failed":
                    self.event("Warning", "RecreatingFailedPod", f"StatefulSet {self.ns}/"
                               f"{self.name} is recreating failed Pod {pod['metadata']['name']}")
                else:
                    self.event("Normal", "RecreatingTerminatedPod", f"StatefulSet {self.ns}/"
                               f"{self.name} is recreating terminated Pod "
                               f"{pod['metadata']['name']}")
                replaced.add(pod["metadata"]["uid"])
                if _terminating(pod):   # already going: re-created once it is gone
                    if self.monotonic:
                        return False
                    continue
                self._delete(pod)       # a terminal pod goes at once (no grace period)
                pod = None
            if pod is None:
                self._create(ordinal)
                if self.monotonic:
                    return False
                continue
            if _phase(pod) == "Pending":
                self._ensure_claims(ordinal, pod)
            if self.monotonic and (_terminating(pod) or
                                   not _available(pod, self.min_ready, self.now)):
                return False
            self._fix_identity(pod, ordinal)
            self._fix_claim_owners(pod, ordinal)
        return True

    def _condemned(self, condemned: list[dict], first_unhealthy: dict | None) -> bool:
        """Scale down from the highest ordinal; False when OrderedReady must stop here."""
        for pod in condemned:
            self._fix_claim_owners(pod, parent_and_ordinal(pod)[1])
        for pod in condemned:
            if _terminating(pod):
                if self.monotonic:
                    return False
                continue
            if self.monotonic and not _available(pod, self.min_ready, self.now) and \
                    pod is not first_unhealthy:
                return False
            self._delete(pod)
            if self.monotonic:
                return False
        return True

    def _rolling_update(self, replicas: dict[int, dict]) -> None:
        for ordinal in range(self.end - 1, max(self.partition, self.start) - 1, -1):
            pod = replicas.get(ordinal)
            if pod is None:
                return  # being created: wait for it
            if _revision(pod) != self.update_rev and not _terminating(pod):
                self._delete(pod)
                return
            if not _healthy(pod):
                return

    def _delete(self, pod: dict) -> None:
        name = pod["metadata"]["name"]
        self.actions.append(base.Delete("pods", name, self.ns,
                                        preconditions={"uid": pod["metadata"]["uid"]}))
        self.event("Normal", "SuccessfulDelete",
                   f"delete Pod {name} in StatefulSet {self.name} successful")

    def _create(self, ordinal: int) -> bool:
        """Create the pod of ``ordinal`` (after its claims); False if a claim is going away."""
        name = f"{self.name}-{ordinal}"
        if not self._ensure_claims(ordinal, None):
            return False
        if self.rolling and ordinal < self.partition and self.current_rev != self.update_rev:
            revision, template = self.current_rev, self._current_template()
        else:
            revision, template = self.update_rev, self.spec.get("template") or {}
        pod = podutil.pod_from_template(self.sts, template, name=name, extra_labels={
            POD_NAME_LABEL: name, POD_INDEX_LABEL: str(ordinal), REVISION_LABEL: revision})
        spec = pod["spec"]
        spec.pop("nodeName", None)
        spec["hostname"] = name
        if self.spec.get("serviceName"):
            spec["subdomain"] = self.spec["serviceName"]
        claims = [(t["metadata"]["name"], self._claim_name(t, ordinal)) for t in self._templates()]
        mine = {volume for volume, _ in claims}
        spec_volumes = [{"name": volume, "persistentVolumeClaim": {"claimName": claim}}
                        for volume, claim in claims]
        spec_volumes += [v for v in spec.get("volumes") or [] if v.get("name") not in mine]
        if spec_volumes:
            spec["volumes"] = spec_volumes
        self.actions.append(base.Create(pod))
        self.event("Normal", "SuccessfulCreate",
                   f"create Pod {name} in StatefulSet {self.name} successful")
        return True

    def _current_template(self) -> dict:
        """The current revision's template, recovered from a live pod of that revision."""
        owned = self.listers["pods"].by_index("owner", self.sts["metadata"]["uid"])
        pods = sorted((p for p in owned
                       if _revision(p) == self.current_rev and not _terminating(p)),
                      key=lambda p: parent_and_ordinal(p)[1])
        if not pods:
            return self.spec.get("template") or {}
        meta = pods[0]["metadata"]
        tmeta = {"labels": {k: v for k, v in (meta.get("labels") or {}).items()
                            if k not in _IDENTITY_LABELS}}
        if meta.get("annotations"):
            tmeta["annotations"] = dict(meta["annotations"])
        return {"metadata": tmeta, "spec": copy(pods[0].get("spec") or {})}

    def _fix_identity(self, pod: dict, ordinal: int) -> None:
        labels = pod["metadata"].get("labels") or {}
        want = {POD_NAME_LABEL: pod["metadata"]["name"], POD_INDEX_LABEL: str(ordinal)}
        if any(labels.get(k) != v for k, v in want.items()):
            self.actions.append(base.Patch("pods", pod["metadata"]["name"], self.ns, {
                "metadata": {"labels": want, "uid": pod["metadata"]["uid"]}}))

    # -- claims ---------------------------------------------------------------------
    def _templates(self) -> list[dict]:
        return [t for t in self.spec.get("volumeClaimTemplates") or []
                if (t.get("metadata") or {}).get("name")]

    def _claim_name(self, template: dict, ordinal: int) -> str:
        return f"{template['metadata']['name']}-{self.name}-{ordinal}"

    def _ensure_claims(self, ordinal: int, pod: dict | None) -> bool:
        """Create the missing claims of ``ordinal``; False if one is being deleted."""
        ok = True
        pod_name = f"{self.name}-{ordinal}"
        for template in self._templates():
            name = self._claim_name(template, ordinal)
            claim = self.listers["persistentvolumeclaims"].get(f"{self.ns}/{name}")
            if claim is not None:
                if claim["metadata"].get("deletionTimestamp"):
                    ok = False
                    self.event("Warning", "FailedCreate", f"create Pod {pod_name} in "
                               f"StatefulSet {self.name} failed error: pvc {name} is being "
                               "deleted")
                continue
            tmeta = template.get("metadata") or {}
            match = ((self.spec.get("selector") or {}).get("matchLabels")) or {}
            meta = {"name": name, "namespace": self.ns,
                    "labels": dict(tmeta.get("labels") or {}, **match)}
            if tmeta.get("annotations"):
                meta["annotations"] = dict(tmeta["annotations"])
            refs = self._claim_refs([], pod, ordinal)
            if refs:
                meta["ownerReferences"] = refs
            self.actions.append(base.Create({"apiVersion": "v1", "kind": "PersistentVolumeClaim",
                                             "metadata": meta,
                                             "spec": copy(template.get("spec") or {})}))
            self.event("Normal", "SuccessfulCreate",
                       f"create Claim {name} Pod {pod_name} in StatefulSet {self.name} success")
        return ok

    def _claim_refs(self, refs: list[dict], pod: dict | None, ordinal: int) -> list[dict]:
        """A claim's ownerReferences under the retention policy
        (updateClaimOwnerRefForSetAndPod)."""
        policy = self.spec.get("persistentVolumeClaimRetentionPolicy") or {}
        set_uid = self.sts["metadata"]["uid"]
        pod_uid = pod["metadata"]["uid"] if pod is not None else None
        out = [r for r in refs if r.get("uid") not in (set_uid, pod_uid)]
        scaled_down = not self.start <= ordinal < self.end
        if policy.get("whenScaled") == "Delete" and scaled_down and pod is not None:
            out.append({"apiVersion": "v1", "kind": "Pod", "name": pod["metadata"]["name"],
                        "uid": pod_uid})
        elif policy.get("whenDeleted") == "Delete":
            out.append({"apiVersion": "apps/v1", "kind": "StatefulSet", "name": self.name,
                        "uid": set_uid})
        return out

    def _fix_claim_owners(self, pod: dict, ordinal: int) -> None:
        for template in self._templates():
            claim = self.listers["persistentvolumeclaims"].get(
                f"{self.ns}/{self._claim_name(template, ordinal)}")
            if claim is None:
                continue
            refs = list(claim["metadata"].get("ownerReferences") or [])
            want = self._claim_refs(refs, pod, ordinal)
            if [r.get("uid") for r in want] != [r.get("uid") for r in refs]:
                self.actions.append(base.Patch(
                    "persistentvolumeclaims", claim["metadata"]["name"], self.ns,
                    {"metadata": {"ownerReferences": want or None,
                                  "uid": claim["metadata"]["uid"]}}))

    # -- status ---------------------------------------------------------------------
    def _status(self, pods: list[dict]) -> None:
        old = self.sts.get("status") or {}
        ready = [p for p in pods if _phase(p) == "Running" and podutil.is_ready(p)]
        live = [p for p in pods if not _terminating(p)]
        status = {"observedGeneration": self.sts["metadata"].get("generation", 1),
                  "replicas": len(pods),
                  "readyReplicas": len(ready),
                  "currentReplicas": sum(1 for p in live if _revision(p) == self.current_rev),
                  "updatedReplicas": sum(1 for p in live if _revision(p) == self.update_rev),
                  "availableReplicas": sum(1 for p in ready
                                           if _available(p, self.min_ready, self.now)),
                  "currentRevision": self.current_rev, "updateRevision": self.update_rev,
                  "collisionCount": self.collisions}
        wanted = int((self.sts.get("spec") or {}).get("replicas", 1) or 0)
        if self.rolling and status["updatedReplicas"] == status["replicas"] == \
                status["readyReplicas"] == wanted:
            # completeRollingUpdate: the update revision becomes the current one -- only
            # with every wanted pod there (not while a replaced pod awaits its successor).
            status["currentRevision"] = self.update_rev
            status["currentReplicas"] = status["updatedReplicas"]
        new = {k: v for k, v in dict(old, **status).items()
               if v or k not in ("readyReplicas", "currentReplicas", "updatedReplicas")}
        if new != old:
            self.actions.insert(0, base.Update(dict(self.sts, status=new), subresource="status"))
        waits = [w for p in ready
                 if (w := podutil.seconds_until_available(p, self.min_ready, self.now))]
        if waits:
            self.actions.append(base.Requeue(min(waits) + 0.001))

