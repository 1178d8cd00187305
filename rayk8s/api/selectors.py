"""Label selectors, with Kubernetes' semantics and wording.

Two spellings reach the apiserver and both end up here as one :class:`Selector`
(an AND of :class:`Requirement`):

* the string form of ``kubectl -l`` and ``?labelSelector=``, read by
  :func:`parse` (``a=b``, ``a==b``, ``a!=b``, ``a in (x,y)``, ``a notin (x)``,
  ``a``, ``!a``, and the integer comparisons ``a>1``, ``a<1``);
* the ``metav1.LabelSelector`` dict of Deployments, ReplicaSets and Services'
  friends, read by :func:`from_label_selector`.

Choices, all taken from apimachinery so that clients see the same answers:

* ``!=`` and ``notin`` match objects that lack the key;
* requirements are kept sorted by key (stable, so the order of two
  requirements on one key is the order written), and ``str()`` prints them in
  that order, with ``in`` values sorted: this is the canonical string that
  kubectl prints and that a Scale's ``status.selector`` carries;
* ``from_label_selector(None)`` selects nothing while ``{}`` selects
  everything, as ``LabelSelectorAsSelector`` does;
* parse errors become a 400 ``BadRequest`` whose message is the one
  kube-apiserver sends, e.g. ``unable to parse requirement: found 'b',
  expected: in, notin, =, ==, !=, gt, lt``.

The module is pure: no I/O, no clock, nothing mutable at module level.
"""

from __future__ import annotations

import json
import re
from typing import Any, Iterable, Mapping, NamedTuple

from . import errors, names

# Operators, spelled as apimachinery's ``selection.Operator`` values.
IN, NOT_IN = "in", "notin"
EQUALS, DOUBLE_EQUALS, NOT_EQUALS = "=", "==", "!="
EXISTS, DOES_NOT_EXIST = "exists", "!"
GREATER_THAN, LESS_THAN = "gt", "lt"

# The order in which Kubernetes lists the binary operators in its messages.
_BINARY = (IN, NOT_IN, EQUALS, DOUBLE_EQUALS, NOT_EQUALS, GREATER_THAN, LESS_THAN)

# metav1.LabelSelectorOperator -> selection.Operator.
_SELECTOR_OPS = {"In": IN, "NotIn": NOT_IN, "Exists": EXISTS, "DoesNotExist": DOES_NOT_EXIST}


# -- key and value validity: one implementation, in names.py -------------------

is_dns1123_subdomain = names.is_dns1123_subdomain
is_qualified_name = names.is_qualified_name
is_valid_label_value = names.is_valid_label_value


def _quote(value: Any) -> str:
    """How a field.Error shows its bad value: Go's %q for strings, JSON otherwise."""
    return json.dumps(value, ensure_ascii=False)


def _invalid(path: str, value: Any, detail: str) -> str:
    """One field.Invalid error as text: ``path: Invalid value: "v": detail``."""
    return f"{path}: Invalid value: {_quote(value)}: {detail}"


def _aggregate(msgs: list[str]) -> str:
    """utilerrors.Aggregate's text: one message bare, several in brackets."""
    unique = list(dict.fromkeys(msgs))
    return unique[0] if len(unique) == 1 else "[" + ", ".join(unique) + "]"


# -- requirements and selectors -----------------------------------------------------

_INT_RE = re.compile(r"[+-]?[0-9]+")


def _int64(text: str) -> int | None:
    """Go's strconv.ParseInt(text, 10, 64): a sign and digits only, no blanks."""
    if not _INT_RE.fullmatch(text):
        return None
    n = int(text)
    return n if -2**63 <= n < 2**63 else None


class Requirement(NamedTuple):
    """``key op values``; unpacks as ``(key, op, values)``."""

    key: str
    op: str
    values: tuple[str, ...] = ()

    def matches(self, labels: Mapping[str, str]) -> bool:
        op, has = self.op, self.key in labels
        if op in (IN, EQUALS, DOUBLE_EQUALS):
            return has and labels[self.key] in self.values
        if op in (NOT_IN, NOT_EQUALS):
            return not has or labels[self.key] not in self.values
        if op == EXISTS:
            return has
        if op == DOES_NOT_EXIST:
            return not has
        if op in (GREATER_THAN, LESS_THAN) and has and len(self.values) == 1:
            have, want = _int64(labels[self.key]), _int64(self.values[0])
            if have is None or want is None:
                return False
            return have > want if op == GREATER_THAN else have < want
        return False

    def __str__(self) -> str:
        if self.op == EXISTS:
            return self.key
        if self.op == DOES_NOT_EXIST:
            return "!" + self.key
        values = ",".join(sorted(self.values))
        if self.op in (IN, NOT_IN):
            return f"{self.key} {self.op} ({values})"
        symbol = {GREATER_THAN: ">", LESS_THAN: "<"}.get(self.op, self.op)
        return f"{self.key}{symbol}{values}"


def new_requirement(key: str, op: str, values: Iterable[str] = ()) -> Requirement:
    """A validated requirement; ApiError 400 worded like NewRequirement's errors."""
    values = tuple(values)
    problems = _requirement_problems(key, op, values)
    if problems:
        raise errors.bad_request(_aggregate(problems))
    return Requirement(key, op, values)


def _requirement_problems(key: str, op: str, values: tuple[str, ...],
                          key_path: str | None = "key") -> list[str]:
    out = []
    if key_path is not None:
        key_errs = is_qualified_name(key)
        if key_errs:
            out.append(_invalid(key_path, key, "; ".join(key_errs)))
    shown = list(values) or None  # Go marshals an empty value slice as null.
    if op in (IN, NOT_IN):
        if not values:
            out.append(_invalid("values", shown,
                                "for 'in', 'notin' operators, values set can't be empty"))
    elif op in (EQUALS, DOUBLE_EQUALS, NOT_EQUALS):
        if len(values) != 1:
            out.append(_invalid("values", shown,
                                "exact-match compatibility requires one single value"))
    elif op in (EXISTS, DOES_NOT_EXIST):
        if values:
            out.append(_invalid("values", shown,
                                "values set must be empty for exists and does not exist"))
    elif op in (GREATER_THAN, LESS_THAN):
        if len(values) != 1:
            out.append(_invalid("values", shown,
                                "for 'Gt', 'Lt' operators, exactly one value is required"))
        for i, v in enumerate(values):
            if _int64(v) is None:
                out.append(_invalid(f"values[{i}]", v,
                                    "for 'Gt', 'Lt' operators, the value must be an integer"))
    else:
        supported = ", ".join(_quote(o) for o in _BINARY + (EXISTS, DOES_NOT_EXIST))
        out.append(f"operator: Unsupported value: {_quote(op)}: supported values: {supported}")
    for i, v in enumerate(values):
        value_errs = is_valid_label_value(v)
        if value_errs:
            out.append(_invalid(f"values[{i}][{key}]", v, "; ".join(value_errs)))
    return out


class Selector:
    """An AND of requirements, or the selector that matches nothing."""

    __slots__ = ("requirements", "_nothing")

    def __init__(self, requirements: Iterable[Requirement] = (), *, nothing: bool = False):
        self.requirements: list[Requirement] = sorted(requirements, key=lambda r: r.key)
        self._nothing = nothing

    @classmethod
    def everything(cls) -> "Selector":
        return cls()

    @classmethod
    def nothing(cls) -> "Selector":
        return cls(nothing=True)

    @property
    def empty(self) -> bool:
        """True when the selector does not restrict anything (matches every object)."""
        return not self._nothing and not self.requirements

    def matches(self, labels: Mapping[str, str] | None) -> bool:
        if self._nothing:
            return False
        labels = labels or {}
        return all(r.matches(labels) for r in self.requirements)

    def requires_exact_match(self, key: str) -> str | None:
        """The single value ``key`` must have, when the selector pins it (for indexes)."""
        for r in self.requirements:
            if r.key == key:
                if r.op in (EQUALS, DOUBLE_EQUALS, IN) and len(r.values) == 1:
                    return r.values[0]
                return None
        return None

    def __str__(self) -> str:
        return ",".join(str(r) for r in self.requirements)

    def __repr__(self) -> str:
        return "Selector(nothing)" if self._nothing else f"Selector({str(self)!r})"

    def __eq__(self, other: object) -> bool:
        return (isinstance(other, Selector) and self._nothing == other._nothing
                and self.requirements == other.requirements)

    def __hash__(self) -> int:
        return hash((self._nothing, tuple(self.requirements)))


def from_set(labels: Mapping[str, str] | None) -> Selector:
    """Equality on every pair; empty or None matches everything. Not validated."""
    return Selector(Requirement(k, EQUALS, (v,)) for k, v in (labels or {}).items())


def _shape_problems(sel: Any, path: str) -> list[tuple[str, str]]:
    """Wrong JSON types, which Go's decoder would refuse before any validation."""
    if not isinstance(sel, Mapping):
        return [(path, "must be a label selector object")]
    out = []
    labels = sel.get("matchLabels")
    if labels is not None and not (isinstance(labels, Mapping) and all(
            isinstance(k, str) and isinstance(v, str) for k, v in labels.items())):
        out.append((f"{path}.matchLabels", "must be a map of strings to strings"))
    exprs = sel.get("matchExpressions")
    if exprs is not None and not isinstance(exprs, list):
        out.append((f"{path}.matchExpressions", "must be a list"))
    for i, e in enumerate(exprs if isinstance(exprs, list) else []):
        values = e.get("values") if isinstance(e, Mapping) else None
        if not (isinstance(e, Mapping) and isinstance(e.get("key", ""), str)
                and isinstance(e.get("operator", ""), str)
                and (values is None or isinstance(values, list)
                     and all(isinstance(v, str) for v in values))):
            out.append((f"{path}.matchExpressions[{i}]", "must have a string key and operator "
                        "and a list of string values"))
    return out


def from_label_selector(sel: Mapping[str, Any] | None) -> Selector:
    """The selector of a ``metav1.LabelSelector`` dict; ApiError 400 when invalid."""
    if sel is None:
        return Selector.nothing()
    for field, message in _shape_problems(sel, "selector")[:1]:
        raise errors.bad_request(f"{field}: {message}")
    match_labels = sel.get("matchLabels") or {}
    expressions = sel.get("matchExpressions") or []
    reqs = [new_requirement(k, EQUALS, (v,)) for k, v in match_labels.items()]
    for expr in expressions:
        op = _SELECTOR_OPS.get(expr.get("operator"))
        if op is None:
            raise errors.bad_request(
                f"{_quote(expr.get('operator', ''))} is not a valid label selector operator")
        reqs.append(new_requirement(expr.get("key", ""), op, expr.get("values") or ()))
    return Selector(reqs)


def validate_label_selector(sel: Mapping[str, Any] | None, path: str) -> list[dict]:
    """Causes for an invalid ``metav1.LabelSelector`` at ``path`` (e.g. ``spec.selector``)."""
    causes: list[dict] = []
    if sel is None:
        return causes
    shape = _shape_problems(sel, path)
    if shape:
        return [errors.Cause(f, m, "FieldValueTypeInvalid") for f, m in shape]
    ml_path = f"{path}.matchLabels"
    for k, v in (sel.get("matchLabels") or {}).items():
        for msg in is_qualified_name(k):
            causes.append(errors.Cause(ml_path, f"Invalid value: {_quote(k)}: {msg}"))
        for msg in is_valid_label_value(v):
            causes.append(errors.Cause(ml_path, f"Invalid value: {_quote(v)}: {msg}"))
    for i, expr in enumerate(sel.get("matchExpressions") or []):
        p = f"{path}.matchExpressions[{i}]"
        op, values = expr.get("operator"), expr.get("values") or []
        if op in ("In", "NotIn"):
            if not values:
                causes.append(errors.Cause(
                    f"{p}.values", "Required value: must be specified when `operator` is "
                    "'In' or 'NotIn'", "FieldValueRequired"))
        elif op in ("Exists", "DoesNotExist"):
            if values:
                causes.append(errors.Cause(
                    f"{p}.values", "Forbidden: may not be specified when `operator` is "
                    "'Exists' or 'DoesNotExist'", "FieldValueForbidden"))
        else:
            causes.append(errors.Cause(f"{p}.operator", f"Invalid value: {_quote(op or '')}: "
                                       "not a valid selector operator"))
        key = expr.get("key", "")
        for msg in is_qualified_name(key):
            causes.append(errors.Cause(f"{p}.key", f"Invalid value: {_quote(key)}: {msg}"))
        for j, v in enumerate(values):
            for msg in is_valid_label_value(v):
                causes.append(errors.Cause(f"{p}.values[{j}]",
                                           f"Invalid value: {_quote(v)}: {msg}"))
    return causes


# -- the string form -------------------------------------------------------------------

_SPECIAL = "=!(),><"
_WHITESPACE = " \t\r\n"
_END, _IDENT = "end of string", "identifier"
# Literal tokens; anything else a run of ordinary characters forms is an identifier.
_TOKENS = {")", ",", "!", "==", "=", ">", "in", "<", "!=", "notin", "("}


def _lex(text: str) -> list[tuple[str, str]]:
    """``(kind, literal)`` pairs; kind is the literal for operators and keywords."""
    out, i, n = [], 0, len(text)
    while True:
        while i < n and text[i] in _WHITESPACE:
            i += 1
        if i >= n:
            out.append((_END, ""))
            return out
        if text[i] in _SPECIAL:
            # The longest run of special characters that is still a token.
            j = i + 1
            while j < n and text[j] in _SPECIAL and text[i:j + 1] in _TOKENS:
                j += 1
            out.append((text[i:j], text[i:j]))
        else:
            j = i
            while j < n and text[j] not in _SPECIAL and text[j] not in _WHITESPACE:
                j += 1
            word = text[i:j]
            out.append((word if word in _TOKENS else _IDENT, word))
        i = j


class _ParseError(Exception):
    pass


class _Parser:
    """Recursive descent over the token list, in apimachinery's two contexts:
    where a value may stand, the keywords ``in``/``notin`` are plain identifiers."""

    def __init__(self, text: str):
        self.items = _lex(text)
        self.pos = 0

    def peek(self, values: bool = True) -> tuple[str, str]:
        kind, lit = self.items[self.pos]
        return (_IDENT if values and kind in (IN, NOT_IN) else kind), lit

    def take(self, values: bool = True) -> tuple[str, str]:
        item = self.peek(values)
        self.pos += 1
        return item

    def parse(self) -> list[Requirement]:
        reqs: list[Requirement] = []
        while True:
            kind, lit = self.peek()
            if kind == _END:
                return reqs
            if kind not in (_IDENT, "!"):
                raise _ParseError(f"found '{lit}', expected: !, identifier, or 'end of string'")
            try:
                reqs.append(self.requirement())
            except _ParseError as e:
                raise _ParseError(f"unable to parse requirement: {e}") from None
            kind, lit = self.take()
            if kind == _END:
                return reqs
            if kind != ",":
                raise _ParseError(f"found '{lit}', expected: ',' or 'end of string'")
            kind, lit = self.peek()
            if kind not in (_IDENT, "!"):
                raise _ParseError(f"found '{lit}', expected: identifier after ','")

    def requirement(self) -> Requirement:
        negated = False
        kind, key = self.take()
        if kind == "!":
            negated = True
            kind, key = self.take()
        if kind != _IDENT:
            raise _ParseError(f"found '{key}', expected: identifier")
        key_errs = is_qualified_name(key)
        if key_errs:
            raise _ParseError(_invalid("<nil>", key, "; ".join(key_errs)))
        if negated or self.peek()[0] in (_END, ","):
            return self.validated(key, DOES_NOT_EXIST if negated else EXISTS, ())
        kind, lit = self.take(values=False)
        op = {IN: IN, NOT_IN: NOT_IN, "=": EQUALS, "==": DOUBLE_EQUALS, "!=": NOT_EQUALS,
              ">": GREATER_THAN, "<": LESS_THAN}.get(kind)
        if op is None:
            raise _ParseError(f"found '{lit}', expected: {', '.join(_BINARY)}")
        values = self.value_set() if op in (IN, NOT_IN) else self.exact_value()
        return self.validated(key, op, tuple(sorted(set(values))))

    @staticmethod
    def validated(key: str, op: str, values: tuple[str, ...]) -> Requirement:
        problems = _requirement_problems(key, op, values, key_path=None)
        if problems:
            raise _ParseError(_aggregate(problems))
        return Requirement(key, op, values)

    def value_set(self) -> list[str]:
        kind, lit = self.take()
        if kind != "(":
            raise _ParseError(f"found '{lit}' expected: '('")
        kind, lit = self.peek()
        if kind == ")":
            self.take()
            return [""]
        if kind not in (_IDENT, ","):
            raise _ParseError(f"found '{lit}', expected: ',', ')' or identifier")
        values = self.identifier_list()
        if self.take()[0] != ")":
            raise _ParseError(f"found '{lit}', expected: ')'")
        return values

    def identifier_list(self) -> list[str]:
        """Comma-separated, possibly empty, identifiers; stops before ``)``."""
        values: list[str] = []
        while True:
            kind, lit = self.take()
            if kind == _IDENT:
                values.append(lit)
                nxt, nlit = self.peek()
                if nxt == ")":
                    return values
                if nxt != ",":
                    raise _ParseError(f"found '{nlit}', expected: ',' or ')'")
            elif kind == ",":
                if not values:
                    values.append("")  # "(,a)": an empty value before the comma.
                nxt = self.peek()[0]
                if nxt == ")":
                    values.append("")  # "(a,)": an empty value after it.
                    return values
                if nxt == ",":
                    self.take()
                    values.append("")  # "(a,,b)"
            else:
                raise _ParseError(f"found '{lit}', expected: ',', or identifier")

    def exact_value(self) -> list[str]:
        if self.peek()[0] in (_END, ","):
            return [""]
        kind, lit = self.take()
        if kind != _IDENT:
            raise _ParseError(f"found '{lit}', expected: identifier")
        return [lit]


def parse(text: str) -> Selector:
    """The selector written as ``text`` (``labelSelector=``); ApiError 400 if malformed."""
    try:
        return Selector(_Parser(text or "").parse())
    except _ParseError as e:
        raise errors.bad_request(str(e)) from None
