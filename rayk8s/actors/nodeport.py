"""A node actor's kube-proxy data path: NodePort listeners delivering to played apps.

One :class:`NodePorts` per node actor (actors/node.py): informers on Services
and EndpointSlices (over the shell's AsyncClient) feed a pure
:class:`rayk8s.node.proxy.KubeProxy`; for every NodePort / LoadBalancer
Service a real aiohttp listener is open on the loopback address of each node
the actor hosts, at the nodePort.  A request picks a ready endpoint and is
delivered to the played app of that pod: through the local kubelet when this
actor hosts the pod's node, otherwise through the ``http_request`` of the node
actor named by the Node's ``rayk8s.io/node-actor`` annotation, over Ray.  Pod
IPs and ClusterIPs are never dialed; only 127.0.0.0/8 addresses are bound.
No ready endpoint: 503; the app not answering: 502.

LoadBalancer Services are reachable at their load-balancer address too (the
emulated cloud's pool is loopback, controllers/servicelb.py): every node actor
tries to listen on ``<status.loadBalancer.ingress ip>:<port>``; the first to
bind serves it, the others stand by (as one speaker answers for an address in
MetalLB's layer-2 mode) and take over if it goes.
"""

from __future__ import annotations

import asyncio
import logging

from aiohttp import web

from ..api import dns
from ..machinery.informer import Informer
from ..node.proxy import ROUND_ROBIN, KubeProxy
from . import launcher
from .delivery import HOP_HEADERS, NoEndpoints, PodDelivery, loopback, reply_response

log = logging.getLogger(__name__)

# A load-balancer address is served by the first node actor that binds it (the
# others find it taken and stand by, retrying this often, in case it goes away).
LB_STANDBY_SECONDS = 5.0


class NodePorts:
    """kube-proxy for one node shell (see the module docstring)."""

    def __init__(self, shell, mode: str = ROUND_ROBIN, namespace: str = launcher.RAY_NAMESPACE):
        self.shell = shell
        self.client = shell.client
        self.proxy = KubeProxy(shell.clock, mode=mode)
        self.dns = dns.ClusterDNS(self.proxy.services, self.proxy.slices)   # a live view
        self.namespace = namespace
        timeout = shell.kubelet_config.watch_timeout
        self.informers = [Informer(self.client, "services", clock=shell.clock,
                                   watch_timeout=timeout),
                          Informer(self.client, "endpointslices", clock=shell.clock,
                                   watch_timeout=timeout)]
        self.sites: dict[tuple[str, int], web.TCPSite] = {}
        self.errors: dict[tuple[str, int], str] = {}
        self._runner: web.ServerRunner | None = None
        self._dirty = asyncio.Event()
        self._task: asyncio.Task | None = None
        self.delivery = PodDelivery(self.client, self._local, namespace)

    def _local(self, node: str, pod_key: str):
        """This shell's kubelet for the pod (by its node, or wherever it runs here)."""
        kubelet = self.shell.kubelets.get(node)
        if kubelet is None:
            namespace, _, name = pod_key.partition("/")
            try:
                kubelet = self.shell._hosting(namespace, name)
            except LookupError:
                kubelet = None
        return kubelet

    # -- lifecycle ------------------------------------------------------------------------

    @property
    def started(self) -> bool:
        return self._runner is not None

    async def start(self) -> None:
        self._runner = web.ServerRunner(web.Server(self._serve), handle_signals=False)
        await self._runner.setup()
        svc, slices = self.informers
        svc.add_handler(on_add=self._svc_set, on_update=lambda old, new: self._svc_set(new),
                        on_delete=self._svc_delete)
        slices.add_handler(on_add=self.proxy.set_slice,
                           on_update=lambda old, new: self.proxy.set_slice(new),
                           on_delete=self.proxy.delete_slice)
        for inf in self.informers:
            inf.start()
        self._task = asyncio.get_running_loop().create_task(self._reconcile_loop())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None
        for inf in self.informers:
            await inf.stop()
        for key in list(self.sites):
            await self.sites.pop(key).stop()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    def nodes_changed(self) -> None:
        """The hosted nodes changed: open/close listeners on their addresses."""
        self._dirty.set()

    def _svc_set(self, svc: dict) -> None:
        self.proxy.set_service(svc)
        self._dirty.set()

    def _svc_delete(self, svc: dict) -> None:
        self.proxy.delete_service(svc)
        self._dirty.set()

    # -- listeners ------------------------------------------------------------------------

    def wanted(self) -> set[tuple[str, int]]:
        addresses = {k.spec.address for k in self.shell.kubelets.values()
                     if loopback(k.spec.address)}
        nodes = {(a, p) for a in addresses for p in self.proxy.node_ports()}
        return nodes | {key for key in self.proxy.load_balancers() if loopback(key[0])}

    async def reconcile(self) -> None:
        wanted = self.wanted()
        for key in [k for k in self.sites if k not in wanted]:
            await self.sites.pop(key).stop()
        for key in [k for k in self.errors if k not in wanted]:
            del self.errors[key]
        for address, port in sorted(wanted - set(self.sites)):
            site = web.TCPSite(self._runner, address, port, reuse_address=True)
            try:
                await site.start()
            except OSError as exc:
                self.errors[(address, port)] = str(exc)
                if (address, port) not in self.proxy.load_balancers():
                    log.warning("nodePort %s:%d: %s", address, port, exc)
                continue
            self.errors.pop((address, port), None)
            self.sites[(address, port)] = site

    async def _reconcile_loop(self) -> None:
        while True:
            await self._dirty.wait()
            self._dirty.clear()
            try:
                await self.reconcile()
            except Exception:  # noqa: BLE001 - keep serving; try again on the next change
                log.exception("nodePort listeners")
            if self.errors:                      # retry binds that failed, now and then
                standby = set(self.errors) <= set(self.proxy.load_balancers())
                await asyncio.sleep(LB_STANDBY_SECONDS if standby else 1.0)
                self._dirty.set()

    def listening(self) -> list[str]:
        return sorted(f"{a}:{p}" for a, p in self.sites)

    # -- the data path --------------------------------------------------------------------

    async def _serve(self, request: web.BaseRequest) -> web.StreamResponse:
        sock = request.transport.get_extra_info("sockname") if request.transport else None
        node_port = int(sock[1]) if sock else 0
        service, port_name = self.proxy.load_balancers().get(
            (sock[0], node_port), (node_port, None)) if sock else (0, None)
        body = await request.read()
        headers = {k: v for k, v in request.headers.items() if k.lower() not in HOP_HEADERS}
        path = request.raw_path or "/"
        node_address = sock[0] if sock else ""           # SNAT to the node, as kube-proxy
        try:
            status, reply_headers, reply = await self.delivery.to_service(
                self.proxy, service, port_name, request.remote or "", request.method, path,
                headers, body, source=node_address)
        except NoEndpoints:
            return web.Response(status=503, text="no ready endpoints\n")
        except (ConnectionRefusedError, LookupError) as exc:
            return web.Response(status=502, text=f"{exc}\n")
        except Exception as exc:  # noqa: BLE001 - the pod's node unreachable
            log.warning("nodePort %d: %s", node_port, exc)
            return web.Response(status=502, text=f"{type(exc).__name__}: {exc}\n")
        return reply_response(status, reply_headers, reply)

