"""The ingress controller end to end on Ray: one real loopback listener, Ingress rules to pods.

One cluster for the module: 2 emulated nodes, three Deployments behind ClusterIP
Services (hello-world on 8090, nginx on 80, echoserver on 8080) and an Ingress
routing by host and path, with a default backend.  Requests go to
``cluster.ingress_url`` with a chosen Host header; the played apps' answers say
which Service took them.
"""

import urllib.error
import urllib.parse
import urllib.request

import pytest


from . import helpers

HELLO = "Hello world !\n"
NGINX = "Welcome to nginx!"
NGINX_404 = "<center><h1>404 Not Found</h1></center>"     # nginx's own 404 page
DEFAULT_404 = "default backend - 404"                       # the controller's


@pytest.fixture(scope="module")
def cluster(ray_cluster):
    with helpers.emulated("ingress-it", nodes=2) as c:
        yield c


def wait_for(fn, timeout=120.0, interval=0.2):
    return helpers.wait_for(fn, timeout, interval)


def get(base, path="/", host=None, timeout=10.0):
    """(status, body) of GET base+path with the Host header ``host``; (None, error) if no answer."""
    req = urllib.request.Request(base + path, headers={"Host": host} if host else {})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return resp.status, resp.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()
    except OSError as exc:
        return None, str(exc)


def until(base, path, host, check, timeout=120.0):
    """Wait until the answer satisfies ``check(status, body)``; return it."""
    return wait_for(lambda: (lambda r: r if check(*r) else None)(get(base, path, host)),
                    timeout)


def deployment(name, image, port, replicas=1, probe_path="/"):
    container = {"name": "app", "image": image, "ports": [{"containerPort": port}],
                 "readinessProbe": {"httpGet": {"path": probe_path, "port": port},
                                    "periodSeconds": 1}}
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name},
            "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": name}},
                     "template": {"metadata": {"labels": {"app": name}},
                                  "spec": {"containers": [container]}}}}


def service(name, port, target, port_name=None, selector=None):
    p = {"port": port, "targetPort": target}
    if port_name:
        p["name"] = port_name
    return {"apiVersion": "v1", "kind": "Service", "metadata": {"name": name},
            "spec": {"selector": selector or {"app": name}, "ports": [p]}}


def backend(name, port):
    return {"service": {"name": name,
                        "port": {"number": port} if isinstance(port, int) else {"name": port}}}


def rule(host, *paths):
    out = {"http": {"paths": [{"path": p, "pathType": t, "backend": backend(s, port)}
                              for p, t, s, port in paths]}}
    if host:
        out["host"] = host
    return out


def ingress(name, rules, default=None):
    spec = {"rules": rules}
    if default:
        spec["defaultBackend"] = default
    return {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress",
            "metadata": {"name": name}, "spec": spec}


@pytest.fixture(scope="module")
def apps(kube):
    for obj in (deployment("hello", "hello-world:v1.0", 8090, replicas=2),
                deployment("nginx", "nginx", 80),
                deployment("echo", "registry.k8s.io/echoserver:1.10", 8080),
                service("hello", 80, 8090, "web"), service("nginx", 80, 80, "http"),
                service("echo", 8080, 8080)):
        kube.create(obj)

    def ready(name, want):
        eps = [ep for sl in kube.list("endpointslices",
                                      label_selector=f"kubernetes.io/service-name={name}")
               for ep in sl.get("endpoints") or []
               if (ep.get("conditions") or {}).get("ready")]
        return len(eps) >= want
    for name, want in (("hello", 2), ("nginx", 1), ("echo", 1)):
        wait_for(lambda: ready(name, want), timeout=180)


@pytest.fixture(scope="module")
def base(cluster, kube, apps):
    """The controller's URL, once the Ingress ``web`` is served."""
    url = cluster.ingress_url
    assert url and url.startswith("http://127.0.0.1:"), url
    kube.create(ingress("web", [
        rule("hello.test", ("/", "Prefix", "hello", 80), ("/nginx", "Prefix", "nginx", "http"),
             ("/index.html", "Exact", "nginx", 80)),
        rule("*.apps.test", ("/", "Prefix", "echo", 8080)),
    ], default=backend("nginx", "http")))
    until(url, "/", "hello.test", lambda s, b: s == 200 and b.startswith(HELLO))
    return url


def test_paths_reach_their_services(base):
    for path in ("/", "/some/page", "/nginxx", "/index.htm"):
        status, body = get(base, path, "hello.test")
        assert status == 200 and body.startswith(HELLO), (path, status, body)
        assert "hostname:hello-" in body
    # /nginx goes to nginx unchanged (no rewrite): nginx itself answers 404 for it
    for path in ("/nginx", "/nginx/", "/nginx/index.html"):
        status, body = get(base, path, "hello.test")
        assert status == 404 and NGINX_404 in body and DEFAULT_404 not in body, (path, body)


def test_the_host_header_port_is_ignored(base):
    status, body = get(base, "/", "hello.test:8080")
    assert status == 200 and body.startswith(HELLO)


def test_exact_beats_prefix(base):
    status, body = get(base, "/index.html", "hello.test")
    assert status == 200 and NGINX in body
    status, body = get(base, "/index.html/", "hello.test")   # not Exact: falls to "/"
    assert status == 200 and body.startswith(HELLO)


def test_wildcard_host_and_forwarded_headers(base):
    status, body = until(base, "/a/b?q=1", "x.apps.test", lambda s, b: s == 200)
    assert "Hostname: echo-" in body, body
    assert "real path=/a/b" in body and "query=q=1" in body
    assert "\thost=x.apps.test\n" in body                       # the Host header is kept
    assert "x-forwarded-for=127.0.0.1" in body
    assert "x-forwarded-host=x.apps.test" in body
    assert "x-forwarded-proto=http" in body


def test_unmatched_host_gets_the_default_backend(base):
    for host in ("other.test", "a.b.apps.test", "apps.test", None):
        status, body = get(base, "/", host)
        assert status == 200 and NGINX in body, (host, status, body)


def test_status_names_the_listener(kube, base):
    port = int(urllib.parse.urlsplit(base).port)

    def lb():
        ing = (kube.get("ingresses", "web").get("status") or {}).get("loadBalancer") or {}
        return (ing.get("ingress") or [None])[0]
    entry = wait_for(lb)
    assert entry["ip"] == "127.0.0.1"
    assert entry["ports"] == [{"port": port, "protocol": "TCP"}]


def test_service_without_ready_endpoints_is_503(kube, base):
    kube.create(service("idle", 80, 8090, selector={"app": "nobody"}))
    kube.create(ingress("idle", [rule("idle.test", ("/", "Prefix", "idle", 80)),
                                 rule("ghost.test", ("/", "Prefix", "ghost", 80)),
                                 rule("badport.test", ("/", "Prefix", "hello", 81))]))
    try:
        status, body = until(base, "/", "idle.test", lambda s, b: s == 503)
        assert "no ready endpoints" in body
        assert get(base, "/", "ghost.test")[0] == 503           # no such Service
        assert get(base, "/", "badport.test")[0] == 503         # no such Service port
    finally:
        kube.delete("ingresses", "idle")
        kube.delete("services", "idle")
    until(base, "/", "idle.test", lambda s, b: s == 200 and NGINX in b)   # the default again


def test_deleting_the_ingress_makes_it_404(kube, base):
    kube.create(ingress("solo", [rule("solo.test", ("/", "Prefix", "hello", "web"))]))
    try:
        until(base, "/", "solo.test", lambda s, b: s == 200 and b.startswith(HELLO))
        kube.delete("ingresses", "web")
        status, body = until(base, "/", "hello.test", lambda s, b: s == 404)
        assert body.strip() == DEFAULT_404
        assert get(base, "/", "other.test") == (404, DEFAULT_404)     # no default backend
        assert get(base, "/", "x.apps.test")[0] == 404
        status, body = get(base, "/", "solo.test")                    # the other one stays
        assert status == 200 and body.startswith(HELLO)
    finally:
        kube.delete("ingresses", "solo")
    until(base, "/", "solo.test", lambda s, b: s == 404)
