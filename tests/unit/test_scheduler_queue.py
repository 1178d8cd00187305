"""The scheduling queue: priority order, back-off, unschedulable pods and moves."""

import asyncio

import pytest

from rayk8s.clock import FakeClock
from rayk8s.scheduler.queue import SchedulingQueue


def run(coro):
    return asyncio.run(asyncio.wait_for(coro, 5))


async def settle(n=20):
    for _ in range(n):
        await asyncio.sleep(0)


def make(clock=None, **kw):
    clock = clock or FakeClock()
    return clock, SchedulingQueue(clock, **kw)


def test_higher_priority_first_then_fifo():
    async def main():
        clock, q = make()
        q.add("default/low", 0)
        clock.advance(1)
        q.add("default/high", 100)
        clock.advance(1)
        q.add("default/low2", 0)
        q.add("default/high2", 100)
        return [(await q.pop()).key for _ in range(4)]
    assert run(main()) == ["default/high", "default/high2", "default/low", "default/low2"]


def test_add_is_idempotent_and_delete_forgets():
    async def main():
        _, q = make()
        assert q.add("a") and not q.add("a")
        q.add("b")
        q.delete("a")
        assert len(q) == 1 and q.pending() == {"active": 1, "backoff": 0, "unschedulable": 0}
        return (await q.pop()).key
    assert run(main()) == "b"


@pytest.mark.parametrize("attempts,want", [(1, 1), (2, 2), (3, 4), (4, 8), (5, 10), (9, 10)])
def test_backoff_doubles_from_one_to_ten_seconds(attempts, want):
    _, q = make()
    q.add("a")
    info = q.get("a")
    info.attempts = attempts
    assert q.backoff_duration(info) == want


def test_unschedulable_pod_waits_for_an_event():
    async def main():
        clock, q = make()
        q.add("a")
        info = await q.pop()
        q.add_unschedulable(info, {"NodeResourcesFit"})
        assert q.pending()["unschedulable"] == 1
        assert q.move_all("NodeAdd", lambda i, e: False) == 0
        clock.advance(0.5)
        assert q.move_all("NodeAdd") == 1
        # still inside its 1 s back-off: it waits in backoff, then becomes active
        assert q.pending() == {"active": 0, "backoff": 1, "unschedulable": 0}
        clock.advance(0.6)
        assert q.flush_backoff_completed() == 1
        return (await q.pop()).attempts
    assert run(main()) == 2


def test_moved_after_backoff_goes_straight_to_active():
    async def main():
        clock, q = make()
        q.add("a")
        q.add_unschedulable(await q.pop(), {"X"})
        clock.advance(2)
        q.move_all("NodeAdd")
        return q.pending()
    assert run(main()) == {"active": 1, "backoff": 0, "unschedulable": 0}


def test_errors_go_to_backoff():
    async def main():
        _, q = make()
        q.add("a")
        q.add_unschedulable(await q.pop(), error=True)
        return q.pending()
    assert run(main()) == {"active": 0, "backoff": 1, "unschedulable": 0}


def test_move_during_the_cycle_sends_the_pod_to_backoff():
    async def main():
        _, q = make()
        q.add("a")
        info = await q.pop()
        q.move_all("NodeAdd")  # an event while the pod was being scheduled
        q.add_unschedulable(info, {"X"})
        return q.pending()
    assert run(main()) == {"active": 0, "backoff": 1, "unschedulable": 0}


def test_pod_deleted_while_in_flight_is_not_requeued():
    async def main():
        _, q = make()
        q.add("a")
        info = await q.pop()
        q.delete("a")
        q.add_unschedulable(info, {"X"})
        return len(q)
    assert run(main()) == 0


def test_update_gives_an_unschedulable_pod_another_try():
    async def main():
        clock, q = make()
        q.add("a")
        q.add_unschedulable(await q.pop(), {"X"})
        clock.advance(5)
        q.update("a")
        return q.pending()["active"]
    assert run(main()) == 1


def test_timer_moves_expired_backoff_and_flushes_old_unschedulable_pods():
    async def main():
        clock, q = make(max_unschedulable=300)
        timer = asyncio.get_running_loop().create_task(q.run())
        q.add("a")
        q.add("b")
        q.add_unschedulable(await q.pop(), error=True)      # a: backoff 1 s
        q.add_unschedulable(await q.pop(), {"X"})           # b: unschedulable
        await settle()
        clock.advance(1.01)
        await settle()
        assert q.pending() == {"active": 1, "backoff": 0, "unschedulable": 1}
        assert (await q.pop()).key == "a"
        for _ in range(11):                                 # 330 s in 30 s ticks
            clock.advance(30)
            await settle()
        assert q.pending()["active"] == 1
        q.close()
        await timer
        return (await q.pop())
    assert run(main()) is None


def test_requeue_after_bind_error_keeps_attempts():
    async def main():
        _, q = make()
        q.add("a")
        info = await q.pop()
        q.done("a")
        assert len(q) == 0
        q.requeue_error(info)
        return q.pending(), q.get("a").attempts
    assert run(main()) == ({"active": 0, "backoff": 1, "unschedulable": 0}, 1)


def test_incoming_pods_are_reported():
    seen = []

    async def main():
        _, q = make(on_incoming=lambda queue, event: seen.append((queue, event)))
        q.add("a")
        q.add_unschedulable(await q.pop(), {"X"})
        q.move_all("NodeAdd")
    run(main())
    assert seen == [("active", "PodAdd"), ("unschedulable", "ScheduleAttemptFailure"),
                    ("backoff", "NodeAdd")]
