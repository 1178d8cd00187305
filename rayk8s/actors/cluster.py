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
from ..api import errors
from ..client import Client
from . import components, launcher
from .shells import ApiserverShell, EtcdShell
from .transport import RayTransport, RemoteStore

log = logging.getLogger(__name__)


def actor_names(name: str) -> dict[str, str]:
    return {"etcd": f"{name}-etcd", "apiserver": f"{name}-apiserver",
            "scheduler": f"{name}-scheduler", "controller-manager": f"{name}-controller-manager",
            "ingress": f"{name}-ingress"}


class Cluster:
    """An emulated Kubernetes cluster on Ray.

    Arguments
        nodes: how many emulated nodes to start (``node-1`` .. ``node-N``, see
            :func:`rayk8s.node_spec`), or give ``node_specs`` (a list of node
            spec dicts: name, cpu, memory, pods, labels, taints, address, ...).
        nodes_per_actor: kubelets hosted by one node actor (node actors are
            spread over the Ray cluster's nodes).
        node_config: kubelet/runtime settings for every node (pull and start
            times, ``accept_unknown_images``, extra ``images``...).
        scheduler: run the scheduler; ``scheduler_plugins`` (picklable filter
            or score plugins) and ``scheduler_config`` customise it.
        controllers: run the controller manager (True: the default
            controllers; or a list of controller objects).
        ingress: run the ingress controller (networking.k8s.io/v1 Ingresses served
            on a real loopback listener; ``ingress_url`` says where).
        ingress_host, ingress_port: the address it binds (127.0.0.0/8 only) and
            its port (None: 80 when free, else any free port; 0: any free port).
        service_cidr: where ClusterIPs come from (kube-apiserver's
            ``--service-cluster-ip-range``, default 10.96.0.0/12);
            ``node_port_range`` the nodePorts' ("30000-32767").
        proxy_mode: how every kube-proxy balances a Service's requests:
            "round-robin" (default) or "random" (as iptables mode does).
        load_balancer_pool: the emulated cloud's addresses for LoadBalancer
            Services ("127.0.100.1-127.0.100.254" by default; loopback, so
            ``curl http://<ip>:<port>/`` reaches them).
        ingress_class: serve only Ingresses of this class (``spec.ingressClassName``
            or the ``kubernetes.io/ingress.class`` annotation); None: every Ingress.
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
                 tls_cert_file: str | None = None, tls_key_file: str | None = None,
                 node_specs: list[dict] | None = None, nodes_per_actor: int = 1,
                 node_config: dict[str, Any] | None = None, scheduler: bool = True,
                 scheduler_plugins: list[Any] | None = None,
                 scheduler_config: dict[str, Any] | None = None,
                 controllers: bool | list[Any] = True, ingress: bool = True,
                 ingress_host: str = "127.0.0.1", ingress_port: int | None = None,
                 ingress_class: str | None = None, service_cidr: str | None = None,
                 node_port_range: str | None = None, proxy_mode: str | None = None,
                 load_balancer_pool: str | None = None):
        self.node_specs = list(node_specs) if node_specs is not None else \
            [components.node_spec(i) for i in range(1, nodes + 1)]
        self.nodes_per_actor = max(1, int(nodes_per_actor))
        self.node_config = dict(node_config or {})
        if proxy_mode is not None:
            from ..node.proxy import MODES
            if proxy_mode not in MODES:
                raise ValueError(f"proxy_mode {proxy_mode!r}: one of {', '.join(MODES)}")
            self.node_config["proxy_mode"] = proxy_mode
        self.service_cidr, self.node_port_range = service_cidr, node_port_range
        self.load_balancer_pool = load_balancer_pool
        self.run_scheduler = scheduler
        self.scheduler_plugins = list(scheduler_plugins or [])
        self.scheduler_config = scheduler_config
        self.controllers = controllers
        self.scheduler = None
        self.controller_manager = None
        self.run_ingress = ingress
        self.ingress_host, self.ingress_port = ingress_host, ingress_port
        self.ingress_class = ingress_class
        self.ingress = None
        # [(node actor handle, [node names it hosts])]
        self.node_actors: list[tuple[Any, list[str]]] = []
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
                                             tls_key_file=self.tls_key_file,
                                             service_cidr=self.service_cidr,
                                             node_port_range=self.node_port_range)
            self.info["apiserver"] = ray.get(self.apiserver.start.remote())
            self._start_components(names, port)
        except BaseException:
            self.stop()
            raise
        self.client = Client(RayTransport(self.apiserver))
        if self.run_ingress:
            self._ensure_ingress_class()
        return self

    def _ensure_ingress_class(self) -> None:
        """The default IngressClass of the ingress controller (kept if it exists): named
        after the class it serves, ``rayk8s`` when it serves every Ingress."""
        try:
            self.client.create({
                "apiVersion": "networking.k8s.io/v1", "kind": "IngressClass",
                "metadata": {"name": self.ingress_class or "rayk8s", "annotations": {
                    "ingressclass.kubernetes.io/is-default-class": "true"}},
                "spec": {"controller": "rayk8s.io/ingress-controller"}})
        except errors.ApiError as exc:
            if exc.code != 409:
                raise

    def _start_components(self, names: dict[str, str], port: int | None) -> None:
        if self.controllers:
            controllers = None if self.controllers is True else self.controllers
            if controllers is None and self.load_balancer_pool:
                from ..controllers import registry
                controllers = registry.default_controllers(
                    self.clock, load_balancer_pool=self.load_balancer_pool)
            self.controller_manager, self.info["controller-manager"] = \
                components.start_controller_manager(
                    self.apiserver, self.clock, controllers,
                    name=names["controller-manager"], detached=self.detached,
                    where=self.placement.get("controller-manager"))
        if self.run_ingress:
            self.ingress, self.info["ingress"] = components.start_ingress_controller(
                self.apiserver, self.clock, host=self.ingress_host, port=self.ingress_port,
                ingress_class=self.ingress_class, name=names["ingress"],
                detached=self.detached, where=self.placement.get("ingress"))
        if self.run_scheduler:
            self.scheduler, self.info["scheduler"] = components.start_scheduler(
                self.apiserver, self.clock, self.scheduler_plugins, self.scheduler_config,
                name=names["scheduler"], detached=self.detached,
                where=self.placement.get("scheduler"), metrics_port=port)
        if self.node_specs:
            self.node_actors = components.start_node_actors(
                self.apiserver, self.clock, self.node_specs, self.nodes_per_actor,
                self._node_config(port), name_prefix=f"{self.name}-", detached=self.detached)

    def _node_config(self, port: int | None) -> dict[str, Any]:
        return {"metrics_port": port, **self.node_config}

    # -- nodes at run time
    def add_nodes(self, count: int = 1, **overrides: Any) -> list[str]:
        """Start ``count`` more emulated nodes (numbered after the highest); their names."""
        taken = {s["name"] for s in self.node_specs}
        specs, index = [], len(self.node_specs)
        while len(specs) < count:
            index += 1
            spec = components.node_spec(index, **overrides)
            if spec["name"] not in taken:
                specs.append(spec)
        port = 0 if self.metrics else None
        self.node_actors += components.start_node_actors(
            self.apiserver, self.clock, specs, self.nodes_per_actor, self._node_config(port),
            name_prefix=f"{self.name}-", detached=self.detached)
        self.node_specs += specs
        return [s["name"] for s in specs]

    def remove_node(self, name: str) -> None:
        """Stop an emulated node's kubelet and delete its Node object."""
        for i, (handle, hosted) in enumerate(self.node_actors):
            if name in hosted:
                ray.get(handle.remove_node.remote(name))
                hosted.remove(name)
                if not hosted:
                    ray.get(handle.stop.remote())
                    ray.kill(handle)
                    self.node_actors.pop(i)
                self.node_specs = [s for s in self.node_specs if s["name"] != name]
                return
        raise KeyError(f"no emulated node {name!r} in this cluster")

    def stop(self) -> None:
        """Remove the actors this Cluster started, and Ray if it started it."""
        handles = [h for h, _ in self.node_actors] + [
            self.scheduler, self.controller_manager, self.ingress, self.apiserver, self.etcd]
        for handle in handles:
            if handle is not None:
                try:
                    ray.kill(handle)
                except Exception:  # noqa: BLE001 - already gone
                    pass
        self.node_actors = []
        self.scheduler = self.controller_manager = self.ingress = None
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

    @property
    def ingress_url(self) -> str | None:
        """The ingress controller's URL, ``http://127.0.0.1:PORT`` (None: not started)."""
        if self.ingress is None:
            return None
        return self.info.get("ingress", {}).get("url") or None

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
