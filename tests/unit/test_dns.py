"""Cluster DNS (api/dns.py): records from Services and EndpointSlices, the pod
resolver's search list and ndots."""

from __future__ import annotations

from rayk8s.api import dns
from rayk8s.api.dns import Answer, ClusterDNS


def service(name, namespace="default", cluster_ip="10.96.0.20", **spec):
    return {"metadata": {"name": name, "namespace": namespace},
            "spec": {"clusterIP": cluster_ip, "ports": [{"port": 80}], **spec}}


def endpoint(ip, ready=None, hostname=None, pod=None):
    ep = {"addresses": [ip]}
    if ready is not None:
        ep["conditions"] = {"ready": ready}
    if hostname:
        ep["hostname"] = hostname
    if pod:
        ep["targetRef"] = {"kind": "Pod", "name": pod}
    return ep


def slice_(name, svc, namespace="default", endpoints=(), address_type="IPv4"):
    return {"metadata": {"name": name, "namespace": namespace,
                         "labels": {"kubernetes.io/service-name": svc}},
            "addressType": address_type, "ports": [{"port": 80}],
            "endpoints": list(endpoints)}


def world():
    services = {
        "default/kubernetes": service("kubernetes", cluster_ip="10.96.0.1"),
        "default/web": service("web", cluster_ip="10.96.0.20",
                               clusterIPs=["10.96.0.20"]),
        "shop/cart": service("cart", "shop", cluster_ip="10.96.3.3"),
        "default/db": service("db", cluster_ip="None"),
        "default/empty": service("empty", cluster_ip="None"),
        "default/google": {"metadata": {"name": "google", "namespace": "default"},
                           "spec": {"type": "ExternalName", "externalName": "www.google.com."}},
    }
    slices = {
        "default/db-abc": slice_("db-abc", "db", endpoints=[
            endpoint("10.244.1.5", hostname="db-1", pod="db-1"),
            endpoint("10.244.1.4", True, hostname="db-0", pod="db-0"),
            endpoint("10.244.2.9", False, hostname="db-2", pod="db-2"),
        ]),
        "default/db-def": slice_("db-def", "db", endpoints=[endpoint("10.244.1.4")]),
        "default/empty-1": slice_("empty-1", "empty", endpoints=[endpoint("10.244.3.3", False)]),
        "default/fqdn": slice_("fqdn", "db", endpoints=[endpoint("db.example.com")],
                               address_type="FQDN"),
        "shop/web-x": slice_("web-x", "web", "shop", endpoints=[endpoint("10.244.9.9")]),
    }
    return services, slices, ClusterDNS(services, slices)


def test_cluster_ip_service_record_exact_and_case_insensitive():
    _, _, cdns = world()
    assert cdns.lookup("web.default.svc.cluster.local") == \
        Answer("web.default.svc.cluster.local", ("10.96.0.20",))
    assert cdns.lookup("web.default.svc.cluster.local.").addresses == ("10.96.0.20",)
    assert cdns.lookup("WEB.Default.SVC.cluster.local").addresses == ("10.96.0.20",)
    assert cdns.lookup("kubernetes.default.svc.cluster.local").addresses == ("10.96.0.1",)
    assert cdns.lookup("cart.shop.svc.cluster.local").addresses == ("10.96.3.3",)


def test_short_forms_through_the_search_list():
    _, _, cdns = world()
    for name in ("web", "web.default", "web.default.svc", "web.default.svc.cluster.local",
                 "web.default.svc.cluster.local."):
        answer = cdns.resolve(name, "default")
        assert answer is not None and answer.addresses == ("10.96.0.20",), name
        assert answer.name == "web.default.svc.cluster.local"
    assert cdns.resolve("kubernetes", "default").addresses == ("10.96.0.1",)


def test_cross_namespace():
    _, _, cdns = world()
    assert cdns.resolve("cart", "default") is None
    assert cdns.resolve("cart.shop", "default").addresses == ("10.96.3.3",)
    assert cdns.resolve("cart", "shop").addresses == ("10.96.3.3",)
    # a pod in shop asking for "web" gets nothing: web lives in default
    assert cdns.resolve("web", "shop") is None
    assert cdns.resolve("web.default", "shop").addresses == ("10.96.0.20",)


def test_headless_service_resolves_to_ready_endpoints_only():
    _, _, cdns = world()
    answer = cdns.resolve("db", "default")
    # deduplicated across slices, not-ready and FQDN endpoints left out, address order
    assert answer.addresses == ("10.244.1.4", "10.244.1.5")
    assert answer.cname == ""


def test_headless_service_without_ready_endpoints_has_no_addresses():
    _, _, cdns = world()
    assert cdns.lookup("empty.default.svc.cluster.local") == \
        Answer("empty.default.svc.cluster.local", ())
    assert cdns.resolve("empty", "default") == Answer("empty.default.svc.cluster.local", ())


def test_statefulset_pod_hostname_record():
    _, _, cdns = world()
    assert cdns.lookup("db-0.db.default.svc.cluster.local").addresses == ("10.244.1.4",)
    assert cdns.resolve("db-1.db", "default").addresses == ("10.244.1.5",)
    assert cdns.resolve("db-0.db.default.svc.cluster.local").addresses == ("10.244.1.4",)
    # not ready: no record; unknown hostname: none either
    assert cdns.lookup("db-2.db.default.svc.cluster.local") is None
    assert cdns.lookup("db-7.db.default.svc.cluster.local") is None
    # only headless Services have endpoint records
    assert cdns.lookup("x.web.default.svc.cluster.local") is None


def test_external_name_is_a_cname():
    _, _, cdns = world()
    answer = cdns.resolve("google", "default")
    assert answer == Answer("google.default.svc.cluster.local", (), "www.google.com")


def test_pod_a_records():
    _, _, cdns = world()
    assert cdns.lookup("10-244-1-7.default.pod.cluster.local") == \
        Answer("10-244-1-7.default.pod.cluster.local", ("10.244.1.7",))
    assert cdns.lookup("10-244-1-7.any-namespace.pod.cluster.local").addresses == \
        ("10.244.1.7",)
    assert cdns.resolve("10-244-1-7.shop.pod", "default").addresses == ("10.244.1.7",)
    assert cdns.lookup("10-244-1-300.default.pod.cluster.local") is None
    assert cdns.lookup("10-244-1.default.pod.cluster.local") is None


def test_nxdomain():
    _, _, cdns = world()
    for name in ("nope.default.svc.cluster.local", "default.svc.cluster.local",
                 "svc.cluster.local", "cluster.local", "web.default.svc.cluster.local.example",
                 "www.google.com", "a.b.web.default.svc.cluster.local", "web..svc.cluster.local",
                 "web.default.pod.cluster.local", ""):
        assert cdns.lookup(name) is None, name
    assert cdns.resolve("nope", "default") is None
    assert cdns.resolve("", "default") is None


def test_search_list():
    assert dns.search_list("shop") == ["shop.svc.cluster.local", "svc.cluster.local",
                                       "cluster.local"]
    assert dns.search_list("a", "corp.example") == ["a.svc.corp.example", "svc.corp.example",
                                                    "corp.example"]


def test_ndots_order_of_candidates():
    search = ["ns.svc.cluster.local", "svc.cluster.local"]
    assert dns.candidates("web", search, 5) == \
        ["web.ns.svc.cluster.local", "web.svc.cluster.local", "web"]
    assert dns.candidates("a.b.c", search, 2) == \
        ["a.b.c", "a.b.c.ns.svc.cluster.local", "a.b.c.svc.cluster.local"]
    assert dns.candidates("abs.name.", search, 5) == ["abs.name"]


def test_ndots_behaviour_in_resolve():
    asked: list[str] = []

    def lookup(name):
        asked.append(name)
        return Answer(name, ("1.2.3.4",)) if name in ("web.ns.svc.cluster.local",
                                                      "web.ns") else None
    search = dns.search_list("ns")
    # fewer dots than ndots: the search suffixes first
    assert dns.resolve_with(lookup, "web", search, 5).name == "web.ns.svc.cluster.local"
    assert asked == ["web.ns.svc.cluster.local"]
    # as many dots as ndots: the name as is first
    asked.clear()
    assert dns.resolve_with(lookup, "web.ns", search, 1).name == "web.ns"
    assert asked == ["web.ns"]
    # absolute: no search at all
    asked.clear()
    assert dns.resolve_with(lookup, "web.", search, 5) is None
    assert asked == ["web"]
    # ndots:5 with the real ClusterDNS: a 4-dot FQDN still goes through the suffixes first
    _, _, cdns = world()
    assert cdns.resolve("web.default.svc.cluster.local", ndots=5).addresses == ("10.96.0.20",)


def test_an_empty_answer_does_not_stop_the_search():
    def lookup(name):
        return {"x.a": Answer("x.a", ()), "x.b": Answer("x.b", ("5.6.7.8",))}.get(name)
    assert dns.resolve_with(lookup, "x", ["a", "b"], 5) == Answer("x.b", ("5.6.7.8",))
    assert dns.resolve_with(lookup, "x", ["a", "c"], 5) == Answer("x.a", ())


def test_live_view_of_the_callers_dicts():
    services, slices, cdns = world()
    assert cdns.resolve("late", "default") is None
    services["default/late"] = service("late", cluster_ip="10.96.7.7")
    assert cdns.resolve("late", "default").addresses == ("10.96.7.7",)
    slices["default/empty-1"] = slice_("empty-1", "empty", endpoints=[endpoint("10.244.3.3")])
    assert cdns.resolve("empty", "default").addresses == ("10.244.3.3",)
    del services["default/late"]
    assert cdns.resolve("late", "default") is None


def test_parse_resolv_conf():
    conf = dns.parse_resolv_conf("# comment\nnameserver 10.96.0.10\nsearch a.svc.cluster.local "
                                 "svc.cluster.local cluster.local\noptions ndots:5 timeout:2\n")
    assert conf.nameservers == ("10.96.0.10",)
    assert conf.search == ("a.svc.cluster.local", "svc.cluster.local", "cluster.local")
    assert conf.ndots == 5 and "timeout:2" in conf.options
    assert dns.parse_resolv_conf("").ndots == 1
    assert dns.parse_resolv_conf("options ndots:40").ndots == 15
