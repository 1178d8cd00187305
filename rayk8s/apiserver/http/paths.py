"""REST paths to resource requests, as kube-apiserver's RequestInfoFactory reads them.

A resource path is one of::

    /api/v1[/watch][/namespaces/{ns}]/{resource}[/{name}[/{subresource}[/{subpath...}]]]
    /apis/{group}/{version}[/watch][/namespaces/{ns}]/{resource}[...]

``/api/v1/namespaces/{name}[/status|/finalize]`` is the Namespace object
itself, not a namespace scope.  Everything here is pure: :func:`parse` splits
a path, :func:`resolve` adds the kind (from the kinds registry) and the
Kubernetes verb, and applies the scope rules that kube-apiserver's route
installer implies (a namespaced resource at a cluster path only lists and
watches; a cluster-scoped one is never under ``namespaces/``; unknown
subresources are 404, a method the resource does not serve is 405).

Only ``proxy`` takes a sub-path (``pods/x/proxy/some/where``); its trailing
slash is kept because ``proxy/`` and ``proxy`` name different upstream URLs.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from ...api import errors, kinds
from ...api.kinds import Kind

NOT_FOUND_MESSAGE = "the server could not find the requested resource"
METHOD_NOT_ALLOWED_MESSAGE = "the server does not allow this method on the requested resource"
# Subresources that stream or tunnel (kube-apiserver's "connect" verbs).
CONNECT_SUBRESOURCES = frozenset({"log", "exec", "attach", "portforward", "proxy"})
_NAMESPACE_SUBRESOURCES = ("status", "finalize")
_METHOD_VERBS = {"GET": "get", "HEAD": "get", "POST": "create", "PUT": "update",
                 "PATCH": "patch", "DELETE": "delete"}


def not_found() -> errors.ApiError:
    return errors.ApiError(errors.status(404, "NotFound", NOT_FOUND_MESSAGE, {}))


def method_not_allowed() -> errors.ApiError:
    return errors.ApiError(errors.status(405, "MethodNotAllowed", METHOD_NOT_ALLOWED_MESSAGE,
                                         {}))


@dataclass(frozen=True)
class ResourcePath:
    group: str
    version: str
    resource: str
    namespace: str | None = None
    name: str | None = None
    subresource: str = ""
    subpath: str | None = None      # after ``proxy/``; None when the path ends at ``proxy``
    watch_prefix: bool = False      # the deprecated /watch/ form


@dataclass(frozen=True)
class ResourceRequest:
    path: ResourcePath
    kind: Kind
    verb: str                       # get list watch create update patch delete deletecollection

    @property
    def namespace(self) -> str | None:
        return self.path.namespace

    @property
    def name(self) -> str | None:
        return self.path.name

    @property
    def subresource(self) -> str:
        return self.path.subresource

    @property
    def version(self) -> str:
        return self.path.version


def parse(path: str) -> ResourcePath | None:
    """Split a resource path; None for paths that are not resource paths
    (discovery roots such as ``/api/v1`` included).  Raises 404 for a path
    under ``/api``/``/apis`` that cannot name a resource."""
    parts = path.split("/")[1:]
    if not parts or parts[0] not in ("api", "apis"):
        return None
    if parts[0] == "api":
        if len(parts) < 3:
            return None
        group, version, rest = "", parts[1], parts[2:]
    else:
        if len(parts) < 4:
            return None
        group, version, rest = parts[1], parts[2], parts[3:]
    if not version or (parts[0] == "apis" and not group):
        raise not_found()
    watch = False
    if rest and rest[0] == "watch":
        watch, rest = True, rest[1:]
    # A trailing slash only means something after proxy.
    if rest and rest[-1] == "" and "proxy" not in rest[:-1]:
        rest = rest[:-1]
    if not rest or rest == [""]:
        if watch:
            raise not_found()
        return None
    namespace = None
    if rest[0] == "namespaces" and len(rest) >= 3 and not (
            not group and len(rest) == 3 and rest[2] in _NAMESPACE_SUBRESOURCES):
        namespace, rest = rest[1], rest[2:]
        if not namespace:
            raise not_found()
    resource = rest[0]
    name = rest[1] if len(rest) > 1 else None
    sub = rest[2] if len(rest) > 2 else ""
    subpath = None
    if len(rest) > 3:
        if sub != "proxy":
            raise not_found()
        subpath = "/".join(rest[3:])
    if not resource or name == "" or (len(rest) > 2 and not sub):
        raise not_found()
    return ResourcePath(group, version, resource, namespace, name, sub, subpath, watch)


def resolve(method: str, rp: ResourcePath, watch_param: bool = False) -> ResourceRequest:
    """The kind and verb of a request, or 404/405 as kube-apiserver answers them."""
    kind = kinds.REGISTRY.for_resource(rp.group, rp.version, rp.resource)
    if rp.namespace is not None and not kind.namespaced:
        raise not_found()
    if kind.namespaced and rp.namespace is None and rp.name is not None:
        raise not_found()
    if rp.subresource and rp.subresource not in kind.subresources:
        raise not_found()
    if rp.subpath is not None and rp.subresource != "proxy":
        raise not_found()
    method = method.upper()
    if rp.watch_prefix:
        if method != "GET" or rp.subresource:
            raise method_not_allowed() if method != "GET" else not_found()
        verb = "watch"
        if "watch" not in kind.verbs:
            raise method_not_allowed()
        return ResourceRequest(rp, kind, verb)
    if rp.subresource:
        if rp.subresource == "proxy":
            return ResourceRequest(rp, kind, _METHOD_VERBS.get(method, "get"))
        verb = _METHOD_VERBS.get(method)
        sub = kinds.subresource(kind, rp.subresource)
        if verb is None or verb not in sub.verbs:
            raise method_not_allowed()
        return ResourceRequest(rp, kind, verb)
    if rp.name is None:
        cluster_wide = kind.namespaced and rp.namespace is None
        if method in ("GET", "HEAD"):
            verb = "watch" if watch_param else "list"
        elif method == "POST" and not cluster_wide:
            verb = "create"
        elif method == "DELETE" and not cluster_wide:
            verb = "deletecollection"
        else:
            raise method_not_allowed()
    else:
        verb = _METHOD_VERBS.get(method)
        if verb is None or verb == "create":
            raise method_not_allowed()
        if verb == "get" and watch_param:
            verb = "watch"
    if verb not in kind.verbs:
        raise method_not_allowed()
    return ResourceRequest(rp, kind, verb)


def with_name_selector(rr: ResourceRequest) -> ResourceRequest:
    """A watch of one named object as a collection watch (the caller adds
    ``metadata.name=<name>`` to the field selector)."""
    return replace(rr, path=replace(rr.path, name=None))
