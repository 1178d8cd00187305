"""The Job controller and the TTL-after-finished controller (batch/v1).

A Job runs pods until ``completions`` of them succeeded (with no
``completions``: until one succeeded and none is left running), never more
than ``parallelism`` at once nor more than the completions still missing.

**Each finished pod is counted once**, as kube-controller-manager does it
since 1.26: every pod carries the ``batch.kubernetes.io/job-tracking``
finalizer, and three level-triggered steps, each a write the next sync sees
(manager.py), move a finished pod into the counters: (1) its uid is recorded
in ``status.uncountedTerminatedPods``; (2) a pod the *stored* status lists
loses its finalizer; (3) a listed uid whose pod has no finalizer (or is gone)
moves into ``status.succeeded`` / ``failed``.  A crash or conflict between
steps repeats a step, never a count.  Indexed Jobs record successes as
``status.completedIndexes``, idempotent by itself.  Pods of deleted or
finished Jobs, and orphans (``orphan-pod:`` keys, client-go's orphan queue),
lose the finalizer.

``failed > backoffLimit`` (restartPolicy OnFailure: container restarts of
live pods count too) or ``activeDeadlineSeconds`` past ``status.startTime``
fail the Job.  As in 1.31+, the outcome is first an interim condition
(``FailureTarget`` / ``SuccessCriteriaMet``); ``Failed`` / ``Complete``
follow once every pod was counted and none is terminating.  A failed pod is
replaced after the pod-failure back-off, 10 s doubling per failure since the
last success, capped at 10 min (job_controller.go's constant; the docs still
say 6), read from the pods themselves so it survives a restart.

Pod names look generated (``<job>-xxxxx``, Indexed ``<job>-<i>-xxxxx``) but
are drawn from the Job's uid, so ``sync`` stays deterministic and the
SuccessfulCreate event can name the pod; ``generateName`` is still set.
Not modelled: ``podFailurePolicy`` rules, ``successPolicy``,
``backoffLimitPerIndex``, ``managedBy``.
"""

from __future__ import annotations

import random
from typing import Iterable

from .. import clock as clockmod
from ..api import names, selectors
from ..machinery import by_namespace, by_owner_uid, copy, key_of, split_key
from . import base, podutil

TRACKING_FINALIZER = "batch.kubernetes.io/job-tracking"
COMPLETION_INDEX = "batch.kubernetes.io/job-completion-index"
POD_FAILURE_BACKOFF = 10.0       # DefaultJobPodFailureBackOff
MAX_POD_FAILURE_BACKOFF = 600.0  # MaxJobPodFailureBackOff
MAX_UNCOUNTED_PODS = 500         # uids recorded per sync, as MaxUncountedPods
BURST = 500                      # MaxPodCreateDeletePerSync
ORPHAN = "orphan-pod:"           # key prefix: a pod whose tracking finalizer may go
_MAX_GENERATED_BASE = 58         # 63 minus the 5 random characters

_COMPLETIONS = ("CompletionsReached", "Reached expected number of succeeded pods")
_BACKOFF = ("BackoffLimitExceeded", "Job has reached the specified backoff limit")
_DEADLINE = ("DeadlineExceeded", "Job was active longer than specified deadline")


# -- small facts about jobs and pods ---------------------------------------------------

def condition(job: dict, ctype: str) -> dict | None:
    for cond in (job.get("status") or {}).get("conditions") or []:
        if cond.get("type") == ctype and cond.get("status") == "True":
            return cond
    return None


def is_finished(job: dict) -> bool:
    return bool(condition(job, "Complete") or condition(job, "Failed"))


def _new_condition(ctype: str, status: str, reason: str, message: str, now: float) -> dict:
    stamp = clockmod.rfc3339(now)
    return {"type": ctype, "status": status, "lastProbeTime": stamp,
            "lastTransitionTime": stamp, "reason": reason, "message": message}


def _has_finalizer(pod: dict) -> bool:
    return TRACKING_FINALIZER in ((pod.get("metadata") or {}).get("finalizers") or [])


def _uid(obj: dict) -> str:
    return obj["metadata"]["uid"]


def _phase(pod: dict) -> str:
    return (pod.get("status") or {}).get("phase") or ""


def _terminating(pod: dict) -> bool:
    return bool(pod["metadata"].get("deletionTimestamp")) and \
        _phase(pod) not in ("Succeeded", "Failed")


def completion_index(pod: dict) -> int | None:
    text = ((pod.get("metadata") or {}).get("annotations") or {}).get(COMPLETION_INDEX)
    return int(text) if text is not None and text.isdigit() else None


def finish_time(pod: dict) -> float:
    """When a pod finished: its containers' last finishedAt, else when it became not
    Ready, else its deletion minus the grace period, else its creation (backoff_utils.go)."""
    meta, status = pod.get("metadata") or {}, pod.get("status") or {}
    ends = [((cs.get("state") or {}).get("terminated") or {}).get("finishedAt")
            for cs in status.get("containerStatuses") or []]
    if ends and all(ends):
        return max(clockmod.parse_rfc3339(t) for t in ends)
    cond = podutil.ready_condition(pod)
    if cond and cond.get("status") == "False" and cond.get("lastTransitionTime"):
        return clockmod.parse_rfc3339(cond["lastTransitionTime"])
    if meta.get("deletionTimestamp"):
        return clockmod.parse_rfc3339(meta["deletionTimestamp"]) - \
            float(meta.get("deletionGracePeriodSeconds") or 0)
    return clockmod.parse_rfc3339(meta["creationTimestamp"]) \
        if meta.get("creationTimestamp") else 0.0


def format_indexes(indexes: Iterable[int]) -> str:
    """``[0, 1, 2, 4]`` -> ``"0-2,4"`` (status.completedIndexes)."""
    runs: list[list[int]] = []
    for ix in sorted(set(indexes)):
        if runs and runs[-1][1] == ix - 1:
            runs[-1][1] = ix
        else:
            runs.append([ix, ix])
    return ",".join(str(a) if a == b else f"{a}-{b}" for a, b in runs)


def parse_indexes(text: str | None, completions: int) -> set[int]:
    """``"0-2,4"`` -> ``{0, 1, 2, 4}``, dropping indexes >= ``completions``."""
    out: set[int] = set()
    for part in (text or "").split(","):
        first, _, last = part.strip().partition("-")
        if not first.isdigit() or (last and not last.isdigit()):
            continue
        out.update(range(int(first), min(int(last or first), completions - 1) + 1))
    return out


def _remove_finalizer(pod: dict) -> base.Action:
    return base.Patch("pods", pod["metadata"]["name"], pod["metadata"].get("namespace"),
                      {"metadata": {"$deleteFromPrimitiveList/finalizers": [TRACKING_FINALIZER]}},
                      patch_type="strategic")


# -- the Job controller ---------------------------------------------------------------

class JobController:
    name = "job"

    def __init__(self) -> None:
        self.watches = {"jobs": {"namespace": by_namespace},
                        "pods": {"namespace": by_namespace, "owner": by_owner_uid}}

    def keys_for(self, resource: str, obj: dict, listers: base.Listers) -> Iterable[str]:
        if resource == "jobs":
            return [key_of(obj)]
        ref = base.controller_ref(obj)
        orphan = [ORPHAN + key_of(obj)] if _has_finalizer(obj) else []
        if ref is not None:
            if ref.get("kind") != "Job":
                return []
            key = base.owner_keys(obj, "Job")[0]
            job = listers["jobs"].get(key)
            return [key] if job is not None and _uid(job) == ref.get("uid") else orphan
        ns = obj["metadata"].get("namespace", "")
        labels = obj["metadata"].get("labels") or {}
        return orphan + [key_of(j) for j in listers["jobs"].by_index("namespace", ns)
                         if _selector(j).matches(labels) and not is_finished(j)]

    def sync(self, key: str, listers: base.Listers, now: float) -> list[base.Action]:
        if key.startswith(ORPHAN):
            return self._sync_orphan(key[len(ORPHAN):], listers)
        job = listers["jobs"].get(key)
        ns, name = split_key(key)
        if job is None:
            # Deleted: its pods keep no finalizer (the garbage collector removes them).
            return [_remove_finalizer(p) for p in listers["pods"].by_index("namespace", ns)
                    if _has_finalizer(p) and (ref := base.controller_ref(p)) is not None
                    and ref.get("kind") == "Job" and ref.get("name") == name]
        pods, actions = _claim_pods(job, listers)
        if is_finished(job):
            return actions + [_remove_finalizer(p) for p in pods if _has_finalizer(p)]
        mode = (job.get("spec") or {}).get("completionMode") or "NonIndexed"
        if mode not in ("NonIndexed", "Indexed"):
            return actions + [base.Event(job, "Warning", "UnknownCompletionMode",
                                         "Skipped Job sync because completion mode is unknown")]
        return actions + _JobSync(job, pods, listers, now).run()

    def _sync_orphan(self, pod_key: str, listers: base.Listers) -> list[base.Action]:
        pod = listers["pods"].get(pod_key)
        if pod is None or not _has_finalizer(pod):
            return []
        ref = base.controller_ref(pod)
        if ref is not None:
            if ref.get("kind") != "Job":
                return []
            job = listers["jobs"].get(base.owner_keys(pod, "Job")[0])
            if job is not None and _uid(job) == ref.get("uid") and not is_finished(job):
                return []  # its Job counts it
        return [_remove_finalizer(pod)]


def _selector(job: dict) -> selectors.Selector:
    return selectors.from_label_selector((job.get("spec") or {}).get("selector"))


def _claim_pods(job: dict, listers: base.Listers) -> tuple[list[dict], list[base.Action]]:
    """The Job's pods; matching orphans are adopted (with the tracking finalizer)
    and owned pods whose labels stopped matching are released."""
    uid, ns = _uid(job), job["metadata"].get("namespace", "")
    sel = _selector(job)
    deleting = bool(job["metadata"].get("deletionTimestamp"))
    pods, actions = [], []
    for pod in listers["pods"].by_index("namespace", ns):
        meta = pod["metadata"]
        ref = base.controller_ref(pod)
        matches = sel.matches(meta.get("labels") or {})
        if ref is not None and ref.get("uid") == uid:
            if matches:
                pods.append(pod)
            elif not deleting:
                refs = [r for r in meta.get("ownerReferences") or [] if r.get("uid") != uid]
                actions.append(base.Patch("pods", meta["name"], ns, {"metadata": {
                    "ownerReferences": refs or None, "uid": meta["uid"]}}))
        elif ref is None and matches and not deleting and not meta.get("deletionTimestamp"):
            actions.append(base.Patch("pods", meta["name"], ns, {"metadata": {
                "ownerReferences": [base.owner_reference(job)],
                "finalizers": [TRACKING_FINALIZER], "uid": meta["uid"]}},
                patch_type="strategic"))
            adopted = copy(pod)
            adopted["metadata"]["finalizers"] = list(meta.get("finalizers") or []) + \
                [TRACKING_FINALIZER]
            pods.append(adopted)
    return pods, actions


class _JobSync:
    """One sync of one Job (job_controller.go's syncJobCtx and the steps over it)."""

    def __init__(self, job: dict, pods: list[dict], listers: base.Listers, now: float):
        self.job, self.pods, self.listers, self.now = job, pods, listers, now
        self.spec = job.get("spec") or {}
        self.status = copy(job.get("status") or {})
        self.actions: list[base.Action] = []
        self.taken: set[str] = set()   # pod names chosen in this sync
        self.indexed = self.spec.get("completionMode") == "Indexed"
        self.completions = self.spec.get("completions")
        self.suspended = bool(self.spec.get("suspend"))
        # Pods only count as failed once terminal (podReplacementPolicy Failed).
        self.only_failed = self.spec.get("podReplacementPolicy") == "Failed" or \
            self.spec.get("podFailurePolicy") is not None
        uncounted = self.status.get("uncountedTerminatedPods") or {}
        self.u_succeeded = list(uncounted.get("succeeded") or [])
        self.u_failed = list(uncounted.get("failed") or [])

    def failed(self, pod: dict) -> bool:
        if _phase(pod) == "Failed":
            return True
        return not self.only_failed and bool(pod["metadata"].get("deletionTimestamp")) \
            and _phase(pod) != "Succeeded"

    def valid_index(self, pod: dict) -> bool:
        ix = completion_index(pod)
        return not self.indexed or (ix is not None and ix < int(self.completions or 0))

    # -- the sync ----------------------------------------------------------------
    def run(self) -> list[base.Action]:
        status, now = self.status, self.now
        listed = set(self.u_succeeded) | set(self.u_failed)
        fresh = [p for p in self.pods if _has_finalizer(p) and _uid(p) not in listed
                 and self.valid_index(p)]
        succeeded = int(status.get("succeeded") or 0) + len(self.u_succeeded) + \
            sum(1 for p in fresh if _phase(p) == "Succeeded")
        failed = int(status.get("failed") or 0) + len(self.u_failed) + \
            sum(1 for p in fresh if self.failed(p))
        if not status.get("startTime") and not self.suspended:
            status["startTime"] = clockmod.rfc3339(now)
        active_pods = [p for p in self.pods if podutil.is_active(p)]
        self.terminating = sum(1 for p in self.pods if _terminating(p))
        self.ready = sum(1 for p in active_pods if podutil.is_ready(p))

        finished: tuple[str, str, str] | None = None   # (condition type, reason, message)
        if (cond := condition(self.job, "SuccessCriteriaMet")) is not None:
            finished = ("SuccessCriteriaMet", cond.get("reason", ""), cond.get("message", ""))
        elif (cond := condition(self.job, "FailureTarget")) is not None:
            finished = ("Failed", cond.get("reason", ""), cond.get("message", ""))
        elif failed > int(self.spec.get("backoffLimit", 6)) or self._restarts_exceed_limit():
            finished = ("FailureTarget",) + _BACKOFF
        elif (left := self._deadline_left()) is not None:
            if left <= 0:
                finished = ("FailureTarget",) + _DEADLINE
            else:
                self.actions.append(base.Requeue(left))
        self.prev_indexes: set[int] = set()
        if self.indexed:
            total = int(self.completions or 0)
            self.prev_indexes = parse_indexes(status.get("completedIndexes"), total)
            self.indexes = self.prev_indexes | {
                completion_index(p) for p in fresh if _phase(p) == "Succeeded"}
            succeeded = len(self.indexes)

        active = len(active_pods)
        if finished is not None:
            active -= self._delete(active_pods, keep_finalizer=True)
        else:
            if not self.job["metadata"].get("deletionTimestamp"):
                active = self._manage(active_pods, succeeded)
                self._suspend_conditions()
            if self.completions is None:
                done = succeeded > 0 and active == 0
            else:
                done = succeeded >= int(self.completions) and active == 0
            if done:
                finished = ("SuccessCriteriaMet",) + _COMPLETIONS
        _put(status, "active", active)
        status["ready"] = self.ready
        status["terminating"] = self.terminating
        self._track(finished)
        if status != (self.job.get("status") or {}):
            self.actions.insert(0, base.Update(dict(self.job, status=status), "status"))
        return self.actions

    def _restarts_exceed_limit(self) -> bool:
        """restartPolicy OnFailure: the kubelet's restarts of live pods are failures too."""
        if ((self.spec.get("template") or {}).get("spec") or {}).get("restartPolicy") \
                != "OnFailure":
            return False
        restarts = sum(int(c.get("restartCount") or 0) for p in self.pods
                       if _phase(p) in ("Running", "Pending")
                       for c in ((p.get("status") or {}).get("initContainerStatuses") or []) +
                       ((p.get("status") or {}).get("containerStatuses") or []))
        limit = int(self.spec.get("backoffLimit", 6))
        return restarts > 0 if limit == 0 else restarts >= limit

    def _deadline_left(self) -> float | None:
        ads, start = self.spec.get("activeDeadlineSeconds"), self.status.get("startTime")
        if ads is None or not start or self.suspended:
            return None
        return clockmod.parse_rfc3339(start) + int(ads) - self.now

    # -- pods ----------------------------------------------------------------------
    def _manage(self, active_pods: list[dict], succeeded: int) -> int:
        active = len(active_pods)
        if self.suspended:
            return active - self._delete(active_pods, keep_finalizer=False)
        parallelism = int(self.spec.get("parallelism", 1))
        if self.completions is None:
            want = active if succeeded > 0 else parallelism
        else:
            want = max(0, min(int(self.completions) - succeeded, parallelism))
        if active > want:
            victims = self._for_removal(active_pods, active - want)[:BURST]
            return active - self._delete(victims, keep_finalizer=False)
        diff = want - active - (self.terminating if self.only_failed else 0)
        if diff <= 0:
            return active
        wait = self._backoff_left()
        if wait > 0:
            self.actions.append(base.Requeue(max(wait, 1.0)))
            return active
        slots: list[int | None] = [None] * min(diff, BURST)
        if self.indexed:
            busy = {completion_index(p) for p in active_pods}
            slots = [i for i in range(int(self.completions or 0))
                     if i not in self.indexes and i not in busy][:len(slots)]
        for ix in slots:
            self._create(ix)
        return active + len(slots)

    def _backoff_left(self) -> float:
        ends = [(finish_time(p), _phase(p) == "Succeeded") for p in self.pods
                if _phase(p) == "Succeeded" or self.failed(p)]
        last_success = max((t for t, ok in ends if ok), default=float("-inf"))
        failures = [t for t, ok in ends if not ok and t > last_success]
        if not failures:
            return 0.0
        delay = min(POD_FAILURE_BACKOFF * 2 ** min(len(failures) - 1, 32),
                    MAX_POD_FAILURE_BACKOFF)
        return max(0.0, delay - (self.now - max(failures)))

    def _for_removal(self, active_pods: list[dict], count: int) -> list[dict]:
        """Invalid and duplicate indexes first, then Kubernetes' deletion order."""
        remove, keep = [], []
        if self.indexed:
            best: dict[int, dict] = {}
            for pod in sorted(active_pods, key=podutil.deletion_rank):
                ix = completion_index(pod)
                if ix is None or ix >= int(self.completions or 0):
                    remove.append(pod)
                else:
                    if ix in best:
                        remove.append(best[ix])
                    best[ix] = pod
            keep = list(best.values())
        else:
            keep = list(active_pods)
        keep.sort(key=podutil.deletion_rank)
        return remove + keep[:max(0, count - len(remove))]

    def _delete(self, pods: list[dict], keep_finalizer: bool) -> int:
        """Delete ``pods``; without their finalizer (first) they are never counted."""
        for pod in pods:
            meta = pod["metadata"]
            if not keep_finalizer and _has_finalizer(pod):
                self.actions.append(_remove_finalizer(pod))
            self.actions.append(base.Delete("pods", meta["name"], meta.get("namespace"),
                                            preconditions={"uid": meta["uid"]}))
            self.actions.append(base.Event(self.job, "Normal", "SuccessfulDelete",
                                           f"Deleted pod: {meta['name']}"))
            self.terminating += 1
            self.ready -= 1 if podutil.is_ready(pod) else 0
        return len(pods)

    def _create(self, index: int | None) -> None:
        job_name, uid = self.job["metadata"]["name"], _uid(self.job)
        template = copy(self.spec.get("template") or {})
        prefix = f"{job_name}-"
        if index is not None:
            suffix = f"-{index}-"
            prefix = f"{job_name}{suffix}"
            if len(prefix) > _MAX_GENERATED_BASE:
                prefix = prefix[:_MAX_GENERATED_BASE - len(suffix)] + suffix
            for c in ((template.get("spec") or {}).get("containers") or []) + \
                    ((template.get("spec") or {}).get("initContainers") or []):
                env = c.setdefault("env", [])
                if not any(e.get("name") == "JOB_COMPLETION_INDEX" for e in env):
                    env.append({"name": "JOB_COMPLETION_INDEX", "valueFrom": {"fieldRef": {
                        "fieldPath": f"metadata.annotations['{COMPLETION_INDEX}']"}}})
        ns = self.job["metadata"].get("namespace", "default")
        n = 0
        while True:  # a generated name, but a deterministic one (see the module doc)
            name = names.generate_name(prefix, rng=random.Random(f"{uid}/{prefix}/{n}"))
            if f"{ns}/{name}" not in self.listers["pods"] and name not in self.taken:
                break
            n += 1
        self.taken.add(name)
        pod = podutil.pod_from_template(self.job, template, name=name)
        meta = pod["metadata"]
        meta["generateName"] = prefix
        meta["finalizers"] = list(meta.get("finalizers") or []) + [TRACKING_FINALIZER]
        if index is not None:
            meta.setdefault("annotations", {})[COMPLETION_INDEX] = str(index)
            meta["labels"][COMPLETION_INDEX] = str(index)
            pod["spec"]["hostname"] = f"{job_name}-{index}"
        self.actions.append(base.Create(pod))
        self.actions.append(base.Event(self.job, "Normal", "SuccessfulCreate",
                                       f"Created pod: {name}"))

    # -- conditions and counting ---------------------------------------------------
    def _suspend_conditions(self) -> None:
        if self.suspended:
            changed = self._ensure("Suspended", "True", "JobSuspended", "Job suspended")
            if changed:
                self.actions.append(base.Event(self.job, "Normal", "Suspended", "Job suspended"))
        elif self._ensure("Suspended", "False", "JobResumed", "Job resumed"):
            self.actions.append(base.Event(self.job, "Normal", "Resumed", "Job resumed"))
            # The deadline counts continuous activity: it restarts on resume.
            self.status["startTime"] = clockmod.rfc3339(self.now)

    def _ensure(self, ctype: str, status: str, reason: str, message: str) -> bool:
        """ensureJobConditionStatus: set a condition; a missing one is not added as False."""
        conds = self.status.get("conditions") or []
        for i, cond in enumerate(conds):
            if cond.get("type") == ctype:
                if (cond.get("status"), cond.get("reason"), cond.get("message")) == \
                        (status, reason, message):
                    return False
                conds[i] = _new_condition(ctype, status, reason, message, self.now)
                return True
        if status == "False":
            return False
        self.status["conditions"] = conds + [
            _new_condition(ctype, status, reason, message, self.now)]
        return True

    def _track(self, finished: tuple[str, str, str] | None) -> None:
        """Steps 1-3 of the module doc, then the terminal condition if it is due."""
        status = self.status
        listed = set(self.u_succeeded) | set(self.u_failed)
        failing = finished is not None and finished[0] != "SuccessCriteriaMet"
        new_succeeded, new_failed = [], []
        waiting = False    # an Indexed success whose finalizer goes next sync
        for pod in self.pods:
            if not _has_finalizer(pod):
                continue
            if _uid(pod) in listed:
                self.actions.append(_remove_finalizer(pod))   # step 2
                continue
            if len(new_succeeded) + len(new_failed) >= MAX_UNCOUNTED_PODS:
                waiting = True
                break
            pod_failed = self.failed(pod)
            removable = finished is not None or _phase(pod) == "Succeeded" or pod_failed or \
                bool(self.job["metadata"].get("deletionTimestamp"))
            if not removable:
                continue
            if not self.valid_index(pod):
                self.actions.append(_remove_finalizer(pod))   # never counted
            elif _phase(pod) == "Succeeded":
                if not self.indexed:
                    new_succeeded.append(_uid(pod))            # step 1
                elif completion_index(pod) in self.prev_indexes:
                    self.actions.append(_remove_finalizer(pod))
                else:
                    waiting = True                             # its index is new
            elif pod_failed or failing:
                new_failed.append(_uid(pod))                   # step 1
            else:
                self.actions.append(_remove_finalizer(pod))   # removed, not finished
        with_finalizer = {_uid(p) for p in self.pods if _has_finalizer(p)}
        kept_s = [u for u in self.u_succeeded if u in with_finalizer]
        kept_f = [u for u in self.u_failed if u in with_finalizer]
        if self.indexed:
            status["completedIndexes"] = format_indexes(self.indexes)
            if not status["completedIndexes"]:
                status.pop("completedIndexes")
            _put(status, "succeeded", len(self.indexes))
        else:                                                  # step 3
            _put(status, "succeeded", int(status.get("succeeded") or 0) +
                 len(self.u_succeeded) - len(kept_s))
        _put(status, "failed", int(status.get("failed") or 0) + len(self.u_failed) - len(kept_f))
        uncounted = {}
        if kept_s + new_succeeded:
            uncounted["succeeded"] = kept_s + new_succeeded
        if kept_f + new_failed:
            uncounted["failed"] = kept_f + new_failed
        status["uncountedTerminatedPods"] = uncounted
        if finished is None:
            return
        ctype, reason, message = finished
        if ctype in ("FailureTarget", "SuccessCriteriaMet") and not condition(self.job, ctype):
            status.setdefault("conditions", []).append(
                _new_condition(ctype, "True", reason, message, self.now))
        final = "Complete" if ctype == "SuccessCriteriaMet" else "Failed"
        if uncounted or waiting or self.terminating > 0:
            return  # the terminal condition waits until every pod is counted and gone
        status.setdefault("conditions", []).append(
            _new_condition(final, "True", reason, message, self.now))
        if final == "Complete":
            status["completionTime"] = clockmod.rfc3339(self.now)
            self.actions.append(base.Event(self.job, "Normal", "Completed", "Job completed"))
        else:
            self.actions.append(base.Event(self.job, "Warning", reason, message))


def _put(status: dict, key: str, value: int) -> None:
    """Counters are omitted when zero, as Go's ``omitempty`` does."""
    if value:
        status[key] = value
    else:
        status.pop(key, None)


# -- TTL after finished -------------------------------------------------------------------

class TTLAfterFinishedController:
    """Deletes a finished Job (background propagation) ``ttlSecondsAfterFinished``
    after its completion (or failure) time, re-queuing itself until then."""

    name = "ttl-after-finished"

    def __init__(self) -> None:
        self.watches = {"jobs": {"namespace": by_namespace}}

    def keys_for(self, resource: str, obj: dict, listers: base.Listers) -> Iterable[str]:
        spec = obj.get("spec") or {}
        return [key_of(obj)] if spec.get("ttlSecondsAfterFinished") is not None else []

    def sync(self, key: str, listers: base.Listers, now: float) -> list[base.Action]:
        job = listers["jobs"].get(key)
        if job is None or job["metadata"].get("deletionTimestamp"):
            return []
        ttl = (job.get("spec") or {}).get("ttlSecondsAfterFinished")
        cond = condition(job, "Complete") or condition(job, "Failed")
        if ttl is None or cond is None:
            return []
        finished_at = (job.get("status") or {}).get("completionTime") or \
            cond.get("lastTransitionTime")
        if not finished_at:
            return []
        left = clockmod.parse_rfc3339(finished_at) + int(ttl) - now
        if left > 0:
            return [base.Requeue(left)]
        ns, name = split_key(key)
        return [base.Delete("jobs", name, ns, propagation_policy="Background",
                            preconditions={"uid": _uid(job)})]
