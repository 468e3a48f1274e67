"""The wire form of events, shared by everything that stores or sends them.

``event_to_dict`` gives the spec's seven keys (id, name, type, entity_type, entity_id,
timestamp, data) for any published object; ``event_from_dict`` rebuilds the registered concrete
class for the type, keeping id, timestamp and data exactly, without re-running its constructor.
A type with no registered class comes back as a ``GenericEvent`` rather than an error, so a store
written by a newer version can still be read.
"""

from __future__ import annotations

import dataclasses
import json
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, cast

from ._canonical import compact_json, create_content_based_uuid, jsonable
from ._naming import type_of
from .events._wire import create_event_signature, event_type_of, restore_event, wire_form
from .events.base import BaseEvent, EventType, GenericEvent, event_class_for
from .exceptions import EventValidationError

__all__ = [
    "WIRE_KEYS",
    "check_wire",
    "event_from_dict",
    "event_from_json",
    "event_to_dict",
    "event_to_json",
]

#: The keys of the wire form, in order.
WIRE_KEYS = ("id", "name", "type", "entity_type", "entity_id", "timestamp", "data")
_WIRE_KEY_SET = frozenset(WIRE_KEYS)
_ENTITY_TYPES = {e.value: e for e in EventType}


def _plain_object_dict(obj: object) -> dict[str, Any]:
    """Wire form of an object that is not a BaseEvent (the guide's ``@dataclass`` events)."""
    event_type = type_of(obj)
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        data = dataclasses.asdict(obj)
    else:
        data = {k: v for k, v in getattr(obj, "__dict__", {}).items() if not k.startswith("_")}
    timestamp = data.pop("timestamp", None)
    # An object's own time is part of its id: two observations of equal content at two times
    # are two events (plain objects are never deduplicated), the same object written twice one.
    own = {"timestamp": timestamp} if isinstance(timestamp, datetime) else {}
    if not own:
        timestamp = datetime.now(UTC)
    head = event_type.split(".", 1)[0]
    entity_type = head if head in _ENTITY_TYPES else EventType.SYSTEM.value
    name = (
        event_type.split(".", 1)[1] if head in _ENTITY_TYPES and "." in event_type else event_type
    )
    entity_id = str(getattr(obj, "entity_id", None) or event_type)
    return {
        "id": str(
            getattr(obj, "id", None) or _plain_id(name, entity_type, entity_id, {**data, **own})
        ),
        "name": name,
        "type": event_type,
        "entity_type": entity_type,
        "entity_id": entity_id,
        "timestamp": timestamp.isoformat(),
        "data": jsonable(data),
    }


def _plain_id(name: str, entity_type: str, entity_id: str, data: dict[str, Any]) -> str:
    """The content id of a plain event object, or a random one when its data has no exact
    encoding (plain objects are never deduplicated, so the id only has to be unique)."""
    try:
        return create_content_based_uuid(create_event_signature(name, entity_type, entity_id, data))
    except EventValidationError:
        return str(uuid.uuid4())


def event_to_dict(event: object) -> dict[str, Any]:
    """Return the wire form of any published object; the result always passes ``json.dumps``."""
    if isinstance(event, BaseEvent):
        return event.to_dict()
    return _plain_object_dict(event)


def event_to_json(event: object) -> str:
    """Return the wire form as compact JSON text (non-ASCII kept)."""
    return _wire_json(event)[2]


def _wire_json(event: object) -> tuple[str, str, str]:
    """Return the event's ``(id, type, event_to_json text)``, each computed once."""
    if event_type_of(event) is None:
        wire = event_to_dict(event)
        return wire["id"], wire["type"], compact_json(wire)
    wire = wire_form(cast("BaseEvent", event))
    # The data as it is: compact_json() converts it as to_dict() would only if it must.
    return wire["id"], wire["type"], compact_json(wire)


def check_wire(payload: object) -> tuple[str, Mapping[str, Any], datetime]:
    """Check an event's wire form; return its type, data (``{}`` for null) and timestamp.

    Raises:
        EventValidationError: when a key is missing or has the wrong type; the message names it.
    """
    # Exact-type tests first: isinstance against the Mapping ABC costs more than the rest.
    if type(payload) is not dict and not isinstance(payload, Mapping):
        raise EventValidationError(
            f"an event's wire form must be a mapping, got {type(payload).__name__}"
        )
    if not payload.keys() >= _WIRE_KEY_SET:
        missing = [k for k in WIRE_KEYS if k not in payload]
        raise EventValidationError(
            f"event dict is missing {missing}; expected keys {list(WIRE_KEYS)}"
        )
    event_type = payload["type"]
    if not event_type or not isinstance(event_type, str):
        raise EventValidationError(f"event 'type' must be a non-empty string, got {event_type!r}")
    for key in ("name", "entity_type", "entity_id", "id"):
        value = payload[key]
        if value is None or value == "":
            raise EventValidationError(f"event {key!r} must be non-empty, got {value!r}")
    data = payload["data"]
    if data is None:
        data = {}
    elif type(data) is not dict and not isinstance(data, Mapping):
        raise EventValidationError(f"event 'data' must be an object, got {type(data).__name__}")
    raw_ts = payload["timestamp"]
    try:
        timestamp = raw_ts if isinstance(raw_ts, datetime) else datetime.fromisoformat(raw_ts)
    except (TypeError, ValueError) as exc:
        raise EventValidationError(
            f"event 'timestamp' must be ISO 8601 text, got {raw_ts!r}"
        ) from exc
    return event_type, data, timestamp


def event_from_dict(payload: Mapping[str, Any]) -> BaseEvent:
    """Rebuild an event from its wire form.

    The concrete class registered for ``payload["type"]`` is instantiated without calling its
    constructor, and id, name, entity, timestamp and data are restored as stored; the content
    signature is recomputed from the data when first read.

    Raises:
        EventValidationError: when a key is missing or has the wrong type; the message names it.
    """
    event_type, data, timestamp = check_wire(payload)
    return restore_event(
        event_class_for(event_type) or GenericEvent,
        event_id=str(payload["id"]),
        event_type=event_type,
        name=str(payload["name"]),
        entity_type=_ENTITY_TYPES.get(str(payload["entity_type"]), EventType.SYSTEM),
        entity_id=str(payload["entity_id"]),
        timestamp=timestamp,
        data=dict(data),
    )


def event_from_json(text: str | bytes) -> BaseEvent:
    """Rebuild an event from ``event_to_json`` text."""
    try:
        payload = json.loads(text)
    except ValueError as exc:
        raise EventValidationError(f"not valid event JSON: {exc}") from exc
    return event_from_dict(payload)
