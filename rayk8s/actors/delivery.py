"""Delivering one HTTP request to a pod's played app, wherever the pod runs.

The emulated network has no packets: a request to a pod (picked by kube-proxy
for a Service, routed by the ingress controller, or addressed to a pod IP from
inside another pod) becomes a call of the ``http_request`` of the node shell
hosting the pod (actors/node.py), which hands it to the kubelet's runtime stub.
:class:`PodDelivery` finds that shell: a kubelet of this very actor when it
hosts the pod (``local``), otherwise the node actor named by the Node's
``rayk8s.io/node-actor`` annotation, over Ray.  Pod IPs and ClusterIPs are
never dialed.

Service traffic (:meth:`PodDelivery.to_service`) asks the kubelet to accept the
request only while the pod is a ready endpoint (Ready, not terminating); a
pod that is not refuses it (:class:`~rayk8s.node.runtime.NotServing`) and
the request goes to another ready endpoint.  So endpoint changes reach the
data path at once, as if every kube-proxy saw them instantly: a request never
reaches a pod that is not ready, and a rolling update drops none.  (On a real
cluster the proxies learn of a terminating pod a little late; preStop sleeps
cover that window.)

Failures keep their meaning across the actor boundary: ConnectionRefusedError
(nothing listens there), LookupError (no such node, or its actor is gone).
"""

from __future__ import annotations

import ipaddress
from typing import Any, Callable

import ray
from aiohttp import web

from ..api.errors import ApiError
from ..node.nodeinfo import NODE_ACTOR_ANNOTATION
from ..node.runtime import NotServing
from . import launcher


def loopback(address: str) -> bool:
    """Whether ``address`` is in 127.0.0.0/8, the only addresses rayk8s binds or dials."""
    try:
        return ipaddress.ip_address(address) in ipaddress.ip_network("127.0.0.0/8")
    except ValueError:
        return False


HOP_HEADERS = frozenset({"content-length", "transfer-encoding", "connection", "keep-alive"})


def reply_response(status: int, headers: dict | None, body: bytes | str) -> web.Response:
    """An aiohttp response carrying a played app's reply (hop-by-hop headers dropped)."""
    if isinstance(body, str):
        body = body.encode()
    out = {k: str(v) for k, v in (headers or {}).items() if k.lower() not in HOP_HEADERS}
    return web.Response(status=int(status), headers=out, body=body)


class NoEndpoints(LookupError):
    """A Service has no ready endpoint to take a request."""


class PodDelivery:
    """Finds the kubelet (local or in another node actor) of a pod and calls it.

    ``local(node, pod_key)``: this actor's kubelet for the pod, or None."""

    def __init__(self, client, local: Callable[[str, str], Any] | None = None,
                 namespace: str = launcher.RAY_NAMESPACE):
        self.client = client
        self.local = local
        self.namespace = namespace
        self._node_actors: dict[str, str] = {}       # node name -> actor name
        self._handles: dict[str, Any] = {}           # actor name -> handle

    async def to_service(self, proxy, service: str | int, port_name: str | None,
                         client: str, method: str, path: str, headers: dict, body: bytes,
                         source: str | None = None) -> tuple[int, dict, bytes]:
        """Deliver a request for ``service`` (``namespace/name`` or a nodePort) to a ready
        endpoint that ``proxy`` (a :class:`~rayk8s.node.proxy.KubeProxy`) picks for
        ``client`` (its IP, for ClientIP affinity); the app sees it come from ``source``
        (default ``client``; a NodePort SNATs it to the node).  Raises
        :class:`NoEndpoints` when none is ready (or all refuse)."""
        refused: set[str] = set()
        while True:
            target = proxy.pick(service, client, port_name, exclude=refused)
            if target is None:
                raise NoEndpoints(f"no ready endpoints for service {service}")
            try:
                return await self.deliver(target.node, target.pod, target.port, method, path,
                                          headers, body,
                                          client if source is None else source,
                                          ready_only=True)
            except NotServing:
                if not target.pod:
                    raise
                refused.add(target.pod)

    async def deliver(self, node: str, pod_key: str, port: int, method: str, path: str,
                      headers: dict, body: bytes, client: str = "",
                      ready_only: bool = False) -> tuple[int, dict, bytes]:
        """(status, headers, body) of the app on ``port`` of the pod ``namespace/name``
        running on ``node``; ``ready_only``: only while the pod is a ready endpoint
        (else :class:`~rayk8s.node.runtime.NotServing`)."""
        kubelet = self.local(node, pod_key) if self.local is not None else None
        if kubelet is not None:
            return kubelet.http_request(pod_key, port, method, path, headers, body, client,
                                        ready_only=ready_only)
        for attempt in (1, 2):
            handle = await self._node_actor(node)
            try:
                return await handle.http_request.remote(pod_key, port, method, path,
                                                        headers, body, client, ready_only)
            except ray.exceptions.RayTaskError as exc:
                cause = getattr(exc, "cause", None)
                raise (cause if isinstance(cause, BaseException) else exc) from None
            except ray.exceptions.RayActorError:
                self._node_actors.pop(node, None)
                self._handles.clear()
                if attempt == 2:
                    raise LookupError(f'node "{node}": its node actor is gone') from None
        raise AssertionError("unreachable")

    async def _node_actor(self, node: str):
        if not node:
            raise LookupError("the endpoint names no node")
        actor = self._node_actors.get(node)
        if actor is None:
            try:
                obj = await self.client.get("nodes", node)
            except ApiError as exc:
                raise LookupError(f'node "{node}": {exc}') from None
            actor = ((obj.get("metadata") or {}).get("annotations") or {}) \
                .get(NODE_ACTOR_ANNOTATION)
            if not actor:
                raise LookupError(f'node "{node}" has no {NODE_ACTOR_ANNOTATION} annotation')
            self._node_actors[node] = actor
        handle = self._handles.get(actor)
        if handle is None:
            try:
                handle = ray.get_actor(actor, namespace=self.namespace)
            except ValueError:
                self._node_actors.pop(node, None)
                raise LookupError(f'node "{node}": node actor "{actor}" is not running') \
                    from None
            self._handles[actor] = handle
        return handle
