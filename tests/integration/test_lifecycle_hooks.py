"""Lifecycle hooks end to end on Ray: a preStop sleep holds a deleted pod in Terminating.

Its own small cluster (one node, the cluster clock 5x wall time).
"""

import time

import pytest

from rayk8s import ApiError

from . import helpers
from .helpers import wait_for

TIME_SCALE = 5.0


@pytest.fixture(scope="module")
def cluster(ray_cluster):
    with helpers.emulated("hooks-it", nodes=1, time_scale=TIME_SCALE) as c:
        yield c


def gone(kube, name):
    try:
        kube.get("pods", name)
    except ApiError as exc:
        if exc.code == 404:
            return True
        raise
    return False


def test_pre_stop_sleep_keeps_the_pod_terminating(kube, cluster):
    kube.create({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "drain"},
                 "spec": {"containers": [{
                     "name": "web", "image": "nginx:1.25",
                     "lifecycle": {"preStop": {"sleep": {"seconds": 4}}}}]}})
    wait_for(lambda: kube.get("pods", "drain")["status"].get("phase") == "Running")
    kube.delete("pods", "drain")
    start = cluster.clock.now()
    time.sleep(2.0 / TIME_SCALE)                 # 2 cluster seconds into the hook
    pod = kube.get("pods", "drain")
    assert pod["metadata"]["deletionTimestamp"]
    assert pod["status"]["phase"] == "Running"   # Terminating, its container still runs
    wait_for(lambda: gone(kube, "drain"), timeout=30, interval=0.05)
    took = cluster.clock.now() - start
    assert 3.5 <= took <= 10, took               # 4 cluster seconds, then nginx exits
