"""Issue 3 end to end on Ray: node actors, kubelets, the scheduler -- pods run.

One cluster for the module: 3 emulated nodes (one node actor each, spread
over the session's 3 Ray nodes), a scheduler with a custom score plugin
available, the cluster clock 20x wall time so back-offs take seconds.
"""

import sys

import pytest
import ray
from ray import cloudpickle

import rayk8s
from rayk8s import ApiError

from .helpers import wait_for

TIME_SCALE = 20.0


class PreferNode3:
    """A custom score plugin: pods labelled prefer=node-3 score node-3 highest."""
    name = "PreferNode3"
    weight = 100

    def score(self, state, pod, node_info):
        labels = (pod.get("metadata") or {}).get("labels") or {}
        if labels.get("prefer") != "node-3":
            return 0
        return 100 if node_info.node["metadata"]["name"] == "node-3" else 0


cloudpickle.register_pickle_by_value(sys.modules[__name__])


@pytest.fixture(scope="module")
def cluster(ray_cluster):
    specs = [rayk8s.node_spec(i) for i in (1, 2, 3)]
    specs[2]["labels"] = {"disk": "ssd"}
    specs[1]["taints"] = [{"key": "dedicated", "value": "infra", "effect": "NoSchedule"}]
    with rayk8s.Cluster(name="nodes-it", node_specs=specs, time_scale=TIME_SCALE,
                        scheduler_plugins=[PreferNode3()], metrics=False,
                        http_port=None) as c:
        yield c


def pod(name, image="hello-world:v1.0", **spec):
    container = {"name": "app", "image": image}
    container.update(spec.pop("container", {}))
    obj = {"apiVersion": "v1", "kind": "Pod",
           "metadata": {"name": name, "labels": spec.pop("labels", {})},
           "spec": {"containers": [container], **spec}}
    return obj


def phase(kube, name):
    return kube.get("pods", name)["status"].get("phase")


def test_nodes_register_ready_and_spread_over_ray_nodes(cluster, kube):
    nodes = wait_for(lambda: [n for n in kube.list("nodes")
                              if any(c["type"] == "Ready" and c["status"] == "True"
                                     for c in n["status"].get("conditions", []))]
                     if len(kube.list("nodes")) == 3 else None)
    assert sorted(n["metadata"]["name"] for n in nodes) == ["node-1", "node-2", "node-3"]
    hosts = {n["metadata"]["labels"]["rayk8s.io/ray-node"] for n in nodes}
    alive = {n["NodeID"] for n in ray.nodes() if n["Alive"]}
    assert len(hosts) == 3 and hosts <= alive
    lease = kube.get("leases", "node-1", namespace="kube-node-lease")
    assert lease["spec"]["holderIdentity"] == "node-1"


def test_pods_run_on_all_nodes_with_ip_and_ready(kube):
    for i in range(6):
        kube.create(pod(f"hello-{i}", tolerations=[{"key": "dedicated", "operator": "Exists"}]))

    def running():
        pods = [kube.get("pods", f"hello-{i}") for i in range(6)]
        return pods if all(p["status"].get("phase") == "Running" for p in pods) else None
    pods = wait_for(running)
    for p in pods:
        assert p["status"]["podIP"].startswith("10.244.")
        assert p["status"]["hostIP"].startswith("127.0.1.")
        ready = {c["type"]: c["status"] for c in p["status"]["conditions"]}
        assert ready["Ready"] == "True" and ready["PodScheduled"] == "True"
    assert {p["spec"]["nodeName"] for p in pods} == {"node-1", "node-2", "node-3"}
    for i in range(6):
        kube.delete("pods", f"hello-{i}", grace_period_seconds=0)


def test_too_big_pod_stays_pending_with_failed_scheduling(kube):
    kube.create(pod("huge", container={"resources": {"requests": {"cpu": "64"}}}))

    def failed():
        events = kube.list("events", field_selector="involvedObject.name=huge,reason=FailedScheduling")
        return events[0] if events else None
    event = wait_for(failed)
    assert "0/3 nodes are available" in event["message"]
    assert "Insufficient cpu" in event["message"]
    status = kube.get("pods", "huge")["status"]
    assert status["phase"] == "Pending"
    cond = {c["type"]: c for c in status["conditions"]}["PodScheduled"]
    assert cond["status"] == "False" and cond["reason"] == "Unschedulable"
    kube.delete("pods", "huge")


def test_node_selector_and_taints_steer_placement(kube):
    kube.create(pod("on-ssd", nodeSelector={"disk": "ssd"}))
    kube.create(pod("tolerates", nodeSelector={"kubernetes.io/hostname": "node-2"},
                    tolerations=[{"key": "dedicated", "operator": "Equal", "value": "infra",
                                  "effect": "NoSchedule"}]))
    kube.create(pod("intolerant", nodeSelector={"kubernetes.io/hostname": "node-2"}))
    wait_for(lambda: kube.get("pods", "on-ssd")["spec"].get("nodeName"))
    assert kube.get("pods", "on-ssd")["spec"]["nodeName"] == "node-3"
    assert wait_for(lambda: kube.get("pods", "tolerates")["spec"].get("nodeName")) == "node-2"
    event = wait_for(lambda: kube.list(
        "events", field_selector="involvedObject.name=intolerant,reason=FailedScheduling"))
    assert "untolerated taint" in event[0]["message"]
    for name in ("on-ssd", "tolerates", "intolerant"):
        kube.delete("pods", name, grace_period_seconds=0)


def test_crash_loop_backs_off_and_counts_restarts(kube):
    kube.create(pod("crasher", image="busybox", container={"command": ["sh", "-c", "exit 1"]}))

    def backing_off():
        st = kube.get("pods", "crasher")["status"].get("containerStatuses") or [{}]
        waiting = st[0].get("state", {}).get("waiting", {})
        return st[0] if waiting.get("reason") == "CrashLoopBackOff" and \
            st[0].get("restartCount", 0) >= 2 else None
    status = wait_for(backing_off, timeout=90)
    assert status["lastState"]["terminated"]["exitCode"] == 1
    events = kube.list("events", field_selector="involvedObject.name=crasher,reason=BackOff")
    assert events and "Back-off restarting failed container" in events[0]["message"]
    kube.delete("pods", "crasher", grace_period_seconds=0)


def test_unknown_image_fails_to_pull(kube):
    kube.create(pod("nosuch", image="no-such-registry.example/nope:1"))

    def pull_backoff():
        st = (kube.get("pods", "nosuch")["status"].get("containerStatuses") or [{}])[0]
        return st.get("state", {}).get("waiting", {}).get("reason") == "ImagePullBackOff"
    wait_for(pull_backoff, timeout=60)
    reasons = {e["reason"] for e in kube.list("events", field_selector="involvedObject.name=nosuch")}
    assert "Failed" in reasons
    kube.delete("pods", "nosuch", grace_period_seconds=0)


@pytest.mark.parametrize("command,want_phase,want_code",
                         [(["sleep", "2"], "Succeeded", 0), (["sh", "-c", "exit 3"], "Failed", 3)])
def test_run_to_completion(kube, command, want_phase, want_code):
    name = f"task-{want_code}"
    kube.create(pod(name, image="busybox", restartPolicy="Never", container={"command": command}))
    wait_for(lambda: phase(kube, name) in ("Succeeded", "Failed"), timeout=60)
    status = kube.get("pods", name)["status"]
    assert status["phase"] == want_phase
    assert status["containerStatuses"][0]["state"]["terminated"]["exitCode"] == want_code
    kube.delete("pods", name)


def test_delete_stops_pod_and_removes_it_after_grace(kube):
    kube.create(pod("graceful", terminationGracePeriodSeconds=30))
    wait_for(lambda: phase(kube, "graceful") == "Running")
    kube.delete("pods", "graceful")
    assert kube.get("pods", "graceful")["metadata"]["deletionTimestamp"]

    def gone():
        try:
            kube.get("pods", "graceful")
            return False
        except ApiError as exc:
            return exc.code == 404
    wait_for(gone, timeout=60)
    reasons = {e["reason"] for e in kube.list("events", field_selector="involvedObject.name=graceful")}
    assert "Killing" in reasons


def test_custom_scheduler_plugin_changes_placement(kube):
    for i in range(3):
        kube.create(pod(f"pref-{i}", labels={"prefer": "node-3"}))
    nodes = {wait_for(lambda i=i: kube.get("pods", f"pref-{i}")["spec"].get("nodeName"))
             for i in range(3)}
    assert nodes == {"node-3"}
    for i in range(3):
        kube.delete("pods", f"pref-{i}", grace_period_seconds=0)


def test_nodes_can_be_added_and_removed(cluster, kube):
    [name] = cluster.add_nodes(1)
    wait_for(lambda: any(n["metadata"]["name"] == name for n in kube.list("nodes")))
    cluster.remove_node(name)
    wait_for(lambda: all(n["metadata"]["name"] != name for n in kube.list("nodes")))
