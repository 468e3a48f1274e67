"""The canonical encoding of event content, and the signatures and ids derived from it.

One fixed encoder (the stdlib ``json`` encoder with sorted keys, through its public API) turns
event data into text, so an event gets the same content id in every process, on every machine,
whatever the dict order, ``PYTHONHASHSEED`` or which optional JSON libraries are installed.

The encoding is exact: different data never gets the same text.

- JSON-native values are written as JSON (``1`` and ``"1"``, ``True`` and ``1`` stay apart).
- Other values are written as tagged objects, ``{"$type": <kind>, "value": ...}``: datetimes,
  enums, sets, bytes, decimals, UUIDs, paths, exceptions, dataclasses, mappings, objects with
  ``to_dict()`` or ``tolist()`` (numpy arrays and scalars), other objects by their
  ``__dict__`` state, and last objects whose ``repr`` reads back as an equal value
  (``ast.literal_eval``; complex numbers).
- A user dict that has a ``"$type"`` key is itself wrapped (``{"$type": "dict", "value":
  ...}``), so it can never pass for a tag.
- Anything else (functions, classes, objects with no state to read, ints longer than JSON text
  may hold, data nested deeper than ``MAX_DEPTH`` or containing itself) is refused with an
  ``EventValidationError`` naming where it is, rather than merged with other data.
"""

from __future__ import annotations

import base64
import enum
import hashlib
import json
import math
import sys
import types
from collections.abc import Mapping
from datetime import date, datetime, time, timedelta
from typing import Any, NoReturn

from .exceptions import EventValidationError

__all__ = [
    "MAX_DEPTH",
    "KeyPlan",
    "canonical_data",
    "compact_json",
    "create_content_based_uuid",
    "jsonable",
    "key_plan",
]

#: How deeply event data may nest (containers within containers) on the tagged path.
MAX_DEPTH = 200

# uuid.NAMESPACE_OID (RFC 4122), spelled out so that the uuid module loads only for UUID values.
_NAMESPACE_OID_BYTES = bytes.fromhex("6ba7b8129dad11d180b400c04fd430c8")
_VARIANT = {f"{i:x}": f"{(i & 0x3) | 0x8:x}" for i in range(16)}
# The hex digits of a UUID's groups but the version and variant nibbles, as slices built once
# (``h[:8]`` in an expression builds a slice object on every call).
_G1, _G2, _G3, _G4, _G5 = slice(0, 8), slice(8, 12), slice(13, 16), slice(17, 20), slice(20, 32)
_TAG = "$type"
_TAG_TEXT = '"$type":'
_NAMESPACE_SHA1 = hashlib.sha1(_NAMESPACE_OID_BYTES)
# Callables, classes and modules carry no data: their __dict__ would say nothing about them.
_CODE = (types.FunctionType, types.BuiltinFunctionType, types.MethodType, type, types.ModuleType)


class _Refused(TypeError):
    """A value with no exact encoding; ``canonical_data`` finds where it is and says so."""


def _class_name(value: object) -> str:
    cls = type(value)
    return f"{cls.__module__}.{cls.__qualname__}"


def _tag(value: object) -> object:
    """Encode one non-JSON-native value as a tagged, deterministic JSON object."""
    if isinstance(value, enum.Enum):
        return {_TAG: "enum", "class": type(value).__qualname__, "value": value.value}
    if isinstance(value, datetime | date | time):
        return {_TAG: type(value).__name__, "value": value.isoformat()}
    if isinstance(value, timedelta):
        return {_TAG: "timedelta", "value": value.total_seconds()}
    # Rarer types from here on; their modules load on first use, so the import stays cheap.
    import dataclasses  # noqa: PLC0415
    from decimal import Decimal  # noqa: PLC0415
    from pathlib import PurePath  # noqa: PLC0415
    from uuid import UUID  # noqa: PLC0415

    if isinstance(value, PurePath):
        return {_TAG: "path", "value": str(value)}
    if isinstance(value, bytes | bytearray | memoryview):
        return {_TAG: "bytes", "value": base64.b64encode(bytes(value)).decode("ascii")}
    if isinstance(value, set | frozenset):
        # Sets have no order: sort members by their own canonical text.
        return {_TAG: "set", "value": sorted(value, key=_encode_member)}
    if isinstance(value, Decimal):
        return {_TAG: "decimal", "value": str(value)}
    if isinstance(value, UUID):
        return {_TAG: "uuid", "value": str(value)}
    if isinstance(value, BaseException):
        return {_TAG: "exception", "class": type(value).__qualname__, "value": str(value)}
    if isinstance(value, _CODE):
        raise _Refused(f"a {type(value).__name__} ({value!r}) is code, not data")
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {_TAG: type(value).__qualname__, "value": dataclasses.asdict(value)}
    if isinstance(value, Mapping):
        return {_TAG: "mapping", "value": _stringify_keys(value)}
    for method in ("to_dict", "tolist"):
        export = getattr(value, method, None)
        if callable(export):
            return {_TAG: _class_name(value), "value": export()}
    state = getattr(value, "__dict__", None)
    if isinstance(state, dict) and state:
        return {_TAG: _class_name(value), "state": state}
    text = repr(value)
    import ast  # noqa: PLC0415

    try:
        if type(ast.literal_eval(text)) is type(value) and ast.literal_eval(text) == value:
            return {_TAG: _class_name(value), "repr": text}
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        pass
    raise _Refused(
        f"a {_class_name(value)} has no exact encoding (no to_dict(), tolist() or __dict__ "
        "state, and its repr does not read back)"
    )


def _encode_member(value: object) -> str:
    return _ENCODER.encode(_normalize(value, 0, "data"))


def _stringify_keys(mapping: Mapping[Any, Any]) -> dict[str, Any]:
    """Give a mapping string keys so it can be sorted; non-string keys keep their JSON text."""
    return {k if isinstance(k, str) else _encode_member(k): v for k, v in mapping.items()}


def _refuse(where: str, why: str) -> NoReturn:
    raise EventValidationError(
        f"event data {where}: {why}; pass JSON-like values (str, int, float, bool, None, "
        "lists, dicts) or objects with to_dict()"
    )


def _normalize(value: Any, depth: int, where: str, path: tuple[int, ...] = ()) -> Any:
    """Return ``value`` made of JSON-native values and tags, user tag lookalikes escaped.

    The slow path, taken only when the C encoder cannot finish alone. ``path`` holds the ids
    of the containers above, to name a reference cycle rather than recurse into it.

    Raises:
        EventValidationError: naming ``where`` the value that cannot be encoded is.
    """
    if isinstance(value, str | bool | float) or value is None:
        return value
    if isinstance(value, int):
        if value.bit_length() > _MAX_BITS:  # the cheap test first: str() of a huge int is slow
            try:
                str(value)
            except ValueError:
                _refuse(where, f"an int of more than {_MAX_DIGITS} digits cannot be JSON text")
        return value
    if depth >= MAX_DEPTH:
        _refuse(where, f"nested more than {MAX_DEPTH} deep")
    if id(value) in path:
        _refuse(where, "contains itself (a reference cycle)")
    inner = (*path, id(value))
    if type(value) is dict:
        items = {}
        for key, item in value.items():
            text = key if isinstance(key, str) else _encode_member(key)
            if text in items:
                _refuse_alike(where, value, key, text)
            items[text] = _normalize(item, depth + 1, f"{where}[{key!r}]", inner)
        # A user dict with a tag key is wrapped, so it never passes for one of our tags.
        return {_TAG: "dict", "value": items} if _TAG in items else items
    if isinstance(value, list | tuple):
        return [_normalize(v, depth + 1, f"{where}[{i}]", inner) for i, v in enumerate(value)]
    tag = _safe_tag(value, where)
    assert isinstance(tag, dict)
    return {k: v if k == _TAG else _normalize(v, depth + 1, where, inner) for k, v in tag.items()}


def _refuse_alike(where: str, mapping: dict[Any, Any], key: object, text: str) -> NoReturn:
    """Refuse a dict with two keys of one JSON text (``1`` and ``"1"``): the wire form would
    hold that key twice, and a reader keep only the last value."""
    first = next(k for k in mapping if (k if isinstance(k, str) else _encode_member(k)) == text)
    raise EventValidationError(
        f"event data {where}: keys {first!r} and {key!r} are both written {text!r} in JSON, "
        "so one value would be lost; keep the keys strings"
    )


def _safe_tag(value: object, where: str) -> object:
    try:
        return _tag(value)
    except _Refused as exc:
        _refuse(where, str(exc))
    except EventValidationError:
        raise
    except Exception as exc:  # a to_dict()/tolist()/repr of the user's that fails
        _refuse(where, f"encoding its {_class_name(value)} raised {type(exc).__name__}: {exc}")


_MAX_DIGITS = sys.get_int_max_str_digits() or 4300
_MAX_BITS = int(_MAX_DIGITS * 3.32)  # below this many bits an int has fewer digits

# A single pre-built encoder: json.dumps(**kwargs) would build a new one on every call. No
# cycle check: a cycle ends in RecursionError, and the slow path names it.
_ENCODER = json.JSONEncoder(
    sort_keys=True,
    separators=(",", ":"),
    ensure_ascii=False,
    allow_nan=True,
    check_circular=False,
    default=_tag,
)
_encode = _ENCODER.encode


def canonical_data(data: Mapping[str, Any] | None, plan: KeyPlan | None = None) -> str:
    """Return the canonical JSON text of ``data``: sorted recursively, types kept apart.

    ``1`` and ``"1"`` encode differently; so do ``True`` and ``1``. Non-native values are tagged
    (see the module docstring).

    Flat data is written here: string keys, no ``"$type"`` key, values that are exactly str,
    int, finite float, bool, None, or a list or tuple of strings, and no string that needs an
    escape (each character printable, no quote, no backslash). That is most event data, and
    it skips the encoder object that ``JSONEncoder.encode`` builds on every call. The rest
    takes the encoder. The text is the same either way (tests check it against the encoder
    with Hypothesis).

    ``plan`` is an optional shortcut for a caller that builds dicts with the same keys every
    time (an event class): ``key_plan`` of those keys, which skips finding the plan of
    ``data``'s keys. A plan for other keys is noticed and ignored.

    Raises:
        EventValidationError: a value has no exact encoding; the message says where.
    """
    if not data:
        return "{}"
    if plan is None or len(plan) != len(data):
        if type(data) is not dict:
            return _encoded(data)
        keys = tuple(data)
        plan = _PLANS.get(keys) or _plan(keys)
        if plan is None:
            return _encoded(data)
    text = ""
    raw = ""  # every string written as it is, checked at once at the end
    try:
        for key, head in plan:
            value = data[key]
            kind = type(value)
            if kind is str:
                text += f'{head}"{value}"'
                raw += value
            elif kind is float:
                if value - value != 0.0:  # NaN and infinities have their own spelling
                    return _encoded(data)
                text += f"{head}{value!r}"
            elif kind is int:
                text += f"{head}{value!r}"  # ValueError past the int digit limit
            elif value is None:
                text += f"{head}null"
            elif kind is bool:
                text += f"{head}true" if value else f"{head}false"
            elif kind is list or kind is tuple:
                if value:
                    text += f'{head}["{_JOIN_STRINGS(value)}"]'  # TypeError unless strings
                    raw += "".join(value)
                else:
                    text += f"{head}[]"
            else:
                return _encoded(data)
        if '"' in raw or "\\" in raw or not raw.isprintable():
            return _encoded(data)
    except KeyError:  # the caller's plan has the same number of keys, but other ones
        return canonical_data(data)
    except (TypeError, ValueError):
        return _encoded(data)
    return text + "}"


# Key set (in insertion order) -> its keys sorted, each with the text that goes before its value
# ('{"key":' for the first, ',"key":' after). An event class builds its data with the same keys
# every time, so a few entries serve every event.
KeyPlan = tuple[tuple[str, str], ...]
_PLANS: dict[tuple[str, ...], KeyPlan] = {}
_PLANS_LIMIT = 1024
_JOIN_STRINGS = '","'.join


def key_plan(keys: tuple[Any, ...]) -> KeyPlan | None:
    """The plan ``canonical_data`` writes dicts with these keys (in this order) by, or None
    when they take the encoder (keys that are not all strings, or a tag key)."""
    return _PLANS.get(keys) or _plan(keys)


def _plan(keys: tuple[Any, ...]) -> KeyPlan | None:
    """The sorted keys of a flat dict, each with the text before its value, remembered; or None
    (keys that are not all strings, a tag key, or the cache is full)."""
    if len(_PLANS) >= _PLANS_LIMIT or _TAG in keys or any(type(key) is not str for key in keys):
        # Once full, new key sets take the encoder: a plan made per call costs more than it saves.
        return None
    ordered = sorted(keys)
    plan = tuple((key, f"{',' if i else '{'}{_encode(key)}:") for i, key in enumerate(ordered))
    _PLANS[keys] = plan
    return plan


def _encoded(data: Mapping[str, Any]) -> str:
    """The general path of ``canonical_data``: the encoder, then tags and escaped lookalikes."""
    try:
        text = _encode(data)
    except (TypeError, ValueError, RecursionError):
        # Mixed key types, a refused value, a huge int, deep or cyclic data: the slow path
        # encodes what it can and names what it cannot.
        return _encode(_normalize(data, 0, "data"))
    if _TAG_TEXT in text:
        # A tag, or a user dict with a "$type" key: redo it with lookalikes escaped.
        return _encode(_normalize(data, 0, "data"))
    return text


def create_content_based_uuid(content: str) -> str:
    """Return the UUID5 of ``content`` under ``uuid.NAMESPACE_OID``, as a string.

    Equal to ``str(uuid.uuid5(uuid.NAMESPACE_OID, content))`` (a test checks it) but faster,
    as it runs once per event created: the hex digest is cut into place instead of going
    through ``uuid.UUID``.
    """
    try:
        raw = content.encode()
    except UnicodeEncodeError:  # lone surrogates: keep them rather than fail
        raw = content.encode("utf-8", "surrogatepass")
    hasher = _NAMESPACE_SHA1.copy()  # the namespace is hashed once, at import
    hasher.update(raw)
    h = hasher.hexdigest()
    # Version nibble 5 at position 12; RFC 4122 variant bits (10xx) on the nibble at 16.
    return f"{h[_G1]}-{h[_G2]}-5{h[_G3]}-{_VARIANT[h[16]]}{h[_G4]}-{h[_G5]}"


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
        return sorted(value, key=_encode_member)
    import dataclasses  # noqa: PLC0415
    from decimal import Decimal  # noqa: PLC0415
    from pathlib import PurePath  # noqa: PLC0415
    from uuid import UUID  # noqa: PLC0415

    if isinstance(value, PurePath | Decimal | UUID | BaseException):
        return str(value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.asdict(value)
    if isinstance(value, Mapping):
        return dict(_stringify_keys(value))
    for method in ("to_dict", "tolist"):
        export = getattr(value, method, None)
        if callable(export):
            return export()
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


# Compact, non-ASCII kept, NaN and non-native values refused (they take the jsonable() path).
_STRICT = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False, allow_nan=False)
_strict = _STRICT.encode


def compact_json(value: Any) -> str:
    """Return compact JSON text of ``value`` (non-ASCII kept), as ``json.dumps(jsonable(value))``
    would give it, without converting plain JSON data first.

    The encoder is built once (``json.dumps`` with options builds one per call); anything JSON
    cannot hold natively (datetimes, enums, sets, NaN, other mappings) makes the fast path fail
    and the value is converted by ``jsonable()``.
    """
    try:
        return _strict(value)
    except (TypeError, ValueError, RecursionError):
        return _strict(jsonable(value))


def jsonable(value: Any) -> Any:
    """Return ``value`` made of JSON-native types only (str, int, float, bool, None, list, dict).

    Used for the wire form of events: datetimes become ISO 8601 strings, enums their values,
    sets sorted lists, unknown objects their ``repr``.

    Raises:
        EventValidationError: data nested deeper than Python's recursion limit allows (JSON
            data the C encoder accepted at construction, a few hundred levels deep).
    """
    try:
        return _jsonable(value)
    except RecursionError:
        raise EventValidationError(
            "event data is nested too deeply to convert to its wire form; flatten it"
        ) from None
