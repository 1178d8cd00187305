"""kube-proxy's table (rayk8s.node.proxy): readiness, round robin, random, ClientIP affinity."""

import collections
import random

import pytest

from rayk8s.clock import FakeClock
from rayk8s.node.proxy import KubeProxy, Target


def service(name="web", type_="NodePort", node_port=31240, affinity=None, timeout=None):
    spec = {"type": type_, "selector": {"app": name},
            "ports": [{"name": "", "port": 80, "targetPort": 8090, "protocol": "TCP",
                       "nodePort": node_port}]}
    if affinity:
        spec["sessionAffinity"] = affinity
        if timeout is not None:
            spec["sessionAffinityConfig"] = {"clientIP": {"timeoutSeconds": timeout}}
    return {"metadata": {"name": name, "namespace": "default"}, "spec": spec}


def endpoint(i, ready=True):
    return {"addresses": [f"10.244.{i}.5"], "conditions": {"ready": ready},
            "nodeName": f"node-{i}",
            "targetRef": {"kind": "Pod", "namespace": "default", "name": f"web-{i}"}}


def slice_(name, eps, service_name="web"):
    return {"metadata": {"name": name, "namespace": "default",
                         "labels": {"kubernetes.io/service-name": service_name}},
            "addressType": "IPv4", "endpoints": eps,
            "ports": [{"name": "", "port": 8090, "protocol": "TCP"}]}


def table(n=4, mode="round-robin", clock=None, **svc):
    proxy = KubeProxy(clock or FakeClock(), mode=mode, rng=random.Random(7))
    proxy.set_service(service(**svc))
    proxy.set_slice(slice_("web-abcde", [endpoint(i) for i in range(1, n + 1)]))
    return proxy


def test_round_robin_returns_each_endpoint_once_per_n_picks():
    proxy = table(4)
    for _ in range(3):
        picks = [proxy.pick("default/web") for _ in range(4)]
        assert sorted(p.pod for p in picks) == [f"default/web-{i}" for i in range(1, 5)]
    t = proxy.pick(31240)
    assert isinstance(t, Target) and t.port == 8090 and t.pod_ip.startswith("10.244.")
    assert t.node == f"node-{t.pod_ip.split('.')[2]}"


def test_node_port_lookup_and_unknown():
    proxy = table(2)
    assert proxy.node_ports() == {31240: ("default/web", "")}
    assert proxy.pick(30000) is None and proxy.pick("default/nope") is None
    proxy.set_service(service("internal", type_="ClusterIP", node_port=None))
    assert list(proxy.node_ports()) == [31240]
    proxy.delete_service("default/web")
    assert proxy.node_ports() == {}


def test_not_ready_endpoints_are_never_picked():
    proxy = table(0)
    proxy.set_slice(slice_("web-abcde", [endpoint(1), endpoint(2, ready=False),
                                         endpoint(3), endpoint(4, ready=False)]))
    pods = {proxy.pick("default/web", "1.2.3.4").pod for _ in range(40)}
    assert pods == {"default/web-1", "default/web-3"}
    proxy.set_slice(slice_("web-abcde", [endpoint(2, ready=False)]))
    assert proxy.pick("default/web") is None


def test_endpoints_across_slices_and_slice_deletion():
    proxy = table(0)
    proxy.set_slice(slice_("web-aaaaa", [endpoint(1), endpoint(2)]))
    proxy.set_slice(slice_("web-bbbbb", [endpoint(3)]))
    proxy.set_slice(slice_("other-ccccc", [endpoint(9)], service_name="other"))
    assert {proxy.pick("default/web").pod for _ in range(6)} == \
        {"default/web-1", "default/web-2", "default/web-3"}
    proxy.delete_slice("default/web-aaaaa")
    assert {proxy.pick("default/web").pod for _ in range(4)} == {"default/web-3"}


def test_client_ip_affinity_pins_until_timeout():
    clock = FakeClock()
    proxy = table(4, clock=clock, affinity="ClientIP", timeout=60)
    first = proxy.pick(31240, "127.0.0.1").pod
    for _ in range(10):
        clock.advance(5)
        assert proxy.pick(31240, "127.0.0.1").pod == first
    other = {proxy.pick(31240, f"127.0.0.{i}").pod for i in range(2, 6)}
    assert len(other) > 1                          # other clients still spread
    # The pin is forgotten when its pod stops being ready.
    proxy2 = table(4, clock=clock, affinity="ClientIP", timeout=60)
    pinned = proxy2.pick(31240, "10.0.0.1").pod
    idx = int(pinned.rsplit("-", 1)[1])
    proxy2.set_slice(slice_("web-abcde", [endpoint(i, ready=(i != idx)) for i in range(1, 5)]))
    assert proxy2.pick(31240, "10.0.0.1").pod != pinned


def test_affinity_timeout_rebalances():
    clock = FakeClock()
    proxy = table(4, clock=clock, affinity="ClientIP", timeout=10)
    first = proxy.pick(31240, "127.0.0.1").pod
    clock.advance(11)
    # Round robin moved on: the next pick after expiry is another endpoint.
    assert proxy.pick(31240, "127.0.0.1").pod != first


def test_affinity_default_timeout_is_10800():
    clock = FakeClock()
    proxy = table(4, clock=clock, affinity="ClientIP")
    first = proxy.pick(31240, "c").pod
    clock.advance(10000)
    assert proxy.pick(31240, "c").pod == first
    clock.advance(10801)
    assert proxy.pick(31240, "c").pod != first


def test_random_spreads_roughly_evenly():
    proxy = table(4, mode="random")
    counts = collections.Counter(proxy.pick("default/web").pod for _ in range(4000))
    assert len(counts) == 4
    assert all(800 <= n <= 1200 for n in counts.values()), counts


def test_unknown_mode_refused():
    with pytest.raises(ValueError):
        KubeProxy(mode="ipvs-magic")


def test_service_at_a_cluster_ip_and_pod_at_an_endpoint_address():
    proxy = table(2)
    svc = service("web", type_="ClusterIP", node_port=None)
    svc["spec"]["clusterIP"], svc["spec"]["ports"][0]["name"] = "10.96.0.20", "http"
    proxy.set_service(svc)
    assert proxy.service_at("10.96.0.20", 80) == ("default/web", "http")
    assert proxy.service_at("10.96.0.20", 81) is None        # no such port
    assert proxy.service_at("10.96.0.21", 80) is None
    assert proxy.pod_at("10.244.2.5") == ("default/web-2", "node-2")
    assert proxy.pod_at("10.244.9.5") is None
