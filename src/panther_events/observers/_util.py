"""Reading any published object the same way: its type, entity, time and data."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from .._naming import type_of
from ..events.base import BaseEvent
from ..serialization import event_to_dict

__all__ = ["EventView", "view"]


class EventView:
    """The four things observers read from an event, for BaseEvents and plain objects alike."""

    __slots__ = ("data", "entity_id", "timestamp", "type")

    def __init__(self, type_: str, entity_id: str, timestamp: datetime, data: dict[str, Any]):
        self.type = type_
        self.entity_id = entity_id
        self.timestamp = timestamp if timestamp.tzinfo else timestamp.replace(tzinfo=UTC)
        self.data = data

    def get(self, key: str, default: Any = None) -> Any:
        """Return ``data[key]``, or ``default`` when it is missing or None."""
        value = self.data.get(key)
        return default if value is None else value


def view(event: object) -> EventView:
    """Return an ``EventView`` of any published object."""
    if isinstance(event, BaseEvent):
        return EventView(event.get_type(), event.entity_id, event.timestamp, event.data)
    wire = event_to_dict(event)
    return EventView(
        type_of(event),
        str(wire["entity_id"]),
        datetime.fromisoformat(wire["timestamp"]),
        dict(wire["data"]),
    )
