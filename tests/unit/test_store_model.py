"""Random operation sequences checked against a naive reference model.

The model keeps the flat list of every write and recomputes any state by
replaying it, so it is slow but obviously right.  The store must agree with it
on reads at every retained revision, on ranges with limits, and on events.
"""

from __future__ import annotations

import random

import pytest

from rayk8s.clock import FakeClock
from rayk8s.store import (Compacted, Compare, Delete, EventType, Get, KeyValue, MVCCStore, Put,
                          Target)

KEYS = [f"/r/{ns}/{name}" for ns in ("a", "b", "c") for name in ("x", "y", "z")]


class Model:
    def __init__(self):
        self.rev = 1
        self.compact = 0
        self.writes: list[tuple[int, str, bytes | None, int]] = []
        self.leases: dict[int, tuple[float, float]] = {}  # id -> (ttl, deadline)

    def state(self, revision: int) -> dict[str, KeyValue]:
        live: dict[str, KeyValue] = {}
        for rev, key, value, lease in self.writes:
            if rev > revision:
                break
            prev = live.get(key)
            if value is None:
                live.pop(key, None)
            else:
                live[key] = KeyValue(key, value, prev.create_revision if prev else rev, rev,
                                     prev.version + 1 if prev else 1, lease)
        return live

    def events(self, prefix: str, start: int):
        live: dict[str, KeyValue] = {}
        out = []
        for rev, key, value, lease in self.writes:
            prev = live.get(key)
            if value is None:
                live.pop(key, None)
                kv, kind = KeyValue(key, b"", 0, rev, 0, 0), EventType.DELETE
            else:
                kv = live[key] = KeyValue(key, value, prev.create_revision if prev else rev,
                                          rev, prev.version + 1 if prev else 1, lease)
                kind = EventType.PUT
            if rev >= start and key.startswith(prefix):
                out.append((kind, kv, prev))
        return out

    def commit(self, muts):
        if muts:
            self.rev += 1
            self.writes += [(self.rev, k, v, lease) for k, v, lease in muts]

    def lease_keys(self, lease_id):
        return sorted(k for k, kv in self.state(self.rev).items() if kv.lease == lease_id)


def random_step(rng: random.Random, store: MVCCStore, model: Model, clock: FakeClock) -> None:
    live = model.state(model.rev)
    key = rng.choice(KEYS)
    roll = rng.random()
    if roll < 0.35:
        lease = rng.choice([0, 0, *model.leases])
        value = rng.randbytes(rng.randint(0, 6))
        assert store.put(key, value, lease=lease) == (model.rev + 1, live.get(key))
        model.commit([(key, value, lease)])
    elif roll < 0.5:
        assert store.delete(key) == (model.rev + (key in live), live.get(key))
        model.commit([(key, None, 0)] if key in live else [])
    elif roll < 0.7:
        keys = rng.sample(KEYS, 3)
        expect = live[keys[0]].mod_revision if keys[0] in live and rng.random() < 0.7 else 1
        ok = (live[keys[0]].mod_revision if keys[0] in live else 0) == expect
        res = store.txn([Compare(keys[0], Target.MOD, "=", expect)],
                        [Put(keys[1], b"s"), Delete(keys[2]), Get(keys[0])], [Get(keys[1])])
        assert res.succeeded is ok
        if ok:
            model.commit([(keys[1], b"s", 0)] + ([(keys[2], None, 0)] if keys[2] in live else []))
        assert res.revision == model.rev
    elif roll < 0.75 and model.rev > model.compact:
        target = rng.randint(model.compact + 1, model.rev)
        store.compact(target)
        model.compact = target
    elif roll < 0.82:
        ttl = rng.choice([1.0, 5.0, 30.0])
        lease_id = store.lease_grant(ttl)
        model.leases[lease_id] = (ttl, clock.now() + ttl)
    elif roll < 0.87 and model.leases:
        lease_id = rng.choice(sorted(model.leases))
        keys = model.lease_keys(lease_id)
        del model.leases[lease_id]
        model.commit([(k, None, 0) for k in keys])
        assert store.lease_revoke(lease_id) == model.rev
    else:
        clock.advance(rng.choice([0.5, 2.0, 10.0]))
        due = sorted(i for i, (_, deadline) in model.leases.items() if deadline <= clock.now())
        for lease_id in due:
            keys = model.lease_keys(lease_id)
            del model.leases[lease_id]
            model.commit([(k, None, 0) for k in keys])
        assert store.expire_leases() == len(due)


def check(rng: random.Random, store: MVCCStore, model: Model) -> None:
    assert (store.revision, store.compact_revision) == (model.rev, model.compact)
    assert store.leases() == sorted(model.leases)
    rev = rng.randint(max(model.compact, 1), model.rev)
    state = model.state(rev)
    prefix = rng.choice(["", "/r/", "/r/a/", "/r/b/", "/r/c/z"])
    limit = rng.choice([0, 1, 2, 5])
    want = [state[k] for k in sorted(state) if k.startswith(prefix)]
    res = store.range(prefix, limit=limit, revision=rev)
    assert res.kvs == want[:limit or None] and res.count == len(want)
    assert res.more == (len(res.kvs) < len(want))
    for key in KEYS:
        assert store.get(key, revision=rev) == state.get(key)
    start = rng.randint(max(model.compact, 0), model.rev + 1)
    got = [(e.type, e.kv, e.prev_kv) for e in store.events(prefix, start)]
    assert got == model.events(prefix, start)
    if model.compact > 1:
        with pytest.raises(Compacted):
            store.events(prefix, model.compact - 1)


@pytest.mark.parametrize("seed", range(12))
def test_store_agrees_with_the_model(seed):
    rng = random.Random(seed)
    clock = FakeClock()
    store, model = MVCCStore(clock=clock), Model()
    for _ in range(250):
        random_step(rng, store, model, clock)
        check(rng, store, model)


def dump(store: MVCCStore) -> dict:
    """Everything observable about a store, except lease deadlines."""
    first = max(store.compact_revision, 1)
    return {
        "revision": store.revision, "compact": store.compact_revision,
        "ranges": [store.range("", revision=r) for r in range(first, store.revision + 1)],
        "events": store.events("", store.compact_revision),
        "leases": [(i, store.lease_time_to_live(i)[0], store.lease_time_to_live(i)[2])
                   for i in store.leases()],
        "stats": store.stats(),
    }


class Tee:
    """Calls every method on two stores and checks they answer alike."""

    def __init__(self, first: MVCCStore, second: MVCCStore):
        self.first, self.second = first, second

    def __getattr__(self, name):
        def call(*args, **kwargs):
            outcomes = []
            for store in (self.first, self.second):
                try:
                    outcomes.append((getattr(store, name)(*args, **kwargs), None))
                except Exception as e:  # noqa: BLE001
                    outcomes.append((None, type(e)))
            assert outcomes[0] == outcomes[1], name
            if outcomes[0][1]:
                raise outcomes[0][1]()
            return outcomes[0][0]
        return call


def refresh_leases(tee: Tee, model: Model, clock: FakeClock) -> None:
    """Expire what is due, then keep every lease alive: recovery restarts deadlines."""
    for lease_id, (ttl, deadline) in sorted(model.leases.items()):
        if deadline <= clock.now():
            keys = model.lease_keys(lease_id)
            del model.leases[lease_id]
            model.commit([(k, None, 0) for k in keys])
    tee.expire_leases()
    for lease_id, (ttl, _) in model.leases.items():
        tee.lease_keepalive(lease_id)
        model.leases[lease_id] = (ttl, clock.now() + ttl)


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("snapshot_every", [1, 7, 50, 10_000])
def test_a_durable_store_recovers_to_the_same_state(tmp_path, seed, snapshot_every):
    """Reopen (without close: an unclean stop) at random points; nothing is lost."""
    rng = random.Random(seed)
    clock = FakeClock()
    twin, model = MVCCStore(clock=clock), Model()
    tee = Tee(MVCCStore(clock=clock, data_dir=tmp_path, snapshot_every=snapshot_every), twin)
    for _ in range(150):
        random_step(rng, tee, model, clock)
        if rng.random() < 0.1:
            refresh_leases(tee, model, clock)
            tee.first = MVCCStore(clock=clock, data_dir=tmp_path, snapshot_every=snapshot_every)
            assert dump(tee.first) == dump(twin)
    check(rng, tee.first, model)
    assert dump(MVCCStore(clock=clock, data_dir=tmp_path)) == dump(twin)
