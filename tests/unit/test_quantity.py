"""Resource quantities: exact parsing, rounding up, canonical text."""

from fractions import Fraction

import pytest

from rayk8s.api import quantity


@pytest.mark.parametrize("text, value", [
    ("0", 0),
    ("1", 1),
    ("500m", Fraction(1, 2)),
    ("1.5", Fraction(3, 2)),
    ("0.1", Fraction(1, 10)),
    (".5", Fraction(1, 2)),
    ("5.", 5),
    ("+2", 2),
    ("-2", -2),
    ("-500m", Fraction(-1, 2)),
    ("100n", Fraction(1, 10**7)),
    ("10u", Fraction(1, 10**5)),
    ("1k", 1000),
    ("1M", 10**6),
    ("1G", 10**9),
    ("1T", 10**12),
    ("1P", 10**15),
    ("1E", 10**18),                 # E alone is exa...
    ("1e3", 1000),                  # ...E or e with digits is an exponent
    ("1E3", 1000),
    ("1e+3", 1000),
    ("1e-3", Fraction(1, 1000)),
    ("2.5e2", 250),
    ("1Ki", 1024),
    ("1Mi", 1024**2),
    ("128Mi", 134217728),
    ("1Gi", 1024**3),
    ("1Ti", 1024**4),
    ("1Pi", 1024**5),
    ("1Ei", 1024**6),
    ("1.5Ki", 1536),
    (3, 3),
    (0.25, Fraction(1, 4)),
    (0.1, Fraction(1, 10)),         # floats by their decimal text, not their binary value
    (Fraction(7, 3), Fraction(7, 3)),
])
def test_parse_quantity(text, value):
    assert quantity.parse_quantity(text) == value


def test_sums_are_exact():
    assert quantity.parse_quantity("0.1") + quantity.parse_quantity("0.2") == Fraction(3, 10)


@pytest.mark.parametrize("text", [
    "", "abc", "Gi", "e3", ".", "1..2", "1.2.3", "1 Gi", " 1", "1Qi", "--1", True])
def test_malformed_quantities(text):
    with pytest.raises(ValueError) as e:
        quantity.parse_quantity(text)
    assert str(e.value) == quantity.FORMAT_ERROR
    assert "'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'" in str(e.value)


@pytest.mark.parametrize("text", ["1ki", "1e", "1Kii", "1mi", "1MM", "1iK", "1-"])
def test_unknown_suffixes(text):
    with pytest.raises(ValueError, match="unable to parse quantity's suffix"):
        quantity.parse_quantity(text)


@pytest.mark.parametrize("text", ["1e1001", "1e-99999999999"])
def test_absurd_exponents_are_refused_quickly(text):
    with pytest.raises(ValueError, match="unable to parse numeric part of quantity"):
        quantity.parse_quantity(text)


@pytest.mark.parametrize("text, valid", [("1Gi", True), ("1gi", False), ("", False)])
def test_is_valid(text, valid):
    assert quantity.is_valid(text) is valid


@pytest.mark.parametrize("q, millis", [
    ("500m", 500),
    ("1", 1000),
    ("2.5", 2500),
    ("0.5m", 1),                    # rounded up, never to zero
    ("100u", 1),
    ("1001u", 2),
    (0.1, 100),
    (2, 2000),
    ("0", 0),
])
def test_cpu_millis(q, millis):
    assert quantity.cpu_millis(q) == millis


@pytest.mark.parametrize("q, n", [
    ("128Mi", 134217728),
    ("1k", 1000),
    ("1.5Ki", 1536),
    ("0.5", 1),
    ("1e3", 1000),
    (64, 64),
])
def test_to_bytes(q, n):
    assert quantity.to_bytes(q) == n


@pytest.mark.parametrize("q, n", [("110", 110), ("1.2", 2), ("1k", 1000)])
def test_to_int(q, n):
    assert quantity.to_int(q) == n


@pytest.mark.parametrize("millis, text", [
    (500, "500m"), (2000, "2"), (0, "0"), (1500, "1500m"), (1, "1m"), (100000, "100")])
def test_format_cpu(millis, text):
    assert quantity.format_cpu(millis) == text


@pytest.mark.parametrize("n, text", [
    (134217728, "128Mi"), (1024, "1Ki"), (1536, "1536"), (1000, "1000"), (0, "0"),
    (2**30, "1Gi"), (3 * 2**40, "3Ti"), (2**60, "1Ei"), (1, "1")])
def test_format_bytes(n, text):
    assert quantity.format_bytes(n) == text


@pytest.mark.parametrize("text", ["64Mi", "1Gi", "512Ki", "3Ti", "100"])
def test_binary_text_round_trips(text):
    assert quantity.format_bytes(quantity.to_bytes(text)) == text


@pytest.mark.parametrize("q, text", [
    ("1.5", "1500m"), ("2000", "2k"), ("1500", "1500"), ("0", "0"), ("1e3", "1k"),
    ("0.1m", "100u"), (Fraction(1, 3 * 10**9), "1n"), ("1Ki", "1024")])
def test_format_decimal(q, text):
    assert quantity.format_decimal(q) == text
