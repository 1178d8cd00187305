"""Server-side field validation: unknown and duplicate fields in request bodies.

kube-apiserver decodes a body strictly into its Go type and, by the request's
``fieldValidation`` directive, rejects (``Strict``: 400 ``strict decoding
error: unknown field "spec.foo", duplicate field "spec.paused"``), warns
(``Warn``, the default: one ``Warning: 299`` header per problem) or ignores
(``Ignore``) what the type has no field for.  In every mode unknown fields
are dropped, because the typed object has nowhere to keep them; so here too.

The schema is read from the official ``kubernetes`` client's generated
models: each ``V1Deployment``-like class lists its fields in
``attribute_map`` (python name -> JSON name) and their types in
``openapi_types`` (``'V1DeploymentSpec'``, ``'List[V1Container]'``,
``'Dict[str, str]'``, ``'object'`` for IntOrString and free-form fields).
That is the same OpenAPI the client was generated from, so the field set is
kube-apiserver's.  The package is imported lazily on first use; without it
(or for a kind it has no model for) nothing is checked or dropped.

Paths and messages follow sigs.k8s.io/json's strict decoder: dotted field
names, ``[i]`` for list items, a field that is both unknown and repeated is
reported once, as unknown.  Patch bodies are checked the same way with their
``$``-directives skipped and ``null`` (delete) values ignored; JSON patches
(RFC 6902 operation lists) are not checked.
"""

from __future__ import annotations

import logging
import re
from functools import lru_cache
from typing import Any

from ...api import errors
from ...api.kinds import Kind

log = logging.getLogger(__name__)

STRICT, WARN, IGNORE = "Strict", "Warn", "Ignore"
MODES = (IGNORE, STRICT, WARN)

# Kinds whose model name is not simply V<version><Kind>.
_MODEL_NAMES = {("", "Event"): "CoreV1Event", ("events.k8s.io", "Event"): "EventsV1Event"}
_LIST = re.compile(r"^(?:List\[(.+)\]|list\[(.+)\])$")
_DICT = re.compile(r"^(?:Dict\[str, (.+)\]|dict\(str, (.+)\))$")
_PRIMITIVES = frozenset({"str", "int", "float", "bool", "datetime", "date", "object",
                         "bytearray", "bytes"})


def mode(value: str | None, options: str = "CreateOptions") -> str:
    """The directive of a request; absent means Warn (kube-apiserver >= 1.27).

    ``options`` names the options kind in the 422 for a bad value
    (CreateOptions, UpdateOptions, PatchOptions).
    """
    if not value:
        return WARN
    if value not in MODES:
        raise errors.invalid(options, "", [errors.Cause(
            "fieldValidation", f'Unsupported value: "{value}": supported values: '
            '"Ignore", "Strict", "Warn"', "FieldValueNotSupported")], "meta.k8s.io")
    return value


@lru_cache(maxsize=1)
def _models():
    try:
        from kubernetes.client import models
    except ImportError:  # pragma: no cover - the package is a dependency
        log.warning("the kubernetes client is not installed: no server-side field validation")
        return None
    return models


def model_name(group: str, version: str, kind: str) -> str:
    return _MODEL_NAMES.get((group, kind)) or f"{version[:1].upper()}{version[1:]}{kind}"


@lru_cache(maxsize=None)
def _fields(model: str) -> dict[str, str] | None:
    """JSON field name -> type string of a model class, or None if unknown."""
    models = _models()
    cls = getattr(models, model, None) if models is not None else None
    if cls is None or not hasattr(cls, "attribute_map"):
        return None
    return {json_name: cls.openapi_types[py] for py, json_name in cls.attribute_map.items()}


def root_type(kind: Kind, version: str, subresource: str = "") -> str | None:
    """The model of a request body for ``kind`` at ``version`` (Scale for /scale)."""
    if subresource == "scale":
        name = "V1Scale"
    elif subresource == "eviction":
        name = "V1Eviction"
    elif subresource == "binding" or kind.kind == "Binding":
        name = "V1Binding"
    else:
        name = model_name(kind.group, version, kind.kind)
    return name if _fields(name) is not None else None


class _Walk:
    def __init__(self, duplicates: dict[int, list[str]], patch: bool):
        self.duplicates = duplicates
        self.patch = patch
        self.problems: list[str] = []

    def value(self, value: Any, type_: str, path: str) -> Any:
        if value is None or type_ in _PRIMITIVES:
            return value
        m = _LIST.match(type_)
        if m:
            if not isinstance(value, list):
                return value
            inner = m.group(1) or m.group(2)
            return [self.value(v, inner, f"{path}[{i}]") for i, v in enumerate(value)]
        m = _DICT.match(type_)
        if m:
            if not isinstance(value, dict):
                return value
            inner = m.group(1) or m.group(2)
            self._duplicates(value, None, path)
            return {k: self.value(v, inner, _join(path, k)) for k, v in value.items()}
        fields = _fields(type_)
        if fields is None or not isinstance(value, dict):
            return value
        out = {}
        for key, item in value.items():
            if self.patch and isinstance(key, str) and key.startswith("$"):
                out[key] = item
                continue
            ftype = fields.get(key)
            if ftype is None:
                if not (self.patch and item is None):
                    self.problems.append(f'unknown field "{_join(path, key)}"')
                continue
            out[key] = self.value(item, ftype, _join(path, key))
        self._duplicates(value, fields, path)
        return out

    def _duplicates(self, value: dict, fields: dict | None, path: str) -> None:
        for key in self.duplicates.get(id(value), ()):
            if fields is None or key in fields:
                self.problems.append(f'duplicate field "{_join(path, key)}"')


def _join(path: str, key: Any) -> str:
    return f"{path}.{key}" if path else str(key)


def check(root: str | None, data: Any, duplicates: dict[int, list[str]] | None = None,
          patch: bool = False) -> tuple[Any, list[str]]:
    """``(data without unknown fields, problems)`` for a body of model ``root``.

    With no model (``root`` None) only top-level duplicate keys are reported
    and the data is returned as is.
    """
    walker = _Walk(duplicates or {}, patch)
    if root is None:
        if isinstance(data, dict):
            walker._duplicates(data, None, "")
        return data, walker.problems
    return walker.value(data, root, ""), walker.problems


def apply(directive: str, root: str | None, data: Any, duplicates: dict[int, list[str]],
          *, patch: bool = False, what: str = "") -> tuple[Any, list[str]]:
    """Run the directive: the data to use and the warnings to send, or raise 400.

    ``what`` prefixes a Strict error the way kube-apiserver's decode error
    does (``Deployment in version "v1" cannot be handled as a Deployment: ``).
    """
    if not isinstance(data, (dict, list)):
        return data, []
    cleaned, problems = check(root, data, duplicates, patch)
    if not problems:
        return cleaned, []
    if directive == STRICT:
        raise errors.bad_request(f"{what}strict decoding error: {', '.join(problems)}")
    if directive == WARN:
        return cleaned, problems
    return cleaned, []
