"""The Deployment controller: ReplicaSets per pod template, rolled like Kubernetes.

A Deployment owns ReplicaSets named ``<deployment>-<pod-template-hash>``
(rollout.py holds the arithmetic, deploystatus.py the status and conditions).
The one whose template equals the Deployment's is the *new* ReplicaSet; the
others are *old*.  Each sync follows kube-controller-manager's ``syncDeployment``:

1. claim ReplicaSets: adopt matching orphans, release owned ones whose labels
   stopped matching the selector;
2. a terminating Deployment only reports status;
3. record the DeploymentPaused / DeploymentResumed Progressing condition;
4. paused, or a *scaling event* (an active ReplicaSet's desired-replicas
   annotation differs from ``spec.replicas``): resize the ReplicaSets,
   proportionally when more than one is active, without rolling;
5. otherwise roll: ``RollingUpdate`` (grow the new ReplicaSet up to
   replicas + maxSurge pods in all, shrink old ones while at least
   replicas - maxUnavailable stay available) or ``Recreate`` (old ones to 0,
   wait until their pods are gone, then the new one to full size);
6. when complete, delete the oldest empty old ReplicaSets beyond
   ``revisionHistoryLimit``; report status and the Available and Progressing
   conditions, with a re-queue for the progress deadline.

Kubernetes performs each write as it goes and continues with what the write
returned.  Here the sync works on copies of the ReplicaSets and turns the
final copies into actions: one Create or Update per changed ReplicaSet (so
two scale-downs of one ReplicaSet in a sync are one write), the Events, the
deletions, one status Update, and a merge patch of the Deployment's revision
annotation (kube-apiserver lets a Deployment's status update change its
annotations; the status subresource here keeps everything but status).

Pod availability with ``minReadySeconds`` is the ReplicaSet controller's to
time: it re-queues itself and its status update brings the Deployment back.
"""

from __future__ import annotations

from typing import Iterable

from ..api import errors, selectors
from ..machinery import by_namespace, by_owner_uid, key_of
from ..machinery.cache import copy
from . import base
from . import deploystatus as st
from . import rollout as ro


class _Abort(Exception):
    """Stop the sync here (a hash collision); the status written so far stands."""


class DeploymentController:
    kind = "Deployment"
    name = "deployment"

    def __init__(self) -> None:
        # Pods only for Recreate, which waits until the old ReplicaSets' pods are gone.
        self.watches = {"deployments": {"namespace": by_namespace},
                        "replicasets": {"namespace": by_namespace},
                        "pods": {"namespace": by_namespace, "owner": by_owner_uid}}

    # -- keys
    def keys_for(self, resource: str, obj: dict, listers: base.Listers) -> Iterable[str]:
        meta = obj.get("metadata") or {}
        ns = meta.get("namespace", "")
        if resource == "deployments":
            return [key_of(obj)]
        if resource == "replicasets":
            if base.controller_ref(obj) is not None:
                return base.owner_keys(obj, self.kind)
            labels = meta.get("labels") or {}
            if not labels:
                return []
            return [key_of(d) for d in listers["deployments"].by_index("namespace", ns)
                    if _matches(d, labels)]
        if resource == "pods":
            # Only Recreate waits for pods (of old ReplicaSets) to be gone.
            ref = base.controller_ref(obj)
            if ref is None or ref.get("kind") != "ReplicaSet":
                return []
            rs = listers["replicasets"].get(f"{ns}/{ref['name']}" if ns else ref["name"])
            if rs is None or rs["metadata"].get("uid") != ref.get("uid"):
                return []
            dref = base.controller_ref(rs)
            if dref is None or dref.get("kind") != self.kind:
                return []
            dkey = f"{ns}/{dref['name']}" if ns else dref["name"]
            d = listers["deployments"].get(dkey)
            if d is None or d["metadata"].get("uid") != dref.get("uid") or ro.is_rolling(d):
                return []
            return [dkey]
        return []

    # -- sync
    def sync(self, key: str, listers: base.Listers, now: float) -> list[base.Action]:
        d = listers["deployments"].get(key)
        if d is None:
            return []  # deleted: its ReplicaSets are the garbage collector's business
        return _Sync(d, listers, now).run()


def _selector(d: dict) -> selectors.Selector:
    return selectors.from_label_selector((d.get("spec") or {}).get("selector"))


def _matches(d: dict, labels: dict) -> bool:
    try:
        sel = _selector(d)
    except errors.ApiError:
        return False
    return not sel.empty and sel.matches(labels)


def _name(obj: dict) -> str:
    return obj["metadata"]["name"]


class _Sync:
    """One sync of one Deployment: working copies in, actions out."""

    def __init__(self, d: dict, listers: base.Listers, now: float):
        self.d = d
        self.listers = listers
        self.now = now
        self.ns = d["metadata"].get("namespace", "")
        self.replicas = ro.spec_replicas(d)
        # "d.Status" as Kubernetes mutates it along the sync (paused condition,
        # new ReplicaSet condition, collisionCount); its counts stay the old ones.
        self.status: dict = copy(d.get("status") or {})
        # The status to write, once calculated.
        self.final: dict | None = None
        # The Deployment's revision annotation after this sync.
        self.revision = ro.annotations(d).get(ro.REVISION)
        # Working copies of the owned ReplicaSets (created ones included), and
        # the lister objects they were copied from, by name.
        self.rss: list[dict] = []
        self.originals: dict[str, dict] = {}
        self.created: list[str] = []
        self.touched: list[str] = []        # names in the order first changed
        self.releases: list[base.Action] = []
        self.events: list[base.Action] = []
        self.deletes: list[base.Action] = []
        self.requeue: float | None = None

    # -- driver
    def run(self) -> list[base.Action]:
        d = self.d
        sel = (d.get("spec") or {}).get("selector")
        if sel is not None and not sel.get("matchLabels") and not sel.get("matchExpressions"):
            self._event("Warning", "SelectingAll",
                        "This deployment is selecting all pods. A non-empty selector is required.")
            if int(self.status.get("observedGeneration") or 0) < self._generation():
                self.status["observedGeneration"] = self._generation()
            return self._actions()
        try:
            self._claim(_selector(d))
            if d["metadata"].get("deletionTimestamp"):
                new, old = self._get_all(False)
                self._sync_status(old + [new], new)
            else:
                self._check_paused_conditions()
                if self._paused() or self._is_scaling_event():
                    self._sync_scale()
                elif ro.is_rolling(d):
                    self._rollout_rolling()
                else:
                    self._rollout_recreate()
        except _Abort:
            pass
        return self._actions()

    def _generation(self) -> int:
        return int(self.d["metadata"].get("generation") or 0)

    def _paused(self) -> bool:
        return bool((self.d.get("spec") or {}).get("paused"))

    # -- claiming ReplicaSets
    def _claim(self, sel: selectors.Selector) -> None:
        uid = self.d["metadata"]["uid"]
        deleting = bool(self.d["metadata"].get("deletionTimestamp"))
        for rs in self.listers["replicasets"].by_index("namespace", self.ns):
            ref = base.controller_ref(rs)
            labels = rs["metadata"].get("labels") or {}
            if ref is not None:
                if ref.get("uid") != uid:
                    continue
                if sel.matches(labels):
                    self._own(rs)
                elif not deleting:
                    self.releases.append(_release(rs, uid))
            elif not deleting and not rs["metadata"].get("deletionTimestamp") \
                    and sel.matches(labels):
                work = self._own(rs)
                refs = list(work["metadata"].get("ownerReferences") or [])
                work["metadata"]["ownerReferences"] = refs + [base.owner_reference(self.d)]
                self._touch(work)

    def _own(self, rs: dict) -> dict:
        work = copy(rs)
        self.rss.append(work)
        self.originals[_name(rs)] = rs
        return work

    def _touch(self, rs: dict) -> None:
        if _name(rs) not in self.touched:
            self.touched.append(_name(rs))

    # -- new and old ReplicaSets, revisions
    def _get_all(self, create: bool) -> tuple[dict | None, list[dict]]:
        """getAllReplicaSetsAndSyncRevision: (new or None, all old)."""
        template = (self.d.get("spec") or {}).get("template")
        existing = next((rs for rs in sorted(self.rss, key=ro.by_creation)
                         if ro.equal_ignore_hash((rs.get("spec") or {}).get("template"),
                                                 template)), None)
        old = [rs for rs in self.rss if rs is not existing]
        new = self._get_new(existing, old, create)
        return new, [rs for rs in self.rss if rs is not new]

    def _get_new(self, existing: dict | None, old: list[dict], create: bool) -> dict | None:
        d = self.d
        new_revision = ro.max_revision(old) + 1
        deadline = ro.progress_deadline(d)
        if existing is not None:
            self._sync_new_annotations(existing, new_revision, exists=True)
            want = int((d.get("spec") or {}).get("minReadySeconds") or 0)
            if int(existing["spec"].get("minReadySeconds") or 0) != want:
                existing["spec"]["minReadySeconds"] = want
                self._touch(existing)
            self.revision = ro.annotations(existing).get(ro.REVISION)
            if deadline is not None and st.get_condition(self.status, "Progressing") is None:
                st.set_condition(self.status, st.new_condition(
                    "Progressing", "True", ro.FOUND_NEW_RS,
                    f'Found new replica set "{_name(existing)}"', self.now))
            return existing
        if not create:
            return None
        rs = ro.new_replicaset(d, self.status.get("collisionCount"))
        clash = self.listers["replicasets"].get(f"{self.ns}/{_name(rs)}")
        if clash is not None:
            ref = base.controller_ref(clash)
            if ref is not None and ref.get("uid") == d["metadata"]["uid"] and \
                    ro.equal_ignore_hash(clash["spec"].get("template"), d["spec"].get("template")):
                # Ours already (a cache that lagged behind the create): use it.
                found = next((w for w in self.rss if _name(w) == _name(clash)), None)
                self.revision = str(new_revision)
                return found if found is not None else self._own(clash)
            # A different template hashed to this name: bump collisionCount and retry.
            self.status["collisionCount"] = int(self.status.get("collisionCount") or 0) + 1
            raise _Abort
        count = ro.new_rs_new_replicas(d, old + [rs], rs)
        rs["spec"]["replicas"] = count
        self._sync_new_annotations(rs, new_revision, exists=False)
        self.rss.append(rs)
        self.created.append(_name(rs))
        self._touch(rs)
        if count > 0:
            self._event("Normal", "ScalingReplicaSet",
                        f"Scaled up replica set {_name(rs)} to {count}")
        self.revision = str(new_revision)
        if deadline is not None:
            st.set_condition(self.status, st.new_condition(
                "Progressing", "True", ro.NEW_RS_CREATED,
                f'Created new replica set "{_name(rs)}"', self.now))
        return rs

    def _sync_new_annotations(self, rs: dict, new_revision: int, exists: bool) -> None:
        ann = ro.new_rs_annotations(self.d, rs, new_revision, exists)
        if ann != ro.annotations(rs):
            rs["metadata"]["annotations"] = ann
            self._touch(rs)

    # -- scaling one ReplicaSet
    def _scale_rs(self, rs: dict, new_scale: int, operation: str) -> bool:
        """scaleReplicaSet: size and replica annotations; True when the size changed."""
        old = ro.spec_replicas(rs)
        want = ro.replica_annotations(self.d)
        ann = ro.annotations(rs)
        if old == new_scale and all(ann.get(k) == v for k, v in want.items()):
            return False
        rs["spec"]["replicas"] = new_scale
        rs["metadata"]["annotations"] = dict(ann, **want)
        self._touch(rs)
        if old != new_scale:
            self._event("Normal", "ScalingReplicaSet",
                        f"Scaled {operation} replica set {_name(rs)} to {new_scale} from {old}")
        return old != new_scale

    def _scale_and_record(self, rs: dict, new_scale: int) -> bool:
        old = ro.spec_replicas(rs)
        if old == new_scale:
            return False
        return self._scale_rs(rs, new_scale, "up" if old < new_scale else "down")

    # -- paused and scaling events
    def _check_paused_conditions(self) -> None:
        if ro.progress_deadline(self.d) is None:
            return
        cond = st.get_condition(self.status, "Progressing")
        if cond is not None and cond.get("reason") == ro.TIMED_OUT:
            return  # a reported lack of progress is not overwritten
        paused_recorded = cond is not None and cond.get("reason") == ro.PAUSED
        if self._paused() and not paused_recorded:
            st.set_condition(self.status, st.new_condition(
                "Progressing", "Unknown", ro.PAUSED, "Deployment is paused", self.now))
        elif not self._paused() and paused_recorded:
            st.set_condition(self.status, st.new_condition(
                "Progressing", "Unknown", ro.RESUMED, "Deployment is resumed", self.now))

    def _is_scaling_event(self) -> bool:
        new, old = self._get_all(False)
        for rs in ro.active(old + [new]):
            desired = ro.desired_replicas_annotation(rs)
            if desired is not None and desired != self.replicas:
                return True
        return False

    def _sync_scale(self) -> None:
        """sync(): resize without rolling (paused, or a scaling event)."""
        new, old = self._get_all(False)
        self._scale(new, old)
        if self._paused():
            self._cleanup(old)
        self._sync_status(old + [new], new)

    def _scale(self, new: dict | None, old: list[dict]) -> None:
        """scale(): one active ReplicaSet takes it all; several share proportionally."""
        only = ro.active_or_latest(new, old)
        if only is not None:
            self._scale_and_record(only, self.replicas)
            return
        if new is None and not old:
            return
        if ro.is_saturated(self.d, new):
            for rs in ro.active(old):
                self._scale_and_record(rs, 0)
            return
        if not ro.is_rolling(self.d):
            return
        sizes, operation = ro.proportional_sizes(self.d, ro.active(old + [new]))
        for rs, size in sizes:
            self._scale_rs(rs, size, operation)

    # -- RollingUpdate
    def _rollout_rolling(self) -> None:
        new, old = self._get_all(True)
        assert new is not None
        all_rss = old + [new]
        if self._reconcile_new(all_rss, new):
            return self._sync_rollout_status(all_rss, new)
        if self._reconcile_old(all_rss, ro.active(old), new):
            return self._sync_rollout_status(all_rss, new)
        if st.deployment_complete(self.d, self.status):
            self._cleanup(old)
        self._sync_rollout_status(all_rss, new)

    def _reconcile_new(self, all_rss: list[dict], new: dict) -> bool:
        if ro.spec_replicas(new) == self.replicas:
            return False
        if ro.spec_replicas(new) > self.replicas:
            return self._scale_and_record(new, self.replicas)
        return self._scale_and_record(new, ro.new_rs_new_replicas(self.d, all_rss, new))

    def _reconcile_old(self, all_rss: list[dict], old: list[dict], new: dict) -> bool:
        if sum(ro.spec_replicas(rs) for rs in old) == 0:
            return False
        min_available = self.replicas - ro.max_unavailable(self.d)
        new_unavailable = ro.spec_replicas(new) - ro.status_count(new, "availableReplicas")
        # Count surge pods and the new ReplicaSet's unavailable ones, so that a
        # broken new template never makes old pods go away.
        max_scaled_down = (sum(ro.spec_replicas(rs) for rs in all_rss)
                           - min_available - new_unavailable)
        if max_scaled_down <= 0:
            return False
        cleaned = self._cleanup_unhealthy(old, max_scaled_down)
        scaled = self._scale_down_old(old + [new], old, min_available)
        return cleaned + scaled > 0

    def _cleanup_unhealthy(self, old: list[dict], max_cleanup: int) -> int:
        """Scale down old ReplicaSets by their unavailable pods first (issue 16737)."""
        total = 0
        for rs in sorted(old, key=ro.by_creation):
            if total >= max_cleanup:
                break
            size = ro.spec_replicas(rs)
            available = ro.status_count(rs, "availableReplicas")
            if size == 0 or size == available:
                continue
            count = min(max_cleanup - total, size - available)
            self._scale_and_record(rs, size - count)
            total += count
        return total

    def _scale_down_old(self, all_rss: list[dict], old: list[dict], min_available: int) -> int:
        available = sum(ro.status_count(rs, "availableReplicas") for rs in all_rss)
        if available <= min_available:
            return 0
        budget = available - min_available
        total = 0
        for rs in sorted(old, key=ro.by_creation):
            if total >= budget:
                break
            size = ro.spec_replicas(rs)
            if size == 0:
                continue
            count = min(size, budget - total)
            self._scale_and_record(rs, size - count)
            total += count
        return total

    # -- Recreate
    def _rollout_recreate(self) -> None:
        new, old = self._get_all(False)
        all_rss = old + [new]
        scaled = False
        for rs in ro.active(old):
            scaled = self._scale_and_record(rs, 0) or scaled
        if scaled or self._old_pods_running(new, old):
            return self._sync_rollout_status(all_rss, new)
        if new is None:
            new, old = self._get_all(True)
            assert new is not None
            all_rss = old + [new]
        self._scale_and_record(new, self.replicas)
        if st.deployment_complete(self.d, self.status):
            self._cleanup(old)
        self._sync_rollout_status(all_rss, new)

    def _old_pods_running(self, new: dict | None, old: list[dict]) -> bool:
        """Any pod of an old ReplicaSet not yet terminal (terminating ones count)."""
        if sum(ro.status_count(rs, "replicas") for rs in old) > 0:
            return True
        pods = self.listers.get("pods")
        if pods is None:
            return False
        for rs in old:
            uid = rs["metadata"].get("uid")
            if not uid:
                continue
            for pod in pods.by_index("owner", uid):
                ref = base.controller_ref(pod)
                if ref is None or ref.get("uid") != uid:
                    continue
                if (pod.get("status") or {}).get("phase") not in ("Succeeded", "Failed"):
                    return True
        return False

    # -- revision history
    def _cleanup(self, old: list[dict]) -> None:
        limit = ro.history_limit(self.d)
        if limit is None:
            return
        cleanable = [rs for rs in old if not rs["metadata"].get("deletionTimestamp")
                     and _name(rs) not in self.created]
        diff = len(cleanable) - limit
        if diff <= 0:
            return
        for rs in sorted(cleanable, key=ro.by_revision)[:diff]:
            if _name(rs) in self.touched:
                continue  # written in this sync: its generation is about to move
            if ro.status_count(rs, "replicas") or ro.spec_replicas(rs) or \
                    int(rs["metadata"].get("generation") or 0) > \
                    ro.status_count(rs, "observedGeneration"):
                continue
            self.deletes.append(base.Delete("replicasets", _name(rs), self.ns,
                                            preconditions={"uid": rs["metadata"]["uid"]}))

    # -- status
    def _sync_status(self, all_rss: list[dict | None], new: dict | None) -> None:
        self.final = st.calculate_status(self.d, self.status, all_rss, new, self.now)

    def _sync_rollout_status(self, all_rss: list[dict | None], new: dict | None) -> None:
        self.final, self.requeue = st.rollout_status(self.d, self.status, all_rss, new,
                                                     self.now)

    # -- actions
    def _event(self, type_: str, reason: str, message: str) -> None:
        self.events.append(base.Event(self.d, type_, reason, message))

    def _actions(self) -> list[base.Action]:
        actions: list[base.Action] = list(self.releases)
        by_name = {_name(rs): rs for rs in self.rss}
        for name in self.touched:
            rs = by_name[name]
            if name in self.created:
                actions.append(base.Create(rs))
            elif rs != self.originals[name]:
                actions.append(base.Update(rs))
        actions += self.events
        actions += self.deletes
        status = self.final if self.final is not None else self.status
        if status != (self.d.get("status") or {}):
            actions.append(base.Update(dict(self.d, status=status), subresource="status"))
        if self.revision is not None and self.revision != ro.annotations(self.d).get(ro.REVISION):
            meta = self.d["metadata"]
            actions.append(base.Patch("deployments", meta["name"], meta.get("namespace"),
                                      {"metadata": {"annotations": {ro.REVISION: self.revision}}}))
        if self.requeue is not None:
            actions.append(base.Requeue(self.requeue))
        return actions


def _release(rs: dict, owner_uid: str) -> base.Action:
    refs = [r for r in rs["metadata"].get("ownerReferences") or [] if r.get("uid") != owner_uid]
    return base.Patch("replicasets", rs["metadata"]["name"], rs["metadata"].get("namespace"),
                      {"metadata": {"ownerReferences": refs or None,
                                    "uid": rs["metadata"]["uid"]}})
