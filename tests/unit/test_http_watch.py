"""Watch streams over HTTP: chunked JSON lines driven by the registry's long polls."""

from __future__ import annotations

import asyncio
import json

from rayk8s.apiserver.http.server import Settings

from .test_http_resources import MERGE, NS, configmap
from .test_http_server import TABLE_ACCEPT, call, served

FAST = Settings(watch_poll_seconds=0.1, bookmark_interval=0.2)


async def read_events(resp, until=None, limit=50):
    """Events from a watch response until the stream ends (or ``until(events)``)."""
    events = []
    while len(events) < limit:
        line = await resp.content.readline()
        if not line:
            break
        events.append(json.loads(line))
        if until and until(events):
            break
    return events


async def list_rv(client, path=f"{NS}/configmaps"):
    _, out, _ = await call(client, "GET", path, expect=200)
    return out["metadata"]["resourceVersion"]


@served(settings=FAST)
async def test_watch_from_a_resource_version_sees_changes(client, registry):
    rv = await list_rv(client)

    async def writes():
        await asyncio.sleep(0.15)
        await call(client, "POST", f"{NS}/configmaps", configmap("w", {"a": "1"}), expect=201)
        await call(client, "PATCH", f"{NS}/configmaps/w", {"data": {"a": "2"}}, ctype=MERGE,
                   expect=200)
        await call(client, "DELETE", f"{NS}/configmaps/w", expect=200)
    task = asyncio.create_task(writes())
    resp = await client.get(f"{NS}/configmaps?watch=true&resourceVersion={rv}&timeoutSeconds=2")
    assert resp.status == 200
    assert resp.headers["Content-Type"] == "application/json"
    assert resp.headers["Transfer-Encoding"] == "chunked"
    events = await read_events(resp, until=lambda evs: len(evs) == 3)
    await task
    assert [e["type"] for e in events] == ["ADDED", "MODIFIED", "DELETED"]
    assert events[1]["object"]["data"] == {"a": "2"}
    assert all(e["object"]["kind"] == "ConfigMap" for e in events)
    resp.close()


@served(settings=FAST)
async def test_watch_without_resource_version_replays_current_objects(client, registry):
    await call(client, "POST", f"{NS}/configmaps", configmap("old"), expect=201)
    resp = await client.get(f"{NS}/configmaps?watch=1&timeoutSeconds=1")
    events = await read_events(resp)
    assert [(e["type"], e["object"]["metadata"]["name"]) for e in events] == [("ADDED", "old")]


@served(settings=FAST)
async def test_watch_ends_after_timeout_seconds(client, registry):
    rv = await list_rv(client)
    loop = asyncio.get_running_loop()
    start = loop.time()
    resp = await client.get(f"{NS}/configmaps?watch=true&resourceVersion={rv}&timeoutSeconds=1")
    assert await read_events(resp) == []
    assert 0.9 <= loop.time() - start < 3.0


@served(settings=FAST)
async def test_selectors_and_named_watches(client, registry):
    rv = await list_rv(client)
    for name, tier in (("a", "web"), ("b", "db"), ("c", "web")):
        await call(client, "POST", f"{NS}/configmaps", configmap(name, labels={"tier": tier}),
                   expect=201)
    resp = await client.get(f"{NS}/configmaps?watch=true&resourceVersion={rv}&timeoutSeconds=1"
                            "&labelSelector=tier%3Dweb")
    assert [e["object"]["metadata"]["name"] for e in await read_events(resp)] == ["a", "c"]
    resp = await client.get(f"/api/v1/watch/namespaces/default/configmaps/b?resourceVersion={rv}"
                            "&timeoutSeconds=1")
    assert [e["object"]["metadata"]["name"] for e in await read_events(resp)] == ["b"]
    resp = await client.get(f"{NS}/configmaps/c?watch=true&resourceVersion={rv}&timeoutSeconds=1")
    assert [e["object"]["metadata"]["name"] for e in await read_events(resp)] == ["c"]
    resp = await client.get(f"/api/v1/configmaps?watch=true&resourceVersion={rv}"
                            "&timeoutSeconds=1&fieldSelector=metadata.namespace%3Ddefault")
    assert len(await read_events(resp)) == 3


@served(settings=FAST)
async def test_errors_before_the_stream_have_their_http_code(client, registry):
    status, out, _ = await call(client, "GET", f"{NS}/configmaps?watch=true&labelSelector=%3D%3D",
                                expect=400)
    assert out["kind"] == "Status"
    await call(client, "GET", f"{NS}/configmaps?watch=true&fieldSelector=spec.nope%3Dx",
               expect=400)
    await call(client, "GET", f"{NS}/configmaps?watch=true&resourceVersion=abc", expect=400)
    await call(client, "GET", f"{NS}/configmaps?watch=true&sendInitialEvents=true", expect=422)


@served(settings=FAST)
async def test_expired_resource_version_is_an_error_event(client, registry):
    for i in range(5):
        await call(client, "POST", f"{NS}/configmaps", configmap(f"x{i}"), expect=201)
    rv = int(await list_rv(client))
    # Forget history, as etcd compaction does, and lose the watch cache's ring.
    await registry.store.compact(rv)
    registry.cache.reset(rv)
    resp = await client.get(f"{NS}/configmaps?watch=true&resourceVersion=2&timeoutSeconds=5")
    assert resp.status == 200
    events = await read_events(resp)
    assert [e["type"] for e in events] == ["ERROR"]
    assert events[0]["object"]["code"] == 410 and events[0]["object"]["kind"] == "Status"


@served(settings=FAST)
async def test_bookmarks(client, registry):
    rv = await list_rv(client)
    resp = await client.get(f"{NS}/configmaps?watch=true&resourceVersion={rv}&timeoutSeconds=1"
                            "&allowWatchBookmarks=true")
    events = await read_events(resp)
    assert events and all(e["type"] == "BOOKMARK" for e in events)
    assert events[0]["object"] == {"kind": "ConfigMap", "apiVersion": "v1",
                                   "metadata": {"resourceVersion": rv}}


@served(settings=FAST)
async def test_send_initial_events(client, registry):
    await call(client, "POST", f"{NS}/configmaps", configmap("i1"), expect=201)
    resp = await client.get(f"{NS}/configmaps?watch=true&sendInitialEvents=true"
                            "&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true"
                            "&timeoutSeconds=1")
    events = await read_events(resp, until=lambda evs: evs[-1]["type"] == "BOOKMARK")
    assert [e["type"] for e in events] == ["ADDED", "BOOKMARK"]
    assert events[1]["object"]["metadata"]["annotations"] == {
        "k8s.io/initial-events-end": "true"}
    resp.close()


@served(settings=FAST)
async def test_table_watch_has_definitions_only_first(client, registry):
    from rayk8s.apiserver.http import negotiate
    if not negotiate.tables_available():
        return
    rv = await list_rv(client)
    for name in ("t1", "t2"):
        await call(client, "POST", f"{NS}/configmaps", configmap(name), expect=201)
    resp = await client.get(f"{NS}/configmaps?watch=true&resourceVersion={rv}&timeoutSeconds=1",
                            headers={"Accept": TABLE_ACCEPT})
    events = await read_events(resp)
    assert [e["object"]["kind"] for e in events] == ["Table", "Table"]
    assert events[0]["object"]["columnDefinitions"]
    assert events[1]["object"]["columnDefinitions"] in ([], None)
    assert [e["object"]["rows"][0]["cells"][0] for e in events] == ["t1", "t2"]


@served(settings=Settings(watch_poll_seconds=0.1))
async def test_a_client_that_goes_away_ends_the_stream(client, registry):
    rv = await list_rv(client)
    gauge = registry.metrics.longrunning
    resp = await client.get(f"{NS}/configmaps?watch=true&resourceVersion={rv}")
    await asyncio.sleep(0.2)

    def running():
        return sum(s.value for m in gauge.collect() for s in m.samples)
    assert running() == 1
    resp.close()
    for _ in range(50):
        await asyncio.sleep(0.05)
        if running() == 0:
            break
    assert running() == 0


@served(settings=FAST)
async def test_watch_events_in_the_url_version(client, registry):
    path = "/apis/autoscaling/v1/namespaces/default/horizontalpodautoscalers"
    rv = await list_rv(client, path)
    await call(client, "POST", path,
               {"apiVersion": "autoscaling/v1", "kind": "HorizontalPodAutoscaler",
                "metadata": {"name": "h"},
                "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment",
                                            "name": "web"}, "maxReplicas": 3}}, expect=201)
    resp = await client.get(f"{path}?watch=true&resourceVersion={rv}&timeoutSeconds=1")
    events = await read_events(resp)
    assert [e["object"]["apiVersion"] for e in events] == ["autoscaling/v1"]
