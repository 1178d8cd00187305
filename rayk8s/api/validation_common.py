"""Field errors and object metadata: what every kind's validation shares.

A validation result is a list of ``errors.Cause`` (``{"reason", "message",
"field"}``), the StatusCause list kube-apiserver returns in a 422.  The
constructors below build the message the way apimachinery's ``field.Error``
renders its body: ``Required value``, ``Invalid value: "x": detail``,
``Unsupported value: "x": supported values: "a", "b"``, ``Duplicate value: "x"``,
``Forbidden: detail``, ``Too long: may not be more than N bytes``,
``Not found: "x"``.  A bad value is shown as Go shows it: numbers and booleans
bare, strings quoted, anything else as JSON.

Field paths are plain strings in Kubernetes' notation
(``spec.template.spec.containers[0].ports[1].name``, ``data[key]``).

The helpers are tolerant of malformed input: a field of the wrong JSON type
becomes a cause, never an exception, because validation is what stands between
a user's manifest and the store.
"""

from __future__ import annotations

import json
from typing import Any, Iterable

from . import errors, names, selectors
from .kinds import Kind

Causes = list  # list[errors.Cause]

FIELD_IMMUTABLE = "field is immutable"
IS_NEGATIVE = "must be greater than or equal to 0"
NOT_INTEGER = "must be an integer"
TOTAL_ANNOTATION_SIZE_LIMIT = 256 * 1024
STANDARD_FINALIZERS = ("kubernetes", "orphan", "foregroundDeletion")


# ------------------------------------------------------------ value display

def show(value: Any) -> str:
    """A bad value as ``field.Error`` prints it."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e21 else repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    text = json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"),
                      default=str)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


# ------------------------------------------------------------ constructors

def required(path: str, detail: str = "") -> errors.Cause:
    return errors.Cause(path, "Required value" + (f": {detail}" if detail else ""),
                        "FieldValueRequired")


def invalid(path: str, value: Any, detail: str) -> errors.Cause:
    msg = f"Invalid value: {show(value)}" + (f": {detail}" if detail else "")
    return errors.Cause(path, msg, "FieldValueInvalid")


def not_supported(path: str, value: Any, valid: Iterable[str]) -> errors.Cause:
    quoted = ", ".join(json.dumps(str(v)) for v in valid)
    msg = f"Unsupported value: {show(value)}" + (f": supported values: {quoted}" if quoted else "")
    return errors.Cause(path, msg, "FieldValueNotSupported")


def duplicate(path: str, value: Any) -> errors.Cause:
    return errors.Cause(path, f"Duplicate value: {show(value)}", "FieldValueDuplicate")


def forbidden(path: str, detail: str = "") -> errors.Cause:
    return errors.Cause(path, "Forbidden" + (f": {detail}" if detail else ""),
                        "FieldValueForbidden")


def too_long(path: str, max_length: int) -> errors.Cause:
    unit = "byte" if max_length == 1 else "bytes"
    return errors.Cause(path, f"Too long: may not be more than {max_length} {unit}",
                        "FieldValueTooLong")


def not_found(path: str, value: Any) -> errors.Cause:
    return errors.Cause(path, f"Not found: {show(value)}", "FieldValueNotFound")


def too_many(path: str, actual: int, max_items: int) -> errors.Cause:
    unit = "item" if max_items == 1 else "items"
    return errors.Cause(path, f"Too many: {actual}: must have at most {max_items} {unit}",
                        "FieldValueTooMany")


def each(path: str, value: Any, problems: Iterable[str]) -> Causes:
    """One Invalid cause per problem string from a ``names.is_*`` check."""
    return [invalid(path, value, p) for p in problems]


# ------------------------------------------------------------ access

def mapping(value: Any) -> dict:
    """``value`` if it is a JSON object, else an empty one (the type error is reported
    elsewhere, or the field is optional)."""
    return value if isinstance(value, dict) else {}


def seq(value: Any) -> list:
    return value if isinstance(value, list) else []


def is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def integer(obj: dict, key: str, path: str, out: Causes) -> int | None:
    """``obj[key]`` when it is an integer; a cause when it is something else."""
    value = obj.get(key)
    if value is None:
        return None
    if not is_int(value):
        out.append(invalid(path, value, NOT_INTEGER))
        return None
    return value


def nonnegative(obj: dict, key: str, path: str) -> Causes:
    out: Causes = []
    value = integer(obj, key, path, out)
    if value is not None and value < 0:
        out.append(invalid(path, value, IS_NEGATIVE))
    return out


def immutable(new: Any, old: Any, path: str) -> Causes:
    return [] if new == old else [invalid(path, new, FIELD_IMMUTABLE)]


def int_or_percent_value(value: Any) -> int:
    """What ``intstr`` makes of ``value``: a percent's number, an int, else 0."""
    if is_int(value):
        return value
    if isinstance(value, str):
        text = value[:-1] if value.endswith("%") else value
        try:
            return int(text)
        except ValueError:
            return 0
    return 0


def validate_int_or_percent(value: Any, path: str) -> Causes:
    """A non-negative int or a ``"25%"`` string (rolling-update bounds)."""
    if value is None:
        return []
    if isinstance(value, str):
        return each(path, value, names.is_valid_percent(value))
    if is_int(value):
        return [] if value >= 0 else [invalid(path, value, IS_NEGATIVE)]
    return [invalid(path, value, "must be an integer or percentage (e.g '5%')")]


def not_more_than_100_percent(value: Any, path: str) -> Causes:
    if isinstance(value, str) and not names.is_valid_percent(value) \
            and int(value[:-1]) > 100:
        return [invalid(path, value, "must not be greater than 100%")]
    return []


# ------------------------------------------------------------ labels & selectors

def validate_labels(labels: Any, path: str) -> Causes:
    if labels is None:
        return []
    if not isinstance(labels, dict):
        return [invalid(path, labels, "must be a map of string keys to string values")]
    out: Causes = []
    for k, v in labels.items():
        k = str(k)
        out += each(path, k, names.is_qualified_name(k))
        if not isinstance(v, str):
            out.append(invalid(path, v, "must be a string"))
        else:
            out += each(path, v, names.is_valid_label_value(v))
    return out


def validate_annotations(annotations: Any, path: str) -> Causes:
    if annotations is None:
        return []
    if not isinstance(annotations, dict):
        return [invalid(path, annotations, "must be a map of string keys to string values")]
    out: Causes = []
    total = 0
    for k, v in annotations.items():
        k = str(k)
        out += each(path, k, names.is_qualified_name(k.lower()))
        if not isinstance(v, str):
            out.append(invalid(path, v, "must be a string"))
            v = str(v)
        total += len(k.encode()) + len(v.encode())
    if total > TOTAL_ANNOTATION_SIZE_LIMIT:
        out.append(too_long(path, TOTAL_ANNOTATION_SIZE_LIMIT))
    return out


def validate_selector(sel: Any, path: str) -> Causes:
    """A ``metav1.LabelSelector``'s own syntax (keys, values, operators)."""
    if sel is None:
        return []
    if not isinstance(sel, dict):
        return [invalid(path, sel, "must be a label selector object")]
    return list(selectors.validate_label_selector(sel, path))


def parse_selector(sel: Any):
    """The ``selectors.Selector`` of a LabelSelector dict; None when it is invalid.
    A missing selector selects nothing (LabelSelectorAsSelector(nil))."""
    if sel is not None and not isinstance(sel, dict):
        return None
    try:
        return selectors.from_label_selector(sel)
    except (errors.ApiError, AttributeError, TypeError):
        return None


def selector_is_empty(sel: Any) -> bool:
    sel = mapping(sel)
    return not sel.get("matchLabels") and not sel.get("matchExpressions")


# ------------------------------------------------------------ object metadata

def _validate_owner_references(refs: Any, path: str) -> Causes:
    out: Causes = []
    controller = ""
    for ref in seq(refs):
        ref = mapping(ref)
        api_version, kind = ref.get("apiVersion") or "", ref.get("kind") or ""
        if not api_version.rpartition("/")[2]:
            out.append(invalid(f"{path}.apiVersion", api_version, "version must not be empty"))
        if not kind:
            out.append(invalid(f"{path}.kind", kind, "must not be empty"))
        for key in ("name", "uid"):
            if not ref.get(key):
                out.append(invalid(f"{path}.{key}", ref.get(key) or "", "must not be empty"))
        if api_version == "v1" and kind == "Event":
            out.append(invalid(path, ref, "/v1, Kind=Event is disallowed from being an owner"))
        if ref.get("controller") is True:
            this = f"{kind}/{ref.get('name', '')}"
            if controller:
                out.append(invalid(path, refs, "Only one reference can have Controller set "
                                   f'to true. Found "true" in references for {controller} '
                                   f"and {this}"))
            else:
                controller = this
    return out


def _validate_finalizers(finalizers: Any, path: str) -> Causes:
    out: Causes = []
    items = seq(finalizers)
    for i, f in enumerate(items):
        if not isinstance(f, str):
            out.append(invalid(f"{path}[{i}]", f, "must be a string"))
            continue
        problems = names.is_qualified_name(f)
        out += each(path, f, problems)
        if not problems and "/" not in f and f not in STANDARD_FINALIZERS:
            out.append(invalid(f"{path}[{i}]", f, "name is neither a standard finalizer "
                               "name nor is it fully qualified"))
    if "orphan" in items and "foregroundDeletion" in items:
        out.append(invalid(path, items, "finalizer orphan and foregroundDeletion cannot be "
                           "both set"))
    return out


def _validate_meta_common(meta: dict) -> Causes:
    return (validate_labels(meta.get("labels"), "metadata.labels")
            + validate_annotations(meta.get("annotations"), "metadata.annotations")
            + _validate_owner_references(meta.get("ownerReferences"),
                                         "metadata.ownerReferences")
            + _validate_finalizers(meta.get("finalizers"), "metadata.finalizers"))


def validate_object_meta(kind: Kind, obj: dict) -> Causes:
    """ObjectMeta on create: name (or generateName) per kind, namespace per scope,
    labels, annotations, owner references, finalizers."""
    meta = obj.get("metadata")
    if meta is not None and not isinstance(meta, dict):
        return [invalid("metadata", meta, "must be an object")]
    meta = meta or {}
    out: Causes = []
    generate = meta.get("generateName")
    if generate:
        out += each("metadata.generateName", generate,
                    names.validate_object_name(kind, str(generate), prefix=True))
    name = meta.get("name")
    if not name:
        # The registry generates the name before validating; a bare generateName
        # (validated above) is accepted so that a dry validation works too.
        if not generate:
            out.append(required("metadata.name", "name or generateName is required"))
    elif not isinstance(name, str):
        out.append(invalid("metadata.name", name, "must be a string"))
    else:
        out += each("metadata.name", name, names.validate_object_name(kind, name))
    namespace = meta.get("namespace")
    if kind.namespaced:
        if not namespace:
            out.append(required("metadata.namespace"))
        else:
            out += each("metadata.namespace", namespace,
                        names.name_is_dns_label(str(namespace)))
    elif namespace:
        out.append(forbidden("metadata.namespace", "not allowed on this type"))
    out += nonnegative(meta, "generation", "metadata.generation")
    return out + _validate_meta_common(meta)


_IMMUTABLE_META = ("name", "namespace", "uid", "creationTimestamp", "deletionTimestamp",
                   "deletionGracePeriodSeconds")


def validate_object_meta_update(obj: dict, old: dict) -> Causes:
    """ObjectMeta on update: identity can't change; finalizers can't be added to an
    object being deleted; generation never goes back."""
    meta, old_meta = mapping(obj.get("metadata")), mapping(old.get("metadata"))
    out: Causes = []
    if old_meta.get("deletionTimestamp"):
        added = sorted(set(seq(meta.get("finalizers"))) - set(seq(old_meta.get("finalizers"))))
        if added:
            shown = ", ".join(json.dumps(f) for f in added)
            out.append(forbidden("metadata.finalizers", "no new finalizers can be added if "
                                 f"the object is being deleted, found new finalizers "
                                 f"[]string{{{shown}}}"))
    gen, old_gen = meta.get("generation"), old_meta.get("generation")
    if is_int(gen) and is_int(old_gen) and gen < old_gen:
        out.append(invalid("metadata.generation", gen, "must not be decremented"))
    for key in _IMMUTABLE_META:
        out += immutable(meta.get(key), old_meta.get(key), f"metadata.{key}")
    return out + _validate_meta_common(meta)
