"""The kinds registry: name resolution, discovery facts, storage keys."""

import pytest

from rayk8s.api import errors, kinds
from rayk8s.api.kinds import REGISTRY

# (group, plural, every spelling kubectl accepts besides the qualified ones)
SPELLINGS = [
    ("", "bindings", ["binding", "Binding"]),
    ("", "configmaps", ["configmap", "ConfigMap", "cm"]),
    ("", "endpoints", ["Endpoints", "ep"]),
    ("", "events", ["event", "Event", "ev"]),
    ("", "namespaces", ["namespace", "Namespace", "ns"]),
    ("", "nodes", ["node", "Node", "no"]),
    ("", "persistentvolumeclaims", ["persistentvolumeclaim", "PersistentVolumeClaim", "pvc"]),
    ("", "persistentvolumes", ["persistentvolume", "PersistentVolume", "pv"]),
    ("", "pods", ["pod", "Pod", "po"]),
    ("", "replicationcontrollers", ["replicationcontroller", "ReplicationController", "rc"]),
    ("", "secrets", ["secret", "Secret"]),
    ("", "serviceaccounts", ["serviceaccount", "ServiceAccount", "sa"]),
    ("", "services", ["service", "Service", "svc"]),
    ("apps", "daemonsets", ["daemonset", "DaemonSet", "ds"]),
    ("apps", "deployments", ["deployment", "Deployment", "deploy"]),
    ("apps", "replicasets", ["replicaset", "ReplicaSet", "rs"]),
    ("apps", "statefulsets", ["statefulset", "StatefulSet", "sts"]),
    ("autoscaling", "horizontalpodautoscalers",
     ["horizontalpodautoscaler", "HorizontalPodAutoscaler", "hpa"]),
    ("batch", "jobs", ["job", "Job"]),
    ("networking.k8s.io", "ingressclasses", ["ingressclass", "IngressClass"]),
    ("networking.k8s.io", "ingresses", ["ingress", "Ingress", "ing"]),
    ("discovery.k8s.io", "endpointslices", ["endpointslice", "EndpointSlice"]),
    ("coordination.k8s.io", "leases", ["lease", "Lease"]),
]

NAMES = [(spelling, group, plural) for group, plural, spellings in SPELLINGS
         for spelling in [plural, *spellings, plural.upper()]]
QUALIFIED = [(f"{spelling}.{group}", group, plural) for group, plural, spellings in SPELLINGS
             if group for spelling in [plural, *spellings]]


def test_table_covers_every_registered_kind():
    assert {(k.group, k.plural) for k in REGISTRY.all()} == {(g, p) for g, p, _ in SPELLINGS}


@pytest.mark.parametrize("name,group,plural", NAMES + QUALIFIED)
def test_lookup_resolves_every_spelling(name, group, plural):
    k = REGISTRY.lookup(name)
    assert (k.group, k.plural) == (group, plural)


@pytest.mark.parametrize("name,plural", [
    ("deployments.v1.apps", "deployments"),
    ("hpa.v1.autoscaling", "horizontalpodautoscalers"),
    ("hpa.v2.autoscaling", "horizontalpodautoscalers"),
    ("  Deploy ", "deployments"),
])
def test_lookup_version_qualified_and_padded(name, plural):
    assert REGISTRY.lookup(name).plural == plural


@pytest.mark.parametrize("name", ["foo", "deploy.batch", "deployments.v2.apps", "", "pods.x"])
def test_lookup_unknown_is_404_in_kubectls_words(name):
    with pytest.raises(errors.ApiError) as exc:
        REGISTRY.lookup(name)
    assert exc.value.code == 404
    assert exc.value.reason == "NotFound"
    assert exc.value.message == f'the server doesn\'t have a resource type "{name}"'


@pytest.mark.parametrize("api_version,kind,plural", [
    ("v1", "Pod", "pods"),
    ("v1", "Namespace", "namespaces"),
    ("apps/v1", "Deployment", "deployments"),
    ("autoscaling/v2", "HorizontalPodAutoscaler", "horizontalpodautoscalers"),
    ("autoscaling/v1", "HorizontalPodAutoscaler", "horizontalpodautoscalers"),
    ("batch/v1", "Job", "jobs"),
    ("networking.k8s.io/v1", "Ingress", "ingresses"),
    ("networking.k8s.io/v1", "IngressClass", "ingressclasses"),
    ("discovery.k8s.io/v1", "EndpointSlice", "endpointslices"),
    ("coordination.k8s.io/v1", "Lease", "leases"),
])
def test_for_gvk_accepts_every_served_version(api_version, kind, plural):
    assert REGISTRY.for_gvk(api_version, kind).plural == plural


@pytest.mark.parametrize("api_version,kind", [
    ("apps/v1beta1", "Deployment"), ("v1", "Deployment"), ("apps/v1", "Pod"),
    ("autoscaling/v2beta2", "HorizontalPodAutoscaler"), ("v1", "Frobnicator"), ("", "Pod"),
])
def test_for_gvk_unknown_is_400(api_version, kind):
    with pytest.raises(errors.ApiError) as exc:
        REGISTRY.for_gvk(api_version, kind)
    assert exc.value.code == 400
    assert exc.value.message == f'no kind "{kind}" is registered for version "{api_version}"'


@pytest.mark.parametrize("group,version,plural,ok", [
    ("", "v1", "pods", True),
    ("apps", "v1", "deployments", True),
    ("autoscaling", "v1", "horizontalpodautoscalers", True),
    ("autoscaling", "v2", "horizontalpodautoscalers", True),
    ("apps", "v2", "deployments", False),
    ("", "v1", "deployments", False),
    ("apps", "v1", "pods", False),
])
def test_for_resource(group, version, plural, ok):
    if ok:
        assert REGISTRY.for_resource(group, version, plural).plural == plural
    else:
        with pytest.raises(errors.ApiError) as exc:
            REGISTRY.for_resource(group, version, plural)
        assert exc.value.code == 404


def test_discovery_groups_core_first_preferred_version_first():
    assert REGISTRY.groups() == [
        ("", ["v1"]), ("apps", ["v1"]), ("autoscaling", ["v2", "v1"]), ("batch", ["v1"]),
        ("networking.k8s.io", ["v1"]), ("discovery.k8s.io", ["v1"]),
        ("coordination.k8s.io", ["v1"])]


def test_resources_per_group_version():
    assert [k.plural for k in REGISTRY.resources("apps", "v1")] == [
        "daemonsets", "deployments", "replicasets", "statefulsets"]
    assert [k.plural for k in REGISTRY.resources("autoscaling", "v1")] == [
        "horizontalpodautoscalers"]
    assert REGISTRY.resources("apps", "v2") == []
    assert len(REGISTRY.resources("", "v1")) == 13


def test_category_all_is_exactly_the_real_set():
    assert sorted(k.plural for k in REGISTRY.all() if "all" in k.categories) == sorted([
        "pods", "services", "replicationcontrollers", "daemonsets", "deployments",
        "replicasets", "statefulsets", "horizontalpodautoscalers", "jobs"])


@pytest.mark.parametrize("name,api_version,list_kind,group_resource,prefix,namespaced", [
    ("deploy", "apps/v1", "DeploymentList", "deployments.apps", "/registry/deployments.apps/",
     True),
    ("po", "v1", "PodList", "pods", "/registry/pods/", True),
    ("no", "v1", "NodeList", "nodes", "/registry/nodes/", False),
    ("hpa", "autoscaling/v2", "HorizontalPodAutoscalerList",
     "horizontalpodautoscalers.autoscaling", "/registry/horizontalpodautoscalers.autoscaling/",
     True),
    ("ing", "networking.k8s.io/v1", "IngressList", "ingresses.networking.k8s.io",
     "/registry/ingresses.networking.k8s.io/", True),
    ("ingressclass", "networking.k8s.io/v1", "IngressClassList",
     "ingressclasses.networking.k8s.io", "/registry/ingressclasses.networking.k8s.io/", False),
])
def test_kind_properties(name, api_version, list_kind, group_resource, prefix, namespaced):
    k = REGISTRY.lookup(name)
    assert k.api_version == api_version
    assert k.list_kind == list_kind
    assert k.group_resource == group_resource
    assert k.key_prefix == prefix
    assert k.namespaced is namespaced
    assert k.key("ns1", "x") == (prefix + "ns1/x" if namespaced else prefix + "x")


def test_hpa_versions():
    k = REGISTRY.lookup("hpa")
    assert k.served_versions == ("v2", "v1")
    assert k.api_versions == ("autoscaling/v2", "autoscaling/v1")


@pytest.mark.parametrize("name,has_status,has_scale", [
    ("deploy", True, True), ("rs", True, True), ("sts", True, True), ("rc", True, True),
    ("ds", True, False), ("job", True, False), ("hpa", True, False), ("po", True, False),
    ("svc", True, False), ("cm", False, False), ("lease", False, False),
])
def test_status_and_scale(name, has_status, has_scale):
    k = REGISTRY.lookup(name)
    assert (k.has_status, k.has_scale) == (has_status, has_scale)


def test_verbs():
    assert REGISTRY.lookup("bindings").verbs == ("create",)
    assert "deletecollection" not in REGISTRY.lookup("ns").verbs
    assert REGISTRY.lookup("pods").verbs == kinds.STANDARD_VERBS


def test_pod_subresources():
    assert REGISTRY.lookup("pods").subresources == (
        "status", "binding", "eviction", "log", "exec", "attach", "portforward", "proxy")


@pytest.mark.parametrize("parent,sub,kind,group,version,verbs", [
    ("deployments", "scale", "Scale", "autoscaling", "v1", ("get", "patch", "update")),
    ("deployments", "status", "Deployment", "", "", ("get", "patch", "update")),
    ("pods", "binding", "Binding", "", "", ("create",)),
    ("pods", "eviction", "Eviction", "policy", "v1", ("create",)),
    ("pods", "log", "Pod", "", "", ("get",)),
    ("pods", "exec", "PodExecOptions", "", "", ("create", "get")),
    ("pods", "proxy", "PodProxyOptions", "", "", ("create", "delete", "get", "patch", "update")),
    ("services", "proxy", "ServiceProxyOptions", "", "",
     ("create", "delete", "get", "patch", "update")),
    ("namespaces", "finalize", "Namespace", "", "", ("update",)),
])
def test_subresource_discovery_facts(parent, sub, kind, group, version, verbs):
    s = kinds.subresource(REGISTRY.lookup(parent), sub)
    assert (s.kind, s.group, s.version, s.verbs) == (kind, group, version, verbs)


def test_unknown_subresource_is_404():
    with pytest.raises(errors.ApiError) as exc:
        kinds.subresource(REGISTRY.lookup("configmaps"), "status")
    assert exc.value.code == 404


def test_names_are_unambiguous():
    seen = {}
    for k in REGISTRY.all():
        for name in {k.plural, k.singular, k.kind.lower(), *k.short_names}:
            assert seen.setdefault(name, k) is k, name


def test_duplicate_rows_are_rejected():
    pod = REGISTRY.lookup("pods")
    with pytest.raises(ValueError):
        kinds.KindRegistry([pod, pod])
