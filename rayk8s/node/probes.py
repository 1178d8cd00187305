"""Probe bookkeeping, as kubelet's prober workers keep it (pure).

One :class:`ProbeState` per (container attempt, probe kind).  A new attempt
(new container id) starts from the kind's initial result: readiness
*failure* (not ready until a probe passes), liveness *success*, startup
*unknown*.  Probes run every ``periodSeconds`` once ``initialDelaySeconds``
have passed since the container started; the result flips to success after
``successThreshold`` consecutive passes and to failure after
``failureThreshold`` consecutive failures.  Liveness and readiness wait for
the startup probe to pass.

What a probe *answers* is the played image's business (the runtime's
``probe``); the messages below are kubelet's.
"""

from __future__ import annotations

from typing import NamedTuple

KINDS = ("startup", "liveness", "readiness")
_INITIAL = {"readiness": False, "liveness": True, "startup": None}


class ProbeState(NamedTuple):
    container_id: str
    result: bool | None          # the current verdict
    successes: int = 0           # consecutive
    failures: int = 0            # consecutive
    next_at: float = 0.0         # when the next probe is due
    message: str = ""            # the last failure's message


def initial(kind: str, probe: dict, container_id: str, started_at: float) -> ProbeState:
    delay = float(probe.get("initialDelaySeconds") or 0)
    return ProbeState(container_id, _INITIAL[kind], next_at=started_at + delay)


def due(state: ProbeState, now: float) -> bool:
    return now >= state.next_at


def record(state: ProbeState, probe: dict, ok: bool, message: str, now: float) -> ProbeState:
    """The state after one probe that passed (``ok``) or failed with ``message``."""
    period = float(probe.get("periodSeconds") or 10)
    if ok:
        successes, failures = state.successes + 1, 0
        result = True if successes >= int(probe.get("successThreshold") or 1) else state.result
    else:
        successes, failures = 0, state.failures + 1
        result = False if failures >= int(probe.get("failureThreshold") or 3) else state.result
    return state._replace(result=result, successes=successes, failures=failures,
                          next_at=now + period, message="" if ok else message)


def gated(kind: str, spec: dict, states: dict, container_id: str) -> bool:
    """True while ``kind`` must wait for the startup probe to pass."""
    if kind == "startup" or "startupProbe" not in spec:
        return False
    startup = states.get("startup")
    return startup is None or startup.container_id != container_id or startup.result is not True


def handler_port(handler: dict, container: dict) -> int | None:
    """The probe's port: a number, or a name looked up in the container's ports."""
    port = handler.get("port")
    if isinstance(port, int):
        return port
    if isinstance(port, str):
        if port.isdigit():
            return int(port)
        for p in container.get("ports") or []:
            if p.get("name") == port:
                return int(p.get("containerPort") or 0)
    return None


def http_url(handler: dict, ip: str, port: int) -> str:
    scheme = (handler.get("scheme") or "HTTP").lower()
    host = handler.get("host") or ip
    path = handler.get("path") or "/"
    return f"{scheme}://{host}:{port}{path if path.startswith('/') else '/' + path}"


def refused(ip: str, port: int) -> str:
    return f"dial tcp {ip}:{port}: connect: connection refused"


def title(kind: str) -> str:
    return kind.capitalize()


class Result(NamedTuple):
    container: str
    init: bool
    kind: str
    ok: bool
    message: str


def run_due(pod: dict, states_by_container: dict, runtime, now: float
            ) -> tuple[list[Result], float | None]:
    """Run every probe of ``pod`` that is due at ``now`` against the runtime.

    Updates ``states_by_container`` (a Memo's ``probes``) in place; returns the
    results of the probes run and when the next one is due.
    """
    rec = runtime.pods.get(pod["metadata"]["uid"])
    if rec is None:
        return [], None
    spec = pod.get("spec") or {}
    results, wake = [], None
    for c, init in [(c, True) for c in spec.get("initContainers") or []] + \
            [(c, False) for c in spec.get("containers") or []]:
        kinds = [k for k in KINDS if f"{k}Probe" in c]
        running = rec.containers.get(c["name"])
        if not kinds or running is None or not running.shows_running(now) or (
                init and c.get("restartPolicy") != "Always"):
            continue
        states = states_by_container.setdefault(c["name"], {})
        for kind in kinds:
            probe = c[f"{kind}Probe"]
            state = states.get(kind)
            if state is None or state.container_id != running.id:
                state = initial(kind, probe, running.id, running.started_at)
            states[kind] = state
            if (kind == "startup" and state.result is True) or \
                    gated(kind, c, states, running.id):
                continue
            if due(state, now):
                ok, message = runtime.probe(rec.uid, c["name"], probe, now)
                state = states[kind] = record(state, probe, ok, message, now)
                results.append(Result(c["name"], init, kind, ok, message))
            wake = state.next_at if wake is None else min(wake, state.next_at)
    return results, wake
