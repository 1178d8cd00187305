"""OpenAPI v3 documents (apply, fieldValidation, explain) and schema-based field validation."""

from __future__ import annotations

import copy
import hashlib
import json

import pytest

from rayk8s.api.kinds import REGISTRY
from rayk8s.apiserver.http import openapi
from rayk8s.apiserver.http.openapi import REF, unknown_fields, v3_document, v3_root

SERVED = [(g, v) for g, vs in REGISTRY.groups() for v in vs]
PATHS = [openapi.gv_path(g, v) for g, v in SERVED]


def schemas(path: str) -> dict:
    return v3_document(path)["components"]["schemas"]


def resolve(doc: dict, schema: dict) -> dict:
    while True:
        if "$ref" in schema:
            schema = doc["components"]["schemas"][schema["$ref"][len(REF):]]
        elif len(schema.get("allOf") or ()) == 1 and "properties" not in schema:
            schema = schema["allOf"][0]
        else:
            return schema


def field(path: str, component: str, *names: str) -> dict:
    """The property schema at ``names`` below ``component`` (refs followed between)."""
    doc = v3_document(path)
    schema = doc["components"]["schemas"][component]
    prop = None
    for name in names:
        schema = resolve(doc, schema)
        if "items" in schema:
            schema = resolve(doc, schema["items"])
        prop = schema["properties"][name]
        schema = prop
    return prop


# -------------------------------------------------------------------------- index


def test_root_lists_every_served_group_version():
    root = v3_root()
    assert list(root["paths"]) == PATHS
    assert "api/v1" in root["paths"] and "apis/apps/v1" in root["paths"]
    assert "apis/autoscaling/v1" in root["paths"] and "apis/autoscaling/v2" in root["paths"]
    for path, entry in root["paths"].items():
        url = entry["serverRelativeURL"]
        assert url.startswith(f"/openapi/v3/{path}?hash=")
        text, digest = openapi.v3_document_json(path)
        assert url.endswith(digest)
        assert digest == hashlib.sha512(text).hexdigest().upper()
        assert json.loads(text) == v3_document(path)


def test_root_is_stable():
    assert v3_root() == v3_root()


@pytest.mark.parametrize("path", ["api/v2", "apis/apps/v2", "apis/nope/v1", "", "api"])
def test_unknown_documents_are_none(path):
    assert v3_document(path) is None


def test_document_path_spellings():
    doc = v3_document("apis/apps/v1")
    assert v3_document("/apis/apps/v1") is doc
    assert v3_document("/openapi/v3/apis/apps/v1?hash=X") is doc


def test_v2_is_not_served():
    assert openapi.v2() is None


# ---------------------------------------------------------------------- documents


@pytest.mark.parametrize("group, version", SERVED)
def test_every_kind_has_operations_and_a_schema(group, version):
    path = openapi.gv_path(group, version)
    doc = v3_document(path)
    assert doc["openapi"].startswith("3.0") and doc["info"]["title"] == "Kubernetes"
    comps = doc["components"]["schemas"]
    for kind in REGISTRY.resources(group, version):
        gvk = {"group": group, "kind": kind.kind, "version": version}
        name = openapi.schema_name(group, version, kind.kind)
        assert comps[name]["x-kubernetes-group-version-kind"] == [gvk]
        assert comps[name]["properties"]["metadata"]
        prefix = f"/apis/{group}/{version}" if group else f"/api/{version}"
        coll = f"{prefix}/namespaces/{{namespace}}/{kind.plural}" if kind.namespaced \
            else f"{prefix}/{kind.plural}"
        if kind.kind == "Binding":
            assert doc["paths"][coll]["post"]["x-kubernetes-group-version-kind"] == gvk
            continue
        item = doc["paths"][f"{coll}/{{name}}"]
        for method in ("get", "put", "patch", "delete"):
            op = item[method]
            assert op["x-kubernetes-group-version-kind"] == gvk
            assert op["responses"]["200"]
        assert item["get"]["responses"]["200"]["content"]["application/json"]["schema"] == \
            {"$ref": REF + name}
        for method in ("put", "patch"):
            params = {p["name"] for p in item[method]["parameters"]}
            assert {"fieldValidation", "fieldManager", "dryRun"} <= params
        assert item["patch"]["x-kubernetes-action"] == "patch"
        assert "force" in {p["name"] for p in item["patch"]["parameters"]}
        assert set(item["patch"]["requestBody"]["content"]) == {
            "application/apply-patch+yaml", "application/json-patch+json",
            "application/merge-patch+json", "application/strategic-merge-patch+json"}
        assert {p["name"] for p in item["parameters"]} >= {"name"}
        assert doc["paths"][coll]["get"]["x-kubernetes-action"] == "list"
        assert "fieldValidation" in {p["name"] for p in doc["paths"][coll]["post"]["parameters"]}


@pytest.mark.parametrize("path", PATHS)
def test_every_reference_resolves_inside_its_document(path):
    doc = v3_document(path)
    text = json.dumps(doc)
    comps = doc["components"]["schemas"]
    for ref in set(openapi._refs(doc)):
        assert ref in comps, ref
    assert "io.k8s.unknown" not in text


def test_subresource_paths():
    paths = v3_document("apis/apps/v1")["paths"]
    scale = paths["/apis/apps/v1/namespaces/{namespace}/deployments/{name}/scale"]["patch"]
    assert scale["x-kubernetes-group-version-kind"] == {"group": "autoscaling",
                                                        "kind": "Scale", "version": "v1"}
    status = paths["/apis/apps/v1/namespaces/{namespace}/deployments/{name}/status"]["put"]
    assert status["x-kubernetes-group-version-kind"]["kind"] == "Deployment"
    assert "io.k8s.api.autoscaling.v1.Scale" in schemas("apis/apps/v1")
    assert "/apis/apps/v1/deployments" in paths                    # all namespaces
    core = v3_document("api/v1")["paths"]
    assert "/api/v1/nodes/{name}" in core and "/api/v1/namespaces/{name}" in core
    assert "delete" not in core["/api/v1/namespaces"]              # no deletecollection


def test_component_names_are_kubernetes_names():
    core = schemas("api/v1")
    for name in ("io.k8s.api.core.v1.Pod", "io.k8s.api.core.v1.PodSpec",
                 "io.k8s.api.core.v1.Event", "io.k8s.api.core.v1.EndpointPort",
                 "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta",
                 "io.k8s.apimachinery.pkg.apis.meta.v1.Time",
                 "io.k8s.apimachinery.pkg.api.resource.Quantity",
                 "io.k8s.apimachinery.pkg.util.intstr.IntOrString",
                 "io.k8s.apimachinery.pkg.apis.meta.v1.Status",
                 "io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions",
                 "io.k8s.api.core.v1.PodList"):
        assert name in core, name
    apps = schemas("apis/apps/v1")
    assert "io.k8s.api.core.v1.PodTemplateSpec" in apps
    assert "io.k8s.api.apps.v1.RollingUpdateDeployment" in apps
    assert "io.k8s.api.discovery.v1.EndpointPort" in schemas("apis/discovery.k8s.io/v1")
    assert "io.k8s.api.autoscaling.v2.MetricSpec" in schemas("apis/autoscaling/v2")
    assert "io.k8s.api.autoscaling.v1.CrossVersionObjectReference" in \
        schemas("apis/autoscaling/v1")


# ------------------------------------------------------------------------ schemas


def test_explain_deployment_spec_strategy():
    strategy = field("apis/apps/v1", "io.k8s.api.apps.v1.Deployment", "spec", "strategy")
    assert strategy["description"] == \
        "The deployment strategy to use to replace existing pods with new ones."
    assert strategy["allOf"] == [{"$ref": REF + "io.k8s.api.apps.v1.DeploymentStrategy"}]
    assert strategy["x-kubernetes-patch-strategy"] == "retainKeys"
    ds = schemas("apis/apps/v1")["io.k8s.api.apps.v1.DeploymentStrategy"]
    assert ds["description"].startswith("DeploymentStrategy describes how to replace")
    assert set(ds["properties"]) == {"rollingUpdate", "type"}
    assert ds["properties"]["type"]["type"] == "string"
    assert "Recreate" in ds["properties"]["type"]["description"]
    assert ds["properties"]["rollingUpdate"]["description"].startswith("Rolling update config")
    surge = field("apis/apps/v1", "io.k8s.api.apps.v1.RollingUpdateDeployment", "maxSurge")
    assert surge["allOf"] == [{"$ref": REF + "io.k8s.apimachinery.pkg.util.intstr.IntOrString"}]


def test_patch_metadata_for_strategic_merge():
    pod_spec = schemas("api/v1")["io.k8s.api.core.v1.PodSpec"]["properties"]
    assert pod_spec["containers"]["x-kubernetes-patch-merge-key"] == "name"
    assert pod_spec["containers"]["x-kubernetes-patch-strategy"] == "merge"
    assert pod_spec["volumes"]["x-kubernetes-patch-strategy"] == "merge,retainKeys"
    container = schemas("api/v1")["io.k8s.api.core.v1.Container"]["properties"]
    assert container["ports"]["x-kubernetes-patch-merge-key"] == "containerPort"
    assert container["env"]["x-kubernetes-patch-merge-key"] == "name"
    svc = schemas("api/v1")["io.k8s.api.core.v1.ServiceSpec"]["properties"]
    assert svc["ports"]["x-kubernetes-patch-merge-key"] == "port"
    meta = schemas("api/v1")["io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"]["properties"]
    assert meta["ownerReferences"]["x-kubernetes-patch-merge-key"] == "uid"
    assert "x-kubernetes-patch-strategy" not in meta["labels"]


def test_types_formats_and_required():
    core = schemas("api/v1")
    container = core["io.k8s.api.core.v1.Container"]
    assert "name" in container["required"]
    assert container["properties"]["command"] == {
        "type": "array", "items": {"type": "string"},
        "description": container["properties"]["command"]["description"]}
    limits = core["io.k8s.api.core.v1.ResourceRequirements"]["properties"]["limits"]
    assert limits["type"] == "object"
    assert limits["additionalProperties"] == {
        "allOf": [{"$ref": REF + "io.k8s.apimachinery.pkg.api.resource.Quantity"}]}
    meta = core["io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"]["properties"]
    assert meta["creationTimestamp"]["allOf"] == [
        {"$ref": REF + "io.k8s.apimachinery.pkg.apis.meta.v1.Time"}]
    assert meta["labels"]["additionalProperties"] == {"type": "string"}
    assert meta["generation"] == {"type": "integer", "format": "int64",
                                  "description": meta["generation"]["description"]}
    assert core["io.k8s.api.core.v1.ServicePort"]["properties"]["port"]["format"] == "int32"
    assert core["io.k8s.api.core.v1.ServicePort"]["properties"]["targetPort"]["allOf"] == [
        {"$ref": REF + "io.k8s.apimachinery.pkg.util.intstr.IntOrString"}]
    assert core["io.k8s.api.core.v1.Secret"]["properties"]["data"]["additionalProperties"] \
        == {"type": "string", "format": "byte"}
    assert core["io.k8s.api.core.v1.Event"]["properties"]["eventTime"]["allOf"] == [
        {"$ref": REF + "io.k8s.apimachinery.pkg.apis.meta.v1.MicroTime"}]
    spec = schemas("apis/apps/v1")["io.k8s.api.apps.v1.DeploymentSpec"]
    assert {"selector", "template"} <= set(spec["required"])
    lease = schemas("apis/coordination.k8s.io/v1")["io.k8s.api.coordination.v1.LeaseSpec"]
    assert lease["properties"]["renewTime"]["allOf"] == [
        {"$ref": REF + "io.k8s.apimachinery.pkg.apis.meta.v1.MicroTime"}]


def test_object_fields_have_descriptions():
    """What ``kubectl explain`` prints: every 1.32 property of the main kinds is described.

    (The Python client may know fields newer than 1.32; those schema-typed ones carry
    only their type's description.)
    """
    for path, component in (("apis/apps/v1", "io.k8s.api.apps.v1.DeploymentSpec"),
                            ("api/v1", "io.k8s.api.core.v1.PodSpec"),
                            ("api/v1", "io.k8s.api.core.v1.Container"),
                            ("api/v1", "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"),
                            ("apis/autoscaling/v2",
                             "io.k8s.api.autoscaling.v2.HorizontalPodAutoscalerSpec")):
        in_1_32 = openapi._pb_fields(openapi._pb_name(component))
        assert in_1_32
        for name, prop in schemas(path)[component]["properties"].items():
            if name in in_1_32 or name in ("apiVersion", "kind"):
                assert prop.get("description"), (component, name)


# ---------------------------------------------------------------- field validation


def kind(name: str):
    return REGISTRY.lookup(name)


POD = {
    "apiVersion": "v1", "kind": "Pod",
    "metadata": {"name": "web", "labels": {"any/key": "v"}, "annotations": {"x": "y"},
                 "ownerReferences": [{"apiVersion": "v1", "kind": "X", "name": "n",
                                      "uid": "u", "controller": True}],
                 "creationTimestamp": None},
    "spec": {"containers": [{
        "name": "web", "image": "nginx", "imagePullPolicy": "Always",
        "ports": [{"containerPort": 80, "name": "http"}],
        "env": [{"name": "A", "valueFrom": {"secretKeyRef": {"name": "s", "key": "k"}}}],
        "resources": {"limits": {"cpu": "1", "nvidia.com/gpu": 1},
                      "requests": {"memory": "64Mi"}},
        "livenessProbe": {"httpGet": {"path": "/", "port": "http"}, "periodSeconds": 5},
        "readinessProbe": {"exec": {"command": ["true"]}},
        "volumeMounts": [{"name": "v", "mountPath": "/data"}],
        "securityContext": {"capabilities": {"add": ["NET_ADMIN"]}}}],
        "volumes": [{"name": "v", "emptyDir": {}},
                    {"name": "c", "configMap": {"name": "cfg", "items": [{"key": "a",
                                                                          "path": "a"}]}}],
        "affinity": {"podAntiAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": [
            {"weight": 1, "podAffinityTerm": {"topologyKey": "kubernetes.io/hostname",
                                              "labelSelector": {"matchLabels": {"a": "b"}}}}]}},
        "tolerations": [{"key": "k", "operator": "Exists"}],
        "nodeSelector": {"disk": "ssd"}},
    "status": {"phase": "Running", "conditions": [{"type": "Ready", "status": "True"}],
               "containerStatuses": [{"name": "web", "ready": True, "restartCount": 0,
                                      "image": "nginx", "imageID": "",
                                      "state": {"running": {
                                          "startedAt": "2024-01-01T00:00:00Z"}}}]},
}

DEPLOYMENT = {
    "apiVersion": "apps/v1", "kind": "Deployment",
    "metadata": {"name": "web", "namespace": "default"},
    "spec": {"replicas": 3, "selector": {"matchLabels": {"app": "web"}},
             "strategy": {"type": "RollingUpdate",
                          "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": 1}},
             "template": {"metadata": {"labels": {"app": "web"}},
                          "spec": {"containers": [{"name": "web", "image": "nginx:1.27",
                                                   "imagePullPolicy": "IfNotPresent"}]}}},
}

VALID = {
    "pods": POD,
    "deployments": DEPLOYMENT,
    "services": {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "s"},
                 "spec": {"type": "NodePort", "selector": {"app": "web"},
                          "ports": [{"port": 80, "targetPort": 8080, "nodePort": 30080,
                                     "protocol": "TCP", "name": "http"}]},
                 "status": {"loadBalancer": {}}},
    "jobs": {"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "pi"},
             "spec": {"backoffLimit": 4, "completions": 1, "template": {"spec": {
                 "containers": [{"name": "pi", "image": "perl", "command": ["perl"]}],
                 "restartPolicy": "Never"}}}},
    "statefulsets": {"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": {"name": "db"},
                     "spec": {"serviceName": "db", "replicas": 2,
                              "selector": {"matchLabels": {"app": "db"}},
                              "template": {"metadata": {"labels": {"app": "db"}},
                                           "spec": {"containers": [{"name": "db",
                                                                    "image": "pg"}]}},
                              "volumeClaimTemplates": [{
                                  "metadata": {"name": "data"},
                                  "spec": {"accessModes": ["ReadWriteOnce"],
                                           "storageClassName": "standard",
                                           "resources": {"requests": {"storage": "1Gi"}}}}]}},
    "ingresses": {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress",
                  "metadata": {"name": "i", "annotations": {
                      "nginx.ingress.kubernetes.io/rewrite-target": "/"}},
                  "spec": {"ingressClassName": "nginx",
                           "tls": [{"hosts": ["a.com"], "secretName": "t"}],
                           "rules": [{"host": "a.com", "http": {"paths": [{
                               "path": "/", "pathType": "Prefix",
                               "backend": {"service": {"name": "s",
                                                       "port": {"number": 80}}}}]}}]}},
    "ingressclasses": {"apiVersion": "networking.k8s.io/v1", "kind": "IngressClass",
                       "metadata": {"name": "nginx"},
                       "spec": {"controller": "k8s.io/ingress-nginx", "parameters": {
                           "apiGroup": "k8s.example.com", "kind": "IngressParameters",
                           "name": "p", "scope": "Cluster"}}},
    "horizontalpodautoscalers": {
        "apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler",
        "metadata": {"name": "h"},
        "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment",
                                    "name": "web"},
                 "minReplicas": 1, "maxReplicas": 10,
                 "metrics": [{"type": "Resource", "resource": {
                     "name": "cpu", "target": {"type": "Utilization",
                                               "averageUtilization": 50}}}],
                 "behavior": {"scaleDown": {"stabilizationWindowSeconds": 60}}}},
    "configmaps": {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"},
                   "data": {"anything.goes": "x", "k": "v"}},
    "secrets": {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s"},
                "type": "Opaque", "stringData": {"a": "b"}, "data": {"c": "ZA=="}},
    "namespaces": {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "n"}},
    "nodes": {"apiVersion": "v1", "kind": "Node", "metadata": {"name": "n1"},
              "spec": {"unschedulable": True, "taints": [{"key": "k", "effect": "NoSchedule"}]},
              "status": {"capacity": {"cpu": "4", "pods": "110"},
                         "addresses": [{"type": "InternalIP", "address": "10.0.0.1"}],
                         "nodeInfo": {"kubeletVersion": "v1.32.0"}}},
    "events": {"apiVersion": "v1", "kind": "Event", "metadata": {"name": "e"},
               "involvedObject": {"kind": "Pod", "name": "p"}, "reason": "R",
               "eventTime": "2024-01-01T00:00:00.000000Z", "count": 1},
    "leases": {"apiVersion": "coordination.k8s.io/v1", "kind": "Lease",
               "metadata": {"name": "l"},
               "spec": {"holderIdentity": "me", "renewTime": "2024-01-01T00:00:00.000000Z"}},
}


@pytest.mark.parametrize("resource", sorted(VALID))
def test_valid_manifests_have_no_unknown_fields(resource):
    assert unknown_fields(kind(resource), VALID[resource]) == []


def test_hpa_v1_manifest_is_checked_against_v1():
    v1 = {"apiVersion": "autoscaling/v1", "kind": "HorizontalPodAutoscaler",
          "metadata": {"name": "h"},
          "spec": {"scaleTargetRef": {"kind": "Deployment", "name": "web"},
                   "minReplicas": 1, "maxReplicas": 3, "targetCPUUtilizationPercentage": 50}}
    assert unknown_fields(kind("hpa"), v1) == []
    v1["spec"]["metrics"] = []                              # a v2 field
    assert unknown_fields(kind("hpa"), v1) == ["spec.metrics"]
    v2 = copy.deepcopy(VALID["horizontalpodautoscalers"])
    v2["spec"]["targetCPUUtilizationPercentage"] = 50       # a v1 field
    assert unknown_fields(kind("hpa"), v2) == ["spec.targetCPUUtilizationPercentage"]


def test_typos_at_depth():
    dep = copy.deepcopy(DEPLOYMENT)
    dep["spec"]["foo"] = 1
    dep["spec"]["template"]["spec"]["containers"][0]["imagePullPolicyy"] = "Always"
    dep["spec"]["template"]["spec"]["containers"].append({"name": "b", "image": "i",
                                                          "ports": [{"contianerPort": 80}]})
    dep["spec"]["strategy"]["rollingUpdate"]["maxSurg"] = 1
    dep["metadata"]["labelz"] = {}
    dep["status"] = {"bogus": True, "replicas": 1}
    dep["apiVersion"] = "apps/v1"
    assert unknown_fields(kind("deployments"), dep) == [
        "metadata.labelz",
        "spec.strategy.rollingUpdate.maxSurg",
        "spec.template.spec.containers[0].imagePullPolicyy",
        "spec.template.spec.containers[1].ports[0].contianerPort",
        "spec.foo",
        "status.bogus",
    ]


def test_typos_in_volume_claim_templates_and_maps_of_objects():
    sts = copy.deepcopy(VALID["statefulsets"])
    sts["spec"]["volumeClaimTemplates"][0]["spec"]["resources"]["requestz"] = {}
    assert unknown_fields(kind("sts"), sts) == [
        "spec.volumeClaimTemplates[0].spec.resources.requestz"]
    pod = copy.deepcopy(POD)
    pod["spec"]["volumes"][1]["configMap"]["items"][0]["mode "] = 1
    pod["spec"]["affinity"]["podAntiAffinity"]["preferredDuringSchedulingIgnoredDuringExecution"][
        0]["podAffinityTerm"]["labelSelector"]["matchLabel"] = {}
    assert unknown_fields(kind("pods"), pod) == [
        "spec.volumes[1].configMap.items[0].mode ",
        "spec.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution[0]"
        ".podAffinityTerm.labelSelector.matchLabel"]


def test_apiversion_kind_and_odd_values_are_not_unknown():
    assert unknown_fields(kind("pods"), {"apiVersion": "v1", "kind": "Pod"}) == []
    assert unknown_fields(kind("pods"), {"spec": None, "metadata": "x"}) == []
    assert unknown_fields(kind("pods"), ["not", "an", "object"]) == []
    managed = {"metadata": {"managedFields": [{"manager": "kubectl", "fieldsV1": {
        "f:metadata": {"f:labels": {".": {}}}}}]}}
    assert unknown_fields(kind("pods"), managed) == []


def test_known_fields():
    schema = openapi.known_fields(kind("deployments"))
    assert schema["x-kubernetes-group-version-kind"] == [
        {"group": "apps", "kind": "Deployment", "version": "v1"}]
    assert {"apiVersion", "kind", "metadata", "spec", "status"} <= set(schema["properties"])
    v1 = openapi.known_fields(kind("hpa"), "v1")
    assert v1["x-kubernetes-group-version-kind"][0]["version"] == "v1"
    assert v1["properties"]["spec"]["allOf"] == [
        {"$ref": REF + "io.k8s.api.autoscaling.v1.HorizontalPodAutoscalerSpec"}]
    assert openapi.known_fields(kind("hpa"))["x-kubernetes-group-version-kind"][0][
        "version"] == "v2"


def test_pre_pydantic_client_models_still_give_descriptions():
    class V1Thing:                      # the shape of kubernetes<=v3x generated models
        """NOTE: This class is auto generated by OpenAPI Generator."""
        openapi_types = {"name": "str", "spec": "V1ThingSpec"}
        attribute_map = {"name": "name", "spec": "spec"}

        @property
        def name(self):
            """Gets the name of this V1Thing.  # noqa: E501

            Name of the thing.  # noqa: E501

            :return: The name of this V1Thing.  # noqa: E501
            :rtype: str
            """

    class Models:
        pass

    Models.V1Thing = V1Thing
    schema = openapi._Builder(Models)._model("io.k8s.api.core.v1.Thing", V1Thing)
    assert schema == {"type": "object", "properties": {
        "name": {"type": "string", "description": "Name of the thing."},
        "spec": {"type": "object", "x-kubernetes-preserve-unknown-fields": True}}}


# ------------------------------------------------------------- without the client


def test_without_the_kubernetes_package(monkeypatch):
    monkeypatch.setattr(openapi, "_import_models", lambda: None)
    state = openapi._State()
    doc, _, _ = state.docs["apis/apps/v1"]
    patch = doc["paths"]["/apis/apps/v1/namespaces/{namespace}/deployments/{name}"]["patch"]
    assert patch["x-kubernetes-group-version-kind"]["kind"] == "Deployment"
    assert "fieldValidation" in {p["name"] for p in patch["parameters"]}
    for ref in openapi._refs(doc):
        assert ref in doc["components"]["schemas"]
    monkeypatch.setattr(openapi, "_STATE", state)
    assert unknown_fields(kind("deployments"), {"spec": {"foo": 1}}) == []
    assert openapi.known_fields(kind("deployments")) is None
