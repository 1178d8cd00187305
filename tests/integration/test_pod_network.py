"""Inside a pod on Ray: the cluster DNS and curl/wget through the emulated network.

One cluster for the module: 3 emulated nodes (one node actor each), so a
request from a pod usually crosses node actors to reach the pod that answers.
Everything goes through ``kube.exec`` (the Python API's exec, played by the
pod's kubelet) and ``kube.resolve``; nothing dials a pod IP or ClusterIP.
"""

import collections

import pytest

from rayk8s.api.errors import ApiError, ExecError

from . import helpers

CLIENT = "netclient"


@pytest.fixture(scope="module")
def cluster(ray_cluster):
    with helpers.emulated("podnet-it", nodes=3) as c:
        yield c


def _deployment(name, image, port, replicas):
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name},
            "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": name}},
                     "template": {"metadata": {"labels": {"app": name}},
                                  "spec": {"containers": [{
                                      "name": "app", "image": image,
                                      "ports": [{"containerPort": port}]}]}}}}


def _service(name, selector, port, target, **spec):
    return {"apiVersion": "v1", "kind": "Service", "metadata": {"name": name},
            "spec": {"selector": {"app": selector}, **spec,
                     "ports": [{"name": "http", "port": port, "targetPort": target}]}}


def _ready_pods(kube, app, count):
    def ready():
        pods = [p for p in kube.list("pods", label_selector=f"app={app}")
                if not p["metadata"].get("deletionTimestamp") and
                any(c["type"] == "Ready" and c["status"] == "True"
                    for c in (p.get("status") or {}).get("conditions") or [])]
        return pods if len(pods) == count else None
    return helpers.wait_for(ready, timeout=120)


def _endpoints(kube, service, count):
    def listed():
        addresses = [a for sl in kube.list("endpointslices",
                                           label_selector=f"kubernetes.io/service-name={service}")
                     for ep in sl.get("endpoints") or []
                     if (ep.get("conditions") or {}).get("ready") is not False
                     for a in ep.get("addresses") or []]
        return sorted(addresses) if len(addresses) == count else None
    return helpers.wait_for(listed, timeout=120)


@pytest.fixture(scope="module")
def world(kube):
    """hello (4 pods) behind ClusterIP Service ``web``; a headless ``db`` Service over a
    2-pod StatefulSet of nginx; a client pod; a pod of nginx + a busybox sidecar."""
    kube.create(_deployment("hello", "hello-world:v1.0", 8090, 4))
    kube.create(_service("web", "hello", 80, 8090))
    kube.create(_service("db", "db", 80, 80, clusterIP="None"))
    kube.create({"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": {"name": "db"},
                 "spec": {"serviceName": "db", "replicas": 2,
                          "selector": {"matchLabels": {"app": "db"}},
                          "template": {"metadata": {"labels": {"app": "db"}},
                                       "spec": {"containers": [{"name": "nginx",
                                                                "image": "nginx"}]}}}})
    kube.create({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "empty"},
                 "spec": {"selector": {"app": "nobody"}, "ports": [{"port": 80}]}})
    kube.create({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "search"},
                 "spec": {"type": "ExternalName", "externalName": "www.example.com"}})
    kube.create({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": CLIENT},
                 "spec": {"containers": [{"name": "c", "image": "busybox",
                                          "command": ["sleep", "3600"]}]}})
    kube.create({"apiVersion": "v1", "kind": "Pod",
                 "metadata": {"name": "duo", "labels": {"app": "duo"}},
                 "spec": {"containers": [
                     {"name": "web", "image": "nginx", "ports": [{"containerPort": 80}]},
                     {"name": "side", "image": "busybox", "command": ["sleep", "3600"]}]}})
    hello = _ready_pods(kube, "hello", 4)
    db = _ready_pods(kube, "db", 2)
    _endpoints(kube, "web", 4)
    _endpoints(kube, "db", 2)
    helpers.wait_for(lambda: all(
        kube.get("pods", n)["status"].get("phase") == "Running" for n in (CLIENT, "duo")),
        timeout=120)
    return {"hello": hello, "db": db, "web_ip": kube.get("services", "web")["spec"]["clusterIP"]}


def _hostname(body):
    return next((line.split(":", 1)[1] for line in body.splitlines()
                 if line.startswith("hostname:")), None)


def test_curl_to_a_service_by_dns_name_answers_from_its_pods(kube, world):
    names = {p["metadata"]["name"] for p in world["hello"]}
    seen = collections.Counter()
    for url in ("http://web", "http://web.default", "http://web.default.svc.cluster.local/",
                "http://web:80/x") * 2:
        body = kube.exec(CLIENT, ["curl", "-s", url])
        assert body.startswith("Hello world !"), body
        seen[_hostname(body)] += 1
    assert set(seen) == names          # round robin: 8 requests over 4 ready pods
    assert all(n == 2 for n in seen.values()), seen


def test_curl_and_wget_to_the_cluster_ip_and_a_pod_ip(kube, world):
    body = kube.exec(CLIENT, f"wget -qO- http://{world['web_ip']}/")
    assert _hostname(body) in {p["metadata"]["name"] for p in world["hello"]}
    pod = world["hello"][0]
    body = kube.exec(CLIENT, ["curl", "-s", f"http://{pod['status']['podIP']}:8090/"])
    assert _hostname(body) == pod["metadata"]["name"]
    # Through a pipe in a shell, as users write it.
    out = kube.exec(CLIENT, ["sh", "-c", "curl -s http://web | grep -c hostname"])
    assert out.strip() == "1"
    # A string is a shell command line.
    assert kube.exec(CLIENT, "curl -s http://web | grep -c hostname && echo $HOSTNAME") == \
        f"1\n{CLIENT}\n"


def test_connection_failures_are_curl_and_wget_errors(kube, world):
    with pytest.raises(ExecError) as err:           # a Service without ready endpoints
        kube.exec(CLIENT, "curl -sS http://empty/")
    assert err.value.exit_code == 7 and "Failed to connect" in err.value.stderr
    with pytest.raises(ExecError) as err:
        kube.exec(CLIENT, "curl -sS http://nosuchservice/")
    assert err.value.exit_code == 6 and "Could not resolve host" in err.value.stderr
    with pytest.raises(ExecError) as err:
        kube.exec(CLIENT, "wget -qO- http://nosuchservice/")
    assert err.value.exit_code == 1 and "bad address" in err.value.stderr
    with pytest.raises(ExecError) as err:           # no such program in the image
        kube.exec(CLIENT, "frobnicate --now")
    assert err.value.exit_code == 127


def test_localhost_reaches_a_sibling_container(kube, world):
    body = kube.exec("duo", ["wget", "-qO-", "http://localhost:80/"], container="side")
    assert "Welcome to nginx!" in body
    with pytest.raises(ExecError) as err:          # nothing listens on that port
        kube.exec("duo", ["wget", "-qO-", "http://127.0.0.1:9999/"], container="side")
    assert "Connection refused" in err.value.stderr


def test_dns_names_for_a_service_a_headless_service_and_statefulset_pods(kube, world):
    out = kube.exec(CLIENT, "nslookup web")
    assert "web.default.svc.cluster.local" in out and world["web_ip"] in out
    db_ips = sorted(p["status"]["podIP"] for p in world["db"])
    out = kube.exec(CLIENT, "nslookup db.default.svc.cluster.local")
    assert all(ip in out for ip in db_ips), out
    out = kube.exec(CLIENT, "getent hosts db-0.db")
    db0 = next(p for p in world["db"] if p["metadata"]["name"] == "db-0")
    assert out.split() == [db0["status"]["podIP"], "db-0.db.default.svc.cluster.local"]
    out = kube.exec(CLIENT, ["sh", "-c", "curl -s http://db-1.db/ | grep -c nginx"])
    assert int(out) >= 1
    with pytest.raises(ExecError) as err:
        kube.exec(CLIENT, "nslookup nothere")
    assert "NXDOMAIN" in err.value.stdout + err.value.stderr
    # The same answers through the Python API.
    assert kube.resolve("web") == [world["web_ip"]]
    assert kube.resolve("web.default.svc.cluster.local") == [world["web_ip"]]
    assert sorted(kube.resolve("db")) == db_ips
    assert kube.resolve("db-0.db.default.svc.cluster.local") == [db0["status"]["podIP"]]
    assert kube.resolve("kubernetes.default") == \
        [kube.get("services", "kubernetes")["spec"]["clusterIP"]]
    assert kube.lookup("search").cname == "www.example.com"
    with pytest.raises(LookupError):
        kube.resolve("nothere")


def test_exec_errors_are_kubernetes_statuses(kube, world):
    with pytest.raises(ApiError) as err:
        kube.exec("no-such-pod", "true")
    assert err.value.code == 404
    with pytest.raises(ApiError) as err:
        kube.exec("duo", "true")                      # two containers, none named
    assert err.value.code == 400 and "container name must be specified" in err.value.message
    assert kube.exec("duo", ["printenv", "HOSTNAME"], container="side").strip() == "duo"


def test_a_pod_reaches_a_load_balancer_address_and_a_node_port(kube, world):
    kube.create({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web-lb"},
                 "spec": {"type": "LoadBalancer", "selector": {"app": "hello"},
                          "ports": [{"port": 8088, "targetPort": 8090}]}})

    def address():
        svc = kube.get("services", "web-lb")
        ingress = (svc.get("status") or {}).get("loadBalancer", {}).get("ingress") or []
        return (ingress[0]["ip"], svc["spec"]["ports"][0]["nodePort"]) if ingress else None
    ip, node_port = helpers.wait_for(address)
    names = {p["metadata"]["name"] for p in world["hello"]}

    def fetch(url):      # until the Service's EndpointSlice has reached the proxies
        try:
            return kube.exec(CLIENT, ["wget", "-qO-", url])
        except ExecError:
            return None
    for url in (f"http://{ip}:8088/", f"http://127.0.1.1:{node_port}/"):
        assert _hostname(helpers.wait_for(lambda: fetch(url), timeout=60)) in names
    kube.delete("services", "web-lb")
