"""System events: what the event machinery itself reports, such as an observer that failed."""

from __future__ import annotations

from typing import Any, ClassVar

from .base import BaseEvent, EventType

__all__ = ["ObserverFailedEvent", "SystemEvent"]


class SystemEvent(BaseEvent):
    """Base class for events about panther-events itself; the entity id is a component name."""

    __slots__ = ()
    ID_FIELD: ClassVar[str] = "component"

    def __init__(self, name: str, component: str, data: dict[str, Any] | None = None) -> None:
        super().__init__(name, EventType.SYSTEM, component, data)


class ObserverFailedEvent(SystemEvent):
    """``system.observer_failed``: an observer raised while handling an event.

    Published by the EventManager after it has logged the failure. If an observer of this event
    fails in turn, that failure is logged and counted but not published again (no loop).
    """

    __slots__ = ()
    EVENT_TYPE: ClassVar[str] = "system.observer_failed"

    def __init__(
        self,
        observer: str,
        event_type: str,
        event_id: str,
        error_type: str,
        error_message: str,
        traceback: str | None = None,
    ) -> None:
        super().__init__(
            "observer_failed",
            observer,
            {
                "observer": observer,
                "event_type": event_type,
                "event_id": event_id,
                "error_type": error_type,
                "error_message": error_message,
                "traceback": traceback,
            },
        )
