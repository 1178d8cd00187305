"""Durability: the WAL, snapshots, recovery after an unclean stop, torn tails
and corruption."""

from __future__ import annotations

import os

import pytest

from rayk8s.clock import FakeClock
from rayk8s.store import (Compacted, Delete, EventType, MVCCStore, Put, StoreClosed, StoreError,
                          WALCorrupted)
from rayk8s.store import wal as walmod


@pytest.fixture
def clock():
    return FakeClock()


def open_store(path, clock, **kwargs) -> MVCCStore:
    return MVCCStore(clock=clock, data_dir=str(path), **kwargs)


def files(path, suffix) -> list[str]:
    return sorted(n for n in os.listdir(path) if n.endswith(suffix))


def segment(path) -> str:
    (name,) = files(path, ".log")
    return os.path.join(path, name)


def write_some(store: MVCCStore, n: int, prefix: str = "/k") -> None:
    for i in range(n):
        store.put(f"{prefix}/{i % 7}", f"v{i}".encode())
        if i % 5 == 4:
            store.delete(f"{prefix}/{(i + 3) % 7}")


def snapshot_of(store: MVCCStore) -> tuple:
    return (store.revision, store.compact_revision, store.range("").kvs,
            store.events("", store.compact_revision))


# -- recovery -----------------------------------------------------------------------

@pytest.mark.parametrize("writes", [0, 1, 2, 17, 60])
@pytest.mark.parametrize("snapshot_every", [1, 4, 10_000])
def test_unclean_stop_loses_no_acknowledged_write(tmp_path, clock, writes, snapshot_every):
    store = open_store(tmp_path, clock, snapshot_every=snapshot_every)
    write_some(store, writes)
    expected = snapshot_of(store)
    del store  # no close(): the process "dies" here
    again = open_store(tmp_path, clock, snapshot_every=snapshot_every)
    assert snapshot_of(again) == expected
    again.put("/after", b"x")
    assert open_store(tmp_path, clock).get("/after").mod_revision == expected[0] + 1


def test_recovery_keeps_versions_history_and_compaction(tmp_path, clock):
    store = open_store(tmp_path, clock)
    store.put("/a", b"1")                       # 2
    store.put("/a", b"2")                       # 3
    store.txn([], [Put("/b", b"b"), Put("/c", b"c")])  # 4
    store.txn([], [Delete("/b")])               # 5
    store.compact(4)
    store.put("/a", b"3")                       # 6
    store.close()
    again = open_store(tmp_path, clock)
    assert again.revision == 6 and again.compact_revision == 4
    assert again.get("/a").version == 3 and again.get("/a").create_revision == 2
    assert again.get("/b", revision=4).value == b"b"
    with pytest.raises(Compacted):
        again.get("/a", revision=3)
    evs = again.events("", 4)
    assert [(e.type, e.kv.key, e.revision) for e in evs] == [
        (EventType.PUT, "/b", 4), (EventType.PUT, "/c", 4), (EventType.DELETE, "/b", 5),
        (EventType.PUT, "/a", 6)]
    assert evs[2].prev_kv.value == b"b" and evs[3].prev_kv.value == b"2"


@pytest.mark.parametrize("last", ["put", "delete"])
def test_snapshot_after_compacting_at_a_write_keeps_its_prev(tmp_path, clock, last):
    store = open_store(tmp_path, clock)
    store.put("/a", b"1")
    store.put("/a", b"2")
    store.put("/a", b"3") if last == "put" else store.delete("/a")
    store.compact(store.revision)
    store.snapshot()
    expected = snapshot_of(store), store.stats()
    again = open_store(tmp_path, clock)
    assert (snapshot_of(again), again.stats()) == expected
    assert again.events("", again.compact_revision)[0].prev_kv.value == b"2"


def test_leases_recover_with_a_fresh_deadline(tmp_path, clock):
    store = open_store(tmp_path, clock, snapshot_every=3)
    short, long_ = store.lease_grant(10), store.lease_grant(100)
    store.put("/s", b"1", lease=short)
    store.put("/l", b"1", lease=long_)
    revoked = store.lease_grant(5)
    store.lease_revoke(revoked)
    clock.advance(9)
    again = open_store(tmp_path, clock)
    assert again.leases() == [short, long_]
    assert again.lease_time_to_live(short) == (10, 10, ["/s"])
    clock.advance(9)
    assert again.expire_leases() == 0  # the deadline restarted at recovery
    clock.advance(1)
    assert again.expire_leases() == 1 and again.get("/s") is None and again.get("/l")
    assert again.lease_grant(1) not in (short, long_, revoked)


def test_snapshots_rotate_segments(tmp_path, clock):
    store = open_store(tmp_path, clock, snapshot_every=5)
    write_some(store, 23)
    assert len(files(tmp_path, ".snap")) == 1 and len(files(tmp_path, ".log")) == 1
    assert files(tmp_path, ".tmp") == []
    assert open_store(tmp_path, clock).range("").kvs == store.range("").kvs


def test_an_interrupted_rotation_is_finished_on_recovery(tmp_path, clock):
    store = open_store(tmp_path, clock)
    write_some(store, 10)
    state = store._snapshot_state()
    expected = snapshot_of(store)
    store.close()
    # A snapshot was renamed into place, but the new segment never created.
    with open(tmp_path / f"snap-{1:016d}.snap", "wb") as f:
        f.write(walmod.SNAP_MAGIC + walmod.encode_frame(state))
    (tmp_path / f"snap-{2:016d}.snap.tmp").write_bytes(b"half a snapshot")
    again = open_store(tmp_path, clock)
    assert snapshot_of(again) == expected
    assert files(tmp_path, ".tmp") == [] and files(tmp_path, ".log") == [f"wal-{1:016d}.log"]


@pytest.mark.parametrize("fsync", [False, True])
def test_fsync_modes(tmp_path, clock, fsync):
    store = open_store(tmp_path, clock, fsync=fsync, snapshot_every=3)
    write_some(store, 7)
    assert open_store(tmp_path, clock).revision == store.revision


def test_writes_after_close_raise(tmp_path, clock):
    store = open_store(tmp_path, clock)
    store.put("/a", b"1")
    store.close()
    assert store.get("/a").value == b"1"
    for write in (lambda: store.put("/a", b"2"), lambda: store.delete("/a"),
                  lambda: store.lease_grant(5), lambda: store.compact(2)):
        with pytest.raises(StoreClosed):
            write()


# -- torn tails -------------------------------------------------------------------

def last_frame_size(store_path) -> int:
    buf = open(segment(store_path), "rb").read()
    pos, last = len(walmod.WAL_MAGIC), 0
    while pos < len(buf):
        _, end = walmod.decode_frame(memoryview(buf), pos)
        pos, last = end, end - pos
    return last


@pytest.mark.parametrize("cut", ["1", "5", "11", "12", "13", "half", "all-but-1"])
def test_a_truncated_last_record_is_dropped(tmp_path, clock, cut):
    store = open_store(tmp_path, clock)
    write_some(store, 9)
    expected = snapshot_of(store)
    store.put("/last", b"x" * 40)
    size = last_frame_size(tmp_path)
    n = {"half": size // 2, "all-but-1": size - 1}.get(cut) or int(cut)
    path = segment(tmp_path)
    os.truncate(path, os.path.getsize(path) - n)
    again = open_store(tmp_path, clock)
    assert snapshot_of(again) == expected and again.get("/last") is None
    again.put("/next", b"y")
    assert open_store(tmp_path, clock).get("/next").mod_revision == expected[0] + 1


@pytest.mark.parametrize("tail", [
    b"\x00", b"garbage", b"\xff" * 11, b"\x00" * 64, b"\x10\x00\x00\x00abc",
    b"garbage, half of a record that never finished" * 3,
    walmod.encode_frame([1, 99, [["/x", b"v", 0]]])[:20],
    walmod.encode_frame([1, 99, [["/x", b"v" * 100, 0]]])[:-1],
])
def test_garbage_after_the_last_record_is_dropped(tmp_path, clock, tail):
    store = open_store(tmp_path, clock)
    write_some(store, 6)
    expected = snapshot_of(store)
    path = segment(tmp_path)
    good_size = os.path.getsize(path)
    with open(path, "ab") as f:
        f.write(tail)
    again = open_store(tmp_path, clock)
    assert snapshot_of(again) == expected
    assert os.path.getsize(path) == good_size


def test_a_crc_failing_last_record_is_dropped(tmp_path, clock):
    store = open_store(tmp_path, clock)
    write_some(store, 4)
    expected = snapshot_of(store)
    store.put("/last", b"payload")
    path = segment(tmp_path)
    data = bytearray(open(path, "rb").read())
    data[-2] ^= 0xFF
    open(path, "wb").write(bytes(data))
    assert snapshot_of(open_store(tmp_path, clock)) == expected


def test_a_segment_torn_at_creation_restarts(tmp_path, clock):
    open_store(tmp_path, clock).close()
    path = segment(tmp_path)
    os.truncate(path, 3)
    store = open_store(tmp_path, clock)
    assert store.revision == 1
    store.put("/a", b"1")
    assert open_store(tmp_path, clock).get("/a").value == b"1"


# -- corruption ---------------------------------------------------------------------

@pytest.mark.parametrize("offset", [0, 3, 8, 9, 12, 20])
def test_a_damaged_record_followed_by_good_ones_raises(tmp_path, clock, offset):
    store = open_store(tmp_path, clock)
    write_some(store, 10)
    store.close()
    path = segment(tmp_path)
    data = bytearray(open(path, "rb").read())
    data[len(walmod.WAL_MAGIC) + offset] ^= 0x5A
    open(path, "wb").write(bytes(data))
    with pytest.raises(WALCorrupted):
        open_store(tmp_path, clock)
    assert open(path, "rb").read() == bytes(data)  # nothing was truncated


def test_a_damaged_segment_header_raises(tmp_path, clock):
    store = open_store(tmp_path, clock)
    store.put("/a", b"1")
    path = segment(tmp_path)
    data = open(path, "rb").read()
    open(path, "wb").write(b"NOTAWAL!" + data[8:])
    with pytest.raises(WALCorrupted):
        open_store(tmp_path, clock)


@pytest.mark.parametrize("damage", ["flip", "truncate", "magic"])
def test_a_damaged_snapshot_raises(tmp_path, clock, damage):
    store = open_store(tmp_path, clock, snapshot_every=3)
    write_some(store, 5)
    (name,) = files(tmp_path, ".snap")
    path = os.path.join(tmp_path, name)
    data = bytearray(open(path, "rb").read())
    if damage == "flip":
        data[-3] ^= 1
    elif damage == "truncate":
        data = data[:-4]
    else:
        data[0:8] = b"XXXXXXXX"
    open(path, "wb").write(bytes(data))
    with pytest.raises(WALCorrupted) as e:
        open_store(tmp_path, clock)
    assert isinstance(e.value, StoreError)


def test_a_record_out_of_order_raises(tmp_path, clock):
    open_store(tmp_path, clock).close()
    with open(segment(tmp_path), "ab") as f:
        f.write(walmod.encode_frame([walmod.WRITE, 5, [["/a", b"1", 0]]]))
    with pytest.raises(WALCorrupted):
        open_store(tmp_path, clock)


@pytest.mark.parametrize("record", [[99], [walmod.WRITE, 2], "text", [walmod.COMPACT]])
def test_an_unintelligible_record_raises(tmp_path, clock, record):
    open_store(tmp_path, clock).close()
    with open(segment(tmp_path), "ab") as f:
        f.write(walmod.encode_frame(record))
    with pytest.raises(WALCorrupted):
        open_store(tmp_path, clock)


@pytest.mark.parametrize("target", [1, 5])
def test_a_compaction_record_out_of_range_raises(tmp_path, clock, target):
    store = open_store(tmp_path, clock)
    store.put("/a", b"1")
    store.compact(2)
    store.close()
    with open(segment(tmp_path), "ab") as f:
        f.write(walmod.encode_frame([walmod.COMPACT, target]))
    with pytest.raises(WALCorrupted):
        open_store(tmp_path, clock)
