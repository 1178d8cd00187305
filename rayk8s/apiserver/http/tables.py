"""Server-side printing: objects -> ``meta.k8s.io/v1 Table``, as kube-apiserver does.

kubectl asks every ``get`` for ``application/json;as=Table;v=v1;g=meta.k8s.io`` and
prints the server's columns verbatim (uppercased); without a Table it falls back to
``NAME AGE`` (``shared/design/kubectl-wire.md`` §2).  The columns and cells here are
those of Kubernetes 1.32's ``pkg/printers/internalversion/printers.go``: one small
printer function per kind, registered in :data:`PRINTERS`.  As in kube-apiserver,
the server always prints the wide form; kubectl shows ``priority: 1`` columns only
with ``-o wide``.  Column descriptions are the same ``SwaggerDoc`` texts the real
printers use (k8s.io/api 1.32).

Cells are strings or ints exactly where the Go printers put strings or int64s;
ages follow apimachinery's ``duration.HumanDuration`` (``0s``, ``119s``, ``2m5s``,
``10m``, ``3h``, ``5d2h``...), measured against the cluster clock ``now``.

Objects are the stored (external, defaulted) JSON dicts.  Where the Go printers work
on the internal type, its conversion is reproduced: ``podIPs``/``clusterIPs`` fall
back to ``podIP``/``clusterIP``, an autoscaling/v1 HPA is printed through its v2
form, missing replica counts read as their defaults.
"""

from __future__ import annotations

import datetime as _dt
from typing import Any, Callable, Iterable

from rayk8s.api import conversion, errors, quantity, selectors
from rayk8s.api.kinds import Kind

__all__ = ["to_table", "column_definitions", "human_duration", "PRINTERS"]

# SwaggerDoc texts (k8s.io/api and apimachinery v0.32) used as column descriptions.
_DOC: dict[str, str] = {
    "ObjectMeta.name": (
        "Name must be unique within a namespace. Is required when creating resources, "
        "although some resources may allow a client to request the generation of an "
        "appropriate name automatically. Name is primarily intended for creation "
        "idempotence and configuration definition. Cannot be updated. More info: "
        "https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names"
    ),
    "ObjectMeta.creationTimestamp": (
        "CreationTimestamp is a timestamp representing the server time when this object"
        " was created. It is not guaranteed to be set in happens-before order across "
        "separate operations. Clients may not set this value. It is represented in "
        "RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for "
        "lists. More info: https://git.k8s.io/community/contributors/devel/sig-architec"
        "ture/api-conventions.md#metadata"
    ),
    "PodStatus.podIP": (
        "podIP address allocated to the pod. Routable at least within the cluster. "
        "Empty if not yet allocated."
    ),
    "PodSpec.nodeName": (
        "NodeName indicates in which node this pod is scheduled. If empty, this pod is "
        "a candidate for scheduling by the scheduler defined in schedulerName. Once "
        "this field is set, the kubelet for this node becomes responsible for the "
        "lifecycle of this pod. This field should not be used to express a desire for "
        "the pod to be scheduled on a specific node. https://kubernetes.io/docs/concept"
        "s/scheduling-eviction/assign-pod-node/#nodename"
    ),
    "PodStatus.nominatedNodeName": (
        "nominatedNodeName is set only when this pod preempts other pods on the node, "
        "but it cannot be scheduled right away as preemption victims receive their "
        "graceful termination periods. This field does not guarantee that the pod will "
        "be scheduled on this node. Scheduler may decide to place the pod elsewhere if "
        "other nodes become available sooner. Scheduler may also decide to give the "
        "resources on this node to a higher priority pod that is created after "
        "preemption. As a result, this field may be different than PodSpec.nodeName "
        "when the pod is scheduled."
    ),
    "PodSpec.readinessGates": (
        "If specified, all readiness gates will be evaluated for pod readiness. A pod "
        "is ready when all its containers are ready AND all conditions specified in the"
        " readiness gates have status equal to \"True\" More info: "
        "https://git.k8s.io/enhancements/keps/sig-network/580-pod-readiness-gates"
    ),
    "PodSpec.nodeSelector": (
        "NodeSelector is a selector which must be true for the pod to fit on a node. "
        "Selector which must match a node's labels for the pod to be scheduled on that "
        "node. More info: "
        "https://kubernetes.io/docs/concepts/configuration/assign-pod-node/"
    ),
    "ReplicationControllerSpec.replicas": (
        "Replicas is the number of desired replicas. This is a pointer to distinguish "
        "between explicit zero and unspecified. Defaults to 1. More info: https://kuber"
        "netes.io/docs/concepts/workloads/controllers/replicationcontroller#what-is-a-r"
        "eplicationcontroller"
    ),
    "ReplicationControllerStatus.replicas": (
        "Replicas is the most recently observed number of replicas. More info: https://"
        "kubernetes.io/docs/concepts/workloads/controllers/replicationcontroller#what-i"
        "s-a-replicationcontroller"
    ),
    "ReplicationControllerStatus.readyReplicas":
        "The number of ready replicas for this replication controller.",
    "ReplicationControllerSpec.selector": (
        "Selector is a label query over pods that should match the Replicas count. If "
        "Selector is empty, it is defaulted to the labels present on the Pod template. "
        "Label keys and values that must match in order to be controlled by this "
        "replication controller, if empty defaulted to labels on Pod template. More "
        "info: https://kubernetes.io/docs/concepts/overview/working-with-objects/labels"
        "/#label-selectors"
    ),
    "ReplicaSetSpec.replicas": (
        "Replicas is the number of desired replicas. This is a pointer to distinguish "
        "between explicit zero and unspecified. Defaults to 1. More info: https://kuber"
        "netes.io/docs/concepts/workloads/controllers/replicationcontroller/#what-is-a-"
        "replicationcontroller"
    ),
    "ReplicaSetStatus.replicas": (
        "Replicas is the most recently observed number of replicas. More info: https://"
        "kubernetes.io/docs/concepts/workloads/controllers/replicationcontroller/#what-"
        "is-a-replicationcontroller"
    ),
    "ReplicaSetStatus.readyReplicas":
        "The number of ready replicas for this replica set.",
    "ReplicaSetSpec.selector": (
        "Selector is a label query over pods that should match the replica count. If "
        "the selector is empty, it is defaulted to the labels present on the pod "
        "template. Label keys and values that must match in order to be controlled by "
        "this replica set. More info: https://kubernetes.io/docs/concepts/overview/work"
        "ing-with-objects/labels/#label-selectors"
    ),
    "DaemonSetStatus.desiredNumberScheduled": (
        "The total number of nodes that should be running the daemon pod (including "
        "nodes correctly running the daemon pod). More info: "
        "https://kubernetes.io/docs/concepts/workloads/controllers/daemonset/"
    ),
    "DaemonSetStatus.currentNumberScheduled": (
        "The number of nodes that are running at least 1 daemon pod and are supposed to"
        " run the daemon pod. More info: "
        "https://kubernetes.io/docs/concepts/workloads/controllers/daemonset/"
    ),
    "DaemonSetStatus.numberReady": (
        "The number of nodes that should be running the daemon pod and have one or more"
        " of the daemon pod running and ready."
    ),
    "DaemonSetStatus.updatedNumberScheduled":
        "The total number of nodes that are running updated daemon pod",
    "DaemonSetStatus.numberAvailable": (
        "The number of nodes that should be running the daemon pod and have one or more"
        " of the daemon pod running and available (ready for at least "
        "spec.minReadySeconds)"
    ),
    "DaemonSetSpec.selector": (
        "A label query over pods that are managed by the daemon set. Must match in "
        "order to be controlled. If empty, defaulted to labels on Pod template. More "
        "info: https://kubernetes.io/docs/concepts/overview/working-with-objects/labels"
        "/#label-selectors"
    ),
    "JobStatus.succeeded": (
        "The number of pods which reached phase Succeeded. The value increases "
        "monotonically for a given spec. However, it may decrease in reaction to scale "
        "down of elastic indexed jobs."
    ),
    "JobSpec.selector": (
        "A label query over pods that should match the pod count. Normally, the system "
        "sets this field for you. More info: https://kubernetes.io/docs/concepts/overvi"
        "ew/working-with-objects/labels/#label-selectors"
    ),
    "ServiceSpec.type": (
        "type determines how the Service is exposed. Defaults to ClusterIP. Valid "
        "options are ExternalName, ClusterIP, NodePort, and LoadBalancer. \"ClusterIP\" "
        "allocates a cluster-internal IP address for load-balancing to endpoints. "
        "Endpoints are determined by the selector or if that is not specified, by "
        "manual construction of an Endpoints object or EndpointSlice objects. If "
        "clusterIP is \"None\", no virtual IP is allocated and the endpoints are "
        "published as a set of endpoints rather than a virtual IP. \"NodePort\" builds on"
        " ClusterIP and allocates a port on every node which routes to the same "
        "endpoints as the clusterIP. \"LoadBalancer\" builds on NodePort and creates an "
        "external load-balancer (if supported in the current cloud) which routes to the"
        " same endpoints as the clusterIP. \"ExternalName\" aliases this service to the "
        "specified externalName. Several other fields do not apply to ExternalName "
        "services. More info: https://kubernetes.io/docs/concepts/services-networking/s"
        "ervice/#publishing-services-service-types"
    ),
    "ServiceSpec.clusterIP": (
        "clusterIP is the IP address of the service and is usually assigned randomly. "
        "If an address is specified manually, is in-range (as per system "
        "configuration), and is not in use, it will be allocated to the service; "
        "otherwise creation of the service will fail. This field may not be changed "
        "through updates unless the type field is also being changed to ExternalName "
        "(which requires this field to be blank) or the type field is being changed "
        "from ExternalName (in which case this field may optionally be specified, as "
        "describe above).  Valid values are \"None\", empty string (\"\"), or a valid IP "
        "address. Setting this to \"None\" makes a \"headless service\" (no virtual IP), "
        "which is useful when direct endpoint connections are preferred and proxying is"
        " not required.  Only applies to types ClusterIP, NodePort, and LoadBalancer. "
        "If this field is specified when creating a Service of type ExternalName, "
        "creation will fail. This field will be wiped when updating a Service to type "
        "ExternalName. More info: https://kubernetes.io/docs/concepts/services-networki"
        "ng/service/#virtual-ips-and-service-proxies"
    ),
    "ServiceSpec.externalIPs": (
        "externalIPs is a list of IP addresses for which nodes in the cluster will also"
        " accept traffic for this service.  These IPs are not managed by Kubernetes.  "
        "The user is responsible for ensuring that traffic arrives at a node with this "
        "IP.  A common example is external load-balancers that are not part of the "
        "Kubernetes system."
    ),
    "ServiceSpec.ports": (
        "The list of ports that are exposed by this service. More info: https://kuberne"
        "tes.io/docs/concepts/services-networking/service/#virtual-ips-and-service-prox"
        "ies"
    ),
    "ServiceSpec.selector": (
        "Route service traffic to pods with label keys and values matching this "
        "selector. If empty or not present, the service is assumed to have an external "
        "process managing its endpoints, which Kubernetes will not modify. Only applies"
        " to types ClusterIP, NodePort, and LoadBalancer. Ignored if type is "
        "ExternalName. More info: "
        "https://kubernetes.io/docs/concepts/services-networking/service/"
    ),
    "Endpoints.subsets": (
        "The set of all endpoints is the union of all subsets. Addresses are placed "
        "into subsets according to the IPs they share. A single address with multiple "
        "ports, some of which are ready and some of which are not (because they come "
        "from different containers) will result in the address being displayed in "
        "different subsets for the different ports. No address will appear in both "
        "Addresses and NotReadyAddresses in the same subset. Sets of addresses and "
        "ports that comprise a service."
    ),
    "NodeSystemInfo.kubeletVersion":
        "Kubelet Version reported by the node.",
    "NodeStatus.addresses": (
        "List of addresses reachable to the node. Queried from cloud provider, if "
        "available. More info: "
        "https://kubernetes.io/docs/reference/node/node-status/#addresses Note: This "
        "field is declared as mergeable, but the merge key is not sufficiently unique, "
        "which can cause data corruption when it is merged. Callers should instead use "
        "a full-replacement patch. See https://pr.k8s.io/79391 for an example. "
        "Consumers should assume that addresses can change during the lifetime of a "
        "Node. However, there are some exceptions where this may not be possible, such "
        "as Pods that inherit a Node's address in its own status or consumers of the "
        "downward API (status.hostIP)."
    ),
    "NodeSystemInfo.osImage": (
        "OS Image reported by the node from /etc/os-release (e.g. Debian GNU/Linux 7 "
        "(wheezy))."
    ),
    "NodeSystemInfo.kernelVersion": (
        "Kernel Version reported by the node from 'uname -r' (e.g. "
        "3.16.0-0.bpo.4-amd64)."
    ),
    "NodeSystemInfo.containerRuntimeVersion": (
        "ContainerRuntime Version reported by the node through runtime remote API (e.g."
        " containerd://1.4.2)."
    ),
    "Event.lastTimestamp":
        "The time at which the most recent occurrence of this event was recorded.",
    "Event.type":
        "Type of this event (Normal, Warning), new types could be added in the future",
    "Event.reason": (
        "This should be a short, machine understandable string that gives the reason "
        "for the transition into the object's current status."
    ),
    "Event.involvedObject":
        "The object that this event is about.",
    "ObjectReference.fieldPath": (
        "If referring to a piece of an object instead of an entire object, this string "
        "should contain a valid JSON/Go field access statement, such as "
        "desiredState.manifest.containers[2]. For example, if the object reference is "
        "to a container within a pod, this would take on a value like: "
        "\"spec.containers{name}\" (where \"name\" refers to the name of the container that"
        " triggered the event) or if no container name is specified "
        "\"spec.containers[2]\" (container with index 2 in this pod). This syntax is "
        "chosen only to have some well-defined way of referencing a part of an object."
    ),
    "Event.source": (
        "The component reporting this event. Should be a short machine understandable "
        "string."
    ),
    "Event.message":
        "A human-readable description of the status of this operation.",
    "Event.firstTimestamp": (
        "The time at which the event was first recorded. (Time of server receipt is in "
        "TypeMeta.)"
    ),
    "Event.count":
        "The number of times this event has occurred.",
    "Secret.type": (
        "Used to facilitate programmatic handling of secret data. More info: "
        "https://kubernetes.io/docs/concepts/configuration/secret/#secret-types"
    ),
    "Secret.data": (
        "Data contains the secret data. Each key must consist of alphanumeric "
        "characters, '-', '_' or '.'. The serialized form of the secret data is a "
        "base64 encoded string, representing the arbitrary (possibly non-string) data "
        "value here. Described in https://tools.ietf.org/html/rfc4648#section-4"
    ),
    "ServiceAccount.secrets": (
        "Secrets is a list of the secrets in the same namespace that pods running using"
        " this ServiceAccount are allowed to use. Pods are only limited to this list if"
        " this service account has a \"kubernetes.io/enforce-mountable-secrets\" "
        "annotation set to \"true\". The \"kubernetes.io/enforce-mountable-secrets\" "
        "annotation is deprecated since v1.32. Prefer separate namespaces to isolate "
        "access to mounted secrets. This field should not be used to find "
        "auto-generated service account token secrets for use outside of pods. Instead,"
        " tokens can be requested directly using the TokenRequest API, or service "
        "account token secrets can be manually created. More info: "
        "https://kubernetes.io/docs/concepts/configuration/secret"
    ),
    "PersistentVolumeSpec.capacity": (
        "capacity is the description of the persistent volume's resources and capacity."
        " More info: "
        "https://kubernetes.io/docs/concepts/storage/persistent-volumes#capacity"
    ),
    "PersistentVolumeSpec.accessModes": (
        "accessModes contains all ways the volume can be mounted. More info: "
        "https://kubernetes.io/docs/concepts/storage/persistent-volumes#access-modes"
    ),
    "PersistentVolumeSpec.persistentVolumeReclaimPolicy": (
        "persistentVolumeReclaimPolicy defines what happens to a persistent volume when"
        " released from its claim. Valid options are Retain (default for manually "
        "created PersistentVolumes), Delete (default for dynamically provisioned "
        "PersistentVolumes), and Recycle (deprecated). Recycle must be supported by the"
        " volume plugin underlying this PersistentVolume. More info: "
        "https://kubernetes.io/docs/concepts/storage/persistent-volumes#reclaiming"
    ),
    "PersistentVolumeStatus.phase": (
        "phase indicates if a volume is available, bound to a claim, or released by a "
        "claim. More info: "
        "https://kubernetes.io/docs/concepts/storage/persistent-volumes#phase"
    ),
    "PersistentVolumeSpec.claimRef": (
        "claimRef is part of a bi-directional binding between PersistentVolume and "
        "PersistentVolumeClaim. Expected to be non-nil when bound. claim.VolumeName is "
        "the authoritative bind between PV and PVC. More info: "
        "https://kubernetes.io/docs/concepts/storage/persistent-volumes#binding"
    ),
    "PersistentVolumeStatus.reason": (
        "reason is a brief CamelCase string that describes any failure and is meant for"
        " machine parsing and tidy display in the CLI."
    ),
    "PersistentVolumeSpec.volumeMode": (
        "volumeMode defines if a volume is intended to be used with a formatted "
        "filesystem or to remain in raw block state. Value of Filesystem is implied "
        "when not included in spec."
    ),
    "PersistentVolumeClaimStatus.phase":
        "phase represents the current phase of PersistentVolumeClaim.",
    "PersistentVolumeClaimSpec.volumeName": (
        "volumeName is the binding reference to the PersistentVolume backing this "
        "claim."
    ),
    "PersistentVolumeClaimStatus.capacity":
        "capacity represents the actual resources of the underlying volume.",
    "PersistentVolumeClaimStatus.accessModes": (
        "accessModes contains the actual access modes the volume backing the PVC has. "
        "More info: "
        "https://kubernetes.io/docs/concepts/storage/persistent-volumes#access-modes-1"
    ),
    "PersistentVolumeClaimSpec.volumeMode": (
        "volumeMode defines what type of volume is required by the claim. Value of "
        "Filesystem is implied when not included in claim spec."
    ),
    "DeploymentStatus.updatedReplicas": (
        "Total number of non-terminated pods targeted by this deployment that have the "
        "desired template spec."
    ),
    "DeploymentStatus.availableReplicas": (
        "Total number of available pods (ready for at least minReadySeconds) targeted "
        "by this deployment."
    ),
    "DeploymentSpec.selector": (
        "Label selector for pods. Existing ReplicaSets whose pods are selected by this "
        "will be the ones affected by this deployment."
    ),
    "HorizontalPodAutoscalerSpec.scaleTargetRef": (
        "scaleTargetRef points to the target resource to scale, and is used to the pods"
        " for which metrics should be collected, as well as to actually change the "
        "replica count."
    ),
    "HorizontalPodAutoscalerSpec.metrics": (
        "metrics contains the specifications for which to use to calculate the desired "
        "replica count (the maximum replica count across all metrics will be used).  "
        "The desired replica count is calculated multiplying the ratio between the "
        "target value and the current value by the current number of pods.  Ergo, "
        "metrics used must decrease as the pod count is increased, and vice-versa.  See"
        " the individual metric source types for more information about how each type "
        "of metric must respond."
    ),
    "HorizontalPodAutoscalerSpec.minReplicas": (
        "minReplicas is the lower limit for the number of replicas to which the "
        "autoscaler can scale down.  It defaults to 1 pod.  minReplicas is allowed to "
        "be 0 if the alpha feature gate HPAScaleToZero is enabled and at least one "
        "Object or External metric is configured.  Scaling is active as long as at "
        "least one metric value is available."
    ),
    "HorizontalPodAutoscalerSpec.maxReplicas": (
        "maxReplicas is the upper limit for the number of replicas to which the "
        "autoscaler can scale up. It cannot be less that minReplicas."
    ),
    "HorizontalPodAutoscalerStatus.currentReplicas": (
        "currentReplicas is current number of replicas of pods managed by this "
        "autoscaler, as last seen by the autoscaler."
    ),
    "ConfigMap.data": (
        "Data contains the configuration data. Each key must consist of alphanumeric "
        "characters, '-', '_' or '.'. Values with non-UTF-8 byte sequences must use the"
        " BinaryData field. The keys stored in Data must not overlap with the keys in "
        "the BinaryData field, this is enforced during validation process."
    ),
    "LeaseSpec.holderIdentity": (
        "holderIdentity contains the identity of the holder of a current lease. If "
        "Coordinated Leader Election is used, the holder identity must be equal to the "
        "elected LeaseCandidate.metadata.name field."
    ),
    "EndpointSlice.addressType": (
        "addressType specifies the type of address carried by this EndpointSlice. All "
        "addresses in this slice must be the same type. This field is immutable after "
        "creation. The following address types are currently supported: * IPv4: "
        "Represents an IPv4 Address. * IPv6: Represents an IPv6 Address. * FQDN: "
        "Represents a Fully Qualified Domain Name."
    ),
    "EndpointSlice.ports": (
        "ports specifies the list of network ports exposed by each endpoint in this "
        "slice. Each port must have a unique name. When ports is empty, it indicates "
        "that there are no defined ports. When a port is defined with a nil port value,"
        " it indicates \"all ports\". Each slice may include a maximum of 100 ports."
    ),
    "EndpointSlice.endpoints": (
        "endpoints is a list of unique endpoints in this slice. Each slice may include "
        "a maximum of 1000 endpoints."
    ),
}


# ------------------------------------------------------------------- helpers

Row = list[Any]


def column(name: str, type_: str, description: str, priority: int = 0,
           format_: str = "") -> dict[str, Any]:
    """A ``TableColumnDefinition`` (every field present, as Go serialises it)."""
    return {"name": name, "type": type_, "format": format_, "description": description,
            "priority": priority}


def _doc(key: str) -> str:
    return _DOC[key]


NAME = column("Name", "string", _doc("ObjectMeta.name"), format_="name")
AGE = column("Age", "string", _doc("ObjectMeta.creationTimestamp"))
_CONTAINERS = column("Containers", "string", "Names of each container in the template.", 1)
_IMAGES = column("Images", "string", "Images referenced by each container in the template.", 1)


def _d(obj: Any, *path: str, default: Any = None) -> Any:
    """``obj[path[0]][path[1]]...`` or ``default`` when anything is missing or null."""
    for p in path:
        if not isinstance(obj, dict):
            return default
        obj = obj.get(p)
    return default if obj is None else obj


def _parse_time(value: Any) -> float | None:
    """RFC 3339 text -> seconds since the epoch; None when absent or unreadable."""
    if not value or not isinstance(value, str):
        return None
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        t = _dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    if t.tzinfo is None:
        t = t.replace(tzinfo=_dt.timezone.utc)
    return t.timestamp()


def _tdiv(a: int, b: int) -> int:
    """Integer division truncating toward zero, as Go's."""
    q = abs(a) // abs(b)
    return q if (a >= 0) == (b > 0) else -q


def human_duration(seconds: float) -> str:
    """apimachinery ``duration.HumanDuration`` of a duration in seconds."""
    d = int(round(seconds * 1e9))                       # Go durations are nanoseconds
    secs = _tdiv(d, 10**9)
    if secs < -1:
        return "<invalid>"
    if secs < 0:
        return "0s"
    if secs < 60 * 2:
        return f"{secs}s"
    minutes = d // (60 * 10**9)
    if minutes < 10:
        s = (d // 10**9) % 60
        return f"{minutes}m" if s == 0 else f"{minutes}m{s}s"
    if minutes < 60 * 3:
        return f"{minutes}m"
    hours = d // (3600 * 10**9)
    if hours < 8:
        m = minutes % 60
        return f"{hours}h" if m == 0 else f"{hours}h{m}m"
    if hours < 48:
        return f"{hours}h"
    if hours < 24 * 8:
        h = hours % 24
        return f"{hours // 24}d" if h == 0 else f"{hours // 24}d{h}h"
    if hours < 24 * 365 * 2:
        return f"{hours // 24}d"
    if hours < 24 * 365 * 8:
        dy = (hours // 24) % 365
        return f"{hours // 24 // 365}y" if dy == 0 else f"{hours // 24 // 365}y{dy}d"
    return f"{hours // 24 // 365}y"


def _since(value: Any, now: float) -> str:
    """``translateTimestampSince``: the age of a timestamp, ``<unknown>`` if unset."""
    t = _parse_time(value)
    return "<unknown>" if t is None else human_duration(now - t)


def _age(obj: dict, now: float) -> str:
    return _since(_d(obj, "metadata", "creationTimestamp"), now)


def _name(obj: dict) -> str:
    return _d(obj, "metadata", "name", default="")


def _format_labels(labels: Any) -> str:
    """``labels.FormatLabels``: ``k=v,...`` sorted, or ``<none>``."""
    text = ",".join(sorted(f"{k}={v}" for k, v in (labels or {}).items()))
    return text or "<none>"


def _selector_string(sel: Any) -> str | None:
    """``LabelSelectorAsSelector(sel).String()``; None when the selector is invalid."""
    try:
        return str(selectors.from_label_selector(sel))
    except (errors.ApiError, AttributeError, TypeError):
        return None


def _format_label_selector(sel: Any) -> str:
    """``metav1.FormatLabelSelector``: the selector, ``<none>`` if empty, ``<error>``."""
    text = _selector_string(sel)
    if text is None:
        return "<error>"
    return text or "<none>"


def _containers(spec: Any) -> tuple[str, str]:
    """``layoutContainerCells``: comma-joined container names and images."""
    cs = _d(spec, "containers", default=[]) or []
    return (",".join(c.get("name", "") for c in cs if isinstance(c, dict)),
            ",".join(c.get("image", "") for c in cs if isinstance(c, dict)))


def _quantity(q: Any) -> str:
    """``Quantity.String()``: the canonical form of a quantity (``"0"`` when unset)."""
    if q is None or q == "":
        return "0"
    try:
        value = quantity.parse_quantity(q)
    except ValueError:
        return str(q)
    text = str(q).strip()
    if value.denominator == 1 and text[-2:] in ("Ki", "Mi", "Gi", "Ti", "Pi", "Ei"):
        return quantity.format_bytes(value.numerator) if value >= 0 else text
    if any(c in text for c in "eE") and not text.endswith("E"):
        return text                     # DecimalExponent keeps its own notation
    return quantity.format_decimal(value) if value >= 0 else text


def _join_more(items: list[str], count: int, limit: int = 3, empty: str = "<unset>") -> str:
    """``listWithMoreString``: the first ``limit`` items, then ``+ N more...``."""
    text = ",".join(items[:limit])
    if count > limit:
        return f"{text} + {count - limit} more..."
    return text or empty


def _lb_ingress(status: Any) -> str:
    """``loadBalancerStatusStringer`` in wide form: sorted unique IPs/hostnames."""
    found = set()
    for ing in _d(status, "loadBalancer", "ingress", default=[]) or []:
        if ing.get("ip"):
            found.add(ing["ip"])
        elif ing.get("hostname"):
            found.add(ing["hostname"])
    return ",".join(sorted(found))


def _condition(conditions: Any, type_: str) -> dict | None:
    for c in conditions or []:
        if isinstance(c, dict) and c.get("type") == type_:
            return c
    return None


# ---------------------------------------------------------------------- pods

_POD_COLUMNS = [
    NAME,
    column("Ready", "string", "The aggregate readiness state of this pod for accepting traffic."),
    column("Status", "string", "The aggregate status of the containers in this pod."),
    column("Restarts", "string", "The number of times the containers in this pod have been "
           "restarted and when the last container in this pod has restarted."),
    AGE,
    column("IP", "string", _doc("PodStatus.podIP"), 1),
    column("Node", "string", _doc("PodSpec.nodeName"), 1),
    column("Nominated Node", "string", _doc("PodStatus.nominatedNodeName"), 1),
    column("Readiness Gates", "string", _doc("PodSpec.readinessGates"), 1),
]

_POD_CONDITIONS = {
    "Succeeded": [{"type": "Completed", "status": "True", "reason": "Succeeded",
                   "message": "The pod has completed successfully."}],
    "Failed": [{"type": "Completed", "status": "True", "reason": "Failed",
                "message": "The pod failed."}],
}


def _restartable(container: Any) -> bool:
    """A sidecar: an init container with ``restartPolicy: Always``."""
    return isinstance(container, dict) and container.get("restartPolicy") == "Always"


def pod_status(pod: dict) -> tuple[str, int, int, int, float | None]:
    """kubectl's pod STATUS logic: ``(reason, ready, total, restarts, last restart)``."""
    spec, status = pod.get("spec") or {}, pod.get("status") or {}
    init_specs = {c.get("name"): c for c in spec.get("initContainers") or []
                  if isinstance(c, dict)}
    total = len(spec.get("containers") or []) + sum(
        1 for c in init_specs.values() if _restartable(c))
    ready = restarts = sidecar_restarts = 0
    last_restart: float | None = None
    last_sidecar_restart: float | None = None

    phase = status.get("phase") or ""
    reason = status.get("reason") or phase
    for c in status.get("conditions") or []:
        if c.get("type") == "PodScheduled" and c.get("reason") == "SchedulingGated":
            reason = "SchedulingGated"

    def finished(cs: dict) -> float | None:
        return _parse_time(_d(cs, "lastState", "terminated", "finishedAt"))

    initializing = False
    n_init = len(spec.get("initContainers") or [])
    for i, cs in enumerate(status.get("initContainerStatuses") or []):
        restarts += int(cs.get("restartCount") or 0)
        t = finished(cs)
        if t is not None and (last_restart is None or t > last_restart):
            last_restart = t
        sidecar = _restartable(init_specs.get(cs.get("name")))
        if sidecar:
            sidecar_restarts += int(cs.get("restartCount") or 0)
            if t is not None and (last_sidecar_restart is None or t > last_sidecar_restart):
                last_sidecar_restart = t
        state = cs.get("state") or {}
        term, wait = state.get("terminated"), state.get("waiting")
        if term is not None and int(term.get("exitCode") or 0) == 0:
            continue
        if sidecar and cs.get("started"):
            if cs.get("ready"):
                ready += 1
            continue
        if term is not None:
            if not term.get("reason"):
                if term.get("signal"):
                    reason = f"Init:Signal:{term['signal']}"
                else:
                    reason = f"Init:ExitCode:{int(term.get('exitCode') or 0)}"
            else:
                reason = "Init:" + term["reason"]
        elif wait is not None and wait.get("reason") and wait["reason"] != "PodInitializing":
            reason = "Init:" + wait["reason"]
        else:
            reason = f"Init:{i}/{n_init}"
        initializing = True
        break

    initialized = (_condition(status.get("conditions"), "Initialized") or {}).get(
        "status") == "True"
    if not initializing or initialized:
        restarts, last_restart = sidecar_restarts, last_sidecar_restart
        has_running = False
        for cs in reversed(status.get("containerStatuses") or []):
            restarts += int(cs.get("restartCount") or 0)
            t = finished(cs)
            if t is not None and (last_restart is None or t > last_restart):
                last_restart = t
            state = cs.get("state") or {}
            wait, term = state.get("waiting"), state.get("terminated")
            if wait is not None and wait.get("reason"):
                reason = wait["reason"]
            elif term is not None and term.get("reason"):
                reason = term["reason"]
            elif term is not None:
                if term.get("signal"):
                    reason = f"Signal:{term['signal']}"
                else:
                    reason = f"ExitCode:{int(term.get('exitCode') or 0)}"
            elif cs.get("ready") and state.get("running") is not None:
                has_running = True
                ready += 1
        if reason == "Completed" and has_running:
            ready_cond = _condition(status.get("conditions"), "Ready") or {}
            reason = "Running" if ready_cond.get("status") == "True" else "NotReady"

    deleting = _d(pod, "metadata", "deletionTimestamp") is not None
    if deleting and status.get("reason") == "NodeLost":
        reason = "Unknown"
    elif deleting and phase not in ("Succeeded", "Failed"):
        reason = "Terminating"
    return reason, ready, total, restarts, last_restart


def _print_pod(pod: dict, now: float) -> Row:
    spec, status = pod.get("spec") or {}, pod.get("status") or {}
    reason, ready, total, restarts, last_restart = pod_status(pod)
    restarts_text = str(restarts)
    if restarts and last_restart is not None:
        restarts_text = f"{restarts} ({human_duration(now - last_restart)} ago)"
    ips = status.get("podIPs") or []
    pod_ip = (ips[0].get("ip") if ips and isinstance(ips[0], dict) else None) \
        or status.get("podIP") or "<none>"
    gates = spec.get("readinessGates") or []
    gates_text = "<none>"
    if gates:
        true = 0
        for gate in gates:
            c = _condition(status.get("conditions"), gate.get("conditionType"))
            if c is not None and c.get("status") == "True":
                true += 1
        gates_text = f"{true}/{len(gates)}"
    return [_name(pod), f"{ready}/{total}", reason, restarts_text, _age(pod, now),
            pod_ip, spec.get("nodeName") or "<none>",
            status.get("nominatedNodeName") or "<none>", gates_text]


def _pod_conditions(pod: dict) -> list[dict] | None:
    return _POD_CONDITIONS.get(_d(pod, "status", "phase"))


# --------------------------------------------------------------------- nodes

_NODE_COLUMNS = [
    NAME,
    column("Status", "string", "The status of the node"),
    column("Roles", "string", "The roles of the node"),
    AGE,
    column("Version", "string", _doc("NodeSystemInfo.kubeletVersion")),
    column("Internal-IP", "string", _doc("NodeStatus.addresses"), 1),
    column("External-IP", "string", _doc("NodeStatus.addresses"), 1),
    column("OS-Image", "string", _doc("NodeSystemInfo.osImage"), 1),
    column("Kernel-Version", "string", _doc("NodeSystemInfo.kernelVersion"), 1),
    column("Container-Runtime", "string", _doc("NodeSystemInfo.containerRuntimeVersion"), 1),
]


def node_roles(node: dict) -> list[str]:
    """``findNodeRoles``: ``node-role.kubernetes.io/<role>`` and ``kubernetes.io/role``."""
    roles = set()
    for k, v in (_d(node, "metadata", "labels") or {}).items():
        if k.startswith("node-role.kubernetes.io/"):
            role = k[len("node-role.kubernetes.io/"):]
            if role:
                roles.add(role)
        elif k == "kubernetes.io/role" and v:
            roles.add(v)
    return sorted(roles)


def _node_address(node: dict, type_: str) -> str:
    for a in _d(node, "status", "addresses") or []:
        if a.get("type") == type_:
            return a.get("address", "")
    return "<none>"


def _print_node(node: dict, now: float) -> Row:
    ready = _condition(_d(node, "status", "conditions"), "Ready")
    status = []
    if ready is not None:
        status.append("Ready" if ready.get("status") == "True" else "NotReady")
    if not status:
        status.append("Unknown")
    if _d(node, "spec", "unschedulable"):
        status.append("SchedulingDisabled")
    info = _d(node, "status", "nodeInfo") or {}
    return [_name(node), ",".join(status), ",".join(node_roles(node)) or "<none>",
            _age(node, now), info.get("kubeletVersion", ""),
            _node_address(node, "InternalIP"), _node_address(node, "ExternalIP"),
            info.get("osImage") or "<unknown>", info.get("kernelVersion") or "<unknown>",
            info.get("containerRuntimeVersion") or "<unknown>"]


# -------------------------------------------------------- namespaces, config

_NAMESPACE_COLUMNS = [NAME, column("Status", "string", "The status of the namespace"), AGE]


def _print_namespace(ns: dict, now: float) -> Row:
    return [_name(ns), _d(ns, "status", "phase", default=""), _age(ns, now)]


_CONFIGMAP_COLUMNS = [NAME, column("Data", "string", _doc("ConfigMap.data")), AGE]


def _print_configmap(cm: dict, now: float) -> Row:
    return [_name(cm), len(cm.get("data") or {}) + len(cm.get("binaryData") or {}),
            _age(cm, now)]


_SECRET_COLUMNS = [NAME, column("Type", "string", _doc("Secret.type")),
                   column("Data", "string", _doc("Secret.data")), AGE]


def _print_secret(s: dict, now: float) -> Row:
    return [_name(s), s.get("type") or "", len(s.get("data") or {}), _age(s, now)]


_SERVICEACCOUNT_COLUMNS = [NAME, column("Secrets", "string", _doc("ServiceAccount.secrets")),
                           AGE]


def _print_serviceaccount(sa: dict, now: float) -> Row:
    return [_name(sa), len(sa.get("secrets") or []), _age(sa, now)]


# ------------------------------------------------------------------ services

_SERVICE_COLUMNS = [
    NAME,
    column("Type", "string", _doc("ServiceSpec.type")),
    column("Cluster-IP", "string", _doc("ServiceSpec.clusterIP")),
    column("External-IP", "string", _doc("ServiceSpec.externalIPs")),
    column("Port(s)", "string", _doc("ServiceSpec.ports")),
    AGE,
    column("Selector", "string", _doc("ServiceSpec.selector"), 1),
]


def service_external_ip(svc: dict) -> str:
    """``getServiceExternalIP`` (wide: load-balancer addresses are not clipped)."""
    spec = svc.get("spec") or {}
    external = spec.get("externalIPs") or []
    type_ = spec.get("type")
    if type_ in ("ClusterIP", "NodePort"):
        return ",".join(external) if external else "<none>"
    if type_ == "LoadBalancer":
        lb = _lb_ingress(svc.get("status"))
        if external:
            return ",".join(([*lb.split(",")] if lb else []) + list(external))
        return lb or "<pending>"
    if type_ == "ExternalName":
        return spec.get("externalName", "")
    return "<unknown>"


def service_ports(ports: Iterable[dict]) -> str:
    """``makePortString``: ``80/TCP,8090:31240/TCP``."""
    pieces = []
    for p in ports or []:
        proto = p.get("protocol") or "TCP"
        if p.get("nodePort"):
            pieces.append(f"{p.get('port', 0)}:{p['nodePort']}/{proto}")
        else:
            pieces.append(f"{p.get('port', 0)}/{proto}")
    return ",".join(pieces)


def _print_service(svc: dict, now: float) -> Row:
    spec = svc.get("spec") or {}
    ips = spec.get("clusterIPs") or []
    cluster_ip = (ips[0] if ips else None) or spec.get("clusterIP") or "<none>"
    return [_name(svc), spec.get("type", ""), cluster_ip, service_external_ip(svc),
            service_ports(spec.get("ports")) or "<none>", _age(svc, now),
            _format_labels(spec.get("selector"))]


_ENDPOINTS_COLUMNS = [NAME, column("Endpoints", "string", _doc("Endpoints.subsets")), AGE]


def format_endpoints(subsets: Any) -> str:
    """``formatEndpoints``: up to three ``ip:port``, then ``+ N more...``."""
    if not subsets:
        return "<none>"
    items: list[str] = []
    limit, more, count = 3, False, 0
    for ss in subsets:
        addresses = ss.get("addresses") or []
        ports = ss.get("ports") or []
        if not ports:
            count += len(addresses)
            for a in addresses:
                if len(items) == limit:
                    more = True
                    break
                items.append(a.get("ip", ""))
            continue
        for port in ports:
            count += len(addresses)
            for a in addresses:
                if len(items) == limit:
                    more = True
                    break
                ip, num = a.get("ip", ""), port.get("port", 0)
                items.append(f"[{ip}]:{num}" if ":" in ip else f"{ip}:{num}")
    text = ",".join(items)
    return f"{text} + {count - limit} more..." if more else text


def _print_endpoints(ep: dict, now: float) -> Row:
    return [_name(ep), format_endpoints(ep.get("subsets")), _age(ep, now)]


_ENDPOINTSLICE_COLUMNS = [
    NAME,
    column("AddressType", "string", _doc("EndpointSlice.addressType")),
    column("Ports", "string", _doc("EndpointSlice.ports")),
    column("Endpoints", "string", _doc("EndpointSlice.endpoints")),
    AGE,
]


def _print_endpointslice(es: dict, now: float) -> Row:
    ports = []
    for p in es.get("ports") or []:
        if p.get("port") is not None:
            ports.append(str(p["port"]))
        elif p.get("name") is not None:
            ports.append(p["name"])
        else:
            ports.append("*")
    addresses = [a for e in es.get("endpoints") or [] for a in e.get("addresses") or []]
    return [_name(es), es.get("addressType", ""), _join_more(ports, len(ports)),
            _join_more(addresses, len(addresses)), _age(es, now)]


_INGRESS_COLUMNS = [
    NAME,
    column("Class", "string", "The name of the IngressClass resource that should be used for "
           "additional configuration"),
    column("Hosts", "string", "Hosts that incoming requests are matched against before the "
           "ingress rule"),
    column("Address", "string", "Address is a list containing ingress points for the "
           "load-balancer"),
    column("Ports", "string", "Ports of TLS configurations that open"),
    AGE,
]


def _ingress_hosts(rules: Any) -> str:
    """``formatHosts``: up to three hosts, ``*`` when none is named."""
    rules = rules or []
    hosts: list[str] = []
    more = False
    for rule in rules:
        if len(hosts) == 3:
            more = True
        if not more and rule.get("host"):
            hosts.append(rule["host"])
    if not hosts:
        return "*"
    text = ",".join(hosts)
    return f"{text} + {len(rules) - 3} more..." if more else text


def _print_ingress(ing: dict, now: float) -> Row:
    spec = ing.get("spec") or {}
    return [_name(ing), spec.get("ingressClassName") or "<none>",
            _ingress_hosts(spec.get("rules")), _lb_ingress(ing.get("status")),
            "80, 443" if spec.get("tls") else "80", _age(ing, now)]


_INGRESSCLASS_COLUMNS = [
    NAME,
    column("Controller", "string", "Controller that is responsible for handling this class"),
    column("Parameters", "string", "A reference to a resource with additional parameters"),
    AGE,
]


def _print_ingressclass(ic: dict, now: float) -> Row:
    """``Kind[.apiGroup]/name`` of ``spec.parameters``, ``<none>`` without one."""
    spec = ic.get("spec") or {}
    params = spec.get("parameters")
    shown = "<none>"
    if params is not None:
        shown = str(params.get("kind") or "")
        if params.get("apiGroup") is not None:
            shown += "." + str(params["apiGroup"])
        shown += "/" + str(params.get("name") or "")
    return [_name(ic), spec.get("controller") or "", shown, _age(ic, now)]


# ----------------------------------------------------------------- workloads

_DEPLOYMENT_COLUMNS = [
    NAME,
    column("Ready", "string", "Number of the pod with ready state"),
    column("Up-to-date", "string", _doc("DeploymentStatus.updatedReplicas")),
    column("Available", "string", _doc("DeploymentStatus.availableReplicas")),
    AGE,
    _CONTAINERS,
    _IMAGES,
    column("Selector", "string", _doc("DeploymentSpec.selector"), 1),
]


def _replicas(obj: dict) -> int:
    """``spec.replicas``, defaulted to 1 as kube-apiserver's defaulting would."""
    r = _d(obj, "spec", "replicas")
    return 1 if r is None else int(r)


def _status_int(obj: dict, field: str) -> int:
    return int(_d(obj, "status", field, default=0))


def _print_deployment(dep: dict, now: float) -> Row:
    names, images = _containers(_d(dep, "spec", "template", "spec"))
    selector = _selector_string(_d(dep, "spec", "selector"))
    return [_name(dep), f"{_status_int(dep, 'readyReplicas')}/{_replicas(dep)}",
            _status_int(dep, "updatedReplicas"), _status_int(dep, "availableReplicas"),
            _age(dep, now), names, images, "<invalid>" if selector is None else selector]


_REPLICASET_COLUMNS = [
    NAME,
    column("Desired", "integer", _doc("ReplicaSetSpec.replicas")),
    column("Current", "integer", _doc("ReplicaSetStatus.replicas")),
    column("Ready", "integer", _doc("ReplicaSetStatus.readyReplicas")),
    AGE,
    _CONTAINERS,
    _IMAGES,
    column("Selector", "string", _doc("ReplicaSetSpec.selector"), 1),
]


def _print_replicaset(rs: dict, now: float) -> Row:
    names, images = _containers(_d(rs, "spec", "template", "spec"))
    return [_name(rs), _replicas(rs), _status_int(rs, "replicas"),
            _status_int(rs, "readyReplicas"), _age(rs, now), names, images,
            _format_label_selector(_d(rs, "spec", "selector"))]


_REPLICATIONCONTROLLER_COLUMNS = [
    NAME,
    column("Desired", "integer", _doc("ReplicationControllerSpec.replicas")),
    column("Current", "integer", _doc("ReplicationControllerStatus.replicas")),
    column("Ready", "integer", _doc("ReplicationControllerStatus.readyReplicas")),
    AGE,
    _CONTAINERS,
    _IMAGES,
    column("Selector", "string", _doc("ReplicationControllerSpec.selector"), 1),
]


def _print_replicationcontroller(rc: dict, now: float) -> Row:
    names, images = _containers(_d(rc, "spec", "template", "spec"))
    return [_name(rc), _replicas(rc), _status_int(rc, "replicas"),
            _status_int(rc, "readyReplicas"), _age(rc, now), names, images,
            _format_labels(_d(rc, "spec", "selector"))]


_STATEFULSET_COLUMNS = [
    NAME,
    column("Ready", "string", "Number of the pod with ready state"),
    AGE,
    _CONTAINERS,
    _IMAGES,
]


def _print_statefulset(sts: dict, now: float) -> Row:
    names, images = _containers(_d(sts, "spec", "template", "spec"))
    return [_name(sts), f"{_status_int(sts, 'readyReplicas')}/{_replicas(sts)}",
            _age(sts, now), names, images]


_DAEMONSET_COLUMNS = [
    NAME,
    column("Desired", "integer", _doc("DaemonSetStatus.desiredNumberScheduled")),
    column("Current", "integer", _doc("DaemonSetStatus.currentNumberScheduled")),
    column("Ready", "integer", _doc("DaemonSetStatus.numberReady")),
    column("Up-to-date", "integer", _doc("DaemonSetStatus.updatedNumberScheduled")),
    column("Available", "integer", _doc("DaemonSetStatus.numberAvailable")),
    column("Node Selector", "string", _doc("PodSpec.nodeSelector")),
    AGE,
    _CONTAINERS,
    _IMAGES,
    column("Selector", "string", _doc("DaemonSetSpec.selector"), 1),
]


def _print_daemonset(ds: dict, now: float) -> Row:
    pod_spec = _d(ds, "spec", "template", "spec")
    names, images = _containers(pod_spec)
    return [_name(ds), _status_int(ds, "desiredNumberScheduled"),
            _status_int(ds, "currentNumberScheduled"), _status_int(ds, "numberReady"),
            _status_int(ds, "updatedNumberScheduled"), _status_int(ds, "numberAvailable"),
            _format_labels(_d(pod_spec, "nodeSelector")), _age(ds, now), names, images,
            _format_label_selector(_d(ds, "spec", "selector"))]


_JOB_COLUMNS = [
    NAME,
    column("Status", "string", "Status of the job."),
    column("Completions", "string", _doc("JobStatus.succeeded")),
    column("Duration", "string", "Time required to complete the job."),
    AGE,
    _CONTAINERS,
    _IMAGES,
    column("Selector", "string", _doc("JobSpec.selector"), 1),
]


def job_status(job: dict) -> str:
    """The Job STATUS column: Complete, Failed, Terminating, Suspended, ... Running."""
    conds = _d(job, "status", "conditions")

    def true(t: str) -> bool:
        c = _condition(conds, t)
        return c is not None and c.get("status") == "True"

    if true("Complete"):
        return "Complete"
    if true("Failed"):
        return "Failed"
    if _d(job, "metadata", "deletionTimestamp") is not None:
        return "Terminating"
    if true("Suspended"):
        return "Suspended"
    if true("FailureTarget"):
        return "FailureTarget"
    return "Running"


def _print_job(job: dict, now: float) -> Row:
    spec, succeeded = job.get("spec") or {}, _status_int(job, "succeeded")
    if spec.get("completions") is not None:
        completions = f"{succeeded}/{spec['completions']}"
    elif int(spec.get("parallelism") or 0) > 1:
        completions = f"{succeeded}/1 of {spec['parallelism']}"
    else:
        completions = f"{succeeded}/1"
    start = _parse_time(_d(job, "status", "startTime"))
    end = _parse_time(_d(job, "status", "completionTime"))
    duration = "" if start is None else human_duration((now if end is None else end) - start)
    names, images = _containers(_d(spec, "template", "spec"))
    return [_name(job), job_status(job), completions, duration, _age(job, now), names,
            images, _format_label_selector(spec.get("selector"))]


_HPA_COLUMNS = [
    NAME,
    column("Reference", "string", _doc("HorizontalPodAutoscalerSpec.scaleTargetRef")),
    column("Targets", "string", _doc("HorizontalPodAutoscalerSpec.metrics")),
    column("MinPods", "string", _doc("HorizontalPodAutoscalerSpec.minReplicas")),
    column("MaxPods", "string", _doc("HorizontalPodAutoscalerSpec.maxReplicas")),
    column("Replicas", "string", _doc("HorizontalPodAutoscalerStatus.currentReplicas")),
    AGE,
]


def _qptr(q: Any) -> str:
    """``(*Quantity).String()``, which prints a nil quantity as ``<nil>``."""
    return "<nil>" if q is None else _quantity(q)


def _metric_value(src: Any, field: str) -> Any:
    return _d(src, "current", field) if src is not None else None


def format_hpa_metrics(specs: Any, statuses: Any) -> str:
    """``formatHPAMetrics``: ``cpu: 20%/50%``, ``<unknown>`` until measured, max two."""
    specs, statuses = specs or [], statuses or []
    if not specs:
        return "<none>"
    items: list[str] = []
    for i, spec in enumerate(specs):
        st = statuses[i] if i < len(statuses) else {}
        type_ = spec.get("type")
        if type_ in ("External", "Object"):
            key = "external" if type_ == "External" else "object"
            target, cur = _d(spec, key, "target") or {}, st.get(key)
            if target.get("averageValue") is not None:
                avg = _metric_value(cur, "averageValue")
                current = _quantity(avg) if avg is not None else "<unknown>"
                items.append(f"{current}/{_quantity(target['averageValue'])} (avg)")
            else:
                current = "<unknown>" if cur is None else _qptr(_metric_value(cur, "value"))
                items.append(f"{current}/{_qptr(target.get('value'))}")
        elif type_ == "Pods":
            cur = st.get("pods")
            current = "<unknown>" if cur is None else _qptr(_metric_value(cur, "averageValue"))
            items.append(f"{current}/{_qptr(_d(spec, 'pods', 'target', 'averageValue'))}")
        elif type_ in ("Resource", "ContainerResource"):
            key = "resource" if type_ == "Resource" else "containerResource"
            src, cur = spec.get(key) or {}, st.get(key)
            target = src.get("target") or {}
            name = src.get("name", "")
            if target.get("averageValue") is not None:
                current = "<unknown>" if cur is None else _qptr(
                    _metric_value(cur, "averageValue"))
                items.append(f"{name}: {current}/{_quantity(target['averageValue'])}")
            else:
                util = _metric_value(cur, "averageUtilization")
                current = "<unknown>" if util is None else f"{util}%"
                want = target.get("averageUtilization")
                items.append(f"{name}: {current}/"
                             f"{'<auto>' if want is None else str(want) + '%'}")
        else:
            items.append("<unknown type>")
    if len(items) > 2:
        return f"{', '.join(items[:2])} + {len(items) - 2} more..."
    return ", ".join(items)


def _hpa_v2(hpa: dict) -> dict:
    if hpa.get("apiVersion") == conversion.V1:
        try:
            return conversion.convert(hpa, conversion.V2)
        except errors.ApiError:
            return hpa
    return hpa


def _print_hpa(hpa: dict, now: float) -> Row:
    v2 = _hpa_v2(hpa)
    spec = v2.get("spec") or {}
    ref = spec.get("scaleTargetRef") or {}
    mn = spec.get("minReplicas")
    return [_name(hpa), f"{ref.get('kind', '')}/{ref.get('name', '')}",
            format_hpa_metrics(spec.get("metrics"), _d(v2, "status", "currentMetrics")),
            "<unset>" if mn is None else str(mn), int(spec.get("maxReplicas") or 0),
            _status_int(v2, "currentReplicas"), _age(hpa, now)]


# -------------------------------------------------------------- events, misc

_EVENT_COLUMNS = [
    column("Last Seen", "string", _doc("Event.lastTimestamp")),
    column("Type", "string", _doc("Event.type")),
    column("Reason", "string", _doc("Event.reason")),
    column("Object", "string", _doc("Event.involvedObject")),
    column("Subobject", "string", _doc("ObjectReference.fieldPath"), 1),
    column("Source", "string", _doc("Event.source"), 1),
    column("Message", "string", _doc("Event.message")),
    column("First Seen", "string", _doc("Event.firstTimestamp"), 1),
    column("Count", "string", _doc("Event.count"), 1),
    column("Name", "string", _doc("ObjectMeta.name"), 1, "name"),
]


def _print_event(ev: dict, now: float) -> Row:
    first = _since(ev.get("firstTimestamp"), now)
    if not ev.get("firstTimestamp"):
        first = _since(ev.get("eventTime"), now)
    last = _since(ev.get("lastTimestamp"), now) if ev.get("lastTimestamp") else first
    count = int(ev.get("count") or 0)
    series = ev.get("series")
    if series is not None:
        last = _since(series.get("lastObservedTime"), now)
        count = int(series.get("count") or 0)
    elif count == 0:
        count = 1
    inv = ev.get("involvedObject") or {}
    kind = (inv.get("kind") or "").lower()
    target = f"{kind}/{inv['name']}" if inv.get("name") else kind
    source = ev.get("source") or {}
    component = source.get("component") or ev.get("reportingComponent") or ""
    instance = source.get("host") or ev.get("reportingInstance") or ""
    return [last, ev.get("type", ""), ev.get("reason", ""), target,
            inv.get("fieldPath", ""), f"{component}, {instance}" if instance else component,
            (ev.get("message") or "").strip(), first, count, _name(ev)]


_LEASE_COLUMNS = [NAME, column("Holder", "string", _doc("LeaseSpec.holderIdentity")), AGE]


def _print_lease(lease: dict, now: float) -> Row:
    return [_name(lease), _d(lease, "spec", "holderIdentity", default=""), _age(lease, now)]


_PV_COLUMNS = [
    NAME,
    column("Capacity", "string", _doc("PersistentVolumeSpec.capacity")),
    column("Access Modes", "string", _doc("PersistentVolumeSpec.accessModes")),
    column("Reclaim Policy", "string", _doc("PersistentVolumeSpec.persistentVolumeReclaimPolicy")),
    column("Status", "string", _doc("PersistentVolumeStatus.phase")),
    column("Claim", "string", _doc("PersistentVolumeSpec.claimRef")),
    column("StorageClass", "string", "StorageClass of the pv"),
    column("VolumeAttributesClass", "string", "VolumeAttributesClass of the pv"),
    column("Reason", "string", _doc("PersistentVolumeStatus.reason")),
    AGE,
    column("VolumeMode", "string", _doc("PersistentVolumeSpec.volumeMode"), 1),
]

_BETA_STORAGE_CLASS = "volume.beta.kubernetes.io/storage-class"


def access_modes(modes: Any) -> str:
    """``GetAccessModesAsString``: RWO, ROX, RWX, RWOP in that order."""
    modes = set(modes or [])
    return ",".join(short for mode, short in (
        ("ReadWriteOnce", "RWO"), ("ReadOnlyMany", "ROX"), ("ReadWriteMany", "RWX"),
        ("ReadWriteOncePod", "RWOP")) if mode in modes)


def _storage_class(obj: dict, spec_value: Any) -> str:
    ann = _d(obj, "metadata", "annotations") or {}
    if _BETA_STORAGE_CLASS in ann:
        return ann[_BETA_STORAGE_CLASS]
    return spec_value or ""


def _print_pv(pv: dict, now: float) -> Row:
    spec, status = pv.get("spec") or {}, pv.get("status") or {}
    claim = spec.get("claimRef")
    claim_text = f"{claim.get('namespace', '')}/{claim.get('name', '')}" if claim else ""
    phase = "Terminating" if _d(pv, "metadata", "deletionTimestamp") is not None \
        else status.get("phase", "")
    return [_name(pv), _quantity(_d(spec, "capacity", "storage")),
            access_modes(spec.get("accessModes")),
            spec.get("persistentVolumeReclaimPolicy", ""), phase, claim_text,
            _storage_class(pv, spec.get("storageClassName")),
            spec.get("volumeAttributesClassName") or "<unset>", status.get("reason", ""),
            _age(pv, now), spec.get("volumeMode") or "<unset>"]


_PVC_COLUMNS = [
    NAME,
    column("Status", "string", _doc("PersistentVolumeClaimStatus.phase")),
    column("Volume", "string", _doc("PersistentVolumeClaimSpec.volumeName")),
    column("Capacity", "string", _doc("PersistentVolumeClaimStatus.capacity")),
    column("Access Modes", "string", _doc("PersistentVolumeClaimStatus.accessModes")),
    column("StorageClass", "string", "StorageClass of the pvc"),
    column("VolumeAttributesClass", "string", "VolumeAttributesClass of the pvc"),
    AGE,
    column("VolumeMode", "string", _doc("PersistentVolumeClaimSpec.volumeMode"), 1),
]


def _print_pvc(pvc: dict, now: float) -> Row:
    spec, status = pvc.get("spec") or {}, pvc.get("status") or {}
    phase = "Terminating" if _d(pvc, "metadata", "deletionTimestamp") is not None \
        else status.get("phase", "")
    capacity = modes = ""
    if spec.get("volumeName"):
        modes = access_modes(status.get("accessModes"))
        capacity = _quantity(_d(status, "capacity", "storage"))
    return [_name(pvc), phase, spec.get("volumeName", ""), capacity, modes,
            _storage_class(pvc, spec.get("storageClassName")),
            spec.get("volumeAttributesClassName") or "<unset>", _age(pvc, now),
            spec.get("volumeMode") or "<unset>"]


_DEFAULT_COLUMNS = [NAME, AGE]


def _print_default(obj: dict, now: float) -> Row:
    return [_name(obj), _age(obj, now)]


# ------------------------------------------------------------------ registry

Printer = Callable[[dict, float], Row]

PRINTERS: dict[str, tuple[list[dict], Printer]] = {
    "Pod": (_POD_COLUMNS, _print_pod),
    "Node": (_NODE_COLUMNS, _print_node),
    "Namespace": (_NAMESPACE_COLUMNS, _print_namespace),
    "Service": (_SERVICE_COLUMNS, _print_service),
    "Endpoints": (_ENDPOINTS_COLUMNS, _print_endpoints),
    "Deployment": (_DEPLOYMENT_COLUMNS, _print_deployment),
    "ReplicaSet": (_REPLICASET_COLUMNS, _print_replicaset),
    "ReplicationController": (_REPLICATIONCONTROLLER_COLUMNS, _print_replicationcontroller),
    "StatefulSet": (_STATEFULSET_COLUMNS, _print_statefulset),
    "DaemonSet": (_DAEMONSET_COLUMNS, _print_daemonset),
    "Job": (_JOB_COLUMNS, _print_job),
    "HorizontalPodAutoscaler": (_HPA_COLUMNS, _print_hpa),
    "Event": (_EVENT_COLUMNS, _print_event),
    "ConfigMap": (_CONFIGMAP_COLUMNS, _print_configmap),
    "Secret": (_SECRET_COLUMNS, _print_secret),
    "ServiceAccount": (_SERVICEACCOUNT_COLUMNS, _print_serviceaccount),
    "PersistentVolume": (_PV_COLUMNS, _print_pv),
    "PersistentVolumeClaim": (_PVC_COLUMNS, _print_pvc),
    "Ingress": (_INGRESS_COLUMNS, _print_ingress),
    "IngressClass": (_INGRESSCLASS_COLUMNS, _print_ingressclass),
    "EndpointSlice": (_ENDPOINTSLICE_COLUMNS, _print_endpointslice),
    "Lease": (_LEASE_COLUMNS, _print_lease),
}
"""Kind name -> (column definitions, printer).  A kind not listed prints NAME, AGE."""

_ROW_CONDITIONS: dict[str, Callable[[dict], list[dict] | None]] = {"Pod": _pod_conditions}


def column_definitions(kind: Kind) -> list[dict]:
    """The Table column definitions for ``kind`` (copies; safe to mutate)."""
    cols, _ = PRINTERS.get(kind.kind, (_DEFAULT_COLUMNS, _print_default))
    return [dict(c) for c in cols]


def to_table(kind: Kind, objs: list[dict], now: float, list_metadata: dict | None = None,
             include_definitions: bool = True) -> dict:
    """``objs`` as a ``meta.k8s.io/v1`` Table, one row per object, in order.

    ``now`` is the cluster clock (seconds since the epoch) that ages are measured
    against.  ``list_metadata`` is the list's ``metadata`` (resourceVersion,
    continue, remainingItemCount); without it a single object's resourceVersion is
    used, as kube-apiserver does for a GET.  Each row's ``object`` is the object's
    ``PartialObjectMetadata``.  A row that cannot be printed (a malformed stored
    object) gets ``<unknown>`` cells rather than failing the whole list.
    """
    cols, printer = PRINTERS.get(kind.kind, (_DEFAULT_COLUMNS, _print_default))
    conditions = _ROW_CONDITIONS.get(kind.kind)
    rows = []
    for obj in objs:
        try:
            cells = printer(obj, now)
        except (AttributeError, TypeError, ValueError, KeyError):
            cells = [_name(obj) if isinstance(obj, dict) else ""] + \
                ["<unknown>"] * (len(cols) - 1)
        row: dict[str, Any] = {"cells": cells}
        cond = conditions(obj) if conditions is not None else None
        if cond:
            row["conditions"] = [dict(c) for c in cond]
        row["object"] = {"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1",
                         "metadata": (obj.get("metadata") if isinstance(obj, dict) else None)
                         or {}}
        rows.append(row)

    meta: dict[str, Any] = {}
    if list_metadata is None:
        if len(objs) == 1 and isinstance(objs[0], dict):
            rv = _d(objs[0], "metadata", "resourceVersion")
            if rv:
                meta["resourceVersion"] = rv
    else:
        if list_metadata.get("resourceVersion"):
            meta["resourceVersion"] = list_metadata["resourceVersion"]
        if list_metadata.get("continue"):
            meta["continue"] = list_metadata["continue"]
        if list_metadata.get("remainingItemCount") is not None:
            meta["remainingItemCount"] = list_metadata["remainingItemCount"]
    return {"kind": "Table", "apiVersion": "meta.k8s.io/v1", "metadata": meta,
            "columnDefinitions": [dict(c) for c in cols] if include_definitions else [],
            "rows": rows}
