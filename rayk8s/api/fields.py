"""Field selectors (``?fieldSelector=``, ``kubectl --field-selector``).

A field selector is an AND of ``field=value`` / ``field==value`` /
``field!=value`` terms over a flat ``dict[str, str]`` of an object's
*selectable fields*, which :func:`object_fields` extracts per kind, the way
each kube-apiserver registry does (``PodToSelectableFields`` and friends).

Choices, after apimachinery's ``fields`` package:

* a term splits at its first operator, trying ``!=``, then ``==``, then
  ``=``; a value may escape ``\\,`` ``\\=`` ``\\\\`` and must escape ``,``
  and ``=`` (an unescaped one is an error, as is an unknown escape);
* terms are kept sorted by their text, so ``str()`` is canonical; ``==``
  reads as ``=``;
* a field the object lacks has the value ``""``, except booleans and
  integers, which have Go's zero value (``"false"``, ``"0"``): so
  ``spec.unschedulable=false`` matches a node that never set it, as in
  Kubernetes;
* each kind accepts only the fields its real registry offers;
  :func:`check_supported` turns any other into ``400 field label not
  supported: <field>`` and maps the legacy Pod alias ``spec.host`` to
  ``spec.nodeName``.
"""

from __future__ import annotations

from typing import Any, Callable, Mapping, NamedTuple

from . import errors

EQUALS, NOT_EQUALS = "=", "!="


class Requirement(NamedTuple):
    """``field op value``; unpacks as ``(field, op, value)``; op is ``=`` or ``!=``."""

    field: str
    op: str
    value: str

    def matches(self, fields: Mapping[str, str]) -> bool:
        equal = fields.get(self.field, "") == self.value
        return equal if self.op == EQUALS else not equal

    def __str__(self) -> str:
        return f"{self.field}{self.op}{escape_value(self.value)}"


class FieldSelector:
    """An AND of field requirements; the empty selector matches everything."""

    __slots__ = ("requirements",)

    def __init__(self, requirements: list[Requirement] | tuple[Requirement, ...] = ()):
        self.requirements: list[Requirement] = list(requirements)

    @property
    def empty(self) -> bool:
        return not self.requirements

    def matches(self, fields: Mapping[str, str]) -> bool:
        return all(r.matches(fields) for r in self.requirements)

    def requires_exact_match(self, field: str) -> str | None:
        """The value ``field`` must equal, when a term pins it (for indexes)."""
        for r in self.requirements:
            if r.field == field and r.op == EQUALS:
                return r.value
        return None

    def __str__(self) -> str:
        return ",".join(str(r) for r in self.requirements)

    def __repr__(self) -> str:
        return f"FieldSelector({str(self)!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, FieldSelector) and self.requirements == other.requirements

    def __hash__(self) -> int:
        return hash(tuple(self.requirements))


def escape_value(value: str) -> str:
    """The literal ``value`` written so that it parses back unchanged."""
    return value.replace("\\", "\\\\").replace(",", "\\,").replace("=", "\\=")


def unescape_value(text: str) -> str:
    """The literal value of an escaped ``text``; ApiError 400 when malformed."""
    out, escaped = [], False
    for ch in text:
        if escaped:
            if ch not in "\\,=":
                raise errors.bad_request(
                    f"invalid field selector: invalid escape sequence: \\{ch}")
            out.append(ch)
            escaped = False
        elif ch == "\\":
            escaped = True
        elif ch in ",=":
            # Go prints the rune with %v, that is as its code point number.
            raise errors.bad_request(
                f"invalid field selector: unescaped character in value: {ord(ch)}")
        else:
            out.append(ch)
    if escaped:
        raise errors.bad_request("invalid field selector: invalid escape sequence: \\")
    return "".join(out)


def _split_terms(text: str) -> list[str]:
    """Split at commas that are not escaped; escapes stay in the terms."""
    terms, start, escaped = [], 0, False
    for i, ch in enumerate(text):
        if escaped:
            escaped = False
        elif ch == "\\":
            escaped = True
        elif ch == ",":
            terms.append(text[start:i])
            start = i + 1
    terms.append(text[start:])
    return terms


def _split_term(term: str) -> tuple[str, str, str] | None:
    for i in range(len(term)):
        for op in ("!=", "==", "="):
            if term.startswith(op, i):
                return term[:i], op, term[i + len(op):]
    return None


def parse(text: str) -> FieldSelector:
    """The selector written as ``text``; ApiError 400 when malformed."""
    reqs = []
    for term in sorted(_split_terms(text)) if text else []:
        if not term:
            continue
        split = _split_term(term)
        if split is None:
            raise errors.bad_request(f"invalid selector: '{text}'; can't understand '{term}'")
        field, op, raw = split
        reqs.append(Requirement(field, NOT_EQUALS if op == "!=" else EQUALS,
                                unescape_value(raw)))
    return FieldSelector(reqs)


def from_set(fields: Mapping[str, str]) -> FieldSelector:
    """Equality on every pair, in field order."""
    return FieldSelector([Requirement(k, EQUALS, v) for k, v in sorted(fields.items())])


# -- the selectable fields of each kind ------------------------------------------------

def _get(obj: Mapping[str, Any], path: str) -> Any:
    cur: Any = obj
    for part in path.split("."):
        if not isinstance(cur, Mapping):
            return None
        cur = cur.get(part)
    return cur


def _string(path: str) -> Callable[[Mapping[str, Any]], str]:
    def get(obj: Mapping[str, Any]) -> str:
        v = _get(obj, path)
        return "" if v is None else str(v)
    return get


def _bool(path: str) -> Callable[[Mapping[str, Any]], str]:
    return lambda obj: "true" if _get(obj, path) else "false"


def _int(path: str) -> Callable[[Mapping[str, Any]], str]:
    return lambda obj: str(int(_get(obj, path) or 0))


def _event_source(obj: Mapping[str, Any]) -> str:
    # Events from the events.k8s.io API carry only reportingController.
    return _get(obj, "source.component") or obj.get("reportingController") or ""


# Kind -> field -> extractor, beyond metadata.name and metadata.namespace.
_KIND_FIELDS: dict[str, dict[str, Callable[[Mapping[str, Any]], str]]] = {
    "Pod": {
        "spec.nodeName": _string("spec.nodeName"),
        "spec.restartPolicy": _string("spec.restartPolicy"),
        "spec.schedulerName": _string("spec.schedulerName"),
        "spec.serviceAccountName": _string("spec.serviceAccountName"),
        "spec.hostNetwork": _bool("spec.hostNetwork"),
        "status.phase": _string("status.phase"),
        "status.podIP": _string("status.podIP"),
        "status.nominatedNodeName": _string("status.nominatedNodeName"),
    },
    "Event": {
        **{f"involvedObject.{f}": _string(f"involvedObject.{f}")
           for f in ("kind", "namespace", "name", "uid", "apiVersion",
                     "resourceVersion", "fieldPath")},
        "reason": _string("reason"),
        "reportingComponent": _string("reportingController"),
        "source": _event_source,
        "type": _string("type"),
    },
    "Secret": {"type": _string("type")},
    "Node": {"spec.unschedulable": _bool("spec.unschedulable")},
    "Namespace": {"status.phase": _string("status.phase")},
    "ReplicaSet": {"status.replicas": _int("status.replicas")},
    "ReplicationController": {"status.replicas": _int("status.replicas")},
    "Job": {"status.successful": _int("status.succeeded")},
}

# Kinds whose registry refuses metadata.namespace (they are cluster-scoped and
# register their own field label conversion without it).
_NO_NAMESPACE_FIELD = frozenset({"Node", "Namespace"})

# Legacy spellings the apiserver still accepts and rewrites.
_ALIASES = {"Pod": {"spec.host": "spec.nodeName"}}


def supported_fields(kind: str) -> frozenset[str]:
    """The field labels a list or watch of ``kind`` may select on."""
    base = {"metadata.name"} if kind in _NO_NAMESPACE_FIELD else {
        "metadata.name", "metadata.namespace"}
    return frozenset(base | set(_KIND_FIELDS.get(kind, {})))


def object_fields(obj: Mapping[str, Any]) -> dict[str, str]:
    """The selectable fields of ``obj`` (by its ``kind``), every value a string."""
    meta = obj.get("metadata") or {}
    out = {"metadata.name": meta.get("name") or "",
           "metadata.namespace": meta.get("namespace") or ""}
    for field, extract in _KIND_FIELDS.get(obj.get("kind", ""), {}).items():
        out[field] = extract(obj)
    return out


def check_supported(kind: str, selector: FieldSelector) -> FieldSelector:
    """``selector`` with aliases resolved; ApiError 400 for a field ``kind`` lacks."""
    supported, aliases = supported_fields(kind), _ALIASES.get(kind, {})
    reqs = []
    for r in selector.requirements:
        field = aliases.get(r.field, r.field)
        if field not in supported:
            raise errors.bad_request(f"field label not supported: {r.field}")
        reqs.append(r._replace(field=field))
    return FieldSelector(reqs)
