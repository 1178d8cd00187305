"""Defaulting: the values kube-apiserver fills in before it validates and stores.

``apply_defaults(kind, obj)`` returns a new dict with Kubernetes' v1 defaults
(``SetDefaults_*`` of k8s.io/kubernetes/pkg/apis/*/v1) for the fields users
touch; the input is never mutated.  A default is applied only where the field
is absent (or null/empty where Kubernetes treats empty as unset), so
defaulting is idempotent: ``apply_defaults(k, apply_defaults(k, o)) ==
apply_defaults(k, o)``.  The registry defaults on create and on update,
before validation, exactly where kube-apiserver decodes a request.

Objects are expected in the kind's storage version (``kind.version``); the one
exception is an ``autoscaling/v1`` HorizontalPodAutoscaler, which gets v1's
defaults.  Server-owned fields (uid, timestamps, the initial status of most
kinds, a Job's generated selector) are the registry's strategy's business.

Two steps here are not ``SetDefaults_*`` in Kubernetes but happen at the same
point of a write: a Secret's write-only ``stringData`` is merged into ``data``
(conversion does it there), and a Namespace gets ``spec.finalizers:
[kubernetes]`` (its strategy does it there).

Deliberate difference: a Job's pod template gets no ``restartPolicy`` default
(Kubernetes would default it to ``Always`` and then reject it; the validation
message is the same either way).
"""

from __future__ import annotations

import base64
import copy
from typing import Any, Callable

from .kinds import Kind

DEFAULT_TERMINATION_GRACE_PERIOD = 30
DEFAULT_SCHEDULER = "default-scheduler"
DEFAULT_CPU_UTILIZATION = 80
CLIENT_IP_AFFINITY_SECONDS = 10800
VOLUME_DEFAULT_MODE = 420   # 0644


def apply_defaults(kind: Kind, obj: dict) -> dict:
    """A defaulted deep copy of ``obj`` (a ``kind`` object)."""
    out = copy.deepcopy(obj)
    fn = _DEFAULTERS.get(kind.kind)
    if fn is not None:
        fn(out)
    return out


# ------------------------------------------------------------------ helpers

def _d(obj: dict, key: str) -> dict:
    """``obj[key]`` as a dict, created (or replaced, if null) when missing."""
    val = obj.get(key)
    if not isinstance(val, dict):
        val = obj[key] = {}
    return val


def _setdefault(obj: dict, key: str, value: Any) -> None:
    """Set ``obj[key]`` unless it holds a value (None and "" count as unset)."""
    if obj.get(key) in (None, ""):
        obj[key] = value


def _dicts(items: Any):
    return [x for x in items if isinstance(x, dict)] if isinstance(items, list) else []


# ------------------------------------------------------------------ pods

def image_tag(image: str) -> str:
    """The tag of an image reference: "" with a digest and no tag, "latest" if none."""
    ref = image.split("@", 1)
    name = ref[0]
    last = name.rsplit("/", 1)[-1]
    if ":" in last:
        return last.rsplit(":", 1)[1]
    return "" if len(ref) > 1 else "latest"


def _default_probe(probe: Any) -> None:
    if not isinstance(probe, dict):
        return
    _setdefault(probe, "timeoutSeconds", 1)
    _setdefault(probe, "periodSeconds", 10)
    _setdefault(probe, "successThreshold", 1)
    _setdefault(probe, "failureThreshold", 3)
    _default_handler(probe)


def _default_handler(handler: Any) -> None:
    if not isinstance(handler, dict):
        return
    http = handler.get("httpGet")
    if isinstance(http, dict):
        _setdefault(http, "path", "/")
        _setdefault(http, "scheme", "HTTP")


def _default_container(c: dict) -> None:
    if c.get("imagePullPolicy") in (None, ""):
        tag = image_tag(str(c.get("image") or ""))
        c["imagePullPolicy"] = "Always" if tag == "latest" else "IfNotPresent"
    _setdefault(c, "terminationMessagePath", "/dev/termination-log")
    _setdefault(c, "terminationMessagePolicy", "File")
    if not isinstance(c.get("resources"), dict):
        c["resources"] = {}
    for port in _dicts(c.get("ports")):
        _setdefault(port, "protocol", "TCP")
    for env in _dicts(c.get("env")):
        ref = (env.get("valueFrom") or {}).get("fieldRef") if isinstance(
            env.get("valueFrom"), dict) else None
        if isinstance(ref, dict):
            _setdefault(ref, "apiVersion", "v1")
    for probe in ("livenessProbe", "readinessProbe", "startupProbe"):
        _default_probe(c.get(probe))
    lifecycle = c.get("lifecycle")
    if isinstance(lifecycle, dict):
        _default_handler(lifecycle.get("postStart"))
        _default_handler(lifecycle.get("preStop"))


_VOLUME_SOURCES_WITH_MODE = ("secret", "configMap", "projected", "downwardAPI")
_VOLUME_SOURCES = _VOLUME_SOURCES_WITH_MODE + (
    "emptyDir", "hostPath", "persistentVolumeClaim", "nfs", "ephemeral", "csi", "image",
    "iscsi", "gitRepo", "awsElasticBlockStore", "gcePersistentDisk", "azureDisk",
    "azureFile", "cephfs", "cinder", "fc", "flexVolume", "flocker", "glusterfs",
    "photonPersistentDisk", "portworxVolume", "quobyte", "rbd", "scaleIO",
    "storageos", "vsphereVolume")


def _default_volume(v: dict) -> None:
    if not any(v.get(src) is not None for src in _VOLUME_SOURCES):
        v["emptyDir"] = {}
    for src in _VOLUME_SOURCES_WITH_MODE:
        if isinstance(v.get(src), dict):
            _setdefault(v[src], "defaultMode", VOLUME_DEFAULT_MODE)


def default_pod_spec(spec: dict, *, restart_policy: bool = True) -> None:
    """SetDefaults_PodSpec and its containers, in place (pods and templates)."""
    _setdefault(spec, "dnsPolicy", "ClusterFirst")
    if restart_policy:
        _setdefault(spec, "restartPolicy", "Always")
    if not isinstance(spec.get("securityContext"), dict):
        spec["securityContext"] = {}
    _setdefault(spec, "terminationGracePeriodSeconds", DEFAULT_TERMINATION_GRACE_PERIOD)
    _setdefault(spec, "schedulerName", DEFAULT_SCHEDULER)
    for c in _dicts(spec.get("containers")) + _dicts(spec.get("initContainers")):
        _default_container(c)
    for v in _dicts(spec.get("volumes")):
        _default_volume(v)


def _requests_from_limits(c: dict) -> None:
    res = c.get("resources")
    if not isinstance(res, dict) or not isinstance(res.get("limits"), dict):
        return
    requests = _d(res, "requests")
    for name, value in res["limits"].items():
        requests.setdefault(name, value)


def _pod(obj: dict) -> None:
    spec = _d(obj, "spec")
    default_pod_spec(spec)
    for c in _dicts(spec.get("containers")) + _dicts(spec.get("initContainers")):
        _requests_from_limits(c)
    if spec.get("enableServiceLinks") is None:
        spec["enableServiceLinks"] = True
    if spec.get("hostNetwork"):     # the container's port is the host's port
        for c in _dicts(spec.get("containers")) + _dicts(spec.get("initContainers")):
            for port in _dicts(c.get("ports")):
                if not port.get("hostPort") and port.get("containerPort"):
                    port["hostPort"] = port["containerPort"]


def _template(spec: dict, *, restart_policy: bool = True) -> None:
    """Defaults of a ``spec.template`` (a PodTemplateSpec), if present."""
    tmpl = spec.get("template")
    if isinstance(tmpl, dict):
        default_pod_spec(_d(tmpl, "spec"), restart_policy=restart_policy)


def _pvc_spec(spec: dict) -> None:
    _setdefault(spec, "volumeMode", "Filesystem")


# ------------------------------------------------------------------ workloads

def _deployment(obj: dict) -> None:
    spec = _d(obj, "spec")
    _setdefault(spec, "replicas", 1)
    strategy = _d(spec, "strategy")
    _setdefault(strategy, "type", "RollingUpdate")
    if strategy["type"] == "RollingUpdate":
        ru = _d(strategy, "rollingUpdate")
        _setdefault(ru, "maxUnavailable", "25%")
        _setdefault(ru, "maxSurge", "25%")
    _setdefault(spec, "revisionHistoryLimit", 10)
    _setdefault(spec, "progressDeadlineSeconds", 600)
    _template(spec)


def _replicaset(obj: dict) -> None:
    spec = _d(obj, "spec")
    _setdefault(spec, "replicas", 1)
    _template(spec)


def _replication_controller(obj: dict) -> None:
    spec = _d(obj, "spec")
    tmpl = spec.get("template")
    labels = ((tmpl.get("metadata") or {}).get("labels")
              if isinstance(tmpl, dict) and isinstance(tmpl.get("metadata"), dict) else None)
    if labels is not None:
        if not spec.get("selector"):
            spec["selector"] = copy.deepcopy(labels)
        meta = _d(obj, "metadata")
        if not meta.get("labels"):
            meta["labels"] = copy.deepcopy(labels)
    _setdefault(spec, "replicas", 1)
    _template(spec)


def _statefulset(obj: dict) -> None:
    spec = _d(obj, "spec")
    _setdefault(spec, "podManagementPolicy", "OrderedReady")
    strategy = _d(spec, "updateStrategy")
    if not strategy.get("type"):
        strategy["type"] = "RollingUpdate"
        _d(strategy, "rollingUpdate")
    if strategy["type"] == "RollingUpdate" and isinstance(strategy.get("rollingUpdate"), dict):
        _setdefault(strategy["rollingUpdate"], "partition", 0)
    policy = _d(spec, "persistentVolumeClaimRetentionPolicy")
    _setdefault(policy, "whenDeleted", "Retain")
    _setdefault(policy, "whenScaled", "Retain")
    _setdefault(spec, "replicas", 1)
    _setdefault(spec, "revisionHistoryLimit", 10)
    _template(spec)
    for claim in _dicts(spec.get("volumeClaimTemplates")):
        _pvc(claim)


def _daemonset(obj: dict) -> None:
    spec = _d(obj, "spec")
    strategy = _d(spec, "updateStrategy")
    _setdefault(strategy, "type", "RollingUpdate")
    if strategy["type"] == "RollingUpdate":
        ru = _d(strategy, "rollingUpdate")
        _setdefault(ru, "maxUnavailable", 1)
        _setdefault(ru, "maxSurge", 0)
    _setdefault(spec, "revisionHistoryLimit", 10)
    _template(spec)


def _job(obj: dict) -> None:
    spec = _d(obj, "spec")
    # Both unset: a single-pod job.  Parallelism alone: a work queue (no completions).
    if spec.get("completions") is None and spec.get("parallelism") is None:
        spec["completions"] = 1
    _setdefault(spec, "parallelism", 1)
    _setdefault(spec, "backoffLimit", 6)
    _setdefault(spec, "completionMode", "NonIndexed")
    if spec.get("suspend") is None:
        spec["suspend"] = False
    _setdefault(spec, "podReplacementPolicy",
                "Failed" if spec.get("podFailurePolicy") else "TerminatingOrFailed")
    tmpl = spec.get("template")
    labels = ((tmpl.get("metadata") or {}).get("labels")
              if isinstance(tmpl, dict) and isinstance(tmpl.get("metadata"), dict) else None)
    meta = _d(obj, "metadata")
    if labels and not meta.get("labels"):
        meta["labels"] = copy.deepcopy(labels)
    _template(spec, restart_policy=False)


_BEHAVIOR_DEFAULTS = {
    "scaleUp": {"stabilizationWindowSeconds": 0, "selectPolicy": "Max",
                "policies": [{"type": "Pods", "value": 4, "periodSeconds": 15},
                             {"type": "Percent", "value": 100, "periodSeconds": 15}]},
    "scaleDown": {"stabilizationWindowSeconds": 300, "selectPolicy": "Max",
                  "policies": [{"type": "Percent", "value": 100, "periodSeconds": 15}]},
}


def _hpa(obj: dict) -> None:
    spec = _d(obj, "spec")
    _setdefault(spec, "minReplicas", 1)
    if str(obj.get("apiVersion") or "") == "autoscaling/v1":
        return      # v1 leaves targetCPUUtilizationPercentage unset (the controller uses 80)
    if not spec.get("metrics"):
        spec["metrics"] = [{"type": "Resource", "resource": {
            "name": "cpu",
            "target": {"type": "Utilization", "averageUtilization": DEFAULT_CPU_UTILIZATION}}}]
    behavior = spec.get("behavior")
    if isinstance(behavior, dict):
        # A given behavior is completed rule by rule; an absent one stays absent.
        for direction, dflt in _BEHAVIOR_DEFAULTS.items():
            rules = _d(behavior, direction)
            for k, v in dflt.items():
                if rules.get(k) is None:
                    rules[k] = copy.deepcopy(v)


# ------------------------------------------------------------------ core

def _service(obj: dict) -> None:
    spec = _d(obj, "spec")
    _setdefault(spec, "type", "ClusterIP")
    _setdefault(spec, "sessionAffinity", "None")
    if spec["sessionAffinity"] == "ClientIP":
        client_ip = _d(_d(spec, "sessionAffinityConfig"), "clientIP")
        _setdefault(client_ip, "timeoutSeconds", CLIENT_IP_AFFINITY_SECONDS)
    for port in _dicts(spec.get("ports")):
        _setdefault(port, "protocol", "TCP")
        if port.get("targetPort") in (None, 0, "") and port.get("port") is not None:
            port["targetPort"] = port["port"]
    svc_type = spec["type"]
    if svc_type in ("NodePort", "LoadBalancer") or (svc_type == "ClusterIP"
                                                    and spec.get("externalIPs")):
        _setdefault(spec, "externalTrafficPolicy", "Cluster")
    if svc_type == "LoadBalancer" and spec.get("allocateLoadBalancerNodePorts") is None:
        spec["allocateLoadBalancerNodePorts"] = True
    if svc_type != "ExternalName":
        _setdefault(spec, "internalTrafficPolicy", "Cluster")
        # A single-stack IPv4 cluster: every non-ExternalName service, headless too.
        _setdefault(spec, "ipFamilyPolicy", "SingleStack")
        if not spec.get("ipFamilies"):
            spec["ipFamilies"] = ["IPv4"]
        if spec.get("clusterIP") and not spec.get("clusterIPs"):
            spec["clusterIPs"] = [spec["clusterIP"]]


def _namespace(obj: dict) -> None:
    meta = _d(obj, "metadata")
    if meta.get("name"):
        _d(meta, "labels")["kubernetes.io/metadata.name"] = meta["name"]
    spec = _d(obj, "spec")
    if spec.get("finalizers") is None:
        spec["finalizers"] = ["kubernetes"]
    _setdefault(_d(obj, "status"), "phase", "Active")


def _node(obj: dict) -> None:
    status = obj.get("status")
    if isinstance(status, dict) and status.get("allocatable") is None \
            and isinstance(status.get("capacity"), dict):
        status["allocatable"] = copy.deepcopy(status["capacity"])


def _pv(obj: dict) -> None:
    spec = _d(obj, "spec")
    _setdefault(spec, "persistentVolumeReclaimPolicy", "Retain")
    _setdefault(spec, "volumeMode", "Filesystem")
    _setdefault(_d(obj, "status"), "phase", "Pending")


def _pvc(obj: dict) -> None:
    _pvc_spec(_d(obj, "spec"))
    _setdefault(_d(obj, "status"), "phase", "Pending")


def _secret(obj: dict) -> None:
    # stringData is write-only: merged into data (winning on conflicts), never stored.
    string_data = obj.pop("stringData", None)
    if isinstance(string_data, dict) and string_data:
        data = _d(obj, "data")
        for key, value in string_data.items():
            data[key] = base64.b64encode(str(value).encode()).decode()
    _setdefault(obj, "type", "Opaque")


def _endpoints(obj: dict) -> None:
    for subset in _dicts(obj.get("subsets")):
        for port in _dicts(subset.get("ports")):
            _setdefault(port, "protocol", "TCP")


def _endpoint_slice(obj: dict) -> None:
    for port in _dicts(obj.get("ports")):
        if port.get("name") is None:
            port["name"] = ""
        _setdefault(port, "protocol", "TCP")


def _ingress_class(obj: dict) -> None:
    params = (obj.get("spec") or {}).get("parameters")
    if isinstance(params, dict) and params.get("scope") is None:
        params["scope"] = "Cluster"


_DEFAULTERS: dict[str, Callable[[dict], None]] = {
    "Pod": _pod,
    "Deployment": _deployment,
    "ReplicaSet": _replicaset,
    "ReplicationController": _replication_controller,
    "StatefulSet": _statefulset,
    "DaemonSet": _daemonset,
    "Job": _job,
    "HorizontalPodAutoscaler": _hpa,
    "Service": _service,
    "Namespace": _namespace,
    "Node": _node,
    "PersistentVolume": _pv,
    "PersistentVolumeClaim": _pvc,
    "Secret": _secret,
    "Endpoints": _endpoints,
    "EndpointSlice": _endpoint_slice,
    "IngressClass": _ingress_class,
}
