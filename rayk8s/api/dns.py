"""Cluster DNS: Kubernetes' DNS-based service discovery, computed from Services and
EndpointSlices (pure: no I/O, no sockets).

The records are those of the DNS specification (kubernetes/dns, docs/specification.md),
A and CNAME only:

- ``<svc>.<ns>.svc.<domain>``: a Service's ``clusterIPs`` (``clusterIP``); for a
  headless Service (``clusterIP: None``) the addresses of its *ready* endpoints (the
  EndpointSlices labelled ``kubernetes.io/service-name: <svc>``; ``conditions.ready``
  absent counts as ready), deduplicated, in address order; for an ExternalName Service
  a CNAME to ``spec.externalName``.
- ``<hostname>.<svc>.<ns>.svc.<domain>``: a ready endpoint of a headless Service that
  has a ``hostname`` (StatefulSet pods).
- ``<a>-<b>-<c>-<d>.<ns>.pod.<domain>``: a.b.c.d, for any namespace (the deprecated
  record kube-dns and CoreDNS still answer).

Anything else is NXDOMAIN (None): there is no upstream resolver. One departure from
the specification: a headless Service with no ready endpoint is an :class:`Answer`
without addresses (the name's Service exists) where a DNS server answers NXDOMAIN;
:func:`resolve_with` keeps searching past such an answer, as a resolver would.

Names are matched case-insensitively; an answer's ``name`` is the name asked (without
its trailing dot).

:func:`resolve_with` is the pod resolver's side: the ``search`` list and ``ndots`` of
``/etc/resolv.conf`` (:func:`parse_resolv_conf`), as glibc applies them.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import Callable, Iterable, Mapping

CLUSTER_DOMAIN = "cluster.local"
NAMESERVER = "10.96.0.10"
SERVICE_NAME_LABEL = "kubernetes.io/service-name"
DEFAULT_NDOTS = 1           # resolv.conf(5)'s default; pods get ndots:5


@dataclass(frozen=True)
class Answer:
    name: str                       # the fully qualified name that matched (no trailing dot)
    addresses: tuple[str, ...]      # A (and AAAA) records, possibly none
    cname: str = ""                 # ExternalName Services: the external name


def search_list(namespace: str, domain: str = CLUSTER_DOMAIN) -> list[str]:
    """The search list the kubelet writes in a pod's ``/etc/resolv.conf``
    (``dnsPolicy: ClusterFirst``)."""
    return [f"{namespace}.svc.{domain}", f"svc.{domain}", domain]


def candidates(name: str, search: Iterable[str], ndots: int) -> list[str]:
    """The names a resolver asks for ``name``, in order: a name with a trailing dot is
    absolute; one with at least ``ndots`` dots is tried as is and then with each search
    suffix; otherwise the suffixes come first and the name as is last."""
    if not name or name == ".":
        return []
    if name.endswith("."):
        return [name[:-1]]
    suffixed = [f"{name}.{s.strip('.')}" for s in search if s.strip(".")]
    return [name] + suffixed if name.count(".") >= ndots else suffixed + [name]


def resolve_with(lookup: Callable[[str], Answer | None], name: str,
                 search: Iterable[str], ndots: int) -> Answer | None:
    """Resolve ``name`` through ``lookup`` (exact names) with a search list: the first
    answer with records; an answer without records (a headless Service with no ready
    endpoint) only if no later candidate has records; None: not found."""
    empty: Answer | None = None
    for candidate in candidates(name, list(search), ndots):
        answer = lookup(candidate)
        if answer is None:
            continue
        if answer.addresses or answer.cname:
            return answer
        empty = empty or answer
    return empty


@dataclass(frozen=True)
class ResolvConf:
    nameservers: tuple[str, ...] = ()
    search: tuple[str, ...] = ()
    ndots: int = DEFAULT_NDOTS
    options: tuple[str, ...] = ()


def parse_resolv_conf(text: str) -> ResolvConf:
    """``nameserver``, ``search`` (the last one wins, as with glibc; ``domain`` too),
    ``options`` (``ndots:N``, capped at 15)."""
    nameservers: list[str] = []
    search: list[str] = []
    options: list[str] = []
    ndots = DEFAULT_NDOTS
    for line in text.splitlines():
        words = line.split("#", 1)[0].split(";", 1)[0].split()
        if not words:
            continue
        key, values = words[0], words[1:]
        if key == "nameserver" and values:
            nameservers.append(values[0])
        elif key in ("search", "domain"):
            search = values
        elif key == "options":
            for opt in values:
                options.append(opt)
                if opt.startswith("ndots:"):
                    try:
                        ndots = max(0, min(15, int(opt[6:])))
                    except ValueError:
                        pass
    return ResolvConf(tuple(nameservers), tuple(search), ndots, tuple(options))


def _meta(obj: dict) -> dict:
    return obj.get("metadata") or {}


def _ip_key(ip: str):
    try:
        addr = ipaddress.ip_address(ip)
        return (addr.version, int(addr))
    except ValueError:
        return (9, 0)


def _pod_address(label: str) -> str | None:
    """``10-244-1-7`` -> 10.244.1.7 (each part 0..255)."""
    parts = label.split("-")
    if len(parts) != 4 or not all(p.isdigit() and len(p) <= 3 and int(p) <= 255
                                  for p in parts):
        return None
    return ".".join(str(int(p)) for p in parts)


class ClusterDNS:
    """The cluster's DNS server over live views of Services and EndpointSlices, both
    keyed ``namespace/name`` (the dicts a KubeProxy keeps): lookups read them as they are
    now, so the caller keeps feeding them."""

    def __init__(self, services: Mapping[str, dict], slices: Mapping[str, dict],
                 domain: str = CLUSTER_DOMAIN):
        self.services = services
        self.slices = slices
        self.domain = domain.strip(".").lower()

    def lookup(self, fqdn: str) -> Answer | None:
        """The records of exactly ``fqdn`` (a trailing dot is allowed); None: NXDOMAIN."""
        asked = fqdn[:-1] if fqdn.endswith(".") else fqdn
        name = asked.lower()
        suffix = "." + self.domain
        if not name.endswith(suffix):
            return None
        labels = name[:-len(suffix)].split(".")
        if any(not label for label in labels):
            return None
        if len(labels) == 3 and labels[2] == "pod":
            ip = _pod_address(labels[0])
            return Answer(asked, (ip,)) if ip else None
        if len(labels) not in (3, 4) or labels[-1] != "svc":
            return None
        svc_name, namespace = labels[-3], labels[-2]
        svc = self.services.get(f"{namespace}/{svc_name}")
        if svc is None:
            return None
        spec = svc.get("spec") or {}
        headless = spec.get("clusterIP") == "None"
        if len(labels) == 4:        # <hostname>.<svc>.<ns>.svc
            if not headless:
                return None
            addresses = self._ready_addresses(namespace, svc_name, hostname=labels[0])
            return Answer(asked, addresses) if addresses else None
        if spec.get("type") == "ExternalName":
            external = str(spec.get("externalName") or "").rstrip(".")
            return Answer(asked, (), external) if external else None
        if headless:
            return Answer(asked, self._ready_addresses(namespace, svc_name))
        ips = [ip for ip in (spec.get("clusterIPs") or [spec.get("clusterIP")])
               if ip and ip != "None"]
        return Answer(asked, tuple(dict.fromkeys(ips)))

    def resolve(self, name: str, namespace: str = "default", ndots: int = 5) -> Answer | None:
        """``name`` as a pod in ``namespace`` resolves it (its resolv.conf search list)."""
        return resolve_with(self.lookup, name, search_list(namespace, self.domain), ndots)

    def _ready_addresses(self, namespace: str, service: str,
                         hostname: str | None = None) -> tuple[str, ...]:
        found: set[str] = set()
        for sl in list(self.slices.values()):
            meta = _meta(sl)
            if (meta.get("namespace") or "default") != namespace or \
                    (meta.get("labels") or {}).get(SERVICE_NAME_LABEL) != service:
                continue
            if sl.get("addressType", "IPv4") not in ("IPv4", "IPv6"):
                continue
            for ep in sl.get("endpoints") or []:
                if not isinstance(ep, dict) or \
                        (ep.get("conditions") or {}).get("ready") is False:
                    continue
                if hostname is not None and str(ep.get("hostname") or "").lower() != hostname:
                    continue
                found.update(a for a in ep.get("addresses") or [] if a)
        return tuple(sorted(found, key=_ip_key))
