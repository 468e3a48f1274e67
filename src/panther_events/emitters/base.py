"""Emitter base classes: build events from keyword arguments and hand them to an EventManager."""

from __future__ import annotations

import inspect
from abc import ABC
from collections.abc import Callable
from functools import lru_cache
from typing import Any, ParamSpec, Protocol, TypeVar

from ..events.base import BaseEvent
from ..manager import EventManager
from ._declare import build

__all__ = ["EntityEventEmitterBase", "EventEmitter", "EventEmitterBase", "EventSink"]

P = ParamSpec("P")
E = TypeVar("E", bound=BaseEvent)


class EventSink(Protocol):
    """What an emitter needs from its manager: ``notify`` (``EventManager`` has it)."""

    def notify(self, event: object) -> None:
        """Deliver ``event`` to the observers."""


@lru_cache(maxsize=256)
def _constructor_params(event_class: type[BaseEvent]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Return (every parameter name, the required ones) of an event class's constructor."""
    params = [
        p
        for p in inspect.signature(event_class.__init__).parameters.values()
        if p.name != "self" and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
    ]
    return (
        tuple(p.name for p in params),
        tuple(p.name for p in params if p.default is inspect.Parameter.empty),
    )


def id_parameter(event_class: type[BaseEvent]) -> str | None:
    """Return the name of ``event_class``'s own id parameter (``service_id``...), or None.

    The class's ``ID_FIELD`` wins when its constructor takes it; otherwise the first
    constructor parameter ending in ``_id`` (``TestResultEvent`` has none: it is keyed by name).
    """
    names, _ = _constructor_params(event_class)
    id_field = getattr(event_class, "ID_FIELD", "")
    if id_field and id_field in names:
        return str(id_field)
    return next((n for n in names if n.endswith("_id")), None)


def check_sink(owner: str, sink: object) -> None:
    """Refuse, naming ``owner``, a manager that cannot take events (None, swapped arguments).

    Raises:
        TypeError: ``sink`` has no ``notify(event)`` method.
    """
    if not callable(getattr(sink, "notify", None)):
        raise TypeError(
            f"{owner} needs an EventManager (or any object with notify(event)), got {sink!r}; "
            "pass the manager first"
        )


class EventEmitterBase(ABC):  # noqa: B024 - abstract by intent, with no abstract method to force
    """Base class of the domain emitters: builds events and emits them through a manager.

    A domain emitter's ``emit_<name>`` methods are declared in one line each from their event
    class (``emit_service_started = emits(ServiceStartedEvent)``, see ``_declare``): each takes
    exactly the class's constructor parameters, emits the event and returns it. ``emit(cls,
    ...)`` does the same for any event class.

    Attributes:
        event_manager: the manager events are emitted through (``notify(event)``).
        entity_id: the id injected into events whose own id parameter is not given.
    """

    def __init__(self, event_manager: EventManager | EventSink, entity_id: str | None = None):
        """Bind the emitter to ``event_manager`` and, optionally, to one entity.

        Args:
            event_manager: anything with ``notify(event)``; normally an ``EventManager``.
            entity_id: the default entity of the events this emitter builds.

        Raises:
            TypeError: ``event_manager`` has no ``notify(event)`` (None, swapped arguments).
        """
        check_sink(type(self).__name__, event_manager)
        self.event_manager = event_manager
        self.entity_id = entity_id

    def __repr__(self) -> str:
        return f"<{type(self).__name__} entity_id={self.entity_id!r}>"

    def emit(self, event_class: Callable[P, E], /, *args: P.args, **kwargs: P.kwargs) -> E:
        """Build ``event_class(*args, **kwargs)``, emit it through the manager and return it.

        The arguments are checked against the class's constructor by mypy, as a direct call
        would be; nothing is filled in (``_create_and_emit_event`` fills the entity id).
        """
        event = build(f"{type(self).__name__}.emit()", event_class, args, kwargs)
        self._emit_event(event)
        return event

    def _emit_event(self, event: BaseEvent) -> None:
        """Emit ``event`` through the manager (``event_manager.notify(event)``)."""
        self.event_manager.notify(event)

    def _create_and_emit_event(self, event_class: type[BaseEvent], **kwargs: Any) -> BaseEvent:
        """Build ``event_class(**kwargs)`` and emit it; return the event.

        When the class's own id parameter (``experiment_id``, ``service_id``, ...) is missing
        or None, this emitter's ``entity_id`` is injected into it.

        Raises:
            ValueError: naming every required constructor parameter that is missing or None,
                or a keyword the class does not take.
        """
        id_name = id_parameter(event_class)
        if id_name is not None and kwargs.get(id_name) is None and self.entity_id is not None:
            kwargs[id_name] = self.entity_id
        names, required = _constructor_params(event_class)
        unknown = sorted(set(kwargs) - set(names))
        if unknown:
            raise ValueError(
                f"{event_class.__name__} takes no parameter {', '.join(map(repr, unknown))}; "
                f"its parameters are {list(names)}"
            )
        try:
            self._validate_required_fields(**{n: kwargs.get(n) for n in required})
        except ValueError as exc:
            raise ValueError(f"{event_class.__name__}: {exc}") from None
        event = event_class(**kwargs)
        self._emit_event(event)
        return event

    def _validate_required_fields(self, **kwargs: Any) -> None:
        """Check that no field given is None.

        Raises:
            ValueError: naming every field that is None (all of them, not just the first).
        """
        missing = [name for name, value in kwargs.items() if value is None]
        if missing:
            raise ValueError(
                f"missing required field{'s' if len(missing) > 1 else ''}: "
                f"{', '.join(missing)}; pass a value for each"
            )


class EntityEventEmitterBase(EventEmitterBase):
    """Base class of emitters bound to one entity (a ``TestEventEmitter`` is bound to a test).

    Attributes:
        entity_type: the entity kind (``"test"``); its id field is ``<entity_type>_id``.
    """

    def __init__(
        self, event_manager: EventManager | EventSink, entity_id: str, entity_type: str
    ) -> None:
        """Bind the emitter to the entity ``entity_id`` of kind ``entity_type``.

        Raises:
            TypeError: ``event_manager`` has no ``notify(event)`` (see ``check_sink``).
            ValueError: for an empty or non-string ``entity_id``, or an empty ``entity_type``.
        """
        super().__init__(event_manager, entity_id)  # refuses a missing manager first
        if not entity_id or not isinstance(entity_id, str):
            raise ValueError(
                f"{type(self).__name__} needs a non-empty entity_id, got {entity_id!r}"
            )
        if not entity_type:
            raise ValueError(
                f"{type(self).__name__} needs a non-empty entity_type, got {entity_type!r}"
            )
        self.entity_type = entity_type

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.entity_type} {self.entity_id!r}>"

    def _create_and_emit_entity_event(
        self, event_class: type[BaseEvent], **kwargs: Any
    ) -> BaseEvent:
        """Build and emit an event of this entity: ``<entity_type>_id`` is always set.

        The id field is set to this emitter's entity id when the class takes it and it is not
        given; classes keyed otherwise (``TestResultEvent`` is keyed by test name) are built
        from ``kwargs`` as they are.

        Raises:
            ValueError: as ``_create_and_emit_event``.
        """
        field = f"{self.entity_type}_id"
        names, _ = _constructor_params(event_class)
        if field in names and kwargs.get(field) is None:
            kwargs[field] = self.entity_id
        return self._create_and_emit_event(event_class, **kwargs)


class EventEmitter:
    """Simple emitter that publishes typed events, by default on the process-wide manager.

    Attributes:
        event_manager: the manager events are published on.
    """

    def __init__(self, event_manager: EventManager | None = None) -> None:
        """Use ``event_manager``, or ``EventManager.get_instance()`` when None."""
        if event_manager is None:
            event_manager = EventManager.get_instance()
        self.event_manager = event_manager

    def emit_event(self, event: BaseEvent) -> None:
        """Publish ``event`` (``event_manager.publish(event)``)."""
        self.event_manager.publish(event)
