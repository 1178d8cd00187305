"""The registry's verbs end to end through the Python client, in process (no Ray)."""

import threading

import pytest

from rayk8s import ApiError


def deployment(name="web", replicas=1, image="hello-world:v1.0", labels=None):
    labels = labels or {"app": name}
    return {
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": name, "labels": dict(labels)},
        "spec": {"replicas": replicas, "selector": {"matchLabels": dict(labels)},
                 "template": {"metadata": {"labels": dict(labels)},
                              "spec": {"containers": [{"name": "hello-world", "image": image,
                                                       "ports": [{"containerPort": 8090}]}]}}},
    }


def pod(name="p", labels=None, node=None, ns=None):
    obj = {"apiVersion": "v1", "kind": "Pod",
           "metadata": {"name": name, "labels": labels or {}},
           "spec": {"containers": [{"name": "c", "image": "busybox"}]}}
    if ns:
        obj["metadata"]["namespace"] = ns
    if node:
        obj["spec"]["nodeName"] = node
    return obj


def event(name, message):
    return {"apiVersion": "v1", "kind": "Event", "metadata": {"name": name},
            "involvedObject": {"kind": "Pod", "name": "p", "namespace": "default"},
            "reason": "Test", "message": message, "type": "Normal"}


def cm(name, data=None, labels=None):
    return {"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": name, "labels": labels or {}}, "data": data or {}}


# ---------------------------------------------------------------- create/get

def test_create_fills_server_fields_and_defaults(kube):
    out = kube.create(deployment())
    meta = out["metadata"]
    assert meta["namespace"] == "default"
    assert meta["uid"] and meta["creationTimestamp"].endswith("Z")
    assert meta["generation"] == 1
    assert int(meta["resourceVersion"]) > 0
    assert out["spec"]["strategy"]["type"] == "RollingUpdate"
    assert out["spec"]["revisionHistoryLimit"] == 10
    assert kube.get("deploy", "web") == out


def test_default_namespaces_exist(kube):
    names = {n["metadata"]["name"] for n in kube.list("namespaces")}
    assert {"default", "kube-system", "kube-public", "kube-node-lease"} <= names
    assert kube.get("ns", "default")["status"]["phase"] == "Active"


def test_create_twice_is_already_exists(kube):
    kube.create(cm("a"))
    with pytest.raises(ApiError) as err:
        kube.create(cm("a"))
    assert (err.value.code, err.value.reason) == (409, "AlreadyExists")
    assert err.value.message == 'configmaps "a" already exists'


def test_get_missing_is_not_found_with_kubernetes_message(kube):
    with pytest.raises(ApiError) as err:
        kube.get("deployments", "nosuch")
    assert err.value.code == 404
    assert err.value.message == 'deployments.apps "nosuch" not found'
    assert err.value.status["details"] == {"name": "nosuch", "group": "apps", "kind": "deployments"}


def test_generate_name(kube):
    obj = cm("")
    obj["metadata"] = {"generateName": "cfg-"}
    out = kube.create(obj)
    assert out["metadata"]["name"].startswith("cfg-") and len(out["metadata"]["name"]) == 9


def test_invalid_object_is_422_naming_the_field_and_not_stored(kube):
    bad = deployment()
    bad["spec"]["template"]["metadata"]["labels"] = {"app": "other"}
    with pytest.raises(ApiError) as err:
        kube.create(bad)
    assert (err.value.code, err.value.reason) == (422, "Invalid")
    fields = [c["field"] for c in err.value.status["details"]["causes"]]
    assert "spec.template.metadata.labels" in fields
    with pytest.raises(ApiError):
        kube.get("deploy", "web")


def test_create_in_missing_namespace_is_not_found(kube):
    with pytest.raises(ApiError) as err:
        kube.create(pod(ns="nowhere"))
    assert err.value.code == 404 and 'namespaces "nowhere" not found' in err.value.message


def test_object_over_size_limit_is_413_and_not_stored(kube):
    with pytest.raises(ApiError) as err:
        kube.create(event("big", "x" * 1_600_000))
    assert err.value.code == 413 and err.value.reason == "RequestEntityTooLarge"
    with pytest.raises(ApiError):
        kube.get("events", "big")


def test_dry_run_stores_nothing(kube):
    out = kube.create(cm("dry"), dry_run=True)
    assert out["metadata"]["name"] == "dry"
    with pytest.raises(ApiError):
        kube.get("cm", "dry")


def test_wrong_kind_for_resource_is_bad_request(kube):
    with pytest.raises(ApiError) as err:
        kube.transport.call("create", "pods", cm("x"), "default")
    assert err.value.code == 400


# ---------------------------------------------------------------- list

def test_list_with_label_and_field_selectors(kube):
    for i in range(4):
        kube.create(cm(f"c{i}", labels={"tier": "a" if i % 2 else "b", "i": str(i)}))
    names = lambda objs: sorted(o["metadata"]["name"] for o in objs)  # noqa: E731
    assert names(kube.list("cm", label_selector="tier=a")) == ["c1", "c3"]
    assert names(kube.list("cm", label_selector="tier!=a")) == ["c0", "c2"]
    assert names(kube.list("cm", label_selector="i in (0,3)")) == ["c0", "c3"]
    assert names(kube.list("cm", field_selector="metadata.name=c2")) == ["c2"]
    assert names(kube.list("cm", label_selector="tier=a", field_selector="metadata.name!=c1")) == ["c3"]


def test_list_pages_with_limit_and_continue(kube):
    for i in range(7):
        kube.create(cm(f"c{i}"))
    first = kube.list_object("cm", limit=3)
    assert len(first["items"]) == 3 and first["metadata"]["remainingItemCount"] == 4
    kube.create(cm("z-late"))  # a page read continues at the first page's revision
    seen = [o["metadata"]["name"] for o in first["items"]]
    token = first["metadata"]["continue"]
    while token:
        page = kube.list_object("cm", limit=3, continue_=token)
        assert page["metadata"]["resourceVersion"] == first["metadata"]["resourceVersion"]
        seen += [o["metadata"]["name"] for o in page["items"]]
        token = page["metadata"].get("continue")
    assert seen == [f"c{i}" for i in range(7)]


def test_list_across_namespaces(kube):
    kube.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "other"}})
    kube.create(cm("a"))
    kube.create(cm("b"), namespace="other")
    assert [o["metadata"]["name"] for o in kube.list("cm")] == ["a"]
    assert sorted(o["metadata"]["name"] for o in kube.list("cm", all_namespaces=True)) == ["a", "b"]


def test_bad_selector_is_400(kube):
    with pytest.raises(ApiError) as err:
        kube.list("cm", label_selector="a in (")
    assert err.value.code == 400
    with pytest.raises(ApiError) as err:
        kube.list("cm", field_selector="spec.nodeName=x")
    assert err.value.code == 400


# ---------------------------------------------------------------- update/patch

def test_update_with_stale_resource_version_conflicts(kube):
    created = kube.create(deployment())
    fresh = kube.get("deploy", "web")
    fresh["spec"]["replicas"] = 2
    kube.update(fresh)
    created["spec"]["replicas"] = 3
    with pytest.raises(ApiError) as err:
        kube.update(created)
    assert (err.value.code, err.value.reason) == (409, "Conflict")
    assert "the object has been modified" in err.value.message
    assert kube.get("deploy", "web")["spec"]["replicas"] == 2


def test_racing_writers_exactly_one_wins(kube):
    kube.create(cm("race", {"n": "0"}))
    base = kube.get("cm", "race")
    results = []

    def write(value):
        obj = {**base, "data": {"n": value}}
        try:
            kube.update(obj)
            results.append("ok")
        except ApiError as exc:
            results.append(exc.code)

    threads = [threading.Thread(target=write, args=(str(i + 1),)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results, key=str) == [409, "ok"]


def test_spec_change_bumps_generation_metadata_change_does_not(kube):
    kube.create(deployment())
    out = kube.patch("deploy", "web", {"metadata": {"labels": {"x": "y"}}})
    assert out["metadata"]["generation"] == 1
    out = kube.patch("deploy", "web", {"spec": {"replicas": 5}})
    assert out["metadata"]["generation"] == 2


def test_noop_update_keeps_resource_version(kube):
    out = kube.create(cm("same", {"a": "1"}))
    again = kube.update(out)
    assert again["metadata"]["resourceVersion"] == out["metadata"]["resourceVersion"]


def test_main_resource_update_ignores_status(kube):
    out = kube.create(deployment())
    out["status"] = {"replicas": 9}
    assert kube.update(out).get("status", {}).get("replicas") is None
    status = kube.get("deploy", "web")
    status["status"] = {"replicas": 3, "observedGeneration": 1}
    assert kube.update_status(status)["status"]["replicas"] == 3


def test_three_patch_types(kube):
    kube.create(deployment())
    out = kube.patch("deploy", "web", {"spec": {"template": {"spec": {
        "$setElementOrder/containers": [{"name": "hello-world"}],
        "containers": [{"name": "hello-world", "image": "hello-world:v2.0"}]}}}},
        patch_type="strategic")
    container = out["spec"]["template"]["spec"]["containers"][0]
    assert container["image"] == "hello-world:v2.0" and container["ports"][0]["containerPort"] == 8090
    out = kube.patch("deploy", "web", [{"op": "replace", "path": "/spec/replicas", "value": 3}],
                     patch_type="json")
    assert out["spec"]["replicas"] == 3
    out = kube.patch("deploy", "web", {"metadata": {"labels": {"app": None, "k": "v"}}})
    assert out["metadata"]["labels"] == {"k": "v"}


def test_patch_producing_invalid_object_is_422_and_not_stored(kube):
    kube.create(deployment())
    with pytest.raises(ApiError) as err:
        kube.patch("deploy", "web", {"spec": {"replicas": -1}})
    assert err.value.code == 422
    assert kube.get("deploy", "web")["spec"]["replicas"] == 1


def test_selector_is_immutable(kube):
    kube.create(deployment())
    with pytest.raises(ApiError) as err:
        kube.patch("deploy", "web", {"spec": {"selector": {"matchLabels": {"app": "x"}},
                                              "template": {"metadata": {"labels": {"app": "x"}}}}})
    assert err.value.code == 422 and "immutable" in err.value.message


def test_apply_creates_then_updates_from_yaml(kube):
    text = """
apiVersion: v1
kind: ConfigMap
metadata: {name: one}
data: {a: "1"}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: c, image: nginx}]}
"""
    first = kube.apply(text)
    assert [o["kind"] for o in first] == ["ConfigMap", "Deployment"]
    second = kube.apply(text.replace('a: "1"', 'a: "2"'))
    assert second[0]["data"] == {"a": "2"}
    assert second[1]["metadata"]["resourceVersion"] == first[1]["metadata"]["resourceVersion"]


# ---------------------------------------------------------------- scale

def test_scale_subresource(kube):
    kube.create(deployment())
    scale = kube.scale("deployments", "web", 4)
    assert scale["kind"] == "Scale" and scale["apiVersion"] == "autoscaling/v1"
    assert scale["spec"]["replicas"] == 4 and scale["status"]["selector"] == "app=web"
    assert kube.get("deploy", "web")["spec"]["replicas"] == 4
    with pytest.raises(ApiError) as err:
        kube.scale("deployments", "web", -1)
    assert err.value.code == 422


def test_scale_on_kind_without_scale_is_404(kube):
    kube.create(cm("a"))
    with pytest.raises(ApiError) as err:
        kube.get("cm", "a", subresource="scale")
    assert err.value.code == 404


# ---------------------------------------------------------------- delete

def test_delete_then_get_is_not_found(kube):
    kube.create(cm("gone"))
    kube.delete("cm", "gone")
    with pytest.raises(ApiError) as err:
        kube.get("cm", "gone")
    assert err.value.code == 404
    with pytest.raises(ApiError) as err:
        kube.delete("cm", "gone")
    assert err.value.code == 404


def test_finalizers_hold_deletion_until_removed(kube):
    obj = cm("held")
    obj["metadata"]["finalizers"] = ["example.com/hold"]
    kube.create(obj)
    out = kube.delete("cm", "held")
    assert out["metadata"]["deletionTimestamp"]
    assert kube.get("cm", "held")["metadata"]["deletionTimestamp"]
    kube.patch("cm", "held", {"metadata": {"finalizers": None}})
    with pytest.raises(ApiError):
        kube.get("cm", "held")


@pytest.mark.parametrize("policy,finalizer", [("Orphan", "orphan"),
                                              ("Foreground", "foregroundDeletion")])
def test_propagation_policies_add_gc_finalizers(kube, policy, finalizer):
    kube.create(deployment())
    out = kube.delete("deploy", "web", propagation_policy=policy)
    assert finalizer in out["metadata"]["finalizers"]
    assert out["metadata"]["deletionTimestamp"]


def test_background_deletes_at_once(kube):
    kube.create(deployment())
    kube.delete("deploy", "web", propagation_policy="Background")
    with pytest.raises(ApiError):
        kube.get("deploy", "web")


def test_scheduled_pod_deletion_is_graceful(kube, clock):
    kube.create(pod("p", node="node-1"))
    out = kube.delete("pods", "p")
    assert out["metadata"]["deletionGracePeriodSeconds"] == 30
    assert kube.get("pods", "p")["metadata"]["deletionTimestamp"]
    kube.delete("pods", "p", grace_period_seconds=0)  # what the kubelet does when stopped
    with pytest.raises(ApiError):
        kube.get("pods", "p")


def test_unscheduled_pod_is_deleted_at_once(kube):
    kube.create(pod("p"))
    kube.delete("pods", "p")
    with pytest.raises(ApiError):
        kube.get("pods", "p")


def test_delete_precondition_uid(kube):
    kube.create(cm("a"))
    with pytest.raises(ApiError) as err:
        kube.delete("cm", "a", preconditions={"uid": "not-it"})
    assert err.value.code == 409


def test_terminating_namespace_refuses_new_objects(kube):
    kube.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "dying"}})
    out = kube.delete("ns", "dying")
    assert out["status"]["phase"] == "Terminating"
    with pytest.raises(ApiError) as err:
        kube.create(cm("x"), namespace="dying")
    assert err.value.code == 403 and "being terminated" in err.value.message


def test_system_namespace_cannot_be_deleted(kube):
    with pytest.raises(ApiError) as err:
        kube.delete("ns", "default")
    assert err.value.code == 403


# ---------------------------------------------------------------- binding

def test_binding_sets_node_once(kube):
    kube.create(pod("p"))
    kube.transport.call("create", "pods", {"apiVersion": "v1", "kind": "Binding",
                                           "metadata": {"name": "p"},
                                           "target": {"kind": "Node", "name": "n1"}},
                        "default", name="p", subresource="binding")
    got = kube.get("pods", "p")
    assert got["spec"]["nodeName"] == "n1"
    assert {"type": "PodScheduled", "status": "True"}.items() <= got["status"]["conditions"][0].items()
    with pytest.raises(ApiError) as err:
        kube.transport.call("create", "pods", {"target": {"name": "n2"}}, "default", name="p",
                            subresource="binding")
    assert err.value.code == 409


def test_new_pod_is_pending_with_qos(kube):
    out = kube.create(pod("p"))
    assert out["status"]["phase"] == "Pending"
    assert out["status"]["qosClass"] == "BestEffort"
    assert out["spec"]["serviceAccountName"] == "default"


# ---------------------------------------------------------------- watch

def test_watch_sees_every_change_in_order(kube):
    rv = kube.list_object("cm")["metadata"]["resourceVersion"]
    kube.create(cm("w", {"v": "1"}))
    kube.patch("cm", "w", {"data": {"v": "2"}})
    kube.delete("cm", "w")
    events = list(kube.watch("cm", resource_version=rv, timeout=0.5))
    assert [e["type"] for e in events] == ["ADDED", "MODIFIED", "DELETED"]
    rvs = [int(e["object"]["metadata"]["resourceVersion"]) for e in events]
    assert rvs == sorted(rvs) and len(set(rvs)) == 3
    assert events[1]["object"]["data"] == {"v": "2"}


def test_watch_without_resource_version_starts_with_current_objects(kube):
    kube.create(cm("a"))
    events = list(kube.watch("cm", timeout=0.2))
    assert [(e["type"], e["object"]["metadata"]["name"]) for e in events] == [("ADDED", "a")]


def test_watch_with_label_selector_translates_membership(kube):
    kube.create(cm("a", labels={"app": "x"}))
    rv = kube.get("cm", "a")["metadata"]["resourceVersion"]
    kube.patch("cm", "a", {"metadata": {"labels": {"app": "y"}}})
    kube.patch("cm", "a", {"metadata": {"labels": {"app": "x"}}})
    events = list(kube.watch("cm", resource_version=rv, label_selector="app=x", timeout=0.3))
    assert [e["type"] for e in events] == ["DELETED", "ADDED"]


def test_watch_times_out_empty(kube):
    rv = kube.list_object("cm")["metadata"]["resourceVersion"]
    batch = kube.watch_batch("cm", resource_version=rv, timeout=0.05)
    assert batch["events"] == [] and int(batch["resourceVersion"]) >= int(rv)


def test_watch_from_compacted_revision_is_410(kube):
    kube.create(cm("a"))
    for i in range(5):
        kube.patch("cm", "a", {"data": {"i": str(i)}})
    transport = kube.transport
    head = transport._run(transport.store.range("/registry/", limit=1)).revision
    transport._run(transport.store.compact(head))
    transport.registry.cache.reset(head)
    with pytest.raises(ApiError) as err:
        kube.watch_batch("cm", resource_version="2", timeout=0.1)
    assert err.value.code == 410


# ---------------------------------------------------------------- versions

def test_hpa_served_in_v1_and_v2(kube):
    kube.create(deployment())
    v1 = {"apiVersion": "autoscaling/v1", "kind": "HorizontalPodAutoscaler",
          "metadata": {"name": "web"},
          "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"},
                   "minReplicas": 1, "maxReplicas": 10, "targetCPUUtilizationPercentage": 50}}
    created = kube.transport.call("create", "hpa", v1, "default", version="v1")
    assert created["apiVersion"] == "autoscaling/v1"
    assert created["spec"]["targetCPUUtilizationPercentage"] == 50
    v2 = kube.get("hpa", "web")
    assert v2["apiVersion"] == "autoscaling/v2"
    metric = v2["spec"]["metrics"][0]
    assert metric["resource"]["name"] == "cpu"
    assert metric["resource"]["target"]["averageUtilization"] == 50


def test_update_naming_another_uid_is_refused(kube):
    kube.create(cm("u"))
    with pytest.raises(ApiError) as err:
        kube.patch("cm", "u", {"metadata": {"uid": "someone-else"}})
    assert err.value.code == 422 and "metadata.uid" in err.value.message
