"""The PersistentVolume binder and the default StorageClass's provisioner.

kube-controller-manager's ``persistentvolume-binder`` keeps the two-way link
between a claim (``spec.volumeName``) and a volume (``spec.claimRef``):

- an unbound claim gets the smallest Available volume that fits (same
  storage class and volume mode, the access modes it asks for, at least the
  capacity it requests, labels matching its selector), a volume pre-bound to
  it by name first;
- if none fits and the claim's class is the default one, a volume is
  *provisioned* for it at once: ``pvc-<claim uid>``, the claim's request as
  capacity, its access modes and volume mode, reclaim policy Delete, a
  ``hostPath`` under ``data_dir`` (the path only: real data comes with the
  volume work) and ``claimRef`` already pointing at the claim;
- a bound pair ends with PV phase Bound and a claim that is Bound with the
  volume's capacity and access modes, annotated ``bind-completed`` (and
  ``bound-by-controller`` when the controller chose the volume);
- when the claim goes away, the volume is Released and its reclaim policy
  runs: Delete deletes it, Retain keeps it, Recycle makes it Available again.

Like Kubernetes, binding is done in steps, one per sync, each a write the
next sync observes: the volume is reserved first (``claimRef`` written with
an optimistic update, so two claims cannot take the same volume), then the
volume's phase, the claim's ``volumeName`` and the claim's status follow.

**The default StorageClass without a StorageClass kind.** rayk8s does not
serve storage.k8s.io yet, so one class is built in: ``standard``, provisioner
``rayk8s.io/hostpath``, binding mode Immediate.  A claim without a class
(Kubernetes' DefaultStorageClass admission would write ``standard`` into it;
rayk8s leaves the stored claim as it is) and a claim of class ``standard``
are provisioned; a claim of class ``""`` only binds class-less volumes, as in
Kubernetes; any other class only binds volumes of that class.

Keys: a claim's key is ``namespace/name``, a volume's (cluster-scoped) its
name, so one queue serves both of the binder's loops.
"""

from __future__ import annotations

from typing import Iterable

from .. import clock as clockmod
from ..api import quantity, selectors
from ..machinery import by_namespace, copy, key_of
from . import base

DEFAULT_CLASS = "standard"
PROVISIONER = "rayk8s.io/hostpath"
DEFAULT_DATA_DIR = "/tmp/rayk8s/volumes"
ANN_BIND_COMPLETED = "pv.kubernetes.io/bind-completed"
ANN_BOUND_BY_CONTROLLER = "pv.kubernetes.io/bound-by-controller"
ANN_PROVISIONED_BY = "pv.kubernetes.io/provisioned-by"
ANN_STORAGE_PROVISIONER = "volume.kubernetes.io/storage-provisioner"
ANN_BETA_STORAGE_PROVISIONER = "volume.beta.kubernetes.io/storage-provisioner"
ANN_BETA_CLASS = "volume.beta.kubernetes.io/storage-class"


def by_claim_ref(pv: dict) -> list[str]:
    """Index function: the ``namespace/name`` of the claim a volume points at."""
    ref = (pv.get("spec") or {}).get("claimRef") or {}
    return [f"{ref.get('namespace', '')}/{ref['name']}"] if ref.get("name") else []


def by_unbound(claim: dict) -> list[str]:
    """Index function: ``["unbound"]`` for a claim without ``spec.volumeName``."""
    return [] if (claim.get("spec") or {}).get("volumeName") else ["unbound"]


def _annotations(obj: dict) -> dict:
    return (obj.get("metadata") or {}).get("annotations") or {}


def _phase(obj: dict) -> str:
    return (obj.get("status") or {}).get("phase") or ""


def _volume_class(pv: dict) -> str:
    return _annotations(pv).get(ANN_BETA_CLASS) or \
        (pv.get("spec") or {}).get("storageClassName") or ""


def _uid(obj: dict) -> str:
    return obj["metadata"]["uid"]


def _claim_ref(claim: dict) -> dict:
    meta = claim["metadata"]
    return {"kind": "PersistentVolumeClaim", "namespace": meta.get("namespace", ""),
            "name": meta["name"], "uid": meta["uid"], "apiVersion": "v1",
            "resourceVersion": meta.get("resourceVersion", "")}


def _points_at(pv: dict, claim: dict) -> bool:
    """Whether the volume's claimRef names ``claim`` (its uid, if set, too)."""
    ref = (pv.get("spec") or {}).get("claimRef") or {}
    meta = claim["metadata"]
    return ref.get("name") == meta["name"] and \
        ref.get("namespace", "") == meta.get("namespace", "") and \
        ref.get("uid") in (None, "", meta["uid"])


def _request(claim: dict):
    storage = (((claim.get("spec") or {}).get("resources") or {}).get("requests") or {}) \
        .get("storage", 0)
    return quantity.parse_quantity(storage)


class PersistentVolumeController:
    """Binds claims to volumes and provisions volumes for the default class."""

    name = "persistentvolume-binder"

    def __init__(self, data_dir: str = DEFAULT_DATA_DIR, class_name: str = DEFAULT_CLASS,
                 provisioner: str = PROVISIONER) -> None:
        self.data_dir = data_dir.rstrip("/")
        self.class_name = class_name
        self.provisioner = provisioner
        self.watches = {"persistentvolumeclaims": {"namespace": by_namespace,
                                                   "unbound": by_unbound},
                        "persistentvolumes": {"claim-ref": by_claim_ref}}

    def claim_class(self, claim: dict) -> str:
        """The claim's storage class; no class at all means the default one."""
        if ANN_BETA_CLASS in _annotations(claim):
            return _annotations(claim)[ANN_BETA_CLASS]
        spec = claim.get("spec") or {}
        return spec["storageClassName"] if spec.get("storageClassName") is not None \
            else self.class_name

    # -- keys
    def keys_for(self, resource: str, obj: dict, listers: base.Listers) -> Iterable[str]:
        if resource == "persistentvolumeclaims":
            key = key_of(obj)
            volumes = listers["persistentvolumes"].index_keys("claim-ref", key)
            name = (obj.get("spec") or {}).get("volumeName")
            return [key] + volumes + ([name] if name and name not in volumes else [])
        keys = [key_of(obj)] + by_claim_ref(obj)
        if not keys[1:] and _phase(obj) in ("", "Pending", "Available"):
            # A free volume: every unbound claim may want it.
            keys += listers["persistentvolumeclaims"].index_keys("unbound", "unbound")
        return keys

    def sync(self, key: str, listers: base.Listers, now: float) -> list[base.Action]:
        if "/" in key:
            claim = listers["persistentvolumeclaims"].get(key)
            return self._sync_claim(claim, listers, now) if claim is not None else []
        pv = listers["persistentvolumes"].get(key)
        return self._sync_volume(pv, listers, now) if pv is not None else []

    # -- claims
    def _sync_claim(self, claim: dict, listers: base.Listers, now: float) -> list[base.Action]:
        if claim["metadata"].get("deletionTimestamp"):
            return []
        volumes = listers["persistentvolumes"]
        name = (claim.get("spec") or {}).get("volumeName")
        completed = ANN_BIND_COMPLETED in _annotations(claim)
        if not name:
            if completed:
                return self._lost(claim, "ClaimLost", "Bound claim has lost reference to "
                                  "PersistentVolume. Data on the volume is lost!")
            for pv in volumes.by_index("claim-ref", key_of(claim)):
                ref = pv["spec"]["claimRef"]
                if ref.get("uid") == _uid(claim) and not pv["metadata"].get("deletionTimestamp"):
                    return self._complete(claim, pv, now)   # reserved or provisioned for it
            pv = self._best_match(claim, volumes.list())
            if pv is not None:
                return [self._reserve(pv, claim)]
            return self._provision(claim)
        pv = volumes.get(name)
        if pv is None:
            if completed or _phase(claim) == "Bound":
                return self._lost(claim, "ClaimLost", "Bound claim has lost its "
                                  "PersistentVolume. Data on the volume is lost!")
            return []   # pre-bound to a volume that does not exist yet: wait for it
        ref = (pv.get("spec") or {}).get("claimRef")
        if ref is None or (_points_at(pv, claim) and not ref.get("uid")):
            return [self._reserve(pv, claim)]
        if ref.get("uid") == _uid(claim):
            return self._complete(claim, pv, now)
        if completed:
            return self._lost(claim, "ClaimMisbound", "Two claims are bound to the same "
                              "volume, this one is bound incorrectly")
        return []   # asked for a volume someone else has: stay Pending

    def _best_match(self, claim: dict, volumes: list[dict]) -> dict | None:
        """The volume pre-bound to ``claim`` if it fits, else the smallest fitting one."""
        spec = claim.get("spec") or {}
        want_class = self.claim_class(claim)
        modes = set(spec.get("accessModes") or [])
        mode = spec.get("volumeMode") or "Filesystem"
        sel = selectors.from_label_selector(spec["selector"]) if spec.get("selector") else None
        request = _request(claim)
        best, best_size = None, None
        for pv in volumes:
            pspec = pv.get("spec") or {}
            prebound = bool(pspec.get("claimRef")) and _points_at(pv, claim)
            if pv["metadata"].get("deletionTimestamp") or \
                    (pspec.get("claimRef") and not prebound) or \
                    (not prebound and _phase(pv) != "Available"):
                continue
            size = quantity.parse_quantity((pspec.get("capacity") or {}).get("storage", 0))
            if _volume_class(pv) != want_class or size < request or \
                    (pspec.get("volumeMode") or "Filesystem") != mode or \
                    not modes <= set(pspec.get("accessModes") or []) or \
                    (sel is not None and not sel.matches(pv["metadata"].get("labels") or {})):
                continue
            if prebound:
                return pv
            if best_size is None or size < best_size:
                best, best_size = pv, size
        return best

    def _reserve(self, pv: dict, claim: dict) -> base.Action:
        """Point the volume at the claim (optimistically: it may be taken meanwhile)."""
        new = copy(pv)
        if not _points_at(pv, claim):
            new["metadata"].setdefault("annotations", {})[ANN_BOUND_BY_CONTROLLER] = "yes"
        new["spec"]["claimRef"] = _claim_ref(claim)
        return base.Update(new)

    def _complete(self, claim: dict, pv: dict, now: float) -> list[base.Action]:
        """The volume points at the claim: finish the volume's phase and the claim."""
        actions: list[base.Action] = []
        if _phase(pv) != "Bound":
            actions.append(_volume_phase(pv, "Bound", now))
        name = pv["metadata"]["name"]
        annotations = {ANN_BIND_COMPLETED: "yes"}
        if (claim.get("spec") or {}).get("volumeName") != name:
            annotations[ANN_BOUND_BY_CONTROLLER] = "yes"
        if _annotations(pv).get(ANN_PROVISIONED_BY):
            annotations[ANN_STORAGE_PROVISIONER] = _annotations(pv)[ANN_PROVISIONED_BY]
            annotations[ANN_BETA_STORAGE_PROVISIONER] = _annotations(pv)[ANN_PROVISIONED_BY]
        missing = {k: v for k, v in annotations.items() if _annotations(claim).get(k) != v}
        meta = claim["metadata"]
        if missing or (claim.get("spec") or {}).get("volumeName") != name:
            actions.append(base.Patch("persistentvolumeclaims", meta["name"],
                                      meta.get("namespace"), {
                                          "metadata": {"annotations": missing, "uid": meta["uid"]},
                                          "spec": {"volumeName": name}}))
        pspec = pv.get("spec") or {}
        status = {"phase": "Bound", "accessModes": list(pspec.get("accessModes") or []),
                  "capacity": dict(pspec.get("capacity") or {})}
        if any((claim.get("status") or {}).get(k) != v for k, v in status.items()):
            actions.append(base.Patch("persistentvolumeclaims", meta["name"],
                                      meta.get("namespace"), {"status": status},
                                      subresource="status"))
        return actions

    def _provision(self, claim: dict) -> list[base.Action]:
        cls = self.claim_class(claim)
        if cls == "":
            return [base.Event(claim, "Normal", "FailedBinding", "no persistent volumes "
                               "available for this claim and no storage class is set")]
        if cls != self.class_name:
            return [base.Event(claim, "Warning", "ProvisioningFailed",
                               f'storageclass.storage.k8s.io "{cls}" not found')]
        spec = claim.get("spec") or {}
        if spec.get("selector"):
            return [base.Event(claim, "Warning", "ProvisioningFailed", "Failed to provision "
                               "volume with StorageClass \"" + cls + "\": claim.Spec.Selector "
                               "is not supported for dynamic provisioning")]
        name = f"pvc-{_uid(claim)}"
        request = (((spec.get("resources") or {}).get("requests")) or {}).get("storage")
        pv = {"apiVersion": "v1", "kind": "PersistentVolume",
              "metadata": {"name": name, "annotations": {
                  ANN_PROVISIONED_BY: self.provisioner, ANN_BOUND_BY_CONTROLLER: "yes"}},
              "spec": {"capacity": {"storage": request},
                       "accessModes": list(spec.get("accessModes") or []),
                       "volumeMode": spec.get("volumeMode") or "Filesystem",
                       "persistentVolumeReclaimPolicy": "Delete",
                       "storageClassName": cls,
                       "hostPath": {"path": f"{self.data_dir}/{name}",
                                    "type": "DirectoryOrCreate"},
                       "claimRef": _claim_ref(claim)}}
        return [base.Create(pv),
                base.Event(claim, "Normal", "ProvisioningSucceeded",
                           f"Successfully provisioned volume {name} using {self.provisioner}")]

    def _lost(self, claim: dict, reason: str, message: str) -> list[base.Action]:
        if _phase(claim) == "Lost":
            return []
        meta = claim["metadata"]
        return [base.Patch("persistentvolumeclaims", meta["name"], meta.get("namespace"),
                           {"status": {"phase": "Lost"}}, subresource="status"),
                base.Event(claim, "Warning", reason, message)]

    # -- volumes
    def _sync_volume(self, pv: dict, listers: base.Listers, now: float) -> list[base.Action]:
        if pv["metadata"].get("deletionTimestamp"):
            return []
        ref = (pv.get("spec") or {}).get("claimRef")
        if not ref or not ref.get("uid"):
            # Unused, or pre-bound by name to a claim that will pick it.
            return [] if _phase(pv) == "Available" else [_volume_phase(pv, "Available", now)]
        claim = listers["persistentvolumeclaims"].get(f"{ref.get('namespace', '')}/{ref['name']}")
        if claim is None or _uid(claim) != ref["uid"]:
            return self._release(pv, now)
        claimed = (claim.get("spec") or {}).get("volumeName")
        if not claimed:
            return []   # binding in progress: the claim's sync finishes it
        if claimed == pv["metadata"]["name"]:
            return [] if _phase(pv) == "Bound" else [_volume_phase(pv, "Bound", now)]
        # The claim was bound to another volume.
        policy = (pv.get("spec") or {}).get("persistentVolumeReclaimPolicy")
        if _annotations(pv).get(ANN_PROVISIONED_BY) and policy == "Delete":
            return self._release(pv, now)
        if _annotations(pv).get(ANN_BOUND_BY_CONTROLLER):
            return [_unbind(pv)]
        return []

    def _release(self, pv: dict, now: float) -> list[base.Action]:
        """The claim is gone: Released, then the reclaim policy."""
        policy = (pv.get("spec") or {}).get("persistentVolumeReclaimPolicy") or "Retain"
        if policy == "Recycle":   # scrubbed (nothing to scrub yet) and offered again
            return [_unbind(pv), base.Event(pv, "Normal", "VolumeRecycled", "Volume recycled")]
        actions: list[base.Action] = []
        if _phase(pv) not in ("Released", "Failed"):
            actions.append(_volume_phase(pv, "Released", now))
        if policy == "Delete":
            actions.append(base.Delete("persistentvolumes", pv["metadata"]["name"], None,
                                       preconditions={"uid": _uid(pv)}))
        return actions


def _volume_phase(pv: dict, phase: str, now: float) -> base.Action:
    return base.Patch("persistentvolumes", pv["metadata"]["name"], None,
                      {"status": {"phase": phase,
                                  "lastPhaseTransitionTime": clockmod.rfc3339(now)}},
                      subresource="status")


def _unbind(pv: dict) -> base.Action:
    """Free a volume the controller had bound (optimistically)."""
    new = copy(pv)
    new["spec"].pop("claimRef", None)
    annotations = new["metadata"].get("annotations") or {}
    annotations.pop(ANN_BOUND_BY_CONTROLLER, None)
    if not annotations:
        new["metadata"].pop("annotations", None)
    return base.Update(new)

