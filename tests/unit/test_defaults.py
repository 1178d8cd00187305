"""Defaulting: golden objects per kind, plus idempotence and no mutation."""

import copy

import pytest

from rayk8s.api import defaults
from rayk8s.api.kinds import REGISTRY

CONTAINER_DEFAULTS = {"imagePullPolicy": "IfNotPresent",
                      "terminationMessagePath": "/dev/termination-log",
                      "terminationMessagePolicy": "File", "resources": {}}
POD_SPEC_DEFAULTS = {"dnsPolicy": "ClusterFirst", "restartPolicy": "Always",
                     "securityContext": {}, "terminationGracePeriodSeconds": 30,
                     "schedulerName": "default-scheduler"}


def template(labels=None, **spec):
    return {"metadata": {"labels": labels or {"app": "web"}},
            "spec": {"containers": [{"name": "web", "image": "nginx:1.25"}], **spec}}


def defaulted_template(labels=None, restart=True, **spec):
    pod_spec = dict(POD_SPEC_DEFAULTS, **spec)
    if not restart:
        del pod_spec["restartPolicy"]
    return {"metadata": {"labels": labels or {"app": "web"}},
            "spec": {"containers": [dict(name="web", image="nginx:1.25", **CONTAINER_DEFAULTS)],
                     **pod_spec}}


GOLDEN = [
    ("pod", "pods",
     {"metadata": {"name": "p"}, "spec": {
         "containers": [{"name": "c", "image": "busybox", "ports": [{"containerPort": 80}],
                         "resources": {"limits": {"cpu": "1"}},
                         "env": [{"name": "N", "valueFrom": {"fieldRef": {
                             "fieldPath": "metadata.name"}}}],
                         "livenessProbe": {"httpGet": {"port": 80}},
                         "readinessProbe": {"tcpSocket": {"port": 80}, "periodSeconds": 5}}],
         "volumes": [{"name": "v"}, {"name": "s", "secret": {"secretName": "x"}}]}},
     {"metadata": {"name": "p"}, "spec": {
         "containers": [{"name": "c", "image": "busybox", "ports": [
             {"containerPort": 80, "protocol": "TCP"}],
             "resources": {"limits": {"cpu": "1"}, "requests": {"cpu": "1"}},
             "env": [{"name": "N", "valueFrom": {"fieldRef": {
                 "fieldPath": "metadata.name", "apiVersion": "v1"}}}],
             "livenessProbe": {"httpGet": {"port": 80, "path": "/", "scheme": "HTTP"},
                               "timeoutSeconds": 1, "periodSeconds": 10,
                               "successThreshold": 1, "failureThreshold": 3},
             "readinessProbe": {"tcpSocket": {"port": 80}, "periodSeconds": 5,
                                "timeoutSeconds": 1, "successThreshold": 1,
                                "failureThreshold": 3},
             "imagePullPolicy": "Always", "terminationMessagePath": "/dev/termination-log",
             "terminationMessagePolicy": "File"}],
         "volumes": [{"name": "v", "emptyDir": {}},
                     {"name": "s", "secret": {"secretName": "x", "defaultMode": 420}}],
         **POD_SPEC_DEFAULTS, "enableServiceLinks": True}}),
    ("deployment", "deployments",
     {"metadata": {"name": "d"}, "spec": {"selector": {"matchLabels": {"app": "web"}},
                                          "template": template()}},
     {"metadata": {"name": "d"}, "spec": {
         "selector": {"matchLabels": {"app": "web"}}, "template": defaulted_template(),
         "replicas": 1, "strategy": {"type": "RollingUpdate", "rollingUpdate": {
             "maxUnavailable": "25%", "maxSurge": "25%"}},
         "revisionHistoryLimit": 10, "progressDeadlineSeconds": 600}}),
    ("deployment-recreate", "deployments",
     {"metadata": {"name": "d"}, "spec": {"replicas": 0, "strategy": {"type": "Recreate"},
                                          "revisionHistoryLimit": 0}},
     {"metadata": {"name": "d"}, "spec": {"replicas": 0, "strategy": {"type": "Recreate"},
                                          "revisionHistoryLimit": 0,
                                          "progressDeadlineSeconds": 600}}),
    ("replicaset", "replicasets",
     {"metadata": {"name": "r"}, "spec": {"template": template()}},
     {"metadata": {"name": "r"}, "spec": {"template": defaulted_template(), "replicas": 1}}),
    ("rc", "replicationcontrollers",
     {"metadata": {"name": "r"}, "spec": {"template": template({"run": "x"})}},
     {"metadata": {"name": "r", "labels": {"run": "x"}}, "spec": {
         "template": defaulted_template({"run": "x"}), "selector": {"run": "x"},
         "replicas": 1}}),
    ("rc-keeps-given", "replicationcontrollers",
     {"metadata": {"name": "r", "labels": {"a": "b"}},
      "spec": {"selector": {"run": "x"}, "replicas": 3, "template": template({"run": "x"})}},
     {"metadata": {"name": "r", "labels": {"a": "b"}},
      "spec": {"selector": {"run": "x"}, "replicas": 3,
               "template": defaulted_template({"run": "x"})}}),
    ("statefulset", "statefulsets",
     {"metadata": {"name": "s"}, "spec": {
         "template": template(), "volumeClaimTemplates": [{"metadata": {"name": "data"},
                                                           "spec": {"accessModes": ["RWO"]}}]}},
     {"metadata": {"name": "s"}, "spec": {
         "template": defaulted_template(),
         "volumeClaimTemplates": [{"metadata": {"name": "data"}, "spec": {
             "accessModes": ["RWO"], "volumeMode": "Filesystem"},
             "status": {"phase": "Pending"}}],
         "podManagementPolicy": "OrderedReady",
         "updateStrategy": {"type": "RollingUpdate", "rollingUpdate": {"partition": 0}},
         "persistentVolumeClaimRetentionPolicy": {"whenDeleted": "Retain",
                                                  "whenScaled": "Retain"},
         "replicas": 1, "revisionHistoryLimit": 10}}),
    ("statefulset-ondelete", "statefulsets",
     {"metadata": {"name": "s"}, "spec": {"updateStrategy": {"type": "OnDelete"}}},
     {"metadata": {"name": "s"}, "spec": {
         "podManagementPolicy": "OrderedReady", "updateStrategy": {"type": "OnDelete"},
         "persistentVolumeClaimRetentionPolicy": {"whenDeleted": "Retain",
                                                  "whenScaled": "Retain"},
         "replicas": 1, "revisionHistoryLimit": 10}}),
    ("daemonset", "daemonsets",
     {"metadata": {"name": "d"}, "spec": {"template": template()}},
     {"metadata": {"name": "d"}, "spec": {
         "template": defaulted_template(),
         "updateStrategy": {"type": "RollingUpdate", "rollingUpdate": {
             "maxUnavailable": 1, "maxSurge": 0}},
         "revisionHistoryLimit": 10}}),
    ("job", "jobs",
     {"metadata": {"name": "j"}, "spec": {"template": template({"app": "pi"})}},
     {"metadata": {"name": "j", "labels": {"app": "pi"}}, "spec": {
         "template": defaulted_template({"app": "pi"}, restart=False),
         "completions": 1, "parallelism": 1, "backoffLimit": 6,
         "completionMode": "NonIndexed", "suspend": False,
         "podReplacementPolicy": "TerminatingOrFailed"}}),
    ("job-work-queue", "jobs",
     {"metadata": {"name": "j"}, "spec": {"parallelism": 3}},
     {"metadata": {"name": "j"}, "spec": {
         "parallelism": 3, "backoffLimit": 6, "completionMode": "NonIndexed",
         "suspend": False, "podReplacementPolicy": "TerminatingOrFailed"}}),
    ("job-completions-only", "jobs",
     {"metadata": {"name": "j"}, "spec": {"completions": 5}},
     {"metadata": {"name": "j"}, "spec": {
         "completions": 5, "parallelism": 1, "backoffLimit": 6,
         "completionMode": "NonIndexed", "suspend": False,
         "podReplacementPolicy": "TerminatingOrFailed"}}),
    ("service", "services",
     {"metadata": {"name": "s"}, "spec": {"selector": {"app": "web"},
                                          "ports": [{"port": 80}]}},
     {"metadata": {"name": "s"}, "spec": {
         "selector": {"app": "web"},
         "ports": [{"port": 80, "protocol": "TCP", "targetPort": 80}],
         "type": "ClusterIP", "sessionAffinity": "None", "internalTrafficPolicy": "Cluster",
         "ipFamilyPolicy": "SingleStack", "ipFamilies": ["IPv4"]}}),
    ("service-nodeport-clientip", "services",
     {"metadata": {"name": "s"}, "spec": {
         "type": "NodePort", "sessionAffinity": "ClientIP", "clusterIP": "10.0.0.5",
         "ports": [{"port": 80, "targetPort": "http", "protocol": "UDP"}]}},
     {"metadata": {"name": "s"}, "spec": {
         "type": "NodePort", "sessionAffinity": "ClientIP", "clusterIP": "10.0.0.5",
         "ports": [{"port": 80, "targetPort": "http", "protocol": "UDP"}],
         "sessionAffinityConfig": {"clientIP": {"timeoutSeconds": 10800}},
         "externalTrafficPolicy": "Cluster", "internalTrafficPolicy": "Cluster",
         "ipFamilyPolicy": "SingleStack", "ipFamilies": ["IPv4"],
         "clusterIPs": ["10.0.0.5"]}}),
    ("service-loadbalancer", "services",
     {"metadata": {"name": "s"}, "spec": {"type": "LoadBalancer", "ports": [{"port": 443}]}},
     {"metadata": {"name": "s"}, "spec": {
         "type": "LoadBalancer", "ports": [{"port": 443, "protocol": "TCP", "targetPort": 443}],
         "sessionAffinity": "None", "externalTrafficPolicy": "Cluster",
         "allocateLoadBalancerNodePorts": True, "internalTrafficPolicy": "Cluster",
         "ipFamilyPolicy": "SingleStack", "ipFamilies": ["IPv4"]}}),
    ("service-externalname", "services",
     {"metadata": {"name": "s"}, "spec": {"type": "ExternalName",
                                          "externalName": "example.com"}},
     {"metadata": {"name": "s"}, "spec": {"type": "ExternalName", "externalName": "example.com",
                                          "sessionAffinity": "None"}}),
    ("service-headless", "services",
     {"metadata": {"name": "s"}, "spec": {"clusterIP": "None"}},
     {"metadata": {"name": "s"}, "spec": {
         "clusterIP": "None", "type": "ClusterIP", "sessionAffinity": "None",
         "internalTrafficPolicy": "Cluster", "ipFamilyPolicy": "SingleStack",
         "ipFamilies": ["IPv4"], "clusterIPs": ["None"]}}),
    ("namespace", "namespaces",
     {"metadata": {"name": "dev"}},
     {"metadata": {"name": "dev", "labels": {"kubernetes.io/metadata.name": "dev"}},
      "spec": {"finalizers": ["kubernetes"]}, "status": {"phase": "Active"}}),
    ("node", "nodes",
     {"metadata": {"name": "n1"}, "status": {"capacity": {"cpu": "4", "pods": "110"}}},
     {"metadata": {"name": "n1"}, "status": {"capacity": {"cpu": "4", "pods": "110"},
                                             "allocatable": {"cpu": "4", "pods": "110"}}}),
    ("pv", "persistentvolumes",
     {"metadata": {"name": "pv"}, "spec": {"capacity": {"storage": "1Gi"}}},
     {"metadata": {"name": "pv"}, "spec": {
         "capacity": {"storage": "1Gi"}, "persistentVolumeReclaimPolicy": "Retain",
         "volumeMode": "Filesystem"}, "status": {"phase": "Pending"}}),
    ("pvc", "persistentvolumeclaims",
     {"metadata": {"name": "c"}, "spec": {"accessModes": ["ReadWriteOnce"]}},
     {"metadata": {"name": "c"}, "spec": {"accessModes": ["ReadWriteOnce"],
                                          "volumeMode": "Filesystem"},
      "status": {"phase": "Pending"}}),
    ("hpa-v2", "horizontalpodautoscalers",
     {"apiVersion": "autoscaling/v2", "metadata": {"name": "h"},
      "spec": {"maxReplicas": 5}},
     {"apiVersion": "autoscaling/v2", "metadata": {"name": "h"}, "spec": {
         "maxReplicas": 5, "minReplicas": 1,
         "metrics": [{"type": "Resource", "resource": {"name": "cpu", "target": {
             "type": "Utilization", "averageUtilization": 80}}}]}}),
    ("hpa-v2-behavior", "horizontalpodautoscalers",
     {"apiVersion": "autoscaling/v2", "metadata": {"name": "h"},
      "spec": {"maxReplicas": 5, "minReplicas": 2, "metrics": [{"type": "Pods"}],
               "behavior": {"scaleDown": {"stabilizationWindowSeconds": 60}}}},
     {"apiVersion": "autoscaling/v2", "metadata": {"name": "h"}, "spec": {
         "maxReplicas": 5, "minReplicas": 2, "metrics": [{"type": "Pods"}],
         "behavior": {
             "scaleDown": {"stabilizationWindowSeconds": 60, "selectPolicy": "Max",
                           "policies": [{"type": "Percent", "value": 100,
                                         "periodSeconds": 15}]},
             "scaleUp": {"stabilizationWindowSeconds": 0, "selectPolicy": "Max",
                         "policies": [{"type": "Pods", "value": 4, "periodSeconds": 15},
                                      {"type": "Percent", "value": 100,
                                       "periodSeconds": 15}]}}}}),
    ("hpa-v1", "horizontalpodautoscalers",
     {"apiVersion": "autoscaling/v1", "metadata": {"name": "h"}, "spec": {"maxReplicas": 5}},
     {"apiVersion": "autoscaling/v1", "metadata": {"name": "h"},
      "spec": {"maxReplicas": 5, "minReplicas": 1}}),
    ("secret", "secrets",
     {"metadata": {"name": "s"}, "data": {"a": "eA=="}, "stringData": {"b": "yy", "a": "z"}},
     {"metadata": {"name": "s"}, "data": {"a": "eg==", "b": "eXk="}, "type": "Opaque"}),
    ("secret-typed", "secrets",
     {"metadata": {"name": "s"}, "type": "kubernetes.io/tls"},
     {"metadata": {"name": "s"}, "type": "kubernetes.io/tls"}),
    ("endpoints", "endpoints",
     {"metadata": {"name": "e"}, "subsets": [{"ports": [{"port": 80}]}]},
     {"metadata": {"name": "e"}, "subsets": [{"ports": [{"port": 80, "protocol": "TCP"}]}]}),
    ("endpointslice", "endpointslices",
     {"metadata": {"name": "e"}, "addressType": "IPv4", "ports": [{"port": 80}]},
     {"metadata": {"name": "e"}, "addressType": "IPv4",
      "ports": [{"port": 80, "name": "", "protocol": "TCP"}]}),
]

UNCHANGED = [
    ("configmaps", {"metadata": {"name": "c"}, "data": {"k": "v"}}),
    ("events", {"metadata": {"name": "e"}, "involvedObject": {"kind": "Pod"}}),
    ("leases", {"metadata": {"name": "l"}, "spec": {"holderIdentity": "n1"}}),
    ("ingresses", {"metadata": {"name": "i"}, "spec": {"rules": [{"host": "a.b"}]}}),
    ("serviceaccounts", {"metadata": {"name": "sa"}}),
    ("bindings", {"metadata": {"name": "p"}, "target": {"kind": "Node", "name": "n"}}),
]


@pytest.mark.parametrize("case,resource,given,expected", GOLDEN, ids=[g[0] for g in GOLDEN])
def test_golden(case, resource, given, expected):
    kind = REGISTRY.lookup(resource)
    before = copy.deepcopy(given)
    assert defaults.apply_defaults(kind, given) == expected
    assert given == before, "apply_defaults mutated its input"


@pytest.mark.parametrize("case,resource,given,expected", GOLDEN, ids=[g[0] for g in GOLDEN])
def test_idempotent(case, resource, given, expected):
    kind = REGISTRY.lookup(resource)
    assert defaults.apply_defaults(kind, expected) == expected


@pytest.mark.parametrize("resource,obj", UNCHANGED)
def test_kinds_without_defaults(resource, obj):
    out = defaults.apply_defaults(REGISTRY.lookup(resource), obj)
    assert out == obj and out is not obj


@pytest.mark.parametrize("image,policy", [
    ("nginx", "Always"), ("nginx:latest", "Always"), ("nginx:1.25", "IfNotPresent"),
    ("registry:5000/team/app", "Always"), ("registry:5000/team/app:v2", "IfNotPresent"),
    ("app@sha256:abcd", "IfNotPresent"), ("app:latest@sha256:abcd", "Always"),
    ("hello-world:v1.0", "IfNotPresent"), ("", "Always"),
])
def test_image_pull_policy(image, policy):
    pod = {"spec": {"containers": [{"name": "c", "image": image}]}}
    out = defaults.apply_defaults(REGISTRY.lookup("pods"), pod)
    assert out["spec"]["containers"][0]["imagePullPolicy"] == policy


def test_explicit_values_win():
    pod = {"spec": {"restartPolicy": "Never", "dnsPolicy": "Default",
                    "terminationGracePeriodSeconds": 0, "enableServiceLinks": False,
                    "containers": [{"name": "c", "image": "x", "imagePullPolicy": "Never"}]}}
    spec = defaults.apply_defaults(REGISTRY.lookup("pods"), pod)["spec"]
    assert (spec["restartPolicy"], spec["dnsPolicy"], spec["terminationGracePeriodSeconds"],
            spec["enableServiceLinks"], spec["containers"][0]["imagePullPolicy"]) == \
        ("Never", "Default", 0, False, "Never")


def test_templates_get_no_service_links_and_no_requests_from_limits():
    dep = {"spec": {"template": {"spec": {"containers": [
        {"name": "c", "image": "x", "resources": {"limits": {"cpu": "1"}}}]}}}}
    spec = defaults.apply_defaults(REGISTRY.lookup("deploy"), dep)["spec"]["template"]["spec"]
    assert "enableServiceLinks" not in spec
    assert spec["containers"][0]["resources"] == {"limits": {"cpu": "1"}}


def test_host_network_pods_get_host_ports():
    pod = {"spec": {"hostNetwork": True, "containers": [
        {"name": "c", "image": "x", "ports": [{"containerPort": 80}]}]}}
    out = defaults.apply_defaults(REGISTRY.lookup("pods"), pod)
    assert out["spec"]["containers"][0]["ports"] == [
        {"containerPort": 80, "protocol": "TCP", "hostPort": 80}]


def test_job_with_pod_failure_policy_replaces_failed_pods_only():
    job = {"spec": {"podFailurePolicy": {"rules": []}}}
    spec = defaults.apply_defaults(REGISTRY.lookup("jobs"), job)["spec"]
    assert spec["podReplacementPolicy"] == "Failed"


def test_garbage_does_not_crash():
    for kind in REGISTRY.all():
        for obj in ({}, {"spec": None}, {"spec": {"template": None}},
                    {"spec": {"template": {"spec": {"containers": [None, "x"]}}}}):
            defaults.apply_defaults(kind, obj)
