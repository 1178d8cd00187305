"""The foundation's verbs end to end through the etcd and apiserver actors."""

import asyncio
import threading
import urllib.request

import pytest
import ray

import rayk8s
from rayk8s import ApiError
from rayk8s.actors.transport import RayTransport
from rayk8s.client import AsyncClient
from rayk8s.machinery import Informer


def event(name, message):
    return {"apiVersion": "v1", "kind": "Event", "metadata": {"name": name},
            "involvedObject": {"kind": "Pod", "name": "p", "namespace": "default"},
            "reason": "Test", "message": message, "type": "Normal"}


def cm(name, data=None, labels=None):
    return {"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": name, "labels": labels or {}}, "data": data or {}}


DEPLOYMENT = """
apiVersion: apps/v1
kind: Deployment
metadata: {name: helloworld, labels: {app: helloworld}}
spec:
  replicas: 1
  selector: {matchLabels: {app: helloworld}}
  template:
    metadata: {labels: {app: helloworld}}
    spec:
      containers:
      - {name: hello-world, image: "hello-world:v1.0", ports: [{containerPort: 8090}]}
"""


def test_verbs_through_the_actors(kube):
    [dep] = kube.apply(DEPLOYMENT)
    assert dep["metadata"]["uid"] and dep["metadata"]["generation"] == 1
    assert kube.get("deploy", "helloworld")["spec"]["replicas"] == 1
    assert [d["metadata"]["name"] for d in kube.list("deployments",
                                                       label_selector="app=helloworld")] == ["helloworld"]
    scale = kube.scale("deployments", "helloworld", 4)
    assert scale["spec"]["replicas"] == 4 and scale["status"]["selector"] == "app=helloworld"
    patched = kube.patch("deploy", "helloworld", {"spec": {"template": {"spec": {
        "containers": [{"name": "hello-world", "image": "hello-world:v2.0"}]}}}},
        patch_type="strategic")
    assert patched["spec"]["template"]["spec"]["containers"][0]["image"] == "hello-world:v2.0"
    assert patched["metadata"]["generation"] == 3
    out = kube.patch("deploy", "helloworld", [{"op": "replace", "path": "/spec/replicas", "value": 2}],
                     patch_type="json")
    assert out["spec"]["replicas"] == 2
    kube.delete("deploy", "helloworld")
    with pytest.raises(ApiError) as err:
        kube.get("deploy", "helloworld")
    assert err.value.code == 404 and err.value.reason == "NotFound"


def test_errors_cross_the_actor_boundary_as_status(kube):
    with pytest.raises(ApiError) as err:
        kube.create({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "Bad_Name"},
                     "spec": {"containers": [{"name": "c", "image": "busybox"}]}})
    assert err.value.code == 422 and err.value.status["details"]["causes"][0]["field"] == "metadata.name"
    with pytest.raises(ApiError) as err:
        kube.create({"apiVersion": "v1", "kind": "Event", "metadata": {"name": "huge"},
                     "involvedObject": {"kind": "Pod", "name": "p", "namespace": "default"},
                     "message": "y" * 1_600_000})
    assert err.value.code == 413
    kube.create(cm("after-errors"))  # the server keeps serving
    kube.delete("cm", "after-errors")


def test_two_writers_race_one_gets_409(kube):
    kube.create(cm("race", {"n": "0"}))
    base = kube.get("cm", "race")
    barrier = threading.Barrier(2)
    results = []

    def writer(i):
        barrier.wait()
        try:
            kube.update({**base, "data": {"n": str(i + 1)}})
            results.append("ok")
        except ApiError as exc:
            results.append(exc.code)

    threads = [threading.Thread(target=writer, args=(i,)) for i in range(2)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert sorted(results, key=str) == [409, "ok"]
    kube.delete("cm", "race")


def test_watch_sees_every_change_in_order(kube):
    rv = kube.list_object("configmaps")["metadata"]["resourceVersion"]
    kube.create(cm("w", {"i": "0"}))
    for i in range(1, 30):
        kube.patch("cm", "w", {"data": {"i": str(i)}})
    kube.delete("cm", "w")
    events = []
    for ev in kube.watch("configmaps", resource_version=rv, timeout=5):
        events.append(ev)
        if ev["type"] == "DELETED":
            break
    assert [e["type"] for e in events] == ["ADDED"] + ["MODIFIED"] * 29 + ["DELETED"]
    assert [e["object"]["data"]["i"] for e in events[:-1]] == [str(i) for i in range(30)]
    rvs = [int(e["object"]["metadata"]["resourceVersion"]) for e in events]
    assert rvs == sorted(set(rvs))


def test_informer_over_ray_follows_changes(rk_cluster, kube):
    async def scenario():
        client = AsyncClient(RayTransport(rk_cluster.apiserver))
        informer = Informer(client, "configmaps", namespace="default",
                            label_selector="informer=yes", watch_timeout=2.0)
        seen = []
        informer.add_handler(on_add=lambda o: seen.append(("add", o["metadata"]["name"])),
                             on_delete=lambda o: seen.append(("delete", o["metadata"]["name"])))
        informer.start()
        assert await informer.wait_for_sync(timeout=30)
        await client.create(cm("inf-a", labels={"informer": "yes"}))
        await client.create(cm("inf-b", labels={"informer": "no"}))
        await client.delete("configmaps", "inf-a")
        for _ in range(200):
            if ("delete", "inf-a") in seen:
                break
            await asyncio.sleep(0.02)
        await informer.stop()
        await client.delete("configmaps", "inf-b")
        return seen

    assert asyncio.run(scenario()) == [("add", "inf-a"), ("delete", "inf-a")]


def test_metrics_endpoints_serve_kubernetes_names(rk_cluster, kube):
    kube.list("pods")
    addresses = rk_cluster.metrics_addresses()
    api = urllib.request.urlopen(f"http://{addresses['apiserver']}/metrics", timeout=10).read().decode()
    assert 'apiserver_request_total{' in api and 'verb="LIST"' in api
    assert "apiserver_storage_objects" in api and "apiserver_request_duration_seconds" in api
    etcd = urllib.request.urlopen(f"http://{addresses['etcd']}/metrics", timeout=10).read().decode()
    assert "etcd_debugging_mvcc_current_revision" in etcd
    assert "etcd_request_duration_seconds" in etcd


def test_connect_reaches_a_running_cluster(rk_cluster):
    client = rayk8s.connect("itest", address=None)
    assert {"default", "kube-system"} <= {n["metadata"]["name"] for n in client.list("namespaces")}


def test_control_plane_placed_on_chosen_ray_nodes(ray_cluster):
    nodes = [n["NodeID"] for n in ray.nodes() if n["Alive"]]
    assert len(nodes) >= 3
    with rayk8s.Cluster(name="placed", metrics=False,
                        placement={"etcd": nodes[1], "apiserver": nodes[2]}) as cluster:
        assert cluster.placement_of() == {"etcd": nodes[1], "apiserver": nodes[2]}
        cluster.client.create(cm("placed"))


def test_store_survives_a_restart_of_the_control_plane(ray_cluster, tmp_path):
    data_dir = str(tmp_path / "etcd")
    with rayk8s.Cluster(name="durable", data_dir=data_dir, metrics=False) as first:
        created = first.client.create(cm("kept", {"k": "v"}))
    with rayk8s.Cluster(name="durable", data_dir=data_dir, metrics=False) as second:
        again = second.client.get("cm", "kept")
    assert again["data"] == {"k": "v"}
    assert again["metadata"]["uid"] == created["metadata"]["uid"]
    assert again["metadata"]["resourceVersion"] == created["metadata"]["resourceVersion"]
