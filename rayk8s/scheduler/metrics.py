"""The scheduler's Prometheus metrics, named and labelled as kube-scheduler's.

Durations of work (an attempt: the cycle plus its binding) are wall seconds;
the pod scheduling SLI (queued -> bound, back-offs included) is emulated
seconds on the cluster clock, like every timestamp the cluster shows.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram


def exponential_buckets(start: float, factor: float, count: int) -> tuple[float, ...]:
    return tuple(start * factor ** i for i in range(count))


class SchedulerMetrics:
    def __init__(self, registry: CollectorRegistry | None = None,
                 profile: str = "default-scheduler"):
        self.registry = registry if registry is not None else CollectorRegistry()
        self.profile = profile
        r = self.registry
        self.schedule_attempts = Counter(
            "scheduler_schedule_attempts_total",
            "Number of attempts to schedule pods, by the result. 'unschedulable' means a pod "
            "could not be scheduled, while 'error' means an internal scheduler problem.",
            ("result", "profile"), registry=r)
        self.attempt_duration = Histogram(
            "scheduler_scheduling_attempt_duration_seconds",
            "Scheduling attempt latency in seconds (scheduling algorithm + binding)",
            ("result", "profile"), buckets=exponential_buckets(0.001, 2, 15), registry=r)
        self.pending_pods = Gauge(
            "scheduler_pending_pods",
            "Number of pending pods, by the queue type. 'active' means number of pods in "
            "activeQ; 'backoff' means number of pods in backoffQ; 'unschedulable' means "
            "number of pods in unschedulablePods that the scheduler attempted to schedule "
            "and failed.", ("queue",), registry=r)
        self.sli_duration = Histogram(
            "scheduler_pod_scheduling_sli_duration_seconds",
            "E2e latency for a pod being scheduled, from the time the pod enters the "
            "scheduling queue and might involve multiple scheduling attempts.",
            ("attempts",), buckets=exponential_buckets(0.01, 2, 20), registry=r)
        self.pod_attempts = Histogram(
            "scheduler_pod_scheduling_attempts",
            "Number of attempts to successfully schedule a pod.",
            buckets=exponential_buckets(1, 2, 5), registry=r)
        self.queue_incoming = Counter(
            "scheduler_queue_incoming_pods_total",
            "Number of pods added to scheduling queues by event and queue type.",
            ("queue", "event"), registry=r)
        self.preemption_attempts = Counter(
            "scheduler_preemption_attempts_total",
            "Total preemption attempts in the cluster till now", registry=r)
        self.preemption_victims = Histogram(
            "scheduler_preemption_victims", "Number of selected preemption victims",
            buckets=exponential_buckets(1, 2, 7), registry=r)

    def watch_queue(self, queue) -> None:
        """Read ``scheduler_pending_pods`` from the queue at scrape time."""
        for name in ("active", "backoff", "unschedulable"):
            self.pending_pods.labels(queue=name).set_function(
                lambda name=name: queue.count(name))

    def incoming(self, queue: str, event: str) -> None:
        self.queue_incoming.labels(queue=queue, event=event).inc()

    def attempt(self, result: str, seconds: float) -> None:
        self.schedule_attempts.labels(result=result, profile=self.profile).inc()
        self.attempt_duration.labels(result=result, profile=self.profile).observe(seconds)

    def scheduled(self, attempts: int, sli_seconds: float) -> None:
        self.sli_duration.labels(attempts=str(attempts)).observe(max(0.0, sli_seconds))
        self.pod_attempts.observe(attempts)
