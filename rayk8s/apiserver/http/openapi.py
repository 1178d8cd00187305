"""OpenAPI v3 documents for kubectl: validation, apply and explain.

kubectl 1.32 needs ``/openapi/v3`` for every ``apply -f``/``create -f`` (it sends
``fieldValidation=Strict`` only after seeing the parameter on the kind's PATCH
operation), reads ``x-kubernetes-patch-*`` to build client-side apply's strategic
merge patches, and ``kubectl explain`` renders the schemas (see
``shared/design/kubectl-wire.md`` §4).  So, as kube-apiserver does:

- :func:`v3_root` is the index ``{"paths": {"api/v1": {"serverRelativeURL":
  "/openapi/v3/api/v1?hash=..."}, "apis/apps/v1": ...}}`` of every served
  group-version; the hash is the SHA-512 of the document, so kubectl's cache
  follows changes;
- :func:`v3_document` is one group-version's document: ``paths`` with the
  operations of every kind (list/create on the collection, get/put/patch/delete on
  the item, status and scale subresources), each carrying
  ``x-kubernetes-group-version-kind``, ``x-kubernetes-action`` and the
  ``dryRun``/``fieldManager``/``fieldValidation`` parameters; ``components.schemas``
  with the kinds and everything they reference, named as Kubernetes names them
  (``io.k8s.api.apps.v1.Deployment``, ``io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta``);
- :func:`unknown_fields` is server-side field validation against those schemas:
  the JSON paths (``spec.template.spec.containers[0].imagePullPolicyy``) of fields
  the kind's schema does not have.

Schemas are generated once, on first use, from the official ``kubernetes`` Python
package's models: ``openapi_types`` (``List[V1Container]``, ``Dict[str, str]``,
``datetime``, ``object``), ``attribute_map`` (JSON names), the fields' descriptions
and required flags.  What the models lose is restored from Kubernetes 1.32 facts:
which ``object``/``str``/``datetime`` fields are ``IntOrString``, ``Quantity``,
``Time`` or ``MicroTime`` and the int32/int64 widths (from the protobuf tables of
``_pb_schema``), the patch strategies and the descriptions of schema-typed fields
(``_openapi_k8s``).  Object-typed properties are ``{"allOf": [{"$ref": ...}],
"description": ...}`` as in kube-apiserver's v3 documents, which is the shape
kubectl's explain templates and patch-meta lookup expect.

Without the ``kubernetes`` package the documents keep their paths (so apply and
``fieldValidation`` still work) but have no schemas, and :func:`unknown_fields`
finds nothing.  :func:`v2` returns None: kubectl falls back to v3 or to its
compiled-in types.
"""

from __future__ import annotations

import copy
import hashlib
import inspect
import json
import logging
import re
import threading
from typing import Any, Callable

from rayk8s.api.kinds import REGISTRY, Kind

from . import _openapi_k8s as _k8s
from ._pb_schema import SPECS as _PB_SPECS

log = logging.getLogger(__name__)

__all__ = ["v3_root", "v3_document", "v3_document_json", "v2", "known_fields",
           "unknown_fields", "schema_name", "gv_path"]

K8S_VERSION = "v1.32.0"
REF = "#/components/schemas/"
META = "io.k8s.apimachinery.pkg.apis.meta.v1"
QUANTITY = "io.k8s.apimachinery.pkg.api.resource.Quantity"
INT_OR_STRING = "io.k8s.apimachinery.pkg.util.intstr.IntOrString"
TIME, MICRO_TIME = f"{META}.Time", f"{META}.MicroTime"
FIELDS_V1 = f"{META}.FieldsV1"
RAW_EXTENSION = "io.k8s.apimachinery.pkg.runtime.RawExtension"
DURATION = f"{META}.Duration"
PATCH, STATUS, DELETE_OPTIONS = f"{META}.Patch", f"{META}.Status", f"{META}.DeleteOptions"
SCALE = "io.k8s.api.autoscaling.v1.Scale"

# apimachinery types with their own JSON form (descriptions: their Go doc comments).
_SPECIAL_SCHEMAS: dict[str, dict[str, Any]] = {
    QUANTITY: {
        "description": "Quantity is a fixed-point representation of a number. It provides "
                       "convenient marshaling/unmarshaling in JSON and YAML, in addition to "
                       "String() and AsInt64() accessors.",
        "oneOf": [{"type": "string"}, {"type": "number"}]},
    INT_OR_STRING: {
        "description": "IntOrString is a type that can hold an int32 or a string.  When used "
                       "in JSON or YAML marshalling and unmarshalling, it produces or consumes "
                       "the inner type.  This allows you to have, for example, a JSON field "
                       "that can accept a name or number.",
        "format": "int-or-string",
        "oneOf": [{"type": "integer"}, {"type": "string"}]},
    TIME: {
        "description": "Time is a wrapper around time.Time which supports correct marshaling "
                       "to YAML and JSON.  Wrappers are provided for many of the factory "
                       "methods that the time package offers.",
        "type": "string", "format": "date-time"},
    MICRO_TIME: {
        "description": "MicroTime is version of Time with microsecond level precision.",
        "type": "string", "format": "date-time"},
    FIELDS_V1: {
        "description": "FieldsV1 stores a set of fields in a data structure like a Trie, in "
                       "JSON format.",
        "type": "object"},
    RAW_EXTENSION: {
        "description": "RawExtension is used to hold extensions in external versions.",
        "type": "object"},
    DURATION: {
        "description": "Duration is a wrapper around time.Duration which supports correct "
                       "marshaling to YAML and JSON. In particular, it marshals into strings, "
                       "which can be used as map keys in json.",
        "type": "string"},
    PATCH: {
        "description": "Patch is provided to give a concrete name and type to the Kubernetes "
                       "PATCH request body.",
        "type": "object"},
}
_PB_SPECIAL = {"Quantity": QUANTITY, "IntOrString": INT_OR_STRING, "Time": TIME,
               "MicroTime": MICRO_TIME, "FieldsV1": FIELDS_V1,
               "RawExtension": RAW_EXTENSION, "Duration": DURATION}


# ------------------------------------------------------------------- naming


def _pkg(group: str) -> str:
    """``networking.k8s.io`` -> ``networking``; the core group is ``core``."""
    return group.split(".")[0] if group else "core"


def schema_name(group: str, version: str, kind: str) -> str:
    """Kubernetes' OpenAPI name of a kind: ``io.k8s.api.apps.v1.Deployment``."""
    return f"io.k8s.api.{_pkg(group)}.{version}.{kind}"


def gv_path(group: str, version: str) -> str:
    """``api/v1`` or ``apis/<group>/<version>``: a document's key in the v3 index."""
    return f"apis/{group}/{version}" if group else f"api/{version}"


def _pb_name(component: str) -> str | None:
    """OpenAPI name -> ``_pb_schema`` message name (``apps/v1.Deployment``)."""
    if component.startswith(META + "."):
        return "meta/v1." + component[len(META) + 1:]
    if component.startswith("io.k8s.api."):
        pkg, version, name = component[len("io.k8s.api."):].split(".", 2)
        return f"{pkg}/{version}.{name}"
    return None


def _component_of_pb(pb: str) -> str:
    pkgver, name = pb.split(".", 1)
    pkg, version = pkgver.split("/")
    return f"{META}.{name}" if pkg == "meta" else f"io.k8s.api.{pkg}.{version}.{name}"


_PY_CLASS = re.compile(r"^([A-Z][a-z]+)?(V\d+(?:alpha\d+|beta\d+)?)([A-Z]\w*)$")


def _component_of_class(py: str, referrer: str) -> str:
    """The OpenAPI name of Python model ``py`` (``V1PodTemplateSpec``) used by ``referrer``.

    Python models drop the group (``V1ObjectMeta``) unless two groups clash
    (``CoreV1EndpointPort``); the group is found by looking the type up, in the
    referrer's package first, then core/v1 and meta/v1, in the protobuf tables.
    """
    m = _PY_CLASS.match(py)
    if not m:
        return f"io.k8s.unknown.{py}"
    hint, version, name = m.group(1), m.group(2).lower(), m.group(3)
    ref_pb = _pb_name(referrer) or "core/v1.X"
    ref_pkg = ref_pb.split("/")[0]
    pkgs = [hint.lower()] if hint else [ref_pkg, "core", "meta"]
    for pkg in pkgs:
        if f"{pkg}/{version}.{name}" in _PB_SPECS:
            return _component_of_pb(f"{pkg}/{version}.{name}")
    pkg = pkgs[0]
    return f"{META}.{name}" if pkg == "meta" else f"io.k8s.api.{pkg}.{version}.{name}"


# ----------------------------------------------------------- schema builder


def _pb_fields(pb: str | None) -> dict[str, tuple[str, str]]:
    """JSON name -> (type, card) of a protobuf message, inlined members flattened."""
    out: dict[str, tuple[str, str]] = {}
    if pb is None or pb not in _PB_SPECS:
        return out
    for part in _PB_SPECS[pb].split(";"):
        words = part.split()
        jname, typ = words[1], words[2]
        card = "*" if typ.endswith("*") else "{}" if typ.endswith("{}") else ""
        typ = typ.rstrip("*").removesuffix("{}")
        if jname == "...":
            out.update(_pb_fields(typ))
        else:
            out[jname] = (typ, card)
    return out


def _property_doc(cls: Any, attr: str) -> str:
    """A field's description in pre-pydantic clients: its property's docstring."""
    prop = cls.__dict__.get(attr) if not hasattr(cls, "model_fields") else None
    doc = getattr(getattr(prop, "fget", None), "__doc__", None) or ""
    lines = [line.replace("# noqa: E501", "").strip() for line in doc.strip().splitlines()]
    body = [line for line in lines[1:] if line and not line.startswith(":")]
    return " ".join(body)


def _ref(name: str) -> dict[str, Any]:
    return {"$ref": REF + name}


def _wrap(name: str) -> dict[str, Any]:
    return {"allOf": [_ref(name)]}


class _Builder:
    """Builds ``components.schemas`` from the Python client's models."""

    def __init__(self, models: Any):
        self.models = models
        self.schemas: dict[str, dict[str, Any]] = copy.deepcopy(_SPECIAL_SCHEMAS)
        self.classes: dict[str, str] = {}       # component -> Python class
        self._pending: list[tuple[str, str]] = []

    def add(self, component: str, py: str) -> str | None:
        """Schedule ``py`` as ``component``; None if the model does not exist."""
        if component in self.schemas or component in self.classes:
            return component
        if getattr(self.models, py, None) is None:
            return None
        self.classes[component] = py
        self._pending.append((component, py))
        return component

    def run(self) -> None:
        while self._pending:
            component, py = self._pending.pop()
            self.schemas[component] = self._model(component, getattr(self.models, py))

    def _model(self, component: str, cls: Any) -> dict[str, Any]:
        pb = _pb_fields(_pb_name(component))
        patch = _k8s.PATCH.get(component, {})
        docs = _k8s.FIELD_DOCS.get(component, {})
        fields = getattr(cls, "model_fields", {}) or {}
        props: dict[str, Any] = {}
        required = []
        for attr, jname in cls.attribute_map.items():
            info = None
            for cand in (attr, "var" + attr, "var_" + attr.lstrip("_"), attr.lstrip("_")):
                info = fields.get(cand)
                if info is not None:
                    break
            prop = self._prop(cls.openapi_types.get(attr, "object"), pb.get(jname), component)
            desc = (getattr(info, "description", None) or _property_doc(cls, attr)
                    or docs.get(jname) or "").strip()
            if desc:
                prop["description"] = desc
            strategy, key = patch.get(jname, ("", ""))
            if key:
                prop["x-kubernetes-patch-merge-key"] = key
            if strategy:
                prop["x-kubernetes-patch-strategy"] = strategy
            props[jname] = prop
            if info is not None and info.is_required():
                required.append(jname)
        out: dict[str, Any] = {}
        doc = inspect.cleandoc(cls.__doc__ or "").split("Attributes:")[0].strip()
        if doc and not doc.startswith("NOTE: This class is auto generated"):
            out["description"] = doc
        out["type"] = "object"
        out["properties"] = props
        if required:
            out["required"] = required
        return out

    def _prop(self, t: str, pb: tuple[str, str] | None, referrer: str) -> dict[str, Any]:
        t = t.strip()
        pb_type, pb_card = pb if pb else ("", "")
        m = re.fullmatch(r"(?:List|list)\[(.+)\]", t)
        if m:
            return {"type": "array",
                    "items": self._prop(m.group(1), (pb_type, "") if pb_card == "*" else None,
                                        referrer)}
        m = re.fullmatch(r"(?:Dict|dict)\[str, (.+)\]|dict\(str, (.+)\)", t)
        if m:
            inner = m.group(1) or m.group(2)
            return {"type": "object",
                    "additionalProperties": self._prop(
                        inner, (pb_type, "") if pb_card == "{}" else None, referrer)}
        if pb_type in _PB_SPECIAL and not pb_card:
            return _wrap(_PB_SPECIAL[pb_type])
        if t == "str":
            return {"type": "string"}
        if t == "int":
            return {"type": "integer", "format": pb_type} if pb_type in ("int32", "int64") \
                else {"type": "integer"}
        if t == "bool":
            return {"type": "boolean"}
        if t == "float":
            return {"type": "number", "format": "double"}
        if t in ("bytes", "bytearray"):
            return {"type": "string", "format": "byte"}
        if t == "datetime":
            return _wrap(TIME)
        if t == "date":
            return {"type": "string", "format": "date"}
        if t == "object":
            return {"type": "object", "x-kubernetes-preserve-unknown-fields": True}
        component = _component_of_class(t, referrer)
        if self.add(component, t) is None:
            return {"type": "object", "x-kubernetes-preserve-unknown-fields": True}
        return _wrap(component)


# --------------------------------------------------------------- documents

_FIELD_VALIDATION = {
    "name": "fieldValidation", "in": "query", "schema": {"type": "string", "uniqueItems": True},
    "description": "fieldValidation instructs the server on how to handle objects in the "
                   "request (POST/PUT/PATCH) containing unknown or duplicate fields. Valid "
                   "values are: - Ignore: This will ignore any unknown fields that are "
                   "silently dropped from the object, and will ignore all but the last "
                   "duplicate field that the decoder encounters. - Warn: This will send a "
                   "warning via the standard warning response header for each unknown field "
                   "that is dropped from the object, and for each duplicate field that is "
                   "encountered. The request will still succeed if there are no other errors, "
                   "and will only persist the last of any duplicate fields. This is the "
                   "default in v1.23+ - Strict: This will fail the request with a BadRequest "
                   "error if any unknown fields would be dropped from the object, or if any "
                   "duplicate fields are present. The error returned from the server will "
                   "contain all unknown and duplicate fields encountered."}


def _query(name: str, description: str, type_: str = "string") -> dict[str, Any]:
    return {"name": name, "in": "query", "description": description,
            "schema": {"type": type_, "uniqueItems": True}}


_DRY_RUN = _query("dryRun", "When present, indicates that modifications should not be "
                  "persisted. Valid values are: - All: all dry run stages will be processed")
_FIELD_MANAGER = _query("fieldManager", "fieldManager is a name associated with the actor or "
                        "entity that is making these changes.")
_FORCE = _query("force", "Force is going to \"force\" Apply requests. It means user will "
                "re-acquire conflicting fields owned by other people.", "boolean")
_PRETTY = _query("pretty", "If 'true', then the output is pretty printed.")
_LIST_PARAMS = [
    _query("allowWatchBookmarks", "allowWatchBookmarks requests watch events with type "
           "\"BOOKMARK\".", "boolean"),
    _query("continue", "The continue option should be set when retrieving more results "
           "from the server."),
    _query("fieldSelector", "A selector to restrict the list of returned objects by their "
           "fields. Defaults to everything."),
    _query("labelSelector", "A selector to restrict the list of returned objects by their "
           "labels. Defaults to everything."),
    _query("limit", "limit is a maximum number of responses to return for a list call.",
           "integer"),
    _query("resourceVersion", "resourceVersion sets a constraint on what resource versions "
           "a request may be served from."),
    _query("resourceVersionMatch", "resourceVersionMatch determines how resourceVersion is "
           "applied to list calls."),
    _query("sendInitialEvents", "`sendInitialEvents=true` may be set together with "
           "`watch=true`.", "boolean"),
    _query("timeoutSeconds", "Timeout for the list/watch call.", "integer"),
    _query("watch", "Watch for changes to the described resources and return them as a "
           "stream of add, update, and remove notifications.", "boolean"),
]
_DELETE_PARAMS = [
    _DRY_RUN,
    _query("gracePeriodSeconds", "The duration in seconds before the object should be "
           "deleted.", "integer"),
    _query("ignoreStoreReadErrorWithClusterBreakingPotential", "if set to true, it will "
           "trigger an unsafe deletion of the resource in case the normal deletion flow "
           "fails with a corrupt object error.", "boolean"),
    _query("orphanDependents", "Deprecated: please use the PropagationPolicy, this field "
           "will be deprecated in 1.7.", "boolean"),
    _query("propagationPolicy", "Whether and how garbage collection will be performed."),
]
_PATCH_TYPES = ("application/apply-patch+yaml", "application/json-patch+json",
                "application/merge-patch+json", "application/strategic-merge-patch+json")


def _path_param(name: str, description: str) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "description": description,
            "schema": {"type": "string", "uniqueItems": True}}


def _camel_group(group: str, version: str) -> str:
    pkg = _pkg(group)
    return pkg[:1].upper() + pkg[1:] + version[:1].upper() + version[1:]


class _DocBuilder:
    def __init__(self, group: str, version: str, schemas: dict[str, dict[str, Any]],
                 root_of: Callable[..., str | None]):
        self.group, self.version = group, version
        self.schemas, self.root_of = schemas, root_of
        self.paths: dict[str, dict[str, Any]] = {}
        self.used: set[str] = set()

    def _response(self, component: str | None, codes: tuple[str, ...]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for code in codes:
            entry: dict[str, Any] = {"description": {"200": "OK", "201": "Created",
                                                     "202": "Accepted"}[code]}
            if component and component in self.schemas:
                self.used.add(component)
                entry["content"] = {"application/json": {"schema": _ref(component)}}
            out[code] = entry
        out["401"] = {"description": "Unauthorized"}
        return out

    def _body(self, component: str | None, types: tuple[str, ...] = ("*/*",)) -> dict:
        content = {}
        for t in types:
            content[t] = {"schema": _ref(component)} \
                if component and component in self.schemas else {}
            if component and component in self.schemas:
                self.used.add(component)
        return {"content": content, "required": True}

    def _op(self, action: str, verb: str, what: str, gvk: dict[str, str], op_id: str,
            response: str | None, codes: tuple[str, ...], params: list[dict],
            body: dict | None = None) -> dict[str, Any]:
        op: dict[str, Any] = {
            "description": f"{verb} {what}", "operationId": op_id,
            "tags": [f"{_pkg(self.group)}_{self.version}"],
        }
        if params:
            op["parameters"] = list(params)
        if body is not None:
            op["requestBody"] = body
        op["responses"] = self._response(response, codes)
        op["x-kubernetes-action"] = action
        op["x-kubernetes-group-version-kind"] = dict(gvk)
        return op

    def kind(self, kind: Kind) -> None:
        g, v = self.group, self.version
        prefix = f"/apis/{g}/{v}" if g else f"/api/{v}"
        gvk = {"group": g, "kind": kind.kind, "version": v}
        comp = self.root_of(kind, v)
        list_comp = self.root_of(kind, v, list_=True)
        ns = "Namespaced" if kind.namespaced else ""
        base = _camel_group(g, v)
        coll = f"{prefix}/namespaces/{{namespace}}/{kind.plural}" if kind.namespaced \
            else f"{prefix}/{kind.plural}"
        item = f"{coll}/{{name}}"
        verbs = set(kind.verbs)
        common = [_path_param("namespace", "object name and auth scope, such as for teams "
                              "and projects")] if kind.namespaced else []
        name_param = _path_param("name", f"name of the {kind.kind}")
        writes = [_DRY_RUN, _FIELD_MANAGER, _FIELD_VALIDATION]
        patch_body = self._body(PATCH, _PATCH_TYPES)

        coll_ops: dict[str, Any] = {}
        if "list" in verbs:
            coll_ops["get"] = self._op("list", "list or watch objects of kind", kind.kind, gvk,
                                       f"list{base}{ns}{kind.kind}", list_comp, ("200",),
                                       _LIST_PARAMS)
        if "create" in verbs:
            coll_ops["post"] = self._op("post", "create", f"a {kind.kind}", gvk,
                                        f"create{base}{ns}{kind.kind}", comp,
                                        ("200", "201", "202"), writes, self._body(comp))
        if "deletecollection" in verbs:
            coll_ops["delete"] = self._op(
                "deletecollection", "delete collection of", kind.kind, gvk,
                f"deleteCollection{base}{ns}{kind.kind}", STATUS, ("200",),
                _DELETE_PARAMS + _LIST_PARAMS, self._body(DELETE_OPTIONS))
        if coll_ops:
            coll_ops["parameters"] = common + [_PRETTY]
            self.paths[coll] = coll_ops

        item_ops: dict[str, Any] = {}
        if "get" in verbs:
            item_ops["get"] = self._op("get", "read the specified", kind.kind, gvk,
                                       f"read{base}{ns}{kind.kind}", comp, ("200",), [])
        if "update" in verbs:
            item_ops["put"] = self._op("put", "replace the specified", kind.kind, gvk,
                                       f"replace{base}{ns}{kind.kind}", comp, ("200", "201"),
                                       writes, self._body(comp))
        if "patch" in verbs:
            item_ops["patch"] = self._op("patch", "partially update the specified", kind.kind,
                                         gvk, f"patch{base}{ns}{kind.kind}", comp,
                                         ("200", "201"), writes + [_FORCE], patch_body)
        if "delete" in verbs:
            item_ops["delete"] = self._op("delete", "delete", f"a {kind.kind}", gvk,
                                          f"delete{base}{ns}{kind.kind}", STATUS,
                                          ("200", "202"), _DELETE_PARAMS,
                                          self._body(DELETE_OPTIONS))
        if item_ops:
            item_ops["parameters"] = [name_param] + common + [_PRETTY]
            self.paths[item] = item_ops

        if kind.namespaced and "list" in verbs:
            self.paths[f"{prefix}/{kind.plural}"] = {
                "get": self._op("list", "list or watch objects of kind", kind.kind, gvk,
                                f"list{base}{kind.kind}ForAllNamespaces", list_comp,
                                ("200",), _LIST_PARAMS),
                "parameters": [_PRETTY]}

        for sub, sub_gvk, sub_comp in (
                ("status", gvk, comp),
                ("scale", {"group": "autoscaling", "kind": "Scale", "version": "v1"}, SCALE)):
            if sub not in kind.subresources:
                continue
            title = sub.capitalize()
            self.paths[f"{item}/{sub}"] = {
                "get": self._op("get", f"read {sub} of the specified", kind.kind, sub_gvk,
                                f"read{base}{ns}{kind.kind}{title}", sub_comp, ("200",), []),
                "put": self._op("put", f"replace {sub} of the specified", kind.kind, sub_gvk,
                                f"replace{base}{ns}{kind.kind}{title}", sub_comp,
                                ("200", "201"), writes, self._body(sub_comp)),
                "patch": self._op("patch", f"partially update {sub} of the specified",
                                  kind.kind, sub_gvk, f"patch{base}{ns}{kind.kind}{title}",
                                  sub_comp, ("200", "201"), writes + [_FORCE], patch_body),
                "parameters": [name_param] + common + [_PRETTY]}

    def document(self) -> dict[str, Any]:
        # the closure of every schema the operations use
        todo, seen = list(self.used), set()
        while todo:
            name = todo.pop()
            if name in seen or name not in self.schemas:
                continue
            seen.add(name)
            todo.extend(_refs(self.schemas[name]))
        return {"openapi": "3.0.0",
                "info": {"title": "Kubernetes", "version": K8S_VERSION},
                "paths": self.paths,
                "components": {"schemas": {n: self.schemas[n] for n in sorted(seen)}}}


def _refs(schema: Any) -> list[str]:
    out: list[str] = []
    if isinstance(schema, dict):
        for k, v in schema.items():
            if k == "$ref" and isinstance(v, str) and v.startswith(REF):
                out.append(v[len(REF):])
            else:
                out.extend(_refs(v))
    elif isinstance(schema, list):
        for v in schema:
            out.extend(_refs(v))
    return out


# ------------------------------------------------------------------- state


class _State:
    def __init__(self) -> None:
        self.schemas: dict[str, dict[str, Any]] = copy.deepcopy(_SPECIAL_SCHEMAS)
        self.roots: dict[tuple[str, str, str, bool], str] = {}   # (g, v, kind, list)
        models = _import_models()
        if models is not None:
            self._build_schemas(models)
        self.docs: dict[str, tuple[dict[str, Any], bytes, str]] = {}
        for group, versions in REGISTRY.groups():
            for version in versions:
                b = _DocBuilder(group, version, self.schemas, self.root_of)
                for kind in REGISTRY.resources(group, version):
                    b.kind(kind)
                doc = b.document()
                text = json.dumps(doc, sort_keys=True, separators=(",", ":")).encode()
                digest = hashlib.sha512(text).hexdigest().upper()
                self.docs[gv_path(group, version)] = (doc, text, digest)

    def root_of(self, kind: Kind, version: str, list_: bool = False) -> str | None:
        return self.roots.get((kind.group, version, kind.kind, list_))

    def _build_schemas(self, models: Any) -> None:
        b = _Builder(models)
        for kind in REGISTRY.all():
            for version in kind.served_versions:
                for list_ in (False, True):
                    name = kind.kind + ("List" if list_ else "")
                    component = schema_name(kind.group, version, name)
                    pkg = _pkg(kind.group)
                    ver = version[:1].upper() + version[1:]
                    for py in (pkg[:1].upper() + pkg[1:] + ver + name, ver + name):
                        if b.add(component, py):
                            self.roots[(kind.group, version, kind.kind, list_)] = component
                            break
        for component, py in ((STATUS, "V1Status"), (DELETE_OPTIONS, "V1DeleteOptions"),
                              (SCALE, "V1Scale")):
            b.add(component, py)
        b.run()
        self.schemas = b.schemas
        for (group, version, kind, list_), component in self.roots.items():
            self.schemas[component]["x-kubernetes-group-version-kind"] = [
                {"group": group, "kind": kind + ("List" if list_ else ""), "version": version}]
        for component, gvk in ((STATUS, {"group": "", "kind": "Status", "version": "v1"}),
                               (SCALE, {"group": "autoscaling", "kind": "Scale",
                                        "version": "v1"})):
            if component in self.schemas:
                self.schemas[component]["x-kubernetes-group-version-kind"] = [gvk]
        if DELETE_OPTIONS in self.schemas:
            self.schemas[DELETE_OPTIONS]["x-kubernetes-group-version-kind"] = [
                {"group": g, "kind": "DeleteOptions", "version": v}
                for g, vs in REGISTRY.groups() for v in vs]


def _import_models() -> Any:
    try:
        from kubernetes.client import models
    except ImportError:
        log.warning("the kubernetes package is not installed: OpenAPI documents carry "
                    "paths but no schemas, and field validation finds nothing")
        return None
    return models


_LOCK = threading.Lock()
_STATE: _State | None = None


def _state() -> _State:
    global _STATE
    if _STATE is None:
        with _LOCK:
            if _STATE is None:
                _STATE = _State()
    return _STATE


# ------------------------------------------------------------------- public


def v3_root() -> dict[str, Any]:
    """``GET /openapi/v3``: every served group-version's document and its hash."""
    st = _state()
    return {"paths": {path: {"serverRelativeURL": f"/openapi/v3/{path}?hash={digest}"}
                      for path, (_, _, digest) in st.docs.items()}}


def _doc_key(path: str) -> str:
    path = path.strip("/")
    if path.startswith("openapi/v3/"):
        path = path[len("openapi/v3/"):]
    return path.split("?", 1)[0]


def v3_document(path: str) -> dict[str, Any] | None:
    """``GET /openapi/v3/<path>`` (``api/v1``, ``apis/apps/v1``...), or None.

    The document is shared and cached: callers must not modify it.
    """
    entry = _state().docs.get(_doc_key(path))
    return entry[0] if entry else None


def v3_document_json(path: str) -> tuple[bytes, str] | None:
    """The document already serialised, with its hash (an ETag), or None."""
    entry = _state().docs.get(_doc_key(path))
    return (entry[1], entry[2]) if entry else None


def v2() -> dict[str, Any] | None:
    """``/openapi/v2``: not served; kubectl 1.32 uses v3 (404 is fine)."""
    return None


def _version_of(kind: Kind, obj: Any) -> str:
    if isinstance(obj, dict):
        api_version = obj.get("apiVersion")
        if isinstance(api_version, str):
            version = api_version.rpartition("/")[2]
            if version in kind.served_versions:
                return version
    return kind.version


def known_fields(kind: Kind, version: str | None = None) -> dict[str, Any] | None:
    """The OpenAPI schema of ``kind`` (at ``version``, default the storage one), or None.

    The schema is shared: do not modify it.  Its ``properties`` refer to other
    schemas by ``allOf``/``$ref``; :func:`unknown_fields` walks them.
    """
    st = _state()
    component = st.root_of(kind, version or kind.version)
    return st.schemas.get(component) if component else None


def _resolve(schema: dict[str, Any], schemas: dict[str, dict[str, Any]]) -> dict[str, Any]:
    for _ in range(8):
        if "$ref" in schema:
            schema = schemas.get(schema["$ref"][len(REF):], {})
        elif len(schema.get("allOf") or ()) == 1 and "properties" not in schema:
            schema = schema["allOf"][0]
        else:
            break
    return schema


def unknown_fields(kind: Kind, obj: Any) -> list[str]:
    """JSON paths of the fields of ``obj`` that ``kind``'s schema does not define.

    Paths are written as kube-apiserver's strict decoding errors write them
    (``spec.foo``, ``spec.template.spec.containers[0].imagePullPolicyy``), in the
    object's order.  ``metadata`` and ``status`` are checked too; ``apiVersion`` and
    ``kind`` never count.  The version is the object's ``apiVersion`` when served,
    else the storage version.  Free-form fields (``x-kubernetes-preserve-unknown-fields``,
    maps) accept anything.  Without schemas the answer is always ``[]``.
    """
    st = _state()
    root = known_fields(kind, _version_of(kind, obj))
    out: list[str] = []
    if root is None or not isinstance(obj, dict):
        return out
    top = {k: v for k, v in obj.items() if k not in ("apiVersion", "kind")}
    _walk(root, top, "", out, st.schemas)
    return out


def _walk(schema: dict[str, Any], value: Any, path: str, out: list[str],
          schemas: dict[str, dict[str, Any]]) -> None:
    schema = _resolve(schema, schemas)
    if isinstance(value, dict):
        props = schema.get("properties")
        if props is not None:
            for key, item in value.items():
                sub = f"{path}.{key}" if path else str(key)
                if key not in props:
                    out.append(sub)
                elif item is not None:
                    _walk(props[key], item, sub, out, schemas)
            return
        extra = schema.get("additionalProperties")
        if isinstance(extra, dict):
            for key, item in value.items():
                if item is not None:
                    _walk(extra, item, f"{path}.{key}" if path else str(key), out, schemas)
    elif isinstance(value, list):
        items = schema.get("items")
        if isinstance(items, dict):
            for i, item in enumerate(value):
                if item is not None:
                    _walk(items, item, f"{path}[{i}]", out, schemas)
