"""Nodes benchmark: scheduling throughput and pod start-up latency, in one run.

    python -m benchmarks.nodes [--pods 100] [--nodes 10]

On a local Ray (started on 127.0.0.1 and shut down at the end) with N
emulated nodes (one node actor each), ``--pods`` pods are created at once
(pipelined through the apiserver actor) and a watcher in the driver records,
per pod, when it was first seen bound (spec.nodeName) and Running.

- scheduling throughput: pods bound per second, from the first create to the
  last bind;
- start-up latency: created -> Running as observed by the watcher, p50/p90/p99;
- baselines of the same run: the create rate alone (pods written per second,
  the ceiling for binding them) and the start-up latency of single pods on the
  idle cluster (the floor: image pull + start, as configured, plus the hops).

Prints a table and writes benchmarks/results/nodes.json.
"""

from __future__ import annotations

import argparse
import os
import threading
import time

from benchmarks._common import percentile, report


def pod(name: str, label: str) -> dict:
    return {"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": name, "labels": {"bench": label}},
            "spec": {"containers": [{"name": "app", "image": "hello-world:v1.0",
                                     "ports": [{"containerPort": 8090}],
                                     "resources": {"requests": {"cpu": "10m"}}}],
                     "terminationGracePeriodSeconds": 0}}


class Recorder:
    """Watches pods with label bench=<label>; first bound / Running wall times."""

    def __init__(self, kube, label: str, expected: int):
        self.kube, self.label, self.expected = kube, label, expected
        self.bound: dict[str, float] = {}
        self.running: dict[str, float] = {}
        self.rv = kube.list_object("pods", label_selector=f"bench={label}")["metadata"]["resourceVersion"]
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.deadline = time.monotonic() + 300
        self.thread.start()

    def _run(self) -> None:
        rv = self.rv
        while len(self.running) < self.expected and time.monotonic() < self.deadline:
            batch = self.kube.watch_batch("pods", resource_version=rv, timeout=5,
                                          label_selector=f"bench={self.label}")
            now = time.perf_counter()
            rv = batch["resourceVersion"]
            for ev in batch["events"]:
                obj = ev["object"]
                name = obj["metadata"]["name"]
                if obj["spec"].get("nodeName"):
                    self.bound.setdefault(name, now)
                if (obj.get("status") or {}).get("phase") == "Running":
                    self.running.setdefault(name, now)

    def wait(self) -> None:
        self.thread.join(timeout=310)


def run(n_pods: int, n_nodes: int) -> list[dict]:
    import ray

    import rayk8s
    rows = []
    with rayk8s.Cluster(name="bench-nodes", nodes=n_nodes, metrics=False, http_port=None,
                        controllers=False) as cluster:
        kube = cluster.client
        while len([n for n in kube.list("nodes")
                   if any(c["type"] == "Ready" and c["status"] == "True"
                          for c in n["status"].get("conditions", []))]) < n_nodes:
            time.sleep(0.2)
        handle = cluster.apiserver

        # Baseline 1: single pods on the idle cluster, one after another.
        singles = []
        for i in range(5):
            rec = Recorder(kube, f"single{i}", 1)
            t0 = time.perf_counter()
            kube.create(pod(f"single-{i}", f"single{i}"))
            rec.wait()
            singles.append(rec.running[f"single-{i}"] - t0)
        idle_p50 = percentile(singles, 50)
        rows.append({"what": "baseline: one pod on an idle cluster, created -> Running",
                     "n": len(singles), "value": idle_p50 * 1e3, "unit": "ms (p50)",
                     "ratio": 1.0})

        # Baseline 2: the create rate alone (pods written, none schedulable: no nodes match).
        blocked = [dict(pod(f"blocked-{i}", "blocked"),
                        spec=dict(pod("x", "x")["spec"], nodeSelector={"nowhere": "true"}))
                   for i in range(n_pods)]
        t0 = time.perf_counter()
        ray.get([handle.call.remote("create", ("pods", p, "default"), {}) for p in blocked])
        create_rate = n_pods / (time.perf_counter() - t0)
        rows.append({"what": f"baseline: create {n_pods} pods (pipelined), pods/s",
                     "n": n_pods, "value": create_rate, "unit": "pods/s", "ratio": 1.0})
        kube.delete_collection("pods", label_selector="bench=blocked")

        # The burst: n_pods created at once onto n_nodes nodes.
        rec = Recorder(kube, "burst", n_pods)
        created: dict[str, float] = {}
        objs = [pod(f"burst-{i}", "burst") for i in range(n_pods)]
        t0 = time.perf_counter()
        refs = []
        for p in objs:
            refs.append(handle.call.remote("create", ("pods", p, "default"), {}))
            created[p["metadata"]["name"]] = time.perf_counter()
        ray.get(refs)
        rec.wait()
        bound_all = max(rec.bound.values()) - t0
        throughput = len(rec.bound) / bound_all
        rows.append({"what": f"scheduling throughput, {n_pods} pods on {n_nodes} nodes",
                     "n": len(rec.bound), "value": throughput, "unit": "pods bound/s",
                     "ratio": throughput / create_rate})
        latencies = [rec.running[name] - created[name] for name in rec.running]
        for p in (50, 90, 99):
            value = percentile(latencies, p)
            rows.append({"what": f"pod start-up latency created -> Running, p{p}",
                         "n": len(latencies), "value": value * 1e3, "unit": "ms",
                         "ratio": value / idle_p50})
        nodes_used = len({kube.get("pods", name)["spec"]["nodeName"] for name in rec.running})
        rows.append({"what": "nodes the burst was spread over", "n": n_pods,
                     "value": float(nodes_used), "unit": "nodes", "ratio": None})
    return rows


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pods", type=int, default=100)
    parser.add_argument("--nodes", type=int, default=10)
    args = parser.parse_args()
    os.environ.setdefault("RAY_AUTH_MODE", "disabled")
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    rows = run(args.pods, args.nodes)
    report("nodes", rows, {"pods": args.pods, "nodes": args.nodes,
                           "note": "ratio: throughput against the create rate of the same run; "
                                   "latencies against the idle single-pod p50"})


if __name__ == "__main__":
    main()
