"""The node actor shell: one process hosting any number of emulated nodes.

Each node is a :class:`rayk8s.node.Kubelet` (with its runtime stub) on this
shell's event loop; they share one API client, one image catalog and one
Prometheus registry (every series labelled ``node``).  The Node objects
record the hosting Ray node as the label and annotation ``rayk8s.io/ray-node``.

``config`` holds the kubelet knobs (``rayk8s.node.KubeletConfig`` field names:
``pull_seconds``, ``start_seconds``, ``accept_unknown_images``, ...) plus
``images`` (``{name: Behaviour}`` added to the catalog), ``metrics_port``
(0: any free port; None: no endpoint) and ``shared_pod_informer``: one watch
on all pods for every kubelet of the shell, instead of one watch per kubelet
on its own pods (worth it when a shell hosts many nodes of a small cluster).
"""

from __future__ import annotations

import sys
from typing import Any

from prometheus_client import CollectorRegistry

from .. import clock as clockmod
from ..api.errors import ApiError
from ..client import AsyncClient
from ..machinery.informer import Informer
from ..node import images, nodeinfo
from ..node.kubelet import Kubelet, KubeletConfig
from ..node.metrics import KubeletMetrics
from .shells import serve_metrics


def hosting_ray_node() -> str:
    """The Ray node id of this process ("" outside Ray; never imports Ray itself)."""
    ray = sys.modules.get("ray")
    try:
        if ray is not None and ray.is_initialized():
            return ray.get_runtime_context().get_node_id()
    except Exception:  # noqa: BLE001 - no runtime context: not in a Ray worker
        pass
    return ""


class NodeShell:
    """Hosts kubelets; ``start()`` registers the nodes given at construction."""

    def __init__(self, transport, clock=None, nodes: list[dict] = (),
                 config: dict | None = None):
        self.client = AsyncClient(transport)
        self.clock = clock or clockmod.RealClock()
        self.config = dict(config or {})
        self.catalog = images.DEFAULT.copy()
        for name, behaviour in (self.config.get("images") or {}).items():
            self.catalog.register(name, behaviour)
        self.kubelet_config = KubeletConfig.from_dict(self.config)
        self.metrics = KubeletMetrics(CollectorRegistry())
        port = self.config.get("metrics_port", 0)
        self.metrics_address = serve_metrics(self.metrics.registry, port=port) \
            if port is not None else ""
        self.specs = [dict(spec) for spec in nodes]
        self.kubelets: dict[str, Kubelet] = {}
        self.ray_node = hosting_ray_node()
        self.pod_informer = Informer(self.client, "pods", clock=self.clock,
                                     watch_timeout=self.kubelet_config.watch_timeout) \
            if self.config.get("shared_pod_informer") else None

    async def start(self) -> dict[str, Any]:
        for spec in self.specs:
            if spec["name"] not in self.kubelets:
                await self.add_node(spec)
        return self.info()

    def info(self) -> dict[str, Any]:
        return {"names": list(self.kubelets), "ray_node_id": self.ray_node,
                "metrics": self.metrics_address,
                "addresses": {n: k.spec.address for n, k in self.kubelets.items()}}

    async def add_node(self, spec: dict) -> dict[str, Any]:
        """Start a kubelet for ``spec`` (it registers its Node); returns its summary."""
        node = nodeinfo.node_spec(spec)
        if node.name in self.kubelets:
            raise ValueError(f"node {node.name} is already hosted here")
        kubelet = Kubelet(self.client, node, self.clock, catalog=self.catalog,
                          config=self.kubelet_config, metrics=self.metrics,
                          ray_node=self.ray_node, pod_informer=self.pod_informer)
        await kubelet.start()
        self.kubelets[node.name] = kubelet
        return {"name": node.name, "address": node.address, "pod_cidr": node.pod_cidr}

    async def remove_node(self, name: str) -> None:
        """Stop the node's kubelet, then delete its Node object and Lease."""
        kubelet = self.kubelets.pop(name, None)
        if kubelet is None:
            raise KeyError(f"node {name} is not hosted here")
        await kubelet.stop()
        for resource, namespace in (("leases", nodeinfo.LEASE_NAMESPACE), ("nodes", None)):
            try:
                await self.client.delete(resource, name, namespace)
            except ApiError as exc:
                if exc.code != 404:
                    raise

    async def stop(self) -> None:
        """Stop every kubelet (the Node objects stay, as when kubelets go down)."""
        for name in list(self.kubelets):
            await self.kubelets.pop(name).stop()
        if self.pod_informer is not None:
            await self.pod_informer.stop()

    async def stats(self) -> dict[str, dict]:
        """Node name -> kubelet ``/stats/summary``."""
        return {name: k.stats() for name, k in self.kubelets.items()}

    async def pod_stats(self) -> list[dict]:
        return [pod for k in self.kubelets.values() for pod in k.pod_stats()]

    def _hosting(self, namespace: str, pod: str) -> Kubelet:
        for kubelet in self.kubelets.values():
            if f"{namespace}/{pod}" in kubelet.runtime.by_key:
                return kubelet
        raise LookupError(f'pod "{pod}" in namespace "{namespace}" is not on these nodes')

    async def logs(self, namespace: str, pod: str, container: str | None = None,
                   previous: bool = False, timestamps: bool = False,
                   tail_lines: int | None = None) -> str:
        return self._hosting(namespace, pod).logs(namespace, pod, container, previous=previous,
                                                  timestamps=timestamps, tail_lines=tail_lines)

    async def http_request(self, pod_key: str, container_port: int, method: str = "GET",
                           path: str = "/", headers: dict | None = None,
                           body: bytes = b"") -> tuple[int, dict, bytes]:
        namespace, _, name = pod_key.partition("/")
        return self._hosting(namespace, name).http_request(pod_key, container_port, method,
                                                           path, headers, body)
