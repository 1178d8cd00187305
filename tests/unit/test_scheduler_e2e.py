"""The scheduler end to end over the in-process apiserver (no Ray, FakeClock)."""

import asyncio
import pickle
import time

from prometheus_client import CollectorRegistry

from rayk8s.actors.scheduler import SchedulerShell
from rayk8s.client import AsyncClient
from rayk8s.scheduler import Scheduler

from .test_scheduler_plugins import node, pod


def run(coro):
    return asyncio.run(asyncio.wait_for(coro, 20))


async def eventually(check, timeout=5.0):
    """Poll an async check until it returns something truthy (wall-clock timeout)."""
    deadline = time.monotonic() + timeout
    while True:
        result = await check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"not reached: {check.__name__} -> {result!r}")
        await asyncio.sleep(0.01)


async def started(kube, clock, nodes=(), pods=(), **kw):
    client = AsyncClient(kube.transport)
    for n in nodes:
        await client.create(n)
    for p in pods:
        await client.create(p)
    sched = Scheduler(client, clock, **kw)
    await sched.start()
    return client, sched


async def placements(client, names):
    """{pod: node} once every pod in ``names`` is bound, else None."""
    pods = {p["metadata"]["name"]: p for p in await client.list("pods", "default")}
    out = {n: (pods[n]["spec"].get("nodeName") if n in pods else None) for n in names}
    return out if all(out.values()) else None


async def events(client, name, reason):
    return await client.list("events", "default",
                             field_selector=f"involvedObject.name={name},reason={reason}")


def three_nodes(**kw):
    return [node(f"n{i}", **kw) for i in (1, 2, 3)]


def test_pods_get_bound_with_a_scheduled_event(kube, clock):
    async def main():
        client, sched = await started(kube, clock, three_nodes(), [pod(f"p{i}", cpu="1")
                                                                   for i in range(6)])
        names = [f"p{i}" for i in range(6)]
        placed = await eventually(lambda: placements(client, names))
        await sched.wait_idle()
        ev = await events(client, "p0", "Scheduled")
        got = await client.get("pods", "p0")
        await sched.stop()
        return placed, ev, got, sched.stats()
    placed, ev, got, stats = run(main())
    assert set(placed.values()) <= {"n1", "n2", "n3"}
    assert ev[0]["message"] == f"Successfully assigned default/p0 to {placed['p0']}"
    assert ev[0]["source"] == {"component": "default-scheduler"} and ev[0]["type"] == "Normal"
    cond = {c["type"]: c for c in got["status"]["conditions"]}["PodScheduled"]
    assert cond["status"] == "True"
    assert stats["scheduled"] == 6 and stats["assumed"] == 0


def test_too_big_pod_stays_pending_with_failed_scheduling(kube, clock):
    message = ("0/3 nodes are available: 3 Insufficient cpu. preemption: 0/3 nodes are "
               "available: 3 No preemption victims found for incoming pod.")

    async def main():
        client, sched = await started(kube, clock, three_nodes(), [pod("big", cpu="64")])

        async def failed():
            ev = await events(client, "big", "FailedScheduling")
            p = await client.get("pods", "big")
            conds = {c["type"]: c for c in p["status"].get("conditions") or []}
            return (ev, p) if ev and "PodScheduled" in conds else None
        ev, p = await eventually(failed)
        await sched.stop()
        return ev, p, sched.queue.pending()
    ev, p, pending = run(main())
    assert ev[0]["type"] == "Warning" and ev[0]["message"] == message
    cond = {c["type"]: c for c in p["status"]["conditions"]}["PodScheduled"]
    assert (cond["status"], cond["reason"], cond["message"]) == ("False", "Unschedulable", message)
    assert p["status"]["phase"] == "Pending" and not p["spec"].get("nodeName")
    assert pending["unschedulable"] == 1


def test_node_selector_and_taints_steer_placement(kube, clock):
    nodes = [node("ssd", labels={"disk": "ssd"}),
             node("gpu", taints=[{"key": "gpu", "value": "true", "effect": "NoSchedule"}]),
             node("plain")]
    pods = [pod("wants-ssd", nodeSelector={"disk": "ssd"}),
            pod("tolerates-gpu", nodeSelector={"kubernetes.io/hostname": "gpu"},
                tolerations=[{"key": "gpu", "operator": "Equal", "value": "true",
                              "effect": "NoSchedule"}])]
    pods += [pod(f"any{i}") for i in range(4)]

    async def main():
        client, sched = await started(kube, clock, nodes, pods)
        placed = await eventually(lambda: placements(client, [p["metadata"]["name"]
                                                              for p in pods]))
        await sched.stop()
        return placed
    placed = run(main())
    assert placed["wants-ssd"] == "ssd" and placed["tolerates-gpu"] == "gpu"
    assert all(placed[f"any{i}"] in ("ssd", "plain") for i in range(4))


def test_replicas_of_one_owner_spread_over_nodes(kube, clock):
    replicas = [pod(f"web-{i}", cpu="100m", owner="rs-web") for i in range(6)]
    for r in replicas:
        r["metadata"]["ownerReferences"][0]["apiVersion"] = "apps/v1"

    async def main():
        client, sched = await started(kube, clock, three_nodes(), replicas)
        placed = await eventually(lambda: placements(client, [f"web-{i}" for i in range(6)]))
        await sched.stop()
        return placed
    placed = run(main())
    assert sorted(list(placed.values()).count(n) for n in ("n1", "n2", "n3")) == [2, 2, 2]


def test_higher_priority_is_scheduled_first(kube, clock):
    async def main():
        client, sched = await started(
            kube, clock, [node("only", cpu="1")],
            [pod("early-low", cpu="1", priority=0), pod("late-high", cpu="1", priority=1000)])

        async def done():
            ev = await events(client, "early-low", "FailedScheduling")
            return ev and await client.get("pods", "late-high")
        await eventually(done)
        high = await client.get("pods", "late-high")
        low = await client.get("pods", "early-low")
        await sched.stop()
        return high, low
    high, low = run(main())
    assert high["spec"]["nodeName"] == "only" and not low["spec"].get("nodeName")


def test_back_off_then_success_after_a_node_is_added(kube, clock):
    async def main():
        client, sched = await started(kube, clock, [node("small", cpu="1")],
                                      [pod("p", cpu="4")])
        await eventually(lambda: events(client, "p", "FailedScheduling"))
        await client.create(node("large", cpu="8"))
        # The node add moves the pod out of the unschedulable pods, into back-off
        # (its 1 s back-off has not passed on the fake clock).
        await eventually(lambda: _async(sched.queue.pending()["backoff"] == 1))
        assert not (await client.get("pods", "p"))["spec"].get("nodeName")
        clock.advance(1.0)
        placed = await eventually(lambda: placements(client, ["p"]))
        await sched.stop()
        return placed, sched.stats()
    placed, stats = run(main())
    assert placed == {"p": "large"}
    assert stats["unschedulable"] == 1 and stats["scheduled"] == 1


async def _async(value):
    return value


def test_preemption_evicts_a_lower_priority_pod(kube, clock):
    async def main():
        client, sched = await started(kube, clock, [node("only", cpu="1")],
                                      [pod("low", cpu="1", priority=0)])
        await eventually(lambda: placements(client, ["low"]))
        await client.create(pod("high", cpu="1", priority=100))

        async def terminating():
            p = await client.get("pods", "low")
            return p["metadata"].get("deletionTimestamp")
        await eventually(terminating)
        high = await client.get("pods", "high")
        # No kubelet here: finish the graceful deletion as one would.
        await client.delete("pods", "low", grace_period_seconds=0)
        clock.advance(1.0)  # past the pod's back-off
        placed = await eventually(lambda: placements(client, ["high"]))
        ev = await events(client, "low", "Preempted")
        await sched.stop()
        return high, placed, ev
    high, placed, ev = run(main())
    assert high["status"]["nominatedNodeName"] == "only"
    assert placed == {"high": "only"}
    assert ev[0]["message"].startswith("Preempted by pod ") and ev[0]["message"].endswith(
        " on node only")


def test_a_node_becoming_ready_takes_the_waiting_pod(kube, clock):
    message = ("0/1 nodes are available: 1 node(s) had untolerated taint "
               "{node.kubernetes.io/not-ready: }. preemption: 0/1 nodes are available: "
               "1 Preemption is not helpful for scheduling.")

    async def main():
        client, sched = await started(kube, clock, [node("n1", ready="False")], [pod("p")])
        ev = await eventually(lambda: events(client, "p", "FailedScheduling"))
        await client.patch("nodes", "n1", {"status": {"conditions": [
            {"type": "Ready", "status": "True"}]}}, subresource="status")
        clock.advance(1.0)
        placed = await eventually(lambda: placements(client, ["p"]))
        await sched.stop()
        return ev[0]["message"], placed
    assert run(main()) == (message, {"p": "n1"})


def test_a_finished_pod_frees_its_node(kube, clock):
    async def main():
        client, sched = await started(kube, clock, [node("only", cpu="1")],
                                      [pod("job", cpu="1")])
        await eventually(lambda: placements(client, ["job"]))
        await client.create(pod("next", cpu="1"))
        await eventually(lambda: events(client, "next", "FailedScheduling"))
        # The finished pod leaves the scheduler's pod selection (a delete for it).
        await client.patch("pods", "job", {"status": {"phase": "Succeeded"}},
                           subresource="status")
        clock.advance(1.0)
        placed = await eventually(lambda: placements(client, ["next"]))
        await sched.stop()
        return placed
    assert run(main()) == {"next": "only"}


def test_pods_for_another_scheduler_are_left_alone(kube, clock):
    async def main():
        client, sched = await started(kube, clock, three_nodes(),
                                      [pod("mine"), pod("theirs", schedulerName="my-scheduler")])
        await eventually(lambda: placements(client, ["mine"]))
        await asyncio.sleep(0.05)
        theirs = await client.get("pods", "theirs")
        ev = await client.list("events", "default", field_selector="involvedObject.name=theirs")
        await sched.stop()
        return theirs, ev, sched.stats()
    theirs, ev, stats = run(main())
    assert not theirs["spec"].get("nodeName") and ev == []
    assert stats["pending"] == {"active": 0, "backoff": 0, "unschedulable": 0}


class OnlyOddNodes:
    """A user's filter plugin (module level, so it pickles)."""
    name = "OnlyOddNodes"

    def filter(self, state, p, node_info):
        return None if node_info.name in ("n1", "n3") else "node(s) are even"


class PackOnN3:
    """A user's score plugin that outweighs the defaults."""
    name = "PackOnN3"
    weight = 50

    def score(self, state, p, node_info):
        return 100 if node_info.name == "n3" else 0


def test_custom_plugins_change_placement_through_the_shell(kube, clock):
    plugins = pickle.loads(pickle.dumps([OnlyOddNodes(), PackOnN3()]))

    async def main():
        client = AsyncClient(kube.transport)
        for n in three_nodes():
            await client.create(n)
        shell = SchedulerShell(kube.transport, clock, plugins=plugins,
                               config={"seed": 3}, metrics_port=None)
        info = await shell.start()
        for i in range(4):
            await client.create(pod(f"p{i}"))
        placed = await eventually(lambda: placements(client, [f"p{i}" for i in range(4)]))
        stats = await shell.stats()
        await shell.stop()
        return info, placed, stats
    info, placed, stats = run(main())
    assert info["name"] == "default-scheduler" and isinstance(info["ray_node"], str)
    assert "OnlyOddNodes" in info["plugins"] and "PackOnN3" in info["plugins"]
    assert set(placed.values()) == {"n3"} and stats["scheduled"] == 4


def pick_last(p, nodes):
    return sorted(n.name for n in nodes)[-1]


def test_a_whole_algorithm_can_replace_the_framework(kube, clock):
    async def main():
        client, sched = await started(kube, clock, three_nodes(), [pod("p")],
                                      config={"algorithm": pick_last})
        placed = await eventually(lambda: placements(client, ["p"]))
        await sched.stop()
        return placed
    assert run(main()) == {"p": "n3"}


def test_metrics_use_kube_scheduler_names(kube, clock):
    registry = CollectorRegistry()

    async def main():
        client, sched = await started(kube, clock, [node("n1", cpu="1")],
                                      [pod("ok", cpu="1"), pod("no", cpu="2")],
                                      registry=registry)
        await eventually(lambda: placements(client, ["ok"]))
        await eventually(lambda: events(client, "no", "FailedScheduling"))
        await sched.wait_idle()
        await sched.stop()
    run(main())
    get = registry.get_sample_value
    labels = {"profile": "default-scheduler"}
    assert get("scheduler_schedule_attempts_total", {"result": "scheduled", **labels}) == 1
    assert get("scheduler_schedule_attempts_total", {"result": "unschedulable", **labels}) == 1
    assert get("scheduler_pending_pods", {"queue": "unschedulable"}) == 1
    assert get("scheduler_scheduling_attempt_duration_seconds_count",
               {"result": "scheduled", **labels}) == 1
    assert get("scheduler_pod_scheduling_sli_duration_seconds_count", {"attempts": "1"}) == 1
