"""Kubernetes protobuf request bodies -> the JSON-shaped dicts the registry takes.

kubectl 1.32's typed clients (``create deployment``, ``autoscale``, and the other
``kubectl create <generator>`` subcommands) POST ``application/vnd.kubernetes.protobuf``
with no fallback to JSON (see ``shared/design/kubectl-wire.md`` §3).  The envelope is
kube's ``runtime.Unknown`` behind a 4-byte magic::

    "k8s\\x00" Unknown{1: TypeMeta{1: apiVersion, 2: kind}, 2: raw (the object),
                       3: contentEncoding, 4: contentType}

``raw`` is decoded by field number with the tables of ``_pb_schema`` (derived from
k8s.io/api 1.32).  The result is what Kubernetes' own JSON encoding of the same Go
object would be, so the registry cannot tell the two paths apart:

- gogo-protobuf writes every non-pointer scalar even when it is zero; a zero is
  dropped unless the JSON keeps it (pointer fields such as ``replicas: 0``, or
  fields without ``omitempty`` such as ``containerPort``);
- a nested message that is on the wire is emitted, even when empty
  (``"strategy": {}``, ``"resources": {}``), as Go's JSON emits structs;
- ``Time`` is RFC 3339 in UTC, seconds only (an empty Time is the zero time and
  is dropped, where JSON says ``null``); ``MicroTime`` keeps microseconds;
  ``Quantity`` is its string; ``IntOrString`` an int or a string; ``bytes`` are
  base64; map fields are repeated ``{1: key, 2: value}`` entries;
- unknown field numbers are skipped, as protobuf parsers do.

Errors: a body that is not a Kubernetes protobuf envelope, or whose bytes do not
parse, is a 400; a well-formed envelope naming a kind this server does not decode
is a 415 naming the kind.  The wire reader is hand-written (varints,
length-delimited, fixed32/64 and group skipping): no dependency, no code
generation.
"""

from __future__ import annotations

import base64
import datetime as _dt
import json
import struct
from typing import Any, Iterator, NamedTuple

from rayk8s.api import errors
from rayk8s.api.kinds import REGISTRY

from ._pb_schema import SPECS

MAGIC = b"k8s\x00"
CONTENT_TYPE = "application/vnd.kubernetes.protobuf"

_SCALARS = frozenset({"string", "int32", "int64", "bool", "bytes", "double"})
_SPECIAL = frozenset({"Time", "MicroTime", "Quantity", "IntOrString", "FieldsV1",
                      "RawExtension", "Duration"})
_EPOCH = _dt.datetime(1970, 1, 1, tzinfo=_dt.timezone.utc)

# Kinds decodable beyond the registry's: the scale subresource's body and
# DeleteOptions (which every group version registers).
_EXTRA_KINDS = {("autoscaling/v1", "Scale"): "autoscaling/v1.Scale"}


class Field(NamedTuple):
    number: int
    json: str        # "..." for an inlined member
    type: str        # scalar, special, or a message name of SPECS
    card: str        # "" | "*" (repeated) | "{}" (map, string keys)
    keep_zero: bool  # scalar kept in JSON even when zero


def _parse_specs(specs: dict[str, str]) -> dict[str, dict[int, Field]]:
    out: dict[str, dict[int, Field]] = {}
    for name, text in specs.items():
        fields: dict[int, Field] = {}
        for part in text.split(";"):
            words = part.split()
            num, jname, typ = int(words[0]), words[1], words[2]
            card = ""
            if typ.endswith("*"):
                typ, card = typ[:-1], "*"
            elif typ.endswith("{}"):
                typ, card = typ[:-2], "{}"
            fields[num] = Field(num, jname, typ, card, len(words) > 3 and words[3] == "!")
        out[name] = fields
    return out


SCHEMA: dict[str, dict[int, Field]] = _parse_specs(SPECS)
"""Message name (``apps/v1.DeploymentSpec``) -> field number -> :class:`Field`."""


class _Malformed(Exception):
    pass


# --------------------------------------------------------------------------- wire


def _varint(buf: bytes, pos: int) -> tuple[int, int]:
    result = shift = 0
    while True:
        if pos >= len(buf):
            raise _Malformed("truncated varint")
        b = buf[pos]
        pos += 1
        result |= (b & 0x7F) << shift
        if not b & 0x80:
            return result, pos
        shift += 7
        if shift >= 70:
            raise _Malformed("varint too long")


def _fields(buf: bytes) -> Iterator[tuple[int, int, Any]]:
    """``(field number, wire type, value)``: an int for varints, bytes otherwise.

    Groups (wire types 3/4, unused by Kubernetes) are skipped whole.
    """
    pos, end = 0, len(buf)
    while pos < end:
        key, pos = _varint(buf, pos)
        num, wt = key >> 3, key & 7
        if num == 0:
            raise _Malformed("field number 0")
        if wt == 0:
            val, pos = _varint(buf, pos)
        elif wt == 2:
            n, pos = _varint(buf, pos)
            if pos + n > end:
                raise _Malformed("truncated length-delimited field")
            val, pos = buf[pos:pos + n], pos + n
        elif wt == 1:
            if pos + 8 > end:
                raise _Malformed("truncated fixed64")
            val, pos = buf[pos:pos + 8], pos + 8
        elif wt == 5:
            if pos + 4 > end:
                raise _Malformed("truncated fixed32")
            val, pos = buf[pos:pos + 4], pos + 4
        elif wt == 3:
            pos = _skip_group(buf, pos, num)
            continue
        else:
            raise _Malformed(f"unexpected wire type {wt}")
        yield num, wt, val


def _skip_group(buf: bytes, pos: int, num: int) -> int:
    depth = [num]
    while depth:
        key, pos = _varint(buf, pos)
        n, wt = key >> 3, key & 7
        if wt == 0:
            _, pos = _varint(buf, pos)
        elif wt == 1:
            pos += 8
        elif wt == 2:
            size, pos = _varint(buf, pos)
            pos += size
        elif wt == 5:
            pos += 4
        elif wt == 3:
            depth.append(n)
        elif wt == 4:
            if depth.pop() != n:
                raise _Malformed("mismatched group end")
        else:
            raise _Malformed(f"unexpected wire type {wt}")
        if pos > len(buf):
            raise _Malformed("truncated group")
    return pos


def _signed(v: int, bits: int = 64) -> int:
    v &= (1 << bits) - 1
    return v - (1 << bits) if v >> (bits - 1) else v


# ------------------------------------------------------------------------ values


def _scalar(typ: str, wt: int, val: Any) -> Any:
    if typ == "string":
        _want(wt, 2, typ)
        return bytes(val).decode("utf-8", errors="replace")
    if typ == "bytes":
        _want(wt, 2, typ)
        return base64.b64encode(bytes(val)).decode("ascii")
    if typ == "int32":
        _want(wt, 0, typ)
        return _signed(val, 32)
    if typ == "int64":
        _want(wt, 0, typ)
        return _signed(val, 64)
    if typ == "bool":
        _want(wt, 0, typ)
        return val != 0
    if typ == "double":
        _want(wt, 1, typ)
        return struct.unpack("<d", val)[0]
    raise _Malformed(f"unknown scalar type {typ}")


def _want(wt: int, expected: int, typ: str) -> None:
    if wt != expected:
        raise _Malformed(f"wire type {wt} for a {typ} field")


def _is_zero(v: Any) -> bool:
    return v == "" or v is False or (v == 0 and not isinstance(v, bool) and isinstance(v, int))


def _time(buf: bytes, micro: bool) -> str | None:
    if not buf:
        return None                     # the zero time; JSON says null
    seconds = nanos = 0
    for num, wt, val in _fields(buf):
        if num == 1 and wt == 0:
            seconds = _signed(val)
        elif num == 2 and wt == 0:
            nanos = _signed(val, 32)
    try:
        t = _EPOCH + _dt.timedelta(seconds=seconds)
    except OverflowError as e:
        raise _Malformed("time out of range") from e
    text = (f"{t.year:04d}-{t.month:02d}-{t.day:02d}"
            f"T{t.hour:02d}:{t.minute:02d}:{t.second:02d}")
    if micro:
        return text + f".{max(0, min(999_999, nanos // 1000)):06d}Z"
    return text + "Z"                   # metav1.Time drops nanoseconds


def _duration(buf: bytes) -> str:
    """A ``metav1.Duration`` as Go's ``time.Duration.String()``."""
    ns = 0
    for num, wt, val in _fields(buf):
        if num == 1 and wt == 0:
            ns = _signed(val)
    if ns == 0:
        return "0s"
    sign, ns = ("-", -ns) if ns < 0 else ("", ns)
    if ns < 1_000_000_000:
        for unit, size in (("ms", 1_000_000), ("µs", 1_000), ("ns", 1)):
            if ns >= size:
                return sign + _trim(ns / size) + unit
    h, rest = divmod(ns, 3600 * 10**9)
    m, rest = divmod(rest, 60 * 10**9)
    s = _trim(rest / 10**9)
    return sign + (f"{h}h" if h else "") + (f"{m}m" if h or m else "") + f"{s}s"


def _trim(x: float) -> str:
    text = f"{x:.9f}".rstrip("0").rstrip(".")
    return text or "0"


def _special(typ: str, buf: bytes) -> Any:
    if typ == "Time":
        return _time(buf, micro=False)
    if typ == "MicroTime":
        return _time(buf, micro=True)
    if typ == "Quantity":
        text = ""
        for num, wt, val in _fields(buf):
            if num == 1 and wt == 2:
                text = bytes(val).decode("utf-8", errors="replace")
        return text or "0"
    if typ == "IntOrString":
        kind, ival, sval = 0, 0, ""
        for num, wt, val in _fields(buf):
            if num == 1 and wt == 0:
                kind = _signed(val)
            elif num == 2 and wt == 0:
                ival = _signed(val, 32)
            elif num == 3 and wt == 2:
                sval = bytes(val).decode("utf-8", errors="replace")
        return sval if kind == 1 else ival
    if typ in ("FieldsV1", "RawExtension"):
        raw = b""
        for num, wt, val in _fields(buf):
            if num == 1 and wt == 2:
                raw = bytes(val)
        if not raw:
            return None
        try:
            return json.loads(raw)
        except ValueError:
            return None                 # not JSON (a protobuf-encoded extension)
    if typ == "Duration":
        return _duration(buf)
    raise _Malformed(f"unknown type {typ}")


def _value(typ: str, wt: int, val: Any) -> Any:
    if typ in _SCALARS:
        return _scalar(typ, wt, val)
    _want(wt, 2, typ)
    if typ in _SPECIAL:
        return _special(typ, bytes(val))
    return _message(typ, bytes(val))


def _map_entry(typ: str, buf: bytes) -> tuple[str, Any]:
    key, value = "", None
    for num, wt, val in _fields(buf):
        if num == 1:
            key = _scalar("string", wt, val)
        elif num == 2:
            value = _value(typ, wt, val)
    if value is None:                   # value absent on the wire: Go's zero value
        value = {"string": "", "bytes": "", "int32": 0, "int64": 0, "bool": False,
                 "double": 0.0, "Quantity": "0", "IntOrString": 0}.get(typ, {})
        if typ in ("Time", "MicroTime", "FieldsV1", "RawExtension"):
            value = None
    return key, value


def _message(name: str, buf: bytes) -> dict[str, Any]:
    fields = SCHEMA[name]
    out: dict[str, Any] = {}
    inlined: list[dict[str, Any]] = []
    for num, wt, val in _fields(buf):
        f = fields.get(num)
        if f is None:
            continue                    # a field this table does not know: skip it
        if f.card == "{}":
            _want(wt, 2, "map")
            k, v = _map_entry(f.type, bytes(val))
            out.setdefault(f.json, {})[k] = v
        elif f.card == "*":
            items = out.setdefault(f.json, [])
            if wt == 2 and f.type in ("int32", "int64", "bool"):
                # packed encoding (proto3 style); Kubernetes writes unpacked, accept both
                pos, data = 0, bytes(val)
                while pos < len(data):
                    v, pos = _varint(data, pos)
                    items.append(_scalar(f.type, 0, v))
            else:
                items.append(_value(f.type, wt, val))
        elif f.json == "...":
            inlined.append(_value(f.type, wt, val))
        else:
            out[f.json] = _value(f.type, wt, val)
    for member in inlined:
        for k, v in member.items():
            out.setdefault(k, v)
    for f in fields.values():           # Kubernetes' JSON omits zero omitempty scalars
        if f.card or f.json not in out:
            continue
        v = out[f.json]
        if v is None or (f.type in _SCALARS and not f.keep_zero and _is_zero(v)):
            del out[f.json]
    return out


# ----------------------------------------------------------------------- public


def message_for(api_version: str, kind: str) -> str | None:
    """The message name decoding ``apiVersion``/``kind``, or None if not served."""
    if kind == "DeleteOptions":
        return "meta/v1.DeleteOptions"
    extra = _EXTRA_KINDS.get((api_version, kind))
    if extra:
        return extra
    group, _, version = api_version.rpartition("/")
    try:
        REGISTRY.for_gvk(api_version, kind)
    except errors.ApiError:
        return None
    name = f"{group.split('.')[0] if group else 'core'}/{version}.{kind}"
    return name if name in SCHEMA else None


def is_protobuf(content_type: str | None) -> bool:
    """True for ``application/vnd.kubernetes.protobuf`` (parameters ignored)."""
    return (content_type or "").split(";")[0].strip().lower() == CONTENT_TYPE


def decode(body: bytes) -> dict[str, Any]:
    """A protobuf request body as the object's JSON dict (``apiVersion``/``kind`` first).

    Raises ApiError 400 for a body that is not a well-formed Kubernetes protobuf
    envelope, 415 for an envelope carrying a kind this server does not decode.
    """
    body = bytes(body or b"")
    if not body.startswith(MAGIC):
        raise errors.bad_request(
            "the protobuf body does not begin with the Kubernetes magic prefix "
            "\"k8s\\x00\"")
    try:
        api_version = kind = ""
        raw, encoding = b"", ""
        for num, wt, val in _fields(body[len(MAGIC):]):
            if num == 1 and wt == 2:
                for n, w, v in _fields(bytes(val)):
                    if n == 1 and w == 2:
                        api_version = bytes(v).decode("utf-8", errors="replace")
                    elif n == 2 and w == 2:
                        kind = bytes(v).decode("utf-8", errors="replace")
            elif num == 2 and wt == 2:
                raw = bytes(val)
            elif num == 3 and wt == 2:
                encoding = bytes(val).decode("utf-8", errors="replace")
        if not kind:
            raise errors.bad_request("the protobuf body names no kind (empty TypeMeta)")
        name = message_for(api_version, kind)
        if name is None:
            raise errors.unsupported_media_type(
                f"{CONTENT_TYPE}: no protobuf decoding for kind {kind!r} in "
                f"{api_version or '<no apiVersion>'}")
        if encoding:
            raise errors.unsupported_media_type(
                f"{CONTENT_TYPE}: content encoding {encoding!r} is not supported")
        obj = _message(name, raw)
    except _Malformed as e:
        raise errors.bad_request(f"unable to decode the protobuf body: {e}") from None
    out: dict[str, Any] = {"kind": kind}
    if api_version:
        out["apiVersion"] = api_version
    out.update(obj)
    return out
