"""An emulated cloud load balancer: the service controller over a loopback "cloud".

kube-controller-manager's service controller asks a cloud provider for a load
balancer per ``type: LoadBalancer`` Service and writes its address into
``status.loadBalancer.ingress``.  Here the cloud is a pool of loopback
addresses (``127.0.100.1-127.0.100.254`` by default) that the node proxies can
really listen on; the controller:

- gives each LoadBalancer Service (without ``spec.loadBalancerClass``, which
  names another implementation) one address from the pool -- the one in
  ``spec.loadBalancerIP`` if that is a free pool address, else the one it
  already has, else the lowest free one -- and sets
  ``status.loadBalancer.ingress: [{ip, ipMode: VIP}]``, recording
  ``EnsuringLoadBalancer`` / ``EnsuredLoadBalancer`` events;
- adds the ``service.kubernetes.io/load-balancer-cleanup`` finalizer first, so
  a deleted Service keeps its address until the controller released it
  (``DeletingLoadBalancer`` / ``DeletedLoadBalancer``, then the finalizer goes);
- releases the address when the Service stops being a LoadBalancer (the
  apiserver clears ``status.loadBalancer`` on that update);
- when the pool is exhausted, records ``SyncLoadBalancerFailed`` (Warning) and
  retries later, or as soon as another Service gives an address back.

Which address a Service holds is read from the Services' status, plus the
addresses this controller assigned whose status write may not be visible yet
(so two quick syncs never hand out one address twice).
"""

from __future__ import annotations

import ipaddress
from typing import Iterable

from ..machinery import key_of, split_key
from . import base

LB_FINALIZER = "service.kubernetes.io/load-balancer-cleanup"
DEFAULT_POOL = "127.0.100.1-127.0.100.254"
RETRY_SECONDS = 5.0


def parse_pool(pool: str | Iterable[str]) -> list[str]:
    """Addresses of ``"a-b"`` ranges, CIDRs (their hosts) and single addresses,
    comma-separated or as a list, in order, without repeats."""
    parts = pool.split(",") if isinstance(pool, str) else list(pool)
    out: list[str] = []
    for part in (p.strip() for p in parts):
        if not part:
            continue
        if "/" in part:
            out += [str(ip) for ip in ipaddress.ip_network(part, strict=False).hosts()]
        elif "-" in part:
            lo, hi = (ipaddress.ip_address(x.strip()) for x in part.split("-", 1))
            if hi < lo:
                raise ValueError(f"invalid address range {part!r}")
            out += [str(ipaddress.ip_address(v)) for v in range(int(lo), int(hi) + 1)]
        else:
            out.append(str(ipaddress.ip_address(part)))
    if not out:
        raise ValueError("the load balancer pool is empty")
    return list(dict.fromkeys(out))


def wants_load_balancer(svc: dict) -> bool:
    spec = svc.get("spec") or {}
    return spec.get("type") == "LoadBalancer" and not spec.get("loadBalancerClass") and \
        not (svc.get("metadata") or {}).get("deletionTimestamp")


def ingress_ips(svc: dict) -> list[str]:
    ingress = (((svc.get("status") or {}).get("loadBalancer") or {}).get("ingress")) or []
    return [i["ip"] for i in ingress if isinstance(i, dict) and i.get("ip")]


class ServiceLBController:
    name = "service-lb"

    def __init__(self, pool: str | Iterable[str] = DEFAULT_POOL,
                 retry_seconds: float = RETRY_SECONDS) -> None:
        self.pool = parse_pool(pool)
        self._in_pool = set(self.pool)
        self.retry_seconds = retry_seconds
        # service key -> the address assigned (its status write may be in flight)
        self.assigned: dict[str, str] = {}
        # services waiting for a free address
        self.pending: set[str] = set()
        self.watches = {"services": {}}

    # -- keys
    def keys_for(self, resource: str, obj: dict, listers: base.Listers) -> Iterable[str]:
        key = key_of(obj)
        gone = listers["services"].get(key) is None
        if (gone or not wants_load_balancer(obj)) and self.pending:
            return [key] + sorted(self.pending - {key})   # an address may have come free
        return [key]

    # -- sync
    def sync(self, key: str, listers: base.Listers, now: float) -> list[base.Action]:
        svc = listers["services"].get(key)
        if svc is None:
            self.assigned.pop(key, None)
            self.pending.discard(key)
            return []
        finalizers = list(svc["metadata"].get("finalizers") or [])
        if not wants_load_balancer(svc):
            self.assigned.pop(key, None)
            self.pending.discard(key)
            if LB_FINALIZER not in finalizers:
                return []
            return [base.Event(svc, "Normal", "DeletingLoadBalancer", "Deleting load balancer"),
                    base.Event(svc, "Normal", "DeletedLoadBalancer", "Deleted load balancer"),
                    _set_finalizers(svc, [f for f in finalizers if f != LB_FINALIZER])]
        ip = self._choose(key, svc, listers)
        if ip is None:
            self.pending.add(key)
            return [base.Event(svc, "Warning", "SyncLoadBalancerFailed",
                               "Error syncing load balancer: failed to ensure load balancer: "
                               f"no free address in the load balancer pool "
                               f"({len(self.pool)} addresses)"),
                    base.Requeue(self.retry_seconds)]
        self.pending.discard(key)
        self.assigned[key] = ip
        actions: list[base.Action] = []
        want = [{"ip": ip, "ipMode": "VIP"}]
        current = ((svc.get("status") or {}).get("loadBalancer") or {}).get("ingress")
        if LB_FINALIZER in finalizers and current == want:
            return []
        actions.append(base.Event(svc, "Normal", "EnsuringLoadBalancer", "Ensuring load balancer"))
        if LB_FINALIZER not in finalizers:
            actions.append(_set_finalizers(svc, finalizers + [LB_FINALIZER]))
        if current != want:
            ns, name = split_key(key)
            actions.append(base.Patch("services", name, ns,
                                      {"status": {"loadBalancer": {"ingress": want}}},
                                      subresource="status"))
        actions.append(base.Event(svc, "Normal", "EnsuredLoadBalancer", "Ensured load balancer"))
        return actions

    def _choose(self, key: str, svc: dict, listers: base.Listers) -> str | None:
        taken: set[str] = set()       # held by another Service
        senior: set[str] = set()      # ... that came first (wins a shared status address)
        for other in listers["services"].list():
            other_key = key_of(other)
            if other_key != key and (wants_load_balancer(other) or
                                     LB_FINALIZER in (other["metadata"].get("finalizers") or [])):
                ips = [ip for ip in ingress_ips(other) if ip in self._in_pool]
                taken.update(ips)
                if _age(other) < _age(svc):
                    senior.update(ips)
        assigned = {ip for k, ip in self.assigned.items() if k != key}
        requested = (svc.get("spec") or {}).get("loadBalancerIP")
        if requested in self._in_pool and requested not in taken | assigned:
            return requested
        for ip in [self.assigned.get(key)] + ingress_ips(svc):
            if ip in self._in_pool and ip not in senior | assigned:
                return ip
        return next((ip for ip in self.pool if ip not in taken | assigned), None)


def _age(svc: dict) -> tuple[str, str]:
    meta = svc.get("metadata") or {}
    return meta.get("creationTimestamp") or "", key_of(svc)


def _set_finalizers(svc: dict, finalizers: list[str]) -> base.Patch:
    ns, name = split_key(key_of(svc))
    return base.Patch("services", name, ns, {"metadata": {
        "finalizers": finalizers or None,
        "resourceVersion": svc["metadata"].get("resourceVersion")}})
