"""The namespace controller's sync over hand-built caches, then end to end without Ray."""

import asyncio

from rayk8s.api import errors
from rayk8s.client import AsyncClient
from rayk8s.clock import RealClock
from rayk8s.controllers import base
from rayk8s.controllers.garbagecollector import GarbageCollector
from rayk8s.controllers.manager import ControllerManager
from rayk8s.controllers.namespace import NamespaceController
from rayk8s.controllers.replicaset import ReplicaSetController
from rayk8s.machinery import Cache, by_namespace

NOW = 1_700_000_100.0
STAMP = "2023-11-14T22:15:00Z"   # NOW as rfc3339


def namespace(name="demo", deleting=True, finalizers=("kubernetes",), status=None):
    meta = {"name": name, "uid": f"uid-{name}", "resourceVersion": "5"}
    if deleting:
        meta["deletionTimestamp"] = "2023-11-14T22:14:00Z"
    return {"apiVersion": "v1", "kind": "Namespace", "metadata": meta,
            "spec": {"finalizers": list(finalizers)},
            "status": status if status is not None else
            {"phase": "Terminating" if deleting else "Active"}}


def item(kind, name, ns="demo", finalizers=None, deleting=False, node=None):
    meta = {"name": name, "namespace": ns, "uid": f"uid-{name}"}
    if finalizers:
        meta["finalizers"] = list(finalizers)
    if deleting:
        meta["deletionTimestamp"] = "2023-11-14T22:14:30Z"
    out = {"apiVersion": "v1", "kind": kind, "metadata": meta}
    if kind == "Pod":
        out["spec"] = {"nodeName": node} if node else {}
        out["status"] = {"phase": "Running" if node else "Pending"}
    return out


RESOURCE = {"Pod": "pods", "ConfigMap": "configmaps", "Secret": "secrets"}


def listers(ctl, ns, *objs):
    out = {r: Cache({"namespace": by_namespace}) for r in ctl.resources}
    out["namespaces"] = Cache()
    out["namespaces"].add(ns)
    for o in objs:
        out[RESOURCE[o["kind"]]].add(o)
    return out


def conditions(update):
    return {c["type"]: (c["status"], c["reason"], c["message"])
            for c in update.obj["status"]["conditions"]}


def of(actions, cls):
    return [a for a in actions if isinstance(a, cls)]


def test_deletes_every_object_in_the_namespace_in_the_background():
    ctl = NamespaceController()
    ls = listers(ctl, namespace(), item("ConfigMap", "c"), item("Pod", "p"),
                 item("Pod", "elsewhere", ns="default"))
    actions = ctl.sync("demo", ls, NOW)
    deletes = of(actions, base.Delete)
    assert sorted((d.resource, d.name) for d in deletes) == [("configmaps", "c"), ("pods", "p")]
    assert all(d.namespace == "demo" and d.propagation_policy == "Background" for d in deletes)
    assert deletes[0].preconditions == {"uid": f"uid-{deletes[0].name}"}
    # Everything goes at once (no finalizers, unbound pod): nothing "remains".
    [update] = of(actions, base.Update)
    assert update.subresource == "status"
    assert conditions(update)["NamespaceContentRemaining"] == (
        "False", "ContentRemoved", "All content successfully removed")
    assert actions[-1] == base.Requeue(1.0)
    assert not [a for a in actions if isinstance(a, base.Update) and a.subresource == "finalize"]


def test_conditions_name_what_remains_and_which_finalizers_hold_it():
    ctl = NamespaceController()
    ls = listers(ctl, namespace(),
                 item("Pod", "running-1", node="n1"), item("Pod", "running-2", node="n1"),
                 item("ConfigMap", "held", finalizers=["example.com/a", "orphan"]),
                 item("Secret", "dying", deleting=True, finalizers=["example.com/a"]))
    actions = ctl.sync("demo", ls, NOW)
    # The terminating secret is not deleted again.
    assert sorted(d.name for d in of(actions, base.Delete)) == ["held", "running-1",
                                                                "running-2"]
    [update] = of(actions, base.Update)
    got = conditions(update)
    assert got["NamespaceContentRemaining"] == (
        "True", "SomeResourcesRemain", "Some resources are remaining: configmaps. has 1 "
        "resource instances, pods. has 2 resource instances, secrets. has 1 resource instances")
    # The Background delete drops the "orphan" finalizer; the others stay.
    assert got["NamespaceFinalizersRemaining"] == (
        "True", "SomeFinalizerRemain",
        "Some finalizers are remaining: example.com/a in 2 resource instances")
    assert got["NamespaceDeletionDiscoveryFailure"][0] == "False"
    assert all(c["lastTransitionTime"] == STAMP for c in update.obj["status"]["conditions"])
    assert update.obj["status"]["phase"] == "Terminating"
    # Kubernetes' estimate: 30 s pod grace (15 s per finalizer) -> 30 / 2 + 1.
    assert actions[-1] == base.Requeue(16.0)


def test_empty_namespace_updates_its_conditions_then_finalizes():
    ctl = NamespaceController()
    ns = namespace(finalizers=("kubernetes", "example.com/x"))
    [update] = ctl.sync("demo", listers(ctl, ns), NOW)
    assert update.subresource == "status"
    # The next sync (the status write wakes it) sees current conditions: finalize.
    done = dict(ns, status=update.obj["status"])
    [finalize] = ctl.sync("demo", listers(ctl, done), NOW + 5)
    assert finalize.subresource == "finalize"
    assert finalize.obj["spec"]["finalizers"] == ["example.com/x"]
    assert finalize.obj["metadata"]["resourceVersion"] == "5"


def test_conditions_keep_their_transition_time_until_their_status_changes():
    ctl = NamespaceController()
    ls = listers(ctl, namespace(), item("ConfigMap", "held", finalizers=["example.com/a"]))
    [update] = of(ctl.sync("demo", ls, NOW), base.Update)
    ns = namespace(status=update.obj["status"])
    assert not of(ctl.sync("demo", listers(ctl, ns, *ls["configmaps"].list()), NOW + 9),
                  base.Update)
    [update] = of(ctl.sync("demo", listers(ctl, ns), NOW + 10), base.Update)
    stamps = {c["type"]: c["lastTransitionTime"] for c in update.obj["status"]["conditions"]}
    assert stamps["NamespaceContentRemaining"] == "2023-11-14T22:15:10Z"
    assert stamps["NamespaceDeletionDiscoveryFailure"] == STAMP


def test_active_or_finalized_namespaces_are_left_alone():
    ctl = NamespaceController()
    assert ctl.sync("demo", listers(ctl, namespace(deleting=False), item("Pod", "p")), NOW) == []
    assert ctl.sync("demo", listers(ctl, namespace(finalizers=())), NOW) == []
    assert ctl.sync("gone", listers(ctl, namespace()), NOW) == []


def test_keys_for_wakes_only_terminating_namespaces():
    ctl = NamespaceController()
    ls = listers(ctl, namespace())
    ls["namespaces"].add(namespace("live", deleting=False))
    assert list(ctl.keys_for("namespaces", namespace(), ls)) == ["demo"]
    assert list(ctl.keys_for("namespaces", namespace("live", deleting=False), ls)) == []
    assert list(ctl.keys_for("pods", item("Pod", "p"), ls)) == ["demo"]
    assert list(ctl.keys_for("pods", item("Pod", "p", ns="live"), ls)) == []


def test_watches_every_namespaced_kind_that_can_be_deleted():
    resources = NamespaceController().resources
    assert {"pods", "configmaps", "replicasets", "events", "leases"} <= set(resources)
    assert "bindings" not in resources and "namespaces" not in resources


def test_deleting_a_namespace_removes_its_content_and_then_itself(kube):
    kube.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "demo"}})
    kube.create({"apiVersion": "v1", "kind": "ConfigMap",
                 "metadata": {"name": "settings", "namespace": "demo"}, "data": {"a": "1"}})
    kube.create({"apiVersion": "apps/v1", "kind": "ReplicaSet",
                 "metadata": {"name": "web", "namespace": "demo"},
                 "spec": {"replicas": 3, "selector": {"matchLabels": {"app": "web"}},
                          "template": {"metadata": {"labels": {"app": "web"}},
                                       "spec": {"containers": [{"name": "c",
                                                                "image": "nginx"}]}}}})

    async def main():
        manager = ControllerManager(
            AsyncClient(kube.transport),
            [ReplicaSetController(), GarbageCollector(confirm_after=0.1, time_scale=20),
             NamespaceController()],
            clock=RealClock(time_scale=20), watch_timeout=0.2)
        client = manager.client
        await manager.start()
        try:
            await until(lambda: _count(client, "pods", 3), "3 pods")
            await client.delete("namespaces", "demo")
            await until(lambda: _namespace_gone(client), "the namespace removed")
            return [(r, await client.list(r, "demo"))
                    for r in ("pods", "configmaps", "replicasets", "events")]
        finally:
            await manager.stop()

    for resource, items in asyncio.run(main()):
        assert items == [], resource


async def until(predicate, what, timeout=10.0):
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not await predicate():
        if loop.time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.01)


async def _count(client, resource, n):
    return len(await client.list(resource, "demo")) == n


async def _namespace_gone(client):
    try:
        await client.get("namespaces", "demo")
    except errors.ApiError as exc:
        return exc.code == 404
    return False
