"""Validation: each rule with its field path, reason and (where it matters) message.

Every case starts from a valid, defaulted base object of its kind, applies a few
edits (``path -> value``; ``DEL`` removes), defaults again as the registry does,
and expects exactly the listed causes.
"""

import copy
import re

import pytest

from rayk8s.api import defaults, names, validation
from rayk8s.api.kinds import REGISTRY

DEL = object()

SUBDOMAIN_MSG = ("a lowercase RFC 1123 subdomain must consist of lower case alphanumeric "
                 "characters, '-' or '.', and must start and end with an alphanumeric "
                 "character (e.g. 'example.com', regex used for validation is "
                 "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')")
LABEL_MSG = ("a lowercase RFC 1123 label must consist of lower case alphanumeric characters "
             "or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  "
             "or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')")
DNS1035_MSG = ("a DNS-1035 label must consist of lower case alphanumeric characters or '-', "
               "start with an alphabetic character, and end with an alphanumeric character "
               "(e.g. 'my-name',  or 'abc-123', regex used for validation is "
               "'[a-z]([-a-z0-9]*[a-z0-9])?')")


def tmpl(labels=None, restart=None, **spec):
    pod_spec = {"containers": [{"name": "web", "image": "nginx:1.25",
                                "ports": [{"name": "http", "containerPort": 80}]}], **spec}
    if restart:
        pod_spec["restartPolicy"] = restart
    return {"metadata": {"labels": {"app": "web"} if labels is None else labels},
            "spec": pod_spec}


def meta(name="web", **extra):
    return {"name": name, "namespace": "default", **extra}


SEL = {"matchLabels": {"app": "web"}}
BASE = {
    "pods": {"metadata": meta(labels={"app": "web"}), "spec": tmpl()["spec"]},
    "deployments": {"metadata": meta(), "spec": {"selector": SEL, "template": tmpl()}},
    "replicasets": {"metadata": meta(), "spec": {"selector": SEL, "template": tmpl()}},
    "statefulsets": {"metadata": meta(), "spec": {"selector": SEL, "template": tmpl(),
                                                  "serviceName": "web"}},
    "daemonsets": {"metadata": meta(), "spec": {"selector": SEL, "template": tmpl()}},
    "replicationcontrollers": {"metadata": meta(), "spec": {"template": tmpl()}},
    "jobs": {"metadata": meta("pi"), "spec": {
        "manualSelector": True, "selector": {"matchLabels": {"job-name": "pi"}},
        "template": tmpl({"job-name": "pi"}, restart="Never")}},
    "horizontalpodautoscalers": {"apiVersion": "autoscaling/v2", "metadata": meta(), "spec": {
        "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"},
        "minReplicas": 1, "maxReplicas": 10}},
    "services": {"metadata": meta(), "spec": {"selector": {"app": "web"},
                                              "ports": [{"port": 80, "targetPort": 8080}]}},
    "namespaces": {"metadata": {"name": "dev"}},
    "nodes": {"metadata": {"name": "node-1"}, "spec": {}},
    "configmaps": {"metadata": meta(), "data": {"app.conf": "x=1"}},
    "secrets": {"metadata": meta(), "data": {"password": "cGFzcw=="}},
    "persistentvolumeclaims": {"metadata": meta(), "spec": {
        "accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}}},
    "persistentvolumes": {"metadata": {"name": "pv1"}, "spec": {
        "accessModes": ["ReadWriteOnce"], "capacity": {"storage": "1Gi"},
        "hostPath": {"path": "/data"}}},
    "events": {"metadata": meta("web.1"), "involvedObject": {
        "kind": "Pod", "name": "web", "namespace": "default"}, "reason": "Started"},
    "endpoints": {"metadata": meta(), "subsets": [{"addresses": [{"ip": "10.1.0.3"}],
                                                   "ports": [{"port": 80}]}]},
    "endpointslices": {"metadata": meta("web-abc"), "addressType": "IPv4",
                       "endpoints": [{"addresses": ["10.1.0.3"]}], "ports": [{"port": 80}]},
    "leases": {"metadata": meta("node-1"), "spec": {"holderIdentity": "node-1",
                                                    "leaseDurationSeconds": 40}},
    "ingresses": {"metadata": meta(), "spec": {"rules": [{"host": "web.example.com", "http": {
        "paths": [{"path": "/", "pathType": "Prefix", "backend": {
            "service": {"name": "web", "port": {"number": 80}}}}]}}]}},
    "serviceaccounts": {"metadata": meta("default")},
    "bindings": {"metadata": meta(), "target": {"kind": "Node", "name": "node-1"}},
}


def edit(obj, path, value):
    """Set (or, with DEL, remove) ``a.b[0].c``-style ``path`` in ``obj``."""
    parts = re.findall(r"[^.\[\]]+|\[\d+\]", path)
    cur = obj
    for i, part in enumerate(parts):
        last = i == len(parts) - 1
        key = int(part[1:-1]) if part.startswith("[") else part
        if last:
            if value is DEL:
                del cur[key]
            elif isinstance(cur, list) and key == len(cur):
                cur.append(copy.deepcopy(value))
            else:
                cur[key] = copy.deepcopy(value)
        else:
            if isinstance(key, str) and key not in cur:
                cur[key] = {}
            cur = cur[key]
    return obj


def build(resource, edits=None):
    obj = copy.deepcopy(BASE[resource])
    for path, value in (edits or {}).items():
        edit(obj, path, value)
    return defaults.apply_defaults(REGISTRY.lookup(resource), obj)


def check(causes, expected):
    got = sorted((c["field"], c["reason"]) for c in causes)
    want = sorted((f, r) for f, r, *_ in expected)
    assert got == want, causes
    for field, reason, *msg in expected:
        if msg:
            assert msg[0] in [c["message"] for c in causes
                              if (c["field"], c["reason"]) == (field, reason)], causes


@pytest.mark.parametrize("resource", sorted(BASE))
def test_valid_base_objects_pass(resource):
    assert validation.validate(REGISTRY.lookup(resource), build(resource)) == []


REQ, INV, DUP, NSUP, FORB, LONG, NF = ("FieldValueRequired", "FieldValueInvalid",
                                       "FieldValueDuplicate", "FieldValueNotSupported",
                                       "FieldValueForbidden", "FieldValueTooLong",
                                       "FieldValueNotFound")
C0 = "spec.containers[0]"
T0 = "spec.template.spec.containers[0]"

CASES = [
    # ---------------------------------------------------------------- metadata
    ("no-name", "pods", {"metadata.name": DEL},
     [("metadata.name", REQ, "Required value: name or generateName is required")]),
    ("generate-name-only", "pods", {"metadata.name": DEL, "metadata.generateName": "web-"}, []),
    ("bad-generate-name", "pods", {"metadata.generateName": "Web-"},
     [("metadata.generateName", INV, f'Invalid value: "Web-": {SUBDOMAIN_MSG}')]),
    ("bad-name", "pods", {"metadata.name": "Web_1"},
     [("metadata.name", INV, f'Invalid value: "Web_1": {SUBDOMAIN_MSG}')]),
    ("long-name", "deployments", {"metadata.name": "a" * 254},
     [("metadata.name", INV, f'Invalid value: "{"a" * 254}": must be no more than 253 '
                             "characters")]),
    ("service-name-dns1035", "services", {"metadata.name": "1web"},
     [("metadata.name", INV, f'Invalid value: "1web": {DNS1035_MSG}')]),
    ("namespace-name-dots", "namespaces", {"metadata.name": "a.b"},
     [("metadata.name", INV, 'Invalid value: "a.b": must not contain dots')]),
    ("namespace-name-upper", "namespaces", {"metadata.name": "Dev"},
     [("metadata.name", INV, f'Invalid value: "Dev": {LABEL_MSG}')]),
    ("statefulset-name-is-a-label", "statefulsets", {"metadata.name": "web.v1"},
     [("metadata.name", INV)]),
    ("node-name-subdomain-ok", "nodes", {"metadata.name": "node-1.example.com"}, []),
    ("missing-namespace", "pods", {"metadata.namespace": DEL},
     [("metadata.namespace", REQ, "Required value")]),
    ("cluster-scoped-namespace", "nodes", {"metadata.namespace": "default"},
     [("metadata.namespace", FORB, "Forbidden: not allowed on this type")]),
    ("bad-label-key", "pods", {"metadata.labels": {"-app": "web"}},
     [("metadata.labels", INV,
       "Invalid value: \"-app\": name part must consist of alphanumeric characters, '-', '_' "
       "or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or "
       "'my.name',  or '123-abc', regex used for validation is "
       "'([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')")]),
    ("bad-label-prefix", "pods", {"metadata.labels": {"Example.com/app": "web"}},
     [("metadata.labels", INV)]),
    ("long-label-value", "pods", {"metadata.labels": {"app": "x" * 64}},
     [("metadata.labels", INV, f'Invalid value: "{"x" * 64}": must be no more than 63 '
                               "characters")]),
    ("bad-annotation-key", "pods", {"metadata.annotations": {"a/b/c": "x"}},
     [("metadata.annotations", INV)]),
    ("annotation-keys-any-case", "pods", {"metadata.annotations": {"Example.COM/Key": "x"}},
     []),
    ("annotations-too-big", "pods", {"metadata.annotations": {"a": "x" * (256 * 1024)}},
     [("metadata.annotations", LONG, "Too long: may not be more than 262144 bytes")]),
    ("owner-ref-missing-fields", "pods",
     {"metadata.ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet"}]},
     [("metadata.ownerReferences.name", INV, 'Invalid value: "": must not be empty'),
      ("metadata.ownerReferences.uid", INV)]),
    ("owner-ref-two-controllers", "pods", {"metadata.ownerReferences": [
        {"apiVersion": "v1", "kind": "A", "name": "a", "uid": "1", "controller": True},
        {"apiVersion": "v1", "kind": "B", "name": "b", "uid": "2", "controller": True}]},
     [("metadata.ownerReferences", INV)]),
    ("finalizer-not-qualified", "pods", {"metadata.finalizers": ["cleanup"]},
     [("metadata.finalizers[0]", INV, 'Invalid value: "cleanup": name is neither a standard '
                                      "finalizer name nor is it fully qualified")]),
    ("finalizers-ok", "pods", {"metadata.finalizers": ["example.com/x", "foregroundDeletion"]},
     []),
    # ---------------------------------------------------------------- pod spec
    ("no-containers", "pods", {"spec.containers": []},
     [("spec.containers", REQ, "Required value")]),
    ("container-name", "pods", {f"{C0}.name": "Web"},
     [(f"{C0}.name", INV, f'Invalid value: "Web": {LABEL_MSG}')]),
    ("container-name-missing", "pods", {f"{C0}.name": DEL}, [(f"{C0}.name", REQ)]),
    ("duplicate-containers", "pods",
     {"spec.containers[1]": {"name": "web", "image": "x:1"}},
     [("spec.containers[1].name", DUP, 'Duplicate value: "web"')]),
    ("init-container-clash", "pods", {"spec.initContainers": [{"name": "web", "image": "x:1"}]},
     [("spec.initContainers[0].name", DUP)]),
    ("no-image", "pods", {f"{C0}.image": DEL}, [(f"{C0}.image", REQ, "Required value")]),
    ("pod-image-blank", "pods", {f"{C0}.image": " nginx"},
     [(f"{C0}.image", INV, 'Invalid value: " nginx": must not have leading or trailing '
                           "whitespace")]),
    ("port-name-long", "pods", {f"{C0}.ports[0].name": "abcdefghijklmnop"},
     [(f"{C0}.ports[0].name", INV, 'Invalid value: "abcdefghijklmnop": must be no more than '
                                   "15 characters")]),
    ("port-name-digits", "pods", {f"{C0}.ports[0].name": "8080"},
     [(f"{C0}.ports[0].name", INV, 'Invalid value: "8080": must contain at least one letter '
                                   "(a-z)")]),
    ("port-name-duplicate", "pods",
     {f"{C0}.ports[1]": {"name": "http", "containerPort": 81}},
     [(f"{C0}.ports[1].name", DUP)]),
    ("container-port-missing", "pods", {f"{C0}.ports[0].containerPort": DEL},
     [(f"{C0}.ports[0].containerPort", REQ)]),
    ("container-port-range", "pods", {f"{C0}.ports[0].containerPort": 70000},
     [(f"{C0}.ports[0].containerPort", INV,
       "Invalid value: 70000: must be between 1 and 65535, inclusive")]),
    ("host-port-range", "pods", {f"{C0}.ports[0].hostPort": 65536},
     [(f"{C0}.ports[0].hostPort", INV)]),
    ("host-port-conflict", "pods", {f"{C0}.ports[0].hostPort": 80,
                                    f"{C0}.ports[1]": {"containerPort": 81, "hostPort": 80}},
     [(f"{C0}.ports[1].hostPort", DUP, 'Duplicate value: "TCP//80"')]),
    ("protocol", "pods", {f"{C0}.ports[0].protocol": "HTTP"},
     [(f"{C0}.ports[0].protocol", NSUP,
       'Unsupported value: "HTTP": supported values: "SCTP", "TCP", "UDP"')]),
    ("restart-policy", "pods", {"spec.restartPolicy": "Sometimes"},
     [("spec.restartPolicy", NSUP,
       'Unsupported value: "Sometimes": supported values: "Always", "OnFailure", "Never"')]),
    ("dns-policy", "pods", {"spec.dnsPolicy": "Google"}, [("spec.dnsPolicy", NSUP)]),
    ("pull-policy", "pods", {f"{C0}.imagePullPolicy": "Sometimes"},
     [(f"{C0}.imagePullPolicy", NSUP, 'Unsupported value: "Sometimes": supported values: '
                                      '"Always", "IfNotPresent", "Never"')]),
    ("requests-above-limits", "pods",
     {f"{C0}.resources": {"limits": {"cpu": "1"}, "requests": {"cpu": "2"}}},
     [(f"{C0}.resources.requests", INV,
       'Invalid value: "2": must be less than or equal to cpu limit of 1')]),
    ("requests-within-limits", "pods",
     {f"{C0}.resources": {"limits": {"cpu": "1", "memory": "1Gi"},
                          "requests": {"cpu": "500m", "memory": "512Mi"}}}, []),
    ("bad-quantity", "pods", {f"{C0}.resources": {"limits": {"memory": "1Gb"}}},
     [(f"{C0}.resources.limits[memory]", INV),      # requests default to limits
      (f"{C0}.resources.requests[memory]", INV,
       "Invalid value: \"1Gb\": quantities must match the regular expression "
       "'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'")]),
    ("negative-quantity", "pods", {f"{C0}.resources": {"requests": {"cpu": "-1"}}},
     [(f"{C0}.resources.requests[cpu]", INV,
       'Invalid value: "-1": must be greater than or equal to 0')]),
    ("unknown-resource", "pods", {f"{C0}.resources": {"requests": {"gpu": "1"}}},
     [(f"{C0}.resources.requests[gpu]", INV,
       'Invalid value: "gpu": must be a standard resource for containers')]),
    ("extended-resource-needs-limit", "pods",
     {f"{C0}.resources": {"requests": {"example.com/gpu": "1"}}},
     [(f"{C0}.resources.limits", REQ,
       "Required value: Limit must be set for non overcommitable resources")]),
    ("extended-resource-equal", "pods",
     {f"{C0}.resources": {"requests": {"example.com/gpu": "1"},
                          "limits": {"example.com/gpu": "2"}}},
     [(f"{C0}.resources.requests", INV,
       'Invalid value: "1": must be equal to example.com/gpu limit of 2')]),
    ("volume-duplicate", "pods", {"spec.volumes": [{"name": "v", "emptyDir": {}},
                                                   {"name": "v", "emptyDir": {}}]},
     [("spec.volumes[1].name", DUP)]),
    ("volume-two-sources", "pods",
     {"spec.volumes": [{"name": "v", "emptyDir": {}, "hostPath": {"path": "/x"}}]},
     [("spec.volumes[0].emptyDir", FORB, "Forbidden: may not specify more than 1 volume "
                                         "type")]),
    ("volume-configmap-name", "pods", {"spec.volumes": [{"name": "v", "configMap": {}}]},
     [("spec.volumes[0].configMap.name", REQ)]),
    ("volume-mount-unknown", "pods",
     {f"{C0}.volumeMounts": [{"name": "data", "mountPath": "/data"}]},
     [(f"{C0}.volumeMounts[0].name", NF, 'Not found: "data"')]),
    ("volume-mount-ok", "pods",
     {"spec.volumes": [{"name": "data"}],
      f"{C0}.volumeMounts": [{"name": "data", "mountPath": "/data"}]}, []),
    ("volume-mount-path-twice", "pods",
     {"spec.volumes": [{"name": "a"}, {"name": "b"}],
      f"{C0}.volumeMounts": [{"name": "a", "mountPath": "/d"}, {"name": "b", "mountPath": "/d"}]},
     [(f"{C0}.volumeMounts[1].mountPath", INV, 'Invalid value: "/d": must be unique')]),
    ("probe-two-handlers", "pods",
     {f"{C0}.livenessProbe": {"httpGet": {"port": 80}, "tcpSocket": {"port": 80}}},
     [(f"{C0}.livenessProbe.tcpSocket", FORB,
       "Forbidden: may not specify more than 1 handler type")]),
    ("probe-no-handler", "pods", {f"{C0}.readinessProbe": {"periodSeconds": 5}},
     [(f"{C0}.readinessProbe", REQ, "Required value: must specify a handler type")]),
    ("probe-port-name", "pods", {f"{C0}.readinessProbe": {"httpGet": {"port": "http"}}}, []),
    ("liveness-success-threshold", "pods",
     {f"{C0}.livenessProbe": {"exec": {"command": ["true"]}, "successThreshold": 2}},
     [(f"{C0}.livenessProbe.successThreshold", INV, "Invalid value: 2: must be 1")]),
    ("probe-exec-command", "pods", {f"{C0}.livenessProbe": {"exec": {}}},
     [(f"{C0}.livenessProbe.exec.command", REQ)]),
    ("probe-negative", "pods", {f"{C0}.readinessProbe": {"tcpSocket": {"port": 80},
                                                          "initialDelaySeconds": -1}},
     [(f"{C0}.readinessProbe.initialDelaySeconds", INV)]),
    ("env-name", "pods", {f"{C0}.env": [{"name": "1BAD", "value": "x"}]},
     [(f"{C0}.env[0].name", INV)]),
    ("env-name-dots-ok", "pods", {f"{C0}.env": [{"name": "my.env-name", "value": "x"}]}, []),
    ("env-value-from-empty", "pods", {f"{C0}.env": [{"name": "A", "valueFrom": {}}]},
     [(f"{C0}.env[0].valueFrom", INV, 'Invalid value: "": must specify one of: `fieldRef`, '
                                      "`resourceFieldRef`, `configMapKeyRef` or "
                                      "`secretKeyRef`")]),
    ("env-field-path", "pods", {f"{C0}.env": [{"name": "A", "valueFrom": {
        "fieldRef": {"fieldPath": "spec.foo"}}}]},
     [(f"{C0}.env[0].valueFrom.fieldRef.fieldPath", NSUP)]),
    ("env-from-empty", "pods", {f"{C0}.envFrom": [{}]}, [(f"{C0}.envFrom", INV)]),
    ("active-deadline", "pods", {"spec.activeDeadlineSeconds": 0},
     [("spec.activeDeadlineSeconds", INV,
       "Invalid value: 0: must be between 1 and 2147483647, inclusive")]),
    ("node-name", "pods", {"spec.nodeName": "Node_1"}, [("spec.nodeName", INV)]),
    ("node-selector", "pods", {"spec.nodeSelector": {"disk": "ssd!"}},
     [("spec.nodeSelector", INV)]),
    ("toleration-empty-key", "pods", {"spec.tolerations": [{"operator": "Equal",
                                                            "value": "x"}]},
     [("spec.tolerations[0].operator", INV)]),
    ("toleration-ok", "pods", {"spec.tolerations": [{"key": "k", "operator": "Exists",
                                                     "effect": "NoExecute",
                                                     "tolerationSeconds": 300}]}, []),
    ("init-container-probe", "pods", {"spec.initContainers": [
        {"name": "init", "image": "x:1", "livenessProbe": {"exec": {"command": ["true"]}}}]},
     [("spec.initContainers[0].livenessProbe", FORB)]),
    ("sidecar-probe-ok", "pods", {"spec.initContainers": [
        {"name": "side", "image": "x:1", "restartPolicy": "Always",
         "livenessProbe": {"exec": {"command": ["true"]}}}]}, []),
    ("container-restart-policy", "pods", {f"{C0}.restartPolicy": "Always"},
     [(f"{C0}.restartPolicy", FORB, "Forbidden: may not be set for non-init containers")]),
    # ---------------------------------------------------------------- Deployment
    ("deploy-no-selector", "deployments", {"spec.selector": DEL},
     [("spec.selector", REQ, "Required value"),
      ("spec.template.metadata.labels", INV,
       'Invalid value: {"app":"web"}: `selector` does not match template `labels`')]),
    ("deploy-selector-mismatch", "deployments", {"spec.selector.matchLabels": {"app": "db"}},
     [("spec.template.metadata.labels", INV,
       'Invalid value: {"app":"web"}: `selector` does not match template `labels`')]),
    ("deploy-selector-expressions", "deployments", {"spec.selector": {"matchExpressions": [
        {"key": "app", "operator": "In", "values": ["web", "api"]}]}}, []),
    ("deploy-selector-expressions-mismatch", "deployments", {"spec.selector": {
        "matchExpressions": [{"key": "app", "operator": "NotIn", "values": ["web"]}]}},
     [("spec.template.metadata.labels", INV)]),
    ("deploy-empty-selector", "deployments", {"spec.selector": {}},
     [("spec.selector", INV, "Invalid value: {}: empty selector is invalid for deployment")]),
    ("deploy-bad-selector-operator", "deployments", {"spec.selector": {"matchExpressions": [
        {"key": "app", "operator": "Like", "values": ["web"]}]}},
     [("spec.selector.matchExpressions[0].operator", INV),
      ("spec.selector", INV)]),
    ("deploy-negative-replicas", "deployments", {"spec.replicas": -1},
     [("spec.replicas", INV, "Invalid value: -1: must be greater than or equal to 0")]),
    ("deploy-replicas-not-int", "deployments", {"spec.replicas": "3"},
     [("spec.replicas", INV, 'Invalid value: "3": must be an integer')]),
    ("deploy-restart-policy", "deployments", {"spec.template.spec.restartPolicy": "OnFailure"},
     [("spec.template.spec.restartPolicy", NSUP,
       'Unsupported value: "OnFailure": supported values: "Always"')]),
    ("deploy-active-deadline", "deployments",
     {"spec.template.spec.activeDeadlineSeconds": 10},
     [("spec.template.spec.activeDeadlineSeconds", FORB,
       "Forbidden: activeDeadlineSeconds in ReplicaSet is not Supported")]),
    ("deploy-recreate-with-rolling", "deployments",
     {"spec.strategy": {"type": "Recreate", "rollingUpdate": {"maxSurge": 1}}},
     [("spec.strategy.rollingUpdate", FORB,
       "Forbidden: may not be specified when strategy `type` is 'Recreate'")]),
    ("deploy-both-zero", "deployments",
     {"spec.strategy.rollingUpdate": {"maxSurge": 0, "maxUnavailable": "0%"}},
     [("spec.strategy.rollingUpdate.maxUnavailable", INV,
       'Invalid value: "0%": may not be 0 when `maxSurge` is 0')]),
    ("deploy-over-100", "deployments", {"spec.strategy.rollingUpdate.maxUnavailable": "120%"},
     [("spec.strategy.rollingUpdate.maxUnavailable", INV,
       'Invalid value: "120%": must not be greater than 100%')]),
    ("deploy-bad-percent", "deployments", {"spec.strategy.rollingUpdate.maxSurge": "abc"},
     [("spec.strategy.rollingUpdate.maxSurge", INV,
       "Invalid value: \"abc\": a valid percent string must be a numeric string followed by "
       "an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')")]),
    ("deploy-negative-surge", "deployments", {"spec.strategy.rollingUpdate.maxSurge": -1},
     [("spec.strategy.rollingUpdate.maxSurge", INV)]),
    ("deploy-strategy-type", "deployments", {"spec.strategy": {"type": "BlueGreen"}},
     [("spec.strategy", NSUP, 'Unsupported value: {"type":"BlueGreen"}: supported values: '
                              '"Recreate", "RollingUpdate"')]),
    ("deploy-progress-deadline", "deployments",
     {"spec.progressDeadlineSeconds": 10, "spec.minReadySeconds": 10},
     [("spec.progressDeadlineSeconds", INV,
       "Invalid value: 10: must be greater than minReadySeconds")]),
    ("deploy-template-image", "deployments", {f"{T0}.image": DEL},
     [(f"{T0}.image", REQ, "Required value")]),
    ("deploy-template-no-containers", "deployments", {"spec.template.spec.containers": []},
     [("spec.template.spec.containers", REQ)]),
    ("deploy-template-label", "deployments",
     {"spec.template.metadata.labels": {"app": "web", "bad key": "x"}},
     [("spec.template.labels", INV)]),
    # ---------------------------------------------------------------- ReplicaSet
    ("rs-no-selector", "replicasets", {"spec.selector": DEL},
     [("spec.selector", REQ), ("spec.template.metadata.labels", INV)]),
    ("rs-empty-selector", "replicasets", {"spec.selector": {}},
     [("spec.selector", INV, "Invalid value: {}: empty selector is invalid for deployment")]),
    ("rs-restart-never", "replicasets", {"spec.template.spec.restartPolicy": "Never"},
     [("spec.template.spec.restartPolicy", NSUP)]),
    # ---------------------------------------------------------------- StatefulSet
    ("sts-empty-selector", "statefulsets", {"spec.selector": {}},
     [("spec.selector", INV, "Invalid value: {}: empty selector is invalid for statefulset")]),
    ("sts-mismatch", "statefulsets", {"spec.selector.matchLabels": {"app": "db"}},
     [("spec.template.metadata.labels", INV)]),
    ("sts-pod-management", "statefulsets", {"spec.podManagementPolicy": "Random"},
     [("spec.podManagementPolicy", INV,
       "Invalid value: \"Random\": must be 'OrderedReady' or 'Parallel'")]),
    ("sts-ondelete-rolling", "statefulsets",
     {"spec.updateStrategy": {"type": "OnDelete", "rollingUpdate": {"partition": 1}}},
     [("spec.updateStrategy.rollingUpdate", INV)]),
    ("sts-negative-partition", "statefulsets",
     {"spec.updateStrategy.rollingUpdate.partition": -1},
     [("spec.updateStrategy.rollingUpdate.partition", INV)]),
    ("sts-retention", "statefulsets",
     {"spec.persistentVolumeClaimRetentionPolicy.whenDeleted": "Keep"},
     [("spec.persistentVolumeClaimRetentionPolicy.whenDeleted", NSUP)]),
    ("sts-restart", "statefulsets", {"spec.template.spec.restartPolicy": "OnFailure"},
     [("spec.template.spec.restartPolicy", NSUP)]),
    # ---------------------------------------------------------------- DaemonSet
    ("ds-no-selector", "daemonsets", {"spec.selector": DEL},
     [("spec.template.metadata.labels", INV)]),
    ("ds-empty-selector", "daemonsets", {"spec.selector": {}},
     [("spec.selector", INV, "Invalid value: {}: empty selector is invalid for daemonset")]),
    ("ds-both-nonzero", "daemonsets", {"spec.updateStrategy.rollingUpdate.maxSurge": 1},
     [("spec.updateStrategy.rollingUpdate.maxSurge", INV,
       "Invalid value: 1: may not be set when maxUnavailable is non-zero")]),
    ("ds-both-zero", "daemonsets", {"spec.updateStrategy.rollingUpdate.maxUnavailable": 0},
     [("spec.updateStrategy.rollingUpdate.maxUnavailable", REQ,
       "Required value: cannot be 0 when maxSurge is 0")]),
    ("ds-surge-only", "daemonsets", {"spec.updateStrategy.rollingUpdate": {
        "maxUnavailable": 0, "maxSurge": "10%"}}, []),
    ("ds-strategy", "daemonsets", {"spec.updateStrategy": {"type": "Fast"}},
     [("spec.updateStrategy", NSUP)]),
    ("ds-restart", "daemonsets", {"spec.template.spec.restartPolicy": "Never"},
     [("spec.template.spec.restartPolicy", NSUP)]),
    # ---------------------------------------------------------------- RC
    ("rc-mismatch", "replicationcontrollers", {"spec.selector": {"app": "db"}},
     [("spec.template.metadata.labels", INV)]),
    ("rc-no-template", "replicationcontrollers",
     {"spec.template": DEL, "spec.selector": {"app": "web"}},
     [("spec.template", REQ)]),
    ("rc-no-selector", "replicationcontrollers", {"spec.template.metadata.labels": DEL},
     [("spec.selector", REQ)]),
    ("rc-restart", "replicationcontrollers", {"spec.template.spec.restartPolicy": "Never"},
     [("spec.template.spec.restartPolicy", NSUP)]),
    # ---------------------------------------------------------------- Job
    ("job-no-restart-policy", "jobs", {"spec.template.spec.restartPolicy": DEL},
     [("spec.template.spec.restartPolicy", REQ,
       'Required value: valid values: "OnFailure", "Never"')]),
    ("job-restart-always", "jobs", {"spec.template.spec.restartPolicy": "Always"},
     [("spec.template.spec.restartPolicy", REQ)]),
    ("job-restart-on-failure", "jobs", {"spec.template.spec.restartPolicy": "OnFailure"}, []),
    ("job-restart-unknown", "jobs", {"spec.template.spec.restartPolicy": "Sometimes"},
     [("spec.template.spec.restartPolicy", NSUP,
       'Unsupported value: "Sometimes": supported values: "Always", "OnFailure", "Never"'),
      ("spec.template.spec.restartPolicy", NSUP,
       'Unsupported value: "Sometimes": supported values: "OnFailure", "Never"')]),
    ("job-negative-completions", "jobs", {"spec.completions": -1},
     [("spec.completions", INV)]),
    ("job-negative-parallelism", "jobs", {"spec.parallelism": -2},
     [("spec.parallelism", INV)]),
    ("job-negative-backoff", "jobs", {"spec.backoffLimit": -1}, [("spec.backoffLimit", INV)]),
    ("job-completion-mode", "jobs", {"spec.completionMode": "Sometimes"},
     [("spec.completionMode", NSUP,
       'Unsupported value: "Sometimes": supported values: "NonIndexed", "Indexed"')]),
    ("job-indexed-needs-completions", "jobs",
     {"spec.completionMode": "Indexed", "spec.parallelism": 2, "spec.completions": None},
     [("spec.completions", REQ, "Required value: when completion mode is Indexed")]),
    ("job-indexed-ok", "jobs", {"spec.completionMode": "Indexed", "spec.completions": 3}, []),
    ("job-no-selector", "jobs", {"spec.selector": DEL},
     [("spec.selector", REQ), ("spec.template.metadata.labels", INV)]),
    ("job-selector-mismatch", "jobs", {"spec.selector.matchLabels": {"job-name": "x"}},
     [("spec.template.metadata.labels", INV)]),
    ("job-template-image", "jobs", {f"{T0}.image": ""}, [(f"{T0}.image", REQ)]),
    # ---------------------------------------------------------------- HPA
    ("hpa-max-zero", "horizontalpodautoscalers", {"spec.maxReplicas": 0},
     [("spec.maxReplicas", INV, "Invalid value: 0: must be greater than 0"),
      ("spec.maxReplicas", INV, "Invalid value: 0: must be greater than or equal to "
                                "`minReplicas`")]),
    ("hpa-min-zero", "horizontalpodautoscalers", {"spec.minReplicas": 0},
     [("spec.minReplicas", INV, "Invalid value: 0: must be greater than or equal to 1")]),
    ("hpa-min-above-max", "horizontalpodautoscalers", {"spec.minReplicas": 11},
     [("spec.maxReplicas", INV)]),
    ("hpa-no-target-name", "horizontalpodautoscalers", {"spec.scaleTargetRef.name": DEL},
     [("spec.scaleTargetRef.name", REQ)]),
    ("hpa-no-target-kind", "horizontalpodautoscalers", {"spec.scaleTargetRef.kind": ""},
     [("spec.scaleTargetRef.kind", REQ)]),
    ("hpa-target-slash", "horizontalpodautoscalers", {"spec.scaleTargetRef.name": "a/b"},
     [("spec.scaleTargetRef.name", INV, "Invalid value: \"a/b\": may not contain '/'")]),
    ("hpa-utilization-zero", "horizontalpodautoscalers", {"spec.metrics": [
        {"type": "Resource", "resource": {"name": "cpu", "target": {
            "type": "Utilization", "averageUtilization": 0}}}]},
     [("spec.metrics[0].resource.target.averageUtilization", INV)]),
    ("hpa-metric-type", "horizontalpodautoscalers", {"spec.metrics": [{"type": "Magic"}]},
     [("spec.metrics[0].type", NSUP)]),
    ("hpa-metric-missing-source", "horizontalpodautoscalers",
     {"spec.metrics": [{"type": "Pods"}]}, [("spec.metrics[0].pods", REQ)]),
    ("hpa-memory-value-ok", "horizontalpodautoscalers", {"spec.metrics": [
        {"type": "Resource", "resource": {"name": "memory", "target": {
            "type": "AverageValue", "averageValue": "500Mi"}}}]}, []),
    # ---------------------------------------------------------------- Service
    ("svc-no-ports", "services", {"spec.ports": DEL},
     [("spec.ports", REQ, "Required value")]),
    ("svc-headless-no-ports", "services", {"spec.ports": DEL, "spec.clusterIP": "None"}, []),
    ("svc-externalname", "services",
     {"spec": {"type": "ExternalName", "externalName": "db.example.com"}}, []),
    ("svc-externalname-missing", "services", {"spec": {"type": "ExternalName"}},
     [("spec.externalName", REQ)]),
    ("svc-port-zero", "services", {"spec.ports[0].port": 0},
     [("spec.ports[0].port", INV, "Invalid value: 0: must be between 1 and 65535, inclusive")]),
    ("svc-target-port-name", "services", {"spec.ports[0].targetPort": "http"}, []),
    ("svc-target-port-bad-name", "services", {"spec.ports[0].targetPort": "HTTP"},
     [("spec.ports[0].targetPort", INV, 'Invalid value: "HTTP": must contain only '
                                        "alpha-numeric characters (a-z, 0-9), and hyphens (-)"),
      ("spec.ports[0].targetPort", INV,
       'Invalid value: "HTTP": must contain at least one letter (a-z)')]),
    ("svc-unnamed-ports", "services", {"spec.ports[1]": {"port": 443}},
     [("spec.ports[0].name", REQ), ("spec.ports[1].name", REQ)]),
    ("svc-duplicate-port-names", "services", {"spec.ports": [
        {"name": "web", "port": 80}, {"name": "web", "port": 443}]},
     [("spec.ports[1].name", DUP)]),
    ("svc-duplicate-ports", "services", {"spec.ports": [
        {"name": "a", "port": 80}, {"name": "b", "port": 80}]},
     [("spec.ports[1]", DUP)]),
    ("svc-type", "services", {"spec.type": "Magic"},
     [("spec.type", NSUP, 'Unsupported value: "Magic": supported values: "ClusterIP", '
                          '"ExternalName", "LoadBalancer", "NodePort"')]),
    ("svc-affinity", "services", {"spec.sessionAffinity": "Sticky"},
     [("spec.sessionAffinity", NSUP)]),
    ("svc-cluster-ip", "services", {"spec.clusterIP": "10.0.0.300"},
     [("spec.clusterIPs[0]", INV)]),
    ("svc-node-port-on-cluster-ip", "services", {"spec.ports[0].nodePort": 30080},
     [("spec.ports[0].nodePort", FORB,
       "Forbidden: may not be used when `type` is 'ClusterIP'")]),
    ("svc-node-port-range", "services", {"spec.type": "NodePort",
                                         "spec.ports[0].nodePort": 70000},
     [("spec.ports[0].nodePort", INV,
       "Invalid value: 70000: must be between 0 and 65535, inclusive")]),
    ("svc-nodeport-headless", "services", {"spec.type": "NodePort", "spec.clusterIP": "None"},
     [("spec.clusterIPs[0]", INV)]),
    ("svc-selector-label", "services", {"spec.selector": {"app": "we b"}},
     [("spec.selector", INV)]),
    # ---------------------------------------------------------------- the rest
    ("cm-key", "configmaps", {"data": {"a b": "x"}}, [("data[a b]", INV)]),
    ("cm-dot-key", "configmaps", {"data": {"..x": "x"}},
     [("data[..x]", INV, "Invalid value: \"..x\": must not start with '..'")]),
    ("cm-too-big", "configmaps", {"data": {"a": "x" * (1024 * 1024 + 1)}},
     [("", LONG, "Too long: may not be more than 1048576 bytes")]),
    ("cm-duplicate-binary", "configmaps", {"binaryData": {"app.conf": "eA=="}},
     [("data[app.conf]", INV)]),
    ("secret-key", "secrets", {"data": {"a/b": "eA=="}}, [("data[a/b]", INV)]),
    ("secret-tls", "secrets", {"type": "kubernetes.io/tls"},
     [("data[tls.key]", REQ), ("data[tls.crt]", REQ)]),
    ("secret-string-data", "secrets", {"stringData": {"user": "admin"}}, []),
    ("pvc-no-modes", "persistentvolumeclaims", {"spec.accessModes": DEL},
     [("spec.accessModes", REQ, "Required value: at least 1 access mode is required")]),
    ("pvc-bad-mode", "persistentvolumeclaims", {"spec.accessModes": ["RWO"]},
     [("spec.accessModes", NSUP)]),
    ("pvc-no-storage", "persistentvolumeclaims", {"spec.resources": DEL},
     [("spec.resources[storage]", REQ)]),
    ("pvc-zero-storage", "persistentvolumeclaims", {"spec.resources.requests.storage": "0"},
     [("spec.resources[storage]", INV, 'Invalid value: "0": must be greater than zero')]),
    ("pv-no-capacity", "persistentvolumes", {"spec.capacity": DEL},
     [("spec.capacity", REQ), ("spec.capacity", NSUP)]),
    ("pv-no-source", "persistentvolumes", {"spec.hostPath": DEL},
     [("spec", REQ, "Required value: must specify a volume type")]),
    ("pv-reclaim", "persistentvolumes", {"spec.persistentVolumeReclaimPolicy": "Keep"},
     [("spec.persistentVolumeReclaimPolicy", NSUP)]),
    ("event-namespace", "events", {"involvedObject.namespace": "other"},
     [("involvedObject.namespace", INV,
       'Invalid value: "other": does not match event.namespace')]),
    ("event-cluster-object", "events", {"involvedObject": {"kind": "Node", "name": "n1"}}, []),
    ("endpoints-ip", "endpoints", {"subsets[0].addresses[0].ip": "nope"},
     [("subsets[0].addresses[0].ip", INV)]),
    ("endpointslice-type", "endpointslices", {"addressType": "IPv5"},
     [("addressType", NSUP)]),
    ("lease-duration", "leases", {"spec.leaseDurationSeconds": 0},
     [("spec.leaseDurationSeconds", INV, "Invalid value: 0: must be greater than 0")]),
    ("ingress-path-type", "ingresses", {"spec.rules[0].http.paths[0].pathType": DEL},
     [("spec.rules[0].http.paths[0].pathType", REQ,
       "Required value: pathType must be specified")]),
    ("ingress-empty", "ingresses", {"spec": {}}, [("spec", INV)]),
    ("ingress-backend-port", "ingresses",
     {"spec.rules[0].http.paths[0].backend.service.port": {}},
     [("spec.rules[0].http.paths[0].backend.service.port", REQ)]),
    ("binding-target", "bindings", {"target.name": DEL}, [("target.name", REQ)]),
    ("binding-kind", "bindings", {"target.kind": "Pod"},
     [("target.kind", NSUP, 'Unsupported value: "Pod": supported values: "Node", "<empty>"')]),
    ("node-taint", "nodes", {"spec.taints": [{"key": "k", "effect": "Never"}]},
     [("spec.taints[0].effect", NSUP)]),
]


@pytest.mark.parametrize("case,resource,edits,expected", CASES, ids=[c[0] for c in CASES])
def test_validate(case, resource, edits, expected):
    obj = build(resource, edits)
    check(validation.validate(REGISTRY.lookup(resource), obj), expected)


def test_hpa_v1_object_is_validated_as_v2():
    hpa = {"apiVersion": "autoscaling/v1", "metadata": meta(), "spec": {
        "scaleTargetRef": {"kind": "Deployment", "name": "web"}, "maxReplicas": 3,
        "targetCPUUtilizationPercentage": 0}}
    causes = validation.validate(REGISTRY.lookup("hpa"), hpa)
    check(causes, [("spec.metrics[0].resource.target.averageUtilization", INV)])


# ---------------------------------------------------------------- updates

UPDATES = [
    ("meta-name", "deployments", {"metadata.name": "other"},
     [("metadata.name", INV, 'Invalid value: "other": field is immutable')]),
    ("meta-uid", "deployments", {"metadata.uid": "2"}, [("metadata.uid", INV)]),
    ("meta-creation", "deployments", {"metadata.creationTimestamp": "2030-01-01T00:00:00Z"},
     [("metadata.creationTimestamp", INV)]),
    ("meta-generation-back", "deployments", {"metadata.generation": 0},
     [("metadata.generation", INV, "Invalid value: 0: must not be decremented")]),
    ("meta-labels-ok", "deployments", {"metadata.labels": {"tier": "web"}}, []),
    ("deploy-replicas", "deployments", {"spec.replicas": 5}, []),
    ("deploy-image", "deployments", {f"{T0}.image": "nginx:1.26"}, []),
    ("deploy-selector", "deployments", {"spec.selector.matchLabels": {"app": "web",
                                                                      "v": "2"}},
     [("spec.selector", INV), ("spec.template.metadata.labels", INV)]),
    ("deploy-selector-only", "deployments",
     {"spec.selector.matchLabels": {"app": "web", "v": "2"},
      "spec.template.metadata.labels": {"app": "web", "v": "2"}},
     [("spec.selector", INV, 'Invalid value: {"matchLabels":{"app":"web","v":"2"}}: field is '
                             "immutable")]),
    ("rs-selector", "replicasets", {"spec.selector": {"matchLabels": {"app": "web",
                                                                      "x": "y"}},
                                    "spec.template.metadata.labels.x": "y"},
     [("spec.selector", INV)]),
    ("ds-selector", "daemonsets", {"spec.selector": {"matchLabels": {"app": "web",
                                                                     "x": "y"}},
                                   "spec.template.metadata.labels.x": "y"},
     [("spec.selector", INV)]),
    ("sts-replicas-template", "statefulsets",
     {"spec.replicas": 3, f"{T0}.image": "nginx:2", "spec.minReadySeconds": 5}, []),
    ("sts-service-name", "statefulsets", {"spec.serviceName": "other"},
     [("spec", FORB, "Forbidden: updates to statefulset spec for fields other than "
                     "'replicas', 'ordinals', 'template', 'updateStrategy', "
                     "'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are "
                     "forbidden")]),
    ("job-template", "jobs", {f"{T0}.image": "perl:2"},
     [("spec.template", INV)]),
    ("job-selector", "jobs", {"spec.selector.matchLabels.x": "y",
                              "spec.template.metadata.labels.x": "y"},
     [("spec.selector", INV), ("spec.template", INV)]),
    ("job-completions", "jobs", {"spec.completions": 3},
     [("spec.completions", INV, "Invalid value: 3: field is immutable")]),
    ("job-parallelism", "jobs", {"spec.parallelism": 4}, []),
    ("svc-cluster-ip", "services", {"spec.clusterIP": "10.0.0.11",
                                    "spec.clusterIPs": ["10.0.0.11"]},
     [("spec.clusterIPs[0]", INV, 'Invalid value: ["10.0.0.11"]: may not change once set')]),
    ("svc-cluster-ip-unset", "services", {"spec.clusterIP": DEL, "spec.clusterIPs": DEL},
     [("spec.clusterIPs[0]", INV)]),
    ("svc-to-externalname", "services",
     {"spec": {"type": "ExternalName", "externalName": "db.example.com"}}, []),
    ("svc-ports", "services", {"spec.ports[0].port": 81}, []),
    ("pvc-modes", "persistentvolumeclaims", {"spec.accessModes": ["ReadWriteMany"]},
     [("spec", FORB)]),
    ("pvc-volume-name-once", "persistentvolumeclaims", {"spec.volumeName": "pv1"}, []),
    ("pvc-shrink", "persistentvolumeclaims", {"spec.resources.requests.storage": "512Mi",
                                              "status.phase": "Bound"},
     [("spec.resources.requests.storage", FORB)]),
    ("pvc-grow-unbound", "persistentvolumeclaims",
     {"spec.resources.requests.storage": "2Gi"}, [("spec", FORB)]),
    ("pvc-grow-bound", "persistentvolumeclaims", {"spec.resources.requests.storage": "2Gi",
                                                  "status.phase": "Bound"}, []),
    ("secret-type", "secrets", {"type": "kubernetes.io/basic-auth", "data.username": "eA=="},
     [("type", INV)]),
    ("cm-data", "configmaps", {"data.x": "y"}, []),
    ("pod-image", "pods", {f"{C0}.image": "nginx:1.26"}, []),
    ("pod-port", "pods", {f"{C0}.ports[0].containerPort": 81},
     [("spec", FORB, "Forbidden: pod updates may not change fields other than "
                     "`spec.containers[*].image`,`spec.initContainers[*].image`,"
                     "`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to "
                     "existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to "
                     "be set to 1 if it was previously negative)")]),
    ("pod-add-container", "pods", {"spec.containers[1]": {"name": "b", "image": "x:1"}},
     [("spec.containers", FORB, "Forbidden: pod updates may not add or remove containers")]),
    ("pod-deadline", "pods", {"spec.activeDeadlineSeconds": 60}, []),
    ("pod-add-toleration", "pods", {"spec.tolerations": [{"key": "k", "operator": "Exists"}]},
     []),
    ("pod-labels", "pods", {"metadata.labels.v": "2"}, []),
]


def stored(resource):
    obj = build(resource)
    obj["metadata"].update(uid="1", creationTimestamp="2024-01-01T00:00:00Z", generation=1,
                           resourceVersion="5")
    if resource == "services":      # allocated at create
        obj["spec"].update(clusterIP="10.0.0.10", clusterIPs=["10.0.0.10"])
    return obj


@pytest.mark.parametrize("case,resource,edits,expected", UPDATES, ids=[u[0] for u in UPDATES])
def test_validate_update(case, resource, edits, expected):
    old = stored(resource)
    new = copy.deepcopy(old)
    for path, value in edits.items():
        edit(new, path, value)
    new = defaults.apply_defaults(REGISTRY.lookup(resource), new)
    check(validation.validate(REGISTRY.lookup(resource), new, old), expected)


def test_svc_cluster_ip_set_once():
    kind = REGISTRY.lookup("svc")
    old = stored("services")
    new = copy.deepcopy(old)
    new["spec"]["ports"][0]["port"] = 8080
    assert validation.validate(kind, new, old) == []


def test_pod_deadline_may_only_shrink():
    kind = REGISTRY.lookup("pods")
    old = stored("pods")
    old["spec"]["activeDeadlineSeconds"] = 60
    new = copy.deepcopy(old)
    new["spec"]["activeDeadlineSeconds"] = 30
    assert validation.validate(kind, new, old) == []
    new["spec"]["activeDeadlineSeconds"] = 90
    check(validation.validate(kind, new, old), [
        ("spec.activeDeadlineSeconds", INV,
         "Invalid value: 90: must be less than or equal to previous value")])


def test_pod_toleration_removal_forbidden():
    kind = REGISTRY.lookup("pods")
    old = stored("pods")
    old["spec"]["tolerations"] = [{"key": "k", "operator": "Exists"}]
    new = copy.deepcopy(old)
    new["spec"]["tolerations"] = []
    check(validation.validate(kind, new, old), [
        ("spec.tolerations", FORB,
         "Forbidden: existing toleration can not be modified except its tolerationSeconds")])


def test_suspended_job_may_change_scheduling_directives():
    kind = REGISTRY.lookup("jobs")
    old = stored("jobs")
    old["spec"]["suspend"] = True
    new = copy.deepcopy(old)
    new["spec"]["template"]["spec"]["nodeSelector"] = {"disk": "ssd"}
    new["spec"]["template"]["metadata"]["labels"]["extra"] = "x"
    assert validation.validate(kind, new, old) == []
    new["spec"]["template"]["spec"]["containers"][0]["image"] = "other:1"
    check(validation.validate(kind, new, old), [("spec.template", INV)])


def test_finalizers_cannot_be_added_while_deleting():
    kind = REGISTRY.lookup("cm")
    old = stored("configmaps")
    old["metadata"]["deletionTimestamp"] = "2024-01-02T00:00:00Z"
    new = copy.deepcopy(old)
    new["metadata"]["finalizers"] = ["example.com/x"]
    check(validation.validate(kind, new, old), [
        ("metadata.finalizers", FORB, "Forbidden: no new finalizers can be added if the object "
         'is being deleted, found new finalizers []string{"example.com/x"}')])


def test_immutable_configmap():
    kind = REGISTRY.lookup("cm")
    old = stored("configmaps")
    old["immutable"] = True
    new = copy.deepcopy(old)
    assert validation.validate(kind, new, old) == []
    new["data"] = {"k": "v"}
    check(validation.validate(kind, new, old), [
        ("data", FORB, "Forbidden: field is immutable when `immutable` is set")])


# ---------------------------------------------------------------- status & scale

@pytest.mark.parametrize("resource,status,expected", [
    ("deployments", {"replicas": 3, "readyReplicas": 3, "availableReplicas": 2}, []),
    ("deployments", {"replicas": 1, "readyReplicas": 2, "availableReplicas": 2},
     [("status.readyReplicas", INV, "Invalid value: 2: cannot be greater than status.replicas"),
      ("status.availableReplicas", INV)]),
    ("replicasets", {"replicas": -1}, [("status.replicas", INV)]),
    ("statefulsets", {"replicas": 2, "availableReplicas": 2, "readyReplicas": 1},
     [("status.availableReplicas", INV, "Invalid value: 2: cannot be greater than "
                                        "readyReplicas")]),
    ("daemonsets", {"numberReady": -1}, [("status.numberReady", INV)]),
    ("jobs", {"active": 1, "ready": 2},
     [("status.ready", INV, "Invalid value: 2: cannot set more ready pods than active")]),
    ("horizontalpodautoscalers", {"currentReplicas": -1}, [("status.currentReplicas", INV)]),
    ("pods", {"phase": "Running", "podIPs": [{"ip": "10.1.0.4"}]}, []),
    ("pods", {"podIPs": [{"ip": "x"}]}, [("status.podIPs[0]", INV)]),
])
def test_validate_status(resource, status, expected):
    kind = REGISTRY.lookup(resource)
    old = stored(resource)
    new = dict(copy.deepcopy(old), status=status)
    check(validation.validate_status(kind, new, old), expected)


def test_status_write_may_not_bind_a_pod():
    kind = REGISTRY.lookup("pods")
    old = stored("pods")
    new = copy.deepcopy(old)
    new["spec"]["nodeName"] = "node-1"
    check(validation.validate_status(kind, new, old),
          [("status.nodeName", FORB, "Forbidden: may not be changed directly")])


@pytest.mark.parametrize("replicas,expected", [
    (0, []), (3, []),
    (-1, [("spec.replicas", INV, "Invalid value: -1: must be greater than or equal to 0")]),
    ("3", [("spec.replicas", INV)]), (None, [("spec.replicas", INV)]),
    (True, [("spec.replicas", INV)]),
])
def test_validate_scale(replicas, expected):
    check(validation.validate_scale(replicas), expected)


# ---------------------------------------------------------------- robustness

@pytest.mark.parametrize("resource", sorted(BASE))
@pytest.mark.parametrize("garbage", [
    {}, {"metadata": None}, {"metadata": "x"}, {"spec": []}, {"spec": {"template": 3}},
    {"metadata": meta(), "spec": {"containers": [None, 1, {"ports": "x"}],
                                  "template": {"spec": {"containers": "x"}}}},
    {"metadata": meta(labels=[1]), "spec": {"selector": "app=web", "ports": [None]}},
])
def test_garbage_yields_causes_not_exceptions(resource, garbage):
    kind = REGISTRY.lookup(resource)
    assert isinstance(validation.validate(kind, copy.deepcopy(garbage)), list)
    assert isinstance(validation.validate(kind, copy.deepcopy(garbage), build(resource)), list)
    assert isinstance(validation.validate_status(kind, copy.deepcopy(garbage),
                                                 build(resource)), list)


# ---------------------------------------------------------------- names

@pytest.mark.parametrize("fn,value,ok", [
    (names.is_dns1123_label, "my-name", True),
    (names.is_dns1123_label, "123-abc", True),
    (names.is_dns1123_label, "a" * 63, True),
    (names.is_dns1123_label, "a" * 64, False),
    (names.is_dns1123_label, "-a", False),
    (names.is_dns1123_label, "a.b", False),
    (names.is_dns1123_subdomain, "a.b-c.d", True),
    (names.is_dns1123_subdomain, "a..b", False),
    (names.is_dns1123_subdomain, "A", False),
    (names.is_dns1035_label, "abc-123", True),
    (names.is_dns1035_label, "1abc", False),
    (names.is_qualified_name, "example.com/My_name.1", True),
    (names.is_qualified_name, "app", True),
    (names.is_qualified_name, "/app", False),
    (names.is_qualified_name, "a/b/c", False),
    (names.is_qualified_name, "x" * 64, False),
    (names.is_valid_label_value, "", True),
    (names.is_valid_label_value, "v1.2_3", True),
    (names.is_valid_label_value, "v1 ", False),
    (names.is_c_identifier, "_my_VAR1", True),
    (names.is_c_identifier, "1x", False),
    (names.is_env_var_name, "my.env-name", True),
    (names.is_env_var_name, "..", False),
    (names.is_config_map_key, "key.name", True),
    (names.is_config_map_key, "a/b", False),
    (names.is_valid_port_name, "http-alt", True),
    (names.is_valid_port_name, "-http", False),
    (names.is_valid_port_name, "ht--tp", False),
    (names.is_valid_percent, "25%", True),
    (names.is_valid_percent, "25", False),
    (names.is_valid_ip, "10.0.0.1", True),
    (names.is_valid_ip, "2001:db8::1", True),
    (names.is_valid_ip, "10.0.0", False),
])
def test_format_checks(fn, value, ok):
    assert (fn(value) == []) is ok


def test_label_message_matches_kubernetes():
    assert names.is_dns1123_label("Web") == [LABEL_MSG]
    assert names.is_dns1123_subdomain("Web") == [SUBDOMAIN_MSG]
    assert names.is_dns1123_label("a" * 64 + ".") == ["must be no more than 63 characters",
                                                      LABEL_MSG]


@pytest.mark.parametrize("kind,name,ok", [
    ("Service", "web", True), ("Service", "1web", False), ("Service", "web.x", False),
    ("Namespace", "kube-system", True), ("Namespace", "a.b", False),
    ("StatefulSet", "web", True), ("StatefulSet", "web.v1", False),
    ("Pod", "web.v1", True), ("Deployment", "web.v1", True), ("Node", "n.example.com", True),
    ("ConfigMap", "kube-root-ca.crt", True), ("Pod", "Web", False),
])
def test_validate_object_name(kind, name, ok):
    assert (names.validate_object_name(kind, name) == []) is ok
    assert (names.validate_object_name(REGISTRY.for_gvk(
        REGISTRY.lookup(kind).api_version, kind), name) == []) is ok


def test_generate_name_prefix_may_end_with_dash():
    assert names.validate_object_name("Pod", "web-", prefix=True) == []
    assert names.validate_object_name("Pod", "web-") != []


def test_generate_name():
    import random
    name = names.generate_name("web-", random.Random(1))
    assert name.startswith("web-") and len(name) == 9
    assert set(name[4:]) <= set(names.NAME_ALPHABET)
    long = names.generate_name("x" * 80)
    assert len(long) == 63 and long.startswith("x" * 58)
    assert names.generate_name("a") != names.generate_name("a")
