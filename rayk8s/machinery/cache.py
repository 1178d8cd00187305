"""The informer's indexed cache: client-go's ``Indexer`` over plain dicts.

Objects are stored by key -- ``namespace/name``, or ``name`` for cluster-scoped
objects (client-go's ``MetaNamespaceKeyFunc``) -- and optionally indexed by
*index functions*: an index function maps an object to the list of values it
is filed under (``by_field("spec.nodeName")`` files a pod under its node's
name), and ``by_index("node", "n1")`` returns every object filed under "n1".
Indices are kept up to date on every add, update, delete and replace, so a
lookup costs the size of its answer, not of the cache.

**Read-only.**  ``get``, ``list`` and ``by_index`` return the stored dicts
themselves, not copies, because controllers read far more than they write and
copying every object on every read would dominate their cost.  Callers must
never mutate what the cache returns (client-go's rule for listers); to build
a modified object, start from :func:`copy`.

The cache lives on one event loop and never awaits, so every method is atomic
with respect to the others; no locks are needed.
"""

from __future__ import annotations

import functools
from typing import Any, Callable, Iterable

Obj = dict[str, Any]
IndexFunc = Callable[[Obj], list[str]]


def key_of(obj: Obj) -> str:
    """``namespace/name``, or ``name`` if the object has no namespace."""
    meta = obj.get("metadata") or {}
    name = meta.get("name")
    if not name:
        raise ValueError("object has no metadata.name")
    ns = meta.get("namespace")
    return f"{ns}/{name}" if ns else name


def split_key(key: str) -> tuple[str, str]:
    """``"ns/name"`` -> ``("ns", "name")``; ``"name"`` -> ``("", "name")``."""
    ns, sep, name = key.partition("/")
    if not sep:
        return "", key
    if not ns or not name or "/" in name:
        raise ValueError(f"unexpected key format: {key!r}")
    return ns, name


def copy(obj: Any) -> Any:
    """A deep copy of a JSON-shaped value (dicts, lists, scalars).

    Several times faster than ``copy.deepcopy`` because it knows the shapes.
    """
    if isinstance(obj, dict):
        return {k: copy(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [copy(v) for v in obj]
    return obj


# -- index functions --------------------------------------------------------

def by_namespace(obj: Obj) -> list[str]:
    """Index function: the object's namespace ("" for cluster-scoped objects)."""
    return [(obj.get("metadata") or {}).get("namespace") or ""]


def by_owner_uid(obj: Obj) -> list[str]:
    """Index function: the uid of every owner in ``metadata.ownerReferences``."""
    refs = (obj.get("metadata") or {}).get("ownerReferences") or []
    return [ref["uid"] for ref in refs if ref.get("uid")]


@functools.lru_cache(maxsize=None)
def by_label(label: str) -> IndexFunc:
    """Index function factory: the value of label ``label``, if set.

    Cached, so ``by_label("app") is by_label("app")``: two informer users
    asking for the same index agree on its function.
    """
    def index(obj: Obj) -> list[str]:
        labels = (obj.get("metadata") or {}).get("labels") or {}
        value = labels.get(label)
        return [] if value is None else [str(value)]
    index.__name__ = f"by_label({label!r})"
    return index


@functools.lru_cache(maxsize=None)
def by_field(path: str) -> IndexFunc:
    """Index function factory: the value at dotted ``path``, e.g. ``"spec.nodeName"``.

    A missing or null value files the object nowhere; a list of scalars files
    it under each one.  Cached like :func:`by_label`.
    """
    parts = path.split(".")

    def index(obj: Obj) -> list[str]:
        value: Any = obj
        for part in parts:
            if not isinstance(value, dict):
                return []
            value = value.get(part)
        if value is None:
            return []
        if isinstance(value, list):
            return [str(v) for v in value if v is not None and not isinstance(v, (dict, list))]
        if isinstance(value, dict):
            return []
        return [str(value).lower() if isinstance(value, bool) else str(value)]
    index.__name__ = f"by_field({path!r})"
    return index


# -- the cache ---------------------------------------------------------------

class Cache:
    """Objects by key, plus named indices kept in step with them."""

    def __init__(self, indexers: dict[str, IndexFunc] | None = None,
                 key_fn: Callable[[Obj], str] = key_of):
        self.key_fn = key_fn
        # The resourceVersion of the list last given to replace().
        self.resource_version = ""
        # key -> stored object; insertion order is the order list() returns.
        self._items: dict[str, Obj] = {}
        # index name -> index function.
        self._indexers: dict[str, IndexFunc] = {}
        # index name -> indexed value -> keys whose object the function files
        # under that value.  Empty key sets are removed.
        self._indices: dict[str, dict[str, set[str]]] = {}
        self.add_indexers(indexers or {})

    def add_indexers(self, indexers: dict[str, IndexFunc]) -> None:
        """Add indices (built over the current objects at once).

        Re-adding an index under the same name with the same function is a
        no-op; with a different function it is an error.
        """
        for name, fn in indexers.items():
            existing = self._indexers.get(name)
            if existing is fn:
                continue
            if existing is not None:
                raise ValueError(f"indexer conflict: {name!r} already has another function")
            self._indexers[name] = fn
            index: dict[str, set[str]] = {}
            for key, obj in self._items.items():
                for value in fn(obj):
                    index.setdefault(value, set()).add(key)
            self._indices[name] = index

    @property
    def indexers(self) -> dict[str, IndexFunc]:
        return dict(self._indexers)

    # -- writes ----------------------------------------------------------

    def add(self, obj: Obj) -> str:
        """Store ``obj`` (replacing any object with its key); returns the key."""
        key = self.key_fn(obj)
        old = self._items.get(key)
        self._items[key] = obj
        self._reindex(key, old, obj)
        return key

    update = add

    def delete(self, obj: Obj | str) -> Obj | None:
        """Remove the object with ``obj``'s key (or the key itself); returns it."""
        key = obj if isinstance(obj, str) else self.key_fn(obj)
        old = self._items.pop(key, None)
        if old is not None:
            self._reindex(key, old, None)
        return old

    def replace(self, objs: Iterable[Obj], resource_version: str = "") -> None:
        """Make the cache hold exactly ``objs`` (a fresh list), rebuilding indices."""
        self._items = {self.key_fn(obj): obj for obj in objs}
        self.resource_version = resource_version
        for name, fn in self._indexers.items():
            index: dict[str, set[str]] = {}
            for key, obj in self._items.items():
                for value in fn(obj):
                    index.setdefault(value, set()).add(key)
            self._indices[name] = index

    def _reindex(self, key: str, old: Obj | None, new: Obj | None) -> None:
        for name, fn in self._indexers.items():
            index = self._indices[name]
            old_values = fn(old) if old is not None else []
            new_values = fn(new) if new is not None else []
            if old_values == new_values:
                continue
            for value in old_values:
                keys = index.get(value)
                if keys is not None:
                    keys.discard(key)
                    if not keys:
                        del index[value]
            for value in new_values:
                index.setdefault(value, set()).add(key)

    # -- reads (the lister side; never mutate what they return) -------------

    def get(self, key: str) -> Obj | None:
        return self._items.get(key)

    def list(self, namespace: str | None = None) -> list[Obj]:
        """Every object, or those of one namespace."""
        if namespace is None:
            return list(self._items.values())
        if "namespace" in self._indexers and self._indexers["namespace"] is by_namespace:
            return self.by_index("namespace", namespace)
        return [obj for obj in self._items.values()
                if ((obj.get("metadata") or {}).get("namespace") or "") == namespace]

    def keys(self) -> list[str]:
        return list(self._items)

    def items(self) -> list[tuple[str, Obj]]:
        return list(self._items.items())

    def index_keys(self, index_name: str, value: str) -> list[str]:
        """Keys of the objects filed under ``value`` in ``index_name``, sorted."""
        try:
            index = self._indices[index_name]
        except KeyError:
            raise KeyError(f"index {index_name!r} does not exist") from None
        return sorted(index.get(value, ()))

    def by_index(self, index_name: str, value: str) -> list[Obj]:
        """The objects filed under ``value`` in ``index_name``, in key order."""
        return [self._items[key] for key in self.index_keys(index_name, value)]

    def index_values(self, index_name: str) -> list[str]:
        """Every value under which ``index_name`` files at least one object."""
        try:
            return list(self._indices[index_name])
        except KeyError:
            raise KeyError(f"index {index_name!r} does not exist") from None

    def __len__(self) -> int:
        return len(self._items)

    def __contains__(self, key: object) -> bool:
        return key in self._items
