"""What a DELETE does to an object: remove it now, or mark it terminating.

Pure decisions, as kube-apiserver's generic registry makes them:

- Garbage-collection finalizers follow ``propagationPolicy``: ``Orphan`` adds
  ``orphan``, ``Foreground`` adds ``foregroundDeletion`` (each removing the
  other), ``Background`` removes both; no policy leaves them as they are.
- A pod that may be running (bound to a node, not yet Succeeded/Failed) is
  deleted gracefully: ``deletionTimestamp`` = now + grace period and
  ``deletionGracePeriodSeconds`` are set, and the kubelet removes it with a
  grace-0 delete once its containers stopped.  A later delete may only
  shorten the grace period.
- A namespace with ``spec.finalizers`` becomes ``Terminating`` until the
  namespace controller finalizes it (the ``finalize`` subresource).
- An object with finalizers is only marked; it is removed by the update that
  takes its last finalizer away (:func:`finalized`).
"""

from __future__ import annotations

import copy

from .. import clock as clockmod
from ..api import errors
from ..api.kinds import Kind
from . import listing

REMOVE = "remove"
WRITE = "write"
_GC_FINALIZERS = {"Orphan": "orphan", "Foreground": "foregroundDeletion"}


def gc_finalizers(finalizers: list[str], policy: str | None) -> list[str]:
    """The garbage collector's finalizers for a delete with ``policy``."""
    if not policy:
        return finalizers
    wanted = _GC_FINALIZERS.get(policy)
    out = [f for f in finalizers if f not in _GC_FINALIZERS.values() or f == wanted]
    if wanted and wanted not in out:
        out.append(wanted)
    return out


def grace_period(kind: Kind, obj: dict, requested: int | None) -> int:
    """Seconds the object gets to terminate (only pods that may be running get any)."""
    if kind.kind != "Pod":
        return 0
    spec, status = obj.get("spec") or {}, obj.get("status") or {}
    if not spec.get("nodeName") or status.get("phase") in ("Succeeded", "Failed"):
        return 0
    if requested is not None:
        return max(int(requested), 0)
    return int(spec.get("terminationGracePeriodSeconds", 30) or 0)


def plan(kind: Kind, old: dict, requested_grace: int | None, policy: str | None,
         now: float) -> tuple[str, dict | None]:
    """(REMOVE, None) or (WRITE, the object marked for deletion)."""
    new = copy.deepcopy(old)
    meta = new["metadata"]
    meta.pop("resourceVersion", None)
    finalizers = gc_finalizers(list(meta.get("finalizers") or []), policy)
    graceful = grace_period(kind, old, requested_grace)
    if kind.kind == "Namespace":
        new.setdefault("status", {})["phase"] = "Terminating"
        if (new.get("spec") or {}).get("finalizers"):
            graceful = graceful or 1
    if not finalizers and not graceful:
        return REMOVE, None
    if finalizers:
        meta["finalizers"] = finalizers
    if meta.get("deletionTimestamp"):
        if kind.kind == "Pod":
            current = meta.get("deletionGracePeriodSeconds") or 0
            if graceful and (not current or graceful < current):
                meta["deletionGracePeriodSeconds"] = graceful
                meta["deletionTimestamp"] = clockmod.rfc3339(now + graceful)
            elif not graceful:
                meta["deletionGracePeriodSeconds"] = 0
                if not finalizers:
                    return REMOVE, None
    else:
        seconds = graceful if kind.kind == "Pod" else 0
        meta["deletionTimestamp"] = clockmod.rfc3339(now + seconds)
        meta["deletionGracePeriodSeconds"] = seconds
    return WRITE, new


def finalized(kind: Kind, obj: dict) -> bool:
    """A terminating object whose last finalizer is gone: it is removed now."""
    meta = obj["metadata"]
    if not meta.get("deletionTimestamp") or meta.get("finalizers"):
        return False
    if kind.kind == "Namespace" and (obj.get("spec") or {}).get("finalizers"):
        return False
    return not meta.get("deletionGracePeriodSeconds")


def check_preconditions(kind: Kind, obj: dict, rev: int, pre: dict | None) -> None:
    if not pre:
        return
    meta = obj["metadata"]
    if pre.get("uid") and pre["uid"] != meta.get("uid"):
        raise errors.conflict(kind.group_resource, meta["name"],
                              f'Precondition failed: UID in precondition: {pre["uid"]}, '
                              f'UID in object meta: {meta.get("uid")}')
    if pre.get("resourceVersion") and listing.parse_rv(pre["resourceVersion"]) != rev:
        raise errors.conflict(kind.group_resource, meta["name"],
                              f'Precondition failed: ResourceVersion in precondition: '
                              f'{pre["resourceVersion"]}, ResourceVersion in object meta: {rev}')
