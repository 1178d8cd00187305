"""Workload benchmark: a 100-replica Deployment on 10 nodes, in one run.

    python -m benchmarks.workloads [--replicas 100] [--nodes 10]

Starts ``rayk8s.Cluster(nodes=10, time_scale=1)`` on a local Ray (127.0.0.1;
shut down at the end) and measures, in wall seconds:

- **baseline**: ``replicas`` bare pods (the Deployment's pod template, readiness
  probe included) created one after the other by the driver, until every one
  is Running and Ready -- the floor without controllers (scheduler, kubelets,
  probes only);
- **deployment available**: a Deployment of ``replicas`` created -> its
  ``status.availableReplicas == replicas`` (the ReplicaSet controller creates
  the pods, the Deployment controller reports);
- **rolling update**: the image changed (``kubectl set image``'s strategic
  merge patch) -> ``updatedReplicas == availableReplicas == replicas`` and
  ``observedGeneration`` current (``kubectl rollout status`` returns), and
  further -> the old ReplicaSet at 0 with none of its pods left;

with ``ratio`` against the baseline.  While the rollout runs, a sampler lists
the pods and ReplicaSets every ~0.25 s and reports the fewest Ready pods (bound:
replicas - maxUnavailable), the largest sum of the ReplicaSets' sizes (what the
Deployment controller bounds by replicas + maxSurge, as Kubernetes does) and
the most live pods (not terminating) it saw: those may pass replicas + maxSurge
for a while, when the old ReplicaSet's controller has not yet deleted the pods
it was told to drop while the new one already creates its own.

Prints a table, writes benchmarks/results/workloads.json.
"""

from __future__ import annotations

import argparse
import os
import threading
import time

from benchmarks._common import report

APP = "bench-web"


def template(img: str) -> dict:
    return {"metadata": {"labels": {"app": APP}},
            "spec": {"containers": [{
                "name": "hello-world", "image": img, "ports": [{"containerPort": 8090}],
                "readinessProbe": {"httpGet": {"path": "/", "port": 8090},
                                   "periodSeconds": 1}}]}}


def deployment(replicas: int) -> dict:
    return {"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": APP, "labels": {"app": APP}},
            "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": APP}},
                     "template": template("hello-world:v1.0")}}


def ready(pod: dict) -> bool:
    return any(c.get("type") == "Ready" and c.get("status") == "True"
               for c in (pod.get("status") or {}).get("conditions") or [])


def live(pod: dict) -> bool:
    return not pod["metadata"].get("deletionTimestamp") and \
        (pod.get("status") or {}).get("phase") not in ("Succeeded", "Failed")


def wait_until(fn, timeout: float, interval: float = 0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = fn()
        if value:
            return value
        time.sleep(interval)
    raise TimeoutError(f"not done in {timeout} s")


def bench_baseline(kube, n: int, timeout: float) -> dict:
    tmpl = template("hello-world:v1.0")
    start = time.perf_counter()
    for i in range(n):
        kube.create({"apiVersion": "v1", "kind": "Pod",
                     "metadata": {"name": f"bare-{i}", "labels": {"bare": "yes"}},
                     "spec": tmpl["spec"]})
    created = time.perf_counter() - start

    def all_ready():
        pods = kube.list("pods", label_selector="bare=yes")
        return len(pods) == n and all(ready(p) for p in pods)
    wait_until(all_ready, timeout, 0.1)
    elapsed = time.perf_counter() - start
    kube.delete_collection("pods", label_selector="bare=yes")
    wait_until(lambda: not kube.list("pods", label_selector="bare=yes"), timeout, 0.2)
    return {"seconds": elapsed, "created_s": created}


def status(kube) -> dict:
    d = kube.get("deployments", APP)
    return dict(d.get("status") or {}, generation=d["metadata"]["generation"])


def bench_deployment(kube, n: int, timeout: float) -> dict:
    start = time.perf_counter()
    kube.create(deployment(n))
    wait_until(lambda: int(status(kube).get("availableReplicas") or 0) == n, timeout)
    return {"seconds": time.perf_counter() - start}


def bench_rollout(kube, n: int, timeout: float) -> dict:
    [old] = kube.list("replicasets", label_selector=f"app={APP}")
    old_hash = old["metadata"]["labels"]["pod-template-hash"]
    samples: list[tuple[int, int, int]] = []
    stop = threading.Event()

    def sampler():
        while not stop.is_set():
            pods = kube.list("pods", label_selector=f"app={APP}")
            rss = kube.list("replicasets", label_selector=f"app={APP}")
            samples.append((sum(1 for p in pods if live(p) and ready(p)),
                            sum(1 for p in pods if live(p)),
                            sum(int(rs["spec"].get("replicas") or 0) for rs in rss)))
            stop.wait(0.25)
    thread = threading.Thread(target=sampler, daemon=True)
    thread.start()
    start = time.perf_counter()
    try:
        kube.patch("deployments", APP, {"spec": {"template": {"spec": {
            "$setElementOrder/containers": [{"name": "hello-world"}],
            "containers": [{"image": "hello-world:v2.0", "name": "hello-world"}]}}}},
            patch_type="strategic")

        def complete():
            s = status(kube)
            return (int(s.get("observedGeneration") or 0) >= s["generation"]
                    and s.get("updatedReplicas") == s.get("availableReplicas")
                    == s.get("replicas") == n)
        wait_until(complete, timeout)
        complete_s = time.perf_counter() - start

        def old_drained():
            rs = kube.get("replicasets", old["metadata"]["name"])
            pods = kube.list("pods", label_selector=f"app={APP},pod-template-hash={old_hash}")
            return rs["spec"]["replicas"] == 0 and not (rs.get("status") or {}).get("replicas") \
                and not pods
        wait_until(old_drained, timeout)
        drained_s = time.perf_counter() - start
    finally:
        stop.set()
        thread.join(timeout=30)
    return {"seconds": complete_s, "drained_s": drained_s,
            "min_ready": min(s[0] for s in samples) if samples else None,
            "max_live": max(s[1] for s in samples) if samples else None,
            "max_rs": max(s[2] for s in samples) if samples else None,
            "samples": len(samples)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--replicas", type=int, default=100)
    parser.add_argument("--nodes", type=int, default=10)
    parser.add_argument("--timeout", type=float, default=600.0)
    args = parser.parse_args()
    os.environ.setdefault("RAY_AUTH_MODE", "disabled")
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    import rayk8s
    n = args.replicas
    surge, unavailable = -(-n * 25 // 100), n * 25 // 100   # 25%: surge rounds up, the other down
    with rayk8s.Cluster(name="bench-workloads", nodes=args.nodes, time_scale=1.0,
                        http_port=None, metrics=False) as cluster:
        kube = cluster.client

        def nodes_ready():
            nodes = kube.list("nodes")
            return len(nodes) == args.nodes and all(
                any(c["type"] == "Ready" and c["status"] == "True"
                    for c in node["status"].get("conditions", [])) for node in nodes)
        wait_until(nodes_ready, 120, 0.2)
        base = bench_baseline(kube, n, args.timeout)
        dep = bench_deployment(kube, n, args.timeout)
        roll = bench_rollout(kube, n, args.timeout)
        kube.delete("deployments", APP, propagation_policy="Background")
        wait_until(lambda: not kube.list("pods", label_selector=f"app={APP}"),
                   args.timeout, 0.2)
    b = base["seconds"]
    rows = [
        {"what": f"baseline: {n} bare pods created -> all Running and Ready",
         "pods": n, "seconds": b, "pods_per_s": n / b, "ratio": 1.0, "note":
         f"creates took {base['created_s']:.2f} s"},
        {"what": f"Deployment of {n} created -> availableReplicas == {n}",
         "pods": n, "seconds": dep["seconds"], "pods_per_s": n / dep["seconds"],
         "ratio": dep["seconds"] / b, "note": ""},
        {"what": f"rolling update of {n} -> updated == available == {n} (rollout status)",
         "pods": n, "seconds": roll["seconds"], "pods_per_s": n / roll["seconds"],
         "ratio": roll["seconds"] / b,
         "note": f"{roll['samples']} samples: min Ready {roll['min_ready']} (bound "
                 f"{n - unavailable}), max RS sizes {roll['max_rs']} (bound {n + surge}), "
                 f"max live pods {roll['max_live']}"},
        {"what": f"rolling update of {n} -> old ReplicaSet at 0, its pods gone",
         "pods": n, "seconds": roll["drained_s"], "pods_per_s": n / roll["drained_s"],
         "ratio": roll["drained_s"] / b, "note": ""},
    ]
    report("workloads", rows, {
        "replicas": n, "nodes": args.nodes, "time_scale": 1.0,
        "rollout": {"maxSurge": surge, "maxUnavailable": unavailable,
                    "min_ready_seen": roll["min_ready"], "max_live_seen": roll["max_live"],
                    "max_replicaset_sizes_seen": roll["max_rs"],
                    "samples": roll["samples"]},
        "note": "wall seconds on one machine; ratio: against the baseline of the same run "
                "(bare pods created by the driver, no controllers involved)"})


if __name__ == "__main__":
    main()
