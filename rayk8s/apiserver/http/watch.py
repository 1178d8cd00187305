"""Watch streams: ``?watch=true`` (or ``/watch/``) as chunked JSON lines.

The registry's watch is a long poll (``Registry.watch`` returns a batch of
events and the resourceVersion to continue from); a stream is a loop of such
polls, each bounded by ``watch_poll_seconds`` so that a client that went away
is noticed even when nothing happens (aiohttp does not cancel handlers on
disconnect).  Every event is written as its own chunk, one JSON object and
``\\n``, as kube-apiserver's watch handler does.

Semantics (k8s.io/apiserver handlers/watch.go and the cacher):
- ``resourceVersion`` unset or "0": the current objects first, as ADDED
  events, then changes; otherwise only changes after it.
- ``sendInitialEvents=true`` (watch-list; needs ``allowWatchBookmarks`` and
  ``resourceVersionMatch=NotOlderThan``): the current objects, then a
  BOOKMARK annotated ``k8s.io/initial-events-end: "true"``.
  ``sendInitialEvents=false`` with no resourceVersion: from now, no replay.
- ``timeoutSeconds``: the stream ends cleanly (zero-length chunk) after it;
  without it a random 1800-3600 s, as kube-apiserver spreads
  ``--min-request-timeout``.
- ``allowWatchBookmarks``: a BOOKMARK carrying only ``metadata.resourceVersion``
  when a poll ends idle and ``bookmark_interval`` has passed since the last
  one, and one before the stream ends on its timeout.
- Errors found before the stream starts (a bad selector or resourceVersion)
  are a Status with their HTTP code; errors after it (410 Gone for a
  compacted resourceVersion included -- kube-apiserver's cacher also answers
  those in-stream) are an ``ERROR`` event carrying the Status, then the end.
- Table Accept: each event's object is a one-row Table, the column
  definitions only in the first one (kube-apiserver's watchEmbeddedEncoder);
  PartialObjectMetadata likewise.

Metrics: one ``apiserver_request_total{verb="WATCH"}`` per stream; the
registry keeps ``apiserver_longrunning_requests`` up while a poll waits.
"""

from __future__ import annotations

import asyncio
import logging
import random

from aiohttp import web

from ...api import errors, fields, selectors
from . import negotiate
from .params import REACHED, bool_param, int_param
from .paths import ResourceRequest

log = logging.getLogger(__name__)

INITIAL_EVENTS_END = "k8s.io/initial-events-end"


def _check(rr: ResourceRequest, label_selector, field_selector, resource_version) -> None:
    """What the registry would refuse, refused before the stream starts."""
    if label_selector:
        selectors.parse(label_selector)
    if field_selector:
        fields.check_supported(rr.kind.kind, fields.parse(field_selector))
    if resource_version:
        try:
            if int(resource_version) < 0:
                raise ValueError
        except ValueError:
            raise errors.bad_request(f'invalid resource version "{resource_version}"') from None


def _closed(request: web.BaseRequest) -> bool:
    transport = request.transport
    return transport is None or transport.is_closing()


class _Stream:
    """Writes events to a prepared response in the negotiated form."""

    def __init__(self, api, resp: web.StreamResponse, rr: ResourceRequest,
                 target: negotiate.Target, include_object: str):
        self.api, self.resp, self.rr = api, resp, rr
        self.target, self.include_object = target, include_object
        self.first = True
        self.sent = 0

    async def event(self, ev: dict) -> None:
        kind, obj = self.rr.kind, ev["object"]
        if ev["type"] == "ERROR":
            pass
        elif ev["type"] == "BOOKMARK":
            obj = self._bookmark(obj)
        else:
            obj = negotiate.render_object(self.target, kind, obj, self.api.now(),
                                          self.include_object, self.first)
            self.first = False
        await self.resp.write(negotiate.dumps({"type": ev["type"], "object": obj}) + b"\n")
        self.sent += 1

    def _bookmark(self, obj: dict) -> dict:
        if self.target.form == "table" and negotiate.tables_available():
            table = {"kind": "Table", "apiVersion": f"meta.k8s.io/{self.target.version}",
                     "metadata": {"resourceVersion": obj["metadata"]["resourceVersion"]},
                     "columnDefinitions": [], "rows": []}
            return table
        if self.target.form == "partial":
            return {"kind": "PartialObjectMetadata",
                    "apiVersion": f"meta.k8s.io/{self.target.version}",
                    "metadata": obj["metadata"]}
        return obj

    async def bookmark(self, rv: str, initial_end: bool = False) -> None:
        meta: dict = {"resourceVersion": rv}
        if initial_end:
            meta["annotations"] = {INITIAL_EVENTS_END: "true"}
        kind = self.rr.kind
        group = f"{kind.group}/" if kind.group else ""
        await self.event({"type": "BOOKMARK", "object": {
            "kind": kind.kind, "apiVersion": f"{group}{self.rr.version}", "metadata": meta}})


async def serve(api, request: web.Request, rr: ResourceRequest, target: negotiate.Target,
                include_object: str) -> web.StreamResponse:
    q = request.query
    label_selector = q.get("labelSelector") or None
    field_selector = q.get("fieldSelector") or None
    if rr.name:
        by_name = f"metadata.name={rr.name}"
        field_selector = f"{by_name},{field_selector}" if field_selector else by_name
    rv = q.get("resourceVersion") or None
    allow_bookmarks = bool(bool_param(q, "allowWatchBookmarks"))
    send_initial = bool_param(q, "sendInitialEvents")
    timeout = int_param(q, "timeoutSeconds")
    _check(rr, label_selector, field_selector, rv)
    if send_initial is not None:
        causes = []
        if q.get("resourceVersionMatch") != "NotOlderThan":
            causes.append(errors.Cause("resourceVersionMatch", "Forbidden: sendInitialEvents "
                                       "requires setting resourceVersionMatch to NotOlderThan",
                                       "FieldValueForbidden"))
        if send_initial and not allow_bookmarks:
            causes.append(errors.Cause("allowWatchBookmarks", "Required value: "
                                       "sendInitialEvents requires allowWatchBookmarks=true",
                                       "FieldValueRequired"))
        if causes:
            raise errors.invalid("ListOptions", "", causes, "meta.k8s.io")
    settings = api.settings
    if timeout is None or timeout <= 0:
        timeout = random.uniform(settings.min_request_timeout, 2 * settings.min_request_timeout)
    namespace = rr.namespace
    poll_rv = rv
    initial_end = False
    if send_initial:
        poll_rv, initial_end = None, True
    elif send_initial is False and rv in (None, "0"):
        request[REACHED] = True
        head = await api.registry.list(rr.kind, namespace, limit=1, version=rr.version)
        poll_rv = head["metadata"]["resourceVersion"]

    resp = web.StreamResponse(status=200)
    resp.content_type = negotiate.JSON
    resp.enable_chunked_encoding()
    api.count("WATCH", rr.kind, "", namespace is not None, 200)
    request[REACHED] = True
    await resp.prepare(request)
    stream = _Stream(api, resp, rr, target, include_object)

    def poll(from_rv, wait):
        return api.registry.watch(rr.kind, namespace, resource_version=from_rv, timeout=wait,
                                  label_selector=label_selector, field_selector=field_selector,
                                  allow_bookmarks=allow_bookmarks, version=rr.version)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    last_bookmark = loop.time()
    timed_out = False
    try:
        while True:
            remaining = deadline - loop.time()
            if remaining <= 0:
                timed_out = True
                break
            if _closed(request):
                break
            try:
                batch = await poll(poll_rv, min(remaining, settings.watch_poll_seconds))
                if not batch["events"] and poll_rv and batch["resourceVersion"] != poll_rv:
                    # An idle poll's resourceVersion can run ahead of what it
                    # scanned (the cache may grow between its wait timing out
                    # and its answer); a non-waiting poll answers consistently.
                    batch = await poll(poll_rv, 0.0)
            except errors.ApiError as exc:
                await stream.event({"type": "ERROR", "object": exc.status})
                break
            for ev in batch["events"]:
                await stream.event(ev)
            poll_rv = batch["resourceVersion"]
            if initial_end:
                await stream.bookmark(poll_rv, initial_end=True)
                initial_end = False
                last_bookmark = loop.time()
            elif batch["events"]:
                last_bookmark = loop.time()
            elif allow_bookmarks and loop.time() - last_bookmark >= settings.bookmark_interval:
                await stream.bookmark(poll_rv)
                last_bookmark = loop.time()
        if timed_out and allow_bookmarks and poll_rv:
            await stream.bookmark(poll_rv)
        await resp.write_eof()
    except (ConnectionError, RuntimeError) as exc:
        # The client went away mid-write (aiohttp raises ConnectionResetError,
        # or RuntimeError once the transport is gone): nothing left to answer.
        log.debug("watch stream for %s ended: %s", rr.kind.plural, exc)
    except Exception:  # noqa: BLE001 - the stream has started; report in-stream
        log.exception("watch stream for %s failed", rr.kind.plural)
        try:
            await stream.event({"type": "ERROR", "object": errors.internal(
                "an error on the server has prevented the watch from continuing").status})
            await resp.write_eof()
        except Exception:  # noqa: BLE001 - the client is gone too
            pass
    return resp
