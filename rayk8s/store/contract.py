"""The store's contract: etcd v3's MVCC key-value model, in Python.

This module is read first and alone; the implementation (``mvcc.py``), the
durability layer (``wal.py``) and the asyncio facade (``aio.py``) follow it.

Revisions
    The store has one global, strictly increasing ``revision``.  An empty store
    is at revision 1 (as etcd).  Every successful write operation -- a put, a
    delete that removed something, a transaction whose ops wrote anything --
    increments it by exactly one; all keys written by one transaction share
    that revision.  Reads never change it.

Per key
    ``create_revision`` is the revision of the put that created the key's
    current incarnation; ``mod_revision`` the revision of its last write;
    ``version`` counts writes since creation (1 after create).  Deleting a key
    ends the incarnation: a later put starts again at version 1.  The
    apiserver uses ``mod_revision`` as an object's ``resourceVersion`` and
    compares it in transactions (optimistic concurrency).

History and compaction
    Every write is kept as history so that reads at an older revision and
    watches from an older revision can be served.  ``compact(r)`` discards the
    history before ``r``; afterwards a read or watch at a revision < r raises
    :class:`Compacted` (the apiserver turns it into "410 Gone").

Watch
    ``events(prefix, start_revision)`` returns, in revision order, every
    :class:`Event` on keys under ``prefix`` whose revision is >= start_revision
    (etcd's semantics: *from* a revision, inclusive).  A PUT event carries the
    new value and the previous one; a DELETE event carries the previous value.

Leases
    ``lease_grant(ttl)`` returns a lease id; keys put with that lease are
    deleted (as ordinary deletes, producing DELETE events) when the lease
    expires (``ttl`` seconds of the store's clock after the last keep-alive)
    or is revoked.

Values are opaque ``bytes``: the store knows nothing of Kubernetes.
"""

from __future__ import annotations

import dataclasses
import enum
from typing import Protocol, Sequence


class StoreError(Exception):
    """Base class of the store's own errors."""


class Compacted(StoreError):
    """The requested revision has been compacted away."""

    def __init__(self, requested: int, compact_revision: int):
        super().__init__(f"required revision {requested} has been compacted "
                         f"(compacted at {compact_revision})")
        self.requested = requested
        self.compact_revision = compact_revision

    def __reduce__(self):
        return (Compacted, (self.requested, self.compact_revision))


class FutureRevision(StoreError):
    """The requested revision is newer than the store's current revision."""

    def __init__(self, requested: int, current: int):
        super().__init__(f"required revision {requested} is a future revision "
                         f"(current {current})")
        self.requested = requested
        self.current = current

    def __reduce__(self):
        return (FutureRevision, (self.requested, self.current))


class LeaseNotFound(StoreError):
    def __init__(self, lease_id: int):
        super().__init__(f"lease {lease_id} not found")
        self.lease_id = lease_id

    def __reduce__(self):
        return (LeaseNotFound, (self.lease_id,))


@dataclasses.dataclass(frozen=True, slots=True)
class KeyValue:
    key: str
    value: bytes
    create_revision: int
    mod_revision: int
    version: int
    lease: int = 0


class EventType(str, enum.Enum):
    PUT = "PUT"
    DELETE = "DELETE"


@dataclasses.dataclass(frozen=True, slots=True)
class Event:
    type: EventType
    # For PUT the new key-value; for DELETE a tombstone: key, empty value,
    # mod_revision = the deleting revision, version 0.
    kv: KeyValue
    # The key-value before this event, None when the key did not exist.
    prev_kv: KeyValue | None

    @property
    def revision(self) -> int:
        return self.kv.mod_revision


@dataclasses.dataclass(frozen=True, slots=True)
class RangeResult:
    kvs: list[KeyValue]
    # True when ``limit`` cut the result short.
    more: bool
    # Number of keys in the whole range (not only the returned page).
    count: int
    # The revision the range was served at.
    revision: int


class Target(str, enum.Enum):
    MOD = "mod"          # compare mod_revision (0 when the key is absent)
    CREATE = "create"    # compare create_revision (0 when absent)
    VERSION = "version"  # compare version (0 when absent)
    VALUE = "value"      # compare value bytes (b"" when absent)


@dataclasses.dataclass(frozen=True, slots=True)
class Compare:
    """``key``'s ``target`` compared with ``value`` by ``op`` (=, !=, <, >)."""
    key: str
    target: Target
    op: str
    value: int | bytes


@dataclasses.dataclass(frozen=True, slots=True)
class Put:
    key: str
    value: bytes
    lease: int = 0


@dataclasses.dataclass(frozen=True, slots=True)
class Delete:
    key: str


@dataclasses.dataclass(frozen=True, slots=True)
class Get:
    key: str


Op = Put | Delete | Get


@dataclasses.dataclass(frozen=True, slots=True)
class TxnResult:
    succeeded: bool
    # The store revision after the transaction (unchanged if nothing was written).
    revision: int
    # One entry per op that ran: for Put the previous KeyValue (or None), for
    # Delete the deleted KeyValue (or None when absent), for Get the KeyValue
    # (or None).
    responses: list[KeyValue | None]


class KV(Protocol):
    """What the MVCC store offers (synchronous; see aio.AsyncStore)."""

    @property
    def revision(self) -> int: ...

    @property
    def compact_revision(self) -> int: ...

    def get(self, key: str, revision: int = 0) -> KeyValue | None:
        """The key at ``revision`` (0 = current); raises Compacted/FutureRevision."""

    def range(self, prefix: str, start_key: str = "", limit: int = 0,
              revision: int = 0) -> RangeResult:
        """Keys with ``prefix`` and >= ``start_key``, in key order, at ``revision``."""

    def put(self, key: str, value: bytes, lease: int = 0) -> tuple[int, KeyValue | None]:
        """Write; returns (new revision, previous kv)."""

    def delete(self, key: str) -> tuple[int, KeyValue | None]:
        """Delete; returns (revision, deleted kv). No-op (same revision) when absent."""

    def txn(self, compares: Sequence[Compare], success: Sequence[Op],
            failure: Sequence[Op] = ()) -> TxnResult:
        """If every compare holds run ``success``, else ``failure``; atomically."""

    def events(self, prefix: str, start_revision: int) -> list[Event]:
        """Every event under ``prefix`` with revision >= start_revision."""

    def compact(self, revision: int) -> None:
        """Drop history before ``revision``."""

    def lease_grant(self, ttl: float, lease_id: int = 0) -> int: ...

    def lease_keepalive(self, lease_id: int) -> float:
        """Renew; returns the ttl. Raises LeaseNotFound."""

    def lease_revoke(self, lease_id: int) -> int:
        """Revoke and delete attached keys; returns the revision."""

    def expire_leases(self) -> int:
        """Revoke every lease past its deadline by the store's clock; returns how many."""
