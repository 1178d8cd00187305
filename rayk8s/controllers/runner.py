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

Runs of consecutive Deletes go out concurrently, and runs of consecutive
Creates in slow-start batches (1, 2, 4, ...; the rest of a run is skipped
after a batch with a failure), as kube-controller-manager's ReplicaSet and
Job controllers do: a controller replacing 50 pods must not take 50 round
trips one after another while another controller creates their successors.
Actions of different types or resources keep their order (a StatefulSet's
claims are created before its pod).
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging

from ..api import errors, kinds
from ..machinery.events import EventRecorder
from . import base

log = logging.getLogger(__name__)

# Writes of one run in flight at once.
_MAX_IN_FLIGHT = 64


@dataclasses.dataclass
class Outcome:
    # resource -> the highest resourceVersion written to it
    written: dict[str, int] = dataclasses.field(default_factory=dict)
    retry: bool = False
    requeue_after: float | None = None


def _group(action: base.Action) -> tuple:
    """Actions that may run together: same type, same resource."""
    if isinstance(action, base.Create):
        return ("create", action.obj.get("apiVersion"), action.obj.get("kind"))
    if isinstance(action, base.Delete):
        return ("delete", action.resource)
    return ("other", id(action))


def _resource_of(obj: dict) -> str:
    return kinds.REGISTRY.for_gvk(obj.get("apiVersion", ""), obj.get("kind", "")).plural


class Runner:
    def __init__(self, client, recorder: EventRecorder):
        self.client = client
        self.recorder = recorder

    async def run(self, actions: list[base.Action]) -> Outcome:
        out = Outcome()
        i = 0
        while i < len(actions):
            action = actions[i]
            if isinstance(action, base.Requeue):
                out.requeue_after = (action.after if out.requeue_after is None
                                     else min(out.requeue_after, action.after))
                i += 1
                continue
            if isinstance(action, base.Event):
                await self.recorder.event(action.obj, action.type, action.reason, action.message)
                i += 1
                continue
            j = i + 1
            if isinstance(action, (base.Create, base.Delete)):
                group = _group(action)
                while j < len(actions) and _group(actions[j]) == group:
                    j += 1
            run = actions[i:j]
            if isinstance(action, base.Create):
                await self._slow_start(run, out)
            else:
                await self._concurrently(run, out)
            i = j
        return out

    async def _slow_start(self, creates: list[base.Action], out: Outcome) -> None:
        batch, done = 1, 0
        while done < len(creates):
            chunk = creates[done:done + batch]
            if not await self._concurrently(chunk, out):
                out.retry = True  # the skipped rest is re-computed by the next sync
                return
            done += len(chunk)
            batch *= 2

    async def _concurrently(self, actions: list[base.Action], out: Outcome) -> bool:
        """Run ``actions`` at once (bounded); False if any failed."""
        ok = True
        for start in range(0, len(actions), _MAX_IN_FLIGHT):
            results = await asyncio.gather(*(self._one(a, out)
                                             for a in actions[start:start + _MAX_IN_FLIGHT]))
            ok = ok and all(results)
        return ok

    async def _one(self, action: base.Action, out: Outcome) -> bool:
        """One write; records its resourceVersion; False on a failure worth a retry."""
        try:
            resource, result = await self._write(action)
        except errors.ApiError as exc:
            if exc.code == 404 and not isinstance(action, base.Create):
                return True
            if exc.code != 409:
                log.warning("%s failed: %s", type(action).__name__, exc)
            out.retry = True
            return False
        rv = (result.get("metadata") or {}).get("resourceVersion") if result else None
        if rv and rv.isdigit():
            out.written[resource] = max(out.written.get(resource, 0), int(rv))
        return True

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
