"""Every verb at its REST path, through the HTTP front end (no Ray)."""

from __future__ import annotations

import json
import sys
import types

import pytest

from rayk8s.apiserver.http import negotiate

from .test_http_server import TABLE_ACCEPT, call, served

NS = "/api/v1/namespaces/default"
APPS = "/apis/apps/v1/namespaces/default"
MERGE = "application/merge-patch+json"
STRATEGIC = "application/strategic-merge-patch+json"
JSONPATCH = "application/json-patch+json"
APPLY = "application/apply-patch+yaml"


def deployment(name="web", replicas=1, extra_spec=None):
    labels = {"app": name}
    spec = {"replicas": replicas, "selector": {"matchLabels": labels},
            "template": {"metadata": {"labels": labels},
                         "spec": {"containers": [{"name": "hello-world",
                                                  "image": "hello-world:v1.0",
                                                  "ports": [{"containerPort": 8090}]}]}}}
    spec.update(extra_spec or {})
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name},
            "spec": spec}


def configmap(name, data=None, labels=None):
    return {"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": name, "labels": labels or {}}, "data": data or {}}


def pod(name, node=None):
    spec = {"containers": [{"name": name, "image": "hello-world:v1.0"}]}
    if node:
        spec["nodeName"] = node
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "labels": {"run": name}},
            "spec": spec}


# ------------------------------------------------------------- create/get/list


@served()
async def test_create_get_list(client, registry):
    _, out, _ = await call(client, "POST", f"{APPS}/deployments?fieldManager=kubectl-create",
                           deployment(), expect=201)
    assert out["metadata"]["uid"] and out["metadata"]["generation"] == 1
    _, got, _ = await call(client, "GET", f"{APPS}/deployments/web", expect=200)
    assert got == out
    _, listed, _ = await call(client, "GET", f"{APPS}/deployments?limit=500", expect=200)
    assert listed["kind"] == "DeploymentList" and listed["apiVersion"] == "apps/v1"
    assert [d["metadata"]["name"] for d in listed["items"]] == ["web"]
    assert int(listed["metadata"]["resourceVersion"]) >= int(out["metadata"]["resourceVersion"])
    _, everywhere, _ = await call(client, "GET", "/apis/apps/v1/deployments", expect=200)
    assert len(everywhere["items"]) == 1
    status, err, _ = await call(client, "POST", f"{APPS}/deployments", deployment(), expect=409)
    assert err["reason"] == "AlreadyExists"
    status, err, _ = await call(client, "GET", f"{APPS}/deployments/nosuch", expect=404)
    assert err["message"] == 'deployments.apps "nosuch" not found'
    assert err["details"] == {"name": "nosuch", "group": "apps", "kind": "deployments"}


@served()
async def test_create_defaults_kind_and_version_from_the_url(client, registry):
    _, out, _ = await call(client, "POST", f"{NS}/configmaps",
                           {"metadata": {"name": "bare"}, "data": {"a": "b"}}, expect=201)
    assert out["kind"] == "ConfigMap" and out["apiVersion"] == "v1"


@served()
async def test_selectors_limit_continue(client, registry):
    for i in range(5):
        await call(client, "POST", f"{NS}/configmaps",
                   configmap(f"cm-{i}", labels={"parity": "even" if i % 2 == 0 else "odd"}),
                   expect=201)
    _, out, _ = await call(client, "GET", f"{NS}/configmaps?labelSelector=parity%3Deven",
                           expect=200)
    assert [c["metadata"]["name"] for c in out["items"]] == ["cm-0", "cm-2", "cm-4"]
    _, out, _ = await call(client, "GET", f"{NS}/configmaps?fieldSelector=metadata.name%3Dcm-3",
                           expect=200)
    assert [c["metadata"]["name"] for c in out["items"]] == ["cm-3"]
    _, page, _ = await call(client, "GET", f"{NS}/configmaps?limit=2", expect=200)
    assert len(page["items"]) == 2 and page["metadata"]["continue"]
    _, rest, _ = await call(client, "GET",
                            f"{NS}/configmaps?limit=10&continue={page['metadata']['continue']}",
                            expect=200)
    assert [c["metadata"]["name"] for c in rest["items"]] == ["cm-2", "cm-3", "cm-4"]
    status, err, _ = await call(client, "GET", f"{NS}/configmaps?labelSelector=a%3D%3D%3D",
                                expect=400)
    assert err["kind"] == "Status"
    await call(client, "GET", f"{NS}/configmaps?limit=abc", expect=400)


@served()
async def test_dry_run_create(client, registry):
    _, out, _ = await call(client, "POST", f"{NS}/configmaps?dryRun=All", configmap("dry"),
                           expect=201)
    assert out["metadata"]["name"] == "dry"
    await call(client, "GET", f"{NS}/configmaps/dry", expect=404)
    status, err, _ = await call(client, "POST", f"{NS}/configmaps?dryRun=Some",
                                configmap("dry"), expect=422)
    assert 'Unsupported value: "Some"' in err["message"]


@served()
async def test_yaml_body(client, registry):
    body = b"""apiVersion: v1
kind: ConfigMap
metadata:
  name: from-yaml
  annotations:
    when: 2024-01-01T00:00:00Z
data:
  greeting: hello
"""
    _, out, _ = await call(client, "POST", f"{NS}/configmaps", body, ctype="application/yaml",
                           expect=201)
    assert out["data"] == {"greeting": "hello"}
    assert out["metadata"]["annotations"]["when"] == "2024-01-01T00:00:00Z"


@served()
async def test_protobuf_body_goes_through_protobuf_decode(client, registry, monkeypatch):
    fake = types.ModuleType("rayk8s.apiserver.http.protobuf")
    seen = []

    def decode(raw):
        seen.append(raw)
        return configmap("from-pb", {"k": "v"})
    fake.decode = decode
    monkeypatch.setitem(sys.modules, "rayk8s.apiserver.http.protobuf", fake)
    import rayk8s.apiserver.http as pkg
    monkeypatch.setattr(pkg, "protobuf", fake, raising=False)
    _, out, _ = await call(client, "POST", f"{NS}/configmaps", b"k8s\x00...",
                           ctype="application/vnd.kubernetes.protobuf",
                           headers={"Accept": "application/vnd.kubernetes.protobuf,"
                                              "application/json"}, expect=201)
    assert seen == [b"k8s\x00..."] and out["data"] == {"k": "v"}


@served()
async def test_real_protobuf_deployment_as_kubectl_create_sends_it(client, registry):
    # kubectl 1.32 `create deployment helloworld --image=hello-world:v1.0 --port=8090`
    # (the envelope and field numbers of kubectl-wire.md §3).
    def field(num, payload):
        return bytes([num << 3 | 2]) + _varint(len(payload)) + payload

    def s(num, text):
        return field(num, text.encode())

    def v(num, value):
        return bytes([num << 3]) + _varint(value)
    labels = field(11, s(1, "app") + s(2, "helloworld"))
    container = s(1, "hello-world") + s(2, "hello-world:v1.0") + field(6, v(3, 8090))
    template = field(1, labels) + field(2, field(2, container))
    spec = v(1, 1) + field(2, field(1, s(1, "app") + s(2, "helloworld"))) + \
        field(3, template) + field(4, b"")
    obj = field(1, s(1, "helloworld") + labels) + field(2, spec)
    body = b"k8s\x00" + field(1, s(1, "apps/v1") + s(2, "Deployment")) + field(2, obj)
    status, out, _ = await call(
        client, "POST", f"{APPS}/deployments?fieldManager=kubectl-create&fieldValidation=Strict",
        body, ctype="application/vnd.kubernetes.protobuf")
    assert status == 201, out
    assert out["spec"]["template"]["spec"]["containers"][0]["image"] == "hello-world:v1.0"
    assert out["spec"]["template"]["spec"]["containers"][0]["ports"][0]["containerPort"] == 8090


def _varint(n):
    out = b""
    while True:
        byte = n & 0x7F
        n >>= 7
        if n:
            out += bytes([byte | 0x80])
        else:
            return out + bytes([byte])


# ----------------------------------------------------------- field validation


@served()
async def test_field_validation_modes(client, registry):
    body = deployment("fv", extra_spec={"foo": 1})
    body["spec"]["template"]["spec"]["containers"][0]["imagePullPolicyy"] = "Always"
    status, err, _ = await call(client, "POST", f"{APPS}/deployments?fieldValidation=Strict",
                                body, expect=400)
    assert err["message"] == (
        'Deployment in version "v1" cannot be handled as a Deployment: strict decoding error: '
        'unknown field "spec.template.spec.containers[0].imagePullPolicyy", '
        'unknown field "spec.foo"')  # in document order
    # Warn (the default): created, the unknown fields dropped, one Warning header each.
    status, out, resp = await call(client, "POST", f"{APPS}/deployments", body, expect=201)
    assert "foo" not in out["spec"]
    assert resp.headers.getall("Warning") == [
        '299 - "unknown field \\"spec.template.spec.containers[0].imagePullPolicyy\\""',
        '299 - "unknown field \\"spec.foo\\""']
    body["metadata"]["name"] = "fv2"
    status, out, resp = await call(client, "POST", f"{APPS}/deployments?fieldValidation=Ignore",
                                   body, expect=201)
    assert "Warning" not in resp.headers and "foo" not in out["spec"]
    await call(client, "POST", f"{APPS}/deployments?fieldValidation=Loose", body, expect=422)


@served()
async def test_duplicate_fields(client, registry):
    raw = (b'{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"d","name":"d"},'
           b'"data":{"a":"1"},"data":{"a":"2"}}')
    status, err, _ = await call(client, "POST", f"{NS}/configmaps?fieldValidation=Strict", raw,
                                expect=400)
    assert 'duplicate field "metadata.name"' in err["message"]
    assert 'duplicate field "data"' in err["message"]
    status, out, resp = await call(client, "POST", f"{NS}/configmaps", raw, expect=201)
    assert out["data"] == {"a": "2"}  # the last one wins, as in Go
    assert len(resp.headers.getall("Warning")) == 2
    yaml_body = b"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: y\ndata: {}\ndata: {}\n"
    status, err, _ = await call(client, "POST", f"{NS}/configmaps?fieldValidation=Strict",
                                yaml_body, ctype="application/yaml", expect=400)
    assert 'duplicate field "data"' in err["message"]


@served()
async def test_patch_field_validation_skips_directives(client, registry):
    await call(client, "POST", f"{APPS}/deployments", deployment(), expect=201)
    patch = {"spec": {"template": {"spec": {
        "$setElementOrder/containers": [{"name": "hello-world"}],
        "containers": [{"name": "hello-world", "image": "hello-world:v2.0"}]}}}}
    _, out, resp = await call(client, "PATCH",
                              f"{APPS}/deployments/web?fieldValidation=Strict", patch,
                              ctype=STRATEGIC, expect=200)
    assert out["spec"]["template"]["spec"]["containers"][0]["image"] == "hello-world:v2.0"
    _, err, _ = await call(client, "PATCH", f"{APPS}/deployments/web?fieldValidation=Strict",
                           {"spec": {"bogus": 1}}, ctype=MERGE, expect=400)
    assert 'unknown field "spec.bogus"' in err["message"]


# -------------------------------------------------------------- update/patch


@served()
async def test_update_and_conflict(client, registry):
    _, cm, _ = await call(client, "POST", f"{NS}/configmaps", configmap("u", {"a": "1"}),
                          expect=201)
    cm["data"]["a"] = "2"
    _, out, _ = await call(client, "PUT", f"{NS}/configmaps/u", cm, expect=200)
    assert out["data"] == {"a": "2"}
    status, err, _ = await call(client, "PUT", f"{NS}/configmaps/u", cm, expect=409)
    assert err["reason"] == "Conflict"
    await call(client, "PUT", f"{NS}/configmaps/other", cm, expect=400)


@served()
async def test_patch_types(client, registry):
    await call(client, "POST", f"{APPS}/deployments", deployment(), expect=201)
    _, out, _ = await call(client, "PATCH", f"{APPS}/deployments/web?fieldManager=kubectl-label",
                           {"metadata": {"labels": {"app": "v1"}}}, ctype=MERGE, expect=200)
    assert out["metadata"]["labels"] == {"app": "v1"}
    _, out, _ = await call(client, "PATCH", f"{APPS}/deployments/web",
                           [{"op": "replace", "path": "/spec/replicas", "value": 3}],
                           ctype=JSONPATCH, expect=200)
    assert out["spec"]["replicas"] == 3 and out["metadata"]["generation"] == 2
    await call(client, "PATCH", f"{APPS}/deployments/web", {"spec": {}}, ctype="text/plain",
               expect=415)
    await call(client, "PATCH", f"{APPS}/deployments/web", b"{nope", ctype=MERGE, expect=400)
    await call(client, "PATCH", f"{APPS}/deployments/nosuch", {}, ctype=MERGE, expect=404)
    await call(client, "PATCH", f"{APPS}/deployments/web?force=true", {}, ctype=MERGE,
               expect=422)


@served()
async def test_server_side_apply_upserts(client, registry):
    body = json.dumps(deployment("ssa", 2))
    _, out, _ = await call(client, "PATCH",
                           f"{APPS}/deployments/ssa?fieldManager=kubectl&force=false", body,
                           ctype=APPLY, expect=201)
    assert out["spec"]["replicas"] == 2
    yaml_body = b"apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: ssa\nspec:\n  replicas: 5\n"
    _, out, _ = await call(client, "PATCH", f"{APPS}/deployments/ssa?fieldManager=kubectl",
                           yaml_body, ctype=APPLY, expect=200)
    assert out["spec"]["replicas"] == 5
    await call(client, "PATCH", f"{APPS}/deployments/ssa", yaml_body, ctype=APPLY, expect=422)


@served()
async def test_scale_subresource(client, registry):
    await call(client, "POST", f"{APPS}/deployments", deployment(), expect=201)
    _, scale, _ = await call(client, "GET", f"{APPS}/deployments/web/scale", expect=200)
    assert scale["kind"] == "Scale" and scale["apiVersion"] == "autoscaling/v1"
    assert scale["status"]["selector"] == "app=web"
    _, scale, _ = await call(client, "PATCH", f"{APPS}/deployments/web/scale",
                             {"spec": {"replicas": 4}}, ctype=MERGE, expect=200)
    assert scale["spec"]["replicas"] == 4
    scale["spec"]["replicas"] = 2
    _, scale, _ = await call(client, "PUT", f"{APPS}/deployments/web/scale", scale, expect=200)
    _, dep, _ = await call(client, "GET", f"{APPS}/deployments/web", expect=200)
    assert dep["spec"]["replicas"] == 2
    await call(client, "GET", f"{NS}/configmaps/x/scale", expect=404)


@served()
async def test_status_subresource(client, registry):
    await call(client, "POST", f"{APPS}/deployments", deployment(), expect=201)
    _, dep, _ = await call(client, "GET", f"{APPS}/deployments/web/status", expect=200)
    _, out, _ = await call(client, "PATCH", f"{APPS}/deployments/web/status",
                           {"status": {"replicas": 1, "readyReplicas": 1}}, ctype=MERGE,
                           expect=200)
    assert out["status"]["readyReplicas"] == 1
    assert out["spec"] == dep["spec"]


@served()
async def test_hpa_served_in_both_versions(client, registry):
    v1 = {"apiVersion": "autoscaling/v1", "kind": "HorizontalPodAutoscaler",
          "metadata": {"name": "h"},
          "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment",
                                      "name": "web"},
                   "minReplicas": 1, "maxReplicas": 10, "targetCPUUtilizationPercentage": 50}}
    hpa_v1 = "/apis/autoscaling/v1/namespaces/default/horizontalpodautoscalers"
    hpa_v2 = "/apis/autoscaling/v2/namespaces/default/horizontalpodautoscalers"
    _, out, _ = await call(client, "POST", f"{hpa_v1}?fieldValidation=Strict", v1, expect=201)
    assert out["apiVersion"] == "autoscaling/v1"
    assert out["spec"]["targetCPUUtilizationPercentage"] == 50
    _, out, _ = await call(client, "GET", f"{hpa_v2}/h", expect=200)
    assert out["apiVersion"] == "autoscaling/v2"
    assert out["spec"]["metrics"][0]["resource"]["target"]["averageUtilization"] == 50


# ------------------------------------------------------------------- delete


@served()
async def test_delete_answers(client, registry):
    await call(client, "POST", f"{APPS}/deployments", deployment(), expect=201)
    _, out, _ = await call(client, "DELETE", f"{APPS}/deployments/web",
                           {"propagationPolicy": "Background"}, expect=200)
    assert out["kind"] == "Status" and out["status"] == "Success"
    assert out["details"]["name"] == "web" and out["details"]["kind"] == "deployments"
    assert out["details"]["group"] == "apps" and out["details"]["uid"]
    await call(client, "GET", f"{APPS}/deployments/web", expect=404)
    # Pods answer with the object (their storage returns it).
    await call(client, "POST", f"{NS}/pods", pod("p"), expect=201)
    _, out, _ = await call(client, "DELETE", f"{NS}/pods/p", expect=200)
    assert out["kind"] == "Pod" and out["metadata"]["name"] == "p"
    await call(client, "DELETE", f"{NS}/pods/p", expect=404)


@served()
async def test_graceful_and_orphan_deletes(client, registry):
    await call(client, "POST", f"{NS}/pods", pod("g", node="node-1"), expect=201)
    _, out, _ = await call(client, "DELETE", f"{NS}/pods/g?gracePeriodSeconds=30", expect=200)
    assert out["metadata"]["deletionTimestamp"]
    assert out["metadata"]["deletionGracePeriodSeconds"] == 30
    await call(client, "GET", f"{NS}/pods/g", expect=200)  # still there, terminating
    await call(client, "POST", f"{APPS}/deployments", deployment("fg"), expect=201)
    status, out, _ = await call(client, "DELETE", f"{APPS}/deployments/fg",
                                {"kind": "DeleteOptions", "apiVersion": "v1",
                                 "propagationPolicy": "Foreground"}, expect=200)
    assert out["kind"] == "Deployment" and "foregroundDeletion" in out["metadata"]["finalizers"]
    await call(client, "POST", f"{APPS}/deployments", deployment("od"), expect=201)
    await call(client, "DELETE", f"{APPS}/deployments/od?propagationPolicy=Orphan", expect=200)
    await call(client, "POST", f"{APPS}/deployments", deployment("nd"), expect=201)
    status, out, _ = await call(client, "DELETE", f"{APPS}/deployments/nd",
                                {"orphanDependents": False, "gracePeriodSeconds": 0})
    assert status == 200  # deleted at once: nothing was left to accept
    await call(client, "DELETE", f"{APPS}/deployments/x",
               {"propagationPolicy": "Orphan", "orphanDependents": True}, expect=422)


@served()
async def test_delete_preconditions_and_dry_run(client, registry):
    _, cm, _ = await call(client, "POST", f"{NS}/configmaps", configmap("pre"), expect=201)
    await call(client, "DELETE", f"{NS}/configmaps/pre",
               {"preconditions": {"uid": "not-it"}}, expect=409)
    await call(client, "DELETE", f"{NS}/configmaps/pre?dryRun=All", expect=200)
    await call(client, "GET", f"{NS}/configmaps/pre", expect=200)
    await call(client, "DELETE", f"{NS}/configmaps/pre",
               {"preconditions": {"uid": cm["metadata"]["uid"]}}, expect=200)


@served()
async def test_delete_collection(client, registry):
    for i in range(3):
        await call(client, "POST", f"{NS}/configmaps", configmap(f"c{i}", labels={"x": str(i)}),
                   expect=201)
    _, out, _ = await call(client, "DELETE", f"{NS}/configmaps?labelSelector=x%21%3D1",
                           expect=200)
    assert out["kind"] == "ConfigMapList"
    assert sorted(c["metadata"]["name"] for c in out["items"]) == ["c0", "c2"]
    _, left, _ = await call(client, "GET", f"{NS}/configmaps", expect=200)
    assert [c["metadata"]["name"] for c in left["items"]] == ["c1"]


# ----------------------------------------------------- pod and namespace subs


@served()
async def test_binding_and_eviction(client, registry):
    await call(client, "POST", f"{NS}/pods", pod("b"), expect=201)
    binding = {"apiVersion": "v1", "kind": "Binding", "metadata": {"name": "b"},
               "target": {"apiVersion": "v1", "kind": "Node", "name": "node-1"}}
    _, out, _ = await call(client, "POST", f"{NS}/pods/b/binding", binding, expect=201)
    assert out["status"] == "Success"
    _, p, _ = await call(client, "GET", f"{NS}/pods/b", expect=200)
    assert p["spec"]["nodeName"] == "node-1"
    await call(client, "POST", f"{NS}/pods/b/binding", binding, expect=409)
    await call(client, "POST", f"{NS}/pods", pod("b2"), expect=201)
    binding["metadata"]["name"] = "b2"
    await call(client, "POST", f"{NS}/bindings", binding, expect=201)
    await call(client, "POST", f"{NS}/pods/b/binding", binding, expect=400)  # name mismatch
    eviction = {"apiVersion": "policy/v1", "kind": "Eviction",
                "metadata": {"name": "b2", "namespace": "default"}}
    _, out, _ = await call(client, "POST", f"{NS}/pods/b2/eviction", eviction, expect=201)
    assert out["status"] == "Success"
    await call(client, "POST", f"{NS}/pods/nosuch/eviction",
               dict(eviction, metadata={"name": "nosuch"}), expect=404)


@served()
async def test_namespace_lifecycle(client, registry):
    _, ns, _ = await call(client, "POST", "/api/v1/namespaces",
                          {"apiVersion": "v1", "kind": "Namespace",
                           "metadata": {"name": "team"}}, expect=201)
    assert ns["status"]["phase"] == "Active"
    await call(client, "POST", "/api/v1/namespaces/team/configmaps", configmap("x"), expect=201)
    _, out, _ = await call(client, "DELETE", "/api/v1/namespaces/team", expect=200)
    assert out["kind"] == "Namespace" and out["status"]["phase"] == "Terminating"
    await call(client, "POST", "/api/v1/namespaces/team/configmaps", configmap("y"), expect=403)
    out["spec"]["finalizers"] = []
    await call(client, "PUT", "/api/v1/namespaces/team/finalize", out, expect=200)
    await call(client, "DELETE", "/api/v1/namespaces/default", expect=403)


@served()
async def test_connect_subresources_say_what_is_missing(client, registry):
    await call(client, "POST", f"{NS}/pods", pod("c"), expect=201)
    status, out, resp = await call(client, "GET", f"{NS}/pods/c/log", expect=200)
    assert out == ""  # unscheduled: no logs yet, as kube-apiserver answers
    await call(client, "GET", f"{NS}/pods/c/log?container=nope", expect=400)
    _, out, _ = await call(client, "POST", f"{NS}/pods/c/exec?command=ls&stdout=true",
                           expect=400)
    assert out["message"] == "pod c does not have a host assigned"
    await call(client, "POST", f"{NS}/pods", pod("s", node="node-1"), expect=201)
    _, out, _ = await call(client, "GET", f"{NS}/pods/s/log", expect=503)
    assert out["reason"] == "ServiceUnavailable" and "kubelet" in out["message"]
    _, out, _ = await call(client, "POST", f"{NS}/pods/s/exec", expect=400)
    assert out["message"] == "you must specify at least 1 command"
    _, out, _ = await call(client, "GET", f"{NS}/pods/s/proxy/healthz", expect=503)
    assert "pod network" in out["message"]
    await call(client, "GET", f"{NS}/pods/nosuch/log", expect=404)
    await call(client, "POST", f"{NS}/services",
               {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "svc"},
                "spec": {"ports": [{"port": 80}], "selector": {"app": "x"}}}, expect=201)
    _, out, _ = await call(client, "GET", f"{NS}/services/svc/proxy/", expect=503)
    assert out["message"] == 'no endpoints available for service "svc"'


def test_connect_backend_receives_the_request():
    import asyncio

    from aiohttp import web

    from .test_http_server import serving

    class Echo:
        async def connect(self, request, target):
            return web.json_response({"sub": target.subresource, "path": target.subpath,
                                      "container": target.container,
                                      "name": target.name})

    async def main():
        async with serving(connect_backend=Echo()) as (client, _):
            await call(client, "POST", f"{NS}/pods", pod("e", node="n1"), expect=201)
            _, out, _ = await call(client, "GET", f"{NS}/pods/e/proxy/a/b?x=1", expect=200)
            assert out == {"sub": "proxy", "path": "a/b", "container": None, "name": "e"}
            _, out, _ = await call(client, "GET", f"{NS}/pods/e/log?follow=true", expect=200)
            assert out["container"] == "e"
    asyncio.run(main())


# -------------------------------------------------------------------- tables


@pytest.fixture
def fake_tables(monkeypatch):
    """A stand-in for tables.to_table, so these tests pin the negotiation only."""
    calls = []

    def to_table(kind, objs, now, list_metadata=None, include_definitions=True):
        calls.append((kind.kind, len(objs), include_definitions))
        return {"kind": "Table", "apiVersion": "meta.k8s.io/v1",
                "metadata": dict(list_metadata or {}),
                "columnDefinitions": [{"name": "Name", "type": "string"}]
                if include_definitions else [],
                "rows": [{"cells": [o["metadata"]["name"]],
                          "object": {"kind": "PartialObjectMetadata",
                                     "apiVersion": "meta.k8s.io/v1",
                                     "metadata": o["metadata"]}} for o in objs]}
    monkeypatch.setattr(negotiate, "_tables", types.SimpleNamespace(to_table=to_table))
    return calls


def test_table_output(fake_tables):
    import asyncio

    from .test_http_server import serving

    async def main():
        async with serving() as (client, _):
            await call(client, "POST", f"{NS}/configmaps", configmap("t1"), expect=201)
            _, table, _ = await call(client, "GET", f"{NS}/configmaps?limit=500",
                                     headers={"Accept": TABLE_ACCEPT}, expect=200)
            assert table["kind"] == "Table" and table["rows"][0]["cells"] == ["t1"]
            assert table["metadata"]["resourceVersion"]
            _, one, _ = await call(client, "GET", f"{NS}/configmaps/t1",
                                   headers={"Accept": TABLE_ACCEPT}, expect=200)
            assert one["kind"] == "Table" and len(one["rows"]) == 1
            _, full, _ = await call(client, "GET", f"{NS}/configmaps?includeObject=Object",
                                    headers={"Accept": TABLE_ACCEPT}, expect=200)
            assert full["rows"][0]["object"]["kind"] == "ConfigMap"
            _, bare, _ = await call(client, "GET", f"{NS}/configmaps?includeObject=None",
                                    headers={"Accept": TABLE_ACCEPT}, expect=200)
            assert "object" not in bare["rows"][0]
            # JSON first in the Accept: the plain list.
            _, plain, _ = await call(client, "GET", f"{NS}/configmaps",
                                     headers={"Accept": "application/json," + TABLE_ACCEPT},
                                     expect=200)
            assert plain["kind"] == "ConfigMapList"
            _, meta, _ = await call(
                client, "GET", f"{NS}/configmaps",
                headers={"Accept": "application/json;as=PartialObjectMetadataList;v=v1;"
                                   "g=meta.k8s.io"}, expect=200)
            assert meta["kind"] == "PartialObjectMetadataList"
            assert meta["items"][0]["metadata"]["name"] == "t1"
            _, err, _ = await call(client, "GET", f"{NS}/configmaps/none",
                                   headers={"Accept": TABLE_ACCEPT}, expect=404)
            assert err["kind"] == "Status"
    asyncio.run(main())
