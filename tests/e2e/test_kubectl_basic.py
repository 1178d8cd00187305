"""The real kubectl (v1.32 through the dispatcher) against a live rayk8s control plane.

There are no nodes or controllers in this cluster: these tests pin what the
API itself does -- discovery, Table printing, protobuf creates, patches of
every kind kubectl sends, apply/delete of files, watch streams, errors.
Tests run in file order and build on one another (the deployment created by
``create deployment`` is labelled, scaled and re-imaged later), like the
walkthrough they follow.
"""

from __future__ import annotations

import json
import re
import threading
import time

import pytest
import yaml

pytestmark = pytest.mark.e2e

MANIFEST = """\
apiVersion: v1
kind: ConfigMap
metadata:
  name: greeting
  labels: {app: helloworld}
data:
  message: Hello world !
---
apiVersion: v1
kind: Service
metadata:
  name: hello-svc
  labels: {app: helloworld}
spec:
  selector: {app: helloworld}
  ports:
  - port: 8090
    targetPort: 8090
"""


def rows(output: str) -> list[list[str]]:
    return [line.split() for line in output.strip().splitlines()]


def test_version(kubectl):
    out = kubectl("version")
    assert "Server Version: v1.32." in out


def test_api_resources(kubectl):
    table = {r[0]: r for r in rows(kubectl("api-resources"))[1:]}
    assert table["pods"][1:] == ["po", "v1", "true", "Pod"]
    assert table["deployments"][1:] == ["deploy", "apps/v1", "true", "Deployment"]
    assert table["namespaces"][1:] == ["ns", "v1", "false", "Namespace"]
    assert table["horizontalpodautoscalers"][2] == "autoscaling/v2"


def test_get_namespaces(kubectl):
    out = rows(kubectl("get", "ns"))
    assert out[0] == ["NAME", "STATUS", "AGE"]
    assert ["default", "Active"] == out[1][:2]
    assert {r[0] for r in out[1:]} >= {"default", "kube-system", "kube-public"}


def test_create_deployment_sends_protobuf(kubectl, cluster):
    out = kubectl("create", "deployment", "helloworld", "--image=hello-world:v1.0",
                  "--port=8090")
    assert out.strip() == "deployment.apps/helloworld created"
    dep = cluster.client.get("deployments", "helloworld")
    container = dep["spec"]["template"]["spec"]["containers"][0]
    assert container["name"] == "hello-world" and container["image"] == "hello-world:v1.0"
    assert container["ports"] == [{"containerPort": 8090, "protocol": "TCP"}]


def test_get_deployment_columns(kubectl):
    out = rows(kubectl("get", "deployment"))
    assert out[0] == ["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE"]
    assert out[1][:4] == ["helloworld", "0/1", "0", "0"]
    wide = rows(kubectl("get", "deployment", "-o", "wide"))
    assert wide[0][5:] == ["CONTAINERS", "IMAGES", "SELECTOR"]
    assert wide[1][5:] == ["hello-world", "hello-world:v1.0", "app=helloworld"]


def test_output_formats(kubectl):
    as_yaml = yaml.safe_load(kubectl("get", "deploy", "helloworld", "-o", "yaml"))
    assert as_yaml["kind"] == "Deployment" and as_yaml["metadata"]["uid"]
    as_json = json.loads(kubectl("get", "deploy", "helloworld", "-o", "json"))
    assert as_json["spec"]["replicas"] == 1
    assert kubectl("get", "deploy", "helloworld", "-o", "name").strip() == \
        "deployment.apps/helloworld"
    assert kubectl("get", "deploy", "helloworld", "-o", "jsonpath={.spec.replicas}") == "1"


def test_label(kubectl, cluster):
    assert kubectl("label", "deployment", "helloworld", "tier=web").strip() == \
        "deployment.apps/helloworld labeled"
    assert cluster.client.get("deployments", "helloworld")["metadata"]["labels"]["tier"] == "web"
    assert rows(kubectl("get", "deploy", "-l", "tier=web", "-o", "name")) == \
        [["deployment.apps/helloworld"]]


def test_scale(kubectl):
    assert kubectl("scale", "deployment/helloworld", "--replicas=4").strip() == \
        "deployment.apps/helloworld scaled"
    assert kubectl("get", "deploy", "helloworld", "-o", "jsonpath={.spec.replicas}") == "4"


def test_set_image(kubectl):
    out = kubectl("set", "image", "deployments/helloworld", "hello-world=hello-world:v2.0")
    assert out.strip() == "deployment.apps/helloworld image updated"
    image = kubectl("get", "deploy", "helloworld", "-o",
                    "jsonpath={.spec.template.spec.containers[0].image}")
    assert image == "hello-world:v2.0"


def test_apply_and_delete_files(kubectl, cluster, tmp_path):
    path = tmp_path / "app.yaml"
    path.write_text(MANIFEST)
    out = kubectl("apply", "-f", str(path))
    assert "configmap/greeting created" in out and "service/hello-svc created" in out
    assert "configmap/greeting unchanged" in kubectl("apply", "-f", str(path))
    path.write_text(MANIFEST.replace("Hello world !", "Bonjour"))
    assert "configmap/greeting configured" in kubectl("apply", "-f", str(path))
    assert cluster.client.get("configmaps", "greeting")["data"]["message"] == "Bonjour"
    out = kubectl("delete", "-f", str(path))
    assert 'configmap "greeting" deleted' in out and 'service "hello-svc" deleted' in out
    assert kubectl.run("get", "cm", "greeting", check=False).returncode == 1


def test_server_side_apply(kubectl, tmp_path):
    path = tmp_path / "ssa.yaml"
    path.write_text(MANIFEST)
    out = kubectl("apply", "--server-side", "-f", str(path))
    assert "configmap/greeting serverside-applied" in out
    kubectl("delete", "-f", str(path))


def test_strict_field_validation(kubectl, tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: bad\n"
                    "data: {a: b}\nbogus: 1\n")
    proc = kubectl.run("apply", "-f", str(path), check=False)
    assert proc.returncode == 1
    assert 'unknown field "bogus"' in proc.stderr


def test_run_creates_a_pending_pod(kubectl):
    assert kubectl("run", "hello", "--image=hello-world:v1.0", "--port=8090").strip() == \
        "pod/hello created"
    out = rows(kubectl("get", "pod", "hello"))
    assert out[0] == ["NAME", "READY", "STATUS", "RESTARTS", "AGE"]
    assert out[1][:4] == ["hello", "0/1", "Pending", "0"]


def test_get_pods_watch(kubectl, cluster):
    proc = kubectl.popen("get", "pods", "--watch")
    lines: list[str] = []

    def read():
        for line in proc.stdout:
            lines.append(line)
    reader = threading.Thread(target=read, daemon=True)
    reader.start()

    def wait_for(predicate, what, timeout=30.0):
        deadline = time.monotonic() + timeout
        while not predicate():
            if time.monotonic() > deadline or proc.poll() is not None:
                pytest.fail(f"kubectl get pods --watch: no {what} in {lines!r}")
            time.sleep(0.1)

    def watched():
        return [ln.split() for ln in lines if ln.startswith("watched ")]
    try:
        wait_for(lambda: any(ln.startswith("hello ") for ln in lines), "listed pod")
        time.sleep(0.5)  # the list printed, kubectl opens its watch from its resourceVersion
        cluster.client.create({"apiVersion": "v1", "kind": "Pod",
                               "metadata": {"name": "watched"},
                               "spec": {"containers": [{"name": "c",
                                                        "image": "hello-world:v1.0"}]}})
        wait_for(lambda: len(watched()) >= 1, "ADDED row")
        cluster.client.delete("pods", "watched")
        wait_for(lambda: len(watched()) >= 2, "DELETED row")
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        reader.join(timeout=10)
    assert lines[0].split() == ["NAME", "READY", "STATUS", "RESTARTS", "AGE"]
    assert watched()[0][:3] == ["watched", "0/1", "Pending"]


def test_not_found(kubectl):
    proc = kubectl.run("get", "deployment", "nosuch", check=False)
    assert proc.returncode == 1
    assert proc.stderr.strip() == \
        'Error from server (NotFound): deployments.apps "nosuch" not found'


def test_explain(kubectl):
    out = kubectl("explain", "deployment.spec.strategy")
    assert "KIND:       Deployment" in out
    assert "rollingUpdate" in out and "type" in out


def test_get_all(kubectl):
    out = kubectl("get", "all")
    assert "pod/hello" in out
    assert "deployment.apps/helloworld" in out


def test_describe(kubectl):
    out = kubectl("describe", "pod", "hello")
    assert re.search(r"^Name:\s+hello$", out, re.M)
    assert re.search(r"^Status:\s+Pending$", out, re.M)
    out = kubectl("describe", "deployment", "helloworld")
    assert "hello-world:v2.0" in out


def test_delete_deployment(kubectl):
    assert kubectl("delete", "deployment", "helloworld").strip() == \
        'deployment.apps "helloworld" deleted'
    assert kubectl.run("get", "deployment", "helloworld", check=False).returncode == 1
