"""Service traffic through real NodePort sockets while pods come and go.

One cluster (3 nodes, one node actor each, round robin) for the rolling updates and
one (2 nodes on 127.0.3.x, ``proxy_mode: random``) for random balancing; both on Ray.

The rolling-update oracle (:func:`check_readiness`)
----------------------------------------------------
Two independent records are kept on the test's wall clock (``time.monotonic``):

- the *readiness timeline*: a watch on the Deployment's pods, started before the
  Deployment exists, notes for every event when it was seen, whether the pod was Ready
  (``Ready`` condition True), terminating (``deletionTimestamp``) or gone (DELETED).
  From it each pod gets its *ready intervals*: from the first event showing it Ready and
  not terminating to the first one showing it not Ready, terminating or gone;
- the *traffic log*: each request with the moment it was sent (t0) and answered (t1),
  its status and the answering hostname.

A reply from pod P is correct only if the window [t0 - SLACK, t1 + SLACK] overlaps one of
P's ready intervals: P was a ready endpoint, as the watch saw it, at some moment while
the request was in flight.  SLACK (well under a second) only absorbs the watch's own
delivery delay.  So the check fails when a pod answers before it was ever seen Ready
(a pod Ready before it serves, or a proxy using unready endpoints), after it was seen
terminating (a proxy that keeps terminating endpoints: the ``stop-seconds`` app keeps
answering for 3 s of cluster time after SIGTERM, so such requests would succeed and be
caught here, not as errors), or when it never appears in the timeline at all.
:func:`test_the_oracle_catches_late_and_early_replies` feeds it such logs.
"""

from __future__ import annotations

import collections
import http.client
import threading
import time
from dataclasses import dataclass, field

import pytest

from rayk8s.actors import components

from . import helpers

SLACK = 0.25                 # wall seconds: the watch's delivery delay, at most
REPLICAS = 4
HASH = "pod-template-hash"


@pytest.fixture(scope="module")
def cluster(ray_cluster):
    with helpers.emulated("traffic-it", nodes=3) as c:
        yield c


def wait_for(fn, timeout=90.0, interval=0.1):
    return helpers.wait_for(fn, timeout, interval)


# -- requests -----------------------------------------------------------------------------

def hostname(body: str) -> str | None:
    return next((line.split(":", 1)[1] for line in body.splitlines()
                 if line.startswith("hostname:")), None)


def get(address: str, port: int, timeout: float = 10.0) -> tuple[int | None, str]:
    """One GET / on a fresh connection: (status, body), or (None, the error)."""
    conn = http.client.HTTPConnection(address, port, timeout=timeout)
    try:
        conn.request("GET", "/")
        resp = conn.getresponse()
        return resp.status, resp.read().decode()
    except (OSError, http.client.HTTPException) as exc:
        return None, repr(exc)
    finally:
        conn.close()


@dataclass
class Reply:
    t0: float
    t1: float
    address: str
    status: int | None
    body: str

    @property
    def host(self) -> str | None:
        return hostname(self.body) if self.status == 200 else None


class Traffic(threading.Thread):
    """Requests in a loop, alternating over the node addresses, until :meth:`finish`."""

    def __init__(self, addresses: list[str], port: int):
        super().__init__(daemon=True, name="traffic")
        self.addresses, self.port = addresses, port
        self.log: list[Reply] = []
        self._stop_event = threading.Event()

    def run(self) -> None:
        i = 0
        while not self._stop_event.is_set():
            address = self.addresses[i % len(self.addresses)]
            i += 1
            t0 = time.monotonic()
            status, body = get(address, self.port)
            self.log.append(Reply(t0, time.monotonic(), address, status, body))

    def finish(self) -> list[Reply]:
        self._stop_event.set()
        self.join(30)
        assert not self.is_alive()
        return self.log


# -- the readiness timeline -----------------------------------------------------------------

@dataclass
class Seen:
    t: float
    type: str
    name: str
    ready: bool
    terminating: bool
    hash: str

    @property
    def endpoint(self) -> bool:
        """A ready endpoint: Ready, not terminating, not gone."""
        return self.type != "DELETED" and self.ready and not self.terminating


def seen(t: float, event: dict) -> Seen:
    pod = event["object"]
    meta = pod.get("metadata") or {}
    ready = any(c.get("type") == "Ready" and c.get("status") == "True"
                for c in (pod.get("status") or {}).get("conditions") or [])
    return Seen(t, event["type"], meta.get("name", ""), ready,
                bool(meta.get("deletionTimestamp")), (meta.get("labels") or {}).get(HASH, ""))


@dataclass
class Timeline:
    """What a watch on the pods saw, and when (see the module docstring)."""

    events: list[Seen] = field(default_factory=list)

    def pods(self, template_hash: str | None = None) -> set[str]:
        return {e.name for e in self.events if template_hash in (None, e.hash)}

    def intervals(self, name: str) -> list[tuple[float, float]]:
        out, start = [], None
        for e in self.events:
            if e.name != name:
                continue
            if e.endpoint and start is None:
                start = e.t
            elif not e.endpoint and start is not None:
                out.append((start, e.t))
                start = None
        if start is not None:
            out.append((start, float("inf")))
        return out

    def first(self, name: str, what) -> float | None:
        return next((e.t for e in self.events if e.name == name and what(e)), None)

    def ready_at(self, name: str) -> float | None:
        return self.first(name, lambda e: e.endpoint)

    def terminating_at(self, name: str) -> float | None:
        return self.first(name, lambda e: e.terminating or e.type == "DELETED")

    def deleted_at(self, name: str) -> float | None:
        return self.first(name, lambda e: e.type == "DELETED")


class Watcher(threading.Thread):
    """Fills a :class:`Timeline` from a watch on the pods of ``app`` (from now on)."""

    def __init__(self, kube, app: str):
        super().__init__(daemon=True, name=f"watch-{app}")
        self.kube, self.selector = kube, f"app={app}"
        self.timeline = Timeline()
        self.error: BaseException | None = None
        self._stop_event = threading.Event()
        self.rv = kube.list_object("pods", "default", label_selector=self.selector)[
            "metadata"]["resourceVersion"]

    def run(self) -> None:
        rv = self.rv
        try:
            while not self._stop_event.is_set():
                batch = self.kube.watch_batch("pods", "default", resource_version=rv,
                                              timeout=1.0, label_selector=self.selector)
                now = time.monotonic()
                rv = batch["resourceVersion"]
                self.timeline.events += [seen(now, e) for e in batch["events"]
                                         if e.get("type") in ("ADDED", "MODIFIED", "DELETED")]
        except BaseException as exc:  # noqa: BLE001 - reported by finish()
            self.error = exc

    def finish(self) -> Timeline:
        self._stop_event.set()
        self.join(30)
        assert not self.is_alive() and self.error is None, self.error
        return self.timeline


def check_readiness(timeline: Timeline, log: list[Reply], slack: float = SLACK) -> list[str]:
    """Replies from a pod that was not a ready endpoint while the request was in flight."""
    intervals = {name: timeline.intervals(name) for name in timeline.pods()}
    bad = []
    for r in log:
        if r.host is None:
            continue
        if not any(a <= r.t1 + slack and b >= r.t0 - slack
                   for a, b in intervals.get(r.host, [])):
            bad.append(f"{r.host} answered [{r.t0:.3f}, {r.t1:.3f}]; ready intervals "
                       f"{intervals.get(r.host)}")
    return bad


# -- the workload ---------------------------------------------------------------------------

def deployment(name: str, annotations: dict | None = None) -> dict:
    return {
        "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name},
        "spec": {"replicas": REPLICAS, "selector": {"matchLabels": {"app": name}},
                 "strategy": {"type": "RollingUpdate",
                              "rollingUpdate": {"maxSurge": 1, "maxUnavailable": 0}},
                 "template": {"metadata": {"labels": {"app": name},
                                           "annotations": annotations or {}},
                              "spec": {"containers": [{
                                  "name": "app", "image": "hello-world:v1.0",
                                  "ports": [{"containerPort": 8090}],
                                  "readinessProbe": {"httpGet": {"path": "/", "port": 8090},
                                                     "periodSeconds": 1}}]}}}}


def node_port_service(name: str) -> dict:
    return {"apiVersion": "v1", "kind": "Service", "metadata": {"name": name},
            "spec": {"type": "NodePort", "selector": {"app": name},
                     "ports": [{"port": 80, "targetPort": 8090}]}}


def node_addresses(kube) -> list[str]:
    return sorted(a["address"] for n in kube.list("nodes")
                  for a in (n.get("status") or {}).get("addresses") or []
                  if a.get("type") == "InternalIP")


def running_pods(kube, app: str) -> list[dict]:
    return [p for p in kube.list("pods", label_selector=f"app={app}")
            if not p["metadata"].get("deletionTimestamp")]


def settle(kube, app: str, addresses: list[str], port: int, tries: int = 16) -> set[str]:
    """Every node's proxy answers, and over ``tries`` requests each reaches every pod."""
    def check():
        names = {p["metadata"]["name"] for p in running_pods(kube, app)}
        if len(names) != REPLICAS:
            return None
        for address in addresses:
            hosts = set()
            for _ in range(tries):
                status, body = get(address, port)
                if status != 200:
                    return None
                hosts.add(hostname(body))
            if hosts != names:
                return None
        return names
    return wait_for(check, timeout=120)


def rollout_done(kube, app: str, old_hash: str) -> bool:
    d = kube.get("deployments", app)
    st = d.get("status") or {}
    if st.get("observedGeneration", 0) < d["metadata"]["generation"]:
        return False
    if not (st.get("replicas") == st.get("updatedReplicas") == st.get("readyReplicas")
            == st.get("availableReplicas") == REPLICAS):
        return False
    old = [rs for rs in kube.list("replicasets", label_selector=f"app={app}")
           if rs["metadata"]["labels"].get(HASH) == old_hash]
    if any(rs["spec"].get("replicas") or (rs.get("status") or {}).get("replicas")
           for rs in old):
        return False
    return all(p["metadata"]["labels"].get(HASH) != old_hash
               for p in kube.list("pods", label_selector=f"app={app}"))


@dataclass
class Rollout:
    timeline: Timeline
    log: list[Reply]
    old_hash: str
    new_hash: str
    patched_at: float
    done_at: float
    after: list[Reply]


def rolling_update(kube, app: str, annotations: dict | None = None) -> Rollout:
    """Deploy v1.0 behind a NodePort, then roll to v2.0 under continuous traffic."""
    watcher = Watcher(kube, app)
    watcher.start()
    traffic = None
    try:
        kube.create(deployment(app, annotations))
        port = kube.create(node_port_service(app))["spec"]["ports"][0]["nodePort"]
        addresses = node_addresses(kube)
        assert len(addresses) == 3 and all(a.startswith("127.") for a in addresses), addresses
        settle(kube, app, addresses, port)
        (old_hash,) = {p["metadata"]["labels"][HASH] for p in running_pods(kube, app)}
        traffic = Traffic(addresses, port)
        traffic.start()
        time.sleep(0.5)                                  # traffic before the update, too
        patched_at = time.monotonic()
        kube.patch("deployments", app, {"spec": {"template": {"spec": {"containers": [
            {"name": "app", "image": "hello-world:v2.0"}]}}}}, patch_type="strategic")
        wait_for(lambda: rollout_done(kube, app, old_hash), timeout=90)
        done_at = time.monotonic()
        time.sleep(0.5)                                  # and after it
        log = traffic.finish()
        traffic = None
        new_hashes = {p["metadata"]["labels"][HASH] for p in running_pods(kube, app)}
        assert len(new_hashes) == 1 and old_hash not in new_hashes, new_hashes
        after = [Reply(0, 0, a, *get(a, port)) for a in addresses * 8]
        timeline = watcher.finish()
        return Rollout(timeline, log, old_hash, new_hashes.pop(), patched_at, done_at, after)
    finally:
        if traffic is not None:
            traffic._stop_event.set()
            traffic.join(30)
        watcher._stop_event.set()
        watcher.join(30)
        kube.delete("services", app)
        kube.delete("deployments", app)


def check_rollout(r: Rollout) -> tuple[set[str], set[str]]:
    """The assertions both rolling updates share; returns (old pods, new pods)."""
    failed = [(x.address, x.status, x.body[:200]) for x in r.log if x.host is None]
    assert not failed, f"{len(failed)} of {len(r.log)} requests failed: {failed[:5]}"
    during = [x for x in r.log if r.patched_at <= x.t0 <= r.done_at]
    assert len(r.log) > 100 and len(during) > 50, (len(r.log), len(during))
    old, new = r.timeline.pods(r.old_hash), r.timeline.pods(r.new_hash)
    assert len(old) == REPLICAS and len(new) == REPLICAS, (old, new)
    hosts = collections.Counter(x.host for x in r.log)
    assert set(hosts) <= old | new, hosts
    assert set(hosts) & old and set(hosts) & new, hosts
    # Each answer comes from the version its pod runs.
    for x in r.log:
        assert ("version:v2.0" in x.body) == (x.host in new), (x.host, x.body)
    # The pods of the old ReplicaSet went away, each after it was seen terminating.
    for name in old:
        assert r.timeline.terminating_at(name) is not None, name
        assert r.timeline.deleted_at(name) is not None, name
    # Once the rollout is complete only new pods answer.
    assert all(x.status == 200 and x.host in new for x in r.after), \
        [(x.status, x.body) for x in r.after]
    assert len({x.host for x in r.after}) == REPLICAS
    # No reply from a pod that was not a ready endpoint (see the module docstring).
    bad = check_readiness(r.timeline, r.log)
    assert not bad, f"{len(bad)} replies from pods that were not ready: {bad[:5]}"
    return old, new


def margins(r: Rollout, old: set[str], new: set[str]) -> str:
    """How close the traffic came to the edges (for the report when -s)."""
    late = [max((x.t0 for x in r.log if x.host == n), default=float("-inf"))
            - r.timeline.terminating_at(n) for n in old]
    early = [min((x.t1 for x in r.log if x.host == n), default=float("inf"))
             - r.timeline.ready_at(n) for n in new]
    return (f"{len(r.log)} requests; last old-pod request sent {max(late):+.3f}s after it "
            f"was seen terminating; first new-pod reply {min(early):+.3f}s after seen Ready")


def test_rolling_update_drops_no_request_and_reaches_only_ready_pods(kube):
    r = rolling_update(kube, "roll")
    old, new = check_rollout(r)
    print(margins(r, old, new))


def test_rolling_update_sends_nothing_to_terminating_pods_that_still_answer(kube):
    """The app keeps serving 3 s (cluster time) after SIGTERM: a terminating pod that would
    still answer, so a proxy sending it traffic would not show up as an error."""
    r = rolling_update(kube, "roll-slow", {"rayk8s.io/stop-seconds": "3"})
    old, new = check_rollout(r)
    print(margins(r, old, new))
    for name in old:
        terminating, gone = r.timeline.terminating_at(name), r.timeline.deleted_at(name)
        # The app outlived its deletion: 3 cluster seconds are 0.6 s of wall time.
        assert gone - terminating > 0.4, (name, terminating, gone)
        late = [x for x in r.log if x.host == name and x.t0 > terminating + SLACK]
        assert not late, (name, terminating, [(x.t0, x.t1) for x in late])
        # ... and there was traffic it could have got meanwhile.
        assert sum(1 for x in r.log if terminating < x.t0 < gone) >= 10, name


def test_the_oracle_catches_late_and_early_replies():
    def ok(t0, host, version=""):
        return Reply(t0, t0 + 0.01, "127.0.1.1", 200,
                     f"Hello world !\nhostname:{host}\n{version}")
    tl = Timeline([Seen(1.0, "ADDED", "old", True, False, "a"),
                   Seen(5.0, "MODIFIED", "old", True, True, "a"),
                   Seen(6.0, "DELETED", "old", False, True, "a"),
                   Seen(2.0, "ADDED", "new", False, False, "b"),
                   Seen(3.0, "MODIFIED", "new", True, False, "b")])
    tl.events.sort(key=lambda e: e.t)
    assert check_readiness(tl, [ok(1.5, "old"), ok(4.9, "old"), ok(5.1, "old"),
                                ok(2.9, "new"), ok(9.0, "new")]) == []
    assert len(check_readiness(tl, [ok(5.5, "old")])) == 1           # after terminating
    assert len(check_readiness(tl, [ok(2.5, "new")])) == 1           # before Ready
    assert len(check_readiness(tl, [ok(3.0, "stranger")])) == 1      # never seen


# -- random balancing -------------------------------------------------------------------------

@pytest.fixture(scope="module")
def random_cluster(ray_cluster):
    # Other addresses than the round-robin cluster's nodes: both may be up at once.
    specs = [components.node_spec(i, address=f"127.0.3.{i}") for i in (1, 2)]
    with helpers.emulated("random-it", node_specs=specs, proxy_mode="random",
                          service_cidr="10.200.0.0/16", node_port_range="31000-31099",
                          load_balancer_pool="127.0.101.1-127.0.101.2") as c:
        yield c


def test_random_mode_spreads_requests_without_a_pattern(random_cluster):
    kube, app = random_cluster.client, "rand"
    kube.create(deployment(app))
    port = kube.create(node_port_service(app))["spec"]["ports"][0]["nodePort"]
    addresses = node_addresses(kube)
    assert addresses == ["127.0.3.1", "127.0.3.2"]
    names = settle(kube, app, addresses, port, tries=40)
    replies = [(a, *get(a, port)) for _ in range(200) for a in addresses]
    assert all(status == 200 for _, status, _ in replies), replies
    hosts = [hostname(body) for _, _, body in replies]
    counts = collections.Counter(hosts)
    assert set(counts) == names, counts
    assert all(50 <= n <= 150 for n in counts.values()), counts
    for address in addresses:
        seq = [hostname(body) for a, _, body in replies if a == address]
        # Round robin would repeat with period 4 and never give one pod twice in a row;
        # random repeats about a quarter of the time (~50 of 200).
        assert any(seq[i] != seq[i + 4] for i in range(len(seq) - 4)), seq
        repeats = sum(seq[i] == seq[i + 1] for i in range(len(seq) - 1))
        assert repeats >= 20, (repeats, seq)
    kube.delete("services", app)
    kube.delete("deployments", app)


def test_cluster_settings_for_service_ranges_and_the_load_balancer_pool(random_cluster):
    """Cluster(service_cidr=, node_port_range=, load_balancer_pool=) reach the apiserver's
    allocators and the emulated cloud; the pool's address serves the Service."""
    kube, app = random_cluster.client, "lbpool"
    kube.create(deployment(app))
    svc = kube.create({"apiVersion": "v1", "kind": "Service", "metadata": {"name": app},
                       "spec": {"type": "LoadBalancer", "selector": {"app": app},
                                "ports": [{"port": 8081, "targetPort": 8090}]}})
    assert svc["spec"]["clusterIP"].startswith("10.200.")
    assert 31000 <= svc["spec"]["ports"][0]["nodePort"] <= 31099

    def address():
        ingress = (kube.get("services", app).get("status") or {}) \
            .get("loadBalancer", {}).get("ingress") or []
        return ingress[0]["ip"] if ingress else None
    ip = wait_for(address)
    assert ip in ("127.0.101.1", "127.0.101.2")
    status, body = wait_for(lambda: (lambda r: r if r[0] == 200 else None)(get(ip, 8081)))
    assert body.startswith("Hello world !")
    kube.delete("services", app)
