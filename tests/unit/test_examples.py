"""Every manifest in helm-free-manifests/examples applies cleanly (defaults + validation)."""

from pathlib import Path

import pytest

EXAMPLES = sorted((Path(__file__).parents[2] / "helm-free-manifests" / "examples").glob("*.yaml"))


def test_examples_exist():
    assert {p.name for p in EXAMPLES} >= {"helloworld-deployment.yaml", "helloworld-service.yaml",
                                          "job.yaml", "statefulset.yaml", "hpa.yaml", "ingress.yaml"}


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_example_applies(kube, path):
    stored = kube.apply(path.read_text())
    assert stored and all(o["metadata"]["uid"] for o in stored)
    again = kube.apply(path.read_text())  # idempotent
    assert [o["metadata"]["name"] for o in again] == [o["metadata"]["name"] for o in stored]
