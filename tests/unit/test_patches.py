"""Patches: JSON merge (RFC 7386), JSON patch (RFC 6902), strategic merge, apply, dispatch."""

import copy
import json

import pytest

from rayk8s.api import errors, patches


def deployment(containers=None, **spec):
    return {
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "helloworld", "namespace": "default", "labels": {"app": "hw"}},
        "spec": {"replicas": 1, "selector": {"matchLabels": {"app": "hw"}},
                 "template": {"metadata": {"labels": {"app": "hw"}},
                              "spec": {"containers": containers or [
                                  {"name": "hello-world", "image": "hello-world:v1",
                                   "ports": [{"containerPort": 8080, "protocol": "TCP"}]}]}},
                 **spec},
    }


def pod_spec_patch(**spec):
    return {"spec": {"template": {"spec": spec}}}


def containers_of(obj):
    return obj["spec"]["template"]["spec"]["containers"]


def smp(original, patch, kind="Deployment"):
    return patches.strategic_merge_patch(original, patch, kind)


def raises(fn, *args):
    with pytest.raises(errors.ApiError) as e:
        fn(*args)
    return e.value


# -- JSON merge patch: the RFC 7386 appendix ---------------------------------------------

@pytest.mark.parametrize("original, patch, expected", [
    ({"a": "b"}, {"a": "c"}, {"a": "c"}),
    ({"a": "b"}, {"b": "c"}, {"a": "b", "b": "c"}),
    ({"a": "b"}, {"a": None}, {}),
    ({"a": "b", "b": "c"}, {"a": None}, {"b": "c"}),
    ({"a": ["b"]}, {"a": "c"}, {"a": "c"}),
    ({"a": "c"}, {"a": ["b"]}, {"a": ["b"]}),
    ({"a": {"b": "c"}}, {"a": {"b": "d", "c": None}}, {"a": {"b": "d"}}),
    ({"a": [{"b": "c"}]}, {"a": [1]}, {"a": [1]}),
    ({"e": None}, {"a": 1}, {"e": None, "a": 1}),
    ({}, {"a": {"bb": {"ccc": None}}}, {"a": {"bb": {}}}),
    ({"a": [1, 2]}, {"a": [None]}, {"a": [None]}),
])
def test_json_merge_patch_rfc7386(original, patch, expected):
    assert patches.json_merge_patch(original, patch) == expected


@pytest.mark.parametrize("patch", [["c"], "x", 1, None])
def test_json_merge_patch_must_be_an_object(patch):
    err = raises(patches.json_merge_patch, {"a": "b"}, patch)
    assert (err.code, err.reason) == (400, "BadRequest")


def test_kubectl_label_merge_patch():
    got = patches.json_merge_patch(deployment(), {"metadata": {"labels": {"app": "v1"}}})
    assert got["metadata"]["labels"] == {"app": "v1"}
    assert got["spec"] == deployment()["spec"]


# -- JSON patch ------------------------------------------------------------------------------

@pytest.mark.parametrize("ops, expected", [
    ([{"op": "add", "path": "/b", "value": 2}], {"a": {"x": 1}, "l": [1, 2], "b": 2}),
    ([{"op": "add", "path": "/l/-", "value": 3}], {"a": {"x": 1}, "l": [1, 2, 3]}),
    ([{"op": "add", "path": "/l/0", "value": 0}], {"a": {"x": 1}, "l": [0, 1, 2]}),
    ([{"op": "remove", "path": "/a/x"}], {"a": {}, "l": [1, 2]}),
    ([{"op": "replace", "path": "/a", "value": 5}], {"a": 5, "l": [1, 2]}),
    ([{"op": "move", "from": "/a/x", "path": "/y"}], {"a": {}, "l": [1, 2], "y": 1}),
    ([{"op": "copy", "from": "/a", "path": "/c"}], {"a": {"x": 1}, "l": [1, 2], "c": {"x": 1}}),
    ([{"op": "test", "path": "/a/x", "value": 1}], {"a": {"x": 1}, "l": [1, 2]}),
    ([], {"a": {"x": 1}, "l": [1, 2]}),
])
def test_json_patch_ops(ops, expected):
    assert patches.json_patch({"a": {"x": 1}, "l": [1, 2]}, ops) == expected


def test_kubectl_rollout_undo_json_patch():
    live = deployment()
    live["metadata"]["annotations"] = {"deployment.kubernetes.io/revision": "3"}
    template = {"metadata": {"labels": {"app": "hw"}},
                "spec": {"containers": [{"name": "hello-world", "image": "hello-world:v0"}]}}
    got = patches.json_patch(live, [
        {"op": "replace", "path": "/spec/template", "value": template},
        {"op": "replace", "path": "/metadata/annotations",
         "value": {"deployment.kubernetes.io/revision": "2"}}])
    assert got["spec"]["template"] == template
    assert got["metadata"]["annotations"] == {"deployment.kubernetes.io/revision": "2"}


@pytest.mark.parametrize("ops", [
    {"op": "add", "path": "/a", "value": 1},
    "add",
    [["op", "add"]],
    ["add"],
])
def test_json_patch_malformed_is_bad_request(ops):
    err = raises(patches.json_patch, {"a": 1}, ops)
    assert (err.code, err.reason) == (400, "BadRequest")


@pytest.mark.parametrize("ops", [
    [{"op": "bogus", "path": "/a"}],
    [{"op": "add", "value": 1}],
    [{"op": "add", "path": "/a"}],
    [{"path": "/a", "value": 1}],
    [{"op": "remove", "path": "/missing"}],
    [{"op": "replace", "path": "/missing/deeper", "value": 1}],
    [{"op": "add", "path": "/x/y", "value": 1}],
    [{"op": "test", "path": "/a", "value": 2}],
    [{"op": "replace", "path": "a", "value": 2}],
    [{"op": "remove", "path": "/l/9"}],
    [{"op": "replace", "path": "", "value": [1]}],
])
def test_json_patch_that_cannot_apply_is_invalid(ops):
    err = raises(patches.json_patch, {"a": 1, "l": [1]}, ops)
    assert (err.code, err.reason) == (422, "Invalid")
    assert err.message == "the server rejected our request due to an error in our request"


def test_json_patch_operation_limit():
    ops = [{"op": "test", "path": "/a", "value": 1}] * (patches.MAX_JSON_PATCH_OPERATIONS + 1)
    err = raises(patches.json_patch, {"a": 1}, ops)
    assert err.code == 413 and err.message.endswith("got 10001")


# -- strategic merge: lists merged by key ----------------------------------------------------

def test_kubectl_set_image_changes_only_the_image():
    body = pod_spec_patch(**{"$setElementOrder/containers": [{"name": "hello-world"}],
                             "containers": [{"image": "hello-world:v2.0", "name": "hello-world"}]})
    expected = deployment()
    containers_of(expected)[0]["image"] = "hello-world:v2.0"
    assert smp(deployment(), body) == expected


def test_new_container_is_added_first_without_an_order():
    got = smp(deployment(), pod_spec_patch(containers=[{"name": "redis", "image": "redis"}]))
    assert [c["name"] for c in containers_of(got)] == ["redis", "hello-world"]


def test_new_container_is_placed_by_set_element_order():
    got = smp(deployment(), pod_spec_patch(**{
        "$setElementOrder/containers": [{"name": "hello-world"}, {"name": "redis"}],
        "containers": [{"name": "redis", "image": "redis"}]}))
    assert [c["name"] for c in containers_of(got)] == ["hello-world", "redis"]


def test_set_element_order_alone_reorders_the_live_list():
    live = deployment([{"name": n, "image": n} for n in "abc"])
    got = smp(live, pod_spec_patch(**{"$setElementOrder/containers": [
        {"name": "c"}, {"name": "b"}, {"name": "a"}]}))
    assert [c["name"] for c in containers_of(got)] == ["c", "b", "a"]


def test_server_only_items_keep_their_place_among_ordered_ones():
    live = deployment([{"name": n, "image": n} for n in "axb"])
    got = smp(live, pod_spec_patch(**{
        "$setElementOrder/containers": [{"name": "b"}, {"name": "a"}],
        "containers": [{"name": "a", "image": "a2"}]}))
    assert [(c["name"], c["image"]) for c in containers_of(got)] == [
        ("x", "x"), ("b", "b"), ("a", "a2")]


def test_patched_item_keeps_its_place_without_an_order():
    live = deployment([{"name": n, "image": n} for n in "abc"])
    got = smp(live, pod_spec_patch(containers=[{"name": "b", "image": "b2"}]))
    assert [(c["name"], c["image"]) for c in containers_of(got)] == [
        ("a", "a"), ("b", "b2"), ("c", "c")]


@pytest.mark.parametrize("field, live, patch, expected", [
    ("ports", [{"containerPort": 80, "name": "http"}, {"containerPort": 443}],
     [{"containerPort": 80, "name": "web"}],
     [{"containerPort": 80, "name": "web"}, {"containerPort": 443}]),
    ("ports", [{"containerPort": 80}], [{"containerPort": 9090}],
     [{"containerPort": 9090}, {"containerPort": 80}]),
    ("env", [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}],
     [{"name": "B", "value": "3"}],
     [{"name": "A", "value": "1"}, {"name": "B", "value": "3"}]),
    ("env", [{"name": "A", "valueFrom": {"fieldRef": {"fieldPath": "status.podIP"}}}],
     [{"name": "A", "value": "x", "valueFrom": None}],
     [{"name": "A", "value": "x"}]),
    ("volumeMounts", [{"mountPath": "/a", "name": "v1"}], [{"mountPath": "/a", "name": "v2"}],
     [{"mountPath": "/a", "name": "v2"}]),
    ("volumeDevices", [{"devicePath": "/dev/a", "name": "v1"}],
     [{"devicePath": "/dev/b", "name": "v2"}],
     [{"devicePath": "/dev/b", "name": "v2"}, {"devicePath": "/dev/a", "name": "v1"}]),
    ("args", ["a", "b"], ["c"], ["c"]),                      # no strategy: replaced
])
def test_container_lists(field, live, patch, expected):
    original = deployment([{"name": "c", "image": "i", field: live}])
    got = smp(original, pod_spec_patch(containers=[{"name": "c", field: patch}]))
    assert containers_of(got)[0][field] == expected


@pytest.mark.parametrize("field, key, live, patch, expected", [
    ("volumes", "name", [{"name": "a", "emptyDir": {}}], [{"name": "b", "emptyDir": {}}],
     [{"name": "b", "emptyDir": {}}, {"name": "a", "emptyDir": {}}]),
    ("imagePullSecrets", "name", [{"name": "a"}], [{"name": "a"}], [{"name": "a"}]),
    ("hostAliases", "ip", [{"ip": "1.1.1.1", "hostnames": ["a"]}],
     [{"ip": "1.1.1.1", "hostnames": ["b"]}], [{"ip": "1.1.1.1", "hostnames": ["b"]}]),
    ("topologySpreadConstraints", "topologyKey", [{"topologyKey": "zone", "maxSkew": 1}],
     [{"topologyKey": "zone", "maxSkew": 2}], [{"topologyKey": "zone", "maxSkew": 2}]),
    ("schedulingGates", "name", [{"name": "a"}, {"name": "b"}],
     [{"name": "a", "$patch": "delete"}], [{"name": "b"}]),
    ("tolerations", None, [{"key": "a", "operator": "Exists"}], [{"key": "b"}], [{"key": "b"}]),
])
def test_pod_spec_lists(field, key, live, patch, expected):
    original = deployment()
    original["spec"]["template"]["spec"][field] = live
    got = smp(original, pod_spec_patch(**{field: patch}))
    assert got["spec"]["template"]["spec"][field] == expected


# -- strategic merge: directives -----------------------------------------------------------

def test_delete_list_element_by_merge_key():
    live = deployment([{"name": n, "image": n} for n in "ab"])
    got = smp(live, pod_spec_patch(containers=[{"name": "a", "$patch": "delete"}]))
    assert containers_of(got) == [{"name": "b", "image": "b"}]


def test_replace_whole_list():
    live = deployment([{"name": n, "image": n} for n in "ab"])
    got = smp(live, pod_spec_patch(containers=[{"$patch": "replace"},
                                               {"name": "z", "image": "z"}]))
    assert containers_of(got) == [{"name": "z", "image": "z"}]


def test_delete_map():
    live = deployment(securityContext={"runAsUser": 1})
    got = smp(live, {"spec": {"securityContext": {"$patch": "delete"}}})
    assert "securityContext" not in got["spec"]


def test_replace_map():
    got = smp(deployment(), {"metadata": {"labels": {"$patch": "replace", "new": "1"}}})
    assert got["metadata"]["labels"] == {"new": "1"}


def test_explicit_merge_directive_merges():
    got = smp(deployment(), {"metadata": {"labels": {"$patch": "merge", "new": "1"}}})
    assert got["metadata"]["labels"] == {"app": "hw", "new": "1"}


def test_explicit_merge_directive_in_a_list_element_merges():
    got = smp(deployment(), pod_spec_patch(containers=[
        {"$patch": "merge", "name": "hello-world", "image": "v9"}, {"$patch": "merge"}]))
    assert [(c["name"], c["image"]) for c in containers_of(got)] == [("hello-world", "v9")]


@pytest.mark.parametrize("patch", [
    {"metadata": {"labels": {"$patch": "explode"}}},
    pod_spec_patch(containers=[{"name": "a", "$patch": "explode"}]),
    pod_spec_patch(containers=[{"$patch": "delete"}]),       # no merge key to delete by
    pod_spec_patch(containers=[{"image": "x"}]),             # no merge key to merge by
    pod_spec_patch(containers=["x"]),
    {"metadata": {"$retainKeys": "labels"}},
    {"metadata": {"$retainKeys": ["name"], "labels": {}}},   # a patched key not retained
    {"metadata": {"$setElementOrder/finalizers": "a"}},
    {"metadata": {"$deleteFromPrimitiveList/finalizers": "a"}},
    {"metadata": {"finalizers": [{"a": 1}]}},
    ["not", "a", "map"],
])
def test_malformed_strategic_patch_is_bad_request(patch):
    err = raises(smp, deployment(), patch)
    assert (err.code, err.reason) == (400, "BadRequest")


def test_null_deletes_a_field():
    got = smp(deployment(), {"metadata": {"labels": {"app": None}}, "spec": {"replicas": None}})
    assert got["metadata"]["labels"] == {} and "replicas" not in got["spec"]


def test_null_inside_a_merged_list_item_deletes_its_field():
    got = smp(deployment(), pod_spec_patch(containers=[{"name": "hello-world", "ports": None}]))
    assert "ports" not in containers_of(got)[0]


def test_null_for_an_absent_field_is_ignored():
    got = smp(deployment(), {"spec": {"paused": None, "strategy": {"type": "Recreate",
                                                                   "rollingUpdate": None}}})
    assert "paused" not in got["spec"] and got["spec"]["strategy"] == {"type": "Recreate"}


def test_retain_keys_drops_unlisted_live_keys():
    live = deployment(strategy={"type": "RollingUpdate",
                                "rollingUpdate": {"maxSurge": 1, "maxUnavailable": 0}})
    got = smp(live, {"spec": {"strategy": {"$retainKeys": ["type"], "type": "Recreate"}}})
    assert got["spec"]["strategy"] == {"type": "Recreate"}


def test_finalizers_merge_as_an_ordered_set():
    live = {"metadata": {"name": "x", "finalizers": ["a", "b"]}}
    got = smp(live, {"metadata": {"finalizers": ["b", "c"]}}, "ConfigMap")
    assert got["metadata"]["finalizers"] == ["a", "b", "c"]


def test_delete_from_primitive_list():
    live = {"metadata": {"name": "x", "finalizers": ["a", "b", "c"]}}
    got = smp(live, {"metadata": {"$deleteFromPrimitiveList/finalizers": ["b", "z"]}}, "Pod")
    assert got["metadata"]["finalizers"] == ["a", "c"]


def test_new_primitives_come_first_without_an_order():
    live = {"metadata": {"finalizers": ["a", "b"]}}
    got = smp(live, {"metadata": {"finalizers": ["c"]}}, "Job")
    assert got["metadata"]["finalizers"] == ["c", "a", "b"]


def test_delete_from_primitive_list_with_additions():
    live = {"metadata": {"finalizers": ["a", "b"]}}
    got = smp(live, {"metadata": {"$setElementOrder/finalizers": ["b", "c"], "finalizers": ["c"],
                                  "$deleteFromPrimitiveList/finalizers": ["a"]}}, "Job")
    assert got["metadata"]["finalizers"] == ["b", "c"]


def test_owner_references_merge_by_uid():
    live = {"metadata": {"ownerReferences": [{"uid": "1", "name": "a", "controller": True}]}}
    got = smp(live, {"metadata": {"ownerReferences": [
        {"uid": "1", "controller": None}, {"uid": "2", "name": "b"}]}}, "Pod")
    assert got["metadata"]["ownerReferences"] == [{"uid": "1", "name": "a"},
                                                  {"uid": "2", "name": "b"}]


def test_directives_are_not_stored_when_the_patch_adds_a_new_subtree():
    live = {"kind": "Pod", "spec": {}}
    got = smp(live, {"spec": {
        "$setElementOrder/containers": [{"name": "a"}],
        "containers": [{"name": "a", "env": [{"name": "X", "value": "1"},
                                             {"name": "Y", "$patch": "delete"}],
                        "resources": {"$patch": "replace", "limits": {"cpu": "1"}}}],
        "securityContext": {"runAsUser": None}}}, "Pod")
    assert got == {"kind": "Pod", "spec": {
        "containers": [{"name": "a", "env": [{"name": "X", "value": "1"}],
                        "resources": {"limits": {"cpu": "1"}}}],
        "securityContext": {}}}


# -- strategic merge: other kinds --------------------------------------------------------------

def test_service_ports_merge_by_port():
    svc = {"kind": "Service", "spec": {"type": "NodePort", "ports": [
        {"port": 8090, "targetPort": 8090, "nodePort": 30001, "protocol": "TCP"}]}}
    got = smp(svc, {"spec": {"ports": [{"port": 8090, "targetPort": 8080}, {"port": 9090}]}},
              "Service")
    assert got["spec"]["ports"] == [
        {"port": 8090, "targetPort": 8080, "nodePort": 30001, "protocol": "TCP"},
        {"port": 9090}]


@pytest.mark.parametrize("field", ["conditions", "addresses"])
def test_node_status_lists_merge_by_type(field):
    node = {"kind": "Node", "status": {field: [{"type": "A", "status": "1"},
                                               {"type": "B", "status": "1"}]}}
    got = smp(node, {"status": {field: [{"type": "B", "status": "2"}]}}, "Node")
    assert got["status"][field] == [{"type": "A", "status": "1"}, {"type": "B", "status": "2"}]


def test_node_taints_are_replaced():
    node = {"kind": "Node", "spec": {"taints": [{"key": "a", "effect": "NoSchedule"}]}}
    got = smp(node, {"spec": {"taints": [{"key": "b", "effect": "NoExecute"}]}}, "Node")
    assert got["spec"]["taints"] == [{"key": "b", "effect": "NoExecute"}]


@pytest.mark.parametrize("kind, path", [
    ("Pod", ("status", "conditions")),
    ("Deployment", ("status", "conditions")),
    ("ReplicaSet", ("status", "conditions")),
    ("StatefulSet", ("status", "conditions")),
    ("DaemonSet", ("status", "conditions")),
    ("Job", ("status", "conditions")),
    ("ReplicationController", ("status", "conditions")),
    ("Namespace", ("status", "conditions")),
    ("HorizontalPodAutoscaler", ("status", "conditions")),
])
def test_status_conditions_merge_by_type(kind, path):
    live = {"kind": kind, path[0]: {path[1]: [{"type": "Ready", "status": "False"},
                                              {"type": "Other", "status": "True"}]}}
    got = smp(live, {path[0]: {path[1]: [{"type": "Ready", "status": "True"}]}}, kind)
    assert got[path[0]][path[1]] == [{"type": "Ready", "status": "True"},
                                     {"type": "Other", "status": "True"}]


def test_pod_ips_merge_by_ip():
    live = {"status": {"podIPs": [{"ip": "10.0.0.1"}]}}
    got = smp(live, {"status": {"podIPs": [{"ip": "fd00::1"}]}}, "Pod")
    assert got["status"]["podIPs"] == [{"ip": "fd00::1"}, {"ip": "10.0.0.1"}]


@pytest.mark.parametrize("kind", ["ReplicaSet", "ReplicationController", "StatefulSet",
                                  "DaemonSet", "Job", "PodTemplate", "CronJob"])
def test_every_pod_template_merges_containers_by_name(kind):
    template = {"metadata": {"labels": {"a": "b"}},
                "spec": {"containers": [{"name": "c", "image": "v1", "args": ["x"]}]}}
    patch_template = {"spec": {"containers": [{"name": "c", "image": "v2"}]}}
    wrap = {"PodTemplate": lambda t: {"template": t},
            "CronJob": lambda t: {"spec": {"jobTemplate": {"spec": {"template": t}}}}}.get(
        kind, lambda t: {"spec": {"template": t}})
    got = smp(wrap(template), wrap(patch_template), kind)
    expected = copy.deepcopy(template)
    expected["spec"]["containers"][0]["image"] = "v2"
    assert got == wrap(expected)


def test_unknown_kind_gets_metadata_rules_only():
    live = {"kind": "Widget", "metadata": {"finalizers": ["x"]},
            "spec": {"containers": [{"name": "a", "image": "1"}]}}
    got = smp(live, {"metadata": {"finalizers": ["b"]},
                     "spec": {"containers": [{"name": "b"}]}}, "Widget")
    assert got["metadata"]["finalizers"] == ["b", "x"]
    assert got["spec"]["containers"] == [{"name": "b"}]


def test_pod_disruption_budget_selector_is_replaced():
    live = {"spec": {"selector": {"matchLabels": {"a": "1"}}}}
    got = smp(live, {"spec": {"selector": {"matchExpressions": []}}}, "PodDisruptionBudget")
    assert got["spec"]["selector"] == {"matchExpressions": []}


# -- purity ---------------------------------------------------------------------------------

@pytest.mark.parametrize("patch_type, patch", [
    ("merge", {"metadata": {"labels": {"app": None, "x": {"y": 1}}}}),
    ("json", [{"op": "add", "path": "/metadata/labels/x", "value": {"y": 1}}]),
    ("strategic", pod_spec_patch(containers=[{"name": "hello-world", "env": [{"name": "A"}]}],
                                 **{"$setElementOrder/containers": [{"name": "hello-world"}]})),
    ("apply", {"metadata": {"labels": {"x": "1"}}, "spec": {"replicas": 3}}),
])
def test_inputs_are_never_mutated_nor_shared(patch_type, patch):
    original, body = deployment(), copy.deepcopy(patch)
    got = patches.apply_patch_type(original, body, patch_type, "Deployment")
    assert original == deployment() and body == patch
    got["spec"]["template"]["spec"]["containers"][0]["image"] = "changed"
    got["metadata"]["labels"]["changed"] = "yes"
    assert original == deployment() and body == patch


# -- apply -------------------------------------------------------------------------------------

def test_apply_creates_when_there_is_no_live_object():
    applied = deployment()
    assert patches.apply_patch(None, applied, "Deployment") == applied


def test_apply_merges_onto_the_live_object():
    live = deployment()
    live["status"] = {"replicas": 1}
    applied = deployment([{"name": "hello-world", "image": "hello-world:v2"}], replicas=3)
    got = patches.apply_patch(live, applied, "Deployment")
    assert got["spec"]["replicas"] == 3 and got["status"] == {"replicas": 1}
    assert containers_of(got) == [{"name": "hello-world", "image": "hello-world:v2",
                                   "ports": [{"containerPort": 8080, "protocol": "TCP"}]}]


# -- dispatch ------------------------------------------------------------------------------------

@pytest.mark.parametrize("patch_type", [
    "merge", "application/merge-patch+json", "application/merge-patch+json; charset=utf-8",
    "strategic", "application/strategic-merge-patch+json",
    "apply", "application/apply-patch+yaml",
])
def test_dispatch_of_object_patches(patch_type):
    got = patches.apply_patch_type(deployment(), {"spec": {"replicas": 4}}, patch_type,
                                   "Deployment")
    assert got["spec"]["replicas"] == 4


@pytest.mark.parametrize("patch_type", ["json", "application/json-patch+json"])
def test_dispatch_of_json_patch(patch_type):
    ops = [{"op": "replace", "path": "/spec/replicas", "value": 4}]
    got = patches.apply_patch_type(deployment(), ops, patch_type, "Deployment")
    assert got["spec"]["replicas"] == 4


@pytest.mark.parametrize("patch_type, body", [
    ("application/merge-patch+json", b'{"spec":{"replicas":4}}'),
    ("application/json-patch+json", '[{"op":"replace","path":"/spec/replicas","value":4}]'),
    ("application/strategic-merge-patch+json", b'{"spec":{"replicas":4}}'),
    ("application/apply-patch+yaml", b"spec:\n  replicas: 4\n"),
    ("application/apply-patch+yaml", b'{"spec":{"replicas":4}}'),
])
def test_dispatch_decodes_raw_bodies(patch_type, body):
    got = patches.apply_patch_type(deployment(), body, patch_type, "Deployment")
    assert got["spec"]["replicas"] == 4


@pytest.mark.parametrize("patch_type", ["application/json", "text/plain", "", "yaml"])
def test_unknown_patch_type_is_unsupported_media_type(patch_type):
    err = raises(patches.apply_patch_type, deployment(), {}, patch_type, "Deployment")
    assert (err.code, err.reason) == (415, "UnsupportedMediaType")


@pytest.mark.parametrize("patch_type, body", [
    ("application/merge-patch+json", b"{not json"),
    ("application/apply-patch+yaml", b"a: [unclosed"),
])
def test_undecodable_body_is_bad_request(patch_type, body):
    err = raises(patches.apply_patch_type, deployment(), body, patch_type, "Deployment")
    assert (err.code, err.reason) == (400, "BadRequest")
    assert err.message.startswith("error decoding patch: ")


def test_json_patch_body_round_trips_through_json():
    ops = [{"op": "add", "path": "/metadata/annotations", "value": {"a": "b"}}]
    got = patches.apply_patch_type(deployment(), json.dumps(ops), "json", "Deployment")
    assert got["metadata"]["annotations"] == {"a": "b"}
