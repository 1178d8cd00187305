"""The emulated cloud load balancer over hand-built caches, and once end to end (no Ray)."""

import asyncio

import pytest

from rayk8s.client import AsyncClient
from rayk8s.controllers import base
from rayk8s.controllers.manager import ControllerManager
from rayk8s.controllers.servicelb import LB_FINALIZER, ServiceLBController, parse_pool
from rayk8s.machinery import Cache

NOW = 1_700_000_100.0


def lb(name="web", ip=None, finalizer=False, type_="LoadBalancer", deleting=False, **spec):
    obj = {"apiVersion": "v1", "kind": "Service",
           "metadata": {"name": name, "namespace": "default", "uid": f"uid-{name}",
                        "resourceVersion": "7"},
           "spec": dict({"type": type_, "ports": [{"port": 80, "nodePort": 30080}]}, **spec),
           "status": {"loadBalancer": {"ingress": [{"ip": ip, "ipMode": "VIP"}]} if ip else {}}}
    if finalizer:
        obj["metadata"]["finalizers"] = [LB_FINALIZER]
    if deleting:
        obj["metadata"]["deletionTimestamp"] = "2023-11-14T22:15:00Z"
    return obj


def listers(*services):
    cache = Cache()
    for svc in services:
        cache.add(svc)
    return {"services": cache}


def status_ip(actions):
    patches = [a for a in actions if isinstance(a, base.Patch) and a.subresource == "status"]
    if not patches:
        return None
    [patch] = patches
    [ingress] = patch.patch["status"]["loadBalancer"]["ingress"]
    assert ingress["ipMode"] == "VIP"
    return ingress["ip"]


def reasons(actions):
    return [a.reason for a in actions if isinstance(a, base.Event)]


# ------------------------------------------------------------------ ensuring

def test_a_new_load_balancer_gets_the_first_address_and_the_finalizer():
    actions = ServiceLBController().sync("default/web", listers(lb()), NOW)
    assert reasons(actions) == ["EnsuringLoadBalancer", "EnsuredLoadBalancer"]
    assert status_ip(actions) == "127.0.100.1"
    [finalizer] = [a for a in actions if isinstance(a, base.Patch) and not a.subresource]
    assert finalizer.patch == {"metadata": {"finalizers": [LB_FINALIZER],
                                            "resourceVersion": "7"}}
    assert [type(a) for a in actions] == [base.Event, base.Patch, base.Patch, base.Event]


def test_an_ensured_load_balancer_is_left_alone():
    svc = lb(ip="127.0.100.9", finalizer=True)
    assert ServiceLBController().sync("default/web", listers(svc), NOW) == []


@pytest.mark.parametrize("svc,others,expected", [
    # the lowest address nobody holds
    (lb(), [lb("a", ip="127.0.100.1"), lb("b", ip="127.0.100.2")], "127.0.100.3"),
    # an address held by a service that is no longer a load balancer is free
    (lb(), [lb("a", ip="127.0.100.1", type_="ClusterIP")], "127.0.100.1"),
    # ... unless it is still being cleaned up (finalizer)
    (lb(), [lb("a", ip="127.0.100.1", finalizer=True, deleting=True)], "127.0.100.2"),
    # spec.loadBalancerIP when it is a free pool address
    (lb(loadBalancerIP="127.0.100.50"), [], "127.0.100.50"),
    (lb(loadBalancerIP="127.0.100.50"), [lb("a", ip="127.0.100.50")], "127.0.100.1"),
    (lb(loadBalancerIP="192.0.2.1"), [], "127.0.100.1"),
    # keeps the address it has
    (lb(ip="127.0.100.7"), [], "127.0.100.7"),
    # ... unless an older Service holds it too (the older one keeps it)
    (lb(ip="127.0.100.7"), [lb("a", ip="127.0.100.7")], "127.0.100.1"),
    (lb(ip="127.0.100.7"), [lb("z", ip="127.0.100.7")], "127.0.100.7"),
])
def test_which_address(svc, others, expected):
    actions = ServiceLBController().sync("default/web", listers(svc, *others), NOW)
    kept = (svc["status"]["loadBalancer"].get("ingress") or [{}])[0].get("ip")
    assert (status_ip(actions) or kept) == expected


def test_two_syncs_before_the_status_lands_get_different_addresses():
    ctl = ServiceLBController()
    ls = listers(lb("a"), lb("b"))
    first = status_ip(ctl.sync("default/a", ls, NOW))
    second = status_ip(ctl.sync("default/b", ls, NOW))
    assert (first, second) == ("127.0.100.1", "127.0.100.2")
    assert status_ip(ctl.sync("default/a", ls, NOW)) == first   # stable


@pytest.mark.parametrize("svc", [
    lb(type_="ClusterIP"), lb(type_="NodePort"), lb(loadBalancerClass="example.com/other"),
])
def test_not_ours(svc):
    assert ServiceLBController().sync("default/web", listers(svc), NOW) == []


# ------------------------------------------------------------------ releasing

@pytest.mark.parametrize("svc", [
    lb(type_="ClusterIP", finalizer=True),                       # no longer a LoadBalancer
    lb(ip="127.0.100.1", finalizer=True, deleting=True),         # being deleted
])
def test_cleanup_releases_and_drops_the_finalizer(svc):
    svc["metadata"]["finalizers"].append("example.com/keep")
    actions = ServiceLBController().sync("default/web", listers(svc), NOW)
    assert reasons(actions) == ["DeletingLoadBalancer", "DeletedLoadBalancer"]
    [patch] = [a for a in actions if isinstance(a, base.Patch)]
    assert patch.patch == {"metadata": {"finalizers": ["example.com/keep"],
                                        "resourceVersion": "7"}}


def test_a_released_address_is_handed_out_again():
    ctl = ServiceLBController(pool="127.0.100.1-127.0.100.2")
    assert status_ip(ctl.sync("default/a", listers(lb("a"), lb("b")), NOW)) == "127.0.100.1"
    assert status_ip(ctl.sync("default/b", listers(lb("a"), lb("b")), NOW)) == "127.0.100.2"
    # a is deleted: gone from the cache
    assert ctl.sync("default/a", listers(lb("b", ip="127.0.100.2")), NOW) == []
    ls = listers(lb("b", ip="127.0.100.2"), lb("c"))
    assert status_ip(ctl.sync("default/c", ls, NOW)) == "127.0.100.1"


def test_an_exhausted_pool_warns_retries_and_wakes_when_an_address_frees():
    ctl = ServiceLBController(pool="127.0.100.1", retry_seconds=3)
    holder = lb("a", ip="127.0.100.1", finalizer=True)
    actions = ctl.sync("default/web", listers(holder, lb()), NOW)
    assert reasons(actions) == ["SyncLoadBalancerFailed"]
    [warning] = [a for a in actions if isinstance(a, base.Event)]
    assert warning.type == "Warning"
    assert warning.message.startswith("Error syncing load balancer: failed to ensure load "
                                      "balancer: no free address")
    assert base.Requeue(3) in actions
    # the holder stops being a load balancer: the waiting service is synced too
    changed = lb("a", ip="127.0.100.1", finalizer=True, type_="ClusterIP")
    assert list(ctl.keys_for("services", changed, listers(changed, lb()))) == \
        ["default/a", "default/web"]
    assert ctl.keys_for("services", lb("x"), listers(lb("x"), lb())) == ["default/x"]
    freed = lb("a", type_="ClusterIP")
    assert status_ip(ctl.sync("default/web", listers(freed, lb()), NOW)) == "127.0.100.1"


@pytest.mark.parametrize("pool,expected", [
    ("127.0.100.1-127.0.100.3", ["127.0.100.1", "127.0.100.2", "127.0.100.3"]),
    ("10.0.0.0/30", ["10.0.0.1", "10.0.0.2"]),
    ("127.0.0.5, 127.0.0.6,127.0.0.5", ["127.0.0.5", "127.0.0.6"]),
    (["127.0.0.9", "127.0.0.10-127.0.0.11"], ["127.0.0.9", "127.0.0.10", "127.0.0.11"]),
])
def test_parse_pool(pool, expected):
    assert parse_pool(pool) == expected


@pytest.mark.parametrize("pool", ["", "127.0.0.9-127.0.0.1", "not-an-ip"])
def test_parse_pool_rejects(pool):
    with pytest.raises(ValueError):
        parse_pool(pool)


def test_the_default_pool_is_loopback():
    pool = ServiceLBController().pool
    assert pool[0] == "127.0.100.1" and pool[-1] == "127.0.100.254" and len(pool) == 254


# ------------------------------------------------------------------ end to end

def test_load_balancers_over_the_api(kube, clock):
    def create(name):
        kube.create({"apiVersion": "v1", "kind": "Service", "metadata": {"name": name},
                     "spec": {"type": "LoadBalancer", "selector": {"app": name},
                              "ports": [{"port": 80, "targetPort": 8080}]}})

    async def until(client, name, check):
        for _ in range(400):
            try:
                svc = await client.get("services", name, "default")
            except Exception:  # noqa: BLE001 - gone
                svc = None
            if check(svc):
                return svc
            await asyncio.sleep(0.01)
        raise AssertionError(f"{name} never matched: {svc}")

    def ingress(svc):
        return ((svc or {}).get("status") or {}).get("loadBalancer", {}).get("ingress")

    async def scenario():
        client = AsyncClient(kube.transport)
        manager = ControllerManager(client, [ServiceLBController(pool="127.0.100.1-127.0.100.2")],
                                    clock=clock, watch_timeout=0.2)
        await manager.start()
        try:
            create("a")
            create("b")
            a = await until(client, "a", ingress)
            b = await until(client, "b", ingress)
            assert {ingress(a)[0]["ip"], ingress(b)[0]["ip"]} == {"127.0.100.1", "127.0.100.2"}
            assert a["metadata"]["finalizers"] == [LB_FINALIZER]
            create("c")   # the pool is exhausted: c waits
            await asyncio.sleep(0.1)
            assert not ingress(await client.get("services", "c", "default"))
            freed = ingress(a)[0]["ip"]
            await client.delete("services", "a", "default")
            await until(client, "a", lambda svc: svc is None)   # the finalizer was dropped
            c = await until(client, "c", ingress)
            assert ingress(c)[0]["ip"] == freed
            # b stops being a LoadBalancer: its status is cleared, its finalizer dropped
            await client.patch("services", "b", {"spec": {"type": "ClusterIP"}}, "default")
            b = await until(client, "b", lambda svc: not svc["metadata"].get("finalizers"))
            assert not ingress(b)
            events = await client.list("events", "default")
            seen = {(e["involvedObject"]["name"], e["reason"]) for e in events}
            assert {("a", "EnsuringLoadBalancer"), ("a", "EnsuredLoadBalancer"),
                    ("a", "DeletingLoadBalancer"), ("a", "DeletedLoadBalancer"),
                    ("c", "SyncLoadBalancerFailed")} <= seen
        finally:
            await manager.stop()

    asyncio.run(scenario())
