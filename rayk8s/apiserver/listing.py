"""Lists: pages read from the store at one revision, and continue tokens.

A paged list (``limit``/``continue``) reads every page at the revision of
the first one, so the pages together are one consistent snapshot, as
kube-apiserver's etcd3 store does.  The continue token carries that revision
and the key to resume after; once the revision is compacted, the token
expires with 410.

With selectors the store is read ahead in chunks and filtered until the
limit is filled, so a page may end early and the token may lead to an empty
page -- Kubernetes behaves the same.
"""

from __future__ import annotations

import base64
import dataclasses
import json
from typing import Callable

from ..api import errors
from .watchcache import decode

# Keys read per chunk when selectors filter the list.
_READ_AHEAD = 500

CONTINUE_EXPIRED = (
    "The provided continue parameter is too old to display a consistent list result. "
    "You can start a new list without the continue parameter, or use the continue token "
    "in this response to retrieve the remainder of the results. Continuing with the "
    "provided token results in an inconsistent list - objects that were created, "
    "modified, or deleted between the time the first chunk was returned and now may "
    "show up in the list.")


@dataclasses.dataclass
class Page:
    items: list[dict]
    revision: int
    more: bool
    next_key: str
    # Items left after this page when no selector filtered (else None).
    remaining: int | None


async def read_page(store, prefix: str, matches: Callable[[dict], bool], everything: bool,
                    limit: int, start: str, revision: int) -> Page:
    """Up to ``limit`` (0 = all) matching objects under ``prefix`` from key ``start``."""
    items: list[dict] = []
    while True:
        want = max(limit - len(items), 0) if limit else 0
        chunk = (want if everything else max(want, _READ_AHEAD)) if limit else 0
        res = await store.range(prefix, start_key=start, limit=chunk, revision=revision)
        revision = res.revision
        for i, kv in enumerate(res.kvs):
            obj = decode(kv.value, kv.mod_revision)
            if not matches(obj):
                continue
            items.append(obj)
            if limit and len(items) >= limit:
                left_in_chunk = len(res.kvs) - i - 1
                remaining = res.count - len(res.kvs) + left_in_chunk if everything else None
                return Page(items, revision, res.more or left_in_chunk > 0, kv.key + "\x00",
                            remaining)
        if res.more and res.kvs:
            start = res.kvs[-1].key + "\x00"
            continue
        return Page(items, revision, False, "", None)


def parse_rv(text: str) -> int:
    try:
        value = int(text)
    except (TypeError, ValueError):
        raise errors.bad_request(f'invalid resource version "{text}"') from None
    if value < 0:
        raise errors.bad_request(f'invalid resource version "{text}"')
    return value


def encode_continue(revision: int, next_key: str, prefix: str) -> str:
    token = {"v": "meta.k8s.io/v1", "rv": revision, "start": next_key[len(prefix):]}
    return base64.urlsafe_b64encode(json.dumps(token).encode()).decode()


def decode_continue(token: str, prefix: str) -> tuple[str, int]:
    """(key to resume from, revision) of a continue token issued for ``prefix``."""
    try:
        data = json.loads(base64.urlsafe_b64decode(token.encode()))
        rev = int(data["rv"])
        start = str(data["start"])
        if data.get("v") != "meta.k8s.io/v1" or rev <= 0 or ".." in start:
            raise ValueError
    except (ValueError, KeyError, TypeError):
        raise errors.bad_request("continue key is not valid: incorrect encoded start "
                                 "resourceVersion (version meta.k8s.io/v1)") from None
    return prefix + start, rev
