"""Starting the cluster's components beside the control plane.

- the scheduler, the controller manager and the ingress controller: one actor each;
- emulated nodes: node actors spread over the Ray cluster's nodes (Ray's
  SPREAD strategy), each hosting ``nodes_per_actor`` kubelets.

Every component talks to the apiserver through a RayTransport; none touches
etcd (one path for writes).
"""

from __future__ import annotations

from typing import Any, Iterable

import ray

from ..node import nodeinfo
from . import launcher
from .controller_manager import ControllerManagerShell
from .transport import RayTransport

def node_spec(index: int, name_prefix: str = "node", **overrides: Any) -> dict[str, Any]:
    """The spec of emulated node number ``index`` (1-based).

    Node N gets a loopback address of its own for its NodePort listeners and a
    pod CIDR (see :func:`rayk8s.node.nodeinfo.numbered_address`/``numbered_pod_cidr``).
    """
    spec = {"name": f"{name_prefix}-{index}", "cpu": "2", "memory": "4Gi", "pods": 110,
            "labels": {}, "taints": [], "address": nodeinfo.numbered_address(index),
            "pod_cidr": nodeinfo.numbered_pod_cidr(index)}
    spec.update(overrides)
    return spec


def start_scheduler(apiserver, clock, plugins: Iterable[Any] | None = None,
                    config: dict | None = None, name: str = "", detached: bool = False,
                    where: Any = None, metrics_port: int | None = 0):
    from .scheduler import SchedulerShell
    handle = launcher.launch(SchedulerShell, RayTransport(apiserver), clock,
                             list(plugins) if plugins else None, config, metrics_port,
                             name=name or None, detached=detached, where=where)
    return handle, ray.get(handle.start.remote())


def start_controller_manager(apiserver, clock, controllers: Iterable[Any] | None = None,
                             name: str = "", detached: bool = False, where: Any = None):
    handle = launcher.launch(ControllerManagerShell, RayTransport(apiserver), clock,
                             list(controllers) if controllers is not None else None,
                             name=name or None, detached=detached, where=where)
    return handle, ray.get(handle.start.remote())


def start_ingress_controller(apiserver, clock, *, host: str = "127.0.0.1",
                             port: int | None = None,
                             ingress_class: str | None = None, name: str = "",
                             detached: bool = False, where: Any = None):
    """The ingress controller actor (actors/ingress.py), listening on ``host:port``
    (127.0.0.0/8 only; port None: 80 if free, else any; 0: any free one); returns (handle, its ``start()`` info:
    ``{"url", "address", "port", ...}``)."""
    from .delivery import loopback
    from .ingress import IngressShell
    if not loopback(host):
        raise ValueError(f"the ingress controller binds 127.0.0.0/8 only, not {host!r}")
    handle = launcher.launch(IngressShell, RayTransport(apiserver), clock, host=host,
                             port=port, ingress_class=ingress_class, name=name or None,
                             detached=detached, where=where)
    return handle, ray.get(handle.start.remote())


def start_node_actors(apiserver, clock, specs: list[dict], nodes_per_actor: int = 1,
                      config: dict | None = None, name_prefix: str = "",
                      detached: bool = False) -> list[tuple[Any, list[str]]]:
    """Node actors for ``specs``, ``nodes_per_actor`` kubelets each, spread over Ray nodes.

    Where the Ray cluster has several nodes, successive node actors go to
    successive Ray nodes, so emulated nodes are spread as evenly as they can be.
    """
    from .node import NodeShell
    groups = [specs[i:i + nodes_per_actor] for i in range(0, len(specs), max(nodes_per_actor, 1))]
    ray_nodes = sorted(n["NodeID"] for n in ray.nodes() if n.get("Alive"))
    handles = []
    for i, group in enumerate(groups):
        actor_name = f"{name_prefix}node-actor-{group[0]['name']}" if name_prefix else None
        # Round robin over the alive Ray nodes. Ray's SPREAD (and soft node
        # affinity, measured) may stack 0-CPU actors on one node.
        where = (launcher.placement_options(ray_nodes[i % len(ray_nodes)])
                 if ray_nodes else {"scheduling_strategy": "SPREAD"})
        handles.append((launcher.launch(NodeShell, RayTransport(apiserver), clock, group, config,
                                        name=actor_name, detached=detached, where=where),
                        [s["name"] for s in group]))
    ray.get([h.start.remote() for h, _ in handles])
    return handles
