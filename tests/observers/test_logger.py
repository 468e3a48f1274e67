"""LoggerObserver: one line per event, level by severity, JSON lines, no logging setup."""

from __future__ import annotations

import json
import logging

import pytest

from panther_events import (
    CounterMetricEvent,
    EventManager,
    LoggerObserver,
    ServiceHealthCheckFailedEvent,
    TestCreatedEvent,
    TestFailedEvent,
)
from panther_events.observers.logger import level_for


class TestLoggerObserver:
    """Logging events."""

    def test_one_readable_line(self, caplog: pytest.LogCaptureFixture) -> None:
        """A line names the type, the entity and the non-empty data."""
        manager = EventManager()
        manager.register_observer("*", LoggerObserver())
        with caplog.at_level(logging.DEBUG, "panther_events"):
            manager.publish(TestCreatedEvent("t1", "handshake"))
        (record,) = caplog.records
        assert record.getMessage() == "test.created test=t1 test_name=handshake"
        assert record.levelno == logging.INFO

    @pytest.mark.parametrize(
        ("event_type", "level"),
        [
            ("test.failed", logging.ERROR),
            ("service.error", logging.ERROR),
            ("test.execution_failed", logging.ERROR),
            ("service.health_check_failed", logging.WARNING),
            ("experiment.finished_early", logging.WARNING),
            ("metrics.counter", logging.DEBUG),
            ("test.created", logging.INFO),
            ("system.observer_failed", logging.ERROR),
        ],
    )
    def test_levels(self, event_type: str, level: int) -> None:
        """Failures and errors log at WARNING/ERROR, metrics at DEBUG."""
        assert level_for(event_type) == level

    def test_json_lines(self, caplog: pytest.LogCaptureFixture) -> None:
        """json_lines=True logs the wire form."""
        manager = EventManager()
        manager.register_observer("*", LoggerObserver(json_lines=True))
        event = ServiceHealthCheckFailedEvent("s1", "quic", "tcp", "refused")
        with caplog.at_level(logging.DEBUG, "panther_events"):
            manager.publish(event)
        payload = json.loads(caplog.records[0].getMessage())
        assert payload["id"] == event.id and payload["type"] == "service.health_check_failed"
        assert caplog.records[0].levelno == logging.WARNING

    def test_disabled_levels_are_not_formatted(self) -> None:
        """Nothing is formatted when the level is disabled."""
        logger = logging.getLogger("panther_events.test.quiet")
        logger.setLevel(logging.ERROR)
        observer = LoggerObserver(logger)
        calls = []
        observer.format = lambda e: calls.append(e) or ""  # type: ignore[method-assign]
        observer.on_event(CounterMetricEvent("requests", 1))
        observer.on_event(TestFailedEvent("t1"))
        assert len(calls) == 1

    def test_does_not_configure_logging(self) -> None:
        """Creating and using the observer adds no handler anywhere."""
        root_handlers = list(logging.getLogger().handlers)
        ours = logging.getLogger("panther_events")
        own_handlers = list(ours.handlers)
        LoggerObserver().on_event(TestCreatedEvent("t1", "n"))
        assert logging.getLogger().handlers == root_handlers and ours.handlers == own_handlers
