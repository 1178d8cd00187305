"""Conversion: HPA autoscaling/v1 <-> autoscaling/v2, identity, refusals."""

import copy
import json

import pytest

from rayk8s.api import conversion, defaults, errors
from rayk8s.api.kinds import REGISTRY

META = {"name": "web", "namespace": "default", "uid": "u1", "resourceVersion": "7"}
REF = {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"}

V1 = {"apiVersion": "autoscaling/v1", "kind": "HorizontalPodAutoscaler", "metadata": META,
      "spec": {"scaleTargetRef": REF, "minReplicas": 1, "maxReplicas": 10,
               "targetCPUUtilizationPercentage": 50},
      "status": {"observedGeneration": 1, "currentReplicas": 2, "desiredReplicas": 3,
                 "currentCPUUtilizationPercentage": 75,
                 "lastScaleTime": "2024-01-01T00:00:00Z"}}

V2 = {"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler", "metadata": META,
      "spec": {"scaleTargetRef": REF, "minReplicas": 1, "maxReplicas": 10,
               "metrics": [{"type": "Resource", "resource": {"name": "cpu", "target": {
                   "type": "Utilization", "averageUtilization": 50}}}]},
      "status": {"observedGeneration": 1, "currentReplicas": 2, "desiredReplicas": 3,
                 "lastScaleTime": "2024-01-01T00:00:00Z",
                 "currentMetrics": [{"type": "Resource", "resource": {
                     "name": "cpu", "current": {"averageUtilization": 75}}}]}}

RICH_V2 = {"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler",
           "metadata": dict(META, annotations={"team": "web"}),
           "spec": {"scaleTargetRef": REF, "minReplicas": 2, "maxReplicas": 8, "metrics": [
               {"type": "Resource", "resource": {"name": "cpu", "target": {
                   "type": "Utilization", "averageUtilization": 60}}},
               {"type": "Resource", "resource": {"name": "memory", "target": {
                   "type": "AverageValue", "averageValue": "500Mi"}}},
               {"type": "Pods", "pods": {"metric": {"name": "qps"}, "target": {
                   "type": "AverageValue", "averageValue": "10"}}},
               {"type": "Object", "object": {
                   "describedObject": {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress",
                                       "name": "main"},
                   "metric": {"name": "requests", "selector": {"matchLabels": {"a": "b"}}},
                   "target": {"type": "Value", "value": "2k"}}},
               {"type": "External", "external": {"metric": {"name": "queue"}, "target": {
                   "type": "AverageValue", "averageValue": "30"}}},
               {"type": "ContainerResource", "containerResource": {
                   "name": "cpu", "container": "app", "target": {
                       "type": "Utilization", "averageUtilization": 70}}}],
               "behavior": {"scaleDown": {"stabilizationWindowSeconds": 60}}},
           "status": {"currentReplicas": 2, "desiredReplicas": 2, "currentMetrics": [
               {"type": "Resource", "resource": {"name": "cpu", "current": {
                   "averageUtilization": 40}}},
               {"type": "Pods", "pods": {"metric": {"name": "qps"}, "current": {
                   "averageValue": "7"}}},
               {"type": "External", "external": {"metric": {"name": "queue"}, "current": {
                   "value": "12", "averageValue": "6"}}}],
               "conditions": [{"type": "AbleToScale", "status": "True",
                               "reason": "ReadyForNewScale"}]}}


def test_v1_to_v2():
    assert conversion.convert(V1, "autoscaling/v2") == V2


def test_v2_to_v1():
    assert conversion.convert(V2, "autoscaling/v1") == V1


@pytest.mark.parametrize("obj", [V1, V2, RICH_V2])
def test_round_trips(obj):
    other = "autoscaling/v1" if obj["apiVersion"] == "autoscaling/v2" else "autoscaling/v2"
    before = copy.deepcopy(obj)
    assert conversion.convert(conversion.convert(obj, other), obj["apiVersion"]) == obj
    assert obj == before, "convert mutated its input"


def test_rich_v2_to_v1_keeps_cpu_and_annotates_the_rest():
    v1 = conversion.convert(RICH_V2, "autoscaling/v1")
    assert v1["spec"] == {"scaleTargetRef": REF, "minReplicas": 2, "maxReplicas": 8,
                          "targetCPUUtilizationPercentage": 60}
    assert v1["status"] == {"currentReplicas": 2, "desiredReplicas": 2,
                            "currentCPUUtilizationPercentage": 40}
    ann = v1["metadata"]["annotations"]
    assert ann["team"] == "web"
    others = json.loads(ann[conversion.METRICS_ANNOTATION])
    assert [m["type"] for m in others] == ["Resource", "Pods", "Object", "External",
                                           "ContainerResource"]
    assert others[0] == {"type": "Resource", "resource": {"name": "memory",
                                                         "targetAverageValue": "500Mi"}}
    assert others[1] == {"type": "Pods", "pods": {"metricName": "qps",
                                                 "targetAverageValue": "10"}}
    assert others[2]["object"]["target"]["kind"] == "Ingress"
    assert others[2]["object"]["targetValue"] == "2k"
    assert others[4] == {"type": "ContainerResource", "containerResource": {
        "name": "cpu", "container": "app", "targetAverageUtilization": 70}}
    current = json.loads(ann[conversion.CURRENT_METRICS_ANNOTATION])
    assert [m["type"] for m in current] == ["Pods", "External"]
    assert json.loads(ann[conversion.CONDITIONS_ANNOTATION])[0]["type"] == "AbleToScale"
    assert json.loads(ann[conversion.BEHAVIOR_ANNOTATION]) == {
        "scaleDown": {"stabilizationWindowSeconds": 60}}


def test_cpu_current_average_value_is_lost_like_in_kubernetes():
    rich = copy.deepcopy(RICH_V2)
    rich["status"]["currentMetrics"][0]["resource"]["current"]["averageValue"] = "200m"
    back = conversion.convert(conversion.convert(rich, "autoscaling/v1"), "autoscaling/v2")
    assert back == RICH_V2


def test_v1_without_target_gets_v2_default_cpu_80():
    v1 = {"apiVersion": "autoscaling/v1", "kind": "HorizontalPodAutoscaler",
          "metadata": {"name": "h"}, "spec": {"scaleTargetRef": REF, "maxReplicas": 4}}
    v2 = conversion.convert(v1, "autoscaling/v2")
    assert "metrics" not in v2["spec"]
    hpa = REGISTRY.lookup("hpa")
    stored = defaults.apply_defaults(hpa, v2)
    assert stored["spec"]["metrics"][0]["resource"]["target"]["averageUtilization"] == 80
    assert conversion.convert(stored, "autoscaling/v1")["spec"] == {
        "scaleTargetRef": REF, "maxReplicas": 4, "minReplicas": 1,
        "targetCPUUtilizationPercentage": 80}


def test_v1_with_no_status_has_no_status():
    v1 = {"apiVersion": "autoscaling/v1", "kind": "HorizontalPodAutoscaler",
          "metadata": {"name": "h"}, "spec": {"maxReplicas": 4}}
    assert "status" not in conversion.convert(v1, "autoscaling/v2")


def test_mangled_annotation_is_dropped():
    v1 = copy.deepcopy(V1)
    v1["metadata"] = dict(META, annotations={conversion.METRICS_ANNOTATION: "{not json"})
    v2 = conversion.convert(v1, "autoscaling/v2")
    assert "annotations" not in v2["metadata"]
    assert len(v2["spec"]["metrics"]) == 1


@pytest.mark.parametrize("obj,version", [
    (V1, "autoscaling/v1"), (V2, "autoscaling/v2"),
    ({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"}}, "apps/v1"),
    ({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}}, "v1"),
])
def test_same_version_is_a_copy(obj, version):
    out = conversion.convert(obj, version)
    assert out == obj and out is not obj
    out["metadata"]["name"] = "changed"
    assert obj["metadata"]["name"] != "changed"


def test_missing_api_version_is_set():
    out = conversion.convert({"kind": "Pod", "metadata": {"name": "p"}}, "v1")
    assert out["apiVersion"] == "v1"


@pytest.mark.parametrize("obj,version", [
    ({"apiVersion": "apps/v1", "kind": "Deployment"}, "apps/v1beta1"),
    ({"apiVersion": "v1", "kind": "Pod"}, "apps/v1"),
    (V2, "autoscaling/v2beta2"),
    ({"apiVersion": "autoscaling/v1", "kind": "Scale"}, "autoscaling/v2"),
])
def test_unknown_conversion_is_400(obj, version):
    with pytest.raises(errors.ApiError) as exc:
        conversion.convert(obj, version)
    assert exc.value.code == 400
