"""Service traffic only reaches ready endpoints (no Ray, no sockets).

- ``KubeProxy.pick(..., exclude=...)``: the pods that refused a request are skipped
  (round robin, random, ClientIP affinity); None once every endpoint is excluded.
- ``Kubelet.serving()`` / ``http_request(ready_only=True)``: the kubelet accepts Service
  traffic only for a pod it reported Ready and that is not terminating; otherwise
  :class:`rayk8s.node.runtime.NotServing`, even while the app itself still answers.
"""

import collections
import random

import pytest

from rayk8s.clock import FakeClock
from rayk8s.node.proxy import KubeProxy
from rayk8s.node.runtime import ConnectionRefused, NotServing

from .test_kube_proxy import endpoint, service, slice_
from .test_kubelet_pods import HELLO, Node, conditions, run

PODS = [f"default/web-{i}" for i in range(1, 5)]


def table(mode="round-robin", **svc):
    proxy = KubeProxy(FakeClock(), mode=mode, rng=random.Random(11))
    proxy.set_service(service(**svc))
    proxy.set_slice(slice_("web-abcde", [endpoint(i) for i in range(1, 5)]))
    return proxy


# -- KubeProxy.pick(exclude=) --------------------------------------------------------------

@pytest.mark.parametrize("mode", ["round-robin", "random"])
@pytest.mark.parametrize("target", ["default/web", 31240])
def test_pick_skips_excluded_pods(mode, target):
    proxy = table(mode)
    exclude = {"default/web-2", "default/web-4"}
    picks = collections.Counter(proxy.pick(target, "10.0.0.1", exclude=exclude).pod
                                for _ in range(200))
    assert set(picks) == {"default/web-1", "default/web-3"}, picks
    assert all(n >= 50 for n in picks.values()), picks      # both still share the load


def test_round_robin_with_exclusions_still_alternates_over_the_rest():
    proxy = table()
    exclude = frozenset({"default/web-3"})
    picks = [proxy.pick("default/web", exclude=exclude).pod for _ in range(9)]
    for i in range(0, 9, 3):
        assert sorted(picks[i:i + 3]) == ["default/web-1", "default/web-2", "default/web-4"]
    # Without the exclusion every endpoint is back in the rotation.
    assert {proxy.pick("default/web").pod for _ in range(4)} == set(PODS)


@pytest.mark.parametrize("mode", ["round-robin", "random"])
def test_pick_returns_none_when_every_endpoint_is_excluded(mode):
    proxy = table(mode)
    assert proxy.pick("default/web", exclude=set(PODS)) is None
    assert proxy.pick(31240, "10.0.0.1", exclude=frozenset(PODS)) is None
    assert proxy.pick("default/web", exclude=set(PODS[1:])).pod == PODS[0]


def test_excluding_the_pinned_pod_moves_the_client_to_another():
    proxy = table(affinity="ClientIP")
    pinned = proxy.pick("default/web", "10.0.0.7").pod
    assert {proxy.pick("default/web", "10.0.0.7").pod for _ in range(5)} == {pinned}
    other = proxy.pick("default/web", "10.0.0.7", exclude={pinned}).pod
    assert other != pinned
    assert {proxy.pick("default/web", "10.0.0.7").pod for _ in range(5)} == {other}


# -- Kubelet.serving() / http_request(ready_only=True) ---------------------------------------

def test_a_ready_pod_serves_service_traffic(kube, clock):
    async def main():
        async with Node(kube, clock) as node:
            await node.create("ready", [HELLO])
            pod = await node.until("ready", lambda p: conditions(p).get("Ready") == "True",
                                   limit=10, step=0.5)
            assert not pod["metadata"].get("deletionTimestamp")
            assert node.kubelet.serving("default/ready")
            status, _, body = node.kubelet.http_request("default/ready", 8090,
                                                        ready_only=True)
            assert (status, body) == (200, b"Hello world !\nhostname:ready\n")
    run(main())


def test_unknown_pod_is_not_serving(kube, clock):
    async def main():
        async with Node(kube, clock) as node:
            assert not node.kubelet.serving("default/nobody")
            with pytest.raises(NotServing):
                node.kubelet.http_request("default/nobody", 8090, ready_only=True)
            with pytest.raises(ConnectionRefused):       # not here at all, either way
                node.kubelet.http_request("default/nobody", 8090)
    run(main())


def test_a_listening_but_unready_pod_refuses_service_traffic(kube, clock):
    async def main():
        async with Node(kube, clock) as node:
            # The app listens on 8090; the readiness probe asks 8091, where nothing does.
            probe = {"httpGet": {"path": "/", "port": 8091}, "periodSeconds": 1}
            await node.create("unready", [dict(HELLO, readinessProbe=probe)])
            await node.advance(10)
            pod = await node.get("unready")
            assert pod["status"]["phase"] == "Running" and conditions(pod)["Ready"] == "False"
            assert not node.kubelet.serving("default/unready")
            with pytest.raises(NotServing):
                node.kubelet.http_request("default/unready", 8090, ready_only=True)
            # The app itself answers (a direct request, as to a pod IP).
            assert node.kubelet.http_request("default/unready", 8090)[0] == 200
    run(main())


def test_not_serving_until_ready_is_reported(kube, clock):
    async def main():
        async with Node(kube, clock) as node:
            # The app serves 3 s after start; the probe (every 1 s) then makes it Ready.
            probe = {"httpGet": {"path": "/", "port": 8090}, "periodSeconds": 1}
            await node.create("slow", [dict(HELLO, readinessProbe=probe)],
                              annotations={"rayk8s.io/startup-seconds": "3"})
            seen = []
            for _ in range(20):
                await node.advance(0.5)
                pod = await node.get("slow")
                ready = conditions(pod).get("Ready") == "True"
                serving = node.kubelet.serving("default/slow")
                assert serving == ready, (clock.now(), pod["status"])
                seen.append(serving)
            assert seen[0] is False and seen[-1] is True
            assert node.kubelet.http_request("default/slow", 8090, ready_only=True)[0] == 200
    run(main())


def test_a_terminating_pod_refuses_service_traffic_while_its_app_still_answers(kube, clock):
    async def main():
        async with Node(kube, clock) as node:
            await node.create("leaving", [HELLO], terminationGracePeriodSeconds=30,
                              annotations={"rayk8s.io/stop-seconds": "10"})
            await node.until("leaving", lambda p: conditions(p).get("Ready") == "True",
                             limit=10, step=0.5)
            assert node.kubelet.serving("default/leaving")
            await node.api.delete("pods", "leaving", "default")
            await node.advance(0.5)
            pod = await node.get("leaving")
            assert pod is not None and pod["metadata"]["deletionTimestamp"]
            assert not node.kubelet.serving("default/leaving")
            with pytest.raises(NotServing):
                node.kubelet.http_request("default/leaving", 8090, ready_only=True)
            # SIGTERM ignored for 10 s: the app still answers a direct request.
            status, _, body = node.kubelet.http_request("default/leaving", 8090)
            assert status == 200 and b"hostname:leaving" in body
            await node.until("leaving", lambda p: p is None, limit=20, step=1)
            assert not node.kubelet.serving("default/leaving")
    run(main())
