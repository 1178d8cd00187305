"""VolumeBinding (the part rayk8s needs): a pod waits until its claims are bound.

Claims in rayk8s are bound at once by the persistent-volume controller (the
default StorageClass binds immediately, no WaitForFirstConsumer), so the
scheduler's job is only to refuse pods whose claims are missing, being
deleted, or not bound yet -- with kube-scheduler's messages -- and to retry
them when a claim is added or changes.  The claims come from the cycle
state's ``persistentvolumeclaims`` lister; without one the plugin skips.
"""

from __future__ import annotations

from ..framework import PVC_ADD, PVC_UPDATE, Status

NAME = "VolumeBinding"
UNBOUND = "pod has unbound immediate PersistentVolumeClaims"


def claim_names(pod: dict) -> list[str]:
    return [v["persistentVolumeClaim"]["claimName"]
            for v in (pod.get("spec") or {}).get("volumes") or []
            if (v.get("persistentVolumeClaim") or {}).get("claimName")]


class VolumeBinding:
    name = NAME
    events = frozenset({PVC_ADD, PVC_UPDATE})

    def pre_filter(self, state, pod: dict) -> Status | None:
        claims = state.listers.get("persistentvolumeclaims")
        names = claim_names(pod)
        if claims is None or not names:
            return Status.skip()
        ns = (pod.get("metadata") or {}).get("namespace", "default")
        for name in names:
            claim = claims.get(f"{ns}/{name}")
            if claim is None:
                return Status.unresolvable(f'persistentvolumeclaim "{name}" not found',
                                           plugin=NAME)
            if (claim.get("metadata") or {}).get("deletionTimestamp"):
                return Status.unresolvable(f'persistentvolumeclaim "{name}" is being deleted',
                                           plugin=NAME)
            if not (claim.get("spec") or {}).get("volumeName") or \
                    (claim.get("status") or {}).get("phase") != "Bound":
                return Status.unresolvable(UNBOUND, plugin=NAME)
        return None
