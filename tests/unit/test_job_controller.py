"""The Job and TTL-after-finished sync functions over hand-built caches, and a
small simulated world that applies their actions the way the apiserver would."""

import asyncio

import pytest

from rayk8s import clock as clockmod
from rayk8s.api import patches
from rayk8s.client import AsyncClient
from rayk8s.controllers import base
from rayk8s.controllers.job import (TRACKING_FINALIZER, JobController,
                                    TTLAfterFinishedController, format_indexes, parse_indexes)
from rayk8s.controllers.manager import ControllerManager
from rayk8s.machinery import Cache, by_namespace, by_owner_uid, copy

NOW = 1_700_000_100.0
LABELS = {"batch.kubernetes.io/controller-uid": "job-uid", "batch.kubernetes.io/job-name": "pi",
          "controller-uid": "job-uid", "job-name": "pi"}


def job(completions=5, parallelism=2, backoff=6, restart="Never", mode="NonIndexed", ads=None,
        suspend=False, ttl=None, status=None):
    spec = {"completions": completions, "parallelism": parallelism, "backoffLimit": backoff,
            "completionMode": mode, "suspend": suspend,
            "podReplacementPolicy": "TerminatingOrFailed",
            "selector": {"matchLabels": {"batch.kubernetes.io/controller-uid": "job-uid"}},
            "template": {"metadata": {"labels": dict(LABELS)},
                         "spec": {"restartPolicy": restart,
                                  "containers": [{"name": "pi", "image": "perl"}]}}}
    if ads is not None:
        spec["activeDeadlineSeconds"] = ads
    if ttl is not None:
        spec["ttlSecondsAfterFinished"] = ttl
    return {"apiVersion": "batch/v1", "kind": "Job",
            "metadata": {"name": "pi", "namespace": "default", "uid": "job-uid",
                         "resourceVersion": "5", "generation": 1},
            "spec": spec, "status": status or {}}


def pod(name, phase="Running", ready=True, finalizer=True, index=None, restarts=0,
        finished_at=None, owner="job-uid"):
    meta = {"name": name, "namespace": "default", "uid": f"uid-{name}", "labels": dict(LABELS),
            "creationTimestamp": "2023-11-14T22:00:00Z",
            "ownerReferences": [{"apiVersion": "batch/v1", "kind": "Job", "name": "pi",
                                 "uid": owner, "controller": True}]}
    if finalizer:
        meta["finalizers"] = [TRACKING_FINALIZER]
    if index is not None:
        meta["annotations"] = {"batch.kubernetes.io/job-completion-index": str(index)}
    state = {"running": {}}
    if finished_at is not None:
        state = {"terminated": {"finishedAt": clockmod.rfc3339(finished_at),
                                "exitCode": 0 if phase == "Succeeded" else 1}}
    return {"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": {"nodeName": "n1"},
            "status": {"phase": phase,
                       "conditions": [{"type": "Ready", "status": "True" if ready else "False"}],
                       "containerStatuses": [{"name": "pi", "restartCount": restarts,
                                              "state": state}]}}


class World:
    """Jobs and pods in caches; applies actions as the apiserver would (finalizers
    hold deletions; a status update replaces status)."""

    def __init__(self, *jobs, pods=()):
        self.jobs = Cache({"namespace": by_namespace})
        self.pods = Cache({"namespace": by_namespace, "owner": by_owner_uid})
        for j in jobs:
            self.jobs.add(j)
        for p in pods:
            self.pods.add(p)
        self.events, self.created, self.max_active, self.rv = [], [], 0, 100

    @property
    def listers(self):
        return {"jobs": self.jobs, "pods": self.pods}

    def job(self, key="default/pi"):
        return self.jobs.get(key)

    def sync(self, ctl, now, key="default/pi"):
        actions = ctl.sync(key, self.listers, now)
        for a in actions:
            self.apply(a, now)
        active = [p for p in self.pods.list() if p["status"]["phase"] in ("Pending", "Running")
                  and not p["metadata"].get("deletionTimestamp")]
        self.max_active = max(self.max_active, len(active))
        return actions

    def apply(self, a, now):
        if isinstance(a, base.Create):
            obj = copy(a.obj)
            obj["metadata"].update(uid=f"uid-{obj['metadata']['name']}",
                                   creationTimestamp=clockmod.rfc3339(now))
            obj["status"] = {"phase": "Pending"}
            self.pods.add(obj)
            self.created.append(obj)
        elif isinstance(a, base.Update):   # a stale resourceVersion is a conflict
            assert a.obj["metadata"]["resourceVersion"] == self.job()["metadata"]["resourceVersion"]
            self.rv += 1
            meta = dict(self.job()["metadata"], resourceVersion=str(self.rv))
            self.jobs.add(dict(self.job(), metadata=meta, status=copy(a.obj["status"])))
        elif isinstance(a, base.Patch):
            old = self.pods.get(f"{a.namespace}/{a.name}")
            new = patches.apply_patch_type(old, a.patch, a.patch_type, "Pod")
            self._store(new)
        elif isinstance(a, base.Delete) and a.resource == "pods":
            p = copy(self.pods.get(f"{a.namespace}/{a.name}"))
            p["metadata"]["deletionTimestamp"] = clockmod.rfc3339(now)
            self._store(p)
        elif isinstance(a, base.Delete):
            self.jobs.delete(f"{a.namespace}/{a.name}")
        elif isinstance(a, base.Event):
            self.events.append((a.type, a.reason, a.message))

    def _store(self, p):
        meta = p["metadata"]
        if meta.get("deletionTimestamp") and not meta.get("finalizers"):
            self.pods.delete(p)
        else:
            self.pods.add(p)

    def finish(self, name, phase, now):
        """The kubelet: a container exited (0 -> Succeeded, else Failed)."""
        p = copy(self.pods.get(f"default/{name}"))
        p["status"] = pod(name, phase, ready=False, finished_at=now)["status"]
        self._store(p)

    def running(self):
        return [p["metadata"]["name"] for p in self.pods.list()
                if p["status"]["phase"] in ("Pending", "Running")
                and not p["metadata"].get("deletionTimestamp")]


def conditions(j):
    return [(c["type"], c["reason"]) for c in j["status"].get("conditions") or []]


def kinds_of(actions, cls):
    return [a for a in actions if isinstance(a, cls)]


def test_completions_5_parallelism_2_runs_to_complete():
    world, ctl, now = World(job(5, 2)), JobController(), NOW
    for _ in range(40):
        world.sync(ctl, now)
        if ("Complete", "CompletionsReached") in conditions(world.job()):
            break
        for name in world.running():
            world.finish(name, "Succeeded", now)
        now += 1
    status = world.job()["status"]
    assert world.max_active == 2
    assert len(world.created) == 5 and status["succeeded"] == 5
    assert conditions(world.job()) == [("SuccessCriteriaMet", "CompletionsReached"),
                                      ("Complete", "CompletionsReached")]
    assert status["uncountedTerminatedPods"] == {} and status.get("completionTime")
    assert not any(p["metadata"].get("finalizers") for p in world.pods.list())
    assert ("Normal", "Completed", "Job completed") in world.events
    made = world.created[0]
    assert made["metadata"]["generateName"] == "pi-" and made["metadata"]["name"].startswith("pi-")
    assert made["metadata"]["finalizers"] == [TRACKING_FINALIZER]
    assert ("Normal", "SuccessfulCreate", f"Created pod: {made['metadata']['name']}") \
        in world.events


def test_work_queue_job_is_done_when_one_succeeded_and_none_active():
    world, ctl = World(job(None, 3)), JobController()
    world.sync(ctl, NOW)
    assert len(world.created) == 3
    first, *rest = world.running()
    world.finish(first, "Succeeded", NOW)
    for _ in range(3):
        world.sync(ctl, NOW)
    assert len(world.created) == 3          # a success stops new pods
    assert world.job()["status"]["active"] == 2 and not conditions(world.job())[1:]
    for name in rest:
        world.finish(name, "Succeeded", NOW)
    for _ in range(4):
        world.sync(ctl, NOW)
    assert ("Complete", "CompletionsReached") in conditions(world.job())


def test_never_failures_are_replaced_after_backoff_then_hit_the_limit():
    world, ctl, now = World(job(1, 1, backoff=2)), JobController(), NOW
    for _ in range(60):
        world.sync(ctl, now)
        if ("Failed", "BackoffLimitExceeded") in conditions(world.job()):
            break
        for name in world.running():
            world.finish(name, "Failed", now)
        now += 5
    status = world.job()["status"]
    assert len(world.created) == 3 and status["failed"] == 3
    assert conditions(world.job()) == [("FailureTarget", "BackoffLimitExceeded"),
                                      ("Failed", "BackoffLimitExceeded")]
    assert ("Warning", "BackoffLimitExceeded", "Job has reached the specified backoff limit") \
        in world.events
    # Each pod fails at once; replacements wait 10 s, then 20 s after the failure.
    assert [clockmod.parse_rfc3339(p["metadata"]["creationTimestamp"]) - NOW
            for p in world.created] == [0, 10, 30]


@pytest.mark.parametrize("failures,wait", [(1, 10), (2, 20), (3, 40), (6, 320), (7, 600),
                                           (12, 600)])
def test_pod_failure_backoff_doubles_and_is_capped(failures, wait):
    pods = [pod(f"f{i}", "Failed", ready=False, finished_at=NOW) for i in range(failures)]
    world = World(job(20, 1, backoff=100), pods=pods)
    actions = JobController().sync("default/pi", world.listers, NOW)
    assert not kinds_of(actions, base.Create)
    assert [round(r.after) for r in kinds_of(actions, base.Requeue)] == [wait]


def test_success_resets_the_backoff():
    pods = [pod("f", "Failed", ready=False, finished_at=NOW - 50),
            pod("s", "Succeeded", ready=False, finished_at=NOW - 40)]
    world = World(job(5, 1), pods=pods)
    actions = JobController().sync("default/pi", world.listers, NOW)
    assert len(kinds_of(actions, base.Create)) == 1 and not kinds_of(actions, base.Requeue)


def test_on_failure_container_restarts_count_against_the_backoff_limit():
    world = World(job(1, 1, backoff=3, restart="OnFailure"), pods=[pod("a", restarts=3)])
    actions = world.sync(JobController(), NOW)
    assert [d.name for d in kinds_of(actions, base.Delete)] == ["a"]
    assert conditions(world.job()) == [("FailureTarget", "BackoffLimitExceeded")]
    for _ in range(3):   # the deleted pod is counted as failed, then the Job fails
        world.sync(JobController(), NOW)
    assert ("Failed", "BackoffLimitExceeded") in conditions(world.job())
    assert world.job()["status"]["failed"] == 1 and not world.pods.list()


def test_active_deadline_requeues_then_fails_the_job():
    started = {"startTime": clockmod.rfc3339(NOW - 4)}
    world = World(job(1, 1, ads=10, status=started), pods=[pod("a")])
    actions = world.sync(JobController(), NOW)
    assert [round(r.after) for r in kinds_of(actions, base.Requeue)] == [6]
    actions = world.sync(JobController(), NOW + 6)
    assert [d.name for d in kinds_of(actions, base.Delete)] == ["a"]
    for _ in range(3):
        world.sync(JobController(), NOW + 7)
    assert conditions(world.job()) == [("FailureTarget", "DeadlineExceeded"),
                                      ("Failed", "DeadlineExceeded")]
    assert ("Warning", "DeadlineExceeded", "Job was active longer than specified deadline") \
        in world.events


def test_indexed_job_pods_and_completed_indexes():
    world, ctl = World(job(5, 3, mode="Indexed")), JobController()
    world.sync(ctl, NOW)
    made = {p["metadata"]["annotations"]["batch.kubernetes.io/job-completion-index"]: p
            for p in world.created}
    assert sorted(made) == ["0", "1", "2"]
    p1 = made["1"]
    assert p1["metadata"]["name"].startswith("pi-1-") and p1["metadata"]["generateName"] == "pi-1-"
    assert p1["metadata"]["labels"]["batch.kubernetes.io/job-completion-index"] == "1"
    assert p1["spec"]["hostname"] == "pi-1"
    assert p1["spec"]["containers"][0]["env"][0]["name"] == "JOB_COMPLETION_INDEX"
    for ix in ("0", "2"):
        world.finish(made[ix]["metadata"]["name"], "Succeeded", NOW)
    for _ in range(3):
        world.sync(ctl, NOW)
    status = world.job()["status"]
    assert status["completedIndexes"] == "0,2" and status["succeeded"] == 2
    running = {p["metadata"]["annotations"]["batch.kubernetes.io/job-completion-index"]
               for p in world.pods.list() if p["status"]["phase"] == "Pending"}
    assert running == {"1", "3", "4"}
    for name in world.running():
        world.finish(name, "Succeeded", NOW)
    for _ in range(5):
        world.sync(ctl, NOW)
        if ("Complete", "CompletionsReached") in conditions(world.job()):
            break
    # Complete only once every pod was counted: no finalizer is left behind.
    assert world.job()["status"]["completedIndexes"] == "0-4"
    assert ("Complete", "CompletionsReached") in conditions(world.job())
    assert not any(p["metadata"].get("finalizers") for p in world.pods.list())


@pytest.mark.parametrize("indexes,text", [([], ""), ([0, 1, 2, 4], "0-2,4"), ([3], "3"),
                                          ([5, 1, 2, 7, 8], "1-2,5,7-8")])
def test_completed_indexes_format_round_trips(indexes, text):
    assert format_indexes(indexes) == text
    assert parse_indexes(text, 100) == set(indexes)


def test_a_finished_pod_is_counted_once():
    # "a" was recorded and lost its finalizer: it moves into the counter.
    # "b" is recorded but still has its finalizer: it is only patched.
    # "c" has no finalizer and is not recorded: it was counted long ago.
    status = {"succeeded": 1, "uncountedTerminatedPods": {"succeeded": ["uid-a", "uid-b"]}}
    pods = [pod("a", "Succeeded", finalizer=False), pod("b", "Succeeded"),
            pod("c", "Succeeded", finalizer=False)]
    world = World(job(10, 1, status=status), pods=pods)
    actions = JobController().sync("default/pi", world.listers, NOW)
    [update] = kinds_of(actions, base.Update)
    assert update.obj["status"]["succeeded"] == 2
    assert update.obj["status"]["uncountedTerminatedPods"] == {"succeeded": ["uid-b"]}
    assert [p.name for p in kinds_of(actions, base.Patch)] == ["b"]


def test_suspend_deletes_active_pods_uncounted_and_sets_the_condition():
    world = World(job(5, 2, suspend=True), pods=[pod("a"), pod("b")])
    actions = world.sync(JobController(), NOW)
    assert sorted(d.name for d in kinds_of(actions, base.Delete)) == ["a", "b"]
    assert conditions(world.job()) == [("Suspended", "JobSuspended")]
    assert "startTime" not in world.job()["status"] and not world.pods.list()
    assert ("Normal", "Suspended", "Job suspended") in world.events
    assert not world.job()["status"].get("failed")


def test_orphans_and_pods_of_deleted_jobs_lose_the_finalizer():
    ctl = JobController()
    world = World(pods=[pod("a"), pod("o", owner="gone-uid")])
    assert [p.name for p in ctl.sync("default/pi", world.listers, NOW)] == ["a", "o"]
    world = World(job(), pods=[pod("o", owner="other-uid")])
    assert list(ctl.keys_for("pods", world.pods.get("default/o"), world.listers)) == \
        ["orphan-pod:default/o"]
    assert [p.name for p in ctl.sync("orphan-pod:default/o", world.listers, NOW)] == ["o"]


def test_ttl_after_finished_requeues_then_deletes_in_background():
    done = {"conditions": [{"type": "Complete", "status": "True",
                            "lastTransitionTime": clockmod.rfc3339(NOW - 4)}],
            "completionTime": clockmod.rfc3339(NOW - 4)}
    world = World(job(ttl=10, status=done))
    ctl = TTLAfterFinishedController()
    assert ctl.sync("default/pi", world.listers, NOW) == [base.Requeue(6.0)]
    assert ctl.sync("default/pi", world.listers, NOW + 6) == [
        base.Delete("jobs", "pi", "default", propagation_policy="Background",
                    preconditions={"uid": "job-uid"})]
    running = World(job(ttl=10))
    assert ctl.sync("default/pi", running.listers, NOW) == []


def test_manager_runs_a_job_to_complete(kube, clock):
    """End to end without Ray: pods are created, marked Succeeded, and the Job completes."""
    manifest = job(2, 2)
    manifest["metadata"] = {"name": "pi", "namespace": "default"}
    for k in ("selector",):
        manifest["spec"].pop(k)
    manifest["spec"]["template"]["metadata"] = {"labels": {"app": "pi"}}
    del manifest["status"]
    kube.create(manifest)

    async def scenario():
        client = AsyncClient(kube.transport)
        manager = ControllerManager(client, [JobController()], clock=clock, watch_timeout=0.2)
        await manager.start()
        try:
            marked = set()
            for _ in range(500):
                for p in await client.list("pods", "default"):
                    name = p["metadata"]["name"]
                    if name not in marked:
                        marked.add(name)
                        p["status"] = {"phase": "Succeeded"}
                        await client.update(p, subresource="status")
                j = await client.get("jobs", "pi", "default")
                if any(c["type"] == "Complete" for c in j["status"].get("conditions") or []):
                    break
                await asyncio.sleep(0.01)
            return j, await client.list("pods", "default")
        finally:
            await manager.stop()

    final, pods = asyncio.run(scenario())
    assert final["status"]["succeeded"] == 2 and len(pods) == 2
    assert [c["type"] for c in final["status"]["conditions"]] == ["SuccessCriteriaMet", "Complete"]
    assert not any(p["metadata"].get("finalizers") for p in pods)
