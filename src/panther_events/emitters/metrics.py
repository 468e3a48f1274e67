"""MetricsEventEmitter: an emit method per metrics event class (measurements)."""

from __future__ import annotations

from ..events import metrics as events
from ._declare import emits
from .base import EventEmitterBase

__all__ = ["MetricsEventEmitter"]


class MetricsEventEmitter(EventEmitterBase):
    """Emits metrics events: an ``emit_<name>`` per event class, built from the class."""

    emit_counter_metric = emits(events.CounterMetricEvent)
    emit_metric_collected = emits(events.MetricCollectedEvent)
    emit_metrics_summary = emits(events.MetricsSummaryEvent)
    emit_resource_metric = emits(events.ResourceMetricEvent)
    emit_timing_metric = emits(events.TimingMetricEvent)
