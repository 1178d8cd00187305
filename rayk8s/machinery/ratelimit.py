"""Rate limiters for the work queue: how long to wait before retrying a key.

These follow client-go's ``util/workqueue`` limiters.  Each answers three
questions about a key:

- ``when(key)`` -- how many emulated seconds to wait before the key may be
  processed again.  Calling it *records a failure*: the per-key limiters count
  it, the bucket spends a token.  Call it once per retry, not to peek.
- ``forget(key)`` -- the key succeeded; reset its failure count.  The work
  queue does not call this by itself: a worker calls ``queue.forget(key)``
  after a successful sync, as in sample-controller.
- ``num_requeues(key)`` -- how many failures are on record for the key.

The per-key limiter protects a broken object from hot-looping; the bucket
protects the apiserver when many keys fail at once.  A controller wants both,
hence :func:`default_controller_rate_limiter`, client-go's default.

Time comes from the injected cluster clock, never from ``time``.
"""

from __future__ import annotations

from typing import Hashable, Protocol

from ..clock import Clock


class RateLimiter(Protocol):
    def when(self, key: Hashable) -> float:
        """Seconds to wait before retrying ``key``; records one failure."""

    def forget(self, key: Hashable) -> None:
        """Clear ``key``'s failure history."""

    def num_requeues(self, key: Hashable) -> int:
        """Failures recorded for ``key`` since it was last forgotten."""


class ItemExponentialFailureRateLimiter:
    """Per-key exponential back-off: ``base * 2**failures``, capped at ``max_delay``.

    The first retry of a key waits ``base``, the next ``2*base``, and so on.
    """

    def __init__(self, base: float = 0.005, max_delay: float = 1000.0):
        if base < 0 or max_delay < 0:
            raise ValueError("delays must not be negative")
        self.base = float(base)
        self.max_delay = float(max_delay)
        # key -> failures recorded since the key was last forgotten (absent = 0).
        self._failures: dict[Hashable, int] = {}

    def when(self, key: Hashable) -> float:
        exp = self._failures.get(key, 0)
        self._failures[key] = exp + 1
        # 2**exp overflows floats near exp=1024; long before that we are capped.
        if exp >= 64:
            return self.max_delay
        return min(self.base * (2 ** exp), self.max_delay)

    def forget(self, key: Hashable) -> None:
        self._failures.pop(key, None)

    def num_requeues(self, key: Hashable) -> int:
        return self._failures.get(key, 0)


class BucketRateLimiter:
    """A token bucket over all keys: ``qps`` tokens a second, at most ``burst`` saved.

    Like ``golang.org/x/time/rate``'s ``Reserve``: every ``when`` takes a token
    even if none is left, so the balance can go negative, and the answer is how
    long until the balance is back to zero.  Ten thousand keys failing at once
    thus spread out at ``qps`` instead of all retrying together.

    The bucket is shared by all keys, so ``forget`` and ``num_requeues`` are
    no-ops here (client-go does the same).
    """

    def __init__(self, qps: float = 10.0, burst: int = 100, clock: Clock | None = None):
        if clock is None:
            raise TypeError("BucketRateLimiter needs the cluster clock")
        if qps <= 0 or burst < 1:
            raise ValueError("qps must be positive and burst at least 1")
        self.qps = float(qps)
        self.burst = int(burst)
        self.clock = clock
        # Token balance as of ``_last`` (emulated time); <= burst, may be negative.
        self._tokens = float(burst)
        self._last = clock.now()

    def when(self, key: Hashable) -> float:
        now = self.clock.now()
        elapsed = max(0.0, now - self._last)
        self._tokens = min(float(self.burst), self._tokens + elapsed * self.qps) - 1.0
        self._last = max(self._last, now)
        return 0.0 if self._tokens >= 0 else -self._tokens / self.qps

    def forget(self, key: Hashable) -> None:
        pass

    def num_requeues(self, key: Hashable) -> int:
        return 0


class MaxOfRateLimiter:
    """The longest delay any of ``limiters`` asks for.

    Every limiter's ``when`` is called (each records the failure), then the
    maximum is returned.
    """

    def __init__(self, *limiters: RateLimiter):
        if not limiters:
            raise ValueError("MaxOfRateLimiter needs at least one limiter")
        self.limiters = limiters

    def when(self, key: Hashable) -> float:
        return max([limiter.when(key) for limiter in self.limiters])

    def forget(self, key: Hashable) -> None:
        for limiter in self.limiters:
            limiter.forget(key)

    def num_requeues(self, key: Hashable) -> int:
        return max(limiter.num_requeues(key) for limiter in self.limiters)


def default_controller_rate_limiter(clock: Clock) -> MaxOfRateLimiter:
    """client-go's ``DefaultControllerRateLimiter``.

    Per key: 5 ms doubling to 1000 s.  Overall: 10 retries a second with a
    burst of 100.  The bucket only bites when a burst of keys fails together.
    """
    return MaxOfRateLimiter(
        ItemExponentialFailureRateLimiter(0.005, 1000.0),
        BucketRateLimiter(10.0, 100, clock),
    )
