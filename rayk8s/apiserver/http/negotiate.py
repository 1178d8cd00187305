"""Content negotiation: what a request body is, and what shape a response takes.

Request bodies (``Content-Type``)
- ``application/json`` (also when the header is missing, as kube-apiserver
  defaults to its first serializer): parsed with duplicate keys recorded,
  NaN/Infinity refused as Go's decoder refuses them.
- ``application/yaml``: YAML 1.1 as sigs.k8s.io/yaml reads it, except that
  timestamps stay strings (objects are JSON-shaped; a datetime would not
  survive the store or the response), duplicate keys recorded.
- ``application/vnd.kubernetes.protobuf``: decoded by ``protobuf.decode``
  (kubectl 1.32's typed clients send ``create deployment`` this way).
Duplicate keys are kept out of band -- ``Body.duplicates`` maps ``id()`` of
each parsed mapping to its repeated keys -- so the decoded data stays plain
dicts that the registry can store as they are; field validation reads the
side table while the tree is alive.

Responses are always JSON (kubectl accepts JSON even when it lists protobuf
first).  The Accept header picks the *form*: the object itself, a
``meta.k8s.io`` Table (``as=Table``), or PartialObjectMetadata(List).  Media
ranges are taken in order and the first one we can produce wins; when none
can be produced we answer JSON anyway rather than 406, which every client
seen here prefers.  Bodies above 128 KiB are gzipped for clients that accept
it (kube-apiserver's threshold); watch streams never are.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import yaml
from aiohttp import web

from ...api import errors
from ...api.kinds import Kind

# kube-apiserver's limit on request bodies (3 MiB; --max-request-bytes is larger
# only for etcd), answered with 413.
MAX_BODY_BYTES = 3 * 1024 * 1024
GZIP_THRESHOLD = 128 * 1024
JSON = "application/json"
YAML = "application/yaml"
PROTOBUF = "application/vnd.kubernetes.protobuf"
_META_VERSIONS = ("v1", "v1beta1")

try:  # written by another module's author; optional until it lands
    from . import tables as _tables
except ImportError:  # pragma: no cover - depends on the tree
    _tables = None


def media_type(header: str | None) -> str:
    return (header or "").split(";", 1)[0].strip().lower()


# ------------------------------------------------------------------ Accept

@dataclass(frozen=True)
class Target:
    """The response form: "object", "table" or "partial" (meta.k8s.io ``version``)."""

    form: str = "object"
    version: str = "v1"


OBJECT = Target()


def parse_accept(header: str | None) -> Target:
    for entry in (header or "").split(","):
        parts = [p.strip() for p in entry.split(";")]
        mt = parts[0].lower()
        params = {}
        for p in parts[1:]:
            key, _, value = p.partition("=")
            params[key.strip().lower()] = value.strip()
        as_ = params.get("as")
        if as_:
            if mt not in (JSON, "*/*", "application/*"):
                continue
            if params.get("g") != "meta.k8s.io" or params.get("v") not in _META_VERSIONS:
                continue
            if as_ == "Table":
                return Target("table", params["v"])
            if as_ in ("PartialObjectMetadata", "PartialObjectMetadataList"):
                return Target("partial", params["v"])
            continue
        if mt in (JSON, "*/*", "application/*", "", YAML):
            return OBJECT
    return OBJECT


def tables_available() -> bool:
    return _tables is not None


def include_object_param(value: str | None) -> str:
    value = value or "Metadata"
    if value not in ("None", "Object", "Metadata"):
        raise errors.bad_request(f'includeObject: Unsupported value: "{value}": supported '
                                 'values: "None", "Object", "Metadata"')
    return value


def _partial(meta_version: str, obj: dict) -> dict:
    return {"kind": "PartialObjectMetadata", "apiVersion": f"meta.k8s.io/{meta_version}",
            "metadata": obj.get("metadata") or {}}


def to_table(target: Target, kind: Kind, objs: list[dict], now: float, list_meta: dict | None,
             include_object: str, include_definitions: bool = True) -> dict:
    table = _tables.to_table(kind, objs, now, list_meta, include_definitions)
    if target.version != "v1":
        table = dict(table, apiVersion=f"meta.k8s.io/{target.version}")
    if include_object != "Metadata":
        rows = []
        for row, obj in zip(table.get("rows") or [], objs):
            row = dict(row)
            if include_object == "None":
                row.pop("object", None)
            else:
                row["object"] = obj
            rows.append(row)
        table = dict(table, rows=rows)
    return table


def render_list(target: Target, kind: Kind, listed: dict, now: float,
                include_object: str) -> dict:
    if target.form == "table" and _tables is not None:
        return to_table(target, kind, listed["items"], now, listed.get("metadata"),
                        include_object)
    if target.form == "partial":
        return {"kind": "PartialObjectMetadataList",
                "apiVersion": f"meta.k8s.io/{target.version}",
                "metadata": listed.get("metadata") or {},
                "items": [_partial(target.version, o) for o in listed["items"]]}
    return listed


def render_object(target: Target, kind: Kind, obj: dict, now: float, include_object: str,
                  include_definitions: bool = True) -> dict:
    if obj.get("kind") == "Status":
        return obj
    if target.form == "table" and _tables is not None:
        rv = (obj.get("metadata") or {}).get("resourceVersion")
        return to_table(target, kind, [obj], now, {"resourceVersion": rv} if rv else {},
                        include_object, include_definitions)
    if target.form == "partial":
        return _partial(target.version, obj)
    return obj


# ------------------------------------------------------------- responses

def dumps(obj: Any) -> bytes:
    return json.dumps(obj, separators=(",", ":")).encode()


def json_response(request: web.BaseRequest, obj: Any, status: int = 200,
                  warnings: list[str] | None = None) -> web.Response:
    return bytes_response(request, dumps(obj), status, warnings)


def bytes_response(request: web.BaseRequest, body: bytes, status: int = 200,
                   warnings: list[str] | None = None) -> web.Response:
    """An already serialised JSON body (gzipped past the threshold)."""
    resp = web.Response(body=body, status=status, content_type=JSON)
    for text in warnings or ():
        resp.headers.add("Warning", warning_header(text))
    if len(body) >= GZIP_THRESHOLD and "gzip" in request.headers.get("Accept-Encoding", ""):
        resp.enable_compression(web.ContentCoding.gzip)
    return resp


def status_response(request: web.BaseRequest, err: errors.ApiError) -> web.Response:
    return json_response(request, err.status, err.code)


def warning_header(text: str) -> str:
    """RFC 7234 warning as kube-apiserver writes it: ``299 - "<text>"``."""
    return '299 - "' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


# ----------------------------------------------------------------- bodies

@dataclass
class Body:
    data: Any
    media_type: str = JSON
    duplicates: dict[int, list[str]] = field(default_factory=dict)


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"invalid character '{name[0]}' looking for beginning of value")


def parse_json(raw: bytes | str) -> Body:
    dups: dict[int, list[str]] = {}

    def hook(pairs: list[tuple[str, Any]]) -> dict:
        out: dict = {}
        repeated: list[str] = []
        for key, value in pairs:
            if key in out and key not in repeated:
                repeated.append(key)
            out[key] = value
        if repeated:
            dups[id(out)] = repeated
        return out

    text = raw.decode("utf-8") if isinstance(raw, (bytes, bytearray)) else raw
    data = json.loads(text, object_pairs_hook=hook, parse_constant=_refuse_constant)
    return Body(data, JSON, dups)


class _YamlLoader(yaml.SafeLoader):
    """SafeLoader that records duplicate keys and leaves timestamps as strings."""

    def __init__(self, stream):
        super().__init__(stream)
        self.duplicates: dict[int, list[str]] = {}


_YamlLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()}


def _construct_map(loader: _YamlLoader, node: yaml.MappingNode):
    data: dict = {}
    yield data
    data.update(loader.construct_mapping(node))
    seen: set = set()
    repeated: list[str] = []
    for key_node, _ in node.value:
        if key_node.tag == "tag:yaml.org,2002:merge":
            continue
        key = loader.construct_object(key_node)
        try:
            if key in seen and key not in repeated:
                repeated.append(str(key))
            seen.add(key)
        except TypeError:  # unhashable key: construct_mapping has refused it already
            continue
    if repeated:
        loader.duplicates[id(data)] = repeated


_YamlLoader.add_constructor("tag:yaml.org,2002:map", _construct_map)


def parse_yaml(raw: bytes | str) -> Body:
    loader = _YamlLoader(raw.decode("utf-8") if isinstance(raw, (bytes, bytearray)) else raw)
    try:
        data = loader.get_single_data()
        return Body(data, YAML, loader.duplicates)
    finally:
        loader.dispose()


def decode_body(content_type: str | None, raw: bytes, expected: str = "") -> Body:
    """Decode a request body; 415 for media types we do not read, 400 when
    the body does not parse (``expected`` names the kind in the message)."""
    mt = media_type(content_type) or JSON
    what = f" (must be of type {expected})" if expected else ""
    if mt == JSON:
        try:
            return parse_json(raw)
        except (ValueError, UnicodeDecodeError) as exc:
            raise errors.bad_request(f"the object provided is unrecognized{what}: "
                                     f"couldn't get version/kind; json parse error: {exc}")
    if mt == YAML:
        try:
            return parse_yaml(raw)
        except (yaml.YAMLError, UnicodeDecodeError) as exc:
            raise errors.bad_request(f"the object provided is unrecognized{what}: "
                                     f"error converting YAML to JSON: {exc}")
    if mt == PROTOBUF:
        try:
            from . import protobuf
        except ImportError:
            raise errors.ApiError(errors.status(
                415, "UnsupportedMediaType",
                "the body of the request was in an unknown format - accepted media types "
                "include: application/json, application/yaml (protobuf request bodies are "
                "not decoded by this server yet)"))
        return Body(protobuf.decode(raw), PROTOBUF)
    raise errors.unsupported_media_type(content_type or "")
