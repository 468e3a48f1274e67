"""The flat row an event is stored as, built once when it is appended.

Every column holds what its name says: ``name`` and ``entity_type`` as the event has them,
``timestamp`` its ISO 8601 text as published, and ``ts`` the same instant in seconds for range
queries. Building a row is also where untrusted data is refused: data that cannot be encoded
as JSON (nested too deep, an integer of thousands of digits) raises ``EventValidationError``,
never a bare ``RecursionError`` or ``ValueError``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any, NamedTuple, cast

from .._canonical import compact_json
from ..events._wire import wire_parts
from ..events.base import BaseEvent
from ..exceptions import EventValidationError
from ..serialization import check_wire, event_to_dict
from ._values import StoredEvent, WireReject

__all__ = [
    "Row",
    "as_utc",
    "encode_data",
    "event_row",
    "posix_bounds",
    "row_from_dict",
    "row_timestamp",
    "stored_event",
    "wire_rows",
]

_new_tuple = tuple.__new__
_fromtimestamp = datetime.fromtimestamp
# What encoding untrusted data can raise besides a clean result: depth (RecursionError), an
# int too long for str() (ValueError), a value that refuses conversion (TypeError, Overflow).
_ENCODING_ERRORS = (RecursionError, ValueError, TypeError, OverflowError)


class Row(NamedTuple):
    """An event flattened for storage: the columns of the ``events`` table, in order.

    ``data`` is JSON text; ``timestamp`` the ISO text as published and ``ts`` the same
    instant in seconds since the epoch.
    """

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


def posix_bounds(
    since: datetime | None, until: datetime | None
) -> tuple[float | None, float | None]:
    """A query's ``since`` and ``until`` as POSIX timestamps (None where not given)."""
    return (
        None if since is None else as_utc(since).timestamp(),
        None if until is None else as_utc(until).timestamp(),
    )


def encode_data(data: Any, event_id: object) -> str:
    """Return ``data`` as compact JSON text.

    Raises:
        EventValidationError: the data cannot be encoded (nested too deep, an integer of more
            digits than Python converts, a value that refuses conversion); names the event.
    """
    try:
        return compact_json(data)
    except _ENCODING_ERRORS as exc:
        reason = "nested too deeply" if isinstance(exc, RecursionError) else str(exc)
        raise EventValidationError(
            f"event {_short(event_id)}: its data cannot be stored as JSON ({reason}); "
            "store plain JSON data (bounded depth, numbers of at most 4,300 digits)"
        ) from None


def _short(value: object) -> str:
    try:
        text = repr(value)
    except _ENCODING_ERRORS:
        text = f"<{type(value).__name__}>"
    return text if len(text) <= 80 else text[:77] + "..."


def event_row(event: object) -> Row:
    """Flatten any published object (a ``BaseEvent`` or a plain event object) into a ``Row``.

    The data is snapshotted now, so changing the event afterwards does not change what is
    stored.

    Raises:
        EventValidationError: the event's data cannot be stored (see ``encode_data``).
    """
    if not isinstance(event, BaseEvent):
        return row_from_dict(event_to_dict(event))
    parts = wire_parts(event)
    if parts.created:  # untouched creation time: the seconds are the timestamp
        ts, text = parts.created, _utc_iso(parts.created)
    else:
        ts, text = _time_columns(parts.moment())
    event_id = parts.id
    if type(event_id) is not str:  # a str subclass may hash differently: compare plain text
        event_id = str(event_id)
    return _utf8_row(
        (
            event_id,
            parts.type,
            parts.entity_id,
            ts,
            encode_data(parts.data, event_id),
            parts.name,
            parts.entity_type,
            text,
        )
    )


# The second of the last timestamp formatted, and its text up to the seconds (one entry,
# replaced whole, so threads never see half of it).
_last_second: list[tuple[int, str]] = [(0, "")]


def _utc_iso(created: float) -> str:
    """Return ``datetime.fromtimestamp(created, UTC).isoformat()`` for a positive
    ``created``, in half the time: the text up to the second is reused while the second
    lasts, and the microseconds are rounded exactly as ``datetime`` rounds them (the
    fraction times 10^6, half to even)."""
    second = int(created)
    micros = round((created - second) * 1e6)
    if micros == 1_000_000:
        second, micros = second + 1, 0
    cached, prefix = _last_second[0]
    if second != cached:
        prefix = _fromtimestamp(second, UTC).isoformat()[:-6]  # without "+00:00"
        _last_second[0] = (second, prefix)
    return f"{prefix}.{micros:06d}+00:00" if micros else prefix + "+00:00"


def _time_columns(moment: datetime) -> tuple[float, str]:
    stamp = as_utc(moment)
    return stamp.timestamp(), stamp.isoformat()


def row_from_dict(wire: object) -> Row:
    """Flatten an event's wire form (as ``event_to_dict`` gives it) into a ``Row``.

    Raises:
        EventValidationError: a key is missing or has the wrong type (see ``check_wire``), or
            a value cannot be stored (data nested too deep, an integer too long); the message
            names the event id when it has one.
    """
    try:
        type_, data, moment = check_wire(wire)
        fields = cast("dict[str, Any]", wire)
        event_id = str(fields["id"])
        entity_id = str(fields["entity_id"])
        name = str(fields["name"])
        entity_type = str(fields["entity_type"])
        ts, text = _time_columns(moment)
    except EventValidationError:
        raise
    except _ENCODING_ERRORS as exc:
        raise EventValidationError(f"event wire form cannot be stored: {exc}") from None
    return _utf8_row(
        (event_id, type_, entity_id, ts, encode_data(data, event_id), name, entity_type, text)
    )


def _utf8_row(values: tuple[Any, ...]) -> Row:
    """Return ``values`` as a ``Row`` once every text in it can be written as UTF-8.

    A lone surrogate (what ``surrogateescape`` makes of a stray byte of protocol data) would
    fail the whole batch at commit, and with it the store: it is refused here, with its event.
    ASCII text (the common case) is recognised without encoding anything.

    Raises:
        EventValidationError: a text holds a lone surrogate; names the event.
    """
    id_, type_, entity_id, _, data, name, entity_type, text = values
    try:
        plain = (
            data.isascii()
            and id_.isascii()
            and entity_id.isascii()
            and name.isascii()
            and type_.isascii()
            and entity_type.isascii()
            and text.isascii()
        )
    except AttributeError:  # a column that is not text: look at each value
        plain = False
    if not plain:
        for value in values:
            if type(value) is str and not value.isascii():
                try:
                    value.encode()
                except UnicodeEncodeError:
                    raise EventValidationError(
                        f"event {_short(id_)}: its text is not UTF-8 (a lone surrogate "
                        f"{value[_surrogate_at(value)]!r}); decode protocol bytes with "
                        "errors='backslashreplace' or store them as bytes"
                    ) from None
    return _new_tuple(Row, values)


def _surrogate_at(text: str) -> int:
    return next(i for i, c in enumerate(text) if "\ud800" <= c <= "\udfff")


def wire_rows(wires: Iterable[object]) -> tuple[list[Row], list[WireReject]]:
    """Flatten each wire form on its own: return the rows of the valid ones, in order, and a
    ``WireReject`` (index, id if readable, reason) for each one refused."""
    rows: list[Row] = []
    rejects: list[WireReject] = []
    for index, wire in enumerate(wires):
        try:
            rows.append(row_from_dict(wire))
        except EventValidationError as exc:
            rejects.append(WireReject(index, _wire_id(wire), str(exc)))
    return rows, rejects


def _wire_id(wire: object) -> str | None:
    event_id = wire.get("id") if isinstance(wire, dict) else None
    return event_id if isinstance(event_id, str) and event_id else None


def row_timestamp(text: str) -> datetime:
    """Return a stored row's timestamp from its ISO text."""
    return datetime.fromisoformat(text)


def stored_event(run_id: str, seq: int, position: int, row: tuple[Any, ...]) -> StoredEvent:
    """Return ``row`` (a ``Row``, or its columns in order), stored at ``seq`` of ``run_id`` and
    ``position``, as queries give it: the timestamp parsed, the data decoded from its JSON."""
    id_, type_, entity_id, _, data, name, entity_type, timestamp = row
    return StoredEvent(
        run_id=run_id,
        seq=seq,
        id=id_,
        type=type_,
        entity_type=entity_type,
        entity_id=entity_id,
        timestamp=row_timestamp(timestamp),
        data=json.loads(data),
        name=name,
        position=position,
    )
