"""Connect subresources: pods/log, exec, attach, portforward and proxy.

kube-apiserver serves these by dialing a kubelet (log, exec, attach,
portforward, node proxy) or a pod/service address (proxy).  Here the routing
and the checks the apiserver itself makes are real, and what lies beyond is
a pluggable :class:`ConnectBackend`:

1. The object is read (404 if missing) and the request checked as the real
   registry checks it: ``container`` must name one of the pod's containers
   (and must be given when there are several), exec needs a ``command``;
   exec/attach/portforward on a pod with no node are a 400 ``pod X does not
   have a host assigned``; logs of an unscheduled pod are empty (200), as
   kube-apiserver's LogLocation answers them.
2. The backend gets a :class:`ConnectRequest` and the aiohttp request, and
   answers (streaming if it likes).  The default :class:`Unavailable` backend
   answers 503 ServiceUnavailable naming what is missing -- the kubelets and
   the pod network arrive with the node work, which will pass a real backend
   to ``make_app(connect=...)``.

The proxy sub-path is passed on verbatim (``None`` when the URL ends at
``proxy``), with the raw query string, so a backend can forward the request
unchanged as ``kubectl proxy`` users expect.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from aiohttp import web

from ...api import errors
from ...api.kinds import Kind
from .params import REACHED, bool_param
from .paths import ResourceRequest

SUBRESOURCES = frozenset({"log", "exec", "attach", "portforward", "proxy"})


@dataclass(frozen=True)
class ConnectRequest:
    kind: Kind
    namespace: str | None
    name: str
    subresource: str            # log | exec | attach | portforward | proxy
    subpath: str | None         # proxy only: what follows ``proxy/``
    obj: dict                   # the pod, service or node as stored
    container: str | None = None  # log/exec/attach: the (validated) container


class ConnectBackend(Protocol):
    async def connect(self, request: web.Request, target: ConnectRequest) -> web.StreamResponse:
        """Answer one connect request (raise ApiError for a Status answer)."""


def service_unavailable(message: str) -> errors.ApiError:
    return errors.ApiError(errors.status(503, "ServiceUnavailable", message))


class Unavailable:
    """The backend until kubelets and the pod network exist: 503, saying why."""

    async def connect(self, request: web.Request, target: ConnectRequest) -> web.StreamResponse:
        kind, name, sub = target.kind.kind, target.name, target.subresource
        if kind == "Service":
            raise service_unavailable(f'no endpoints available for service "{name}"')
        if kind == "Node":
            raise service_unavailable(
                f'no kubelet serves node "{name}": the emulated kubelets are not running yet')
        node = (target.obj.get("spec") or {}).get("nodeName", "")
        if sub == "proxy":
            raise service_unavailable(
                f'pod "{name}" cannot be reached: the emulated pod network is not running yet')
        raise service_unavailable(
            f'pods/{sub} for pod "{name}" needs the kubelet of node "{node}", and the '
            f'emulated kubelets are not running yet')


def _containers(pod: dict) -> tuple[list[str], list[str]]:
    spec = pod.get("spec") or {}
    regular = [c.get("name", "") for c in spec.get("containers") or []]
    others = [c.get("name", "") for c in (spec.get("initContainers") or []) +
              (spec.get("ephemeralContainers") or [])]
    return regular, others


def _container(pod: dict, requested: str | None) -> str:
    """kube-apiserver's container choice for log/exec/attach."""
    name = pod["metadata"]["name"]
    regular, others = _containers(pod)
    if requested:
        if requested not in regular and requested not in others:
            raise errors.bad_request(f"container {requested} is not valid for pod {name}")
        return requested
    if len(regular) == 1:
        return regular[0]
    message = (f"a container name must be specified for pod {name}, choose one of: "
               f"[{' '.join(regular)}]")
    if others:
        message += f" or one of the init containers: [{' '.join(others)}]"
    raise errors.bad_request(message)


async def serve(api, request: web.Request, rr: ResourceRequest) -> web.StreamResponse:
    request[REACHED] = True
    try:
        resp = await _serve(api, request, rr)
    except errors.ApiError as exc:
        api.count("CONNECT", rr.kind, rr.subresource, rr.namespace is not None, exc.code)
        raise
    api.count("CONNECT", rr.kind, rr.subresource, rr.namespace is not None, resp.status)
    return resp


async def _serve(api, request: web.Request, rr: ResourceRequest) -> web.StreamResponse:
    q = request.query
    obj = await api.registry.get(rr.kind, rr.name, rr.namespace)
    container = None
    sub = rr.subresource
    if rr.kind.kind == "Pod" and sub in ("log", "exec", "attach"):
        container = _container(obj, q.get("container") or None)
    if rr.kind.kind == "Pod" and sub == "log":
        bool_param(q, "follow")
        bool_param(q, "previous")
        bool_param(q, "timestamps")
    if sub == "exec" and not q.getall("command", []):
        raise errors.bad_request("you must specify at least 1 command")
    if rr.kind.kind == "Pod" and sub != "proxy" and not (obj.get("spec") or {}).get("nodeName"):
        if sub == "log":  # LogLocation: no host yet, no logs yet
            return web.Response(body=b"", status=200, content_type="text/plain")
        raise errors.bad_request(f"pod {rr.name} does not have a host assigned")
    target = ConnectRequest(rr.kind, rr.namespace, rr.name or "", sub, rr.path.subpath, obj,
                            container)
    return await api.connect_backend.connect(request, target)

