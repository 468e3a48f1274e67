"""The canonical encoding of event content, and the signatures and ids derived from it.

One fixed encoder (the stdlib ``json`` C encoder with sorted keys) turns event data into text, so
an event gets the same content id in every process, on every machine, whatever the dict order,
``PYTHONHASHSEED`` or which optional JSON libraries are installed. Values that JSON cannot hold
natively are written as tagged objects (``{"$type": "datetime", "value": ...}``) so they never make
construction fail and never collide with a plain string of the same text.
"""

from __future__ import annotations

import base64
import enum
import json
import math
from collections.abc import Callable, Mapping
from datetime import date, datetime, time, timedelta

try:  # CPython's built-in SHA-1 is cheaper to start than OpenSSL's EVP for short inputs
    from _sha1 import sha1  # type: ignore[import-not-found]
except ImportError:  # pragma: no cover - builds without it
    from hashlib import sha1
from typing import Any, cast

__all__ = [
    "canonical_data",
    "compact_json",
    "create_content_based_uuid",
    "create_event_signature",
    "jsonable",
]

# uuid.NAMESPACE_OID (RFC 4122), spelled out: the uuid module loads only for UUID values.
_NAMESPACE_OID_BYTES = bytes.fromhex("6ba7b8129dad11d180b400c04fd430c8")
_VARIANT = {f"{i:x}": f"{(i & 0x3) | 0x8:x}" for i in range(16)}


def _tag(value: object) -> object:
    """Encode one non-JSON-native value as a tagged, deterministic JSON object."""
    if isinstance(value, enum.Enum):
        return {"$type": "enum", "class": type(value).__qualname__, "value": value.value}
    if isinstance(value, datetime | date | time):
        return {"$type": type(value).__name__, "value": value.isoformat()}
    if isinstance(value, timedelta):
        return {"$type": "timedelta", "value": value.total_seconds()}
    if isinstance(value, bytes | bytearray | memoryview):
        return {"$type": "bytes", "value": base64.b64encode(bytes(value)).decode("ascii")}
    if isinstance(value, set | frozenset):
        # Sets have no order: sort members by their own canonical text.
        return {"$type": "set", "value": sorted(value, key=_ENCODER.encode)}
    # Rarer types last, their modules imported here: ``import panther_events`` stays cheap.
    from dataclasses import asdict, is_dataclass  # noqa: PLC0415
    from decimal import Decimal  # noqa: PLC0415
    from pathlib import PurePath  # noqa: PLC0415
    from uuid import UUID  # noqa: PLC0415

    if isinstance(value, PurePath):
        return {"$type": "path", "value": str(value)}
    if isinstance(value, Decimal):
        return {"$type": "decimal", "value": str(value)}
    if isinstance(value, UUID):
        return {"$type": "uuid", "value": str(value)}
    if isinstance(value, BaseException):
        return {"$type": "exception", "class": type(value).__qualname__, "value": str(value)}
    if is_dataclass(value) and not isinstance(value, type):
        return {"$type": type(value).__qualname__, "value": asdict(value)}
    if isinstance(value, Mapping):
        return {"$type": "mapping", "value": _stringify_keys(value)}
    to_dict = getattr(value, "to_dict", None)
    if callable(to_dict):
        return {"$type": type(value).__qualname__, "value": to_dict()}
    return {"$type": type(value).__qualname__, "value": repr(value)}


def _stringify_keys(mapping: Mapping[Any, Any]) -> dict[str, Any]:
    """Give a mapping string keys so it can be sorted; non-string keys keep their JSON text."""
    return {
        k if isinstance(k, str) else _ENCODER.encode(_normalize(k)): v for k, v in mapping.items()
    }


def _normalize(value: Any) -> Any:
    """Recursively make ``value`` encodable by the C encoder (slow path, rarely taken)."""
    if isinstance(value, Mapping):
        return {k: _normalize(v) for k, v in _stringify_keys(value).items()}
    if isinstance(value, list | tuple):
        return [_normalize(v) for v in value]
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    return _normalize(_tag(value))


# A single pre-built encoder: json.dumps(**kwargs) would build a new one on every call.
_ENCODER = json.JSONEncoder(
    sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=True, default=_tag
)


def _make_c_encoder() -> Callable[[Any, int], Any] | None:
    """Build the C encoder once; ``JSONEncoder.encode`` rebuilds it (and a closure) on every
    call, which costs more than encoding a small dict. None when unavailable or different."""
    make = getattr(json.encoder, "c_make_encoder", None)
    if make is None:  # pragma: no cover - CPython always has the accelerator
        return None
    try:
        # markers=None: no cycle check; a cycle ends in RecursionError, handled by the caller.
        c_encode = make(
            None, _tag, json.encoder.encode_basestring, None, ":", ",", True, False, True
        )
        probe = {"b": [1.5, float("nan"), None, True], "a": "\u00e9"}
        if "".join(c_encode(probe, 0)) != _ENCODER.encode(probe):  # pragma: no cover
            return None
    except TypeError:  # pragma: no cover - a different C signature on a future Python
        return None
    return cast("Callable[[Any, int], Any]", c_encode)


_c_encode = _make_c_encoder()


def canonical_data(data: Mapping[str, Any] | None) -> str:
    """Return the canonical JSON text of ``data``: sorted recursively, types kept apart.

    ``1`` and ``"1"`` encode differently; so do ``True`` and ``1``. Non-native values are tagged.
    """
    if not data:
        return "{}"
    try:
        if _c_encode is not None:
            return "".join(_c_encode(data, 0))
        return _ENCODER.encode(data)
    except TypeError:
        # Keys of mixed types cannot be sorted: give them string form first.
        return _ENCODER.encode(_normalize(data))
    except (RecursionError, ValueError):
        # A reference cycle: no canonical form exists, so fall back to the text of its repr.
        return _ENCODER.encode({"$type": "cyclic", "value": repr(data)})


def create_event_signature(
    name: str, entity_type: str, entity_id: str, data: Mapping[str, Any] | None = None
) -> str:
    """Create the deterministic signature used for duplicate detection.

    Returns ``"{entity_type}:{name}:{entity_id}:{canonical data}"``; timestamps are excluded so
    that identical events created at different moments have the same signature.
    """
    return f"{entity_type}:{name}:{entity_id}:{canonical_data(data)}"


def create_content_based_uuid(content: str) -> str:
    """Return the UUID5 of ``content`` under ``uuid.NAMESPACE_OID``, as a string.

    Equal to ``str(uuid.uuid5(uuid.NAMESPACE_OID, content))`` but about three times faster, as
    it runs once per event created.
    """
    try:
        raw = content.encode()
    except UnicodeEncodeError:  # lone surrogates: keep them rather than fail
        raw = content.encode("utf-8", "surrogatepass")
    h = sha1(_NAMESPACE_OID_BYTES + raw).hexdigest()
    # Version nibble 5 at position 12; RFC 4122 variant bits (10xx) on the nibble at 16.
    return f"{h[:8]}-{h[8:12]}-5{h[13:16]}-{_VARIANT[h[16]]}{h[17:20]}-{h[20:32]}"


def _plain(value: object) -> object:
    """Encode one non-JSON-native value for the wire: readable, untagged."""
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, timedelta):
        return value.total_seconds()
    if isinstance(value, bytes | bytearray | memoryview):
        return base64.b64encode(bytes(value)).decode("ascii")
    if isinstance(value, set | frozenset):
        return sorted(value, key=_ENCODER.encode)
    from dataclasses import asdict, is_dataclass  # noqa: PLC0415 - as in _tag
    from decimal import Decimal  # noqa: PLC0415
    from pathlib import PurePath  # noqa: PLC0415
    from uuid import UUID  # noqa: PLC0415

    if isinstance(value, PurePath | Decimal | UUID | BaseException):
        return str(value)
    if is_dataclass(value) and not isinstance(value, type):
        return asdict(value)
    if isinstance(value, Mapping):
        return dict(_stringify_keys(value))
    to_dict = getattr(value, "to_dict", None)
    if callable(to_dict):
        return to_dict()
    return repr(value)


def _json_key(key: object) -> str:
    # As json.dumps writes such keys (True -> "true", None -> "null"), so both ways agree.
    if isinstance(key, str):
        return key
    if key is None or isinstance(key, bool | int | float):
        return json.dumps(key)
    return str(_jsonable(key))


def _jsonable(value: Any) -> Any:
    if isinstance(value, str | int | bool) or value is None:
        return value
    if isinstance(value, float):
        # NaN and infinities are not JSON; keep them readable rather than failing.
        return value if math.isfinite(value) else str(value)
    if isinstance(value, Mapping):
        return {_json_key(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return _jsonable(_plain(value))


def _refuse(value: object) -> object:
    raise TypeError(f"{type(value).__name__} is not JSON-native")


_STRICT = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False, allow_nan=False)
# Compact, non-ASCII kept, NaN and non-native values refused (they take the jsonable() path).
_compact = (
    json.encoder.c_make_encoder(  # type: ignore[attr-defined]
        None, _refuse, json.encoder.encode_basestring, None, ":", ",", False, False, False
    )
    if getattr(json.encoder, "c_make_encoder", None) is not None
    else None
)


def compact_json(value: Any) -> str:
    """Return compact JSON text of ``value`` (non-ASCII kept), as ``json.dumps(jsonable(value))``
    would give it, without converting plain JSON data first.

    The encoder is built once (``json.dumps`` with options builds one per call, costing as much
    as encoding a small dict); anything JSON cannot hold natively (datetimes, enums, sets, NaN,
    other mappings) makes the fast path fail and the value is converted by ``jsonable()``.
    """
    try:
        if _compact is not None and type(value) is dict:
            chunks = _compact(value, 0)
            return chunks[0] if len(chunks) == 1 else "".join(chunks)
        return _STRICT.encode(value)
    except (TypeError, ValueError, RecursionError):
        return _STRICT.encode(jsonable(value))


def jsonable(value: Any) -> Any:
    """Return ``value`` made of JSON-native types only (str, int, float, bool, None, list, dict).

    Used for the wire form of events: datetimes become ISO 8601 strings, enums their values,
    sets sorted lists, unknown objects their ``repr``. Never raises for ordinary data.
    """
    return _jsonable(value)
