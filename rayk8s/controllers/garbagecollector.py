"""The garbage collector: ownerReferences and the three deletion propagations.

Kubernetes' collector keeps a graph of uids built from every watched
resource.  This one is level-triggered over the listers instead: the graph's
edges are the ``owner`` index (``by_owner_uid``) of each watched lister, and
one key at a time is examined in two roles.

**Keys** are ``<resource>/<namespace>/<name>`` (``<resource>//<name>`` for a
cluster-scoped object): the resource must be part of the key because names
only are unique per resource, and a name key (not a uid) is what the listers
are looked up by.

**Dependent role** (an object that is not being deleted and has
ownerReferences).  Each reference is classified, as ``classifyReferences``
does:

- *solid*: the owner exists with the referenced uid (an owner that orphans
  its dependents is still solid: the owner itself takes its reference away);
- *waiting*: the owner exists, is being deleted and holds the
  ``foregroundDeletion`` finalizer;
- *dangling*: the owner is absent from its lister, or present with another
  uid -- but only once that absence is *confirmed* (below);
- *unknown*: the reference cannot be resolved (kind not served or not
  watched, no uid, or a namespaced owner of a cluster-scoped object).  Such a
  reference is left alone and counts as solid: the collector never deletes
  what it cannot judge.

With a solid (or unknown) reference left, dangling and waiting references are
removed from the object.  Without one, the object is deleted: in the
foreground when a waiting owner exists and the object has dependents itself
(so the cascade goes depth-first), otherwise with the propagation its own
finalizers ask for (``orphan``, ``foregroundDeletion``), else in the
background.  Deletes carry the object's uid (and resourceVersion) as
preconditions, so a recreated object of the same name, or one adopted by a
new owner meanwhile, is never the victim.

**Owner role** (an object with a ``deletionTimestamp`` and a GC finalizer):

- ``orphan``: its reference is removed from every dependent; once no
  dependent refers to it any more (a later sync, after the informers saw the
  patches), the finalizer is removed and the apiserver removes the owner;
- ``foregroundDeletion``: every dependent is examined in the dependent role
  right here (each sees this owner as *waiting* and is deleted, or loses its
  reference if another owner keeps it); once no dependent with
  ``blockOwnerDeletion: true`` is left in the listers, the finalizer is
  removed.  Dependents without it never hold the owner back.

Any other object with a deletionTimestamp is left alone until it is gone.

**Absent owners are confirmed before anything is deleted.**  An owner just
created may not yet be in its lister when its dependent already is (the
informers are independent).  Kubernetes verifies a missing owner with a live
GET; a pure sync cannot, so an absence counts only when it was observed at
two syncs at least ``confirm_after`` seconds apart: the first sync that finds
an owner missing records the time and asks for a :class:`~.base.Requeue`, a
later one confirms it.  Informer lag is a wall-time matter, so the window is
``confirm_after`` *wall* seconds: ``time_scale`` (the cluster clock's) turns
it into the cluster time that ``now`` and Requeue are measured in.  A confirmed absent owner is
remembered (like Kubernetes' absentOwnerCache), since a uid never returns.
This memory, keyed by where and which owner was looked for, is the only state
the collector keeps; with ``confirm_after=0`` sync is a pure function.

Keys are enqueued for: an object with ownerReferences or being deleted with
a GC finalizer (itself); the dependents of an object that vanished; and the
terminating owners (foreground or orphan) of any changed or vanished object,
since it may have been what held them.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Iterable

from ..api import kinds
from ..machinery import by_owner_uid, key_of
from . import base

ORPHAN = "orphan"
FOREGROUND = "foregroundDeletion"
GC_FINALIZERS = (ORPHAN, FOREGROUND)

# Every kind that owns or is owned in rayk8s (events and leases are left out
# for volume: nothing owns them that matters here).  Namespaces, nodes and
# persistentvolumes are the cluster-scoped owners.
DEFAULT_RESOURCES = (
    "pods", "replicasets", "deployments", "statefulsets", "daemonsets", "jobs",
    "replicationcontrollers", "services", "endpoints", "endpointslices", "configmaps",
    "secrets", "persistentvolumeclaims", "horizontalpodautoscalers", "ingresses",
    "serviceaccounts", "persistentvolumes", "namespaces", "nodes",
)
# Wall seconds between the two observations that confirm an absence.
CONFIRM_AFTER = 2.0
# Bound on each absence memory (entries are dropped oldest first).
MEMORY = 10_000

SOLID, WAITING, DANGLING, PENDING, UNKNOWN = "solid", "waiting", "dangling", "pending", "unknown"


def item_key(resource: str, obj: base.Obj) -> str:
    """``resource/namespace/name`` (namespace empty for a cluster-scoped object)."""
    meta = obj.get("metadata") or {}
    return f"{resource}/{meta.get('namespace') or ''}/{meta['name']}"


def split_item_key(key: str) -> tuple[str, str, str]:
    resource, ns, name = key.split("/", 2)
    return resource, ns, name


def _meta(obj: base.Obj) -> dict:
    return obj.get("metadata") or {}


def _lister_key(ns: str, name: str) -> str:
    return f"{ns}/{name}" if ns else name


class GarbageCollector:
    name = "garbagecollector"

    def __init__(self, resources: Iterable[str] = DEFAULT_RESOURCES,
                 confirm_after: float = CONFIRM_AFTER, time_scale: float = 1.0):
        # Plural resource names the collector watches; owners of any other
        # resource are "unknown" and never judged.
        self.resources = tuple(kinds.REGISTRY.lookup(r).plural for r in resources)
        # Cluster seconds between the two observations that confirm an absence.
        self.confirm_after = float(confirm_after) * float(time_scale)
        self.watches = {r: {"owner": by_owner_uid} for r in self.resources}
        # (group, kind) -> Kind, version-agnostic: an ownerReference written
        # with an older apiVersion still names the same owner.
        self._kinds = {(k.group, k.kind): k for k in kinds.REGISTRY.all()}
        self._namespaced = {k.plural: k.namespaced for k in kinds.REGISTRY.all()}
        # Owner coordinates (resource, namespace, name, uid) -> cluster time
        # an absence was first observed; an entry is dropped when the owner is
        # seen present or the absence is confirmed.
        self._absent_since: OrderedDict[tuple, float] = OrderedDict()
        # Owner coordinates whose absence was confirmed.  Uids never return,
        # so an entry stays true forever (bounded by MEMORY).
        self._gone: OrderedDict[tuple, None] = OrderedDict()

    # -- keys
    def keys_for(self, resource: str, obj: base.Obj, listers: base.Listers) -> Iterable[str]:
        meta = _meta(obj)
        if not meta.get("name"):
            return []
        cache = listers.get(resource)
        live = cache.get(key_of(obj)) if cache is not None else None
        keys: list[str] = []
        if live is None or _meta(live).get("uid") != meta.get("uid"):
            # It vanished: its dependents may be garbage now.
            keys += [item_key(r, d) for r, d in self._dependents(resource, obj, listers)]
        elif meta.get("ownerReferences") or (
                meta.get("deletionTimestamp") and _gc_finalizers(obj)):
            keys.append(item_key(resource, obj))
        # A changed or vanished dependent may be what held a terminating owner.
        for ref in meta.get("ownerReferences") or []:
            where = self._owner_coords(meta.get("namespace") or "", ref)
            if where is None:
                continue
            owner = self._lookup(listers, where)
            if owner is not None and _meta(owner).get("uid") == ref.get("uid") and \
                    _meta(owner).get("deletionTimestamp") and _gc_finalizers(owner):
                keys.append(item_key(where[0], owner))
        return keys

    # -- sync
    def sync(self, key: str, listers: base.Listers, now: float) -> list[base.Action]:
        resource, ns, name = split_item_key(key)
        cache = listers.get(resource)
        obj = cache.get(_lister_key(ns, name)) if cache is not None else None
        if obj is None:
            return []
        if _meta(obj).get("deletionTimestamp"):
            return self._as_owner(resource, obj, listers, now)
        return self._as_dependent(resource, obj, listers, now)

    # -- owner role
    def _as_owner(self, resource: str, owner: base.Obj, listers: base.Listers,
                  now: float) -> list[base.Action]:
        finalizers = _meta(owner).get("finalizers") or []
        uid = _meta(owner).get("uid")
        if ORPHAN in finalizers:
            deps = self._dependents(resource, owner, listers)
            if deps:
                # The finalizer goes in a later sync, once the listers show no
                # dependent referring to the owner: a patch that failed here
                # must not let the owner's removal make its dependents garbage.
                return [_remove_refs(r, d, [uid]) for r, d in deps] + [base.Requeue(0.0)]
            return [_remove_finalizer(resource, owner, ORPHAN)]
        if FOREGROUND in finalizers:
            deps = self._dependents(resource, owner, listers)
            actions: list[base.Action] = []
            for r, dep in deps:
                actions += self._as_dependent(r, dep, listers, now)
            if not any(_blocks(dep, uid) for _, dep in deps):
                actions.append(_remove_finalizer(resource, owner, FOREGROUND))
            return _merge_requeues(actions)
        return []  # being deleted without a GC finalizer: wait until it is gone

    # -- dependent role
    def _as_dependent(self, resource: str, dep: base.Obj, listers: base.Listers,
                      now: float) -> list[base.Action]:
        meta = _meta(dep)
        refs = meta.get("ownerReferences") or []
        if not refs or meta.get("deletionTimestamp"):
            return []
        ns = meta.get("namespace") or ""
        states: dict[str, list[dict]] = {SOLID: [], WAITING: [], DANGLING: [], UNKNOWN: []}
        waits: list[float] = []
        for ref in refs:
            state, wait = self._classify(ns, ref, listers, now)
            if state == PENDING:
                waits.append(wait)
            else:
                states[state].append(ref)
        if waits:
            # Decide nothing on a half-confirmed picture.
            return [base.Requeue(min(waits))]
        if states[SOLID] or states[UNKNOWN]:
            gone = [r["uid"] for r in states[DANGLING] + states[WAITING]]
            return [_remove_refs(resource, dep, gone)] if gone else []
        if states[WAITING] and self._dependents(resource, dep, listers):
            policy = "Foreground"
        else:
            finalizers = meta.get("finalizers") or []
            policy = ("Orphan" if ORPHAN in finalizers else
                      "Foreground" if FOREGROUND in finalizers else "Background")
        pre = {"uid": meta["uid"]}
        if meta.get("resourceVersion"):
            pre["resourceVersion"] = meta["resourceVersion"]
        return [base.Delete(resource, meta["name"], ns or None, propagation_policy=policy,
                            preconditions=pre)]

    def _classify(self, ns: str, ref: dict, listers: base.Listers,
                  now: float) -> tuple[str, float]:
        where = self._owner_coords(ns, ref)
        if where is None or not ref.get("uid") or listers.get(where[0]) is None:
            return UNKNOWN, 0.0
        owner = self._lookup(listers, where)
        seen = where + (ref["uid"],)
        if owner is not None and _meta(owner).get("uid") == ref["uid"]:
            self._absent_since.pop(seen, None)
            if _meta(owner).get("deletionTimestamp") and \
                    FOREGROUND in (_meta(owner).get("finalizers") or []):
                return WAITING, 0.0
            return SOLID, 0.0
        return self._absence(seen, now)

    def _absence(self, seen: tuple, now: float) -> tuple[str, float]:
        """DANGLING once an absence is confirmed, else (PENDING, seconds to wait)."""
        if seen in self._gone:
            return DANGLING, 0.0
        first = self._absent_since.get(seen)
        if first is None and self.confirm_after > 0:
            _remember(self._absent_since, seen, now)
            return PENDING, self.confirm_after
        if first is not None and now - first < self.confirm_after:
            return PENDING, first + self.confirm_after - now
        self._absent_since.pop(seen, None)
        _remember(self._gone, seen, None)
        return DANGLING, 0.0

    # -- the graph, read from the owner indices
    def _owner_coords(self, ns: str, ref: dict) -> tuple[str, str, str] | None:
        """(resource, namespace, name) where ``ref``'s owner lives, or None if unknowable.

        A namespaced owner is looked up in its dependent's namespace (an
        ownerReference has no namespace); a cluster-scoped one by name.
        """
        group = (ref.get("apiVersion") or "").rpartition("/")[0]
        kind = self._kinds.get((group, ref.get("kind") or ""))
        if kind is None or kind.plural not in self.resources or not ref.get("name"):
            return None
        if kind.namespaced:
            return (kind.plural, ns, ref["name"]) if ns else None
        return kind.plural, "", ref["name"]

    @staticmethod
    def _lookup(listers: base.Listers, where: tuple[str, str, str]) -> base.Obj | None:
        cache = listers.get(where[0])
        return cache.get(_lister_key(where[1], where[2])) if cache is not None else None

    def _dependents(self, resource: str, owner: base.Obj,
                    listers: base.Listers) -> list[tuple[str, base.Obj]]:
        """(resource, object) of every watched object whose references name ``owner``'s uid.

        Only objects that would look the owner up where it is count: those of
        its own namespace for a namespaced owner, any for a cluster-scoped one.
        """
        uid = _meta(owner).get("uid")
        if not uid:
            return []
        ns = _meta(owner).get("namespace") or ""
        namespaced = self._namespaced.get(resource, bool(ns))
        out = []
        for r in self.resources:
            cache = listers.get(r)
            if cache is None or "owner" not in cache.indexers:
                continue
            for dep in cache.by_index("owner", uid):
                if namespaced and (_meta(dep).get("namespace") or "") != ns:
                    continue
                out.append((r, dep))
        return out


# -- actions ------------------------------------------------------------------

def _remove_refs(resource: str, dep: base.Obj, owner_uids: list[str]) -> base.Patch:
    """A strategic merge patch deleting the references to ``owner_uids`` (merge key uid).

    Deleting by merge key (what Kubernetes' collector sends) cannot clobber a
    reference added meanwhile; ``metadata.uid`` in the patch guards against a
    recreated object of the same name (the apiserver refuses a uid change).
    """
    meta = _meta(dep)
    return base.Patch(resource, meta["name"], meta.get("namespace") or None,
                      {"metadata": {"ownerReferences": [{"$patch": "delete", "uid": u}
                                                        for u in owner_uids],
                                    "uid": meta["uid"]}},
                      patch_type="strategic")


def _remove_finalizer(resource: str, obj: base.Obj, finalizer: str) -> base.Patch:
    """Remove one finalizer; when it was the last, the apiserver removes the object."""
    meta = _meta(obj)
    return base.Patch(resource, meta["name"], meta.get("namespace") or None,
                      {"metadata": {"$deleteFromPrimitiveList/finalizers": [finalizer],
                                    "uid": meta["uid"]}},
                      patch_type="strategic")


def _gc_finalizers(obj: base.Obj) -> list[str]:
    return [f for f in _meta(obj).get("finalizers") or [] if f in GC_FINALIZERS]


def _blocks(dep: base.Obj, owner_uid: str) -> bool:
    return any(ref.get("uid") == owner_uid and ref.get("blockOwnerDeletion")
               for ref in _meta(dep).get("ownerReferences") or [])


def _merge_requeues(actions: list[base.Action]) -> list[base.Action]:
    """At most one Requeue (the earliest) at the end."""
    waits = [a.after for a in actions if isinstance(a, base.Requeue)]
    rest = [a for a in actions if not isinstance(a, base.Requeue)]
    return rest + [base.Requeue(min(waits))] if waits else rest


def _remember(memory: OrderedDict, key: tuple, value) -> None:
    memory[key] = value
    memory.move_to_end(key)
    while len(memory) > MEMORY:
        memory.popitem(last=False)
