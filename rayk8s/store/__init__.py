"""The MVCC key-value store in etcd v3's shape (see ``contract.py`` first).

``MVCCStore`` is the synchronous store (in memory, or durable with a
``data_dir``: WAL + snapshots); ``AsyncStore`` is its asyncio facade with
long-poll watches and metrics.  Nothing here knows of Ray, HTTP or kinds.
"""

from .contract import (KV, Compacted, Compare, Delete, Event, EventType, FutureRevision, Get,
                       KeyValue, LeaseNotFound, Op, Put, RangeResult, StoreError, Target,
                       TxnResult)
from .lease import LeaseExists
from .mvcc import InvalidRequest, MVCCStore, StoreClosed
from .wal import WALCorrupted
from .aio import AsyncStore

__all__ = [
    "KV", "Compacted", "Compare", "Delete", "Event", "EventType", "FutureRevision", "Get",
    "KeyValue", "LeaseNotFound", "Op", "Put", "RangeResult", "StoreError", "Target",
    "TxnResult", "InvalidRequest", "LeaseExists", "MVCCStore", "StoreClosed", "WALCorrupted",
    "AsyncStore",
]
