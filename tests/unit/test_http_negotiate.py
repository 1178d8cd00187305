"""Content negotiation and field validation (pure functions)."""

import pytest

from rayk8s import ApiError
from rayk8s.api import kinds
from rayk8s.apiserver.http import fieldvalidation as fv
from rayk8s.apiserver.http import negotiate


@pytest.mark.parametrize("accept, want", [
    (None, ("object", "v1")),
    ("application/json", ("object", "v1")),
    ("application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;"
     "g=meta.k8s.io,application/json", ("table", "v1")),
    ("application/json;as=Table;v=v1beta1;g=meta.k8s.io", ("table", "v1beta1")),
    ("application/json, application/json;as=Table;v=v1;g=meta.k8s.io", ("object", "v1")),
    ("application/vnd.kubernetes.protobuf;as=Table;v=v1;g=meta.k8s.io,application/json",
     ("object", "v1")),
    ("application/vnd.kubernetes.protobuf,application/json", ("object", "v1")),
    ("application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io", ("partial", "v1")),
    ("application/json;as=Table;v=v2;g=meta.k8s.io,*/*", ("object", "v1")),
    ("application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json",
     ("object", "v1")),
])
def test_parse_accept(accept, want):
    target = negotiate.parse_accept(accept)
    assert (target.form, target.version) == want


def test_json_duplicates_are_recorded_out_of_band():
    body = negotiate.parse_json(b'{"a": 1, "b": {"c": 1, "c": 2}, "a": 3}')
    assert body.data == {"a": 3, "b": {"c": 2}}
    assert type(body.data) is dict and type(body.data["b"]) is dict
    assert body.duplicates == {id(body.data): ["a"], id(body.data["b"]): ["c"]}


def test_json_refuses_nan():
    with pytest.raises(ApiError) as err:
        negotiate.decode_body("application/json", b'{"a": NaN}', "ConfigMap")
    assert err.value.code == 400


def test_yaml_keeps_timestamps_as_strings_and_records_duplicates():
    body = negotiate.parse_yaml(b"a: 2024-01-01T00:00:00Z\nb: {c: 1}\na: x\n")
    assert body.data == {"a": "x", "b": {"c": 1}}
    assert body.duplicates == {id(body.data): ["a"]}
    assert negotiate.parse_yaml(b"t: 2024-01-01\n").data == {"t": "2024-01-01"}


@pytest.mark.parametrize("ctype, code", [("text/plain", 415), ("application/json", 400),
                                         ("application/yaml", 400)])
def test_decode_errors(ctype, code):
    with pytest.raises(ApiError) as err:
        negotiate.decode_body(ctype, b"{: [", "Pod")
    assert err.value.code == code


def test_warning_header_quoting():
    assert negotiate.warning_header('unknown field "spec.foo"') == \
        '299 - "unknown field \\"spec.foo\\""'


def _deploy_root():
    return fv.root_type(kinds.REGISTRY.lookup("deployments"), "v1")


def test_unknown_fields_are_found_and_dropped():
    obj = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "x", "nam": 1},
           "spec": {"replicas": 1, "template": {"spec": {"containers": [
               {"name": "c", "image": "i", "resources": {"limits": {"cpu": "1"}},
                "ports": [{"containerPort": 80, "targetPort": 1}]}]}}},
           "extra": True}
    cleaned, problems = fv.check(_deploy_root(), obj)
    assert problems == ['unknown field "metadata.nam"',
                        'unknown field "spec.template.spec.containers[0].ports[0].targetPort"',
                        'unknown field "extra"']
    assert "extra" not in cleaned and "nam" not in cleaned["metadata"]
    assert cleaned["spec"]["template"]["spec"]["containers"][0]["resources"] == \
        {"limits": {"cpu": "1"}}


def test_int_or_string_and_free_form_fields_accept_anything():
    svc = {"spec": {"ports": [{"port": 80, "targetPort": "http"}], "selector": {"a": "b"}}}
    root = fv.root_type(kinds.REGISTRY.lookup("services"), "v1")
    assert fv.check(root, svc)[1] == []


def test_patch_checks_skip_directives_and_deletions():
    patch = {"metadata": {"labels": {"a": None}},
             "spec": {"$retainKeys": ["x"], "gone": None, "template": {"spec": {
                 "$setElementOrder/containers": [{"name": "c"}],
                 "containers": [{"name": "c", "$patch": "delete"}]}}}}
    assert fv.check(_deploy_root(), patch, patch=True)[1] == []
    assert fv.check(_deploy_root(), {"spec": {"gone": None}})[1] == ['unknown field "spec.gone"']


def test_duplicates_of_unknown_fields_are_reported_as_unknown_only():
    body = negotiate.parse_json(b'{"spec": {"bogus": 1, "bogus": 2, "paused": true, '
                                b'"paused": false}}')
    problems = fv.check(_deploy_root(), body.data, body.duplicates)[1]
    assert problems == ['unknown field "spec.bogus"', 'duplicate field "spec.paused"']


def test_directives():
    assert fv.mode(None) == fv.WARN
    assert fv.mode("Strict") == fv.STRICT
    with pytest.raises(ApiError) as err:
        fv.mode("strict", "PatchOptions")
    assert err.value.code == 422 and "PatchOptions" in err.value.message
    with pytest.raises(ApiError) as err:
        fv.apply(fv.STRICT, _deploy_root(), {"spec": {"x": 1}}, {}, what="W: ")
    assert err.value.message == 'W: strict decoding error: unknown field "spec.x"'
    assert fv.apply(fv.IGNORE, _deploy_root(), {"spec": {"x": 1}}, {}) == ({"spec": {}}, [])


@pytest.mark.parametrize("resource, version, sub, model", [
    ("deployments", "v1", "", "V1Deployment"),
    ("deployments", "v1", "scale", "V1Scale"),
    ("horizontalpodautoscalers", "v1", "", "V1HorizontalPodAutoscaler"),
    ("horizontalpodautoscalers", "v2", "", "V2HorizontalPodAutoscaler"),
    ("events", "v1", "", "CoreV1Event"),
    ("pods", "v1", "eviction", "V1Eviction"),
    ("pods", "v1", "binding", "V1Binding"),
])
def test_root_types(resource, version, sub, model):
    assert fv.root_type(kinds.REGISTRY.lookup(resource), version, sub) == model


def test_every_kind_has_a_model():
    for kind in kinds.REGISTRY.all():
        for version in kind.served_versions:
            assert fv.root_type(kind, version) is not None, (kind.kind, version)
