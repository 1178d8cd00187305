"""The MVCC store's semantics: revisions, reads in the past, range, txn, watch
history, compaction and leases (in memory; durability is in test_store_wal.py)."""

from __future__ import annotations

import pytest

from rayk8s.clock import FakeClock
from rayk8s.store import (Compacted, Compare, Delete, EventType, FutureRevision, Get,
                          InvalidRequest, KeyValue, LeaseExists, LeaseNotFound, MVCCStore, Put,
                          Target)
from rayk8s.store.index import prefix_end


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def store(clock):
    return MVCCStore(clock=clock)


# -- revisions and versions ---------------------------------------------------

def test_empty_store_is_at_revision_1(store):
    assert (store.revision, store.compact_revision, store.keys_count) == (1, 0, 0)
    assert store.get("/a") is None
    assert store.range("").kvs == []
    assert store.events("", 0) == []


def test_put_bumps_revision_and_counts_versions(store):
    assert store.put("/a", b"1") == (2, None)
    rev, prev = store.put("/a", b"2")
    assert rev == 3 and prev == KeyValue("/a", b"1", 2, 2, 1)
    assert store.get("/a") == KeyValue("/a", b"2", 2, 3, 2)
    store.put("/b", b"x")
    assert store.get("/a").version == 2 and store.get("/b") == KeyValue("/b", b"x", 4, 4, 1)


def test_delete_ends_the_incarnation(store):
    store.put("/a", b"1")
    store.put("/a", b"2")
    rev, prev = store.delete("/a")
    assert rev == 4 and prev.value == b"2"
    assert store.get("/a") is None and store.keys_count == 0
    store.put("/a", b"3")
    assert store.get("/a") == KeyValue("/a", b"3", 5, 5, 1)


def test_delete_of_absent_key_is_a_no_op(store):
    store.put("/a", b"1")
    assert store.delete("/b") == (2, None)
    assert store.revision == 2


@pytest.mark.parametrize("rev,expected", [
    (1, None), (2, b"v1"), (3, b"v2"), (4, None), (5, b"v3"), (0, b"v3")])
def test_get_at_old_revisions(store, rev, expected):
    store.put("/k", b"v1")
    store.put("/k", b"v2")
    store.delete("/k")
    store.put("/k", b"v3")
    kv = store.get("/k", revision=rev)
    assert (kv.value if kv else None) == expected


def test_reading_the_future_raises(store):
    store.put("/a", b"1")
    with pytest.raises(FutureRevision) as e:
        store.get("/a", revision=3)
    assert (e.value.requested, e.value.current) == (3, 2)
    with pytest.raises(FutureRevision):
        store.range("/", revision=10)


# -- range --------------------------------------------------------------------

KEYS = ["/registry/pods/default/a", "/registry/pods/default/b", "/registry/pods/default/c",
        "/registry/pods/kube-system/x", "/registry/pods/defaultx/y", "/registry/services/s"]


@pytest.fixture
def filled(store):
    for k in reversed(KEYS):
        store.put(k, k.encode())
    return store


@pytest.mark.parametrize("prefix,expected", [
    ("/registry/pods/default/", KEYS[:3]),
    ("/registry/pods/", sorted(KEYS[:5])),
    ("/registry/", sorted(KEYS)),
    ("", sorted(KEYS)),
    ("/registry/pods/default/b", ["/registry/pods/default/b"]),
    ("/registry/nodes/", []),
    ("/zzz", []),
])
def test_range_by_prefix_in_key_order(filled, prefix, expected):
    res = filled.range(prefix)
    assert [kv.key for kv in res.kvs] == expected
    assert res.count == len(expected) and not res.more and res.revision == filled.revision


@pytest.mark.parametrize("limit", [1, 2, 3, 4, 5, 6, 7, 100])
def test_range_pages_with_limit_and_start_key(filled, limit):
    seen, start, pages = [], "", 0
    while True:
        res = filled.range("/registry/", start_key=start, limit=limit)
        pages += 1
        assert len(res.kvs) <= limit
        assert res.count == len(KEYS) - len(seen)
        seen += [kv.key for kv in res.kvs]
        if not res.more:
            break
        start = res.kvs[-1].key + "\x00"
    assert seen == sorted(KEYS)
    assert pages == max(1, -(-len(KEYS) // limit))


@pytest.mark.parametrize("start_key,expected", [
    ("", 3), ("/registry/pods/default/b", 2), ("/registry/pods/default/bb", 1),
    ("/a", 3), ("/zzz", 0)])
def test_range_start_key_bounds(filled, start_key, expected):
    res = filled.range("/registry/pods/default/", start_key=start_key)
    assert res.count == len(res.kvs) == expected


@pytest.mark.parametrize("limit", [0, 1, 2, 3])
def test_range_at_an_old_revision(store, limit):
    store.put("/p/a", b"a1")                  # 2
    store.put("/p/b", b"b1")                  # 3
    store.put("/p/c", b"c1")                  # 4
    store.delete("/p/b")                      # 5
    store.put("/p/a", b"a2")                  # 6
    store.put("/p/d", b"d1")                  # 7
    old = store.range("/p/", limit=limit, revision=4)
    want = [("/p/a", b"a1"), ("/p/b", b"b1"), ("/p/c", b"c1")]
    assert [(kv.key, kv.value) for kv in old.kvs] == want[:limit or None]
    assert old.count == 3 and old.revision == 4 and old.more == (0 < limit < 3)
    mid = store.range("/p/", revision=6)
    assert [(kv.key, kv.value) for kv in mid.kvs] == [("/p/a", b"a2"), ("/p/c", b"c1")]


def test_prefix_end():
    assert prefix_end("/a/") == "/a0"
    assert prefix_end("") is None
    assert prefix_end("a\U0010ffff") == "b"
    assert prefix_end("\U0010ffff") is None


def test_range_with_a_maximal_prefix_char(store):
    store.put("a\U0010ffffz", b"1")
    store.put("b", b"2")
    assert [kv.key for kv in store.range("a\U0010ffff").kvs] == ["a\U0010ffffz"]


def test_range_of_many_keys_is_fast(store):
    for i in range(20_000):
        store.put(f"/registry/pods/ns{i % 20}/p{i:05d}", b"x")
    res = store.range("/registry/pods/ns7/", limit=10)
    assert res.count == 1000 and len(res.kvs) == 10 and res.more


# -- txn ----------------------------------------------------------------------

@pytest.mark.parametrize("target,op,value,expected", [
    (Target.MOD, "=", 3, True), (Target.MOD, "=", 2, False), (Target.MOD, "!=", 2, True),
    (Target.MOD, "<", 4, True), (Target.MOD, ">", 3, False),
    (Target.CREATE, "=", 2, True), (Target.CREATE, ">", 1, True),
    (Target.VERSION, "=", 2, True), (Target.VERSION, "<", 2, False),
    (Target.VALUE, "=", b"v2", True), (Target.VALUE, "!=", b"v2", False),
    (Target.VALUE, ">", b"v1", True), (Target.VALUE, "<", b"v1", False),
])
def test_txn_compares_on_an_existing_key(store, target, op, value, expected):
    store.put("/k", b"v1")
    store.put("/k", b"v2")
    res = store.txn([Compare("/k", target, op, value)], [Get("/k")])
    assert res.succeeded is expected


@pytest.mark.parametrize("target,op,value,expected", [
    (Target.MOD, "=", 0, True), (Target.CREATE, "=", 0, True), (Target.VERSION, "=", 0, True),
    (Target.VERSION, ">", 0, False), (Target.VALUE, "=", b"", True),
    (Target.VALUE, "!=", b"", False), ("mod", "=", 0, True),
])
def test_txn_compares_an_absent_key_as_zero(store, target, op, value, expected):
    assert store.txn([Compare("/absent", target, op, value)], []).succeeded is expected


def test_txn_conflict_on_mod_revision(store):
    store.put("/obj", b"v1")
    seen = store.get("/obj").mod_revision
    first = store.txn([Compare("/obj", Target.MOD, "=", seen)], [Put("/obj", b"writer-1")],
                      [Get("/obj")])
    second = store.txn([Compare("/obj", Target.MOD, "=", seen)], [Put("/obj", b"writer-2")],
                       [Get("/obj")])
    assert first.succeeded and not second.succeeded
    assert second.responses == [store.get("/obj")]
    assert store.get("/obj").value == b"writer-1" and second.revision == first.revision


def test_txn_writes_many_keys_at_one_revision(store):
    store.put("/b", b"old")
    res = store.txn([], [Put("/a", b"1"), Delete("/b"), Put("/c", b"3"), Get("/a"),
                         Delete("/absent")])
    assert res.succeeded and res.revision == 3 == store.revision
    assert res.responses[0] is None and res.responses[1].value == b"old"
    assert res.responses[3] == KeyValue("/a", b"1", 3, 3, 1)  # a Get sees earlier ops
    assert res.responses[4] is None
    evs = store.events("", 3)
    assert [(e.type, e.kv.key, e.revision) for e in evs] == [
        (EventType.PUT, "/a", 3), (EventType.DELETE, "/b", 3), (EventType.PUT, "/c", 3)]


def test_txn_runs_the_failure_branch(store):
    res = store.txn([Compare("/x", Target.VERSION, ">", 0)], [Put("/x", b"s")],
                    [Put("/y", b"f")])
    assert not res.succeeded and store.get("/y").value == b"f" and store.get("/x") is None


def test_txn_without_writes_keeps_the_revision(store):
    store.put("/a", b"1")
    res = store.txn([], [Get("/a"), Delete("/nothing")])
    assert res.revision == 2 == store.revision and res.responses[0].value == b"1"


@pytest.mark.parametrize("ops,error", [
    ([Put("/a", b"1"), Put("/a", b"2")], InvalidRequest),
    ([Put("/a", b"1"), Delete("/a")], InvalidRequest),
    ([Put("/a", b"1"), Put("/b", b"2", lease=99)], LeaseNotFound),
    ([Put("/a", b"1"), Put("/b", "text")], InvalidRequest),
    ([Put("/a", b"1"), Put("", b"x")], InvalidRequest),
])
def test_a_bad_txn_writes_nothing(store, ops, error):
    with pytest.raises(error):
        store.txn([], ops)
    assert store.revision == 1 and store.get("/a") is None


@pytest.mark.parametrize("cmp", [Compare("/a", Target.MOD, "~", 1),
                                 Compare("/a", Target.VALUE, "<", 3)])
def test_bad_compares_raise(store, cmp):
    store.put("/a", b"1")
    with pytest.raises(InvalidRequest):
        store.txn([cmp], [])


@pytest.mark.parametrize("call", [
    lambda s: s.put("", b"x"), lambda s: s.put("/a", "str"), lambda s: s.put("/a", 5),
    lambda s: s.range("/", limit=-1), lambda s: s.get("/a", revision=-1),
    lambda s: s.lease_grant(0), lambda s: s.lease_grant(-1)])
def test_invalid_requests(store, call):
    with pytest.raises(InvalidRequest):
        call(store)


# -- watch history --------------------------------------------------------------

def test_events_from_a_revision_inclusive_with_prev_kv(store):
    store.put("/w/a", b"1")      # 2
    store.put("/other", b"o")    # 3
    store.put("/w/a", b"2")      # 4
    store.delete("/w/a")         # 5
    store.put("/w/b", b"b")      # 6
    evs = store.events("/w/", 4)
    assert [(e.type, e.kv.key, e.revision) for e in evs] == [
        (EventType.PUT, "/w/a", 4), (EventType.DELETE, "/w/a", 5), (EventType.PUT, "/w/b", 6)]
    assert evs[0].prev_kv.value == b"1" and evs[0].kv.value == b"2"
    assert evs[1].kv == KeyValue("/w/a", b"", 0, 5, 0) and evs[1].prev_kv.value == b"2"
    assert evs[2].prev_kv is None


@pytest.mark.parametrize("start,expected", [(0, 5), (1, 5), (2, 5), (4, 3), (6, 1), (7, 0),
                                            (100, 0)])
def test_events_start_revision(store, start, expected):
    for i in range(5):
        store.put(f"/k{i}", b"x")
    evs = store.events("", start)
    assert len(evs) == expected
    assert [e.revision for e in evs] == sorted(e.revision for e in evs)


# -- compaction -------------------------------------------------------------------

@pytest.fixture
def compacted(store):
    store.put("/a", b"a1")   # 2
    store.put("/b", b"b1")   # 3
    store.put("/a", b"a2")   # 4
    store.delete("/b")       # 5
    store.put("/c", b"c1")   # 6
    store.put("/a", b"a3")   # 7
    before = {r: store.range("", revision=r) for r in range(4, 8)}
    store.compact(5)
    return store, before


@pytest.mark.parametrize("call", [
    lambda s: s.events("", 4), lambda s: s.events("/a", 1), lambda s: s.get("/a", revision=4),
    lambda s: s.range("", revision=2)])
def test_below_the_compact_revision_raises_compacted(compacted, call):
    store, _ = compacted
    with pytest.raises(Compacted) as e:
        call(store)
    assert e.value.compact_revision == 5


@pytest.mark.parametrize("rev", [5, 6, 7])
def test_reads_at_or_after_the_compact_revision_are_unchanged(compacted, rev):
    store, before = compacted
    assert store.range("", revision=rev) == before[rev]


def test_compaction_keeps_events_from_its_revision(compacted):
    store, _ = compacted
    assert [e.revision for e in store.events("", 5)] == [5, 6, 7]
    assert store.events("", 5)[0].prev_kv.value == b"b1"
    assert store.get("/a").value == b"a3" and store.get("/b") is None
    assert store.stats()["history_events"] == 3


def test_compaction_forgets_deleted_keys(store):
    store.put("/gone", b"x")
    store.delete("/gone")
    store.put("/kept", b"y")
    store.compact(store.revision)
    assert store.stats()["history_keys"] == 1
    assert store.range("", revision=store.revision).count == 1


@pytest.mark.parametrize("rev,error", [(0, Compacted), (3, Compacted), (5, Compacted),
                                       (8, FutureRevision), (100, FutureRevision)])
def test_compact_refuses_old_and_future_revisions(compacted, rev, error):
    store, _ = compacted
    with pytest.raises(error):
        store.compact(rev)
    assert store.compact_revision == 5


def test_compact_at_the_current_revision(store):
    store.put("/a", b"1")
    store.compact(2)
    assert store.events("", 2)[0].kv.value == b"1"
    store.put("/a", b"2")
    store.compact(3)
    assert store.get("/a", revision=3).version == 2


# -- leases ---------------------------------------------------------------------

def test_lease_ids(store):
    a, b = store.lease_grant(10), store.lease_grant(10)
    assert a != b and a > 0 and b > 0
    assert store.lease_grant(5, lease_id=1000) == 1000
    with pytest.raises(LeaseExists):
        store.lease_grant(5, lease_id=1000)
    assert store.lease_grant(5) not in (a, b, 1000)
    assert store.revision == 1  # leases are not key writes


def test_put_with_an_unknown_lease_raises(store):
    with pytest.raises(LeaseNotFound):
        store.put("/a", b"1", lease=42)
    assert store.revision == 1


def test_lease_expiry_deletes_keys_in_one_revision(store, clock):
    lease = store.lease_grant(10)
    store.put("/l/a", b"1", lease=lease)
    store.put("/l/b", b"2", lease=lease)
    store.put("/l/c", b"3")
    clock.advance(9.9)
    assert store.expire_leases() == 0
    clock.advance(0.1)
    assert store.expire_leases() == 1
    assert store.revision == 5 and [kv.key for kv in store.range("/l/").kvs] == ["/l/c"]
    evs = store.events("/l/", 5)
    assert [(e.type, e.kv.key) for e in evs] == [(EventType.DELETE, "/l/a"),
                                                 (EventType.DELETE, "/l/b")]
    assert evs[0].prev_kv.lease == lease
    assert store.leases() == []


def test_keepalive_renews_the_deadline(store, clock):
    lease = store.lease_grant(10)
    store.put("/k", b"1", lease=lease)
    for _ in range(5):
        clock.advance(8)
        assert store.lease_keepalive(lease) == 10
        assert store.expire_leases() == 0
    assert store.lease_time_to_live(lease) == (10, 10, ["/k"])
    clock.advance(10)
    assert store.expire_leases() == 1 and store.get("/k") is None


def test_keepalive_of_an_expired_lease_fails_and_deletes(store, clock):
    lease = store.lease_grant(1)
    store.put("/k", b"1", lease=lease)
    clock.advance(2)
    with pytest.raises(LeaseNotFound):
        store.lease_keepalive(lease)
    assert store.get("/k") is None
    with pytest.raises(LeaseNotFound):
        store.lease_keepalive(lease)


def test_revoke(store):
    lease = store.lease_grant(100)
    store.put("/a", b"1", lease=lease)
    store.put("/b", b"2", lease=lease)
    assert store.lease_revoke(lease) == 4 == store.revision
    assert store.keys_count == 0
    with pytest.raises(LeaseNotFound):
        store.lease_revoke(lease)


def test_revoke_without_keys_keeps_the_revision(store):
    lease = store.lease_grant(100)
    assert store.lease_revoke(lease) == 1


@pytest.mark.parametrize("rewrite", [
    lambda s, other: s.put("/a", b"2"),
    lambda s, other: s.put("/a", b"2", lease=other),
    lambda s, other: s.delete("/a"),
    lambda s, other: s.txn([], [Put("/a", b"2")]),
])
def test_a_rewrite_detaches_the_key_from_its_lease(store, rewrite):
    lease, other = store.lease_grant(100), store.lease_grant(100)
    store.put("/a", b"1", lease=lease)
    rewrite(store, other)
    rev = store.revision
    store.lease_revoke(lease)
    assert store.revision == rev


def test_stats(store):
    store.lease_grant(5)
    store.put("/a", b"1")
    store.put("/a", b"2")
    assert store.stats() == {"revision": 3, "compact_revision": 0, "keys": 1, "leases": 1,
                             "history_events": 2, "history_keys": 1}
