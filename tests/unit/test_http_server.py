"""The HTTP front end without Ray: non-resource endpoints, errors, auth, TLS.

Also home of the harness the other ``test_http_*`` files use: a Registry over
an in-memory store and the aiohttp app on a TestServer (127.0.0.1), driven
inside ``asyncio.run`` (no pytest plugin).
"""

from __future__ import annotations

import asyncio
import functools
import gzip
import inspect
import json
import ssl
from contextlib import asynccontextmanager

import aiohttp
import pytest
import yaml
from aiohttp.test_utils import TestClient, TestServer

from rayk8s.apiserver.http import make_app, server, start_server, write_kubeconfig
from rayk8s.apiserver.registry import Registry
from rayk8s.clock import FakeClock
from rayk8s.store import AsyncStore, MVCCStore

# ------------------------------------------------------------------ harness


@asynccontextmanager
async def serving(**app_kwargs):
    """(client, registry): the app over a fresh in-memory registry."""
    clock = app_kwargs.pop("clock", None) or FakeClock()
    store = AsyncStore(MVCCStore(clock=clock))
    registry = Registry(store, clock=clock)
    await registry.start()
    client = TestClient(TestServer(make_app(registry, clock=clock, **app_kwargs)))
    await client.start_server()
    try:
        yield client, registry
    finally:
        await client.close()
        await registry.stop()
        store.close()


def served(**app_kwargs):
    """Run an ``async def test(client, registry, ...)`` against a fresh server."""
    def deco(fn):
        sig = inspect.signature(fn)
        params = list(sig.parameters.values())[2:]

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            async def main():
                async with serving(**app_kwargs) as (client, registry):
                    await fn(client, registry, *args, **kwargs)
            asyncio.run(main())
        del wrapper.__wrapped__
        wrapper.__signature__ = sig.replace(parameters=params)
        return wrapper
    return deco


JSON_HEADERS = {"Content-Type": "application/json"}
TABLE_ACCEPT = ("application/json;as=Table;v=v1;g=meta.k8s.io,"
                "application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json")


async def call(client, method, path, body=None, *, ctype="application/json", headers=None,
               expect=None):
    """One request; returns (status, decoded JSON or text, response)."""
    hdrs = dict(headers or {})
    data = None
    if body is not None:
        data = body if isinstance(body, (bytes, str)) else json.dumps(body)
        hdrs.setdefault("Content-Type", ctype)
    resp = await client.request(method, path, data=data, headers=hdrs)
    text = await resp.text()
    try:
        out = json.loads(text)
    except ValueError:
        out = text
    if expect is not None:
        assert resp.status == expect, (resp.status, out)
    return resp.status, out, resp


# -------------------------------------------------------------------- tests


@served()
async def test_version_and_health(client, registry):
    status, out, resp = await call(client, "GET", "/version?timeout=5s", expect=200)
    assert out["major"] == "1" and out["minor"] == "32"
    assert out["gitVersion"].startswith("v1.32.")
    assert resp.headers["Content-Type"] == "application/json"
    for path in ("/healthz", "/livez", "/readyz", "/readyz/ping"):
        status, out, resp = await call(client, "GET", path, expect=200)
        assert out == "ok"


@served()
async def test_legacy_discovery(client, registry):
    aggregated = ("application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,"
                  "application/json")
    _, api, _ = await call(client, "GET", "/api", headers={"Accept": aggregated}, expect=200)
    assert api["kind"] == "APIVersions" and api["versions"] == ["v1"]
    assert api["serverAddressByClientCIDRs"][0]["clientCIDR"] == "0.0.0.0/0"
    _, apis, _ = await call(client, "GET", "/apis", headers={"Accept": aggregated}, expect=200)
    groups = {g["name"]: g for g in apis["groups"]}
    assert groups["apps"]["preferredVersion"] == {"groupVersion": "apps/v1", "version": "v1"}
    assert [v["version"] for v in groups["autoscaling"]["versions"]] == ["v2", "v1"]
    _, group, _ = await call(client, "GET", "/apis/apps", expect=200)
    assert group["kind"] == "APIGroup" and group["name"] == "apps"
    _, core, _ = await call(client, "GET", "/api/v1", expect=200)
    by_name = {r["name"]: r for r in core["resources"]}
    assert core["groupVersion"] == "v1"
    assert by_name["pods"]["shortNames"] == ["po"] and by_name["pods"]["categories"] == ["all"]
    assert by_name["pods"]["namespaced"] is True and by_name["nodes"]["namespaced"] is False
    for sub in ("pods/log", "pods/exec", "pods/binding", "pods/eviction", "pods/status",
                "namespaces/finalize", "namespaces/status"):
        assert sub in by_name, sub
    assert by_name["pods/eviction"]["group"] == "policy"
    assert by_name["pods/eviction"]["kind"] == "Eviction"
    assert by_name["pods/log"]["verbs"] == ["get"]
    _, apps, _ = await call(client, "GET", "/apis/apps/v1", expect=200)
    scale = {r["name"]: r for r in apps["resources"]}["deployments/scale"]
    assert scale == {"name": "deployments/scale", "singularName": "", "namespaced": True,
                     "kind": "Scale", "verbs": ["get", "patch", "update"],
                     "group": "autoscaling", "version": "v1"}
    deploy = {r["name"]: r for r in apps["resources"]}["deployments"]
    assert deploy["shortNames"] == ["deploy"] and deploy["kind"] == "Deployment"
    _, v1hpa, _ = await call(client, "GET", "/apis/autoscaling/v1", expect=200)
    assert [r["name"] for r in v1hpa["resources"]][0] == "horizontalpodautoscalers"
    await call(client, "GET", "/apis/apps/v9", expect=404)
    await call(client, "GET", "/apis/nope", expect=404)
    _, root, _ = await call(client, "GET", "/", expect=200)
    assert "/apis/apps/v1" in root["paths"] and "/version" in root["paths"]


@served()
async def test_unknown_paths_and_methods_are_statuses(client, registry):
    for path in ("/nope", "/api/v1/nopes", "/apis/apps/v1/namespaces/default/nopes/x",
                 "/api/v1/namespaces/default/pods/p/status/more"):
        status, out, resp = await call(client, "GET", path)
        assert status == 404, path
        assert out["kind"] == "Status" and out["reason"] == "NotFound"
        assert out["message"] == "the server could not find the requested resource"
        assert resp.headers["Content-Type"] == "application/json"
    status, out, _ = await call(client, "POST", "/api/v1/pods", {"metadata": {"name": "p"}})
    assert status == 405 and out["reason"] == "MethodNotAllowed"
    status, out, _ = await call(client, "POST", "/version", {})
    assert status == 405


@served()
async def test_malformed_json_is_400(client, registry):
    status, out, _ = await call(client, "POST", "/api/v1/namespaces/default/configmaps",
                                b'{"metadata": {"name": ', expect=400)
    assert out["reason"] == "BadRequest"
    assert "json parse error" in out["message"] and "ConfigMap" in out["message"]
    status, out, _ = await call(client, "POST", "/api/v1/namespaces/default/configmaps",
                                b'[1, 2]', expect=400)
    assert out["kind"] == "Status"


@served()
async def test_body_limit_is_413(client, registry):
    big = {"metadata": {"name": "big"}, "data": {"x": "a" * (3 * 1024 * 1024)}}
    status, out, _ = await call(client, "POST", "/api/v1/namespaces/default/configmaps", big,
                                expect=413)
    assert out["reason"] == "RequestEntityTooLarge"
    assert "limit is 3145728" in out["message"]


@served()
async def test_unsupported_media_type_is_415(client, registry):
    status, out, _ = await call(client, "POST", "/api/v1/namespaces/default/configmaps",
                                "hello", ctype="text/plain", expect=415)
    assert out["reason"] == "UnsupportedMediaType"


@served()
async def test_internal_errors_are_500_statuses(client, registry):
    async def broken(*args, **kwargs):
        raise RuntimeError("boom")
    registry.get = broken
    status, out, _ = await call(client, "GET", "/api/v1/namespaces/default/configmaps/x",
                                expect=500)
    assert out["reason"] == "InternalError" and "boom" in out["message"]
    # ... and the server carries on.
    await call(client, "GET", "/version", expect=200)


@served()
async def test_large_responses_are_gzipped(client, registry):
    for i in range(40):
        await call(client, "POST", "/api/v1/namespaces/default/configmaps",
                   {"metadata": {"name": f"cm-{i}"}, "data": {"x": "y" * 5000}}, expect=201)
    resp = await client.get("/api/v1/namespaces/default/configmaps",
                            headers={"Accept-Encoding": "gzip"}, auto_decompress=False)
    assert resp.headers.get("Content-Encoding") == "gzip"
    assert len(json.loads(gzip.decompress(await resp.read()))["items"]) == 40
    small = await client.get("/version", headers={"Accept-Encoding": "gzip"},
                             auto_decompress=False)
    assert "Content-Encoding" not in small.headers


@served()
async def test_metrics_count_http_requests(client, registry):
    await call(client, "GET", "/api/v1/namespaces/default/configmaps", expect=200)
    await call(client, "POST", "/api/v1/namespaces/default/configmaps", b"{", expect=400)
    await call(client, "GET", "/api/v1/namespaces/default/configmaps?watch=true&timeoutSeconds=1"
               "&resourceVersion=1", expect=200)
    status, text, _ = await call(client, "GET", "/metrics", expect=200)
    lines = [ln for ln in text.splitlines() if ln.startswith("apiserver_request_total{")]
    def count(verb, code):
        return sum(float(ln.rsplit(" ", 1)[1]) for ln in lines
                   if f'verb="{verb}"' in ln and f'code="{code}"' in ln
                   and 'resource="configmaps"' in ln)
    assert count("LIST", "200") == 1
    assert count("POST", "400") == 1
    assert count("WATCH", "200") == 1
    assert "apiserver_longrunning_requests" in text


# --------------------------------------------------------------------- auth


@pytest.fixture
def token_file(tmp_path):
    path = tmp_path / "tokens.csv"
    path.write_text('# token,user,uid,"groups"\nsecret-1,alice,u1,"dev,ops"\n\nsecret-2,bob,u2\n')
    return str(path)


def test_bearer_tokens(token_file):
    async def main():
        async with serving(token_file=token_file) as (client, _):
            # Public paths answer anonymous requests (the kubectl dispatcher's /version).
            await call(client, "GET", "/version", expect=200)
            await call(client, "GET", "/healthz", expect=200)
            status, out, _ = await call(client, "GET", "/api/v1/namespaces", expect=401)
            assert out["reason"] == "Unauthorized" and out["kind"] == "Status"
            bad = {"Authorization": "Bearer nope"}
            await call(client, "GET", "/api/v1/namespaces", headers=bad, expect=401)
            await call(client, "GET", "/version", headers=bad, expect=401)
            await call(client, "GET", "/api", headers={"Authorization": "Basic eDp5"},
                       expect=401)
            for token in ("secret-1", "secret-2"):
                await call(client, "GET", "/api/v1/namespaces",
                           headers={"Authorization": f"Bearer {token}"}, expect=200)
    asyncio.run(main())


def test_token_file_parsing(token_file, tmp_path):
    from rayk8s.apiserver.http import auth
    tokens = auth.load_tokens(token_file)
    assert tokens["secret-1"] == auth.User("alice", "u1", ("dev", "ops"))
    assert tokens["secret-2"] == auth.User("bob", "u2", ())
    assert auth.first_token(token_file) == "secret-1"
    bad = tmp_path / "bad.csv"
    bad.write_text("only-a-token\n")
    with pytest.raises(ValueError, match="bad.csv:1"):
        auth.load_tokens(bad)


# ---------------------------------------------------------------- kubeconfig


def test_write_kubeconfig(tmp_path):
    path = write_kubeconfig(tmp_path / "sub" / "config", "http://127.0.0.1:1234", token="t0k",
                            context="demo", namespace="team")
    cfg = yaml.safe_load(open(path))
    assert cfg["current-context"] == "demo"
    assert cfg["clusters"] == [{"name": "demo", "cluster": {"server": "http://127.0.0.1:1234"}}]
    assert cfg["users"] == [{"name": "demo", "user": {"token": "t0k"}}]
    assert cfg["contexts"][0]["context"] == {"cluster": "demo", "user": "demo",
                                             "namespace": "team"}
    assert (tmp_path / "sub" / "config").stat().st_mode & 0o777 == 0o600
    plain = yaml.safe_load(open(write_kubeconfig(tmp_path / "c2", "http://h:1")))
    assert plain["users"][0]["user"] == {}


def test_official_client_loads_the_kubeconfig(tmp_path):
    kubernetes = pytest.importorskip("kubernetes")
    path = write_kubeconfig(tmp_path / "config", "http://127.0.0.1:4321", token="abc")
    cfg = kubernetes.client.Configuration()
    kubernetes.config.load_kube_config(config_file=path, client_configuration=cfg)
    assert cfg.host == "http://127.0.0.1:4321"
    assert "Bearer abc" in cfg.api_key.values()


# ---------------------------------------------------------------------- TLS


def _self_signed(tmp_path):
    pytest.importorskip("cryptography")
    from rayk8s.apiserver.http import tls
    cert, key = tls.self_signed(tmp_path / "tls.crt", tmp_path / "tls.key")
    return cert, key, open(cert, "rb").read()


def test_tls(tmp_path):
    from rayk8s.apiserver.http import tls
    cert, key, cert_pem = _self_signed(tmp_path)
    server_ctx = tls.server_context(cert, key)
    assert (tmp_path / "tls.key").stat().st_mode & 0o777 == 0o600
    client_ctx = ssl.create_default_context(cadata=cert_pem.decode())

    async def main():
        store = AsyncStore(MVCCStore())
        registry = Registry(store)
        await registry.start()
        runner, url = await start_server(make_app(registry), "127.0.0.1", 0, server_ctx)
        try:
            assert url.startswith("https://127.0.0.1:")
            async with aiohttp.ClientSession() as session:
                async with session.get(f"{url}/api/v1/namespaces/default", ssl=client_ctx) as r:
                    assert r.status == 200
                    assert (await r.json())["metadata"]["name"] == "default"
        finally:
            await runner.cleanup()
            await registry.stop()
            store.close()
    asyncio.run(main())


def test_start_server_reports_its_url():
    async def main():
        store = AsyncStore(MVCCStore())
        registry = Registry(store)
        await registry.start()
        runner, url = await start_server(make_app(registry))
        try:
            assert url.startswith("http://127.0.0.1:") and not url.endswith(":0")
            async with aiohttp.ClientSession() as session:
                async with session.get(f"{url}/version") as r:
                    assert (await r.json())["minor"] == "32"
        finally:
            await runner.cleanup()
            await registry.stop()
            store.close()
    asyncio.run(main())


def test_settings_defaults_match_kube_apiserver():
    s = server.Settings()
    assert s.min_request_timeout == 1800.0
