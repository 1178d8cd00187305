"""Container lifecycle hooks: preStop before SIGTERM, postStart before Running.

Most cases drive the pure state machine with the runtime stub (``Sim`` of
test_node_podsync: no API, no clock); the last ones go through a kubelet and
the in-process apiserver, where the events and the Terminating pod are seen.
"""

from __future__ import annotations

import pytest

from rayk8s.clock import FakeClock
from rayk8s.node.runtime import ConnectionRefused
from tests.unit.test_kubelet_pods import Node, run
from tests.unit.test_node_podsync import T0, Sim, c, pod, summary


def nginx(pre_stop=None, post_start=None, **extra):
    lifecycle = {}
    if pre_stop is not None:
        lifecycle["preStop"] = pre_stop
    if post_start is not None:
        lifecycle["postStart"] = post_start
    return c("nginx:1.25", name="web", ports=[{"name": "http", "containerPort": 80}],
             lifecycle=lifecycle, **extra)


def delete(sim: Sim, at: float, grace: float = 30) -> None:
    sim.run_until(at)
    sim.pod["metadata"].update(deletionTimestamp="2023-11-14T22:13:21Z",
                               deletionGracePeriodSeconds=grace)
    sim.step(T0 + at)


def request(sim: Sim, port: int = 80) -> int:
    """A request to the pod's app at the simulation's current time; its status."""
    return sim.runtime.http_request("default/p", port)[0]


def reasons(sim: Sim, since: float = 0.0) -> list[str]:
    return [r for t, r, _ in sim.events if t >= T0 + since]


# -- preStop --------------------------------------------------------------------------------

def test_pre_stop_sleep_delays_sigterm_while_the_app_keeps_serving():
    clock = FakeClock(T0)
    sim = Sim(pod([nginx({"sleep": {"seconds": 5}})]), clock=clock)
    delete(sim, 1)
    assert reasons(sim, 1) == ["Killing"]
    sim.run_until(5.9)
    assert sim.deleted_at is None                         # still Terminating
    assert summary(sim.status) == "Running running 0 ready"
    clock.advance(5.9)
    assert request(sim) == 200
    sim.run_until(6.5)
    assert sim.deleted_at == T0 + 6                       # SIGTERM at 6; nginx exits at once
    assert summary(sim.status) == "Succeeded Completed(0) 0"
    assert "FailedPreStopHook" not in reasons(sim)


def test_pre_stop_longer_than_the_grace_period_ends_in_sigkill():
    # The hook is given up when the grace period ends; SIGTERM then gets the kubelet's
    # last 2 seconds before SIGKILL.
    sim = Sim(pod([nginx({"sleep": {"seconds": 60}})],
                  annotations={"rayk8s.io/stop-seconds": "none"}))   # ignores SIGTERM
    delete(sim, 1, grace=10)
    sim.run_until(12.9)
    assert sim.deleted_at is None
    sim.run_until(13.5)
    assert sim.deleted_at == T0 + 13
    assert summary(sim.status) == "Failed Error(137) 0"
    # An app that does handle SIGTERM exits as soon as it gets it, at the grace period.
    quick = Sim(pod([nginx({"sleep": {"seconds": 60}})]))
    delete(quick, 1, grace=10)
    quick.run_until(12)
    assert quick.deleted_at == T0 + 11
    assert "FailedPreStopHook" not in reasons(quick)    # a timeout is no failure event


def test_pre_stop_is_skipped_with_a_zero_grace_period():
    sim = Sim(pod([nginx({"sleep": {"seconds": 60}})]))
    delete(sim, 1, grace=0)
    assert sim.deleted_at == T0 + 1


def test_exec_pre_stop_takes_as_long_as_its_command():
    sim = Sim(pod([nginx({"exec": {"command": ["sh", "-c", "sleep 3"]}})]))
    delete(sim, 1)
    sim.run_until(3.9)
    assert sim.deleted_at is None
    sim.run_until(4.5)
    assert sim.deleted_at == T0 + 4
    # A command the runtime cannot read takes no time (the docs' nginx example).
    docs = Sim(pod([nginx({"exec": {"command": [
        "/bin/sh", "-c", "nginx -s quit; while killall -0 nginx; do sleep 1; done"]}})]))
    delete(docs, 1)
    assert docs.deleted_at == T0 + 1


def test_failing_exec_pre_stop_records_an_event_and_termination_goes_on():
    sim = Sim(pod([nginx({"exec": {"command": ["sh", "-c", "sleep 2; exit 1"]}})]))
    delete(sim, 1)
    sim.run_until(3.5)
    assert sim.deleted_at == T0 + 3
    failed = [(t, m) for t, r, m in sim.events if r == "FailedPreStopHook"]
    assert failed == [(T0 + 3, "PreStopHook failed")]


def test_http_get_pre_stop_reaches_the_app():
    hook = {"httpGet": {"path": "/index.html", "port": "http", "host": "ignored.example",
                        "httpHeaders": [{"name": "X-Hook", "value": "stop"}]}}
    sim = Sim(pod([nginx(hook)]))
    delete(sim, 1)
    assert sim.deleted_at == T0 + 1
    lines = [line for _, line in sim.runtime.logs("default", "p", now=T0 + 2)]
    assert any('"GET /index.html HTTP/1.1" 200' in line and "kube-lifecycle/1.32" in line
               for line in lines)
    assert "FailedPreStopHook" not in reasons(sim)
    # The kubelet does not look at the status code: a 404 is no failure either.
    other = Sim(pod([nginx({"httpGet": {"path": "/drain", "port": 80}})]))
    delete(other, 1)
    assert "FailedPreStopHook" not in reasons(other)
    assert any('"GET /drain HTTP/1.1" 404' in line
               for _, line in other.runtime.logs("default", "p", now=T0 + 2))


def test_http_get_pre_stop_on_a_closed_port_fails():
    sim = Sim(pod([nginx({"httpGet": {"path": "/quit", "port": 8080}})]))
    delete(sim, 1)
    assert sim.deleted_at == T0 + 1
    assert ("FailedPreStopHook", "PreStopHook failed") in [(r, m) for _, r, m in sim.events]


def test_pre_stop_runs_before_a_liveness_restart_but_not_when_the_container_exits():
    probe = {"httpGet": {"path": "/healthz", "port": 80}, "periodSeconds": 10,
             "failureThreshold": 3}
    sim = Sim(pod([nginx({"sleep": {"seconds": 3}}, livenessProbe=probe)]))
    sim.run_until(22)                  # killed at 20.3: the hook holds SIGTERM until 23.3
    assert summary(sim.status) == "Running running 0 ready"
    sim.run_until(24)
    assert summary(sim.status) == "Running running 1 ready"
    done = Sim(pod([c("busybox:1.36", command=["sleep", "5"],
                      lifecycle={"preStop": {"sleep": {"seconds": 100}}})], policy="Never"))
    assert summary(done.run_until(5.5)) == "Succeeded Completed(0) 0"


# -- postStart ------------------------------------------------------------------------------

def test_post_start_delays_running_and_ready():
    clock = FakeClock(T0)
    sim = Sim(pod([nginx(post_start={"sleep": {"seconds": 5}},
                         readinessProbe={"httpGet": {"path": "/", "port": 80},
                                         "periodSeconds": 1})]), clock=clock)
    assert summary(sim.run_until(1)) == "Pending ContainerCreating 0"
    assert summary(sim.run_until(5.2)) == "Pending ContainerCreating 0"
    # The process itself runs (the hook could talk to it).
    clock.advance(5.2)
    assert request(sim) == 200
    st = sim.run_until(5.35)
    assert summary(st) == "Running running 0 ready"
    started = st["containerStatuses"][0]["state"]["running"]["startedAt"]
    assert started.endswith(":20Z")                     # when the container started (T0+0.3)


def test_exec_post_start_leaves_its_files_for_probes():
    sim = Sim(pod([c("busybox:1.36", command=["sleep", "3600"],
                     lifecycle={"postStart": {"exec": {"command": [
                         "sh", "-c", "sleep 2; touch /tmp/ready"]}}},
                     readinessProbe={"exec": {"command": ["cat", "/tmp/ready"]},
                                     "periodSeconds": 1})]))
    assert summary(sim.run_until(2)) == "Pending ContainerCreating 0"
    assert summary(sim.run_until(2.5)) == "Running running 0 ready"


@pytest.mark.parametrize("hook", [
    {"exec": {"command": ["sh", "-c", "echo no; exit 1"]}},
    {"httpGet": {"path": "/", "port": 9090}},
])
def test_failing_post_start_kills_and_restarts_the_container(hook):
    sim = Sim(pod([nginx(post_start=hook)]))
    st = sim.run_until(0.3)
    assert "FailedPostStartHook" in reasons(sim)
    assert ("Killing", "FailedPostStartHook") in [(r, m) for _, r, m in sim.events]
    assert st["phase"] == "Running"           # like a crash loop
    assert summary(sim.run_until(0.35)) == "Running ContainerCreating 1"   # restarted at once
    st = sim.run_until(0.45)                            # ... and failed again
    assert summary(st) == "Running CrashLoopBackOff 1"
    assert st["containerStatuses"][0]["lastState"]["terminated"]["exitCode"] == 0
    sim.run_until(11)
    assert summary(sim.status) == "Running CrashLoopBackOff 2"
    assert reasons(sim).count("FailedPostStartHook") == 3


def test_failing_post_start_shows_its_error_until_the_restart():
    sim = Sim(pod([nginx(post_start={"exec": {"command": ["sh", "-c", "exit 3"]}})],
                  policy="Never"))
    st = sim.run_until(1)
    waiting = st["containerStatuses"][0]["state"]["waiting"]
    assert waiting["reason"] == "PostStartHookError"
    assert waiting["message"].startswith(
        'Exec lifecycle hook ([sh -c exit 3]) for Container "web" in Pod "p_default(uid-p)" '
        "failed - error: command 'sh -c exit 3' exited with 3")
    assert st["phase"] == "Failed"            # restartPolicy Never: it is not retried


# -- through a kubelet --------------------------------------------------------------------

def test_a_deleted_pod_stays_terminating_while_its_pre_stop_runs(kube, clock):
    async def main():
        async with Node(kube, clock) as node:
            await node.create("drain", [nginx({"sleep": {"seconds": 4}})])
            await node.advance(1)
            await node.api.delete("pods", "drain", "default")
            start = clock.now()
            await node.advance(3.5)
            terminating = await node.get("drain")
            assert terminating["metadata"]["deletionTimestamp"]
            assert node.kubelet.http_request("default/drain", 80)[0] == 200
            with pytest.raises(ConnectionRefused):              # no longer an endpoint
                node.kubelet.http_request("default/drain", 80, ready_only=True)
            await node.until("drain", lambda p: p is None, limit=3, step=0.25)
            assert 4 <= clock.now() - start <= 4.5
    run(main())


def test_hook_failures_are_warning_events(kube, clock):
    async def main():
        async with Node(kube, clock) as node:
            await node.create("hooks", [nginx(
                {"httpGet": {"path": "/", "port": 8081}},
                {"exec": {"command": ["sh", "-c", "exit 1"]}})], restartPolicy="Never")
            await node.advance(1)
            pod = await node.get("hooks")
            assert pod["status"]["containerStatuses"][0]["state"]["waiting"]["reason"] == \
                "PostStartHookError"
            events = [(e["type"], e["reason"], e["message"]) for e in await node.events("hooks")]
            assert ("Warning", "FailedPostStartHook", "PostStartHook failed") in events
            # The kill after the failed postStart runs the preStop hook, which fails too.
            assert ("Warning", "FailedPreStopHook", "PreStopHook failed") in events
            assert ("Normal", "Killing", "FailedPostStartHook") in events
    run(main())
