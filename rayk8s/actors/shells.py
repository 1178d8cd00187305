"""Actor shells: plain classes, each owning one core object.

``ray.remote`` is applied where they are launched (launcher.py), so each
shell can be built and called without Ray, and stays a thin wire between a
pure core (the store, the registry) and its peers.

Both shells are async actors: the etcd shell holds long-poll watches from the
apiserver's watch cache; the apiserver shell holds long-poll watches from
informers and clients.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from prometheus_client import CollectorRegistry, start_http_server

from ..apiserver.metrics import ApiserverMetrics
from ..apiserver.registry import Registry
from ..api.errors import ApiError
from ..client.transport import ErrorReply, dispatch
from ..store import AsyncStore, MVCCStore, contract

log = logging.getLogger(__name__)

STORE_METHODS = frozenset({"get", "range", "put", "delete", "txn", "compact", "events",
                           "wait_events", "lease_grant", "lease_keepalive", "lease_revoke",
                           "stats"})


def serve_metrics(registry: CollectorRegistry, host: str = "127.0.0.1", port: int = 0) -> str:
    """A Prometheus endpoint for ``registry``; returns ``host:port``."""
    server, _thread = start_http_server(port, addr=host, registry=registry)
    return f"{host}:{server.server_port}"


class EtcdShell:
    """Hosts the MVCC store (with its WAL when ``data_dir`` is set)."""

    def __init__(self, data_dir: str | None = None, clock=None, metrics_port: int | None = 0,
                 snapshot_every: int = 10_000):
        self.metrics_registry = CollectorRegistry()
        self.store = AsyncStore(MVCCStore(clock=clock, data_dir=data_dir,
                                          snapshot_every=snapshot_every),
                                registry=self.metrics_registry)
        self.metrics_address = (serve_metrics(self.metrics_registry, port=metrics_port)
                                if metrics_port is not None else "")
        self._maintenance: asyncio.Task | None = None

    async def start(self) -> dict[str, Any]:
        if self._maintenance is None:
            self._maintenance = asyncio.get_running_loop().create_task(
                self.store.run_maintenance())
        return {"metrics": self.metrics_address, **self.store.stats()}

    async def call(self, method: str, args: tuple, kwargs: dict) -> Any:
        """One store operation; a store error is returned (not raised) to the caller."""
        if method not in STORE_METHODS:
            return contract.StoreError(f"no such store call: {method}")
        try:
            result = getattr(self.store, method)(*args, **kwargs)
            if asyncio.iscoroutine(result):
                result = await result
            return result
        except contract.StoreError as exc:
            return exc


class ApiserverShell:
    """Hosts the registry, its watch cache and admission, over a store adapter,
    and the REST API over HTTP for kubectl and clients (``http_port=None``: no
    HTTP server).  The HTTP server runs in this actor's event loop, so an HTTP
    request reaches the registry as an in-process call.

    ``service_cidr`` and ``node_port_range`` are kube-apiserver's
    ``--service-cluster-ip-range`` and ``--service-node-port-range``.

    ``connect_backend`` serves pods/log, exec, attach and proxy; by default the
    kubelets in the node actors, found through their Nodes (actors/connect.py).
    Besides the registry's methods, :meth:`call` takes ``exec`` (namespace, pod,
    command, container, stdin): the Python API's ``Client.exec``."""

    def __init__(self, store, clock=None, metrics_port: int | None = 0,
                 http_host: str = "127.0.0.1", http_port: int | None = 0,
                 token_file: str | None = None, tls_cert_file: str | None = None,
                 tls_key_file: str | None = None, connect_backend: Any = None,
                 service_cidr: str | None = None, node_port_range: str | None = None):
        self.metrics = ApiserverMetrics(CollectorRegistry())
        ranges = {k: v for k, v in (("service_cidr", service_cidr),
                                    ("node_port_range", node_port_range)) if v}
        self.registry = Registry(store, clock=clock, metrics=self.metrics, **ranges)
        self.metrics_address = (serve_metrics(self.metrics.registry, port=metrics_port)
                                if metrics_port is not None else "")
        self.http_host, self.http_port, self.token_file = http_host, http_port, token_file
        self.tls = (tls_cert_file, tls_key_file) if tls_cert_file else None
        self.url = ""
        self.connect_backend = connect_backend
        self._http_runner = None
        self._started = False

    async def start(self) -> dict[str, Any]:
        if not self._started:
            await self.registry.start()
            if self.connect_backend is None:
                from .connect import ray_connect_backend
                self.connect_backend = ray_connect_backend(self.registry)
            if self.http_port is not None:
                from ..apiserver.http import server as http, tls
                app = http.make_app(self.registry, clock=self.registry.clock,
                                    token_file=self.token_file,
                                    connect_backend=self.connect_backend)
                ssl_context = tls.server_context(*self.tls) if self.tls else None
                self._http_runner, self.url = await http.start_server(
                    app, self.http_host, self.http_port, ssl_context)
            self._started = True
        return {"metrics": self.metrics_address, "url": self.url, **self.registry.stats()}

    async def stop(self) -> None:
        """Close the HTTP server (open watch streams end) and the watch feed."""
        if self._http_runner is not None:
            await self._http_runner.cleanup()
            self._http_runner = None
        await self.registry.stop()
        self._started = False

    async def call(self, method: str, args: tuple, kwargs: dict) -> Any:
        if method == "exec":        # pods/exec without a stream: the Python API's exec
            try:
                return await self.connect_backend.run_exec(*args, **kwargs)
            except ApiError as exc:
                return ErrorReply(exc.status)
        return await dispatch(self.registry, method, args, kwargs)
