"""The API process's counters and histograms, and the figures read from the views, as Prometheus
metrics (served by ``api/metrics.py``; decision 0037). No label carries a case id, a name or a user id."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

# Seconds: a read answers in milliseconds; a command waits on its workflow (up to minutes when not ready).
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0)


class ApiMetrics:
    """The counters and histograms of one API process, in a registry of its own (so two apps in
    one process, as in the tests, never share a count)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.commands = Counter(
            "carecase_commands",
            "Commands sent to this API process, by command and outcome",
            ["command", "outcome"],
            registry=self.registry,
        )
        self.refusals = Counter(
            "carecase_command_refusals",
            "Commands refused (4xx), by command and the refusal's stable code",
            ["command", "code"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "carecase_http_request_duration_seconds",
            "Time to answer an HTTP request, by method and route template",
            ["method", "route"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.responses = Counter(
            "carecase_http_responses",
            "HTTP answers, by method, route template and status",
            ["method", "route", "status"],
            registry=self.registry,
        )

    def command_answered(self, command: str, *, duplicate: bool) -> None:
        self.commands.labels(command, "duplicate" if duplicate else "accepted").inc()

    def command_refused(self, command: str, code: str) -> None:
        self.commands.labels(command, "refused").inc()
        self.refusals.labels(command, code).inc()

    def command_failed(self, command: str) -> None:
        self.commands.labels(command, "failed").inc()

    def answered(self, method: str, route: str, status: int, seconds: float) -> None:
        self.latency.labels(method, route).observe(seconds)
        self.responses.labels(method, route, str(status)).inc()

    def exposition(self, figures: ViewFigures) -> bytes:
        views = CollectorRegistry(auto_describe=True)
        views.register(figures)
        return generate_latest(self.registry) + generate_latest(views)


@dataclass(frozen=True, eq=False)  # a registry keys its collectors by identity
class ViewFigures(Collector):
    """What the views say at one read: positions, the quarantine, cases and deadlines by stage, money."""

    log_position: int
    views_position: int
    quarantined_cases: int
    failures_by_view: dict[str, int] = field(default_factory=dict)
    open_by_stage: dict[str, int] = field(default_factory=dict)
    overdue_by_stage: dict[str, int] = field(default_factory=dict)
    payments_issued: int = 0
    payments_issued_pence: int = 0

    @property
    def lag(self) -> int:
        return max(self.log_position - self.views_position, 0)

    def collect(self) -> Iterator[Metric]:
        yield GaugeMetricFamily("carecase_log_position", "The last notification in the log", self.log_position)
        yield GaugeMetricFamily("carecase_views_position", "The lowest position of any view", self.views_position)
        yield GaugeMetricFamily("carecase_views_lag_notifications", "Notifications the views are behind", self.lag)
        yield GaugeMetricFamily(
            "carecase_quarantined_cases", "Cases the views hold back (decision 0013)", self.quarantined_cases
        )
        yield by_label(
            "carecase_projection_errors", "Events a view failed to apply (quarantined)", "view", self.failures_by_view
        )
        yield by_label("carecase_open_cases", "Open cases by stage", "stage", self.open_by_stage)
        yield by_label(
            "carecase_overdue_deadlines", "Deadlines passed (stage and review) by stage", "stage", self.overdue_by_stage
        )
        yield CounterMetricFamily(
            "carecase_payments_issued", "Payments issued on every case (from the budget ledger)", self.payments_issued
        )
        yield CounterMetricFamily(
            "carecase_payments_issued_pence", "Pence of the payments issued (budget ledger)", self.payments_issued_pence
        )


def by_label(name: str, documentation: str, label: str, values: dict[str, int]) -> GaugeMetricFamily:
    family = GaugeMetricFamily(name, documentation, labels=[label])
    for value, count in sorted(values.items()):
        family.add_metric([value], count)
    return family
