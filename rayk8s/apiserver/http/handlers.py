"""One coroutine per Kubernetes verb: HTTP request -> Registry call -> response.

Each handler reads the query parameters and body the way kube-apiserver's
generic handlers (``k8s.io/apiserver/pkg/endpoints/handlers``) read them,
calls the registry with ``version=`` the URL's version (so an
``autoscaling/v1`` request reads and writes v1 objects), and answers with
kube-apiserver's status codes:

- create 201 (dry run too), update/patch 200 (an apply patch that creates:
  201), get/list 200;
- delete 200 with the object for kinds whose storage returns it (pods,
  services, service accounts, namespaces) or for an object only marked for
  deletion (finalizers, grace period), else a ``Success`` Status naming it;
  202 only when ``orphanDependents=false`` was asked and the object is still
  there -- what the handler does, not "202 for every graceful delete";
- deletecollection 200 with the list of deleted objects;
- ``pods/binding`` and ``pods/eviction`` 201 with a Success Status.

Delete options come from the JSON body when there is one, else from the
query (``gracePeriodSeconds``, ``propagationPolicy``, ``orphanDependents``,
``dryRun``), as the real handler decodes them.

Metrics: the registry counts the calls it serves; requests refused here
before reaching it (a bad body, a bad parameter) are counted here, so
``apiserver_request_total`` sees every resource request with its code.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from ...api import errors
from ...api.kinds import Kind
from . import connect, fieldvalidation as fv, negotiate, watch
from .params import REACHED, bool_param, dry_run, int_param
from .paths import ResourceRequest

_RETURN_DELETED = frozenset({"Pod", "Service", "ServiceAccount", "Namespace"})
_PATCH_TYPES = {"application/json-patch+json": "json",
                "application/merge-patch+json": "merge",
                "application/strategic-merge-patch+json": "strategic",
                "application/apply-patch+yaml": "apply"}
_METRIC_VERBS = {"get": "GET", "list": "LIST", "watch": "WATCH", "create": "POST",
                 "update": "PUT", "patch": "PATCH", "delete": "DELETE",
                 "deletecollection": "DELETE"}


# ------------------------------------------------------------- helpers

def _api_version(kind: Kind, version: str) -> str:
    return f"{kind.group}/{version}" if kind.group else version


def _body_version(kind: Kind, obj: dict, url_version: str) -> str:
    """The version a body speaks: its apiVersion if ``kind`` serves it, else the URL's."""
    group, _, version = (obj.get("apiVersion") or "").rpartition("/")
    if group == kind.group and version in kind.served_versions:
        return version
    return url_version


def _typed(kind: Kind, obj: dict, version: str) -> dict:
    """The body with apiVersion/kind defaulted from the URL, as the decoder's
    default GVK does."""
    if obj.get("apiVersion") and obj.get("kind"):
        return obj
    out = dict(obj)
    out["apiVersion"] = obj.get("apiVersion") or _api_version(kind, version)
    out["kind"] = obj.get("kind") or kind.kind
    return out


async def read_body(request: web.BaseRequest) -> bytes:
    try:
        return await request.read()
    except web.HTTPRequestEntityTooLarge:
        raise errors.too_large(f"Request entity too large: limit is {negotiate.MAX_BODY_BYTES}")


def reached(request: web.BaseRequest) -> None:
    """Mark that the registry now counts this request in its metrics."""
    request[REACHED] = True


# ------------------------------------------------------------------ entry

async def handle(api, request: web.Request, rr: ResourceRequest) -> web.StreamResponse:
    try:
        return await _handle(api, request, rr)
    except errors.ApiError as exc:
        if not request.get(REACHED):
            api.count(_metric_verb(request, rr), rr.kind, rr.subresource,
                      rr.namespace is not None, exc.code)
        raise


def _metric_verb(request: web.BaseRequest, rr: ResourceRequest) -> str:
    if rr.subresource in connect.SUBRESOURCES:
        return "CONNECT"
    if rr.verb == "patch" and negotiate.media_type(request.content_type) == \
            "application/apply-patch+yaml":
        return "APPLY"
    return _METRIC_VERBS.get(rr.verb, rr.verb.upper())


async def _handle(api, request: web.Request, rr: ResourceRequest) -> web.StreamResponse:
    if rr.subresource in connect.SUBRESOURCES:
        return await connect.serve(api, request, rr)
    target = negotiate.parse_accept(request.headers.get("Accept"))
    include = negotiate.include_object_param(request.query.get("includeObject"))
    if rr.verb == "watch":
        return await watch.serve(api, request, rr, target, include)
    handler = _HANDLERS[rr.verb]
    return await handler(api, request, rr, target, include)


# ------------------------------------------------------------------- read

async def _get(api, request, rr, target, include):
    reached(request)
    obj = await api.registry.get(rr.kind, rr.name, rr.namespace, subresource=rr.subresource,
                                 version=rr.version)
    if rr.subresource == "scale":
        return negotiate.json_response(request, obj)
    return negotiate.json_response(
        request, negotiate.render_object(target, rr.kind, obj, api.now(), include))


async def _list(api, request, rr, target, include):
    q = request.query
    limit = int_param(q, "limit") or 0
    rv_match = q.get("resourceVersionMatch") or None
    if rv_match not in (None, "Exact", "NotOlderThan"):
        raise errors.invalid("ListOptions", "", [errors.Cause(
            "resourceVersionMatch", f'Unsupported value: "{rv_match}": supported values: '
            '"Exact", "NotOlderThan"', "FieldValueNotSupported")], "meta.k8s.io")
    reached(request)
    listed = await api.registry.list(
        rr.kind, rr.namespace, label_selector=q.get("labelSelector") or None,
        field_selector=q.get("fieldSelector") or None, limit=max(limit, 0),
        continue_=q.get("continue") or None, resource_version=q.get("resourceVersion") or None,
        resource_version_match=rv_match, version=rr.version)
    return negotiate.json_response(
        request, negotiate.render_list(target, rr.kind, listed, api.now(), include))


# ------------------------------------------------------------------ write

async def _decode_object(request, rr: ResourceRequest, options: str, root_sub: str = ""):
    """The validated body of a create/update: (object, warnings, dry_run)."""
    q = request.query
    directive = fv.mode(q.get("fieldValidation"), options)
    dry = dry_run(q.getall("dryRun", []), options)
    raw = await read_body(request)
    expected = "Scale" if root_sub == "scale" else rr.kind.kind
    body = negotiate.decode_body(request.headers.get("Content-Type"), raw, expected)
    obj = body.data
    if not isinstance(obj, dict):
        raise errors.bad_request(f"the object provided is unrecognized (must be of type "
                                 f"{expected}): the body of the request must be a JSON object")
    version = _body_version(rr.kind, obj, rr.version)
    root = fv.root_type(rr.kind, version, root_sub)
    what = (f'{obj.get("kind") or expected} in version "{version}" cannot be handled as '
            f'a {expected}: ')
    obj, warnings = fv.apply(directive, root, obj, body.duplicates, what=what)
    if root_sub != "scale":
        obj = _typed(rr.kind, obj, rr.version)
    return obj, warnings, dry


async def _create(api, request, rr, target, include):
    obj, warnings, dry = await _decode_object(request, rr, "CreateOptions")
    field_manager = request.query.get("fieldManager") or None
    reached(request)
    if rr.kind.kind == "Binding":  # POST .../bindings binds the pod the body names
        name = (obj.get("metadata") or {}).get("name") or ""
        out = await api.registry.create("pods", obj, rr.namespace, name=name,
                                        subresource="binding", dry_run=dry)
        return negotiate.json_response(request, out, 201, warnings)
    out = await api.registry.create(rr.kind, obj, rr.namespace, dry_run=dry,
                                    field_manager=field_manager, version=rr.version)
    return negotiate.json_response(
        request, negotiate.render_object(target, rr.kind, out, api.now(), include), 201,
        warnings)


async def create_subresource(api, request, rr, target, include):
    """POST pods/<name>/binding and pods/<name>/eviction."""
    sub = rr.subresource
    q = request.query
    dry = dry_run(q.getall("dryRun", []), "CreateOptions")
    raw = await read_body(request)
    body = negotiate.decode_body(request.headers.get("Content-Type"), raw,
                                 "Binding" if sub == "binding" else "Eviction")
    obj = body.data
    if not isinstance(obj, dict):
        raise errors.bad_request("the body of the request must be a JSON object")
    directive = fv.mode(q.get("fieldValidation"))
    obj, warnings = fv.apply(directive, fv.root_type(rr.kind, rr.version, sub), obj,
                             body.duplicates)
    body_name = (obj.get("metadata") or {}).get("name")
    if body_name and body_name != rr.name:
        what = "Binding" if sub == "binding" else "Eviction"
        raise errors.bad_request(f"name in URL does not match name in {what} object")
    reached(request)
    out = await api.registry.create(rr.kind, obj, rr.namespace, name=rr.name, subresource=sub,
                                    dry_run=dry)
    return negotiate.json_response(request, out, 201, warnings)


async def _update(api, request, rr, target, include):
    obj, warnings, dry = await _decode_object(request, rr, "UpdateOptions", rr.subresource)
    reached(request)
    out = await api.registry.update(rr.kind, obj, rr.namespace, name=rr.name,
                                    subresource=rr.subresource, dry_run=dry,
                                    field_manager=request.query.get("fieldManager") or None,
                                    version=rr.version)
    if rr.subresource == "scale":
        return negotiate.json_response(request, out, 200, warnings)
    return negotiate.json_response(
        request, negotiate.render_object(target, rr.kind, out, api.now(), include), 200,
        warnings)


def _decode_patch(content_type: str, raw: bytes, mode: str) -> negotiate.Body:
    try:
        return negotiate.parse_json(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        if mode != "apply":
            raise errors.bad_request(f"error decoding patch: {exc}") from None
    try:
        return negotiate.parse_yaml(raw)
    except Exception as exc:  # noqa: BLE001 - any YAML failure is the client's
        raise errors.bad_request(f"error decoding YAML: {exc}") from None


async def _patch(api, request, rr, target, include):
    q = request.query
    ctype = negotiate.media_type(request.headers.get("Content-Type"))
    mode = _PATCH_TYPES.get(ctype)
    if mode is None:
        raise errors.ApiError(errors.status(
            415, "UnsupportedMediaType",
            f"the body of the request was in an unknown format - accepted media types "
            f"include: {', '.join(_PATCH_TYPES)}"))
    directive = fv.mode(q.get("fieldValidation"), "PatchOptions")
    dry = dry_run(q.getall("dryRun", []), "PatchOptions")
    force = bool_param(q, "force")
    field_manager = q.get("fieldManager") or None
    if mode == "apply" and not field_manager:
        raise errors.invalid("PatchOptions", "", [errors.Cause(
            "fieldManager", "Required value: is required for apply patch",
            "FieldValueRequired")], "meta.k8s.io")
    if mode != "apply" and force is not None:
        raise errors.invalid("PatchOptions", "", [errors.Cause(
            "force", "Forbidden: may not be specified for non-apply patch",
            "FieldValueForbidden")], "meta.k8s.io")
    raw = await read_body(request)
    body = _decode_patch(ctype, raw, mode)
    patch, warnings = body.data, []
    if mode != "json":
        if not isinstance(patch, dict):
            raise errors.bad_request("error decoding patch: the patch must be a JSON object")
        root = fv.root_type(rr.kind, rr.version, rr.subresource)
        patch, warnings = fv.apply(directive, root, patch, body.duplicates, patch=True)
    created = False
    if mode == "apply" and not rr.subresource:
        reg = api.registry
        created = await reg.store.get(reg.key(rr.kind, rr.namespace or "", rr.name)) is None
    reached(request)
    out = await api.registry.patch(rr.kind, rr.name, patch, rr.namespace, patch_type=ctype,
                                   subresource=rr.subresource, dry_run=dry,
                                   field_manager=field_manager, force=bool(force),
                                   version=rr.version)
    if rr.subresource == "scale":
        return negotiate.json_response(request, out, 200, warnings)
    return negotiate.json_response(
        request, negotiate.render_object(target, rr.kind, out, api.now(), include),
        201 if created else 200, warnings)


# ----------------------------------------------------------------- delete

async def _delete_options(request, options: str = "DeleteOptions") -> dict[str, Any]:
    """DeleteOptions from the body (when present) or else the query."""
    raw = await read_body(request)
    if raw.strip():
        opts = negotiate.decode_body(request.headers.get("Content-Type"), raw,
                                     "DeleteOptions").data
        if not isinstance(opts, dict):
            raise errors.bad_request("the body of the request must be a DeleteOptions object")
        if opts.get("kind") not in (None, "", "DeleteOptions"):
            raise errors.bad_request(f'the kind in the body ({opts["kind"]}) is not '
                                     f'DeleteOptions')
    else:
        q = request.query
        opts = {"gracePeriodSeconds": int_param(q, "gracePeriodSeconds"),
                "propagationPolicy": q.get("propagationPolicy") or None,
                "orphanDependents": bool_param(q, "orphanDependents"),
                "dryRun": q.getall("dryRun", [])}
    grace = opts.get("gracePeriodSeconds")
    if grace is not None and (not isinstance(grace, int) or isinstance(grace, bool)):
        raise errors.bad_request("gracePeriodSeconds must be an integer")
    policy = opts.get("propagationPolicy") or None
    orphan = opts.get("orphanDependents")
    if orphan is not None and policy:
        raise errors.invalid(options, "", [errors.Cause(
            "propagationPolicy", "Invalid value: \"" + policy + "\": orphanDependents and "
            "deletionPropagation cannot be both set")], "meta.k8s.io")
    if orphan is not None:
        policy = "Orphan" if orphan else "Background"
    pre = opts.get("preconditions") or None
    if pre is not None and not isinstance(pre, dict):
        raise errors.bad_request("preconditions must be an object")
    return {"grace_period_seconds": grace, "propagation_policy": policy,
            "preconditions": pre, "dry_run": dry_run(opts.get("dryRun"), options),
            "orphan": orphan}


def _still_there(kind: Kind, obj: dict) -> bool:
    """Only marked for deletion (finalizers or a grace period left), not removed."""
    meta = obj.get("metadata") or {}
    if not meta.get("deletionTimestamp"):
        return False
    if kind.kind == "Namespace":
        return (obj.get("status") or {}).get("phase") == "Terminating"
    return bool(meta.get("finalizers")) or bool(meta.get("deletionGracePeriodSeconds"))


async def _delete(api, request, rr, target, include):
    opts = await _delete_options(request)
    orphan = opts.pop("orphan")
    reached(request)
    out = await api.registry.delete(rr.kind, rr.name, rr.namespace, version=rr.version,
                                    **opts)
    pending = _still_there(rr.kind, out)
    code = 202 if pending and orphan is False else 200
    if pending or rr.kind.kind in _RETURN_DELETED:
        return negotiate.json_response(
            request, negotiate.render_object(target, rr.kind, out, api.now(), include), code)
    details = {"name": rr.name, "kind": rr.kind.plural}
    if rr.kind.group:
        details["group"] = rr.kind.group
    uid = (out.get("metadata") or {}).get("uid")
    if uid:
        details["uid"] = uid
    return negotiate.json_response(request, errors.success_status(details), code)


async def _delete_collection(api, request, rr, target, include):
    opts = await _delete_options(request)
    opts.pop("orphan")
    opts.pop("preconditions")
    q = request.query
    reached(request)
    out = await api.registry.delete_collection(
        rr.kind, rr.namespace, label_selector=q.get("labelSelector") or None,
        field_selector=q.get("fieldSelector") or None, **opts)
    return negotiate.json_response(request, out)


async def _create_dispatch(api, request, rr, target, include):
    if rr.subresource:
        return await create_subresource(api, request, rr, target, include)
    return await _create(api, request, rr, target, include)


_HANDLERS = {"get": _get, "list": _list, "create": _create_dispatch, "update": _update,
             "patch": _patch, "delete": _delete, "deletecollection": _delete_collection}
