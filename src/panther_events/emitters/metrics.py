"""MetricsEventEmitter: an emit method per metrics event class (measurements)."""

from __future__ import annotations

from typing import Any

from ..events.metrics import (
    CounterMetricEvent,
    MetricCollectedEvent,
    MetricsSummaryEvent,
    ResourceMetricEvent,
    TimingMetricEvent,
)
from .base import EventEmitterBase

__all__ = ["MetricsEventEmitter"]


class MetricsEventEmitter(EventEmitterBase):
    """Emits metrics events; every method builds one event class and emits it.

    Each method takes exactly its class's constructor parameters and returns the event it
    emitted.
    """

    def emit_counter_metric(
        self,
        counter_name: str,
        value: float,
        increment: bool = True,
        test_case: str | None = None,
        component: str | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> CounterMetricEvent:
        """Emit ``metrics.counter`` (CounterMetricEvent)."""
        event = CounterMetricEvent(
            counter_name=counter_name,
            value=value,
            increment=increment,
            test_case=test_case,
            component=component,
            metadata=metadata,
        )
        self._emit_event(event)
        return event

    def emit_metric_collected(
        self,
        metric_name: str,
        metric_type: str,
        value: float,
        phase: str | None = None,
        test_case: str | None = None,
        component: str | None = None,
        labels: dict[str, Any] | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> MetricCollectedEvent:
        """Emit ``metrics.collected`` (MetricCollectedEvent)."""
        event = MetricCollectedEvent(
            metric_name=metric_name,
            metric_type=metric_type,
            value=value,
            phase=phase,
            test_case=test_case,
            component=component,
            labels=labels,
            metadata=metadata,
        )
        self._emit_event(event)
        return event

    def emit_metrics_summary(
        self,
        metrics: dict[str, Any],
        test_case: str | None = None,
        period: str | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> MetricsSummaryEvent:
        """Emit ``metrics.summary`` (MetricsSummaryEvent)."""
        event = MetricsSummaryEvent(
            metrics=metrics, test_case=test_case, period=period, metadata=metadata
        )
        self._emit_event(event)
        return event

    def emit_resource_metric(
        self,
        resource_type: str,
        usage_value: float,
        component: str | None = None,
        test_case: str | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> ResourceMetricEvent:
        """Emit ``metrics.resource`` (ResourceMetricEvent)."""
        event = ResourceMetricEvent(
            resource_type=resource_type,
            usage_value=usage_value,
            component=component,
            test_case=test_case,
            metadata=metadata,
        )
        self._emit_event(event)
        return event

    def emit_timing_metric(
        self,
        operation_name: str,
        duration: float,
        phase: str | None = None,
        test_case: str | None = None,
        component: str | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> TimingMetricEvent:
        """Emit ``metrics.timing`` (TimingMetricEvent)."""
        event = TimingMetricEvent(
            operation_name=operation_name,
            duration=duration,
            phase=phase,
            test_case=test_case,
            component=component,
            metadata=metadata,
        )
        self._emit_event(event)
        return event
