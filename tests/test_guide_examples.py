"""Every example of the observer guide runs as written, with only its imports adapted.

The example bodies below are the guide's code; comments mark the few lines the guide leaves
undefined (helpers such as ``_run_test`` or ``perform_io_operation``).
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pytest

from panther_events import (
    EventManager,
    ExperimentFinishedEvent,
    ExperimentStartedEvent,
    LoggerObserver,
    Observer,
    ServiceReadyEvent,
    TestCaseErrorEvent,
    TestCaseFinishedEvent,
    TestCaseStartedEvent,
)
from panther_events.testing import RecordingObserver


# --- "Creating Custom Observers" -------------------------------------------------------------
class CustomMonitoringObserver(Observer):
    """Custom observer for experiment monitoring"""

    def __init__(self):  # type: ignore[no-untyped-def]
        self.test_metrics = {}

    def on_test_case_started(self, event):  # type: ignore[no-untyped-def]
        """Track test case start times"""
        self.test_metrics[event.test_name] = {"start_time": event.timestamp, "status": "running"}

    def on_test_case_finished(self, event):  # type: ignore[no-untyped-def]
        """Calculate test duration and status"""
        if event.test_name in self.test_metrics:
            self.test_metrics[event.test_name].update(
                {
                    "end_time": event.timestamp,
                    "duration": event.timestamp - self.test_metrics[event.test_name]["start_time"],
                    "status": "completed" if event.success else "failed",
                }
            )


# --- "Publishing Events" (a test case that emits its lifecycle) --------------------------------
class TestCaseImpl:
    __test__ = False

    def __init__(self, name: str, event_manager: EventManager, fail: bool = False) -> None:
        self.name = name
        self.config = {"protocol": "quic"}
        self.event_manager = event_manager
        self.fail = fail

    def _run_test(self) -> dict[str, Any]:  # undefined in the guide
        if self.fail:
            raise RuntimeError("handshake timed out")
        return {"packets": 12}

    def execute(self):  # type: ignore[no-untyped-def]
        # Notify test case start
        self.event_manager.publish_event(
            TestCaseStartedEvent(
                test_name=self.name, timestamp=datetime.now(), configuration=self.config
            )
        )
        try:
            # Execute test logic
            result = self._run_test()
            # Notify successful completion
            self.event_manager.publish_event(
                TestCaseFinishedEvent(
                    test_name=self.name, timestamp=datetime.now(), success=True, result=result
                )
            )
        except Exception as e:
            # Notify error
            self.event_manager.publish_event(
                TestCaseErrorEvent(test_name=self.name, timestamp=datetime.now(), error=str(e))
            )


# --- "Progress Tracking" ----------------------------------------------------------------------
class ProgressObserver(Observer):
    """Track experiment progress in real-time"""

    def __init__(self):  # type: ignore[no-untyped-def]
        self.total_tests = 0
        self.completed_tests = 0
        self.failed_tests = 0

    def on_experiment_started(self, event):  # type: ignore[no-untyped-def]
        self.total_tests = len(event.test_cases)
        print(f"Starting experiment with {self.total_tests} tests")

    def on_test_case_finished(self, event):  # type: ignore[no-untyped-def]
        self.completed_tests += 1
        if not event.success:
            self.failed_tests += 1
        progress = (self.completed_tests / self.total_tests) * 100
        print(f"Progress: {progress:.1f}% ({self.completed_tests}/{self.total_tests})")


# --- "Metrics Collection" ---------------------------------------------------------------------
class MetricsObserver(Observer):
    """Collect performance and execution metrics"""

    def __init__(self) -> None:  # the guide leaves self.metrics undefined
        self.metrics: list[dict[str, Any]] = []

    def on_test_case_started(self, event):  # type: ignore[no-untyped-def]
        self.start_time = time.time()

    def on_test_case_finished(self, event):  # type: ignore[no-untyped-def]
        duration = time.time() - self.start_time
        self.metrics.append(
            {"test_name": event.test_name, "duration": duration, "success": event.success}
        )


# --- "With Results System" --------------------------------------------------------------------
class ResultCollector(Observer):
    """Collect results based on test case events"""

    def __init__(self) -> None:  # the guide leaves these helpers undefined
        self.artifacts: list[str] = []
        self.validated: list[Any] = []

    def collect_test_artifacts(self, test_name: str) -> None:
        self.artifacts.append(test_name)

    def validate_results(self, result: Any) -> None:
        self.validated.append(result)

    def on_test_case_finished(self, event):  # type: ignore[no-untyped-def]
        """Automatically collect results when test completes"""
        self.collect_test_artifacts(event.test_name)
        self.validate_results(event.result)


# --- "With Plugin System" ---------------------------------------------------------------------
class PluginImplementation:
    def __init__(self, event_manager):  # type: ignore[no-untyped-def]
        self.event_manager = event_manager
        self.target_service = "quic-server"  # undefined in the guide
        self.interactions = 0
        event_manager.register_observer("service.ready", self.on_service_ready)

    def start_interaction(self) -> None:  # undefined in the guide
        self.interactions += 1

    def on_service_ready(self, event):  # type: ignore[no-untyped-def]
        """React to service availability"""
        if event.service_name == self.target_service:
            self.start_interaction()


# --- "Custom Event Types" ---------------------------------------------------------------------
@dataclass
class CustomProtocolEvent:
    """Custom event for protocol-specific notifications"""

    protocol: str
    message_type: str
    payload: dict  # type: ignore[type-arg]
    timestamp: datetime


# --- "Asynchronous Observers" -----------------------------------------------------------------
class AsyncObserver(Observer):
    """Observer with asynchronous event processing"""

    def __init__(self) -> None:
        self.done: list[str] = []

    async def perform_io_operation(self, event: Any) -> None:  # undefined in the guide
        await asyncio.sleep(0)
        self.done.append(event.get_type())

    async def on_event_async(self, event):  # type: ignore[no-untyped-def]
        """Process events asynchronously"""
        await self.perform_io_operation(event)

    def on_event(self, event):  # type: ignore[no-untyped-def]
        """Synchronous wrapper that schedules async processing"""
        asyncio.create_task(self.on_event_async(event))  # noqa: RUF006 - the guide's code


class TestGuideExamples:
    """The guide's usage patterns."""

    def test_registering_observers_and_custom_observer(self) -> None:
        """Registration with wildcards, publishing, and the custom monitoring observer."""
        event_manager = EventManager()
        logger_observer = LoggerObserver()
        custom_observer = CustomMonitoringObserver()
        event_manager.register_observer("test_case.*", logger_observer)
        event_manager.register_observer("test_case.*", custom_observer)
        TestCaseImpl("handshake", event_manager).execute()
        TestCaseImpl("retry", event_manager, fail=True).execute()
        handshake = custom_observer.test_metrics["handshake"]
        assert handshake["status"] == "completed" and handshake["duration"].total_seconds() >= 0
        # An error is not a finish in the guide's vocabulary: "retry" stays running.
        assert custom_observer.test_metrics["retry"]["status"] == "running"
        assert event_manager.get_metrics()["errors"] == 0

    def test_experiment_engine_integration(self, capsys: pytest.CaptureFixture[str]) -> None:
        """run_tests: experiment start, each test case's events, experiment finish."""
        event_manager = EventManager()
        progress = ProgressObserver()
        metrics = MetricsObserver()
        results = ResultCollector()
        for observer in (progress, metrics, results):
            event_manager.register_observer("*", observer)
        test_cases = [TestCaseImpl(n, event_manager) for n in ("a", "b", "c", "d")]

        # The guide's ExperimentManager.run_tests, with its test cases passed in.
        event_manager.publish_event(ExperimentStartedEvent(test_cases=test_cases))
        for test_case in test_cases:
            test_case.execute()  # Emits test case lifecycle events
        event_manager.publish_event(ExperimentFinishedEvent())

        out = capsys.readouterr().out
        assert "Starting experiment with 4 tests" in out
        assert "Progress: 100.0% (4/4)" in out
        assert [m["test_name"] for m in metrics.metrics] == ["a", "b", "c", "d"]
        assert results.artifacts == ["a", "b", "c", "d"]
        assert results.validated == [{"packets": 12}] * 4

    def test_plugin_reacts_to_service_ready(self) -> None:
        """A bound method registered for service.ready receives matching events."""
        event_manager = EventManager()
        plugin = PluginImplementation(event_manager)
        event_manager.publish(ServiceReadyEvent(service_id="s1", service_name="quic-server"))
        event_manager.publish(ServiceReadyEvent(service_id="s2", service_name="other"))
        assert plugin.interactions == 1

    def test_custom_dataclass_event(self) -> None:
        """A @dataclass event reaches '*' observers and its own type."""
        event_manager = EventManager()
        everything = RecordingObserver()
        event_manager.register_observer("*", everything)
        event = CustomProtocolEvent("quic", "initial", {"len": 1200}, datetime.now())
        event_manager.publish_event(event)
        assert everything.events == [event]

    def test_async_observer(self) -> None:
        """The guide's AsyncObserver schedules its work on the running loop."""
        event_manager = EventManager()
        observer = AsyncObserver()
        event_manager.register_observer("*", observer)

        async def main() -> None:
            event_manager.publish_event(TestCaseStartedEvent(test_name="x"))
            await asyncio.sleep(0.01)

        asyncio.run(main())
        assert observer.done == ["test.setup_started"]

    @pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
    @pytest.mark.filterwarnings("ignore:coroutine .* was never awaited:RuntimeWarning")
    def test_async_observer_without_loop_is_isolated(self) -> None:
        # The guide's code builds the coroutine before create_task fails: Python warns.
        """Outside a loop its create_task fails: reported as its failure, not the publisher's."""
        event_manager = EventManager()
        event_manager.register_observer("*", AsyncObserver())
        event_manager.publish_event(TestCaseStartedEvent(test_name="x"))
        metrics = event_manager.get_metrics()
        # It fails on the event; the failure report ('*') is not handed to the observer it is about.
        assert metrics["errors"] == 1
        assert metrics["by_type"]["system.observer_failed"] == 1
