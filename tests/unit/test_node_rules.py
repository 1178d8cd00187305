"""The small rule modules of the node: back-off, probes bookkeeping, the shell player."""

import pytest

from rayk8s.node import backoff, probes
from rayk8s.node.backoff import Entry
from rayk8s.node.script import DATE, interpret


# -- back-off -------------------------------------------------------------------------

def test_backoff_doubles_from_10s_to_5min():
    entry, delays, now = None, [], 0.0
    for _ in range(8):
        entry = backoff.next_entry(entry, now)
        delays.append(entry.delay)
        now += 1
    assert delays == [10, 20, 40, 80, 160, 300, 300, 300]


def test_backoff_resets_after_ten_minutes():
    entry = Entry(300, 1000.0)
    assert backoff.next_entry(entry, 1599.0).delay == 300
    assert backoff.next_entry(entry, 1601.0) == Entry(10, 1601.0)


@pytest.mark.parametrize("entry,event,now,expected", [
    (None, 0, 0, False),                       # first failure: restart at once
    (Entry(10, 100), 105, 110, True),          # died at 105: wait until 115
    (Entry(10, 100), 105, 115, False),
    (Entry(20, 100), 105, 124.9, True),
    (Entry(10, 100), 701, 702, False),         # ran 10 min: expired
])
def test_in_backoff_since(entry, event, now, expected):
    assert backoff.in_backoff_since(entry, event, now) is expected


def test_in_backoff_since_update():
    assert backoff.in_backoff_since_update(Entry(10, 100), 109.9)
    assert not backoff.in_backoff_since_update(Entry(10, 100), 110)
    assert not backoff.in_backoff_since_update(None, 110)


@pytest.mark.parametrize("seconds,text", [
    (0.2, "200ms"), (1.5, "1.5s"), (10, "10s"), (80, "1m20s"), (300, "5m0s"),
    (3725, "1h2m5s"), (0, "0s")])
def test_go_duration(seconds, text):
    assert backoff.go_duration(seconds) == text


# -- probes ---------------------------------------------------------------------------

def test_probe_thresholds_flip_results():
    spec = {"periodSeconds": 5, "failureThreshold": 3, "successThreshold": 2}
    state = probes.initial("readiness", spec, "id", 100.0)
    assert state.result is False and state.next_at == 100.0
    state = probes.record(state, spec, True, "", 100)
    assert state.result is False and state.next_at == 105     # needs 2 successes
    state = probes.record(state, spec, True, "", 105)
    assert state.result is True
    for t in (110, 115):
        state = probes.record(state, spec, False, "boom", t)
        assert state.result is True
    state = probes.record(state, spec, False, "boom", 120)
    assert state.result is False and state.message == "boom"


def test_probe_initial_results_and_delay():
    assert probes.initial("liveness", {"initialDelaySeconds": 7}, "i", 10).result is True
    assert probes.initial("liveness", {"initialDelaySeconds": 7}, "i", 10).next_at == 17
    assert probes.initial("startup", {}, "i", 10).result is None


def test_probe_ports_and_urls():
    container = {"ports": [{"name": "http", "containerPort": 8080}]}
    assert probes.handler_port({"port": "http"}, container) == 8080
    assert probes.handler_port({"port": 81}, container) == 81
    assert probes.handler_port({"port": "nope"}, container) is None
    assert probes.http_url({"path": "healthz"}, "10.0.0.1", 80) == "http://10.0.0.1:80/healthz"


# -- the shell player -------------------------------------------------------------------

@pytest.mark.parametrize("argv,duration,code,logs", [
    (["sleep", "5"], 5, 0, []),
    (["sh", "-c", "sleep 1m"], 60, 0, []),
    (["sh", "-c", "exit 3"], 0, 3, []),
    (["false"], 0, 1, []),
    (["true"], 0, 0, []),
    (["sh"], 0, 0, []),                                   # busybox's default command
    (["sh", "-c", "echo hi; sleep 2; echo bye; exit 4"], 2, 4, [(0, "hi"), (2, "bye")]),
    (["sh", "-c", "false && echo no || echo yes"], 0, 0, [(0, "yes")]),
    (["sh", "-c", "for i in 1 2 3; do echo $i; sleep 1; done"], 3, 0,
     [(0, "1"), (1, "2"), (2, "3")]),
    (["sh", "-c", "if [ -f /tmp/x ]; then exit 1; else exit 2; fi"], 0, 1, []),
    (["sh", "-c", "rm /tmp/x; test -e /tmp/x"], 0, 1, []),
    (["/bin/bash", "-c", "echo $HOSTNAME > /tmp/name; cat /tmp/name"], 0, 0, [(0, "pod-a")]),
    (["sh", "-c", "sleep infinity"], None, 0, []),
    (["tail", "-f", "/dev/null"], None, 0, []),
])
def test_interpret(argv, duration, code, logs):
    s = interpret(argv, {"HOSTNAME": "pod-a"})
    assert s.understood
    assert (s.duration, s.exit_code, list(s.logs)) == (duration, code, logs)


@pytest.mark.parametrize("argv", [
    ["sh", "-c", "until nslookup myservice; do echo waiting; sleep 2; done"],
    ["perl", "-Mbignum=bpi", "-wle", "print bpi(2000)"],
    ["python", "-c", "print(1)"],
    ["sh", "script.sh"],
])
def test_what_is_not_understood_runs_the_default_time(argv):
    s = interpret(argv, default_seconds=7)
    assert not s.understood and (s.duration, s.exit_code) == (7, 0)


def test_endless_loops_become_periodic_logs_or_busy_loops():
    s = interpret(["sh", "-c", "while true; do echo tick; date; sleep 10; done"])
    assert s.duration is None and s.loop == (0.0, 10.0, ((0.0, "tick"), (0.0, DATE)))
    busy = interpret(["sh", "-c", "while :; do :; done"])
    assert busy.duration is None and busy.cpu == 1.0


def test_file_timeline():
    s = interpret(["sh", "-c", "touch /tmp/healthy; sleep 30; rm -f /tmp/healthy; sleep 600"])
    assert s.files == ((0.0, "/tmp/healthy", True), (30.0, "/tmp/healthy", False))
    assert s.duration == 630
