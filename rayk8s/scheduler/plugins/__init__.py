"""The default plugins, one module each, and the default profile.

Filter order is kube-scheduler's default profile order (the first rejecting
plugin names a node's reason): NodeUnschedulable, NodeName, TaintToleration,
NodeAffinity, NodePorts, NodeResourcesFit.  Score weights are the default
profile's: TaintToleration 3, NodeAffinity 2, PodTopologySpread 2,
NodeResourcesFit 1, NodeResourcesBalancedAllocation 1.  DefaultPreemption is
the PostFilter.  VolumeBinding keeps pods whose claims are missing or unbound
waiting (PreFilter).  ImageLocality, InterPodAffinity and the other volume
plugins are not implemented.
"""

from __future__ import annotations

from typing import Any, Iterable

from .balanced_allocation import BalancedAllocation
from .default_preemption import DefaultPreemption, PreemptionResult
from .node_affinity import NodeAffinity
from .node_name import NodeName
from .node_ports import NodePorts
from .node_resources_fit import NodeResourcesFit
from .node_unschedulable import NodeUnschedulable
from .pod_topology_spread import PodTopologySpread
from .taint_toleration import TaintToleration
from .volume_binding import VolumeBinding

# In the order the framework runs them.
DEFAULT_PLUGINS = (NodeUnschedulable, NodeName, TaintToleration, NodeAffinity, NodePorts,
                   NodeResourcesFit, VolumeBinding, PodTopologySpread, BalancedAllocation,
                   DefaultPreemption)
DEFAULT_NAMES = tuple(cls.name for cls in DEFAULT_PLUGINS)


def default_plugins(disabled: Iterable[str] = ()) -> list[Any]:
    """Fresh instances of the default plugins minus ``disabled`` ("*" disables all)."""
    disabled = set(disabled or ())
    unknown = disabled - set(DEFAULT_NAMES) - {"*"}
    if unknown:
        raise ValueError(f"unknown default plugins {sorted(unknown)}; known: {DEFAULT_NAMES}")
    if "*" in disabled:
        return []
    return [cls() for cls in DEFAULT_PLUGINS if cls.name not in disabled]


__all__ = ["BalancedAllocation", "DefaultPreemption", "NodeAffinity", "NodeName", "NodePorts",
           "NodeResourcesFit", "NodeUnschedulable", "PodTopologySpread", "PreemptionResult",
           "TaintToleration", "VolumeBinding", "DEFAULT_PLUGINS", "DEFAULT_NAMES", "default_plugins"]
