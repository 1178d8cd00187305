"""The MVCC store: etcd v3's key-value model in memory, optionally durable.

Implements :class:`rayk8s.store.contract.KV`; read ``contract.py`` first for
the meaning of revisions, versions, history, watch and leases.

State (every part guarded by ``_lock``)

- ``_live`` maps each live key to its current :class:`KeyValue`, and
  ``_live_sorted`` holds the same keys in order, so a current range is two
  bisections plus a slice: a prefix list costs O(log n + page), and its
  ``count`` is a subtraction.
- ``_index`` (:mod:`.index`) keeps every key's history since compaction, for
  reads at an old revision.
- ``_events`` is the event log since the compact revision, in commit order
  (the ops' order inside a transaction), with ``_event_revs`` beside it for
  bisection.  ``events()`` slices it; a watcher that fell behind is caught up
  from it and never slows a writer.
- ``_lessor`` (:mod:`.lease`) tracks leases and their keys.

Every write is first planned (validated, its mutations computed without
touching state), then logged to the WAL when the store is durable
(:mod:`.wal`), then applied by ``_apply`` -- the one function that changes key
state, shared by live writes, WAL replay and snapshot loading, so recovery
rebuilds exactly the versions, create revisions and events the live store
produced.

Locking: one re-entrant lock, ``_lock``, taken by every public method; it is
the only lock here.  Listeners (see :meth:`MVCCStore.subscribe`) run while it
is held, so they must be quick and must not wait on another thread that
could be calling the store.
"""

from __future__ import annotations

import bisect
import logging
import threading
from typing import Callable, Sequence

from .. import clock as clockmod
from . import index
from . import lease as leasemod
from . import wal as walmod
from .contract import (Compacted, Compare, Delete, Event, EventType, FutureRevision, Get,
                       KeyValue, LeaseNotFound, Op, Put, RangeResult, StoreError, Target,
                       TxnResult)

log = logging.getLogger(__name__)

# A mutation as planned, logged and applied: (key, value, lease); value None
# deletes the key.
Mutation = tuple  # (str, bytes | None, int)
Listener = Callable[[list[Event]], None]


class InvalidRequest(StoreError, ValueError):
    """A malformed call: bad key, value, ttl, compare or duplicate txn key."""


class StoreClosed(StoreError):
    """A write after :meth:`MVCCStore.close`."""


_OPS = {
    "=": lambda a, b: a == b, "==": lambda a, b: a == b, "!=": lambda a, b: a != b,
    "<": lambda a, b: a < b, ">": lambda a, b: a > b,
}


def _check_key(key: str) -> None:
    if not isinstance(key, str) or not key:
        raise InvalidRequest(f"key must be a non-empty str, not {key!r}")


def _check_value(value) -> bytes:
    if not isinstance(value, (bytes, bytearray, memoryview)):
        raise InvalidRequest(f"value must be bytes, not {type(value).__name__}")
    return bytes(value)


class MVCCStore:
    """etcd-v3-like multi-version key-value store (see the module docstring)."""

    def __init__(self, clock: clockmod.Clock | None = None, data_dir: str | None = None,
                 snapshot_every: int = 10_000, fsync: bool = False):
        self._clock = clock if clock is not None else clockmod.RealClock()
        self._lock = threading.RLock()
        self._rev = 1
        self._compact_rev = 0
        self._live: dict[str, KeyValue] = {}
        self._live_sorted: list[str] = []
        self._index = index.KeyIndex()
        self._events: list[Event] = []
        self._event_revs: list[int] = []
        self._lessor = leasemod.Lessor(self._clock)
        self._listeners: list[Listener] = []
        self._closed = False
        self._wal: walmod.WAL | None = None
        if data_dir is not None:
            self._wal = walmod.WAL(data_dir, snapshot_every=snapshot_every, fsync=fsync)
            self._recover()

    # -- properties ---------------------------------------------------------

    @property
    def revision(self) -> int:
        return self._rev

    @property
    def compact_revision(self) -> int:
        return self._compact_rev

    @property
    def keys_count(self) -> int:
        return len(self._live)

    @property
    def clock(self) -> clockmod.Clock:
        return self._clock

    @property
    def durable(self) -> bool:
        return self._wal is not None

    def stats(self) -> dict:
        with self._lock:
            return {"revision": self._rev, "compact_revision": self._compact_rev,
                    "keys": len(self._live), "leases": len(self._lessor),
                    "history_events": len(self._events), "history_keys": len(self._index)}

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """Call ``listener(events)`` after every commit that produced events.

        It runs under the store lock, in the writer's thread, and must be quick.
        Returns a function that unsubscribes.
        """
        with self._lock:
            self._listeners.append(listener)

        def unsubscribe() -> None:
            with self._lock:
                if listener in self._listeners:
                    self._listeners.remove(listener)
        return unsubscribe

    # -- reads --------------------------------------------------------------

    def _is_current(self, revision: int) -> bool:
        """Validate a read revision; True when it is the current one."""
        if revision < 0:
            raise InvalidRequest(f"negative revision {revision}")
        if revision == 0 or revision == self._rev:
            return True
        if revision > self._rev:
            raise FutureRevision(revision, self._rev)
        if revision < self._compact_rev:
            raise Compacted(revision, self._compact_rev)
        return False

    def get(self, key: str, revision: int = 0) -> KeyValue | None:
        with self._lock:
            if self._is_current(revision):
                return self._live.get(key)
            return self._index.get(key, revision)

    def range(self, prefix: str, start_key: str = "", limit: int = 0,
              revision: int = 0) -> RangeResult:
        if limit < 0:
            raise InvalidRequest(f"negative limit {limit}")
        with self._lock:
            if self._is_current(revision):
                keys = self._live_sorted
                lo, hi = index.bounds(keys, prefix, start_key)
                stop = min(hi, lo + limit) if limit else hi
                kvs = [self._live[k] for k in keys[lo:stop]]
                return RangeResult(kvs, stop < hi, hi - lo, self._rev)
            kvs, count = self._index.range(prefix, start_key, limit, revision)
            return RangeResult(kvs, len(kvs) < count, count, revision)

    def events(self, prefix: str, start_revision: int) -> list[Event]:
        with self._lock:
            if start_revision < self._compact_rev:
                raise Compacted(start_revision, self._compact_rev)
            evs = self._events
            i = bisect.bisect_left(self._event_revs, start_revision)
            if not prefix:
                return evs[i:]
            return [evs[j] for j in range(i, len(evs)) if evs[j].kv.key.startswith(prefix)]

    # -- writes -------------------------------------------------------------

    def put(self, key: str, value: bytes, lease: int = 0) -> tuple[int, KeyValue | None]:
        _check_key(key)
        value = _check_value(value)
        with self._lock:
            self._check_lease(lease)
            prev = self._live.get(key)
            return self._commit([(key, value, lease)]), prev

    def delete(self, key: str) -> tuple[int, KeyValue | None]:
        with self._lock:
            prev = self._live.get(key)
            if prev is None:
                return self._rev, None
            return self._commit([(key, None, 0)]), prev

    def txn(self, compares: Sequence[Compare], success: Sequence[Op],
            failure: Sequence[Op] = ()) -> TxnResult:
        with self._lock:
            ok = all(self._compare(c) for c in compares)
            muts, responses = self._plan(success if ok else failure)
            rev = self._commit(muts) if muts else self._rev
            return TxnResult(ok, rev, responses)

    def _compare(self, cmp: Compare) -> bool:
        kv = self._live.get(cmp.key)
        target = Target(cmp.target)
        if target is Target.VALUE:
            actual = kv.value if kv is not None else b""
        elif kv is None:
            actual = 0
        else:
            actual = {Target.MOD: kv.mod_revision, Target.CREATE: kv.create_revision,
                      Target.VERSION: kv.version}[target]
        op = _OPS.get(cmp.op)
        if op is None:
            raise InvalidRequest(f"unknown compare op {cmp.op!r}")
        try:
            return op(actual, cmp.value)
        except TypeError:
            raise InvalidRequest(f"cannot compare {target.value} with {cmp.value!r}") from None

    def _plan(self, ops: Sequence[Op]) -> tuple[list[Mutation], list[KeyValue | None]]:
        """The mutations and responses of ``ops``, computed without changing state.

        A Get sees the writes of earlier ops in the same transaction.  As in
        etcd, one transaction may not write the same key twice.
        """
        rev = self._rev + 1
        overlay: dict[str, KeyValue | None] = {}
        muts: list[Mutation] = []
        responses: list[KeyValue | None] = []
        for op in ops:
            _check_key(op.key)
            cur = overlay[op.key] if op.key in overlay else self._live.get(op.key)
            responses.append(cur)
            if isinstance(op, Get):
                continue
            if op.key in overlay:
                raise InvalidRequest(f"duplicate key {op.key!r} in transaction")
            if isinstance(op, Put):
                value = _check_value(op.value)
                self._check_lease(op.lease)
                muts.append((op.key, value, op.lease))
                overlay[op.key] = KeyValue(
                    op.key, value, cur.create_revision if cur else rev, rev,
                    cur.version + 1 if cur else 1, op.lease)
            elif isinstance(op, Delete):
                if cur is not None:
                    muts.append((op.key, None, 0))
                overlay[op.key] = None
            else:
                raise InvalidRequest(f"unknown op {op!r}")
        return muts, responses

    def _check_lease(self, lease: int) -> None:
        if lease and lease not in self._lessor:
            raise LeaseNotFound(lease)

    def _check_writable(self) -> None:
        if self._closed:
            raise StoreClosed("the store is closed")

    def _commit(self, muts: list[Mutation]) -> int:
        """Log then apply ``muts`` at the next revision; returns it."""
        self._check_writable()
        rev = self._rev + 1
        self._log([walmod.WRITE, rev, [list(m) for m in muts]])
        events = self._apply(rev, muts)
        self._after_write(events)
        return rev

    def _log(self, record: list) -> None:
        self._check_writable()
        if self._wal is not None:
            self._wal.append(record)

    def _after_write(self, events: list[Event] = ()) -> None:
        if self._wal is not None and self._wal.snapshot_due:
            self._wal.write_snapshot(self._snapshot_state())
        if events:
            for listener in list(self._listeners):
                try:
                    listener(events)
                except Exception:  # noqa: BLE001 - a listener must not fail a write
                    log.exception("store listener failed")

    def _apply(self, rev: int, muts: Sequence[Mutation]) -> list[Event]:
        """Change key state: every mutation at ``rev``; the one place that does."""
        events = []
        for key, value, lease in muts:
            prev = self._live.get(key)
            if value is None:
                if prev is None:
                    continue
                del self._live[key]
                if not self._index.bulk:
                    index.remove_sorted(self._live_sorted, key)
                self._lessor.detach(prev.lease, key)
                self._index.record(key, rev, None)
                ev = Event(EventType.DELETE, KeyValue(key, b"", 0, rev, 0, 0), prev)
            else:
                if prev is None:
                    kv = KeyValue(key, value, rev, rev, 1, lease)
                    if not self._index.bulk:
                        bisect.insort(self._live_sorted, key)
                else:
                    kv = KeyValue(key, value, prev.create_revision, rev, prev.version + 1, lease)
                    if prev.lease != lease:
                        self._lessor.detach(prev.lease, key)
                self._lessor.attach(lease, key)
                self._live[key] = kv
                self._index.record(key, rev, kv)
                ev = Event(EventType.PUT, kv, prev)
            self._events.append(ev)
            self._event_revs.append(rev)
            events.append(ev)
        self._rev = rev
        return events

    # -- compaction ---------------------------------------------------------

    def compact(self, revision: int) -> None:
        with self._lock:
            if revision > self._rev:
                raise FutureRevision(revision, self._rev)
            if revision <= self._compact_rev:
                raise Compacted(revision, self._compact_rev)
            self._log([walmod.COMPACT, revision])
            self._compact(revision)
            self._after_write()

    def _compact(self, revision: int) -> None:
        self._index.compact(revision)
        i = bisect.bisect_left(self._event_revs, revision)
        del self._events[:i]
        del self._event_revs[:i]
        self._compact_rev = revision

    # -- leases -------------------------------------------------------------

    def lease_grant(self, ttl: float, lease_id: int = 0) -> int:
        if not ttl > 0:
            raise InvalidRequest(f"lease ttl must be positive, not {ttl!r}")
        if lease_id < 0:
            raise InvalidRequest(f"negative lease id {lease_id}")
        with self._lock:
            lease_id = self._lessor.new_id(lease_id)
            self._log([walmod.LEASE_GRANT, lease_id, float(ttl)])
            self._lessor.grant(lease_id, float(ttl))
            self._after_write()
            return lease_id

    def lease_keepalive(self, lease_id: int) -> float:
        with self._lock:
            lease = self._lessor.get(lease_id)
            if self._lessor.is_expired(lease):
                # Expired but not yet swept: it is gone, as in etcd.
                self.lease_revoke(lease_id)
                raise LeaseNotFound(lease_id)
            self._lessor.renew(lease)
            return lease.ttl

    def lease_revoke(self, lease_id: int) -> int:
        with self._lock:
            keys = sorted(self._lessor.get(lease_id).keys)
            rev = self._rev + 1 if keys else self._rev
            self._log([walmod.LEASE_REVOKE, lease_id, rev, keys])
            events = self._apply(rev, [(k, None, 0) for k in keys]) if keys else []
            self._lessor.remove(lease_id)
            self._after_write(events)
            return self._rev

    def expire_leases(self) -> int:
        with self._lock:
            expired = self._lessor.expired()
            for lease_id in expired:
                self.lease_revoke(lease_id)
            return len(expired)

    def lease_time_to_live(self, lease_id: int) -> tuple[float, float, list[str]]:
        """(granted ttl, remaining seconds, attached keys); raises LeaseNotFound."""
        with self._lock:
            lease = self._lessor.get(lease_id)
            return lease.ttl, self._lessor.remaining(lease), sorted(lease.keys)

    def leases(self) -> list[int]:
        with self._lock:
            return sorted(self._lessor.leases)

    # -- durability ---------------------------------------------------------

    def snapshot(self) -> None:
        """Write a snapshot now and start a fresh WAL segment (durable stores)."""
        with self._lock:
            self._check_writable()
            if self._wal is not None:
                self._wal.write_snapshot(self._snapshot_state())

    def close(self) -> None:
        with self._lock:
            if not self._closed and self._wal is not None:
                self._wal.close()
            self._closed = True

    def _snapshot_state(self) -> dict:
        """The whole state as plain data (format: see wal.py's docstring)."""
        # ``base``: each key's state just before the retained history.  For a key
        # written at exactly the compact revision that is the event's prev_kv
        # (compaction dropped it from the key's history); for the others it is
        # the history's first entry when older than the compact revision.
        base: dict[str, KeyValue] = {}
        for ev in self._events:
            if ev.revision > self._compact_rev:
                break
            if ev.prev_kv is not None and ev.kv.key not in base:
                base[ev.kv.key] = ev.prev_kv
        for kv in self._index.oldest_before(self._compact_rev):
            base.setdefault(kv.key, kv)
        writes: list[list] = []
        for ev in self._events:
            mut = [ev.kv.key, ev.kv.value, ev.kv.lease] if ev.type is EventType.PUT \
                else [ev.kv.key, None, 0]
            if writes and writes[-1][0] == ev.revision:
                writes[-1][1].append(mut)
            else:
                writes.append([ev.revision, [mut]])
        return {"format": 1, "revision": self._rev, "compact_revision": self._compact_rev,
                "next_lease_id": self._lessor.next_id,
                "leases": [[lease.id, lease.ttl, self._lessor.remaining(lease)]
                           for lease in self._lessor.leases.values()],
                "base": [[kv.key, kv.value, kv.create_revision, kv.mod_revision, kv.version,
                          kv.lease] for kv in base.values()],
                "writes": writes}

    def _recover(self) -> None:
        snapshot, records = self._wal.recover()
        self._index.bulk = True
        try:
            if snapshot is not None:
                self._load_snapshot(snapshot)
            for record in records:
                self._replay(record)
        except (KeyError, IndexError, TypeError, ValueError) as e:
            self._wal.close()
            raise walmod.WALCorrupted(f"unreadable store state in {self._wal.data_dir}: "
                                      f"{e!r}") from e
        except StoreError:
            self._wal.close()
            raise
        finally:
            self._index.end_bulk()
        self._live_sorted = sorted(self._live)

    def _load_snapshot(self, state: dict) -> None:
        if state.get("format") != 1:
            raise walmod.WALCorrupted(f"unknown snapshot format {state.get('format')!r}")
        # A lease's deadline restarts from now, as etcd refreshes leases when a
        # new leader takes over.
        for lease_id, ttl, _remaining in state["leases"]:
            self._lessor.grant(lease_id, ttl)
        self._lessor.next_id = max(self._lessor.next_id, state["next_lease_id"])
        for key, value, create, mod, version, lease_id in state["base"]:
            kv = self._live[key] = KeyValue(key, value, create, mod, version, lease_id)
            self._index.record(key, mod, kv)
            self._lessor.attach(lease_id, key)
        for rev, muts in state["writes"]:
            self._apply(rev, [tuple(m) for m in muts])
        self._rev = state["revision"]
        # Compacting again drops the base entries the original had dropped,
        # so the history is exactly the one that was saved.
        if state["compact_revision"]:
            self._compact(state["compact_revision"])

    def _replay(self, record: list) -> None:
        kind = record[0]
        if kind == walmod.WRITE:
            _, rev, muts = record
            self._expect_next(rev)
            self._apply(rev, [tuple(m) for m in muts])
        elif kind == walmod.LEASE_GRANT:
            _, lease_id, ttl = record
            self._lessor.grant(lease_id, ttl)
        elif kind == walmod.LEASE_REVOKE:
            _, lease_id, rev, keys = record
            if keys:
                self._expect_next(rev)
                self._apply(rev, [(k, None, 0) for k in keys])
            self._lessor.remove(lease_id)
        elif kind == walmod.COMPACT:
            if not self._compact_rev < record[1] <= self._rev:
                raise walmod.WALCorrupted(f"WAL compaction to {record[1]} at {self._rev}")
            self._compact(record[1])
        else:
            raise walmod.WALCorrupted(f"unknown WAL record kind {kind!r}")

    def _expect_next(self, rev: int) -> None:
        if rev != self._rev + 1:
            raise walmod.WALCorrupted(f"WAL record at revision {rev} after {self._rev}")
