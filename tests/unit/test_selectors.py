"""Label selectors: both spellings, matching, canonical strings, errors, validity."""

import pytest

from rayk8s.api import errors, selectors

QNAME_DETAIL = ("must consist of alphanumeric characters, '-', '_' or '.', and must start "
                "and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or "
                "'123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?"
                "[A-Za-z0-9]')")
VALUE_DETAIL = ("a valid label must be an empty string or consist of alphanumeric characters, "
                "'-', '_' or '.', and must start and end with an alphanumeric character (e.g. "
                "'MyValue',  or 'my_value',  or '12345', regex used for validation is "
                "'(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')")


# -- the string form: matching ------------------------------------------------------

@pytest.mark.parametrize("text, labels, expected", [
    ("", {"a": "b"}, True),
    ("", {}, True),
    ("a=b", {"a": "b"}, True),
    ("a=b", {"a": "c"}, False),
    ("a=b", {}, False),
    ("a==b", {"a": "b"}, True),
    ("a==b", {"a": "c"}, False),
    ("a!=b", {"a": "c"}, True),
    ("a!=b", {"a": "b"}, False),
    ("a!=b", {}, True),                      # absent key: != matches
    ("a in (x,y)", {"a": "y"}, True),
    ("a in (x,y)", {"a": "z"}, False),
    ("a in (x,y)", {}, False),
    ("a notin (x)", {"a": "y"}, True),
    ("a notin (x)", {"a": "x"}, False),
    ("a notin (x)", {}, True),               # absent key: notin matches
    ("a", {"a": ""}, True),
    ("a", {"b": "a"}, False),
    ("!a", {}, True),
    ("!a", {"a": "x"}, False),
    ("a=", {"a": ""}, True),
    ("a=", {"a": "x"}, False),
    ("a in ()", {"a": ""}, True),
    ("a in (,x)", {"a": ""}, True),
    ("a in (x,)", {"a": ""}, True),
    ("x>1", {"x": "2"}, True),
    ("x>1", {"x": "1"}, False),
    ("x>1", {"x": "two"}, False),
    ("x>1", {}, False),
    ("x<10", {"x": "9"}, True),
    ("x<10", {"x": "-20"}, True),
    ("x<10", {"x": "10"}, False),
    ("a=b,c=d", {"a": "b", "c": "d"}, True),
    ("a=b,c=d", {"a": "b"}, False),
    ("a,!b", {"a": "1"}, True),
    ("a,!b", {"a": "1", "b": "2"}, False),
    ("in in (in)", {"in": "in"}, True),      # keywords are fine as keys and values
    ("a=in", {"a": "in"}, True),
    ("  a = b ,\tc  in ( x , y ) ", {"a": "b", "c": "x"}, True),
    ("app.kubernetes.io/name=web", {"app.kubernetes.io/name": "web"}, True),
])
def test_parse_matches(text, labels, expected):
    assert selectors.parse(text).matches(labels) is expected


def test_matches_none_labels_as_empty():
    assert selectors.parse("!a").matches(None)
    assert not selectors.parse("a").matches(None)


# -- the string form: canonical output ----------------------------------------------

@pytest.mark.parametrize("text, canonical", [
    ("", ""),
    ("b=1,a=2", "a=2,b=1"),
    ("a==b", "a==b"),
    ("a!=b", "a!=b"),
    ("a in (z,y,y)", "a in (y,z)"),
    ("a notin (b)", "a notin (b)"),
    ("!a", "!a"),
    ("  a  ", "a"),
    ("x > 1", "x>1"),
    ("x<1", "x<1"),
    ("a=", "a="),
    ("a in ()", "a in ()"),
    ("z,!y,x=1", "x=1,!y,z"),
])
def test_canonical_string(text, canonical):
    assert str(selectors.parse(text)) == canonical


@pytest.mark.parametrize("text", ["a=b", "a in (x,y),b notin (z),!c,d", "x>3,y!=2"])
def test_canonical_string_parses_back_to_the_same_selector(text):
    sel = selectors.parse(text)
    assert selectors.parse(str(sel)) == sel


def test_requirements_are_key_op_values_triples():
    reqs = selectors.parse("b in (y,x),a").requirements
    assert [tuple(r) for r in reqs] == [("a", "exists", ()), ("b", "in", ("x", "y"))]
    key, op, values = reqs[1]
    assert (key, op, values) == ("b", "in", ("x", "y"))


@pytest.mark.parametrize("text, empty", [("", True), ("   ", True), ("a", False)])
def test_empty(text, empty):
    assert selectors.parse(text).empty is empty


# -- the string form: errors --------------------------------------------------------

@pytest.mark.parametrize("text, message", [
    ("a in b", "unable to parse requirement: found 'b' expected: '('"),
    ("a b", "unable to parse requirement: found 'b', expected: in, notin, =, ==, !=, gt, lt"),
    ("a=b c", "found 'c', expected: ',' or 'end of string'"),
    (",", "found ',', expected: !, identifier, or 'end of string'"),
    ("a,", "found '', expected: identifier after ','"),
    ("a in (b", "unable to parse requirement: found '', expected: ',' or ')'"),
    ("a in (b c)", "unable to parse requirement: found 'c', expected: ',' or ')'"),
    ("a in (=)", "unable to parse requirement: found '=', expected: ',', ')' or identifier"),
    ("a=(", "unable to parse requirement: found '(', expected: identifier"),
    ("!", "unable to parse requirement: found '', expected: identifier"),
    ("!a=b", "found '=', expected: ',' or 'end of string'"),
    ("a=b)", "found ')', expected: ',' or 'end of string'"),
    ("A_=b", f'unable to parse requirement: <nil>: Invalid value: "A_": name part {QNAME_DETAIL}'),
    ("a=b_", f'unable to parse requirement: values[0][a]: Invalid value: "b_": {VALUE_DETAIL}'),
    ("x>a", "unable to parse requirement: values[0]: Invalid value: \"a\": for 'Gt', 'Lt' "
            "operators, the value must be an integer"),
])
def test_parse_errors(text, message):
    with pytest.raises(errors.ApiError) as e:
        selectors.parse(text)
    assert (e.value.code, e.value.reason, e.value.message) == (400, "BadRequest", message)


# -- metav1.LabelSelector -----------------------------------------------------------

def test_nil_label_selector_matches_nothing():
    sel = selectors.from_label_selector(None)
    assert not sel.matches({}) and not sel.matches({"a": "b"})
    assert not sel.empty and str(sel) == ""


def test_empty_label_selector_matches_everything():
    sel = selectors.from_label_selector({})
    assert sel.empty and sel.matches({"any": "thing"})


@pytest.mark.parametrize("selector, labels, expected", [
    ({"matchLabels": {"app": "web"}}, {"app": "web", "x": "y"}, True),
    ({"matchLabels": {"app": "web"}}, {"app": "db"}, False),
    ({"matchExpressions": [{"key": "t", "operator": "In", "values": ["a", "b"]}]},
     {"t": "b"}, True),
    ({"matchExpressions": [{"key": "t", "operator": "In", "values": ["a"]}]}, {}, False),
    ({"matchExpressions": [{"key": "t", "operator": "NotIn", "values": ["a"]}]}, {}, True),
    ({"matchExpressions": [{"key": "t", "operator": "NotIn", "values": ["a"]}]},
     {"t": "a"}, False),
    ({"matchExpressions": [{"key": "t", "operator": "Exists"}]}, {"t": ""}, True),
    ({"matchExpressions": [{"key": "t", "operator": "Exists"}]}, {}, False),
    ({"matchExpressions": [{"key": "t", "operator": "DoesNotExist"}]}, {}, True),
    ({"matchExpressions": [{"key": "t", "operator": "DoesNotExist"}]}, {"t": "1"}, False),
    ({"matchLabels": {"app": "web"},
      "matchExpressions": [{"key": "tier", "operator": "In", "values": ["fe"]}]},
     {"app": "web", "tier": "be"}, False),
])
def test_label_selector_matches(selector, labels, expected):
    assert selectors.from_label_selector(selector).matches(labels) is expected


def test_label_selector_string_sorts_keys_and_values():
    sel = selectors.from_label_selector({
        "matchLabels": {"b": "1", "a": "2"},
        "matchExpressions": [{"key": "c", "operator": "In", "values": ["z", "y"]},
                             {"key": "d", "operator": "DoesNotExist"}]})
    assert str(sel) == "a=2,b=1,c in (y,z),!d"


@pytest.mark.parametrize("selector, message", [
    ({"matchExpressions": [{"key": "a", "operator": "Foo"}]},
     '"Foo" is not a valid label selector operator'),
    ({"matchExpressions": [{"key": "a", "operator": "In"}]},
     "values: Invalid value: null: for 'in', 'notin' operators, values set can't be empty"),
    ({"matchExpressions": [{"key": "a", "operator": "NotIn", "values": []}]},
     "values: Invalid value: null: for 'in', 'notin' operators, values set can't be empty"),
    ({"matchExpressions": [{"key": "a", "operator": "Exists", "values": ["x"]}]},
     'values: Invalid value: ["x"]: values set must be empty for exists and does not exist'),
    ({"matchExpressions": [{"key": "-a", "operator": "Exists"}]},
     f'key: Invalid value: "-a": name part {QNAME_DETAIL}'),
    ({"matchLabels": {"app": "a b"}},
     f'values[0][app]: Invalid value: "a b": {VALUE_DETAIL}'),
])
def test_label_selector_errors(selector, message):
    with pytest.raises(errors.ApiError) as e:
        selectors.from_label_selector(selector)
    assert (e.value.code, e.value.message) == (400, message)


@pytest.mark.parametrize("selector, causes", [
    (None, []),
    ({}, []),
    ({"matchLabels": {"app": "web"}}, []),
    ({"matchLabels": {"-x": "web"}}, [("spec.selector.matchLabels", "FieldValueInvalid")]),
    ({"matchLabels": {"x": "-"}}, [("spec.selector.matchLabels", "FieldValueInvalid")]),
    ({"matchExpressions": [{"key": "a", "operator": "In"}]},
     [("spec.selector.matchExpressions[0].values", "FieldValueRequired")]),
    ({"matchExpressions": [{"key": "a", "operator": "Exists", "values": ["x"]}]},
     [("spec.selector.matchExpressions[0].values", "FieldValueForbidden")]),
    ({"matchExpressions": [{"key": "a", "operator": "Near"}]},
     [("spec.selector.matchExpressions[0].operator", "FieldValueInvalid")]),
    ({"matchExpressions": [{"key": "a/b/c", "operator": "Exists"}]},
     [("spec.selector.matchExpressions[0].key", "FieldValueInvalid")]),
    ({"matchExpressions": [{"key": "a", "operator": "In", "values": ["ok", "not ok"]}]},
     [("spec.selector.matchExpressions[0].values[1]", "FieldValueInvalid")]),
])
def test_validate_label_selector(selector, causes):
    found = selectors.validate_label_selector(selector, "spec.selector")
    assert [(c["field"], c["reason"]) for c in found] == causes


@pytest.mark.parametrize("selector, field", [
    ("app=web", "spec.selector"),
    ({"matchLabels": ["app"]}, "spec.selector.matchLabels"),
    ({"matchLabels": {"replicas": 3}}, "spec.selector.matchLabels"),
    ({"matchExpressions": {"key": "a"}}, "spec.selector.matchExpressions"),
    ({"matchExpressions": ["a"]}, "spec.selector.matchExpressions[0]"),
    ({"matchExpressions": [{"key": "a", "operator": "In", "values": "x"}]},
     "spec.selector.matchExpressions[0]"),
])
def test_validate_label_selector_of_wrong_types(selector, field):
    (cause,) = selectors.validate_label_selector(selector, "spec.selector")
    assert (cause["field"], cause["reason"]) == (field, "FieldValueTypeInvalid")


@pytest.mark.parametrize("selector", [
    {"matchLabels": ["app"]}, {"matchExpressions": [{"key": 1, "operator": "Exists"}]}])
def test_label_selector_of_wrong_types_is_bad_request(selector):
    with pytest.raises(errors.ApiError) as e:
        selectors.from_label_selector(selector)
    assert e.value.code == 400


def test_validate_label_selector_messages():
    (cause,) = selectors.validate_label_selector(
        {"matchExpressions": [{"key": "a", "operator": "In"}]}, "spec.selector")
    assert cause["message"] == ("Required value: must be specified when `operator` is "
                                "'In' or 'NotIn'")


@pytest.mark.parametrize("key, op, values, message", [
    ("a", "=", (), "values: Invalid value: null: exact-match compatibility requires one single "
                   "value"),
    ("a", "gt", ("1", "2"), "values: Invalid value: [\"1\", \"2\"]: for 'Gt', 'Lt' operators, "
                            "exactly one value is required"),
    ("a", "near", (), 'operator: Unsupported value: "near": supported values: "in", "notin", '
                      '"=", "==", "!=", "gt", "lt", "exists", "!"'),
    ("-", "exists", ("x",), f'[key: Invalid value: "-": name part {QNAME_DETAIL}, values: '
                            'Invalid value: ["x"]: values set must be empty for exists and does '
                            'not exist]'),
])
def test_new_requirement_errors(key, op, values, message):
    with pytest.raises(errors.ApiError) as e:
        selectors.new_requirement(key, op, values)
    assert e.value.message == message


def test_new_requirement():
    assert selectors.new_requirement("a", "in", ["y", "x"]) == ("a", "in", ("y", "x"))


# -- sets, exact matches ------------------------------------------------------------

def test_from_set_is_equality_and():
    sel = selectors.from_set({"b": "2", "a": "1"})
    assert str(sel) == "a=1,b=2"
    assert sel.matches({"a": "1", "b": "2", "c": "3"}) and not sel.matches({"a": "1"})


@pytest.mark.parametrize("labels", [None, {}])
def test_from_empty_set_matches_everything(labels):
    assert selectors.from_set(labels).empty


@pytest.mark.parametrize("text, key, value", [
    ("a=1,b=2", "b", "2"),
    ("a==1", "a", "1"),
    ("a in (1)", "a", "1"),
    ("a in (1,2)", "a", None),
    ("a!=1", "a", None),
    ("b=1", "a", None),
])
def test_requires_exact_match(text, key, value):
    assert selectors.parse(text).requires_exact_match(key) == value


# -- key and value validity ---------------------------------------------------------

@pytest.mark.parametrize("key", [
    "a", "A-b_c.d", "x" * 63, "app.kubernetes.io/name", "example.com/MyName", "a/b", "1"])
def test_valid_qualified_names(key):
    assert selectors.is_qualified_name(key) == []


@pytest.mark.parametrize("key", [
    "", "-a", "a-", "a b", "x" * 64, "/a", "a/", "A.com/b", "a/b/c", "a" * 254 + "/b", "a_/b",
    "a\n", "a.com\n/b"])
def test_invalid_qualified_names(key):
    assert selectors.is_qualified_name(key)


@pytest.mark.parametrize("key, messages", [
    ("", ["name part must be non-empty", f"name part {QNAME_DETAIL}"]),
    ("x" * 64, ["name part must be no more than 63 characters"]),
    ("/a", ["prefix part must be non-empty"]),
])
def test_qualified_name_messages(key, messages):
    assert selectors.is_qualified_name(key) == messages


@pytest.mark.parametrize("value, valid", [
    ("", True), ("a", True), ("a.b-c_D9", True), ("x" * 63, True),
    ("x" * 64, False), ("-a", False), ("a-", False), ("a b", False), ("a/b", False),
    ("a\n", False),
])
def test_label_values(value, valid):
    assert (selectors.is_valid_label_value(value) == []) is valid
