"""The type string of any published object, BaseEvent or not."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

__all__ = ["type_for_class", "type_of"]

_CAMEL_BOUNDARY = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")


@lru_cache(maxsize=1024)
def type_for_class(cls: type[object]) -> str:
    """Derive the type string of a plain (non-BaseEvent) event class from its name.

    The rule: drop a trailing ``Event``, then CamelCase becomes snake_case, so
    ``CustomProtocolEvent`` is ``"custom_protocol"`` and ``HTTPRequestSent`` is
    ``"http_request_sent"``. A class can choose its own type instead with an ``event_type`` (or
    ``EVENT_TYPE``) string attribute or a ``get_type()`` method.
    """
    name = cls.__name__
    if name.endswith("Event") and name != "Event":
        name = name[: -len("Event")]
    return _CAMEL_BOUNDARY.sub("_", name).lower()


def type_of(obj: object) -> str:
    """Return the type string of a published object (see ``type_for_class`` for plain ones)."""
    get_type = getattr(obj, "get_type", None)
    if callable(get_type):
        return str(get_type())
    for attr in ("event_type", "EVENT_TYPE"):
        value = getattr(obj, attr, None)
        if isinstance(value, str) and value:
            return value
    cls: Any = type(obj)  # every class is hashable; typeshed cannot say so for type[object]
    return type_for_class(cls)
