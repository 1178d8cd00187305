"""Field selectors: parsing, escapes, matching, per-kind fields, unsupported fields."""

import pytest

from rayk8s.api import errors, fields


# -- parsing and matching -----------------------------------------------------------

@pytest.mark.parametrize("text, values, expected", [
    ("", {"a": "b"}, True),
    (",,", {}, True),
    ("a=b", {"a": "b"}, True),
    ("a=b", {"a": "c"}, False),
    ("a=b", {}, False),
    ("a==b", {"a": "b"}, True),
    ("a!=b", {"a": "c"}, True),
    ("a!=b", {"a": "b"}, False),
    ("a!=b", {}, True),
    ("a=", {}, True),                       # a missing field reads as ""
    ("a=", {"a": "x"}, False),
    ("a=b,c=d", {"a": "b", "c": "d"}, True),
    ("a=b,c=d", {"a": "b", "c": "x"}, False),
    ("a=b,a!=c", {"a": "b"}, True),
    ("metadata.name=web-1", {"metadata.name": "web-1"}, True),
])
def test_parse_matches(text, values, expected):
    assert fields.parse(text).matches(values) is expected


@pytest.mark.parametrize("text, value", [
    (r"a=x\,y", "x,y"),
    (r"a=x\=y", "x=y"),
    (r"a=x\\y", "x\\y"),
    (r"a=\\\,", "\\,"),
    ("a==b", "b"),
])
def test_escaped_values(text, value):
    (req,) = fields.parse(text).requirements
    assert req.value == value


@pytest.mark.parametrize("text, canonical", [
    ("", ""),
    ("b=1,a=2", "a=2,b=1"),
    ("a==b", "a=b"),
    ("a!=b", "a!=b"),
    (r"a=x\,y", r"a=x\,y"),
    (r"a=x\=y\\", r"a=x\=y\\"),
])
def test_canonical_string(text, canonical):
    assert str(fields.parse(text)) == canonical


def test_requirements_are_field_op_value_triples():
    sel = fields.parse("spec.nodeName=n1,status.phase!=Failed")
    assert [tuple(r) for r in sel.requirements] == [
        ("spec.nodeName", "=", "n1"), ("status.phase", "!=", "Failed")]


@pytest.mark.parametrize("text, message", [
    ("a", "invalid selector: 'a'; can't understand 'a'"),
    ("a=b,c", "invalid selector: 'a=b,c'; can't understand 'c'"),
    (r"a=x\y", "invalid field selector: invalid escape sequence: \\y"),
    ("a=x\\", "invalid field selector: invalid escape sequence: \\"),
    ("a===b", "invalid field selector: unescaped character in value: 61"),
    ("a=b=c", "invalid field selector: unescaped character in value: 61"),
    ("a!==b", "invalid field selector: unescaped character in value: 61"),  # "!=" wins
])
def test_parse_errors(text, message):
    with pytest.raises(errors.ApiError) as e:
        fields.parse(text)
    assert (e.value.code, e.value.reason, e.value.message) == (400, "BadRequest", message)


@pytest.mark.parametrize("value", ["plain", "a,b", "a=b", "back\\slash", "=,\\"])
def test_escape_round_trips(value):
    (req,) = fields.parse("f=" + fields.escape_value(value)).requirements
    assert req.value == value


@pytest.mark.parametrize("text, field, value", [
    ("spec.nodeName=n1,status.phase=Running", "spec.nodeName", "n1"),
    ("spec.nodeName!=n1", "spec.nodeName", None),
    ("status.phase=Running", "spec.nodeName", None),
])
def test_requires_exact_match(text, field, value):
    assert fields.parse(text).requires_exact_match(field) == value


def test_from_set():
    sel = fields.from_set({"metadata.namespace": "default", "metadata.name": "x"})
    assert str(sel) == "metadata.name=x,metadata.namespace=default"


# -- the selectable fields of objects -----------------------------------------------

POD = {
    "kind": "Pod",
    "metadata": {"name": "web-1", "namespace": "default"},
    "spec": {"nodeName": "node-1", "restartPolicy": "Always", "schedulerName": "default-scheduler",
             "serviceAccountName": "default", "hostNetwork": True},
    "status": {"phase": "Running", "podIP": "10.0.0.5", "nominatedNodeName": "node-2"},
}
EVENT = {
    "kind": "Event",
    "metadata": {"name": "e1", "namespace": "default"},
    "involvedObject": {"kind": "Pod", "namespace": "default", "name": "web-1", "uid": "u1",
                       "apiVersion": "v1", "resourceVersion": "7",
                       "fieldPath": "spec.containers{web}"},
    "reason": "Scheduled", "type": "Normal", "source": {"component": "default-scheduler"},
    "reportingController": "default-scheduler",
}


@pytest.mark.parametrize("obj, field, value", [
    (POD, "metadata.name", "web-1"),
    (POD, "metadata.namespace", "default"),
    (POD, "spec.nodeName", "node-1"),
    (POD, "spec.restartPolicy", "Always"),
    (POD, "spec.schedulerName", "default-scheduler"),
    (POD, "spec.serviceAccountName", "default"),
    (POD, "spec.hostNetwork", "true"),
    (POD, "status.phase", "Running"),
    (POD, "status.podIP", "10.0.0.5"),
    (POD, "status.nominatedNodeName", "node-2"),
    ({"kind": "Pod", "metadata": {"name": "p"}}, "spec.nodeName", ""),
    ({"kind": "Pod", "metadata": {"name": "p"}}, "status.phase", ""),
    ({"kind": "Pod", "metadata": {"name": "p"}}, "spec.hostNetwork", "false"),
    ({"kind": "Pod", "metadata": {"name": "p"}}, "metadata.namespace", ""),
    (EVENT, "involvedObject.kind", "Pod"),
    (EVENT, "involvedObject.namespace", "default"),
    (EVENT, "involvedObject.name", "web-1"),
    (EVENT, "involvedObject.uid", "u1"),
    (EVENT, "involvedObject.apiVersion", "v1"),
    (EVENT, "involvedObject.resourceVersion", "7"),
    (EVENT, "involvedObject.fieldPath", "spec.containers{web}"),
    (EVENT, "reason", "Scheduled"),
    (EVENT, "type", "Normal"),
    (EVENT, "source", "default-scheduler"),
    (EVENT, "reportingComponent", "default-scheduler"),
    ({"kind": "Event", "reportingController": "kubelet"}, "source", "kubelet"),
    ({"kind": "Event"}, "involvedObject.uid", ""),
    ({"kind": "Secret", "type": "Opaque"}, "type", "Opaque"),
    ({"kind": "Node", "spec": {"unschedulable": True}}, "spec.unschedulable", "true"),
    ({"kind": "Node", "spec": {}}, "spec.unschedulable", "false"),
    ({"kind": "Namespace", "status": {"phase": "Active"}}, "status.phase", "Active"),
    ({"kind": "ReplicaSet", "status": {"replicas": 3}}, "status.replicas", "3"),
    ({"kind": "ReplicaSet"}, "status.replicas", "0"),
    ({"kind": "ReplicationController", "status": {"replicas": 2}}, "status.replicas", "2"),
    ({"kind": "Job", "status": {"succeeded": 1}}, "status.successful", "1"),
    ({"kind": "Job"}, "status.successful", "0"),
])
def test_object_fields(obj, field, value):
    assert fields.object_fields(obj)[field] == value


def test_object_fields_of_other_kinds_are_metadata_only():
    got = fields.object_fields({"kind": "Deployment", "metadata": {"name": "d", "namespace": "n"},
                                "spec": {"replicas": 3}})
    assert got == {"metadata.name": "d", "metadata.namespace": "n"}


def test_describe_events_selector_matches_the_event():
    sel = fields.parse("involvedObject.name=web-1,involvedObject.namespace=default,"
                       "involvedObject.uid=u1")
    assert sel.matches(fields.object_fields(EVENT))


# -- supported fields per kind ------------------------------------------------------

@pytest.mark.parametrize("kind, text", [
    ("Pod", "spec.nodeName=n1,status.phase=Running,metadata.namespace=default"),
    ("Pod", "status.podIP=1.2.3.4,spec.schedulerName=x,spec.serviceAccountName=y"),
    ("Event", "involvedObject.kind=Pod,reason=Killing,type=Warning,source=kubelet"),
    ("Secret", "type=Opaque"),
    ("Node", "metadata.name=n1,spec.unschedulable=false"),
    ("Namespace", "status.phase=Active"),
    ("ReplicaSet", "status.replicas=0"),
    ("ReplicationController", "status.replicas=0"),
    ("Job", "status.successful=1"),
    ("Deployment", "metadata.name=web"),
    ("ConfigMap", "metadata.namespace=default"),
])
def test_supported_fields_pass(kind, text):
    sel = fields.parse(text)
    assert fields.check_supported(kind, sel) == sel


@pytest.mark.parametrize("kind, text, field", [
    ("Pod", "spec.foo=x", "spec.foo"),
    ("Pod", "metadata.name=a,status.hostIP=x", "status.hostIP"),
    ("Deployment", "status.replicas=1", "status.replicas"),
    ("Node", "metadata.namespace=default", "metadata.namespace"),
    ("Namespace", "metadata.namespace=x", "metadata.namespace"),
    ("Service", "spec.type=NodePort", "spec.type"),
])
def test_unsupported_field_is_bad_request(kind, text, field):
    with pytest.raises(errors.ApiError) as e:
        fields.check_supported(kind, fields.parse(text))
    assert (e.value.code, e.value.reason) == (400, "BadRequest")
    assert e.value.message == f"field label not supported: {field}"


def test_pod_spec_host_is_an_alias_of_spec_node_name():
    sel = fields.check_supported("Pod", fields.parse("spec.host=n1"))
    assert str(sel) == "spec.nodeName=n1"
