"""Emit methods declared in one line from their event class (emitters/_declare.py)."""

from __future__ import annotations

import inspect

import pytest

from panther_events import (
    EmitterRegistry,
    EventManager,
    ServiceEventEmitter,
    ServiceStartedEvent,
    TestCreatedEvent,
    TestEventEmitter,
    TestResultEvent,
)
from panther_events.testing import RecordingObserver


class TestDeclaredMethods:
    """What a one-line declaration gives a reader and a caller."""

    def test_bound_method_shows_the_constructor_parameters(self, manager: EventManager) -> None:
        """help() and inspect.signature show the class's parameters, not *args/**kwargs."""
        method = ServiceEventEmitter(manager).emit_service_started
        shown = inspect.signature(method)
        assert shown.parameters == inspect.signature(ServiceStartedEvent).parameters
        assert shown.return_annotation == "ServiceStartedEvent"
        assert method.__name__ == "emit_service_started"
        assert "service.started" in (method.__doc__ or "")

    def test_class_access_returns_the_plain_function(self) -> None:
        """Like a def'd method, class access gives the function with self first."""
        function = ServiceEventEmitter.emit_service_started
        assert list(inspect.signature(function).parameters)[:2] == ["self", "service_id"]
        assert function.__qualname__ == "ServiceEventEmitter.emit_service_started"
        assert function.__module__ == ServiceEventEmitter.__module__

    def test_entity_emitter_fills_its_id_and_hides_it(
        self, manager: EventManager, recorded: RecordingObserver
    ) -> None:
        """A test emitter's methods take every parameter but test_id, which it fills."""
        emitter = TestEventEmitter(manager, "t-7")
        assert "test_id" not in inspect.signature(emitter.emit_test_created).parameters
        created = emitter.emit_test_created("handshake", description="d")
        assert recorded.events == [created]
        assert (created.test_id, created.test_name, created.description) == (
            "t-7",
            "handshake",
            "d",
        )

    def test_name_keyed_class_takes_all_its_parameters(
        self, manager: EventManager, recorded: RecordingObserver
    ) -> None:
        """TestResultEvent is keyed by test name: the bound id is not forced into it."""
        result = TestEventEmitter(manager, "t-7").emit_test_result("r", "handshake", True)
        assert isinstance(result, TestResultEvent)
        assert result.entity_id == "handshake"

    def test_misspelled_keyword_is_a_type_error_naming_it(
        self, manager: EventManager, recorded: RecordingObserver
    ) -> None:
        """At run time a wrong keyword fails as the constructor call would; nothing is emitted."""
        emitter = ServiceEventEmitter(manager)
        with pytest.raises(TypeError, match="service_nam"):
            emitter.emit_service_started("s1", service_nam="quic")  # type: ignore[call-arg]
        assert recorded.events == []


class TestGenericEntryPoints:
    """emit(EventClass, ...) and emit_validated(EventClass, ...) for any event type."""

    def test_emit_builds_any_class_emits_and_returns_it(
        self, manager: EventManager, recorded: RecordingObserver
    ) -> None:
        """emit works for a class of another domain than the emitter's own."""
        emitter = ServiceEventEmitter(manager)
        created = emitter.emit(TestCreatedEvent, "t1", "handshake")
        started = emitter.emit(ServiceStartedEvent, "s1", "quic", pid=7)
        assert recorded.events == [created, started]
        assert (created.test_id, started.pid) == ("t1", 7)

    def test_emit_validated_checks_the_lifecycle(
        self, manager: EventManager, recorded: RecordingObserver
    ) -> None:
        """emit_validated emits a legal event and refuses an impossible one, as the names do."""
        registry = EmitterRegistry(manager)
        assert not registry.emit_validated(ServiceStartedEvent, "s1", "quic")
        assert registry.last_refusal is not None and "'pending'" in registry.last_refusal
        assert registry.emit_service_created_with_validation("s1", "quic", "server", "quic-go")
        assert registry.emit_validated(ServiceStartedEvent, "s1", "quic", pid=7)
        assert recorded.types() == ["service.created", "service.started"]
        assert registry.get_service_state("s1").current_state.value == "running"
