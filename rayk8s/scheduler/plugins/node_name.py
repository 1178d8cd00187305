"""NodeName: a pod that names its node (``spec.nodeName``) fits only there.

Pods the scheduler sees normally have no nodeName (those that do are bound
already); the plugin is kept for custom flows and for parity with the default
profile.
"""

from __future__ import annotations

from ..framework import NODE_ADD, Status

NAME = "NodeName"
ERR_REASON = "node(s) didn't match the requested node name"


class NodeName:
    name = NAME
    events = frozenset({NODE_ADD})

    def filter(self, state, pod: dict, node_info) -> Status | None:
        wanted = (pod.get("spec") or {}).get("nodeName")
        if wanted and wanted != node_info.name:
            return Status.unresolvable(ERR_REASON)
        return None
