"""The emulated node: kubelet, container runtime stub, image catalog, stats.

- :mod:`.images` -- the image catalog: behaviours as data (``Behaviour``),
  name matching, annotations folded into a per-run ``Play``;
- :mod:`.script` -- reads a task's ``command``/``args`` (``sleep 5``, ``exit 3``);
- :mod:`.runtime` -- plays containers: sandbox and pod IP, pulls, starts,
  exits, stops, probes answered by the app, HTTP requests, logs;
- :mod:`.podsync` / :mod:`.podstatus` -- the pure pod state machine and the
  status it reports; :mod:`.backoff`, :mod:`.probes` -- their rules;
- :mod:`.kubelet` -- the core: Node registration, Lease heartbeats, the pod
  informer and work queue, status writes, events;
- :mod:`.stats` -- cAdvisor-like usage; :mod:`.metrics` -- kubelet metrics;
  :mod:`.nodeinfo` -- the Node and Lease objects.

Nothing here imports Ray: the node actor shell (``rayk8s.actors.node``) hosts
any number of kubelets on one event loop.
"""

from .images import DEFAULT as DEFAULT_CATALOG
from .images import Behaviour, Catalog, register
from .kubelet import Kubelet, KubeletConfig
from .metrics import KubeletMetrics
from .runtime import ConnectionRefused

__all__ = ["Behaviour", "Catalog", "ConnectionRefused", "DEFAULT_CATALOG", "Kubelet",
           "KubeletConfig", "KubeletMetrics", "register"]
