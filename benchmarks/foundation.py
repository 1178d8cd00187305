"""Foundation benchmark: store, apiserver actor, watch delivery -- in one run.

    python -m benchmarks.foundation [--n 2000]

Measures, on a local Ray started on 127.0.0.1 (and shut down at the end):

- store writes/s in process (MVCCStore.put), in memory and with the WAL;
- apiserver creates/s and gets/s through the apiserver actor from a driver,
  one call at a time and pipelined (many calls in flight);
- watch event delivery: events/s a long-polling watcher receives while
  objects are created;
- the baselines of the same run: an empty call to an async Ray actor (the
  floor for any actor hop) and a plain dict insert (the floor for the store).

Prints a table, writes benchmarks/results/foundation.json.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import threading
import time

from benchmarks._common import percentile, rate, report


def cm(i: int) -> dict:
    return {"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": f"bench-{i}", "labels": {"app": "bench", "i": str(i % 10)}},
            "data": {"key": "value " * 20}}


def bench_store(n: int) -> list[dict]:
    import msgpack

    from rayk8s.store import MVCCStore
    value = msgpack.packb(cm(0))
    rows = []
    baseline: dict = {}
    dict_rate, _ = rate(n, lambda: [baseline.__setitem__(f"/registry/configmaps/default/k{i}", value)
                                    for i in range(n)])
    rows.append({"what": "baseline: dict insert (in process)", "ops": n, "per_s": dict_rate,
                 "ratio": 1.0})
    store = MVCCStore()
    mem_rate, _ = rate(n, lambda: [store.put(f"/registry/configmaps/default/k{i}", value)
                                   for i in range(n)])
    rows.append({"what": "store put, memory (in process)", "ops": n, "per_s": mem_rate,
                 "ratio": mem_rate / dict_rate})
    with tempfile.TemporaryDirectory() as tmp:
        durable = MVCCStore(data_dir=tmp)
        wal_rate, _ = rate(n, lambda: [durable.put(f"/registry/configmaps/default/k{i}", value)
                                       for i in range(n)])
        durable.close()
    rows.append({"what": "store put, WAL flushed (in process)", "ops": n, "per_s": wal_rate,
                 "ratio": wal_rate / dict_rate})
    return rows


class Noop:
    async def call(self, method, args, kwargs):
        return None


def bench_actor(n: int) -> tuple[list[dict], dict]:
    import ray

    import rayk8s
    from rayk8s.actors import launcher
    rows = []
    with rayk8s.Cluster(name="bench", metrics=True) as cluster:
        kube = cluster.client
        handle = cluster.apiserver
        noop = launcher.launch(Noop)
        ray.get(noop.call.remote("x", (), {}))
        seq = min(n, 1000)
        noop_rate, _ = rate(seq, lambda: [ray.get(noop.call.remote("x", (), {})) for _ in range(seq)])
        rows.append({"what": "baseline: empty async actor call, sequential", "ops": seq,
                     "per_s": noop_rate, "ratio": 1.0})
        noop_pipe, _ = rate(n, lambda: ray.get([noop.call.remote("x", (), {}) for _ in range(n)]))
        rows.append({"what": "baseline: empty async actor call, pipelined", "ops": n,
                     "per_s": noop_pipe, "ratio": 1.0})
        ray.kill(noop)

        latencies = []

        def create_seq():
            for i in range(seq):
                t = time.perf_counter()
                kube.create(cm(i))
                latencies.append(time.perf_counter() - t)
        create_rate, _ = rate(seq, create_seq)
        rows.append({"what": "apiserver create via actor, sequential", "ops": seq,
                     "per_s": create_rate, "ratio": create_rate / noop_rate,
                     "p50_ms": percentile(latencies, 50) * 1e3,
                     "p99_ms": percentile(latencies, 99) * 1e3})
        pipe_rate, _ = rate(n, lambda: ray.get([
            handle.call.remote("create", ("configmaps", cm(seq + i), "default"), {})
            for i in range(n)]))
        rows.append({"what": "apiserver create via actor, pipelined", "ops": n,
                     "per_s": pipe_rate, "ratio": pipe_rate / noop_pipe})
        latencies.clear()

        def get_seq():
            for i in range(seq):
                t = time.perf_counter()
                kube.get("configmaps", f"bench-{i}")
                latencies.append(time.perf_counter() - t)
        get_rate, _ = rate(seq, get_seq)
        rows.append({"what": "apiserver get via actor, sequential", "ops": seq,
                     "per_s": get_rate, "ratio": get_rate / noop_rate,
                     "p50_ms": percentile(latencies, 50) * 1e3,
                     "p99_ms": percentile(latencies, 99) * 1e3})
        get_pipe, _ = rate(n, lambda: ray.get([
            handle.call.remote("get", ("configmaps", f"bench-{i % seq}", "default"), {})
            for i in range(n)]))
        rows.append({"what": "apiserver get via actor, pipelined", "ops": n,
                     "per_s": get_pipe, "ratio": get_pipe / noop_pipe})
        list_rate, _ = rate(20, lambda: [kube.list("configmaps") for _ in range(20)])
        rows.append({"what": f"apiserver list of {seq + n} configmaps via actor", "ops": 20,
                     "per_s": list_rate, "ratio": None})

        rows.append(watch_delivery(kube, handle, n, pipe_rate))
        return rows, {"time_scale": 1.0}


def watch_delivery(kube, handle, n: int, create_rate: float) -> dict:
    """Events/s a single watcher receives while ``n`` objects are created (pipelined)."""
    import ray
    rv = kube.list_object("configmaps", limit=1)["metadata"]["resourceVersion"]
    got = 0
    first = last = None
    done = threading.Event()

    def watcher():
        nonlocal got, first, last
        cursor = rv
        while got < n:
            batch = kube.watch_batch("configmaps", resource_version=cursor, timeout=10,
                                     label_selector="app=watch")
            if not batch["events"] and done.is_set():
                break
            cursor = batch["resourceVersion"]
            now = time.perf_counter()
            if batch["events"] and first is None:
                first = now
            got += len(batch["events"])
            last = now

    t = threading.Thread(target=watcher)
    t.start()
    start = time.perf_counter()
    objs = [dict(cm(100_000 + i), metadata={"name": f"watch-{i}", "labels": {"app": "watch"}})
            for i in range(n)]
    ray.get([handle.call.remote("create", ("configmaps", o, "default"), {}) for o in objs])
    done.set()
    t.join(timeout=60)
    elapsed = (last or time.perf_counter()) - start
    per_s = got / elapsed if elapsed > 0 else 0.0
    return {"what": "watch events delivered to one watcher (during pipelined creates)",
            "ops": got, "per_s": per_s, "ratio": per_s / create_rate if create_rate else None}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=2000)
    args = parser.parse_args()
    os.environ.setdefault("RAY_AUTH_MODE", "disabled")
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    rows = bench_store(args.n * 5)
    actor_rows, extra = bench_actor(args.n)
    rows += actor_rows
    for r in rows:
        r.setdefault("p50_ms", None)
        r.setdefault("p99_ms", None)
    report("foundation", rows, {"n": args.n,
                                "note": "ratio: against the baseline of the same group "
                                        "(dict insert for the store, empty actor call for "
                                        "the apiserver rows; creates for the watch row)"})


if __name__ == "__main__":
    main()
