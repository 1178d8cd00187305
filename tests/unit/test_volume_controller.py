"""The PersistentVolume binder and provisioner over hand-built caches, settled
through a small simulated world that applies their actions like the apiserver."""

import asyncio

import pytest

from rayk8s.api import patches
from rayk8s.client import AsyncClient
from rayk8s.controllers import base
from rayk8s.controllers.manager import ControllerManager
from rayk8s.controllers.volumes import PersistentVolumeController, by_claim_ref, by_unbound
from rayk8s.machinery import Cache, by_namespace, copy, key_of

NOW = 1_700_000_100.0
UNSET = object()


def claim(name="data", size="1Gi", modes=("ReadWriteOnce",), cls=UNSET, volume=None,
          selector=None, phase="Pending"):
    spec = {"accessModes": list(modes), "resources": {"requests": {"storage": size}},
            "volumeMode": "Filesystem"}
    if cls is not UNSET:
        spec["storageClassName"] = cls
    if volume:
        spec["volumeName"] = volume
    if selector:
        spec["selector"] = {"matchLabels": selector}
    return {"apiVersion": "v1", "kind": "PersistentVolumeClaim",
            "metadata": {"name": name, "namespace": "default", "uid": f"uid-{name}",
                         "resourceVersion": "7"},
            "spec": spec, "status": {"phase": phase}}


def volume(name, size="1Gi", modes=("ReadWriteOnce",), cls="standard", policy="Retain",
           phase="Available", claim_ref=None, labels=None):
    spec = {"capacity": {"storage": size}, "accessModes": list(modes),
            "persistentVolumeReclaimPolicy": policy, "volumeMode": "Filesystem",
            "hostPath": {"path": f"/data/{name}"}}
    if cls:
        spec["storageClassName"] = cls
    if claim_ref:
        spec["claimRef"] = claim_ref
    return {"apiVersion": "v1", "kind": "PersistentVolume",
            "metadata": {"name": name, "uid": f"uid-{name}", "resourceVersion": "3",
                         "labels": labels or {}},
            "spec": spec, "status": {"phase": phase}}


class World:
    def __init__(self, claims=(), volumes=()):
        self.caches = {"persistentvolumeclaims": Cache({"namespace": by_namespace,
                                                        "unbound": by_unbound}),
                       "persistentvolumes": Cache({"claim-ref": by_claim_ref})}
        for c in claims:
            self.caches["persistentvolumeclaims"].add(c)
        for v in volumes:
            self.caches["persistentvolumes"].add(v)
        self.ctl = PersistentVolumeController(data_dir="/var/rayk8s/")
        self.events, self.rv, self.conflicts = [], 100, 0

    def claim(self, name="data"):
        return self.caches["persistentvolumeclaims"].get(f"default/{name}")

    def volume(self, name):
        return self.caches["persistentvolumes"].get(name)

    def sync(self, key):
        actions = self.ctl.sync(key, self.caches, NOW)
        for a in actions:
            self.apply(a)
        return actions

    def settle(self, rounds=10):
        """Sync every key until nothing is left to do; returns every action taken."""
        done = []
        for _ in range(rounds):
            keys = self.caches["persistentvolumeclaims"].keys() + \
                self.caches["persistentvolumes"].keys()
            step = [a for key in keys for a in self.sync(key)]
            if not step:
                assert self.conflicts == 0
                return done
            done += step
        raise AssertionError("did not settle")

    def apply(self, a):
        """Every write gets a new resourceVersion; a stale update is a conflict (dropped)."""
        self.rv += 1
        if isinstance(a, base.Create):
            obj = copy(a.obj)
            obj["metadata"].update(uid=f"uid-{obj['metadata']['name']}",
                                   resourceVersion=str(self.rv))
            obj["status"] = {"phase": "Pending"}
            self.caches["persistentvolumes"].add(obj)
        elif isinstance(a, base.Update):
            cache = self.caches["persistentvolumes" if a.obj["kind"] == "PersistentVolume"
                                else "persistentvolumeclaims"]
            if cache.get(key_of(a.obj))["metadata"]["resourceVersion"] != \
                    a.obj["metadata"]["resourceVersion"]:
                self.conflicts += 1
                return
            obj = copy(a.obj)
            obj["metadata"]["resourceVersion"] = str(self.rv)
            cache.add(obj)
        elif isinstance(a, base.Patch):
            key = f"{a.namespace}/{a.name}" if a.namespace else a.name
            old = self.caches[a.resource].get(key)
            new = patches.apply_patch_type(old, a.patch, "merge", "")
            new["metadata"]["resourceVersion"] = str(self.rv)
            self.caches[a.resource].add(new)
        elif isinstance(a, base.Delete):
            self.caches[a.resource].delete(a.name)
        elif isinstance(a, base.Event):
            self.events.append((a.type, a.reason, a.message))


def kinds_of(actions, cls):
    return [a for a in actions if isinstance(a, cls)]


def test_a_new_claim_gets_a_fresh_volume_and_both_are_bound():
    world = World([claim(size="2Gi", modes=("ReadWriteOnce", "ReadOnlyMany"))])
    actions = world.sync("default/data")
    [create] = kinds_of(actions, base.Create)
    pv = create.obj
    assert pv["metadata"]["name"] == "pvc-uid-data"
    assert pv["metadata"]["annotations"]["pv.kubernetes.io/provisioned-by"] == \
        "rayk8s.io/hostpath"
    assert pv["spec"]["capacity"] == {"storage": "2Gi"}
    assert pv["spec"]["accessModes"] == ["ReadWriteOnce", "ReadOnlyMany"]
    assert (pv["spec"]["persistentVolumeReclaimPolicy"], pv["spec"]["storageClassName"],
            pv["spec"]["volumeMode"]) == ("Delete", "standard", "Filesystem")
    assert pv["spec"]["hostPath"]["path"] == "/var/rayk8s/pvc-uid-data"
    assert pv["spec"]["claimRef"] == {"kind": "PersistentVolumeClaim", "namespace": "default",
                                      "name": "data", "uid": "uid-data", "apiVersion": "v1",
                                      "resourceVersion": "7"}
    assert ("Normal", "ProvisioningSucceeded",
            "Successfully provisioned volume pvc-uid-data using rayk8s.io/hostpath") \
        in world.events
    world.settle()
    c, v = world.claim(), world.volume("pvc-uid-data")
    assert v["status"]["phase"] == "Bound"
    assert c["spec"]["volumeName"] == "pvc-uid-data"
    assert c["status"] == {"phase": "Bound", "capacity": {"storage": "2Gi"},
                           "accessModes": ["ReadWriteOnce", "ReadOnlyMany"]}
    assert c["metadata"]["annotations"] == {
        "pv.kubernetes.io/bind-completed": "yes", "pv.kubernetes.io/bound-by-controller": "yes",
        "volume.kubernetes.io/storage-provisioner": "rayk8s.io/hostpath",
        "volume.beta.kubernetes.io/storage-provisioner": "rayk8s.io/hostpath"}


def test_each_claim_gets_its_own_volume():
    world = World([claim("a"), claim("b", cls="standard")])
    world.settle()
    assert {world.claim(n)["spec"]["volumeName"] for n in "ab"} == {"pvc-uid-a", "pvc-uid-b"}


@pytest.mark.parametrize("volumes,chosen", [
    ([volume("big", "5Gi"), volume("fit", "1Gi")], "fit"),              # the smallest fit
    ([volume("small", "500Mi"), volume("ok", "2Gi")], "ok"),            # too small skipped
    ([volume("rwx", modes=("ReadWriteMany",)), volume("ok")], "ok"),    # access modes
    ([volume("fast", cls="fast"), volume("ok")], "ok"),                 # storage class
    ([volume("taken", claim_ref={"name": "other", "namespace": "default", "uid": "x"}),
      volume("ok")], "ok"),                                             # claimed by another
    ([volume("released", phase="Released"), volume("ok")], "ok"),       # not Available
    ([volume("small", "1Gi"),                                           # pre-bound wins
      volume("mine", "3Gi", claim_ref={"name": "data", "namespace": "default"})], "mine"),
])
def test_a_premade_volume_that_fits_is_bound_before_provisioning(volumes, chosen):
    world = World([claim()], volumes)
    actions = world.sync("default/data")
    [reserve] = kinds_of(actions, base.Update)
    assert reserve.obj["metadata"]["name"] == chosen
    world.settle()
    assert world.claim()["spec"]["volumeName"] == chosen
    assert world.volume(chosen)["status"]["phase"] == "Bound"
    assert len(world.caches["persistentvolumes"].list()) == len(volumes)   # none provisioned


def test_a_new_volume_becomes_available_and_wakes_unbound_claims():
    world = World([claim(cls="manual")], [volume("pv1", cls="manual", phase="Pending")])
    ctl = world.ctl
    assert list(ctl.keys_for("persistentvolumes", world.volume("pv1"), world.caches)) == \
        ["pv1", "default/data"]
    world.sync("pv1")
    assert world.volume("pv1")["status"]["phase"] == "Available"
    world.settle()
    assert world.claim()["status"]["phase"] == "Bound"


@pytest.mark.parametrize("policy,phase,exists", [("Delete", None, False),
                                                 ("Retain", "Released", True),
                                                 ("Recycle", "Available", True)])
def test_claim_deletion_runs_the_reclaim_policy(policy, phase, exists):
    world = World([claim()], [volume("pv1", policy=policy)])
    world.settle()
    assert world.volume("pv1")["status"]["phase"] == "Bound"
    world.caches["persistentvolumeclaims"].delete("default/data")
    world.settle()
    pv = world.volume("pv1")
    assert (pv is not None) == exists
    if exists:
        assert pv["status"]["phase"] == phase


def test_provisioned_volume_is_deleted_with_its_claim():
    world = World([claim()])
    world.settle()
    world.caches["persistentvolumeclaims"].delete("default/data")
    world.settle()
    assert world.caches["persistentvolumes"].list() == []


@pytest.mark.parametrize("cls,event", [
    ("", ("Normal", "FailedBinding",
          "no persistent volumes available for this claim and no storage class is set")),
    ("fast", ("Warning", "ProvisioningFailed", 'storageclass.storage.k8s.io "fast" not found')),
])
def test_only_the_default_class_is_provisioned(cls, event):
    world = World([claim(cls=cls)])
    actions = world.sync("default/data")
    assert not kinds_of(actions, base.Create) and world.events == [event]


def test_a_claim_naming_a_volume_binds_to_it():
    world = World([claim(volume="pv1")], [volume("pv1"), volume("pv2")])
    world.settle()
    c = world.claim()
    assert c["spec"]["volumeName"] == "pv1" and c["status"]["phase"] == "Bound"
    assert "pv.kubernetes.io/bound-by-controller" not in c["metadata"]["annotations"]
    assert world.volume("pv1")["spec"]["claimRef"]["uid"] == "uid-data"


def test_a_bound_claim_whose_volume_vanished_is_lost():
    world = World([claim()])
    world.settle()
    world.caches["persistentvolumes"].delete("pvc-uid-data")
    world.sync("default/data")
    assert world.claim()["status"]["phase"] == "Lost"
    assert world.events[-1][:2] == ("Warning", "ClaimLost")


def test_keys_for_a_claim_include_its_volumes():
    world = World([claim()])
    world.settle()
    assert list(world.ctl.keys_for("persistentvolumeclaims", world.claim(), world.caches)) == \
        ["default/data", "pvc-uid-data"]


def test_manager_binds_a_claim_over_the_api(kube, clock):
    """End to end without Ray: the registry accepts spec.volumeName being set once."""
    manifest = claim()
    manifest["metadata"] = {"name": "data", "namespace": "default"}
    del manifest["status"]
    kube.create(manifest)

    async def scenario():
        client = AsyncClient(kube.transport)
        manager = ControllerManager(client, [PersistentVolumeController()], clock=clock,
                                    watch_timeout=0.2)
        await manager.start()
        try:
            for _ in range(300):
                c = await client.get("persistentvolumeclaims", "data", "default")
                if c["status"].get("phase") == "Bound":
                    break
                await asyncio.sleep(0.01)
            await client.delete("persistentvolumeclaims", "data", "default")
            for _ in range(300):
                if not await client.list("persistentvolumes"):
                    break
                await asyncio.sleep(0.01)
            return c, await client.list("persistentvolumes")
        finally:
            await manager.stop()

    bound, left = asyncio.run(scenario())
    assert bound["status"]["phase"] == "Bound" and bound["spec"]["volumeName"].startswith("pvc-")
    assert left == []
