"""The node actor shell: one process hosting any number of emulated nodes.

Each node is a :class:`rayk8s.node.Kubelet` (with its runtime stub) on this
shell's event loop; they share one API client, one image catalog and one
Prometheus registry (every series labelled ``node``).  The Node objects
record the hosting Ray node as the label and annotation ``rayk8s.io/ray-node``,
and this shell's actor name (a named actor in the Ray namespace ``rayk8s``) as
the annotation ``rayk8s.io/node-actor``: that is how the apiserver's connect
backend (actors/connect.py) finds the kubelet of a pod's node for
``kubectl logs``, ``exec``, ``attach`` and the pod proxy, which this shell
serves with :meth:`NodeShell.read_logs`, :meth:`NodeShell.exec` and
:meth:`NodeShell.http_request`.

``config`` holds the kubelet knobs (``rayk8s.node.KubeletConfig`` field names:
``pull_seconds``, ``start_seconds``, ``accept_unknown_images``, ...) plus
``images`` (``{name: Behaviour}`` added to the catalog), ``metrics_port``
(0: any free port; None: no endpoint) and ``shared_pod_informer``: one watch
on all pods for every kubelet of the shell, instead of one watch per kubelet
on its own pods (worth it when a shell hosts many nodes of a small cluster).
"""

from __future__ import annotations

import asyncio
import sys
from typing import Any

from prometheus_client import CollectorRegistry

from .. import clock as clockmod
from ..api.errors import ApiError
from ..client import AsyncClient
from ..machinery.informer import Informer
from ..node import exec as execmod
from ..node import images, nodeinfo
from ..node.kubelet import Kubelet, KubeletConfig
from ..node.metrics import KubeletMetrics
from .nodeport import NodePorts
from .podnet import PodNetwork
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


def hosting_actor_name() -> str:
    """The name of the Ray actor running this code ("" outside a named actor)."""
    ray = sys.modules.get("ray")
    try:
        if ray is not None and ray.is_initialized():
            return ray.get_runtime_context().get_actor_name() or ""
    except Exception:  # noqa: BLE001 - not in an actor
        pass
    return ""


def _after(lines: list[tuple[float, str]], cursor) -> list[tuple[float, str]]:
    """The lines after ``cursor`` = (time of the last line read, lines read at that
    time, the attempt's container id)."""
    last, count = cursor[0], cursor[1]
    out, seen = [], 0
    for ts, line in lines:
        if ts > last:
            out.append((ts, line))
        elif ts == last:
            seen += 1
            if seen > count:
                out.append((ts, line))
    return out


def _cursor(lines: list[tuple[float, str]], cursor) -> list:
    """[time of the last line, lines at that time] after reading ``lines``."""
    if not lines:
        return list(cursor[:2]) if cursor is not None else [0.0, 0]
    last = lines[-1][0]
    return [last, sum(1 for ts, _ in lines if ts == last)]


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
        self.actor_name = hosting_actor_name()
        self.pod_informer = Informer(self.client, "pods", clock=self.clock,
                                     watch_timeout=self.kubelet_config.watch_timeout) \
            if self.config.get("shared_pod_informer") else None
        # kube-proxy: NodePort listeners on the hosted nodes' addresses (actors/nodeport.py);
        # ``proxy_mode``: "round-robin" (default) or "random"; ``kube_proxy: False``: none.
        self.node_ports = NodePorts(self, mode=self.config.get("proxy_mode") or "round-robin") \
            if self.config.get("kube_proxy", True) else None

    async def start(self) -> dict[str, Any]:
        for spec in self.specs:
            if spec["name"] not in self.kubelets:
                await self.add_node(spec)
        if self.node_ports is not None and not self.node_ports.started:
            await self.node_ports.start()
        return self.info()

    def info(self) -> dict[str, Any]:
        return {"names": list(self.kubelets), "ray_node_id": self.ray_node,
                "metrics": self.metrics_address,
                "node_ports": self.node_ports.listening() if self.node_ports else [],
                "addresses": {n: k.spec.address for n, k in self.kubelets.items()}}

    async def add_node(self, spec: dict) -> dict[str, Any]:
        """Start a kubelet for ``spec`` (it registers its Node); returns its summary."""
        if self.actor_name:
            spec = dict(spec, annotations={**(spec.get("annotations") or {}),
                                           nodeinfo.NODE_ACTOR_ANNOTATION: self.actor_name})
        node = nodeinfo.node_spec(spec)
        if node.name in self.kubelets:
            raise ValueError(f"node {node.name} is already hosted here")
        kubelet = Kubelet(self.client, node, self.clock, catalog=self.catalog,
                          config=self.kubelet_config, metrics=self.metrics,
                          ray_node=self.ray_node, pod_informer=self.pod_informer)
        if self.node_ports is not None:      # played apps query the cluster DNS (Request.lookup)
            kubelet.runtime.dns = self._lookup
        await kubelet.start()
        self.kubelets[node.name] = kubelet
        if self.node_ports is not None:
            self.node_ports.nodes_changed()
        return {"name": node.name, "address": node.address, "pod_cidr": node.pod_cidr}

    def _lookup(self, name: str, namespace: str) -> list[str]:
        answer = self.node_ports.dns.resolve(name, namespace)
        return list(answer.addresses) if answer is not None else []

    async def remove_node(self, name: str) -> None:
        """Stop the node's kubelet, then delete its Node object and Lease."""
        kubelet = self.kubelets.pop(name, None)
        if kubelet is None:
            raise KeyError(f"node {name} is not hosted here")
        await kubelet.stop()
        if self.node_ports is not None:
            self.node_ports.nodes_changed()
        for resource, namespace in (("leases", nodeinfo.LEASE_NAMESPACE), ("nodes", None)):
            try:
                await self.client.delete(resource, name, namespace)
            except ApiError as exc:
                if exc.code != 404:
                    raise

    async def stop(self) -> None:
        """Stop every kubelet (the Node objects stay, as when kubelets go down)."""
        if self.node_ports is not None:
            await self.node_ports.stop()
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
                           body: bytes = b"", client: str = "",
                           ready_only: bool = False) -> tuple[int, dict, bytes]:
        namespace, _, name = pod_key.partition("/")
        return self._hosting(namespace, name).http_request(pod_key, container_port, method,
                                                           path, headers, body, client,
                                                           ready_only=ready_only)

    # -- what the apiserver's connect backend calls (pods/log, exec, attach) ---------------

    def _container_of(self, kubelet: Kubelet, namespace: str, pod: str,
                      container: str | None) -> str:
        if container:
            return container
        rec = kubelet.runtime.pods.get(kubelet.runtime.by_key.get(f"{namespace}/{pod}", ""))
        names = list(rec.containers) if rec is not None else []
        if len(names) != 1:
            raise ValueError(f"a container name must be specified for pod {pod}, "
                             f"choose one of: [{' '.join(names)}]")
        return names[0]

    async def read_logs(self, namespace: str, pod: str, container: str | None = None, *,
                        previous: bool = False, timestamps: bool = False,
                        tail_lines: int | None = None, since: float | None = None,
                        cursor: list | None = None, wait: float = 0.0) -> dict[str, Any]:
        """One read of a container's log for ``pods/log``.

        Without ``cursor``: the log so far of the current (or ``previous``) attempt
        (``tail_lines`` last lines, lines since ``since`` in cluster time).  With the
        ``cursor`` a previous read returned: only what that same attempt logged
        since, waiting up to ``wait`` wall seconds for some (a long poll;
        ``kubectl logs -f`` is a loop of these).  Returns ``{"text", "cursor",
        "running"}``; ``running`` turns False once the attempt has exited (a restart
        is a new container: the stream ends, as it does for the kubelet), and is
        False for ``previous``.  Raises LookupError when the pod or container is
        not (or no longer) here, ValueError for several containers and none named.
        """
        kubelet = self._hosting(namespace, pod)
        container = self._container_of(kubelet, namespace, pod, container)
        runtime, key = kubelet.runtime, f"{namespace}/{pod}"
        if cursor is None:
            runtime.logs(namespace, pod, container, previous)   # the kubelet's errors
            attempt = runtime.attempt(key, container, previous)
        else:
            attempt = runtime.attempt(key, container)
            if attempt is None or attempt.id != cursor[2]:
                attempt = runtime.attempt(key, container, previous=True)
                if attempt is None or attempt.id != cursor[2]:
                    return {"text": "", "cursor": list(cursor), "running": False}
        loop = asyncio.get_running_loop()
        deadline = loop.time() + max(0.0, wait)
        while True:
            now = self.clock.now()
            lines = attempt.log_lines(now, runtime.max_log_lines)
            if cursor is None:
                new = [item for item in lines if since is None or item[0] >= since]
                if tail_lines is not None:
                    new = new[-tail_lines:] if tail_lines > 0 else []
            else:
                new = _after(lines, cursor)
            running = not previous and attempt.ended(now) is None
            if cursor is None or new or not running or loop.time() >= deadline:
                break
            await asyncio.sleep(min(0.1, max(0.0, deadline - loop.time())))
        text = "".join((f"{clockmod.rfc3339_micro(ts)} " if timestamps else "") + line + "\n"
                       for ts, line in new)
        return {"text": text, "cursor": _cursor(lines, cursor) + [attempt.id],
                "running": running}

    async def exec(self, namespace: str, pod: str, container: str | None, argv: list[str],
                   stdin: bytes | None = None) -> tuple[bytes, bytes, int]:
        """``kubectl exec``: play ``argv`` in the container; (stdout, stderr, exit code).

        A command that takes time (``sleep 5``) returns after that much cluster time,
        or with 137 (killed) if its container stops first.  Raises LookupError when the
        pod is not here or the container is not running."""
        kubelet = self._hosting(namespace, pod)
        container = self._container_of(kubelet, namespace, pod, container)
        key = f"{namespace}/{pod}"
        services = await self._services_at(namespace, kubelet.runtime.container_started(
            key, container))
        network = None
        if self.node_ports is not None:
            rec = kubelet.runtime.pods.get(kubelet.runtime.by_key.get(key, ""))
            network = PodNetwork(self.node_ports, asyncio.get_running_loop(), key,
                                 rec.ip if rec is not None else "")
        full = kubelet.informer.cache.get(key)
        sources = await self._exec_sources(namespace, full) if full is not None else None
        ctx = kubelet.runtime.exec_context(key, container, services=services, network=network,
                                           sources=sources, pod=full,
                                           allocatable=nodeinfo.allocatable(kubelet.spec))
        # Played on a worker thread: a command may wait on the network, whose calls hop
        # back onto this event loop (actors/podnet.py).
        result = await asyncio.get_running_loop().run_in_executor(
            None, execmod.play, list(argv), ctx, stdin)
        attempt = kubelet.runtime.attempt(key, container)
        remaining = result.seconds
        while remaining > 0:
            step = min(remaining, 1.0)
            await self.clock.sleep(step)
            remaining -= step
            now = self.clock.now()
            if kubelet.runtime.attempt(key, container) is not attempt or \
                    attempt.ended(now) is not None:
                return result.stdout, result.stderr, 137     # killed with its container
        return result.stdout, result.stderr, result.exit_code

    async def _exec_sources(self, namespace: str, pod: dict) -> execmod.Sources:
        """The ConfigMaps and Secrets ``pod`` references, read now (one exec's view;
        a missing one is absent)."""
        config_maps, secrets = execmod.referenced_sources(pod)

        async def read(resource: str, name: str) -> dict | None:
            try:
                return await self.client.get(resource, name, namespace)
            except ApiError as err:
                if err.code in (403, 404):
                    return None
                raise
        wanted = [("configmaps", n) for n in sorted(config_maps)] + \
            [("secrets", n) for n in sorted(secrets)]
        found = await asyncio.gather(*(read(r, n) for r, n in wanted))
        return execmod.Sources.from_objects(
            [o for (r, _), o in zip(wanted, found) if o is not None and r == "configmaps"],
            [o for (r, _), o in zip(wanted, found) if o is not None and r == "secrets"])

    async def _services_at(self, namespace: str, started: float | None) -> list[dict]:
        """The Services a container started at ``started`` got variables for: those
        that existed then (the kubelet fixes a container's environment at start)."""
        if started is None:
            return []
        found = []
        for ns in {namespace, "default"}:
            try:
                found += await self.client.list("services", ns)
            except ApiError:
                continue
        out = []
        for svc in found:
            created = (svc.get("metadata") or {}).get("creationTimestamp")
            try:
                if created and clockmod.parse_rfc3339(created) > started:
                    continue
            except ValueError:
                pass
            out.append(svc)
        return out
