"""The official ``kubernetes`` Python client against a live rayk8s control plane."""

from __future__ import annotations

import threading
import time

import pytest

pytestmark = pytest.mark.e2e


def deployment(name):
    labels = {"app": name}
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name},
            "spec": {"replicas": 1, "selector": {"matchLabels": labels},
                     "template": {"metadata": {"labels": labels},
                                  "spec": {"containers": [{"name": "hello-world",
                                                           "image": "hello-world:v1.0"}]}}}}


def test_configmap_crud(api_client):
    from kubernetes import client
    v1 = client.CoreV1Api(api_client)
    created = v1.create_namespaced_config_map(
        "default", {"metadata": {"name": "py-cm", "labels": {"by": "py"}},
                    "data": {"a": "1"}})
    assert created.metadata.uid and created.data == {"a": "1"}
    assert v1.read_namespaced_config_map("py-cm", "default").data == {"a": "1"}
    listed = v1.list_namespaced_config_map("default", label_selector="by=py")
    assert [c.metadata.name for c in listed.items] == ["py-cm"]
    assert listed.metadata.resource_version
    patched = v1.patch_namespaced_config_map("py-cm", "default", {"data": {"a": "2"}})
    assert patched.data == {"a": "2"}
    replaced = v1.replace_namespaced_config_map(
        "py-cm", "default", {"metadata": {"name": "py-cm"}, "data": {"b": "3"}})
    assert replaced.data == {"b": "3"}
    v1.delete_namespaced_config_map("py-cm", "default")
    with pytest.raises(client.ApiException) as err:
        v1.read_namespaced_config_map("py-cm", "default")
    assert err.value.status == 404


def test_deployment_crud_and_scale(api_client):
    from kubernetes import client
    apps = client.AppsV1Api(api_client)
    created = apps.create_namespaced_deployment("default", deployment("py-dep"))
    assert created.spec.replicas == 1 and created.spec.strategy.type == "RollingUpdate"
    assert apps.read_namespaced_deployment("py-dep", "default").metadata.uid == \
        created.metadata.uid
    assert "py-dep" in [d.metadata.name for d in
                        apps.list_namespaced_deployment("default").items]
    assert [d.metadata.name for d in apps.list_deployment_for_all_namespaces(
        field_selector="metadata.name=py-dep").items] == ["py-dep"]
    scale = apps.patch_namespaced_deployment_scale("py-dep", "default",
                                                   {"spec": {"replicas": 3}})
    assert scale.spec.replicas == 3 and scale.status.selector == "app=py-dep"
    patched = apps.patch_namespaced_deployment(
        "py-dep", "default",
        {"spec": {"template": {"spec": {"containers": [
            {"name": "hello-world", "image": "hello-world:v2.0"}]}}}})
    assert patched.spec.template.spec.containers[0].image == "hello-world:v2.0"
    assert patched.spec.replicas == 3 and patched.metadata.generation == 3
    status = apps.delete_namespaced_deployment("py-dep", "default",
                                               propagation_policy="Background")
    assert status["status"] == "Success"
    with pytest.raises(client.ApiException) as err:
        apps.read_namespaced_deployment("py-dep", "default")
    assert err.value.status == 404


def test_watch_sees_added_modified_deleted(api_client):
    from kubernetes import client, watch
    v1 = client.CoreV1Api(api_client)
    rv = v1.list_namespaced_config_map("default").metadata.resource_version

    def writes():
        time.sleep(0.5)
        v1.create_namespaced_config_map("default", {"metadata": {"name": "watched"}})
        v1.patch_namespaced_config_map("watched", "default", {"data": {"x": "y"}})
        v1.delete_namespaced_config_map("watched", "default")
    writer = threading.Thread(target=writes)
    writer.start()
    seen = []
    w = watch.Watch()
    for ev in w.stream(v1.list_namespaced_config_map, "default", resource_version=rv,
                       timeout_seconds=10):
        seen.append((ev["type"], ev["object"].metadata.name))
        if ev["type"] == "DELETED":
            w.stop()
    writer.join()
    assert seen == [("ADDED", "watched"), ("MODIFIED", "watched"), ("DELETED", "watched")]


def test_errors_are_api_exceptions(api_client):
    from kubernetes import client
    v1 = client.CoreV1Api(api_client)
    v1.create_namespaced_config_map("default", {"metadata": {"name": "dup"}})
    with pytest.raises(client.ApiException) as err:
        v1.create_namespaced_config_map("default", {"metadata": {"name": "dup"}})
    assert err.value.status == 409
    assert '"reason":"AlreadyExists"' in err.value.body.replace(" ", "")
    v1.delete_namespaced_config_map("dup", "default")


def test_watch_pods_of_a_deployment_being_scaled(api_client):
    """watch.Watch().stream sees the controllers' pods come (ADDED), change
    (MODIFIED: the scheduler reports them unschedulable -- this cluster has no
    nodes) and go (DELETED) as the Deployment is scaled up and down."""
    from kubernetes import client, watch
    v1, apps = client.CoreV1Api(api_client), client.AppsV1Api(api_client)
    apps.create_namespaced_deployment("default", deployment("py-watch"))
    rv = v1.list_namespaced_pod("default", label_selector="app=py-watch").metadata.resource_version
    seen: dict[str, set] = {"ADDED": set(), "MODIFIED": set(), "DELETED": set()}
    w = watch.Watch()

    def follow():
        for ev in w.stream(v1.list_namespaced_pod, "default", label_selector="app=py-watch",
                           resource_version=rv, timeout_seconds=60):
            seen[ev["type"]].add(ev["object"].metadata.name)
            if len(seen["DELETED"]) >= 3:
                w.stop()
    thread = threading.Thread(target=follow, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 30
        while len(seen["ADDED"]) < 1 and time.monotonic() < deadline:
            time.sleep(0.1)
        apps.patch_namespaced_deployment_scale("py-watch", "default", {"spec": {"replicas": 3}})
        while len(seen["ADDED"]) < 3 and time.monotonic() < deadline:
            time.sleep(0.1)
        apps.patch_namespaced_deployment_scale("py-watch", "default", {"spec": {"replicas": 0}})
        thread.join(timeout=30)
    finally:
        w.stop()
        apps.delete_namespaced_deployment("py-watch", "default", propagation_policy="Background")
    assert len(seen["ADDED"]) == 3
    assert seen["MODIFIED"] & seen["ADDED"]
    assert seen["DELETED"] == seen["ADDED"]
