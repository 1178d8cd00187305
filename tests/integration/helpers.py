"""Helpers shared by the integration test modules."""

from __future__ import annotations

import time


def wait_for(fn, timeout: float = 60.0, interval: float = 0.1):
    """Poll ``fn`` until it returns something truthy (returned); fail after ``timeout`` s."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = fn()
        if last:
            return last
        time.sleep(interval)
    raise AssertionError(f"condition not met in {timeout}s; last value: {last!r}")


def emulated(name: str, **options):
    """A rayk8s Cluster for one test module (use as a context manager in its ``cluster``
    fixture, over the session's ``ray_cluster``): the cluster clock 5x, no HTTP server,
    no metrics endpoints, unless ``options`` say otherwise."""
    import rayk8s
    return rayk8s.Cluster(name=name, **{"time_scale": 5, "http_port": None, "metrics": False,
                                        **options})
