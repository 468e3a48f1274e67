"""Emit methods declared in one line from their event class: ``emit_x = emits(XEvent)``.

A method that only forwards its arguments to an event constructor is not written out: the
class's ``__init__`` is its one source. Each descriptor here is typed with a ``ParamSpec``
captured from the constructor, so ``emitter.emit_service_started(service_nme="x")`` is
rejected by mypy exactly as ``ServiceStartedEvent(service_nme="x")`` is, and at run time the
bound method shows the constructor's parameters (``help()``, ``inspect.signature``).
"""

from __future__ import annotations

import difflib
import inspect
from collections.abc import Callable
from types import MethodType
from typing import (
    TYPE_CHECKING,
    Any,
    Concatenate,
    Generic,
    ParamSpec,
    Protocol,
    TypeVar,
    overload,
)

from ..events.base import BaseEvent

if TYPE_CHECKING:
    from .base import EntityEventEmitterBase, EventEmitterBase

__all__ = ["build", "emits", "emits_for_entity", "validated"]

P = ParamSpec("P")
E = TypeVar("E", bound=BaseEvent)
R = TypeVar("R")


class _Validating(Protocol):
    """What a ``validated`` method needs from its instance (``EmitterRegistry`` has it)."""

    def emit_with_validation(self, event: BaseEvent) -> bool:
        """Check and move the event's state machine, then emit; False when forbidden."""


class _Declared(Generic[P, R]):
    """A method made of one function; ``__get__`` binds it to the instance as ``def`` would.

    Attributes:
        function: the plain function (``self`` first) that class access returns.
        event_class: the event class the method builds.
    """

    __slots__ = ("event_class", "function")

    def __init__(
        self,
        function: Callable[..., R],
        event_class: type[BaseEvent],
        doc: str,
        *,
        filled: int = 0,
        returns: str = "",
    ) -> None:
        # The signature help() shows: self, then the constructor's parameters except the
        # ``filled`` leading ones the method supplies itself (a bound emitter's entity id).
        params = list(inspect.signature(event_class).parameters.values())[filled:]
        this = inspect.Parameter("self", inspect.Parameter.POSITIONAL_OR_KEYWORD)
        function.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
            [this, *params], return_annotation=returns or event_class.__name__
        )
        function.__doc__ = doc
        self.function = function
        self.event_class = event_class

    def __set_name__(self, owner: type, name: str) -> None:
        self.function.__name__ = name
        self.function.__qualname__ = f"{owner.__qualname__}.{name}"
        self.function.__module__ = owner.__module__

    @overload
    def __get__(self, instance: None, owner: type) -> Callable[..., R]: ...
    @overload
    def __get__(self, instance: object, owner: type) -> Callable[P, R]: ...
    def __get__(self, instance: object | None, owner: type) -> Callable[..., R]:
        if instance is None:
            return self.function
        return MethodType(self.function, instance)


class emits(_Declared[P, E]):  # noqa: N801 - reads as a function where used: x = emits(XEvent)
    """``emit_x = emits(XEvent)``: a method that builds ``XEvent(...)``, emits and returns it."""

    __slots__ = ()

    def __init__(self, event_class: Callable[P, E]) -> None:
        cls: Any = event_class

        def method(emitter: EventEmitterBase, /, *args: Any, **kwargs: Any) -> E:
            event: E = build(_where(emitter, method), cls, args, kwargs)
            emitter._emit_event(event)
            return event

        super().__init__(method, cls, _doc(cls, "emit it through the manager and return it"))


class emits_for_entity(_Declared[P, E]):  # noqa: N801 - reads as a function where used: x = emits(XEvent)
    """``emit_x = emits_for_entity(XEvent)``: like ``emits``, for an emitter bound to an entity.

    The class's first constructor parameter (``test_id``) is the emitter's ``entity_id``; the
    method takes the others.
    """

    __slots__ = ()

    def __init__(self, event_class: Callable[Concatenate[str, P], E]) -> None:
        cls: Any = event_class

        def method(emitter: EntityEventEmitterBase, /, *args: Any, **kwargs: Any) -> E:
            where = _where(emitter, method)
            event: E = build(
                where, cls, (emitter.entity_id, *args), kwargs, bound=emitter.entity_id
            )
            emitter._emit_event(event)
            return event

        doc = _doc(cls, "for this emitter's entity, emit it through the manager and return it")
        super().__init__(method, cls, doc, filled=1)


class validated(_Declared[P, bool]):  # noqa: N801 - reads as a function where used: x = emits(XEvent)
    """``emit_x_with_validation = validated(XEvent)``: build the event, then
    ``emit_with_validation(event)``: True when emitted, False when the lifecycle forbids it."""

    __slots__ = ()

    def __init__(self, event_class: Callable[P, BaseEvent]) -> None:
        cls: Any = event_class

        def method(registry: _Validating, /, *args: Any, **kwargs: Any) -> bool:
            return registry.emit_with_validation(build(_where(registry, method), cls, args, kwargs))

        doc = _doc(
            cls,
            "check and move its entity's state machine, emit it and return True; when the "
            "lifecycle forbids it, emit nothing and return False (see emit_with_validation)",
        )
        super().__init__(method, cls, doc, returns="bool")


def _doc(cls: type[BaseEvent], what: str) -> str:
    return f"Emit ``{cls.EVENT_TYPE}``: build a ``{cls.__name__}`` from the arguments, {what}."


def build(
    where: str,
    factory: Callable[..., R],
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    *,
    bound: str | None = None,
) -> R:
    """Return ``factory(*args, **kwargs)``, for the method ``where`` (``"X.emit_y()"``).

    ``bound`` is the entity id a bound emitter passes as the first argument. Arguments the
    factory's signature refuses raise one ``TypeError`` that names ``where``, the argument, the
    parameters taken and, for a misspelt keyword, the one probably meant; any other error of
    the factory propagates unchanged. Costs nothing more on the way that succeeds.

    Raises:
        TypeError: ``factory`` is not callable (an event type string instead of its class), or
            the arguments do not fit its signature.
    """
    if not callable(factory):
        raise TypeError(
            f"{where} takes an event class such as TestCreatedEvent, got {factory!r}; "
            "pass the class, not its type string"
        )
    try:
        return factory(*args, **kwargs)
    except TypeError:
        try:
            signature = inspect.signature(factory)
        except (TypeError, ValueError):  # no signature to explain the call with
            raise
        try:
            signature.bind(*args, **kwargs)
        except TypeError as wrong:
            names = list(signature.parameters)[0 if bound is None else 1 :]
            raise TypeError(_misfit(where, factory, names, kwargs, bound, wrong)) from None
        raise


def _misfit(
    where: str,
    factory: Callable[..., object],
    names: list[str],
    kwargs: dict[str, Any],
    bound: str | None,
    wrong: TypeError,
) -> str:
    """The message of a call to ``where`` whose arguments ``factory`` does not take."""
    what = getattr(factory, "__name__", repr(factory))
    unknown = [k for k in kwargs if k not in names]
    reason = f"unexpected keyword argument {', '.join(map(repr, unknown))}" if unknown else wrong
    message = f"{where}: {reason}; {what} takes {', '.join(names) or 'no arguments'}"
    if bound is not None and unknown:
        first = next(iter(inspect.signature(factory).parameters))
        if first in unknown:
            return f"{message}; {first} is this emitter's entity id ({bound!r}): leave it out"
    for key in unknown:
        guess = difflib.get_close_matches(key, names, n=1)
        if guess:
            return f"{message}; did you mean {guess[0]!r}?"
    return message


def _where(instance: object, method: Callable[..., object]) -> str:
    """``"TestEventEmitter.emit_test_created()"``: the call as the user wrote it."""
    return f"{type(instance).__name__}.{method.__name__}()"
