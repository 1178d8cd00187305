"""Server-side printing: the Table columns and cells of Kubernetes 1.32's printers."""

from __future__ import annotations

import calendar
import time

import pytest

from rayk8s.api.kinds import REGISTRY
from rayk8s.apiserver.http import tables
from rayk8s.apiserver.http.tables import human_duration, to_table

NOW = calendar.timegm(time.strptime("2024-05-01T12:00:00", "%Y-%m-%dT%H:%M:%S"))


def ts(seconds_ago: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(NOW - seconds_ago))


def meta(name: str, age: float = 300, **extra) -> dict:
    return {"name": name, "namespace": "default", "uid": f"uid-{name}",
            "resourceVersion": "17", "creationTimestamp": ts(age), **extra}


def row(kind: str, obj: dict) -> list:
    return to_table(REGISTRY.lookup(kind), [obj], NOW)["rows"][0]["cells"]


def cells(kind: str, obj: dict) -> dict:
    """Column name -> cell, for readable assertions."""
    table = to_table(REGISTRY.lookup(kind), [obj], NOW)
    names = [c["name"] for c in table["columnDefinitions"]]
    values = table["rows"][0]["cells"]
    assert len(names) == len(values)
    return dict(zip(names, values))


# ------------------------------------------------------------------- durations


@pytest.mark.parametrize("seconds, text", [
    (-5, "<invalid>"), (-1.5, "0s"), (0, "0s"), (0.9, "0s"), (45, "45s"), (119, "119s"),
    (120, "2m"), (125, "2m5s"), (330, "5m30s"), (599, "9m59s"), (600, "10m"),
    (3 * 3600 - 1, "179m"), (3 * 3600, "3h"), (5 * 3600 + 300, "5h5m"),
    (8 * 3600, "8h"), (47 * 3600, "47h"), (48 * 3600, "2d"), (3 * 86400 + 7200, "3d2h"),
    (8 * 86400, "8d"), (364 * 86400, "364d"), (2 * 365 * 86400, "2y"),
    (800 * 86400, "2y70d"), (9 * 365 * 86400, "9y"),
])
def test_human_duration(seconds, text):
    assert human_duration(seconds) == text


def test_age_of_an_object_without_timestamp_is_unknown():
    assert cells("configmaps", {"metadata": {"name": "x"}})["Age"] == "<unknown>"


# ---------------------------------------------------------------------- columns

COLUMNS = {
    "pods": ["Name", "Ready", "Status", "Restarts", "Age", "*IP", "*Node", "*Nominated Node",
             "*Readiness Gates"],
    "nodes": ["Name", "Status", "Roles", "Age", "Version", "*Internal-IP", "*External-IP",
              "*OS-Image", "*Kernel-Version", "*Container-Runtime"],
    "namespaces": ["Name", "Status", "Age"],
    "services": ["Name", "Type", "Cluster-IP", "External-IP", "Port(s)", "Age", "*Selector"],
    "endpoints": ["Name", "Endpoints", "Age"],
    "deployments": ["Name", "Ready", "Up-to-date", "Available", "Age", "*Containers",
                    "*Images", "*Selector"],
    "replicasets": ["Name", "Desired", "Current", "Ready", "Age", "*Containers", "*Images",
                    "*Selector"],
    "replicationcontrollers": ["Name", "Desired", "Current", "Ready", "Age", "*Containers",
                               "*Images", "*Selector"],
    "statefulsets": ["Name", "Ready", "Age", "*Containers", "*Images"],
    "daemonsets": ["Name", "Desired", "Current", "Ready", "Up-to-date", "Available",
                   "Node Selector", "Age", "*Containers", "*Images", "*Selector"],
    "jobs": ["Name", "Status", "Completions", "Duration", "Age", "*Containers", "*Images",
             "*Selector"],
    "horizontalpodautoscalers": ["Name", "Reference", "Targets", "MinPods", "MaxPods",
                                 "Replicas", "Age"],
    "events": ["Last Seen", "Type", "Reason", "Object", "*Subobject", "*Source", "Message",
               "*First Seen", "*Count", "*Name"],
    "configmaps": ["Name", "Data", "Age"],
    "secrets": ["Name", "Type", "Data", "Age"],
    "serviceaccounts": ["Name", "Secrets", "Age"],
    "persistentvolumes": ["Name", "Capacity", "Access Modes", "Reclaim Policy", "Status",
                          "Claim", "StorageClass", "VolumeAttributesClass", "Reason", "Age",
                          "*VolumeMode"],
    "persistentvolumeclaims": ["Name", "Status", "Volume", "Capacity", "Access Modes",
                               "StorageClass", "VolumeAttributesClass", "Age", "*VolumeMode"],
    "ingresses": ["Name", "Class", "Hosts", "Address", "Ports", "Age"],
    "ingressclasses": ["Name", "Controller", "Parameters", "Age"],
    "endpointslices": ["Name", "AddressType", "Ports", "Endpoints", "Age"],
    "leases": ["Name", "Holder", "Age"],
    "bindings": ["Name", "Age"],
}


@pytest.mark.parametrize("resource", sorted(COLUMNS))
def test_columns(resource):
    defs = tables.column_definitions(REGISTRY.lookup(resource))
    got = [("*" if c["priority"] else "") + c["name"] for c in defs]
    assert got == COLUMNS[resource]
    for c in defs:
        assert set(c) == {"name", "type", "format", "description", "priority"}
        assert c["type"] in ("string", "integer") and c["description"]
    names = [c for c in defs if c["name"] == "Name"]
    assert all(c["format"] == "name" for c in names)


def test_every_served_kind_has_a_printer_or_the_default():
    for kind in REGISTRY.all():
        table = to_table(kind, [{"metadata": meta("x")}], NOW)
        assert len(table["rows"][0]["cells"]) == len(table["columnDefinitions"])


def test_column_descriptions_are_kubernetes_swagger_docs():
    defs = {c["name"]: c for c in tables.column_definitions(REGISTRY.lookup("pods"))}
    assert defs["Name"]["description"].startswith("Name must be unique within a namespace.")
    assert defs["Age"]["description"].startswith("CreationTimestamp is a timestamp")
    assert defs["IP"]["description"].startswith("podIP address allocated to the pod.")
    assert defs["Restarts"]["type"] == "string"


# ------------------------------------------------------------------------- pods


def pod(name="web", phase="Running", containers=("web",), statuses=(), init=(),
        init_statuses=(), age=330, conditions=(), **extra) -> dict:
    spec = {"containers": [{"name": c, "image": "nginx"} for c in containers]}
    if init:
        spec["initContainers"] = list(init)
    spec.update(extra.pop("spec", {}))
    status = {"phase": phase, "conditions": list(conditions)}
    if statuses:
        status["containerStatuses"] = list(statuses)
    if init_statuses:
        status["initContainerStatuses"] = list(init_statuses)
    status.update(extra.pop("status", {}))
    return {"metadata": meta(name, age, **extra), "spec": spec, "status": status}


RUNNING = {"name": "web", "ready": True, "restartCount": 0, "state": {"running": {}}}


def test_running_pod_with_ip_and_node():
    p = pod(statuses=[RUNNING], spec={"nodeName": "node-1"},
            status={"podIP": "10.244.0.18", "podIPs": [{"ip": "10.244.0.18"}]},
            conditions=[{"type": "Ready", "status": "True"}])
    assert row("pods", p) == ["web", "1/1", "Running", "0", "5m30s", "10.244.0.18", "node-1",
                              "<none>", "<none>"]


def test_pod_ip_falls_back_to_pod_ip_field():
    p = pod(statuses=[RUNNING], status={"podIP": "10.0.0.7"})
    assert cells("pods", p)["IP"] == "10.0.0.7"


def test_crash_loop_back_off_with_last_restart():
    st = {"name": "web", "ready": False, "restartCount": 5,
          "state": {"waiting": {"reason": "CrashLoopBackOff"}},
          "lastState": {"terminated": {"exitCode": 1, "reason": "Error",
                                       "finishedAt": ts(75)}}}
    c = cells("pods", pod(statuses=[st], age=900))
    assert (c["Ready"], c["Status"], c["Restarts"], c["Age"]) == \
        ("0/1", "CrashLoopBackOff", "5 (75s ago)", "15m")


def test_completed_job_pod_has_a_completed_row_condition():
    st = {"name": "web", "ready": False, "restartCount": 0,
          "state": {"terminated": {"exitCode": 0, "reason": "Completed"}}}
    table = to_table(REGISTRY.lookup("pods"), [pod(phase="Succeeded", statuses=[st])], NOW)
    r = table["rows"][0]
    assert r["cells"][:3] == ["web", "0/1", "Completed"]
    assert r["conditions"] == [{"type": "Completed", "status": "True", "reason": "Succeeded",
                                "message": "The pod has completed successfully."}]


def test_terminating_pod():
    p = pod(statuses=[RUNNING], deletionTimestamp=ts(-30))
    assert cells("pods", p)["Status"] == "Terminating"
    done = pod(phase="Succeeded", deletionTimestamp=ts(-30))
    assert cells("pods", done)["Status"] == "Succeeded"       # terminal phases stay
    lost = pod(statuses=[RUNNING], deletionTimestamp=ts(-30), status={"reason": "NodeLost"})
    assert cells("pods", lost)["Status"] == "Unknown"


@pytest.mark.parametrize("state, status", [
    ({"waiting": {"reason": "ContainerCreating"}}, "ContainerCreating"),
    ({"waiting": {"reason": "ErrImagePull"}}, "ErrImagePull"),
    ({"waiting": {"reason": "ImagePullBackOff"}}, "ImagePullBackOff"),
    ({"terminated": {"exitCode": 1, "reason": "Error"}}, "Error"),
    ({"terminated": {"exitCode": 137}}, "ExitCode:137"),
    ({"terminated": {"exitCode": 0, "signal": 9}}, "Signal:9"),
    ({"terminated": {"exitCode": 137, "reason": "OOMKilled"}}, "OOMKilled"),
])
def test_container_state_reasons(state, status):
    st = {"name": "web", "ready": False, "restartCount": 0, "state": state}
    assert cells("pods", pod(phase="Running", statuses=[st]))["Status"] == status


def test_pending_pod_and_status_reason():
    assert cells("pods", pod(phase="Pending"))["Status"] == "Pending"
    evicted = pod(phase="Failed", status={"reason": "Evicted"})
    assert cells("pods", evicted)["Status"] == "Evicted"
    gated = pod(phase="Pending", conditions=[{"type": "PodScheduled", "status": "False",
                                              "reason": "SchedulingGated"}])
    assert cells("pods", gated)["Status"] == "SchedulingGated"


def test_init_containers():
    init = [{"name": "init", "image": "busybox"}]
    waiting = {"name": "init", "ready": False, "restartCount": 0,
               "state": {"waiting": {"reason": "PodInitializing"}}}
    p = pod(phase="Pending", init=init, init_statuses=[waiting])
    assert cells("pods", p)["Status"] == "Init:0/1"
    crashing = dict(waiting, restartCount=3, state={"waiting": {"reason": "CrashLoopBackOff"}})
    c = cells("pods", pod(phase="Pending", init=init, init_statuses=[crashing]))
    assert (c["Status"], c["Restarts"]) == ("Init:CrashLoopBackOff", "3")
    failed = dict(waiting, state={"terminated": {"exitCode": 2}})
    assert cells("pods", pod(phase="Pending", init=init, init_statuses=[failed]))["Status"] \
        == "Init:ExitCode:2"
    done = dict(waiting, state={"terminated": {"exitCode": 0, "reason": "Completed"}})
    c = cells("pods", pod(init=init, init_statuses=[done], statuses=[RUNNING]))
    assert (c["Ready"], c["Status"]) == ("1/1", "Running")


def test_sidecar_init_containers_count_as_containers():
    init = [{"name": "proxy", "image": "envoy", "restartPolicy": "Always"}]
    sidecar = {"name": "proxy", "ready": True, "started": True, "restartCount": 1,
               "state": {"running": {}},
               "lastState": {"terminated": {"exitCode": 1, "finishedAt": ts(600)}}}
    p = pod(init=init, init_statuses=[sidecar], statuses=[RUNNING],
            conditions=[{"type": "Initialized", "status": "True"}])
    c = cells("pods", p)
    assert (c["Ready"], c["Status"], c["Restarts"]) == ("2/2", "Running", "1 (10m ago)")


def test_completed_container_with_another_running():
    done = {"name": "a", "ready": False, "restartCount": 0,
            "state": {"terminated": {"exitCode": 0, "reason": "Completed"}}}
    running = dict(RUNNING, name="b")
    p = pod(containers=("a", "b"), statuses=[done, running],
            conditions=[{"type": "Ready", "status": "True"}])
    assert cells("pods", p)["Status"] == "Running"
    p["status"]["conditions"] = []
    assert cells("pods", p)["Status"] == "NotReady"


def test_readiness_gates_and_nominated_node():
    p = pod(statuses=[RUNNING], spec={"readinessGates": [{"conditionType": "a"},
                                                         {"conditionType": "b"}]},
            conditions=[{"type": "a", "status": "True"}, {"type": "b", "status": "False"}],
            status={"nominatedNodeName": "node-9"})
    c = cells("pods", p)
    assert (c["Readiness Gates"], c["Nominated Node"]) == ("1/2", "node-9")


# ---------------------------------------------------------------------- services


def svc(type_="ClusterIP", ports=(), **spec) -> dict:
    return {"metadata": meta("web", 60),
            "spec": {"type": type_, "clusterIP": "10.96.12.7", "clusterIPs": ["10.96.12.7"],
                     "ports": list(ports), **spec}, "status": spec.pop("status", {})}


def test_node_port_service():
    s = svc("NodePort", [{"port": 8090, "nodePort": 31240, "protocol": "TCP",
                          "targetPort": 8090}], selector={"app": "helloworld", "a": "b"})
    assert row("services", s) == ["web", "NodePort", "10.96.12.7", "<none>",
                                  "8090:31240/TCP", "60s", "a=b,app=helloworld"]


def test_service_variants():
    two = svc(ports=[{"port": 80, "protocol": "TCP"}, {"port": 53, "protocol": "UDP"}])
    assert cells("services", two)["Port(s)"] == "80/TCP,53/UDP"
    none = svc(clusterIP="None", clusterIPs=["None"])
    assert (cells("services", none)["Cluster-IP"], cells("services", none)["Port(s)"],
            cells("services", none)["Selector"]) == ("None", "<none>", "<none>")
    ext = svc(externalIPs=["1.2.3.4", "5.6.7.8"])
    assert cells("services", ext)["External-IP"] == "1.2.3.4,5.6.7.8"
    pending = svc("LoadBalancer", [{"port": 80, "nodePort": 30080, "protocol": "TCP"}])
    assert cells("services", pending)["External-IP"] == "<pending>"
    lb = svc("LoadBalancer")
    lb["status"] = {"loadBalancer": {"ingress": [{"ip": "9.9.9.9"}, {"hostname": "lb.example"},
                                                 {"ip": "1.1.1.1"}]}}
    assert cells("services", lb)["External-IP"] == "1.1.1.1,9.9.9.9,lb.example"
    name = svc("ExternalName", externalName="db.example.com", clusterIP="", clusterIPs=[])
    assert (cells("services", name)["External-IP"], cells("services", name)["Cluster-IP"]) \
        == ("db.example.com", "<none>")


def test_endpoints_and_slices():
    ep = {"metadata": meta("web"), "subsets": [
        {"addresses": [{"ip": "10.0.0.1"}, {"ip": "10.0.0.2"}],
         "ports": [{"port": 80}, {"port": 443}]}]}
    assert cells("endpoints", ep)["Endpoints"] == \
        "10.0.0.1:80,10.0.0.2:80,10.0.0.1:443 + 1 more..."
    assert cells("endpoints", {"metadata": meta("none")})["Endpoints"] == "<none>"
    v6 = {"metadata": meta("v6"), "subsets": [{"addresses": [{"ip": "fd00::1"}],
                                               "ports": [{"port": 80}]}]}
    assert cells("endpoints", v6)["Endpoints"] == "[fd00::1]:80"
    es = {"metadata": meta("web-abc"), "addressType": "IPv4",
          "ports": [{"port": 80, "name": "http"}, {"name": "x"}, {}],
          "endpoints": [{"addresses": ["10.0.0.1"]}, {"addresses": ["10.0.0.2"]}]}
    assert row("endpointslices", es) == ["web-abc", "IPv4", "80,x,*", "10.0.0.1,10.0.0.2",
                                         "5m"]
    empty = {"metadata": meta("e"), "addressType": "IPv4"}
    assert row("endpointslices", empty)[2:4] == ["<unset>", "<unset>"]


def test_ingress():
    ing = {"metadata": meta("ing"), "spec": {
        "ingressClassName": "nginx", "tls": [{"hosts": ["a.com"]}],
        "rules": [{"host": "a.com"}, {"host": "b.com"}, {}, {"host": "c.com"},
                  {"host": "d.com"}]},
        "status": {"loadBalancer": {"ingress": [{"ip": "10.0.0.1"}]}}}
    assert row("ingresses", ing) == ["ing", "nginx", "a.com,b.com,c.com + 2 more...",
                                     "10.0.0.1", "80, 443", "5m"]
    bare = {"metadata": meta("bare"), "spec": {"rules": [{}]}}
    assert row("ingresses", bare) == ["bare", "<none>", "*", "", "80", "5m"]


def test_ingressclass():
    spec = {"controller": "k8s.io/ingress-nginx"}
    assert row("ingressclasses", {"metadata": meta("nginx"), "spec": spec}) == [
        "nginx", "k8s.io/ingress-nginx", "<none>", "5m"]
    grouped = dict(spec, parameters={"apiGroup": "k8s.example.com", "kind": "IngressParameters",
                                     "name": "external-lb", "scope": "Cluster"})
    assert row("ingressclasses", {"metadata": meta("lb"), "spec": grouped})[2] == \
        "IngressParameters.k8s.example.com/external-lb"
    core = dict(spec, parameters={"kind": "ConfigMap", "name": "cfg", "scope": "Namespace",
                                  "namespace": "ops"})
    assert row("ingressclasses", {"metadata": meta("c"), "spec": core})[2] == "ConfigMap/cfg"


# --------------------------------------------------------------------- workloads


def deployment(**status) -> dict:
    return {"metadata": meta("helloworld", 7200),
            "spec": {"replicas": 4, "selector": {
                "matchLabels": {"app": "helloworld"},
                "matchExpressions": [{"key": "tier", "operator": "In",
                                      "values": ["web", "api"]}]},
                "template": {"spec": {"containers": [
                    {"name": "hello-world", "image": "hello-world:v1.0"},
                    {"name": "side", "image": "busybox"}]}}},
            "status": status}


def test_deployment_four_of_four():
    d = deployment(replicas=4, updatedReplicas=4, readyReplicas=4, availableReplicas=4)
    assert row("deployments", d) == ["helloworld", "4/4", 4, 4, "120m", "hello-world,side",
                                     "hello-world:v1.0,busybox",
                                     "app=helloworld,tier in (api,web)"]


def test_deployment_without_status_and_default_replicas():
    d = deployment()
    del d["spec"]["replicas"]
    assert row("deployments", d)[1:4] == ["0/1", 0, 0]


def test_replicaset_and_replication_controller():
    rs = {"metadata": meta("web-5d"), "spec": {"replicas": 3,
                                               "selector": {"matchLabels": {"app": "web"}},
                                               "template": {"spec": {"containers": [
                                                   {"name": "c", "image": "i"}]}}},
          "status": {"replicas": 3, "readyReplicas": 2}}
    assert row("replicasets", rs) == ["web-5d", 3, 3, 2, "5m", "c", "i", "app=web"]
    empty_sel = dict(rs, spec=dict(rs["spec"], selector={}))
    assert row("replicasets", empty_sel)[-1] == "<none>"
    rc = {"metadata": meta("rc"), "spec": {"replicas": 2, "selector": {"app": "web"}},
          "status": {"replicas": 1}}
    assert row("replicationcontrollers", rc) == ["rc", 2, 1, 0, "5m", "", "", "app=web"]


def test_statefulset_and_daemonset():
    sts = {"metadata": meta("db"), "spec": {"replicas": 3, "template": {"spec": {
        "containers": [{"name": "pg", "image": "postgres:16"}]}}},
        "status": {"readyReplicas": 2}}
    assert row("statefulsets", sts) == ["db", "2/3", "5m", "pg", "postgres:16"]
    ds = {"metadata": meta("agent"), "spec": {
        "selector": {"matchLabels": {"app": "agent"}},
        "template": {"spec": {"nodeSelector": {"kubernetes.io/os": "linux"},
                              "containers": [{"name": "a", "image": "agent:1"}]}}},
        "status": {"desiredNumberScheduled": 3, "currentNumberScheduled": 3,
                   "numberReady": 2, "updatedNumberScheduled": 3, "numberAvailable": 2}}
    assert row("daemonsets", ds) == ["agent", 3, 3, 2, 3, 2, "kubernetes.io/os=linux", "5m",
                                     "a", "agent:1", "app=agent"]


@pytest.mark.parametrize("spec, status, expected", [
    ({"completions": 1}, {"succeeded": 1, "startTime": ts(400), "completionTime": ts(370),
                          "conditions": [{"type": "Complete", "status": "True"}]},
     ["Complete", "1/1", "30s"]),
    ({"completions": 5, "parallelism": 2}, {"succeeded": 2, "startTime": ts(125)},
     ["Running", "2/5", "2m5s"]),
    ({"parallelism": 3}, {"succeeded": 0}, ["Running", "0/1 of 3", ""]),
    ({}, {"conditions": [{"type": "Failed", "status": "True"}], "startTime": ts(60),
          "completionTime": ts(0)}, ["Failed", "0/1", "60s"]),
    ({}, {"conditions": [{"type": "Suspended", "status": "True"}]}, ["Suspended", "0/1", ""]),
    ({}, {"conditions": [{"type": "FailureTarget", "status": "True"}]},
     ["FailureTarget", "0/1", ""]),
    ({}, {"conditions": [{"type": "Complete", "status": "False"}]}, ["Running", "0/1", ""]),
])
def test_job_status_completions_duration(spec, status, expected):
    job = {"metadata": meta("pi"), "spec": {
        "selector": {"matchLabels": {"controller-uid": "x"}},
        "template": {"spec": {"containers": [{"name": "pi", "image": "perl"}]}}, **spec},
        "status": status}
    r = row("jobs", job)
    assert r[1:4] == expected
    assert r[5:] == ["pi", "perl", "controller-uid=x"]


def test_terminating_job():
    job = {"metadata": meta("pi", deletionTimestamp=ts(0)), "spec": {}, "status": {}}
    assert row("jobs", job)[1] == "Terminating"


# ---------------------------------------------------------------------------- HPA


def hpa(metrics=None, current=None, api_version="autoscaling/v2", **spec) -> dict:
    s = {"scaleTargetRef": {"kind": "Deployment", "name": "helloworld",
                            "apiVersion": "apps/v1"}, "minReplicas": 1, "maxReplicas": 10}
    if metrics is not None:
        s["metrics"] = metrics
    s.update(spec)
    status = {"currentReplicas": 1, "desiredReplicas": 1}
    if current is not None:
        status["currentMetrics"] = current
    return {"apiVersion": api_version, "kind": "HorizontalPodAutoscaler",
            "metadata": meta("helloworld", 50), "spec": s, "status": status}


CPU50 = {"type": "Resource", "resource": {"name": "cpu", "target": {
    "type": "Utilization", "averageUtilization": 50}}}


def test_hpa_without_current_metrics():
    assert row("hpa", hpa([CPU50])) == ["helloworld", "Deployment/helloworld",
                                        "cpu: <unknown>/50%", "1", 10, 1, "50s"]


def test_hpa_with_current_metrics():
    cur = [{"type": "Resource", "resource": {"name": "cpu",
                                             "current": {"averageUtilization": 20}}}]
    assert cells("hpa", hpa([CPU50], cur))["Targets"] == "cpu: 20%/50%"


def test_hpa_v1_object_prints_through_its_v2_form():
    v1 = {"apiVersion": "autoscaling/v1", "kind": "HorizontalPodAutoscaler",
          "metadata": meta("helloworld", 50),
          "spec": {"scaleTargetRef": {"kind": "Deployment", "name": "helloworld"},
                   "minReplicas": 2, "maxReplicas": 5, "targetCPUUtilizationPercentage": 80},
          "status": {"currentReplicas": 3, "desiredReplicas": 3,
                     "currentCPUUtilizationPercentage": 40}}
    assert row("hpa", v1)[2:6] == ["cpu: 40%/80%", "2", 5, 3]


def test_hpa_target_formats():
    avg_value = {"type": "Resource", "resource": {"name": "memory", "target": {
        "type": "AverageValue", "averageValue": "128Mi"}}}
    pods = {"type": "Pods", "pods": {"metric": {"name": "qps"}, "target": {
        "type": "AverageValue", "averageValue": "1k"}}}
    ext = {"type": "External", "external": {"metric": {"name": "q"}, "target": {
        "type": "Value", "value": "500m"}}}
    obj = {"type": "Object", "object": {"metric": {"name": "hits"}, "target": {
        "type": "AverageValue", "averageValue": "2"}}}
    auto = {"type": "ContainerResource", "containerResource": {
        "name": "cpu", "container": "app", "target": {"type": "Utilization"}}}
    cur = [{"type": "Resource", "resource": {"name": "memory",
                                             "current": {"averageValue": "64Mi"}}}]
    assert cells("hpa", hpa([avg_value], cur))["Targets"] == "memory: 64Mi/128Mi"
    assert cells("hpa", hpa([pods]))["Targets"] == "<unknown>/1k"
    assert cells("hpa", hpa([ext]))["Targets"] == "<unknown>/500m"
    assert cells("hpa", hpa([obj]))["Targets"] == "<unknown>/2 (avg)"
    assert cells("hpa", hpa([auto]))["Targets"] == "cpu: <unknown>/<auto>"
    assert cells("hpa", hpa([CPU50, pods, ext]))["Targets"] == \
        "cpu: <unknown>/50%, <unknown>/1k + 1 more..."
    assert cells("hpa", hpa([]))["Targets"] == "<none>"
    unset = hpa([CPU50])
    del unset["spec"]["minReplicas"]
    assert cells("hpa", unset)["MinPods"] == "<unset>"


# -------------------------------------------------------------------------- nodes


def node(name="node-1", ready="True", labels=None, unschedulable=False) -> dict:
    n = {"metadata": {"name": name, "uid": "n", "creationTimestamp": ts(3 * 86400),
                      "labels": labels or {}},
         "spec": {"unschedulable": unschedulable} if unschedulable else {},
         "status": {"nodeInfo": {"kubeletVersion": "v1.32.0", "osImage": "Ubuntu 22.04",
                                 "kernelVersion": "6.1.0",
                                 "containerRuntimeVersion": "containerd://1.7"},
                    "addresses": [{"type": "Hostname", "address": name},
                                  {"type": "InternalIP", "address": "192.168.0.2"}]}}
    if ready is not None:
        n["status"]["conditions"] = [{"type": "MemoryPressure", "status": "False"},
                                     {"type": "Ready", "status": ready}]
    return n


def test_ready_node():
    assert row("nodes", node()) == ["node-1", "Ready", "<none>", "3d", "v1.32.0",
                                    "192.168.0.2", "<none>", "Ubuntu 22.04", "6.1.0",
                                    "containerd://1.7"]


def test_node_status_and_roles():
    n = node(ready="False", unschedulable=True, labels={
        "node-role.kubernetes.io/control-plane": "", "node-role.kubernetes.io/": "x",
        "kubernetes.io/role": "worker", "node-role.kubernetes.io/etcd": "true"})
    c = cells("nodes", n)
    assert (c["Status"], c["Roles"]) == ("NotReady,SchedulingDisabled",
                                         "control-plane,etcd,worker")
    assert cells("nodes", node(ready=None))["Status"] == "Unknown"
    bare = {"metadata": {"name": "n"}}
    assert row("nodes", bare)[5:] == ["<none>", "<none>", "<unknown>", "<unknown>",
                                      "<unknown>"]


# ---------------------------------------------------------------- config, storage


def test_namespace_configmap_secret_serviceaccount_lease():
    assert row("namespaces", {"metadata": meta("team", 45),
                              "status": {"phase": "Active"}}) == ["team", "Active", "45s"]
    cm = {"metadata": meta("cfg"), "data": {"a": "1", "b": "2"}, "binaryData": {"c": "AA=="}}
    assert row("configmaps", cm) == ["cfg", 3, "5m"]
    sec = {"metadata": meta("s"), "type": "Opaque", "data": {"a": "MQ=="}}
    assert row("secrets", sec) == ["s", "Opaque", 1, "5m"]
    sa = {"metadata": meta("default"), "secrets": []}
    assert row("serviceaccounts", sa) == ["default", 0, "5m"]
    lease = {"metadata": meta("kube-scheduler"), "spec": {"holderIdentity": "node-1_x"}}
    assert row("leases", lease) == ["kube-scheduler", "node-1_x", "5m"]
    assert row("leases", {"metadata": meta("free"), "spec": {}})[1] == ""


def test_persistent_volumes_and_claims():
    pv = {"metadata": meta("pv1", annotations={}), "spec": {
        "capacity": {"storage": "10Gi"}, "storageClassName": "standard",
        "accessModes": ["ReadWriteMany", "ReadWriteOnce"],
        "persistentVolumeReclaimPolicy": "Retain",
        "claimRef": {"namespace": "default", "name": "data"}},
        "status": {"phase": "Bound"}}
    assert row("pv", pv) == ["pv1", "10Gi", "RWO,RWX", "Retain", "Bound", "default/data",
                             "standard", "<unset>", "", "5m", "<unset>"]
    beta = dict(pv, metadata=meta("pv2", annotations={
        "volume.beta.kubernetes.io/storage-class": "old"}, deletionTimestamp=ts(0)))
    c = cells("pv", beta)
    assert (c["StorageClass"], c["Status"]) == ("old", "Terminating")
    pvc = {"metadata": meta("data"), "spec": {"volumeName": "pv1", "storageClassName": "standard",
                                              "volumeMode": "Filesystem",
                                              "resources": {"requests": {"storage": "1Gi"}}},
           "status": {"phase": "Bound", "capacity": {"storage": "1536Mi"},
                      "accessModes": ["ReadWriteOnce"]}}
    assert row("pvc", pvc) == ["data", "Bound", "pv1", "1536Mi", "RWO", "standard", "<unset>",
                               "5m", "Filesystem"]
    pending = {"metadata": meta("new"), "spec": {"resources": {"requests": {"storage": "1Gi"}}},
               "status": {"phase": "Pending"}}
    assert row("pvc", pending)[:5] == ["new", "Pending", "", "", ""]


# ------------------------------------------------------------------------- events


def test_events():
    ev = {"metadata": meta("web.17a"), "type": "Normal", "reason": "Pulled",
          "message": " Successfully pulled image \n",
          "involvedObject": {"kind": "Pod", "name": "web", "fieldPath": "spec.containers{web}"},
          "source": {"component": "kubelet", "host": "node-1"},
          "firstTimestamp": ts(100), "lastTimestamp": ts(40), "count": 3}
    assert row("events", ev) == ["40s", "Normal", "Pulled", "pod/web", "spec.containers{web}",
                                 "kubelet, node-1", "Successfully pulled image", "100s", 3,
                                 "web.17a"]


def test_new_style_events():
    ev = {"metadata": meta("e"), "type": "Warning", "reason": "FailedScheduling",
          "message": "0/1 nodes", "involvedObject": {"kind": "Node"},
          "eventTime": "2024-05-01T11:59:00.000000Z", "reportingComponent": "scheduler",
          "reportingInstance": "sched-1"}
    c = cells("events", ev)
    assert (c["Last Seen"], c["First Seen"], c["Object"], c["Source"], c["Count"]) == \
        ("60s", "60s", "node", "scheduler, sched-1", 1)
    series = dict(ev, series={"count": 7, "lastObservedTime": "2024-05-01T11:59:50.000000Z"})
    c = cells("events", series)
    assert (c["Last Seen"], c["Count"]) == ("10s", 7)


# -------------------------------------------------------------------------- table


def test_table_envelope_for_a_list():
    pods = [pod(name="a", statuses=[RUNNING]), pod(name="b", statuses=[RUNNING])]
    table = to_table(REGISTRY.lookup("pods"), pods, NOW,
                     {"resourceVersion": "149", "continue": "tok", "remainingItemCount": 3})
    assert table["kind"] == "Table" and table["apiVersion"] == "meta.k8s.io/v1"
    assert table["metadata"] == {"resourceVersion": "149", "continue": "tok",
                                 "remainingItemCount": 3}
    assert [r["cells"][0] for r in table["rows"]] == ["a", "b"]
    obj = table["rows"][0]["object"]
    assert obj == {"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1",
                   "metadata": pods[0]["metadata"]}
    assert "conditions" not in table["rows"][0]


def test_table_of_one_object_and_without_definitions():
    table = to_table(REGISTRY.lookup("pods"), [pod(statuses=[RUNNING])], NOW,
                     include_definitions=False)
    assert table["metadata"] == {"resourceVersion": "17"}
    assert table["columnDefinitions"] == []
    assert len(table["rows"]) == 1
    empty = to_table(REGISTRY.lookup("pods"), [], NOW, {"resourceVersion": "5"})
    assert empty["rows"] == [] and empty["metadata"] == {"resourceVersion": "5"}
    assert len(empty["columnDefinitions"]) == 9


def test_a_malformed_object_does_not_fail_the_list():
    bad = {"metadata": meta("bad"), "spec": {"containers": "nope"},
           "status": {"containerStatuses": [{"restartCount": "x"}]}}
    table = to_table(REGISTRY.lookup("pods"), [bad, pod(statuses=[RUNNING])], NOW)
    assert table["rows"][0]["cells"][0] == "bad"
    assert len(table["rows"][0]["cells"]) == 9
    assert table["rows"][1]["cells"][2] == "Running"
