"""The StatefulSet sync function over hand-built caches, stepped through a small
simulated world that applies its actions the way the apiserver would."""

import asyncio

import pytest

from rayk8s.api import patches
from rayk8s.client import AsyncClient
from rayk8s.controllers import base
from rayk8s.controllers.manager import ControllerManager
from rayk8s.controllers.statefulset import StatefulSetController, revision_name
from rayk8s.controllers.volumes import PersistentVolumeController
from rayk8s.machinery import Cache, by_namespace, by_owner_uid, copy

NOW = 1_700_000_100.0
KINDS = {"pods": "Pod", "persistentvolumeclaims": "PersistentVolumeClaim"}


def sts(replicas=3, policy="OrderedReady", image="nginx:1", strategy=None, claims=True,
        retention=None):
    spec = {"replicas": replicas, "serviceName": "nginx", "podManagementPolicy": policy,
            "selector": {"matchLabels": {"app": "web"}},
            "updateStrategy": strategy or {"type": "RollingUpdate",
                                           "rollingUpdate": {"partition": 0}},
            "template": {"metadata": {"labels": {"app": "web"}},
                         "spec": {"containers": [{"name": "nginx", "image": image}]}}}
    if claims:
        spec["volumeClaimTemplates"] = [{
            "metadata": {"name": "www", "labels": {"tier": "data"}},
            "spec": {"accessModes": ["ReadWriteOnce"],
                     "resources": {"requests": {"storage": "1Gi"}}}}]
    if retention:
        spec["persistentVolumeClaimRetentionPolicy"] = retention
    return {"apiVersion": "apps/v1", "kind": "StatefulSet",
            "metadata": {"name": "web", "namespace": "default", "uid": "sts-uid",
                         "generation": 1, "resourceVersion": "3"},
            "spec": spec, "status": {}}


class World:
    def __init__(self, obj, pods=()):
        self.caches = {"statefulsets": Cache({"namespace": by_namespace}),
                       "pods": Cache({"namespace": by_namespace, "owner": by_owner_uid}),
                       "persistentvolumeclaims": Cache({"namespace": by_namespace})}
        self.caches["statefulsets"].add(obj)
        self.events, self.n = [], 0

    @property
    def set(self):
        return self.caches["statefulsets"].get("default/web")

    def sync(self, now=NOW):
        actions = StatefulSetController().sync("default/web", self.caches, now)
        for a in actions:
            self.apply(a)
        return actions

    def apply(self, a):
        if isinstance(a, base.Create):
            obj = copy(a.obj)
            self.n += 1
            obj["metadata"]["uid"] = f"uid-{obj['metadata']['name']}-{self.n}"
            obj["status"] = {"phase": "Pending"}
            self.caches["pods" if obj["kind"] == "Pod" else "persistentvolumeclaims"].add(obj)
        elif isinstance(a, base.Update):   # a stale resourceVersion is a conflict
            assert a.obj["metadata"]["resourceVersion"] == self.set["metadata"]["resourceVersion"]
            self.n += 1
            meta = dict(self.set["metadata"], resourceVersion=f"rv{self.n}")
            self.caches["statefulsets"].add(dict(self.set, metadata=meta,
                                                 status=copy(a.obj["status"])))
        elif isinstance(a, base.Patch):
            old = self.caches[a.resource].get(f"{a.namespace}/{a.name}")
            self.caches[a.resource].add(patches.apply_patch_type(old, a.patch, a.patch_type,
                                                                 KINDS[a.resource]))
        elif isinstance(a, base.Delete):
            self.caches[a.resource].delete(f"{a.namespace}/{a.name}")
        elif isinstance(a, base.Event):
            self.events.append((a.reason, a.message))

    def pod(self, name):
        return self.caches["pods"].get(f"default/{name}")

    def pods(self):
        return sorted(p["metadata"]["name"] for p in self.caches["pods"].list())

    def ready(self, *names, phase="Running"):
        for name in names:
            p = copy(self.pod(name))
            p["status"] = {"phase": phase, "conditions": [
                {"type": "Ready", "status": "True" if phase == "Running" else "False",
                 "lastTransitionTime": "2023-11-14T22:00:00Z"}]}
            self.caches["pods"].add(p)

    def edit(self, **spec):
        obj = copy(self.set)
        obj["spec"].update(spec)
        obj["metadata"]["generation"] += 1
        obj["metadata"]["resourceVersion"] += "e"
        self.caches["statefulsets"].add(obj)

    def image(self, name):
        return self.pod(name)["spec"]["containers"][0]["image"]


def kinds_of(actions, cls):
    return [a for a in actions if isinstance(a, cls)]


def test_ordered_ready_creates_web_0_with_its_claim_then_waits():
    world = World(sts(3))
    actions = world.sync()
    assert [c.obj["metadata"]["name"] for c in kinds_of(actions, base.Create)] == \
        ["www-web-0", "web-0"]
    claim = world.caches["persistentvolumeclaims"].get("default/www-web-0")
    assert claim["metadata"]["labels"] == {"tier": "data", "app": "web"}
    assert claim["spec"]["resources"] == {"requests": {"storage": "1Gi"}}
    web0 = world.pod("web-0")
    assert web0["metadata"]["labels"] == {
        "app": "web", "statefulset.kubernetes.io/pod-name": "web-0",
        "apps.kubernetes.io/pod-index": "0",
        "controller-revision-hash": revision_name(world.set)}
    assert web0["spec"]["hostname"] == "web-0" and web0["spec"]["subdomain"] == "nginx"
    assert web0["spec"]["volumes"] == [{"name": "www",
                                        "persistentVolumeClaim": {"claimName": "www-web-0"}}]
    assert web0["metadata"]["ownerReferences"][0]["uid"] == "sts-uid"
    assert world.events == [
        ("SuccessfulCreate", "create Claim www-web-0 Pod web-0 in StatefulSet web success"),
        ("SuccessfulCreate", "create Pod web-0 in StatefulSet web successful")]
    assert not kinds_of(world.sync(), base.Create)       # web-0 is Pending: wait
    world.ready("web-0")
    world.sync()
    assert world.pods() == ["web-0", "web-1"]
    world.ready("web-1")
    world.sync()
    assert world.pods() == ["web-0", "web-1", "web-2"]
    world.ready("web-2")
    world.sync()
    status = world.set["status"]
    assert (status["replicas"], status["readyReplicas"], status["currentReplicas"],
            status["updatedReplicas"], status["availableReplicas"]) == (3, 3, 3, 3, 3)
    assert status["currentRevision"] == status["updateRevision"] == revision_name(world.set)


def test_parallel_creates_every_pod_at_once():
    world = World(sts(3, policy="Parallel"))
    world.sync()
    assert world.pods() == ["web-0", "web-1", "web-2"]
    assert len(world.caches["persistentvolumeclaims"].list()) == 3


@pytest.mark.parametrize("not_ready,deleted", [
    ((), ["web-2"]),               # all healthy: the top one goes
    (("web-0",), []),              # a lower pod is not ready: OrderedReady waits
    (("web-2",), ["web-2"]),       # the victim itself is the first unhealthy pod
])
def test_scale_down_from_the_top_one_at_a_time(not_ready, deleted):
    world = World(sts(3))
    for _ in range(3):
        world.sync()
        world.ready(*world.pods())
    world.ready(*not_ready, phase="Pending")
    world.edit(replicas=1)
    actions = world.sync()
    assert [d.name for d in kinds_of(actions, base.Delete)] == deleted


def test_scale_down_parallel_deletes_all_condemned():
    world = World(sts(3, policy="Parallel"))
    world.sync()
    world.edit(replicas=1)
    world.sync()
    assert world.pods() == ["web-0"]
    assert len(world.caches["persistentvolumeclaims"].list()) == 3   # claims are retained


def test_deleted_pod_comes_back_with_the_same_name_and_claim():
    world = World(sts(2))
    for _ in range(2):
        world.sync()
        world.ready(*world.pods())
    old_uid = world.pod("web-1")["metadata"]["uid"]
    world.caches["pods"].delete("default/web-1")
    actions = world.sync()
    assert [c.obj["metadata"]["name"] for c in kinds_of(actions, base.Create)] == ["web-1"]
    web1 = world.pod("web-1")
    assert web1["metadata"]["uid"] != old_uid
    assert web1["spec"]["volumes"][0]["persistentVolumeClaim"]["claimName"] == "www-web-1"


def test_failed_pod_is_deleted_and_recreated():
    world = World(sts(1))
    world.sync()
    world.ready("web-0", phase="Failed")
    actions = world.sync()
    assert [d.name for d in kinds_of(actions, base.Delete)] == ["web-0"]
    assert [c.obj["metadata"]["name"] for c in kinds_of(actions, base.Create)] == ["web-0"]
    assert ("RecreatingFailedPod", "StatefulSet default/web is recreating failed Pod web-0") \
        in world.events


def _rolled_out(strategy=None):
    world = World(sts(3, strategy=strategy))
    for _ in range(3):
        world.sync()
        world.ready(*world.pods())
    world.sync()
    world.edit(template={"metadata": {"labels": {"app": "web"}},
                         "spec": {"containers": [{"name": "nginx", "image": "nginx:2"}]}})
    return world


def test_rolling_update_from_the_top_respecting_the_partition():
    world = _rolled_out({"type": "RollingUpdate", "rollingUpdate": {"partition": 2}})
    old_rev, new_rev = world.set["status"]["currentRevision"], revision_name(world.set)
    assert old_rev != new_rev
    order = []
    for _ in range(8):
        for d in kinds_of(world.sync(), base.Delete):
            order.append(d.name)
        world.ready(*world.pods())
    assert order == ["web-2"]
    assert [world.image(n) for n in world.pods()] == ["nginx:1", "nginx:1", "nginx:2"]
    status = world.set["status"]
    assert (status["currentRevision"], status["updateRevision"]) == (old_rev, new_rev)
    assert (status["currentReplicas"], status["updatedReplicas"]) == (2, 1)
    # Below the partition, a deleted pod comes back at the current revision (its
    # template recovered from web-1, as there is no ControllerRevision to read).
    world.caches["pods"].delete("default/web-0")
    world.sync()
    assert world.image("web-0") == "nginx:1"
    assert world.pod("web-0")["metadata"]["labels"]["controller-revision-hash"] == old_rev
    # Partition 0 finishes the rollout, from the top, and makes the update revision current.
    world.ready("web-0")
    world.edit(updateStrategy={"type": "RollingUpdate", "rollingUpdate": {"partition": 0}})
    for _ in range(8):
        for d in kinds_of(world.sync(), base.Delete):
            order.append(d.name)
        world.ready(*world.pods())
    assert order == ["web-2", "web-1", "web-0"]
    for _ in range(2):
        world.sync()
        world.ready(*world.pods())
    assert world.set["status"]["currentRevision"] == new_rev
    assert [world.image(n) for n in world.pods()] == ["nginx:2"] * 3


def test_rolling_update_waits_for_each_replacement_to_be_ready():
    world = _rolled_out()
    assert [d.name for d in kinds_of(world.sync(), base.Delete)] == ["web-2"]
    world.sync()                                        # web-2 recreated, Pending
    assert not kinds_of(world.sync(), base.Delete)      # wait for it
    world.ready("web-2")
    assert [d.name for d in kinds_of(world.sync(), base.Delete)] == ["web-1"]


def test_on_delete_only_recreates_what_was_deleted():
    world = _rolled_out({"type": "OnDelete"})
    assert not kinds_of(world.sync(), base.Delete)
    world.caches["pods"].delete("default/web-1")
    world.sync()
    assert [world.image(n) for n in world.pods()] == ["nginx:1", "nginx:2", "nginx:1"]


def test_retention_policy_delete_owns_claims_by_set_or_scaled_down_pod():
    world = World(sts(2, policy="Parallel",
                      retention={"whenDeleted": "Delete", "whenScaled": "Delete"}))
    world.sync()
    claim = world.caches["persistentvolumeclaims"].get("default/www-web-1")
    assert [r["kind"] for r in claim["metadata"]["ownerReferences"]] == ["StatefulSet"]
    world.ready(*world.pods())
    world.edit(replicas=1)
    world.sync()
    claim = world.caches["persistentvolumeclaims"].get("default/www-web-1")
    assert [(r["kind"], r["name"]) for r in claim["metadata"]["ownerReferences"]] == \
        [("Pod", "web-1")]


def test_revision_name_depends_on_the_template_only():
    a, b = sts(3), sts(5, policy="Parallel")
    assert revision_name(a) == revision_name(b)
    assert revision_name(a) != revision_name(sts(3, image="nginx:2"))
    assert revision_name(a).startswith("web-") and revision_name(a) != revision_name(a, 1)


def test_keys_for_maps_pods_and_claims_to_their_set():
    world = World(sts(1))
    world.sync()
    ctl = StatefulSetController()
    assert list(ctl.keys_for("pods", world.pod("web-0"), world.caches)) == ["default/web"]
    claim = world.caches["persistentvolumeclaims"].get("default/www-web-0")
    assert list(ctl.keys_for("persistentvolumeclaims", claim, world.caches)) == ["default/web"]
    orphan = {"metadata": {"name": "other-0", "namespace": "default", "labels": {"app": "web"}}}
    assert list(ctl.keys_for("pods", orphan, world.caches)) == []


def test_manager_runs_a_statefulset_with_bound_claims(kube, clock):
    """End to end without Ray: web-0, then (once it is Ready) web-1; both claims Bound."""
    manifest = sts(2)
    manifest["metadata"] = {"name": "web", "namespace": "default"}
    del manifest["status"]
    kube.create(manifest)

    async def wait_for(check):
        for _ in range(500):
            result = await check()
            if result:
                return result
            await asyncio.sleep(0.01)
        raise AssertionError("timed out")

    async def make_ready(client, name):
        p = await client.get("pods", name, "default")
        p["status"] = {"phase": "Running", "conditions": [{"type": "Ready", "status": "True"}]}
        await client.update(p, subresource="status")

    async def scenario():
        client = AsyncClient(kube.transport)
        manager = ControllerManager(client, [StatefulSetController(),
                                             PersistentVolumeController()],
                                    clock=clock, watch_timeout=0.2)
        await manager.start()
        try:
            async def pod_names():
                return sorted(p["metadata"]["name"] for p in await client.list("pods", "default"))
            assert await wait_for(pod_names) == ["web-0"]
            await asyncio.sleep(0.2)
            assert await pod_names() == ["web-0"]          # OrderedReady waits for web-0
            await make_ready(client, "web-0")
            await wait_for(lambda: _has(client, "web-1"))
            await make_ready(client, "web-1")

            async def bound():
                claims = await client.list("persistentvolumeclaims", "default")
                return len(claims) == 2 and all(c["status"].get("phase") == "Bound"
                                                for c in claims) and claims
            claims = await wait_for(bound)
            volumes = await client.list("persistentvolumes")
            status = await wait_for(lambda: _ready_status(client))
            return claims, volumes, status
        finally:
            await manager.stop()

    claims, volumes, status = asyncio.run(scenario())
    assert sorted(c["metadata"]["name"] for c in claims) == ["www-web-0", "www-web-1"]
    assert sorted(c["spec"]["volumeName"] for c in claims) == \
        sorted(v["metadata"]["name"] for v in volumes)
    assert all(v["status"]["phase"] == "Bound" for v in volumes)
    assert status["readyReplicas"] == 2


async def _has(client, name):
    return any(p["metadata"]["name"] == name for p in await client.list("pods", "default"))


async def _ready_status(client):
    status = (await client.get("statefulsets", "web", "default")).get("status") or {}
    return status if status.get("readyReplicas") == 2 else None
