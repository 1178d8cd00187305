"""The apiserver's Prometheus metrics, named and labelled as kube-apiserver's.

Each registry gets its own ``CollectorRegistry`` so that several apiservers
(tests, benchmarks) can live in one process without clashing.
"""

from __future__ import annotations

import time
from contextlib import contextmanager

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

# kube-apiserver's request latency buckets (seconds).
_BUCKETS = (0.005, 0.025, 0.05, 0.1, 0.2, 0.4, 0.6, 0.8, 1.0, 1.25, 1.5, 2, 3,
            4, 5, 6, 8, 10, 15, 20, 30, 45, 60)

_LABELS = ("verb", "dry_run", "group", "version", "resource", "subresource",
           "scope", "component")


class ApiserverMetrics:
    def __init__(self, registry: CollectorRegistry | None = None, component: str = "apiserver"):
        self.registry = registry or CollectorRegistry()
        self.component = component
        self.requests = Counter(
            "apiserver_request_total",
            "Counter of apiserver requests broken out for each verb, dry run value, "
            "group, version, resource, scope, component, and HTTP response code.",
            _LABELS + ("code",), registry=self.registry)
        self.duration = Histogram(
            "apiserver_request_duration_seconds",
            "Response latency distribution in seconds for each verb, dry run value, "
            "group, version, resource, subresource, scope and component.",
            _LABELS, buckets=_BUCKETS, registry=self.registry)
        self.storage_objects = Gauge(
            "apiserver_storage_objects",
            "Number of stored objects at the time of last check split by kind.",
            ("resource",), registry=self.registry)
        self.longrunning = Gauge(
            "apiserver_longrunning_requests",
            "Gauge of all active long-running apiserver requests.",
            ("verb", "group", "version", "resource", "subresource", "scope", "component"),
            registry=self.registry)
        self.watch_events = Counter(
            "apiserver_watch_events_total",
            "Number of events sent in watch clients",
            ("group", "version", "resource"), registry=self.registry)
        self.cache_revision = Gauge(
            "apiserver_watch_cache_resource_version",
            "Current resource version of the watch cache.", registry=self.registry)

    @contextmanager
    def request(self, verb: str, kind, subresource: str = "", namespaced_req: bool = False,
                dry_run: bool = False):
        """Time one request and count it with the code it ended with."""
        scope = ("namespace" if namespaced_req else "cluster") if kind.namespaced else "cluster"
        labels = dict(verb=verb, dry_run="All" if dry_run else "", group=kind.group,
                      version=kind.version, resource=kind.plural, subresource=subresource,
                      scope=scope, component=self.component)
        start = time.perf_counter()
        code = "200" if verb not in ("POST",) else "201"
        try:
            yield
        except Exception as exc:  # noqa: BLE001 - re-raised; only the code is read
            code = str(getattr(exc, "code", 500))
            raise
        finally:
            self.duration.labels(**labels).observe(time.perf_counter() - start)
            self.requests.labels(code=code, **labels).inc()
