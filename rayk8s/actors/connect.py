"""The apiserver's connect backend over Ray: pods/log, exec, attach and proxy.

kube-apiserver reaches a pod's kubelet at the address its Node reports; here
the kubelets live in node actors (actors/node.py), so a Node records which
one hosts it: every node shell writes its own actor name into the Node's
annotation ``rayk8s.io/node-actor`` when it registers the node (named actors
``<cluster>-node-actor-<first node>`` in the Ray namespace ``rayk8s``, as
Cluster starts them).  :class:`RayKubelets` reads that annotation from the
Node (so a node moved to another actor is found there after it re-registers),
looks the actor up by name once, and calls the node shell's method; the
connect logic itself (log streaming, the proxy relay, the exec WebSocket) is
``apiserver.http.connect.KubeletBackend``.

Failures keep their meaning across the actor boundary: the shell's
LookupError / ValueError / ConnectionRefusedError are re-raised as they were
raised (not as Ray's task error), and an actor that is gone or has no name
is :class:`~rayk8s.apiserver.http.connect.KubeletUnreachable` (503).  A call
whose client went away is cancelled in the node actor too (``sleep 600``
in an exec does not outlive its client).
"""

from __future__ import annotations

import asyncio
from typing import Any

import ray

from ..apiserver.http import connect
from ..node.nodeinfo import NODE_ACTOR_ANNOTATION
from . import launcher


class RayKubelets:
    """Finds and calls the node actor hosting a Node (see the module docstring)."""

    def __init__(self, namespace: str = launcher.RAY_NAMESPACE):
        self.namespace = namespace
        self._handles: dict[str, Any] = {}

    def _handle(self, actor: str, node: str):
        handle = self._handles.get(actor)
        if handle is None:
            try:
                handle = ray.get_actor(actor, namespace=self.namespace)
            except ValueError:
                raise connect.KubeletUnreachable(
                    f'no kubelet serves node "{node}": its node actor "{actor}" is not '
                    'running') from None
            self._handles[actor] = handle
        return handle

    async def call(self, node: dict, method: str, *args: Any, **kwargs: Any) -> Any:
        name = node["metadata"]["name"]
        actor = (node["metadata"].get("annotations") or {}).get(NODE_ACTOR_ANNOTATION)
        if not actor:
            raise connect.KubeletUnreachable(
                f'no kubelet serves node "{name}": the Node has no {NODE_ACTOR_ANNOTATION} '
                'annotation (its node actor is unnamed, or it is not an emulated node)')
        for attempt in (1, 2):
            ref = getattr(self._handle(actor, name), method).remote(*args, **kwargs)
            try:
                return await ref
            except asyncio.CancelledError:     # the client went away: stop the call too
                try:
                    ray.cancel(ref)
                except Exception:  # noqa: BLE001 - finished meanwhile, or the actor is gone
                    pass
                raise
            except ray.exceptions.RayTaskError as exc:
                cause = getattr(exc, "cause", None)
                raise (cause if isinstance(cause, BaseException) else exc) from None
            except ray.exceptions.RayActorError:
                self._handles.pop(actor, None)      # restarted or gone: look it up again
                if attempt == 2:
                    raise connect.KubeletUnreachable(
                        f'no kubelet serves node "{name}": its node actor "{actor}" is '
                        'gone') from None
        raise AssertionError("unreachable")


def ray_connect_backend(registry, namespace: str = launcher.RAY_NAMESPACE,
                        **kwargs: Any) -> connect.KubeletBackend:
    """The connect backend the apiserver actor serves kubectl's logs/exec/proxy with."""
    return connect.KubeletBackend(registry, RayKubelets(namespace), **kwargs)
