"""HTTP front end benchmark: GET, LIST (100 and 1,000 pods), CREATE -- in one run.

    python -m benchmarks.http [--requests 500] [--concurrency 8]

A control plane on a local Ray (127.0.0.1; shut down at the end) serves the
REST API; an aiohttp client in the driver measures, for each request kind,
latency p50/p99 one request at a time, and requests/s with ``--concurrency``
requests in flight.  The baseline of the same run is a bare aiohttp server
on loopback answering a small JSON object (the floor for any HTTP request
here); ratios are against it.

Prints a table and writes benchmarks/results/http.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import time

from benchmarks._common import percentile, report


def pod(name: str) -> dict:
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "labels": {"app": "bench"}},
            "spec": {"containers": [{"name": "app", "image": "hello-world:v1.0",
                                     "ports": [{"containerPort": 8090}]}]}}


async def measure(session, make_request, n: int, concurrency: int) -> dict:
    """Latency (sequential) and throughput (concurrent) of one kind of request."""
    latencies = []
    for i in range(min(n, 200)):
        t0 = time.perf_counter()
        await make_request(session, i)
        latencies.append(time.perf_counter() - t0)
    counter = iter(range(10_000, 10_000 + n))

    async def worker():
        for i in counter:
            await make_request(session, i)
    t0 = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    elapsed = time.perf_counter() - t0
    return {"p50_ms": percentile(latencies, 50) * 1e3, "p99_ms": percentile(latencies, 99) * 1e3,
            "req_per_s": n / elapsed}


async def baseline_server():
    from aiohttp import web
    body = json.dumps({"kind": "Status", "apiVersion": "v1", "status": "Success"}).encode()

    async def handler(request):
        return web.Response(body=body, content_type="application/json")
    app = web.Application()
    app.router.add_get("/", handler)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]
    return runner, f"http://127.0.0.1:{port}/"


async def run_http(url: str, n: int, concurrency: int) -> list[dict]:
    import aiohttp

    async def get_ok(session, u):
        async with session.get(u) as resp:
            await resp.read()
            assert resp.status == 200, resp.status

    rows = []
    runner, base_url = await baseline_server()
    try:
        async with aiohttp.ClientSession() as session:
            base = await measure(session, lambda s, i: get_ok(s, base_url), n, concurrency)
            rows.append({"what": "baseline: bare aiohttp server, small JSON", **base})
            cases = [
                ("GET one pod", lambda s, i: get_ok(s, f"{url}/api/v1/namespaces/list100/pods/p-{i % 100}"), n),
                ("LIST 100 pods", lambda s, i: get_ok(s, f"{url}/api/v1/namespaces/list100/pods"), n // 5),
                ("LIST 1,000 pods", lambda s, i: get_ok(s, f"{url}/api/v1/namespaces/list1000/pods"), n // 25),
                ("LIST 100 pods as Table (kubectl get)",
                 lambda s, i: _get_table(s, f"{url}/api/v1/namespaces/list100/pods?limit=500"), n // 5),
            ]
            for what, fn, count in cases:
                rows.append({"what": what, **await measure(session, fn, count, concurrency)})

            async def create(s, i):
                async with s.post(f"{url}/api/v1/namespaces/default/configmaps",
                                  json={"apiVersion": "v1", "kind": "ConfigMap",
                                        "metadata": {"name": f"cm-{i}"}, "data": {"k": "v"}}) as r:
                    await r.read()
                    assert r.status == 201, r.status
            rows.append({"what": "CREATE a configmap", **await measure(session, create, n,
                                                                      concurrency)})
    finally:
        await runner.cleanup()
    for r in rows:
        r["ratio_p50"] = r["p50_ms"] / rows[0]["p50_ms"]
        r["ratio_rps"] = r["req_per_s"] / rows[0]["req_per_s"]
    return rows


async def _get_table(session, u):
    headers = {"Accept": "application/json;as=Table;v=v1;g=meta.k8s.io,application/json"}
    async with session.get(u, headers=headers) as resp:
        body = await resp.read()
        assert resp.status == 200 and b'"Table"' in body[:200], resp.status


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args()
    os.environ.setdefault("RAY_AUTH_MODE", "disabled")
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    import ray

    import rayk8s
    with rayk8s.Cluster(name="bench-http", metrics=False, scheduler=False,
                        controllers=False) as cluster:
        kube = cluster.client
        handle = cluster.apiserver
        for ns, count in (("list100", 100), ("list1000", 1000)):
            kube.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}})
            ray.get([handle.call.remote("create", ("pods", pod(f"p-{i}"), ns), {})
                     for i in range(count)])
        rows = asyncio.run(run_http(cluster.url, args.requests, args.concurrency))
    report("http", rows, {"requests": args.requests, "concurrency": args.concurrency,
                          "note": "p50/p99: one request at a time; req_per_s: with "
                                  "`concurrency` in flight; ratios against the bare aiohttp "
                                  "server of the same run"})


if __name__ == "__main__":
    main()
