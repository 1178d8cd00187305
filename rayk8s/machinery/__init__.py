"""The machinery every controller shares: informers, their indexed caches,
and the stingy work queue with its rate limiters.

The pieces, in client-go's terms: :mod:`.informer` (reflector + shared
informer: list+watch into a cache, re-list on 410), :mod:`.cache` (the
indexer and lister: read-only dicts by ``namespace/name`` with indices),
:mod:`.workqueue` (the rate-limiting delaying queue) and :mod:`.ratelimit`.
Nothing here imports Ray; time comes from the injected cluster clock.
"""

from .cache import (Cache, by_field, by_label, by_namespace, by_owner_uid, copy, key_of,
                    split_key)
from .informer import Informer, ListWatchClient, SharedInformerFactory, enqueue_handler
from .ratelimit import (BucketRateLimiter, ItemExponentialFailureRateLimiter,
                        MaxOfRateLimiter, default_controller_rate_limiter)
from .workqueue import ShutDown, WorkQueue, run_worker

__all__ = [
    "Cache", "by_field", "by_label", "by_namespace", "by_owner_uid", "copy", "key_of",
    "split_key", "Informer", "ListWatchClient", "SharedInformerFactory", "enqueue_handler",
    "BucketRateLimiter", "ItemExponentialFailureRateLimiter", "MaxOfRateLimiter",
    "default_controller_rate_limiter", "ShutDown", "WorkQueue", "run_worker",
]
