"""A Deployment's status: counts from its ReplicaSets, and its conditions.

kube-controller-manager's ``calculateStatus`` and ``syncRolloutStatus``
(progress.go) plus the condition helpers of ``deployment_util.go``, over plain
dicts.  ``status`` arguments are ``DeploymentStatus`` dicts; ``current`` is
the status the Deployment had when the sync began (with the conditions the
sync has set so far), against which progress is measured.
"""

from __future__ import annotations

from .. import clock as clockmod
from .rollout import (MIN_AVAILABLE, MIN_UNAVAILABLE, NEW_RS_AVAILABLE, REPLICASET_UPDATED,
                      TIMED_OUT, max_unavailable, progress_deadline, spec_replicas, status_count)


def calculate_status(d: dict, current: dict, all_rss: list[dict | None], new: dict | None,
                     now: float) -> dict:
    """Counts over the ReplicaSets, collisionCount and conditions kept, Available set."""
    rss = [rs for rs in all_rss if rs is not None]
    available = sum(status_count(rs, "availableReplicas") for rs in rss)
    counts = {"observedGeneration": int(d["metadata"].get("generation") or 0),
              "replicas": sum(status_count(rs, "replicas") for rs in rss),
              "updatedReplicas": status_count(new, "replicas"),
              "readyReplicas": sum(status_count(rs, "readyReplicas") for rs in rss),
              "availableReplicas": available,
              # Kubernetes counts against the ReplicaSets' sizes (surge included).
              "unavailableReplicas": max(sum(spec_replicas(rs) for rs in rss) - available, 0)}
    # Zero counts are omitted on the wire, as Kubernetes' omitempty does.
    status: dict = {k: v for k, v in counts.items() if v}
    if current.get("collisionCount") is not None:
        status["collisionCount"] = current["collisionCount"]
    if current.get("conditions"):
        status["conditions"] = [dict(c) for c in current["conditions"]]
    if available >= spec_replicas(d) - max_unavailable(d):
        cond = new_condition("Available", "True", MIN_AVAILABLE,
                             "Deployment has minimum availability.", now)
    else:
        cond = new_condition("Available", "False", MIN_UNAVAILABLE,
                             "Deployment does not have minimum availability.", now)
    set_condition(status, cond)
    return status


def rollout_status(d: dict, current: dict, all_rss: list[dict | None], new: dict | None,
                   now: float) -> tuple[dict, float | None]:
    """syncRolloutStatus: the status with Progressing estimated, and when to
    look again for the progress deadline (None: no need)."""
    status = calculate_status(d, current, all_rss, new, now)
    deadline = progress_deadline(d)
    if deadline is None:
        remove_condition(status, "Progressing")
    cond = get_condition(current, "Progressing")
    done = (int(status.get("replicas") or 0) == int(status.get("updatedReplicas") or 0)
            and cond is not None and cond.get("reason") == NEW_RS_AVAILABLE)
    subject = (f'ReplicaSet "{new["metadata"]["name"]}"' if new is not None
               else f'Deployment "{d["metadata"]["name"]}"')
    if deadline is not None and not done:
        if deployment_complete(d, status):
            set_condition(status, new_condition("Progressing", "True", NEW_RS_AVAILABLE,
                                                f"{subject} has successfully progressed.", now))
        elif deployment_progressing(current, status):
            # Progress refreshes lastUpdateTime even though the reason stays the same.
            fresh = new_condition("Progressing", "True", REPLICASET_UPDATED,
                                  f"{subject} is progressing.", now)
            if cond is not None:
                if cond.get("status") == "True":
                    fresh["lastTransitionTime"] = cond.get("lastTransitionTime")
                remove_condition(status, "Progressing")
            set_condition(status, fresh)
        elif deployment_timed_out(d, status, now):
            set_condition(status, new_condition("Progressing", "False", TIMED_OUT,
                                                f"{subject} has timed out progressing.", now))
    failures = replica_failures(all_rss, new)
    if failures:
        set_condition(status, failures[0])
    else:
        remove_condition(status, "ReplicaFailure")
    return status, requeue_after(d, status, now)


def requeue_after(d: dict, status: dict, now: float) -> float | None:
    """Seconds until just past the progress deadline, for a rollout still under way."""
    deadline = progress_deadline(d)
    cond = get_condition(status, "Progressing")
    if deadline is None or cond is None or not cond.get("lastUpdateTime"):
        return None
    if deployment_complete(d, status) or cond.get("reason") in (TIMED_OUT, NEW_RS_AVAILABLE):
        return None
    after = clockmod.parse_rfc3339(cond["lastUpdateTime"]) + deadline - now
    return max(after, 0.0) + 1.0


def replica_failures(all_rss: list[dict | None], new: dict | None) -> list[dict]:
    """The ReplicaSets' ReplicaFailure conditions as Deployment conditions, the new one's first."""
    def failures(rs: dict | None) -> list[dict]:
        return [{"type": "ReplicaFailure", "status": c.get("status"),
                 "lastUpdateTime": c.get("lastTransitionTime"),
                 "lastTransitionTime": c.get("lastTransitionTime"),
                 "reason": c.get("reason"), "message": c.get("message")}
                for c in ((rs or {}).get("status") or {}).get("conditions") or []
                if c.get("type") == "ReplicaFailure"]
    return failures(new) or [f for rs in all_rss for f in failures(rs)]


def deployment_complete(d: dict, status: dict) -> bool:
    replicas = spec_replicas(d)
    return (int(status.get("updatedReplicas") or 0) == replicas
            and int(status.get("replicas") or 0) == replicas
            and int(status.get("availableReplicas") or 0) == replicas
            and int(status.get("observedGeneration") or 0)
            >= int(d["metadata"].get("generation") or 0))


def deployment_progressing(old: dict, new: dict) -> bool:
    """New pods updated, ready or available, or old pods gone, since ``old``."""
    def get(s: dict, f: str) -> int:
        return int(s.get(f) or 0)
    old_old = get(old, "replicas") - get(old, "updatedReplicas")
    new_old = get(new, "replicas") - get(new, "updatedReplicas")
    return (get(new, "updatedReplicas") > get(old, "updatedReplicas") or new_old < old_old
            or get(new, "readyReplicas") > get(old, "readyReplicas")
            or get(new, "availableReplicas") > get(old, "availableReplicas"))


def deployment_timed_out(d: dict, status: dict, now: float) -> bool:
    deadline = progress_deadline(d)
    if deadline is None:
        return False
    cond = get_condition(status, "Progressing")
    if cond is None or cond.get("reason") == NEW_RS_AVAILABLE:
        return False
    if cond.get("reason") == TIMED_OUT:
        return True
    since = cond.get("lastUpdateTime")
    return since is not None and clockmod.parse_rfc3339(since) + deadline < now


def new_condition(type_: str, status: str, reason: str, message: str, now: float) -> dict:
    stamp = clockmod.rfc3339(now)
    return {"type": type_, "status": status, "lastUpdateTime": stamp,
            "lastTransitionTime": stamp, "reason": reason, "message": message}


def get_condition(status: dict, type_: str) -> dict | None:
    for cond in status.get("conditions") or []:
        if cond.get("type") == type_:
            return cond
    return None


def remove_condition(status: dict, type_: str) -> None:
    conds = [c for c in status.get("conditions") or [] if c.get("type") != type_]
    if conds:
        status["conditions"] = conds
    else:
        status.pop("conditions", None)


def set_condition(status: dict, cond: dict) -> None:
    """SetDeploymentCondition: same status and reason is no change; same
    status keeps the old lastTransitionTime; the condition moves to the end."""
    current = get_condition(status, cond["type"])
    if current is not None and current.get("status") == cond["status"] \
            and current.get("reason") == cond["reason"]:
        return
    if current is not None and current.get("status") == cond["status"]:
        cond = dict(cond, lastTransitionTime=current.get("lastTransitionTime"))
    remove_condition(status, cond["type"])
    status["conditions"] = list(status.get("conditions") or []) + [cond]
