"""The lessor: lease ids, time-to-live deadlines and the keys attached.

Bookkeeping only: deleting a revoked lease's keys is the store's business (it
is an ordinary write).  Deadlines are read from the store's clock; a lease is
expired once ``clock.now() >= deadline``.  Not thread-safe; the store calls it
under its lock.
"""

from __future__ import annotations

from .. import clock as clockmod
from .contract import LeaseNotFound, StoreError


class LeaseExists(StoreError):
    def __init__(self, lease_id: int):
        super().__init__(f"lease {lease_id} already exists")
        self.lease_id = lease_id

    def __reduce__(self):
        return (LeaseExists, (self.lease_id,))


class Lease:
    __slots__ = ("id", "ttl", "deadline", "keys")

    def __init__(self, lease_id: int, ttl: float, deadline: float):
        self.id = lease_id
        self.ttl = ttl
        # Clock time at which the lease expires unless kept alive.
        self.deadline = deadline
        # Live keys attached to this lease (a key is attached to at most one).
        self.keys: set[str] = set()


class Lessor:
    def __init__(self, clock: clockmod.Clock):
        self.clock = clock
        self.leases: dict[int, Lease] = {}
        # Auto ids count up from here, skipping ids in use.
        self.next_id = 1

    def __len__(self) -> int:
        return len(self.leases)

    def __contains__(self, lease_id: int) -> bool:
        return lease_id in self.leases

    def new_id(self, lease_id: int = 0) -> int:
        """``lease_id``, or a free one when 0; raises LeaseExists."""
        if lease_id == 0:
            lease_id = self.next_id
            while lease_id in self.leases:
                lease_id += 1
        elif lease_id in self.leases:
            raise LeaseExists(lease_id)
        return lease_id

    def grant(self, lease_id: int, ttl: float) -> Lease:
        lease = self.leases[lease_id] = Lease(lease_id, ttl, self.clock.now() + ttl)
        self.next_id = max(self.next_id, lease_id + 1)
        return lease

    def get(self, lease_id: int) -> Lease:
        lease = self.leases.get(lease_id)
        if lease is None:
            raise LeaseNotFound(lease_id)
        return lease

    def is_expired(self, lease: Lease) -> bool:
        return lease.deadline <= self.clock.now()

    def renew(self, lease: Lease) -> None:
        lease.deadline = self.clock.now() + lease.ttl

    def remaining(self, lease: Lease) -> float:
        return max(0.0, lease.deadline - self.clock.now())

    def expired(self) -> list[int]:
        now = self.clock.now()
        return [lease.id for lease in self.leases.values() if lease.deadline <= now]

    def attach(self, lease_id: int, key: str) -> None:
        lease = self.leases.get(lease_id)
        if lease is not None:
            lease.keys.add(key)

    def detach(self, lease_id: int, key: str) -> None:
        lease = self.leases.get(lease_id)
        if lease is not None:
            lease.keys.discard(key)

    def remove(self, lease_id: int) -> None:
        self.leases.pop(lease_id, None)
