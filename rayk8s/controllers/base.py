"""What a controller is here: keys in, actions out.

A controller is level-triggered and pure (STYLE.md, sample-controller):

- ``watches`` names the resources it reads, each with the indexers its
  listers need (``{"pods": {"owner": machinery.by_owner_uid}}``); one shared
  informer per resource feeds every controller.
- ``keys_for(resource, obj)`` maps a changed object of any watched resource
  to the keys (``namespace/name`` of the objects this controller owns) that
  must be reconciled.  Handlers enqueue keys, never objects.
- ``sync(key, listers, now)`` reads desired and observed state from the
  listers (read-only caches: never mutate what they return) and returns the
  :class:`Action` list that moves the world toward the desired state.  It
  does no I/O; the same inputs give the same actions.  Tests call it with
  hand-built caches and compare the actions.

The runner (runner.py) executes actions through the client; a 409 Conflict
re-queues the key with back-off, and the next sync sees fresher caches.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Callable, Iterable, Mapping, Protocol

from ..machinery import Cache

Obj = dict[str, Any]
Listers = Mapping[str, Cache]


@dataclasses.dataclass(frozen=True)
class Create:
    """Create ``obj`` (its apiVersion/kind name the resource)."""
    obj: Obj


@dataclasses.dataclass(frozen=True)
class Update:
    """Replace ``obj`` (optimistically: its resourceVersion must be current)."""
    obj: Obj
    subresource: str = ""        # "" or "status"


@dataclasses.dataclass(frozen=True)
class Patch:
    resource: str
    name: str
    namespace: str | None
    patch: Any
    patch_type: str = "merge"
    subresource: str = ""


@dataclasses.dataclass(frozen=True)
class Delete:
    resource: str
    name: str
    namespace: str | None
    propagation_policy: str | None = None
    # e.g. {"uid": ...}: delete only that incarnation.
    preconditions: Mapping[str, str] | None = None
    grace_period_seconds: int | None = None


@dataclasses.dataclass(frozen=True)
class Event:
    """Record a v1 Event about ``obj`` (Normal or Warning)."""
    obj: Obj
    type: str
    reason: str
    message: str


@dataclasses.dataclass(frozen=True)
class Requeue:
    """Sync this key again after ``after`` seconds of cluster time."""
    after: float


Action = Create | Update | Patch | Delete | Event | Requeue


class Controller(Protocol):
    name: str
    watches: Mapping[str, Mapping[str, Callable[[Obj], list[str]]]]

    def keys_for(self, resource: str, obj: Obj, listers: Listers) -> Iterable[str]: ...

    def sync(self, key: str, listers: Listers, now: float) -> list[Action]: ...


def owner_keys(obj: Obj, kind: str) -> list[str]:
    """Keys of ``obj``'s controlling owner of ``kind`` (its controller ref)."""
    meta = obj.get("metadata") or {}
    ns = meta.get("namespace", "")
    return [f"{ns}/{ref['name']}" if ns else ref["name"]
            for ref in meta.get("ownerReferences") or []
            if ref.get("kind") == kind and ref.get("controller")]


def controller_ref(obj: Obj) -> dict | None:
    for ref in (obj.get("metadata") or {}).get("ownerReferences") or []:
        if ref.get("controller"):
            return ref
    return None


def owner_reference(owner: Obj, block_owner_deletion: bool = True) -> dict:
    """An ownerReference (controller: true) pointing at ``owner``."""
    meta = owner["metadata"]
    return {"apiVersion": owner["apiVersion"], "kind": owner["kind"], "name": meta["name"],
            "uid": meta["uid"], "controller": True,
            "blockOwnerDeletion": block_owner_deletion}
