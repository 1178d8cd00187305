"""Ray-side adapters: a client transport over the apiserver actor, and a
store over the etcd actor (for the apiserver's registry)."""

from __future__ import annotations

from typing import Any

import ray

from ..client.transport import unwrap
from ..store import contract


class RayTransport:
    """Calls the apiserver actor's ``call`` method (see client/transport.py)."""

    def __init__(self, handle):
        self.handle = handle

    def call(self, method: str, *args: Any, **kwargs: Any) -> Any:
        return unwrap(ray.get(self.handle.call.remote(method, args, kwargs)))

    async def acall(self, method: str, *args: Any, **kwargs: Any) -> Any:
        return unwrap(await self.handle.call.remote(method, args, kwargs))

    def close(self) -> None:
        pass

    def __reduce__(self):
        return (RayTransport, (self.handle,))


class RemoteStore:
    """The AsyncStore interface over the etcd actor; store errors re-raised here."""

    def __init__(self, handle):
        self.handle = handle

    async def _call(self, method: str, *args: Any, **kwargs: Any) -> Any:
        result = await self.handle.call.remote(method, args, kwargs)
        if isinstance(result, contract.StoreError):
            raise result
        return result

    async def get(self, key, revision=0):
        return await self._call("get", key, revision)

    async def range(self, prefix, start_key="", limit=0, revision=0):
        return await self._call("range", prefix, start_key, limit, revision)

    async def put(self, key, value, lease=0):
        return await self._call("put", key, value, lease)

    async def delete(self, key):
        return await self._call("delete", key)

    async def txn(self, compares, success, failure=()):
        return await self._call("txn", list(compares), list(success), list(failure))

    async def compact(self, revision):
        return await self._call("compact", revision)

    async def events(self, prefix, start_revision):
        return await self._call("events", prefix, start_revision)

    async def wait_events(self, prefix, start_revision, timeout):
        return await self._call("wait_events", prefix, start_revision, timeout)

    async def lease_grant(self, ttl, lease_id=0):
        return await self._call("lease_grant", ttl, lease_id)

    async def lease_keepalive(self, lease_id):
        return await self._call("lease_keepalive", lease_id)

    async def lease_revoke(self, lease_id):
        return await self._call("lease_revoke", lease_id)

    async def stats(self):
        return await self._call("stats")
