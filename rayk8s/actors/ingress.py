"""The ingress controller actor: Ingresses (networking.k8s.io/v1) served on a loopback port.

:class:`IngressShell` is a plain class (``launcher.launch`` makes it an async
Ray actor; without Ray it runs as is, in tests).  It owns an AsyncClient over
the transport it is given and informers on Ingresses, Services and
EndpointSlices: Ingresses feed the pure routing table
(:class:`rayk8s.node.ingress.IngressTable`), Services and EndpointSlices a
:class:`rayk8s.node.proxy.KubeProxy` that picks a ready endpoint.  One real
aiohttp listener at ``(host, port)`` -- 127.0.0.0/8 only; without a port, 80
(as an ingress controller listens) when it is free, else any free port --
takes every request:

- route by Host header and path; no route: 404 ``default backend - 404`` (as
  ingress-nginx's default backend answers);
- the routed Service, or its port (by number or name), unknown: 503; no ready
  endpoint: 503; the pod's app not listening, or its node gone: 502;
- otherwise the request goes, path unchanged (no rewrite), Host header kept,
  with ``X-Forwarded-For``/``X-Real-IP`` (the client's address, replacing what
  the client sent), ``X-Forwarded-Host``, ``X-Forwarded-Port`` and
  ``X-Forwarded-Proto: http``, to the played app of the endpoint's pod, over
  Ray to the node actor hosting it (:class:`~rayk8s.actors.delivery.PodDelivery`).
  The app sees the request come from the controller's address.

For every Ingress it serves the controller writes
``status.loadBalancer.ingress: [{"ip": host, "ports": [{"port", "protocol": "TCP"}]}]``
through the status subresource when it differs (a failed write is retried), and
clears that status again from an Ingress it stops serving.  ``ingress_class``:
None serves every Ingress, else only those of that class (``spec.ingressClassName``
or the ``kubernetes.io/ingress.class`` annotation).
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Mapping

from aiohttp import web

from .. import clock as clockmod
from ..api.errors import ApiError
from ..client import AsyncClient
from ..machinery.informer import Informer
from ..node.ingress import IngressTable, ingress_key
from ..node.proxy import KubeProxy
from . import launcher
from .delivery import HOP_HEADERS, NoEndpoints, PodDelivery, loopback, reply_response

log = logging.getLogger(__name__)

DEFAULT_BACKEND_BODY = "default backend - 404"
HTTP_PORT = 80
FORWARDED_HEADERS = frozenset({"x-forwarded-for", "x-forwarded-host", "x-forwarded-port",
                               "x-forwarded-proto", "x-real-ip"})


def service_port_name(svc: dict | None, port: int | str) -> str | None:
    """The name ("" when unnamed) of ``svc``'s TCP port ``port`` (its number, or its
    name); None when the Service has no such port."""
    for p in ((svc or {}).get("spec") or {}).get("ports") or []:
        if not isinstance(p, dict) or (p.get("protocol") or "TCP") != "TCP":
            continue
        if (p.get("port") == port) if isinstance(port, int) else (p.get("name") == port):
            return p.get("name") or ""
    return None


def forwarded_headers(headers: Mapping[str, str], client: str, host: str,
                      port: int) -> dict[str, str]:
    """The headers a proxied request carries: hop-by-hop ones dropped, the Host
    kept, the client's ``X-Forwarded-*`` replaced by the controller's own."""
    out = {k: v for k, v in headers.items()
           if k.lower() not in HOP_HEADERS and k.lower() not in FORWARDED_HEADERS}
    out.update({"X-Forwarded-For": client, "X-Real-IP": client,
                "X-Forwarded-Host": host, "X-Forwarded-Port": str(port),
                "X-Forwarded-Proto": "http"})
    return out


class IngressShell:
    """An ingress controller (see the module docstring)."""

    retry_seconds = 1.0       # after a failed status write, in cluster seconds

    def __init__(self, transport, clock=None, host: str = launcher.LOOPBACK,
                 port: int | None = None,
                 ingress_class: str | None = None, watch_timeout: float = 30.0,
                 namespace: str = launcher.RAY_NAMESPACE):
        if not loopback(host):
            raise ValueError(f"the ingress controller binds 127.0.0.0/8 only, not {host!r}")
        self.host, self.port = host, port
        self.clock = clock if clock is not None else clockmod.RealClock()
        self.client = AsyncClient(transport)
        self.table = IngressTable(ingress_class)
        self.proxy = KubeProxy(self.clock)
        self.delivery = PodDelivery(self.client, None, namespace)
        self.informers = {resource: Informer(self.client, resource, clock=self.clock,
                                             watch_timeout=watch_timeout)
                          for resource in ("ingresses", "services", "endpointslices")}
        self.requests = 0
        self.status_writes = 0
        self.status_errors = 0
        self._runner: web.ServerRunner | None = None
        self._pending: set[str] = set()          # Ingresses whose status may need a write
        self._dirty = asyncio.Event()
        self._task: asyncio.Task | None = None

    # -- lifecycle ------------------------------------------------------------------------

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    async def start(self) -> dict[str, Any]:
        """Listen, start the informers (idempotent); ``{"url", "address", "port", ...}``."""
        if self._runner is None:
            runner = web.ServerRunner(web.Server(self._serve), handle_signals=False)
            await runner.setup()
            # No port given: HTTP's own (80) when it is free, as an ingress controller
            # listens; else any free port (several clusters on one machine).
            ports = [self.port] if self.port is not None else [HTTP_PORT, 0]
            for i, port in enumerate(ports):
                try:
                    await web.TCPSite(runner, self.host, port, reuse_address=True).start()
                    break
                except OSError:
                    if i + 1 < len(ports):
                        continue
                    await runner.cleanup()
                    raise
                except BaseException:
                    await runner.cleanup()
                    raise
            self._runner = runner
            self.port = int(runner.addresses[0][1])
            ing, svc, slices = (self.informers[r] for r in
                                ("ingresses", "services", "endpointslices"))
            ing.add_handler(on_add=self._ingress_set,
                            on_update=lambda old, new: self._ingress_set(new),
                            on_delete=self._ingress_delete)
            svc.add_handler(on_add=self.proxy.set_service,
                            on_update=lambda old, new: self.proxy.set_service(new),
                            on_delete=self.proxy.delete_service)
            slices.add_handler(on_add=self.proxy.set_slice,
                               on_update=lambda old, new: self.proxy.set_slice(new),
                               on_delete=self.proxy.delete_slice)
            for inf in self.informers.values():
                inf.start()
            self._task = asyncio.get_running_loop().create_task(self._status_loop())
            for inf in self.informers.values():
                await inf.wait_for_sync(timeout=30.0)
        return self.info()

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None
        for inf in self.informers.values():
            await inf.stop()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    def info(self) -> dict[str, Any]:
        return {"url": self.url if self._runner is not None else None,
                "address": self.host, "port": self.port,
                "ingress_class": self.table.ingress_class,
                "ingresses": sorted(self.table.ingresses), "requests": self.requests,
                "status_writes": self.status_writes, "status_errors": self.status_errors}

    def describe(self) -> dict[str, Any]:
        """The routing table and the proxy's endpoints (for debugging)."""
        return {"routes": self.table.describe(), "proxy": self.proxy.describe()}

    # -- Ingresses and their status ---------------------------------------------------------

    def _ingress_set(self, ing: dict) -> None:
        self.table.set_ingress(ing)
        self._pending.add(ingress_key(ing))
        self._dirty.set()

    def _ingress_delete(self, ing: dict) -> None:
        self.table.delete_ingress(ing)
        self._pending.discard(ingress_key(ing))

    def load_balancer(self) -> list[dict]:
        """The ``status.loadBalancer.ingress`` this controller writes."""
        return [{"ip": self.host, "ports": [{"port": self.port, "protocol": "TCP"}]}]

    async def sync_status(self, key: str) -> None:
        """Write the status of Ingress ``key`` if it differs (raises ApiError on failure)."""
        ing = self.informers["ingresses"].cache.get(key)
        if ing is None:
            return
        current = ((ing.get("status") or {}).get("loadBalancer") or {}).get("ingress")
        want = self.load_balancer()
        if self.table.serves(ing):
            if current == want:
                return
        elif current == want:
            want = None                        # no longer ours: clear what we wrote
        else:
            return
        namespace, _, name = key.partition("/")
        try:
            await self.client.patch("ingresses", name,
                                    {"status": {"loadBalancer": {"ingress": want}}},
                                    namespace, subresource="status")
        except ApiError as exc:
            if exc.code == 404:
                return                         # deleted meanwhile
            raise
        self.status_writes += 1

    async def _status_loop(self) -> None:
        while True:
            await self._dirty.wait()
            self._dirty.clear()
            failed = False
            for key in sorted(self._pending):
                self._pending.discard(key)
                try:
                    await self.sync_status(key)
                except Exception as exc:  # noqa: BLE001 - a conflict, the apiserver away...
                    self.status_errors += 1
                    log.info("ingress %s: status not written (%s); retrying", key, exc)
                    self._pending.add(key)
                    failed = True
            if failed:
                await self.clock.sleep(self.retry_seconds)
                self._dirty.set()

    # -- the data path --------------------------------------------------------------------

    async def _serve(self, request: web.BaseRequest) -> web.StreamResponse:
        self.requests += 1
        host_header = request.headers.get("Host", "")
        path = request.raw_path or "/"
        route = self.table.route(host_header, path)
        if route is None:
            return web.Response(status=404, text=DEFAULT_BACKEND_BODY)
        svc = self.proxy.services.get(route.service_key)
        if svc is None:
            return web.Response(status=503, text=f'service "{route.service_key}" not found\n')
        port_name = service_port_name(svc, route.port)
        if port_name is None:
            return web.Response(status=503, text=f'service "{route.service_key}" has no '
                                                 f'port {route.port}\n')
        body = await request.read()
        client = request.remote or ""
        headers = forwarded_headers(request.headers, client, host_header, self.port)
        try:
            status, reply_headers, reply = await self.delivery.to_service(
                self.proxy, route.service_key, port_name, client, request.method, path,
                headers, body, source=self.host)
        except NoEndpoints:
            return web.Response(status=503, text=f'no ready endpoints for service '
                                                 f'"{route.service_key}"\n')
        except (ConnectionRefusedError, LookupError) as exc:
            return web.Response(status=502, text=f"{exc}\n")
        except Exception as exc:  # noqa: BLE001 - the pod's node actor unreachable
            log.warning("ingress %s -> %s: %s", route.ingress, route.service_key, exc)
            return web.Response(status=502, text=f"{type(exc).__name__}: {exc}\n")
        return reply_response(status, reply_headers, reply)
