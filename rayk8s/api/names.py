"""Names and the string formats Kubernetes validates.

Every ``is_*`` check returns a list of human-readable problems, empty when the
value is fine -- the shape of apimachinery's ``IsDNS1123Label`` and friends --
so validation can turn each problem into one field error.  The messages are
worded as kube-apiserver words them, regexes and examples included, because
users (and tests written against a real cluster) read them verbatim.

``validate_object_name`` picks the rule a kind's ``metadata.name`` follows
(Namespace, StatefulSet: DNS-1123 label; Service: DNS-1035 label; the rest:
DNS-1123 subdomain); ``generate_name`` implements ``metadata.generateName``.

Label keys and values are checked here too (``is_qualified_name``,
``is_valid_label_value``) so that this module depends on nothing else.
"""

from __future__ import annotations

import ipaddress
import random
import re

DNS1123_LABEL_MAX = 63
DNS1123_SUBDOMAIN_MAX = 253
DNS1035_LABEL_MAX = 63
LABEL_VALUE_MAX = 63
QUALIFIED_NAME_MAX = 63

_DNS1123_LABEL_FMT = "[a-z0-9]([-a-z0-9]*[a-z0-9])?"
_DNS1123_SUBDOMAIN_FMT = _DNS1123_LABEL_FMT + "(\\." + _DNS1123_LABEL_FMT + ")*"
_DNS1035_LABEL_FMT = "[a-z]([-a-z0-9]*[a-z0-9])?"
_QUALIFIED_NAME_FMT = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]"
_LABEL_VALUE_FMT = "(" + _QUALIFIED_NAME_FMT + ")?"
_C_IDENTIFIER_FMT = "[A-Za-z_][A-Za-z0-9_]*"
_ENV_VAR_NAME_FMT = "[-._a-zA-Z][-._a-zA-Z0-9]*"
_CONFIG_MAP_KEY_FMT = "[-._a-zA-Z0-9]+"
_PERCENT_FMT = "[0-9]+%"
_HTTP_HEADER_NAME_FMT = "[-A-Za-z0-9]+"


def _full(fmt: str) -> re.Pattern:
    # \Z, not $: "$" also matches before a trailing newline, which Go's regexp does not.
    return re.compile("^(?:" + fmt + ")\\Z")


_DNS1123_LABEL_RE = _full(_DNS1123_LABEL_FMT)
_DNS1123_SUBDOMAIN_RE = _full(_DNS1123_SUBDOMAIN_FMT)
_DNS1035_LABEL_RE = _full(_DNS1035_LABEL_FMT)
_QUALIFIED_NAME_RE = _full(_QUALIFIED_NAME_FMT)
_LABEL_VALUE_RE = _full(_LABEL_VALUE_FMT)
_C_IDENTIFIER_RE = _full(_C_IDENTIFIER_FMT)
_ENV_VAR_NAME_RE = _full(_ENV_VAR_NAME_FMT)
_CONFIG_MAP_KEY_RE = _full(_CONFIG_MAP_KEY_FMT)
_PERCENT_RE = _full(_PERCENT_FMT)
_HTTP_HEADER_NAME_RE = _full(_HTTP_HEADER_NAME_FMT)
_PORT_NAME_CHARSET_RE = _full("[-a-z0-9]+")


# ------------------------------------------------------------------ messages

def max_len_error(length: int) -> str:
    return f"must be no more than {length} characters"


def regex_error(msg: str, fmt: str, *examples: str) -> str:
    """``msg (e.g. 'a' or 'b', regex used for validation is 'fmt')``."""
    if not examples:
        return f"{msg} (regex used for validation is '{fmt}')"
    shown = " or ".join(f"'{e}', " for e in examples)
    return f"{msg} (e.g. {shown}regex used for validation is '{fmt}')"


def empty_error() -> str:
    return "must be non-empty"


def inclusive_range_error(lo: int, hi: int) -> str:
    return f"must be between {lo} and {hi}, inclusive"


# ------------------------------------------------------------------ formats

def is_dns1123_label(value: str) -> list[str]:
    """RFC 1123 label: <= 63 chars of ``[a-z0-9-]``, alphanumeric at both ends."""
    errs = []
    if len(value) > DNS1123_LABEL_MAX:
        errs.append(max_len_error(DNS1123_LABEL_MAX))
    if not _DNS1123_LABEL_RE.match(value):
        if _DNS1123_SUBDOMAIN_RE.match(value):
            errs.append("must not contain dots")
        else:
            errs.append(regex_error(
                "a lowercase RFC 1123 label must consist of lower case alphanumeric "
                "characters or '-', and must start and end with an alphanumeric character",
                _DNS1123_LABEL_FMT, "my-name", "123-abc"))
    return errs


def is_dns1123_subdomain(value: str) -> list[str]:
    """RFC 1123 subdomain: dot-separated labels, <= 253 chars in all."""
    errs = []
    if len(value) > DNS1123_SUBDOMAIN_MAX:
        errs.append(max_len_error(DNS1123_SUBDOMAIN_MAX))
    if not _DNS1123_SUBDOMAIN_RE.match(value):
        errs.append(regex_error(
            "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric "
            "characters, '-' or '.', and must start and end with an alphanumeric character",
            _DNS1123_SUBDOMAIN_FMT, "example.com"))
    return errs


def is_dns1035_label(value: str) -> list[str]:
    """RFC 1035 label (Service names): starts with a letter."""
    errs = []
    if len(value) > DNS1035_LABEL_MAX:
        errs.append(max_len_error(DNS1035_LABEL_MAX))
    if not _DNS1035_LABEL_RE.match(value):
        errs.append(regex_error(
            "a DNS-1035 label must consist of lower case alphanumeric characters or '-', "
            "start with an alphabetic character, and end with an alphanumeric character",
            _DNS1035_LABEL_FMT, "my-name", "abc-123"))
    return errs


def is_qualified_name(value: str) -> list[str]:
    """A label key (and annotation key, finalizer, ...): ``[prefix/]name``."""
    parts = value.split("/")
    errs: list[str] = []
    if len(parts) == 1:
        name = parts[0]
    elif len(parts) == 2:
        prefix, name = parts
        if not prefix:
            errs.append("prefix part " + empty_error())
        else:
            errs.extend("prefix part " + m for m in is_dns1123_subdomain(prefix))
    else:
        return ["a qualified name " + regex_error(
            "must consist of alphanumeric characters, '-', '_' or '.', and must start "
            "and end with an alphanumeric character", _QUALIFIED_NAME_FMT,
            "MyName", "my.name", "123-abc")
            + " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"]
    if not name:
        errs.append("name part " + empty_error())
    elif len(name) > QUALIFIED_NAME_MAX:
        errs.append("name part " + max_len_error(QUALIFIED_NAME_MAX))
    if not _QUALIFIED_NAME_RE.match(name):
        errs.append("name part " + regex_error(
            "must consist of alphanumeric characters, '-', '_' or '.', and must start "
            "and end with an alphanumeric character", _QUALIFIED_NAME_FMT,
            "MyName", "my.name", "123-abc"))
    return errs


def is_valid_label_value(value: str) -> list[str]:
    errs = []
    if len(value) > LABEL_VALUE_MAX:
        errs.append(max_len_error(LABEL_VALUE_MAX))
    if not _LABEL_VALUE_RE.match(value):
        errs.append(regex_error(
            "a valid label must be an empty string or consist of alphanumeric characters, "
            "'-', '_' or '.', and must start and end with an alphanumeric character",
            _LABEL_VALUE_FMT, "MyValue", "my_value", "12345"))
    return errs


def is_c_identifier(value: str) -> list[str]:
    if _C_IDENTIFIER_RE.match(value):
        return []
    return [regex_error("a valid C identifier must start with alphabetic character or '_', "
                        "followed by a string of alphanumeric characters or '_'",
                        _C_IDENTIFIER_FMT, "my_name", "MY_NAME", "MyName")]


def _chdir_prefix(value: str) -> list[str]:
    if value == ".":
        return ["must not be '.'"]
    if value == "..":
        return ["must not be '..'"]
    if value.startswith(".."):
        return ["must not start with '..'"]
    return []


def is_env_var_name(value: str) -> list[str]:
    errs = []
    if not _ENV_VAR_NAME_RE.match(value):
        errs.append(regex_error(
            "a valid environment variable name must consist of alphabetic characters, "
            "digits, '_', '-', or '.', and must not start with a digit",
            _ENV_VAR_NAME_FMT, "my.env-name", "MY_ENV.NAME", "MyEnvName1"))
    return errs + _chdir_prefix(value)


def is_config_map_key(value: str) -> list[str]:
    """A ConfigMap/Secret data key."""
    errs = []
    if len(value) > DNS1123_SUBDOMAIN_MAX:
        errs.append(max_len_error(DNS1123_SUBDOMAIN_MAX))
    if not _CONFIG_MAP_KEY_RE.match(value):
        errs.append(regex_error(
            "a valid config key must consist of alphanumeric characters, '-', '_' or '.'",
            _CONFIG_MAP_KEY_FMT, "key.name", "KEY_NAME", "key-name"))
    return errs + _chdir_prefix(value)


def is_valid_port_num(port) -> list[str]:
    if isinstance(port, int) and not isinstance(port, bool) and 1 <= port <= 65535:
        return []
    return [inclusive_range_error(1, 65535)]


def is_in_range(value: int, lo: int, hi: int) -> list[str]:
    return [] if lo <= value <= hi else [inclusive_range_error(lo, hi)]


def is_valid_port_name(port: str) -> list[str]:
    """IANA_SVC_NAME: <= 15 of ``[-a-z0-9]``, a letter, no ``--``, no edge hyphen."""
    errs = []
    if len(port) > 15:
        errs.append(max_len_error(15))
    if not _PORT_NAME_CHARSET_RE.match(port):
        errs.append("must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)")
    if not re.search("[a-z]", port):
        errs.append("must contain at least one letter (a-z)")
    if "--" in port:
        errs.append("must not contain consecutive hyphens")
    if port and (port[0] == "-" or port[-1] == "-"):
        errs.append("must not begin or end with a hyphen")
    return errs


def is_valid_percent(value: str) -> list[str]:
    if _PERCENT_RE.match(value):
        return []
    return [regex_error("a valid percent string must be a numeric string followed by an "
                        "ending '%'", _PERCENT_FMT, "1%", "93%")]


def is_http_header_name(value: str) -> list[str]:
    if _HTTP_HEADER_NAME_RE.match(value):
        return []
    return [regex_error("a valid HTTP header must consist of alphanumeric characters or '-'",
                        _HTTP_HEADER_NAME_FMT, "X-Header-Name")]


def is_valid_ip(value: str) -> list[str]:
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return ["must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)"]
    return []


# ------------------------------------------------------------ object names

def _mask_trailing_dash(name: str) -> str:
    """A generateName prefix may end in '-': something will be appended."""
    return name[:-1] + "a" if len(name) > 1 and name.endswith("-") else name


def name_is_dns_subdomain(name: str, prefix: bool = False) -> list[str]:
    return is_dns1123_subdomain(_mask_trailing_dash(name) if prefix else name)


def name_is_dns_label(name: str, prefix: bool = False) -> list[str]:
    return is_dns1123_label(_mask_trailing_dash(name) if prefix else name)


def name_is_dns1035_label(name: str, prefix: bool = False) -> list[str]:
    return is_dns1035_label(_mask_trailing_dash(name) if prefix else name)


# Kinds whose names are not DNS-1123 subdomains (everything else is).
_NAME_RULES = {
    "Namespace": name_is_dns_label,
    "Service": name_is_dns1035_label,
    "StatefulSet": name_is_dns_label,   # its pods' hostnames are <name>-<ordinal>
}


def validate_object_name(kind, name: str, prefix: bool = False) -> list[str]:
    """Problems with ``name`` as the ``metadata.name`` of ``kind``.

    ``kind`` is a :class:`~rayk8s.api.kinds.Kind` or a Kind name ("Service").
    ``prefix`` means ``name`` is a generateName (a trailing '-' is fine).
    """
    kind_name = kind if isinstance(kind, str) else kind.kind
    return _NAME_RULES.get(kind_name, name_is_dns_subdomain)(name, prefix)


# ------------------------------------------------------------ generateName

NAME_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"   # no vowels: no words; no 0/1/3: no look-alikes
_RANDOM_LENGTH = 5
_MAX_NAME_LENGTH = 63
_MAX_GENERATED_BASE = _MAX_NAME_LENGTH - _RANDOM_LENGTH
_rng = random.SystemRandom()


def random_suffix(length: int = _RANDOM_LENGTH, rng: random.Random | None = None) -> str:
    r = rng or _rng
    return "".join(r.choice(NAME_ALPHABET) for _ in range(length))


def generate_name(base: str, rng: random.Random | None = None) -> str:
    """``base`` + 5 random characters, ``base`` cut so the result stays <= 63."""
    return base[:_MAX_GENERATED_BASE] + random_suffix(rng=rng)
