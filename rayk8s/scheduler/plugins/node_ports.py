"""NodePorts: a pod's hostPorts must be free on the node.

A port bound on 0.0.0.0 conflicts with the same protocol/port on any address;
a port on a given address conflicts with that address and 0.0.0.0
(``HostPortInfo.CheckConflict``).
"""

from __future__ import annotations

from ..framework import ASSIGNED_POD_DELETE, NODE_ADD, Status

NAME = "NodePorts"
ERR_REASON = "node(s) didn't have free ports for the requested pod ports"
ANY_ADDRESS = "0.0.0.0"


def conflicts(used: dict[tuple[str, str, int], int], ip: str, protocol: str, port: int) -> bool:
    if ip == ANY_ADDRESS:
        return any(p == port and proto == protocol for _ip, proto, p in used)
    return (ip, protocol, port) in used or (ANY_ADDRESS, protocol, port) in used


class NodePorts:
    name = NAME
    events = frozenset({NODE_ADD, ASSIGNED_POD_DELETE})

    def pre_filter(self, state, pod: dict) -> Status | None:
        if not state.pod_info.host_ports:
            return Status.skip()
        return None

    def filter(self, state, pod: dict, node_info) -> Status | None:
        used = node_info.used_ports
        if used and any(conflicts(used, ip, proto, port)
                        for ip, proto, port in state.pod_info.host_ports):
            return Status.unschedulable(ERR_REASON)
        return None
