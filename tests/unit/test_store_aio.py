"""The asyncio facade: mirrored operations, long-poll watches, lease
maintenance and metrics.  Waits are bounded by short timeouts."""

from __future__ import annotations

import asyncio
import threading

import pytest
from prometheus_client import CollectorRegistry

from rayk8s.clock import FakeClock
from rayk8s.store import (AsyncStore, Compacted, Compare, Delete, EventType, Get, LeaseNotFound,
                          MVCCStore, Put, Target)


def run(coro):
    return asyncio.run(asyncio.wait_for(coro, 5))


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def astore(clock):
    return AsyncStore(MVCCStore(clock=clock))


def test_operations_mirror_the_store(astore):
    async def main():
        assert await astore.put("/a", b"1") == (2, None)
        assert (await astore.get("/a")).value == b"1"
        res = await astore.txn([Compare("/a", Target.MOD, "=", 2)],
                               [Put("/b", b"2"), Delete("/a"), Get("/b")])
        assert res.succeeded and res.revision == 3 and res.responses[2].value == b"2"
        assert (await astore.range("/", limit=1)).count == 1
        assert (await astore.get("/a", 2)).value == b"1"
        assert [e.type for e in await astore.events("", 2)] == [
            EventType.PUT, EventType.PUT, EventType.DELETE]
        lease = await astore.lease_grant(10)
        await astore.put("/l", b"x", lease)
        assert await astore.lease_keepalive(lease) == 10
        assert await astore.lease_revoke(lease) == 5
        with pytest.raises(LeaseNotFound):
            await astore.lease_keepalive(lease)
        await astore.compact(4)
        assert await astore.delete("/nothing") == (5, None)
        assert astore.revision == 5 and astore.compact_revision == 4
        assert astore.stats()["watchers"] == 0
    run(main())


def test_the_default_store_is_in_memory():
    astore = AsyncStore()
    assert run(astore.put("/a", b"1"))[0] == 2 and not astore.store.durable


@pytest.mark.parametrize("start,expected", [(1, 2), (2, 2), (3, 1)])
def test_wait_events_returns_history_at_once(astore, start, expected):
    async def main():
        await astore.put("/w/a", b"1")
        await astore.put("/w/b", b"1")
        return await astore.wait_events("/w/", start, timeout=60)
    assert len(run(main())) == expected


def test_wait_events_wakes_on_a_write(astore):
    async def main():
        waiter = asyncio.create_task(astore.wait_events("/w/", 2, timeout=30))
        await asyncio.sleep(0)
        assert astore.watchers == 1
        await astore.put("/w/a", b"1")
        evs = await waiter
        assert [(e.kv.key, e.revision) for e in evs] == [("/w/a", 2)]
        assert astore.watchers == 0
    run(main())


@pytest.mark.parametrize("prefix", ["/w/", "/w/a", ""])
def test_wait_events_wakes_for_a_matching_prefix(astore, prefix):
    async def main():
        waiter = asyncio.create_task(astore.wait_events(prefix, 2, timeout=30))
        await asyncio.sleep(0)
        await astore.txn([], [Put("/w/a", b"1"), Put("/x", b"2")])
        return await waiter
    assert len(run(main())) == (2 if prefix == "" else 1)


def test_wait_events_times_out_with_nothing(astore):
    async def main():
        await astore.put("/other", b"1")
        waiter = asyncio.create_task(astore.wait_events("/w/", 2, timeout=0.05))
        await asyncio.sleep(0)
        await astore.put("/other", b"2")  # not under the prefix: no wake-up
        return await waiter
    assert run(main()) == []


@pytest.mark.parametrize("timeout", [0, -1])
def test_wait_events_with_no_timeout_does_not_wait(astore, timeout):
    assert run(astore.wait_events("", 2, timeout)) == []


def test_wait_events_from_a_future_revision_waits_for_it(astore):
    async def main():
        waiter = asyncio.create_task(astore.wait_events("", 3, timeout=30))
        await asyncio.sleep(0)
        await astore.put("/a", b"1")      # revision 2: not enough
        await asyncio.sleep(0)
        assert not waiter.done()
        await astore.put("/a", b"2")      # revision 3
        return await waiter
    assert [e.revision for e in run(main())] == [3]


def test_wait_events_raises_compacted(astore):
    async def main():
        for i in range(3):
            await astore.put("/a", str(i).encode())
        await astore.compact(3)
        with pytest.raises(Compacted):
            await astore.wait_events("", 2, timeout=30)
    run(main())


def test_a_write_from_another_thread_wakes_a_waiter(astore):
    async def main():
        waiter = asyncio.create_task(astore.wait_events("/t/", 2, timeout=30))
        await asyncio.sleep(0)
        thread = threading.Thread(target=astore.store.put, args=("/t/a", b"1"))
        thread.start()
        evs = await waiter
        thread.join()
        return evs
    assert [e.kv.key for e in run(main())] == ["/t/a"]


def test_cancelled_waiters_are_forgotten(astore):
    async def main():
        tasks = [asyncio.create_task(astore.wait_events(f"/p{i % 3}/", 2, timeout=30))
                 for i in range(10)]
        await asyncio.sleep(0)
        assert astore.watchers == 10
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        assert astore.watchers == 0 and astore._waiters == {}
    run(main())


def test_close_releases_waiters(astore):
    async def main():
        waiter = asyncio.create_task(astore.wait_events("/w/", 2, timeout=30))
        await asyncio.sleep(0)
        astore.close()
        return await waiter
    assert run(main()) == []


def test_maintenance_expires_leases_on_the_clock(astore, clock):
    async def main():
        lease = await astore.lease_grant(5)
        await astore.put("/l", b"1", lease)
        start = clock.now()
        task = asyncio.create_task(astore.run_maintenance(lease_interval=1.0))
        watch = asyncio.create_task(astore.wait_events("/l", 3, timeout=30))
        for _ in range(100):
            if watch.done():
                break
            await asyncio.sleep(0)
            clock.advance(1.0)
        evs = await watch
        assert clock.now() - start >= 5
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        return evs
    evs = run(main())
    assert [(e.type, e.kv.key) for e in evs] == [(EventType.DELETE, "/l")]


def sample(registry, name, labels=None):
    return registry.get_sample_value(name, labels or {})


def test_metrics(clock):
    registry = CollectorRegistry()
    astore = AsyncStore(MVCCStore(clock=clock), registry=registry)

    async def main():
        await astore.put("/a", b"1", type="pods")
        await astore.put("/b", b"1")
        await astore.get("/a", type="pods")
        await astore.range("/")
        await astore.txn([], [Put("/c", b"1"), Delete("/a"), Delete("/zz")], type="pods")
        await astore.delete("/b")
        lease = await astore.lease_grant(10)
        await astore.put("/l", b"1", lease)
        await astore.lease_revoke(lease)
        waiter = asyncio.create_task(astore.wait_events("/w", 100, timeout=30))
        await asyncio.sleep(0)
        assert sample(registry, "etcd_debugging_mvcc_watcher_total") == 1
        waiter.cancel()
        await asyncio.gather(waiter, return_exceptions=True)
        await astore.compact(3)
    run(main())
    assert sample(registry, "etcd_mvcc_put_total") == 4
    assert sample(registry, "etcd_mvcc_delete_total") == 3
    assert sample(registry, "etcd_mvcc_txn_total") == 1
    assert sample(registry, "etcd_mvcc_range_total") == 2
    assert sample(registry, "etcd_request_duration_seconds_count",
                  {"operation": "put", "type": "pods"}) == 1
    assert sample(registry, "etcd_request_duration_seconds_count",
                  {"operation": "put", "type": ""}) == 2
    assert sample(registry, "etcd_request_duration_seconds_count",
                  {"operation": "txn", "type": "pods"}) == 1
    assert sample(registry, "etcd_debugging_mvcc_current_revision") == astore.revision == 7
    assert sample(registry, "etcd_debugging_mvcc_compact_revision") == 3
    assert sample(registry, "etcd_debugging_mvcc_keys_total") == 1
    assert sample(registry, "etcd_debugging_mvcc_watcher_total") == 0
