"""The network a container sees when a command is played in it (``kubectl exec``).

:class:`PodNetwork` is the :class:`rayk8s.node.exec.Network` of one pod of a
node shell: the cluster DNS and HTTP requests from inside the pod, answered
from the node's kube-proxy tables (actors/nodeport.py: the Services and
EndpointSlices its informers keep) and delivered to played apps by
:class:`~rayk8s.actors.delivery.PodDelivery`.  A request to

- ``127.0.0.1`` (any 127.x address but those below) or the pod's own IP: a
  container of the same pod (siblings share the network namespace);
- a ClusterIP and one of its Service's ports: a ready endpoint, as kube-proxy
  picks it (the pod's IP is the client, for ClientIP affinity); a Service with
  no ready endpoint refuses the connection (kube-proxy's REJECT rule);
  another port of a ClusterIP times out (nothing routes it);
- a node address (127.0.1.N) and a nodePort, or a LoadBalancer Service's
  address and port: that Service;
- a pod IP: that pod, wherever it runs (found in the EndpointSlices, else by
  the ``status.podIP`` field selector);
- anything else: times out.

Commands are played on a worker thread (they block on the network, the
actor's event loop must not); each call hops back onto the loop, where the
informer-fed tables live.
"""

from __future__ import annotations

import asyncio

from ..api import dns
from .delivery import NoEndpoints, loopback

CONNECT_TIMEOUT = 30.0        # wall seconds a played request may take end to end


class PodNetwork:
    """The network of the pod ``pod_key`` (see the module docstring)."""

    def __init__(self, node_ports, loop: asyncio.AbstractEventLoop, pod_key: str,
                 pod_ip: str, timeout: float = CONNECT_TIMEOUT):
        self.node_ports = node_ports
        self.proxy = node_ports.proxy
        self.dns: dns.ClusterDNS = node_ports.dns
        self.delivery = node_ports.delivery
        self.loop = loop
        self.pod_key, self.pod_ip = pod_key, pod_ip
        self.timeout = timeout

    # -- exec.Network, called from the thread playing the command ------------------------

    def lookup(self, fqdn: str) -> dns.Answer | None:
        return self._run(self._lookup(fqdn))

    def request(self, ip: str, port: int, method: str, path: str, headers: dict,
                body: bytes) -> tuple[int, dict, bytes]:
        return self._run(self.route(ip, int(port), method, path, dict(headers), body))

    def _run(self, coro):
        future = asyncio.run_coroutine_threadsafe(coro, self.loop)
        try:
            return future.result(self.timeout)
        except TimeoutError:
            future.cancel()
            raise TimeoutError(f"connection timed out after {self.timeout:g} s") from None

    # -- on the event loop ----------------------------------------------------------------

    async def _lookup(self, fqdn: str) -> dns.Answer | None:
        return self.dns.lookup(fqdn)

    async def route(self, ip: str, port: int, method: str, path: str, headers: dict,
                    body: bytes) -> tuple[int, dict, bytes]:
        service = self.proxy.service_at(ip, port) or self.proxy.load_balancers().get((ip, port))
        if service is None and ip != "127.0.0.1" and loopback(ip) and \
                port in self.proxy.node_ports():
            service = (port, None)
        if service is None and (loopback(ip) or ip == self.pod_ip):
            source = self.pod_ip if ip == self.pod_ip else ip
            return await self.delivery.deliver("", self.pod_key, port, method, path, headers,
                                               body, source)
        if service is not None:
            try:
                return await self.delivery.to_service(self.proxy, service[0], service[1],
                                                      self.pod_ip, method, path, headers, body)
            except NoEndpoints:
                raise ConnectionRefusedError("Connection refused") from None
        if not any(ip in _cluster_ips(svc) for svc in self.proxy.services.values()):
            found = self.proxy.pod_at(ip) or await self._pod_by_ip(ip)
            if found is not None:
                pod_key, node = found
                try:
                    return await self.delivery.deliver(node, pod_key, port, method, path,
                                                       headers, body, self.pod_ip)
                except LookupError:      # its node is gone: nothing answers there
                    pass
        raise TimeoutError(f"connect to {ip} port {port} timed out")

    async def _pod_by_ip(self, ip: str) -> tuple[str, str] | None:
        pods = await self.node_ports.client.list("pods", None,
                                                 field_selector=f"status.podIP={ip}")
        for pod in pods:
            meta, spec = pod.get("metadata") or {}, pod.get("spec") or {}
            if spec.get("nodeName") and not meta.get("deletionTimestamp"):
                return f'{meta.get("namespace")}/{meta.get("name")}', spec["nodeName"]
        return None


def _cluster_ips(svc: dict) -> list[str]:
    spec = svc.get("spec") or {}
    return [ip for ip in spec.get("clusterIPs") or [spec.get("clusterIP")] if ip and ip != "None"]

