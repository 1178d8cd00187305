"""The default scheduler plugins, one behaviour per case, over hand-built dicts."""

import pytest

from rayk8s.scheduler.framework import (UNSCHEDULABLE, UNSCHEDULABLE_AND_UNRESOLVABLE,
                                        CycleState, Status)
from rayk8s.scheduler.nodeinfo import NodeInfo, PodInfo, pod_requests
from rayk8s.scheduler.plugins import (BalancedAllocation, NodeAffinity, NodeName, NodePorts,
                                      NodeResourcesFit, NodeUnschedulable, PodTopologySpread,
                                      TaintToleration)
from rayk8s.scheduler.plugins.helpers import default_normalize, tolerates


def node(name="n1", cpu="4", memory="8Gi", pods="110", labels=None, taints=None,
         unschedulable=False, ready="True", extra=None):
    alloc = {"cpu": cpu, "memory": memory, "pods": pods, **(extra or {})}
    return {"apiVersion": "v1", "kind": "Node",
            "metadata": {"name": name,
                         "labels": {"kubernetes.io/hostname": name, **(labels or {})}},
            "spec": {"taints": taints or [], "unschedulable": unschedulable},
            "status": {"allocatable": alloc, "capacity": alloc,
                       "conditions": [{"type": "Ready", "status": ready}] if ready else []}}


def pod(name="p", cpu=None, memory=None, node_name=None, owner=None, ports=(), **spec):
    requests = {k: v for k, v in (("cpu", cpu), ("memory", memory)) if v is not None}
    container = {"name": "c", "image": "nginx", "resources": {"requests": requests},
                 "ports": [dict(p) for p in ports]}
    meta = {"name": name, "namespace": "default", "uid": f"uid-{name}"}
    if owner:
        meta["ownerReferences"] = [{"kind": "ReplicaSet", "name": owner, "uid": owner,
                                    "controller": True}]
    return {"apiVersion": "v1", "kind": "Pod", "metadata": meta,
            "spec": {"containers": [container], **({"nodeName": node_name} if node_name else {}),
                     **spec}}


def info_of(n, *pods):
    info = NodeInfo(n["metadata"]["name"], n)
    for p in pods:
        info.add_pod(PodInfo(p))
    return info


def run_filter(plugin, p, info):
    state = CycleState(PodInfo(p))
    if hasattr(plugin, "pre_filter"):
        st = plugin.pre_filter(state, p)
        if st is not None and st.code == 5:  # Skip
            return None
    return plugin.filter(state, p, info)


# -- Filter tables: (plugin, pod, node info, expected status or None) ------------------

TOLERATE_ALL = [{"operator": "Exists"}]
FILTER_CASES = {
    "unschedulable node rejects": (
        NodeUnschedulable(), pod(), info_of(node(unschedulable=True)),
        Status.unresolvable("node(s) were unschedulable")),
    "unschedulable node tolerated": (
        NodeUnschedulable(), pod(tolerations=[{"key": "node.kubernetes.io/unschedulable",
                                               "operator": "Exists", "effect": "NoSchedule"}]),
        info_of(node(unschedulable=True)), None),
    "schedulable node passes": (NodeUnschedulable(), pod(), info_of(node()), None),
    "nodeName elsewhere": (
        NodeName(), pod(nodeName="n2"), info_of(node()),
        Status.unresolvable("node(s) didn't match the requested node name")),
    "nodeName here": (NodeName(), pod(nodeName="n1"), info_of(node()), None),
    "NoSchedule taint untolerated": (
        TaintToleration(), pod(), info_of(node(taints=[{"key": "gpu", "value": "true",
                                                         "effect": "NoSchedule"}])),
        Status.unresolvable("node(s) had untolerated taint {gpu: true}")),
    "NoExecute taint untolerated": (
        TaintToleration(), pod(), info_of(node(taints=[{"key": "k", "effect": "NoExecute"}])),
        Status.unresolvable("node(s) had untolerated taint {k: }")),
    "PreferNoSchedule taint does not filter": (
        TaintToleration(), pod(),
        info_of(node(taints=[{"key": "k", "effect": "PreferNoSchedule"}])), None),
    "taint tolerated by Equal": (
        TaintToleration(), pod(tolerations=[{"key": "gpu", "operator": "Equal", "value": "true",
                                             "effect": "NoSchedule"}]),
        info_of(node(taints=[{"key": "gpu", "value": "true", "effect": "NoSchedule"}])), None),
    "taint with other value not tolerated": (
        TaintToleration(), pod(tolerations=[{"key": "gpu", "value": "false"}]),
        info_of(node(taints=[{"key": "gpu", "value": "true", "effect": "NoSchedule"}])),
        Status.unresolvable("node(s) had untolerated taint {gpu: true}")),
    "not-ready node carries the not-ready taint": (
        TaintToleration(), pod(), info_of(node(ready="False")),
        Status.unresolvable("node(s) had untolerated taint {node.kubernetes.io/not-ready: }")),
    "node without Ready condition is not ready": (
        TaintToleration(), pod(), info_of(node(ready=None)),
        Status.unresolvable("node(s) had untolerated taint {node.kubernetes.io/not-ready: }")),
    "not-ready tolerated by Exists-all": (
        TaintToleration(), pod(tolerations=TOLERATE_ALL), info_of(node(ready="False")), None),
    "nodeSelector matches": (
        NodeAffinity(), pod(nodeSelector={"disk": "ssd"}),
        info_of(node(labels={"disk": "ssd"})), None),
    "nodeSelector mismatch": (
        NodeAffinity(), pod(nodeSelector={"disk": "ssd"}), info_of(node(labels={"disk": "hdd"})),
        Status.unresolvable("node(s) didn't match Pod's node affinity/selector")),
    "NodePorts free": (
        NodePorts(), pod(ports=[{"containerPort": 80, "hostPort": 8080}]), info_of(node()), None),
    "NodePorts taken": (
        NodePorts(), pod(ports=[{"containerPort": 80, "hostPort": 8080}]),
        info_of(node(), pod("other", ports=[{"containerPort": 80, "hostPort": 8080}])),
        Status.unschedulable("node(s) didn't have free ports for the requested pod ports")),
    "NodePorts other protocol is free": (
        NodePorts(), pod(ports=[{"containerPort": 53, "hostPort": 53, "protocol": "UDP"}]),
        info_of(node(), pod("other", ports=[{"containerPort": 53, "hostPort": 53}])), None),
    "NodePorts specific IP vs 0.0.0.0 conflict": (
        NodePorts(), pod(ports=[{"containerPort": 80, "hostPort": 80, "hostIP": "127.0.1.1"}]),
        info_of(node(), pod("other", ports=[{"containerPort": 80, "hostPort": 80}])),
        Status.unschedulable("node(s) didn't have free ports for the requested pod ports")),
    "NodePorts different IPs do not conflict": (
        NodePorts(), pod(ports=[{"containerPort": 80, "hostPort": 80, "hostIP": "127.0.1.1"}]),
        info_of(node(), pod("o", ports=[{"containerPort": 80, "hostPort": 80,
                                         "hostIP": "127.0.1.2"}])), None),
    "fits": (NodeResourcesFit(), pod(cpu="1", memory="1Gi"), info_of(node()), None),
    "insufficient cpu": (
        NodeResourcesFit(), pod(cpu="5"), info_of(node()),
        Status.unschedulable("Insufficient cpu")),
    "insufficient cpu counts assigned pods": (
        NodeResourcesFit(), pod(cpu="2"), info_of(node(), pod("a", cpu="3")),
        Status.unschedulable("Insufficient cpu")),
    "insufficient cpu and memory both reported": (
        NodeResourcesFit(), pod(cpu="5", memory="9Gi"), info_of(node()),
        Status.unschedulable("Insufficient cpu", "Insufficient memory")),
    "too many pods": (
        NodeResourcesFit(), pod(), info_of(node(pods="1"), pod("a")),
        Status.unschedulable("Too many pods")),
    "extended resource missing": (
        NodeResourcesFit(), pod(containers=[{"name": "c", "resources": {
            "requests": {"example.com/gpu": "1"}}}]), info_of(node()),
        Status.unschedulable("Insufficient example.com/gpu")),
    "extended resource present": (
        NodeResourcesFit(), pod(containers=[{"name": "c", "resources": {
            "requests": {"example.com/gpu": "1"}}}]),
        info_of(node(extra={"example.com/gpu": "2"})), None),
    "ephemeral storage": (
        NodeResourcesFit(), pod(containers=[{"name": "c", "resources": {
            "requests": {"ephemeral-storage": "2Gi"}}}]),
        info_of(node(extra={"ephemeral-storage": "1Gi"})),
        Status.unschedulable("Insufficient ephemeral-storage")),
    "best-effort pod only needs a pod slot": (
        NodeResourcesFit(), pod(), info_of(node(cpu="0", memory="0")), None),
}


@pytest.mark.parametrize("plugin,p,info,want", FILTER_CASES.values(), ids=FILTER_CASES.keys())
def test_filter(plugin, p, info, want):
    got = run_filter(plugin, p, info)
    assert got == want
    if want is not None:
        assert got.code in (UNSCHEDULABLE, UNSCHEDULABLE_AND_UNRESOLVABLE)


def term(*exprs, fields=()):
    return {"matchExpressions": list(exprs), "matchFields": list(fields)}


def expr(key, op, *values):
    e = {"key": key, "operator": op}
    if values:
        e["values"] = list(values)
    return e


AFFINITY_CASES = {
    "In matches": ([term(expr("zone", "In", "a", "b"))], {"zone": "a"}, True),
    "In misses": ([term(expr("zone", "In", "a"))], {"zone": "c"}, False),
    "NotIn matches absent key": ([term(expr("zone", "NotIn", "a"))], {}, True),
    "NotIn rejects value": ([term(expr("zone", "NotIn", "a"))], {"zone": "a"}, False),
    "Exists": ([term(expr("gpu", "Exists"))], {"gpu": "x"}, True),
    "DoesNotExist": ([term(expr("gpu", "DoesNotExist"))], {"gpu": "x"}, False),
    "Gt": ([term(expr("cores", "Gt", "4"))], {"cores": "8"}, True),
    "Gt not greater": ([term(expr("cores", "Gt", "8"))], {"cores": "8"}, False),
    "Lt": ([term(expr("cores", "Lt", "4"))], {"cores": "2"}, True),
    "Gt on non-integer label": ([term(expr("cores", "Gt", "4"))], {"cores": "many"}, False),
    "expressions in a term are ANDed": (
        [term(expr("zone", "In", "a"), expr("gpu", "Exists"))], {"zone": "a"}, False),
    "terms are ORed": (
        [term(expr("zone", "In", "x")), term(expr("zone", "In", "a"))], {"zone": "a"}, True),
    "matchFields metadata.name": (
        [term(fields=[expr("metadata.name", "In", "n1")])], {}, True),
    "matchFields other name": (
        [term(fields=[expr("metadata.name", "In", "n2")])], {}, False),
    "empty term matches nothing": ([term()], {"zone": "a"}, False),
    "invalid operator matches nothing": ([term(expr("zone", "Near", "a"))], {"zone": "a"}, False),
}


@pytest.mark.parametrize("terms,labels,fits", AFFINITY_CASES.values(), ids=AFFINITY_CASES.keys())
def test_required_node_affinity(terms, labels, fits):
    p = pod(affinity={"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {
        "nodeSelectorTerms": terms}}})
    got = run_filter(NodeAffinity(), p, info_of(node(labels=labels)))
    assert (got is None) == fits


NS = {"effect": "NoSchedule"}
TOLERATION_CASES = {
    "Exists with empty key tolerates all": ({"operator": "Exists"}, {"key": "a", **NS}, True),
    "effect must match": ({"key": "a", "operator": "Exists", "effect": "NoExecute"},
                          {"key": "a", **NS}, False),
    "empty effect matches any": ({"key": "a", "operator": "Exists"},
                                 {"key": "a", "effect": "NoExecute"}, True),
    "Equal is the default operator": ({"key": "a", "value": "1"},
                                      {"key": "a", "value": "1", **NS}, True),
    "Equal compares values": ({"key": "a", "value": "1"}, {"key": "a", "value": "2", **NS}, False),
}


@pytest.mark.parametrize("tol,taint,want", TOLERATION_CASES.values(), ids=TOLERATION_CASES.keys())
def test_tolerates(tol, taint, want):
    assert tolerates(tol, taint) is want


# -- requests ---------------------------------------------------------------------

REQUEST_CASES = {
    "containers are summed": (
        {"containers": [{"resources": {"requests": {"cpu": "1"}}},
                        {"resources": {"requests": {"cpu": "500m"}}}]}, {"cpu": 1500}),
    "init containers take the max": (
        {"initContainers": [{"resources": {"requests": {"cpu": "2", "memory": "1G"}}},
                            {"resources": {"requests": {"cpu": "2", "memory": "3G"}}}],
         "containers": [{"resources": {"requests": {"cpu": "2", "memory": "1G"}}},
                        {"resources": {"requests": {"cpu": "1", "memory": "1G"}}}]},
        {"cpu": 3000, "memory": 3 * 10**9}),
    "sidecar init containers add": (
        {"initContainers": [{"restartPolicy": "Always",
                             "resources": {"requests": {"cpu": "1"}}}],
         "containers": [{"resources": {"requests": {"cpu": "1"}}}]}, {"cpu": 2000}),
    "overhead is added": (
        {"containers": [{"resources": {"requests": {"cpu": "1"}}}], "overhead": {"cpu": "250m"}},
        {"cpu": 1250}),
}


@pytest.mark.parametrize("spec,want", REQUEST_CASES.values(), ids=REQUEST_CASES.keys())
def test_pod_requests(spec, want):
    assert pod_requests({"spec": spec}) == want


def test_non_zero_requests_default_cpu_and_memory():
    assert pod_requests(pod(), non_zero=True) == {"cpu": 100, "memory": 200 * 1024 * 1024}


# -- Score tables: (plugin, pod, node infos) -> scores by node after normalize ----------

def scores_of(plugin, p, infos):
    state = CycleState(PodInfo(p), infos)
    if hasattr(plugin, "pre_score"):
        st = plugin.pre_score(state, p, infos)
        if st is not None and st.code == 5:
            return None
    scores = {i.name: plugin.score(state, p, i) for i in infos}
    if hasattr(plugin, "normalize"):
        plugin.normalize(state, p, scores)
    return scores


def preferred(*weighted):
    return {"nodeAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": [
        {"weight": w, "preference": term(expr(k, "In", v))} for w, k, v in weighted]}}


SCORE_CASES = {
    "least allocated prefers the emptier node": (
        NodeResourcesFit(), pod(cpu="1", memory="1Gi"),
        [info_of(node("a"), pod("x", cpu="2", memory="4Gi")), info_of(node("b"))],
        {"a": 31, "b": 81}),
    "least allocated counts request-less pods as 100m/200Mi": (
        NodeResourcesFit(), pod(), [info_of(node("a", cpu="1", memory="1Gi"))], {"a": 85}),
    "balanced allocation prefers equal fractions": (
        BalancedAllocation(), pod(cpu="2", memory="1Gi"),
        [info_of(node("a"), pod("x", memory="3Gi")), info_of(node("b"))], {"a": 100, "b": 81}),
    "balanced allocation skips best-effort pods": (
        BalancedAllocation(), pod(), [info_of(node("a"))], None),
    "PreferNoSchedule taints lower the score": (
        TaintToleration(), pod(),
        [info_of(node("a", taints=[{"key": "k", "effect": "PreferNoSchedule"}])),
         info_of(node("b"))], {"a": 0, "b": 100}),
    "tolerated PreferNoSchedule taints do not count": (
        TaintToleration(), pod(tolerations=[{"key": "k", "operator": "Exists"}]),
        [info_of(node("a", taints=[{"key": "k", "effect": "PreferNoSchedule"}])),
         info_of(node("b"))], {"a": 100, "b": 100}),
    "preferred node affinity weights": (
        NodeAffinity(), pod(affinity=preferred((80, "disk", "ssd"), (20, "zone", "a"))),
        [info_of(node("a", labels={"disk": "ssd"})), info_of(node("b", labels={"zone": "a"})),
         info_of(node("c"))], {"a": 100, "b": 25, "c": 0}),
    "no preferred terms skips": (NodeAffinity(), pod(), [info_of(node("a"))], None),
    "spread prefers nodes without replicas": (
        PodTopologySpread(), pod(owner="rs1"),
        [info_of(node("a"), pod("r1", owner="rs1"), pod("r2", owner="rs1")),
         info_of(node("b"), pod("r3", owner="rs1")), info_of(node("c"))],
        {"a": 40, "b": 60, "c": 100}),
    "spread ignores other owners": (
        PodTopologySpread(), pod(owner="rs1"),
        [info_of(node("a"), pod("o", owner="rs2")), info_of(node("b"))], {"a": 100, "b": 100}),
    "bare pods are not spread": (PodTopologySpread(), pod(), [info_of(node("a"))], None),
    "spread counts zones": (
        PodTopologySpread(), pod(owner="rs1"),
        [info_of(node("a", labels={"topology.kubernetes.io/zone": "z1"}), pod("r", owner="rs1")),
         info_of(node("b", labels={"topology.kubernetes.io/zone": "z1"})),
         info_of(node("c", labels={"topology.kubernetes.io/zone": "z2"}))],
        {"a": 66, "b": 88, "c": 100}),
}


@pytest.mark.parametrize("plugin,p,infos,want", SCORE_CASES.values(), ids=SCORE_CASES.keys())
def test_score(plugin, p, infos, want):
    assert scores_of(plugin, p, infos) == want


@pytest.mark.parametrize("scores,reverse,want", [
    ({"a": 0, "b": 0}, False, {"a": 0, "b": 0}),
    ({"a": 0, "b": 0}, True, {"a": 100, "b": 100}),
    ({"a": 2, "b": 4}, False, {"a": 50, "b": 100}),
    ({"a": 2, "b": 4}, True, {"a": 50, "b": 0}),
])
def test_default_normalize(scores, reverse, want):
    default_normalize(scores, reverse)
    assert scores == want
