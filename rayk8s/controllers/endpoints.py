"""The Endpoints controller: a Service's selected pods as a v1 ``Endpoints`` object.

For each Service with a selector (and not of type ExternalName) it keeps an
``Endpoints`` object of the same name, as kube-controller-manager's endpoint
controller does:

- every selected pod that has an IP, is not terminal (Succeeded/Failed) and is
  not terminating becomes an address -- in ``addresses`` when its Ready
  condition is True, else in ``notReadyAddresses``; with
  ``publishNotReadyAddresses`` every such pod (terminating ones too) is ready;
- an address carries ``nodeName`` and a ``targetRef`` to its pod (kind,
  namespace, name, uid), and ``hostname`` when the pod's ``hostname`` and
  ``subdomain`` name this Service;
- each Service port is resolved per pod: a named ``targetPort`` is looked up
  among the pod's container ports (and restartable init containers') by name
  and protocol, a pod without it is left out of that port; a number is used
  as is;
- (address, port) pairs are packed into subsets of addresses sharing the same
  port set (``RepackSubsets``); a headless Service without ports gets its
  addresses without ports;
- the object carries the Service's labels, plus ``service.kubernetes.io/headless``
  for a Service without a ClusterIP; past 1000 addresses it is truncated
  (ready ones kept first) and annotated ``endpoints.kubernetes.io/over-capacity:
  truncated``.

Services without a selector are left alone (their Endpoints are the user's);
when a Service is deleted its Endpoints object is deleted (it has no owner
reference, so the garbage collector would not).

The helpers at the top (pod IPs, port lookup, membership) are shared with the
EndpointSlice controller.
"""

from __future__ import annotations

import json
from typing import Any, Iterable

from ..machinery import by_namespace, copy, key_of, split_key
from . import base, podutil

HEADLESS_LABEL = "service.kubernetes.io/headless"
OVER_CAPACITY = "endpoints.kubernetes.io/over-capacity"
MAX_CAPACITY = 1000


# ------------------------------------------------------------- shared helpers

def selector(svc: dict) -> dict | None:
    """The Service's selector; None (no selector) for a missing or empty one."""
    sel = (svc.get("spec") or {}).get("selector")
    return sel if isinstance(sel, dict) and sel else None


def selects(sel: dict, pod: dict) -> bool:
    labels = (pod.get("metadata") or {}).get("labels") or {}
    return all(labels.get(k) == v for k, v in sel.items())


def managed(svc: dict) -> bool:
    """Whether the endpoint controllers compute this Service's endpoints."""
    return (svc.get("spec") or {}).get("type") != "ExternalName" and selector(svc) is not None


def pods_by_label(obj: dict) -> list[str]:
    """Index function: ``namespace/key=value`` for each of a pod's labels."""
    meta = obj.get("metadata") or {}
    ns = meta.get("namespace", "")
    return [f"{ns}/{k}={v}" for k, v in (meta.get("labels") or {}).items()]


def selected_pods(svc: dict, listers: base.Listers) -> list[dict]:
    """The pods the Service selects (only pods carrying one of its pairs are looked at)."""
    ns = svc["metadata"].get("namespace", "")
    sel = selector(svc) or {}
    pods = listers["pods"]
    try:
        first = min(sel.items())
        candidates = pods.by_index("label-pair", f"{ns}/{first[0]}={first[1]}")
    except (KeyError, ValueError):   # no such index (hand-built caches) or no selector
        candidates = pods.by_index("namespace", ns)
    return [p for p in candidates if selects(sel, p)]


def services_selecting(pod: dict, listers: base.Listers) -> list[str]:
    """Keys of the Services in the pod's namespace whose selector matches it."""
    ns = (pod.get("metadata") or {}).get("namespace", "")
    out = []
    for svc in listers["services"].by_index("namespace", ns):
        sel = selector(svc)
        if sel is not None and selects(sel, pod):
            out.append(key_of(svc))
    return out


def is_headless(svc: dict) -> bool:
    """No ClusterIP (``None`` or unset): Kubernetes' ``!IsServiceIPSet``."""
    ip = (svc.get("spec") or {}).get("clusterIP")
    return not ip or ip == "None"


def ip_family(svc: dict) -> str:
    families = (svc.get("spec") or {}).get("ipFamilies") or []
    return families[0] if families else "IPv4"


def pod_ip(pod: dict, family: str = "IPv4") -> str | None:
    """The pod's IP of ``family`` (``status.podIPs``, else ``status.podIP``)."""
    status = pod.get("status") or {}
    ips = [p.get("ip") for p in status.get("podIPs") or [] if isinstance(p, dict)]
    if not ips and status.get("podIP"):
        ips = [status["podIP"]]
    for ip in ips:
        if ip and (":" in ip) == (family == "IPv6"):
            return ip
    return None


def should_be_in_endpoints(pod: dict, include_terminating: bool) -> bool:
    """Not terminal, has an IP, and (unless included) not terminating."""
    status = pod.get("status") or {}
    if status.get("phase") in ("Succeeded", "Failed"):
        return False
    if not status.get("podIP") and not status.get("podIPs"):
        return False
    return include_terminating or not (pod.get("metadata") or {}).get("deletionTimestamp")


def find_port(pod: dict, service_port: dict) -> int | None:
    """The pod's port for ``service_port``'s targetPort (by name, or the number)."""
    target = service_port.get("targetPort", service_port.get("port"))
    if isinstance(target, int) and not isinstance(target, bool):
        return target
    if not isinstance(target, str) or not target:
        return None
    protocol = service_port.get("protocol") or "TCP"
    spec = pod.get("spec") or {}
    containers = list(spec.get("containers") or []) + [
        c for c in spec.get("initContainers") or [] if c.get("restartPolicy") == "Always"]
    for container in containers:
        for port in container.get("ports") or []:
            if port.get("name") == target and (port.get("protocol") or "TCP") == protocol:
                return port.get("containerPort")
    return None


def hostname_for(pod: dict, svc: dict) -> str | None:
    """The pod's ``hostname`` if its ``subdomain`` is this Service (same namespace)."""
    spec = pod.get("spec") or {}
    same_ns = (pod.get("metadata") or {}).get("namespace") == svc["metadata"].get("namespace")
    if spec.get("hostname") and spec.get("subdomain") == svc["metadata"]["name"] and same_ns:
        return spec["hostname"]
    return None


def target_ref(pod: dict) -> dict:
    meta = pod.get("metadata") or {}
    return {"kind": "Pod", "namespace": meta.get("namespace", ""), "name": meta.get("name", ""),
            "uid": meta.get("uid", "")}


# ------------------------------------------------------------------ subsets

def _address(pod: dict, svc: dict, ip: str) -> dict:
    addr: dict[str, Any] = {"ip": ip}
    hostname = hostname_for(pod, svc)
    if hostname:
        addr["hostname"] = hostname
    node = (pod.get("spec") or {}).get("nodeName")
    if node:
        addr["nodeName"] = node
    addr["targetRef"] = target_ref(pod)
    return addr


def _endpoint_port(service_port: dict, number: int) -> dict:
    port: dict[str, Any] = {}
    if service_port.get("name"):
        port["name"] = service_port["name"]
    port["port"] = number
    port["protocol"] = service_port.get("protocol") or "TCP"
    if service_port.get("appProtocol"):
        port["appProtocol"] = service_port["appProtocol"]
    return port


def subsets_for(svc: dict, pods: Iterable[dict]) -> list[dict]:
    """The Service's subsets over ``pods`` (already selected), packed and sorted."""
    spec = svc.get("spec") or {}
    publish = bool(spec.get("publishNotReadyAddresses"))
    service_ports = [p for p in spec.get("ports") or [] if isinstance(p, dict)]
    family = ip_family(svc)
    # (address, ready, port or None) triples, one per pod and resolvable port.
    entries: list[tuple[dict, bool, dict | None]] = []
    for pod in pods:
        if not should_be_in_endpoints(pod, publish):
            continue
        ip = pod_ip(pod, family)
        if ip is None:
            continue
        addr = _address(pod, svc, ip)
        ready = publish or podutil.is_ready(pod)
        if not service_ports:
            if spec.get("clusterIP") == "None":
                entries.append((addr, ready, None))
            continue
        for service_port in service_ports:
            number = find_port(pod, service_port)
            if number is not None:
                entries.append((addr, ready, _endpoint_port(service_port, number)))
    return repack(entries)


def _addr_key(addr: dict) -> tuple[str, str]:
    return addr.get("ip", ""), (addr.get("targetRef") or {}).get("uid", "")


def _freeze(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


def repack(entries: Iterable[tuple[dict, bool, dict | None]]) -> list[dict]:
    """Group (address, ready, port) into subsets of addresses offering the same ports.

    An address not ready on some port is not ready there (not ready wins);
    ``None`` stands for "no port" (headless without ports).  Addresses are
    sorted by IP, ports by name and number, subsets by their content.
    """
    addresses: dict[tuple[str, str], dict] = {}
    by_port: dict[str, tuple[dict | None, dict[tuple[str, str], bool]]] = {}
    for addr, ready, port in entries:
        key = _addr_key(addr)
        addresses.setdefault(key, addr)
        _, states = by_port.setdefault(_freeze(port), (port, {}))
        states[key] = states.get(key, True) and ready
    groups: dict[str, tuple[dict[tuple[str, str], bool], list[dict]]] = {}
    for port, states in by_port.values():
        group_key = _freeze(sorted(([list(k), v] for k, v in states.items())))
        _, ports = groups.setdefault(group_key, (states, []))
        if port is not None:
            ports.append(port)
    subsets = []
    for states, ports in groups.values():
        subset: dict[str, Any] = {}
        ready = [copy(addresses[k]) for k in sorted(states) if states[k]]
        not_ready = [copy(addresses[k]) for k in sorted(states) if not states[k]]
        if ready:
            subset["addresses"] = ready
        if not_ready:
            subset["notReadyAddresses"] = not_ready
        if ports:
            subset["ports"] = sorted(ports, key=lambda p: (p.get("name", ""), p["port"],
                                                           p["protocol"]))
        subsets.append(subset)
    return sorted(subsets, key=_freeze)


def truncate(subsets: list[dict], capacity: int) -> bool:
    """Cut ``subsets`` to ``capacity`` addresses in place; whether anything was cut.

    Not-ready addresses go first; what is kept is shared among subsets in
    proportion to their size (rounded up, the last ones taking what is left).
    """
    ready = sum(len(s.get("addresses") or []) for s in subsets)
    not_ready = sum(len(s.get("notReadyAddresses") or []) for s in subsets)
    if ready + not_ready <= capacity:
        return False
    field, total, room = ("notReadyAddresses", not_ready, capacity - ready)
    if ready > capacity:
        field, total, room = ("addresses", ready, capacity)
    left = room
    for subset in subsets:
        if field == "addresses":
            subset.pop("notReadyAddresses", None)
        have = subset.get(field) or []
        if not have:
            continue
        share = min(-(-len(have) * room // total), left)   # ceil(len * room / total)
        subset[field] = have[:share]
        if not subset[field]:
            subset.pop(field)
        left -= share
    subsets[:] = [s for s in subsets if s.get("addresses") or s.get("notReadyAddresses")]
    return True


# ------------------------------------------------------------------ controller

def endpoints_by_pod(obj: dict) -> list[str]:
    """Index function: ``namespace/name`` of every pod an Endpoints object lists."""
    out = []
    for subset in obj.get("subsets") or []:
        for addr in (subset.get("addresses") or []) + (subset.get("notReadyAddresses") or []):
            ref = addr.get("targetRef") or {}
            if ref.get("kind") == "Pod" and ref.get("name"):
                out.append(f'{ref.get("namespace", "")}/{ref["name"]}')
    return out


class EndpointsController:
    name = "endpoint"

    def __init__(self, max_capacity: int = MAX_CAPACITY) -> None:
        self.max_capacity = max_capacity
        self.watches = {"services": {"namespace": by_namespace},
                        "pods": {"namespace": by_namespace, "label-pair": pods_by_label},
                        "endpoints": {"pod": endpoints_by_pod}}

    def keys_for(self, resource: str, obj: dict, listers: base.Listers) -> Iterable[str]:
        if resource == "services":
            return [key_of(obj)]
        if resource == "endpoints":
            # Someone else changed or deleted a managed object: put it back.
            key = key_of(obj)
            return [key] if listers["services"].get(key) is not None else []
        # A pod: the Services selecting it now, and those that list it still.
        keys = services_selecting(obj, listers)
        listed = listers["endpoints"].by_index("pod", key_of(obj))
        return list(dict.fromkeys(keys + [key_of(e) for e in listed]))

    def sync(self, key: str, listers: base.Listers, now: float) -> list[base.Action]:
        ns, name = split_key(key)
        svc = listers["services"].get(key)
        if svc is None:
            return [base.Delete("endpoints", name, ns)]
        if not managed(svc):
            return []
        subsets = subsets_for(svc, selected_pods(svc, listers))
        truncated = truncate(subsets, self.max_capacity)
        labels = dict(svc["metadata"].get("labels") or {})
        labels.pop(HEADLESS_LABEL, None)
        if is_headless(svc):
            labels[HEADLESS_LABEL] = ""
        current = listers["endpoints"].get(key)
        annotations = dict(((current or {}).get("metadata") or {}).get("annotations") or {})
        annotations.pop(OVER_CAPACITY, None)
        if truncated:
            annotations[OVER_CAPACITY] = "truncated"
        if current is not None and (current.get("subsets") or []) == subsets and \
                (current["metadata"].get("labels") or {}) == labels and \
                (current["metadata"].get("annotations") or {}) == annotations:
            return []
        if current is None:
            obj = {"apiVersion": "v1", "kind": "Endpoints",
                   "metadata": {"name": name, "namespace": ns}}
        else:
            obj = dict(current, apiVersion="v1", kind="Endpoints",
                       metadata=dict(current["metadata"]))
        for field, value in (("labels", labels), ("annotations", annotations)):
            if value:
                obj["metadata"][field] = value
            else:
                obj["metadata"].pop(field, None)
        if subsets:
            obj["subsets"] = subsets
        else:
            obj.pop("subsets", None)
        return [base.Create(obj) if current is None else base.Update(obj)]
