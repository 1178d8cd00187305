"""The one place ``ray.remote`` is applied, and local Ray start-up.

Local Ray always runs on 127.0.0.1 with one ``RAY_AUTH_MODE`` for every
process rayk8s starts (see ray-notes: a token written by one ``ray.init``
breaks later ``ray start``/``ray status`` calls that don't carry it).
"""

from __future__ import annotations

import os
from typing import Any

import ray
from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

RAY_NAMESPACE = "rayk8s"
LOOPBACK = "127.0.0.1"


def ray_env() -> dict[str, str]:
    """Environment every Ray process of ours shares."""
    return {"RAY_AUTH_MODE": os.environ.get("RAY_AUTH_MODE", "disabled"),
            "RAY_USAGE_STATS_ENABLED": os.environ.get("RAY_USAGE_STATS_ENABLED", "0")}


def is_loopback(address: str | None) -> bool:
    host = (address or "").rsplit(":", 1)[0]
    return host in ("", "auto", "local", "localhost", "::1") or host.startswith("127.")


def loopback_only() -> None:
    """Keep a local Ray on 127.0.0.1 when a driver connects to it.

    ``ray.init(address="127.0.0.1:port")`` rewrites a loopback address to the
    machine's outward interface address ("remotely reachable"), and then
    dials that.  Ray skips the rewrite where clusters are "not supported"
    (its Windows/macOS switch); turning that switch off here -- for this
    process and, through the environment, for every Ray process it starts --
    keeps every connection on loopback.  Multi-node clusters on one host
    (``ray.cluster_utils``) still work; ``ray start --address`` refuses, which
    rayk8s never runs.
    """
    from ray._private import ray_constants
    os.environ["RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"] = "0"
    ray_constants.ENABLE_RAY_CLUSTER = False


def ensure_ray(address: str | None = None, **init_kwargs: Any) -> bool:
    """Connect to ``address`` or start a local Ray on loopback; True if we started one."""
    if ray.is_initialized():
        return False
    os.environ.update(ray_env())
    if is_loopback(address):
        loopback_only()
    kwargs: dict[str, Any] = dict(namespace=RAY_NAMESPACE, log_to_driver=False,
                                  include_dashboard=False)
    if address:
        ray.init(address=address, **{k: v for k, v in {**kwargs, **init_kwargs}.items()
                                     if k in ("namespace", "log_to_driver")})
        return False
    # address="local": always a fresh local Ray of our own; a bare ray.init()
    # would attach to whatever cluster /tmp/ray/ray_current_cluster names.
    kwargs.update(address="local", _node_ip_address=LOOPBACK,
                  object_store_memory=200 * 1024**2)
    kwargs.update(init_kwargs)
    ray.init(**kwargs)
    return True


def placement_options(where: Any, soft: bool = False) -> dict[str, Any]:
    """Actor options that pin an actor: a Ray node id (hex), or raw options (a dict)."""
    if where is None:
        return {}
    if isinstance(where, dict):
        return dict(where)
    return {"scheduling_strategy": NodeAffinitySchedulingStrategy(node_id=str(where), soft=soft)}


def launch(cls: type, *args: Any, name: str | None = None, detached: bool = False,
           where: Any = None, restart: bool = False, concurrency: int | None = None,
           **kwargs: Any):
    """Start ``cls`` (a plain shell class) as a Ray actor; returns its handle."""
    options: dict[str, Any] = {"num_cpus": 0, "namespace": RAY_NAMESPACE}
    if name:
        options["name"] = name
    if detached:
        options["lifetime"] = "detached"
    if restart:
        options["max_restarts"] = -1
    if concurrency:
        options["max_concurrency"] = concurrency
    options.update(placement_options(where))
    return ray.remote(cls).options(**options).remote(*args, **kwargs)


def node_of(handle) -> str:
    """The Ray node id hosting an actor."""
    return ray.get(handle.__ray_call__.remote(lambda self: ray.get_runtime_context().get_node_id()))
