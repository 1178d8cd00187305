"""The scheduling cycle: messages, preemption, selection, custom plugins, NodeCache."""

import random

import pytest

from rayk8s.scheduler import framework as fw
from rayk8s.scheduler.framework import FitError, Framework, SchedulingError, Status
from rayk8s.scheduler.nodeinfo import NodeCache, snapshot_of
from rayk8s.scheduler.plugins import PreemptionResult, default_plugins

from .test_scheduler_plugins import node, pod


def schedule(nodes, p, assigned=(), plugins=None, **kw):
    cache = snapshot_of(nodes, assigned)
    framework = Framework(default_plugins() if plugins is None else plugins,
                          rng=random.Random(1), **kw)
    return framework, cache, framework.schedule(p, cache.nodes())


def failure(nodes, p, assigned=(), **kw):
    """(message, post-filter result) as the scheduler would report them."""
    cache = snapshot_of(nodes, assigned)
    framework = Framework(default_plugins(), rng=random.Random(1), **kw)
    state = fw.CycleState(fw.PodInfo(p))
    with pytest.raises(FitError) as exc:
        framework.schedule(p, cache.nodes(), state)
    result = framework.run_post_filter(state, p, cache.nodes(), exc.value.diagnosis)
    return str(exc.value), result


THREE = [node("n1"), node("n2"), node("n3")]
MESSAGES = {
    "insufficient cpu everywhere": (
        THREE, pod(cpu="8"), (),
        "0/3 nodes are available: 3 Insufficient cpu. preemption: 0/3 nodes are available: "
        "3 No preemption victims found for incoming pod."),
    "reasons sorted and counted": (
        [node("n1", labels={"disk": "ssd"}, memory="1Gi"), node("n2", memory="1Gi"),
         node("n3", labels={"disk": "ssd"}, memory="1Gi")],
        pod(memory="2Gi", nodeSelector={"disk": "ssd"}), (),
        "0/3 nodes are available: 1 node(s) didn't match Pod's node affinity/selector, "
        "2 Insufficient memory. preemption: 0/3 nodes are available: 1 Preemption is not "
        "helpful for scheduling, 2 No preemption victims found for incoming pod."),
    "taints are not helped by preemption": (
        [node("n1", taints=[{"key": "gpu", "value": "true", "effect": "NoSchedule"}]),
         node("n2", unschedulable=True)], pod(), (),
        "0/2 nodes are available: 1 node(s) had untolerated taint {gpu: true}, 1 node(s) were "
        "unschedulable. preemption: 0/2 nodes are available: 2 Preemption is not helpful for "
        "scheduling."),
    "too many pods and ports": (
        [node("n1", pods="1"), node("n2")],
        pod(ports=[{"containerPort": 80, "hostPort": 80}]),
        [pod("a", node_name="n1"), pod("b", node_name="n2",
                                       ports=[{"containerPort": 80, "hostPort": 80}])],
        "0/2 nodes are available: 1 Too many pods, 1 node(s) didn't have free ports for the "
        "requested pod ports. preemption: 0/2 nodes are available: 2 No preemption victims "
        "found for incoming pod."),
    "no nodes": ([], pod(), (), "no nodes available to schedule pods"),
    "preemptionPolicy Never": (
        THREE, pod(cpu="8", preemptionPolicy="Never"), (),
        "0/3 nodes are available: 3 Insufficient cpu. preemption: not eligible due to "
        "preemptionPolicy=Never."),
    "higher-priority pods are no victims": (
        [node("n1", cpu="1")], pod(cpu="1", priority=5),
        [pod("big", cpu="1", node_name="n1", priority=10)],
        "0/1 nodes are available: 1 Insufficient cpu. preemption: 0/1 nodes are available: "
        "1 No preemption victims found for incoming pod."),
    "evicting every lower pod would not be enough": (
        [node("n1", cpu="1")], pod(cpu="2", priority=5),
        [pod("low", cpu="1", node_name="n1", priority=1)],
        "0/1 nodes are available: 1 Insufficient cpu. preemption: 0/1 nodes are available: "
        "1 Insufficient cpu."),
}


@pytest.mark.parametrize("nodes,p,assigned,want", MESSAGES.values(), ids=MESSAGES.keys())
def test_failed_scheduling_message(nodes, p, assigned, want):
    message, result = failure(nodes, p, assigned)
    assert message == want
    assert result is None


def test_preemption_picks_victims_and_reprieves_the_rest():
    nodes = [node("n1", cpu="2"), node("n2", cpu="2")]
    assigned = [pod("a1", cpu="1", node_name="n1", priority=1),
                pod("a2", cpu="1", node_name="n1", priority=2),
                pod("b1", cpu="2", node_name="n2", priority=3)]
    message, result = failure(nodes, pod(cpu="1", priority=10), assigned)
    assert message == "0/2 nodes are available: 2 Insufficient cpu."
    assert isinstance(result, PreemptionResult)
    assert result.node == "n1" and [v.key for v in result.victims] == ["default/a1"]


def test_preemption_leaves_the_snapshot_as_it_was():
    cache = snapshot_of([node("n1", cpu="1")], [pod("low", cpu="1", node_name="n1")])
    framework = Framework(default_plugins())
    p = pod(cpu="1", priority=5)
    state = fw.CycleState(fw.PodInfo(p))
    with pytest.raises(FitError) as exc:
        framework.schedule(p, cache.nodes(), state)
    framework.run_post_filter(state, p, cache.nodes(), exc.value.diagnosis)
    info = cache.get("n1")
    assert list(info.pods) == ["default/low"] and info.requested.milli_cpu == 1000


def test_single_feasible_node_is_taken_without_scoring():
    _, _, result = schedule(THREE, pod(nodeSelector={"kubernetes.io/hostname": "n2"}))
    assert (result.node, result.feasible, result.evaluated) == ("n2", 1, 3)


def test_highest_score_wins_and_ties_break_at_random():
    framework = Framework([], rng=random.Random(7))
    assert framework.select_host({"a": 10, "b": 30, "c": 20}) == "b"
    picks = {framework.select_host({"a": 5, "b": 5, "c": 1}) for _ in range(200)}
    assert picks == {"a", "b"}


@pytest.mark.parametrize("percentage,nodes,want", [
    (0, 50, 50), (0, 99, 99), (0, 100, 100), (0, 1000, 420), (0, 5000, 500),
    (0, 10000, 500), (10, 5000, 500), (50, 300, 150), (100, 300, 300),
])
def test_num_feasible_nodes_to_find(percentage, nodes, want):
    assert fw.num_feasible_nodes_to_find(percentage, nodes) == want


def test_large_clusters_are_searched_round_robin():
    nodes = [node(f"n{i:03}") for i in range(200)]
    framework, cache, result = schedule(nodes, pod(), percentage_of_nodes_to_score=50)
    assert result.evaluated == 100 and framework.next_start == 100
    framework.schedule(pod(), cache.nodes())
    assert framework.next_start == 0


class PreferNode:
    """A custom score plugin: 100 for one node, 0 elsewhere."""
    name = "PreferNode"
    weight = 10

    def __init__(self, target):
        self.target = target

    def score(self, state, p, node_info):
        return 100 if node_info.name == self.target else 0


class OnlyLabelled:
    name = "OnlyLabelled"

    def filter(self, state, p, node_info):
        return None if node_info.labels.get("team") == "a" else "node(s) not of team a"


def test_custom_score_plugin_outweighs_defaults():
    nodes = [node("n1"), node("n2", cpu="64", memory="256Gi")]
    _, _, plain = schedule(nodes, pod(cpu="1"))
    assert plain.node == "n2"
    _, _, custom = schedule(nodes, pod(cpu="1"), plugins=default_plugins() + [PreferNode("n1")])
    assert custom.node == "n1"


def test_config_weights_override_plugin_weight():
    nodes = [node("n1"), node("n2", cpu="64", memory="256Gi")]
    _, _, result = schedule(nodes, pod(cpu="1"), plugins=default_plugins() + [PreferNode("n1")],
                            weights={"PreferNode": 0})
    assert result.node == "n2"


def test_custom_filter_reason_in_message():
    framework = Framework(default_plugins() + [OnlyLabelled()])
    cache = snapshot_of([node("n1"), node("n2", labels={"team": "a"}, cpu="1")])
    assert framework.schedule(pod(), cache.nodes()).node == "n2"
    with pytest.raises(FitError) as exc:
        framework.schedule(pod(cpu="2"), cache.nodes())
    assert str(exc.value) == ("0/2 nodes are available: 1 Insufficient cpu, "
                              "1 node(s) not of team a.")
    assert exc.value.diagnosis.unschedulable_plugins == {"OnlyLabelled", "NodeResourcesFit"}


def test_out_of_range_score_is_an_error():
    class Bad:
        name = "Bad"

        def score(self, state, p, info):
            return 1000

    with pytest.raises(SchedulingError, match="invalid score 1000"):
        schedule([node("a"), node("b")], pod(), plugins=[Bad()])


def test_filter_error_is_a_scheduling_error():
    class Broken:
        name = "Broken"

        def filter(self, state, p, info):
            return Status.error("boom")

    with pytest.raises(SchedulingError, match="boom"):
        schedule([node("a")], pod(), plugins=[Broken()])


def test_algorithm_replaces_filter_and_score():
    framework = Framework(default_plugins(), algorithm=lambda p, infos: infos[-1].name)
    cache = snapshot_of(THREE)
    assert framework.schedule(pod(cpu="100"), cache.nodes()).node == "n3"
    framework.algorithm = lambda p, infos: None
    with pytest.raises(FitError) as exc:
        framework.schedule(pod(), cache.nodes())
    assert str(exc.value) == ("0/3 nodes are available: 3 node(s) were not chosen by "
                              "algorithm <lambda>.")


def test_plugin_names_must_be_unique():
    with pytest.raises(ValueError, match="duplicate"):
        Framework(default_plugins() + default_plugins())


# -- NodeCache ----------------------------------------------------------------------------

def test_cache_assume_confirm_and_forget():
    cache = snapshot_of([node("n1"), node("n2")])
    p = pod("p", cpu="1")
    cache.assume(p, "n1")
    assert cache.get("n1").requested.milli_cpu == 1000 and cache.is_assumed("default/p")
    cache.add_pod({**p, "spec": {**p["spec"], "nodeName": "n2"}})  # bound elsewhere
    assert cache.get("n1").requested.milli_cpu == 0
    assert cache.get("n2").requested.milli_cpu == 1000 and not cache.is_assumed("default/p")
    cache.assume(pod("q", cpu="1"), "n1")
    cache.forget("default/q")
    assert cache.get("n1").requested.milli_cpu == 0 and not cache.get("n1").pods


def test_cache_counts_pods_of_unknown_nodes_once_they_appear():
    cache = NodeCache()
    cache.add_pod(pod("p", cpu="1", node_name="late"))
    assert cache.nodes() == [] and cache.pod_count() == 1
    cache.set_node(node("late"))
    assert cache.get("late").requested.milli_cpu == 1000
    cache.remove_node("late")
    assert cache.get("late") is None and cache.pod_count() == 1
    cache.remove_pod("default/p")
    assert cache.pod_count() == 0


def test_cache_tracks_ports_and_owners_incrementally():
    cache = snapshot_of([node("n1")])
    a = pod("a", owner="rs", node_name="n1", ports=[{"containerPort": 80, "hostPort": 80}])
    b = pod("b", owner="rs", node_name="n1")
    cache.add_pod(a)
    cache.add_pod(b)
    info = cache.get("n1")
    assert info.owner_counts == {"rs": 2} and info.used_ports == {("0.0.0.0", "TCP", 80): 1}
    cache.remove_pod(a)
    assert info.owner_counts == {"rs": 1} and info.used_ports == {}


def test_not_ready_taint_can_be_turned_off():
    cache = snapshot_of([node("n1", ready="False")], not_ready_taint=False)
    assert cache.get("n1").taints == []
