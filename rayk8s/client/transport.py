"""Transports: how a client reaches a registry.

A transport runs one registry method by name -- ``create``, ``get``,
``list``, ``update``, ``patch``, ``delete``, ``delete_collection``, ``watch``
(see :class:`rayk8s.apiserver.registry.Registry`) -- synchronously
(:meth:`call`) or from a coroutine (:meth:`acall`).  Errors come back as
:class:`rayk8s.api.errors.ApiError`.

- :class:`InProcessTransport` hosts a registry over an in-memory store on a
  private event-loop thread: unit tests and the no-Ray quick path.
- The Ray transport (``rayk8s.actors.transport``) calls the apiserver actor.
- The HTTP transport (with the HTTP front end) speaks the REST API.

Across process boundaries an error travels as an :class:`ErrorReply` value
rather than an exception: cheaper than a raised remote exception, and it keeps
the ``Status`` intact.
"""

from __future__ import annotations

import asyncio
import threading
from typing import Any, Protocol

import msgpack

from ..api import errors


class Transport(Protocol):
    def call(self, method: str, *args: Any, **kwargs: Any) -> Any: ...

    async def acall(self, method: str, *args: Any, **kwargs: Any) -> Any: ...

    def close(self) -> None: ...


class ErrorReply:
    """An ApiError's Status, carried as a return value."""

    __slots__ = ("status",)

    def __init__(self, status: dict):
        self.status = status

    def __reduce__(self):
        return (ErrorReply, (self.status,))


def unwrap(value: Any) -> Any:
    """Raise an ErrorReply as ApiError; pass anything else through."""
    if isinstance(value, ErrorReply):
        raise errors.ApiError(value.status)
    return value


async def dispatch(target: Any, method: str, args: tuple, kwargs: dict) -> Any:
    """Run ``target.method(*args, **kwargs)``, an ApiError becoming an ErrorReply."""
    if method.startswith("_") or method not in REGISTRY_METHODS:
        return ErrorReply(errors.method_not_allowed(f"no such call: {method}").status)
    try:
        return await getattr(target, method)(*args, **kwargs)
    except errors.ApiError as exc:
        return ErrorReply(exc.status)


REGISTRY_METHODS = frozenset({"create", "get", "list", "update", "patch", "delete",
                              "delete_collection", "watch", "stats"})


def _copy(value: Any) -> Any:
    """A deep copy through msgpack, so in-process callers never share registry state."""
    return msgpack.unpackb(msgpack.packb(value, use_bin_type=True), raw=False)


class InProcessTransport:
    """A registry over an in-memory store, on its own event-loop thread."""

    def __init__(self, clock=None, data_dir: str | None = None):
        from ..apiserver.registry import Registry
        from ..store import AsyncStore, MVCCStore

        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever,
                                        name="rayk8s-inprocess", daemon=True)
        self._thread.start()
        self.store = AsyncStore(MVCCStore(clock=clock, data_dir=data_dir))
        self.registry = Registry(self.store, clock=clock)
        self._run(self.registry.start())

    def _run(self, coro) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result()

    def call(self, method: str, *args: Any, **kwargs: Any) -> Any:
        return _copy(unwrap(self._run(dispatch(self.registry, method, args, kwargs))))

    async def acall(self, method: str, *args: Any, **kwargs: Any) -> Any:
        fut = asyncio.run_coroutine_threadsafe(
            dispatch(self.registry, method, args, kwargs), self._loop)
        return _copy(unwrap(await asyncio.wrap_future(fut)))

    def close(self) -> None:
        if self._loop.is_closed():
            return
        self._run(self.registry.stop())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=5)
        self._loop.close()
        self.store.close()
