"""MetricsObserver: metric events and lifecycle durations, summary, JSON and Prometheus."""

from __future__ import annotations

import json
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from panther_events import (
    CounterMetricEvent,
    EventManager,
    MetricCollectedEvent,
    ResourceMetricEvent,
    ServiceCreatedEvent,
    ServiceDeploymentStartedEvent,
    ServiceReadyEvent,
    ServiceStartedEvent,
    ServiceStoppedEvent,
    StepExecutionCompletedEvent,
    StepExecutionStartedEvent,
    TestCompletedEvent,
    TestCreatedEvent,
    TestFailedEvent,
    TestStepCompletedEvent,
    TestStepStartedEvent,
    TimingMetricEvent,
)
from panther_events.observers import MetricsObserver

from ..store.contract import at


def feed(events: list[object]) -> MetricsObserver:
    meter = MetricsObserver()
    for event in events:
        meter.on_event(event)
    return meter


def reference_quantile(values: list[float], q: float) -> float:
    """numpy's default (linear) quantile, written out plainly."""
    ordered = sorted(values)
    pos = q * (len(ordered) - 1)
    low = int(pos)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (pos - low)


class TestMetricsObserver:
    """MetricsObserver aggregates per metric and label set."""

    def test_collected_metrics_per_label_set(self) -> None:
        """Each label set is its own series with count, sum, min, max, mean, p50, p95."""
        meter = feed(
            [MetricCollectedEvent("rtt_ms", "gauge", v, labels={"peer": "a"}) for v in (1, 2, 3)]
            + [MetricCollectedEvent("rtt_ms", "gauge", 10, labels={"peer": "b"})]
        )
        a = meter.get("rtt_ms", peer="a")
        assert a == {
            "count": 3,
            "sum": 6.0,
            "min": 1.0,
            "max": 3.0,
            "mean": 2.0,
            "p50": 2.0,
            "p95": pytest.approx(2.9),
        }
        b = meter.get("rtt_ms", peer="b")
        assert b is not None and b["count"] == 1 and b["p95"] == 10.0
        assert [s["labels"] for s in meter.summary()["rtt_ms"]] == [{"peer": "a"}, {"peer": "b"}]

    def test_timing_counter_and_resource_events(self) -> None:
        """Timing, counter and resource events become their own series with context labels."""
        meter = feed(
            [
                TimingMetricEvent("handshake", 0.5, phase="setup"),
                TimingMetricEvent("handshake", 1.5, phase="setup"),
                CounterMetricEvent("packets", 10, component="client"),
                CounterMetricEvent("packets", 5, component="client"),
                ResourceMetricEvent("cpu", 42.0, component="server"),
                MetricCollectedEvent("bad", "gauge", float("nan")),
            ]
        )
        timing = meter.get("timing_handshake_seconds", phase="setup")
        assert timing is not None and timing["mean"] == 1.0
        packets = meter.get("packets", component="client")
        assert packets is not None and packets["sum"] == 15.0
        assert meter.get("resource_cpu", component="server") is not None
        assert "bad" not in meter.summary()  # NaN is not a sample

    def test_lifecycle_durations(self) -> None:
        """Tests, steps and services yield duration series from their events' timestamps."""
        meter = feed(
            [
                at(0, TestCreatedEvent("t1", "a")),
                at(1, TestStepStartedEvent("t1", "connect")),
                at(3, TestStepCompletedEvent("t1", "connect")),
                at(4, TestCompletedEvent("t1")),
                at(0, TestCreatedEvent("t2", "b")),
                at(2, TestFailedEvent("t2", error_message="x")),
                at(0, StepExecutionStartedEvent("s9", "connect")),
                at(1, StepExecutionCompletedEvent("s9", "connect")),
                at(0, ServiceCreatedEvent("svc", "quic", "server", "impl")),
                at(1, ServiceDeploymentStartedEvent("svc", "quic", "docker")),
                at(1.5, ServiceStartedEvent("svc", "quic")),
                at(3, ServiceReadyEvent("svc", "quic")),
                at(10, ServiceStoppedEvent("svc", "quic")),
            ]
        )
        passed = meter.get("test_duration_seconds", outcome="passed")
        failed = meter.get("test_duration_seconds", outcome="failed")
        assert passed is not None and passed["sum"] == 4.0
        assert failed is not None and failed["sum"] == 2.0
        steps = meter.get("step_duration_seconds", step="connect", outcome="passed")
        assert steps is not None and (steps["count"], steps["sum"]) == (2, 3.0)
        startup = meter.get("service_startup_seconds", service="quic")
        uptime = meter.get("service_uptime_seconds", service="quic")
        assert startup is not None and startup["sum"] == 2.0
        assert uptime is not None and uptime["sum"] == 8.5

    def test_json_export(self) -> None:
        """to_json() is summary() as JSON."""
        meter = feed([MetricCollectedEvent("m", "gauge", 1)])
        assert json.loads(meter.to_json()) == meter.summary()

    def test_prometheus_export(self) -> None:
        """Prometheus text: HELP/TYPE lines, quantiles, _sum/_count, escaped labels."""
        meter = feed(
            [
                MetricCollectedEvent("rtt.ms", "gauge", 2, labels={"peer": 'a"b\\c', "1x": "y"}),
                MetricCollectedEvent("rtt.ms", "gauge", 4, labels={"peer": 'a"b\\c', "1x": "y"}),
            ]
        )
        text = meter.to_prometheus()
        assert "# TYPE panther_rtt_ms summary" in text
        assert 'panther_rtt_ms{_1x="y",peer="a\\"b\\\\c",quantile="0.5"} 3.0' in text
        assert 'panther_rtt_ms_sum{_1x="y",peer="a\\"b\\\\c"} 6.0' in text
        assert 'panther_rtt_ms_count{_1x="y",peer="a\\"b\\\\c"} 2' in text
        assert "# TYPE panther_rtt_ms_max gauge" in text
        sample = re.compile(
            r'^[a-zA-Z_:][a-zA-Z0-9_:]*(\{([a-zA-Z_]\w*="([^"\\]|\\.)*",?)*\})? \S+$'
        )
        for line in text.splitlines():
            assert line.startswith("#") or sample.match(line), line
        assert MetricsObserver().to_prometheus() == ""

    def test_through_a_background_manager(self) -> None:
        """Registered in the background, it sees every metric once flushed."""
        manager = EventManager()
        meter = MetricsObserver()
        manager.register_observer("metrics.*", meter, background=True)
        try:
            for i in range(100):
                manager.publish(MetricCollectedEvent("n", "gauge", i))
            assert manager.flush(timeout=30)
        finally:
            manager.close()
        stats = meter.get("n")
        assert stats is not None and (stats["count"], stats["max"]) == (100, 99.0)

    @given(st.lists(st.floats(-1e6, 1e6, allow_nan=False), min_size=1, max_size=200))
    def test_stats_match_a_reference(self, values: list[float]) -> None:
        """count/sum/min/max/mean/p50/p95 agree with plain computations."""
        meter = MetricsObserver()
        for value in values:
            meter.record("x", value)
        stats = meter.get("x")
        assert stats is not None
        assert stats["count"] == len(values)
        assert stats["sum"] == pytest.approx(sum(values), abs=1e-6)
        assert (stats["min"], stats["max"]) == (min(values), max(values))
        assert stats["p50"] == pytest.approx(reference_quantile(values, 0.5))
        assert stats["p95"] == pytest.approx(reference_quantile(values, 0.95))

    def test_reservoir_bounds_memory(self) -> None:
        """Past max_samples the exact stats stay exact and percentiles stay in range."""
        meter = MetricsObserver(max_samples=100)
        for i in range(10_000):
            meter.record("x", float(i))
        stats = meter.get("x")
        assert stats is not None
        assert (stats["count"], stats["min"], stats["max"]) == (10_000, 0.0, 9999.0)
        assert 0 <= stats["p50"] <= 9999
        assert len(meter.series()[0]._samples) == 100
