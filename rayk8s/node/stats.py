"""cAdvisor-like resource usage of played containers, on the cluster clock.

Usage comes from each attempt's plan (``images.Play``): a CPU profile of
(seconds after start, cores) steps, plus ``cpu_per_request`` core-seconds for
each request the app served (averaged over ~10 s for the instantaneous rate),
capped by the container's CPU limit; memory is the working set the image (or
annotation, or stress args) declares.  Cumulative CPU seconds integrate the
profile exactly, so they grow with the clock and never depend on when stats
are read.

:func:`summary` answers in the shape of kubelet's ``/stats/summary``
(``usageNanoCores``, ``usageCoreNanoSeconds``, ``workingSetBytes``) -- what
metrics-server reads; :func:`pod_stats` is a flat form for Python callers.
"""

from __future__ import annotations

import math

from .. import clock as clockmod

# What the node's own daemons use, on top of its pods.
SYSTEM_CPU = 0.02
SYSTEM_MEMORY = 200 * 1024 ** 2


def _capped(cores: float, limit: float | None) -> float:
    return min(cores, limit) if limit is not None else cores


def cpu_cores(c, now: float) -> float:
    """Cores the container uses at ``now`` (0 unless running)."""
    if not c.running(now):
        return 0.0
    play, elapsed = c.play, now - c.started_at
    base = 0.0
    for at, cores in play.cpu:
        if at <= elapsed:
            base = cores
    rate = c.rate * math.exp(-(now - c.rate_at) / 10.0) if now > c.rate_at else c.rate
    return _capped(base + rate * play.cpu_per_request, play.cpu_limit)


def cpu_seconds(c, now: float) -> float:
    """Core-seconds the container has used since it started."""
    end = c.end()
    until = min(now, end[0]) if end is not None else now
    span = until - c.started_at
    if span <= 0:
        return 0.0
    play, total = c.play, 0.0
    steps = list(play.cpu) + [(math.inf, 0.0)]
    for (at, cores), (nxt, _) in zip(steps, steps[1:]):
        lo, hi = max(at, 0.0), min(nxt, span)
        if hi > lo:
            total += _capped(cores, play.cpu_limit) * (hi - lo)
    return total + c.requests * play.cpu_per_request


def memory_bytes(c, now: float) -> int:
    return int(c.play.memory) if c.running(now) and not c.play.oom else 0


def _cpu(now_text: str, cores: float, seconds: float) -> dict:
    return {"time": now_text, "usageNanoCores": int(cores * 1e9),
            "usageCoreNanoSeconds": int(seconds * 1e9)}


def _memory(now_text: str, working_set: int) -> dict:
    return {"time": now_text, "workingSetBytes": working_set, "usageBytes": working_set,
            "rssBytes": working_set}


def pod_stats(runtime, node_name: str, now: float) -> list[dict]:
    """One dict per pod: cpu cores, cumulative cpu seconds, memory, per container too."""
    out = []
    for rec in runtime.pods.values():
        containers = []
        for c in rec.containers.values():
            previous = rec.previous.get(c.name)
            containers.append({
                "name": c.name, "running": c.running(now), "cpu_cores": cpu_cores(c, now),
                "cpu_seconds": cpu_seconds(c, now), "memory_bytes": memory_bytes(c, now),
                "started_at": c.started_at,
                "pod_cpu_seconds": cpu_seconds(c, now) +
                (cpu_seconds(previous, now) if previous is not None else 0.0)})
        out.append({
            "namespace": rec.namespace, "name": rec.name, "uid": rec.uid, "node": node_name,
            "time": now, "containers": containers,
            "cpu_cores": sum(c["cpu_cores"] for c in containers),
            "cpu_seconds": sum(c.pop("pod_cpu_seconds") for c in containers),
            "memory_bytes": sum(c["memory_bytes"] for c in containers)})
    return out


def summary(runtime, node_name: str, node_started: float, memory_capacity: int,
            now: float) -> dict:
    """kubelet's ``/stats/summary`` for the node and its pods (running containers only)."""
    stamp = clockmod.rfc3339(now)
    pods, cores, seconds, memory = [], SYSTEM_CPU, SYSTEM_CPU * max(0.0, now - node_started), \
        SYSTEM_MEMORY
    for p in pod_stats(runtime, node_name, now):
        running = [c for c in p["containers"] if c["running"]]
        if not running:
            continue
        pods.append({
            "podRef": {"name": p["name"], "namespace": p["namespace"], "uid": p["uid"]},
            "startTime": clockmod.rfc3339(min(c["started_at"] for c in running)),
            "containers": [{"name": c["name"], "startTime": clockmod.rfc3339(c["started_at"]),
                            "cpu": _cpu(stamp, c["cpu_cores"], c["cpu_seconds"]),
                            "memory": _memory(stamp, c["memory_bytes"])} for c in running],
            "cpu": _cpu(stamp, p["cpu_cores"], p["cpu_seconds"]),
            "memory": _memory(stamp, p["memory_bytes"])})
        cores += p["cpu_cores"]
        seconds += p["cpu_seconds"]
        memory += p["memory_bytes"]
    node_memory = _memory(stamp, memory)
    node_memory["availableBytes"] = max(0, memory_capacity - memory)
    return {"node": {"nodeName": node_name, "startTime": clockmod.rfc3339(node_started),
                     "cpu": _cpu(stamp, cores, seconds), "memory": node_memory},
            "pods": pods}
