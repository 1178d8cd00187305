"""Validation: the causes of a 422 Invalid, as kube-apiserver would list them.

``validate(kind, obj, old=None)`` checks an object the registry is about to
write -- ``old`` is the stored object on an update -- and returns a list of
``errors.Cause`` (empty when the object is fine); the registry raises
``errors.invalid(kind.kind, name, causes, kind.group)`` when it is not.
Objects are validated after defaulting (``defaults.apply_defaults``) and in the
kind's storage version; an ``autoscaling/v1`` HPA is converted first.

The rules live by kind family, one module each, all pure functions over dicts:

- ``validation_common``: field-error constructors, labels, annotations,
  selectors, ObjectMeta on create and update;
- ``validation_pods``: PodSpec, pod templates, pod updates and status;
- ``validation_workloads``: Deployment, ReplicaSet, StatefulSet, DaemonSet,
  ReplicationController, Job, HorizontalPodAutoscaler;
- ``validation_core``: Service, Namespace, Node, ConfigMap, Secret, PV, PVC,
  Event, Endpoints, EndpointSlice, Lease, Ingress, IngressClass, Binding.

Each kind has one spec validator ``fn(obj, old)`` (create and update: the
spec's own rules, then on update what may not change) and optionally one
status validator ``fn(obj)`` used by ``validate_status`` for writes to the
status subresource.
"""

from __future__ import annotations

from typing import Callable

from . import validation_core as core
from . import validation_pods as pods
from . import validation_workloads as workloads
from .validation_common import (Causes, invalid, is_int, validate_object_meta,
                                validate_object_meta_update)
from .kinds import Kind


def _pod(obj: dict, old: dict | None) -> Causes:
    out = pods.validate_pod(obj)
    return out + pods.validate_pod_update(obj, old) if old is not None else out


_SPEC: dict[str, Callable[[dict, dict | None], Causes]] = {
    "Pod": _pod,
    "Deployment": workloads.spec_deployment,
    "ReplicaSet": workloads.spec_replicaset,
    "StatefulSet": workloads.spec_statefulset,
    "DaemonSet": workloads.spec_daemonset,
    "ReplicationController": workloads.spec_replication_controller,
    "Job": workloads.spec_job,
    "HorizontalPodAutoscaler": workloads.spec_hpa,
    "Service": core.spec_service,
    "Namespace": core.spec_namespace,
    "Node": core.spec_node,
    "ConfigMap": core.spec_configmap,
    "Secret": core.spec_secret,
    "PersistentVolume": core.spec_pv,
    "PersistentVolumeClaim": core.spec_pvc,
    "Event": core.spec_event,
    "Endpoints": core.spec_endpoints,
    "EndpointSlice": core.spec_endpoint_slice,
    "Lease": core.spec_lease,
    "Ingress": core.spec_ingress,
    "IngressClass": core.spec_ingress_class,
    "Binding": core.spec_binding,
}

_STATUS: dict[str, Callable[[dict], Causes]] = {
    "Deployment": workloads.status_replicated,
    "ReplicaSet": workloads.status_replicated,
    "ReplicationController": workloads.status_replicated,
    "StatefulSet": workloads.status_replicated,
    "DaemonSet": workloads.status_daemonset,
    "Job": workloads.status_job,
    "HorizontalPodAutoscaler": workloads.status_hpa,
    "PersistentVolumeClaim": core.status_pvc,
}

# Kinds whose metadata Kubernetes does not validate (a Binding names its pod).
_NO_METADATA = {"Binding"}


def _storage_shape(kind: Kind, obj: dict) -> dict:
    if kind.kind == "HorizontalPodAutoscaler" and obj.get("apiVersion") == "autoscaling/v1":
        from . import conversion
        return conversion.convert(dict(obj, kind=kind.kind), kind.api_version)
    return obj


def validate(kind: Kind, obj: dict, old: dict | None = None) -> Causes:
    """Causes against writing ``obj`` (``old``: the stored object, on update)."""
    if not isinstance(obj, dict):
        return [invalid("", obj, "must be an object")]
    obj = _storage_shape(kind, obj)
    out: Causes = []
    if kind.kind not in _NO_METADATA:
        if old is None:
            out += validate_object_meta(kind, obj)
        else:
            out += validate_object_meta_update(obj, _storage_shape(kind, old))
    fn = _SPEC.get(kind.kind)
    if fn is not None:
        out += fn(obj, None if old is None else _storage_shape(kind, old))
    return out


def validate_status(kind: Kind, obj: dict, old: dict | None = None) -> Causes:
    """Causes against a status write (the status subresource): identity, counters."""
    if not isinstance(obj, dict):
        return [invalid("", obj, "must be an object")]
    obj = _storage_shape(kind, obj)
    out: Causes = []
    if old is not None:
        old = _storage_shape(kind, old)
        out += validate_object_meta_update(obj, old)
    if kind.kind == "Pod":
        return out + pods.validate_pod_status(obj, old)
    fn = _STATUS.get(kind.kind)
    return out + fn(obj) if fn is not None else out


def validate_scale(replicas: object) -> Causes:
    """Causes against ``spec.replicas`` of an ``autoscaling/v1 Scale`` write."""
    if not is_int(replicas):
        return [invalid("spec.replicas", replicas, "must be an integer")]
    if replicas < 0:
        return [invalid("spec.replicas", replicas, "must be greater than or equal to 0")]
    return []
