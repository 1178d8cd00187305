"""The garbage collector's sync over hand-built caches, then end to end without Ray."""

import asyncio

import pytest

from rayk8s.api import kinds
from rayk8s.client import AsyncClient
from rayk8s.clock import RealClock
from rayk8s.controllers import base
from rayk8s.controllers.garbagecollector import GarbageCollector, item_key
from rayk8s.controllers.manager import ControllerManager
from rayk8s.controllers.replicaset import ReplicaSetController
from rayk8s.machinery import Cache, by_owner_uid

NOW = 1_700_000_100.0
T0 = "2023-11-14T22:15:00Z"


def ref(owner, block=True, controller=True):
    return {"apiVersion": owner["apiVersion"], "kind": owner["kind"],
            "name": owner["metadata"]["name"], "uid": owner["metadata"]["uid"],
            "controller": controller, "blockOwnerDeletion": block}


def obj(kind, name, uid=None, ns="default", owners=(), finalizers=None, deleting=False,
        api_version=None):
    k = next(k for k in kinds.REGISTRY.all() if k.kind == kind)
    meta = {"name": name, "uid": uid or f"uid-{name}", "resourceVersion": "7"}
    if k.namespaced:
        meta["namespace"] = ns
    if owners:
        meta["ownerReferences"] = [o if "uid" in o and "kind" in o and "metadata" not in o
                                   else ref(o) for o in owners]
    if finalizers:
        meta["finalizers"] = list(finalizers)
    if deleting:
        meta["deletionTimestamp"] = T0
    return {"apiVersion": api_version or k.api_version, "kind": kind, "metadata": meta}


def world(gc, *objs):
    listers = {r: Cache({"owner": by_owner_uid}) for r in gc.resources}
    for o in objs:
        listers[kinds.REGISTRY.for_gvk(o["apiVersion"], o["kind"]).plural].add(o)
    return listers


def key(o):
    return item_key(kinds.REGISTRY.for_gvk(o["apiVersion"], o["kind"]).plural, o)


def confirmed(gc, o, listers, now=NOW):
    """Sync twice, ``confirm_after`` apart: what the collector does once sure."""
    first = gc.sync(key(o), listers, now)
    return first, gc.sync(key(o), listers, now + gc.confirm_after)


def of(actions, cls):
    return [a for a in actions if isinstance(a, cls)]


def test_background_cascade_steps_down_the_tree():
    gc = GarbageCollector()
    deploy = obj("Deployment", "web")
    rs = obj("ReplicaSet", "web-1", owners=[deploy])
    pods = [obj("Pod", f"web-1-{i}", owners=[rs]) for i in range(2)]
    ls = world(gc, rs, *pods)   # the Deployment is gone

    first, second = confirmed(gc, rs, ls)
    assert first == [base.Requeue(2.0)]
    [delete] = second
    assert (delete.resource, delete.name, delete.namespace) == ("replicasets", "web-1", "default")
    assert delete.propagation_policy == "Background"
    assert delete.preconditions == {"uid": "uid-web-1", "resourceVersion": "7"}
    # The pods are not touched while their ReplicaSet exists.
    assert gc.sync(key(pods[0]), ls, NOW + 2) == []

    ls["replicasets"].delete(rs)
    assert sorted(gc.keys_for("replicasets", rs, ls)) == sorted(key(p) for p in pods)
    for p in pods:
        _, [delete] = confirmed(gc, p, ls, NOW + 2)
        assert (delete.resource, delete.name) == ("pods", p["metadata"]["name"])


def test_confirmed_absence_is_remembered_for_other_dependents():
    gc = GarbageCollector()
    rs = obj("ReplicaSet", "web")
    a, b = obj("Pod", "a", owners=[rs]), obj("Pod", "b", owners=[rs])
    ls = world(gc, a, b)
    assert gc.sync(key(a), ls, NOW) == [base.Requeue(2.0)]
    assert gc.sync(key(b), ls, NOW + 0.5) == [base.Requeue(1.5)]
    assert of(gc.sync(key(a), ls, NOW + 2), base.Delete)
    assert of(gc.sync(key(b), ls, NOW + 2), base.Delete)   # no second wait


def test_missing_owner_is_only_acted_on_after_confirmation():
    gc = GarbageCollector()
    rs = obj("ReplicaSet", "web")
    pod = obj("Pod", "a", owners=[rs])
    ls = world(gc, pod)
    assert gc.sync(key(pod), ls, NOW) == [base.Requeue(2.0)]
    assert gc.sync(key(pod), ls, NOW + 1) == [base.Requeue(1.0)]   # too early
    ls["replicasets"].add(rs)   # the informer caught up: it was lag, not absence
    assert gc.sync(key(pod), ls, NOW + 2) == []
    ls["replicasets"].delete(rs)   # a new absence starts a new wait
    assert gc.sync(key(pod), ls, NOW + 3) == [base.Requeue(2.0)]


def test_the_confirmation_window_is_wall_time():
    gc = GarbageCollector(confirm_after=2, time_scale=10)   # cluster time runs 10x
    pod = obj("Pod", "a", owners=[obj("ReplicaSet", "web")])
    assert gc.sync(key(pod), world(gc, pod), NOW) == [base.Requeue(20.0)]


def test_confirm_after_zero_acts_at_once():
    gc = GarbageCollector(confirm_after=0)
    pod = obj("Pod", "a", owners=[obj("ReplicaSet", "web")])
    assert of(gc.sync(key(pod), world(gc, pod), NOW), base.Delete)


@pytest.mark.parametrize("owner_uid,acts", [("uid-web", False), ("uid-old-web", True)])
def test_owner_with_same_uid_protects_and_a_recreated_one_does_not(owner_uid, acts):
    gc = GarbageCollector()
    rs = obj("ReplicaSet", "web", uid=owner_uid)
    pod = obj("Pod", "a", owners=[{**ref(rs), "uid": "uid-web"}])
    first, second = confirmed(gc, pod, world(gc, rs, pod))
    assert bool(of(second, base.Delete)) is acts
    assert first == ([base.Requeue(2.0)] if acts else [])


def test_dangling_reference_removed_when_another_owner_remains():
    gc = GarbageCollector()
    alive = obj("ReplicaSet", "alive")
    gone = obj("ReplicaSet", "gone")
    pod = obj("Pod", "a", owners=[alive, gone])
    _, [patch] = confirmed(gc, pod, world(gc, alive, pod))
    assert (patch.resource, patch.name, patch.patch_type) == ("pods", "a", "strategic")
    assert patch.patch == {"metadata": {"ownerReferences": [{"$patch": "delete",
                                                             "uid": "uid-gone"}],
                                        "uid": "uid-a"}}


def test_dependent_honours_its_own_gc_finalizer():
    gc = GarbageCollector(confirm_after=0)
    rs = obj("ReplicaSet", "web", owners=[obj("Deployment", "d")], finalizers=["orphan"])
    [delete] = gc.sync(key(rs), world(gc, rs), NOW)
    assert delete.propagation_policy == "Orphan"


def test_orphan_removes_refs_then_the_finalizer():
    gc = GarbageCollector()
    rs = obj("ReplicaSet", "web", finalizers=["orphan"], deleting=True)
    other = obj("ReplicaSet", "other")
    pods = [obj("Pod", "a", owners=[rs]), obj("Pod", "b", owners=[rs, other])]
    ls = world(gc, rs, other, *pods)
    assert key(rs) in gc.keys_for("replicasets", rs, ls)
    actions = gc.sync(key(rs), ls, NOW)
    patches = of(actions, base.Patch)
    assert [p.name for p in patches] == ["a", "b"]
    assert all(p.patch["metadata"]["ownerReferences"] == [{"$patch": "delete", "uid": "uid-web"}]
               for p in patches)
    assert actions[-1] == base.Requeue(0.0)   # the finalizer waits for the patches to show

    ls["pods"].add(obj("Pod", "a"))   # the informers saw the patches
    ls["pods"].add(obj("Pod", "b", owners=[other]))
    [patch] = gc.sync(key(rs), ls, NOW)
    assert (patch.resource, patch.name, patch.patch_type) == ("replicasets", "web", "strategic")
    assert patch.patch == {"metadata": {"$deleteFromPrimitiveList/finalizers": ["orphan"],
                                        "uid": "uid-web"}}


def test_foreground_deletes_dependents_and_waits_only_for_blocking_ones():
    gc = GarbageCollector()
    rs = obj("ReplicaSet", "web", finalizers=["foregroundDeletion"], deleting=True)
    blocking = obj("Pod", "blocking", owners=[rs])
    loose = obj("Pod", "loose", owners=[ref(rs, block=False)])
    ls = world(gc, rs, blocking, loose)
    deletes = of(gc.sync(key(rs), ls, NOW), base.Delete)
    assert sorted(d.name for d in deletes) == ["blocking", "loose"]
    assert all(d.propagation_policy == "Background" for d in deletes)
    assert not of(gc.sync(key(rs), ls, NOW), base.Patch)   # "blocking" holds the owner

    terminating = obj("Pod", "blocking", owners=[rs], deleting=True, finalizers=["x/hold"])
    ls["pods"].add(terminating)   # still there while it terminates: still blocks
    [delete] = gc.sync(key(rs), ls, NOW)   # not deleted twice; no finalizer removal
    assert delete.name == "loose"

    ls["pods"].delete(terminating)
    assert gc.keys_for("pods", terminating, ls) == [key(rs)]   # its owner looks again
    actions = gc.sync(key(rs), ls, NOW)
    assert [d.name for d in of(actions, base.Delete)] == ["loose"]   # loose doesn't block
    [patch] = of(actions, base.Patch)
    assert patch.patch["metadata"]["$deleteFromPrimitiveList/finalizers"] == \
        ["foregroundDeletion"]


def test_foreground_cascade_goes_depth_first():
    gc = GarbageCollector()
    deploy = obj("Deployment", "web", finalizers=["foregroundDeletion"], deleting=True)
    rs = obj("ReplicaSet", "web-1", owners=[deploy])
    pod = obj("Pod", "web-1-a", owners=[rs])
    ls = world(gc, deploy, rs, pod)
    [delete] = gc.sync(key(deploy), ls, NOW)
    assert (delete.name, delete.propagation_policy) == ("web-1", "Foreground")
    # The RS, now deleting its dependents, is an owner in the foreground itself.
    rs_dying = obj("ReplicaSet", "web-1", owners=[deploy], finalizers=["foregroundDeletion"],
                   deleting=True)
    ls["replicasets"].add(rs_dying)
    assert gc.sync(key(deploy), ls, NOW) == []   # blocked by the RS
    [delete] = gc.sync(key(rs_dying), ls, NOW)
    assert (delete.name, delete.propagation_policy) == ("web-1-a", "Background")


def test_dependent_with_a_solid_owner_only_drops_the_waiting_one():
    gc = GarbageCollector()
    dying = obj("ReplicaSet", "dying", finalizers=["foregroundDeletion"], deleting=True)
    keeper = obj("ReplicaSet", "keeper")
    pod = obj("Pod", "a", owners=[dying, keeper])
    actions = gc.sync(key(dying), world(gc, dying, keeper, pod), NOW)
    [patch] = actions   # no delete, and the pod still blocks until the patch shows
    assert patch.name == "a"
    assert patch.patch["metadata"]["ownerReferences"] == [{"$patch": "delete",
                                                           "uid": "uid-dying"}]


def test_namespaced_owner_is_looked_up_in_the_dependents_namespace():
    gc = GarbageCollector()
    rs = obj("ReplicaSet", "web", ns="other")      # same name and uid, wrong namespace
    pod = obj("Pod", "a", owners=[rs])
    _, second = confirmed(gc, pod, world(gc, rs, pod))
    assert of(second, base.Delete)


def test_cluster_scoped_owner_is_looked_up_by_name():
    gc = GarbageCollector()
    ns_owner = obj("Namespace", "team")
    cm = obj("ConfigMap", "c", ns="default", owners=[ns_owner])
    assert confirmed(gc, cm, world(gc, ns_owner, cm)) == ([], [])
    _, second = confirmed(gc, cm, world(gc, cm))
    assert of(second, base.Delete)
    # A deleted cluster-scoped owner's dependents in every namespace are looked at.
    ls = world(gc, cm, obj("ConfigMap", "d", ns="elsewhere", owners=[ns_owner]))
    assert sorted(gc.keys_for("namespaces", ns_owner, ls)) == \
        ["configmaps/default/c", "configmaps/elsewhere/d"]


@pytest.mark.parametrize("owner", [
    # a namespaced owner of a cluster-scoped object is invalid: left alone
    {"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "web", "uid": "u1"},
    # a kind the apiserver does not serve
    {"apiVersion": "example.com/v1", "kind": "Widget", "name": "w", "uid": "u2"},
    # a kind the collector does not watch
    {"apiVersion": "v1", "kind": "Event", "name": "e", "uid": "u3"},
])
def test_unresolvable_owners_are_never_judged(owner):
    gc = GarbageCollector(confirm_after=0)
    pv = obj("PersistentVolume", "pv1", owners=[owner])
    assert gc.sync(key(pv), world(gc, pv), NOW) == []


def test_keys_for_skips_unowned_objects_and_finds_dependents_of_a_vanished_owner():
    gc = GarbageCollector()
    rs = obj("ReplicaSet", "web")
    pod = obj("Pod", "a", owners=[rs])
    ls = world(gc, rs, pod, obj("Pod", "elsewhere", ns="other", owners=[rs]))
    assert gc.keys_for("replicasets", rs, ls) == []      # alive, no references
    assert gc.keys_for("pods", pod, ls) == [key(pod)]
    ls["replicasets"].delete(rs)
    assert gc.keys_for("replicasets", rs, ls) == [key(pod)]  # same namespace only


def test_vanished_object_syncs_to_nothing():
    gc = GarbageCollector()
    assert gc.sync("pods/default/nobody", world(gc), NOW) == []


# -- end to end: informers, queues, runner, the apiserver's deletion semantics -----------

def replicaset(replicas=3):
    return {"apiVersion": "apps/v1", "kind": "ReplicaSet",
            "metadata": {"name": "web", "namespace": "default"},
            "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": "web"}},
                     "template": {"metadata": {"labels": {"app": "web"}},
                                  "spec": {"containers": [{"name": "c", "image": "nginx"}]}}}}


async def until(predicate, what, timeout=10.0):
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        value = await predicate()
        if value:
            return value
        if loop.time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.01)


def run_with_gc(kube, scenario):
    """Run ``scenario(client)`` with the RS controller and the collector over ``kube``."""
    async def main():
        # Cluster time runs 20x; absences are confirmed after 0.1 s of wall time.
        manager = ControllerManager(AsyncClient(kube.transport),
                                    [ReplicaSetController(),
                                     GarbageCollector(confirm_after=0.1, time_scale=20)],
                                    clock=RealClock(time_scale=20), watch_timeout=0.2)
        await manager.start()
        try:
            return await scenario(manager.client)
        finally:
            await manager.stop()
    return asyncio.run(main())


async def pods_of(client, ns="default"):
    return await client.list("pods", ns)


async def gone(client, resource, name, ns="default"):
    return not [o for o in await client.list(resource, ns) if o["metadata"]["name"] == name]


@pytest.mark.parametrize("policy", ["Background", "Orphan", "Foreground"])
def test_deleting_a_replicaset_with_each_propagation(kube, policy):
    kube.create(replicaset(3))

    async def scenario(client):
        await until(lambda: _count(client, 3), "3 pods")
        if policy == "Foreground":   # one pod that takes its time to go
            name = (await pods_of(client))[0]["metadata"]["name"]
            await client.patch("pods", name, {"metadata": {"finalizers": ["test/hold"]}},
                               "default")
        await client.delete("replicasets", "web", "default", propagation_policy=policy)
        if policy == "Foreground":
            await until(lambda: _count(client, 1), "only the held pod left")
            rs = await client.get("replicasets", "web", "default")
            assert rs["metadata"]["deletionTimestamp"]
            assert rs["metadata"]["finalizers"] == ["foregroundDeletion"]
            await asyncio.sleep(0.3)   # it waits for the held pod
            assert not await gone(client, "replicasets", "web")
            await client.patch("pods", name, {"metadata": {"finalizers": None}}, "default")
        await until(lambda: gone(client, "replicasets", "web"), "the RS removed")
        if policy == "Orphan":
            await asyncio.sleep(0.3)   # the collector would have had time to collect
            return await pods_of(client)
        await until(lambda: _count(client, 0), "the pods collected")
        return []

    pods = run_with_gc(kube, scenario)
    if policy == "Orphan":
        assert len(pods) == 3
        assert all(not p["metadata"].get("ownerReferences") for p in pods)


async def _count(client, n):
    return len(await pods_of(client)) == n
