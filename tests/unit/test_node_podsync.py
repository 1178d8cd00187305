"""The pod state machine, driven without a kubelet: golden tables of (pod, time) -> status.

``simulate`` is the kubelet's sync loop minus the API: at each moment
something is due it runs the probes, asks ``podsync.decide``, executes the
actions on a runtime stub, and keeps the status as the apiserver would.
Each case lists, for chosen seconds after the pod reached the node, a
one-line summary of its status:

    "<phase> <state of the first container or init container> <restarts> [ready]"
"""

from __future__ import annotations

import copy

import pytest

from rayk8s.node import podsync, probes
from rayk8s.node.podsync import Memo, decide
from rayk8s.node.runtime import Runtime

T0 = 1_700_000_000.0


def pod(containers, *, init=(), policy="Always", annotations=None, name="p", **spec):
    return {"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": name, "namespace": "default", "uid": f"uid-{name}",
                         "annotations": annotations or {}},
            "spec": {"nodeName": "node-1", "restartPolicy": policy,
                     "terminationGracePeriodSeconds": 30, "containers": list(containers),
                     "initContainers": list(init), **spec},
            "status": {"phase": "Pending"}}


def c(image, name="c", command=None, args=None, **extra):
    out = {"name": name, "image": image, **extra}
    if command is not None:
        out["command"] = command
    if args is not None:
        out["args"] = args
    return out


class Sim:
    """A pod on one emulated node, without API or clock: ``now`` is passed around."""

    def __init__(self, p: dict, **runtime_kw):
        self.pod = copy.deepcopy(p)
        self.runtime = Runtime("127.0.1.1", "10.244.1.0/24", **runtime_kw)
        self.memo = Memo()
        self.now = T0
        self.wake: float | None = T0
        self.events: list[tuple[float, str, str]] = []
        self.deleted_at: float | None = None
        self.status: dict = {}

    def step(self, now: float) -> None:
        self.now = now
        uid = self.pod["metadata"]["uid"]
        results, probe_wake = probes.run_due(self.pod, self.memo.probes, self.runtime, now)
        self.events += [(now, "Unhealthy", f"{r.kind}: {r.message}") for r in results
                        if not r.ok]
        for _ in range(10):
            d = decide(self.pod, self.runtime.observe(uid, now), self.memo, now)
            self.memo = d.memo
            acted = False
            for a in d.actions:
                if a.kind == "event":
                    self.events.append((now, a.reason, a.message))
                elif a.kind == "delete":
                    self.deleted_at = now
                else:
                    self._execute(a, now)
                    acted = True
            if not acted:
                break
        self.status = self.pod["status"] = d.status
        self.memo.last_status = d.status
        wakes = [t for t in (d.wake_at, probe_wake) if t is not None]
        self.wake = min(wakes) if wakes else None
        assert self.wake is None or self.wake > now, "a wake-up must be in the future"

    def _execute(self, a, now):
        rt, uid = self.runtime, self.pod["metadata"]["uid"]
        if a.kind == "sandbox":
            rt.run_sandbox(self.pod, now)
        elif a.kind == "pull":
            rt.start_pull(self.pod, a.container, a.image, now)
        elif a.kind in ("pulled", "pull_failed"):
            rt.take_pull(uid, a.container)
        elif a.kind == "start":
            spec = next(s for s, _ in podsync.container_specs(self.pod) if s["name"] == a.container)
            rt.start_container(self.pod, spec, a.init, a.attempt, now)
        elif a.kind == "kill":
            rt.stop_container(uid, a.container, a.grace, a.reason, now)
        elif a.kind == "stop_sandbox":
            rt.stop_sandbox(uid, now)

    def run_until(self, offset: float) -> dict:
        """Process every wake-up up to ``T0 + offset``, then the moment itself."""
        target = T0 + offset
        while self.wake is not None and self.wake < target and self.deleted_at is None:
            self.step(self.wake)
        if self.deleted_at is None:
            self.step(target)
        return self.status


def summary(status: dict, which: str = "containerStatuses", index: int = 0) -> str:
    st = (status.get(which) or [{}])[index]
    state = st.get("state") or {}
    if "waiting" in state:
        text = state["waiting"]["reason"]
    elif "running" in state:
        text = "running"
    else:
        term = state.get("terminated") or {}
        text = f"{term.get('reason')}({term.get('exitCode')})"
    ready = " ready" if st.get("ready") else ""
    return f"{status.get('phase')} {text} {st.get('restartCount', 0)}{ready}"


CRASH = c("rayk8s/crash:1.0")          # runs 1 s, exits 1
BUSYBOX_SLEEP = c("busybox:1.36", command=["sleep", "5"])

CASES = {
    "http app starts: pull 0.2 s, start 0.1 s": (pod([c("hello-world:v1.0")]), {
        0: "Pending ContainerCreating 0", 0.25: "Pending ContainerCreating 0",
        0.3: "Running running 0 ready", 100: "Running running 0 ready"}),
    "crash loop backs off 10, 20, 40 s": (pod([CRASH]), {
        1.35: "Running ContainerCreating 1", 2: "Running running 1 ready",
        3: "Running CrashLoopBackOff 1", 12.3: "Running CrashLoopBackOff 1",
        13: "Running running 2 ready", 14: "Running CrashLoopBackOff 2",
        33: "Running CrashLoopBackOff 2", 34: "Running running 3 ready",
        35: "Running CrashLoopBackOff 3"}),
    "sleep 5 with restartPolicy Never succeeds": (pod([BUSYBOX_SLEEP], policy="Never"), {
        1: "Running running 0 ready", 5.29: "Running running 0 ready",
        5.3: "Succeeded Completed(0) 0", 60: "Succeeded Completed(0) 0"}),
    "exit 3 with restartPolicy Never fails": (
        pod([c("busybox", command=["sh", "-c", "sleep 1; exit 3"])], policy="Never"), {
            1: "Running running 0 ready", 2: "Failed Error(3) 0"}),
    "OnFailure restarts a failing task in place": (
        pod([c("alpine:3", command=["sh", "-c", "sleep 1; exit 1"])], policy="OnFailure"), {
            2: "Running running 1 ready", 3: "Running CrashLoopBackOff 1",
            13: "Running running 2 ready"}),
    "OnFailure lets a successful task finish": (
        pod([c("alpine:3", command=["sh", "-c", "sleep 1"])], policy="OnFailure"), {
            2: "Succeeded Completed(0) 0"}),
    "unknown image: ErrImagePull, then ImagePullBackOff 10 s, 20 s (retries keep the reason)": (
        pod([c("no-such-image:1.0")]), {
            0.1: "Pending ContainerCreating 0", 0.2: "Pending ErrImagePull 0",
            1.2: "Pending ImagePullBackOff 0", 10.3: "Pending ImagePullBackOff 0",
            10.4: "Pending ErrImagePull 0", 11.4: "Pending ImagePullBackOff 0",
            30.7: "Pending ErrImagePull 0", 31.7: "Pending ImagePullBackOff 0"}),
    "readiness probe on a port nobody serves keeps the pod unready": (
        pod([c("nginx:1.25", readinessProbe={"tcpSocket": {"port": 9999},
                                              "periodSeconds": 5})]), {
            1: "Running running 0", 30: "Running running 0"}),
    "readiness probe that passes makes the pod ready": (
        pod([c("nginx:1.25", readinessProbe={"httpGet": {"path": "/", "port": 80},
                                              "initialDelaySeconds": 3, "periodSeconds": 5})]), {
            1: "Running running 0", 3.31: "Running running 0 ready"}),
    "liveness probe failing 3 times restarts the container": (
        pod([c("nginx:1.25", livenessProbe={"httpGet": {"path": "/healthz", "port": 80},
                                             "periodSeconds": 10, "failureThreshold": 3})]), {
            20: "Running running 0 ready", 20.5: "Running running 1 ready",
            41: "Running CrashLoopBackOff 1"}),
    "the liveness tutorial image: healthy for 10 s, then restarted": (
        pod([c("registry.k8s.io/liveness", args=["/server"],
               livenessProbe={"httpGet": {"path": "/healthz", "port": 8080},
                              "initialDelaySeconds": 3, "periodSeconds": 3})]), {
            10: "Running running 0 ready", 20: "Running running 1 ready"}),
    "exec liveness on a file the command removes": (
        pod([c("registry.k8s.io/busybox", args=[
            "/bin/sh", "-c", "touch /tmp/healthy; sleep 30; rm -f /tmp/healthy; sleep 600"],
            livenessProbe={"exec": {"command": ["cat", "/tmp/healthy"]},
                           "initialDelaySeconds": 5, "periodSeconds": 5})]), {
            40: "Running running 0 ready", 46: "Running running 1 ready"}),
    "annotation crash-after turns nginx into a crash loop": (
        pod([c("nginx:1.25")], annotations={"rayk8s.io/crash-after": "2"}), {
            2: "Running running 0 ready", 3: "Running running 1 ready",
            5: "Running CrashLoopBackOff 1"}),
    "annotation duration and exit code end a server": (
        pod([c("nginx:1.25")], policy="Never",
            annotations={"rayk8s.io/duration": "4", "rayk8s.io/exit-code": "2"}), {
            4: "Running running 0 ready", 4.5: "Failed Error(2) 0"}),
    "stress beyond its memory limit is OOMKilled": (
        pod([c("polinux/stress", command=["stress"],
               args=["--vm", "1", "--vm-bytes", "250M", "--vm-hang", "1"],
               resources={"limits": {"memory": "100Mi"}})], policy="Never"), {
            1: "Failed OOMKilled(137) 0"}),
    "activeDeadlineSeconds fails the pod": (
        pod([c("nginx:1.25")], activeDeadlineSeconds=5), {
            4: "Running running 0 ready", 5.5: "Failed Completed(0) 0"}),
    "imagePullPolicy Never on a missing image": (
        pod([c("nginx:1.25", imagePullPolicy="Never")]), {
            5: "Pending ErrImageNeverPull 0"}),
}


@pytest.mark.parametrize("name", list(CASES))
def test_golden_timeline(name):
    spec, timeline = CASES[name]
    sim = Sim(spec)
    got = {t: summary(sim.run_until(t)) for t in sorted(timeline)}
    assert got == timeline


def test_crash_loop_messages_and_events():
    sim = Sim(pod([CRASH]))
    waiting = []
    for t in (3, 14, 35, 80, 160, 320, 700, 1400):
        state = sim.run_until(t)["containerStatuses"][0]["state"]
        if "waiting" in state:
            waiting.append(state["waiting"]["message"].split(" restarting")[0])
    assert waiting[:4] == ["back-off 10s", "back-off 20s", "back-off 40s", "back-off 1m20s"]
    assert "back-off 5m0s" in waiting
    st = sim.status["containerStatuses"][0]
    assert st["state"]["waiting"]["message"].endswith("container=c pod=p_default(uid-p)")
    assert st["lastState"]["terminated"]["exitCode"] == 1
    backoffs = [m for _, r, m in sim.events if r == "BackOff"]
    assert backoffs[0] == "Back-off restarting failed container c in pod p_default(uid-p)"
    assert [r for _, r, _ in sim.events[:7]] == ["Pulling", "Pulled", "Created", "Started",
                                                 "Pulled", "Created", "Started"]
    assert sim.events[4][2] == 'Container image "rayk8s/crash:1.0" already present on machine'


def test_unknown_image_events():
    sim = Sim(pod([c("no-such-image:1.0")]))
    sim.run_until(12)
    reasons = [(r, m.split(":")[0]) for _, r, m in sim.events]
    assert reasons[:6] == [("Pulling", 'Pulling image "no-such-image'),
                           ("Failed", 'Failed to pull image "no-such-image'),
                           ("Failed", "Error"),
                           ("BackOff", 'Back-off pulling image "no-such-image'),
                           ("Failed", "Error"), ("Pulling", 'Pulling image "no-such-image')]
    state = sim.status["containerStatuses"][0]["state"]["waiting"]
    assert "not found" in state["message"]


def test_init_containers_run_in_order_then_the_app():
    spec = pod([c("nginx:1.25")], init=[
        c("busybox:1.36", "init-1", command=["sh", "-c", "sleep 2"]),
        c("busybox:1.36", "init-2", command=["sleep", "1"])])
    sim = Sim(spec)
    s = sim.run_until(1)
    assert summary(s, "initContainerStatuses", 0) == "Pending running 0"
    assert summary(s, "initContainerStatuses", 1) == "Pending PodInitializing 0"
    assert summary(s) == "Pending PodInitializing 0"
    init = {x["type"]: x for x in s["conditions"]}["Initialized"]
    assert init["status"] == "False" and init["reason"] == "ContainersNotInitialized"
    assert init["message"] == "containers with incomplete status: [init-1 init-2]"
    s = sim.run_until(3)
    assert summary(s, "initContainerStatuses", 0) == "Pending Completed(0) 0 ready"
    assert summary(s, "initContainerStatuses", 1) == "Pending running 0"
    s = sim.run_until(4)
    assert summary(s) == "Running running 0 ready"
    assert {x["type"]: x["status"] for x in s["conditions"]}["Initialized"] == "True"


def test_failing_init_container_with_never_fails_the_pod():
    spec = pod([c("nginx:1.25")], policy="Never",
               init=[c("busybox", "init", command=["false"])])
    sim = Sim(spec)
    assert summary(sim.run_until(1), "initContainerStatuses") == "Failed Error(1) 0"
    assert summary(sim.status) == "Failed PodInitializing 0"
    assert not sim.runtime.pods["uid-p"].sandbox_running   # torn down, IP released


def test_failing_init_container_restarts_with_back_off():
    spec = pod([c("nginx:1.25")], init=[c("busybox", "init", command=["false"])])
    sim = Sim(spec)
    assert summary(sim.run_until(2), "initContainerStatuses") == "Pending CrashLoopBackOff 1"
    assert summary(sim.status) == "Pending PodInitializing 0"


def test_deletion_stops_containers_then_deletes_after_the_grace_period():
    sim = Sim(pod([c("nginx:1.25")], annotations={"rayk8s.io/stop-seconds": "none"}))
    sim.run_until(1)
    sim.pod["metadata"].update(deletionTimestamp="2023-11-14T22:14:20Z",
                               deletionGracePeriodSeconds=10)
    sim.step(T0 + 2)
    assert [r for t, r, _ in sim.events if t == T0 + 2] == ["Killing"]
    assert sim.deleted_at is None
    sim.run_until(11.9)
    assert sim.deleted_at is None
    sim.run_until(12.1)
    assert sim.deleted_at == T0 + 12          # SIGKILL at the end of the grace period
    assert summary(sim.status) == "Failed Error(137) 0"


def test_deletion_of_an_app_that_stops_at_once():
    sim = Sim(pod([c("nginx:1.25")]))
    sim.run_until(1)
    sim.pod["metadata"].update(deletionTimestamp="x", deletionGracePeriodSeconds=30)
    sim.run_until(1.5)
    assert sim.deleted_at == T0 + 1.5
    assert summary(sim.status) == "Succeeded Completed(0) 0"
    assert len(sim.runtime.ips) == 0          # the pod's IP is free again


def test_conditions_and_addresses_of_a_running_pod():
    sim = Sim(pod([c("hello-world")]))
    s = sim.run_until(5)
    assert [x["type"] for x in s["conditions"]] == [
        "PodReadyToStartContainers", "Initialized", "Ready", "ContainersReady"]
    assert all(x["status"] == "True" for x in s["conditions"])
    ready = s["conditions"][2]
    assert ready["lastTransitionTime"] == "2023-11-14T22:13:20Z"
    assert s["podIP"] == "10.244.1.2" and s["podIPs"] == [{"ip": "10.244.1.2"}]
    assert s["hostIP"] == "127.0.1.1" and s["startTime"] == "2023-11-14T22:13:20Z"
    st = s["containerStatuses"][0]
    assert st["image"] == "docker.io/library/hello-world:latest"
    assert st["imageID"].startswith("docker.io/library/hello-world@sha256:")
    assert st["containerID"].startswith("rayk8s://") and st["started"] is True


def test_unready_condition_message_and_transition_time():
    spec = pod([c("nginx", "web", readinessProbe={"tcpSocket": {"port": 81}}),
                c("hello-world", "side")])
    sim = Sim(spec)
    s = sim.run_until(30)
    ready = {x["type"]: x for x in s["conditions"]}["Ready"]
    assert ready["status"] == "False" and ready["reason"] == "ContainersNotReady"
    assert ready["message"] == "containers with unready status: [web]"
    assert [(round(t - T0, 3), m) for t, r, m in sim.events if r == "Unhealthy"][0] == (
        0.3, "readiness: dial tcp 10.244.1.2:81: connect: connection refused")


def test_startup_probe_gates_liveness_and_readiness():
    probe = {"httpGet": {"path": "/", "port": 8080}, "periodSeconds": 1, "failureThreshold": 30}
    spec = pod([c("hello-world", startupProbe=probe, readinessProbe={"httpGet": {
        "path": "/", "port": 8080}, "periodSeconds": 2})],
        annotations={"rayk8s.io/startup-seconds": "5"})
    sim = Sim(spec)
    s = sim.run_until(4)
    assert s["containerStatuses"][0]["started"] is False
    s = sim.run_until(7)
    assert s["containerStatuses"][0]["started"] is True and s["containerStatuses"][0]["ready"]


def test_a_terminal_pod_seen_later_is_left_alone():
    spec = pod([c("nginx")])
    spec["status"] = {"phase": "Succeeded"}
    d = decide(spec, podsync.Observed(), Memo(), T0)
    assert d.actions == [] and d.status["phase"] == "Succeeded"


def test_a_changed_image_restarts_the_container_without_back_off():
    sim = Sim(pod([c("hello-world:v1.0")]))
    sim.run_until(1)
    sim.pod["spec"]["containers"][0]["image"] = "hello-world:v2.0"
    sim.step(T0 + 1.5)                      # the update arrives: the kubelet syncs
    s = sim.run_until(2)
    assert summary(s) == "Running running 1 ready"
    assert s["containerStatuses"][0]["image"] == "docker.io/library/hello-world:v2.0"
    assert ("Killing", "Container c definition changed, will be restarted") in [
        (r, m) for _, r, m in sim.events]


def test_host_network_pods_share_the_node_address():
    sim = Sim(pod([c("nginx")], hostNetwork=True))
    s = sim.run_until(1)
    assert s["podIP"] == s["hostIP"] == "127.0.1.1" and len(sim.runtime.ips) == 0


def test_restart_count_continues_after_a_kubelet_restart():
    spec = pod([c("nginx:1.25")])
    spec["status"] = {"phase": "Running", "containerStatuses": [
        {"name": "c", "restartCount": 4, "containerID": "rayk8s://old"}]}
    s = Sim(spec).run_until(1)
    assert summary(s) == "Running running 5 ready"


def test_previous_logs_after_a_restart():
    sim = Sim(pod([c("busybox:1.36", command=["sh", "-c", "echo attempt; sleep 1; exit 1"])]))
    sim.run_until(3)
    assert [line for _, line in sim.runtime.logs("default", "p", previous=True,
                                                 now=T0 + 3)] == ["attempt"]


def test_a_restart_held_up_by_a_missing_image_shows_the_pull_back_off():
    sim = Sim(pod([c("hello-world:v1.0")]))
    sim.run_until(1)
    sim.pod["spec"]["containers"][0]["image"] = "hello-world-typo:v2"
    sim.step(T0 + 1.5)
    reasons = [summary(sim.run_until(t)).split()[1] for t in (3, 5, 20, 40, 80)]
    assert reasons == ["ImagePullBackOff"] * 5
    assert summary(sim.status) == "Running ImagePullBackOff 0"
