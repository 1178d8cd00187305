"""The ingress controller's routing table: Ingresses -> which Service gets a request.

Pure (no Ray, no sockets): the ingress actor (actors/ingress.py) feeds it from
an informer (:meth:`IngressTable.set_ingress`, :meth:`delete_ingress`) and asks
:meth:`IngressTable.route` where a request goes.  The rules follow the
networking.k8s.io/v1 Ingress API:

- **Class.**  With ``ingress_class`` set, only Ingresses whose
  ``spec.ingressClassName`` (or the legacy annotation
  ``kubernetes.io/ingress.class``) equals it are served; None serves all.
- **Hosts.**  The request's host (the Host header, without port, lower case)
  picks one group of rules: the rules whose ``host`` equals it, else those
  whose wildcard ``*.example.com`` matches it (the ``*`` stands for exactly one
  DNS label: ``a.example.com``, not ``example.com`` nor ``a.b.example.com``),
  else the rules without a host.  A request is matched against that group only
  (as ingress-nginx's server blocks: a host's own rules do not fall through to
  the host-less ones).
- **Paths.**  ``Exact`` compares the whole path (case-sensitive, ``/foo`` is
  not ``/foo/``).  ``Prefix`` compares ``/``-separated elements: ``/foo``
  matches ``/foo``, ``/foo/`` and ``/foo/bar`` but not ``/foobar``; a trailing
  slash on either side is ignored; ``/`` matches everything.
  ``ImplementationSpecific`` is treated as ``Prefix`` (an empty path is ``/``).
  The longest matching path wins; at equal length ``Exact`` beats ``Prefix``.
  The query string plays no part.
- **Merging.**  The rules of every served Ingress are merged; where two
  Ingresses claim the same host, path and type, the oldest (by
  ``creationTimestamp``, then name, then namespace) wins.
- **Default backend.**  When nothing matches, the ``spec.defaultBackend`` of
  the oldest served Ingress that has one; without one :meth:`route` answers
  None (the controller's 404).
- Only ``backend.service`` backends route; a ``backend.resource`` path (or
  default backend) is skipped, as if absent.  A backend names a Service of the
  Ingress's own namespace.
"""

from __future__ import annotations

from typing import Any, NamedTuple

CLASS_ANNOTATION = "kubernetes.io/ingress.class"
EXACT, PREFIX, IMPLEMENTATION_SPECIFIC = "Exact", "Prefix", "ImplementationSpecific"


class Route(NamedTuple):
    """Where one request goes: a Service port, from a path rule or a default backend."""

    namespace: str
    service: str
    port: int | str          # the Service port's number, or its name
    ingress: str             # the Ingress it came from, ``namespace/name``
    host: str = ""           # the rule's host ("": any; "*.example.com": a wildcard)
    path: str = ""           # the rule's path ("" for a default backend)
    path_type: str = ""      # Exact | Prefix | ImplementationSpecific ("" for a default)
    default: bool = False    # from spec.defaultBackend

    @property
    def service_key(self) -> str:
        """``namespace/name`` of the Service."""
        return f"{self.namespace}/{self.service}"


class _Path(NamedTuple):
    exact: bool
    path: str                 # Exact: as written; Prefix: normalised ("/a/b", "/")
    elements: tuple[str, ...]
    route: Route

    @property
    def length(self) -> int:
        return len(self.path)


def _meta(obj: dict) -> dict:
    return obj.get("metadata") or {}


def ingress_key(obj: dict | str) -> str:
    if isinstance(obj, str):
        return obj
    meta = _meta(obj)
    return f'{meta.get("namespace") or "default"}/{meta.get("name", "")}'


def ingress_class_of(ing: dict) -> str | None:
    """The class an Ingress asks for: ``spec.ingressClassName``, else the legacy annotation."""
    name = (ing.get("spec") or {}).get("ingressClassName")
    if name:
        return str(name)
    legacy = (_meta(ing).get("annotations") or {}).get(CLASS_ANNOTATION)
    return str(legacy) if legacy else None


def serves(ing: dict, ingress_class: str | None) -> bool:
    """Whether a controller of ``ingress_class`` (None: every Ingress) serves ``ing``."""
    return ingress_class is None or ingress_class_of(ing) == ingress_class


def request_host(header: str | None) -> str:
    """The host of a Host header: no port, no trailing dot, lower case (``[::1]:80`` -> ``::1``)."""
    host = (header or "").strip()
    if host.startswith("["):
        host = host[1:].partition("]")[0]
    elif host.count(":") == 1:
        host = host.partition(":")[0]
    return host.rstrip(".").lower()


def _elements(path: str) -> tuple[str, ...]:
    return tuple(e for e in path.split("/") if e)


def _request_path(path: str) -> str:
    path = (path or "/").split("?", 1)[0].split("#", 1)[0]
    return path if path.startswith("/") else "/" + path


def _backend(ing_key: str, namespace: str, backend: Any, **where: Any) -> Route | None:
    if not isinstance(backend, dict):
        return None
    service = backend.get("service")
    if not isinstance(service, dict) or not service.get("name"):
        return None                           # backend.resource: not routed here
    port = service.get("port") or {}
    if port.get("number") is not None:
        number: int | str = int(port["number"])
    elif port.get("name"):
        number = str(port["name"])
    else:
        return None
    return Route(namespace, str(service["name"]), number, ing_key, **where)


def _age(ing: dict) -> tuple[str, str, str]:
    meta = _meta(ing)
    return (str(meta.get("creationTimestamp") or ""), str(meta.get("name") or ""),
            str(meta.get("namespace") or "default"))


class IngressTable:
    """The merged routing table of the served Ingresses (see the module docstring)."""

    def __init__(self, ingress_class: str | None = None):
        self.ingress_class = ingress_class
        self.ingresses: dict[str, dict] = {}      # ns/name -> served Ingress
        self._compiled: tuple | None = None

    # -- feeding ------------------------------------------------------------------------

    def set_ingress(self, ing: dict) -> bool:
        """Add or replace an Ingress; True when it is served (its class fits)."""
        key = ingress_key(ing)
        if not serves(ing, self.ingress_class):
            self.delete_ingress(key)
            return False
        self.ingresses[key] = ing
        self._compiled = None
        return True

    def delete_ingress(self, ing: dict | str) -> None:
        if self.ingresses.pop(ingress_key(ing), None) is not None:
            self._compiled = None

    def serves(self, ing: dict) -> bool:
        return serves(ing, self.ingress_class)

    # -- compiling ----------------------------------------------------------------------

    def _compile(self) -> tuple:
        exact: dict[str, list[_Path]] = {}
        wildcard: dict[str, list[_Path]] = {}     # "example.com" for "*.example.com"
        anyhost: list[_Path] = []
        defaults: list[Route] = []
        claimed: set[tuple[str, bool, str]] = set()
        for ing in sorted(self.ingresses.values(), key=_age):
            key = ingress_key(ing)
            namespace = _meta(ing).get("namespace") or "default"
            spec = ing.get("spec") or {}
            default = _backend(key, namespace, spec.get("defaultBackend"), default=True)
            if default is not None:
                defaults.append(default)
            for rule in spec.get("rules") or []:
                if not isinstance(rule, dict):
                    continue
                host = str(rule.get("host") or "").lower()
                if host.startswith("*."):
                    group = wildcard.setdefault(host[2:], [])
                elif host:
                    group = exact.setdefault(host, [])
                else:
                    group = anyhost
                for hp in (rule.get("http") or {}).get("paths") or []:
                    if not isinstance(hp, dict):
                        continue
                    ptype = hp.get("pathType") or IMPLEMENTATION_SPECIFIC
                    raw = str(hp.get("path") or "/")
                    is_exact = ptype == EXACT
                    elements = _elements(raw)
                    path = raw if is_exact else "/" + "/".join(elements)
                    if (host, is_exact, path) in claimed:
                        continue                  # an older Ingress has it
                    route = _backend(key, namespace, hp.get("backend"), host=host,
                                     path=raw, path_type=ptype)
                    if route is None:
                        continue
                    claimed.add((host, is_exact, path))
                    group.append(_Path(is_exact, path, elements, route))
        return exact, wildcard, anyhost, defaults

    def _tables(self) -> tuple:
        if self._compiled is None:
            self._compiled = self._compile()
        return self._compiled

    # -- routing ------------------------------------------------------------------------

    def rules_for(self, host: str) -> list[_Path]:
        """The group of path rules a request for ``host`` is matched against."""
        exact, wildcard, anyhost, _ = self._tables()
        host = request_host(host)
        if host in exact:
            return exact[host]
        label, dot, parent = host.partition(".")
        if label and dot and parent in wildcard:
            return wildcard[parent]
        return anyhost

    def route(self, host: str | None, path: str) -> Route | None:
        """Where a request for ``host`` (a Host header; its port is ignored) and ``path``
        goes; None when no rule matches and no Ingress has a default backend."""
        req = _request_path(path)
        req_elements = _elements(req)
        best: _Path | None = None
        for rule in self.rules_for(host or ""):
            if rule.exact:
                matched = req == rule.path
            else:
                matched = req_elements[:len(rule.elements)] == rule.elements
            if matched and (best is None or (rule.length, rule.exact) >
                            (best.length, best.exact)):
                best = rule
        if best is not None:
            return best.route
        defaults = self._tables()[3]
        return defaults[0] if defaults else None

    def describe(self) -> dict[str, Any]:
        """What the table holds (for debugging)."""
        exact, wildcard, anyhost, defaults = self._tables()

        def rows(group: list[_Path]) -> list[str]:
            return [f'{"=" if p.exact else "~"}{p.path} -> {p.route.service_key}:'
                    f'{p.route.port}' for p in group]
        return {"class": self.ingress_class, "ingresses": sorted(self.ingresses),
                "hosts": {h: rows(g) for h, g in sorted(exact.items())},
                "wildcards": {f"*.{h}": rows(g) for h, g in sorted(wildcard.items())},
                "any": rows(anyhost),
                "default": f"{defaults[0].service_key}:{defaults[0].port}" if defaults else None}
