"""Sample constructor arguments for any event class, built from its signature."""

from __future__ import annotations

import inspect
from typing import Any

from panther_events.events.base import BaseEvent

# Annotation text (the classes use postponed annotations) -> a sample value of that type.
_SAMPLES: dict[str, Any] = {
    "str": "v",
    "int": 3,
    "float": 1.5,
    "bool": True,
    "Any": {"any": 1},
    "dict[str, Any]": {"k": 1},
    "list[str]": ["a", "b"],
    "list[int]": [1, 2],
}


def constructor_params(event_class: type[BaseEvent]) -> list[inspect.Parameter]:
    """Return the constructor parameters of ``event_class`` (without ``self``)."""
    return [
        p for p in inspect.signature(event_class.__init__).parameters.values() if p.name != "self"
    ]


def sample_value(name: str, annotation: str) -> Any:
    """Return a value of the annotated type, distinct per parameter name for strings."""
    base = annotation.removesuffix(" | None")
    if base == "str":
        return f"{name}-v"
    return _SAMPLES[base]


def sample_kwargs(event_class: type[BaseEvent], **overrides: Any) -> dict[str, Any]:
    """Return keyword arguments for every parameter of ``event_class`` (overrides win)."""
    kwargs = {
        p.name: sample_value(p.name, str(p.annotation)) for p in constructor_params(event_class)
    }
    kwargs.update(overrides)
    return kwargs


def sample_event(event_class: type[BaseEvent], entity_id: str, **overrides: Any) -> BaseEvent:
    """Build an event of ``event_class`` about ``entity_id`` (its own id parameter)."""
    from panther_events.emitters.base import id_parameter

    id_name = id_parameter(event_class)
    if id_name is not None:
        overrides.setdefault(id_name, entity_id)
    return event_class(**sample_kwargs(event_class, **overrides))
