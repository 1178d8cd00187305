"""NodePort benchmark: requests through kube-proxy to a 4-pod hello-world Deployment.

    python -m benchmarks.nodeport [--requests 1000] [--concurrency 8]

A 3-node cluster on a local Ray (127.0.0.1; shut down at the end) runs a
4-replica hello-world Deployment behind a NodePort Service.  An aiohttp client
in the driver measures latency p50/p99 (one request at a time) and requests/s
(``--concurrency`` in flight) through node-1's listener (127.0.1.1:nodePort),
and the same client against a bare aiohttp hello-world server on loopback in
the same run: the ratio is the figure.  It also counts how the requests were
spread over the pods (round robin: equal shares).

Prints a table and writes benchmarks/results/nodeport.json.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import os
import time

from benchmarks._common import percentile, report

DEPLOYMENT = """
apiVersion: apps/v1
kind: Deployment
metadata: {name: helloworld, labels: {app: helloworld}}
spec:
  replicas: 4
  selector: {matchLabels: {app: helloworld}}
  template:
    metadata: {labels: {app: helloworld}}
    spec:
      containers:
      - name: hello-world
        image: hello-world:v1.0
        ports: [{containerPort: 8090}]
        readinessProbe: {httpGet: {path: /, port: 8090}, periodSeconds: 2}
---
apiVersion: v1
kind: Service
metadata: {name: helloworld}
spec:
  type: NodePort
  selector: {app: helloworld}
  ports: [{port: 8090, targetPort: 8090}]
"""


async def bare_server():
    from aiohttp import web

    async def hello(request):
        return web.Response(text="Hello world !\nhostname:bare\n")
    app = web.Application()
    app.router.add_get("/", hello)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    return runner, f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}/"


async def measure(url: str, n: int, concurrency: int) -> tuple[dict, collections.Counter]:
    import aiohttp
    hosts: collections.Counter = collections.Counter()
    latencies = []
    async with aiohttp.ClientSession() as session:
        async def one():
            async with session.get(url) as resp:
                body = await resp.text()
                assert resp.status == 200, (resp.status, body)
                hosts[body.splitlines()[1]] += 1
        for _ in range(min(n, 300)):
            t0 = time.perf_counter()
            await one()
            latencies.append(time.perf_counter() - t0)
        left = iter(range(n))

        async def worker():
            for _ in left:
                await one()
        t0 = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        rps = n / (time.perf_counter() - t0)
    return ({"p50_ms": percentile(latencies, 50) * 1e3,
             "p99_ms": percentile(latencies, 99) * 1e3, "req_per_s": rps}, hosts)


async def run(node_url: str, n: int, concurrency: int) -> tuple[list[dict], dict]:
    runner, bare_url = await bare_server()
    try:
        base, _ = await measure(bare_url, n, concurrency)
        through, hosts = await measure(node_url, n, concurrency)
    finally:
        await runner.cleanup()
    rows = [{"what": "baseline: bare aiohttp hello-world server", **base,
             "ratio_p50": 1.0, "ratio_rps": 1.0},
            {"what": "NodePort 127.0.1.1 -> kube-proxy -> 4 hello-world pods", **through,
             "ratio_p50": through["p50_ms"] / base["p50_ms"],
             "ratio_rps": through["req_per_s"] / base["req_per_s"]}]
    return rows, dict(hosts)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args()
    os.environ.setdefault("RAY_AUTH_MODE", "disabled")
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    import urllib.request

    import rayk8s
    with rayk8s.Cluster(name="bench-nodeport", nodes=3, metrics=False, http_port=None) as cluster:
        kube = cluster.client
        kube.apply(DEPLOYMENT)
        port = kube.get("services", "helloworld")["spec"]["ports"][0]["nodePort"]
        url = f"http://127.0.1.1:{port}/"
        deadline = time.monotonic() + 120
        seen: set[str] = set()
        while len(seen) < 4:   # every pod ready and programmed into kube-proxy
            if time.monotonic() > deadline:
                raise SystemExit(f"only {seen} answered")
            try:
                with urllib.request.urlopen(url, timeout=5) as resp:
                    seen.add(resp.read().decode().splitlines()[1])
            except OSError:
                time.sleep(0.2)
        rows, hosts = asyncio.run(run(url, args.requests, args.concurrency))
    report("nodeport", rows, {"requests": args.requests, "concurrency": args.concurrency,
                              "spread_over_pods": hosts})
    print(f"spread over the pods: {sorted(hosts.values())}")


if __name__ == "__main__":
    main()
