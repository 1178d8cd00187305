"""Query parameters as kube-apiserver's parameter codec reads them.

Booleans follow Go's ``strconv.ParseBool`` (``1``/``t``/``true``/``True``...),
integers must parse, ``dryRun`` may repeat and only ``All`` is valid.  A
parameter that does not parse is a 400; an unsupported value of a known
option is a 422 naming the options kind, as the real validation does.
"""

from __future__ import annotations

from aiohttp import web

from ...api import errors

_RequestKey = getattr(web, "RequestKey", None)  # aiohttp >= 3.12
# Set on a request once the registry has counted it in its metrics.
REACHED = _RequestKey("rayk8s.registry_reached", bool) if _RequestKey else \
    "rayk8s.registry_reached"
# The authenticated user of a request (auth.User), when a token file is used.
USER = _RequestKey("rayk8s.user", object) if _RequestKey else "rayk8s.user"
_TRUE = ("1", "t", "T", "true", "TRUE", "True")
_FALSE = ("0", "f", "F", "false", "FALSE", "False")


def bool_param(query, name: str) -> bool | None:
    value = query.get(name)
    if value is None or value == "":
        return None
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise errors.bad_request(f'invalid value for "{name}": {value!r} is not a boolean')


def int_param(query, name: str) -> int | None:
    value = query.get(name)
    if value is None or value == "":
        return None
    try:
        return int(value)
    except ValueError:
        raise errors.bad_request(f'invalid value for "{name}": {value!r} is not an integer') \
            from None


def dry_run(values, options: str) -> bool:
    """Whether ``dryRun`` (a list of directives) asks for a dry run."""
    values = [v for v in values or () if v != ""]
    for v in values:
        if v != "All":
            raise errors.invalid(options, "", [errors.Cause(
                "dryRun", f'Unsupported value: "{v}": supported values: "All"',
                "FieldValueNotSupported")], "meta.k8s.io")
    return bool(values)
