"""The work queue and rate limiters: dedup, stinginess, delays, back-off, shutdown.

Delays run on a FakeClock; the only waiting is ``asyncio.sleep(0)`` yields and
``wait_for`` guards that fire only when a test is broken.
"""

import asyncio

import pytest

from rayk8s.clock import FakeClock
from rayk8s.machinery import ratelimit
from rayk8s.machinery.workqueue import ShutDown, WorkQueue, run_worker


def run(coro):
    return asyncio.run(asyncio.wait_for(coro, 5))


async def settle(n: int = 10) -> None:
    for _ in range(n):
        await asyncio.sleep(0)


async def get_now(q: WorkQueue):
    """A key that must already be available (or about to be, after yields)."""
    return await asyncio.wait_for(q.get(), 1)


def no_delay_queue(clock):
    return WorkQueue(clock, ratelimit.ItemExponentialFailureRateLimiter(1.0, 60.0))


# -- plain queue ---------------------------------------------------------------

def test_add_dedups_queued_keys():
    async def main():
        q = WorkQueue(FakeClock())
        for key in ["a", "b", "a", "a", "c", "b"]:
            q.add(key)
        assert len(q) == 3 and q.depth == 3 and q.adds == 3
        assert [await q.get() for _ in range(3)] == ["a", "b", "c"]
        assert len(q) == 0 and q.unfinished == 3
    run(main())


def test_key_added_while_processing_is_requeued_on_done():
    async def main():
        q = WorkQueue(FakeClock())
        q.add("a")
        assert await q.get() == "a"
        q.add("a")
        q.add("a")
        assert len(q) == 0          # Not handed out while in flight...
        q.done("a")
        assert len(q) == 1          # ...but not lost either, and only once.
        assert await q.get() == "a"
        q.done("a")
        assert len(q) == 0 and q.unfinished == 0
    run(main())


def test_done_without_dirty_does_not_requeue_and_unknown_done_is_ignored():
    async def main():
        q = WorkQueue(FakeClock())
        q.add("a")
        await q.get()
        q.done("a")
        q.done("a")
        q.done("never-seen")
        assert len(q) == 0
    run(main())


def test_one_key_is_never_handed_to_two_workers():
    async def main():
        q = WorkQueue(FakeClock())
        in_flight: set[str] = set()
        overlaps = []
        synced = []
        gate = asyncio.Event()

        async def worker():
            while True:
                try:
                    key = await q.get()
                except ShutDown:
                    return
                if key in in_flight:
                    overlaps.append(key)
                in_flight.add(key)
                await gate.wait()
                synced.append(key)
                in_flight.discard(key)
                q.done(key)

        workers = [asyncio.ensure_future(worker()) for _ in range(3)]
        q.add("a")
        await settle()
        q.add("a")                  # Dirty while worker 1 holds it.
        q.add("b")
        await settle()
        assert in_flight == {"a", "b"} and len(q) == 0
        gate.set()
        await settle(30)
        q.shutdown()
        await asyncio.gather(*workers)
        assert overlaps == []
        assert sorted(synced) == ["a", "a", "b"]
    run(main())


def test_waiting_getter_is_woken_by_add():
    async def main():
        q = WorkQueue(FakeClock())
        getter = asyncio.ensure_future(q.get())
        await settle()
        assert not getter.done()
        q.add("x")
        assert await asyncio.wait_for(getter, 1) == "x"
    run(main())


def test_cancelled_getter_does_not_swallow_a_key():
    async def main():
        q = WorkQueue(FakeClock())
        first = asyncio.ensure_future(q.get())
        second = asyncio.ensure_future(q.get())
        await settle()
        q.add("x")                  # Wakes `first`...
        first.cancel()              # ...which dies before taking the key.
        assert await asyncio.wait_for(second, 1) == "x"
    run(main())


# -- shutdown ----------------------------------------------------------------

def test_shutdown_drains_queued_keys_then_raises():
    async def main():
        q = WorkQueue(FakeClock())
        q.add("a")
        q.add("b")
        q.shutdown()
        q.add("c")                  # Ignored once shutting down.
        q.add_after("d", 1)
        assert await q.get() == "a"
        assert await q.get() == "b"
        with pytest.raises(ShutDown):
            await q.get()
    run(main())


def test_shutdown_wakes_waiting_getters():
    async def main():
        q = WorkQueue(FakeClock())
        getters = [asyncio.ensure_future(q.get()) for _ in range(3)]
        await settle()
        q.shutdown()
        results = await asyncio.gather(*getters, return_exceptions=True)
        assert all(isinstance(r, ShutDown) for r in results)
    run(main())


def test_shutdown_drops_delayed_keys():
    async def main():
        clock = FakeClock()
        q = WorkQueue(clock)
        q.add_after("late", 5)
        await settle()
        q.shutdown()
        clock.advance(10)
        await settle()
        assert len(q) == 0 and q.waiting == 0
    run(main())


# -- delays --------------------------------------------------------------------

def test_add_after_releases_keys_in_deadline_order():
    async def main():
        clock = FakeClock()
        q = WorkQueue(clock)
        q.add_after("a", 5)
        q.add_after("b", 2)
        q.add_after("c", 10)
        q.add_after("now", 0)       # No delay: queued at once.
        assert await get_now(q) == "now"
        await settle()
        assert len(q) == 0 and q.waiting == 3
        clock.advance(3)
        assert await get_now(q) == "b"
        clock.advance(3)
        assert await get_now(q) == "a"
        clock.advance(3.9)
        await settle()
        assert len(q) == 0
        clock.advance(0.1)
        assert await get_now(q) == "c"
        assert q.waiting == 0
    run(main())


def test_add_after_keeps_the_earlier_deadline():
    async def main():
        clock = FakeClock()
        q = WorkQueue(clock)
        q.add_after("a", 10)
        await settle()              # The timer now sleeps until t+10...
        q.add_after("a", 2)         # ...and must be woken for the earlier one.
        q.add_after("a", 7)         # A later deadline does not push it back.
        clock.advance(2)
        assert await get_now(q) == "a"
        q.done("a")
        clock.advance(10)
        await settle()
        assert len(q) == 0          # The superseded deadlines fire nothing.
    run(main())


def test_delayed_key_already_queued_is_not_duplicated():
    async def main():
        clock = FakeClock()
        q = WorkQueue(clock)
        q.add("a")
        q.add_after("a", 1)
        clock.advance(1)
        await settle()
        assert len(q) == 1
    run(main())


def test_add_after_outside_a_loop_starts_on_first_get():
    clock = FakeClock()
    q = WorkQueue(clock)
    q.add_after("a", 1)             # No event loop yet.

    async def main():
        getter = asyncio.ensure_future(q.get())
        await settle()
        clock.advance(1)
        assert await asyncio.wait_for(getter, 1) == "a"
    run(main())


# -- rate limiting ---------------------------------------------------------------

def test_exponential_limiter_doubles_caps_and_forgets():
    rl = ratelimit.ItemExponentialFailureRateLimiter(0.005, 0.04)
    assert [rl.when("a") for _ in range(5)] == [0.005, 0.01, 0.02, 0.04, 0.04]
    assert rl.when("b") == 0.005    # Per key.
    assert rl.num_requeues("a") == 5
    rl.forget("a")
    assert rl.num_requeues("a") == 0 and rl.when("a") == 0.005
    big = ratelimit.ItemExponentialFailureRateLimiter(1.0, 1000.0)
    assert [big.when("k") for _ in range(2000)][-1] == 1000.0  # No float overflow.


def test_bucket_limiter_spends_burst_then_spaces_at_qps():
    clock = FakeClock()
    rl = ratelimit.BucketRateLimiter(qps=2, burst=3, clock=clock)
    assert [rl.when(k) for k in "abcde"] == [0, 0, 0, 0.5, 1.0]
    clock.advance(1.0)              # Repays the two borrowed tokens, nothing more.
    assert rl.when("f") == 0.5
    clock.advance(100)              # Refills to burst, not beyond.
    assert [rl.when(k) for k in "ghij"] == [0, 0, 0, 0.5]
    assert rl.num_requeues("a") == 0
    with pytest.raises(TypeError):
        ratelimit.BucketRateLimiter(10, 100)


def test_max_of_and_default_controller_limiter():
    clock = FakeClock()
    rl = ratelimit.default_controller_rate_limiter(clock)
    assert [rl.when("a") for _ in range(3)] == [0.005, 0.01, 0.02]
    assert rl.num_requeues("a") == 3
    rl.forget("a")
    assert rl.num_requeues("a") == 0
    # 100 keys of burst are spent (3 above); then the 10 qps bucket dominates.
    delays = [rl.when(f"k{i}") for i in range(100)]
    assert delays[96] == 0.005 and delays[97] == pytest.approx(0.1)
    assert delays[99] == pytest.approx(0.3)


def test_add_rate_limited_backs_off_doubling_until_forget():
    async def main():
        clock = FakeClock()
        q = no_delay_queue(clock)   # 1 s doubling, no bucket.
        for expected_delay in [1, 2, 4]:
            q.add_rate_limited("a")
            clock.advance(expected_delay - 0.5)
            await settle()
            assert len(q) == 0
            clock.advance(0.5)
            assert await get_now(q) == "a"
            q.done("a")
        assert q.num_requeues("a") == 3 and q.retries == 3
        q.forget("a")
        assert q.num_requeues("a") == 0
        q.add_rate_limited("a")
        clock.advance(1)
        assert await get_now(q) == "a"
    run(main())


def test_run_worker_handles_keys_backs_failures_off_and_stops_at_shutdown():
    clock = FakeClock()

    async def main():
        q = WorkQueue(clock, ratelimit.ItemExponentialFailureRateLimiter(5.0, 60.0))
        handled, failed = [], []

        async def handle(key):
            handled.append(key)
            if key == "bad":
                raise RuntimeError("boom")
            q.forget(key)
        worker = asyncio.get_running_loop().create_task(
            run_worker(q, handle, lambda key, exc: failed.append((key, str(exc)))))
        q.add("good")
        q.add("bad")
        await settle()
        assert handled == ["good", "bad"] and failed == [("bad", "boom")]
        assert q.num_requeues("bad") == 1 and q.num_requeues("good") == 0
        assert len(q) == 0                  # "bad" waits out its back-off, not re-run yet
        q.shutdown()
        await asyncio.wait_for(worker, 1)   # the worker returns at shutdown
    run(main())
