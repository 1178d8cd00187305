"""NodePort end to end on Ray: a real loopback socket per node, round robin over ready pods.

One cluster for the module: 3 emulated nodes (one node actor each), a 4-replica
hello-world Deployment and a NodePort Service; requests to 127.0.1.N:nodePort
are answered by the pods' played apps, whichever node actor hosts them.
"""

import collections
import urllib.error
import urllib.request

import pytest


from . import helpers

APP = "hello-np"


@pytest.fixture(scope="module")
def cluster(ray_cluster):
    with helpers.emulated("nodeport-it", nodes=3) as c:
        yield c


def wait_for(fn, timeout=90.0, interval=0.2):
    return helpers.wait_for(fn, timeout, interval)


def get(url, timeout=10.0):
    try:
        with urllib.request.urlopen(url, timeout=timeout) as resp:
            return resp.status, resp.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()
    except OSError as exc:
        return None, str(exc)


def hostname(body):
    return next((line.split(":", 1)[1] for line in body.splitlines()
                 if line.startswith("hostname:")), None)


@pytest.fixture(scope="module")
def node_port(kube):
    kube.create({
        "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": APP},
        "spec": {"replicas": 4, "selector": {"matchLabels": {"app": APP}},
                 "template": {"metadata": {"labels": {"app": APP}},
                              "spec": {"containers": [{
                                  "name": "app", "image": "hello-world:v1.0",
                                  "ports": [{"containerPort": 8090}],
                                  "readinessProbe": {"httpGet": {"path": "/", "port": 8090},
                                                     "periodSeconds": 1}}]}}}})
    svc = kube.create({
        "apiVersion": "v1", "kind": "Service", "metadata": {"name": APP},
        "spec": {"type": "NodePort", "selector": {"app": APP},
                 "ports": [{"port": 80, "targetPort": 8090}]}})
    port = svc["spec"]["ports"][0]["nodePort"]
    assert 30000 <= port <= 32767

    def ready_endpoints():
        eps = [ep for sl in kube.list("endpointslices",
                                      label_selector=f"kubernetes.io/service-name={APP}")
               for ep in sl.get("endpoints") or []
               if (ep.get("conditions") or {}).get("ready")]
        return eps if len(eps) == 4 else None
    wait_for(ready_endpoints, timeout=120)
    return port


def pods(kube):
    return sorted(p["metadata"]["name"] for p in kube.list("pods", label_selector=f"app={APP}")
                  if p["status"].get("phase") == "Running")


def settled(url, want):
    """Every node's proxy has seen all 4 ready endpoints: 8 requests cover them all."""
    def check():
        seen = set()
        for _ in range(8):
            status, body = get(url)
            if status != 200:
                return None
            seen.add(hostname(body))
        return seen == set(want)
    wait_for(check, timeout=90)


def test_nodeport_answers_hello_world(kube, node_port):
    url = f"http://127.0.1.1:{node_port}/"
    status, body = wait_for(lambda: (lambda r: r if r[0] == 200 else None)(get(url)))
    assert status == 200
    assert body.startswith("Hello world !\n")
    assert hostname(body) in pods(kube)


@pytest.mark.parametrize("address", ["127.0.1.1", "127.0.1.2"])
def test_round_robin_over_four_pods(kube, node_port, address):
    names = pods(kube)
    assert len(names) == 4
    nodes = {n["metadata"]["name"]: [a["address"] for a in n["status"].get("addresses", [])]
             for n in kube.list("nodes")}
    assert any(address in addrs for addrs in nodes.values()), nodes
    url = f"http://{address}:{node_port}/"
    settled(url, names)
    counts = collections.Counter()
    for _ in range(8):
        status, body = get(url)
        assert status == 200, body
        assert body.startswith("Hello world !\n")
        counts[hostname(body)] += 1
    assert counts == {name: 2 for name in names}, counts


def test_pods_span_several_nodes(kube, node_port):
    # Requests cross node actors: the pods are not all on one node.
    nodes = {p["spec"].get("nodeName") for p in kube.list("pods", label_selector=f"app={APP}")}
    assert len(nodes) >= 2, nodes


def test_no_ready_endpoint_is_503_and_listener_closes_with_service(kube, node_port):
    kube.create({
        "apiVersion": "v1", "kind": "Service", "metadata": {"name": "empty-np"},
        "spec": {"type": "NodePort", "selector": {"app": "nobody"},
                 "ports": [{"port": 80, "targetPort": 8090}]}})
    port = kube.get("services", "empty-np")["spec"]["ports"][0]["nodePort"]
    url = f"http://127.0.1.1:{port}/"
    assert wait_for(lambda: get(url)[0] == 503)
    kube.delete("services", "empty-np")
    assert wait_for(lambda: get(url, timeout=2)[0] is None)


def test_client_ip_affinity_returns_one_hostname(kube, node_port):
    kube.create({
        "apiVersion": "v1", "kind": "Service", "metadata": {"name": "sticky-np"},
        "spec": {"type": "NodePort", "selector": {"app": APP}, "sessionAffinity": "ClientIP",
                 "ports": [{"port": 80, "targetPort": 8090}]}})
    port = kube.get("services", "sticky-np")["spec"]["ports"][0]["nodePort"]
    url = f"http://127.0.1.1:{port}/"
    wait_for(lambda: get(url)[0] == 200)
    names = {hostname(get(url)[1]) for _ in range(8)}
    assert len(names) == 1 and names <= set(pods(kube)), names
    kube.delete("services", "sticky-np")


def test_load_balancer_address_serves_the_service_port(kube, node_port):
    """A LoadBalancer Service answers at its status.loadBalancer address (the emulated
    cloud's loopback pool) on the Service's own port, round robin over the pods; the
    listener goes with the Service."""
    kube.create({
        "apiVersion": "v1", "kind": "Service", "metadata": {"name": "lb"},
        "spec": {"type": "LoadBalancer", "selector": {"app": APP},
                 "ports": [{"port": 8080, "targetPort": 8090}]}})

    def address():
        ingress = (kube.get("services", "lb").get("status") or {}) \
            .get("loadBalancer", {}).get("ingress") or []
        return ingress[0]["ip"] if ingress else None
    ip = wait_for(address)
    assert ip.startswith("127.0.100."), ip
    url = f"http://{ip}:8080/"
    names = pods(kube)
    settled(url, names)
    counts = collections.Counter(hostname(get(url)[1]) for _ in range(8))
    assert counts == {name: 2 for name in names}, counts
    kube.delete("services", "lb")
    assert wait_for(lambda: get(url, timeout=2)[0] is None)
