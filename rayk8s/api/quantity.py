"""Resource quantities: ``"500m"``, ``"2"``, ``"128Mi"``, ``"1e3"``, ``"1.5G"``.

A quantity is read into an exact :class:`fractions.Fraction`, so ``"0.1"`` plus
``"0.2"`` is ``"0.3"`` and ``"1Ki"`` is exactly 1024; no float ever enters.
Callers that need integers round *up*, as Kubernetes' ``Value()`` and
``MilliValue()`` do: a container asking for ``"0.5m"`` CPU gets 1 millicore,
never 0.

Grammar (kube's ``resource.ParseQuantity``): a sign, digits with at most one
decimal point, then one suffix: a binary-SI one (``Ki`` ... ``Ei``), a
decimal-SI one (``n u m "" k M G T P E``) or a decimal exponent (``e3``,
``E-2``). Note that ``E`` alone is exa while ``E3`` is an exponent. The messages
of the :class:`ValueError` raised for bad input are Kubernetes' own. Exponents
beyond +-1000 are refused ("unable to parse numeric part of quantity"), so that
a hostile ``"1e999999999"`` cannot stall the apiserver.
"""

from __future__ import annotations

import math
import re
from fractions import Fraction

FORMAT_ERROR = ("quantities must match the regular expression "
                "'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'")
SUFFIX_ERROR = "unable to parse quantity's suffix"
NUMERIC_ERROR = "unable to parse numeric part of quantity"

_SHAPE = re.compile(r"([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)")
_NUMBER = re.compile(r"[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)")
_EXPONENT = re.compile(r"[eE]([-+]?[0-9]+)")

_MAX_EXPONENT = 1000
_BINARY = {"Ki": 1, "Mi": 2, "Gi": 3, "Ti": 4, "Pi": 5, "Ei": 6}  # powers of 1024
_DECIMAL = {"n": -9, "u": -6, "m": -3, "": 0, "k": 3, "M": 6, "G": 9, "T": 12,
            "P": 15, "E": 18}                                   # powers of 10

def parse_quantity(q: str | int | float | Fraction) -> Fraction:
    """The exact value of ``q``; numbers pass through (floats by their decimal text)."""
    if isinstance(q, bool):
        raise ValueError(FORMAT_ERROR)
    if isinstance(q, (int, Fraction)):
        return Fraction(q)
    if isinstance(q, float):
        if not math.isfinite(q):
            raise ValueError(FORMAT_ERROR)
        return Fraction(repr(q))
    text = str(q)
    shape = _SHAPE.fullmatch(text)
    if not shape:
        raise ValueError(FORMAT_ERROR)
    number, suffix = shape.groups()
    if not _NUMBER.fullmatch(number):
        raise ValueError(FORMAT_ERROR)
    value = Fraction(number.lstrip("+"))
    return value * _multiplier(suffix)


def _multiplier(suffix: str) -> Fraction:
    if suffix in _BINARY:
        return Fraction(1024 ** _BINARY[suffix])
    if suffix in _DECIMAL:
        return Fraction(10) ** _DECIMAL[suffix]
    exponent = _EXPONENT.fullmatch(suffix)
    if exponent:
        power = int(exponent.group(1))
        if abs(power) > _MAX_EXPONENT:  # "1e999999999" must not stall the apiserver
            raise ValueError(NUMERIC_ERROR)
        return Fraction(10) ** power
    raise ValueError(SUFFIX_ERROR)


def is_valid(q: str | int | float | Fraction) -> bool:
    try:
        parse_quantity(q)
    except ValueError:
        return False
    return True


def cpu_millis(q: str | int | float | Fraction) -> int:
    """CPU in millicores, rounded up (``"250m"`` -> 250, ``"1.5"`` -> 1500)."""
    return math.ceil(parse_quantity(q) * 1000)


def to_bytes(q: str | int | float | Fraction) -> int:
    """A byte count, rounded up (``"128Mi"`` -> 134217728, ``"1k"`` -> 1000)."""
    return math.ceil(parse_quantity(q))


def to_int(q: str | int | float | Fraction) -> int:
    """Any quantity as an integer, rounded up (pods, counts)."""
    return math.ceil(parse_quantity(q))


def format_cpu(millis: int) -> str:
    """Canonical CPU text: whole cores bare (``"2"``), otherwise millicores (``"500m"``)."""
    millis = int(millis)
    return str(millis // 1000) if millis % 1000 == 0 else f"{millis}m"


def format_bytes(n: int) -> str:
    """Canonical memory text: the largest binary suffix that divides ``n`` exactly."""
    n = int(n)
    if n == 0:
        return "0"
    for suffix, power in sorted(_BINARY.items(), key=lambda kv: -kv[1]):
        unit = 1024 ** power
        if n % unit == 0:
            return f"{n // unit}{suffix}"
    return str(n)


def format_decimal(value: str | int | float | Fraction) -> str:
    """Canonical decimal-SI text: the largest suffix leaving an integer (``"2k"``,
    ``"1500m"``); below a nanounit, rounded up to whole nanounits."""
    v = parse_quantity(value)
    if v == 0:
        return "0"
    for suffix, power in sorted(_DECIMAL.items(), key=lambda kv: -kv[1]):
        scaled = v / Fraction(10) ** power
        if scaled.denominator == 1:
            return f"{scaled.numerator}{suffix}"
    return f"{math.ceil(v * 10**9)}n"
