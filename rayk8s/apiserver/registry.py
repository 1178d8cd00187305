"""The registry: CRUD, watch and subresources for every kind, over the store.

This is kube-apiserver's generic registry plus the bits of its handlers that
give each verb its Kubernetes meaning.  It is pure asyncio over a store with
the :class:`rayk8s.store.aio.AsyncStore` interface (in-process, or an etcd
actor behind an adapter); it knows nothing of Ray or HTTP.

Conventions
- Objects travel as dicts in their Kubernetes JSON shape; ``resourceVersion``
  is the store's ``mod_revision`` of the key, as a string.
- Keys are ``/registry/<group-resource>/<namespace>/<name>`` (cluster-scoped:
  no namespace part), so one prefix range lists a namespace or a kind.
- Optimistic concurrency: every write is a store transaction that compares
  the key's mod_revision with the one read (or the client's resourceVersion),
  so a lost race is a 409 Conflict, never a lost update.
- Each public method takes a resource name in any spelling kubectl accepts
  (``deployments``, ``deploy``, ``Deployment``) and an optional ``version``
  (the API version the caller speaks; objects are stored in the kind's
  storage version and converted on the way in and out).
- Returned objects are fresh dicts the caller owns, except that the watch
  path shares decoded objects between watchers (see watchcache.py).
"""

from __future__ import annotations

import asyncio
import copy
import json
import logging
import uuid
from typing import Any

from .. import clock as clockmod
from ..api import conversion, defaults, errors, fields, kinds, names, patches, selectors, validation
from ..api.kinds import Kind
from ..store import contract
from . import admission, allocators, deletion, listing, strategy, watch
from .metrics import ApiserverMetrics
from .watchcache import WatchCache, decode, encode

log = logging.getLogger(__name__)

PREFIX = "/registry/"
# etcd's default request size limit; kube-apiserver answers 413 past it.
MAX_OBJECT_BYTES = 1_572_864
_GENERATE_NAME_TRIES = 8
_PATCH_RETRIES = 16


class Registry:
    def __init__(self, store, clock: clockmod.Clock | None = None,
                 metrics: ApiserverMetrics | None = None,
                 max_object_bytes: int = MAX_OBJECT_BYTES,
                 watch_cache_capacity: int = 50_000,
                 service_cidr: str = allocators.DEFAULT_SERVICE_CIDR,
                 node_port_range: str = allocators.DEFAULT_NODE_PORT_RANGE):
        self.store = store
        self.clock = clock or clockmod.RealClock()
        self.kinds = kinds.REGISTRY
        self.metrics = metrics or ApiserverMetrics()
        self.max_object_bytes = max_object_bytes
        self.cache = WatchCache(0, watch_cache_capacity)
        self._watch_cache_capacity = watch_cache_capacity
        self._feed: asyncio.Task | None = None
        self._namespaces: dict[str, dict] = {}
        self._counts: dict[str, int] = {}
        self._by_prefix: dict[str, Kind] = {}
        # ClusterIP and NodePort allocation (kube-apiserver's service REST storage).
        self.services = allocators.ServiceAllocators(service_cidr, node_port_range)

    # ----------------------------------------------------------------- life

    async def start(self) -> None:
        """Load the state the caches need, start the watch feed, ensure system namespaces."""
        head = await self.store.range(PREFIX, limit=1)
        self.cache = WatchCache(head.revision, self._watch_cache_capacity)
        for kind in self.kinds.all():
            res = await self.store.range(kind.key_prefix, limit=1)
            self._counts[kind.key_prefix] = res.count
            self.metrics.storage_objects.labels(resource=kind.group_resource).set(res.count)
        ns_kind = self.kinds.lookup("namespaces")
        for kv in (await self.store.range(ns_kind.key_prefix)).kvs:
            obj = decode(kv.value, kv.mod_revision)
            self._namespaces[obj["metadata"]["name"]] = obj
        self._feed = asyncio.get_running_loop().create_task(self._run_feed())
        for ns in admission.DEFAULT_NAMESPACES:
            try:
                await self.create("namespaces", {"metadata": {"name": ns}})
            except errors.ApiError as exc:
                if exc.code != 409:
                    raise
        services = self.kinds.lookup("services")
        await self.services.repair(self.store, services.key_prefix)
        if await self.store.get(self.key(services, "default", "kubernetes")) is None:
            try:
                await self.create(services, self.services.kubernetes_service())
            except errors.ApiError as exc:
                if exc.code not in (409, 422):
                    raise
                log.warning("could not create the kubernetes Service: %s", exc)

    async def stop(self) -> None:
        feed, self._feed = self._feed, None
        while feed is not None and not feed.done():
            # Cancel until it takes: Python 3.11's asyncio.wait_for drops a cancel
            # that arrives as the store wakes the feed (a commit from another thread).
            feed.cancel()
            await asyncio.wait({feed}, timeout=0.1)
        if feed is not None and not feed.cancelled():
            feed.exception()   # retrieved: shutting down

    async def _run_feed(self) -> None:
        """Follow the store under /registry/ into the watch cache (one watch for all)."""
        while True:
            try:
                evs = await self.store.wait_events(PREFIX, self.cache.revision + 1, 5.0)
            except contract.Compacted as exc:
                log.warning("watch cache fell behind compaction: %s", exc)
                self.cache.reset(exc.compact_revision)
                continue
            except asyncio.CancelledError:
                raise
            except Exception:  # noqa: BLE001 - keep feeding; the store may come back
                log.exception("watch cache feed failed; retrying")
                await asyncio.sleep(0.5)
                continue
            if evs:
                self._observe(evs)
                self.cache.append(evs)
                self.metrics.cache_revision.set(self.cache.revision)

    def _observe(self, evs: list[contract.Event]) -> None:
        """Keep the namespace cache and object counts current from the feed."""
        ns_prefix = self.kinds.lookup("namespaces").key_prefix
        for ev in evs:
            prefix = ev.kv.key[:ev.kv.key.index("/", len(PREFIX)) + 1]
            created = ev.type == contract.EventType.PUT and ev.prev_kv is None
            deleted = ev.type == contract.EventType.DELETE
            if created or deleted:
                self._counts[prefix] = self._counts.get(prefix, 0) + (1 if created else -1)
                kind = self._kind_for_prefix(prefix)
                if kind is not None:
                    self.metrics.storage_objects.labels(
                        resource=kind.group_resource).set(self._counts[prefix])
            if prefix == ns_prefix:
                name = ev.kv.key[len(ns_prefix):]
                if deleted:
                    self._namespaces.pop(name, None)
                else:
                    self._namespaces[name] = decode(ev.kv.value, ev.kv.mod_revision)

    def _kind_for_prefix(self, prefix: str) -> Kind | None:
        if not self._by_prefix:
            self._by_prefix = {k.key_prefix: k for k in self.kinds.all()}
        return self._by_prefix.get(prefix)

    # -------------------------------------------------------------- helpers

    def kind(self, resource: str | Kind) -> Kind:
        return resource if isinstance(resource, Kind) else self.kinds.lookup(resource)

    def _namespace(self, kind: Kind, namespace: str | None, obj: dict | None = None) -> str:
        if not kind.namespaced:
            return ""
        meta_ns = ((obj or {}).get("metadata") or {}).get("namespace")
        if namespace and meta_ns and meta_ns != namespace:
            raise errors.bad_request("the namespace of the provided object does not match "
                                     "the namespace sent on the request")
        return namespace or meta_ns or "default"

    @staticmethod
    def key(kind: Kind, namespace: str, name: str) -> str:
        return f"{kind.key_prefix}{namespace}/{name}" if kind.namespaced else f"{kind.key_prefix}{name}"

    def _now(self) -> str:
        return clockmod.rfc3339(self.clock.now())

    def _to_storage(self, kind: Kind, obj: dict) -> dict:
        api_version = obj.get("apiVersion") or kind.api_version
        if obj.get("kind") and obj["kind"] != kind.kind:
            raise errors.bad_request(f'the kind in the data ({obj["kind"]}) does not match '
                                     f'the expected kind ({kind.kind})')
        served = {kind.api_version} | {
            f"{kind.group}/{v}" if kind.group else v for v in kind.other_versions}
        if api_version not in served:
            raise errors.bad_request(f"the API version in the data ({api_version}) does not "
                                     f"match the expected API version ({kind.api_version})")
        obj = dict(obj, kind=kind.kind, apiVersion=api_version)
        if api_version != kind.api_version:
            obj = conversion.convert(obj, kind.api_version)
        return obj

    def _out(self, kind: Kind, obj: dict, version: str | None) -> dict:
        obj = dict(obj, kind=kind.kind, apiVersion=kind.api_version)
        if version:
            target = f"{kind.group}/{version}" if kind.group else version
            if target != kind.api_version:
                obj = conversion.convert(obj, target)
        return obj

    def _encode_checked(self, obj: dict) -> bytes:
        raw = encode(obj)
        if len(raw) > self.max_object_bytes:
            raise errors.too_large(f"Request entity too large: limit is {self.max_object_bytes}")
        return raw

    def _validate(self, kind: Kind, obj: dict, old: dict | None = None,
                  status_only: bool = False) -> None:
        if status_only:
            causes = validation.validate_status(kind, obj, old)
        else:
            causes = validation.validate(kind, obj, old)
        if causes:
            name = (obj.get("metadata") or {}).get("name") or \
                (obj.get("metadata") or {}).get("generateName", "")
            raise errors.invalid(kind.kind, name, causes, kind.group)

    async def _read(self, kind: Kind, namespace: str, name: str) -> tuple[dict, int]:
        kv = await self.store.get(self.key(kind, namespace, name))
        if kv is None:
            raise errors.not_found(kind.group_resource, name)
        return decode(kv.value, kv.mod_revision), kv.mod_revision

    async def _namespace_object(self, namespace: str) -> dict | None:
        obj = self._namespaces.get(namespace)
        if obj is None:
            kv = await self.store.get(self.key(self.kinds.lookup("namespaces"), "", namespace))
            obj = decode(kv.value, kv.mod_revision) if kv else None
        return obj

    async def _ingress_classes(self) -> list[dict]:
        """Every stored IngressClass (the DefaultIngressClass plugin's lister)."""
        kvs = (await self.store.range(self.kinds.lookup("ingressclasses").key_prefix)).kvs
        return [decode(kv.value, kv.mod_revision) for kv in kvs]

    # --------------------------------------------------------------- create

    async def create(self, resource: str | Kind, obj: dict, namespace: str | None = None, *,
                     name: str | None = None, subresource: str = "", dry_run: bool = False,
                     field_manager: str | None = None, version: str | None = None) -> dict:
        kind = self.kind(resource)
        if not isinstance(obj, dict):
            raise errors.bad_request("the body of the request must be a JSON object")
        with self.metrics.request("POST", kind, subresource, bool(namespace), dry_run):
            if subresource:
                return await self._create_subresource(kind, namespace or "default", name or "",
                                                      subresource, obj, dry_run)
            return await self._create(kind, obj, namespace, dry_run, version)

    async def _create(self, kind: Kind, obj: dict, namespace: str | None, dry_run: bool,
                      version: str | None) -> dict:
        obj = self._to_storage(kind, obj)
        ns = self._namespace(kind, namespace, obj)
        meta = obj.get("metadata")
        if meta is not None and not isinstance(meta, dict):
            raise errors.bad_request("metadata must be an object")
        meta = dict(meta or {})
        if ns:
            meta["namespace"] = ns
        else:
            meta.pop("namespace", None)
        obj = dict(obj, metadata=meta)
        generate = not meta.get("name") and meta.get("generateName")
        for _ in range(_GENERATE_NAME_TRIES if generate else 1):
            if generate:
                meta["name"] = names.generate_name(meta["generateName"])
            try:
                return self._out(kind, await self._create_once(kind, obj, ns, dry_run), version)
            except errors.ApiError as exc:
                if not (generate and exc.reason == "AlreadyExists"):
                    raise
        raise errors.ApiError(errors.status(
            500, "ServerTimeout", "could not generate a unique name; try again"))

    async def _create_once(self, kind: Kind, obj: dict, ns: str, dry_run: bool) -> dict:
        obj = strategy.prepare_create(kind, obj, str(uuid.uuid4()), self._now())
        obj = defaults.apply_defaults(kind, obj)
        if kind.kind == "Pod":
            obj = admission.admit_pod(obj)
        elif kind.kind == "Ingress":
            obj = admission.admit_ingress(obj, await self._ingress_classes())
        self._validate(kind, obj)
        name = obj["metadata"]["name"]
        if ns:
            admission.check_namespace_for_create(await self._namespace_object(ns), ns,
                                                 kind.group_resource, name)
        key = self.key(kind, ns, name)
        if dry_run:
            self._encode_checked(obj)
            if await self.store.get(key) is not None:
                raise errors.already_exists(kind.group_resource, name)
            return self._dry_run_allocation(kind, obj, None)
        written = await self._txn(kind, contract.Compare(key, contract.Target.CREATE, "=", 0),
                                  obj, None)
        if written is None:
            raise errors.already_exists(kind.group_resource, name)
        return written

    async def _create_subresource(self, kind: Kind, namespace: str, name: str, sub: str,
                                  body: dict, dry_run: bool) -> dict:
        if kind.kind == "Pod" and sub == "binding":
            return await self._bind(namespace, name or (body.get("metadata") or {}).get("name", ""),
                                    body, dry_run)
        if kind.kind == "Pod" and sub == "eviction":
            opts = body.get("deleteOptions") or {}
            await self.delete("pods", name, namespace,
                              grace_period_seconds=opts.get("gracePeriodSeconds"),
                              dry_run=dry_run)
            return errors.success_status()
        raise errors.method_not_allowed(
            f"the server does not allow this method on the requested resource "
            f"({kind.plural}/{sub})")

    async def _bind(self, namespace: str, name: str, binding: dict, dry_run: bool) -> dict:
        target = (binding.get("target") or {}).get("name")
        if not target:
            raise errors.invalid("Binding", name, [errors.Cause(
                "target.name", "Required value", "FieldValueRequired")])
        pods = self.kinds.lookup("pods")
        for _ in range(_PATCH_RETRIES):
            pod, rev = await self._read(pods, namespace, name)
            spec = pod.setdefault("spec", {})
            if spec.get("nodeName"):
                raise errors.conflict("pods", name,
                                      f'pod {name} is already assigned to node "{spec["nodeName"]}"')
            if (pod["metadata"]).get("deletionTimestamp"):
                raise errors.conflict("pods", name, f"pod {name} is being deleted, cannot be assigned to a host")
            spec["nodeName"] = target
            status = pod.setdefault("status", {})
            conds = [c for c in status.get("conditions") or [] if c.get("type") != "PodScheduled"]
            conds.append({"type": "PodScheduled", "status": "True", "lastProbeTime": None,
                          "lastTransitionTime": self._now()})
            status["conditions"] = conds
            if dry_run:
                break
            if await self._write(pods, pod, rev) is not None:
                break
        else:
            raise errors.stale_resource_version("pods", name)
        return errors.success_status()

    async def _write(self, kind: Kind, obj: dict, expected_rev: int,
                     old: dict | None = None) -> dict | None:
        """Store ``obj`` if its key is still at ``expected_rev``; None when it moved.

        ``old`` is the stored object (a Service's write needs it: see :meth:`_txn`).
        """
        meta = obj["metadata"]
        key = self.key(kind, meta.get("namespace", ""), meta["name"])
        return await self._txn(kind, contract.Compare(key, contract.Target.MOD, "=", expected_rev),
                               obj, old)

    async def _txn(self, kind: Kind, compare: contract.Compare, new: dict | None,
                   old: dict | None) -> dict | None:
        """Put ``new`` (None: delete) at ``compare``'s key if ``compare`` holds.

        Returns the object written (for a delete: ``old``) with its new
        resourceVersion, or None when ``compare`` failed.  A Service's write
        takes and frees its ClusterIP and node ports (``old`` -> ``new``) in the
        same transaction, so a clash with another writer is caught atomically.
        """
        for _ in range(allocators.ALLOCATION_TRIES):
            if kind.kind == "Service":
                alloc = self.services.plan(new, old)
            else:
                alloc = allocators.Allocation(new)
            try:
                op = (contract.Put(compare.key, self._encode_checked(alloc.obj))
                      if new is not None else contract.Delete(compare.key))
                res = await self.store.txn([compare, *alloc.compares()], [op, *alloc.ops()],
                                           [contract.Get(compare.key), *alloc.probes()])
            except BaseException:
                self.services.revert(alloc)
                raise
            if res.succeeded:
                self.services.commit(alloc)
                out = alloc.obj if new is not None else copy.deepcopy(old)
                out["metadata"]["resourceVersion"] = str(res.revision)
                return out
            self.services.revert(alloc)
            if not alloc.taken or not _holds(compare, res.responses[0]):
                return None
            self.services.clashed(alloc, res.responses[1:])  # a 422 if the client asked for it
        raise errors.internal("Internal error occurred: failed to allocate service IPs or "
                              "node ports: too many conflicting writers")

    def _dry_run_allocation(self, kind: Kind, new: dict, old: dict | None) -> dict:
        """``new`` as a write would store it, without taking anything."""
        if kind.kind != "Service":
            return new
        alloc = self.services.plan(new, old)
        self.services.revert(alloc)
        return alloc.obj

    # ------------------------------------------------------------------ get

    async def get(self, resource: str | Kind, name: str, namespace: str | None = None, *,
                  subresource: str = "", version: str | None = None) -> dict:
        kind = self.kind(resource)
        with self.metrics.request("GET", kind, subresource, bool(namespace)):
            obj, _ = await self._read(kind, self._namespace(kind, namespace), name)
            if subresource == "scale":
                self._require_scale(kind)
                return strategy.to_scale(kind, obj)
            if subresource not in ("", "status"):
                raise errors.method_not_allowed(f"{kind.plural}/{subresource} cannot be read here")
            return self._out(kind, obj, version)

    def _require_scale(self, kind: Kind) -> None:
        if not kind.has_scale:
            raise errors.not_found(f"{kind.group_resource}/scale", "")

    # ----------------------------------------------------------------- list

    async def list(self, resource: str | Kind, namespace: str | None = None, *,
                   label_selector: str | None = None, field_selector: str | None = None,
                   limit: int = 0, continue_: str | None = None,
                   resource_version: str | None = None,
                   resource_version_match: str | None = None,
                   version: str | None = None) -> dict:
        kind = self.kind(resource)
        with self.metrics.request("LIST", kind, "", bool(namespace)):
            return await self._list(kind, namespace, label_selector, field_selector,
                                    int(limit or 0), continue_, resource_version,
                                    resource_version_match, version)

    def _matcher(self, kind: Kind, label_selector, field_selector):
        lsel = selectors.parse(label_selector) if isinstance(label_selector, str) \
            else label_selector
        fsel = fields.parse(field_selector) if isinstance(field_selector, str) else field_selector
        if fsel is not None:
            fsel = fields.check_supported(kind.kind, fsel)
        if lsel is not None and lsel.empty:
            lsel = None
        if fsel is not None and not fsel.requirements:
            fsel = None

        def matches(obj: dict) -> bool:
            if lsel is not None and not lsel.matches((obj.get("metadata") or {}).get("labels")):
                return False
            return fsel is None or fsel.matches(fields.object_fields(obj))
        return matches, (lsel is None and fsel is None)

    async def _list(self, kind, namespace, label_selector, field_selector, limit, continue_,
                    resource_version, rv_match, version) -> dict:
        ns = namespace if kind.namespaced else None
        prefix = kind.key_prefix + (f"{ns}/" if ns else "")
        matches, everything = self._matcher(kind, label_selector, field_selector)
        start, revision = "", 0
        if continue_:
            start, revision = listing.decode_continue(continue_, prefix)
        elif resource_version and resource_version != "0" and rv_match == "Exact":
            revision = listing.parse_rv(resource_version)
        try:
            page = await listing.read_page(self.store, prefix, matches, everything, limit,
                                           start, revision)
        except contract.Compacted:
            raise errors.gone(listing.CONTINUE_EXPIRED) from None
        except contract.FutureRevision:
            raise errors.ApiError(errors.status(
                504, "Timeout", f"Too large resource version: {resource_version}, "
                f"current resource version: {self.cache.revision}")) from None
        out_version = version or kind.version
        list_meta: dict[str, Any] = {"resourceVersion": str(page.revision)}
        if page.more:
            list_meta["continue"] = listing.encode_continue(page.revision, page.next_key, prefix)
            if page.remaining is not None:
                list_meta["remainingItemCount"] = page.remaining
        api_version = f"{kind.group}/{out_version}" if kind.group else out_version
        return {"kind": kind.list_kind, "apiVersion": api_version, "metadata": list_meta,
                "items": [self._out(kind, obj, version) for obj in page.items]}

    # --------------------------------------------------------------- update

    async def update(self, resource: str | Kind, obj: dict, namespace: str | None = None, *,
                     name: str | None = None, subresource: str = "", dry_run: bool = False,
                     field_manager: str | None = None, version: str | None = None) -> dict:
        kind = self.kind(resource)
        if not isinstance(obj, dict):
            raise errors.bad_request("the body of the request must be a JSON object")
        with self.metrics.request("PUT", kind, subresource, bool(namespace), dry_run):
            ns = self._namespace(kind, namespace, obj)
            body_name = (obj.get("metadata") or {}).get("name")
            name = name or body_name
            if not name:
                raise errors.bad_request("name is required")
            if body_name and body_name != name:
                raise errors.bad_request(f"the name of the object ({body_name}) does not match "
                                         f"the name on the URL ({name})")
            old, rev = await self._read(kind, ns, name)
            client_rv = (obj.get("metadata") or {}).get("resourceVersion")
            if subresource == "scale":
                self._require_scale(kind)
                return await self._update_scale(kind, old, rev, obj, client_rv, dry_run)
            if client_rv and listing.parse_rv(client_rv) != rev:
                raise errors.stale_resource_version(kind.group_resource, name)
            obj = self._to_storage(kind, obj)
            if subresource not in ("", "status") and not (
                    subresource == "finalize" and kind.kind == "Namespace"):
                raise errors.method_not_allowed(f"{kind.plural}/{subresource} cannot be updated")
            out = await self._update_once(kind, old, rev, obj, subresource, dry_run)
            if out is None:
                raise errors.stale_resource_version(kind.group_resource, name)
            return self._out(kind, out, version)

    async def _update_once(self, kind: Kind, old: dict, rev: int, new: dict, subresource: str,
                           dry_run: bool) -> dict | None:
        """One optimistic write of ``new`` over ``old``@``rev``; None when ``rev`` is stale.

        ``subresource`` is "" (main resource), "status" (only status changes) or
        "finalize" (a namespace's spec.finalizers only).
        """
        status = subresource == "status"
        new = dict(new, metadata=dict(new.get("metadata") or {}))
        new["metadata"]["namespace"] = old["metadata"].get("namespace")
        if not kind.namespaced:
            new["metadata"].pop("namespace", None)
        if status:
            new = strategy.prepare_status_update(kind, new, old)
        elif subresource == "finalize":
            new = strategy.prepare_finalize_update(new, old)
        else:
            new = strategy.prepare_update(kind, new, old)
            new = defaults.apply_defaults(kind, new)
            if kind.kind == "Service":
                new = allocators.prepare_update(new, old)
        self._validate(kind, new, old, status_only=status)
        new["metadata"].pop("resourceVersion", None)
        old_cmp = dict(old, metadata={k: v for k, v in old["metadata"].items()
                                      if k != "resourceVersion"})
        if new == old_cmp:  # a no-op write does not move resourceVersion
            return old
        if dry_run:
            new = self._dry_run_allocation(kind, new, old)
            new["metadata"]["resourceVersion"] = str(rev)
            return new
        if deletion.finalized(kind, new):
            return await self._remove(kind, new, rev)
        return await self._write(kind, new, rev, old)

    async def _update_scale(self, kind: Kind, old: dict, rev: int, scale: dict,
                            client_rv: str | None, dry_run: bool) -> dict:
        name = old["metadata"]["name"]
        if client_rv and listing.parse_rv(client_rv) != rev:
            raise errors.stale_resource_version(kind.group_resource, name)
        replicas = (scale.get("spec") or {}).get("replicas")
        if not isinstance(replicas, int) or isinstance(replicas, bool) or replicas < 0:
            raise errors.invalid("Scale", name, [errors.Cause(
                "spec.replicas", f"Invalid value: {json.dumps(replicas)}: must be greater "
                "than or equal to 0")], "autoscaling")
        out = await self._update_once(kind, old, rev, strategy.from_scale(old, scale), "",
                                      dry_run)
        if out is None:
            raise errors.stale_resource_version(kind.group_resource, name)
        return strategy.to_scale(kind, out)

    # ---------------------------------------------------------------- patch

    async def patch(self, resource: str | Kind, name: str, patch: Any,
                    namespace: str | None = None, *, patch_type: str = "merge",
                    subresource: str = "", dry_run: bool = False,
                    field_manager: str | None = None, force: bool = False,
                    version: str | None = None) -> dict:
        kind = self.kind(resource)
        verb = "APPLY" if patch_type in ("apply", "application/apply-patch+yaml") else "PATCH"
        with self.metrics.request(verb, kind, subresource, bool(namespace), dry_run):
            ns = self._namespace(kind, namespace)
            for _ in range(_PATCH_RETRIES):
                try:
                    old, rev = await self._read(kind, ns, name)
                except errors.ApiError as exc:
                    if exc.code == 404 and verb == "APPLY" and not subresource:
                        applied = patches.apply_patch_type(None, patch, patch_type, kind.kind)
                        applied.setdefault("metadata", {})["name"] = name
                        return await self._create(kind, applied, ns or None, dry_run, version)
                    raise
                out = await self._patch_once(kind, old, rev, patch, patch_type, subresource,
                                             dry_run, version)
                if out is not None:
                    return out
            raise errors.stale_resource_version(kind.group_resource, name)

    async def _patch_once(self, kind, old, rev, patch, patch_type, subresource, dry_run,
                          version) -> dict | None:
        name = old["metadata"]["name"]
        if subresource == "scale":
            self._require_scale(kind)
            scale = patches.apply_patch_type(strategy.to_scale(kind, old), patch, patch_type,
                                             "Scale")
            try:
                return await self._update_scale(kind, old, rev, scale,
                                                (scale.get("metadata") or {}).get("resourceVersion")
                                                if _rv_in_patch(patch) else None, dry_run)
            except errors.ApiError as exc:
                if exc.reason == "Conflict" and not _rv_in_patch(patch):
                    return None
                raise
        if subresource not in ("", "status"):
            raise errors.method_not_allowed(f"{kind.plural}/{subresource} cannot be patched")
        current = self._out(kind, old, version)
        new = patches.apply_patch_type(current, patch, patch_type, kind.kind)
        if not isinstance(new, dict):
            raise errors.bad_request("the patch did not produce an object")
        new_meta = new.get("metadata") or {}
        if new_meta.get("name", name) != name:
            raise errors.invalid(kind.kind, name, [errors.Cause(
                "metadata.name", "field is immutable")], kind.group)
        client_rv = new_meta.get("resourceVersion")
        if client_rv and listing.parse_rv(client_rv) != rev:
            raise errors.stale_resource_version(kind.group_resource, name)
        new = self._to_storage(kind, new)
        return_value = await self._update_once(kind, old, rev, new, subresource, dry_run)
        return None if return_value is None else self._out(kind, return_value, version)

    # --------------------------------------------------------------- delete

    async def delete(self, resource: str | Kind, name: str, namespace: str | None = None, *,
                     grace_period_seconds: int | None = None,
                     propagation_policy: str | None = None,
                     preconditions: dict | None = None, dry_run: bool = False,
                     version: str | None = None) -> dict:
        kind = self.kind(resource)
        with self.metrics.request("DELETE", kind, "", bool(namespace), dry_run):
            if propagation_policy not in (None, "", "Background", "Foreground", "Orphan"):
                raise errors.invalid("DeleteOptions", "", [errors.Cause(
                    "propagationPolicy", f'Unsupported value: "{propagation_policy}": supported '
                    'values: "Foreground", "Background", "Orphan", "nil"',
                    "FieldValueNotSupported")], "meta.k8s.io")
            if grace_period_seconds is not None and grace_period_seconds < 0:
                grace_period_seconds = 0
            ns = self._namespace(kind, namespace)
            if kind.kind == "Namespace":
                admission.check_namespace_delete(name)
            for _ in range(_PATCH_RETRIES):
                old, rev = await self._read(kind, ns, name)
                deletion.check_preconditions(kind, old, rev, preconditions)
                out = await self._delete_once(kind, old, rev, grace_period_seconds,
                                              propagation_policy, dry_run)
                if out is not None:
                    return self._out(kind, out, version)
            raise errors.stale_resource_version(kind.group_resource, name)

    async def _delete_once(self, kind, old, rev, grace, policy, dry_run) -> dict | None:
        action, new = deletion.plan(kind, old, grace, policy, self.clock.now())
        if dry_run:
            return old if action == deletion.REMOVE else dict(
                new, metadata=dict(new["metadata"], resourceVersion=str(rev)))
        if action == deletion.REMOVE:
            return await self._remove(kind, old, rev)
        return await self._write(kind, new, rev, old)

    async def _remove(self, kind: Kind, obj: dict, rev: int) -> dict | None:
        meta = obj["metadata"]
        key = self.key(kind, meta.get("namespace", ""), meta["name"])
        return await self._txn(kind, contract.Compare(key, contract.Target.MOD, "=", rev),
                               None, obj)

    async def delete_collection(self, resource: str | Kind, namespace: str | None = None, *,
                                label_selector: str | None = None,
                                field_selector: str | None = None,
                                grace_period_seconds: int | None = None,
                                propagation_policy: str | None = None,
                                dry_run: bool = False) -> dict:
        kind = self.kind(resource)
        listed = await self.list(kind, namespace, label_selector=label_selector,
                                 field_selector=field_selector)
        deleted = []
        for obj in listed["items"]:
            meta = obj["metadata"]
            try:
                deleted.append(await self.delete(
                    kind, meta["name"], meta.get("namespace"),
                    grace_period_seconds=grace_period_seconds,
                    propagation_policy=propagation_policy, dry_run=dry_run))
            except errors.ApiError as exc:
                if exc.code != 404:
                    raise
        return dict(listed, items=deleted)

    # ---------------------------------------------------------------- watch

    async def watch(self, resource: str | Kind, namespace: str | None = None, *,
                    resource_version: str | None = None, timeout: float = 30.0,
                    label_selector: str | None = None, field_selector: str | None = None,
                    allow_bookmarks: bool = False, version: str | None = None) -> dict:
        """One long-poll of a watch: every matching event after ``resource_version``.

        Returns ``{"events": [{"type", "object"}...], "resourceVersion": rv}`` where
        ``rv`` is where the next poll continues from.  Waits up to ``timeout``
        wall seconds for a first event.  Without a resource version (or "0") the
        first poll answers the current objects as ADDED events, as kube-apiserver
        does.  A compacted resource version raises 410 Gone.
        """
        kind = self.kind(resource)
        ns = namespace if kind.namespaced else None
        prefix = kind.key_prefix + (f"{ns}/" if ns else "")
        matches, _ = self._matcher(kind, label_selector, field_selector)
        if not resource_version or resource_version == "0":
            listed = await self._list(kind, ns, label_selector, field_selector, 0, None,
                                      None, None, version)
            events = [{"type": "ADDED", "object": obj} for obj in listed["items"]]
            return {"events": events, "resourceVersion": listed["metadata"]["resourceVersion"]}
        after = listing.parse_rv(resource_version)
        self.metrics.longrunning.labels(verb="WATCH", group=kind.group, version=kind.version,
                                        resource=kind.plural, subresource="",
                                        scope="namespace" if ns else "cluster",
                                        component=self.metrics.component).inc()
        try:
            events, upto = await watch.poll(self.cache, self.store, prefix, after, timeout,
                                            matches, lambda obj: self._out(kind, obj, version))
            if events:
                self.metrics.watch_events.labels(group=kind.group, version=kind.version,
                                                 resource=kind.plural).inc(len(events))
            return {"events": events, "resourceVersion": str(upto)}
        finally:
            self.metrics.longrunning.labels(verb="WATCH", group=kind.group, version=kind.version,
                                            resource=kind.plural, subresource="",
                                            scope="namespace" if ns else "cluster",
                                            component=self.metrics.component).dec()

    # ---------------------------------------------------------------- misc

    def stats(self) -> dict[str, Any]:
        return {"watch_cache": self.cache.stats(),
                "objects": {k.group_resource: self._counts.get(k.key_prefix, 0)
                            for k in self.kinds.all()}}


def _holds(compare: contract.Compare, kv: contract.KeyValue | None) -> bool:
    """Whether ``compare`` (CREATE == 0 or MOD == rev) held for the key read as ``kv``."""
    if compare.target == contract.Target.CREATE:
        return (kv.create_revision if kv else 0) == compare.value
    return (kv.mod_revision if kv else 0) == compare.value


def _rv_in_patch(patch: Any) -> bool:
    return isinstance(patch, dict) and "resourceVersion" in (patch.get("metadata") or {})
