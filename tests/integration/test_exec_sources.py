"""Inside a pod on Ray: its ConfigMaps, Secrets, downward API and volumes, as
``kube.exec`` (played by the pod's kubelet in its node actor) shows them."""

import pytest


from . import helpers

POD = "sources"


@pytest.fixture(scope="module")
def cluster(ray_cluster):
    with helpers.emulated("sources-it", nodes=1) as c:
        yield c


@pytest.fixture(scope="module")
def pod(kube):
    kube.create({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "app-config"},
                 "data": {"mode": "fast", "app.properties": "color=blue\n"}})
    kube.create({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "db-creds"},
                 "stringData": {"username": "admin", "password": "s3cr3t"}})
    kube.create({"apiVersion": "v1", "kind": "Pod",
                 "metadata": {"name": POD, "labels": {"app": "sources", "tier": "back"}},
                 "spec": {"containers": [{
                     "name": "c", "image": "busybox", "command": ["sleep", "3600"],
                     "env": [{"name": "MODE", "valueFrom": {"configMapKeyRef": {
                                 "name": "app-config", "key": "mode"}}},
                             {"name": "DB_USER", "valueFrom": {"secretKeyRef": {
                                 "name": "db-creds", "key": "username"}}}],
                     "envFrom": [{"configMapRef": {"name": "app-config"}, "prefix": "CFG_"},
                                 {"secretRef": {"name": "db-creds"}, "prefix": "DB_"}],
                     "volumeMounts": [{"name": "config", "mountPath": "/etc/config"},
                                      {"name": "creds", "mountPath": "/etc/creds"},
                                      {"name": "podinfo", "mountPath": "/etc/podinfo"},
                                      {"name": "scratch", "mountPath": "/scratch"}]}],
                     "volumes": [
                         {"name": "config", "configMap": {"name": "app-config"}},
                         {"name": "creds", "secret": {"secretName": "db-creds"}},
                         {"name": "podinfo", "downwardAPI": {"items": [
                             {"path": "labels", "fieldRef": {"fieldPath": "metadata.labels"}},
                             {"path": "name", "fieldRef": {"fieldPath": "metadata.name"}}]}},
                         {"name": "scratch", "emptyDir": {}}]}})
    helpers.wait_for(lambda: kube.get("pods", POD)["status"].get("phase") == "Running",
                     timeout=120)
    return POD


def test_env_from_config_maps_and_secrets(kube, pod):
    out = kube.exec(pod, ["printenv", "MODE", "DB_USER", "CFG_mode", "DB_password"])
    assert out == "fast\nadmin\nfast\ns3cr3t\n"
    env = kube.exec(pod, "env")
    assert "CFG_app.properties=color=blue" in env and "HOSTNAME=sources" in env


def test_volume_files(kube, pod):
    assert kube.exec(pod, ["cat", "/etc/config/mode"]) == "fast"
    assert kube.exec(pod, ["cat", "/etc/config/app.properties"]) == "color=blue\n"
    assert kube.exec(pod, ["ls", "/etc/config"]).split() == ["app.properties", "mode"]
    assert kube.exec(pod, ["cat", "/etc/creds/password"]) == "s3cr3t"
    assert kube.exec(pod, ["ls", "/etc/creds"]).split() == ["password", "username"]
    assert kube.exec(pod, ["cat", "/etc/podinfo/labels"]) == 'app="sources"\ntier="back"'
    assert kube.exec(pod, ["cat", "/etc/podinfo/name"]) == POD
    assert kube.exec(pod, ["ls", "/scratch"]) == ""
    assert kube.exec(pod, ["sh", "-c", "echo hi > /scratch/f; ls /scratch"]) == "f\n"
    assert kube.exec(pod, ["cat", "/var/run/secrets/kubernetes.io/serviceaccount/namespace"]) \
        == "default"


def test_config_map_update_shows_in_the_next_exec(kube, pod):
    cm = kube.get("configmaps", "app-config")
    kube.update({**cm, "data": {**cm["data"], "mode": "slow"}})
    assert kube.exec(pod, ["cat", "/etc/config/mode"]) == "slow"


def test_an_empty_dir_is_shared_by_the_pods_containers(kube):
    """The seed's point about pods: containers of one pod share its volumes."""
    kube.create({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "pair"},
                 "spec": {"volumes": [{"name": "shared", "emptyDir": {}}], "containers": [
                     {"name": "writer", "image": "busybox", "command": ["sleep", "3600"],
                      "volumeMounts": [{"name": "shared", "mountPath": "/out"}]},
                     {"name": "reader", "image": "busybox", "command": ["sleep", "3600"],
                      "volumeMounts": [{"name": "shared", "mountPath": "/in"}]}]}})
    helpers.wait_for(lambda: kube.get("pods", "pair")["status"].get("phase") == "Running",
                     timeout=120)
    kube.exec("pair", ["sh", "-c", "echo from the writer > /out/note"], container="writer")
    assert kube.exec("pair", ["cat", "/in/note"], container="reader") == "from the writer\n"
    assert kube.exec("pair", ["ls", "/in"], container="reader") == "note\n"
