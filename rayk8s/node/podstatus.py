"""The pod status a kubelet reports, built from what the runtime shows (pure).

This is kubelet's ``generateAPIPodStatus``: container statuses in spec order
(waiting / running / terminated, ``lastState``, ``restartCount``, ``ready``,
``started``), the phase by kubelet's ``getPhase`` rules, the conditions
``PodReadyToStartContainers``, ``Initialized``, ``Ready``, ``ContainersReady``
(each keeping its ``lastTransitionTime`` while its status holds), and the
addresses: ``hostIP`` and ``podIP`` (the sandbox's, kept after it is torn
down, as Kubernetes does).
"""

from __future__ import annotations

from .. import clock as clockmod

# The status fields the kubelet owns; a patch sets exactly these.
MANAGED = ("phase", "conditions", "hostIP", "hostIPs", "podIP", "podIPs", "startTime",
           "containerStatuses", "initContainerStatuses", "reason", "message")
_OWN_CONDITIONS = ("PodReadyToStartContainers", "Initialized", "Ready", "ContainersReady")


def start_time(pod: dict, memo) -> float:
    text = (pod.get("status") or {}).get("startTime")
    return clockmod.parse_rfc3339(text) if text else float(memo.first_seen or 0)


def _terminated(t) -> dict:
    out = {"exitCode": t.exit_code, "reason": t.reason,
           "startedAt": clockmod.rfc3339(t.started_at),
           "finishedAt": clockmod.rfc3339(t.finished_at),
           "containerID": f"rayk8s://{t.container_id}"}
    if t.message:
        out["message"] = t.message
    return out


def _probe_result(memo, name: str, kind: str, container_id: str):
    state = (memo.probes.get(name) or {}).get(kind)
    if state is None or state.container_id != container_id:
        return None
    return state.result


def container_status(c: dict, obs, memo, now: float, init: bool, waiting: str) -> dict:
    name = c["name"]
    view = obs.containers.get(name)
    out = {"name": name, "state": {}, "lastState": {}, "ready": False, "restartCount": 0,
           "image": c.get("image") or "", "imageID": "", "started": False}
    reason = memo.reasons.get(name)
    if view is None:
        reason = reason or (waiting, "")
        out["state"] = {"waiting": _waiting(*reason)}
        return out
    out.update(image=view.image, imageID=view.image_id, containerID=f"rayk8s://{view.id}",
               restartCount=view.attempt)
    if view.last is not None:
        out["lastState"] = {"terminated": _terminated(view.last)}
    if view.end is not None:
        if reason is not None:
            out["state"] = {"waiting": _waiting(*reason)}
            out["lastState"] = {"terminated": _terminated(view.end)}
        else:
            out["state"] = {"terminated": _terminated(view.end)}
            out["ready"] = init and view.end.exit_code == 0 and \
                c.get("restartPolicy") != "Always"
        return out
    if now < view.running_from():      # starting, or its postStart hook still runs
        out["state"] = {"waiting": _waiting("ContainerCreating", "")}
        return out
    out["state"] = {"running": {"startedAt": clockmod.rfc3339(view.started_at)}}
    started = "startupProbe" not in c or _probe_result(memo, name, "startup", view.id) is True
    out["started"] = started
    if init and c.get("restartPolicy") != "Always":
        return out      # a running init container is not ready until it succeeds
    if started:
        out["ready"] = "readinessProbe" not in c or \
            _probe_result(memo, name, "readiness", view.id) is True
    return out


def _waiting(reason: str, message: str) -> dict:
    return {"reason": reason, "message": message} if message else {"reason": reason}


def _init_done(c: dict, status: dict) -> bool:
    if c.get("restartPolicy") == "Always":       # a sidecar: done once started
        return bool(status.get("started"))
    term = status["state"].get("terminated")
    return bool(term) and term["exitCode"] == 0


def _init_failed(status: dict) -> bool:
    term = status["state"].get("terminated") or (
        status["lastState"].get("terminated") if "waiting" in status["state"] else None)
    return bool(term) and term["exitCode"] != 0


def phase(spec: dict, inits: list[dict], apps: list[dict], terminal: bool) -> str:
    """kubelet's getPhase over container statuses (``terminal``: the pod is being deleted)."""
    policy = spec.get("restartPolicy") or "Always"
    specs = spec.get("initContainers") or []
    pending_init = failed_init = 0
    for c, st in zip(specs, inits):
        if _init_done(c, st):
            continue
        if _init_failed(st) and c.get("restartPolicy") != "Always":
            failed_init += 1
        else:
            pending_init += 1
    if failed_init and policy == "Never":
        return "Failed"
    running = waiting = stopped = succeeded = 0
    for st in apps:
        state = st["state"]
        if "running" in state:
            running += 1
        elif "terminated" in state:
            stopped += 1
            succeeded += state["terminated"]["exitCode"] == 0
        elif st["lastState"].get("terminated"):
            stopped += 1
        else:
            waiting += 1
    if pending_init or failed_init or waiting:
        return "Pending"
    if running:
        return "Running"
    if stopped:
        if terminal:
            return "Succeeded" if stopped == succeeded else "Failed"
        if policy == "Always":
            return "Running"
        if stopped == succeeded:
            return "Succeeded"
        return "Failed" if policy == "Never" else "Running"
    return "Pending"


def _condition(old: dict, ctype: str, ok: bool, now: float, reason: str = "",
               message: str = "") -> dict:
    status = "True" if ok else "False"
    prev = next((c for c in old.get("conditions") or [] if c.get("type") == ctype), None)
    since = prev.get("lastTransitionTime") if prev and prev.get("status") == status else None
    out = {"type": ctype, "status": status, "lastProbeTime": None,
           "lastTransitionTime": since or clockmod.rfc3339(now)}
    if reason:
        out["reason"] = reason
    if message:
        out["message"] = message
    return out


def build(pod: dict, obs, memo, now: float, terminating: bool = False) -> dict:
    """The full status the kubelet would write for ``pod`` now."""
    spec = pod.get("spec") or {}
    old = memo.last_status or pod.get("status") or {}
    inits_spec = spec.get("initContainers") or []
    inits = [container_status(c, obs, memo, now, True, "PodInitializing" if i else
                              "ContainerCreating") for i, c in enumerate(inits_spec)]
    init_done = all(_init_done(c, st) for c, st in zip(inits_spec, inits))
    apps = [container_status(c, obs, memo, now, False,
                             "ContainerCreating" if init_done else "PodInitializing")
            for c in spec.get("containers") or []]
    ph = memo.phase or phase(spec, inits, apps, terminating)
    status: dict = {"phase": ph}
    if memo.status_reason:
        status["reason"], status["message"] = memo.status_reason
    unready = [st["name"] for st in apps if not st["ready"]]
    incomplete = [c["name"] for c, st in zip(inits_spec, inits) if not _init_done(c, st)]
    own = [_condition(old, "PodReadyToStartContainers", obs.sandbox_running, now)]
    if ph == "Succeeded":
        own.append(_condition(old, "Initialized", True, now, "PodCompleted"))
        ready = [_condition(old, t, False, now, "PodCompleted")
                 for t in ("Ready", "ContainersReady")]
    else:
        own.append(_condition(old, "Initialized", not incomplete, now,
                              "" if not incomplete else "ContainersNotInitialized",
                              f"containers with incomplete status: [{' '.join(incomplete)}]"
                              if incomplete else ""))
        gates = [g.get("conditionType") for g in spec.get("readinessGates") or []]
        gates_ok = all(any(c.get("type") == g and c.get("status") == "True"
                           for c in old.get("conditions") or []) for g in gates)
        if ph == "Failed":
            ready = [_condition(old, t, False, now, "PodFailed")
                     for t in ("Ready", "ContainersReady")]
        else:
            msg = f"containers with unready status: [{' '.join(unready)}]" if unready else ""
            reason = "ContainersNotReady" if unready else ""
            ready_ok = not unready and gates_ok
            ready_reason = reason or ("" if gates_ok else "ReadinessGatesNotReady")
            ready = [_condition(old, "Ready", ready_ok, now, ready_reason, msg),
                     _condition(old, "ContainersReady", not unready, now, reason, msg)]
    others = [c for c in (pod.get("status") or {}).get("conditions") or []
              if c.get("type") not in _OWN_CONDITIONS]
    status["conditions"] = own + ready + others
    if obs.node_ip:
        status["hostIP"] = obs.node_ip
        status["hostIPs"] = [{"ip": obs.node_ip}]
    pod_ip = obs.sandbox_ip or old.get("podIP")
    if pod_ip:
        status["podIP"] = pod_ip
        status["podIPs"] = [{"ip": pod_ip}]
    status["startTime"] = old.get("startTime") or clockmod.rfc3339(start_time(pod, memo))
    if inits:
        status["initContainerStatuses"] = inits
    status["containerStatuses"] = apps
    return status


def managed_view(status: dict | None) -> dict:
    """The kubelet-owned part of a status, for change detection."""
    status = status or {}
    return {k: status[k] for k in MANAGED if k in status}


def patch_for(old: dict | None, new: dict) -> dict | None:
    """A merge patch of ``status`` turning ``old`` into ``new`` (None: no change)."""
    before, after = managed_view(old), managed_view(new)
    if before == after:
        return None
    body = {k: v for k, v in after.items() if before.get(k) != v}
    body.update({k: None for k in before if k not in after})
    return {"status": body}
