"""Prometheus metrics of one app instance (own registry, so several apps can live in one process)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, Info, generate_latest


class ServiceMetrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "stancewatch_requests", "HTTP requests by route and status", ["route", "status"], registry=self.registry
        )
        self.latency = Histogram(
            "stancewatch_request_seconds",
            "request latency",
            ["route"],
            registry=self.registry,
            buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
        )
        self.batch_size = Histogram(
            "stancewatch_batch_documents",
            "documents per inference batch",
            registry=self.registry,
            buckets=(1, 2, 4, 8, 16, 32, 64, 128, 256),
        )
        self.queue_depth = Gauge("stancewatch_queue_documents", "documents waiting for a batch", registry=self.registry)
        self.documents = Counter("stancewatch_documents", "documents scored", registry=self.registry)
        self.model = Info("stancewatch_model", "serving model", registry=self.registry)

    def render(self) -> bytes:
        return generate_latest(self.registry)
