"""The scheduler actor's shell: a plain class owning one :class:`Scheduler`.

``launcher.launch(SchedulerShell, transport, clock, plugins, config)`` makes it
an async Ray actor; without Ray it runs as is (tests).  Plugins and the
config travel to the actor by pickle, so user plugins must be importable
module-level classes (or instances of them).  Metrics are served on a
loopback port, as the other shells do.
"""

from __future__ import annotations

import sys
from typing import Any

from prometheus_client import CollectorRegistry

from .. import clock as clockmod
from ..client import AsyncClient
from ..scheduler import Scheduler
from .shells import serve_metrics


def _ray_node_id() -> str:
    """The Ray node hosting this actor ("" outside Ray; Ray is never imported here)."""
    ray = sys.modules.get("ray")
    try:
        if ray is not None and ray.is_initialized():
            return ray.get_runtime_context().get_node_id()
    except Exception:  # noqa: BLE001 - informational only
        pass
    return ""


class SchedulerShell:
    """Hosts the scheduler; ``transport`` reaches the apiserver."""

    def __init__(self, transport, clock=None, plugins=None, config: dict | None = None,
                 metrics_port: int | None = 0):
        self.transport = transport
        self.clock = clock if clock is not None else clockmod.RealClock()
        self.plugins = list(plugins or [])
        self.config = dict(config or {})
        self.metrics_registry = CollectorRegistry()
        self.metrics_port = metrics_port
        self.metrics_address = ""
        self.scheduler: Scheduler | None = None

    async def start(self) -> dict[str, Any]:
        """Start (idempotent) and return ``{"name", "metrics", "plugins", "ray_node", ...}``."""
        if self.scheduler is None:
            self.scheduler = Scheduler(AsyncClient(self.transport), self.clock,
                                       plugins=self.plugins, config=self.config,
                                       registry=self.metrics_registry)
            await self.scheduler.start()
            if self.metrics_port is not None:
                self.metrics_address = serve_metrics(self.metrics_registry,
                                                     port=self.metrics_port)
        return {"metrics": self.metrics_address, "ray_node": _ray_node_id(),
                **self.scheduler.stats()}

    async def stop(self) -> None:
        if self.scheduler is not None:
            await self.scheduler.stop()

    async def stats(self) -> dict[str, Any]:
        if self.scheduler is None:
            return {"started": False}
        return {"started": True, **self.scheduler.stats()}
