"""The Deployment sync function over hand-built caches (sample-controller style)."""

import asyncio

import pytest

from rayk8s import clock as clockmod
from rayk8s.client import AsyncClient
from rayk8s.controllers import base
from rayk8s.controllers import rollout as ro
from rayk8s.controllers.deployment import DeploymentController
from rayk8s.controllers.manager import ControllerManager
from rayk8s.controllers.replicaset import ReplicaSetController

from .deployment_world import (KEY, NOW, World, condition, deployment, kinds_of, messages,
                               pod, replicaset, status_of, template)


def rs_writes(actions):
    return {a.obj["metadata"]["name"]: a.obj for a in actions
            if isinstance(a, (base.Create, base.Update)) and not getattr(a, "subresource", "")}


def test_new_deployment_creates_its_replicaset():
    actions = World(deployment(replicas=3)).sync()
    [create] = kinds_of(actions, base.Create)
    rs = create.obj
    h = ro.template_hash(template())
    assert rs["metadata"]["name"] == f"web-{h}"
    assert rs["spec"]["replicas"] == 3
    assert rs["spec"]["selector"]["matchLabels"] == {"app": "web", "pod-template-hash": h}
    assert rs["metadata"]["annotations"] == {ro.REVISION: "1", ro.DESIRED_REPLICAS: "3",
                                             ro.MAX_REPLICAS: "4"}
    assert rs["metadata"]["ownerReferences"][0]["uid"] == "d-uid"
    assert messages(actions) == [f"Scaled up replica set web-{h} to 3"]
    [patch] = kinds_of(actions, base.Patch)
    assert (patch.resource, patch.patch) == ("deployments",
                                             {"metadata": {"annotations": {ro.REVISION: "1"}}})
    status = status_of(actions)
    assert status["observedGeneration"] == 1 and "replicas" not in status
    assert condition(status, "Progressing")["reason"] == "NewReplicaSetCreated"
    assert condition(status, "Progressing")["message"] == f'Created new replica set "web-{h}"'
    assert condition(status, "Available")["reason"] == "MinimumReplicasUnavailable"
    [requeue] = kinds_of(actions, base.Requeue)
    assert requeue.after == 601          # just past the progress deadline


def test_deployment_annotations_are_copied_to_the_new_replicaset():
    d = deployment()
    d["metadata"]["annotations"] = {"kubernetes.io/change-cause": "kubectl set image",
                                    "kubectl.kubernetes.io/last-applied-configuration": "{}"}
    [create] = kinds_of(World(d).sync(), base.Create)
    ann = create.obj["metadata"]["annotations"]
    assert ann["kubernetes.io/change-cause"] == "kubectl set image"
    assert "kubectl.kubernetes.io/last-applied-configuration" not in ann


def test_steady_state_writes_nothing():
    w = World(deployment(replicas=2))
    for i in range(4):
        w.sync(NOW + i)
        w.rs_step()
        w.kubelet_step()
    assert w.sync(NOW + 10) == []


@pytest.mark.parametrize("target,expected_history", [("hello-world:v1.0", "1"),
                                                     ("hello-world:v2.0", "2")])
def test_rollback_reuses_the_old_replicaset_with_the_newest_revision(target, expected_history):
    d = deployment(replicas=3, image="hello-world:v3.0", revision=3)
    rs1 = replicaset(d, "hello-world:v1.0", 0, revision=1, created="2023-11-14T20:00:00Z")
    rs2 = replicaset(d, "hello-world:v2.0", 0, revision=2, created="2023-11-14T20:10:00Z")
    rs3 = replicaset(d, "hello-world:v3.0", 3, revision=3, created="2023-11-14T20:20:00Z")
    # What kubectl rollout undo PATCHes: the old RS's template without the hash label.
    undo = template(target)
    undo["metadata"]["creationTimestamp"] = None
    d["spec"]["template"] = undo
    d["metadata"]["generation"] = 4
    actions = World(d, [rs1, rs2, rs3]).sync()
    assert not kinds_of(actions, base.Create)
    target_rs = rs1 if target.endswith("v1.0") else rs2
    written = rs_writes(actions)[target_rs["metadata"]["name"]]
    assert written["metadata"]["annotations"][ro.REVISION] == "4"
    assert written["metadata"]["annotations"][ro.REVISION_HISTORY] == expected_history
    assert written["spec"]["replicas"] == 1                      # 3 + maxSurge 1 in all
    [patch] = [a for a in kinds_of(actions, base.Patch) if a.resource == "deployments"]
    assert patch.patch["metadata"]["annotations"][ro.REVISION] == "4"
    assert f"Scaled up replica set {target_rs['metadata']['name']} to 1 from 0" \
        in messages(actions)


@pytest.mark.parametrize("limit,busy,expected", [
    (2, None, [1, 2]),       # revisions 1..4 are old and empty: keep the 2 newest
    (2, 1, [2]),             # an old RS still running pods is never deleted
    (0, None, [1, 2, 3, 4]),
    (10, None, []),
])
def test_revision_history_is_pruned_beyond_the_limit(limit, busy, expected):
    d = deployment(replicas=2, image="hello-world:v5.0", revision=5, history=limit,
                   status={"observedGeneration": 1, "replicas": 2, "updatedReplicas": 2,
                           "availableReplicas": 2, "readyReplicas": 2})
    old = [replicaset(d, f"hello-world:v{i}.0", 0, revision=i,
                      created=f"2023-11-14T20:0{i}:00Z") for i in range(1, 5)]
    if busy:
        old[busy - 1]["status"]["replicas"] = 1
    new = replicaset(d, "hello-world:v5.0", 2, revision=5, created="2023-11-14T20:09:00Z")
    actions = World(d, old + [new]).sync()
    deleted = [a.name for a in kinds_of(actions, base.Delete)]
    assert deleted == [old[i - 1]["metadata"]["name"] for i in expected]


def test_recreate_scales_old_down_and_waits_for_its_pods():
    d = deployment(replicas=3, image="hello-world:v2.0", strategy="Recreate", revision=1)
    old = replicaset(d, "hello-world:v1.0", 3)
    pods = [pod(old, f"old-{i}") for i in range(3)]
    w = World(d, [old], pods)
    actions = w.sync()
    assert not kinds_of(actions, base.Create)
    assert rs_writes(actions)[old["metadata"]["name"]]["spec"]["replicas"] == 0
    # Scaled to 0, the RS reports no pods, but they are still terminating.
    w.rs_step()
    for p in pods:
        w.pods.add(pod(old, p["metadata"]["name"], deleting=True))
    assert not kinds_of(w.sync(), base.Create)
    for p in pods[:2]:
        w.pods.delete(p)
    w.pods.add(pod(old, "old-2", phase="Succeeded"))      # terminal pods do not count
    [create] = kinds_of(w.sync(), base.Create)
    assert create.obj["spec"]["replicas"] == 3
    assert create.obj["metadata"]["annotations"][ro.REVISION] == "2"


def test_keys_for_maps_replicasets_and_recreate_pods_to_the_deployment():
    ctl = DeploymentController()
    d = deployment(strategy="Recreate")
    rs = replicaset(d, "hello-world:v1.0", 1)
    w = World(d, [rs])
    assert list(ctl.keys_for("deployments", d, w.listers)) == [KEY]
    assert list(ctl.keys_for("replicasets", rs, w.listers)) == [KEY]
    orphan = dict(rs, metadata=dict(rs["metadata"], ownerReferences=[]))
    assert list(ctl.keys_for("replicasets", orphan, w.listers)) == [KEY]
    assert list(ctl.keys_for("pods", pod(rs, "p"), w.listers)) == [KEY]
    w.deployments.add(deployment())                               # RollingUpdate
    assert list(ctl.keys_for("pods", pod(rs, "p"), w.listers)) == []


def test_adopts_matching_orphans_and_releases_strays():
    d = deployment(replicas=1, revision=1)
    orphan = replicaset(d, "hello-world:v1.0", 1)
    orphan["metadata"]["ownerReferences"] = []
    stray = replicaset(d, "hello-world:v0.9", 0)
    stray["metadata"]["labels"] = {"app": "other"}
    actions = World(d, [orphan, stray]).sync()
    adopted = rs_writes(actions)[orphan["metadata"]["name"]]
    assert adopted["metadata"]["ownerReferences"][0]["uid"] == "d-uid"
    [release] = [a for a in kinds_of(actions, base.Patch) if a.resource == "replicasets"]
    assert release.name == stray["metadata"]["name"]
    assert release.patch["metadata"]["ownerReferences"] is None
    assert not kinds_of(actions, base.Create)                    # the orphan is the new RS


def test_hash_collision_bumps_collision_count():
    d = deployment(replicas=1)
    squatter = replicaset(d, "hello-world:v1.0", 1)
    squatter["spec"]["template"]["spec"]["containers"][0]["image"] = "other"
    squatter["metadata"]["ownerReferences"] = [dict(squatter["metadata"]["ownerReferences"][0],
                                                    uid="someone-else")]
    w = World(d, [squatter])
    actions = w.sync()
    assert not kinds_of(actions, base.Create)
    assert status_of(actions)["collisionCount"] == 1
    [create] = kinds_of(w.sync(), base.Create)      # the next sync hashes with the count
    assert create.obj["metadata"]["name"] == f"web-{ro.template_hash(template(), 1)}"


def test_paused_blocks_the_rollout_but_not_scaling_and_resume_continues():
    d = deployment(replicas=3, image="hello-world:v2.0", paused=True, revision=1)
    old = replicaset(d, "hello-world:v1.0", 3)
    w = World(d, [old])
    actions = w.sync()
    assert not kinds_of(actions, base.Create)
    progressing = condition(status_of(actions), "Progressing")
    assert (progressing["status"], progressing["reason"], progressing["message"]) == \
        ("Unknown", "DeploymentPaused", "Deployment is paused")
    w.change(replicas=5)
    actions = w.sync()
    assert not kinds_of(actions, base.Create)
    assert rs_writes(actions)[old["metadata"]["name"]]["spec"]["replicas"] == 5
    w.rs_step()
    w.kubelet_step()
    w.sync()                        # the paused Deployment still reports its counts
    w.change(paused=False)
    actions = w.sync()
    [create] = kinds_of(actions, base.Create)
    assert create.obj["metadata"]["annotations"][ro.REVISION] == "2"
    assert condition(status_of(actions), "Progressing")["reason"] == "NewReplicaSetCreated"


def test_conditions_through_a_rollout_and_the_progress_deadline():
    w = World(deployment(replicas=2, deadline=60))
    w.sync(NOW)
    name = w.rs_list()[0]["metadata"]["name"]
    w.rs_step()
    status = status_of(w.sync(NOW + 10))                 # pods exist: progress
    assert condition(status, "Progressing")["reason"] == "ReplicaSetUpdated"
    assert condition(status, "Progressing")["message"] == f'ReplicaSet "{name}" is progressing.'
    assert condition(status, "Progressing")["lastUpdateTime"] == clockmod.rfc3339(NOW + 10)
    # No progress for the deadline: a requeue first, then the timeout.
    actions = w.sync(NOW + 69)
    assert kinds_of(actions, base.Requeue)[0].after == 2
    status = status_of(w.sync(NOW + 71))
    progressing = condition(status, "Progressing")
    assert (progressing["status"], progressing["reason"], progressing["message"]) == \
        ("False", "ProgressDeadlineExceeded", f'ReplicaSet "{name}" has timed out progressing.')
    assert condition(status, "Available")["status"] == "False"
    w.kubelet_step()                                     # pods become available at last
    status = status_of(w.sync(NOW + 80))
    progressing = condition(status, "Progressing")
    assert (progressing["status"], progressing["reason"], progressing["message"]) == \
        ("True", "NewReplicaSetAvailable", f'ReplicaSet "{name}" has successfully progressed.')
    available = condition(status, "Available")
    assert (available["status"], available["reason"], available["message"]) == \
        ("True", "MinimumReplicasAvailable", "Deployment has minimum availability.")
    assert status["availableReplicas"] == 2 and "unavailableReplicas" not in status


def test_deleted_deployment_syncs_to_nothing():
    assert DeploymentController().sync("default/gone", World(deployment()).listers, NOW) == []


def test_manager_rolls_a_deployment_over_the_api(kube, clock):
    """End to end without Ray: Deployment -> ReplicaSet -> pods, then a second revision."""
    kube.create({"apiVersion": "apps/v1", "kind": "Deployment",
                 "metadata": {"name": "web", "namespace": "default"},
                 "spec": {"replicas": 3, "selector": {"matchLabels": {"app": "web"}},
                          "template": template("hello-world:v1.0")}})

    async def wait_for(client, predicate):
        for _ in range(500):
            rss = await client.list("replicasets", "default")
            pods = await client.list("pods", "default")
            d = await client.get("deployments", "web", "default")
            if predicate(rss, pods, d):
                return rss, pods, d
            await asyncio.sleep(0.01)
        raise AssertionError("timed out")

    def revision(obj):
        return ro.annotations(obj).get(ro.REVISION)

    async def scenario():
        manager = ControllerManager(AsyncClient(kube.transport),
                                    [DeploymentController(), ReplicaSetController()],
                                    clock=clock, watch_timeout=0.2)
        await manager.start()
        try:
            first = await wait_for(manager.client, lambda rss, pods, d: len(rss) == 1 and
                                   len(pods) == 3 and revision(d) == "1")
            await manager.client.patch("deployments", "web", {"spec": {"template": {"spec": {
                "containers": [{"name": "web", "image": "hello-world:v2.0"}]}}}}, "default")
            second = await wait_for(manager.client, lambda rss, pods, d: len(rss) == 2 and
                                    revision(d) == "2")
            return first, second
        finally:
            await manager.stop()

    (rss, pods, d), (rss2, _, d2) = asyncio.run(scenario())
    [rs] = rss
    assert rs["metadata"]["name"] == f"web-{rs['metadata']['labels']['pod-template-hash']}"
    assert revision(rs) == "1"
    assert all(p["metadata"]["name"].startswith(rs["metadata"]["name"] + "-") for p in pods)
    assert all(p["metadata"]["labels"]["pod-template-hash"] ==
               rs["metadata"]["labels"]["pod-template-hash"] for p in pods)
    revisions = sorted(revision(r) for r in rss2)
    assert revisions == ["1", "2"]
    new = next(r for r in rss2 if revision(r) == "2")
    assert new["spec"]["template"]["spec"]["containers"][0]["image"] == "hello-world:v2.0"
    assert d2["status"]["observedGeneration"] == d2["metadata"]["generation"]
