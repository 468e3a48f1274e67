"""The flat row an event is stored as, built once when it is appended."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from hashlib import sha1
from json.encoder import c_make_encoder, encode_basestring  # type: ignore[attr-defined]
from typing import Any, NamedTuple, cast

from .._canonical import jsonable
from ..events.base import _ENTITY_VALUES, BaseEvent
from ..serialization import event_to_dict

__all__ = ["Row", "as_utc", "event_row", "id_key", "row_from_dict"]

# Compact, non-ASCII kept as is, and NaN refused so that such data takes the jsonable() path
# (which writes it as text) instead of producing JSON that other tools reject.
_STRICT = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def _refuse(value: object) -> object:
    raise TypeError(f"{type(value).__name__} is not JSON-native")


# JSONEncoder.encode() builds a new C encoder on every call, which costs as much as the
# encoding itself for small event data; this one is built once (no circular-reference markers:
# such data already fails when the event computes its content id).
_C_ENCODE = (
    c_make_encoder(None, _refuse, encode_basestring, None, ":", ",", False, False, False)
    if c_make_encoder is not None
    else None
)


class Row(NamedTuple):
    """An event flattened for storage; ``data`` is JSON text, ``id_key`` see ``id_key()``."""

    id_key: int
    id: str
    type: str
    name: str
    entity_type: str
    entity_id: str
    timestamp: str
    ts: float
    data: str


def _data_json(data: Any) -> str:
    # The fast path encodes plain data directly; anything JSON cannot hold natively (datetimes,
    # enums, sets, NaN...) falls back to the wire form's conversion, as to_dict() does.
    try:
        if _C_ENCODE is not None and type(data) is dict:
            return "".join(_C_ENCODE(data, 0))
        return _STRICT.encode(data)
    except (TypeError, ValueError, RecursionError):
        return _STRICT.encode(jsonable(data))


def id_key(event_id: str) -> int:
    """Return 63 bits of an event id: the key deduplication compares.

    A UUID's first 16 hex digits are already uniformly random (UUID5 or UUID4); any other id
    is hashed. Two different ids of one run share a key with probability about n^2 / 2^64.
    """
    if len(event_id) == 36 and event_id[8] == "-":
        try:
            return int(event_id[:8] + event_id[9:13] + event_id[14:18], 16) >> 1
        except ValueError:
            pass
    return int.from_bytes(sha1(event_id.encode("utf-8")).digest()[:8], "big") >> 1


def as_utc(moment: datetime) -> datetime:
    """Return ``moment`` with a timezone: naive datetimes are taken to be UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def event_row(event: object) -> Row:
    """Flatten any published object (a ``BaseEvent`` or a plain event object) into a ``Row``.

    The data is snapshotted now, so changing the event afterwards does not change what is
    stored.
    """
    # The slot test stands in for isinstance(event, BaseEvent), which is slow against an ABC.
    if getattr(event, "_type", None) is None:
        return row_from_dict(event_to_dict(event))
    base = cast("BaseEvent", event)
    created = base._created
    if created:  # untouched creation time: no need to go through the timestamp property
        ts = created
        iso = datetime.fromtimestamp(created, UTC).isoformat()
    else:
        stamp = as_utc(base.timestamp)
        ts, iso = stamp.timestamp(), stamp.isoformat()
    event_id = base.id
    return Row(
        id_key(event_id),
        event_id,
        base._type,
        base.name,
        _ENTITY_VALUES[base.entity_type],
        base.entity_id,
        iso,
        ts,
        _data_json(base.data),
    )


def row_from_dict(wire: dict[str, Any]) -> Row:
    """Flatten an event's wire form (as ``event_to_dict`` gives it) into a ``Row``."""
    stamp = wire["timestamp"]
    moment = as_utc(stamp if isinstance(stamp, datetime) else datetime.fromisoformat(stamp))
    event_id = str(wire["id"])
    return Row(
        id_key(event_id),
        event_id,
        str(wire["type"]),
        str(wire["name"]),
        str(wire["entity_type"]),
        str(wire["entity_id"]),
        moment.isoformat(),
        moment.timestamp(),
        _data_json(wire.get("data") or {}),
    )
