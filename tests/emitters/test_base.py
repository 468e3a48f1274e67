"""EventEmitterBase, EntityEventEmitterBase and EventEmitter."""

from __future__ import annotations

import pytest

from panther_events import (
    EntityEventEmitterBase,
    EventEmitter,
    EventEmitterBase,
    EventManager,
    ExperimentInitializedEvent,
    ServiceCreatedEvent,
    TestCreatedEvent,
    TestResultEvent,
)
from panther_events.emitters.base import id_parameter
from panther_events.testing import RecordingObserver


class Plain(EventEmitterBase):
    """A concrete emitter with no methods of its own."""


class Bound(EntityEventEmitterBase):
    """A concrete entity emitter."""


class TestEventEmitterBase:
    """Building and emitting from keyword arguments."""

    def test_emit_event_calls_notify(
        self, manager: EventManager, recorded: RecordingObserver
    ) -> None:
        """_emit_event hands the event to event_manager.notify."""
        emitter = Plain(manager)
        event = ExperimentInitializedEvent("exp-1")
        emitter._emit_event(event)
        assert recorded.events == [event]

    def test_entity_id_is_injected_into_the_class_id_parameter(
        self, manager: EventManager, recorded: RecordingObserver
    ) -> None:
        """experiment_id / service_id are filled from entity_id when not given."""
        emitter = Plain(manager, entity_id="e-7")
        emitter._create_and_emit_event(ExperimentInitializedEvent, config={"a": 1})
        emitter._create_and_emit_event(
            ServiceCreatedEvent, service_name="n", service_type="t", implementation="i"
        )
        first, second = recorded.events
        assert type(first) is ExperimentInitializedEvent
        assert first.experiment_id == "e-7"
        assert first.config == {"a": 1}
        assert type(second) is ServiceCreatedEvent
        assert second.service_id == "e-7"

    def test_explicit_id_wins(self, manager: EventManager, recorded: RecordingObserver) -> None:
        """An id passed explicitly is not replaced."""
        Plain(manager, entity_id="default")._create_and_emit_event(
            ExperimentInitializedEvent, experiment_id="mine"
        )
        assert recorded.events[0].entity_id == "mine"

    def test_missing_required_fields_are_all_named(self, manager: EventManager) -> None:
        """The ValueError lists every missing required field, not just the first."""
        with pytest.raises(ValueError) as info:
            Plain(manager)._create_and_emit_event(ServiceCreatedEvent, service_name=None)
        message = str(info.value)
        assert "ServiceCreatedEvent" in message
        for field in ("service_id", "service_name", "service_type", "implementation"):
            assert field in message

    def test_unknown_keyword_is_named(self, manager: EventManager) -> None:
        """A keyword the class does not take is reported with the valid ones."""
        with pytest.raises(ValueError, match=r"'colour'.*experiment_id"):
            Plain(manager, "e")._create_and_emit_event(ExperimentInitializedEvent, colour="red")

    def test_validate_required_fields(self, manager: EventManager) -> None:
        """None values are refused, all named; present ones pass."""
        emitter = Plain(manager)
        emitter._validate_required_fields(a=1, b="x")
        with pytest.raises(ValueError, match="missing required fields: a, c"):
            emitter._validate_required_fields(a=None, b=2, c=None)

    def test_id_parameter(self) -> None:
        """The id parameter comes from ID_FIELD; name-keyed classes have none."""
        assert id_parameter(ServiceCreatedEvent) == "service_id"
        assert id_parameter(ExperimentInitializedEvent) == "experiment_id"
        assert id_parameter(TestResultEvent) is None

    def test_any_object_with_notify_works(self) -> None:
        """Emitters only need notify(), so a plain sink can stand in for a manager."""
        sink: list[object] = []

        class Sink:
            def notify(self, event: object) -> None:
                sink.append(event)

        Plain(Sink(), "e")._create_and_emit_event(ExperimentInitializedEvent)
        assert len(sink) == 1


class TestEntityEventEmitterBase:
    """Emitters bound to one entity."""

    def test_entity_id_field_is_always_set(
        self, manager: EventManager, recorded: RecordingObserver
    ) -> None:
        """<entity_type>_id is filled from the bound entity."""
        emitter = Bound(manager, "t-1", "test")
        assert emitter.entity_type == "test"
        emitter._create_and_emit_entity_event(TestCreatedEvent, test_name="handshake")
        assert recorded.events[0].test_id == "t-1"

    def test_name_keyed_classes_are_built_as_given(
        self, manager: EventManager, recorded: RecordingObserver
    ) -> None:
        """A class without <entity_type>_id is built from the given kwargs."""
        Bound(manager, "t-1", "test")._create_and_emit_entity_event(
            TestResultEvent, name="r", test_name="handshake", result=True
        )
        assert recorded.events[0].entity_id == "handshake"

    def test_empty_identity_is_refused(self, manager: EventManager) -> None:
        """An entity emitter needs an id and a type."""
        with pytest.raises(ValueError, match="entity_id"):
            Bound(manager, "", "test")
        with pytest.raises(ValueError, match="entity_type"):
            Bound(manager, "t", "")


class TestEventEmitter:
    """The simple emitter."""

    def test_defaults_to_the_process_wide_manager(self) -> None:
        """Without a manager it publishes on EventManager.get_instance()."""
        emitter = EventEmitter()
        assert emitter.event_manager is EventManager.get_instance()
        recorder = RecordingObserver()
        EventManager.get_instance().register_observer(recorder)
        emitter.emit_event(ExperimentInitializedEvent("e"))
        assert recorder.types() == ["experiment.initialized"]

    def test_uses_the_given_manager(
        self, manager: EventManager, recorded: RecordingObserver
    ) -> None:
        """emit_event publishes on the manager it was given."""
        EventEmitter(manager).emit_event(ExperimentInitializedEvent("e"))
        assert recorded.types() == ["experiment.initialized"]
