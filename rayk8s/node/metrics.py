"""Kubelet metrics, named as kubelet's, with a ``node`` label.

Several kubelets share one process (and one Prometheus registry), so every
series carries the node's name.  Gauges of running pods and containers are
computed when scraped (a collector over the live kubelets) rather than kept
up to date on every sync.
"""

from __future__ import annotations

import weakref

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily

# kubelet's pod start buckets (seconds).
_START_BUCKETS = (0.5, 1, 2, 3, 4, 5, 6, 8, 10, 20, 30, 45, 60, 120, 180, 240, 300, 360,
                  480, 600, 900, 1200, 1800, 2700, 3600)
_REGISTRIES: "weakref.WeakKeyDictionary[CollectorRegistry, KubeletMetrics]" = \
    weakref.WeakKeyDictionary()


class KubeletMetrics:
    """The kubelet metric families of one registry, shared by its kubelets."""

    def __init__(self, registry: CollectorRegistry | None = None):
        self.registry = registry if registry is not None else CollectorRegistry()
        self.pod_start_duration = Histogram(
            "kubelet_pod_start_duration_seconds",
            "Duration in seconds from kubelet seeing a pod for the first time to the pod "
            "starting to run", ("node",), buckets=_START_BUCKETS, registry=self.registry)
        self.started_pods = Counter(
            "kubelet_started_pods", "Cumulative number of pods started", ("node",),
            registry=self.registry)
        self.started_containers = Counter(
            "kubelet_started_containers", "Cumulative number of containers started",
            ("node", "container_type"), registry=self.registry)
        self.probes = Counter(
            "prober_probe", "Cumulative number of a liveness, readiness or startup probe "
            "for a container by result.", ("node", "probe_type", "result"),
            registry=self.registry)
        self._kubelets: "weakref.WeakSet" = weakref.WeakSet()
        self.registry.register(self)

    @classmethod
    def of(cls, registry: CollectorRegistry) -> "KubeletMetrics":
        """The one KubeletMetrics of ``registry`` (created on first use)."""
        found = _REGISTRIES.get(registry)
        if found is None:
            found = _REGISTRIES[registry] = cls(registry)
        return found

    def attach(self, kubelet) -> None:
        self._kubelets.add(kubelet)

    def detach(self, kubelet) -> None:
        self._kubelets.discard(kubelet)

    def describe(self):
        return []

    def collect(self):
        pods = GaugeMetricFamily("kubelet_running_pods",
                                 "Number of pods that have a running pod sandbox",
                                 labels=("node",))
        containers = GaugeMetricFamily("kubelet_running_containers",
                                       "Number of containers currently running",
                                       labels=("node", "container_state"))
        name = GaugeMetricFamily("kubelet_node_name", "The node's name. The count is always 1.",
                                 labels=("node",))
        for kubelet in list(self._kubelets):
            running, states = kubelet.counts()
            pods.add_metric((kubelet.name,), running)
            for state, count in sorted(states.items()):
                containers.add_metric((kubelet.name, state), count)
            name.add_metric((kubelet.name,), 1)
        yield pods
        yield containers
        yield name
