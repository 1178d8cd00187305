"""Which controllers the controller manager runs by default.

Each controller is listed here (one line each, no import-time side effects).
"""

from __future__ import annotations

from typing import Any


def default_controllers(clock=None, *, load_balancer_pool: str | None = None) -> list[Any]:
    """The controllers, configured for ``clock``; ``load_balancer_pool`` is the
    emulated cloud's addresses (servicelb.DEFAULT_POOL when None)."""
    from .deployment import DeploymentController
    from .endpoints import EndpointsController
    from .endpointslice import EndpointSliceController
    from .garbagecollector import GarbageCollector
    from .job import JobController, TTLAfterFinishedController
    from .namespace import NamespaceController
    from .replicaset import ReplicaSetController, ReplicationControllerController
    from .servicelb import ServiceLBController
    from .statefulset import StatefulSetController
    from .volumes import PersistentVolumeController
    time_scale = getattr(clock, "time_scale", 1.0)
    return [DeploymentController(), ReplicaSetController(), ReplicationControllerController(),
            JobController(), TTLAfterFinishedController(), StatefulSetController(),
            PersistentVolumeController(), GarbageCollector(time_scale=time_scale),
            NamespaceController(), EndpointsController(), EndpointSliceController(),
            ServiceLBController(**({"pool": load_balancer_pool} if load_balancer_pool else {}))]
