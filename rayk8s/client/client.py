"""The Python API: one client for users and for components.

:class:`Client` is synchronous (scripts, notebooks, tests); :class:`AsyncClient`
has the same verbs as coroutines (components running in async actors, and
the informers of ``rayk8s.machinery``).  Both sit on a transport (see
transport.py) and raise :class:`rayk8s.api.errors.ApiError` on failure.

Resource names may be spelled as kubectl accepts them: plural (``pods``),
singular, Kind (``Pod``), short name (``po``) or group-qualified
(``deployments.apps``).  Namespaced calls default to ``namespace="default"``,
as kubectl does; ``list`` and ``watch`` take ``all_namespaces=True`` for every
namespace.  The AsyncClient's ``list_object``/``watch_batch`` (the informer's
contract) take ``namespace=None`` as every namespace instead.
"""

from __future__ import annotations

import time
from typing import Any, AsyncIterator, Iterable, Iterator

from ..api import dns, errors, kinds
from .manifests import documents
from .transport import Transport


def _key_of(obj: dict) -> str:
    meta = obj.get("metadata") or {}
    return f'{meta.get("namespace") or ""}/{meta.get("name", "")}'


def _resource_of(obj: dict) -> str:
    return kinds.REGISTRY.for_gvk(obj.get("apiVersion", ""), obj.get("kind", "")).plural


def _ns(resource: str, namespace: str | None, all_namespaces: bool = False) -> str | None:
    if all_namespaces:
        return None
    kind = kinds.REGISTRY.lookup(resource)
    return (namespace or "default") if kind.namespaced else None


def _obj_ns(obj: dict, namespace: str | None) -> str | None:
    return namespace or (obj.get("metadata") or {}).get("namespace")


class Client:
    """Synchronous client.  ``kube.get("deployments", "web")`` and friends."""

    def __init__(self, transport: Transport):
        self.transport = transport

    # -- reads
    def get(self, resource: str, name: str, namespace: str | None = None,
            subresource: str = "") -> dict:
        return self.transport.call("get", resource, name, _ns(resource, namespace),
                                   subresource=subresource)

    def list_object(self, resource: str, namespace: str | None = None, *,
                    all_namespaces: bool = False, label_selector: str | None = None,
                    field_selector: str | None = None, limit: int = 0,
                    continue_: str | None = None, resource_version: str | None = None) -> dict:
        """The whole ``<Kind>List`` (with ``metadata.resourceVersion`` and ``continue``)."""
        return self.transport.call("list", resource, _ns(resource, namespace, all_namespaces),
                                   label_selector=label_selector, field_selector=field_selector,
                                   limit=limit, continue_=continue_,
                                   resource_version=resource_version)

    def list(self, resource: str, namespace: str | None = None, *,
             all_namespaces: bool = False, label_selector: str | None = None,
             field_selector: str | None = None) -> list[dict]:
        """Every matching object (all pages)."""
        return self.list_object(resource, namespace, all_namespaces=all_namespaces,
                                label_selector=label_selector,
                                field_selector=field_selector)["items"]

    # -- writes
    def create(self, obj: dict, namespace: str | None = None, *, dry_run: bool = False) -> dict:
        resource = _resource_of(obj)
        return self.transport.call("create", resource, obj, _obj_ns(obj, namespace),
                                   dry_run=dry_run)

    def update(self, obj: dict, namespace: str | None = None, *, subresource: str = "",
               dry_run: bool = False) -> dict:
        """Replace; the object's ``resourceVersion``, if set, must be current (else 409)."""
        resource = _resource_of(obj)
        return self.transport.call("update", resource, obj, _obj_ns(obj, namespace),
                                   subresource=subresource, dry_run=dry_run)

    def update_status(self, obj: dict, namespace: str | None = None) -> dict:
        return self.update(obj, namespace, subresource="status")

    def patch(self, resource: str, name: str, patch: Any, namespace: str | None = None, *,
              patch_type: str = "merge", subresource: str = "", dry_run: bool = False,
              field_manager: str | None = None) -> dict:
        """``patch_type``: "merge" (RFC 7386), "strategic", "json" (RFC 6902) or "apply"."""
        return self.transport.call("patch", resource, name, patch, _ns(resource, namespace),
                                   patch_type=patch_type, subresource=subresource,
                                   dry_run=dry_run, field_manager=field_manager)

    def delete(self, resource: str, name: str, namespace: str | None = None, *,
               grace_period_seconds: int | None = None,
               propagation_policy: str | None = None, preconditions: dict | None = None,
               dry_run: bool = False) -> dict:
        return self.transport.call("delete", resource, name, _ns(resource, namespace),
                                   grace_period_seconds=grace_period_seconds,
                                   propagation_policy=propagation_policy,
                                   preconditions=preconditions, dry_run=dry_run)

    def delete_collection(self, resource: str, namespace: str | None = None, *,
                          label_selector: str | None = None,
                          field_selector: str | None = None,
                          propagation_policy: str | None = None) -> dict:
        return self.transport.call("delete_collection", resource, _ns(resource, namespace),
                                   label_selector=label_selector, field_selector=field_selector,
                                   propagation_policy=propagation_policy)

    def scale(self, resource: str, name: str, replicas: int,
              namespace: str | None = None) -> dict:
        """Set ``spec.replicas`` through the ``scale`` subresource; returns the Scale."""
        return self.patch(resource, name, {"spec": {"replicas": replicas}}, namespace,
                          subresource="scale")

    # -- inside pods
    def exec(self, pod: str, command: str | list[str], container: str | None = None,
             namespace: str = "default", stdin: bytes | str | None = None) -> str:
        """What ``command`` prints (stdout, then stderr) when exec'd in ``pod``, as
        ``kubectl exec`` runs it: played inside the container (env, files, the cluster
        DNS, ``curl``/``wget`` through the emulated network).  A list is the argv, as
        ``kubectl exec POD -- argv...`` sends it; a string is a shell command line, run
        as ``["sh", "-c", command]`` (pipes, ``&&``, ``$VAR`` work).
        A non-zero exit raises :class:`~rayk8s.api.errors.ExecError` (``exit_code``,
        ``stdout``, ``stderr``); a command that cannot run at all (no such pod or
        container, not running) an ApiError."""
        argv = ["sh", "-c", command] if isinstance(command, str) else [str(a) for a in command]
        data = stdin.encode() if isinstance(stdin, str) else stdin
        out, err, code = self.transport.call("exec", namespace, pod, argv, container, data)
        out, err = out.decode("utf-8", "replace"), err.decode("utf-8", "replace")
        if code:
            raise errors.ExecError(code, out, err)
        return out + err

    def lookup(self, name: str, namespace: str = "default") -> dns.Answer | None:
        """The cluster DNS answer for ``name`` as a pod in ``namespace`` would get it
        (search list and ``ndots:5`` applied): the fully qualified name, its addresses
        (the ClusterIP; a headless Service's ready pod IPs) and, for an ExternalName
        Service, the CNAME.  None: no such name (NXDOMAIN)."""
        services = {_key_of(s): s for s in self.list("services", all_namespaces=True)}
        slices = {_key_of(s): s for s in self.list("endpointslices", all_namespaces=True)}
        return dns.ClusterDNS(services, slices).resolve(name, namespace)

    def resolve(self, name: str, namespace: str = "default") -> list[str]:
        """The addresses ``name`` resolves to in the cluster DNS (see :meth:`lookup`);
        raises LookupError when the name does not exist."""
        answer = self.lookup(name, namespace)
        if answer is None:
            raise LookupError(f"{name}: NXDOMAIN (no such name in the cluster DNS)")
        return list(answer.addresses)

    def apply(self, manifest: str | dict | Iterable[dict], namespace: str | None = None, *,
              field_manager: str = "rayk8s", dry_run: bool = False) -> list[dict]:
        """Create or update every document of ``manifest`` (YAML text, a dict or dicts).

        Each object is applied server-side: created when absent, else its fields
        are merged into the live object (strategic merge).  Returns the stored
        objects, in document order.
        """
        out = []
        for doc in documents(manifest):
            name = (doc.get("metadata") or {}).get("name")
            if not name:
                out.append(self.create(doc, namespace, dry_run=dry_run))
                continue
            out.append(self.transport.call(
                "patch", _resource_of(doc), name, doc, _obj_ns(doc, namespace) or
                (namespace or "default"), patch_type="apply", field_manager=field_manager,
                dry_run=dry_run))
        return out

    def delete_manifest(self, manifest: str | dict | Iterable[dict],
                        namespace: str | None = None) -> list[dict]:
        """Delete every object of ``manifest`` (like ``kubectl delete -f``)."""
        return [self.delete(_resource_of(doc), doc["metadata"]["name"], _obj_ns(doc, namespace))
                for doc in documents(manifest)]

    # -- watch
    def watch_batch(self, resource: str, namespace: str | None = None, *,
                    resource_version: str | None = None, timeout: float = 30.0,
                    label_selector: str | None = None, field_selector: str | None = None,
                    all_namespaces: bool = False) -> dict:
        """One long-poll: ``{"events": [...], "resourceVersion": rv}``."""
        return self.transport.call("watch", resource, _ns(resource, namespace, all_namespaces),
                                   resource_version=resource_version, timeout=timeout,
                                   label_selector=label_selector, field_selector=field_selector)

    def watch(self, resource: str, namespace: str | None = None, *,
              resource_version: str | None = None, timeout: float = 30.0,
              label_selector: str | None = None, field_selector: str | None = None,
              all_namespaces: bool = False) -> Iterator[dict]:
        """Yield ``{"type", "object"}`` events for ``timeout`` seconds.

        From ``resource_version`` (exclusive) when given; otherwise the current
        objects come first as ADDED events, as with ``kubectl get -w``.
        """
        deadline = time.monotonic() + timeout
        rv = resource_version
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return
            batch = self.watch_batch(resource, namespace, resource_version=rv, timeout=left,
                                     label_selector=label_selector,
                                     field_selector=field_selector,
                                     all_namespaces=all_namespaces)
            rv = batch["resourceVersion"]
            yield from batch["events"]

    def close(self) -> None:
        self.transport.close()


class AsyncClient:
    """The same verbs as :class:`Client`, as coroutines (for components)."""

    def __init__(self, transport: Transport):
        self.transport = transport

    async def get(self, resource: str, name: str, namespace: str | None = None,
                  subresource: str = "") -> dict:
        return await self.transport.acall("get", resource, name, _ns(resource, namespace),
                                          subresource=subresource)

    async def list_object(self, resource: str, namespace: str | None = None,
                          label_selector: str | None = None, field_selector: str | None = None,
                          *, limit: int = 0, continue_: str | None = None,
                          resource_version: str | None = None) -> dict:
        """``namespace=None`` lists every namespace (the informer's default)."""
        return await self.transport.acall("list", resource, namespace,
                                          label_selector=label_selector,
                                          field_selector=field_selector, limit=limit,
                                          continue_=continue_,
                                          resource_version=resource_version)

    async def list(self, resource: str, namespace: str | None = None, **kw: Any) -> list[dict]:
        return (await self.list_object(resource, namespace, **kw))["items"]

    async def create(self, obj: dict, namespace: str | None = None, *,
                     subresource: str = "", name: str | None = None) -> dict:
        return await self.transport.acall("create", _resource_of(obj), obj,
                                          _obj_ns(obj, namespace), subresource=subresource,
                                          name=name)

    async def create_sub(self, resource: str, name: str, subresource: str, body: dict,
                         namespace: str | None = None) -> dict:
        """POST to a subresource (``pods/binding``, ``pods/eviction``)."""
        return await self.transport.acall("create", resource, body, _ns(resource, namespace),
                                          name=name, subresource=subresource)

    async def update(self, obj: dict, namespace: str | None = None, *,
                     subresource: str = "") -> dict:
        return await self.transport.acall("update", _resource_of(obj), obj,
                                          _obj_ns(obj, namespace), subresource=subresource)

    async def update_status(self, obj: dict, namespace: str | None = None) -> dict:
        return await self.update(obj, namespace, subresource="status")

    async def patch(self, resource: str, name: str, patch: Any, namespace: str | None = None,
                    *, patch_type: str = "merge", subresource: str = "") -> dict:
        return await self.transport.acall("patch", resource, name, patch,
                                          _ns(resource, namespace), patch_type=patch_type,
                                          subresource=subresource)

    async def delete(self, resource: str, name: str, namespace: str | None = None, *,
                     grace_period_seconds: int | None = None,
                     propagation_policy: str | None = None,
                     preconditions: dict | None = None) -> dict:
        return await self.transport.acall("delete", resource, name, _ns(resource, namespace),
                                          grace_period_seconds=grace_period_seconds,
                                          propagation_policy=propagation_policy,
                                          preconditions=preconditions)

    async def scale(self, resource: str, name: str, replicas: int,
                    namespace: str | None = None) -> dict:
        return await self.patch(resource, name, {"spec": {"replicas": replicas}}, namespace,
                                subresource="scale")

    async def watch_batch(self, resource: str, namespace: str | None = None,
                          resource_version: str | None = None, timeout: float = 30.0,
                          label_selector: str | None = None,
                          field_selector: str | None = None,
                          allow_bookmarks: bool = True) -> list[dict]:
        """One long-poll as a list of events (the informer's contract).

        With ``allow_bookmarks`` a trailing BOOKMARK event carries the
        resourceVersion the poll reached, so a watcher whose selector filtered
        everything out still moves forward.
        """
        batch = await self.transport.acall("watch", resource, namespace,
                                           resource_version=resource_version, timeout=timeout,
                                           label_selector=label_selector,
                                           field_selector=field_selector)
        events = batch["events"]
        if allow_bookmarks:
            events.append({"type": "BOOKMARK", "object": {
                "metadata": {"resourceVersion": batch["resourceVersion"]}}})
        return events

    async def watch(self, resource: str, namespace: str | None = None, *,
                    resource_version: str | None = None, timeout: float = 30.0,
                    label_selector: str | None = None,
                    field_selector: str | None = None) -> AsyncIterator[dict]:
        import asyncio
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        rv = resource_version
        while (left := deadline - loop.time()) > 0:
            batch = await self.transport.acall("watch", resource, namespace,
                                               resource_version=rv, timeout=left,
                                               label_selector=label_selector,
                                               field_selector=field_selector)
            rv = batch["resourceVersion"]
            for ev in batch["events"]:
                yield ev
