"""The EndpointSlice controller's sync over hand-built caches, and once end to end (no Ray)."""

import asyncio

import pytest

from rayk8s.client import AsyncClient
from rayk8s.controllers import base
from rayk8s.controllers.endpoints import pods_by_label
from rayk8s.controllers.endpointslice import (EndpointSliceController, slices_by_pod,
                                              slices_by_service)
from rayk8s.controllers.manager import ControllerManager
from rayk8s.machinery import Cache, by_namespace

from .test_endpoints_controller import HTTP, pod, service

NOW = 1_700_000_100.0
MANAGED = {"kubernetes.io/service-name": "web",
           "endpointslice.kubernetes.io/managed-by": "endpointslice-controller.k8s.io"}


def ep(name, ready=True, serving=None, terminating=False, node="n1", **extra):
    out = {"addresses": [f"10.244.0.{ord(name[0]) - 96}"],
           "conditions": {"ready": ready, "serving": ready if serving is None else serving,
                          "terminating": terminating},
           "targetRef": {"kind": "Pod", "namespace": "default", "name": name,
                         "uid": f"uid-{name}"}}
    if node:
        out["nodeName"] = node
    return dict(out, **extra)


def sport(number, name="http"):
    return {"name": name, "port": number, "protocol": "TCP"}


def listers(services=(), pods=(), slices=(), nodes=()):
    caches = {"services": Cache({"namespace": by_namespace}),
              "pods": Cache({"namespace": by_namespace, "label-pair": pods_by_label}),
              "endpointslices": Cache({"service": slices_by_service, "pod": slices_by_pod}),
              "nodes": Cache()}
    for name, objs in (("services", services), ("pods", pods), ("endpointslices", slices),
                       ("nodes", nodes)):
        for obj in objs:
            caches[name].add(obj)
    return caches


def sync(svc, pods=(), slices=(), nodes=(), **kw):
    return EndpointSliceController(**kw).sync(
        "default/web", listers([svc] if svc else [], pods, slices, nodes), NOW)


def stored(obj, name, rv="20", uid=None):
    """A Create's object as the apiserver would store it."""
    meta = dict(obj["metadata"], name=name, resourceVersion=rv, uid=uid or f"uid-{name}")
    meta.pop("generateName", None)
    return dict(obj, metadata=meta)


def of(actions, cls):
    return [a for a in actions if isinstance(a, cls)]


# ------------------------------------------------------------------ new slices

def test_a_slice_for_the_selected_pods():
    pods = [pod("b"), pod("a"), pod("c", ready=False), pod("d", deleting=True),
            pod("e", ip=None), pod("f", phase="Failed"), pod("g", labels={"app": "x"})]
    [create] = sync(service(labels={"team": "blue"}), pods)
    assert isinstance(create, base.Create)
    sl = create.obj
    assert sl["apiVersion"] == "discovery.k8s.io/v1" and sl["kind"] == "EndpointSlice"
    assert sl["metadata"]["generateName"] == "web-"
    assert sl["metadata"]["namespace"] == "default"
    assert sl["metadata"]["labels"] == dict(MANAGED, team="blue")
    assert sl["metadata"]["ownerReferences"] == [{
        "apiVersion": "v1", "kind": "Service", "name": "web", "uid": "uid-web",
        "controller": True, "blockOwnerDeletion": True}]
    assert sl["addressType"] == "IPv4"
    assert sl["ports"] == [sport(8080)]
    assert sl["endpoints"] == [
        ep("a"), ep("b"), ep("c", ready=False),
        ep("d", ready=False, serving=True, terminating=True)]


@pytest.mark.parametrize("svc,pods,endpoints", [
    # publishNotReadyAddresses: ready regardless (serving still says what the pod says)
    (service(publishNotReadyAddresses=True), [pod("a", ready=False), pod("b", deleting=True)],
     [ep("a", ready=True, serving=False), ep("b", ready=True, serving=True, terminating=True)]),
    # hostname when the pod's subdomain is the Service
    (service(cluster_ip="None"), [pod("a", hostname="web-0", subdomain="web")],
     [ep("a", hostname="web-0")]),
    # no nodeName for an unscheduled pod
    (service(), [pod("a", node=None)], [ep("a", node=None)]),
])
def test_endpoint_fields(svc, pods, endpoints):
    [create] = sync(svc, pods)
    assert create.obj["endpoints"] == endpoints


def test_zone_comes_from_the_node():
    node = {"apiVersion": "v1", "kind": "Node",
            "metadata": {"name": "n1", "labels": {"topology.kubernetes.io/zone": "zone-a"}}}
    [create] = sync(service(), [pod("a")], nodes=[node])
    assert create.obj["endpoints"] == [ep("a", zone="zone-a")]


def test_headless_label_and_reserved_labels():
    svc = service(cluster_ip="None", labels={"kubernetes.io/service-name": "spoof", "x": "y"})
    [create] = sync(svc, [pod("a")])
    assert create.obj["metadata"]["labels"] == dict(
        MANAGED, x="y", **{"service.kubernetes.io/headless": ""})


def test_named_ports_resolved_per_pod_make_one_slice_per_port_list():
    pods = [pod("a"), pod("b", ports=[{"name": "http", "containerPort": 9090}]),
            pod("c", ports=[])]
    creates = sync(service(), pods)
    by_ports = {str(c.obj["ports"]): [e["targetRef"]["name"] for e in c.obj["endpoints"]]
                for c in creates}
    assert by_ports == {str([sport(8080)]): ["a"], str([sport(9090)]): ["b"], "[]": ["c"]}


def test_at_most_max_endpoints_per_slice():
    pods = [pod(n) for n in "abcdefg"]
    creates = sync(service(), pods, max_endpoints_per_slice=3)
    assert [len(c.obj["endpoints"]) for c in creates] == [3, 3, 1]
    names = [e["targetRef"]["name"] for c in creates for e in c.obj["endpoints"]]
    assert sorted(names) == list("abcdefg")


def test_no_endpoints_means_one_placeholder():
    [create] = sync(service(), [])
    assert create.obj["endpoints"] == [] and create.obj["ports"] == []
    placeholder = stored(create.obj, "web-aaaaa")
    assert sync(service(), [], [placeholder]) == []


# ------------------------------------------------------------------ reconciling

def _current(pods, **kw):
    [create] = sync(service(), pods, **kw)
    return stored(create.obj, "web-abcde")


def test_up_to_date_slices_are_left_alone():
    current = _current([pod("a"), pod("b")])
    assert sync(service(), [pod("a"), pod("b")], [current]) == []


@pytest.mark.parametrize("pods,endpoints", [
    ([pod("a"), pod("b", ready=False)], [ep("a"), ep("b", ready=False)]),    # readiness
    ([pod("a")], [ep("a")]),                                                  # a pod went
    ([pod("a"), pod("b"), pod("c")], [ep("a"), ep("b"), ep("c")]),            # one came
])
def test_changes_update_the_slice_in_place(pods, endpoints):
    current = _current([pod("a"), pod("b")])
    [update] = sync(service(), pods, [current])
    assert isinstance(update, base.Update)
    assert update.obj["metadata"]["name"] == "web-abcde"
    assert update.obj["metadata"]["resourceVersion"] == "20"
    assert update.obj["endpoints"] == endpoints


def names_in(action):
    return [e["targetRef"]["name"] for e in action.obj["endpoints"]]


def test_new_endpoints_fill_slices_being_updated_before_new_ones_are_made():
    current = _current([pod("a"), pod("b")], max_endpoints_per_slice=3)
    pods = [pod("a"), pod("b", ready=False)] + [pod(n) for n in "cdef"]
    actions = sync(service(), pods, [current], max_endpoints_per_slice=3)
    [update] = of(actions, base.Update)
    assert names_in(update) == ["a", "b", "c"]
    [create] = of(actions, base.Create)
    assert names_in(create) == ["d", "e", "f"]
    assert actions.index(create) < actions.index(update)   # create, then update


def test_a_short_remainder_goes_into_an_untouched_slice_with_room():
    current = _current([pod("a"), pod("b")], max_endpoints_per_slice=3)
    [update] = sync(service(), [pod(n) for n in "abc"], [current], max_endpoints_per_slice=3)
    assert names_in(update) == ["a", "b", "c"]
    # no room for two more: a new slice rather than a split
    actions = sync(service(), [pod(n) for n in "abcd"], [current], max_endpoints_per_slice=3)
    assert [type(a) for a in actions] == [base.Create] and names_in(actions[0]) == ["c", "d"]


def test_all_pods_gone_leaves_a_placeholder():
    current = _current([pod("a")])
    actions = sync(service(), [], [current])
    assert [type(a) for a in actions] == [base.Create, base.Delete]
    assert actions[0].obj["endpoints"] == []
    assert actions[1] == base.Delete("endpointslices", "web-abcde", "default",
                                     preconditions={"uid": "uid-web-abcde"})


def test_a_port_change_replaces_the_slice():
    current = _current([pod("a")])
    svc = service(ports=[dict(HTTP, targetPort=8081)])
    actions = sync(svc, [pod("a")], [current])
    assert [type(a) for a in actions] == [base.Create, base.Delete]
    assert actions[0].obj["ports"] == [sport(8081)]


def test_slices_of_an_earlier_service_or_another_family_are_deleted():
    earlier = _current([pod("a")])
    earlier["metadata"]["ownerReferences"] = [dict(earlier["metadata"]["ownerReferences"][0],
                                                   uid="old-uid")]
    v6 = stored(dict(_current([pod("a")]), addressType="IPv6"), "web-six")
    actions = sync(service(), [pod("a")], [earlier, v6])
    assert len(of(actions, base.Create)) == 1
    assert sorted(d.name for d in of(actions, base.Delete)) == ["web-abcde", "web-six"]


@pytest.mark.parametrize("svc", [
    service(selector={}),
    service(type_="ExternalName", cluster_ip=None, externalName="db.example.com"),
])
def test_a_service_that_stops_selecting_loses_its_slices(svc):
    current = _current([pod("a")])
    assert sync(svc, [pod("a")], [current]) == [
        base.Delete("endpointslices", "web-abcde", "default",
                    preconditions={"uid": "uid-web-abcde"})]


def test_deleted_or_terminating_services_are_the_garbage_collectors():
    current = _current([pod("a")])
    assert sync(None, [pod("a")], [current]) == []
    dying = service()
    dying["metadata"]["deletionTimestamp"] = "2023-11-14T22:15:00Z"
    assert sync(dying, [pod("a")], [current]) == []


def test_keys_for():
    ctl = EndpointSliceController()
    current = _current([pod("a")])
    ls = listers([service(), service("other", selector={"app": "other"})], [], [current])
    assert ctl.keys_for("services", service(), ls) == ["default/web"]
    assert ctl.keys_for("endpointslices", current, ls) == ["default/web"]
    assert ctl.keys_for("pods", pod("z"), ls) == ["default/web"]
    assert ctl.keys_for("pods", pod("a", labels={"app": "other"}), ls) == \
        ["default/other", "default/web"]
    foreign = dict(current, metadata=dict(current["metadata"], labels={
        "kubernetes.io/service-name": "web"}))
    assert ctl.keys_for("endpointslices", foreign, ls) == []


# ------------------------------------------------------------------ end to end

def test_slices_follow_pods_over_the_api(kube, clock):
    kube.create({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web"},
                 "spec": {"type": "NodePort", "selector": {"app": "web"}, "ports": [HTTP]}})
    for name in "abc":
        made = pod(name)
        kube.create({k: made[k] for k in ("apiVersion", "kind", "spec")} |
                    {"metadata": {"name": name, "labels": {"app": "web"}}})

    def set_ready(name, ready):
        ip = f"10.244.2.{ord(name) - 96}"
        kube.patch("pods", name, {"status": {
            "phase": "Running", "podIP": ip, "podIPs": [{"ip": ip}],
            "conditions": [{"type": "Ready", "status": "True" if ready else "False"}]}},
            subresource="status")

    async def until(client, check):
        for _ in range(400):
            # what `kubectl describe service web` asks for
            slices = await client.list("endpointslices", "default",
                                       label_selector="kubernetes.io/service-name=web")
            if check(slices):
                return slices
            await asyncio.sleep(0.01)
        raise AssertionError(f"slices never matched: {slices}")

    def ready(slices):
        return sorted(e["addresses"][0] for s in slices for e in s["endpoints"]
                      if e["conditions"]["ready"])

    async def scenario():
        client = AsyncClient(kube.transport)
        manager = ControllerManager(client, [EndpointSliceController(max_endpoints_per_slice=2)],
                                    clock=clock, watch_timeout=0.2)
        await manager.start()
        try:
            [placeholder] = await until(client, lambda s: len(s) == 1)
            assert placeholder["endpoints"] == []
            for name in "abc":
                set_ready(name, True)
            slices = await until(client, lambda s: ready(s) == [
                "10.244.2.1", "10.244.2.2", "10.244.2.3"])
            assert sorted(len(s["endpoints"]) for s in slices) == [1, 2]
            assert all(s["metadata"]["name"].startswith("web-") and
                       s["ports"] == [{"name": "http", "port": 8080, "protocol": "TCP"}]
                       for s in slices)
            set_ready("b", False)
            await until(client, lambda s: ready(s) == ["10.244.2.1", "10.244.2.3"])
            await asyncio.sleep(0.1)
            assert len(await until(client, lambda s: True)) == 2   # updated in place
        finally:
            await manager.stop()

    asyncio.run(scenario())
