"""StateTrackingObserver: entity machines follow published events; violations are reported."""

from __future__ import annotations

import logging
import threading

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from panther_events import (
    EventManager,
    InvalidTransitionError,
    ServiceEventEmitter,
    ServiceState,
    StateTrackingObserver,
    StateViolation,
    StepExecutionCompletedEvent,
    StepExecutionStartedEvent,
    TestCreatedEvent,
    TestStepStartedEvent,
)
from panther_events.events.base import registered_event_types
from panther_events.states import EVENT_TRANSITIONS, PHASE_EVENTS, derive_states
from panther_events.testing import RecordingObserver

from ..emitters._samples import sample_event

TRACKING_LOGGER = "panther_events.observers.state_tracking"
CLASSES = registered_event_types()


def tracked(**options: object) -> tuple[EventManager, StateTrackingObserver]:
    """A manager with a tracker registered for every event."""
    manager = EventManager(dedup=False)
    tracker = StateTrackingObserver(**options)  # type: ignore[arg-type]
    manager.register_observer(tracker)
    return manager, tracker


def publish(manager: EventManager, event_type: str, entity_id: str) -> None:
    """Publish a sample event of ``event_type`` about ``entity_id``."""
    manager.publish(sample_event(CLASSES[event_type], entity_id))


class TestStateTrackingObserver:
    """Following lifecycles from events, whoever publishes them."""

    def test_follows_events_from_a_plain_emitter(self) -> None:
        """Events from a bare emitter (no registry) move the tracked machines."""
        manager, tracker = tracked()
        emitter = ServiceEventEmitter(manager)
        emitter.emit_service_created("s1", "srv", "server", "quic")
        emitter.emit_service_deployment_started("s1", "srv", "local")
        emitter.emit_service_deployment_completed("s1", "srv", "local")
        emitter.emit_service_health_check_failed("s1", "srv", "tcp", "refused")
        assert tracker.get_state("service", "s1") is ServiceState.DEPLOYED
        assert tracker.states() == {("service", "s1"): "deployed"}
        machine = tracker.get_machine("service", "s1")
        assert machine is not None
        assert [t.trigger for t in machine.get_state_history()] == [
            "service.created",
            "service.deployment_started",
            "service.deployment_completed",
        ]
        assert tracker.violations == []

    def test_impossible_sequence_is_recorded_and_logged(
        self, caplog: pytest.LogCaptureFixture
    ) -> None:
        """A completed step that never started is a violation; the machine stays put."""
        manager, tracker = tracked()
        event = StepExecutionCompletedEvent("st1", "send")
        with caplog.at_level(logging.WARNING, TRACKING_LOGGER):
            manager.publish(event)
        (violation,) = tracker.violations
        assert violation == StateViolation(
            event_type="step.execution_completed",
            event_id=event.id,
            kind="step",
            entity_id="st1",
            state="pending",
            target="completed",
            reason=violation.reason,
        )
        assert "'pending'" in violation.reason
        assert "['failed', 'running', 'skipped', 'unsupported']" in violation.reason
        assert tracker.states() == {("step", "st1"): "pending"}
        (record,) = caplog.records
        assert record.levelno == logging.WARNING
        assert "step.execution_completed" in record.getMessage()

    def test_phase_event_outside_its_phase(self) -> None:
        """A test step started while the test is only created is reported."""
        manager, tracker = tracked()
        manager.publish(TestCreatedEvent("t1", "handshake"))
        manager.publish(TestStepStartedEvent("t1", "send"))
        (violation,) = tracker.violations
        assert (violation.kind, violation.state, violation.target) == ("test", "created", None)
        assert "['executing']" in violation.reason

    def test_stateless_and_foreign_events_are_ignored(self) -> None:
        """Metrics, build details and plain objects change nothing."""
        manager, tracker = tracked()
        publish(manager, "metrics.timing", "op")
        publish(manager, "service.docker_build_started", "s1")
        tracker.on_event(object())
        assert tracker.states() == {}
        assert tracker.violations == []

    def test_strict_mode_raises_through_the_manager(self) -> None:
        """Strict mode raises InvalidTransitionError; the manager reports it, never the caller."""
        manager, tracker = tracked(strict=True)
        recorder = RecordingObserver()
        manager.register_observer("system.*", recorder)
        manager.publish(StepExecutionCompletedEvent("st1", "send"))  # does not raise here
        assert tracker.violation_count == 1
        (failure,) = recorder.events
        assert failure.get_type() == "system.observer_failed"
        assert failure.error_type == "InvalidTransitionError"
        with pytest.raises(InvalidTransitionError, match="step st2"):
            tracker.on_event(StepExecutionCompletedEvent("st2", "send"))
        with pytest.raises(InvalidTransitionError, match=r"\['running'\]"):
            tracker.on_event(CLASSES["step.progress"]("st3", "send"))

    def test_forget_terminal(self) -> None:
        """With forget_terminal a finished entity's machine is dropped."""
        manager, tracker = tracked(forget_terminal=True)
        manager.publish(StepExecutionStartedEvent("st1", "send"))
        assert tracker.get_state("step", "st1") is not None
        manager.publish(StepExecutionCompletedEvent("st1", "send"))
        assert tracker.get_machine("step", "st1") is None
        assert tracker.states() == {}

    def test_max_violations_keeps_the_newest(self) -> None:
        """Violations beyond the cap drop the oldest; the count keeps them all."""
        manager, tracker = tracked(max_violations=2)
        for i in range(5):
            manager.publish(StepExecutionCompletedEvent(f"st{i}", "send"))
        assert tracker.violation_count == 5
        assert [v.entity_id for v in tracker.violations] == ["st3", "st4"]
        _, none_kept = tracked(max_violations=0)
        none_kept.on_event(StepExecutionCompletedEvent("x", "send"))
        assert (none_kept.violations, none_kept.violation_count) == ([], 1)
        with pytest.raises(ValueError, match="max_violations"):
            StateTrackingObserver(max_violations=-1)

    def test_forget_and_clear(self) -> None:
        """forget drops one entity, clear drops everything."""
        manager, tracker = tracked()
        manager.publish(StepExecutionStartedEvent("st1", "send"))
        manager.publish(StepExecutionStartedEvent("st2", "send"))
        manager.publish(StepExecutionCompletedEvent("st9", "send"))
        tracker.forget("step", "st1")
        tracker.forget("step", "absent")
        assert set(tracker.states()) == {("step", "st2"), ("step", "st9")}
        assert "violations=1" in repr(tracker)
        tracker.clear()
        assert (tracker.states(), tracker.violations, tracker.violation_count) == ({}, [], 0)

    def test_attach_registers_for_lifecycle_domains_only(self) -> None:
        """attach() subscribes to the seven lifecycle domains, not metrics or system."""
        manager = EventManager()
        tracker = StateTrackingObserver().attach(manager)
        assert set(StateTrackingObserver.PATTERNS) == {
            "experiment",
            "test",
            "service",
            "environment",
            "plugin",
            "step",
            "assertion",
        }
        manager.publish(StepExecutionStartedEvent("st1", "send"))
        assert tracker.states() == {("step", "st1"): "running"}
        assert tracker in manager.get_observers("step.execution_started")
        assert tracker not in manager.get_observers("metrics.timing")

    def test_concurrent_publishers(self) -> None:
        """Entities published from several threads each end in the right state."""
        manager, tracker = tracked()

        def run(worker: int) -> None:
            for i in range(200):
                step_id = f"w{worker}-{i}"
                manager.publish(StepExecutionStartedEvent(step_id, "s"))
                manager.publish(StepExecutionCompletedEvent(step_id, "s"))

        threads = [threading.Thread(target=run, args=(w,)) for w in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        states = tracker.states()
        assert len(states) == 800
        assert set(states.values()) == {"completed"}
        assert tracker.violations == []


LIFECYCLE = sorted([*EVENT_TRANSITIONS, *PHASE_EVENTS])


class TestTrackerProperties:
    """The tracker agrees with a replay of the same events."""

    @settings(max_examples=150, deadline=None)
    @given(
        st.lists(st.tuples(st.sampled_from(LIFECYCLE), st.sampled_from(["a", "b"])), max_size=50)
    )
    def test_tracker_equals_replay(self, sequence: list[tuple[str, str]]) -> None:
        """Whatever is published, the tracker's states equal derive_states of the events."""
        manager, tracker = tracked()
        events = [sample_event(CLASSES[t], entity_id) for t, entity_id in sequence]
        for event in events:
            manager.publish(event)
        derived = derive_states(events)
        assert {k: v for k, v in tracker.states().items() if k in derived} == derived
        for key, state in tracker.states().items():
            if key not in derived:
                assert state == "pending"  # only phase events named it
        manager.close()
