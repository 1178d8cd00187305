"""The ReplicaSet/RC sync function over hand-built caches (sample-controller style)."""

import asyncio

import pytest

from rayk8s.client import AsyncClient
from rayk8s.controllers import base
from rayk8s.controllers.manager import ControllerManager
from rayk8s.controllers.replicaset import ReplicaSetController, ReplicationControllerController
from rayk8s.machinery import Cache, by_namespace, by_owner_uid

NOW = 1_700_000_100.0


def rs(replicas=3, name="web", uid="rs-uid", labels=None, min_ready=0, deleting=False):
    labels = labels or {"app": "web"}
    obj = {"apiVersion": "apps/v1", "kind": "ReplicaSet",
           "metadata": {"name": name, "namespace": "default", "uid": uid, "generation": 2,
                        "resourceVersion": "10"},
           "spec": {"replicas": replicas, "minReadySeconds": min_ready,
                    "selector": {"matchLabels": labels},
                    "template": {"metadata": {"labels": labels},
                                 "spec": {"containers": [{"name": "c", "image": "nginx"}]}}},
           "status": {}}
    if deleting:
        obj["metadata"]["deletionTimestamp"] = "2023-11-14T22:15:00Z"
    return obj


def pod(name, owner_uid="rs-uid", labels=None, phase="Running", ready=True, node="n1",
        created="2023-11-14T22:00:00Z", ready_at="2023-11-14T22:13:00Z", restarts=0):
    meta = {"name": name, "namespace": "default", "uid": f"uid-{name}",
            "labels": labels if labels is not None else {"app": "web"},
            "creationTimestamp": created}
    if owner_uid:
        meta["ownerReferences"] = [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "web",
                                    "uid": owner_uid, "controller": True}]
    return {"apiVersion": "v1", "kind": "Pod", "metadata": meta,
            "spec": {"nodeName": node} if node else {},
            "status": {"phase": phase,
                       "conditions": [{"type": "Ready", "status": "True" if ready else "False",
                                       "lastTransitionTime": ready_at}],
                       "containerStatuses": [{"name": "c", "restartCount": restarts}]}}


def listers(owner, pods):
    owners = Cache({"namespace": by_namespace})
    owners.add(owner)
    pod_cache = Cache({"namespace": by_namespace, "owner": by_owner_uid})
    for p in pods:
        pod_cache.add(p)
    return {"replicasets": owners, "pods": pod_cache}


def kinds_of(actions, cls):
    return [a for a in actions if isinstance(a, cls)]


def test_creates_missing_pods_from_template():
    actions = ReplicaSetController().sync("default/web", listers(rs(3), [pod("a")]), NOW)
    creates = kinds_of(actions, base.Create)
    assert len(creates) == 2
    made = creates[0].obj
    assert made["metadata"]["generateName"] == "web-"
    assert made["metadata"]["labels"] == {"app": "web"}
    assert made["metadata"]["ownerReferences"][0]["uid"] == "rs-uid"
    assert made["metadata"]["ownerReferences"][0]["controller"] is True


@pytest.mark.parametrize("pods,expected_victims", [
    # unscheduled before scheduled
    ([pod("a"), pod("b", node=None, phase="Pending", ready=False)], ["b"]),
    # pending before running
    ([pod("a"), pod("b", phase="Pending", ready=False)], ["b"]),
    # not ready before ready
    ([pod("a"), pod("b", ready=False)], ["b"]),
    # more restarts first
    ([pod("a"), pod("b", restarts=4)], ["b"]),
    # newer first
    ([pod("a", created="2023-11-14T21:00:00Z"), pod("b", created="2023-11-14T22:05:00Z")], ["b"]),
])
def test_deletes_surplus_in_kubernetes_order(pods, expected_victims):
    actions = ReplicaSetController().sync("default/web", listers(rs(1), pods), NOW)
    deletes = kinds_of(actions, base.Delete)
    assert [d.name for d in deletes] == expected_victims
    assert deletes[0].preconditions == {"uid": f"uid-{expected_victims[0]}"}


def test_terminal_and_terminating_pods_do_not_count():
    done = pod("done", phase="Succeeded", ready=False)
    dying = pod("dying")
    dying["metadata"]["deletionTimestamp"] = "2023-11-14T22:14:00Z"
    actions = ReplicaSetController().sync("default/web", listers(rs(1), [done, dying]), NOW)
    assert len(kinds_of(actions, base.Create)) == 1


def test_adopts_matching_orphan_and_releases_non_matching():
    orphan = pod("orphan", owner_uid=None)
    strayed = pod("strayed", labels={"app": "other"})
    actions = ReplicaSetController().sync("default/web", listers(rs(1), [orphan, strayed]), NOW)
    patches = {a.name: a.patch for a in kinds_of(actions, base.Patch)}
    assert patches["orphan"]["metadata"]["ownerReferences"][0]["uid"] == "rs-uid"
    assert patches["strayed"]["metadata"]["ownerReferences"] is None
    assert not kinds_of(actions, base.Create)  # the adopted orphan fills the one replica


def test_terminating_owner_neither_adopts_nor_creates():
    actions = ReplicaSetController().sync(
        "default/web", listers(rs(3, deleting=True), [pod("orphan", owner_uid=None)]), NOW)
    assert not kinds_of(actions, base.Create) and not kinds_of(actions, base.Patch)


def test_status_counts_ready_and_available_with_min_ready_seconds():
    pods = [pod("a", ready_at="2023-11-14T22:00:00Z"),   # ready for 1 h: available
            pod("b", ready_at="2023-11-14T22:14:50Z"),   # ready 10 s ago: not yet
            pod("c", ready=False)]
    actions = ReplicaSetController().sync("default/web", listers(rs(3, min_ready=30), pods), NOW)
    [update] = kinds_of(actions, base.Update)
    assert update.subresource == "status"
    assert update.obj["status"] == {"replicas": 3, "fullyLabeledReplicas": 3, "readyReplicas": 2,
                                    "availableReplicas": 1, "observedGeneration": 2}
    [requeue] = kinds_of(actions, base.Requeue)
    assert 19 < requeue.after <= 21  # b becomes available 30 s after it got ready


def test_deleted_owner_syncs_to_nothing():
    assert ReplicaSetController().sync("default/gone", listers(rs(1), []), NOW) == []


def test_keys_for_pod_maps_to_controller_or_adopters():
    ctl = ReplicaSetController()
    ls = listers(rs(1), [])
    assert list(ctl.keys_for("pods", pod("a"), ls)) == ["default/web"]
    assert list(ctl.keys_for("pods", pod("o", owner_uid=None), ls)) == ["default/web"]
    assert list(ctl.keys_for("pods", pod("x", owner_uid=None, labels={"app": "no"}), ls)) == []


def test_replication_controller_uses_equality_selector():
    rc = rs(2)
    rc.update(apiVersion="v1", kind="ReplicationController")
    rc["spec"]["selector"] = {"app": "web"}
    owners = Cache({"namespace": by_namespace})
    owners.add(rc)
    pods = Cache({"namespace": by_namespace, "owner": by_owner_uid})
    actions = ReplicationControllerController().sync(
        "default/web", {"replicationcontrollers": owners, "pods": pods}, NOW)
    assert len(kinds_of(actions, base.Create)) == 2


def test_manager_keeps_replicas_over_the_api(kube, clock):
    """End to end without Ray: informers, queue, runner; no over-creation."""
    kube.create({k: v for k, v in rs(3).items() if k != "status"} | {
        "metadata": {"name": "web", "namespace": "default"}})

    async def scenario():
        manager = ControllerManager(AsyncClient(kube.transport), [ReplicaSetController()],
                                    clock=clock, watch_timeout=0.2)
        await manager.start()
        try:
            for _ in range(300):
                pods = await manager.client.list("pods", "default")
                status = (await manager.client.get("replicasets", "web")).get("status") or {}
                if len(pods) == 3 and status.get("replicas") == 3:
                    break
                await asyncio.sleep(0.01)
            await asyncio.sleep(0.2)  # would expose over-creation
            return await manager.client.list("pods", "default")
        finally:
            await manager.stop()

    pods = asyncio.run(scenario())
    assert len(pods) == 3
    assert all(p["metadata"]["name"].startswith("web-") for p in pods)
