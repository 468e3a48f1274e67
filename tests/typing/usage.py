"""Usage examples that mypy --strict checks and pytest never runs (structlog's tests/typing).

If a public signature changes in a way that breaks ordinary use, this file stops type-checking.
"""

from __future__ import annotations

from typing import Any

from panther_events import (
    BaseEvent,
    EmitterRegistry,
    EventManager,
    EventType,
    GenericEvent,
    LoggerObserver,
    Observer,
    ServiceEventEmitter,
    ServiceReadyEvent,
    TestCaseFinishedEvent,
    TestCreatedEvent,
    TestEventEmitter,
    event_from_json,
    event_to_json,
)
from panther_events.testing import capture_events


class Durations(Observer):
    def on_test_created(self, event: TestCreatedEvent) -> None:
        name: str = event.test_name
        print(name, event.timestamp.isoformat())


def typed_usage() -> None:
    manager: EventManager = EventManager(dedup_window=100, history_limit=0)
    manager.register_observer("test.*", Durations(), priority=5)
    manager.register_observer(LoggerObserver(), ["service.*", "test_case.*"])
    manager.register_observer("*", print, background=True, queue_size=100, overflow="drop_oldest")
    event: BaseEvent = ServiceReadyEvent(service_id="s1", service_name="quic")
    manager.publish(event)
    manager.publish_event(TestCaseFinishedEvent("handshake", success=False))
    manager.notify(GenericEvent("moved", EventType.SYSTEM, "robot-1", {"x": 1}))
    event_type: str = event.get_type()
    back: BaseEvent = event_from_json(event_to_json(event))
    history: list[Any] = manager.get_event_history("service.*", limit=10)
    metrics: dict[str, Any] = manager.get_metrics()
    with capture_events(manager) as events:
        manager.publish(TestCreatedEvent(test_id="t1", test_name="n"))
    types: list[str] = events.types()
    print(event_type, back, history, metrics, types)
    manager.close()


def emitter_usage(manager: EventManager) -> None:
    service = ServiceEventEmitter(manager)
    ready: ServiceReadyEvent = service.emit_service_ready("s1", "quic", readiness_checks=["tcp"])
    again: ServiceReadyEvent = service.emit(ServiceReadyEvent, "s1", service_name="quic")
    created: TestCreatedEvent = TestEventEmitter(manager, "t1").emit_test_created("handshake")
    registry = EmitterRegistry(manager)
    ok: bool = registry.emit_service_ready_with_validation("s1", "quic")
    ok = registry.emit_validated(ServiceReadyEvent, "s1", "quic") and ok
    ok = registry.emit_test_started_with_validation("t1", "handshake") and ok
    print(ready, again, created, ok, registry.get_emitter("service").emit_service_error)
