"""The Deployment controller's pure arithmetic (kube-controller-manager's
``pkg/controller/deployment/util``), over plain dicts.

Nothing here writes or reads a cache: template hashing and equality, the new
ReplicaSet's shape and annotations, revisions, maxSurge/maxUnavailable
resolution, how many replicas a new ReplicaSet may have, proportional shares
when a rollout is rescaled, and the orders ReplicaSets are sorted in.
deploystatus.py holds the status and conditions; deployment.py composes both
into the sync function.
"""

from __future__ import annotations

import json
import math
from typing import Any, Iterable

from ..machinery.cache import copy
from . import base

HASH_LABEL = "pod-template-hash"
REVISION = "deployment.kubernetes.io/revision"
REVISION_HISTORY = "deployment.kubernetes.io/revision-history"
DESIRED_REPLICAS = "deployment.kubernetes.io/desired-replicas"
MAX_REPLICAS = "deployment.kubernetes.io/max-replicas"
# Deployment annotations never copied onto its ReplicaSets.
SKIP_COPY = frozenset({"kubectl.kubernetes.io/last-applied-configuration", REVISION,
                       REVISION_HISTORY, DESIRED_REPLICAS, MAX_REPLICAS,
                       "deprecated.deployment.rollback.to"})
# The revision-history annotation is cut to this many characters.
MAX_REV_HISTORY_CHARS = 2000
MAX_INT32 = 2**31 - 1

# Condition reasons, as deployment_util.go names them.
REPLICASET_UPDATED = "ReplicaSetUpdated"
NEW_RS_CREATED = "NewReplicaSetCreated"
FOUND_NEW_RS = "FoundNewReplicaSet"
NEW_RS_AVAILABLE = "NewReplicaSetAvailable"
TIMED_OUT = "ProgressDeadlineExceeded"
PAUSED = "DeploymentPaused"
RESUMED = "DeploymentResumed"
MIN_AVAILABLE = "MinimumReplicasAvailable"
MIN_UNAVAILABLE = "MinimumReplicasUnavailable"

# rand.SafeEncodeString's alphabet: no vowels (no words), no 0/1/3 (look like letters).
_ALPHANUMS = "bcdfghjklmnpqrstvwxz2456789"


# -- small accessors ----------------------------------------------------------

def spec_replicas(obj: dict | None) -> int:
    """``spec.replicas`` (1 when unset, the apps/v1 default); 0 for no object."""
    if obj is None:
        return 0
    value = (obj.get("spec") or {}).get("replicas")
    return 1 if value is None else int(value)


def status_count(obj: dict | None, field: str) -> int:
    if obj is None:
        return 0
    return int((obj.get("status") or {}).get(field) or 0)


def annotations(obj: dict) -> dict:
    return (obj.get("metadata") or {}).get("annotations") or {}


def is_rolling(d: dict) -> bool:
    return strategy(d).get("type", "RollingUpdate") == "RollingUpdate"


def strategy(d: dict) -> dict:
    return (d.get("spec") or {}).get("strategy") or {}


def progress_deadline(d: dict) -> int | None:
    """``progressDeadlineSeconds`` (600 by default), None when disabled (MaxInt32)."""
    value = (d.get("spec") or {}).get("progressDeadlineSeconds")
    value = 600 if value is None else int(value)
    return None if value == MAX_INT32 else value


def history_limit(d: dict) -> int | None:
    value = (d.get("spec") or {}).get("revisionHistoryLimit")
    value = 10 if value is None else int(value)
    return None if value == MAX_INT32 else value


# -- maxSurge / maxUnavailable -----------------------------------------------------

def scaled_value(value: Any, total: int, round_up: bool) -> int:
    """intstr.GetScaledValueFromIntOrPercent: an int as is, ``"25%"`` of ``total``."""
    if value is None:
        return 0
    if isinstance(value, bool):
        raise ValueError(f"invalid value for IntOrString: {value!r}")
    if isinstance(value, int):
        return value
    text = str(value)
    if not text.endswith("%"):
        try:
            return int(text)   # lenient: validation refuses this spelling
        except ValueError:
            raise ValueError(f"invalid value for IntOrString: invalid type: "
                             f"string is not a percentage: {text!r}") from None
    percent = int(text[:-1])
    exact = percent * total / 100
    return math.ceil(exact) if round_up else math.floor(exact)


def resolve_fenceposts(max_surge: Any, max_unavailable: Any, desired: int) -> tuple[int, int]:
    """(surge, unavailable): surge rounds up, unavailable down; never both 0."""
    surge = scaled_value(0 if max_surge is None else max_surge, desired, True)
    unavailable = scaled_value(0 if max_unavailable is None else max_unavailable, desired, False)
    if surge == 0 and unavailable == 0:
        # Rounding down may resolve both to zero; then allow one unavailable
        # pod rather than count on surge (quota may forbid it).
        unavailable = 1
    return surge, unavailable


def _rolling_params(d: dict) -> tuple[Any, Any]:
    ru = strategy(d).get("rollingUpdate") or {}
    return ru.get("maxSurge"), ru.get("maxUnavailable")


def max_surge(d: dict) -> int:
    if not is_rolling(d):
        return 0
    return resolve_fenceposts(*_rolling_params(d), spec_replicas(d))[0]


def max_unavailable(d: dict) -> int:
    replicas = spec_replicas(d)
    if not is_rolling(d) or replicas == 0:
        return 0
    return min(resolve_fenceposts(*_rolling_params(d), replicas)[1], replicas)


# -- template hash and equality ------------------------------------------------------

def _prune(value: Any) -> Any:
    """Drop nulls, empty maps and empty lists, as Go's omitempty and
    apimachinery's semantic equality (nil == empty) make them invisible."""
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            v = _prune(v)
            if v is None or v == {} or v == []:
                continue
            out[k] = v
        return out
    if isinstance(value, list):
        return [_prune(v) for v in value]
    return value


def _canonical(template: dict) -> bytes:
    return json.dumps(_prune(template), sort_keys=True, separators=(",", ":"),
                      ensure_ascii=False).encode()


def _fnv32a(data: bytes) -> int:
    h = 0x811C9DC5
    for byte in data:
        h ^= byte
        h = (h * 0x01000193) & 0xFFFFFFFF
    return h


def safe_encode(text: str) -> str:
    """rand.SafeEncodeString: each character mapped into the vowel-free alphabet."""
    return "".join(_ALPHANUMS[ord(ch) % len(_ALPHANUMS)] for ch in text)


def template_hash(template: dict, collision_count: int | None = None) -> str:
    """controller.ComputeHash: FNV-32a of the template (+ collisionCount), encoded.

    Kubernetes hashes a spew dump of the Go struct; here the canonical JSON of
    the pruned template plays that part, so the same template always gets the
    same name (``helloworld-5d8f7b9c4``).
    """
    data = _canonical(template)
    if collision_count is not None:
        data += (int(collision_count) & 0xFFFFFFFF).to_bytes(4, "little") + bytes(4)
    return safe_encode(str(_fnv32a(data)))


def _without_hash(template: dict) -> dict:
    meta = dict(template.get("metadata") or {})
    labels = {k: v for k, v in (meta.get("labels") or {}).items() if k != HASH_LABEL}
    meta["labels"] = labels
    return dict(template, metadata=meta)


def equal_ignore_hash(t1: dict | None, t2: dict | None) -> bool:
    """EqualIgnoreHash: the templates are equal once the hash label is removed."""
    return _prune(_without_hash(t1 or {})) == _prune(_without_hash(t2 or {}))


# -- revisions ----------------------------------------------------------------------

def revision(rs: dict) -> int | None:
    """The revision annotation as an int; 0 when absent, None when unparsable."""
    text = annotations(rs).get(REVISION)
    if text is None:
        return 0
    try:
        return int(text)
    except ValueError:
        return None


def max_revision(rss: Iterable[dict]) -> int:
    return max((r for rs in rss if (r := revision(rs)) is not None), default=0)


# -- orders ---------------------------------------------------------------------------

def _created(rs: dict) -> str:
    # A ReplicaSet created in this very sync has no timestamp yet: newest of all.
    return (rs.get("metadata") or {}).get("creationTimestamp") or "~"


def by_creation(rs: dict) -> tuple:
    """ReplicaSetsByCreationTimestamp: oldest first, then by name."""
    return (_created(rs), rs["metadata"]["name"])


def sort_by_size_newer(rss: list[dict]) -> list[dict]:
    """Largest first; among equals the newer first (scaling up)."""
    newest_first = sorted(rss, key=by_creation, reverse=True)
    return sorted(newest_first, key=spec_replicas, reverse=True)


def sort_by_size_older(rss: list[dict]) -> list[dict]:
    """Largest first; among equals the older first (scaling down)."""
    return sorted(sorted(rss, key=by_creation), key=spec_replicas, reverse=True)


def by_revision(rs: dict) -> tuple:
    """ReplicaSetsByRevision (unparsable revisions sort as 0, then by creation)."""
    return (revision(rs) or 0,) + by_creation(rs)


def active(rss: Iterable[dict | None]) -> list[dict]:
    return [rs for rs in rss if rs is not None and spec_replicas(rs) > 0]


# -- sizes ------------------------------------------------------------------------------

def new_rs_new_replicas(d: dict, all_rss: list[dict], new_rs: dict) -> int:
    """NewRSNewReplicas: how large the new ReplicaSet may be right now."""
    replicas = spec_replicas(d)
    if not is_rolling(d):
        return replicas
    surge = scaled_value(_rolling_params(d)[0], replicas, True)
    current = sum(spec_replicas(rs) for rs in all_rss)
    max_total = replicas + surge
    if current >= max_total:
        return spec_replicas(new_rs)
    scale_up = min(max_total - current, replicas - spec_replicas(new_rs))
    return spec_replicas(new_rs) + scale_up


def _int_annotation(rs: dict, key: str) -> int | None:
    try:
        return int(annotations(rs)[key])
    except (KeyError, ValueError):
        return None


def desired_replicas_annotation(rs: dict) -> int | None:
    return _int_annotation(rs, DESIRED_REPLICAS)


def is_saturated(d: dict, rs: dict | None) -> bool:
    """The new ReplicaSet holds, and both sides agree it should hold, everything."""
    if rs is None:
        return False
    replicas = spec_replicas(d)
    return (spec_replicas(rs) == replicas and desired_replicas_annotation(rs) == replicas
            and status_count(rs, "availableReplicas") == replicas)


def _round(x: float) -> int:
    return math.floor(x + 0.5)


def rs_fraction(rs: dict, d: dict) -> int:
    """getReplicaSetFraction: this ReplicaSet's share of a resized deployment, minus its size."""
    replicas = spec_replicas(d)
    if replicas == 0:
        return -spec_replicas(rs)
    deployment_replicas = replicas + max_surge(d)
    annotated = _int_annotation(rs, MAX_REPLICAS)
    if annotated is None:
        annotated = status_count(d, "replicas")
    if annotated <= 0:
        return 0
    return _round(spec_replicas(rs) * deployment_replicas / annotated) - spec_replicas(rs)


def proportion(rs: dict, d: dict, to_add: int, added: int) -> int:
    """GetProportion: the change for ``rs``, never beyond what is left to add or remove."""
    if spec_replicas(rs) == 0 or to_add == 0 or to_add == added:
        return 0
    fraction = rs_fraction(rs, d)
    allowed = to_add - added
    return min(fraction, allowed) if to_add > 0 else max(fraction, allowed)


def active_or_latest(new: dict | None, old: list[dict]) -> dict | None:
    """FindActiveOrLatest: the only active ReplicaSet, the newest if none is; None if several."""
    if new is None and not old:
        return None
    newest_first = sorted(old, key=by_creation, reverse=True)
    act = active(newest_first + [new])
    if not act:
        return new if new is not None else newest_first[0]
    return act[0] if len(act) == 1 else None


def proportional_sizes(d: dict, rss: list[dict]) -> tuple[list[tuple[dict, int]], str]:
    """scale()'s arithmetic for several active ReplicaSets: ([(rs, new size)], "up"/"down"/"").

    The room up to replicas + maxSurge (or the excess over it) is shared in
    proportion to each ReplicaSet's size against the max-replicas it was
    sized for; rounding leftovers go to the first, the largest.
    """
    replicas = spec_replicas(d)
    allowed = replicas + max_surge(d) if replicas > 0 else 0
    to_add = allowed - sum(spec_replicas(rs) for rs in rss)
    operation = ""
    if to_add > 0:
        rss, operation = sort_by_size_newer(rss), "up"
    elif to_add < 0:
        rss, operation = sort_by_size_older(rss), "down"
    added = 0
    sizes = []
    for rs in rss:
        share = proportion(rs, d, to_add, added) if to_add else 0
        sizes.append(spec_replicas(rs) + share)
        added += share
    if rss and to_add:
        sizes[0] = max(sizes[0] + to_add - added, 0)
    return list(zip(rss, sizes)), operation


# -- the new ReplicaSet ------------------------------------------------------------------

def new_replicaset(d: dict, collision_count: int | None) -> dict:
    """The Deployment's new ReplicaSet (0 replicas, no annotations yet).

    ``<name>-<hash>``, the hash label added to its labels, selector and
    template labels, and a controller reference to the Deployment.
    """
    spec = d.get("spec") or {}
    template = copy(spec.get("template") or {})
    h = template_hash(template, collision_count)
    tmeta = template.setdefault("metadata", {})
    labels = dict(tmeta.get("labels") or {}, **{HASH_LABEL: h})
    tmeta["labels"] = labels
    selector = copy(spec.get("selector") or {})
    selector["matchLabels"] = dict(selector.get("matchLabels") or {}, **{HASH_LABEL: h})
    rs_spec: dict = {"replicas": 0, "selector": selector, "template": template}
    if spec.get("minReadySeconds"):
        rs_spec["minReadySeconds"] = spec["minReadySeconds"]
    meta = d["metadata"]
    return {"apiVersion": "apps/v1", "kind": "ReplicaSet",
            "metadata": {"name": f"{meta['name']}-{h}", "namespace": meta.get("namespace", ""),
                         "labels": dict(labels), "ownerReferences": [base.owner_reference(d)]},
            "spec": rs_spec}


def new_rs_annotations(d: dict, rs: dict, new_revision: int, exists: bool) -> dict:
    """SetNewReplicaSetAnnotations: ``rs``'s annotations with the Deployment's
    copied in, the revision raised to ``new_revision`` if lower (remembering
    the revisions it served in revision-history), and, for a ReplicaSet about
    to be created, the desired/max replicas."""
    ann = dict(annotations(rs))
    for k, v in annotations(d).items():
        if k not in SKIP_COPY:
            ann[k] = v
    old_text = ann.get(REVISION)
    try:
        old_revision: int | None = int(old_text) if old_text else 0
    except ValueError:
        old_revision = None   # Kubernetes leaves an unparsable revision alone
    if old_revision is not None and old_revision < new_revision:
        ann[REVISION] = str(new_revision)
        if old_text:   # a rollback to this ReplicaSet
            history = ann.get(REVISION_HISTORY)
            items = (history.split(",") if history else []) + [old_text]
            while len(",".join(items)) > MAX_REV_HISTORY_CHARS and len(items) > 1:
                items.pop(0)
            ann[REVISION_HISTORY] = ",".join(items)
    if not exists:
        ann.update(replica_annotations(d))
    return ann


def replica_annotations(d: dict) -> dict[str, str]:
    """desired-replicas and max-replicas (replicas + maxSurge) for the ReplicaSets."""
    replicas = spec_replicas(d)
    return {DESIRED_REPLICAS: str(replicas), MAX_REPLICAS: str(replicas + max_surge(d))}
