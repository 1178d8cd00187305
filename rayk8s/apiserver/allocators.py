"""ClusterIP and NodePort allocation: what kube-apiserver's service REST storage adds
to a Service's create, update and delete.

The ranges
    ClusterIPs come from the service CIDR (``--service-cluster-ip-range``,
    10.96.0.0/12 by default; for IPv4 the network and broadcast addresses are
    not usable) and node ports from ``--service-node-port-range``
    (30000-32767).  Dynamic allocation is random, in the upper part of a range
    first: the lower band (16..256 addresses, 16..128 ports, growing with the
    range) is left to values users ask for, as in Kubernetes 1.24+.  The first
    address (10.96.0.1) belongs to the ``default/kubernetes`` Service and is
    never handed out dynamically.

Durability and races
    Every held value is a store key, ``/registry/ranges/serviceips/<ip>`` or
    ``/registry/ranges/servicenodeports/<port>`` (value: ``namespace/name`` of
    the holder), created with ``compare CREATE == 0`` and deleted in the *same*
    transaction as the Service write that takes or frees it.  Two Services can
    therefore never hold one value, whatever the interleaving or the number of
    apiservers; the in-memory maps here are only a cache that picks candidates
    (and reserves them, so concurrent creates in one apiserver don't pick the
    same one).  :meth:`ServiceAllocators.repair` rebuilds the maps at start
    from the stored Services -- kube-apiserver's repair loops -- and fixes
    range keys that disagree with them.

Update semantics (kube-apiserver's ``patchAllocatedValues``,
``normalizeClusterIPs`` and the strategy's ``dropTypeDependentFields``)
    An update that omits allocated values keeps them; a type change frees what
    the new type doesn't use when the client left the value as it was (node
    ports on NodePort -> ClusterIP, the ClusterIP on -> ExternalName, the
    health-check node port, ``externalTrafficPolicy``, ...), and a Service that
    stops being a LoadBalancer loses its ``status.loadBalancer``.

Errors are kube-apiserver 1.32's: a requested value that is taken or out of
range is a 422 on ``spec.clusterIPs`` / ``spec.ports[i].nodePort`` /
``spec.healthCheckNodePort``; a full range is a 500.
"""

from __future__ import annotations

import copy
import dataclasses
import ipaddress
import logging
import random
from typing import Any, Iterable

from ..api import errors
from ..api.validation_common import invalid
from ..store import contract
from .watchcache import decode

log = logging.getLogger(__name__)

DEFAULT_SERVICE_CIDR = "10.96.0.0/12"
DEFAULT_NODE_PORT_RANGE = "30000-32767"
IP_KEY_PREFIX = "/registry/ranges/serviceips/"
PORT_KEY_PREFIX = "/registry/ranges/servicenodeports/"
# Auto-allocation retries after losing a candidate to another writer.
ALLOCATION_TRIES = 16

IP_TAKEN = "provided IP is already allocated"
PORT_TAKEN = "provided port is already allocated"


# --------------------------------------------------------------- service facts

def _spec(svc: dict | None) -> dict:
    spec = (svc or {}).get("spec")
    return spec if isinstance(spec, dict) else {}


def _ports(svc: dict | None) -> list[dict]:
    return [p for p in _spec(svc).get("ports") or [] if isinstance(p, dict)]


def _int(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def service_type(svc: dict | None) -> str:
    return _spec(svc).get("type") or "ClusterIP"


def needs_cluster_ip(svc: dict | None) -> bool:
    return service_type(svc) != "ExternalName"


def needs_node_ports(svc: dict | None) -> bool:
    return service_type(svc) in ("NodePort", "LoadBalancer")


def allocates_node_ports(svc: dict | None) -> bool:
    """Whether ports without a nodePort get one (a LoadBalancer may opt out)."""
    return service_type(svc) == "NodePort" or (
        service_type(svc) == "LoadBalancer"
        and _spec(svc).get("allocateLoadBalancerNodePorts") is not False)


def needs_health_check_port(svc: dict | None) -> bool:
    return service_type(svc) == "LoadBalancer" and \
        _spec(svc).get("externalTrafficPolicy") == "Local"


def is_headless(svc: dict | None) -> bool:
    spec = _spec(svc)
    ips = spec.get("clusterIPs") or []
    return spec.get("clusterIP") == "None" or (bool(ips) and ips[0] == "None")


def held_ips(svc: dict | None) -> list[str]:
    """The ClusterIPs a stored Service holds."""
    spec = _spec(svc)
    out = [ip for ip in spec.get("clusterIPs") or [] if isinstance(ip, str)]
    if isinstance(spec.get("clusterIP"), str):
        out.append(spec["clusterIP"])
    return list(dict.fromkeys(ip for ip in out if ip and ip != "None"))


def held_ports(svc: dict | None) -> list[int]:
    """The node ports (and health-check node port) a stored Service holds."""
    out = [_int(p.get("nodePort")) for p in _ports(svc)]
    out.append(_int(_spec(svc).get("healthCheckNodePort")))
    return list(dict.fromkeys(p for p in out if p))


def ip_key(ip: str) -> str:
    return IP_KEY_PREFIX + ip


def port_key(port: int) -> str:
    return f"{PORT_KEY_PREFIX}{port}"


# ---------------------------------------------------------------- update prep

def prepare_update(new: dict, old: dict) -> dict:
    """``new`` (after the update strategy and defaults) as kube-apiserver
    validates it: drops what the new type no longer uses (when unchanged by the
    client), fills in allocated values the client omitted, keeps ``clusterIP``
    and ``clusterIPs`` in step.
    """
    new = copy.deepcopy(new)
    _drop_type_dependent_fields(new, old)
    _patch_allocated_values(new, old)
    _normalize_cluster_ips(new, old)
    # The generation was bumped on the spec as sent; what is stored may not have changed.
    old_meta, meta = old.get("metadata") or {}, new.setdefault("metadata", {})
    if new.get("spec") == old.get("spec") and "generation" in old_meta:
        meta["generation"] = old_meta["generation"]
    return new


def _same(a: dict, b: dict, field: str) -> bool:
    return a.get(field) == b.get(field)


def _node_ports_by_index(svc: dict) -> list[int]:
    return [_int(p.get("nodePort")) for p in _ports(svc)]


def _drop_type_dependent_fields(new: dict, old: dict) -> None:
    spec, old_spec = new.setdefault("spec", {}), _spec(old)
    if needs_cluster_ip(old) and not needs_cluster_ip(new):
        # Left as they were (or left out): freed below, when the write commits.
        if all(not spec.get(f) or _same(spec, old_spec, f) for f in ("clusterIP", "clusterIPs")):
            spec.pop("clusterIP", None)
            spec.pop("clusterIPs", None)
        for field in ("ipFamilies", "ipFamilyPolicy"):
            if _same(spec, old_spec, field):
                spec.pop(field, None)
    if needs_node_ports(old) and not needs_node_ports(new) and \
            _node_ports_by_index(new) == _node_ports_by_index(old):
        for port in _ports(new):
            port.pop("nodePort", None)
    if needs_health_check_port(old) and not needs_health_check_port(new) and \
            _same(spec, old_spec, "healthCheckNodePort"):
        spec.pop("healthCheckNodePort", None)
    if service_type(old) == "LoadBalancer" and service_type(new) != "LoadBalancer":
        for field in ("allocateLoadBalancerNodePorts", "loadBalancerClass"):
            if _same(spec, old_spec, field):
                spec.pop(field, None)
    if _externally_accessible(old) and not _externally_accessible(new) and \
            _same(spec, old_spec, "externalTrafficPolicy"):
        spec.pop("externalTrafficPolicy", None)
    if service_type(new) != "LoadBalancer" and isinstance(new.get("status"), dict):
        new["status"]["loadBalancer"] = {}


def _externally_accessible(svc: dict) -> bool:
    return service_type(svc) in ("NodePort", "LoadBalancer") or \
        (service_type(svc) == "ClusterIP" and bool(_spec(svc).get("externalIPs")))


def _patch_allocated_values(new: dict, old: dict) -> None:
    spec, old_spec = new.setdefault("spec", {}), _spec(old)
    if needs_cluster_ip(old) and needs_cluster_ip(new):
        if not spec.get("clusterIP") and old_spec.get("clusterIP"):
            spec["clusterIP"] = old_spec["clusterIP"]
        if not spec.get("clusterIPs") and old_spec.get("clusterIPs"):
            spec["clusterIPs"] = list(old_spec["clusterIPs"])
    if needs_node_ports(old) and needs_node_ports(new):
        # Values both versions name can't be patched onto another port.
        used = set(held_ports({"spec": {"ports": _ports(old)}})) & \
            set(held_ports({"spec": {"ports": _ports(new)}}))
        by_name = {p.get("name") or "": _int(p.get("nodePort")) for p in _ports(old)}
        for port in _ports(new):
            if not _int(port.get("nodePort")):
                value = by_name.get(port.get("name") or "", 0)
                if value and value not in used:
                    port["nodePort"] = value
    if needs_health_check_port(old) and needs_health_check_port(new) and \
            not _int(spec.get("healthCheckNodePort")) and old_spec.get("healthCheckNodePort"):
        spec["healthCheckNodePort"] = old_spec["healthCheckNodePort"]


def _normalize_cluster_ips(new: dict, old: dict) -> None:
    spec, old_spec = new.setdefault("spec", {}), _spec(old)
    if old_spec.get("clusterIPs") and not spec.get("clusterIPs") and \
            _same(spec, old_spec, "clusterIP"):
        spec["clusterIPs"] = list(old_spec["clusterIPs"])
    if not _same(spec, old_spec, "clusterIP") and _same(spec, old_spec, "clusterIPs"):
        if old_spec.get("clusterIP") and not spec.get("clusterIP"):
            spec.pop("clusterIPs", None)
        else:
            spec["clusterIPs"] = [spec.get("clusterIP")]


# ----------------------------------------------------------------------- ranges

class _Pool:
    """Which values of ``[first, last]`` are held, and picking a free one.

    ``static`` values at the bottom are only handed out dynamically once the
    rest is full; ``reserved`` values never are.
    """

    def __init__(self, first: int, last: int, static: int, reserved: Iterable[int] = (),
                 rng: random.Random | None = None):
        self.first, self.last = first, last
        self.static = static
        self.reserved = set(reserved)
        self.used: set[int] = set()
        self.rng = rng or random.Random()

    @property
    def size(self) -> int:
        return max(self.last - self.first + 1, 0)

    def contains(self, value: int) -> bool:
        return self.first <= value <= self.last

    def take(self, value: int) -> bool:
        if value in self.used:
            return False
        self.used.add(value)
        return True

    def release(self, value: int) -> None:
        self.used.discard(value)

    def take_next(self) -> int | None:
        split = self.first + min(self.static, self.size)
        for lo, hi in ((split, self.last), (self.first, split - 1)):
            value = self._scan(lo, hi)
            if value is not None:
                self.used.add(value)
                return value
        return None

    def _scan(self, lo: int, hi: int) -> int | None:
        """A free value in ``[lo, hi]``: from a random start, wrapping around."""
        n = hi - lo + 1
        if n <= 0:
            return None
        start = self.rng.randrange(n)
        for i in range(n):
            value = lo + (start + i) % n
            if value not in self.used and value not in self.reserved:
                return value
        return None


def _band(size: int, low: int, high: int, step: int) -> int:
    """The static band's size: ``min(max(low, size/step), high)``; none for tiny ranges."""
    if size < low:
        return 0
    return min(max(low, size // step), high)


class ServiceIPRange:
    """The service CIDR."""

    def __init__(self, cidr: str, rng: random.Random | None = None):
        self.network = ipaddress.ip_network(cidr, strict=False)
        self.cidr = str(self.network)
        first, last = int(self.network.network_address), int(self.network.broadcast_address)
        if self.network.version == 4 and self.network.num_addresses > 2:
            first, last = first + 1, last - 1   # no network or broadcast address
        elif self.network.version == 6 and self.network.num_addresses > 1:
            first += 1                           # no subnet-router anycast address
        size = last - first + 1
        self.pool = _Pool(first, last, _band(size, 16, 256, 16), reserved=(first,), rng=rng)

    @property
    def kubernetes_ip(self) -> str:
        """The first usable address: the ``default/kubernetes`` Service's."""
        return self.text(self.pool.first)

    def value(self, ip: str) -> int | None:
        """The address as an int, None if it isn't one of this range's family."""
        try:
            addr = ipaddress.ip_address(ip)
        except ValueError:
            return None
        return int(addr) if addr.version == self.network.version else None

    def contains(self, ip: str) -> bool:
        value = self.value(ip)
        return value is not None and self.pool.contains(value)

    def text(self, value: int) -> str:
        return str(ipaddress.ip_address(value) if self.network.version == 4
                   else ipaddress.IPv6Address(value))


class NodePortRange:
    """``--service-node-port-range``: ``"30000-32767"`` (or ``"30000+2767"``)."""

    def __init__(self, text: str, rng: random.Random | None = None):
        text = str(text).strip()
        if "+" in text:
            base, extra = text.split("+", 1)
            first, last = int(base), int(base) + int(extra)
        elif "-" in text:
            base, top = text.split("-", 1)
            first, last = int(base), int(top)
        else:
            first = last = int(text)
        if not 0 < first <= last <= 65535:
            raise ValueError(f"invalid node port range {text!r}")
        self.text = f"{first}-{last}"
        self.pool = _Pool(first, last, _band(last - first + 1, 16, 128, 32), rng=rng)


# ------------------------------------------------------------------ allocation

@dataclasses.dataclass
class _Take:
    key: str
    pool: _Pool
    value: int
    error: errors.ApiError | None   # the 422 if it was asked for and is taken; None: automatic


@dataclasses.dataclass
class Allocation:
    """What one Service write takes from and gives back to the ranges.

    ``obj`` is the Service with its allocated values filled in (None for a
    delete).  :meth:`compares`, :meth:`ops` and :meth:`probes` are the extra
    parts of the write's transaction.
    """
    obj: dict | None
    owner: bytes = b""
    taken: list[_Take] = dataclasses.field(default_factory=list)
    freed: list[tuple[str, _Pool, int | None]] = dataclasses.field(default_factory=list)

    def compares(self) -> list[contract.Compare]:
        return [contract.Compare(t.key, contract.Target.CREATE, "=", 0) for t in self.taken]

    def ops(self) -> list[contract.Op]:
        return [contract.Put(t.key, self.owner) for t in self.taken] + \
            [contract.Delete(key) for key, _, _ in self.freed]

    def probes(self) -> list[contract.Op]:
        return [contract.Get(t.key) for t in self.taken]


def _name(svc: dict | None) -> str:
    return ((svc or {}).get("metadata") or {}).get("name") or ""


def _owner(svc: dict | None) -> bytes:
    meta = (svc or {}).get("metadata") or {}
    return f'{meta.get("namespace", "")}/{meta.get("name", "")}'.encode()


class ServiceAllocators:
    """The ClusterIP and node-port maps of one apiserver, and planning writes over them."""

    def __init__(self, service_cidr: str = DEFAULT_SERVICE_CIDR,
                 node_port_range: str = DEFAULT_NODE_PORT_RANGE,
                 rng: random.Random | None = None):
        self.ips = ServiceIPRange(service_cidr, rng)
        self.ports = NodePortRange(node_port_range, rng)

    # -- the kubernetes Service

    def kubernetes_service(self) -> dict:
        """``default/kubernetes``, as kube-apiserver creates it at start."""
        return {"apiVersion": "v1", "kind": "Service",
                "metadata": {"name": "kubernetes", "namespace": "default",
                             "labels": {"component": "apiserver", "provider": "kubernetes"}},
                "spec": {"type": "ClusterIP", "clusterIP": self.ips.kubernetes_ip,
                         "sessionAffinity": "None",
                         "ports": [{"name": "https", "port": 443, "protocol": "TCP",
                                    "targetPort": 6443}]}}

    # -- planning

    def plan(self, new: dict | None, old: dict | None) -> Allocation:
        """Fill ``new``'s missing allocations and list what the write takes and frees.

        ``old`` is the stored Service (None on create); ``new`` None is a
        delete.  Values taken are reserved in the maps at once; call
        :meth:`commit` after the transaction succeeded, :meth:`revert` if not.
        Raises 422 for a requested value that is taken or out of range, 500
        when a range is full.
        """
        alloc = Allocation(copy.deepcopy(new) if new is not None else None,
                           _owner(new if new is not None else old))
        try:
            if new is not None:
                self._plan_ips(alloc, set(held_ips(old)))
                self._plan_ports(alloc, set(held_ports(old)))
        except errors.ApiError:
            self.revert(alloc)
            raise
        keep_ips = set(held_ips(alloc.obj))
        keep_ports = set(held_ports(alloc.obj))
        for ip in held_ips(old):
            if ip not in keep_ips:
                alloc.freed.append((ip_key(ip), self.ips.pool, self.ips.value(ip)))
        for port in held_ports(old):
            if port not in keep_ports:
                alloc.freed.append((port_key(port), self.ports.pool, port))
        return alloc

    def _plan_ips(self, alloc: Allocation, old_ips: set[str]) -> None:
        svc = alloc.obj
        if not needs_cluster_ip(svc) or is_headless(svc):
            return
        spec = svc.setdefault("spec", {})
        requested = list(spec.get("clusterIPs") or
                         ([spec["clusterIP"]] if spec.get("clusterIP") else []))
        if not requested:
            value = self.ips.pool.take_next()
            if value is None:
                raise errors.internal("Internal error occurred: failed to allocate a "
                                      "serviceIP: range is full")
            ip = self.ips.text(value)
            alloc.taken.append(_Take(ip_key(ip), self.ips.pool, value, None))
            spec["clusterIP"], spec["clusterIPs"] = ip, [ip]
            return
        if len(requested) > 1:   # a single-stack cluster
            policy = spec.get("ipFamilyPolicy")
            raise errors.invalid("Service", _name(svc), [invalid(
                "spec.ipFamilyPolicy", policy,
                "must be 'RequireDualStack' or 'PreferDualStack' when multiple cluster IPs "
                "are specified" if policy in (None, "SingleStack") else
                "this cluster is not configured for dual-stack services")])
        ip = requested[0]
        if ip in old_ips:
            return
        shown = spec.get("clusterIPs") or [ip]

        def fail(why: str) -> errors.ApiError:
            return errors.invalid("Service", _name(svc), [invalid(
                "spec.clusterIPs", shown, f"failed to allocate IP {ip}: {why}")])

        if not self.ips.contains(ip):
            raise fail(f"provided IP is not in the valid range. The range of valid IPs "
                       f"is {self.ips.cidr}")
        value = self.ips.value(ip)
        if not self.ips.pool.take(value):
            raise fail(IP_TAKEN)
        alloc.taken.append(_Take(ip_key(ip), self.ips.pool, value, fail(IP_TAKEN)))

    def _take_port(self, alloc: Allocation, port: int, path: str, held: set[int]) -> None:
        """Take a requested node port (unless this Service holds it already)."""
        if port in held:
            return
        pool = self.ports.pool

        def fail(why: str) -> errors.ApiError:
            return errors.invalid("Service", _name(alloc.obj), [invalid(path, port, why)])

        if not pool.contains(port):
            raise fail(f"provided port is not in the valid range. The range of valid ports "
                       f"is {self.ports.text}")
        if not pool.take(port):
            raise fail(PORT_TAKEN)
        alloc.taken.append(_Take(port_key(port), pool, port, fail(PORT_TAKEN)))
        held.add(port)

    def _next_port(self, alloc: Allocation, what: str = "nodePort") -> int:
        port = self.ports.pool.take_next()
        if port is None:
            raise errors.internal(f"Internal error occurred: failed to allocate a {what}: "
                                  "range is full")
        alloc.taken.append(_Take(port_key(port), self.ports.pool, port, None))
        return port

    def _plan_ports(self, alloc: Allocation, old_ports: set[int]) -> None:
        svc = alloc.obj
        held = set(old_ports)   # what this Service holds, growing as ports are taken
        if needs_node_ports(svc):
            ports = _ports(svc)
            asked: dict[Any, int] = {}   # service port number -> the nodePort asked for it
            for port in ports:
                if _int(port.get("nodePort")):
                    asked.setdefault(port.get("port"), _int(port["nodePort"]))
            for i, port in enumerate(ports):
                value = _int(port.get("nodePort"))
                if value:
                    self._take_port(alloc, value, f"spec.ports[{i}].nodePort", held)
                elif allocates_node_ports(svc):
                    # Ports sharing a number (TCP and UDP 53) share a node port.
                    shared = asked.get(port.get("port"))
                    port["nodePort"] = shared or self._next_port(alloc)
                    asked.setdefault(port.get("port"), port["nodePort"])
                    held.add(port["nodePort"])
        if needs_health_check_port(svc):
            spec = svc["spec"]
            value = _int(spec.get("healthCheckNodePort"))
            if value:
                self._take_port(alloc, value, "spec.healthCheckNodePort", held)
            else:
                spec["healthCheckNodePort"] = self._next_port(alloc, "HealthCheck NodePort")

    # -- after the transaction

    def commit(self, alloc: Allocation) -> None:
        for _, pool, value in alloc.freed:
            if value is not None:
                pool.release(value)

    def revert(self, alloc: Allocation) -> None:
        for take in alloc.taken:
            take.pool.release(take.value)

    def clashed(self, alloc: Allocation, probes: list[contract.KeyValue | None]) -> None:
        """After a transaction lost on a range key (and :meth:`revert`): note the
        values others hold; raise the 422 if one was asked for by the client."""
        lost = [t for t, kv in zip(alloc.taken, probes) if kv is not None]
        for take in lost:
            take.pool.used.add(take.value)
        for take in lost:
            if take.error is not None:
                raise take.error

    # -- start

    async def repair(self, store, services_prefix: str) -> None:
        """Rebuild the maps from the stored Services and make the range keys agree.

        Reads Services and range keys at one revision: a key without a Service
        is a leak (freed, unless rewritten since), a Service value without a
        key is re-recorded.  Two Services claiming one value are logged, as
        kube-apiserver's repair loop reports them.
        """
        revision = (await store.range(services_prefix, limit=1)).revision
        want: dict[str, bytes] = {}
        self.ips.pool.used.clear()
        self.ports.pool.used.clear()
        for kv in (await store.range(services_prefix, revision=revision)).kvs:
            svc = decode(kv.value, kv.mod_revision)
            owner = _owner(svc)
            keys = [(ip_key(ip), self.ips.pool, self.ips.value(ip)) for ip in held_ips(svc)]
            keys += [(port_key(p), self.ports.pool, p) for p in held_ports(svc)]
            for key, pool, value in keys:
                if key in want and want[key] != owner:
                    log.warning("%s is held by both %s and %s; recreate one of them",
                                key.rsplit("/", 1)[-1], want[key].decode(), owner.decode())
                want.setdefault(key, owner)
                if value is not None:
                    pool.used.add(value)
        have = {}
        for prefix in (IP_KEY_PREFIX, PORT_KEY_PREFIX):
            for kv in (await store.range(prefix, revision=revision)).kvs:
                have[kv.key] = kv
        for key, owner in want.items():
            if key not in have:
                await store.txn([contract.Compare(key, contract.Target.CREATE, "=", 0)],
                                [contract.Put(key, owner)], [])
        for key, kv in have.items():
            if key not in want:
                log.info("releasing leaked allocation %s", key)
                await store.txn([contract.Compare(key, contract.Target.MOD, "=",
                                                  kv.mod_revision)],
                                [contract.Delete(key)], [])
