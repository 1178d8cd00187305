"""The Endpoints controller's sync over hand-built caches, and once end to end (no Ray)."""

import asyncio

import pytest

from rayk8s.client import AsyncClient
from rayk8s.controllers import base
from rayk8s.controllers.endpoints import EndpointsController, endpoints_by_pod, repack
from rayk8s.controllers.manager import ControllerManager
from rayk8s.machinery import Cache, by_namespace

NOW = 1_700_000_100.0
HTTP = {"name": "http", "port": 80, "targetPort": "http", "protocol": "TCP"}


def service(name="web", selector=None, ports=None, cluster_ip="10.96.0.10", labels=None,
            type_="ClusterIP", **spec):
    obj = {"apiVersion": "v1", "kind": "Service",
           "metadata": {"name": name, "namespace": "default", "uid": f"uid-{name}",
                        "resourceVersion": "5"},
           "spec": dict({"type": type_, "clusterIP": cluster_ip,
                         "ports": [HTTP] if ports is None else ports,
                         "selector": {"app": "web"} if selector is None else selector}, **spec)}
    if labels:
        obj["metadata"]["labels"] = labels
    return obj


def pod(name, ip="auto", ready=True, labels=None, node="n1", phase="Running", deleting=False,
        ports=None, hostname=None, subdomain=None):
    ip = f"10.244.0.{ord(name[0]) - 96}" if ip == "auto" else ip
    spec = {"nodeName": node, "containers": [
        {"name": "c", "image": "hello-world",
         "ports": [{"name": "http", "containerPort": 8080, "protocol": "TCP"}]
         if ports is None else ports}]}
    if hostname:
        spec["hostname"] = hostname
    if subdomain:
        spec["subdomain"] = subdomain
    status = {"phase": phase,
              "conditions": [{"type": "Ready", "status": "True" if ready else "False"}]}
    if ip:
        status.update(podIP=ip, podIPs=[{"ip": ip}])
    meta = {"name": name, "namespace": "default", "uid": f"uid-{name}",
            "labels": {"app": "web"} if labels is None else labels}
    if deleting:
        meta["deletionTimestamp"] = "2023-11-14T22:15:00Z"
    return {"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": spec, "status": status}


def addr(name, node="n1", **extra):
    ip = f"10.244.0.{ord(name[0]) - 96}"
    return dict({"ip": ip, "nodeName": node,
                 "targetRef": {"kind": "Pod", "namespace": "default", "name": name,
                               "uid": f"uid-{name}"}}, **extra)


def port(number, name="http", protocol="TCP"):
    out = {"name": name} if name else {}
    return dict(out, port=number, protocol=protocol)


def listers(services=(), pods=(), endpoints=()):
    svc_cache = Cache({"namespace": by_namespace})
    pod_cache = Cache({"namespace": by_namespace})
    ep_cache = Cache({"pod": endpoints_by_pod})
    for cache, objs in ((svc_cache, services), (pod_cache, pods), (ep_cache, endpoints)):
        for obj in objs:
            cache.add(obj)
    return {"services": svc_cache, "pods": pod_cache, "endpoints": ep_cache}


def sync(svc, pods, endpoints=(), key="default/web", **kw):
    return EndpointsController(**kw).sync(key, listers([svc] if svc else [], pods, endpoints),
                                          NOW)


def subsets_of(actions):
    [action] = actions
    assert isinstance(action, (base.Create, base.Update))
    return action.obj.get("subsets", [])


# ------------------------------------------------------------------ subsets

@pytest.mark.parametrize("pods,expected", [
    # ready and not ready addresses, sorted by IP
    ([pod("b"), pod("a"), pod("c", ready=False)],
     [{"addresses": [addr("a"), addr("b")], "notReadyAddresses": [addr("c")],
       "ports": [port(8080)]}]),
    # pods without an IP, terminal and terminating pods are left out
    ([pod("a"), pod("b", ip=None), pod("c", phase="Succeeded"), pod("d", phase="Failed"),
      pod("e", deleting=True)],
     [{"addresses": [addr("a")], "ports": [port(8080)]}]),
    # the named port is resolved per pod: two port sets, two subsets
    ([pod("a"), pod("b", ports=[{"name": "http", "containerPort": 9090}])],
     [{"addresses": [addr("a")], "ports": [port(8080)]},
      {"addresses": [addr("b")], "ports": [port(9090)]}]),
    # a pod without the named port (or with it on another protocol) is not an endpoint
    ([pod("a"), pod("b", ports=[]),
      pod("c", ports=[{"name": "http", "containerPort": 8080, "protocol": "UDP"}])],
     [{"addresses": [addr("a")], "ports": [port(8080)]}]),
    # pods that don't match the selector are not selected
    ([pod("a"), pod("b", labels={"app": "other"})],
     [{"addresses": [addr("a")], "ports": [port(8080)]}]),
    # no pods: no subsets
    ([], []),
])
def test_subsets(pods, expected):
    assert subsets_of(sync(service(), pods)) == expected


def test_subsets_are_the_distinct_address_sets_with_the_ports_each_offers():
    metrics = {"name": "metrics", "port": 9100, "targetPort": 9100, "protocol": "TCP"}
    admin = {"name": "admin", "port": 81, "targetPort": 9000, "protocol": "TCP"}
    # a, b offer http and metrics; c only metrics (no "http" port): two subsets
    pods = [pod("a"), pod("b"), pod("c", ports=[])]
    assert subsets_of(sync(service(ports=[HTTP, metrics]), pods)) == [
        {"addresses": [addr("a"), addr("b"), addr("c")], "ports": [port(9100, "metrics")]},
        {"addresses": [addr("a"), addr("b")], "ports": [port(8080)]}]
    # every pod offers both numeric ports: one subset with both
    assert subsets_of(sync(service(ports=[metrics, admin]), pods)) == [
        {"addresses": [addr("a"), addr("b"), addr("c")],
         "ports": [port(9000, "admin"), port(9100, "metrics")]}]


def test_not_ready_on_one_port_is_not_ready_there():
    a, b = addr("a"), addr("b")
    packed = repack([(a, True, port(80, "x")), (a, False, port(81, "y")),
                     (b, True, port(80, "x")), (b, True, port(81, "y"))])
    assert packed == [
        {"addresses": [a, b], "ports": [port(80, "x")]},
        {"addresses": [b], "notReadyAddresses": [a], "ports": [port(81, "y")]}]


def test_publish_not_ready_addresses_makes_everyone_ready():
    svc = service(publishNotReadyAddresses=True)
    pods = [pod("a"), pod("b", ready=False), pod("c", deleting=True), pod("d", ip=None)]
    assert subsets_of(sync(svc, pods)) == [
        {"addresses": [addr("a"), addr("b"), addr("c")], "ports": [port(8080)]}]


@pytest.mark.parametrize("svc,expected", [
    # headless without ports: bare addresses
    (service(cluster_ip="None", ports=[]), [{"addresses": [addr("a")]}]),
    # headless with ports: as usual
    (service(cluster_ip="None"), [{"addresses": [addr("a")], "ports": [port(8080)]}]),
    # a numeric targetPort is used as is
    (service(ports=[{"port": 80, "targetPort": 8888, "protocol": "TCP"}]),
     [{"addresses": [addr("a")], "ports": [port(8888, name=None)]}]),
])
def test_headless_and_numeric_ports(svc, expected):
    assert subsets_of(sync(svc, [pod("a")])) == expected


def test_hostname_when_the_pod_names_the_service_as_its_subdomain():
    pods = [pod("a", hostname="web-0", subdomain="web"),
            pod("b", hostname="other", subdomain="elsewhere")]
    [subset] = subsets_of(sync(service(cluster_ip="None"), pods))
    assert subset["addresses"] == [addr("a", hostname="web-0"), addr("b")]


def test_an_unscheduled_address_has_no_node_name():
    [subset] = subsets_of(sync(service(), [pod("a", node=None)]))
    assert subset["addresses"] == [{"ip": "10.244.0.1", "targetRef": addr("a")["targetRef"]}]


# ------------------------------------------------------------------ the object

def test_creates_endpoints_named_after_the_service_with_its_labels():
    [create] = sync(service(labels={"app": "web", "tier": "front"}), [pod("a")])
    assert isinstance(create, base.Create)
    assert create.obj["apiVersion"] == "v1" and create.obj["kind"] == "Endpoints"
    assert create.obj["metadata"] == {"name": "web", "namespace": "default",
                                      "labels": {"app": "web", "tier": "front"}}


def test_headless_services_endpoints_carry_the_headless_label():
    [create] = sync(service(cluster_ip="None"), [])
    assert create.obj["metadata"]["labels"] == {"service.kubernetes.io/headless": ""}
    assert "subsets" not in create.obj


def test_up_to_date_endpoints_are_left_alone_and_stale_ones_updated():
    svc = service()
    [create] = sync(svc, [pod("a")])
    current = dict(create.obj, metadata=dict(create.obj["metadata"], resourceVersion="9",
                                             uid="ep-uid"))
    assert sync(svc, [pod("a")], [current]) == []
    [update] = sync(svc, [pod("a", ready=False)], [current])
    assert isinstance(update, base.Update)
    assert update.obj["metadata"]["resourceVersion"] == "9"
    assert update.obj["subsets"] == [{"notReadyAddresses": [addr("a")], "ports": [port(8080)]}]
    [emptied] = sync(svc, [], [current])
    assert "subsets" not in emptied.obj


@pytest.mark.parametrize("svc", [
    service(selector={}),                                       # no selector: the user's
    service(type_="ExternalName", cluster_ip=None, externalName="db.example.com"),
])
def test_services_without_selector_or_external_name_are_left_alone(svc):
    user_made = {"apiVersion": "v1", "kind": "Endpoints",
                 "metadata": {"name": "web", "namespace": "default", "resourceVersion": "3"},
                 "subsets": [{"addresses": [{"ip": "192.0.2.1"}]}]}
    assert sync(svc, [pod("a")], [user_made]) == []


def test_a_deleted_service_deletes_its_endpoints():
    [delete] = sync(None, [pod("a")])
    assert delete == base.Delete("endpoints", "web", "default")


def test_truncates_past_capacity_keeping_ready_addresses():
    pods = [pod("a"), pod("b"), pod("c", ready=False), pod("d", ready=False),
            pod("e", ready=False)]
    [create] = sync(service(), pods, max_capacity=3)
    assert create.obj["subsets"] == [{"addresses": [addr("a"), addr("b")],
                                      "notReadyAddresses": [addr("c")], "ports": [port(8080)]}]
    assert create.obj["metadata"]["annotations"] == {
        "endpoints.kubernetes.io/over-capacity": "truncated"}
    [create] = sync(service(), [pod(n) for n in "abcde"], max_capacity=3)
    assert create.obj["subsets"][0]["addresses"] == [addr("a"), addr("b"), addr("c")]


# ------------------------------------------------------------------ keys

def test_keys_for_pods_services_and_endpoints():
    ctl = EndpointsController()
    other = service("other", selector={"app": "other"})
    [create] = sync(service(), [pod("a")])
    listed = dict(create.obj, metadata=dict(create.obj["metadata"], resourceVersion="9"))
    ls = listers([service(), other], [], [listed])
    assert ctl.keys_for("pods", pod("b"), ls) == ["default/web"]
    # a relabelled pod: the Service that still lists it is synced too
    assert ctl.keys_for("pods", pod("a", labels={"app": "other"}), ls) == \
        ["default/other", "default/web"]
    assert ctl.keys_for("services", other, ls) == ["default/other"]
    assert ctl.keys_for("endpoints", listed, ls) == ["default/web"]
    orphan = {"metadata": {"name": "gone", "namespace": "default"}}
    assert ctl.keys_for("endpoints", orphan, ls) == []


# ------------------------------------------------------------------ end to end

def test_endpoints_follow_pods_over_the_api(kube, clock):
    kube.create({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web"},
                 "spec": {"selector": {"app": "web"}, "ports": [HTTP]}})
    for name in ("a", "b"):
        made = pod(name)
        kube.create({k: made[k] for k in ("apiVersion", "kind", "spec")} |
                    {"metadata": {"name": name, "labels": {"app": "web"}}})

    def set_status(name, ready, ip):
        kube.patch("pods", name, {"status": {
            "phase": "Running", "podIP": ip, "podIPs": [{"ip": ip}],
            "conditions": [{"type": "Ready", "status": "True" if ready else "False"}]}},
            subresource="status")

    async def until(client, check):
        for _ in range(400):
            try:
                ep = await client.get("endpoints", "web", "default")
            except Exception:  # noqa: BLE001 - not there yet
                ep = None
            if check(ep):
                return ep
            await asyncio.sleep(0.01)
        raise AssertionError(f"endpoints never matched: {ep}")

    def ips(ep, field="addresses"):
        return sorted(a["ip"] for s in (ep or {}).get("subsets") or [] for a in s.get(field) or [])

    async def scenario():
        client = AsyncClient(kube.transport)
        manager = ControllerManager(client, [EndpointsController()], clock=clock,
                                    watch_timeout=0.2)
        await manager.start()
        try:
            await until(client, lambda ep: ep is not None and not ep.get("subsets"))
            set_status("a", True, "10.244.1.1")
            set_status("b", False, "10.244.1.2")
            ep = await until(client, lambda ep: ips(ep) == ["10.244.1.1"]
                             and ips(ep, "notReadyAddresses") == ["10.244.1.2"])
            assert ep["subsets"][0]["ports"] == [{"name": "http", "port": 8080,
                                                  "protocol": "TCP"}]
            set_status("b", True, "10.244.1.2")
            await until(client, lambda ep: ips(ep) == ["10.244.1.1", "10.244.1.2"])
            kube.patch("pods", "a", {"metadata": {"labels": {"app": "moved"}}})
            await until(client, lambda ep: ips(ep) == ["10.244.1.2"])
            kube.delete("pods", "b")
            await until(client, lambda ep: ep is not None and not ep.get("subsets"))
            kube.delete("services", "web")
            await until(client, lambda ep: ep is None)
        finally:
            await manager.stop()

    asyncio.run(scenario())
