"""One Ray cluster for the whole integration session, on loopback.

It is a real multi-node Ray cluster on this machine (``ray.cluster_utils``):
a head and two more raylets, each a Ray node of its own, all on 127.0.0.1,
so placement tests see several Ray nodes.  It is shut down at the end of the
session (actors, raylets and GCS: everything it started).
"""

import os

import pytest

os.environ.setdefault("RAY_AUTH_MODE", "disabled")
os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")

import ray  # noqa: E402
from ray.cluster_utils import Cluster as RayCluster  # noqa: E402

from rayk8s.actors import launcher  # noqa: E402

_NODE = {"node_ip_address": "127.0.0.1", "num_cpus": 1,
         "object_store_memory": 80 * 1024 ** 2}


@pytest.fixture(scope="session")
def ray_cluster():
    launcher.loopback_only()
    cluster = RayCluster(initialize_head=True,
                         head_node_args=dict(_NODE, include_dashboard=False))
    try:
        for i in range(2):
            cluster.add_node(**_NODE, resources={f"rayk8s-test-node-{i}": 1})
        assert cluster.address.startswith("127.0.0.1:"), cluster.address
        ray.init(address=cluster.address, namespace="rayk8s", log_to_driver=False)
        assert ray.get_runtime_context().gcs_address.startswith("127.0.0.1:")
        yield cluster
    finally:
        ray.shutdown()
        cluster.shutdown()


@pytest.fixture(scope="session")
def rk_cluster(ray_cluster):
    """The rayk8s control plane, shared by the integration tests."""
    import rayk8s
    with rayk8s.Cluster(name="itest") as cluster:
        yield cluster


@pytest.fixture(scope="module")
def cluster(rk_cluster):
    """The cluster a module's tests use: the shared one, unless the module defines its own
    ``cluster`` fixture (module scope, started on ``ray_cluster``)."""
    return rk_cluster


@pytest.fixture(scope="module")
def kube(cluster):
    return cluster.client
