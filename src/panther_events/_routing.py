"""Subscriptions, and the resolution of an observer into the one handler it has for a type."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Coroutine
from types import BuiltinMethodType, MethodType
from typing import TYPE_CHECKING, Any, cast, final

from ._aliases import GUIDE_ALIASES, aliases_of
from ._background import Worker
from ._patterns import Pattern
from .observer import Observer

if TYPE_CHECKING:
    import asyncio

__all__ = [
    "Handler",
    "Subscription",
    "interest_of",
    "meant_methods",
    "observer_name",
    "resolve_handler",
    "same_observer",
    "validate_observer",
]

logger = logging.getLogger("panther_events.manager")

Handler = Callable[[Any], object]

_BASE_ON_EVENT = Observer.on_event


def observer_name(observer: object) -> str:
    """A readable name for logs and failure events: the function's or the class's name."""
    name = getattr(observer, "__qualname__", None)
    if isinstance(name, str):
        return name
    return type(observer).__qualname__


def _method_names(event_type: str) -> list[str]:
    names = ["on_" + event_type.replace(".", "_").replace("-", "_")]
    names.extend("on_" + alias.replace(".", "_") for alias in aliases_of(event_type))
    return names


def resolve_handler(observer: object, event_type: str) -> tuple[Handler, bool] | None:
    """Return the handler ``observer`` has for ``event_type`` and whether it is a coroutine
    function, or None when it has none (the event is then skipped for that observer).

    Order: ``on_<type>``, ``on_<guide alias>``, ``on_event`` (unless it is the no-op inherited
    from ``Observer``), then the observer itself if it is callable.
    """
    # Imported here, once a route is first resolved: inspect (with ast and dis) is a tenth of
    # `import panther_events`, and resolutions are cached per type.
    from inspect import iscoroutinefunction  # noqa: PLC0415

    for name in _method_names(event_type):
        method = getattr(observer, name, None)
        if callable(method):
            return method, iscoroutinefunction(method)
    on_event = getattr(observer, "on_event", None)
    if callable(on_event) and getattr(on_event, "__func__", None) is not _BASE_ON_EVENT:
        return on_event, iscoroutinefunction(on_event)
    if callable(observer) and not isinstance(observer, Observer):
        return observer, iscoroutinefunction(observer)
    return None


def meant_methods(observer: object) -> list[tuple[str, str]]:
    """``(method, method probably meant)`` for each ``on_*`` method of ``observer``'s class that
    names no event type nor guide name but is close to one (``on_test_craeted``).

    Only a hint: such a method is never called (unless it names a type of the user's own).
    """
    names = [n for n in dir(type(observer)) if n.startswith("on_") and n != "on_event"]
    if not names:
        return []
    from difflib import get_close_matches  # noqa: PLC0415 - rare, and slow to import

    from .events.base import registered_event_types  # noqa: PLC0415 - events import this

    known = {
        "on_" + t.replace(".", "_").replace("-", "_")
        for t in (*registered_event_types(), *GUIDE_ALIASES)
    }
    meant = []
    for name in names:
        if name not in known:
            close = get_close_matches(name, sorted(known), n=1, cutoff=0.9)
            if close:
                meant.append((name, close[0]))
    return meant


def validate_observer(observer: object) -> None:
    """Refuse an object that can never handle anything, naming what is expected.

    Raises:
        TypeError: when ``observer`` is not callable and has no ``on_event``/``on_*`` method.
    """
    if callable(observer) or isinstance(observer, Observer):
        return
    if any(
        name.startswith("on_") and callable(getattr(observer, name, None)) for name in dir(observer)
    ):
        return
    raise TypeError(
        f"observer {observer!r} is not callable and has no on_event or on_<type> method; "
        "pass a function, an object with on_event(event), or an Observer subclass"
    )


def run_coroutine_sync(handler: Handler, on_error: Callable[[Any, Exception], None]) -> Handler:
    """Adapt an ``async def`` handler for synchronous ``publish``.

    With an event loop running in this thread the coroutine is scheduled on it as a task (and
    kept referenced until done), and an exception it ends with goes to ``on_error(event,
    exc)`` (publish has returned by then); otherwise it is run to completion on a fresh loop,
    and an exception propagates to the caller.
    """
    # Imported here, when an async handler is registered: asyncio costs more than importing
    # the rest of panther_events, and most programs never need it.
    import asyncio  # noqa: PLC0415

    tasks: set[asyncio.Task[object]] = set()

    def call(event: Any) -> None:
        coroutine = cast("Coroutine[Any, Any, object]", handler(event))
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            asyncio.run(coroutine)
            return
        task = loop.create_task(coroutine)
        tasks.add(task)
        task.add_done_callback(functools.partial(finished, event))

    def finished(event: Any, task: asyncio.Task[object]) -> None:
        tasks.discard(task)
        exc = None if task.cancelled() else task.exception()
        if isinstance(exc, Exception):
            on_error(event, exc)

    call.__qualname__ = getattr(handler, "__qualname__", "async handler")
    return call


def same_observer(registered: object, candidate: object) -> bool:
    """Return True when ``candidate`` names the observer ``registered``.

    Observers are compared by identity, except bound methods, which compare by equality (the
    same function of the same object): ``obj.method`` makes a new object on every access, so
    identity would make ``unregister_observer(obj.method)`` a silent no-op. Other ``__eq__``
    methods are not consulted, so two equal-valued observer objects (dataclasses, say) stay
    two observers.
    """
    if registered is candidate:
        return True
    return (
        type(candidate) in _BOUND_METHODS
        and type(registered) is type(candidate)
        and registered == candidate
    )


_BOUND_METHODS = (MethodType, BuiltinMethodType)


def interest_of(observer: object) -> tuple[Callable[[str], object], Callable[[], object]] | None:
    """Return the observer's ``(is_interested, get_priority)`` methods, when it has both (the
    way PANTHER's observers declare what they want), or None."""
    is_interested = getattr(observer, "is_interested", None)
    get_priority = getattr(observer, "get_priority", None)
    if callable(is_interested) and callable(get_priority):
        return is_interested, get_priority
    return None


@final
class Subscription:
    """One observer's registration: its patterns, priority, order and delivery mode.

    An observer has at most one Subscription per manager (found by ``same_observer``, so
    observers need not be hashable); registering it again adds patterns to it. An observer
    registered without patterns that has ``is_interested(event_type)`` is routed by that
    method instead, asked once per type (the answers are cached like pattern matches).
    """

    __slots__ = (
        "interest",
        "interested",
        "name",
        "observer",
        "patterns",
        "priority",
        "seq",
        "worker",
    )

    def __init__(
        self,
        observer: object,
        patterns: list[Pattern],
        priority: int,
        seq: int,
        worker: Worker | None,
    ) -> None:
        self.observer = observer
        self.patterns = patterns
        self.priority = priority
        self.seq = seq
        self.worker = worker
        self.name = observer_name(observer)
        self.interest: Callable[[str], object] | None = None
        self.interested: dict[str, bool] = {}

    def matches(self, event_type: str) -> bool:
        """Return True when any of the observer's patterns, or its ``is_interested``, selects
        ``event_type``."""
        if any(p.matches(event_type) for p in self.patterns):
            return True
        if self.interest is None:
            return False
        answer = self.interested.get(event_type)
        if answer is None:
            try:
                answer = bool(self.interest(event_type))
            except Exception:
                logger.exception(
                    "observer %s: is_interested(%r) raised; it will not receive that type",
                    self.name,
                    event_type,
                )
                answer = False
            self.interested[event_type] = answer
        return answer

    def sort_key(self) -> tuple[int, int]:
        """Higher priority first, then registration order."""
        return (-self.priority, self.seq)
