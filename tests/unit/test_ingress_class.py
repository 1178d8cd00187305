"""IngressClass (networking.k8s.io/v1) in process: storage, validation, defaulting and
the DefaultIngressClass admission plugin on Ingress creates (no Ray)."""

import pytest

from rayk8s import ApiError

DEFAULT = "ingressclass.kubernetes.io/is-default-class"


def ingress_class(name, controller="example.com/ingress", default=False, parameters=None):
    meta = {"name": name}
    if default:
        meta["annotations"] = {DEFAULT: "true"}
    spec = {"controller": controller}
    if parameters is not None:
        spec["parameters"] = parameters
    return {"apiVersion": "networking.k8s.io/v1", "kind": "IngressClass", "metadata": meta,
            "spec": spec}


def ingress(name="web", class_name=None, annotations=None):
    spec = {"defaultBackend": {"service": {"name": "web", "port": {"number": 80}}}}
    if class_name is not None:
        spec["ingressClassName"] = class_name
    meta = {"name": name}
    if annotations:
        meta["annotations"] = annotations
    return {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "metadata": meta,
            "spec": spec}


def invalid_fields(kube, obj, update=False):
    with pytest.raises(ApiError) as exc:
        (kube.update if update else kube.create)(obj)
    assert exc.value.code == 422 and exc.value.reason == "Invalid"
    assert exc.value.status["details"]["kind"] == "IngressClass"
    assert exc.value.status["details"]["group"] == "networking.k8s.io"
    return sorted(c["field"] for c in exc.value.status["details"]["causes"])


# ---------------------------------------------------------------- storage

def test_create_get_list_delete_cluster_scoped(kube):
    out = kube.create(ingress_class("nginx", "k8s.io/ingress-nginx"))
    assert "namespace" not in out["metadata"]
    assert out["spec"] == {"controller": "k8s.io/ingress-nginx"}
    assert kube.get("ingressclasses", "nginx") == out
    assert kube.get("ingressclass", "nginx") == out
    assert [c["metadata"]["name"] for c in kube.list("ingressclasses")] == ["nginx"]
    kube.delete("ingressclasses", "nginx")
    assert kube.list("ingressclasses") == []


def test_parameters_scope_defaults_to_cluster(kube):
    out = kube.create(ingress_class("lb", parameters={
        "apiGroup": "k8s.example.com", "kind": "IngressParameters", "name": "external-lb"}))
    assert out["spec"]["parameters"]["scope"] == "Cluster"
    ns = kube.create(ingress_class("ns", parameters={
        "kind": "ConfigMap", "name": "cfg", "scope": "Namespace", "namespace": "ops"}))
    assert ns["spec"]["parameters"]["scope"] == "Namespace"


# ---------------------------------------------------------------- validation

@pytest.mark.parametrize("name,controller,parameters,fields", [
    ("Bad_Name", "example.com/ic", None, ["metadata.name"]),
    ("ok", "", None, ["spec.controller"]),
    ("ok", "no-slash", None, ["spec.controller"]),
    ("ok", "example.com/", None, ["spec.controller"]),
    ("ok", "Not_A_Domain/ic", None, ["spec.controller"]),
    ("ok", "example.com/a b", None, ["spec.controller"]),
    ("ok", "example.com/" + "x" * 250, None, ["spec.controller"]),
    ("ok", "example.com/ic", {"name": "p"}, ["spec.parameters.kind"]),
    ("ok", "example.com/ic", {"kind": "K"}, ["spec.parameters.name"]),
    ("ok", "example.com/ic", {"kind": "K", "name": "a/b"}, ["spec.parameters.name"]),
    ("ok", "example.com/ic", {"kind": "K", "name": "p", "apiGroup": "Bad_Group"},
     ["spec.parameters.apiGroup"]),
    ("ok", "example.com/ic", {"kind": "K", "name": "p", "scope": "Global"},
     ["spec.parameters.scope"]),
    ("ok", "example.com/ic", {"kind": "K", "name": "p", "scope": "Namespace"},
     ["spec.parameters.namespace"]),
    ("ok", "example.com/ic", {"kind": "K", "name": "p", "scope": "Namespace",
                              "namespace": "Not.A.Label"}, ["spec.parameters.namespace"]),
    ("ok", "example.com/ic", {"kind": "K", "name": "p", "scope": "Cluster",
                              "namespace": "ops"}, ["spec.parameters.namespace"]),
])
def test_invalid_ingress_classes_are_422_naming_the_field(kube, name, controller, parameters,
                                                         fields):
    obj = ingress_class(name, controller, parameters=parameters)
    assert invalid_fields(kube, obj) == fields


def test_messages_follow_kubernetes(kube):
    with pytest.raises(ApiError) as exc:
        kube.create(ingress_class("ok", "no-slash"))
    assert exc.value.message == (
        'IngressClass.networking.k8s.io "ok" is invalid: spec.controller: Invalid value: '
        '"no-slash": must be a domain-prefixed path (such as "acme.io/foo")')
    with pytest.raises(ApiError) as exc:
        kube.create(ingress_class("ok", ""))
    assert "spec.controller: Required value" in exc.value.message


def test_controller_is_immutable_the_rest_is_not(kube):
    kube.create(ingress_class("nginx", "k8s.io/ingress-nginx"))
    obj = kube.get("ingressclasses", "nginx")
    obj["spec"]["controller"] = "example.com/other"
    assert invalid_fields(kube, obj, update=True) == ["spec.controller"]
    obj = kube.get("ingressclasses", "nginx")
    obj["metadata"]["annotations"] = {DEFAULT: "true"}
    obj["spec"]["parameters"] = {"kind": "ConfigMap", "name": "cfg", "scope": "Namespace",
                                 "namespace": "ops"}
    out = kube.update(obj)
    assert out["spec"]["controller"] == "k8s.io/ingress-nginx"
    assert out["metadata"]["annotations"] == {DEFAULT: "true"}


# ---------------------------------------------------------------- DefaultIngressClass

def test_no_default_class_leaves_the_ingress_alone(kube):
    kube.create(ingress_class("plain"))
    assert "ingressClassName" not in kube.create(ingress())["spec"]


def test_the_default_class_is_filled_in_on_create(kube):
    kube.create(ingress_class("plain"))
    kube.create(ingress_class("rayk8s", "rayk8s.io/ingress-controller", default=True))
    out = kube.create(ingress())
    assert out["spec"]["ingressClassName"] == "rayk8s"
    assert kube.get("ingresses", "web")["spec"]["ingressClassName"] == "rayk8s"
    dry = kube.create(ingress("dry"), dry_run=True)
    assert dry["spec"]["ingressClassName"] == "rayk8s"


def test_of_several_defaults_the_newest_wins(kube, clock):
    kube.create(ingress_class("old", default=True))
    clock.advance(10)
    kube.create(ingress_class("new", default=True))
    clock.advance(10)
    kube.create(ingress_class("newest-but-not-default"))
    assert kube.create(ingress())["spec"]["ingressClassName"] == "new"


def test_defaults_created_in_the_same_second_tie_break_by_name(kube):
    kube.create(ingress_class("b", default=True))
    kube.create(ingress_class("a", default=True))
    assert kube.create(ingress())["spec"]["ingressClassName"] == "a"


def test_only_the_string_true_marks_a_default(kube):
    cls = ingress_class("maybe")
    cls["metadata"]["annotations"] = {DEFAULT: "True"}
    kube.create(cls)
    assert "ingressClassName" not in kube.create(ingress())["spec"]


def test_an_explicit_class_or_the_legacy_annotation_is_kept(kube):
    kube.create(ingress_class("rayk8s", default=True))
    assert kube.create(ingress("a", "nginx"))["spec"]["ingressClassName"] == "nginx"
    legacy = kube.create(ingress("b", annotations={"kubernetes.io/ingress.class": "nginx"}))
    assert "ingressClassName" not in legacy["spec"]


def test_only_creates_are_defaulted(kube):
    kube.create(ingress())
    kube.create(ingress_class("rayk8s", default=True))
    obj = kube.get("ingresses", "web")
    obj["metadata"]["labels"] = {"a": "b"}
    assert "ingressClassName" not in kube.update(obj)["spec"]
