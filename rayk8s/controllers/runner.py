"""Executing a sync's actions through the client.

Outcomes, as client-go controllers treat them:

- 409 Conflict (someone wrote first) or AlreadyExists on a create: the key is
  re-queued with back-off; the next sync reads fresher caches.
- 404 on update/patch/delete: the object is gone, which is what a delete
  wanted and makes an update moot; not an error.
- Any other error: logged, and the key re-queued with back-off.

The runner returns the highest resourceVersion its writes produced, per
resource, so the manager can hold the key's next sync until the informers
have seen those writes (read-your-writes; this replaces client-go's
"expectations" bookkeeping).
"""

from __future__ import annotations

import dataclasses
import logging

from ..api import errors, kinds
from ..machinery.events import EventRecorder
from . import base

log = logging.getLogger(__name__)


@dataclasses.dataclass
class Outcome:
    # resource -> the highest resourceVersion written to it
    written: dict[str, int] = dataclasses.field(default_factory=dict)
    retry: bool = False
    requeue_after: float | None = None


def _resource_of(obj: dict) -> str:
    return kinds.REGISTRY.for_gvk(obj.get("apiVersion", ""), obj.get("kind", "")).plural


class Runner:
    def __init__(self, client, recorder: EventRecorder):
        self.client = client
        self.recorder = recorder

    async def run(self, actions: list[base.Action]) -> Outcome:
        out = Outcome()
        for action in actions:
            if isinstance(action, base.Requeue):
                out.requeue_after = (action.after if out.requeue_after is None
                                     else min(out.requeue_after, action.after))
                continue
            if isinstance(action, base.Event):
                await self.recorder.event(action.obj, action.type, action.reason, action.message)
                continue
            try:
                resource, result = await self._write(action)
            except errors.ApiError as exc:
                if exc.code == 404 and not isinstance(action, base.Create):
                    continue
                if exc.code == 409:
                    out.retry = True
                    continue
                log.warning("%s failed: %s", type(action).__name__, exc)
                out.retry = True
                continue
            rv = (result.get("metadata") or {}).get("resourceVersion") if result else None
            if rv and rv.isdigit():
                out.written[resource] = max(out.written.get(resource, 0), int(rv))
        return out

    async def _write(self, action: base.Action) -> tuple[str, dict | None]:
        if isinstance(action, base.Create):
            return _resource_of(action.obj), await self.client.create(action.obj)
        if isinstance(action, base.Update):
            return _resource_of(action.obj), await self.client.update(
                action.obj, subresource=action.subresource)
        if isinstance(action, base.Patch):
            return action.resource, await self.client.patch(
                action.resource, action.name, action.patch, action.namespace,
                patch_type=action.patch_type, subresource=action.subresource)
        if isinstance(action, base.Delete):
            return action.resource, await self.client.delete(
                action.resource, action.name, action.namespace,
                propagation_policy=action.propagation_policy,
                preconditions=dict(action.preconditions) if action.preconditions else None,
                grace_period_seconds=action.grace_period_seconds)
        raise TypeError(f"unknown action {action!r}")
