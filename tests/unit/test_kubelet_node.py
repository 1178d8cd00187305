"""Node registration, Lease heartbeats, node status, and the node shell (no Ray)."""

from __future__ import annotations

import asyncio

import pytest
from prometheus_client import generate_latest

from rayk8s.actors.node import NodeShell
from rayk8s.api.errors import ApiError
from rayk8s.client import AsyncClient
from rayk8s.clock import parse_rfc3339
from rayk8s.node import nodeinfo
from rayk8s.node.images import Behaviour

from .test_kubelet_pods import Node, run

T0 = 1_700_000_000.0


def test_registration_writes_the_node_and_its_lease(kube, clock):
    spec = {"name": "node-3", "cpu": "4", "memory": "8Gi", "pods": 20,
            "labels": {"disktype": "ssd"},
            "taints": [{"key": "dedicated", "value": "gpu", "effect": "NoSchedule"}]}

    async def main():
        async with Node(kube, clock, spec):
            node = kube.get("nodes", "node-3")
            meta, st = node["metadata"], node["status"]
            assert meta["labels"]["kubernetes.io/hostname"] == "node-3"
            assert meta["labels"]["kubernetes.io/os"] == "linux"
            assert meta["labels"]["kubernetes.io/arch"] == "amd64"
            assert meta["labels"]["disktype"] == "ssd"
            assert st["capacity"] == {"cpu": "4", "memory": "8Gi", "pods": "20",
                                      "ephemeral-storage": "100Gi", "hugepages-1Gi": "0",
                                      "hugepages-2Mi": "0"}
            assert st["allocatable"] == st["capacity"]
            conds = {c["type"]: c for c in st["conditions"]}
            assert conds["Ready"]["status"] == "True"
            assert conds["Ready"]["reason"] == "KubeletReady"
            assert conds["Ready"]["message"] == "kubelet is posting ready status"
            assert all(conds[t]["status"] == "False"
                       for t in ("MemoryPressure", "DiskPressure", "PIDPressure"))
            assert st["addresses"] == [{"type": "InternalIP", "address": "127.0.1.3"},
                                       {"type": "Hostname", "address": "node-3"}]
            info = st["nodeInfo"]
            assert info["kubeletVersion"] == "v1.32.0"
            assert info["containerRuntimeVersion"] == "rayk8s://0.1"
            assert (info["operatingSystem"], info["architecture"]) == ("linux", "amd64")
            assert node["spec"]["podCIDR"] == "10.244.3.0/24"
            assert node["spec"]["podCIDRs"] == ["10.244.3.0/24"]
            assert node["spec"]["taints"] == spec["taints"]
            lease = kube.get("leases", "node-3", "kube-node-lease")
            assert lease["spec"]["holderIdentity"] == "node-3"
            assert lease["spec"]["leaseDurationSeconds"] == 40
            assert lease["metadata"]["ownerReferences"][0] == {
                "apiVersion": "v1", "kind": "Node", "name": "node-3", "uid": meta["uid"]}
            events = kube.list("events", "default", field_selector="involvedObject.kind=Node")
            messages = {e["reason"]: e["message"] for e in events}
            assert messages["Starting"] == "Starting kubelet."
            assert messages["NodeReady"] == "Node node-3 status is now: NodeReady"
            assert messages["NodeHasSufficientMemory"] == \
                "Node node-3 status is now: NodeHasSufficientMemory"
    run(main())


def test_lease_is_renewed_every_10s_and_status_written_when_it_changes(kube, clock):
    async def main():
        async with Node(kube, clock) as node:
            renew = lambda: parse_rfc3339(  # noqa: E731
                kube.get("leases", "node-1", "kube-node-lease")["spec"]["renewTime"])
            assert renew() == T0
            await node.advance(10)
            assert renew() == T0 + 10
            await node.advance(30)
            assert renew() == T0 + 40 and node.kubelet.lease_renewals == 5
            assert node.kubelet.node_status_writes == 0     # nothing changed yet
            await node.create("web", [{"name": "c", "image": "nginx:1.27"}])
            await node.advance(10)
            assert node.kubelet.node_status_writes == 1     # a pulled image to report
            images = kube.get("nodes", "node-1")["status"]["images"]
            assert images[0]["names"][1] == "docker.io/library/nginx:1.27"
            await node.advance(300)                         # the 5-minute report
            assert node.kubelet.node_status_writes == 2
            ready = {c["type"]: c for c in kube.get("nodes", "node-1")["status"]["conditions"]}
            assert parse_rfc3339(ready["Ready"]["lastHeartbeatTime"]) > T0 + 300
            assert parse_rfc3339(ready["Ready"]["lastTransitionTime"]) == T0
    run(main())


def test_an_existing_node_is_taken_over(kube, clock):
    kube.create({"apiVersion": "v1", "kind": "Node",
                 "metadata": {"name": "node-1", "labels": {"keep": "me"}},
                 "spec": {"unschedulable": True}})

    async def main():
        async with Node(kube, clock, {"name": "node-1", "labels": {"zone": "a"}}):
            node = kube.get("nodes", "node-1")
            assert node["metadata"]["labels"]["keep"] == "me"
            assert node["metadata"]["labels"]["zone"] == "a"
            assert node["spec"]["unschedulable"] is True          # the admin's cordon stays
            assert {c["type"]: c["status"] for c in node["status"]["conditions"]}[
                "Ready"] == "True"
    run(main())


def test_node_spec_defaults():
    spec = nodeinfo.node_spec({"name": "node-12"})
    assert (spec.cpu, spec.memory, spec.pods) == ("2", "4Gi", 110)
    assert (spec.address, spec.pod_cidr) == ("127.0.1.12", "10.244.12.0/24")
    odd = nodeinfo.node_spec({"name": "worker-a", "reserved": {"cpu": "500m",
                                                               "memory": "512Mi"}})
    assert odd.address.startswith("127.0.1.")
    assert nodeinfo.allocatable(odd)["cpu"] == "1500m"
    assert nodeinfo.allocatable(odd)["memory"] == "3584Mi"
    with pytest.raises(ValueError):
        nodeinfo.node_spec({})


def test_node_shell_hosts_several_kubelets(kube, clock):
    echo = Behaviour(app=lambda req: (200, {}, f"custom {req.path}"), ports=(7000,))

    async def main():
        shell = NodeShell(kube.transport, clock, nodes=[{"name": "node-1"}, {"name": "node-2"}],
                          config={"metrics_port": None, "pull_seconds": 1.0,
                                  "images": {"myorg/custom": echo}})
        info = await shell.start()
        assert info["names"] == ["node-1", "node-2"] and isinstance(info["ray_node_id"], str)
        assert info["addresses"] == {"node-1": "127.0.1.1", "node-2": "127.0.1.2"}
        assert await shell.add_node({"name": "node-3", "cpu": "8"}) == {
            "name": "node-3", "address": "127.0.1.3", "pod_cidr": "10.244.3.0/24"}
        assert {n["metadata"]["name"] for n in kube.list("nodes")} == {
            "node-1", "node-2", "node-3"}
        api = AsyncClient(kube.transport)
        await api.create({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "c1"},
                          "spec": {"nodeName": "node-2", "containers": [
                              {"name": "c", "image": "myorg/custom:1"}]}}, "default")
        for _ in range(200):
            await asyncio.sleep(0.002)
            clock.advance(0.1)
            if kube.get("pods", "c1")["status"].get("phase") == "Running":
                break
        assert kube.get("pods", "c1")["status"]["hostIP"] == "127.0.1.2"
        assert await shell.http_request("default/c1", 7000, path="/x") == (200, {}, b"custom /x")
        assert "GET /x" in await shell.logs("default", "c1")
        assert [p["node"] for p in await shell.pod_stats()] == ["node-2"]
        assert set(await shell.stats()) == {"node-1", "node-2", "node-3"}
        text = generate_latest(shell.metrics.registry).decode()
        assert 'kubelet_running_pods{node="node-2"} 1.0' in text
        assert 'kubelet_running_pods{node="node-1"} 0.0' in text
        await shell.remove_node("node-3")
        assert {n["metadata"]["name"] for n in kube.list("nodes")} == {"node-1", "node-2"}
        with pytest.raises(ApiError):
            kube.get("leases", "node-3", "kube-node-lease")
        with pytest.raises(LookupError):
            await shell.logs("default", "nowhere")
        await shell.stop()
        assert shell.kubelets == {}
        assert 'node="node-1"' not in generate_latest(shell.metrics.registry).decode()
    run(main())


def test_node_shell_with_one_shared_pod_informer(kube, clock):
    async def main():
        shell = NodeShell(kube.transport, clock, nodes=[{"name": f"node-{i}"} for i in (1, 2)],
                          config={"metrics_port": None, "shared_pod_informer": True})
        await shell.start()
        assert all(k.informer is shell.pod_informer for k in shell.kubelets.values())
        for i in (1, 2):
            kube.create({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": f"p{i}"},
                         "spec": {"nodeName": f"node-{i}", "containers": [
                             {"name": "c", "image": "nginx"}]}})
        for _ in range(300):
            await asyncio.sleep(0.002)
            clock.advance(0.1)
            pods = {p["metadata"]["name"]: p for p in kube.list("pods")}
            if all(p["status"].get("phase") == "Running" for p in pods.values()):
                break
        assert {n: p["status"]["hostIP"] for n, p in pods.items()} == {
            "p1": "127.0.1.1", "p2": "127.0.1.2"}
        assert [k.runtime.by_key.keys() for k in shell.kubelets.values()] == [
            {"default/p1"}, {"default/p2"}]
        await shell.stop()
        assert not shell.pod_informer.running
    run(main())
