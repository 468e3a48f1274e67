"""Metrics events: measurements (values, resources, timings, counters) and their summaries."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from typing import Any, ClassVar

from .base import BaseEvent, EventType, _DomainEventType, _setup

__all__ = [
    "CounterMetricEvent",
    "MetricCollectedEvent",
    "MetricsEvent",
    "MetricsEventType",
    "MetricsSummaryEvent",
    "ResourceMetricEvent",
    "TimingMetricEvent",
]


class MetricsEventType(enum.Enum):
    """The ``metrics`` event names, exactly as the API reference lists them."""

    COLLECTED = "collected"
    RESOURCE = "resource"
    TIMING = "timing"
    COUNTER = "counter"
    SUMMARY = "summary"


class MetricsEvent(BaseEvent):
    """Base class for all metrics events.

    A measurement is never a content duplicate of an earlier one: two equal samples are two
    observations. Metrics events therefore get random ids (``CONTENT_IDS = False``) and are
    never dropped by deduplication; a retried send keeps its id, so stores and transports still
    store it once. The entity id is the metric's own name (see each class).
    """

    __slots__ = ()
    #: The ``MetricsEventType`` member this event's name is (the plain name if none).
    event_type = _DomainEventType(MetricsEventType)
    CONTENT_IDS: ClassVar[bool] = False

    def __init__(
        self,
        event_type: MetricsEventType | str,
        entity_id: str,
        data: Mapping[str, Any] | None = None,
    ) -> None:
        name = event_type.value if isinstance(event_type, MetricsEventType) else event_type
        super().__init__(name, EventType.METRICS, entity_id, data)


class MetricCollectedEvent(MetricsEvent):
    """``metrics.collected``: metric collected."""

    __slots__ = ()
    EVENT_TYPE: ClassVar[str] = "metrics.collected"

    def __init__(
        self,
        metric_name: str,
        metric_type: str,
        value: float,
        phase: str | None = None,
        test_case: str | None = None,
        component: str | None = None,
        labels: dict[str, Any] | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> None:
        _setup(
            self,
            metric_name,
            {
                "metric_name": metric_name,
                "metric_type": metric_type,
                "value": value,
                "phase": phase,
                "test_case": test_case,
                "component": component,
                "labels": labels,
                "metadata": metadata,
            },
        )


class ResourceMetricEvent(MetricsEvent):
    """``metrics.resource``: resource metric."""

    __slots__ = ()
    EVENT_TYPE: ClassVar[str] = "metrics.resource"

    def __init__(
        self,
        resource_type: str,
        usage_value: float,
        component: str | None = None,
        test_case: str | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> None:
        _setup(
            self,
            resource_type,
            {
                "resource_type": resource_type,
                "usage_value": usage_value,
                "component": component,
                "test_case": test_case,
                "metadata": metadata,
            },
        )


class TimingMetricEvent(MetricsEvent):
    """``metrics.timing``: timing metric."""

    __slots__ = ()
    EVENT_TYPE: ClassVar[str] = "metrics.timing"

    def __init__(
        self,
        operation_name: str,
        duration: float,
        phase: str | None = None,
        test_case: str | None = None,
        component: str | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> None:
        _setup(
            self,
            operation_name,
            {
                "operation_name": operation_name,
                "duration": duration,
                "phase": phase,
                "test_case": test_case,
                "component": component,
                "metadata": metadata,
            },
        )


class CounterMetricEvent(MetricsEvent):
    """``metrics.counter``: counter metric."""

    __slots__ = ()
    EVENT_TYPE: ClassVar[str] = "metrics.counter"

    def __init__(
        self,
        counter_name: str,
        value: float,
        increment: bool = True,
        test_case: str | None = None,
        component: str | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> None:
        _setup(
            self,
            counter_name,
            {
                "counter_name": counter_name,
                "value": value,
                "increment": increment,
                "test_case": test_case,
                "component": component,
                "metadata": metadata,
            },
        )


class MetricsSummaryEvent(MetricsEvent):
    """``metrics.summary``: metrics summary."""

    __slots__ = ()
    EVENT_TYPE: ClassVar[str] = "metrics.summary"

    def __init__(
        self,
        metrics: dict[str, Any],
        test_case: str | None = None,
        period: str | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> None:
        _setup(
            self,
            test_case or "summary",
            {"metrics": metrics, "test_case": test_case, "period": period, "metadata": metadata},
        )
