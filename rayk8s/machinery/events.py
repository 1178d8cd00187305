"""Event recording: what ``kubectl describe`` shows under "Events".

Components report what they did (Scheduled, Pulling, Started, BackOff,
FailedScheduling, ScalingReplicaSet, ...) as ``v1 Event`` objects about an
involved object.  Like client-go's recorder, a repeat of the same (object,
type, reason, message) within the aggregation window updates the existing
Event -- ``count`` + 1 and a new ``lastTimestamp`` -- instead of creating a
new one.

Recording never fails the caller: an error writing an Event is logged.
"""

from __future__ import annotations

import logging
import secrets
from typing import Any

from .. import clock as clockmod
from ..api import errors

log = logging.getLogger(__name__)

NORMAL = "Normal"
WARNING = "Warning"
# How long a repeated event is folded into the previous one (client-go: 10 minutes).
_AGGREGATE_SECONDS = 600.0
_MAX_REMEMBERED = 4096


def involved_reference(obj: dict, field_path: str = "") -> dict[str, Any]:
    meta = obj.get("metadata") or {}
    ref = {"kind": obj.get("kind", ""), "namespace": meta.get("namespace", ""),
           "name": meta.get("name", ""), "uid": meta.get("uid", ""),
           "apiVersion": obj.get("apiVersion", ""),
           "resourceVersion": meta.get("resourceVersion", "")}
    if field_path:
        ref["fieldPath"] = field_path
    return {k: v for k, v in ref.items() if v}


class EventRecorder:
    """Writes Events through an AsyncClient, as ``component`` on ``host``."""

    def __init__(self, client, component: str, host: str = "", clock=None):
        self.client = client
        self.component = component
        self.host = host
        self.clock = clock or clockmod.RealClock()
        # (uid/name, type, reason, message) -> (event name, namespace, count, first seen)
        self._seen: dict[tuple, tuple[str, str, int, float]] = {}

    async def event(self, obj: dict, type_: str, reason: str, message: str,
                    field_path: str = "") -> dict | None:
        """Record one event about ``obj``; returns the stored Event (None on failure)."""
        ref = involved_reference(obj, field_path)
        namespace = ref.get("namespace") or "default"
        now = self.clock.now()
        key = (ref.get("uid") or ref.get("name"), ref.get("kind"), type_, reason, message,
               field_path)
        try:
            seen = self._seen.get(key)
            if seen and now - seen[3] < _AGGREGATE_SECONDS:
                name, ns, count, first = seen
                stored = await self.client.patch(
                    "events", name, {"count": count + 1,
                                     "lastTimestamp": clockmod.rfc3339(now)}, ns)
                self._seen[key] = (name, ns, count + 1, first)
                return stored
            stored = await self.client.create(self._new(ref, namespace, type_, reason,
                                                        message, now))
            self._remember(key, (stored["metadata"]["name"], namespace, 1, now))
            return stored
        except errors.ApiError as exc:
            if exc.code == 404 and key in self._seen:
                self._seen.pop(key, None)  # the old Event was deleted: start a new one
                return await self.event(obj, type_, reason, message, field_path)
            log.warning("could not record event %s/%s: %s", reason, ref.get("name"), exc)
        except Exception:  # noqa: BLE001 - recording must not break the caller
            log.exception("could not record event %s", reason)
        return None

    def _remember(self, key: tuple, value: tuple) -> None:
        if len(self._seen) >= _MAX_REMEMBERED:
            self._seen.pop(next(iter(self._seen)))
        self._seen[key] = value

    def _new(self, ref: dict, namespace: str, type_: str, reason: str, message: str,
             now: float) -> dict:
        stamp = clockmod.rfc3339(now)
        source = {"component": self.component}
        if self.host:
            source["host"] = self.host
        return {
            "apiVersion": "v1", "kind": "Event",
            "metadata": {"name": f"{ref.get('name', 'event')}.{secrets.token_hex(8)}",
                         "namespace": namespace},
            "involvedObject": ref, "reason": reason, "message": message,
            "source": source, "firstTimestamp": stamp, "lastTimestamp": stamp, "count": 1,
            "type": type_, "eventTime": None, "reportingComponent": self.component,
            "reportingInstance": self.host or self.component,
        }
