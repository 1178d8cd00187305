"""The Cluster facade's bootstrap: Ray, the etcd actor, the apiserver actor.

``rayk8s.Cluster`` (re-exported by the package) is what a user sees::

    with rayk8s.Cluster() as cluster:        # local Ray on 127.0.0.1 unless address=...
        kube = cluster.client
        kube.apply(manifest)

``rayk8s.connect(name=...)`` reaches the control plane of a cluster started
elsewhere (``rayk8s up --detach``) by its named actors.
"""

from __future__ import annotations

import logging
import os
import time
from typing import Any

import ray

from .. import clock as clockmod
from ..client import Client
from . import launcher
from .shells import ApiserverShell, EtcdShell
from .transport import RayTransport, RemoteStore

log = logging.getLogger(__name__)


def actor_names(name: str) -> dict[str, str]:
    return {"etcd": f"{name}-etcd", "apiserver": f"{name}-apiserver"}


class Cluster:
    """An emulated Kubernetes cluster on Ray.

    Arguments
        nodes: emulated nodes to start (node actors arrive with the nodes work;
            until then only 0 is accepted).
        address: a Ray cluster to join; None starts a local Ray on 127.0.0.1
            (or uses the one this process already initialised).
        name: the cluster's name; its actors are ``<name>-etcd`` and
            ``<name>-apiserver`` in the Ray namespace ``rayk8s``.
        data_dir: where etcd keeps its WAL and snapshots (None: memory only).
        time_scale: how much faster than wall time the cluster clock runs.
        detached: leave the actors running when this process exits.
        placement: {"etcd": node, "apiserver": node}: a Ray node id (hex) or a
            dict of actor options (e.g. {"resources": {"control": 0.01}}).
        metrics: serve Prometheus metrics from each actor on a loopback port.
        ray_init: extra keyword arguments for a local ``ray.init``.
        http_port: the REST API's port for kubectl and HTTP clients (0: any
            free port; None: no HTTP server); ``url`` says where it is.
        http_host: the address it binds (loopback unless told otherwise).
        token_file: require bearer tokens (kube-apiserver's --token-auth-file
            CSV, read by the apiserver actor).  kubectl sends tokens only over
            https, so pair it with a certificate.
        tls_cert_file, tls_key_file: serve https with this PEM certificate and
            key (the kubeconfig trusts the certificate as its CA).
    """

    def __init__(self, nodes: int = 0, *, address: str | None = None, name: str = "rayk8s",
                 data_dir: str | None = None, time_scale: float = 1.0, detached: bool = False,
                 placement: dict[str, Any] | None = None, metrics: bool = True,
                 ray_init: dict[str, Any] | None = None, http_port: int | None = 0,
                 http_host: str = "127.0.0.1", token_file: str | None = None,
                 tls_cert_file: str | None = None, tls_key_file: str | None = None):
        if nodes:
            raise NotImplementedError("emulated nodes are not implemented yet: "
                                      "Cluster(nodes=0) runs the control plane only")
        self.name = name
        self.address = address
        self.data_dir = data_dir
        self.clock = clockmod.RealClock(time_scale)
        self.detached = detached
        self.placement = placement or {}
        self.metrics = metrics
        self.ray_init = ray_init or {}
        self.http_port, self.http_host = http_port, http_host
        # The actor reads it from its own working directory: make it absolute.
        self.token_file = os.path.abspath(token_file) if token_file else None
        self.tls_cert_file = os.path.abspath(tls_cert_file) if tls_cert_file else None
        self.tls_key_file = os.path.abspath(tls_key_file) if tls_key_file else None
        self.etcd = None
        self.apiserver = None
        self.client: Client | None = None
        self.info: dict[str, Any] = {}
        self._started_ray = False

    # -- lifecycle
    def start(self) -> "Cluster":
        self._started_ray = launcher.ensure_ray(self.address, **self.ray_init)
        names = actor_names(self.name)
        port = 0 if self.metrics else None
        try:
            self.etcd = launcher.launch(EtcdShell, self.data_dir, self.clock, port,
                                        name=names["etcd"], detached=self.detached,
                                        where=self.placement.get("etcd"),
                                        restart=self.data_dir is not None)
            self.info["etcd"] = ray.get(self.etcd.start.remote())
            self.apiserver = launcher.launch(ApiserverShell, RemoteStore(self.etcd), self.clock,
                                             port, name=names["apiserver"],
                                             detached=self.detached,
                                             where=self.placement.get("apiserver"),
                                             http_host=self.http_host, http_port=self.http_port,
                                             token_file=self.token_file,
                                             tls_cert_file=self.tls_cert_file,
                                             tls_key_file=self.tls_key_file)
            self.info["apiserver"] = ray.get(self.apiserver.start.remote())
        except BaseException:
            self.stop()
            raise
        self.client = Client(RayTransport(self.apiserver))
        return self

    def stop(self) -> None:
        """Remove the actors this Cluster started, and Ray if it started it."""
        for handle in (self.apiserver, self.etcd):
            if handle is not None:
                try:
                    ray.kill(handle)
                except Exception:  # noqa: BLE001 - already gone
                    pass
        self.apiserver = self.etcd = None
        self.client = None
        if self._started_ray and ray.is_initialized():
            ray.shutdown()
            self._started_ray = False

    def __enter__(self) -> "Cluster":
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    # -- information
    @property
    def url(self) -> str | None:
        """The REST API's URL, ``http://127.0.0.1:PORT`` (None: not served)."""
        return self.info.get("apiserver", {}).get("url") or None

    def write_kubeconfig(self, path: str, context: str = "rayk8s") -> str:
        """Write a kubeconfig for this cluster (the token file's first token, if
        any) at ``path``; returns the path.  ``KUBECONFIG=path kubectl ...``."""
        from ..apiserver.http import auth, kubeconfig
        if not self.url:
            raise RuntimeError("the cluster serves no HTTP API (started with http_port=None?)")
        ca = open(self.tls_cert_file, "rb").read() if self.tls_cert_file else None
        return kubeconfig.write_kubeconfig(path, self.url, auth.first_token(self.token_file),
                                           context, certificate_authority_pem=ca)

    def metrics_addresses(self) -> dict[str, str]:
        return {component: info.get("metrics", "") for component, info in self.info.items()}

    def placement_of(self) -> dict[str, str]:
        """Which Ray node hosts each control-plane actor."""
        return {"etcd": launcher.node_of(self.etcd), "apiserver": launcher.node_of(self.apiserver)}


def connect(name: str = "rayk8s", address: str | None = "auto", timeout: float = 30.0) -> Client:
    """A client for a running cluster's apiserver (found by its actor name)."""
    launcher.ensure_ray(address)
    deadline = time.monotonic() + timeout
    while True:
        try:
            handle = ray.get_actor(actor_names(name)["apiserver"], namespace=launcher.RAY_NAMESPACE)
            break
        except ValueError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)
    return Client(RayTransport(handle))
