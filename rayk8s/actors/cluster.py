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
    """

    def __init__(self, nodes: int = 0, *, address: str | None = None, name: str = "rayk8s",
                 data_dir: str | None = None, time_scale: float = 1.0, detached: bool = False,
                 placement: dict[str, Any] | None = None, metrics: bool = True,
                 ray_init: dict[str, Any] | None = None):
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
                                             where=self.placement.get("apiserver"))
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
        """The HTTP front end's URL (None: the REST front end is not served yet)."""
        return None

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
