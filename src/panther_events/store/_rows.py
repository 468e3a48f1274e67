"""The flat row an event is stored as, built once when it is appended.

A row keeps only what cannot be derived: the type string (``name`` and ``entity_type`` are its
two halves for every event the library builds) and the time in seconds (its ISO text is
rebuilt on reading). The derivable fields are empty strings, in a row and in the database; they
hold a value only when it differs from what would be derived (a plain event object whose type
does not split into its entity type and name, a timestamp with a non-UTC offset), so nothing is
lost, and appends do not pay for formatting dates or storing text twice. (Empty strings rather
than NULL: Python 3.11's ``sqlite3`` binds ``None`` through its adapter lookup, which raises
and clears an AttributeError each time, costing more than the rest of a row's binding.)
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, NamedTuple, cast

from .._canonical import compact_json
from ..events.base import BaseEvent
from ..serialization import check_wire, event_to_dict

__all__ = ["Row", "as_utc", "event_row", "row_from_dict", "row_name", "row_timestamp"]

_new_tuple = tuple.__new__


class Row(NamedTuple):
    """An event flattened for storage.

    ``key`` is ``hash(id)``: what deduplication compares within one process (two different
    ids of a run share it with probability about n^2 / 2^65). ``data`` is JSON text. ``name``,
    ``entity_type`` and ``timestamp`` are empty when they can be derived (see the module
    docstring); ``row_name()`` and ``row_timestamp()`` give the full values.
    """

    key: int
    id: str
    type: str
    entity_id: str
    ts: float
    data: str
    name: str
    entity_type: str
    timestamp: str


def as_utc(moment: datetime) -> datetime:
    """Return ``moment`` with a timezone: naive datetimes are taken to be UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _time_columns(moment: datetime) -> tuple[float, str]:
    """Return ``(seconds, ISO text or "")``: the text only when the seconds cannot give back
    exactly this datetime (an offset other than UTC, or a float rounding)."""
    stamp = as_utc(moment)
    ts = stamp.timestamp()
    try:
        if stamp.tzinfo is UTC and datetime.fromtimestamp(ts, UTC) == stamp:
            return ts, ""
    except (ValueError, OverflowError, OSError):  # the last instants before datetime.max
        pass
    return ts, stamp.isoformat()


def _split_columns(type_: str, name: str, entity_type: str) -> tuple[str, str]:
    head, dot, tail = type_.partition(".")
    if dot and head == entity_type and tail == name:
        return "", ""
    return name, entity_type


def event_row(event: object) -> Row:
    """Flatten any published object (a ``BaseEvent`` or a plain event object) into a ``Row``.

    The data is snapshotted now, so changing the event afterwards does not change what is
    stored.
    """
    # The slot test stands in for isinstance(event, BaseEvent), which is slow against an ABC.
    type_ = getattr(event, "_type", None)
    if type_ is None:
        return row_from_dict(event_to_dict(event))
    base = cast("BaseEvent", event)
    created = base._created
    if created:  # untouched creation time: the seconds are the timestamp
        ts, text = created, ""
    else:
        ts, text = _time_columns(base.timestamp)
    # entity_type is an EventType member (validated); _value_ skips the enum descriptor.
    name, entity_type = _split_columns(type_, base.name, base.entity_type._value_)
    event_id = base.id
    return _new_tuple(
        Row,
        (
            hash(event_id),
            event_id,
            type_,
            base.entity_id,
            ts,
            compact_json(base.data),
            name,
            entity_type,
            text,
        ),
    )


def row_from_dict(wire: object) -> Row:
    """Flatten an event's wire form (as ``event_to_dict`` gives it) into a ``Row``.

    Raises:
        EventValidationError: a key is missing or has the wrong type (see ``check_wire``).
    """
    type_, data, moment = check_wire(wire)
    fields = cast("dict[str, Any]", wire)
    ts, text = _time_columns(moment)
    event_id = str(fields["id"])
    name, entity_type = _split_columns(type_, str(fields["name"]), str(fields["entity_type"]))
    return _new_tuple(
        Row,
        (
            hash(event_id),
            event_id,
            type_,
            str(fields["entity_id"]),
            ts,
            compact_json(data),
            name,
            entity_type,
            text,
        ),
    )


def row_name(type_: str, name: str | None, entity_type: str | None) -> tuple[str, str]:
    """Return ``(name, entity_type)`` of a stored row, deriving them from the type if both
    are empty (neither is ever empty in a stored event: ``check_wire`` refuses that)."""
    if not name and not entity_type:
        head, _, tail = type_.partition(".")
        return tail, head
    return name or "", entity_type or ""


def row_timestamp(ts: float, text: str | None) -> datetime:
    """Return a stored row's timestamp: its ISO text if kept, else ``ts`` as a UTC datetime."""
    return datetime.fromisoformat(text) if text else datetime.fromtimestamp(ts, UTC)
