"""kube-scheduler for rayk8s: the queue, the framework, the default plugins.

- :mod:`.framework` -- plugin interface (documented there), CycleState,
  Status, the scheduling cycle and kube-scheduler's FailedScheduling message;
- :mod:`.nodeinfo` -- NodeInfo and the incrementally kept NodeCache;
- :mod:`.queue` -- active / backoff / unschedulable queues;
- :mod:`.plugins` -- one module per default plugin;
- :mod:`.scheduler` -- :class:`Scheduler`: informers, loop, binding, events;
- :mod:`.metrics` -- ``scheduler_*`` Prometheus metrics.

Pure Python: nothing here imports Ray (the actor shell is
``rayk8s.actors.scheduler.SchedulerShell``).
"""

from .framework import (EVENTS, MAX_NODE_SCORE, CycleState, FitError, Framework,
                        SchedulingError, Status)
from .nodeinfo import NodeCache, NodeInfo, PodInfo, snapshot_of
from .plugins import DEFAULT_NAMES, default_plugins
from .queue import SchedulingQueue
from .scheduler import DEFAULT_SCHEDULER_NAME, Scheduler

__all__ = ["EVENTS", "MAX_NODE_SCORE", "CycleState", "FitError", "Framework",
           "SchedulingError", "Status", "NodeCache", "NodeInfo", "PodInfo", "snapshot_of",
           "DEFAULT_NAMES", "default_plugins", "SchedulingQueue", "DEFAULT_SCHEDULER_NAME",
           "Scheduler"]
