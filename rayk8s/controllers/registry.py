"""Which controllers the controller manager runs by default.

Each controller is listed here (one line each, no import-time side effects).
"""

from __future__ import annotations

from typing import Any


def default_controllers(clock=None) -> list[Any]:
    from .deployment import DeploymentController
    from .garbagecollector import GarbageCollector
    from .job import JobController, TTLAfterFinishedController
    from .namespace import NamespaceController
    from .replicaset import ReplicaSetController, ReplicationControllerController
    from .statefulset import StatefulSetController
    from .volumes import PersistentVolumeController
    time_scale = getattr(clock, "time_scale", 1.0)
    return [DeploymentController(), ReplicaSetController(), ReplicationControllerController(),
            JobController(), TTLAfterFinishedController(), StatefulSetController(),
            PersistentVolumeController(), GarbageCollector(time_scale=time_scale),
            NamespaceController()]
