"""The command line as a user drives it: up --detach, kubectl, node add/remove, down."""

import json
import os
import subprocess
import sys

import pytest


def run(args, env, timeout=180):
    return subprocess.run([sys.executable, "-m", "rayk8s.cli", *args], env=env, text=True,
                          capture_output=True, timeout=timeout)


@pytest.fixture
def env(tmp_path):
    return {**os.environ, "RAYK8S_HOME": str(tmp_path / "home"),
            "RAY_AUTH_MODE": os.environ.get("RAY_AUTH_MODE", "disabled")}


def test_up_node_add_remove_down(env, tmp_path):
    name = "clitest"
    up = run(["up", "--detach", "--name", name, "--nodes", "2"], env)
    assert up.returncode == 0, up.stderr
    state = json.loads((tmp_path / "home" / f"{name}.json").read_text())
    try:
        kenv = {**env, "KUBECONFIG": state["kubeconfig"]}
        kubectl = ["kubectl", "--cache-dir", str(tmp_path / "kcache")]

        def nodes():
            out = subprocess.run(kubectl + ["get", "nodes", "-o", "name"], env=kenv, text=True,
                                 capture_output=True, timeout=60)
            assert out.returncode == 0, out.stderr
            return sorted(out.stdout.split())
        assert nodes() == ["node/node-1", "node/node-2"]
        added = run(["node", "add", "--name", name, "--count", "1"], env)
        assert added.returncode == 0 and "node/node-3 added" in added.stdout, added.stderr
        assert nodes() == ["node/node-1", "node/node-2", "node/node-3"]
        removed = run(["node", "remove", "--name", name, "node-2"], env)
        assert removed.returncode == 0, removed.stderr
        assert nodes() == ["node/node-1", "node/node-3"]
    finally:
        down = run(["down", "--name", name], env)
    assert down.returncode == 0, down.stderr
    with pytest.raises(ProcessLookupError):
        os.kill(state["pid"], 0)
