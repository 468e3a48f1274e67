"""An event's content signature and its wire form: the one place that reads and writes them.

The manager, ``serialization``, the store and the transports use these helpers instead of
``BaseEvent``'s private slots, so the layout of an event can change in this package alone.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, NamedTuple

from .._canonical import KeyPlan, canonical_data
from . import base  # base imports this module too: its names are read at call time

if TYPE_CHECKING:
    from .base import BaseEvent, EventType

__all__ = [
    "WireParts",
    "admitted_type",
    "create_event_signature",
    "event_type_of",
    "restore_event",
    "wire_form",
    "wire_parts",
]


def create_event_signature(
    name: str,
    entity_type: str,
    entity_id: str,
    data: Mapping[str, Any] | None = None,
    plan: KeyPlan | None = None,
) -> str:
    """Create the deterministic signature used for duplicate detection.

    Returns ``"{entity_type}:{name}:{entity_id}:{canonical data}"``; timestamps are excluded so
    that identical events created at different moments have the same signature. An event's
    content id is the UUID5 of this text. ``plan`` is passed on to ``canonical_data``.

    Raises:
        EventValidationError: the data holds a value with no exact encoding.
    """
    return f"{entity_type}:{name}:{entity_id}:{canonical_data(data, plan)}"


def event_type_of(event: object) -> str | None:
    """Return the type string of a ``BaseEvent``, or None for any other object.

    Cheaper than ``isinstance(event, BaseEvent)``, which is slow against an ABC; a plain
    object with a ``_type`` attribute of its own is still a plain object.
    """
    if type(event) in base.KINDS:
        return getattr(event, "_type", None)
    return None


def admitted_type(event: Any) -> str | None:
    """What publishing needs to know of an event before routing it, read at once.

    Returns:
        The type string of a ``BaseEvent`` that passes ``validate()`` (the base rule is
        checked here, without a method call, unless its class overrides ``validate``); ``""``
        for one that fails it; None for an object that is not a ``BaseEvent`` (even one with
        attributes of the same names).
    """
    try:
        event_type: str = event._type
        custom = event._custom_validate
    except AttributeError:
        return None
    if custom is False:
        # BaseEvent.validate(), inlined: name, entity id and timestamp (has_timestamp()) set.
        if event.name and event.entity_id and (event._created or event._timestamp is not None):
            return event_type
        return ""
    if custom is True:
        return event_type if event.validate() else ""
    # An object that answers any attribute (a mock): a plain object. Telling events apart
    # by their bool flag is cheaper than ``type(event) in base.KINDS`` on every publish.
    return None


class WireParts(NamedTuple):
    """The fields of an event's wire form, as the event holds them.

    ``created`` is the creation time in seconds since the epoch, or 0.0 when the timestamp
    was given (or read back) as a datetime: ``timestamp`` then holds it. Building a datetime
    costs more than the rest of an event, so a consumer that only needs seconds reads
    ``created`` first. ``data`` is the event's own dict (not a copy, not converted).
    """

    id: str
    type: str
    name: str
    entity_type: str
    entity_id: str
    created: float
    timestamp: datetime | None
    data: dict[str, Any]

    def moment(self) -> datetime:
        """The timestamp as a datetime (built from ``created`` when needed)."""
        if self.timestamp is not None:
            return self.timestamp
        return datetime.fromtimestamp(self.created, UTC)


def wire_parts(event: BaseEvent) -> WireParts:
    """Return the fields of ``event``'s wire form without converting anything."""
    created = event._created
    return WireParts(
        event.id,
        event._type,
        event.name,
        event.entity_type._value_,
        event.entity_id,
        created,
        None if created else event.timestamp,
        event.data,
    )


def wire_form(event: BaseEvent) -> dict[str, Any]:
    """Return the seven keys of the wire form; ``data`` is the event's own dict, unconverted
    (``BaseEvent.to_dict`` converts it to JSON-native values)."""
    return {
        "id": event.id,
        "name": event.name,
        "type": event._type,
        "entity_type": event.entity_type._value_,
        "entity_id": event.entity_id,
        "timestamp": event.timestamp.isoformat(),
        "data": event.data,
    }


def restore_event(
    cls: type[BaseEvent],
    *,
    event_id: str,
    event_type: str,
    name: str,
    entity_type: EventType,
    entity_id: str,
    timestamp: datetime,
    data: dict[str, Any],
) -> BaseEvent:
    """Rebuild an event of ``cls`` from wire fields, without running its constructor.

    Id, type, entity, timestamp and data are kept exactly as given; the content signature
    is computed from the data when first read (many consumers never ask for it).
    """
    event = cls.__new__(cls)
    event.name = name
    event.entity_type = entity_type
    event.entity_id = entity_id
    event.timestamp = timestamp
    event.data = data
    base.expose_data_keys(cls, data)
    event._type = event_type
    event._use_content_uuid = cls.CONTENT_IDS
    event._signature = ""  # "" is no signature: content_signature computes it on first read
    event.id = event_id
    return event
