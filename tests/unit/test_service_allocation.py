"""ClusterIP and NodePort allocation in the registry (kube-apiserver's service REST storage).

Through the in-process client where the default ranges do, over a bare
Registry where a test needs its own ranges.  No Ray.
"""

import asyncio
import ipaddress

import pytest

from rayk8s import ApiError
from rayk8s.apiserver import allocators
from rayk8s.apiserver.registry import Registry
from rayk8s.client import AsyncClient, Client, InProcessTransport
from rayk8s.clock import FakeClock
from rayk8s.store import AsyncStore, MVCCStore

CIDR = ipaddress.ip_network("10.96.0.0/12")


def svc(name="web", type_="ClusterIP", ports=None, **spec):
    ports = ports if ports is not None else [{"port": 8080}]
    return {"apiVersion": "v1", "kind": "Service", "metadata": {"name": name},
            "spec": dict({"type": type_, "selector": {"app": name}, "ports": ports}, **spec)}


def node_ports(obj):
    return [p.get("nodePort") for p in obj["spec"]["ports"]]


def range_keys(kube, prefix=allocators.IP_KEY_PREFIX):
    store = kube.transport.store.store
    return {kv.key[len(prefix):]: kv.value.decode() for kv in store.range(prefix).kvs}


def rejected(call) -> ApiError:
    with pytest.raises(ApiError) as info:
        call()
    return info.value


# ------------------------------------------------------------------ basics

def test_the_kubernetes_service_exists_with_the_first_address(kube):
    k8s = kube.get("services", "kubernetes", "default")
    assert k8s["spec"]["clusterIP"] == "10.96.0.1"
    assert k8s["spec"]["clusterIPs"] == ["10.96.0.1"]
    assert k8s["spec"]["ports"] == [{"name": "https", "port": 443, "protocol": "TCP",
                                     "targetPort": 6443}]
    assert k8s["metadata"]["labels"] == {"component": "apiserver", "provider": "kubernetes"}
    assert "selector" not in k8s["spec"]
    assert range_keys(kube)["10.96.0.1"] == "default/kubernetes"


@pytest.mark.parametrize("type_,expect_ip,expect_node_port", [
    ("ClusterIP", True, False),
    ("NodePort", True, True),
    ("LoadBalancer", True, True),
])
def test_types_get_what_they_need(kube, type_, expect_ip, expect_node_port):
    out = kube.create(svc(type_=type_))
    ip = out["spec"].get("clusterIP")
    assert bool(ip) is expect_ip
    assert out["spec"]["clusterIPs"] == [ip]
    assert ipaddress.ip_address(ip) in CIDR and ip != "10.96.0.1"
    [np] = node_ports(out)
    assert (np is not None) is expect_node_port
    if np is not None:
        assert 30000 <= np <= 32767
        assert range_keys(kube, allocators.PORT_KEY_PREFIX)[str(np)] == "default/web"
    assert range_keys(kube)[ip] == "default/web"


def test_headless_and_external_name_get_no_address(kube):
    headless = kube.create(svc("db", clusterIP="None"))
    assert headless["spec"]["clusterIP"] == "None"
    ext = kube.create({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "ext"},
                       "spec": {"type": "ExternalName", "externalName": "db.example.com"}})
    assert "clusterIP" not in ext["spec"]
    assert set(range_keys(kube)) == {"10.96.0.1"}


def test_client_ip_affinity_defaults_its_timeout(kube):
    out = kube.create(svc(sessionAffinity="ClientIP"))
    assert out["spec"]["sessionAffinityConfig"] == {"clientIP": {"timeoutSeconds": 10800}}


def test_requested_values_are_used(kube):
    out = kube.create(svc(type_="NodePort", clusterIP="10.96.0.10",
                          ports=[{"port": 8080, "nodePort": 31240}]))
    assert out["spec"]["clusterIP"] == "10.96.0.10"
    assert node_ports(out) == [31240]


def test_ports_sharing_a_number_share_a_node_port(kube):
    out = kube.create(svc("dns", type_="NodePort", ports=[
        {"name": "dns", "port": 53, "protocol": "UDP"},
        {"name": "dns-tcp", "port": 53, "protocol": "TCP"},
        {"name": "metrics", "port": 9153, "protocol": "TCP"}]))
    udp, tcp, metrics = node_ports(out)
    assert udp == tcp and metrics != udp
    assert set(range_keys(kube, allocators.PORT_KEY_PREFIX)) == {str(udp), str(metrics)}


def test_load_balancer_options(kube):
    no_ports = kube.create(svc("a", type_="LoadBalancer", allocateLoadBalancerNodePorts=False))
    assert node_ports(no_ports) == [None]
    local = kube.create(svc("b", type_="LoadBalancer", externalTrafficPolicy="Local"))
    hc = local["spec"]["healthCheckNodePort"]
    assert 30000 <= hc <= 32767 and hc not in node_ports(local)
    assert set(range_keys(kube, allocators.PORT_KEY_PREFIX)) == {
        str(hc), str(node_ports(local)[0])}


def test_dry_run_shows_an_address_but_takes_nothing(kube):
    out = kube.create(svc(type_="NodePort"), dry_run=True)
    assert out["spec"]["clusterIP"] and node_ports(out)[0]
    assert set(range_keys(kube)) == {"10.96.0.1"}
    assert range_keys(kube, allocators.PORT_KEY_PREFIX) == {}


# ------------------------------------------------------------------ unique

def test_a_thousand_services_get_unique_addresses(kube):
    ips = set()
    for i in range(1000):
        out = kube.create(svc(f"s{i}"))
        ips.add(out["spec"]["clusterIP"])
    assert len(ips) == 1000
    assert "10.96.0.1" not in ips
    assert all(ipaddress.ip_address(ip) in CIDR for ip in ips)
    listed = {s["spec"]["clusterIP"] for s in kube.list("services", "default")}
    assert listed == ips | {"10.96.0.1"}
    assert set(range_keys(kube)) == listed


def test_concurrent_creates_never_share_an_address(kube):
    client = AsyncClient(kube.transport)

    async def burst():
        return await asyncio.gather(*(client.create(svc(f"c{i}", type_="NodePort"))
                                      for i in range(200)))

    made = asyncio.run(burst())
    assert len({s["spec"]["clusterIP"] for s in made}) == 200
    assert len({node_ports(s)[0] for s in made}) == 200


def test_concurrent_requests_for_one_address_one_wins(kube):
    client = AsyncClient(kube.transport)

    async def race():
        return await asyncio.gather(
            *(client.create(svc(f"r{i}", clusterIP="10.96.0.53")) for i in range(8)),
            return_exceptions=True)

    results = asyncio.run(race())
    won = [r for r in results if isinstance(r, dict)]
    lost = [r for r in results if isinstance(r, ApiError)]
    assert len(won) == 1 and len(lost) == 7
    assert {e.code for e in lost} == {422}


# ------------------------------------------------------------------ refusals

@pytest.mark.parametrize("spec,field,message", [
    ({"clusterIP": "10.96.0.10"}, "spec.clusterIPs",
     'Invalid value: ["10.96.0.10"]: failed to allocate IP 10.96.0.10: '
     "provided IP is already allocated"),
    ({"clusterIP": "10.96.0.1"}, "spec.clusterIPs",
     'Invalid value: ["10.96.0.1"]: failed to allocate IP 10.96.0.1: '
     "provided IP is already allocated"),
    ({"clusterIP": "10.95.0.7"}, "spec.clusterIPs",
     'Invalid value: ["10.95.0.7"]: failed to allocate IP 10.95.0.7: provided IP is not in '
     "the valid range. The range of valid IPs is 10.96.0.0/12"),
    ({"clusterIP": "10.96.0.0"}, "spec.clusterIPs",
     'Invalid value: ["10.96.0.0"]: failed to allocate IP 10.96.0.0: provided IP is not in '
     "the valid range. The range of valid IPs is 10.96.0.0/12"),
    ({"clusterIP": "10.111.255.255"}, "spec.clusterIPs",
     'Invalid value: ["10.111.255.255"]: failed to allocate IP 10.111.255.255: provided IP is '
     "not in the valid range. The range of valid IPs is 10.96.0.0/12"),
    ({"type": "NodePort", "ports": [{"port": 80, "nodePort": 31240}]}, "spec.ports[0].nodePort",
     "Invalid value: 31240: provided port is already allocated"),
    ({"type": "NodePort", "ports": [{"name": "a", "port": 80},
                                    {"name": "b", "port": 81, "nodePort": 31240}]},
     "spec.ports[1].nodePort", "Invalid value: 31240: provided port is already allocated"),
    ({"type": "NodePort", "ports": [{"port": 80, "nodePort": 8080}]}, "spec.ports[0].nodePort",
     "Invalid value: 8080: provided port is not in the valid range. The range of valid ports "
     "is 30000-32767"),
    ({"type": "LoadBalancer", "externalTrafficPolicy": "Local", "healthCheckNodePort": 31240},
     "spec.healthCheckNodePort", "Invalid value: 31240: provided port is already allocated"),
])
def test_taken_or_out_of_range_requests_are_422(kube, spec, field, message):
    kube.create(svc("first", type_="NodePort", clusterIP="10.96.0.10",
                    ports=[{"port": 80, "nodePort": 31240}]))
    err = rejected(lambda: kube.create(svc("second", **spec)))
    assert err.code == 422 and err.status["reason"] == "Invalid"
    assert err.status["details"]["causes"] == [
        {"reason": "FieldValueInvalid", "message": message, "field": field}]
    assert err.status["message"] == f'Service "second" is invalid: {field}: {message}'
    # Nothing was taken by the refused create.
    assert set(range_keys(kube)) == {"10.96.0.1", "10.96.0.10"}
    assert set(range_keys(kube, allocators.PORT_KEY_PREFIX)) == {"31240"}


# ------------------------------------------------------------------ release

def test_delete_releases_everything(kube):
    out = kube.create(svc(type_="NodePort", externalTrafficPolicy="Local"))
    ip, [np] = out["spec"]["clusterIP"], node_ports(out)
    kube.delete("services", "web")
    assert set(range_keys(kube)) == {"10.96.0.1"}
    assert range_keys(kube, allocators.PORT_KEY_PREFIX) == {}
    again = kube.create(svc("other", type_="NodePort", clusterIP=ip,
                            ports=[{"port": 1, "nodePort": np}]))
    assert again["spec"]["clusterIP"] == ip and node_ports(again) == [np]


@pytest.mark.parametrize("how", ["edit", "patch"])
def test_nodeport_to_clusterip_releases_node_ports_keeps_the_ip(kube, how):
    out = kube.create(svc(type_="NodePort"))
    ip, [np] = out["spec"]["clusterIP"], node_ports(out)
    if how == "edit":   # kubectl edit: the whole object back, nodePort still in it
        out["spec"]["type"] = "ClusterIP"
        changed = kube.update(out)
    else:
        changed = kube.patch("services", "web", {"spec": {"type": "ClusterIP"}})
    assert changed["spec"]["clusterIP"] == ip
    assert node_ports(changed) == [None]
    assert "externalTrafficPolicy" not in changed["spec"]
    assert range_keys(kube, allocators.PORT_KEY_PREFIX) == {}
    kube.create(svc("taker", type_="NodePort", ports=[{"port": 1, "nodePort": np}]))


def test_clusterip_to_nodeport_allocates_node_ports(kube):
    kube.create(svc())
    out = kube.patch("services", "web", {"spec": {"type": "NodePort"}})
    [np] = node_ports(out)
    assert range_keys(kube, allocators.PORT_KEY_PREFIX) == {str(np): "default/web"}


def test_external_name_round_trip_frees_and_reallocates_the_ip(kube):
    ip = kube.create(svc())["spec"]["clusterIP"]
    ext = kube.patch("services", "web", {"spec": {"type": "ExternalName",
                                                  "externalName": "web.example.com"}})
    assert "clusterIP" not in ext["spec"] and "ipFamilies" not in ext["spec"]
    assert ip not in range_keys(kube)
    back = kube.patch("services", "web", {"spec": {"type": "ClusterIP", "externalName": None}})
    assert back["spec"]["clusterIP"] and range_keys(kube)[back["spec"]["clusterIP"]] == \
        "default/web"


def test_load_balancer_to_clusterip_clears_its_status(kube):
    kube.create(svc(type_="LoadBalancer"))
    kube.patch("services", "web", {"status": {"loadBalancer": {"ingress": [
        {"ip": "127.0.100.1", "ipMode": "VIP"}]}}}, subresource="status")
    out = kube.patch("services", "web", {"spec": {"type": "ClusterIP"}})
    assert out["status"] == {"loadBalancer": {}}
    assert "allocateLoadBalancerNodePorts" not in out["spec"]


# ------------------------------------------------------------------ updates keep

def test_reapplying_the_manifest_keeps_allocations(kube):
    out = kube.create(svc(type_="NodePort"))
    again = kube.update(dict(svc(type_="NodePort"), metadata={"name": "web"}))
    assert again["spec"]["clusterIP"] == out["spec"]["clusterIP"]
    assert node_ports(again) == node_ports(out)
    assert again["metadata"]["resourceVersion"] == out["metadata"]["resourceVersion"]


def test_a_changed_node_port_swaps_the_allocation(kube):
    kube.create(svc(type_="NodePort", ports=[{"port": 80, "nodePort": 30100}]))
    out = kube.patch("services", "web", {"spec": {"ports": [{"port": 80, "nodePort": 30101}]}})
    assert node_ports(out) == [30101]
    assert set(range_keys(kube, allocators.PORT_KEY_PREFIX)) == {"30101"}


def test_an_update_cannot_take_a_port_held_elsewhere(kube):
    kube.create(svc("a", type_="NodePort", ports=[{"port": 80, "nodePort": 30100}]))
    kube.create(svc("b", type_="NodePort", ports=[{"port": 80, "nodePort": 30200}]))
    err = rejected(lambda: kube.patch("services", "b", {"spec": {"ports": [
        {"port": 80, "nodePort": 30100}]}}))
    assert err.code == 422
    assert err.status["details"]["causes"][0]["field"] == "spec.ports[0].nodePort"
    assert node_ports(kube.get("services", "b")) == [30200]
    assert set(range_keys(kube, allocators.PORT_KEY_PREFIX)) == {"30100", "30200"}


def test_status_and_label_updates_leave_allocations_alone(kube):
    out = kube.create(svc(type_="NodePort"))
    kube.patch("services", "web", {"metadata": {"labels": {"tier": "front"}}})
    kube.patch("services", "web", {"status": {"conditions": []}}, subresource="status")
    now = kube.get("services", "web")
    assert now["spec"]["clusterIP"] == out["spec"]["clusterIP"]
    assert node_ports(now) == node_ports(out)


# ------------------------------------------------------------------ restarts

def test_allocations_survive_a_restart(tmp_path):
    first = Client(InProcessTransport(clock=FakeClock(), data_dir=str(tmp_path)))
    made = [first.create(svc(f"s{i}", type_="NodePort")) for i in range(20)]
    first.delete("services", "s0")
    first.close()

    second = Client(InProcessTransport(clock=FakeClock(), data_dir=str(tmp_path)))
    try:
        assert len(second.list("services", "default")) == 20   # 19 + kubernetes
        ip, [np] = made[1]["spec"]["clusterIP"], node_ports(made[1])
        assert rejected(lambda: second.create(svc("dup", clusterIP=ip))).code == 422
        assert rejected(lambda: second.create(svc("dup", type_="NodePort", ports=[
            {"port": 1, "nodePort": np}]))).code == 422
        # s0's address came back; fresh ones don't collide with the 19 kept.
        s0_ip = made[0]["spec"]["clusterIP"]
        assert second.create(svc("back", clusterIP=s0_ip))["spec"]["clusterIP"] == s0_ip
        more = [second.create(svc(f"n{i}", type_="NodePort")) for i in range(50)]
        ips = [s["spec"]["clusterIP"] for s in second.list("services", "default")]
        ports = [p for s in second.list("services", "default") for p in node_ports(s) if p]
        assert len(ips) == len(set(ips)) == 71
        assert len(ports) == len(set(ports)) == 69
        assert all(s["spec"]["clusterIP"] != "10.96.0.1" for s in more)
        assert [s["metadata"]["name"] for s in second.list("services", "default")
                if s["spec"]["clusterIP"] == "10.96.0.1"] == ["kubernetes"]
    finally:
        second.close()


def test_restart_repairs_range_keys_from_the_services(tmp_path):
    first = Client(InProcessTransport(clock=FakeClock(), data_dir=str(tmp_path)))
    out = first.create(svc(type_="NodePort"))
    store = first.transport.store.store
    store.delete(allocators.ip_key(out["spec"]["clusterIP"]))        # lost
    store.put(allocators.ip_key("10.96.9.9"), b"default/ghost")       # leaked
    store.put(allocators.port_key(30999), b"default/ghost")
    first.close()

    second = Client(InProcessTransport(clock=FakeClock(), data_dir=str(tmp_path)))
    try:
        assert range_keys(second) == {"10.96.0.1": "default/kubernetes",
                                      out["spec"]["clusterIP"]: "default/web"}
        assert range_keys(second, allocators.PORT_KEY_PREFIX) == {
            str(node_ports(out)[0]): "default/web"}
        assert rejected(lambda: second.create(
            svc("dup", clusterIP=out["spec"]["clusterIP"]))).code == 422
        assert second.create(svc("ghost", clusterIP="10.96.9.9"))
    finally:
        second.close()


# ------------------------------------------------------------------ own ranges

def _with_registry(scenario, **config):
    async def main():
        registry = Registry(AsyncStore(MVCCStore()), clock=FakeClock(), **config)
        await registry.start()
        try:
            return await scenario(registry)
        finally:
            await registry.stop()
    return asyncio.run(main())


def test_ranges_are_configurable_and_a_full_range_is_500():
    async def scenario(registry):
        made = [await registry.create("services", svc(f"s{i}", type_="NodePort"), "default")
                for i in range(5)]
        with pytest.raises(ApiError) as full:
            await registry.create("services", svc("more"), "default")
        return made, full.value

    made, full = _with_registry(scenario, service_cidr="10.0.0.0/29",
                                node_port_range="31000-31009")
    ips = {s["spec"]["clusterIP"] for s in made}
    # /29: .1 is the kubernetes Service's, .2-.6 for the rest, .0 and .7 unusable
    assert ips == {f"10.0.0.{i}" for i in range(2, 7)}
    assert all(31000 <= node_ports(s)[0] <= 31009 for s in made)
    assert full.code == 500
    assert full.status["message"] == ("Internal error occurred: failed to allocate a "
                                      "serviceIP: range is full")


def test_a_value_taken_behind_the_maps_back_is_caught_by_the_transaction():
    """Another writer (say a second apiserver) holds the only free address."""
    async def scenario(registry):
        registry.store.store.put(allocators.ip_key("10.0.0.2"), b"elsewhere/x")
        with pytest.raises(ApiError) as asked:
            await registry.create("services", svc("a", clusterIP="10.0.0.2"), "default")
        with pytest.raises(ApiError) as auto:
            await registry.create("services", svc("b"), "default")
        listed = await registry.list("services", "default")
        return asked.value, auto.value, [s["metadata"]["name"] for s in listed["items"]]

    asked, auto, names = _with_registry(scenario, service_cidr="10.0.0.0/30")
    assert asked.code == 422 and asked.status["details"]["causes"][0]["message"].endswith(
        "failed to allocate IP 10.0.0.2: provided IP is already allocated")
    assert auto.code == 500 and auto.status["message"].endswith("range is full")
    assert names == ["kubernetes"]


def test_a_node_port_taken_behind_the_maps_back_is_caught_by_the_transaction():
    async def scenario(registry):
        store = registry.store.store
        store.put(allocators.port_key(31000), b"elsewhere/x")
        with pytest.raises(ApiError) as auto:
            await registry.create("services", svc("a", type_="NodePort"), "default")
        with pytest.raises(ApiError) as asked:
            await registry.create("services", svc("b", type_="NodePort", ports=[
                {"port": 80, "nodePort": 31000}]), "default")
        fine = await registry.create("services", svc("c"), "default")
        keys = sorted(kv.key for kv in store.range("/registry/ranges/").kvs)
        return auto.value, asked.value, fine, keys

    auto, asked, fine, keys = _with_registry(scenario, service_cidr="10.0.0.0/29",
                                             node_port_range="31000")
    assert auto.code == 500 and auto.status["message"] == (
        "Internal error occurred: failed to allocate a nodePort: range is full")
    assert asked.code == 422 and asked.status["details"]["causes"] == [{
        "reason": "FieldValueInvalid", "field": "spec.ports[0].nodePort",
        "message": "Invalid value: 31000: provided port is already allocated"}]
    # The failed creates gave back the addresses they had reserved.
    assert keys == sorted([allocators.ip_key("10.0.0.1"), allocators.port_key(31000),
                           allocators.ip_key(fine["spec"]["clusterIP"])])


class _YieldingStore:
    """An AsyncStore that lets other coroutines run before each transaction, as a
    remote etcd does (the in-memory one commits without yielding)."""

    def __init__(self, store):
        self._store = store

    def __getattr__(self, name):
        return getattr(self._store, name)

    async def txn(self, *args, **kwargs):
        await asyncio.sleep(0)
        return await self._store.txn(*args, **kwargs)


def test_two_apiservers_on_one_store_never_hand_out_one_value_twice():
    """Each apiserver has its own maps; only the store's transactions keep them apart."""
    async def main():
        shared = AsyncStore(MVCCStore())
        registries = [Registry(_YieldingStore(shared), clock=FakeClock(),
                               service_cidr="10.0.0.0/26", node_port_range="31000-31063")
                      for _ in range(2)]
        for registry in registries:
            await registry.start()
        try:
            made = await asyncio.gather(*(
                registries[i % 2].create("services", svc(f"s{i}", type_="NodePort"), "default")
                for i in range(40)))
            # dynamic allocation stays above the static band (.1-.16) while it can
            asked = await asyncio.gather(*(
                registries[i % 2].create("services", svc(f"x{i}", clusterIP="10.0.0.10"),
                                         "default") for i in range(6)),
                return_exceptions=True)
            return made, asked
        finally:
            for registry in registries:
                await registry.stop()

    made, asked = asyncio.run(main())
    ips = [s["spec"]["clusterIP"] for s in made]
    ports = [node_ports(s)[0] for s in made]
    assert len(set(ips)) == len(set(ports)) == 40
    assert all(int(ip.rsplit(".", 1)[1]) > 16 for ip in ips)
    won = [r for r in asked if isinstance(r, dict)]
    assert len(won) == 1 and all(getattr(r, "code", 0) == 422 for r in asked if r not in won)


def test_a_second_cluster_ip_is_refused_on_a_single_stack_cluster(kube):
    err = rejected(lambda: kube.create(svc(clusterIP="10.96.0.10",
                                           clusterIPs=["10.96.0.10", "fd00::10"])))
    assert err.code == 422
    assert err.status["details"]["causes"][0]["field"] == "spec.ipFamilyPolicy"
    assert set(range_keys(kube)) == {"10.96.0.1"}
