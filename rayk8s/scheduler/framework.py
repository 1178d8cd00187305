"""The scheduling framework: plugins, the cycle state, and one scheduling cycle.

This is kube-scheduler's framework cut down to the extension points rayk8s
needs.  One cycle places one pod (:meth:`Framework.schedule`):

1. **PreFilter** -- each plugin may precompute into the :class:`CycleState`,
   skip its Filter (``Status.skip()``) or reject the pod outright.
2. **Filter** -- every node runs the filter plugins in order; the first
   rejection is that node's status.  The search stops once enough feasible
   nodes are found (all nodes below 100; kube-scheduler's adaptive
   ``percentageOfNodesToScore`` above), starting where the previous cycle
   stopped, so large clusters are sampled round-robin.
3. **PreScore / Score / NormalizeScore** -- each score plugin scores every
   feasible node, may normalise the scores, which must then lie in 0..100,
   and its weight multiplies them; the node with the highest sum wins, ties
   broken at random (reservoir sampling, as ``selectHost``).  A single
   feasible node is taken without scoring.
4. If no node fits, a :class:`FitError` carries the per-node statuses; its
   message is kube-scheduler's, e.g. ``0/3 nodes are available: 3 Insufficient
   cpu. preemption: 0/3 nodes are available: 3 No preemption victims found for
   incoming pod.`` (the ``preemption:`` part comes from the PostFilter plugin).

The cycle never awaits, so the live :class:`~.nodeinfo.NodeCache` is a
consistent snapshot for its whole length: no copy is taken per pod.

Writing a plugin
----------------
A plugin is any object with a ``name`` and one or more of these methods,
given to ``SchedulerShell(..., plugins=[...])`` / ``Scheduler(plugins=...)`` or
as ``config["plugins"]``; it runs after the default plugins of the same
extension point.  It must be picklable (it travels to the scheduler actor):
a class at module level, or in the driver's ``__main__``, which Ray pickles by
value.  ``pod`` is the Pod dict and ``node_info`` a :class:`~.nodeinfo.NodeInfo`
(``.name``, ``.node`` the Node dict, ``.labels``, ``.taints``, ``.allocatable``,
``.requested``, ``.non_zero_requested``, ``.pods``, ``.used_ports``,
``.owner_counts``); never mutate either.  ``state.pod_info`` is the pod's
:class:`~.nodeinfo.PodInfo` (requests computed once); ``state.write/read``
carry data between a plugin's own extension points; ``state.nodes`` lists
every node of the snapshot.

- ``filter(state, pod, node_info)`` -> ``None``/``True`` (fits), a reason string
  or ``False`` (does not fit), or a :class:`Status`
  (``Status.unschedulable("reason")``; ``Status.unresolvable(...)`` when
  preemption cannot help).  Reasons are aggregated across nodes in the
  FailedScheduling message ("2 <reason>").
- ``score(state, pod, node_info)`` -> int, 0..100 unless ``normalize`` maps it
  there; ``normalize(state, pod, scores)`` gets ``{node name: score}`` and
  changes it in place (or returns a new dict).  ``weight`` (default 1) scales
  the plugin's scores; ``config["weights"]`` overrides it by name.
- ``pre_filter(state, pod)`` and ``pre_score(state, pod, node_infos)`` ->
  ``None`` or a Status (``Status.skip()`` skips the plugin for this pod).
- ``events``: the cluster events after which a pod it rejected may fit
  (:data:`EVENTS`); absent means all of them.
- ``post_filter(state, pod, node_infos, diagnosis)`` -> ``(result, Status)``
  runs when no node fits (DefaultPreemption is the one default).

A whole algorithm is a callable ``algorithm(pod, node_infos) -> node name |
None`` given as ``config["algorithm"]``; it replaces filter and score (None:
no node fits).
"""

from __future__ import annotations

import random
from typing import Any, Callable, Iterable

from .nodeinfo import NodeInfo, PodInfo

MAX_NODE_SCORE = 100
MIN_FEASIBLE_NODES_TO_FIND = 100
MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND = 5

# Status codes, as framework.Code.
SUCCESS, ERROR, UNSCHEDULABLE, UNSCHEDULABLE_AND_UNRESOLVABLE, SKIP = 0, 1, 2, 3, 5
_CODE_NAMES = {SUCCESS: "Success", ERROR: "Error", UNSCHEDULABLE: "Unschedulable",
               UNSCHEDULABLE_AND_UNRESOLVABLE: "UnschedulableAndUnresolvable", SKIP: "Skip"}

# Cluster events that can make an unschedulable pod schedulable (queueing hints).
NODE_ADD, NODE_UPDATE = "NodeAdd", "NodeUpdate"
ASSIGNED_POD_ADD, ASSIGNED_POD_DELETE = "AssignedPodAdd", "AssignedPodDelete"
PVC_ADD, PVC_UPDATE = "PersistentVolumeClaimAdd", "PersistentVolumeClaimUpdate"
EVENTS = frozenset({NODE_ADD, NODE_UPDATE, ASSIGNED_POD_ADD, ASSIGNED_POD_DELETE,
                    PVC_ADD, PVC_UPDATE})

NO_NODES_AVAILABLE = "no nodes available to schedule pods"


class Status:
    """A plugin's verdict: a code, reasons (shown in events) and the plugin's name."""

    __slots__ = ("code", "reasons", "plugin")

    def __init__(self, code: int = SUCCESS, *reasons: str, plugin: str = ""):
        self.code = code
        self.reasons = list(reasons)
        self.plugin = plugin

    @classmethod
    def unschedulable(cls, *reasons: str, plugin: str = "") -> "Status":
        """The node does not fit; preempting pods there might help."""
        return cls(UNSCHEDULABLE, *reasons, plugin=plugin)

    @classmethod
    def unresolvable(cls, *reasons: str, plugin: str = "") -> "Status":
        """The node does not fit, and preemption cannot change that."""
        return cls(UNSCHEDULABLE_AND_UNRESOLVABLE, *reasons, plugin=plugin)

    @classmethod
    def error(cls, *reasons: str, plugin: str = "") -> "Status":
        return cls(ERROR, *reasons, plugin=plugin)

    @classmethod
    def skip(cls) -> "Status":
        return cls(SKIP)

    @property
    def message(self) -> str:
        return ", ".join(self.reasons)

    @property
    def is_success(self) -> bool:
        return self.code == SUCCESS

    @property
    def is_rejected(self) -> bool:
        return self.code in (UNSCHEDULABLE, UNSCHEDULABLE_AND_UNRESOLVABLE)

    def __eq__(self, other: object) -> bool:
        return (isinstance(other, Status) and self.code == other.code
                and self.reasons == other.reasons)

    def __repr__(self) -> str:
        plugin = f" from {self.plugin}" if self.plugin else ""
        return f"<Status {_CODE_NAMES.get(self.code, self.code)} {self.reasons}{plugin}>"


def as_status(value: Any, plugin: str) -> Status | None:
    """A plugin's return value as a Status, or None for success."""
    if value is None or value is True:
        return None
    if value is False:
        return Status.unschedulable(f"node(s) didn't satisfy plugin {plugin}", plugin=plugin)
    if isinstance(value, str):
        return Status.unschedulable(value, plugin=plugin)
    if isinstance(value, Status):
        if value.code == SUCCESS:
            return None
        if not value.plugin:
            value.plugin = plugin
        return value
    raise TypeError(f"plugin {plugin} returned {value!r}; expected None, bool, str or Status")


class CycleState:
    """Data shared by the plugins during one pod's cycle."""

    def __init__(self, pod_info: PodInfo, nodes: list[NodeInfo] | None = None):
        self.pod_info = pod_info
        # Every node of the snapshot (Filter and Score see subsets of it).
        self.nodes: list[NodeInfo] = nodes or []
        # The framework running the cycle (PostFilter plugins re-run filters).
        self.framework: "Framework | None" = None
        # Read-only caches of other resources, by plural ("persistentvolumeclaims").
        self.listers: dict[str, Any] = {}
        self._data: dict[str, Any] = {}
        # Plugins that asked to be skipped for this pod.
        self.skip_filter: set[str] = set()
        self.skip_score: set[str] = set()

    def write(self, key: str, value: Any) -> None:
        self._data[key] = value

    def read(self, key: str) -> Any:
        return self._data[key]

    def get(self, key: str, default: Any = None) -> Any:
        return self._data.get(key, default)


class Diagnosis:
    """Why a pod fits nowhere: each rejected node's status, and the rejecting plugins."""

    def __init__(self):
        self.node_statuses: dict[str, Status] = {}
        self.unschedulable_plugins: set[str] = set()
        self.pre_filter_msg = ""
        self.post_filter_msg = ""


class FitError(Exception):
    """No node fits the pod; ``str()`` is kube-scheduler's FailedScheduling message."""

    def __init__(self, pod: dict, num_all_nodes: int, diagnosis: Diagnosis):
        super().__init__()
        self.pod = pod
        self.num_all_nodes = num_all_nodes
        self.diagnosis = diagnosis

    def __str__(self) -> str:
        if self.num_all_nodes == 0:
            return NO_NODES_AVAILABLE
        return fit_message(self.num_all_nodes, self.diagnosis.node_statuses,
                           self.diagnosis.pre_filter_msg, self.diagnosis.post_filter_msg)


def reason_histogram(statuses: Iterable[Status]) -> str:
    """``"1 Insufficient memory, 2 node(s) were unschedulable"``: counts, sorted as strings."""
    counts: dict[str, int] = {}
    for st in statuses:
        for reason in st.reasons:
            counts[reason] = counts.get(reason, 0) + 1
    return ", ".join(sorted(f"{n} {reason}" for reason, n in counts.items()))


def fit_message(num_all_nodes: int, statuses: dict[str, Status], pre_filter_msg: str = "",
                post_filter_msg: str = "") -> str:
    """``0/N nodes are available: <PreFilterMsg or reasons>. <PostFilterMsg>`` (1.32)."""
    msg = f"0/{num_all_nodes} nodes are available:"
    if pre_filter_msg:
        msg += f" {pre_filter_msg}."
    else:
        hist = reason_histogram(statuses.values())
        if hist:
            msg += f" {hist}."
    if post_filter_msg:
        msg += f" {post_filter_msg}"
    return msg


class SchedulingError(Exception):
    """A plugin failed (code Error): the pod is retried after back-off."""


class ScheduleResult:
    __slots__ = ("node", "evaluated", "feasible")

    def __init__(self, node: str, evaluated: int, feasible: int):
        self.node = node
        self.evaluated = evaluated
        self.feasible = feasible

    def __repr__(self) -> str:
        return f"<ScheduleResult {self.node} evaluated={self.evaluated} feasible={self.feasible}>"


def num_feasible_nodes_to_find(percentage: int, num_all_nodes: int) -> int:
    """How many feasible nodes end the Filter search (kube-scheduler's adaptive rule)."""
    if num_all_nodes < MIN_FEASIBLE_NODES_TO_FIND:
        return num_all_nodes
    if percentage <= 0:
        percentage = max(50 - num_all_nodes // 125, MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND)
    return max(num_all_nodes * min(percentage, 100) // 100, MIN_FEASIBLE_NODES_TO_FIND)


def _has(plugin: Any, method: str) -> bool:
    return callable(getattr(plugin, method, None))


class Framework:
    """One profile: its plugins in order, score weights, and the cycle."""

    def __init__(self, plugins: Iterable[Any], *, weights: dict[str, int] | None = None,
                 algorithm: Callable[[dict, list[NodeInfo]], str | None] | None = None,
                 percentage_of_nodes_to_score: int = 0, rng: random.Random | None = None):
        self.plugins = list(plugins)
        names = [p.name for p in self.plugins]
        if len(set(names)) != len(names):
            raise ValueError(f"duplicate plugin names in {names}")
        self.by_name = dict(zip(names, self.plugins))
        weights = weights or {}
        self.pre_filter_plugins = [p for p in self.plugins if _has(p, "pre_filter")]
        self.filter_plugins = [p for p in self.plugins if _has(p, "filter")]
        self.post_filter_plugins = [p for p in self.plugins if _has(p, "post_filter")]
        self.pre_score_plugins = [p for p in self.plugins if _has(p, "pre_score")]
        self.score_plugins = [(p, int(weights.get(p.name, getattr(p, "weight", 1))))
                              for p in self.plugins if _has(p, "score")]
        self.algorithm = algorithm
        self.percentage_of_nodes_to_score = percentage_of_nodes_to_score
        self.rng = rng or random.Random()
        # Where the next Filter search starts (round-robin over the node list).
        self.next_start = 0

    def events_of(self, plugin_name: str) -> frozenset[str]:
        """The cluster events that may make a pod rejected by ``plugin_name`` fit."""
        plugin = self.by_name.get(plugin_name)
        events = getattr(plugin, "events", None) if plugin is not None else None
        return frozenset(events) if events is not None else EVENTS

    # -- the cycle -------------------------------------------------------------

    def schedule(self, pod: dict, nodes: list[NodeInfo],
                 state: CycleState | None = None) -> ScheduleResult:
        """Pick a node for ``pod`` among ``nodes``; raise FitError or SchedulingError."""
        state = state or CycleState(PodInfo(pod))
        state.nodes = nodes
        state.framework = self
        if not nodes:
            raise FitError(pod, 0, Diagnosis())
        if self.algorithm is not None:
            return self._run_algorithm(pod, nodes)
        feasible, diagnosis = self.find_feasible(state, pod, nodes)
        if not feasible:
            raise FitError(pod, len(nodes), diagnosis)
        evaluated = len(feasible) + len(diagnosis.node_statuses)
        if len(feasible) == 1:
            return ScheduleResult(feasible[0].name, evaluated, 1)
        scores = self.prioritize(state, pod, feasible)
        return ScheduleResult(self.select_host(scores), evaluated, len(feasible))

    def _run_algorithm(self, pod: dict, nodes: list[NodeInfo]) -> ScheduleResult:
        name = self.algorithm(pod, nodes)
        if name is not None and any(info.name == name for info in nodes):
            return ScheduleResult(name, len(nodes), 1)
        alg = getattr(self.algorithm, "__name__", type(self.algorithm).__name__)
        diagnosis = Diagnosis()
        status = Status.unschedulable(f"node(s) were not chosen by algorithm {alg}", plugin=alg)
        diagnosis.node_statuses = {info.name: status for info in nodes}
        diagnosis.unschedulable_plugins.add(alg)
        raise FitError(pod, len(nodes), diagnosis)

    def run_pre_filter(self, state: CycleState, pod: dict) -> Status | None:
        for p in self.pre_filter_plugins:
            st = as_status(p.pre_filter(state, pod), p.name)
            if st is None:
                continue
            if st.code == SKIP:
                state.skip_filter.add(p.name)
            elif st.is_rejected:
                return st
            else:
                raise SchedulingError(f'running PreFilter plugin "{p.name}": {st.message}')
        return None

    def run_filters(self, state: CycleState, pod: dict, node_info: NodeInfo,
                    plugins: list | None = None) -> Status | None:
        """The first rejecting plugin's status, or None when the node fits."""
        if plugins is None:
            plugins = [p for p in self.filter_plugins if p.name not in state.skip_filter]
        for p in plugins:
            verdict = p.filter(state, pod, node_info)
            if verdict is None:
                continue
            st = as_status(verdict, p.name)
            if st is None:
                continue
            if st.code == ERROR:
                raise SchedulingError(f'running "{p.name}" filter plugin: {st.message}')
            return st
        return None

    def find_feasible(self, state: CycleState, pod: dict,
                      nodes: list[NodeInfo]) -> tuple[list[NodeInfo], Diagnosis]:
        diagnosis = Diagnosis()
        rejected = self.run_pre_filter(state, pod)
        if rejected is not None:
            diagnosis.pre_filter_msg = rejected.message
            diagnosis.unschedulable_plugins.add(rejected.plugin)
            diagnosis.node_statuses = {info.name: rejected for info in nodes}
            return [], diagnosis
        n = len(nodes)
        want = num_feasible_nodes_to_find(self.percentage_of_nodes_to_score, n)
        start = self.next_start % n
        feasible: list[NodeInfo] = []
        processed = 0
        plugins = [p for p in self.filter_plugins if p.name not in state.skip_filter]
        for i in range(n):
            info = nodes[(start + i) % n]
            processed += 1
            st = self.run_filters(state, pod, info, plugins)
            if st is None:
                feasible.append(info)
                if len(feasible) >= want:
                    break
            else:
                diagnosis.node_statuses[info.name] = st
                diagnosis.unschedulable_plugins.add(st.plugin)
        self.next_start = (start + processed) % n
        return feasible, diagnosis

    def prioritize(self, state: CycleState, pod: dict, feasible: list[NodeInfo]) -> dict[str, int]:
        """Weighted sums of normalised scores, by node name, in ``feasible`` order."""
        totals = {info.name: 0 for info in feasible}
        if not self.score_plugins:
            return {name: 1 for name in totals}
        for p in self.pre_score_plugins:
            st = as_status(p.pre_score(state, pod, feasible), p.name)
            if st is None:
                continue
            if st.code == SKIP:
                state.skip_score.add(p.name)
            else:
                raise SchedulingError(f'running PreScore plugin "{p.name}": {st.message}')
        for p, weight in self.score_plugins:
            if p.name in state.skip_score:
                continue
            scores = {info.name: int(p.score(state, pod, info)) for info in feasible}
            if _has(p, "normalize"):
                out = p.normalize(state, pod, scores)
                if out is not None:
                    scores = out
            for name, score in scores.items():
                if not 0 <= score <= MAX_NODE_SCORE:
                    raise SchedulingError(
                        f"plugin {p.name!r} returns an invalid score {score}, it should in "
                        f"the range of [0, {MAX_NODE_SCORE}] after normalizing")
                totals[name] += score * weight
        return totals

    def select_host(self, scores: dict[str, int]) -> str:
        """The best-scored node; ties broken uniformly at random (reservoir sampling)."""
        best, best_score, ties = "", -1, 0
        for name, score in scores.items():
            if score > best_score:
                best, best_score, ties = name, score, 1
            elif score == best_score:
                ties += 1
                if self.rng.randrange(ties) == 0:
                    best = name
        return best

    def run_post_filter(self, state: CycleState, pod: dict, nodes: list[NodeInfo],
                        diagnosis: Diagnosis) -> Any:
        """Run PostFilter plugins (preemption) after a FitError; sets the diagnosis message.

        Returns the first plugin's result object (for preemption: victims and
        the nominated node), or None.  Not run for a custom algorithm, whose
        rejections say nothing preemption could act on.
        """
        if self.algorithm is not None:
            return None
        for p in self.post_filter_plugins:
            result, st = p.post_filter(state, pod, nodes, diagnosis)
            if st is not None and st.message:
                diagnosis.post_filter_msg = st.message
            if result is not None:
                return result
        return None
