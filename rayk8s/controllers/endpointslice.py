"""The EndpointSlice controller: a Service's selected pods as discovery.k8s.io/v1 slices.

What kube-controller-manager's endpointslice controller keeps for each Service
with a selector (not ExternalName):

- slices named ``<service>-<5 random>`` (generateName), labelled
  ``kubernetes.io/service-name: <service>`` and
  ``endpointslice.kubernetes.io/managed-by: endpointslice-controller.k8s.io``
  (plus the Service's own labels, and ``service.kubernetes.io/headless`` for a
  headless Service), owned by the Service (so the garbage collector removes
  them with it), of the Service's address family (``IPv4``);
- one endpoint per selected pod that has an IP and is not terminal --
  terminating pods included -- with ``addresses: [podIP]``,
  ``conditions: {ready, serving, terminating}`` (serving = the pod is Ready;
  ready = serving and not terminating, or always with
  ``publishNotReadyAddresses``), ``nodeName``, ``zone`` (from the node's
  ``topology.kubernetes.io/zone`` label), ``hostname`` (pod hostname +
  subdomain = the Service) and a ``targetRef`` to the pod;
- endpoints grouped into slices by their resolved port list (a named
  targetPort is resolved per pod, so pods may differ), at most
  ``max_endpoints_per_slice`` (100) per slice; each slice lists its ports
  (name, port, protocol, appProtocol);
- a Service with no endpoints keeps one empty placeholder slice.

Reconciling keeps churn low, as the real reconciler does: endpoints stay in
the slice they are in (updated in place when their conditions change), new
ones fill slices that are being updated anyway before new slices are made,
emptied slices are deleted, and slices are written in the order create,
update, delete.  Slices of a Service that lost its selector (or became
ExternalName), or owned by an earlier Service of the same name, are deleted.
"""

from __future__ import annotations

import json
from typing import Any, Iterable

from ..machinery import by_namespace, copy, key_of, split_key
from . import base, podutil
from .endpoints import (HEADLESS_LABEL, find_port, hostname_for, ip_family, managed, pod_ip,
                        pods_by_label, selected_pods, services_selecting,
                        should_be_in_endpoints, target_ref)

SERVICE_NAME_LABEL = "kubernetes.io/service-name"
MANAGED_BY_LABEL = "endpointslice.kubernetes.io/managed-by"
CONTROLLER_NAME = "endpointslice-controller.k8s.io"
ZONE_LABEL = "topology.kubernetes.io/zone"
MAX_ENDPOINTS_PER_SLICE = 100


def slices_by_service(obj: dict) -> list[str]:
    """Index function: ``namespace/service`` of a slice this controller manages."""
    meta = obj.get("metadata") or {}
    labels = meta.get("labels") or {}
    if labels.get(MANAGED_BY_LABEL) != CONTROLLER_NAME or not labels.get(SERVICE_NAME_LABEL):
        return []
    return [f'{meta.get("namespace", "")}/{labels[SERVICE_NAME_LABEL]}']


def slices_by_pod(obj: dict) -> list[str]:
    """Index function: ``namespace/name`` of every pod a slice lists."""
    out = []
    for ep in obj.get("endpoints") or []:
        ref = ep.get("targetRef") or {}
        if ref.get("kind") == "Pod" and ref.get("name"):
            out.append(f'{ref.get("namespace", "")}/{ref["name"]}')
    return out


def _freeze(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


def _pod_key(ep: dict) -> str:
    ref = ep.get("targetRef") or {}
    return f'{ref.get("namespace", "")}/{ref.get("name", "")}/{ref.get("uid", "")}'


def _ep_order(ep: dict) -> tuple:
    return (ep.get("addresses") or [""])[0], (ep.get("targetRef") or {}).get("name", "")


def slice_labels(svc: dict) -> dict[str, str]:
    reserved = (SERVICE_NAME_LABEL, MANAGED_BY_LABEL, HEADLESS_LABEL)
    labels = {k: v for k, v in (svc["metadata"].get("labels") or {}).items()
              if k not in reserved}
    labels[SERVICE_NAME_LABEL] = svc["metadata"]["name"]
    labels[MANAGED_BY_LABEL] = CONTROLLER_NAME
    if (svc.get("spec") or {}).get("clusterIP") == "None":
        labels[HEADLESS_LABEL] = ""
    return labels


def slice_port(service_port: dict, number: int) -> dict:
    port = {"name": service_port.get("name") or "", "port": number,
            "protocol": service_port.get("protocol") or "TCP"}
    if service_port.get("appProtocol"):
        port["appProtocol"] = service_port["appProtocol"]
    return port


def endpoint_for(pod: dict, svc: dict, ip: str, nodes) -> dict:
    serving = podutil.is_ready(pod)
    terminating = bool((pod.get("metadata") or {}).get("deletionTimestamp"))
    publish = bool((svc.get("spec") or {}).get("publishNotReadyAddresses"))
    ep: dict[str, Any] = {
        "addresses": [ip],
        "conditions": {"ready": publish or (serving and not terminating),
                       "serving": serving, "terminating": terminating},
        "targetRef": target_ref(pod)}
    hostname = hostname_for(pod, svc)
    if hostname:
        ep["hostname"] = hostname
    node_name = (pod.get("spec") or {}).get("nodeName")
    if node_name:
        ep["nodeName"] = node_name
        node = nodes.get(node_name) if nodes is not None else None
        zone = ((node or {}).get("metadata") or {}).get("labels", {}).get(ZONE_LABEL)
        if zone:
            ep["zone"] = zone
    return ep


def desired_endpoints(svc: dict, pods: Iterable[dict], nodes=None) -> dict[str, tuple[list, dict]]:
    """Port-list key -> (ports, {pod key: endpoint}) for the selected ``pods``."""
    spec = svc.get("spec") or {}
    service_ports = [p for p in spec.get("ports") or [] if isinstance(p, dict)]
    family = ip_family(svc)
    out: dict[str, tuple[list, dict]] = {}
    for pod in pods:
        if not should_be_in_endpoints(pod, True):
            continue
        ip = pod_ip(pod, family)
        if ip is None:
            continue
        ports = []
        for service_port in service_ports:
            number = find_port(pod, service_port)
            if number is not None:
                ports.append(slice_port(service_port, number))
        ep = endpoint_for(pod, svc, ip, nodes)
        out.setdefault(_freeze(ports), (ports, {}))[1][_pod_key(ep)] = ep
    return out


class EndpointSliceController:
    name = "endpointslice"

    def __init__(self, max_endpoints_per_slice: int = MAX_ENDPOINTS_PER_SLICE) -> None:
        self.max_endpoints = max(1, int(max_endpoints_per_slice))
        self.watches = {"services": {"namespace": by_namespace},
                        "pods": {"namespace": by_namespace, "label-pair": pods_by_label},
                        "endpointslices": {"service": slices_by_service, "pod": slices_by_pod},
                        "nodes": {}}

    # -- keys
    def keys_for(self, resource: str, obj: dict, listers: base.Listers) -> Iterable[str]:
        if resource == "services":
            return [key_of(obj)]
        if resource == "endpointslices":
            return [k for k in slices_by_service(obj) if listers["services"].get(k) is not None]
        if resource == "pods":
            keys = services_selecting(obj, listers)
            for sl in listers["endpointslices"].by_index("pod", key_of(obj)):
                keys += slices_by_service(sl)
            return list(dict.fromkeys(keys))
        return []

    # -- sync
    def sync(self, key: str, listers: base.Listers, now: float) -> list[base.Action]:
        svc = listers["services"].get(key)
        if svc is None or svc["metadata"].get("deletionTimestamp"):
            return []   # its slices are owned by it: the garbage collector's business
        ns, _ = split_key(key)
        existing = [s for s in listers["endpointslices"].by_index("service", key)
                    if not s["metadata"].get("deletionTimestamp")]
        if not managed(svc):
            return [_delete(s) for s in existing]
        uid = svc["metadata"].get("uid")
        family = ip_family(svc)
        owned, stale = [], []
        for sl in existing:
            ref = base.controller_ref(sl) or {}
            mine = ref.get("kind") == "Service" and ref.get("uid") == uid
            (owned if mine and sl.get("addressType") == family else stale).append(sl)
        labels = slice_labels(svc)
        desired = desired_endpoints(svc, selected_pods(svc, listers), listers.get("nodes"))
        by_ports: dict[str, list[dict]] = {}
        for sl in owned:
            by_ports.setdefault(_freeze(sl.get("ports") or []), []).append(sl)
        creates: list[dict] = []
        updates: list[dict] = []
        deletes: list[dict] = list(stale)
        for ports_key, slices in by_ports.items():
            if ports_key not in desired:
                deletes += slices
        for ports_key, (ports, eps) in desired.items():
            self._reconcile_ports(svc, labels, ports, dict(eps), by_ports.get(ports_key, []),
                                  creates, updates, deletes)
        if not desired:
            # No endpoints at all: one empty placeholder slice stays.
            keep = next((s for s in deletes if s in owned and not s.get("endpoints")
                         and not s.get("ports")), None)
            if keep is None:
                creates.append(self._new_slice(svc, labels, [], []))
            else:
                deletes.remove(keep)
                if (keep["metadata"].get("labels") or {}) != labels:
                    updates.append(_with(keep, labels, [], []))
        return [base.Create(s) for s in creates] + [base.Update(s) for s in updates] + \
            [_delete(s) for s in deletes]

    def _reconcile_ports(self, svc: dict, labels: dict, ports: list, remaining: dict[str, dict],
                         slices: list[dict], creates: list, updates: list,
                         deletes: list) -> None:
        """Place the endpoints of one port list over the slices that have that port list."""
        size = self.max_endpoints
        kept: list[list] = []   # [slice, endpoints, changed]
        for sl in sorted(slices, key=lambda s: s["metadata"].get("name", "")):
            eps, changed = [], False
            for ep in sl.get("endpoints") or []:
                want = remaining.pop(_pod_key(ep), None) if len(eps) < size else None
                if want is None:
                    changed = True   # its pod is gone (or the slice is over capacity)
                else:
                    eps.append(want)
                    changed |= want != ep
            changed |= (sl["metadata"].get("labels") or {}) != labels
            if eps:
                kept.append([sl, eps, changed])
            else:
                deletes.append(sl)
        todo = sorted(remaining.values(), key=_ep_order)
        # Fill the slices being written anyway, then make new ones; a last short
        # batch goes into an untouched slice with room rather than a new slice.
        for entry in kept:
            if entry[2] and todo:
                room = size - len(entry[1])
                entry[1] += todo[:room]
                todo = todo[room:]
        while todo:
            batch, todo = todo[:size], todo[size:]
            home = None
            if len(batch) < size:
                home = next((e for e in kept if not e[2] and size - len(e[1]) >= len(batch)),
                            None)
            if home is None:
                creates.append(self._new_slice(svc, labels, ports, batch))
            else:
                home[1] += batch
                home[2] = True
        for sl, eps, changed in kept:
            if changed:
                updates.append(_with(sl, labels, ports, eps))

    def _new_slice(self, svc: dict, labels: dict, ports: list, eps: list[dict]) -> dict:
        meta = svc["metadata"]
        return {"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
                "metadata": {"generateName": f'{meta["name"]}-',
                             "namespace": meta.get("namespace", ""),
                             "labels": dict(labels),
                             "ownerReferences": [{"apiVersion": "v1", "kind": "Service",
                                                  "name": meta["name"], "uid": meta.get("uid"),
                                                  "controller": True,
                                                  "blockOwnerDeletion": True}]},
                "addressType": ip_family(svc),
                "endpoints": sorted((copy(e) for e in eps), key=_ep_order),
                "ports": copy(ports)}


def _with(sl: dict, labels: dict, ports: list, eps: list[dict]) -> dict:
    out = dict(sl, metadata=dict(sl["metadata"], labels=dict(labels)))
    out["endpoints"] = sorted((copy(e) for e in eps), key=_ep_order)
    out["ports"] = copy(ports)
    return out


def _delete(sl: dict) -> base.Delete:
    meta = sl["metadata"]
    return base.Delete("endpointslices", meta["name"], meta.get("namespace"),
                       preconditions={"uid": meta["uid"]} if meta.get("uid") else None)
