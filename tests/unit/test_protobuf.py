"""Protobuf request bodies: kubectl 1.32's typed-client POSTs decoded to JSON dicts.

``RECORDED`` holds real bodies, captured from kubectl v1.32.4 (``kubectl create
<generator>`` and ``kubectl autoscale``) against a recording server; each expected
dict is what the same kubectl prints for the command with ``--dry-run=client -o
json`` (minus its ``null``s), so the decoder is checked against kubectl's own JSON.
The encoder below writes bodies from the same field tables the decoder reads, the
way gogo-protobuf does (zero scalars included), for round trips and edge cases.
"""

from __future__ import annotations

import base64
import datetime as dt

import pytest

from rayk8s.api.errors import ApiError
from rayk8s.apiserver.http import protobuf
from rayk8s.apiserver.http.protobuf import MAGIC, SCHEMA, decode

RECORDED = {
    # kubectl create deployment helloworld --image=hello-world:v1.0 --port=8090
    'deployment': (
        '6b3873000a150a07617070732f7631120a4465706c6f796d656e7412e7010a2d0a0a68656c6c6f77'
        '6f726c6412001a0022002a003200380042005a110a03617070120a68656c6c6f776f726c6412a701'
        '080112130a110a03617070120a68656c6c6f776f726c641a85010a230a0012001a0022002a003200'
        '380042005a110a03617070120a68656c6c6f776f726c64125e12400a0b68656c6c6f2d776f726c64'
        '121068656c6c6f2d776f726c643a76312e302a00320b0a001000189a3f22002a0042006a00720080'
        '0100880100900100a201001a00320042004a0052005800600068008201008a01009a0100c2010022'
        '020a00280038001a0c0800100018002000280038001a002200'
        ,
        {'kind': 'Deployment',
         'apiVersion': 'apps/v1',
         'metadata': {'name': 'helloworld', 'labels': {'app': 'helloworld'}},
         'spec': {'replicas': 1,
                  'selector': {'matchLabels': {'app': 'helloworld'}},
                  'template': {'metadata': {'labels': {'app': 'helloworld'}},
                               'spec': {'containers': [{'name': 'hello-world',
                                                        'image': 'hello-world:v1.0',
                                                        'ports': [{'containerPort': 8090}],
                                                        'resources': {}}]}},
                  'strategy': {}},
         'status': {}}),
    # kubectl autoscale deployment helloworld --cpu-percent=50 --min=1 --max=10
    'autoscale': (
        '6b3873000a290a0e6175746f7363616c696e672f76311217486f72697a6f6e74616c506f64417574'
        '6f7363616c6572124d0a1a0a0a68656c6c6f776f726c6412001a0022002a0032003800420012290a'
        '210a0a4465706c6f796d656e74120a68656c6c6f776f726c641a07617070732f76311001180a2032'
        '1a04180020001a002200'
        ,
        {'kind': 'HorizontalPodAutoscaler',
         'apiVersion': 'autoscaling/v1',
         'metadata': {'name': 'helloworld'},
         'spec': {'scaleTargetRef': {'kind': 'Deployment',
                                     'name': 'helloworld',
                                     'apiVersion': 'apps/v1'},
                  'minReplicas': 1,
                  'maxReplicas': 10,
                  'targetCPUUtilizationPercentage': 50},
         'status': {'currentReplicas': 0, 'desiredReplicas': 0}}),
    # kubectl create service nodeport svc1 --tcp=8090:8080 --node-port=31000
    'service_nodeport': (
        '6b3873000a0d0a02763112075365727669636512700a210a047376633112001a0022002a00320038'
        '0042005a0b0a0361707012047376633112470a200a09383039302d383038301203544350189a3f22'
        '07080010903f1a002898f201120b0a036170701204737663311a0022084e6f6465506f72743a0042'
        '0052005a00600068001a020a001a002200'
        ,
        {'kind': 'Service',
         'apiVersion': 'v1',
         'metadata': {'name': 'svc1', 'labels': {'app': 'svc1'}},
         'spec': {'ports': [{'name': '8090-8080',
                             'protocol': 'TCP',
                             'port': 8090,
                             'targetPort': 8080,
                             'nodePort': 31000}],
                  'selector': {'app': 'svc1'},
                  'type': 'NodePort'},
         'status': {'loadBalancer': {}}}),
    # kubectl create service clusterip svc2 --clusterip=None
    'service_clusterip': (
        '6b3873000a0d0a02763112075365727669636512530a210a047376633212001a0022002a00320038'
        '0042005a0b0a03617070120473766332122a120b0a036170701204737663321a044e6f6e65220943'
        '6c757374657249503a00420052005a00600068001a020a001a002200'
        ,
        {'kind': 'Service',
         'apiVersion': 'v1',
         'metadata': {'name': 'svc2', 'labels': {'app': 'svc2'}},
         'spec': {'selector': {'app': 'svc2'}, 'clusterIP': 'None', 'type': 'ClusterIP'},
         'status': {'loadBalancer': {}}}),
    # kubectl create namespace ns1
    'namespace': (
        '6b3873000a0f0a02763112094e616d657370616365121b0a130a036e733112001a0022002a003200'
        '3800420012001a020a001a002200'
        ,
        {'kind': 'Namespace',
         'apiVersion': 'v1',
         'metadata': {'name': 'ns1'},
         'spec': {},
         'status': {}}),
    # kubectl create configmap cm1 --from-literal=a=b --from-literal=empty=
    'configmap': (
        '6b3873000a0f0a0276311209436f6e6669674d617012280a130a03636d3112001a0022002a003200'
        '3800420012060a016112016212090a05656d70747912001a002200'
        ,
        {'kind': 'ConfigMap',
         'apiVersion': 'v1',
         'metadata': {'name': 'cm1'},
         'data': {'a': 'b', 'empty': ''}}),
    # kubectl create configmap cm2 --from-file=/tmp/rk/binfile
    'configmap_binary': (
        '6b3873000a0f0a0276311209436f6e6669674d617012270a130a03636d3212001a0022002a003200'
        '380042001a100a0762696e66696c65120562696e00ff1a002200'
        ,
        {'kind': 'ConfigMap',
         'apiVersion': 'v1',
         'metadata': {'name': 'cm2'},
         'binaryData': {'binfile': 'YmluAP8='}}),
    # kubectl create secret generic s1 --from-literal=password=s3cr3t --from-literal=empty=
    'secret_generic': (
        '6b3873000a0c0a027631120653656372657412350a120a02733112001a0022002a00320038004200'
        '12090a05656d707479120012120a0870617373776f726412067333637233741a001a002200'
        ,
        {'kind': 'Secret',
         'apiVersion': 'v1',
         'metadata': {'name': 's1'},
         'data': {'empty': '', 'password': 'czNjcjN0'}}),
    # kubectl create secret docker-registry reg1 --docker-server=r.io --docker-username=u
    #   --docker-password=p
    'secret_docker': (
        '6b3873000a0c0a0276311206536563726574128d010a140a047265673112001a0022002a00320038'
        '00420012550a112e646f636b6572636f6e6669676a736f6e12407b226175746873223a7b22722e69'
        '6f223a7b22757365726e616d65223a2275222c2270617373776f7264223a2270222c226175746822'
        '3a2264547077227d7d7d1a1e6b756265726e657465732e696f2f646f636b6572636f6e6669676a73'
        '6f6e1a002200'
        ,
        {'kind': 'Secret',
         'apiVersion': 'v1',
         'metadata': {'name': 'reg1'},
         'data': {'.dockerconfigjson': 'eyJhdXRocyI6eyJyLmlvIjp7InVzZXJuYW1lIjoidSIsInBhc3N3b3'
                                       'JkIjoicCIsImF1dGgiOiJkVHB3In19fQ=='},
         'type': 'kubernetes.io/dockerconfigjson'}),
    # kubectl create job job1 --image=busybox -- echo hi
    'job': (
        '6b3873000a0f0a0862617463682f763112034a6f6212a6010a140a046a6f623112001a0022002a00'
        '3200380042001283013280010a100a0012001a0022002a00320038004200126c12490a046a6f6231'
        '120762757379626f781a046563686f1a0268691a102d2d6472792d72756e3d636c69656e741a022d'
        '6f1a046a736f6e2a0042006a007200800100880100900100a201001a054e65766572320042004a00'
        '52005800600068008201008a01009a0100c201001a082000280030003a001a002200'
        ,
        {'kind': 'Job',
         'apiVersion': 'batch/v1',
         'metadata': {'name': 'job1'},
         'spec': {'template': {'metadata': {},
                               'spec': {'containers': [{'name': 'job1',
                                                        'image': 'busybox',
                                                        'command': ['echo',
                                                                    'hi',
                                                                    '--dry-run=client',
                                                                    '-o',
                                                                    'json'],
                                                        'resources': {}}],
                                        'restartPolicy': 'Never'}}},
         'status': {}}),
    # kubectl create serviceaccount sa1
    'serviceaccount': (
        '6b3873000a140a027631120e536572766963654163636f756e7412150a130a0373613112001a0022'
        '002a003200380042001a002200'
        ,
        {'kind': 'ServiceAccount', 'apiVersion': 'v1', 'metadata': {'name': 'sa1'}}),
    # kubectl create ingress ing1 --class=nginx --rule=foo.com/bar*=svc1:8080,tls=my-cert
    #   --default-backend=defsvc:http
    'ingress': (
        '6b3873000a1f0a146e6574776f726b696e672e6b38732e696f2f76311207496e6772657373127d0a'
        '140a04696e673112001a0022002a0032003800420012610a1422120a0664656673766312080a0468'
        '747470100012120a07666f6f2e636f6d12076d792d636572741a2e0a07666f6f2e636f6d12230a21'
        '0a1f0a042f626172120f220d0a047376633112050a0010903f1a0650726566697822056e67696e78'
        '1a020a001a002200'
        ,
        {'kind': 'Ingress',
         'apiVersion': 'networking.k8s.io/v1',
         'metadata': {'name': 'ing1'},
         'spec': {'defaultBackend': {'service': {'name': 'defsvc', 'port': {'name': 'http'}}},
                  'tls': [{'hosts': ['foo.com'], 'secretName': 'my-cert'}],
                  'rules': [{'host': 'foo.com',
                             'http': {'paths': [{'path': '/bar',
                                                 'backend': {'service': {'name': 'svc1',
                                                                         'port': {'number': 8080}}},
                                                 'pathType': 'Prefix'}]}}],
                  'ingressClassName': 'nginx'},
         'status': {'loadBalancer': {}}}),
    # kubectl create deployment multi --image=nginx --image=redis --replicas=0
    'deployment_multi': (
        '6b3873000a150a07617070732f7631120a4465706c6f796d656e7412d9010a230a056d756c746912'
        '001a0022002a003200380042005a0c0a0361707012056d756c746912a3010800120e0a0c0a036170'
        '7012056d756c74691a86010a1e0a0012001a0022002a003200380042005a0c0a0361707012056d75'
        '6c7469126412220a056e67696e7812056e67696e782a0042006a007200800100880100900100a201'
        '0012220a057265646973120572656469732a0042006a007200800100880100900100a201001a0032'
        '0042004a0052005800600068008201008a01009a0100c2010022020a00280038001a0c0800100018'
        '002000280038001a002200'
        ,
        {'kind': 'Deployment',
         'apiVersion': 'apps/v1',
         'metadata': {'name': 'multi', 'labels': {'app': 'multi'}},
         'spec': {'replicas': 0,
                  'selector': {'matchLabels': {'app': 'multi'}},
                  'template': {'metadata': {'labels': {'app': 'multi'}},
                               'spec': {'containers': [{'name': 'nginx',
                                                        'image': 'nginx',
                                                        'resources': {}},
                                                       {'name': 'redis',
                                                        'image': 'redis',
                                                        'resources': {}}]}},
                  'strategy': {}},
         'status': {}}),
}


@pytest.mark.parametrize("name", sorted(RECORDED))
def test_recorded_kubectl_bodies(name):
    body, expected = RECORDED[name]
    assert decode(bytes.fromhex(body)) == expected


def test_recorded_deployment_keeps_replicas_zero():
    body, _ = RECORDED["deployment_multi"]
    assert decode(bytes.fromhex(body))["spec"]["replicas"] == 0


# --------------------------------------------------------------------- encoder

_ZERO = {"string": "", "bytes": "", "int32": 0, "int64": 0, "bool": False}


def _varint(n: int) -> bytes:
    n &= (1 << 64) - 1                  # negative ints: ten-byte two's complement
    out = bytearray()
    while True:
        b, n = n & 0x7F, n >> 7
        out.append(b | (0x80 if n else 0))
        if not n:
            return bytes(out)


def _key(num: int, wt: int) -> bytes:
    return _varint(num << 3 | wt)


def _ld(num: int, data: bytes) -> bytes:
    return _key(num, 2) + _varint(len(data)) + data


def _seconds(text: str) -> int:
    t = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    return int(t.timestamp())


def _special(typ: str, v) -> bytes:
    if typ == "Time":
        return _key(1, 0) + _varint(_seconds(v)) + _key(2, 0) + _varint(0)
    if typ == "MicroTime":
        t = dt.datetime.fromisoformat(v.replace("Z", "+00:00"))
        return _key(1, 0) + _varint(int(t.timestamp())) + _key(2, 0) + _varint(
            t.microsecond * 1000)
    if typ == "Quantity":
        return _ld(1, v.encode())
    if typ == "IntOrString":
        if isinstance(v, int):
            return _key(1, 0) + _varint(0) + _key(2, 0) + _varint(v) + _ld(3, b"")
        return _key(1, 0) + _varint(1) + _key(2, 0) + _varint(0) + _ld(3, v.encode())
    raise AssertionError(typ)


def _value(typ: str, num: int, v) -> bytes:
    if typ == "string":
        return _ld(num, v.encode())
    if typ == "bytes":
        return _ld(num, base64.b64decode(v))
    if typ in ("int32", "int64", "bool"):
        return _key(num, 0) + _varint(int(v))
    if typ in SCHEMA:
        return _ld(num, encode_message(typ, v))
    return _ld(num, _special(typ, v))


def encode_message(name: str, obj: dict, gogo: bool = True) -> bytes:
    """``obj`` as message ``name``; ``gogo`` also writes absent zero scalars and times."""
    out = b""
    for num in sorted(SCHEMA[name]):
        f = SCHEMA[name][num]
        if f.json == "...":
            out += _ld(num, encode_message(f.type, obj, gogo))
            continue
        if f.json not in obj:
            if gogo and not f.card and f.type in _ZERO and not f.keep_zero:
                out += _value(f.type, num, _ZERO[f.type])
            elif gogo and not f.card and f.type == "Time":
                out += _ld(num, b"")    # the zero time: an empty message
            continue
        v = obj[f.json]
        if f.card == "*":
            for item in v:
                out += _value(f.type, num, item)
        elif f.card == "{}":
            for k, item in v.items():
                out += _ld(num, _ld(1, k.encode()) + _value(f.type, 2, item))
        else:
            out += _value(f.type, num, v)
    return out


def encode(obj: dict, message: str | None = None, gogo: bool = True) -> bytes:
    """A complete body: magic, runtime.Unknown{TypeMeta, raw, "", ""}."""
    api_version, kind = obj["apiVersion"], obj["kind"]
    message = message or protobuf.message_for(api_version, kind)
    raw = encode_message(message, {k: v for k, v in obj.items()
                                   if k not in ("apiVersion", "kind")}, gogo)
    type_meta = _ld(1, api_version.encode()) + _ld(2, kind.encode())
    return MAGIC + _ld(1, type_meta) + _ld(2, raw) + _ld(3, b"") + _ld(4, b"")


def test_encoder_agrees_with_the_recorded_deployment_body():
    body, expected = RECORDED["deployment"]
    assert decode(encode(expected)) == decode(bytes.fromhex(body)) == expected


# ------------------------------------------------------------------ round trips

GENERATED = {
    "service": {
        "kind": "Service", "apiVersion": "v1",
        "metadata": {"name": "web", "namespace": "default", "labels": {"app": "web"}},
        "spec": {"ports": [{"name": "http", "protocol": "TCP", "port": 80,
                            "targetPort": "http", "nodePort": 30080},
                           {"protocol": "UDP", "port": 53, "targetPort": 5353}],
                 "selector": {"app": "web"}, "type": "NodePort",
                 "externalTrafficPolicy": "Local", "sessionAffinity": "ClientIP",
                 "ipFamilyPolicy": "SingleStack", "ipFamilies": ["IPv4"]},
        "status": {"loadBalancer": {}}},
    "namespace": {"kind": "Namespace", "apiVersion": "v1",
                  "metadata": {"name": "team-a", "labels": {"env": "dev"}},
                  "spec": {"finalizers": ["kubernetes"]}, "status": {}},
    "configmap": {"kind": "ConfigMap", "apiVersion": "v1",
                  "metadata": {"name": "cfg", "annotations": {"a": ""}},
                  "data": {"key": "value", "empty": ""},
                  "binaryData": {"blob": base64.b64encode(b"\x00\x01\xff").decode()},
                  "immutable": False},
    "secret": {"kind": "Secret", "apiVersion": "v1", "metadata": {"name": "s"},
               "data": {"password": base64.b64encode(b"s3cr3t").decode(), "empty": ""},
               "stringData": {"plain": "text"}, "type": "Opaque"},
    "job": {"kind": "Job", "apiVersion": "batch/v1", "metadata": {"name": "pi"},
            "spec": {"parallelism": 2, "completions": 4, "backoffLimit": 0,
                     "activeDeadlineSeconds": 600, "ttlSecondsAfterFinished": 100,
                     "template": {"metadata": {"labels": {"job": "pi"}},
                                  "spec": {"containers": [{
                                      "name": "pi", "image": "perl:5.34",
                                      "command": ["perl", "-Mbignum=bpi", "-wle"],
                                      "args": ["print bpi(2000)"], "resources": {}}],
                                      "restartPolicy": "Never"}}},
            "status": {}},
    "serviceaccount": {"kind": "ServiceAccount", "apiVersion": "v1",
                       "metadata": {"name": "robot", "namespace": "ci"},
                       "secrets": [{"name": "robot-token"}],
                       "imagePullSecrets": [{"name": "regcred"}],
                       "automountServiceAccountToken": False},
    "ingress": {"kind": "Ingress", "apiVersion": "networking.k8s.io/v1",
                "metadata": {"name": "ing"},
                "spec": {"ingressClassName": "nginx",
                         "defaultBackend": {"service": {"name": "def",
                                                        "port": {"name": "http"}}},
                         "tls": [{"hosts": ["a.example.com"], "secretName": "tls"}],
                         "rules": [{"host": "a.example.com", "http": {"paths": [
                             {"path": "/api", "pathType": "Prefix",
                              "backend": {"service": {"name": "api",
                                                      "port": {"number": 8080}}}}]}}]},
                "status": {"loadBalancer": {"ingress": [{"ip": "10.0.0.1"}]}}},
    "hpa_v1": {"kind": "HorizontalPodAutoscaler", "apiVersion": "autoscaling/v1",
               "metadata": {"name": "web"},
               "spec": {"scaleTargetRef": {"kind": "Deployment", "name": "web",
                                           "apiVersion": "apps/v1"},
                        "minReplicas": 1, "maxReplicas": 10,
                        "targetCPUUtilizationPercentage": 50},
               "status": {"currentReplicas": 0, "desiredReplicas": 0}},
    "hpa_v2": {"kind": "HorizontalPodAutoscaler", "apiVersion": "autoscaling/v2",
               "metadata": {"name": "web"},
               "spec": {"scaleTargetRef": {"kind": "Deployment", "name": "web",
                                           "apiVersion": "apps/v1"},
                        "minReplicas": 2, "maxReplicas": 5, "metrics": [
                            {"type": "Resource", "resource": {
                                "name": "cpu", "target": {"type": "Utilization",
                                                          "averageUtilization": 60}}},
                            {"type": "Pods", "pods": {
                                "metric": {"name": "qps"},
                                "target": {"type": "AverageValue", "averageValue": "1k"}}}],
                        "behavior": {"scaleDown": {"stabilizationWindowSeconds": 300,
                                                   "policies": [{"type": "Percent",
                                                                 "value": 100,
                                                                 "periodSeconds": 15}]}}},
               "status": {"desiredReplicas": 0}},
}


@pytest.mark.parametrize("name", sorted(GENERATED))
def test_generator_kinds_round_trip(name):
    obj = GENERATED[name]
    assert decode(encode(obj)) == obj


@pytest.mark.parametrize("name", sorted(GENERATED))
def test_round_trip_without_zero_fields_on_the_wire(name):
    obj = GENERATED[name]
    assert decode(encode(obj, gogo=False)) == obj


POD = {
    "kind": "Pod", "apiVersion": "v1",
    "metadata": {"name": "web-0", "namespace": "default", "uid": "0f1e", "generation": 3,
                 "resourceVersion": "42", "creationTimestamp": "2024-05-01T12:00:00Z",
                 "deletionTimestamp": "2024-05-01T13:00:00Z",
                 "deletionGracePeriodSeconds": 0,
                 "labels": {"app": "web"}, "finalizers": ["example.com/keep"],
                 "ownerReferences": [{"apiVersion": "apps/v1", "kind": "StatefulSet",
                                      "name": "web", "uid": "abc", "controller": True,
                                      "blockOwnerDeletion": True}]},
    "spec": {
        "volumes": [
            {"name": "scratch", "emptyDir": {"medium": "Memory", "sizeLimit": "64Mi"}},
            {"name": "cfg", "configMap": {"name": "cfg", "defaultMode": 420,
                                          "items": [{"key": "a", "path": "a.txt"}]}},
            {"name": "sec", "secret": {"secretName": "s", "optional": True}},
            {"name": "host", "hostPath": {"path": "/var/log", "type": "Directory"}},
            {"name": "data", "persistentVolumeClaim": {"claimName": "data-web-0"}}],
        "initContainers": [{"name": "init", "image": "busybox", "command": ["true"],
                            "resources": {}, "restartPolicy": "Always"}],
        "containers": [{
            "name": "web", "image": "nginx:1.27", "workingDir": "/srv",
            "ports": [{"name": "http", "containerPort": 80, "protocol": "TCP"}],
            "env": [{"name": "A", "value": "1"}, {"name": "EMPTY"},
                    {"name": "POD", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}},
                    {"name": "PW", "valueFrom": {"secretKeyRef": {"name": "s",
                                                                  "key": "password"}}}],
            "resources": {"limits": {"cpu": "500m", "memory": "128Mi"},
                          "requests": {"cpu": "250m"}},
            "volumeMounts": [{"name": "scratch", "mountPath": "/tmp", "readOnly": True}],
            "livenessProbe": {"httpGet": {"path": "/healthz", "port": "http"},
                              "initialDelaySeconds": 5, "periodSeconds": 10},
            "readinessProbe": {"tcpSocket": {"port": 80}, "failureThreshold": 3},
            "startupProbe": {"exec": {"command": ["cat", "/ready"]}},
            "imagePullPolicy": "IfNotPresent", "stdin": True, "tty": True}],
        "restartPolicy": "Always", "terminationGracePeriodSeconds": 30,
        "activeDeadlineSeconds": 0, "dnsPolicy": "ClusterFirst",
        "nodeSelector": {"disk": "ssd"}, "serviceAccountName": "robot",
        "nodeName": "node-1", "hostNetwork": True, "schedulerName": "default-scheduler",
        "tolerations": [{"key": "k", "operator": "Exists", "effect": "NoSchedule",
                         "tolerationSeconds": 0}],
        "priority": -5,
        "affinity": {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {
            "nodeSelectorTerms": [{"matchExpressions": [
                {"key": "zone", "operator": "In", "values": ["a", "b"]}]}]}}}},
    "status": {"phase": "Running", "podIP": "10.0.0.5", "startTime": "2024-05-01T12:00:01Z",
               "containerStatuses": [{"name": "web", "ready": True, "restartCount": 0,
                                      "image": "nginx:1.27", "imageID": "",
                                      "state": {"running": {
                                          "startedAt": "2024-05-01T12:00:02Z"}},
                                      "lastState": {}}]},
}


def test_pod_with_volumes_probes_env_resources_round_trips():
    assert decode(encode(POD)) == POD


def test_pointer_zeroes_are_kept_and_omitempty_zeroes_dropped():
    got = decode(encode(POD))
    assert got["spec"]["activeDeadlineSeconds"] == 0        # *int64
    assert got["spec"]["tolerations"][0]["tolerationSeconds"] == 0
    assert got["metadata"]["deletionGracePeriodSeconds"] == 0
    assert got["status"]["containerStatuses"][0]["restartCount"] == 0   # not omitempty
    assert got["spec"]["priority"] == -5                    # negative int32
    assert "hostPID" not in got["spec"]                     # false bool, omitempty
    assert "subdomain" not in got["spec"]                   # empty string, omitempty


def test_inlined_members_merge_into_their_parent():
    got = decode(encode(POD))
    vol = got["spec"]["volumes"][0]
    assert vol == {"name": "scratch", "emptyDir": {"medium": "Memory", "sizeLimit": "64Mi"}}
    probe = got["spec"]["containers"][0]["livenessProbe"]
    assert probe["httpGet"] == {"path": "/healthz", "port": "http"}


def test_deployment_with_strategy_and_zero_replicas():
    obj = {"kind": "Deployment", "apiVersion": "apps/v1", "metadata": {"name": "d"},
           "spec": {"replicas": 0, "selector": {"matchLabels": {"a": "b"}, "matchExpressions": [
               {"key": "tier", "operator": "NotIn", "values": ["db"]}]},
                    "template": {"metadata": {"labels": {"a": "b"}},
                                 "spec": {"containers": [{"name": "c", "image": "i",
                                                          "resources": {}}]}},
                    "strategy": {"type": "RollingUpdate",
                                 "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": 0}},
                    "revisionHistoryLimit": 0, "progressDeadlineSeconds": 600,
                    "minReadySeconds": 5, "paused": True},
           "status": {}}
    assert decode(encode(obj)) == obj


@pytest.mark.parametrize("obj", [
    {"kind": "StatefulSet", "apiVersion": "apps/v1", "metadata": {"name": "db"},
     "spec": {"replicas": 3, "selector": {"matchLabels": {"app": "db"}}, "serviceName": "db",
              "template": {"metadata": {"labels": {"app": "db"}},
                           "spec": {"containers": [{"name": "db", "image": "pg",
                                                    "resources": {}}]}},
              "volumeClaimTemplates": [{"metadata": {"name": "data"}, "spec": {
                  "accessModes": ["ReadWriteOnce"],
                  "resources": {"requests": {"storage": "1Gi"}}}, "status": {}}],
              "podManagementPolicy": "Parallel",
              "updateStrategy": {"type": "RollingUpdate",
                                 "rollingUpdate": {"partition": 0}}},
     "status": {"replicas": 0, "availableReplicas": 0}},
    {"kind": "DaemonSet", "apiVersion": "apps/v1", "metadata": {"name": "agent"},
     "spec": {"selector": {"matchLabels": {"app": "agent"}},
              "template": {"metadata": {"labels": {"app": "agent"}},
                           "spec": {"containers": [{"name": "a", "image": "agent",
                                                    "resources": {}}],
                                    "hostNetwork": True}},
              "updateStrategy": {"type": "OnDelete"}},
     "status": {"currentNumberScheduled": 0, "numberMisscheduled": 0,
                "desiredNumberScheduled": 0, "numberReady": 0}},
    {"kind": "ReplicaSet", "apiVersion": "apps/v1", "metadata": {"name": "rs"},
     "spec": {"replicas": 2, "selector": {"matchLabels": {"a": "b"}},
              "template": {"metadata": {"labels": {"a": "b"}},
                           "spec": {"containers": [{"name": "c", "image": "i",
                                                    "resources": {}}]}}},
     "status": {"replicas": 0}},
    {"kind": "Lease", "apiVersion": "coordination.k8s.io/v1", "metadata": {"name": "l"},
     "spec": {"holderIdentity": "me", "leaseDurationSeconds": 15,
              "renewTime": "2024-05-01T12:00:00.123456Z", "leaseTransitions": 0}},
    {"kind": "Event", "apiVersion": "v1", "metadata": {"name": "e.1"},
     "involvedObject": {"kind": "Pod", "name": "p", "namespace": "default"},
     "reason": "Pulled", "message": "ok", "source": {"component": "kubelet"},
     "firstTimestamp": "2024-05-01T12:00:00Z", "lastTimestamp": "2024-05-01T12:00:05Z",
     "count": 2, "type": "Normal", "eventTime": "2024-05-01T12:00:00.000001Z",
     "reportingComponent": "", "reportingInstance": ""},
    {"kind": "IngressClass", "apiVersion": "networking.k8s.io/v1",
     "metadata": {"name": "nginx", "annotations": {
         "ingressclass.kubernetes.io/is-default-class": "true"}},
     "spec": {"controller": "k8s.io/ingress-nginx",
              "parameters": {"apiGroup": "", "kind": "IngressParameters", "name": "p",
                             "scope": "Namespace", "namespace": "ops"}}},
    {"kind": "IngressClass", "apiVersion": "networking.k8s.io/v1",
     "metadata": {"name": "bare"}, "spec": {"controller": "example.com/ic"}},
])
def test_other_served_kinds_round_trip(obj):
    assert decode(encode(obj)) == obj


def test_delete_options_and_scale_decode():
    opts = {"kind": "DeleteOptions", "apiVersion": "meta.k8s.io/v1",
            "propagationPolicy": "Background", "gracePeriodSeconds": 0}
    assert decode(encode(opts)) == opts
    scale = {"kind": "Scale", "apiVersion": "autoscaling/v1", "metadata": {"name": "web"},
             "spec": {"replicas": 4}, "status": {"replicas": 0}}
    assert decode(encode(scale)) == scale


# ----------------------------------------------------------------- wire details


def test_times():
    meta = _key(8, 2) + _varint(0)                       # zero time: dropped
    meta += _ld(9, _key(1, 0) + _varint(1714564800) + _key(2, 0) + _varint(999))
    body = MAGIC + _ld(1, _ld(1, b"v1") + _ld(2, b"Namespace")) + _ld(2, _ld(1, meta))
    got = decode(body)["metadata"]
    assert got == {"deletionTimestamp": "2024-05-01T12:00:00Z"}   # nanos dropped, as Go


def test_unknown_fields_are_skipped_at_every_level():
    obj = GENERATED["configmap"]
    raw = encode_message("core/v1.ConfigMap", {k: v for k, v in obj.items()
                                               if k not in ("kind", "apiVersion")})
    raw += _key(99, 0) + _varint(7) + _ld(100, b"junk") + _key(101, 5) + b"\0\0\0\0" \
        + _key(102, 1) + b"\0" * 8 + _key(103, 3) + _key(1, 0) + _varint(1) + _key(103, 4)
    tm = _ld(1, b"v1") + _ld(2, b"ConfigMap") + _ld(9, b"x")
    body = MAGIC + _ld(1, tm) + _ld(2, raw) + _ld(7, b"future")
    assert decode(body) == obj


def test_packed_repeated_ints_are_accepted():
    # SecurityContext.capabilities has no ints; PodSecurityContext.supplementalGroups does
    groups = _varint(1000) + _varint(2000)
    psc = _ld(4, groups)
    spec = _ld(14, psc)
    body = MAGIC + _ld(1, _ld(1, b"v1") + _ld(2, b"Pod")) + _ld(2, _ld(2, spec))
    assert decode(body)["spec"]["securityContext"]["supplementalGroups"] == [1000, 2000]


def test_map_entry_without_value_is_the_zero_value():
    entry = _ld(1, b"k")
    body = MAGIC + _ld(1, _ld(1, b"v1") + _ld(2, b"ConfigMap")) + _ld(2, _ld(2, entry))
    assert decode(body)["data"] == {"k": ""}


# ----------------------------------------------------------------------- errors


def _error(body: bytes) -> ApiError:
    with pytest.raises(ApiError) as info:
        decode(body)
    return info.value


@pytest.mark.parametrize("body", [
    b"",
    b'{"kind": "Pod"}',
    b"k8s",
    b"k8s\x01" + b"\x0a\x00",
])
def test_not_a_kubernetes_protobuf_body_is_400(body):
    err = _error(body)
    assert err.code == 400 and err.reason == "BadRequest"


@pytest.mark.parametrize("tail", [
    b"\x0a",                                 # truncated length
    b"\x0a\x05ab",                           # length beyond the end
    b"\x12\x02\x0a",                         # truncated inside the raw object
    b"\x0a\x0d\x0a\x02v1\x12\x07Service\x12\x03\x0a\x01\xff",  # bad length at depth
    b"\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff",          # varint too long
    b"\x0f",                                 # wire type 7
])
def test_malformed_protobuf_is_400(tail):
    err = _error(MAGIC + tail)
    assert err.code == 400
    assert "protobuf" in err.message


def test_wire_type_mismatch_is_400():
    meta = _key(1, 0) + _varint(5)           # name as a varint
    body = MAGIC + _ld(1, _ld(1, b"v1") + _ld(2, b"Namespace")) + _ld(2, _ld(1, meta))
    assert _error(body).code == 400


def test_missing_kind_is_400():
    assert _error(MAGIC + _ld(1, _ld(1, b"v1")) + _ld(2, b"")).code == 400


@pytest.mark.parametrize("api_version, kind", [
    ("scheduling.k8s.io/v1", "PriorityClass"),   # kubectl create priorityclass
    ("v1", "ResourceQuota"),                     # kubectl create quota
    ("batch/v1", "CronJob"),
    ("apps/v2", "Deployment"),                   # a version that is not served
])
def test_unserved_kind_is_415_naming_it(api_version, kind):
    body = MAGIC + _ld(1, _ld(1, api_version.encode()) + _ld(2, kind.encode())) + _ld(2, b"")
    err = _error(body)
    assert err.code == 415 and err.reason == "UnsupportedMediaType"
    assert kind in err.message and "application/vnd.kubernetes.protobuf" in err.message


def test_schema_covers_every_served_kind_and_version():
    from rayk8s.api.kinds import REGISTRY
    for kind in REGISTRY.all():
        for api_version in kind.api_versions:
            assert protobuf.message_for(api_version, kind.kind) is not None, \
                (api_version, kind.kind)


def test_is_protobuf():
    assert protobuf.is_protobuf("application/vnd.kubernetes.protobuf")
    assert protobuf.is_protobuf("application/vnd.kubernetes.protobuf; charset=x")
    assert not protobuf.is_protobuf("application/json")
    assert not protobuf.is_protobuf(None)
