"""The ingress routing table (rayk8s.node.ingress): hosts, path types, merging, classes."""

import pytest

from rayk8s.node.ingress import IngressTable, Route, ingress_class_of, request_host


def backend(service, port=80):
    key = "number" if isinstance(port, int) else "name"
    return {"service": {"name": service, "port": {key: port}}}


def path(p, service, ptype="Prefix", port=80):
    out = {"pathType": ptype, "backend": backend(service, port)}
    if p is not None:
        out["path"] = p
    return out


def ingress(name, rules=(), default=None, namespace="default", created="2024-01-01T00:00:00Z",
            cls=None, annotations=None):
    spec = {"rules": [{**({"host": host} if host else {}), "http": {"paths": list(paths)}}
                      for host, paths in rules]}
    if default is not None:
        spec["defaultBackend"] = default
    if cls is not None:
        spec["ingressClassName"] = cls
    meta = {"name": name, "namespace": namespace, "creationTimestamp": created}
    if annotations:
        meta["annotations"] = annotations
    return {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "metadata": meta,
            "spec": spec}


def table(*ings, ingress_class=None):
    t = IngressTable(ingress_class)
    for ing in ings:
        t.set_ingress(ing)
    return t


def svc(t, host, p):
    r = t.route(host, p)
    return None if r is None else r.service


# -- path types -------------------------------------------------------------------------

@pytest.mark.parametrize("rule,request_path,matches", [
    ("/", "/", True), ("/", "/anything/at/all", True),
    ("/foo", "/foo", True), ("/foo", "/foo/", True), ("/foo", "/foo/bar", True),
    ("/foo", "/foobar", False), ("/foo", "/fo", False), ("/foo", "/", False),
    ("/foo/", "/foo", True), ("/foo/", "/foo/", True), ("/foo/", "/foo/bar", True),
    ("/aaa/bb", "/aaa/bbb", False), ("/aaa/bbb", "/aaa/bbb/ccc", True),
    ("/aaa/bbb", "/aaa/bbbxyz", False), ("/aaa/bbb/", "/aaa/bbb", True),
    ("/foo", "/FOO", False), ("/foo", "/foo?x=/bar", True), ("/foo", "/foobar?q=/foo", False),
])
def test_prefix_is_element_wise(rule, request_path, matches):
    t = table(ingress("i", [("", [path(rule, "a")])]))
    assert (svc(t, "x", request_path) == "a") is matches


@pytest.mark.parametrize("rule,request_path,matches", [
    ("/foo", "/foo", True), ("/foo", "/foo/", False), ("/foo/", "/foo", False),
    ("/foo", "/foo/bar", False), ("/foo", "/FOO", False), ("/foo", "/foo?a=1", True),
    ("/", "/", True), ("/", "/x", False),
])
def test_exact_is_the_whole_path(rule, request_path, matches):
    t = table(ingress("i", [("", [path(rule, "a", "Exact")])]))
    assert (svc(t, "x", request_path) == "a") is matches


def test_implementation_specific_is_prefix_and_empty_path_is_root():
    t = table(ingress("i", [("", [path("/api", "api", "ImplementationSpecific"),
                                  path(None, "root", "ImplementationSpecific")])]))
    assert svc(t, "x", "/api/v1") == "api"
    assert svc(t, "x", "/apiv1") == "root"
    assert svc(t, "x", "/") == "root"


def test_longest_path_wins_and_exact_beats_prefix_at_equal_length():
    t = table(ingress("i", [("", [path("/", "root"), path("/aaa", "aaa"),
                                  path("/aaa/ccc", "ccc-exact", "Exact"),
                                  path("/aaa/ccc", "ccc-prefix")])]))
    assert svc(t, "x", "/aaa/ccc") == "ccc-exact"
    assert svc(t, "x", "/aaa/ccc/") == "ccc-prefix"
    assert svc(t, "x", "/aaa/ccc/d") == "ccc-prefix"
    assert svc(t, "x", "/aaa/c") == "aaa"
    assert svc(t, "x", "/b") == "root"
    # declaration order plays no part
    t = table(ingress("i", [("", [path("/foo", "prefix"), path("/foo", "exact", "Exact"),
                                  path("/foo/", "prefix-slash")])]))
    assert svc(t, "x", "/foo") == "exact"
    assert svc(t, "x", "/foo/") == "prefix"      # /foo and /foo/ are one Prefix: first wins


def test_route_names_service_port_and_origin():
    t = table(ingress("web", [("a.test", [path("/x", "api", port="http")])],
                      namespace="shop", default=backend("fallback", 8080)))
    assert t.route("a.test", "/x/1") == Route("shop", "api", "http", "shop/web", "a.test",
                                              "/x", "Prefix", False)
    assert t.route("a.test", "/x/1").service_key == "shop/api"
    d = t.route("b.test", "/x")
    assert (d.service_key, d.port, d.default, d.ingress) == ("shop/fallback", 8080, True,
                                                             "shop/web")


# -- hosts ------------------------------------------------------------------------------

def test_exact_host_beats_wildcard_beats_no_host():
    t = table(ingress("i", [("foo.bar.com", [path("/", "exact")]),
                            ("*.bar.com", [path("/", "wild")]),
                            ("", [path("/", "any")])]))
    assert svc(t, "foo.bar.com", "/") == "exact"
    assert svc(t, "baz.bar.com", "/") == "wild"
    assert svc(t, "bar.com", "/") == "any"              # the wildcard needs one label
    assert svc(t, "a.baz.bar.com", "/") == "any"        # ... and exactly one
    assert svc(t, "other.test", "/") == "any"
    assert svc(t, "", "/") == "any"


def test_host_header_port_case_and_trailing_dot_are_ignored():
    t = table(ingress("i", [("foo.bar.com", [path("/", "exact")])]))
    for header in ("foo.bar.com:8080", "FOO.Bar.com", "foo.bar.com.", "foo.bar.com.:80"):
        assert svc(t, header, "/") == "exact", header
    assert request_host("[::1]:8080") == "::1"
    assert request_host("127.0.0.1:31000") == "127.0.0.1"
    assert svc(t, "foo.bar.co", "/") is None


def test_a_host_group_does_not_fall_through_to_hostless_rules():
    t = table(ingress("i", [("a.test", [path("/a", "a")]), ("", [path("/", "any")])],
                      default=backend("dflt")))
    assert svc(t, "a.test", "/a") == "a"
    assert svc(t, "a.test", "/b") == "dflt"
    assert svc(t, "b.test", "/b") == "any"


def test_no_match_and_no_default_backend_is_none():
    t = table(ingress("i", [("a.test", [path("/a", "a", "Exact")])]))
    assert t.route("a.test", "/b") is None
    assert t.route("b.test", "/a") is None
    assert IngressTable().route("x", "/") is None


# -- several Ingresses ----------------------------------------------------------------

def test_rules_of_several_ingresses_merge_and_the_oldest_wins_conflicts():
    old = ingress("zz-old", [("a.test", [path("/", "old-root"), path("/x", "old-x")])],
                  created="2024-01-01T00:00:00Z")
    new = ingress("aa-new", [("a.test", [path("/", "new-root"), path("/y", "new-y")]),
                             ("b.test", [path("/", "new-b")])],
                  created="2024-06-01T00:00:00Z")
    for t in (table(old, new), table(new, old)):
        assert svc(t, "a.test", "/") == "old-root"
        assert svc(t, "a.test", "/x") == "old-x"
        assert svc(t, "a.test", "/y/z") == "new-y"
        assert svc(t, "b.test", "/") == "new-b"
    # same creationTimestamp: by name
    a = ingress("a", [("", [path("/", "from-a")])])
    b = ingress("b", [("", [path("/", "from-b")])])
    assert svc(table(b, a), "x", "/") == "from-a"
    # Exact and Prefix on the same path do not conflict
    t = table(ingress("p", [("", [path("/p", "prefix")])]),
              ingress("q", [("", [path("/p", "exact", "Exact")])]))
    assert svc(t, "x", "/p") == "exact" and svc(t, "x", "/p/q") == "prefix"


def test_backends_route_to_the_ingress_namespace():
    t = table(ingress("i", [("a.test", [path("/", "web")])], namespace="blue"),
              ingress("i", [("b.test", [path("/", "web")])], namespace="green"))
    assert t.route("a.test", "/").service_key == "blue/web"
    assert t.route("b.test", "/").service_key == "green/web"


def test_default_backend_of_the_oldest_ingress_that_has_one():
    t = table(ingress("new", [("a.test", [path("/", "a")])], default=backend("new-d"),
                      created="2024-03-01T00:00:00Z"),
              ingress("mid", [("b.test", [path("/", "b")])], created="2024-02-01T00:00:00Z"),
              ingress("old", [("c.test", [path("/", "c")])], default=backend("old-d"),
                      created="2024-01-01T00:00:00Z"))
    assert svc(t, "z.test", "/") == "old-d"
    t.delete_ingress("default/old")
    assert svc(t, "z.test", "/") == "new-d"
    t.delete_ingress(ingress("new"))
    assert svc(t, "z.test", "/") is None
    assert svc(t, "b.test", "/") == "b"


def test_update_and_delete_change_routing():
    t = table(ingress("i", [("", [path("/", "one")])]))
    assert svc(t, "x", "/") == "one"
    t.set_ingress(ingress("i", [("", [path("/", "two")])]))
    assert svc(t, "x", "/") == "two"
    t.delete_ingress("default/i")
    assert svc(t, "x", "/") is None
    t.delete_ingress("default/absent")


def test_resource_backends_are_not_routed():
    res = {"resource": {"apiGroup": "k8s.example.com", "kind": "StorageBucket",
                        "name": "static"}}
    ing = ingress("i", [("", [path("/", "root")])], default=res)
    ing["spec"]["rules"][0]["http"]["paths"].append(
        {"path": "/static", "pathType": "Prefix", "backend": res})
    t = table(ing)
    assert svc(t, "x", "/static/a.png") == "root"
    only = ingress("j", [("j.test", [])], default=res)
    only["spec"]["rules"][0]["http"]["paths"] = [
        {"path": "/", "pathType": "Prefix", "backend": res}]
    assert table(only).route("j.test", "/") is None


# -- classes ----------------------------------------------------------------------------

def test_ingress_class_filter():
    mine = ingress("mine", [("", [path("/mine", "m")])], cls="rayk8s")
    legacy = ingress("legacy", [("", [path("/legacy", "l")])],
                     annotations={"kubernetes.io/ingress.class": "rayk8s"})
    other = ingress("other", [("", [path("/other", "o")])], cls="nginx")
    none = ingress("none", [("", [path("/none", "n")])])
    assert ingress_class_of(legacy) == "rayk8s" and ingress_class_of(none) is None
    t = IngressTable("rayk8s")
    assert [t.set_ingress(i) for i in (mine, legacy, other, none)] == [True, True, False,
                                                                        False]
    assert sorted(t.ingresses) == ["default/legacy", "default/mine"]
    assert svc(t, "x", "/mine") == "m" and svc(t, "x", "/legacy") == "l"
    assert svc(t, "x", "/other") is None and svc(t, "x", "/none") is None
    # an Ingress that changes class away stops being served
    t.set_ingress(ingress("mine", [("", [path("/mine", "m")])], cls="nginx"))
    assert svc(t, "x", "/mine") is None
    everything = table(mine, legacy, other, none)
    assert len(everything.ingresses) == 4 and svc(everything, "x", "/other") == "o"


def test_describe_lists_the_table():
    t = table(ingress("i", [("a.test", [path("/x", "x", "Exact")]),
                            ("*.b.test", [path("/", "w")])], default=backend("d")))
    d = t.describe()
    assert d["hosts"] == {"a.test": ["=/x -> default/x:80"]}
    assert d["wildcards"] == {"*.b.test": ["~/ -> default/w:80"]}
    assert d["default"] == "default/d:80" and d["ingresses"] == ["default/i"]


# -- the controller's shell, without Ray (in-process apiserver, a real loopback port) --------

def _serve(kube, scenario, **options):
    """Run ``scenario(shell, fetch)`` against a started IngressShell over ``kube``."""
    import asyncio

    import aiohttp

    from rayk8s.actors.ingress import IngressShell
    from rayk8s.clock import RealClock

    async def main():
        shell = IngressShell(kube.transport, RealClock(), watch_timeout=2.0, **options)
        info = await shell.start()
        assert info["url"] == f"http://127.0.0.1:{info['port']}" and info["port"] > 0
        try:
            async with aiohttp.ClientSession() as session:
                async def fetch(host, p="/", wait=lambda status: True):
                    for _ in range(200):
                        async with session.get(info["url"] + p,
                                               headers={"Host": host}) as resp:
                            got = resp.status, await resp.text()
                        if wait(got[0]):
                            return got
                        await asyncio.sleep(0.02)
                    raise AssertionError(f"last answer {got}")
                return await scenario(shell, fetch)
        finally:
            await shell.stop()
    return asyncio.run(main())


def _service_and_slice(kube, name="web"):
    kube.create({"apiVersion": "v1", "kind": "Service", "metadata": {"name": name},
                 "spec": {"selector": {"app": name},
                          "ports": [{"name": "http", "port": 80, "targetPort": 8090}]}})
    kube.create({"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
                 "metadata": {"name": f"{name}-abc",
                              "labels": {"kubernetes.io/service-name": name}},
                 "addressType": "IPv4",
                 "ports": [{"name": "http", "port": 8090, "protocol": "TCP"}],
                 "endpoints": [{"addresses": ["10.244.1.5"], "conditions": {"ready": True},
                                "nodeName": "node-1",
                                "targetRef": {"kind": "Pod", "namespace": "default",
                                              "name": f"{name}-1"}}]})


@pytest.mark.parametrize("host", ["0.0.0.0", "10.1.2.3", "::1", "localhost", "example.com"])
def test_the_controller_binds_loopback_only(host):
    from rayk8s.actors.ingress import IngressShell
    with pytest.raises(ValueError):
        IngressShell(None, host=host)


def test_controller_routes_forwards_and_writes_status(kube):
    import asyncio

    kube.create(ingress("web", [("a.test", [path("/", "web", port="http"),
                                            path("/ghost", "ghost"),
                                            path("/badport", "web", port=81)])]))
    _service_and_slice(kube)
    calls = []

    async def scenario(shell, fetch):
        async def deliver(node, pod, port, method, p, headers, body, client="",
                          ready_only=False):
            calls.append((node, pod, port, method, p, dict(headers), client, ready_only))
            return 200, {"X-App": "yes", "Content-Length": "999"}, b"from the app"
        shell.delivery.deliver = deliver
        status, body = await fetch("a.test:8080", "/x/y?z=1", lambda s: s == 200)
        assert body == "from the app"
        node, pod, port, method, p, headers, client, ready_only = calls[-1]
        assert (node, pod, port, method, p, ready_only) == ("node-1", "default/web-1", 8090,
                                                            "GET", "/x/y?z=1", True)
        assert client == "127.0.0.1"
        assert headers["Host"] == "a.test:8080"
        assert headers["X-Forwarded-For"] == headers["X-Real-IP"] == "127.0.0.1"
        assert headers["X-Forwarded-Host"] == "a.test:8080"
        assert headers["X-Forwarded-Proto"] == "http"
        assert headers["X-Forwarded-Port"] == str(shell.port)
        assert await fetch("a.test", "/ghost") == (503, 'service "default/ghost" not found\n')
        assert (await fetch("a.test", "/badport"))[0] == 503
        assert await fetch("b.test") == (404, "default backend - 404")
        for _ in range(200):
            lb = (kube.get("ingresses", "web")["status"].get("loadBalancer") or {})
            if lb.get("ingress"):
                break
            await asyncio.sleep(0.02)
        assert lb["ingress"] == [{"ip": "127.0.0.1",
                                  "ports": [{"port": shell.port, "protocol": "TCP"}]}]
        assert shell.info()["ingresses"] == ["default/web"]
        # no ready endpoint: 503
        kube.delete("endpointslices", "web-abc")
        status, body = await fetch("a.test", "/", lambda s: s == 503)
        assert "no ready endpoints" in body
        # the Ingress gone: 404
        kube.delete("ingresses", "web")
        assert (await fetch("a.test", "/", lambda s: s == 404))[1] == "default backend - 404"
    _serve(kube, scenario)


def test_controller_serves_only_its_class_and_clears_status_it_leaves(kube):
    import asyncio

    kube.create(ingress("theirs", [("", [path("/", "web")])], cls="nginx"))
    kube.create(ingress("mine", [("", [path("/", "web")])], cls="rayk8s"))
    _service_and_slice(kube)

    def lb(name):
        return (kube.get("ingresses", name)["status"].get("loadBalancer") or {}).get("ingress")

    async def eventually(fn):
        for _ in range(200):
            if fn():
                return True
            await asyncio.sleep(0.02)
        return False

    async def scenario(shell, fetch):
        async def deliver(*args, **kwargs):
            return 200, {}, b"ok"
        shell.delivery.deliver = deliver
        assert await eventually(lambda: lb("mine"))
        assert lb("theirs") is None and shell.info()["ingresses"] == ["default/mine"]
        assert await fetch("x", "/", lambda s: s == 200) == (200, "ok")
        kube.patch("ingresses", "mine", {"spec": {"ingressClassName": "nginx"}})
        assert await eventually(lambda: lb("mine") is None)
        assert await fetch("x", "/", lambda s: s == 404) == (404, "default backend - 404")
    _serve(kube, scenario, ingress_class="rayk8s")
