"""The kubelet's pod sync as a pure state machine.

:func:`decide` is ``(pod, observed runtime state, memo, now) -> Decision``: the
runtime actions to take now (create the sandbox, pull, start, kill, tear
down, delete the object), the events to record, the pod status to report,
and when to look again.  It performs no I/O and reads no clock; the kubelet
executes the actions, observes the runtime again, and calls it again until it
asks for nothing more (kubelet's SyncPod followed by a PLEG relist, folded).

The inputs are plain values:

- :class:`Observed` -- what the runtime stub reports for the pod: its sandbox
  (the pod IP), the current attempt of each container (:class:`ContainerView`)
  with the previous attempt's termination, pulls in flight, images present.
- :class:`Memo` -- what the kubelet remembers per pod between syncs: waiting
  reasons (kubelet's reason cache), back-off entries for crash loops and
  image pulls, probe results, the terminal phase once reached.  ``decide``
  never mutates the memo it is given; the Decision carries the next one.

Semantics follow kubelet's ``computePodActions`` and ``doBackOff``: init
containers run one at a time, in order, to completion; app containers start
together once they are done; an exited container restarts according to
``restartPolicy`` after the crash back-off (first restart at once, then 10 s,
20 s, 40 s ... 5 min); a failed liveness or startup probe kills the container
and it restarts unless the policy is Never; a pod with a ``deletionTimestamp``
has its containers stopped with its grace period and then the object is
deleted.  The status itself is built by podstatus.py.

Lifecycle hooks (played by the runtime, which reports their outcome in the
view): a container shows Running, and is probed, only once its ``postStart``
hook has completed; a failed one records ``FailedPostStartHook``, keeps the
hook's error as the waiting reason (``PostStartHookError``) and kills the
container, which then restarts per policy with the crash back-off.  Every
stop (deletion, probe failure, changed spec, deadline -- not an exit of its
own) runs the ``preStop`` hook first, within the grace period; SIGTERM comes
when it completes; a failed one records ``FailedPreStopHook`` and the stop
goes on.
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass, field
from typing import Mapping, NamedTuple

from . import backoff, podstatus
from .images import parse_ref

TERMINAL = ("Succeeded", "Failed")
# Actions after which the runtime looks different and the pod is decided again.
RUNTIME_ACTIONS = frozenset({"sandbox", "pull", "pulled", "pull_failed", "start", "kill",
                             "stop_sandbox"})


@dataclass(frozen=True)
class Terminated:
    exit_code: int
    reason: str                # Completed | Error | OOMKilled
    started_at: float
    finished_at: float
    container_id: str
    message: str = ""


@dataclass(frozen=True)
class ContainerView:
    """The current attempt of one container, as the runtime reports it at ``now``."""

    name: str
    id: str
    image: str                 # the runtime's full reference (docker.io/library/nginx:latest)
    image_id: str
    attempt: int               # restarts before this one (restartCount)
    created_at: float
    started_at: float          # when it runs (later than now while still creating)
    end: Terminated | None = None   # set once it has exited
    stopping: bool = False     # a stop was requested and has not completed
    kill_reason: str = ""      # why it was stopped: liveness | startup | poststart |
    #                            changed | delete | deadline
    next_change: float | None = None   # when this view changes by itself
    last: Terminated | None = None     # the previous attempt's termination
    hooked_at: float | None = None     # its postStart hook completes (None: no hook)
    hook_error: str = ""               # ... and failed with this message
    pre_stop_failed_at: float | None = None   # its preStop hook failed at this time

    def running_from(self) -> float:
        """When it shows as Running: once started and its postStart hook succeeded."""
        if self.hook_error:
            return math.inf
        return max(self.started_at, self.hooked_at if self.hooked_at is not None else 0.0)


@dataclass(frozen=True)
class PullView:
    image: str
    started_at: float
    done_at: float
    ok: bool
    error: str = ""
    size: int = 0


@dataclass(frozen=True)
class Observed:
    sandbox_ip: str = ""                # "" until the sandbox exists
    sandbox_running: bool = False
    containers: Mapping[str, ContainerView] = field(default_factory=dict)
    pulls: Mapping[str, PullView] = field(default_factory=dict)
    images: frozenset = frozenset()     # full references present on the node
    node_ip: str = ""


@dataclass
class Memo:
    """The kubelet's per-pod memory between syncs (small on purpose)."""

    first_seen: float | None = None
    # container -> (waiting reason, message): kubelet's reason cache.
    reasons: dict = field(default_factory=dict)
    # "c:<container>" crash back-off, "i:<image>" pull back-off -> backoff.Entry.
    backoff: dict = field(default_factory=dict)
    # back-off key -> marker of the last BackOff event (one event per failure).
    announced: dict = field(default_factory=dict)
    # container -> last pull error, for the ImagePullBackOff message.
    pull_errors: dict = field(default_factory=dict)
    # container -> {"liveness"|"readiness"|"startup": probes.ProbeState}
    probes: dict = field(default_factory=dict)
    phase: str | None = None             # a terminal phase once reached (latched)
    status_reason: tuple | None = None   # (reason, message) of a kubelet-failed pod
    last_status: dict | None = None      # the status last written, and its revision
    last_rv: int = 0
    start_reported: bool = False
    delete_sent: bool = False
    inherited: dict = field(default_factory=dict)   # see inherited_restarts

    def copy(self) -> "Memo":
        out = copy.copy(self)
        for name in ("reasons", "backoff", "announced", "pull_errors"):
            setattr(out, name, dict(getattr(self, name)))
        return out


class Action(NamedTuple):
    kind: str                  # sandbox | pull | pulled | pull_failed | start | kill |
    #                            stop_sandbox | delete | event
    container: str = ""
    image: str = ""
    init: bool = False
    attempt: int = 0
    grace: float = 0.0
    reason: str = ""           # kill: liveness | startup | poststart | changed | delete |
    #                            deadline; event: reason
    message: str = ""
    type: str = ""             # event: Normal | Warning
    field_path: str = ""


@dataclass
class Decision:
    actions: list
    status: dict
    wake_at: float | None
    memo: Memo


def container_specs(pod: dict) -> list[tuple[dict, bool]]:
    spec = pod.get("spec") or {}
    return [(c, True) for c in spec.get("initContainers") or []] + \
        [(c, False) for c in spec.get("containers") or []]


def field_path(name: str, init: bool) -> str:
    return f"spec.{'initContainers' if init else 'containers'}{{{name}}}"


def inherited_restarts(pod: dict) -> dict[str, int]:
    """Containers that ran before this kubelet saw the pod: their next attempt number
    (a restarted kubelet keeps counting, as kubelet does from its log directory)."""
    status = pod.get("status") or {}
    return {st["name"]: int(st.get("restartCount") or 0) + 1
            for key in ("initContainerStatuses", "containerStatuses")
            for st in status.get(key) or [] if st.get("name") and st.get("containerID")}


def pod_ref(pod: dict) -> str:
    meta = pod.get("metadata") or {}
    return f"{meta.get('name')}_{meta.get('namespace')}({meta.get('uid')})"


class _Sync:
    """One decision in the making: collects actions and the earliest wake-up."""

    def __init__(self, pod: dict, obs: Observed, memo: Memo, now: float, error_resync: float):
        self.pod, self.obs, self.memo, self.now = pod, obs, memo, now
        self.spec = pod.get("spec") or {}
        self.policy = self.spec.get("restartPolicy") or "Always"
        self.error_resync = error_resync
        self.actions: list[Action] = []
        self.wake_at: float | None = None

    def act(self, kind: str, **kw) -> None:
        self.actions.append(Action(kind, **kw))

    def event(self, type_: str, reason: str, message: str, path: str = "") -> None:
        self.actions.append(Action("event", reason=reason, message=message, type=type_,
                                   field_path=path))

    def wake(self, at: float | None) -> None:
        if at is not None and (self.wake_at is None or at < self.wake_at):
            self.wake_at = max(at, self.now)

    # -- running pods ---------------------------------------------------------

    def run(self) -> None:
        if not self.obs.sandbox_ip:
            self.act("sandbox")
            return
        if not self.run_init_containers():
            return
        for c in self.spec.get("containers") or []:
            self.run_container(c, False, self.policy)

    def run_init_containers(self) -> bool:
        """Drive init containers in order; True once all are done."""
        for c in self.spec.get("initContainers") or []:
            name, view = c["name"], self.obs.containers.get(c["name"])
            sidecar = c.get("restartPolicy") == "Always"
            if view is None:
                self.ensure_started(c, self.memo.inherited.get(name, 0), True)
                return False
            if view.end is None:
                self.wake(view.next_change)
                self.check_probes(c, view, True)
                if sidecar and self.now >= view.running_from():
                    continue
                return False
            if sidecar:
                self.restart(c, view, True)
                return False
            if view.end.exit_code == 0:
                continue
            if self.policy == "Never":
                return False        # the pod fails: podstatus reports it
            self.restart(c, view, True)
            return False
        for c in self.spec.get("initContainers") or []:
            if c.get("restartPolicy") == "Always":
                self.run_container(c, True, "Always")
        return True

    def run_container(self, c: dict, init: bool, policy: str) -> None:
        view = self.obs.containers.get(c["name"])
        if view is None:
            self.ensure_started(c, self.memo.inherited.get(c["name"], 0), init)
            return
        changed = view.image != parse_ref(c.get("image") or "").full
        if view.end is None:
            self.wake(view.next_change)
            if changed and not view.stopping:
                message = f"Container {c['name']} definition changed, will be restarted"
                self.act("kill", container=c["name"], reason="changed", message=message,
                         grace=float(self.spec.get("terminationGracePeriodSeconds", 30) or 0))
                self.event("Normal", "Killing", message, field_path(c["name"], init))
            else:
                self.check_probes(c, view, init)
            return
        probe_kill = view.kill_reason in ("liveness", "startup", "poststart")
        if policy == "Always" or changed or view.kill_reason == "changed" or (
                policy == "OnFailure" and (view.end.exit_code != 0 or probe_kill)):
            self.restart(c, view, init)

    def check_probes(self, c: dict, view: ContainerView, init: bool) -> None:
        """Kill a running container whose postStart hook failed, or whose liveness or
        startup probe has failed."""
        if view.stopping:
            return
        if view.hook_error and view.hooked_at is not None and self.now >= view.hooked_at:
            self.post_start_failed(c, view, init)
            return
        if self.now < view.running_from():
            return
        states = self.memo.probes.get(c["name"]) or {}
        for kind in ("startup", "liveness"):
            state = states.get(kind)
            if state is not None and state.container_id == view.id and state.result is False:
                grace = (c.get(f"{kind}Probe") or {}).get("terminationGracePeriodSeconds")
                if grace is None:
                    grace = self.spec.get("terminationGracePeriodSeconds", 30)
                message = f"Container {c['name']} failed {kind} probe, will be restarted"
                self.act("kill", container=c["name"], grace=float(grace or 0), reason=kind,
                         message=message)
                self.event("Normal", "Killing", message, field_path(c["name"], init))
                return

    def post_start_failed(self, c: dict, view: ContainerView, init: bool) -> None:
        """kubelet: the hook's error is kept as the waiting reason, the container killed
        (its preStop hook runs, with the pod's grace period), then restarted per policy."""
        name, path = c["name"], field_path(c["name"], init)
        self.event("Warning", "FailedPostStartHook", "PostStartHook failed", path)
        self.memo.reasons[name] = ("PostStartHookError", view.hook_error)
        self.act("kill", container=name, reason="poststart", message="FailedPostStartHook",
                 grace=float(self.spec.get("terminationGracePeriodSeconds", 30) or 0))
        self.event("Normal", "Killing", "FailedPostStartHook", path)

    def hook_events(self) -> None:
        """FailedPreStopHook, once per container attempt, when its preStop hook fails."""
        for c, init in container_specs(self.pod):
            view = self.obs.containers.get(c["name"])
            if view is None or view.pre_stop_failed_at is None:
                continue
            key = f"h:{c['name']}"
            if self.now < view.pre_stop_failed_at:
                self.wake(view.pre_stop_failed_at)
            elif self.memo.announced.get(key) != view.id:
                self.memo.announced[key] = view.id
                self.event("Warning", "FailedPreStopHook", "PreStopHook failed",
                           field_path(c["name"], init))

    def restart(self, c: dict, view: ContainerView, init: bool) -> None:
        name, key = c["name"], f"c:{c['name']}:{c.get('image')}"
        shown = self.memo.reasons.get(name, ("",))[0]
        if name in self.obs.pulls or shown in ("ErrImagePull", "ImagePullBackOff"):
            # A restart already under way, held up by its image: the pull back-off rules.
            self.ensure_started(c, view.attempt + 1, init)
            return
        entry = self.memo.backoff.get(key)
        finished = view.end.finished_at
        if backoff.in_backoff_since(entry, finished, self.now):
            self.memo.reasons[name] = ("CrashLoopBackOff", (
                f"back-off {backoff.go_duration(entry.delay)} restarting failed "
                f"container={name} pod={pod_ref(self.pod)}"))
            if self.memo.announced.get(key) != finished:
                self.memo.announced[key] = finished
                self.event("Warning", "BackOff", f"Back-off restarting failed container "
                           f"{name} in pod {pod_ref(self.pod)}", field_path(name, init))
            self.wake(finished + entry.delay)
            return
        self.memo.backoff[key] = backoff.next_entry(entry, self.now)
        self.ensure_started(c, view.attempt + 1, init)

    def ensure_started(self, c: dict, attempt: int, init: bool) -> None:
        """Pull if needed (with pull back-off), then start."""
        name, image = c["name"], c.get("image") or ""
        path, key = field_path(name, init), "i:" + image
        pull = self.obs.pulls.get(name)
        if pull is not None:
            if self.now < pull.done_at:
                self.wake(pull.done_at)
                return
            if not pull.ok:
                self.act("pull_failed", container=name, image=image)
                self.memo.backoff[key] = backoff.next_entry(self.memo.backoff.get(key),
                                                            self.now)
                self.memo.reasons[name] = ("ErrImagePull", pull.error)
                self.memo.pull_errors[name] = pull.error
                self.event("Warning", "Failed", f'Failed to pull image "{image}": {pull.error}',
                           path)
                self.event("Warning", "Failed", "Error: ErrImagePull", path)
                self.wake(self.now + self.error_resync)
                return
            took = backoff.go_duration(pull.done_at - pull.started_at)
            self.act("pulled", container=name, image=image)
            self.memo.backoff.pop(key, None)
            self.memo.pull_errors.pop(name, None)
            self.event("Normal", "Pulled", f'Successfully pulled image "{image}" in {took} '
                       f"({took} including waiting). Image size: {pull.size} bytes.", path)
        else:
            present = parse_ref(image).full in self.obs.images
            policy = c.get("imagePullPolicy") or (
                "Always" if parse_ref(image).tag == "latest" else "IfNotPresent")
            if policy == "Never" and not present:
                self.memo.reasons[name] = ("ErrImageNeverPull", f'Container image "{image}" is '
                                           "not present with pull policy of Never")
                if self.memo.announced.get(key) != "never":
                    self.memo.announced[key] = "never"
                    self.event("Warning", "ErrImageNeverPull", self.memo.reasons[name][1], path)
                return
            if not present or policy == "Always":
                self.pull(c, init)
                return
            self.event("Normal", "Pulled",
                       f'Container image "{image}" already present on machine', path)
        self.memo.reasons.pop(name, None)
        self.act("start", container=name, image=image, init=init, attempt=attempt)
        self.event("Normal", "Created", f"Created container: {name}", path)
        self.event("Normal", "Started", f"Started container {name}", path)

    def pull(self, c: dict, init: bool) -> None:
        name, image = c["name"], c.get("image") or ""
        path, key = field_path(name, init), "i:" + image
        entry = self.memo.backoff.get(key)
        if backoff.in_backoff_since_update(entry, self.now):
            shown = self.memo.reasons.get(name)
            if shown and shown[0] == "ErrImagePull" and \
                    self.now < entry.last_update + self.error_resync:
                self.wake(entry.last_update + self.error_resync)
                return
            error = self.memo.pull_errors.get(name, "")
            self.memo.reasons[name] = ("ImagePullBackOff",
                                       f'Back-off pulling image "{image}": ErrImagePull: {error}')
            if self.memo.announced.get(key) != entry.last_update:
                self.memo.announced[key] = entry.last_update
                self.event("Normal", "BackOff", f'Back-off pulling image "{image}"', path)
                self.event("Warning", "Failed", "Error: ImagePullBackOff", path)
            self.wake(entry.last_update + entry.delay)
            return
        self.act("pull", container=name, image=image, init=init)
        self.event("Normal", "Pulling", f'Pulling image "{image}"', path)

    # -- stopping -------------------------------------------------------------

    def stop_all(self, grace: float, reason: str) -> bool:
        """Stop every live container; True once all have exited."""
        done = True
        for c, init in container_specs(self.pod):
            view = self.obs.containers.get(c["name"])
            if view is None or view.end is not None:
                continue
            done = False
            if not view.stopping:
                self.act("kill", container=c["name"], grace=grace, reason=reason,
                         message=f"Stopping container {c['name']}")
                self.event("Normal", "Killing", f"Stopping container {c['name']}",
                           field_path(c["name"], init))
            self.wake(view.next_change)
        return done

    def terminate(self) -> None:
        """The pod is being deleted: stop, tear down, then delete the object."""
        grace = float((self.pod.get("metadata") or {}).get("deletionGracePeriodSeconds") or 0)
        if not self.stop_all(grace, "delete"):
            return
        if self.obs.sandbox_running:
            self.act("stop_sandbox")
        self.act("delete")

    def wind_down(self) -> None:
        """A terminal pod: nothing restarts; release what it holds."""
        if self.stop_all(float(self.spec.get("terminationGracePeriodSeconds", 30) or 0),
                         "deadline") and self.obs.sandbox_running:
            self.act("stop_sandbox")

    def past_deadline(self) -> bool:
        deadline = self.spec.get("activeDeadlineSeconds")
        if not deadline or self.memo.first_seen is None:
            return False
        start = podstatus.start_time(self.pod, self.memo)
        if self.now >= start + float(deadline):
            return True
        self.wake(start + float(deadline))
        return False


def decide(pod: dict, obs: Observed, memo: Memo, now: float,
           error_resync: float = 1.0) -> Decision:
    """The pod's next actions, status and wake-up time (see the module docstring)."""
    memo = memo.copy()
    if memo.first_seen is None:
        memo.first_seen = now
        memo.inherited = inherited_restarts(pod)
    sync = _Sync(pod, obs, memo, now, error_resync)
    sync.hook_events()
    old_phase = (pod.get("status") or {}).get("phase")
    if memo.phase is None and old_phase in TERMINAL and memo.last_status is None:
        memo.phase = old_phase      # a pod that finished before this kubelet saw it
    deleting = bool((pod.get("metadata") or {}).get("deletionTimestamp"))
    if deleting:
        sync.terminate()
    elif memo.phase is not None:
        sync.wind_down()
    elif sync.past_deadline():
        memo.phase = "Failed"
        memo.status_reason = ("DeadlineExceeded",
                              "Pod was active on the node longer than the specified deadline")
        sync.event("Normal", "DeadlineExceeded", memo.status_reason[1])
        sync.wind_down()
    else:
        sync.run()
    status = podstatus.build(pod, obs, memo, now, terminating=deleting and not any(
        a.kind == "kill" for a in sync.actions))
    if memo.phase is None and status["phase"] in TERMINAL and not deleting:
        memo.phase = status["phase"]
        sync.wind_down()
    return Decision(sync.actions, status, sync.wake_at, memo)
