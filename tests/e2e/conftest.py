"""One live rayk8s control plane per test module, the real kubectl and the official client.

The cluster is a ``rayk8s.Cluster`` on a local Ray it starts itself on
127.0.0.1 (``loopback_only`` keeps every Ray connection on loopback), with
the REST API on a free loopback port.  A kubeconfig for it is written to a
temporary directory; kubectl runs with ``KUBECONFIG`` set to it and its
discovery cache in the same directory, so nothing of the user's ``~/.kube``
is read or written.  The fixture is module-scoped so that the cluster (and the
Ray it started) is shut down before another directory's tests (integration)
start their own Ray.

kubectl on PATH is required: its absence fails these tests, it does not skip
them.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

os.environ.setdefault("RAY_AUTH_MODE", "disabled")
os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")


@dataclass
class Kubectl:
    """Runs the real kubectl against the test cluster."""

    binary: str
    kubeconfig: str
    cache_dir: str

    @property
    def env(self) -> dict:
        return {**os.environ, "KUBECONFIG": self.kubeconfig}

    def argv(self, *args: str) -> list[str]:
        return [self.binary, f"--cache-dir={self.cache_dir}", *args]

    def run(self, *args: str, input: str | None = None, check: bool = True,
            timeout: float = 60) -> subprocess.CompletedProcess:
        proc = subprocess.run(self.argv(*args), input=input, capture_output=True, text=True,
                              env=self.env, timeout=timeout)
        if check and proc.returncode != 0:
            pytest.fail(f"kubectl {' '.join(args)} exited {proc.returncode}:\n"
                        f"stdout: {proc.stdout}\nstderr: {proc.stderr}")
        return proc

    def __call__(self, *args: str, **kwargs) -> str:
        return self.run(*args, **kwargs).stdout

    def popen(self, *args: str) -> subprocess.Popen:
        return subprocess.Popen(self.argv(*args), stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True, env=self.env)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    import rayk8s
    from rayk8s.actors import launcher

    launcher.loopback_only()
    c = rayk8s.Cluster(name="e2e", ray_init=dict(num_cpus=2))
    try:
        c.start()
        assert c.url and c.url.startswith("http://127.0.0.1:"), c.url
        yield c
    finally:
        c.stop()  # its actors, and the local Ray if it started one


@pytest.fixture(scope="module")
def kubeconfig(cluster, tmp_path_factory) -> str:
    path = tmp_path_factory.mktemp("kube") / "config"
    return cluster.write_kubeconfig(str(path))


@pytest.fixture(scope="module")
def kubectl(kubeconfig) -> Kubectl:
    binary = shutil.which("kubectl")
    if binary is None:
        pytest.fail("kubectl is not on PATH: the e2e tests need the real kubectl")
    cache = Path(kubeconfig).parent / "cache"
    return Kubectl(binary, kubeconfig, str(cache))


@pytest.fixture(scope="module")
def api_client(kubeconfig):
    """The official ``kubernetes`` client configured from the kubeconfig."""
    from kubernetes import client, config

    configuration = client.Configuration()
    config.load_kube_config(config_file=kubeconfig, client_configuration=configuration)
    api = client.ApiClient(configuration)
    try:
        yield api
    finally:
        api.close()
