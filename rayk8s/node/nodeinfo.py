"""The Node and Lease objects a kubelet writes (pure).

A node spec is a plain dict -- ``{"name": "node-1", "cpu": "2", "memory":
"4Gi", "pods": 110, "labels": {}, "taints": [], "address": "127.1.0.1",
"pod_cidr": "10.244.1.0/24"}`` -- with defaults for all but the name: the
address and pod CIDR derive from the number ending the name (``node-3`` ->
``127.0.1.3`` and ``10.244.3.0/24``), so nodes of one cluster do not collide.

The Node carries what ``kubectl get/describe node`` shows: capacity and
allocatable (allocatable = capacity minus ``reserved``, none by default),
the well-known labels, the four conditions with kubelet's reasons and
messages, addresses, nodeInfo, the images pulled, and spec.podCIDR(s) and
taints.  The Lease in ``kube-node-lease`` is the heartbeat.
"""

from __future__ import annotations

import hashlib
import re
import uuid
import zlib
from dataclasses import dataclass, field

from .. import clock as clockmod
from ..api import quantity
from .images import parse_ref

KUBELET_VERSION = "v1.32.0"
RUNTIME_VERSION = "rayk8s://0.1"
LEASE_NAMESPACE = "kube-node-lease"
RAY_NODE_LABEL = "rayk8s.io/ray-node"
# The named Ray actor (namespace "rayk8s") hosting the node's kubelet: the
# apiserver's connect backend calls it for pods/log, exec, attach and proxy.
NODE_ACTOR_ANNOTATION = "rayk8s.io/node-actor"
MAX_IMAGES = 50

# (type, status, reason, message), in kubelet's order.
CONDITIONS = (
    ("MemoryPressure", "False", "KubeletHasSufficientMemory",
     "kubelet has sufficient memory available"),
    ("DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
    ("PIDPressure", "False", "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
    ("Ready", "True", "KubeletReady", "kubelet is posting ready status"),
)
# The reason each condition's event carries when it takes that status.
CONDITION_EVENTS = ("NodeHasSufficientMemory", "NodeHasNoDiskPressure",
                    "NodeHasSufficientPID", "NodeReady")


@dataclass(frozen=True)
class NodeSpec:
    name: str
    cpu: str = "2"
    memory: str = "4Gi"
    pods: int = 110
    ephemeral_storage: str = "100Gi"
    labels: dict = field(default_factory=dict)
    annotations: dict = field(default_factory=dict)
    taints: tuple = ()
    address: str = ""
    pod_cidr: str = ""
    unschedulable: bool = False
    reserved: dict = field(default_factory=dict)   # {"cpu": "100m", "memory": "256Mi"}


def _index(name: str) -> int:
    """The number ending ``name`` (else a hash of it, 1..254)."""
    match = re.search(r"(\d+)$", name)
    if match and int(match.group(1)) >= 1:
        return int(match.group(1))
    return zlib.crc32(name.encode()) % 254 + 1


def numbered_address(n: int) -> str:
    """Node N's loopback address: 127.0.1.1 .. 127.0.1.254, then 127.0.2.1, ..."""
    third, fourth = divmod(n - 1, 254)
    return f"127.0.{1 + third}.{1 + fourth}"


def numbered_pod_cidr(n: int) -> str:
    """Node N's pod CIDR: 10.244.N.0/24, then 10.245.0.0/24 after 10.244.255.0/24, ..."""
    hi, lo = divmod(n, 256)
    return f"10.{244 + hi}.{lo}.0/24"


def node_spec(spec: dict | NodeSpec) -> NodeSpec:
    """A NodeSpec from a node spec dict, defaults filled in."""
    if isinstance(spec, NodeSpec):
        return spec
    if not spec.get("name"):
        raise ValueError("a node spec needs a name")
    name, n = spec["name"], _index(spec["name"])
    return NodeSpec(
        name=name, cpu=str(spec.get("cpu", "2")), memory=str(spec.get("memory", "4Gi")),
        pods=int(spec.get("pods", 110)),
        ephemeral_storage=str(spec.get("ephemeral_storage") or
                              spec.get("ephemeral-storage") or "100Gi"),
        labels=dict(spec.get("labels") or {}), annotations=dict(spec.get("annotations") or {}),
        taints=tuple(dict(t) for t in spec.get("taints") or ()),
        address=spec.get("address") or numbered_address(n),
        pod_cidr=spec.get("pod_cidr") or spec.get("podCIDR") or numbered_pod_cidr(n),
        unschedulable=bool(spec.get("unschedulable", False)),
        reserved=dict(spec.get("reserved") or {}))


def capacity(spec: NodeSpec) -> dict:
    return {"cpu": quantity.format_cpu(quantity.cpu_millis(spec.cpu)),
            "ephemeral-storage": quantity.format_bytes(quantity.to_bytes(spec.ephemeral_storage)),
            "hugepages-1Gi": "0", "hugepages-2Mi": "0",
            "memory": quantity.format_bytes(quantity.to_bytes(spec.memory)),
            "pods": str(spec.pods)}


def allocatable(spec: NodeSpec) -> dict:
    out = capacity(spec)
    reserved = spec.reserved
    if reserved.get("cpu"):
        out["cpu"] = quantity.format_cpu(max(0, quantity.cpu_millis(spec.cpu) -
                                             quantity.cpu_millis(reserved["cpu"])))
    for res in ("memory", "ephemeral-storage"):
        if reserved.get(res):
            total = quantity.to_bytes(spec.memory if res == "memory" else spec.ephemeral_storage)
            out[res] = quantity.format_bytes(max(0, total - quantity.to_bytes(reserved[res])))
    return out


def node_object(spec: NodeSpec, ray_node: str = "") -> dict:
    """The Node a kubelet registers (metadata and spec; the status comes separately)."""
    labels = {"beta.kubernetes.io/arch": "amd64", "beta.kubernetes.io/os": "linux",
              "kubernetes.io/arch": "amd64", "kubernetes.io/hostname": spec.name,
              "kubernetes.io/os": "linux", "node.kubernetes.io/instance-type": "rayk8s"}
    annotations = {"node.alpha.kubernetes.io/ttl": "0",
                   "volumes.kubernetes.io/controller-managed-attach-detach": "true"}
    if ray_node:
        labels[RAY_NODE_LABEL] = ray_node
        annotations[RAY_NODE_LABEL] = ray_node
    labels.update(spec.labels)
    annotations.update(spec.annotations)
    node_spec_ = {"podCIDR": spec.pod_cidr, "podCIDRs": [spec.pod_cidr]}
    if spec.taints:
        node_spec_["taints"] = [dict(t) for t in spec.taints]
    if spec.unschedulable:
        node_spec_["unschedulable"] = True
    return {"apiVersion": "v1", "kind": "Node",
            "metadata": {"name": spec.name, "labels": labels, "annotations": annotations},
            "spec": node_spec_}


def node_info(spec: NodeSpec, boot_id: str) -> dict:
    machine = hashlib.md5(spec.name.encode()).hexdigest()
    return {"machineID": machine, "systemUUID": str(uuid.UUID(machine)), "bootID": boot_id,
            "kernelVersion": "6.8.0-rayk8s", "osImage": "rayk8s emulated node",
            "containerRuntimeVersion": RUNTIME_VERSION, "kubeletVersion": KUBELET_VERSION,
            "kubeProxyVersion": KUBELET_VERSION, "operatingSystem": "linux",
            "architecture": "amd64"}


def node_status(spec: NodeSpec, now: float, info: dict, images: dict,
                old: dict | None = None) -> dict:
    """The Node's status at ``now``; conditions keep their lastTransitionTime."""
    stamp = clockmod.rfc3339(now)
    previous = {c.get("type"): c for c in (old or {}).get("conditions") or []}
    conditions = []
    for ctype, status, reason, message in CONDITIONS:
        prev = previous.get(ctype)
        since = prev.get("lastTransitionTime") if prev and prev.get("status") == status else stamp
        conditions.append({"type": ctype, "status": status, "lastHeartbeatTime": stamp,
                           "lastTransitionTime": since, "reason": reason, "message": message})
    listed = sorted(images.items(), key=lambda kv: (-kv[1], kv[0]))[:MAX_IMAGES]
    return {
        "capacity": capacity(spec), "allocatable": allocatable(spec), "conditions": conditions,
        "addresses": [{"type": "InternalIP", "address": spec.address},
                      {"type": "Hostname", "address": spec.name}],
        "daemonEndpoints": {"kubeletEndpoint": {"Port": 10250}},
        "nodeInfo": info,
        "images": [{"names": [parse_ref(ref).image_id, ref], "sizeBytes": size}
                   for ref, size in listed],
    }


def without_heartbeats(status: dict) -> dict:
    """``status`` minus what changes on every heartbeat (for change detection)."""
    out = dict(status)
    out["conditions"] = [{k: v for k, v in c.items() if k != "lastHeartbeatTime"}
                         for c in status.get("conditions") or []]
    return out


def lease_object(name: str, node_uid: str, now: float, duration: int) -> dict:
    lease = {"apiVersion": "coordination.k8s.io/v1", "kind": "Lease",
             "metadata": {"name": name, "namespace": LEASE_NAMESPACE},
             "spec": {"holderIdentity": name, "leaseDurationSeconds": int(duration),
                      "renewTime": clockmod.rfc3339_micro(now)}}
    if node_uid:
        lease["metadata"]["ownerReferences"] = [
            {"apiVersion": "v1", "kind": "Node", "name": name, "uid": node_uid}]
    return lease


def node_reference(name: str) -> dict:
    """What node events are about (kubelet uses the node name as the uid)."""
    return {"apiVersion": "v1", "kind": "Node", "metadata": {"name": name, "uid": name}}
