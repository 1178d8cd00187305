"""A kubelet driving pods over the in-process apiserver; time moves only when told.

The harness jumps the fake clock from one due moment to the next (the
earliest sleeper: a work-queue delay, a heartbeat) and, after each jump,
waits until the kubelet is quiet: nothing queued, due or in flight, no event
unsent, and the informer caught up with every write.  A test of minutes of
cluster time runs in milliseconds.
"""

from __future__ import annotations

import asyncio

import pytest
from prometheus_client import CollectorRegistry, generate_latest

from rayk8s.api.errors import ApiError
from rayk8s.client import AsyncClient
from rayk8s.node import Kubelet, KubeletMetrics


def run(coro):
    return asyncio.run(asyncio.wait_for(coro, 60))


class Node:
    """``async with Node(kube, clock) as node:`` -- a kubelet for node-1."""

    def __init__(self, kube, clock, spec: dict | None = None, config: dict | None = None):
        self.kube, self.clock = kube, clock
        self.spec = spec or {"name": "node-1"}
        self.config = {"watch_timeout": 2.0, **(config or {})}
        self.registry = CollectorRegistry()
        self.min_rv = 0

    async def __aenter__(self) -> "Node":
        self.api = AsyncClient(self.kube.transport)
        self.kubelet = Kubelet(self.api, self.spec, self.clock, config=self.config,
                               metrics=KubeletMetrics(self.registry))
        await self.kubelet.start()
        await self.settle()
        return self

    async def __aexit__(self, *exc) -> None:
        await self.kubelet.stop()

    def _quiet(self) -> bool:
        k, now = self.kubelet, self.clock.now()
        if not k.idle() or any(d <= now for d in k.queue._deadline.values()):
            return False
        want = max([self.min_rv] + [m.last_rv for m in k.memos.values()])
        return int(k.informer.resource_version or 0) >= want

    async def settle(self) -> None:
        stable = 0
        for _ in range(10_000):
            await asyncio.sleep(0.001)
            stable = stable + 1 if self._quiet() else 0
            if stable >= 3:
                return
        raise AssertionError("the kubelet did not settle")

    def _next_due(self) -> float | None:
        with self.clock._lock:
            return self.clock._sleepers[0][0] if self.clock._sleepers else None

    async def advance(self, seconds: float) -> None:
        """Move the clock ``seconds`` ahead, stopping at every due moment on the way."""
        target = self.clock.now() + seconds
        while True:
            await self.settle()
            due = self._next_due()
            if due is None or due > target:
                self.clock.advance(max(0.0, target - self.clock.now()))
                await self.settle()
                return
            self.clock.advance(max(0.0, due - self.clock.now()))

    async def until(self, name: str, check, limit: float = 600, step: float = 1.0) -> dict:
        """Advance until ``check(pod)`` holds (``pod`` is None once deleted)."""
        for _ in range(int(limit / step) + 1):
            pod = await self.get(name)
            if check(pod):
                return pod
            await self.advance(step)
        raise AssertionError(f"pod {name} never got there: {pod and pod.get('status')}")

    async def create(self, name: str, containers: list, **spec) -> dict:
        annotations = spec.pop("annotations", None)
        pod = {"apiVersion": "v1", "kind": "Pod",
               "metadata": {"name": name, "namespace": "default",
                            "annotations": annotations or {}},
               "spec": {"nodeName": self.spec["name"], "containers": containers, **spec}}
        out = await self.api.create(pod)
        self.min_rv = max(self.min_rv, int(out["metadata"]["resourceVersion"]))
        await self.settle()
        return out

    async def get(self, name: str) -> dict | None:
        try:
            return await self.api.get("pods", name, "default")
        except ApiError as exc:
            if exc.code == 404:
                return None
            raise

    async def events(self, name: str) -> list[dict]:
        events = await self.api.list("events", "default",
                                     field_selector=f"involvedObject.name={name}")
        return sorted(events, key=lambda e: int(e["metadata"]["resourceVersion"]))


def state(pod: dict, index: int = 0, which: str = "containerStatuses") -> dict:
    return pod["status"][which][index]["state"]


def waiting(pod: dict, index: int = 0) -> str | None:
    return (state(pod, index).get("waiting") or {}).get("reason")


def conditions(pod: dict) -> dict[str, str]:
    return {c["type"]: c["status"] for c in pod["status"]["conditions"]}


HELLO = {"name": "helloworld", "image": "registry.hnaresearch.com/public/hello-world:v1.0",
         "ports": [{"containerPort": 8090}]}


def test_pod_reaches_running_with_ip_ready_and_answers_hello(kube, clock):
    async def main():
        async with Node(kube, clock) as node:
            created = await node.create("helloworld-1", [HELLO])
            assert created["status"]["phase"] == "Pending"
            await node.advance(1)
            pod = await node.get("helloworld-1")
            st = pod["status"]
            assert st["phase"] == "Running" and st["hostIP"] == "127.0.1.1"
            assert st["podIP"].startswith("10.244.1.") and st["podIPs"] == [{"ip": st["podIP"]}]
            assert conditions(pod) == {"PodReadyToStartContainers": "True", "Initialized": "True",
                                       "Ready": "True", "ContainersReady": "True"}
            cs = st["containerStatuses"][0]
            assert cs["ready"] and cs["started"] and cs["restartCount"] == 0
            assert "running" in cs["state"] and cs["containerID"].startswith("rayk8s://")
            assert cs["image"] == "registry.hnaresearch.com/public/hello-world:v1.0"
            assert st["startTime"] and st["qosClass"] == "BestEffort"
            status, _, body = node.kubelet.http_request("default/helloworld-1", 8090)
            assert status == 200
            assert body.decode() == "Hello world !\nhostname:helloworld-1\n"
            assert "GET / HTTP/1.1" in node.kubelet.logs("default", "helloworld-1")
            events = await node.events("helloworld-1")
            assert [e["reason"] for e in events] == ["Pulling", "Pulled", "Created", "Started"]
            assert events[0]["source"] == {"component": "kubelet", "host": "node-1"}
            assert events[0]["involvedObject"]["fieldPath"] == "spec.containers{helloworld}"
            assert events[2]["message"] == "Created container: helloworld"
            rv = pod["metadata"]["resourceVersion"]
            await node.advance(120)                  # nothing changes: nothing is written
            assert (await node.get("helloworld-1"))["metadata"]["resourceVersion"] == rv
    run(main())


def test_crash_loop_shows_growing_back_off_and_restart_count(kube, clock):
    async def main():
        async with Node(kube, clock) as node:
            await node.create("crasher", [{"name": "app", "image": "rayk8s/crash:1.0"}])
            seen = {}
            for _ in range(60):            # crashes at ~1.3, 2.4, 13.5, 34.6, 75.7 s
                await node.advance(1)
                pod = await node.get("crasher")
                w = state(pod).get("waiting") or {}
                if w.get("reason") == "CrashLoopBackOff":
                    delay = w["message"].split()[1]
                    seen.setdefault(delay, pod["status"]["containerStatuses"][0]["restartCount"])
            assert seen == {"10s": 1, "20s": 2, "40s": 3}
            assert pod["status"]["phase"] == "Running"
            reasons = [e["reason"] for e in await node.events("crasher")]
            assert "BackOff" in reasons
            backoff = next(e for e in await node.events("crasher") if e["reason"] == "BackOff")
            assert backoff["count"] >= 3 and backoff["type"] == "Warning"
    run(main())


def test_unknown_image_shows_err_image_pull_then_image_pull_back_off(kube, clock):
    async def main():
        async with Node(kube, clock) as node:
            await node.create("hello-minikube", [{"name": "m", "image": "no.such/image:1.4"}])
            pod = await node.until("hello-minikube", lambda p: waiting(p) == "ErrImagePull",
                                   step=0.1, limit=5)
            assert "not found" in state(pod)["waiting"]["message"]
            pod = await node.until("hello-minikube",
                                   lambda p: waiting(p) == "ImagePullBackOff", step=0.5)
            assert pod["status"]["phase"] == "Pending"
            assert state(pod)["waiting"]["message"].startswith(
                'Back-off pulling image "no.such/image:1.4"')
            events = [(e["reason"], e["message"]) for e in await node.events("hello-minikube")]
            assert ("Failed", "Error: ErrImagePull") in events
            assert ("BackOff", 'Back-off pulling image "no.such/image:1.4"') in events
            assert ("Failed", "Error: ImagePullBackOff") in events
    run(main())


def test_run_to_completion_ends_succeeded_or_failed_with_its_exit_code(kube, clock):
    async def main():
        async with Node(kube, clock) as node:
            await node.create("sleeper", [{"name": "b", "image": "busybox",
                                           "command": ["sleep", "5"]}], restartPolicy="Never")
            await node.create("exiter", [{"name": "b", "image": "busybox",
                                          "command": ["sh", "-c", "exit 3"]}],
                              restartPolicy="Never")
            await node.advance(3)
            assert (await node.get("sleeper"))["status"]["phase"] == "Running"
            failed = await node.get("exiter")
            assert failed["status"]["phase"] == "Failed"
            assert state(failed)["terminated"]["exitCode"] == 3
            assert state(failed)["terminated"]["reason"] == "Error"
            await node.advance(3)
            done = await node.get("sleeper")
            assert done["status"]["phase"] == "Succeeded"
            assert state(done)["terminated"]["exitCode"] == 0
            assert state(done)["terminated"]["reason"] == "Completed"
            assert conditions(done)["Ready"] == "False"
            assert {c["type"]: c.get("reason") for c in done["status"]["conditions"]}[
                "Ready"] == "PodCompleted"
    run(main())


def test_on_failure_restarts_in_place(kube, clock):
    async def main():
        async with Node(kube, clock) as node:
            await node.create("flaky", [{"name": "t", "image": "alpine:3.20",
                                         "command": ["sh", "-c", "sleep 2; exit 1"]}],
                              restartPolicy="OnFailure")
            pod = await node.until("flaky", lambda p: p["status"]["containerStatuses"][0][
                "restartCount"] >= 2, limit=60)
            assert pod["status"]["phase"] == "Running"
            assert pod["status"]["podIP"] == "10.244.1.2"      # same sandbox, same IP
            last = pod["status"]["containerStatuses"][0]["lastState"]["terminated"]
            assert last["exitCode"] == 1
    run(main())


def test_init_containers_run_in_order_before_the_app(kube, clock):
    async def main():
        async with Node(kube, clock) as node:
            await node.create("with-init", [{"name": "app", "image": "nginx:1.27"}],
                              initContainers=[
                                  {"name": "first", "image": "busybox:1.36",
                                   "command": ["sh", "-c", "sleep 3"]},
                                  {"name": "second", "image": "busybox:1.36",
                                   "command": ["sleep", "2"]}])
            await node.advance(1)
            pod = await node.get("with-init")
            assert "running" in state(pod, 0, "initContainerStatuses")
            assert state(pod, 1, "initContainerStatuses")["waiting"]["reason"] == \
                "PodInitializing"
            assert waiting(pod) == "PodInitializing" and pod["status"]["phase"] == "Pending"
            assert conditions(pod)["Initialized"] == "False"
            await node.advance(3)
            pod = await node.get("with-init")
            assert state(pod, 0, "initContainerStatuses")["terminated"]["reason"] == "Completed"
            assert "running" in state(pod, 1, "initContainerStatuses")
            await node.advance(3)
            pod = await node.get("with-init")
            assert pod["status"]["phase"] == "Running" and conditions(pod)["Ready"] == "True"
            started = [e["involvedObject"]["fieldPath"] for e in await node.events("with-init")
                       if e["reason"] == "Started"]
            assert started == ["spec.initContainers{first}", "spec.initContainers{second}",
                               "spec.containers{app}"]
    run(main())


def test_readiness_failure_keeps_the_pod_unready(kube, clock):
    async def main():
        async with Node(kube, clock) as node:
            probe = {"httpGet": {"path": "/", "port": 8080}, "periodSeconds": 5}
            await node.create("unready", [{"name": "web", "image": "nginx", "readinessProbe":
                                           probe}])
            await node.advance(30)
            pod = await node.get("unready")
            assert pod["status"]["phase"] == "Running"
            assert conditions(pod)["Ready"] == "False"
            assert pod["status"]["containerStatuses"][0]["ready"] is False
            unhealthy = [e for e in await node.events("unready") if e["reason"] == "Unhealthy"]
            assert unhealthy[0]["message"].startswith('Readiness probe failed: Get "http://10.244.')
            assert unhealthy[0]["count"] >= 5
    run(main())


def test_liveness_failure_kills_and_restarts(kube, clock):
    async def main():
        async with Node(kube, clock) as node:
            probe = {"httpGet": {"path": "/healthz", "port": 80}, "periodSeconds": 5,
                     "failureThreshold": 2}
            await node.create("unlive", [{"name": "web", "image": "nginx:1.27",
                                          "livenessProbe": probe}])
            pod = await node.until("unlive", lambda p: p["status"]["containerStatuses"][0][
                "restartCount"] == 1, limit=30)
            events = [(e["reason"], e["message"]) for e in await node.events("unlive")]
            assert ("Unhealthy", "Liveness probe failed: HTTP probe failed with statuscode: 404") \
                in events
            assert ("Killing", "Container web failed liveness probe, will be restarted") in events
            assert pod["status"]["containerStatuses"][0]["lastState"]["terminated"][
                "reason"] == "Completed"
    run(main())


def test_deleting_a_pod_stops_it_and_removes_it_after_the_grace_period(kube, clock):
    async def main():
        async with Node(kube, clock) as node:
            await node.create("slow-stop", [{"name": "c", "image": "nginx"}],
                              terminationGracePeriodSeconds=5,
                              annotations={"rayk8s.io/stop-seconds": "none"})
            await node.advance(1)
            ip = (await node.get("slow-stop"))["status"]["podIP"]
            await node.api.delete("pods", "slow-stop", "default")
            await node.advance(0.5)
            terminating = await node.get("slow-stop")
            assert terminating is not None and terminating["metadata"]["deletionTimestamp"]
            await node.advance(3)
            assert await node.get("slow-stop") is not None       # still in its grace period
            await node.until("slow-stop", lambda p: p is None, limit=3, step=0.5)
            assert clock.now() - 1_700_000_000.0 <= 7
            assert "default/slow-stop" not in node.kubelet.runtime.by_key
            assert ip not in [node.kubelet.runtime.ips.allocate("x")]  # released, round robin
            reasons = [e["reason"] for e in await node.events("slow-stop")]
            assert reasons[-1] == "Killing"
    run(main())


def test_an_app_that_stops_at_once_goes_away_at_once(kube, clock):
    async def main():
        async with Node(kube, clock) as node:
            await node.create("quick", [HELLO])
            await node.advance(1)
            await node.api.delete("pods", "quick", "default")
            await node.advance(0.1)
            assert await node.get("quick") is None
            assert not node.kubelet.memos and not node.kubelet.runtime.pods
    run(main())


def test_other_nodes_pods_are_ignored(kube, clock):
    async def main():
        async with Node(kube, clock) as node:
            other = await node.api.create({"apiVersion": "v1", "kind": "Pod",
                                           "metadata": {"name": "elsewhere"},
                                           "spec": {"nodeName": "node-2", "containers": [
                                               {"name": "c", "image": "nginx"}]}}, "default")
            await node.advance(2)
            assert (await node.get("elsewhere"))["metadata"]["resourceVersion"] == \
                other["metadata"]["resourceVersion"]
            assert not node.kubelet.runtime.pods
    run(main())


def test_accept_unknown_images_plays_them_as_http_apps(kube, clock):
    async def main():
        async with Node(kube, clock, config={"accept_unknown_images": True}) as node:
            await node.create("mine", [{"name": "c", "image": "myorg/app:3",
                                        "ports": [{"containerPort": 9000}]}])
            await node.advance(1)
            assert (await node.get("mine"))["status"]["phase"] == "Running"
            _, _, body = node.kubelet.http_request("default/mine", 9000)
            assert body == b"rayk8s: docker.io/myorg/app:3 on mine\n"
    run(main())


def test_stats_and_metrics_grow_with_the_clock(kube, clock):
    async def main():
        async with Node(kube, clock) as node:
            await node.create("burner", [{"name": "s", "image": "vish/stress",
                                          "args": ["-cpus", "1"]}])
            await node.advance(1)
            first = node.kubelet.pod_stats()[0]
            await node.advance(60)
            later = node.kubelet.pod_stats()[0]
            assert first["cpu_cores"] == later["cpu_cores"] == 1.0
            assert later["cpu_seconds"] - first["cpu_seconds"] == pytest.approx(60)
            summary = node.kubelet.stats()
            assert summary["node"]["nodeName"] == "node-1"
            assert summary["pods"][0]["cpu"]["usageNanoCores"] == 1_000_000_000
            text = generate_latest(node.registry).decode()
            assert 'kubelet_running_pods{node="node-1"} 1.0' in text
            assert 'kubelet_running_containers{container_state="running",node="node-1"} 1.0' \
                in text
            assert 'kubelet_pod_start_duration_seconds_count{node="node-1"} 1.0' in text
            assert 'kubelet_started_containers_total{container_type="container",node="node-1"}' \
                in text
    run(main())


def test_a_node_out_of_pod_ips_reports_failed_sandboxes(kube, clock):
    async def main():
        async with Node(kube, clock, {"name": "node-1", "pod_cidr": "10.244.9.0/30"}) as node:
            await node.create("first", [HELLO])
            await node.create("second", [HELLO])
            await node.advance(2)
            assert (await node.get("first"))["status"]["podIP"] == "10.244.9.2"
            second = await node.get("second")
            assert second["status"]["phase"] == "Pending" and "podIP" not in second["status"]
            failed = [e for e in await node.events("second")
                      if e["reason"] == "FailedCreatePodSandBox"]
            assert "no IP addresses available in range set" in failed[0]["message"]
            await node.api.delete("pods", "first", "default")
            pod = await node.until("second", lambda p: p["status"]["phase"] == "Running",
                                   limit=60)
            assert pod["status"]["podIP"] == "10.244.9.2"
    run(main())
