"""What PANTHER's own code relies on: enum members as ``event_type``, and observers that
declare their interest with ``is_interested`` and ``get_priority``."""

from __future__ import annotations

import enum
from typing import Any

import pytest

import panther_events as pe
from panther_events import (
    AssertionEvent,
    AssertionEventType,
    EnvironmentEvent,
    EnvironmentEventType,
    EventManager,
    ExperimentEvent,
    ExperimentEventType,
    MetricsEvent,
    MetricsEventType,
    PluginEvent,
    PluginEventType,
    ServiceEvent,
    ServiceEventType,
    StepEvent,
    StepEventType,
    TestCreatedEvent,
    TestEvent,
    TestFailedEvent,
)


class TestEventTypeMember:
    """Domain events keep the enum member they were built from as ``event_type``."""

    def test_test_event_keeps_its_member(self) -> None:
        """TestEvent(pe.TestEventType.CREATED, "t").event_type is pe.TestEventType.CREATED."""
        assert TestEvent(pe.TestEventType.CREATED, "t").event_type is pe.TestEventType.CREATED

    @pytest.mark.parametrize(
        ("build", "member"),
        [
            (lambda: ServiceEvent(ServiceEventType.READY, "s"), ServiceEventType.READY),
            (
                lambda: ExperimentEvent(ExperimentEventType.INITIALIZED, "x"),
                ExperimentEventType.INITIALIZED,
            ),
            (lambda: StepEvent(StepEventType.PROGRESS, "st"), StepEventType.PROGRESS),
            (
                lambda: PluginEvent(PluginEventType.ENVIRONMENT_READY, "p"),
                PluginEventType.ENVIRONMENT_READY,
            ),
            (
                lambda: EnvironmentEvent(
                    EnvironmentEventType.NETWORK_SETUP_STARTED, "env", "n", "docker_compose"
                ),
                EnvironmentEventType.NETWORK_SETUP_STARTED,
            ),
        ],
    )
    def test_every_domain_base(self, build: Any, member: enum.Enum) -> None:
        """Each domain base gives back its own enum's member."""
        assert build().event_type is member

    def test_concrete_classes_name_their_member(self) -> None:
        """A concrete class's event_type is the member of its name."""
        assert TestCreatedEvent("t", "n").event_type is pe.TestEventType.CREATED
        assert TestFailedEvent("t", "boom").event_type is pe.TestEventType.FAILED

    def test_name_without_a_member_stays_a_string(self) -> None:
        """A name the enum does not list comes back as the plain name."""
        assert TestEvent("custom_phase", "t").event_type == "custom_phase"

    def test_assertion_and_metrics_domains(self) -> None:
        """The assertion and metrics domains too."""
        first = next(iter(AssertionEventType))
        assert AssertionEvent(first, "a").event_type is first
        metric = next(iter(MetricsEventType))
        assert MetricsEvent(metric, "m").event_type is metric

    def test_event_type_is_not_a_data_key(self) -> None:
        """event_type is not written into the event's data or its wire form."""
        event = TestEvent(pe.TestEventType.CREATED, "t")
        assert "event_type" not in event.data
        assert event.to_dict()["type"] == "test.created"


class InterestedObserver:
    """A PANTHER-style observer: no patterns, it says what it wants."""

    def __init__(self, wanted: set[str], priority: int, log: list[str], name: str) -> None:
        self.wanted = wanted
        self.priority = priority
        self.log = log
        self.name = name
        self.asked: list[str] = []

    def is_interested(self, event_type: str) -> bool:
        self.asked.append(event_type)
        return event_type in self.wanted

    def get_priority(self) -> int:
        return self.priority

    def on_event(self, event: Any) -> None:
        self.log.append(f"{self.name}:{event.get_type()}")


class TestDeclaredInterest:
    """Observers registered without patterns are routed by is_interested, ordered by
    get_priority."""

    def test_routed_by_is_interested(self, manager: EventManager) -> None:
        """Only the types it is interested in reach it."""
        log: list[str] = []
        observer = InterestedObserver({"test.created"}, 0, log, "a")
        manager.register_observer(observer)
        manager.publish(TestCreatedEvent("t1", "n"))
        manager.publish(TestFailedEvent("t1", "boom"))
        assert log == ["a:test.created"]

    def test_ordered_by_get_priority(self, manager: EventManager) -> None:
        """Higher get_priority() runs first, whatever the registration order."""
        log: list[str] = []
        wanted = {"test.created"}
        manager.register_observer(InterestedObserver(wanted, 1, log, "low"))
        manager.register_observer(InterestedObserver(wanted, 9, log, "high"))
        manager.publish(TestCreatedEvent("t1", "n"))
        assert log == ["high:test.created", "low:test.created"]

    def test_asked_once_per_type(self, manager: EventManager) -> None:
        """is_interested is asked once per type, even after other registrations."""
        log: list[str] = []
        observer = InterestedObserver({"test.created"}, 0, log, "a")
        manager.register_observer(observer)
        for n in range(3):
            manager.publish(TestCreatedEvent(f"t{n}", "n"))
        manager.register_observer("service.*", lambda e: None)
        manager.publish(TestCreatedEvent("t9", "n"))
        assert observer.asked == ["test.created"]
        assert len(log) == 4

    def test_explicit_patterns_win(self, manager: EventManager) -> None:
        """Registered with patterns, the patterns route it and is_interested is not asked."""
        log: list[str] = []
        observer = InterestedObserver(set(), 0, log, "a")
        manager.register_observer("test.*", observer)
        manager.publish(TestCreatedEvent("t1", "n"))
        assert log == ["a:test.created"] and observer.asked == []

    def test_unregister(self, manager: EventManager) -> None:
        """unregister_observer removes an interest-routed observer."""
        log: list[str] = []
        observer = InterestedObserver({"test.created"}, 0, log, "a")
        manager.register_observer(observer)
        manager.unregister_observer(observer)
        manager.publish(TestCreatedEvent("t1", "n"))
        assert log == []
