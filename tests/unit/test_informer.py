"""Informers and the indexed cache, against a fake apiserver with an event log.

The fake keeps objects and a log of (revision, event); ``compact()`` forgets
the log so that an informer behind it gets 410 Gone, as from etcd compaction.
"""

import asyncio
from types import SimpleNamespace

import pytest

from rayk8s.api import errors
from rayk8s.clock import FakeClock
from rayk8s.machinery import cache as cachemod
from rayk8s.machinery.cache import Cache, by_field, by_label, by_namespace, by_owner_uid, key_of
from rayk8s.machinery.informer import Informer, SharedInformerFactory, enqueue_handler
from rayk8s.machinery.workqueue import WorkQueue


def run(coro):
    return asyncio.run(asyncio.wait_for(coro, 5))


async def until(cond, n: int = 200) -> None:
    for _ in range(n):
        if cond():
            return
        await asyncio.sleep(0)
    raise AssertionError("condition not reached")


async def settle(n: int = 20) -> None:
    for _ in range(n):
        await asyncio.sleep(0)


def pod(name, ns="default", node=None, labels=None, owner=None, **extra):
    meta = {"name": name, "namespace": ns, "labels": labels or {}}
    if owner:
        meta["ownerReferences"] = [{"kind": "ReplicaSet", "name": owner, "uid": f"uid-{owner}"}]
    spec = {"nodeName": node} if node else {}
    return {"metadata": meta, "spec": spec, **extra}


class FakeApi:
    """An in-memory apiserver for one resource: objects plus an event log."""

    def __init__(self):
        self.rv = 0
        self.objects: dict[str, dict] = {}
        self.log: list[tuple[int, dict]] = []
        self.compacted = 0          # Watching from below this revision is 410.
        self.fail_list: list[Exception] = []
        self.fail_watch: list[Exception] = []
        self.list_calls = 0
        self.watch_calls: list[str] = []
        self._waiters: list[asyncio.Future] = []

    def _emit(self, etype, obj):
        self.rv += 1
        obj = cachemod.copy(obj)
        obj["metadata"]["resourceVersion"] = str(self.rv)
        if etype == "DELETED":
            self.objects.pop(key_of(obj), None)
        else:
            self.objects[key_of(obj)] = obj
        self.log.append((self.rv, {"type": etype, "object": obj}))
        self.kick()
        return obj

    def create(self, obj):
        return self._emit("ADDED", obj)

    def update(self, obj):
        return self._emit("MODIFIED", obj)

    def delete(self, key):
        return self._emit("DELETED", self.objects[key])

    def bookmark(self):
        self.rv += 1
        self.log.append((self.rv, {"type": "BOOKMARK",
                                   "object": {"metadata": {"resourceVersion": str(self.rv)}}}))
        self.kick()

    def compact(self):
        self.compacted = self.rv
        self.log.clear()

    def kick(self):
        """Wake pending watches (with events or, like a timeout, without)."""
        for fut in self._waiters:
            if not fut.done():
                fut.set_result(None)
        self._waiters.clear()

    async def list_object(self, resource, namespace=None, label_selector=None,
                          field_selector=None):
        self.list_calls += 1
        if self.fail_list:
            raise self.fail_list.pop(0)
        items = [o for o in self.objects.values()
                 if namespace is None or o["metadata"]["namespace"] == namespace]
        return {"kind": "PodList", "metadata": {"resourceVersion": str(self.rv)},
                "items": [cachemod.copy(o) for o in items]}

    async def watch_batch(self, resource, namespace=None, resource_version="", timeout=30.0,
                          label_selector=None, field_selector=None, allow_bookmarks=True):
        self.watch_calls.append(resource_version)
        if self.fail_watch:
            raise self.fail_watch.pop(0)
        since = int(resource_version or 0)
        if not any(rv > since for rv, _ in self.log) and since >= self.compacted:
            fut = asyncio.get_running_loop().create_future()
            self._waiters.append(fut)
            await fut
        if since < self.compacted:
            raise errors.gone(f"too old resource version: {since} ({self.compacted})")
        return [cachemod.copy(ev) for rv, ev in self.log if rv > since]


class Recorder:
    """A handler that writes down every call as (kind, name[, name])."""

    def __init__(self):
        self.calls = []

    def on_add(self, obj):
        self.calls.append(("add", obj["metadata"]["name"]))

    def on_update(self, old, new):
        self.calls.append(("update", old["metadata"]["name"], new["metadata"]["name"]))

    def on_delete(self, obj):
        self.calls.append(("delete", obj["metadata"]["name"]))


async def started(api, clock=None, **kwargs):
    inf = Informer(api, "pods", clock=clock or FakeClock(), **kwargs)
    rec = Recorder()
    inf.add_handler(rec)
    inf.start()
    assert await inf.wait_for_sync()
    return inf, rec


# -- cache -----------------------------------------------------------------

def test_key_of_and_split_key():
    assert key_of(pod("p", "ns")) == "ns/p"
    assert key_of({"metadata": {"name": "node1"}}) == "node1"
    assert cachemod.split_key("ns/p") == ("ns", "p")
    assert cachemod.split_key("node1") == ("", "node1")
    with pytest.raises(ValueError):
        key_of({"metadata": {}})


def test_indexers_by_namespace_label_field_and_owner():
    c = Cache({"namespace": by_namespace, "app": by_label("app"),
               "node": by_field("spec.nodeName"), "owner": by_owner_uid})
    c.add(pod("a", "ns1", node="n1", labels={"app": "web"}, owner="rs1"))
    c.add(pod("b", "ns1", node="n2", labels={"app": "web"}, owner="rs1"))
    c.add(pod("c", "ns2", labels={"app": "db"}))
    assert c.index_keys("namespace", "ns1") == ["ns1/a", "ns1/b"]
    assert [o["metadata"]["name"] for o in c.by_index("app", "web")] == ["a", "b"]
    assert c.index_keys("node", "n1") == ["ns1/a"]
    assert c.index_keys("node", "") == []      # Unscheduled pods are filed nowhere.
    assert c.index_keys("owner", "uid-rs1") == ["ns1/a", "ns1/b"]
    assert [o["metadata"]["name"] for o in c.list(namespace="ns2")] == ["c"]
    # An update moves the object between index values; a delete removes it.
    c.update(pod("a", "ns1", node="n2", labels={"app": "db"}))
    assert c.index_keys("node", "n2") == ["ns1/a", "ns1/b"]
    assert c.index_keys("app", "db") == ["ns1/a", "ns2/c"]
    assert c.index_keys("owner", "uid-rs1") == ["ns1/b"]
    c.delete(pod("b", "ns1"))
    assert c.index_keys("owner", "uid-rs1") == [] and "uid-rs1" not in c.index_values("owner")
    assert c.get("ns1/b") is None and len(c) == 2
    with pytest.raises(KeyError):
        c.by_index("nope", "x")


def test_replace_and_late_indexers():
    c = Cache()
    c.add(pod("old"))
    c.replace([pod("x", node="n1"), pod("y", node="n1")], "42")
    assert c.keys() == ["default/x", "default/y"] and c.resource_version == "42"
    c.add_indexers({"node": by_field("spec.nodeName")})     # Built over what is there.
    assert c.index_keys("node", "n1") == ["default/x", "default/y"]
    c.add_indexers({"node": by_field("spec.nodeName")})     # Same function: fine.
    with pytest.raises(ValueError):
        c.add_indexers({"node": by_label("x")})


def test_by_field_shapes_and_copy():
    f = by_field("spec.unschedulable")
    assert f({"spec": {"unschedulable": True}}) == ["true"]
    assert by_field("spec.ports")({"spec": {"ports": [80, 443]}}) == ["80", "443"]
    assert by_field("a.b")({"a": "scalar"}) == []
    o = pod("p", labels={"app": "x"})
    c = cachemod.copy(o)
    c["metadata"]["labels"]["app"] = "y"
    assert o["metadata"]["labels"]["app"] == "x"


# -- informer --------------------------------------------------------------

def test_initial_list_fills_cache_and_fires_adds():
    async def main():
        api = FakeApi()
        api.create(pod("a"))
        api.create(pod("b"))
        inf, rec = await started(api)
        assert inf.cache.keys() == ["default/a", "default/b"]
        assert rec.calls == [("add", "a"), ("add", "b")]
        assert inf.resource_version == "2" and inf.has_synced
        await inf.stop()
    run(main())


def test_watch_events_apply_in_order_and_delete_removes():
    async def main():
        api = FakeApi()
        inf, rec = await started(api)
        a = api.create(pod("a"))
        api.update({**a, "spec": {"nodeName": "n1"}})
        api.create(pod("b"))
        api.delete("default/a")
        await until(lambda: inf.resource_version == "4")
        assert rec.calls == [("add", "a"), ("update", "a", "a"), ("add", "b"), ("delete", "a")]
        assert inf.cache.keys() == ["default/b"]
        await inf.stop()
        assert not inf.running
    run(main())


def test_update_handler_sees_old_and_new():
    async def main():
        api = FakeApi()
        a = api.create(pod("a", labels={"v": "1"}))
        inf = Informer(api, "pods", clock=FakeClock())
        seen = []
        inf.add_handler(on_update=lambda old, new: seen.append(
            (old["metadata"]["labels"]["v"], new["metadata"]["labels"]["v"])))
        inf.start()
        await inf.wait_for_sync()
        api.update({**a, "metadata": {**a["metadata"], "labels": {"v": "2"}}})
        await until(lambda: seen)
        assert seen == [("1", "2")]
        await inf.stop()
    run(main())


def test_gone_relists_and_the_diff_fires_the_right_handlers():
    async def main():
        api = FakeApi()
        api.create(pod("stays"))
        api.create(pod("changes"))
        api.create(pod("goes"))
        inf, rec = await started(api)
        rec.calls.clear()
        # All of this happens while the informer is not looking, then the log
        # is compacted, so its next watch gets 410 and it must re-list.
        api.update({**api.objects["default/changes"], "spec": {"nodeName": "n1"}})
        api.delete("default/goes")
        api.create(pod("new"))
        api.compact()
        await until(lambda: api.list_calls == 2 and inf.resource_version == "6")
        assert sorted(rec.calls) == [("add", "new"), ("delete", "goes"),
                                     ("update", "changes", "changes")]
        assert inf.cache.keys() == ["default/stays", "default/changes", "default/new"]
        # And it keeps watching from the new list's revision.
        api.create(pod("after"))
        await until(lambda: "default/after" in inf.cache)
        await inf.stop()
    run(main())


def test_gone_as_error_event_also_relists():
    async def main():
        api = FakeApi()
        inf, rec = await started(api)
        api.log.append((api.rv + 1, {"type": "ERROR", "object": errors.gone("expired").status}))
        api.rv += 1
        api.kick()
        await until(lambda: api.list_calls == 2)
        await inf.stop()
    run(main())


def test_bookmark_only_advances_resource_version():
    async def main():
        api = FakeApi()
        api.create(pod("a"))
        inf, rec = await started(api)
        api.bookmark()
        await until(lambda: inf.resource_version == "2")
        assert rec.calls == [("add", "a")] and inf.cache.keys() == ["default/a"]
        api.create(pod("b"))
        await until(lambda: inf.resource_version == "3")
        assert api.watch_calls[-1] == "3"
        await inf.stop()
    run(main())


def test_transient_watch_error_is_retried_after_back_off():
    async def main():
        clock = FakeClock()
        api = FakeApi()
        api.fail_watch = [errors.internal("etcd hiccup"), errors.internal("again")]
        inf, rec = await started(api, clock)
        api.create(pod("a"))
        await settle()
        assert "default/a" not in inf.cache and inf.errors == 1
        clock.advance(Informer.backoff_initial)         # First retry fails again...
        await until(lambda: inf.errors == 2)
        clock.advance(Informer.backoff_initial)         # ...and now waits twice as long.
        await settle()
        assert "default/a" not in inf.cache
        clock.advance(Informer.backoff_initial)
        await until(lambda: "default/a" in inf.cache)
        assert api.list_calls == 1                      # Same revision: no re-list.
        await inf.stop()
    run(main())


def test_failed_initial_list_is_retried_and_sync_times_out_on_the_clock():
    async def main():
        clock = FakeClock()
        api = FakeApi()
        api.create(pod("a"))
        api.fail_list = [ConnectionError("apiserver down")]
        inf = Informer(api, "pods", clock=clock)
        inf.start()
        waiting = asyncio.ensure_future(inf.wait_for_sync(timeout=0.5))
        await settle()
        clock.advance(0.5)
        assert await waiting is False
        clock.advance(0.3)                              # 0.8 s: the back-off is over.
        assert await inf.wait_for_sync() and inf.cache.keys() == ["default/a"]
        await inf.stop()
    run(main())


def test_handler_exception_is_logged_not_fatal(caplog):
    async def main():
        api = FakeApi()
        inf = Informer(api, "pods", clock=FakeClock())
        inf.add_handler(on_add=lambda obj: 1 / 0)
        rec = Recorder()
        inf.add_handler(rec)
        inf.start()
        await inf.wait_for_sync()
        api.create(pod("a"))
        api.create(pod("b"))
        await until(lambda: len(rec.calls) == 2)
        await inf.stop()
    run(main())
    assert "event handler" in caplog.text


def test_late_handler_is_replayed_the_cache_and_can_be_removed():
    async def main():
        api = FakeApi()
        api.create(pod("a"))
        inf, _ = await started(api)
        late = Recorder()
        reg = inf.add_handler(late)
        assert late.calls == [("add", "a")]
        inf.remove_handler(reg)
        api.create(pod("b"))
        await until(lambda: "default/b" in inf.cache)
        assert late.calls == [("add", "a")]
        with pytest.raises(ValueError):
            inf.add_handler(SimpleNamespace())
        await inf.stop()
    run(main())


def test_resync_fires_update_with_the_same_object():
    async def main():
        clock = FakeClock()
        api = FakeApi()
        api.create(pod("a"))
        inf, rec = await started(api, clock, resync_period=10)
        rec.calls.clear()
        await settle()
        clock.advance(10)
        await until(lambda: rec.calls)
        assert rec.calls == [("update", "a", "a")]
        await inf.stop()
    run(main())


def test_enqueue_handler_adds_keys_to_a_work_queue():
    async def main():
        clock = FakeClock()
        api = FakeApi()
        api.create(pod("a", "ns"))
        q = WorkQueue(clock)
        inf = Informer(api, "pods", clock=clock)
        inf.add_handler(enqueue_handler(q))
        inf.start()
        await inf.wait_for_sync()
        api.update(api.objects["ns/a"])
        api.create(pod("b", "ns"))
        api.delete("ns/a")
        await until(lambda: inf.resource_version == "4")
        assert [await q.get() for _ in range(len(q))] == ["ns/a", "ns/b"]
        await inf.stop()
    run(main())


def test_shared_informer_factory_shares_and_syncs():
    async def main():
        api = FakeApi()
        api.create(pod("a", "ns1"))
        api.create(pod("b", "ns2"))
        f = SharedInformerFactory(api, FakeClock())
        pods = f.informer("pods", indexers={"node": by_field("spec.nodeName")})
        assert f.informer("pods", indexers={"app": by_label("app")}) is pods
        assert set(pods.cache.indexers) == {"node", "app"}
        ns1 = f.informer("pods", namespace="ns1")
        assert ns1 is not pods and f.informer("pods", "ns1", resync_period=5) is ns1
        assert ns1.resync_period == 5
        f.start_all()
        assert await f.wait_for_sync()
        assert pods.cache.keys() == ["ns1/a", "ns2/b"] and ns1.cache.keys() == ["ns1/a"]
        await f.stop_all()
        assert not any(i.running for i in f.informers)
    run(main())
