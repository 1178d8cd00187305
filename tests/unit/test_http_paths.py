"""REST paths -> resource requests (pure: rayk8s.apiserver.http.paths)."""

import pytest

from rayk8s import ApiError
from rayk8s.apiserver.http import paths


@pytest.mark.parametrize("path, want", [
    ("/api/v1/pods", ("", "v1", "pods", None, None, "", None, False)),
    ("/api/v1/namespaces/default/pods", ("", "v1", "pods", "default", None, "", None, False)),
    ("/api/v1/namespaces/default/pods/web", ("", "v1", "pods", "default", "web", "", None, False)),
    ("/api/v1/namespaces/default/pods/web/status",
     ("", "v1", "pods", "default", "web", "status", None, False)),
    ("/api/v1/namespaces/default/pods/web/proxy",
     ("", "v1", "pods", "default", "web", "proxy", None, False)),
    ("/api/v1/namespaces/default/pods/web/proxy/",
     ("", "v1", "pods", "default", "web", "proxy", "", False)),
    ("/api/v1/namespaces/default/pods/web:8080/proxy/a/b/",
     ("", "v1", "pods", "default", "web:8080", "proxy", "a/b/", False)),
    ("/api/v1/namespaces", ("", "v1", "namespaces", None, None, "", None, False)),
    ("/api/v1/namespaces/kube-system", ("", "v1", "namespaces", None, "kube-system", "", None, False)),
    ("/api/v1/namespaces/x/status", ("", "v1", "namespaces", None, "x", "status", None, False)),
    ("/api/v1/namespaces/x/finalize", ("", "v1", "namespaces", None, "x", "finalize", None, False)),
    ("/api/v1/watch/namespaces/default/pods",
     ("", "v1", "pods", "default", None, "", None, True)),
    ("/api/v1/watch/pods", ("", "v1", "pods", None, None, "", None, True)),
    ("/apis/apps/v1/namespaces/default/deployments/web/scale",
     ("apps", "v1", "deployments", "default", "web", "scale", None, False)),
    ("/apis/apps/v1/deployments", ("apps", "v1", "deployments", None, None, "", None, False)),
    ("/api/v1/nodes/n1/", ("", "v1", "nodes", None, "n1", "", None, False)),
])
def test_parse(path, want):
    rp = paths.parse(path)
    assert (rp.group, rp.version, rp.resource, rp.namespace, rp.name, rp.subresource,
            rp.subpath, rp.watch_prefix) == want


@pytest.mark.parametrize("path", ["/", "/version", "/api", "/api/v1", "/apis", "/apis/apps",
                                  "/apis/apps/v1", "/api/v1/", "/healthz", "/openapi/v3"])
def test_non_resource_paths_are_not_parsed(path):
    assert paths.parse(path) is None


@pytest.mark.parametrize("path", ["/api/v1/namespaces/default/pods/web/status/extra",
                                  "/apis//v1/deployments", "/api/v1/pods//status",
                                  "/api/v1/watch"])
def test_malformed_resource_paths_are_404(path):
    with pytest.raises(ApiError) as err:
        paths.parse(path)
    assert err.value.code == 404


@pytest.mark.parametrize("method, path, watch, verb", [
    ("GET", "/api/v1/namespaces/default/pods", False, "list"),
    ("GET", "/api/v1/pods", False, "list"),
    ("GET", "/api/v1/pods", True, "watch"),
    ("GET", "/api/v1/watch/namespaces/default/pods/web", False, "watch"),
    ("GET", "/api/v1/namespaces/default/pods/web", True, "watch"),
    ("GET", "/api/v1/namespaces/default/pods/web", False, "get"),
    ("POST", "/api/v1/namespaces/default/pods", False, "create"),
    ("PUT", "/api/v1/namespaces/default/pods/web", False, "update"),
    ("PATCH", "/api/v1/namespaces/default/pods/web", False, "patch"),
    ("DELETE", "/api/v1/namespaces/default/pods/web", False, "delete"),
    ("DELETE", "/api/v1/namespaces/default/pods", False, "deletecollection"),
    ("POST", "/api/v1/namespaces/default/pods/web/binding", False, "create"),
    ("POST", "/api/v1/namespaces/default/pods/web/eviction", False, "create"),
    ("GET", "/apis/apps/v1/namespaces/default/deployments/web/scale", False, "get"),
    ("PATCH", "/apis/apps/v1/namespaces/default/deployments/web/scale", False, "patch"),
    ("PUT", "/api/v1/namespaces/x/finalize", False, "update"),
    ("GET", "/api/v1/namespaces/default/pods/web/log", False, "get"),
    ("DELETE", "/api/v1/namespaces/default/services/s/proxy/x", False, "delete"),
    ("GET", "/apis/autoscaling/v1/namespaces/default/horizontalpodautoscalers", False, "list"),
])
def test_resolve_verbs(method, path, watch, verb):
    assert paths.resolve(method, paths.parse(path), watch).verb == verb


@pytest.mark.parametrize("method, path, code", [
    ("POST", "/api/v1/pods", 405),                                  # create needs a namespace
    ("DELETE", "/api/v1/pods", 405),
    ("POST", "/api/v1/namespaces/default/pods/web", 405),
    ("PUT", "/api/v1/namespaces/default/pods", 405),
    ("GET", "/api/v1/pods/web", 404),                               # namespaced kind by name
    ("GET", "/api/v1/namespaces/default/nodes", 404),               # cluster-scoped kind
    ("GET", "/api/v1/namespaces/default/configmaps/c/scale", 404),  # no such subresource
    ("POST", "/apis/apps/v1/namespaces/default/deployments/d/scale", 405),
    ("DELETE", "/api/v1/namespaces", 405),                          # no deletecollection
    ("GET", "/api/v1/namespaces/default/bindings", 405),            # create only
    ("GET", "/apis/apps/v2/namespaces/default/deployments", 404),   # unserved version
    ("GET", "/apis/nope/v1/things", 404),
    ("PUT", "/api/v1/watch/pods", 405),
])
def test_resolve_refusals(method, path, code):
    with pytest.raises(ApiError) as err:
        paths.resolve(method, paths.parse(path))
    assert err.value.code == code
    assert err.value.status["kind"] == "Status"
