"""kube-proxy's table: Services and EndpointSlices -> which pod gets a request.

Pure (no Ray, no sockets): the node actor feeds it from informers
(:meth:`KubeProxy.set_service`, :meth:`delete_service`, :meth:`set_slice`,
:meth:`delete_slice`) and asks :meth:`KubeProxy.pick` for a backend.

- Only endpoints whose ``conditions.ready`` is true (absent counts as ready, as
  the API says) are picked; an endpoint is keyed by its pod (``targetRef``) or,
  without one, its first address.
- Balancing is ``round-robin`` (the default: each ready endpoint once per N
  picks, in a stable order) or ``random`` (as iptables mode does).
- ``sessionAffinity: ClientIP`` pins a client IP to the endpoint it got until
  ``timeoutSeconds`` (default 10800) of cluster time pass without a request
  from it (each request renews it, as the ``recent`` match does); a pinned
  endpoint that stops being ready is forgotten.
"""

from __future__ import annotations

import random as _random
from typing import Any, NamedTuple

from ..clock import Clock, RealClock

ROUND_ROBIN = "round-robin"
RANDOM = "random"
MODES = (ROUND_ROBIN, RANDOM)
DEFAULT_AFFINITY_TIMEOUT = 10800
NODE_PORT_TYPES = ("NodePort", "LoadBalancer")
SERVICE_NAME_LABEL = "kubernetes.io/service-name"


class Target(NamedTuple):
    """Where one request goes."""
    pod_ip: str
    port: int
    pod: str          # namespace/name ("" when the endpoint has no targetRef)
    node: str         # the endpoint's nodeName ("" if unknown)


class _Endpoint(NamedTuple):
    key: str
    ip: str
    port: int
    pod: str
    node: str


def _meta(obj: dict) -> dict:
    return obj.get("metadata") or {}


def _key(obj: dict) -> str:
    meta = _meta(obj)
    return f'{meta.get("namespace") or "default"}/{meta.get("name", "")}'


class KubeProxy:
    """The service -> endpoints table of one kube-proxy (see the module docstring)."""

    def __init__(self, clock: Clock | None = None, mode: str = ROUND_ROBIN,
                 rng: _random.Random | None = None):
        if mode not in MODES:
            raise ValueError(f"unknown proxy mode {mode!r}; one of {', '.join(MODES)}")
        self.clock = clock if clock is not None else RealClock()
        self.mode = mode
        self.rng = rng if rng is not None else _random.Random()
        self.services: dict[str, dict] = {}            # ns/name -> Service
        self.slices: dict[str, dict] = {}              # ns/slice -> EndpointSlice
        self._rr: dict[tuple[str, str], int] = {}      # (service, port name) -> next index
        self._affinity: dict[tuple[str, str], tuple[str, float]] = {}  # (svc, client) -> (ep, expiry)
        self._ports: dict[str, dict] = {}      # node_ports()/load_balancers(), until a Service changes

    # -- feeding ------------------------------------------------------------------------

    def set_service(self, svc: dict) -> None:
        self.services[_key(svc)] = svc
        self._ports.clear()

    def delete_service(self, svc: dict | str) -> None:
        key = svc if isinstance(svc, str) else _key(svc)
        self.services.pop(key, None)
        self._ports.clear()
        for table in (self._rr, self._affinity):
            for k in [k for k in table if k[0] == key]:
                del table[k]

    def set_slice(self, sl: dict) -> None:
        self.slices[_key(sl)] = sl

    def delete_slice(self, sl: dict | str) -> None:
        self.slices.pop(sl if isinstance(sl, str) else _key(sl), None)

    # -- reading ------------------------------------------------------------------------

    def node_ports(self) -> dict[int, tuple[str, str]]:
        """nodePort -> (service key, port name) for every NodePort/LoadBalancer Service
        (computed once per change of the Services: each request asks)."""
        cached = self._ports.get("node")
        if cached is not None:
            return cached
        out: dict[int, tuple[str, str]] = {}
        self._ports["node"] = out
        for key, svc in sorted(self.services.items()):
            spec = svc.get("spec") or {}
            if spec.get("type") not in NODE_PORT_TYPES:
                continue
            for p in spec.get("ports") or []:
                if isinstance(p, dict) and p.get("nodePort") and \
                        (p.get("protocol") or "TCP") == "TCP":
                    out.setdefault(int(p["nodePort"]), (key, p.get("name") or ""))
        return out

    def load_balancers(self) -> dict[tuple[str, int], tuple[str, str]]:
        """(load-balancer IP, service port) -> (service key, port name) for every
        LoadBalancer Service with an address in ``status.loadBalancer.ingress``."""
        cached = self._ports.get("lb")
        if cached is not None:
            return cached
        out: dict[tuple[str, int], tuple[str, str]] = {}
        self._ports["lb"] = out
        for key, svc in sorted(self.services.items()):
            if (svc.get("spec") or {}).get("type") != "LoadBalancer":
                continue
            ips = [i.get("ip") for i in ((svc.get("status") or {}).get("loadBalancer") or {})
                   .get("ingress") or [] if isinstance(i, dict) and i.get("ip")]
            for p in (svc.get("spec") or {}).get("ports") or []:
                if isinstance(p, dict) and p.get("port") and \
                        (p.get("protocol") or "TCP") == "TCP":
                    for ip in ips:
                        out.setdefault((ip, int(p["port"])), (key, p.get("name") or ""))
        return out

    def endpoints(self, service: str, port_name: str = "") -> list[_Endpoint]:
        """The ready endpoints of ``service``'s port ``port_name``, in a stable order."""
        namespace, _, name = service.partition("/")
        seen: dict[str, _Endpoint] = {}
        for sl in self.slices.values():
            meta = _meta(sl)
            if (meta.get("namespace") or "default") != namespace or \
                    (meta.get("labels") or {}).get(SERVICE_NAME_LABEL) != name:
                continue
            port = next((p.get("port") for p in sl.get("ports") or []
                         if (p.get("name") or "") == port_name and p.get("port")), None)
            if port is None:
                continue
            for ep in sl.get("endpoints") or []:
                if (ep.get("conditions") or {}).get("ready") is False:
                    continue
                addresses = ep.get("addresses") or []
                if not addresses:
                    continue
                ref = ep.get("targetRef") or {}
                pod = f'{ref.get("namespace") or namespace}/{ref["name"]}' \
                    if ref.get("name") else ""
                key = f"{pod or addresses[0]}:{port}"
                seen.setdefault(key, _Endpoint(key, addresses[0], int(port), pod,
                                               ep.get("nodeName") or ""))
        return sorted(seen.values(), key=lambda e: (e.pod, e.ip, e.port))

    def resolve(self, service: str | int, port_name: str | None = None) -> tuple[str, str] | None:
        """(service key, port name) for a service key or a nodePort; None if unknown."""
        if isinstance(service, int):
            return self.node_ports().get(service)
        svc = self.services.get(service)
        if svc is None:
            return None
        if port_name is None:
            ports = [p for p in (svc.get("spec") or {}).get("ports") or [] if isinstance(p, dict)]
            port_name = (ports[0].get("name") or "") if ports else ""
        return service, port_name

    def service_at(self, ip: str, port: int) -> tuple[str, str] | None:
        """(service key, port name) of the Service whose ClusterIP is ``ip`` and which
        has the TCP port ``port``; None when no Service has it."""
        for key, svc in self.services.items():
            spec = svc.get("spec") or {}
            if ip not in (spec.get("clusterIPs") or [spec.get("clusterIP")]):
                continue
            for p in spec.get("ports") or []:
                if isinstance(p, dict) and p.get("port") == port and \
                        (p.get("protocol") or "TCP") == "TCP":
                    return key, p.get("name") or ""
        return None

    def pod_at(self, ip: str) -> tuple[str, str] | None:
        """(pod ``namespace/name``, node name) of an endpoint whose address is ``ip``, from
        the EndpointSlices (None when no slice lists it with a targetRef)."""
        for sl in self.slices.values():
            namespace = _meta(sl).get("namespace") or "default"
            for ep in sl.get("endpoints") or []:
                ref = ep.get("targetRef") or {}
                if ip in (ep.get("addresses") or []) and ref.get("name"):
                    return f'{ref.get("namespace") or namespace}/{ref["name"]}', \
                        ep.get("nodeName") or ""
        return None

    # -- picking ------------------------------------------------------------------------

    def pick(self, service: str | int, client_ip: str = "",
             port_name: str | None = None, exclude: frozenset[str] | set[str] = frozenset()
             ) -> Target | None:
        """The endpoint a request from ``client_ip`` to ``service`` (``namespace/name``,
        or a nodePort number) goes to; None when there is no ready endpoint.
        ``exclude``: pods (``namespace/name``) not to pick (they refused the request)."""
        resolved = self.resolve(service, port_name)
        if resolved is None:
            return None
        key, port_name = resolved
        eps = [e for e in self.endpoints(key, port_name) if not (e.pod and e.pod in exclude)]
        if not eps:
            return None
        spec = (self.services.get(key) or {}).get("spec") or {}
        affinity = spec.get("sessionAffinity") == "ClientIP" and bool(client_ip)
        now = self.clock.now()
        if affinity:
            timeout = ((spec.get("sessionAffinityConfig") or {}).get("clientIP") or {}) \
                .get("timeoutSeconds") or DEFAULT_AFFINITY_TIMEOUT
            pinned = self._affinity.get((key, client_ip))
            if pinned is not None and pinned[1] > now:
                ep = next((e for e in eps if e.key == pinned[0]), None)
                if ep is not None:
                    self._affinity[(key, client_ip)] = (ep.key, now + float(timeout))
                    return Target(ep.ip, ep.port, ep.pod, ep.node)
        if self.mode == RANDOM:
            ep = eps[self.rng.randrange(len(eps))]
        else:
            index = self._rr.get((key, port_name), 0) % len(eps)
            self._rr[(key, port_name)] = index + 1
            ep = eps[index]
        if affinity:
            self._affinity[(key, client_ip)] = (ep.key, now + float(timeout))
        return Target(ep.ip, ep.port, ep.pod, ep.node)

    def describe(self) -> dict[str, Any]:
        """What the table holds (for debugging)."""
        return {"mode": self.mode, "node_ports": self.node_ports(),
                "services": {k: [e._asdict() for e in self.endpoints(k, n)]
                             for k, n in (self.resolve(k) or (k, "") for k in self.services)}}
