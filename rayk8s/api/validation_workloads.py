"""Validation of the workload kinds: Deployment, ReplicaSet, StatefulSet,
DaemonSet, ReplicationController, Job and HorizontalPodAutoscaler.

Each ``spec_<kind>(obj, old)`` validates the spec (``old`` is None on create)
and, on update, the kind's immutability rules; each ``status_<kind>(obj)`` the
counters of a status write.  Messages and field paths are those of
k8s.io/kubernetes/pkg/apis/{apps,batch,autoscaling,core}/validation, e.g.
``spec.template.metadata.labels: Invalid value: {"app":"x"}: `selector` does
not match template `labels```.
"""

from __future__ import annotations

from typing import Any

from . import names
from .validation_common import (Causes, each, forbidden, immutable, int_or_percent_value,
                                integer, invalid, is_int, mapping, nonnegative,
                                not_more_than_100_percent, not_supported, parse_selector,
                                required, selector_is_empty, seq, validate_annotations,
                                validate_int_or_percent, validate_labels, validate_selector)
from .validation_pods import validate_pod_template

_NO_MATCH = "`selector` does not match template `labels`"


def _template_labels(spec: dict) -> Any:
    return mapping(mapping(spec.get("template")).get("metadata")).get("labels")


def _selector_required(spec: dict, workload: str) -> Causes:
    """apps/v1's selector rules: present, well-formed, not empty."""
    sel = spec.get("selector")
    if sel is None:
        return [required("spec.selector")]
    out = validate_selector(sel, "spec.selector")
    if isinstance(sel, dict) and selector_is_empty(sel):
        out.append(invalid("spec.selector", sel, f"empty selector is invalid for {workload}"))
    return out


def _selector_matches_template(spec: dict, error: str | None = "invalid label selector"
                               ) -> Causes:
    """The selector must select the template's labels (unless it is empty).  A missing
    selector selects nothing, so it fails this check too, as in Kubernetes.  An
    unparsable one yields ``error`` (no cause when None)."""
    sel = parse_selector(spec.get("selector"))
    if sel is None:
        return [] if error is None else [invalid("spec.selector", spec.get("selector"), error)]
    labels = _template_labels(spec)
    if not sel.empty and not sel.matches(mapping(labels)):
        return [invalid("spec.template.metadata.labels", labels, _NO_MATCH)]
    return []


def _restart_always(spec: dict, owner: str) -> Causes:
    pod = mapping(mapping(spec.get("template")).get("spec"))
    out: Causes = []
    policy = pod.get("restartPolicy")
    if policy is not None and policy != "Always":
        out.append(not_supported("spec.template.spec.restartPolicy", policy, ("Always",)))
    if pod.get("activeDeadlineSeconds") is not None:
        out.append(forbidden("spec.template.spec.activeDeadlineSeconds",
                             f"activeDeadlineSeconds in {owner} is not Supported"))
    return out


def _replicated(spec: dict, workload: str, owner: str) -> Causes:
    """What Deployment and ReplicaSet share: selector and template."""
    out = _selector_required(spec, workload)
    matched = _selector_matches_template(spec)
    out += matched
    if not (matched and matched[0]["field"] == "spec.selector"):
        out += validate_pod_template(spec.get("template"))
        out += _restart_always(spec, owner)
    return out


# ------------------------------------------------------------------ apps

def _deployment_strategy(strategy: Any) -> Causes:
    strategy = mapping(strategy)
    stype, ru = strategy.get("type"), strategy.get("rollingUpdate")
    path = "spec.strategy"
    if stype is None:
        return []
    if stype == "Recreate":
        if ru is not None:
            return [forbidden(f"{path}.rollingUpdate",
                              "may not be specified when strategy `type` is 'Recreate'")]
        return []
    if stype != "RollingUpdate":
        return [not_supported(path, strategy, ("Recreate", "RollingUpdate"))]
    if ru is None:
        return [required(f"{path}.rollingUpdate", "this should be defaulted and never be nil")]
    ru = mapping(ru)
    mu, ms = ru.get("maxUnavailable"), ru.get("maxSurge")
    out = validate_int_or_percent(mu, f"{path}.rollingUpdate.maxUnavailable")
    out += validate_int_or_percent(ms, f"{path}.rollingUpdate.maxSurge")
    if int_or_percent_value(mu) == 0 and int_or_percent_value(ms) == 0:
        out.append(invalid(f"{path}.rollingUpdate.maxUnavailable", mu if mu is not None else 0,
                           "may not be 0 when `maxSurge` is 0"))
    out += not_more_than_100_percent(mu, f"{path}.rollingUpdate.maxUnavailable")
    return out


def spec_deployment(obj: dict, old: dict | None) -> Causes:
    spec = mapping(obj.get("spec"))
    out = nonnegative(spec, "replicas", "spec.replicas")
    out += _replicated(spec, "deployment", "ReplicaSet")
    out += _deployment_strategy(spec.get("strategy"))
    out += nonnegative(spec, "minReadySeconds", "spec.minReadySeconds")
    out += nonnegative(spec, "revisionHistoryLimit", "spec.revisionHistoryLimit")
    pds = integer(spec, "progressDeadlineSeconds", "spec.progressDeadlineSeconds", out)
    if pds is not None:
        out += nonnegative(spec, "progressDeadlineSeconds", "spec.progressDeadlineSeconds")
        mrs = spec.get("minReadySeconds") if is_int(spec.get("minReadySeconds")) else 0
        if pds <= mrs:
            out.append(invalid("spec.progressDeadlineSeconds", pds,
                               "must be greater than minReadySeconds"))
    return out + _selector_immutable(obj, old)


def spec_replicaset(obj: dict, old: dict | None) -> Causes:
    spec = mapping(obj.get("spec"))
    out = nonnegative(spec, "replicas", "spec.replicas")
    out += nonnegative(spec, "minReadySeconds", "spec.minReadySeconds")
    out += _replicated(spec, "deployment", "ReplicaSet")
    return out + _selector_immutable(obj, old)


def _selector_immutable(obj: dict, old: dict | None) -> Causes:
    if old is None:
        return []
    return immutable(mapping(obj.get("spec")).get("selector"),
                     mapping(old.get("spec")).get("selector"), "spec.selector")


_STS_MUTABLE = ("replicas", "ordinals", "template", "updateStrategy",
                "persistentVolumeClaimRetentionPolicy", "minReadySeconds")


def spec_statefulset(obj: dict, old: dict | None) -> Causes:
    spec = mapping(obj.get("spec"))
    out: Causes = []
    pmp = spec.get("podManagementPolicy")
    if pmp is not None and pmp not in ("OrderedReady", "Parallel"):
        out.append(invalid("spec.podManagementPolicy", pmp,
                           "must be 'OrderedReady' or 'Parallel'"))
    strategy = mapping(spec.get("updateStrategy"))
    stype, ru = strategy.get("type"), strategy.get("rollingUpdate")
    if stype == "OnDelete":
        if ru is not None:
            out.append(invalid("spec.updateStrategy.rollingUpdate", ru,
                               "only allowed for updateStrategy 'RollingUpdate'"))
    elif stype == "RollingUpdate":
        ru_path = "spec.updateStrategy.rollingUpdate"
        out += nonnegative(mapping(ru), "partition", f"{ru_path}.partition")
        mu = mapping(ru).get("maxUnavailable")
        if mu is not None:
            out += validate_int_or_percent(mu, f"{ru_path}.maxUnavailable")
            if int_or_percent_value(mu) == 0:
                out.append(invalid(f"{ru_path}.maxUnavailable", mu, "cannot be 0"))
            out += not_more_than_100_percent(mu, f"{ru_path}.maxUnavailable")
    elif stype is not None:
        out.append(invalid("spec.updateStrategy", strategy,
                           "must be 'RollingUpdate' or 'OnDelete'"))
    policy = mapping(spec.get("persistentVolumeClaimRetentionPolicy"))
    for when in ("whenDeleted", "whenScaled"):
        value = policy.get(when)
        if value is not None and value not in ("Retain", "Delete"):
            out.append(not_supported(f"spec.persistentVolumeClaimRetentionPolicy.{when}",
                                     value, ("Retain", "Delete")))
    out += nonnegative(spec, "replicas", "spec.replicas")
    out += nonnegative(spec, "minReadySeconds", "spec.minReadySeconds")
    out += nonnegative(mapping(spec.get("ordinals")), "start", "spec.ordinals.start")
    out += _selector_required(spec, "statefulset")
    out += _selector_matches_template(spec, "")
    tmpl = mapping(spec.get("template"))
    meta = mapping(tmpl.get("metadata"))
    # Like Kubernetes, only the template's metadata is checked, not its pod spec.
    out += validate_labels(meta.get("labels"), "spec.template.labels")
    out += validate_annotations(meta.get("annotations"), "spec.template.annotations")
    out += _restart_always(spec, "StatefulSet")
    if old is not None:
        old_spec = mapping(old.get("spec"))
        rest = {k: v for k, v in spec.items() if k not in _STS_MUTABLE}
        old_rest = {k: v for k, v in old_spec.items() if k not in _STS_MUTABLE}
        if rest != old_rest:
            out.append(forbidden("spec", "updates to statefulset spec for fields other than "
                                 "'replicas', 'ordinals', 'template', 'updateStrategy', "
                                 "'persistentVolumeClaimRetentionPolicy' and "
                                 "'minReadySeconds' are forbidden"))
    return out


def spec_daemonset(obj: dict, old: dict | None) -> Causes:
    spec = mapping(obj.get("spec"))
    sel = spec.get("selector")
    out = validate_selector(sel, "spec.selector")
    out += _selector_matches_template(spec, None)
    if isinstance(sel, dict) and selector_is_empty(sel):
        out.append(invalid("spec.selector", sel, "empty selector is invalid for daemonset"))
    out += validate_pod_template(spec.get("template"))
    out += _restart_always(spec, "DaemonSet")
    out += nonnegative(spec, "minReadySeconds", "spec.minReadySeconds")
    out += nonnegative(spec, "templateGeneration", "spec.templateGeneration")
    strategy = mapping(spec.get("updateStrategy"))
    stype, path = strategy.get("type"), "spec.updateStrategy"
    if stype == "RollingUpdate":
        ru = strategy.get("rollingUpdate")
        if ru is None:
            out.append(required(f"{path}.rollingUpdate"))
        else:
            out += _daemonset_rolling_update(mapping(ru), f"{path}.rollingUpdate")
    elif stype not in (None, "OnDelete"):
        out.append(not_supported(path, strategy, ("RollingUpdate", "OnDelete")))
    out += nonnegative(spec, "revisionHistoryLimit", "spec.revisionHistoryLimit")
    return out + _selector_immutable(obj, old)


def _daemonset_rolling_update(ru: dict, path: str) -> Causes:
    mu, ms = ru.get("maxUnavailable"), ru.get("maxSurge")
    out = validate_int_or_percent(mu, f"{path}.maxUnavailable")
    out += validate_int_or_percent(ms, f"{path}.maxSurge")
    out += not_more_than_100_percent(mu, f"{path}.maxUnavailable")
    out += not_more_than_100_percent(ms, f"{path}.maxSurge")
    has_mu, has_ms = int_or_percent_value(mu) != 0, int_or_percent_value(ms) != 0
    if has_mu and has_ms:
        out.append(invalid(f"{path}.maxSurge", ms, "may not be set when maxUnavailable is "
                           "non-zero"))
    elif not has_mu and not has_ms:
        out.append(required(f"{path}.maxUnavailable", "cannot be 0 when maxSurge is 0"))
    return out


# ------------------------------------------------------------------ core/v1 RC

def spec_replication_controller(obj: dict, old: dict | None) -> Causes:
    spec = mapping(obj.get("spec"))
    out = nonnegative(spec, "minReadySeconds", "spec.minReadySeconds")
    selector = spec.get("selector")
    if not isinstance(selector, dict) or not selector:
        out.append(required("spec.selector"))
    out += nonnegative(spec, "replicas", "spec.replicas")
    if spec.get("template") is None:
        return out + [required("spec.template")]
    labels = _template_labels(spec)
    if isinstance(selector, dict) and selector and any(
            mapping(labels).get(k) != v for k, v in selector.items()):
        out.append(invalid("spec.template.metadata.labels", labels, _NO_MATCH))
    out += validate_pod_template(spec.get("template"))
    return out + _restart_always(spec, "ReplicationController")


# ------------------------------------------------------------------ batch

_JOB_IMMUTABLE = ("completionMode", "podFailurePolicy", "backoffLimitPerIndex", "managedBy",
                  "successPolicy")
# What a suspended Job that never started may change in its template.
_SCHEDULING_DIRECTIVES = ("nodeSelector", "tolerations", "affinity", "schedulingGates")


def spec_job(obj: dict, old: dict | None) -> Causes:
    spec = mapping(obj.get("spec"))
    out: Causes = []
    for f in ("parallelism", "completions", "activeDeadlineSeconds", "backoffLimit",
              "ttlSecondsAfterFinished", "backoffLimitPerIndex", "maxFailedIndexes"):
        out += nonnegative(spec, f, f"spec.{f}")
    mode = spec.get("completionMode")
    if mode is not None and mode not in ("NonIndexed", "Indexed"):
        out.append(not_supported("spec.completionMode", mode, ("NonIndexed", "Indexed")))
    if mode == "Indexed":
        if spec.get("completions") is None:
            out.append(required("spec.completions", "when completion mode is Indexed"))
        if is_int(spec.get("parallelism")) and spec["parallelism"] > 100000:
            out.append(invalid("spec.parallelism", spec["parallelism"], "must be less than or "
                               "equal to 100000 when completion mode is Indexed"))
    out += validate_pod_template(spec.get("template"))
    policy = mapping(mapping(spec.get("template")).get("spec")).get("restartPolicy")
    path = "spec.template.spec.restartPolicy"
    if policy in (None, "", "Always"):
        out.append(required(path, 'valid values: "OnFailure", "Never"'))
    elif policy not in ("OnFailure", "Never"):
        out.append(not_supported(path, policy, ("OnFailure", "Never")))
    elif spec.get("podFailurePolicy") is not None and policy != "Never":
        out.append(invalid(path, policy, 'only "Never" is supported when podFailurePolicy '
                           "is specified"))
    if spec.get("selector") is None:
        out.append(required("spec.selector"))
    else:
        out += validate_selector(spec["selector"], "spec.selector")
    out += _selector_matches_template(spec, None)
    name = mapping(obj.get("metadata")).get("name")
    completions = spec.get("completions")
    if old is None and mode == "Indexed" and is_int(completions) and completions > 0 and name:
        hostname = f"{name}-{completions - 1}"
        if names.is_dns1123_label(hostname):
            out.append(invalid("metadata.name", name, "will not able to create pod with "
                               f"invalid DNS label: {hostname}"))
    if old is not None:
        out += _job_update(spec, mapping(old.get("spec")), mapping(old.get("status")))
    return out


def _job_update(spec: dict, old_spec: dict, old_status: dict) -> Causes:
    out: Causes = []
    completions = spec.get("completions")
    if completions != old_spec.get("completions"):
        if spec.get("completionMode") != "Indexed":
            out += immutable(completions, old_spec.get("completions"), "spec.completions")
        elif completions is not None and completions != spec.get("parallelism"):
            out.append(invalid("spec.completions", completions,
                               "can only be modified in tandem with spec.parallelism"))
    out += immutable(spec.get("selector"), old_spec.get("selector"), "spec.selector")
    template, old_template = spec.get("template"), old_spec.get("template")
    if old_spec.get("suspend") and not old_status.get("startTime"):
        template, old_template = _without_directives(template), _without_directives(old_template)
    if template != old_template:
        out.append(invalid("spec.template", spec.get("template"), "field is immutable"))
    for key in _JOB_IMMUTABLE:
        out += immutable(spec.get(key), old_spec.get(key), f"spec.{key}")
    return out


def _without_directives(template: Any) -> dict:
    """A Job template minus what may change while it is suspended and never started."""
    t = dict(mapping(template))
    meta = {k: v for k, v in mapping(t.get("metadata")).items()
            if k not in ("labels", "annotations")}
    spec = {k: v for k, v in mapping(t.get("spec")).items() if k not in _SCHEDULING_DIRECTIVES}
    t.pop("metadata", None)
    t.pop("spec", None)
    return dict(t, **({"metadata": meta} if meta else {}), **({"spec": spec} if spec else {}))


# ------------------------------------------------------------------ autoscaling

_METRIC_TYPES = ("Object", "Pods", "Resource", "External", "ContainerResource")


def _metric_target(target: Any, path: str) -> Causes:
    target = mapping(target)
    out: Causes = []
    ttype = target.get("type")
    if not ttype:
        out.append(required(f"{path}.type", "must specify a metric target type"))
    if ttype not in ("Utilization", "Value", "AverageValue"):
        out.append(invalid(f"{path}.type", ttype or "",
                           "must be either Utilization, Value, or AverageValue"))
    util = target.get("averageUtilization")
    if util is not None and (not is_int(util) or util < 1):
        out.append(invalid(f"{path}.averageUtilization", util, "must be greater than 0"))
    return out


def _metrics(metrics: Any, path: str) -> Causes:
    out: Causes = []
    for i, m in enumerate(seq(metrics)):
        m, p = mapping(m), f"{path}[{i}]"
        mtype = m.get("type") or ""
        if not mtype:
            out.append(required(f"{p}.type", "must specify a metric source type"))
        if mtype not in _METRIC_TYPES:
            out.append(not_supported(f"{p}.type", mtype, _METRIC_TYPES))
            continue
        field = mtype[0].lower() + mtype[1:]
        source = m.get(field)
        if source is None:
            out.append(required(f"{p}.{field}", "must populate information for the given "
                                "metric source"))
            continue
        others = [t[0].lower() + t[1:] for t in _METRIC_TYPES if t != mtype]
        for other in others:
            if m.get(other) is not None:
                out.append(forbidden(f"{p}.{other}", "must populate the given metric source "
                                     "only"))
        source = mapping(source)
        if mtype in ("Resource", "ContainerResource"):
            if not source.get("name"):
                out.append(required(f"{p}.{field}.name", "must specify a resource name"))
            target = mapping(source.get("target"))
            out += _metric_target(target, f"{p}.{field}.target")
            if target.get("averageUtilization") is None and target.get("averageValue") is None:
                out.append(required(f"{p}.{field}.target.averageUtilization",
                                    "must set either a target raw value or a target "
                                    "utilization"))
        else:
            if not mapping(source.get("metric")).get("name"):
                out.append(required(f"{p}.{field}.metric.name", "must specify a metric name"))
            out += _metric_target(source.get("target"), f"{p}.{field}.target")
    return out


def _path_segment(value: str) -> list[str]:
    if value in (".", ".."):
        return [f"may not be '{value}'"]
    return [f"may not contain '{c}'" for c in ("/", "%") if c in value]


def spec_hpa(obj: dict, old: dict | None) -> Causes:
    spec = mapping(obj.get("spec"))
    out: Causes = []
    lo = integer(spec, "minReplicas", "spec.minReplicas", out)
    hi = integer(spec, "maxReplicas", "spec.maxReplicas", out)
    if lo is not None and lo < 1:
        out.append(invalid("spec.minReplicas", lo, "must be greater than or equal to 1"))
    if hi is None or hi < 1:
        out.append(invalid("spec.maxReplicas", hi or 0, "must be greater than 0"))
    if lo is not None and hi is not None and hi < lo:
        out.append(invalid("spec.maxReplicas", hi, "must be greater than or equal to "
                           "`minReplicas`"))
    ref, refs = mapping(spec.get("scaleTargetRef")), []
    for key in ("kind", "name"):
        value = ref.get(key)
        if not value:
            refs.append(required(f"spec.scaleTargetRef.{key}"))
        else:
            refs += each(f"spec.scaleTargetRef.{key}", value, _path_segment(str(value)))
    out += refs
    if not refs:
        out += _metrics(spec.get("metrics"), "spec.metrics")
    return out


# ------------------------------------------------------------------ status

def _counts(status: dict, fields: tuple[str, ...]) -> Causes:
    out: Causes = []
    for f in fields:
        out += nonnegative(status, f, f"status.{f}")
    return out


def _not_above(status: dict, field: str, bound: str, msg: str) -> Causes:
    if field not in status:
        return []
    value, limit = status[field], status.get(bound, 0)
    if is_int(value) and is_int(limit) and value > limit:
        return [invalid(f"status.{field}", value, msg)]
    return []


def status_replicated(obj: dict) -> Causes:
    """Deployment, ReplicaSet, ReplicationController and StatefulSet statuses."""
    status = mapping(obj.get("status"))
    out = _counts(status, ("replicas", "updatedReplicas", "readyReplicas", "availableReplicas",
                           "fullyLabeledReplicas", "currentReplicas", "unavailableReplicas",
                           "observedGeneration", "collisionCount"))
    msg = "cannot be greater than status.replicas"
    for f in ("updatedReplicas", "readyReplicas", "availableReplicas", "fullyLabeledReplicas",
              "currentReplicas"):
        out += _not_above(status, f, "replicas", msg)
    return out + _not_above(status, "availableReplicas", "readyReplicas",
                            "cannot be greater than readyReplicas")


def status_daemonset(obj: dict) -> Causes:
    return _counts(mapping(obj.get("status")), (
        "currentNumberScheduled", "numberMisscheduled", "desiredNumberScheduled",
        "numberReady", "observedGeneration", "updatedNumberScheduled", "numberAvailable",
        "numberUnavailable", "collisionCount"))


def status_job(obj: dict) -> Causes:
    status = mapping(obj.get("status"))
    out = _counts(status, ("active", "succeeded", "failed", "ready", "terminating"))
    if is_int(status.get("ready")) and is_int(status.get("active")) \
            and status["ready"] > status["active"]:
        out.append(invalid("status.ready", status["ready"],
                           "cannot set more ready pods than active"))
    return out


def status_hpa(obj: dict) -> Causes:
    return _counts(mapping(obj.get("status")), ("currentReplicas", "desiredReplicas"))
