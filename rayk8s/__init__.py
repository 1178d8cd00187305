"""rayk8s: a Kubernetes emulator on Ray.

The facade: :class:`Cluster` (start an emulated cluster), :func:`connect`
(reach a running one), :class:`ApiError` (every failure, carrying a
Kubernetes ``Status``; :class:`ExecError` for a command exec'd in a pod that exited
non-zero).  Ray is imported only when a Cluster is used, so the
pure layers (``rayk8s.api``, ``rayk8s.store``, ...) import without it.
"""

from __future__ import annotations

from typing import Any

from .api.errors import ApiError, ExecError

__version__ = "0.1.0"
__all__ = ["ApiError", "Cluster", "ExecError", "connect", "node_spec", "__version__"]


def __getattr__(name: str) -> Any:
    if name in ("Cluster", "connect"):
        from .actors import cluster
        return getattr(cluster, name)
    if name == "node_spec":
        from .actors import components
        return components.node_spec
    raise AttributeError(name)
