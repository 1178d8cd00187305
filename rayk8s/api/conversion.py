"""Conversion between the served versions of a kind.

Today one kind has two served versions: HorizontalPodAutoscaler is stored as
``autoscaling/v2`` and also served as ``autoscaling/v1`` (``kubectl autoscale``
posts v1; ``kubectl get hpa`` reads v2).  The mapping is Kubernetes':

- v1 ``spec.targetCPUUtilizationPercentage`` <-> the v2 metric
  ``{type: Resource, resource: {name: cpu, target: {type: Utilization,
  averageUtilization}}}``;
- v1 ``status.currentCPUUtilizationPercentage`` <-> the v2 current metric
  ``{type: Resource, resource: {name: cpu, current: {averageUtilization}}}``;
- what v1 cannot express travels in annotations, as kube-apiserver does, so
  v2 -> v1 -> v2 loses nothing: ``autoscaling.alpha.kubernetes.io/metrics``
  (other metrics), ``.../current-metrics``, ``.../conditions`` and
  ``.../behavior``, each a JSON document.

Converting an object to its own version is a deep copy.  Any other kind, or
an unknown pair of versions, is a 400: conversion never guesses.
"""

from __future__ import annotations

import copy
import json
from typing import Any

from . import errors

V1, V2 = "autoscaling/v1", "autoscaling/v2"
METRICS_ANNOTATION = "autoscaling.alpha.kubernetes.io/metrics"
CURRENT_METRICS_ANNOTATION = "autoscaling.alpha.kubernetes.io/current-metrics"
CONDITIONS_ANNOTATION = "autoscaling.alpha.kubernetes.io/conditions"
BEHAVIOR_ANNOTATION = "autoscaling.alpha.kubernetes.io/behavior"
_ANNOTATIONS = (METRICS_ANNOTATION, CURRENT_METRICS_ANNOTATION, CONDITIONS_ANNOTATION,
                BEHAVIOR_ANNOTATION)


def convert(obj: dict, api_version: str) -> dict:
    """``obj`` as ``api_version`` (a new dict; ``obj`` is not modified)."""
    src = obj.get("apiVersion") or api_version
    kind = obj.get("kind", "")
    if src == api_version:
        return dict(copy.deepcopy(obj), apiVersion=api_version)
    if kind == "HorizontalPodAutoscaler":
        if (src, api_version) == (V1, V2):
            return hpa_v1_to_v2(obj)
        if (src, api_version) == (V2, V1):
            return hpa_v2_to_v1(obj)
    raise errors.bad_request(f'{kind or "object"} of version "{src}" cannot be converted to '
                             f'version "{api_version}"')


def _drop_none(d: dict) -> dict:
    return {k: v for k, v in d.items() if v is not None}


def _meta_without(meta: Any, keys: tuple[str, ...]) -> tuple[dict, dict]:
    """A copy of metadata minus ``keys`` annotations, and those annotations parsed."""
    meta = copy.deepcopy(meta) if isinstance(meta, dict) else {}
    annotations = dict(meta.get("annotations") or {})
    taken = {}
    for key in keys:
        if key in annotations:
            raw = annotations.pop(key)
            try:
                taken[key] = json.loads(raw)
            except (TypeError, ValueError):
                pass    # a mangled annotation is dropped, as kube-apiserver does
    if annotations:
        meta["annotations"] = annotations
    else:
        meta.pop("annotations", None)
    return meta, taken


def _annotate(meta: dict, key: str, value: Any) -> None:
    meta.setdefault("annotations", {})[key] = json.dumps(value, separators=(",", ":"))


# ------------------------------------------------------------ metric shapes
# v1 keeps v2beta1's flat metric shapes; v2 nests metric identifiers and targets.

def _spec_v2_to_v1(m: dict) -> dict:
    t = m.get("type")
    if t in ("Resource", "ContainerResource"):
        key = t[0].lower() + t[1:]
        src = m.get(key) or {}
        target = src.get("target") or {}
        return {"type": t, key: _drop_none({
            "name": src.get("name"), "container": src.get("container"),
            "targetAverageUtilization": target.get("averageUtilization"),
            "targetAverageValue": target.get("averageValue")})}
    if t == "Pods":
        src = m.get("pods") or {}
        metric, target = src.get("metric") or {}, src.get("target") or {}
        return {"type": t, "pods": _drop_none({
            "metricName": metric.get("name"), "selector": metric.get("selector"),
            "targetAverageValue": target.get("averageValue")})}
    if t == "Object":
        src = m.get("object") or {}
        metric, target = src.get("metric") or {}, src.get("target") or {}
        return {"type": t, "object": _drop_none({
            "target": src.get("describedObject"), "metricName": metric.get("name"),
            "selector": metric.get("selector"), "targetValue": target.get("value"),
            "averageValue": target.get("averageValue")})}
    if t == "External":
        src = m.get("external") or {}
        metric, target = src.get("metric") or {}, src.get("target") or {}
        return {"type": t, "external": _drop_none({
            "metricName": metric.get("name"), "metricSelector": metric.get("selector"),
            "targetValue": target.get("value"),
            "targetAverageValue": target.get("averageValue")})}
    return copy.deepcopy(m)


def _target(util: Any = None, avg: Any = None, value: Any = None) -> dict:
    ttype = "Utilization" if util is not None else "Value" if value is not None \
        else "AverageValue"
    return _drop_none({"type": ttype, "averageUtilization": util, "averageValue": avg,
                       "value": value})


def _spec_v1_to_v2(m: dict) -> dict:
    t = m.get("type")
    if t in ("Resource", "ContainerResource"):
        key = t[0].lower() + t[1:]
        src = m.get(key) or {}
        return {"type": t, key: _drop_none({
            "name": src.get("name"), "container": src.get("container"),
            "target": _target(src.get("targetAverageUtilization"),
                              src.get("targetAverageValue"))})}
    if t == "Pods":
        src = m.get("pods") or {}
        return {"type": t, "pods": {
            "metric": _drop_none({"name": src.get("metricName"), "selector": src.get("selector")}),
            "target": _target(avg=src.get("targetAverageValue"))}}
    if t == "Object":
        src = m.get("object") or {}
        return {"type": t, "object": _drop_none({
            "describedObject": src.get("target"),
            "metric": _drop_none({"name": src.get("metricName"), "selector": src.get("selector")}),
            "target": _target(avg=src.get("averageValue"), value=src.get("targetValue"))})}
    if t == "External":
        src = m.get("external") or {}
        return {"type": t, "external": {
            "metric": _drop_none({"name": src.get("metricName"),
                                  "selector": src.get("metricSelector")}),
            "target": _target(avg=src.get("targetAverageValue"), value=src.get("targetValue"))}}
    return copy.deepcopy(m)


def _status_v2_to_v1(m: dict) -> dict:
    t = m.get("type")
    if t in ("Resource", "ContainerResource"):
        key = t[0].lower() + t[1:]
        src = m.get(key) or {}
        cur = src.get("current") or {}
        return {"type": t, key: _drop_none({
            "name": src.get("name"), "container": src.get("container"),
            "currentAverageUtilization": cur.get("averageUtilization"),
            "currentAverageValue": cur.get("averageValue")})}
    if t in ("Pods", "Object", "External"):
        key = t.lower()
        src = m.get(key) or {}
        metric, cur = src.get("metric") or {}, src.get("current") or {}
        out = {"metricName": metric.get("name"), "selector": metric.get("selector")}
        if t == "Pods":
            out["currentAverageValue"] = cur.get("averageValue")
        elif t == "Object":
            out.update(target=src.get("describedObject"), currentValue=cur.get("value"),
                       averageValue=cur.get("averageValue"))
        else:
            out = {"metricName": metric.get("name"), "metricSelector": metric.get("selector"),
                   "currentValue": cur.get("value"),
                   "currentAverageValue": cur.get("averageValue")}
        return {"type": t, key: _drop_none(out)}
    return copy.deepcopy(m)


def _status_v1_to_v2(m: dict) -> dict:
    t = m.get("type")
    if t in ("Resource", "ContainerResource"):
        key = t[0].lower() + t[1:]
        src = m.get(key) or {}
        return {"type": t, key: _drop_none({
            "name": src.get("name"), "container": src.get("container"),
            "current": _drop_none({"averageUtilization": src.get("currentAverageUtilization"),
                                   "averageValue": src.get("currentAverageValue")})})}
    if t in ("Pods", "Object", "External"):
        key = t.lower()
        src = m.get(key) or {}
        selector = src.get("metricSelector") if t == "External" else src.get("selector")
        out = {"metric": _drop_none({"name": src.get("metricName"), "selector": selector})}
        if t == "Object":
            out["describedObject"] = src.get("target")
        out["current"] = _drop_none({
            "value": src.get("currentValue"),
            "averageValue": src.get("averageValue") if t == "Object"
            else src.get("currentAverageValue")})
        return {"type": t, key: _drop_none(out)}
    return copy.deepcopy(m)


def _is_cpu_utilization(m: dict, field: str) -> bool:
    res = m.get("resource") or {}
    return (m.get("type") == "Resource" and res.get("name") == "cpu"
            and isinstance(res.get(field), dict)
            and res[field].get("averageUtilization") is not None
            and (field == "current" or res[field].get("type") == "Utilization"))


# ------------------------------------------------------------ HPA

_SHARED_SPEC = ("scaleTargetRef", "minReplicas", "maxReplicas")
_SHARED_STATUS = ("observedGeneration", "lastScaleTime", "currentReplicas", "desiredReplicas")


def hpa_v2_to_v1(obj: dict) -> dict:
    meta, _ = _meta_without(obj.get("metadata"), _ANNOTATIONS)
    spec2, status2 = obj.get("spec") or {}, obj.get("status")
    spec = {k: copy.deepcopy(spec2[k]) for k in _SHARED_SPEC if k in spec2}
    others = []
    for m in spec2.get("metrics") or []:
        if "targetCPUUtilizationPercentage" not in spec and _is_cpu_utilization(m, "target"):
            spec["targetCPUUtilizationPercentage"] = m["resource"]["target"]["averageUtilization"]
        else:
            others.append(_spec_v2_to_v1(m))
    if others:
        _annotate(meta, METRICS_ANNOTATION, others)
    if spec2.get("behavior") is not None:
        _annotate(meta, BEHAVIOR_ANNOTATION, spec2["behavior"])
    out = {"apiVersion": V1, "kind": obj.get("kind", "HorizontalPodAutoscaler"),
           "metadata": meta, "spec": spec}
    if isinstance(status2, dict):
        status = {k: copy.deepcopy(status2[k]) for k in _SHARED_STATUS if k in status2}
        current = []
        for m in status2.get("currentMetrics") or []:
            if "currentCPUUtilizationPercentage" not in status \
                    and _is_cpu_utilization(m, "current"):
                status["currentCPUUtilizationPercentage"] = \
                    m["resource"]["current"]["averageUtilization"]
            else:
                current.append(_status_v2_to_v1(m))
        if current:
            _annotate(meta, CURRENT_METRICS_ANNOTATION, current)
        if status2.get("conditions"):
            _annotate(meta, CONDITIONS_ANNOTATION, status2["conditions"])
        out["status"] = status
    return out


def hpa_v1_to_v2(obj: dict) -> dict:
    meta, taken = _meta_without(obj.get("metadata"), _ANNOTATIONS)
    spec1, status1 = obj.get("spec") or {}, obj.get("status")
    spec = {k: copy.deepcopy(spec1[k]) for k in _SHARED_SPEC if k in spec1}
    metrics = []
    if spec1.get("targetCPUUtilizationPercentage") is not None:
        metrics.append({"type": "Resource", "resource": {"name": "cpu", "target": {
            "type": "Utilization",
            "averageUtilization": spec1["targetCPUUtilizationPercentage"]}}})
    metrics += [_spec_v1_to_v2(m) for m in taken.get(METRICS_ANNOTATION) or []
                if isinstance(m, dict)]
    if metrics:
        spec["metrics"] = metrics
    if isinstance(taken.get(BEHAVIOR_ANNOTATION), dict):
        spec["behavior"] = taken[BEHAVIOR_ANNOTATION]
    out = {"apiVersion": V2, "kind": obj.get("kind", "HorizontalPodAutoscaler"),
           "metadata": meta, "spec": spec}
    if isinstance(status1, dict):
        status = {k: copy.deepcopy(status1[k]) for k in _SHARED_STATUS if k in status1}
        current = []
        if status1.get("currentCPUUtilizationPercentage") is not None:
            current.append({"type": "Resource", "resource": {"name": "cpu", "current": {
                "averageUtilization": status1["currentCPUUtilizationPercentage"]}}})
        current += [_status_v1_to_v2(m) for m in taken.get(CURRENT_METRICS_ANNOTATION) or []
                    if isinstance(m, dict)]
        if current:
            status["currentMetrics"] = current
        if isinstance(taken.get(CONDITIONS_ANNOTATION), list):
            status["conditions"] = taken[CONDITIONS_ANNOTATION]
        out["status"] = status
    return out
