"""The controller-manager actor's shell: one ControllerManager over the apiserver."""

from __future__ import annotations

from typing import Any, Iterable

from ..client import AsyncClient
from ..controllers.manager import ControllerManager


def default_controllers(clock=None) -> list[Any]:
    """kube-controller-manager's controllers that rayk8s has, in start order."""
    from ..controllers import registry
    return registry.default_controllers(clock)


class ControllerManagerShell:
    def __init__(self, transport, clock=None, controllers: Iterable[Any] | None = None,
                 workers: int = 2):
        self.transport = transport
        self.clock = clock
        self.controllers = list(controllers) if controllers is not None else None
        self.workers = workers
        self.manager: ControllerManager | None = None

    async def start(self) -> dict[str, Any]:
        if self.manager is None:
            controllers = self.controllers if self.controllers is not None \
                else default_controllers(self.clock)
            self.manager = ControllerManager(AsyncClient(self.transport), controllers,
                                             clock=self.clock, workers=self.workers)
            await self.manager.start()
        return {"controllers": [loop.controller.name for loop in self.manager.loops]}

    async def stop(self) -> None:
        if self.manager is not None:
            await self.manager.stop()
            self.manager = None

    async def stats(self) -> dict[str, Any]:
        return self.manager.stats() if self.manager else {}
