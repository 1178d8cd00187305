"""The PATCH verbs: JSON merge patch, JSON patch, strategic merge patch, apply.

Every function here is pure: it deep-copies what it is given and returns a new
object, so neither the live object nor the patch body is ever mutated, and the
result shares nothing with either.

**Strategic merge patch** is one generic merge driven by a table
(:data:`KIND_SCHEMAS`) that states, per kind, which lists merge and by which
key, transcribed from the ``patchStrategy``/``patchMergeKey`` tags of
``k8s.io/api`` (v1 core, apps, batch, autoscaling, policy). In that table a
``dict`` is the schema of a nested map, a :class:`MergeList` a list merged by
key (or, for ``key=None``, a list of primitives merged as an ordered set), and
:data:`REPLACE` a map that a patch replaces whole. Lists the table does not
name are replaced (this includes Node ``spec.taints``, Pod ``tolerations``,
``containerStatuses`` and Endpoints ``subsets``, which carry no merge tag);
maps merge recursively; ``null`` deletes a key. Directives, as kube-apiserver
reads them:

* ``$patch: replace`` in a map replaces that map; as a list element
  (``{"$patch": "replace"}``) it replaces the whole list by the other elements;
* ``$patch: delete`` in a map deletes it (here: the key is removed, where
  Kubernetes leaves ``{}``); as a list element with the merge key it deletes
  the matching element;
* ``$patch: merge`` is accepted as the explicit default (Kubernetes rejects
  it; nothing sends it, and accepting it costs nothing);
* ``$retainKeys: [...]`` drops the keys of the live map not listed, then merges;
* ``$setElementOrder/<list>`` orders the merged list: the listed items in the
  given order, the server-only items kept at their relative places;
* ``$deleteFromPrimitiveList/<list>`` removes values from a primitive list.

Without ``$setElementOrder``, the merged list follows Kubernetes' rule too:
items named in the patch come in patch order, live-only items are interleaved
at their old relative places, so a new container lands first, as in the
``kubectl patch`` documentation. Kinds not in the table (custom resources)
get only the metadata rules.

**Apply** (``application/apply-patch+yaml``) is approximated: the applied
configuration is strategic-merged onto the live object, or becomes it when
there is none. Field ownership (``managedFields``) is not tracked, so fields
dropped from an applied configuration are not removed and there are no
conflicts between managers.
"""

from __future__ import annotations

import copy
import json
from typing import Any, Mapping, NamedTuple

import jsonpatch
import jsonpointer
import yaml

from . import errors

MAX_JSON_PATCH_OPERATIONS = 10000


# -- the schema table ---------------------------------------------------------------

class MergeList(NamedTuple):
    """A list merged by ``key`` (items are maps) or as an ordered set (``key=None``)."""

    key: str | None = None
    item: Mapping[str, Any] = {}


REPLACE = "replace"  # a map field with patchStrategy "replace"

_CONDITIONS = {"conditions": MergeList("type")}
OBJECT_META = {"ownerReferences": MergeList("uid"), "finalizers": MergeList()}
CONTAINER = {
    "ports": MergeList("containerPort"),
    "env": MergeList("name"),
    "volumeMounts": MergeList("mountPath"),
    "volumeDevices": MergeList("devicePath"),
}
POD_SPEC = {
    "volumes": MergeList("name"),
    "initContainers": MergeList("name", CONTAINER),
    "containers": MergeList("name", CONTAINER),
    "ephemeralContainers": MergeList("name", CONTAINER),
    "imagePullSecrets": MergeList("name"),
    "hostAliases": MergeList("ip"),
    "topologySpreadConstraints": MergeList("topologyKey"),
    "schedulingGates": MergeList("name"),
    "resourceClaims": MergeList("name"),
}
POD_STATUS = {
    "conditions": MergeList("type"),
    "podIPs": MergeList("ip"),
    "hostIPs": MergeList("ip"),
    "resourceClaimStatuses": MergeList("name"),
}
POD_TEMPLATE = {"metadata": OBJECT_META, "spec": POD_SPEC}
_WORKLOAD = {"spec": {"template": POD_TEMPLATE}, "status": _CONDITIONS}

KIND_SCHEMAS: dict[str, Mapping[str, Any]] = {
    "Pod": {"spec": POD_SPEC, "status": POD_STATUS},
    "PodTemplate": {"template": POD_TEMPLATE},
    "Deployment": _WORKLOAD,
    "ReplicaSet": _WORKLOAD,
    "ReplicationController": _WORKLOAD,
    "StatefulSet": _WORKLOAD,
    "DaemonSet": _WORKLOAD,
    "Job": _WORKLOAD,
    "CronJob": {"spec": {"jobTemplate": {"metadata": OBJECT_META,
                                         "spec": {"template": POD_TEMPLATE}}}},
    "Service": {"spec": {"ports": MergeList("port")}, "status": _CONDITIONS},
    "Node": {"spec": {"podCIDRs": MergeList()},
             "status": {"conditions": MergeList("type"), "addresses": MergeList("type")}},
    "Namespace": {"status": _CONDITIONS},
    "PersistentVolumeClaim": {"status": _CONDITIONS},
    "ServiceAccount": {"secrets": MergeList("name")},
    "HorizontalPodAutoscaler": {"status": _CONDITIONS},
    "PodDisruptionBudget": {"spec": {"selector": REPLACE}, "status": _CONDITIONS},
    "ComponentStatus": _CONDITIONS,
}


def schema_for(kind: str) -> Mapping[str, Any]:
    """The strategic-merge schema of ``kind``: its table entry plus object metadata."""
    return {"metadata": OBJECT_META, **KIND_SCHEMAS.get(kind, {})}


# -- JSON merge patch (RFC 7386) --------------------------------------------------------

def json_merge_patch(original: Mapping[str, Any], patch: Any) -> dict:
    """``patch`` merged onto ``original``: null deletes, maps merge, the rest replaces."""
    if not isinstance(patch, dict):
        raise errors.bad_request("Invalid JSON Patch")
    return _merge_patch(copy.deepcopy(dict(original or {})), copy.deepcopy(patch))


def _merge_patch(target: Any, patch: Any) -> Any:
    if not isinstance(patch, dict):
        return patch
    result = target if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = _merge_patch(result.get(key), value)
    return result


# -- JSON patch (RFC 6902) ---------------------------------------------------------------

_JSON_TYPES = {dict: "object", str: "string", bool: "bool", int: "number", float: "number"}


def json_patch(original: Mapping[str, Any], ops: Any) -> dict:
    """``ops`` applied to ``original``.

    As kube-apiserver: a body that is not a list of operation objects is 400
    BadRequest, more than 10000 operations 413, and any failure while applying
    (unknown op, missing path, failed ``test``) 422 Invalid with its fixed
    message "the server rejected our request due to an error in our request".
    """
    if not isinstance(ops, list):
        raise errors.bad_request(f"json: cannot unmarshal {_JSON_TYPES.get(type(ops), 'value')}"
                                 " into Go value of type jsonpatch.Patch")
    for op in ops:
        if not isinstance(op, dict):
            raise errors.bad_request(
                f"json: cannot unmarshal {_JSON_TYPES.get(type(op), 'value')}"
                " into Go value of type jsonpatch.Operation")
    if len(ops) > MAX_JSON_PATCH_OPERATIONS:
        raise errors.too_large("Request entity too large: The allowed maximum operations "
                               f"in a JSON patch is {MAX_JSON_PATCH_OPERATIONS}, got {len(ops)}")
    try:
        patched = jsonpatch.JsonPatch(copy.deepcopy(ops)).apply(
            copy.deepcopy(dict(original or {})), in_place=True)
    except (jsonpatch.JsonPatchException, jsonpointer.JsonPointerException,
            AssertionError, KeyError, IndexError, TypeError, ValueError):
        patched = None
    if not isinstance(patched, dict):
        raise errors.ApiError(errors.status(
            422, "Invalid", "the server rejected our request due to an error in our request"))
    return patched


# -- strategic merge patch ---------------------------------------------------------------

_DIRECTIVE = "$patch"
_RETAIN_KEYS = "$retainKeys"
_SET_ORDER = "$setElementOrder/"
_DELETE_PRIMITIVES = "$deleteFromPrimitiveList/"
_DELETE = object()  # what a map patched with "$patch: delete" becomes: its key goes


def strategic_merge_patch(original: Mapping[str, Any], patch: Any, kind: str) -> dict:
    """``patch`` strategic-merged onto ``original`` with the rules of ``kind``."""
    if not isinstance(patch, dict):
        raise errors.bad_request("the body of a strategic merge patch must be a JSON object")
    merged = _merge_map(copy.deepcopy(dict(original or {})), copy.deepcopy(patch),
                        schema_for(kind))
    return {} if merged is _DELETE else merged


def _merge_map(original: dict, patch: dict, schema: Mapping[str, Any]) -> Any:
    """Merge ``patch`` into ``original`` (both owned copies, mutated freely)."""
    directive = patch.pop(_DIRECTIVE, None)
    if directive == "replace":
        return _merge_map({}, patch, schema)
    if directive == "delete":
        return _DELETE
    if directive not in (None, "merge"):
        raise _unknown_directive(directive, patch)

    if _RETAIN_KEYS in patch:
        retain = patch.pop(_RETAIN_KEYS)
        if not isinstance(retain, list) or any(
                v is not None and not k.startswith("$") and k not in retain
                for k, v in patch.items()):
            raise errors.bad_request("invalid patch format of retainKeys")
        for key in [k for k in original if k not in retain]:
            del original[key]

    orders: dict[str, list] = {}
    removals: dict[str, list] = {}
    for key in [k for k in patch if k.startswith((_SET_ORDER, _DELETE_PRIMITIVES))]:
        value = patch.pop(key)
        if key.startswith(_SET_ORDER):
            if not isinstance(value, list):
                raise errors.bad_request("invalid patch format of setElementOrder list")
            orders[key[len(_SET_ORDER):]] = value
        else:
            if not isinstance(value, list):
                raise errors.bad_request("invalid patch format of primitive list")
            removals[key[len(_DELETE_PRIMITIVES):]] = value

    for key, value in patch.items():
        if value is None:
            original.pop(key, None)
            continue
        merged = _merge_value(original.get(key), value, schema.get(key), orders.get(key))
        if merged is _DELETE:
            original.pop(key, None)
        else:
            original[key] = merged

    for key, order in orders.items():
        field, current = schema.get(key), original.get(key)
        if key not in patch and isinstance(field, MergeList) and isinstance(current, list):
            original[key] = _order(current, current, order, field.key)
    for key, values in removals.items():
        if isinstance(original.get(key), list):
            original[key] = [v for v in original[key] if v not in values]
    return original


def _merge_value(live: Any, value: Any, field: Any, order: list | None) -> Any:
    """The new value of one key: ``live`` (None when absent) patched by ``value``."""
    if isinstance(value, dict):
        if field == REPLACE:
            return _merge_map({}, value, {})
        base = live if isinstance(live, dict) else {}
        return _merge_map(base, value, field if isinstance(field, Mapping) else {})
    if isinstance(value, list):
        if isinstance(field, MergeList):
            return _merge_list(live if isinstance(live, list) else [], value, field, order)
        return _replace_list(value)
    return value


def _replace_list(items: list) -> list:
    """A patch list that replaces the live one, with directives and nulls cleaned out."""
    out = []
    for item in items:
        if isinstance(item, dict):
            if _DIRECTIVE in item:
                continue
            item = _merge_map({}, item, {})
        elif isinstance(item, list):
            item = _replace_list(item)
        out.append(item)
    return out


def _merge_list(live: list, patch: list, field: MergeList, order: list | None) -> list:
    if field.key is None:
        if any(isinstance(v, (dict, list)) for v in patch):
            raise errors.bad_request("a merged list of primitives cannot hold maps or lists")
        merged = _unique(live + patch)
        return _order(merged, live, patch if order is None else order, None)

    key, items, plain, replace = field.key, list(live), [], False
    for element in patch:
        if not isinstance(element, dict):
            raise errors.bad_request(
                f"the list merged by {key!r} must hold maps, found {json.dumps(element)}")
        directive = element.get(_DIRECTIVE)
        if directive is None or directive == "merge" and len(element) > 1:
            plain.append(element)
        elif directive == "delete":
            if key not in element:
                raise _no_merge_key(element, key)
            items = [i for i in items if not (isinstance(i, dict) and i.get(key) == element[key])]
        elif directive == "replace":
            replace = True
        elif directive != "merge":
            raise _unknown_directive(directive, element)
    if replace:
        return [_merge_map({}, e, field.item) for e in plain]

    for element in plain:
        if key not in element:
            raise _no_merge_key(element, key)
        at = next((i for i, item in enumerate(items)
                   if isinstance(item, dict) and item.get(key) == element[key]), None)
        merged = _merge_map(items[at] if at is not None else {}, element, field.item)
        if at is None:
            items.append(merged)
        else:
            items[at] = merged
    return _order(items, live, plain if order is None else order, key)


def _no_merge_key(element: dict, key: str) -> errors.ApiError:
    return errors.bad_request(
        f"map: {json.dumps(element)} does not contain declared merge key: {key}")


def _unknown_directive(directive: Any, where: dict) -> errors.ApiError:
    return errors.bad_request(f"Unknown patch type: {directive} in map: {json.dumps(where)}")


def _unique(values: list) -> list:
    out: list = []
    for v in values:
        if v not in out:
            out.append(v)
    return out


def _order(merged: list, live: list, wanted: list, key: str | None) -> list:
    """Kubernetes' element order for a merged list.

    Items named in ``wanted`` (the patch list, or ``$setElementOrder``) come in
    that order; the others keep their live order and are slotted in front of
    the first wanted item that followed them in the live list.
    """
    def ident(item: Any) -> Any:
        value = item if key is None else item.get(key) if isinstance(item, dict) else None
        try:
            hash(value)
        except TypeError:
            return json.dumps(value, sort_keys=True)
        return value

    def positions(items: list) -> dict:
        out: dict = {}
        for i, item in enumerate(items):
            out.setdefault(ident(item), i)
        return out

    wanted_at, live_at = positions(wanted), positions(live)
    named = sorted((m for m in merged if ident(m) in wanted_at), key=lambda m: wanted_at[ident(m)])
    others = [m for m in merged if ident(m) not in wanted_at]
    out, i, j = [], 0, 0
    while i < len(others) or j < len(named):
        if j >= len(named):
            out.append(others[i])
            i += 1
            continue
        if i < len(others):
            left, right = live_at.get(ident(others[i])), live_at.get(ident(named[j]))
            if left is not None and right is not None and left < right:
                out.append(others[i])
                i += 1
                continue
        out.append(named[j])
        j += 1
    return out


# -- apply and dispatch -------------------------------------------------------------------

def apply_patch(original: Mapping[str, Any] | None, applied: Any, kind: str) -> dict:
    """Server-side apply, approximated: ``applied`` strategic-merged onto the live
    object, or the new object when there is none. managedFields are not tracked."""
    if not isinstance(applied, dict):
        raise errors.bad_request("the applied configuration must be an object")
    return strategic_merge_patch(original or {}, applied, kind)


_PATCH_TYPES = {
    "merge": "merge", "application/merge-patch+json": "merge",
    "json": "json", "application/json-patch+json": "json",
    "strategic": "strategic", "application/strategic-merge-patch+json": "strategic",
    "apply": "apply", "application/apply-patch+yaml": "apply",
}


def apply_patch_type(original: Mapping[str, Any] | None, patch: Any, patch_type: str,
                     kind: str) -> dict:
    """Apply ``patch`` of ``patch_type`` (a short name or a Content-Type).

    ``patch`` may be decoded data or the raw body (``str``/``bytes``: JSON, or
    YAML for apply). An unknown type is 415, an undecodable body 400.
    """
    mode = _PATCH_TYPES.get((patch_type or "").split(";")[0].strip().lower())
    if mode is None:
        raise errors.unsupported_media_type(patch_type)
    if isinstance(patch, (bytes, bytearray, str)):
        patch = _decode(patch, yaml_ok=mode == "apply")
    if mode == "merge":
        return json_merge_patch(original or {}, patch)
    if mode == "json":
        return json_patch(original or {}, patch)
    if mode == "strategic":
        return strategic_merge_patch(original or {}, patch, kind)
    return apply_patch(original, patch, kind)


def _decode(body: bytes | bytearray | str, yaml_ok: bool) -> Any:
    text = body.decode("utf-8", "replace") if isinstance(body, (bytes, bytearray)) else body
    try:
        return json.loads(text)
    except ValueError as e:
        if not yaml_ok:
            raise errors.bad_request(f"error decoding patch: {e}") from None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as e:
        raise errors.bad_request(f"error decoding patch: {e}") from None
