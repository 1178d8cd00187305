"""NodePort benchmark: requests through kube-proxy to a 4-pod hello-world Deployment.

    python -m benchmarks.nodeport [--requests 1000] [--concurrency 8]

A 3-node cluster on a local Ray (127.0.0.1; shut down at the end) runs a
4-replica hello-world Deployment behind a NodePort Service.  An aiohttp client
in the driver measures latency p50/p99 (one request at a time) and requests/s
(``--concurrency`` in flight) through node-1's listener (127.0.1.1:nodePort),
and the same client against a bare aiohttp hello-world server on loopback in
the same run: the ratio is the figure.  The same client also goes through the
ingress controller (an Ingress routing ``/`` to the Service; ``cluster.ingress_url``).
It counts how the requests were spread over the pods (round robin: equal shares).

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
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: helloworld}
spec:
  rules:
  - http:
      paths:
      - {path: /, pathType: Prefix, backend: {service: {name: helloworld, port: {number: 8090}}}}
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


async def run(targets: list[tuple[str, str]], n: int,
              concurrency: int) -> tuple[list[dict], dict]:
    runner, bare_url = await bare_server()
    try:
        base, _ = await measure(bare_url, n, concurrency)
        rows = [{"what": "baseline: bare aiohttp hello-world server", **base,
                 "ratio_p50": 1.0, "ratio_rps": 1.0}]
        spread = {}
        for what, url in targets:
            through, hosts = await measure(url, n, concurrency)
            rows.append({"what": what, **through,
                         "ratio_p50": through["p50_ms"] / base["p50_ms"],
                         "ratio_rps": through["req_per_s"] / base["req_per_s"]})
            spread[what] = dict(hosts)
    finally:
        await runner.cleanup()
    return rows, spread


def wait_for_all_pods(url: str, timeout: float = 120.0) -> None:
    """Until each of the 4 pods has answered at ``url`` (ready and programmed)."""
    import urllib.request
    deadline = time.monotonic() + timeout
    seen: set[str] = set()
    while len(seen) < 4:
        if time.monotonic() > deadline:
            raise SystemExit(f"only {seen} answered at {url}")
        try:
            with urllib.request.urlopen(url, timeout=5) as resp:
                seen.add(resp.read().decode().splitlines()[1])
        except OSError:
            time.sleep(0.2)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args()
    os.environ.setdefault("RAY_AUTH_MODE", "disabled")
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    import rayk8s
    with rayk8s.Cluster(name="bench-nodeport", nodes=3, metrics=False, http_port=None) as cluster:
        kube = cluster.client
        kube.apply(DEPLOYMENT)
        port = kube.get("services", "helloworld")["spec"]["ports"][0]["nodePort"]
        targets = [("NodePort 127.0.1.1 -> kube-proxy -> 4 hello-world pods",
                    f"http://127.0.1.1:{port}/"),
                   ("Ingress controller -> 4 hello-world pods", f"{cluster.ingress_url}/")]
        for _, url in targets:
            wait_for_all_pods(url)
        rows, spread = asyncio.run(run(targets, args.requests, args.concurrency))
        # Requests to pods on node-1 stay in its actor; the others cross to another node
        # actor over Ray: how many are local sets much of the NodePort latency.
        placement = collections.Counter(p["spec"].get("nodeName")
                                        for p in kube.list("pods", label_selector="app=helloworld"))
    report("nodeport", rows, {"requests": args.requests, "concurrency": args.concurrency,
                              "spread_over_pods": spread, "pods_per_node": dict(placement)})
    print(f"pods per node: {dict(sorted(placement.items()))} (node-1 serves the NodePort "
          "listener used)")
    for what, hosts in spread.items():
        print(f"spread over the pods ({what}): {sorted(hosts.values())}")


if __name__ == "__main__":
    main()
