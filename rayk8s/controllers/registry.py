"""Which controllers the controller manager runs by default.

Each entry is a zero-argument factory; a controller module registers itself
by being listed here (one line per controller, no import-time side effects).
"""

from __future__ import annotations

from typing import Any


def default_controllers() -> list[Any]:
    from .replicaset import ReplicaSetController, ReplicationControllerController
    return [ReplicaSetController(), ReplicationControllerController()]
