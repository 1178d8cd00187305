"""Per-key history: what reads at an old revision and compaction work on.

:class:`KeyIndex` maps every key with retained history to a
:class:`KeyHistory` (its writes in ascending revision order, ``None`` for a
delete) and keeps those keys sorted, so a range at an old revision bisects to
its prefix and walks only the keys under it.

Compaction at C keeps, per key, the latest entry at or before C (unless it is
a delete) and every later one; so reads at any revision >= C stay exact.  Only
keys that have something to drop -- more than one entry, or a delete -- are
visited: they are tracked in ``_touched``, so compacting a large, mostly
unchanging keyspace is cheap.

Not thread-safe; the store calls it under its lock.
"""

from __future__ import annotations

import bisect

from .contract import KeyValue


def prefix_end(prefix: str) -> str | None:
    """The smallest string above every string starting with ``prefix`` (None: no bound)."""
    p = prefix.rstrip("\U0010ffff")
    return p[:-1] + chr(ord(p[-1]) + 1) if p else None


def bounds(keys: list[str], prefix: str, start_key: str) -> tuple[int, int]:
    """The slice of sorted ``keys`` that start with ``prefix`` and are >= ``start_key``."""
    lo = bisect.bisect_left(keys, max(prefix, start_key))
    end = prefix_end(prefix)
    hi = len(keys) if end is None else bisect.bisect_left(keys, end)
    return lo, max(lo, hi)


def remove_sorted(keys: list[str], key: str) -> None:
    i = bisect.bisect_left(keys, key)
    if i < len(keys) and keys[i] == key:
        del keys[i]


class KeyHistory:
    """One key's retained writes: ascending ``revs``; ``kvs[i]`` None = delete."""

    __slots__ = ("revs", "kvs")

    def __init__(self) -> None:
        self.revs: list[int] = []
        self.kvs: list[KeyValue | None] = []

    def at(self, revision: int) -> KeyValue | None:
        i = bisect.bisect_right(self.revs, revision) - 1
        return self.kvs[i] if i >= 0 else None


class KeyIndex:
    def __init__(self) -> None:
        self._hist: dict[str, KeyHistory] = {}
        # The keys of _hist in order; stale while ``bulk`` (see end_bulk).
        self._sorted: list[str] = []
        # Keys with more than one entry or a delete: what compaction visits.
        self._touched: set[str] = set()
        # While loading a store, skip sorting on every new key; end_bulk sorts once.
        self.bulk = False

    def __len__(self) -> int:
        return len(self._hist)

    def record(self, key: str, rev: int, kv: KeyValue | None) -> None:
        """Append a write (``kv``) or a delete (None) of ``key`` at ``rev``."""
        h = self._hist.get(key)
        if h is None:
            h = self._hist[key] = KeyHistory()
            if not self.bulk:
                bisect.insort(self._sorted, key)
        h.revs.append(rev)
        h.kvs.append(kv)
        if kv is None or len(h.revs) > 1:
            self._touched.add(key)

    def end_bulk(self) -> None:
        self.bulk = False
        self._sorted = sorted(self._hist)

    def get(self, key: str, revision: int) -> KeyValue | None:
        h = self._hist.get(key)
        return h.at(revision) if h is not None else None

    def range(self, prefix: str, start_key: str, limit: int,
              revision: int) -> tuple[list[KeyValue], int]:
        """(up to ``limit`` kvs, count of all) live at ``revision`` in the key range."""
        lo, hi = bounds(self._sorted, prefix, start_key)
        kvs, count = [], 0
        for i in range(lo, hi):
            kv = self._hist[self._sorted[i]].at(revision)
            if kv is not None:
                count += 1
                if not limit or len(kvs) < limit:
                    kvs.append(kv)
        return kvs, count

    def oldest_before(self, revision: int) -> list[KeyValue]:
        """Every key's first entry when it is live and older than ``revision``."""
        out = []
        for key in self._sorted:
            h = self._hist[key]
            if h.revs[0] < revision and h.kvs[0] is not None:
                out.append(h.kvs[0])
        return out

    def compact(self, revision: int) -> None:
        removed = False
        still: set[str] = set()
        for key in self._touched:
            h = self._hist[key]
            i = bisect.bisect_right(h.revs, revision) - 1
            if i >= 0 and h.kvs[i] is None:
                i += 1  # deleted at or before ``revision``: forget the key's past
            if i > 0:
                del h.revs[:i]
                del h.kvs[:i]
            if not h.revs:
                del self._hist[key]
                removed = True
            elif len(h.revs) > 1 or h.kvs[0] is None:
                still.add(key)
        self._touched = still
        if removed and not self.bulk:
            self._sorted = [k for k in self._sorted if k in self._hist]
