"""EventManager: routing of published events to the observers whose patterns match them.

The dispatch contract
---------------------
- **Matching.** An observer registered with several patterns receives an event once when any of
  them matches (see ``_patterns`` for the language). Registered without patterns it receives
  every event, unless it has ``is_interested(event_type)`` and ``get_priority()``: then those
  route and order it (asked once per type). Routes are resolved once per distinct event type
  and cached until the subscriptions change, so publishing costs the same with 1 or 1,000
  registered patterns.
- **Order.** Higher ``priority`` first, then registration order.
- **Identity.** One registration per observer, found by identity, bound methods by equality
  (``obj.method`` is a new object on every access).
- **Failures.** An observer that raises never stops delivery to the others and never raises into
  the publisher: the exception is logged once (logger ``panther_events.manager``, with
  traceback), counted, and published as ``system.observer_failed`` (``ObserverFailedEvent``) to
  every matching observer but the one that failed. A failure of an observer of
  ``system.observer_failed`` itself is logged and counted, not published again.
  ``BaseException``s that are not ``Exception`` (KeyboardInterrupt, SystemExit) propagate.
- **References.** Observers are held strongly until unregistered; they need not be hashable.
- **Re-entrancy.** An observer may publish from inside a callback. The nested event is delivered
  at once, depth-first, before the outer event reaches the observers after the current one (as a
  function call would). Nesting deeper than ``max_depth`` raises ``RecursionLimitError`` inside
  the publishing observer, which is then reported as that observer's failure; the refused event
  leaves the dedup window.
- **Deduplication.** A ``BaseEvent`` whose ``id`` was delivered within the last ``dedup_window``
  events (and, with ``dedup_ttl``, less than that many seconds ago: checked when the id comes
  back) is dropped and counted as a duplicate. The oldest ids are forgotten first, an eighth of
  the window at a time, so the window holds between ``dedup_window`` and ``dedup_window * 9 /
  8`` ids. Ids are content ids, so events that differ in any data value are never dropped;
  measurement events (metrics) have random ids and are never dropped. Switch it off with
  ``dedup=False``.
- **Validation.** An event whose ``validate()`` returns False is refused with
  ``EventValidationError`` before it reaches the dedup window or any observer.
- **Threads.** ``publish`` may be called from any thread without locks: it reads an immutable
  snapshot of the routes, and counters are kept per thread, so totals are exact. Registration
  takes a lock and replaces the snapshot; a publish already under way keeps the snapshot it
  started with.
- **Background observers.** ``background=True`` gives an observer its own bounded queue and
  worker thread (see ``_background.Worker`` for the overflow policy; a worker thread never
  waits for room). ``flush()`` waits until what was queued before it is handled.
- **Closing.** Once ``close()`` has begun, ``publish`` raises ``ManagerClosedError``, except
  from observers handling events accepted before (a nested publish, or one made on a
  background worker while close() drains it), which is delivered; ``close()``
  waits for publishes under way in other threads, drains every queue, stops the workers and
  calls each observer's ``close()``. Every ``publish()`` that returned normally has then reached
  every matching observer (or, under a drop policy, been counted as dropped).
  A ``close()`` run by a coroutine cannot wait for ``publish_async`` calls suspended on its own
  loop: each raises ``ManagerClosedError`` when it resumes with observers left to reach.
- **asyncio.** ``await publish_async(event)`` awaits ``async def`` handlers in order and calls
  sync ones; it shares ``publish``'s admission step and routes. Its nesting depth is counted
  per asyncio task: calls awaited side by side on one loop are not nested in each other.
  Under plain ``publish`` an ``async def`` handler is scheduled as a task when a loop runs in
  the calling thread, and otherwise run to completion.
"""

from __future__ import annotations

import contextlib
import functools
import itertools
import logging
import threading
import time
import traceback
import weakref
from collections import defaultdict, deque
from collections.abc import Callable, Iterable, Iterator
from contextvars import ContextVar
from itertools import islice, repeat
from typing import Any, ClassVar, NoReturn, TypeVar, cast, final

from ._background import OverflowPolicy, Worker
from ._naming import type_of
from ._patterns import Pattern, compile_pattern, meant_pattern
from ._routing import (
    Handler,
    Subscription,
    interest_of,
    meant_methods,
    observer_name,
    resolve_handler,
    run_coroutine_sync,
    same_observer,
    validate_observer,
)
from .events._wire import admitted_type, event_type_of
from .events.system import ObserverFailedEvent
from .exceptions import EventValidationError, ManagerClosedError, RecursionLimitError

__all__ = ["EventManager"]

logger = logging.getLogger("panther_events.manager")

_OBSERVER_FAILED = ObserverFailedEvent.EVENT_TYPE

# The nesting depth of publish_async, per asyncio task: coroutines suspended side by side on
# one thread are not nested in each other, so the thread's depth cannot count them.
_async_depth: ContextVar[int] = ContextVar("panther_events_async_depth", default=0)

_T = TypeVar("_T")


def _int_argument(name: str, value: object) -> None:
    """Refuse an argument that must be an int (a bool is refused too: ``priority=True``)."""
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError(f"{name} must be an int, got {value!r}")


def _seconds_argument(name: str, value: object) -> None:
    """Refuse a duration that is neither a number of seconds nor None."""
    if value is not None and (not isinstance(value, int | float) or isinstance(value, bool)):
        raise TypeError(f"{name} must be seconds (a number) or None, got {value!r}")


# A route: the handlers of publish, or the (handler, is_async) pairs of publish_async.
_R = TypeVar("_R", tuple[Handler, ...], tuple[tuple[Handler, bool], ...])


@final
class _ThreadState:
    """Per-thread counters and nesting depth: no lock on the publish path, exact totals."""

    __slots__ = (
        "awaiting",
        "by_type",
        "delivered",
        "depth",
        "duplicates",
        "errors",
        "invalid",
        "owner",
    )

    def __init__(self, owner: threading.Thread | None = None) -> None:
        self.owner = weakref.ref(owner) if owner is not None else None
        self.depth = 0
        self.awaiting = 0  # publish_async calls under way in this thread (for close())
        self.delivered = 0
        self.duplicates = 0
        self.errors = 0
        self.invalid = 0
        # A defaultdict: "+= 1" on it is cheaper than get() and a store, per publish.
        self.by_type: defaultdict[str, int] = defaultdict(int)

    def finished(self) -> bool:
        """True once the owning thread has ended: it can no longer change these counters."""
        if self.owner is None:
            return False
        thread = self.owner()
        return thread is None or not thread.is_alive()

    def absorb(self, other: _ThreadState) -> None:
        """Add ``other``'s counters to these (used to retire a finished thread's state)."""
        self.delivered += other.delivered
        self.duplicates += other.duplicates
        self.errors += other.errors
        self.invalid += other.invalid
        for key, count in other.by_type.items():
            self.by_type[key] = self.by_type.get(key, 0) + count


def _oldest(keys: Iterable[_T], count: int) -> list[_T]:
    """Copy the first ``count`` items of a view of the dedup window (see ``_trim``)."""
    for _ in range(8):
        try:
            return list(islice(keys, count))
        except RuntimeError:  # changed size during the copy: take it again
            continue
    return []


def _refuse_non_event(value: object, is_async: bool) -> NoReturn:
    """Refuse what is never an event: a type string (it would reach only ``*`` observers, as a
    ``str``), a class not called yet, or None."""
    method = "publish_async()" if is_async else "publish()"
    if isinstance(value, type):
        got = f"the class {value.__name__}: call it to build the event"
    elif value is None:
        got = "None: build the event"
    else:
        got = f"the {type(value).__name__} {value!r}: build the event"
    raise TypeError(
        f"{method} takes an event object, got {got} (TestCreatedEvent(test_id=..., ...), or "
        "GenericEvent(event_type, entity_type, entity_id) for a type of your own)"
    )


def _declared_priority(observer: object, get_priority: Callable[[], object]) -> int:
    """The priority an observer declares with ``get_priority()``; 0 when it gives none."""
    try:
        declared: Any = get_priority()
        return int(declared)
    except Exception:
        logger.exception("observer %s: get_priority() failed; using 0", observer_name(observer))
        return 0


def _isawaitable(value: object) -> bool:
    """``inspect.isawaitable``, inspect loaded on the first asynchronous publish that needs it
    (it is a tenth of ``import panther_events``)."""
    from inspect import isawaitable  # noqa: PLC0415

    return isawaitable(value)


class EventManager:
    """Central event coordination and distribution.

    Args:
        dedup: drop content duplicates delivered within the window (see the contract below).
        dedup_window: how many recent event ids the duplicate check remembers (oldest first out).
        dedup_ttl: if set, also forget ids older than this many seconds.
        history_limit: how many recent events ``get_event_history`` keeps; 0 keeps none.
        max_depth: how deeply observers may publish from inside callbacks.
        publish_failures: publish ``system.observer_failed`` events for observer exceptions.
    """

    _default: ClassVar[EventManager | None] = None
    _default_lock: ClassVar[threading.Lock] = threading.Lock()

    def __init__(
        self,
        *,
        dedup: bool = True,
        dedup_window: int = 10_000,
        dedup_ttl: float | None = None,
        history_limit: int = 1000,
        max_depth: int = 32,
        publish_failures: bool = True,
    ) -> None:
        for name, value in (
            ("dedup_window", dedup_window),
            ("history_limit", history_limit),
            ("max_depth", max_depth),
        ):
            _int_argument(name, value)
        _seconds_argument("dedup_ttl", dedup_ttl)
        if dedup_window < 1:
            raise ValueError(f"dedup_window must be at least 1, got {dedup_window!r}")
        if dedup_ttl is not None and dedup_ttl <= 0:
            raise ValueError(f"dedup_ttl must be positive seconds or None, got {dedup_ttl!r}")
        if history_limit < 0:
            raise ValueError(f"history_limit must be 0 or more, got {history_limit!r}")
        if max_depth < 1:
            raise ValueError(f"max_depth must be at least 1, got {max_depth!r}")
        self._lock = threading.RLock()
        self._subscriptions: list[Subscription] = []
        self._seq = itertools.count()
        # Immutable snapshots, replaced (never mutated in place) when subscriptions change.
        self._routes: dict[str, tuple[Handler, ...]] = {}
        self._async_routes: dict[str, tuple[tuple[Handler, bool], ...]] = {}
        self._owners: dict[int, Subscription] = {}
        self._dedup = dedup
        self._dedup_window = dedup_window
        self._dedup_ttl = dedup_ttl
        # The dedup window: a dict keeps insertion order, so its first keys are the oldest ids;
        # each maps to None, or under a TTL to its arrival time. Trimming runs once per batch,
        # keeping at least dedup_window ids, so a publish pays for one insert.
        self._seen: dict[str, _ThreadState | float | None] = {}
        self._dedup_lock = threading.Lock()
        self._next_expiry = 0.0
        self._evict_batch = max(1, dedup_window // 8)
        self._seen_limit = dedup_window + self._evict_batch
        self._history: deque[object] | None = deque(maxlen=history_limit) if history_limit else None
        # Bound once: one call per publish instead of an attribute and a method lookup.
        self._record = self._history.append if self._history is not None else None
        self._max_depth = max_depth
        self._publish_failures = publish_failures
        self._tls = threading.local()
        self._thread_states: list[_ThreadState] = []
        # Counters of threads that have ended, folded together so the list above stays as
        # long as the number of live publishing threads (a thread per request must not leak).
        self._retired = _ThreadState()
        self._failures_by_observer: dict[str, int] = {}
        self._closed = False
        self._closer = 0  # the thread running close(), once it has begun
        self._close_done = threading.Event()

    # -- the default instance ------------------------------------------------------------------

    @classmethod
    def get_instance(cls) -> EventManager:
        """Return the process-wide default manager, creating it once (thread-safe)."""
        instance = cls._default
        if instance is None:
            with cls._default_lock:
                instance = cls._default
                if instance is None:
                    instance = cls._default = cls()
        return instance

    @classmethod
    def reset_instance(cls) -> None:
        """Close and forget the default manager; the next ``get_instance`` makes a new one."""
        with cls._default_lock:
            instance, cls._default = cls._default, None
        if instance is not None:
            instance.close()

    # -- registration --------------------------------------------------------------------------

    def register_observer(
        self,
        pattern_or_observer: object,
        observer: object = None,
        *,
        priority: int | None = None,
        background: bool = False,
        queue_size: int = 10_000,
        overflow: OverflowPolicy = "block",
    ) -> None:
        """Register an observer for the event types its patterns match.

        Accepted forms: ``register_observer("test.*", obs)`` (the guide's order),
        ``register_observer(obs, ["test.created", "service.*"])`` (the reference
        implementation's order), ``register_observer(obs)`` and ``register_observer(None, obs)``
        (every event). A bare string is always one pattern.

        Registering an observer that is already registered adds the patterns to it; it is still
        called once per event. ``priority`` (default 0) sets the observer's priority when given.

        Args:
            priority: higher runs first; ties run in registration order.
            background: deliver through the observer's own bounded queue and worker thread.
            queue_size: the bound of that queue.
            overflow: ``"block"``, ``"drop_oldest"`` or ``"drop_newest"`` when the queue is full.

        Raises:
            PatternError: a pattern is malformed (the message says why).
            TypeError: the observer can handle nothing.
            TypeError: ``priority`` or ``queue_size`` is not an int.
            ValueError: the observer is registered already with the other delivery mode.
            ManagerClosedError: ``background=True`` once ``close()`` has begun (its worker
                would never be stopped).
        """
        if priority is not None:
            _int_argument("priority", priority)
        _int_argument("queue_size", queue_size)
        target, patterns = self._parse_registration(pattern_or_observer, observer)
        validate_observer(target)
        interest = interest_of(target) if patterns is None else None
        compiled = [compile_pattern(p) for p in patterns or ([] if interest else ["*"])]
        for pattern in compiled:
            meant = meant_pattern(pattern.text)
            if meant is not None:
                logger.warning(
                    "pattern %r matches no event type of panther-events: did you mean %r? "
                    "(fine if you publish types of your own under that name)",
                    pattern.text,
                    meant,
                )
        for method, meant in meant_methods(target):
            logger.warning(
                "%s.%s handles no event type of panther-events and is never called: did you "
                "mean %r? (fine if you publish a type of your own under that name)",
                type(target).__qualname__,
                method,
                meant,
            )
        with self._lock:
            if background and self._closed:
                raise ManagerClosedError(
                    f"cannot register {observer_name(target)!r} for background delivery: this "
                    "EventManager is closed; register before close(), or create a new EventManager"
                )
            sub = self._find(target)
            if sub is None:
                if priority is None and interest is not None:
                    priority = _declared_priority(target, interest[1])
                sub = Subscription(target, [], priority or 0, next(self._seq), None)
                if background:
                    sub.worker = self._make_worker(sub, queue_size, overflow)
                self._subscriptions.append(sub)
            else:
                if background != (sub.worker is not None):
                    mode = "background" if sub.worker is not None else "foreground"
                    raise ValueError(
                        f"observer {sub.name!r} is already registered for {mode} delivery; "
                        "unregister it first to change the mode"
                    )
                if priority is not None:
                    sub.priority = priority
            if interest is not None:
                sub.interest = interest[0]
            for p in compiled:
                if p not in sub.patterns:
                    sub.patterns.append(p)
            self._subscriptions.sort(key=Subscription.sort_key)
            self._invalidate()

    def unregister_observer(self, pattern_or_observer: object, observer: object = None) -> None:
        """Remove a registration: ``(pattern, obs)`` removes one pattern, ``(obs)`` all of them.

        Unknown observers and patterns are ignored. A background observer's queue is drained
        before its worker stops.
        """
        target, patterns = self._parse_registration(pattern_or_observer, observer)
        stopped: Worker | None = None
        with self._lock:
            sub = self._find(target)
            if sub is None:
                return
            if patterns is not None:
                removed = {compile_pattern(p) for p in patterns}
                sub.patterns = [p for p in sub.patterns if p not in removed]
            if patterns is None or not (sub.patterns or sub.interest):
                self._subscriptions.remove(sub)
                stopped = sub.worker
            self._invalidate()
        if stopped is not None:
            stopped.stop(None)

    @contextlib.contextmanager
    def observing(
        self, pattern: str, observer: object, *, priority: int | None = None
    ) -> Iterator[None]:
        """Register ``observer`` for ``pattern`` inside a ``with`` block only (a test hook)."""
        self.register_observer(pattern, observer, priority=priority)
        try:
            yield
        finally:
            self.unregister_observer(pattern, observer)

    def _parse_registration(self, first: object, second: object) -> tuple[object, list[str] | None]:
        """Return ``(observer, patterns)``; patterns are None when the call gave none."""
        if isinstance(first, str):
            if second is None:
                raise TypeError(f"register_observer({first!r}) needs an observer after the pattern")
            return second, [first]
        if first is None:
            if second is None:
                raise TypeError("register_observer(None) needs an observer")
            return second, None
        if isinstance(first, list | tuple | set | frozenset):
            if second is None:
                raise TypeError("a list of patterns must be followed by the observer")
            return second, list(first)
        if second is None:
            return first, None
        if isinstance(second, str):
            return first, [second]
        if isinstance(second, Iterable):
            return first, list(second)
        raise TypeError(
            f"cannot read patterns from {second!r}; pass a pattern string, a list of them, or None"
        )

    def _find(self, observer: object) -> Subscription | None:
        for sub in self._subscriptions:
            if same_observer(sub.observer, observer):
                return sub
        return None

    def _make_worker(self, sub: Subscription, queue_size: int, overflow: OverflowPolicy) -> Worker:
        report = self._failure_reporter(sub)
        return Worker(sub.name, queue_size, overflow, lambda _, event, exc: report(event, exc))

    def _invalidate(self) -> None:
        self._routes = {}
        self._async_routes = {}
        self._owners = {}

    def _resolve(
        self, event_type: str
    ) -> tuple[tuple[Handler, ...], tuple[tuple[Handler, bool], ...]]:
        """Compute and cache the routes of one event type (under the registration lock):
        the handlers ``publish`` calls, and the ``(handler, is_async)`` pairs of
        ``publish_async`` (which awaits ``async def`` handlers rather than adapting them)."""
        with self._lock:
            handlers: list[Handler] = []
            pairs: list[tuple[Handler, bool]] = []
            for sub in self._subscriptions:
                if not sub.matches(event_type):
                    continue
                resolved = resolve_handler(sub.observer, event_type)
                if resolved is None:
                    continue
                handler, is_async = resolved
                sync = (
                    run_coroutine_sync(handler, self._failure_reporter(sub))
                    if is_async
                    else handler
                )
                if sub.worker is not None:
                    sync = functools.partial(sub.worker.submit, sync)
                    handler, is_async = sync, False
                self._owners[id(sync)] = self._owners[id(handler)] = sub
                handlers.append(sync)
                pairs.append((handler, is_async))
            routes = tuple(handlers), tuple(pairs)
            self._routes[event_type], self._async_routes[event_type] = routes
            return routes

    # -- publishing ----------------------------------------------------------------------------

    def _state(self) -> _ThreadState:
        try:
            state: _ThreadState = self._tls.state
        except AttributeError:
            state = self._tls.state = _ThreadState(threading.current_thread())
            with self._lock:
                live = []
                for other in self._thread_states:
                    if other.finished():
                        self._retired.absorb(other)
                    else:
                        live.append(other)
                live.append(state)
                self._thread_states = live
        return state

    def _admit(self, event: Any, state: _ThreadState, routes: dict[str, _R]) -> _R | tuple[()]:
        """The admission step of every publish: refuse a closed manager or an invalid event,
        drop a duplicate, count and record the rest, and look up its route in ``routes``
        (``_routes`` or ``_async_routes``), resolving it on a miss.

        Returns:
            The event's handlers (of the kind ``routes`` holds), or ``()`` for a duplicate.
        """
        if self._closed and not self._handling_accepted(state):
            self._refuse_closed(event)
        event_type = admitted_type(event)
        if event_type is None:  # a plain object: no validation, no dedup
            if event is None or isinstance(event, str | bytes | type):
                _refuse_non_event(event, routes is self._async_routes)
            event_type = type_of(event)
            dedup = False
        elif not event_type:
            self._refuse(event, state)
        else:
            dedup = self._dedup
        # The route first: an event class passed for an event is refused on the miss, before
        # anything is counted or recorded, and the common path checks nothing more.
        try:
            handlers = routes[event_type]  # cheaper than get() when, as nearly always, it is there
        except KeyError:
            handlers = self._missed_route(event, event_type, routes)
        if dedup:
            # See _is_duplicate: the thread's own state is the insertion marker. Its
            # common case is written here (a call costs a tenth of a publish).
            key = event.id
            seen = self._seen
            if seen.setdefault(key, state) is not state:
                if self._dedup_ttl is None or not self._stale(key):
                    state.duplicates += 1
                    return ()
            elif self._dedup_ttl is None:
                seen[key] = None
                if len(seen) > self._seen_limit:
                    self._trim()
            else:
                self._arrived(key)
        state.by_type[event_type] += 1
        record = self._record
        if record is not None:
            record(event)
        return handlers

    def _missed_route(self, event: Any, event_type: Any, routes: dict[str, _R]) -> _R:
        """Resolve the route of a type seen for the first time since the last registration
        change; refuse an event class passed for an event (its ``_type`` is a descriptor)."""
        if type(event_type) is not str:
            _refuse_non_event(event, routes is self._async_routes)
        resolved = self._resolve(event_type)
        # The kind ``routes`` holds: mypy cannot tie the two dicts to the TypeVar.
        return cast(_R, resolved[1] if routes is self._async_routes else resolved[0])

    def _handling_accepted(self, state: _ThreadState) -> bool:
        """Whether a publish after ``close()`` began is part of handling events accepted
        before it, and so still delivered: made by an observer (nested in a delivery, or on
        a background worker) while ``close()`` has not finished."""
        return not self._close_done.is_set() and (
            state.depth > 1 or threading.get_ident() in Worker.worker_idents
        )

    def _refuse_closed(self, event: Any) -> NoReturn:
        text = repr(event)
        if len(text) > 200:  # a plain object's repr may hold all its data
            text = text[:200] + "..."
        event_type = type_of(event)
        if event_type not in text:
            text += f" (type {event_type!r})"
        raise ManagerClosedError(
            f"cannot publish {text}: this EventManager is closed; "
            "publish before close(), or create a new EventManager"
        )

    def _refuse(self, event: Any, state: _ThreadState) -> NoReturn:
        state.invalid += 1
        raise EventValidationError(
            f"refused {event!r}: validate() failed (name={event.name!r}, "
            f"entity_id={event.entity_id!r}, timestamp={event.timestamp!r}); "
            "every event needs a name, an entity id and a timestamp"
        )

    def _too_deep(self, event: Any, state: _ThreadState, depth: int | None = None) -> NoReturn:
        """Refuse a publish nested deeper than ``max_depth``; the event leaves the dedup
        window, so publishing it again later is not mistaken for a duplicate."""
        if self._dedup and event_type_of(event) is not None:
            with self._dedup_lock:  # not while _trim counts the oldest ids
                self._seen.pop(event.id, None)
        raise RecursionLimitError(
            f"publishing {type_of(event)!r} would nest observer callbacks "
            f"{state.depth if depth is None else depth} deep "
            f"(max_depth={self._max_depth}); an observer probably re-publishes what it "
            "receives. Break the cycle or raise max_depth"
        )

    def _arrived(self, key: str) -> None:
        """Under a TTL: stamp a newly inserted id with its arrival time, trimming when due.

        The dedup window is a dict; ``_admit`` inserts with ``setdefault``, one atomic step,
        storing the calling thread's own state object as a marker, which the thread replaces
        at once (with None, or here with the arrival time) before it can publish again: so
        getting its own marker back means "inserted just now", and anything else means "seen
        before" (or, under a TTL, see ``_stale``). Exact under threads, with no lock on the
        common path.
        """
        now = self._seen[key] = time.monotonic()
        if len(self._seen) > self._seen_limit or now >= self._next_expiry:
            self._trim()

    def _stale(self, key: str) -> bool:
        """Under a TTL: if ``key`` arrived more than TTL seconds ago, renew it and return True.

        Checked on every hit, so an id is never dropped past its TTL, whether or not new ids
        have arrived since. The lock makes the renewal happen once when threads race for it.
        """
        with self._dedup_lock:
            arrived = self._seen.get(key)
            now = time.monotonic()
            if type(arrived) is float and arrived <= now - (self._dedup_ttl or 0.0):
                del self._seen[key]  # re-inserted last: it is the newest id now
                self._seen[key] = now
                return True
        return False

    def _trim(self) -> None:
        """Forget the oldest ids beyond ``dedup_window`` and, under a TTL, the expired ones.

        One thread trims at a time; the others go on (the window may briefly hold a few more
        ids). Publishers insert without the lock, so a copy of the oldest keys can meet a
        concurrent insertion (a finaliser run by the garbage collector can switch threads
        mid-copy): it is then taken again.
        """
        if not self._dedup_lock.acquire(blocking=False):
            return
        try:
            seen = self._seen
            excess = len(seen) - self._dedup_window
            ttl = self._dedup_ttl
            if ttl is not None:
                now = time.monotonic()
                self._next_expiry = now + ttl / 4
                cutoff = now - ttl
                expired = 0
                for arrived in _oldest(seen.values(), len(seen)):
                    if type(arrived) is not float or arrived > cutoff:
                        break
                    expired += 1
                excess = max(excess, expired)
            if excess > 0:
                # Popped in C: a deque of length 0 consumes the map (one eviction per insert).
                deque(map(seen.pop, _oldest(seen, excess), repeat(None)), maxlen=0)
        finally:
            self._dedup_lock.release()

    def publish(self, event: Any) -> None:
        """Publish ``event`` to every observer whose patterns match its type.

        Any object can be published: a ``BaseEvent``, or a plain object (such as a
        ``@dataclass``) whose type comes from ``get_type()``, an ``event_type`` attribute or its
        class name (see ``type_for_class``). ``help(EventManager)`` gives the full contract.

        Raises:
            EventValidationError: the event's ``validate()`` failed.
            TypeError: ``event`` is a string, bytes, None or a class (not an event object).
            ManagerClosedError: ``close()`` has begun (and this is not an observer handling
                an event accepted before).
            RecursionLimitError: observers nested publishes deeper than ``max_depth``.
        """
        try:
            state: _ThreadState = self._tls.state
        except AttributeError:
            state = self._state()
        # depth > 0 tells close() that this thread is publishing: it waits for the delivery.
        state.depth += 1
        try:
            handlers = self._admit(event, state, self._routes)
            if handlers:
                if state.depth > self._max_depth:
                    self._too_deep(event, state)
                for handler in handlers:
                    try:
                        handler(event)
                    except Exception as exc:
                        self._handler_failed(handler, event, exc, state)
                state.delivered += len(handlers)
        finally:
            state.depth -= 1

    publish_event = publish
    notify = publish

    async def publish_async(self, event: Any) -> None:
        """Publish ``event``, awaiting ``async def`` handlers in delivery order.

        Sync handlers are called as in ``publish``; background observers are queued. The same
        admission (validation, deduplication, closing) and routes apply.
        """
        state = self._state()
        depth = _async_depth.get() + 1
        token = _async_depth.set(depth)
        state.awaiting += 1  # tells close() that this thread has a publish under way
        try:
            handlers = self._admit(event, state, self._async_routes)
            if handlers and depth > self._max_depth:
                self._too_deep(event, state, depth)
            for done, (handler, is_async) in enumerate(handlers, 1):
                awaited = False
                try:
                    result = handler(event)
                    if is_async or _isawaitable(result):
                        awaited = True
                        await result  # type: ignore[misc]
                except Exception as exc:
                    self._handler_failed(handler, event, exc, state)
                if awaited and done < len(handlers) and self._closed_here():
                    state.delivered += done
                    raise ManagerClosedError(
                        f"close() ran in this thread while publish_async({event!r}) awaited "
                        f"a handler: it reached {done} of {len(handlers)} observers. Await "
                        "every publish_async before closing the manager"
                    )
            state.delivered += len(handlers)
        finally:
            state.awaiting -= 1
            _async_depth.reset(token)

    def _closed_here(self) -> bool:
        """Whether ``close()`` has begun in the calling thread: it could not wait for this
        thread's suspended ``publish_async`` calls, whose observers are closed now."""
        return self._closed and self._closer == threading.get_ident()

    # -- failures ------------------------------------------------------------------------------

    def _handler_failed(
        self, handler: Handler, event: object, exc: Exception, state: _ThreadState
    ) -> None:
        sub = self._owners.get(id(handler))
        self._report_failure(sub, sub.name if sub else observer_name(handler), event, exc, state)

    def _failure_reporter(self, sub: Subscription) -> Callable[[object, Exception], None]:
        """Report the failures of ``sub`` that end after their publish returned (on its
        background worker, or in a task scheduled on the running loop)."""

        def report(event: object, exc: Exception) -> None:
            self._report_failure(sub, sub.name, event, exc, self._state())

        return report

    def _report_failure(
        self,
        sub: Subscription | None,
        name: str,
        event: object,
        exc: Exception,
        state: _ThreadState,
    ) -> None:
        """Log the failure (with its traceback, once), count it, and publish it as
        ``system.observer_failed`` to every matching observer but the one that failed."""
        state.errors += 1
        with self._lock:
            self._failures_by_observer[name] = self._failures_by_observer.get(name, 0) + 1
        event_type = type_of(event)
        event_id = str(getattr(event, "id", "") or "")
        logger.error(
            "observer %s failed on %s %s: %s: %s",
            name,
            event_type,
            event_id,
            type(exc).__name__,
            exc,
            exc_info=exc,
        )
        if (
            not self._publish_failures
            or self._closed
            or event_type == _OBSERVER_FAILED
            or isinstance(exc, RecursionLimitError)
        ):
            return
        failure = ObserverFailedEvent(
            observer=name,
            event_type=event_type,
            event_id=event_id,
            error_type=type(exc).__name__,
            error_message=str(exc),
            traceback="".join(traceback.format_exception(exc)),
        )
        try:
            self._publish_report(failure, sub)
        except Exception:  # a failure report must never turn into a publisher failure
            logger.exception("could not publish the failure report of observer %s", name)

    def _publish_report(self, failure: ObserverFailedEvent, failed: Subscription | None) -> None:
        """Publish a failure report, skipping the observer it is about: handing an observer
        its own failure would fail again and log the same traceback twice."""
        state = self._state()
        state.depth += 1
        try:
            handlers = self._admit(failure, state, self._routes)
            if handlers and state.depth > self._max_depth:
                self._too_deep(failure, state)
            owners = self._owners
            for handler in handlers:
                sub = owners.get(id(handler))
                if sub is failed and sub is not None:
                    continue
                try:
                    handler(failure)
                except Exception as exc:
                    self._handler_failed(handler, failure, exc, state)
                state.delivered += 1
        finally:
            state.depth -= 1

    # -- lifecycle -----------------------------------------------------------------------------

    def flush(self, timeout: float | None = None) -> bool:
        """Wait until background observers have handled everything queued before this call.

        Events queued while it waits are not waited for, so it returns even while other
        threads keep publishing.

        Returns:
            True when that is done (or nothing was queued), False when ``timeout`` seconds
            passed first.
        """
        _seconds_argument("timeout", timeout)
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._lock:
            workers = [s.worker for s in self._subscriptions if s.worker is not None]
        marks = [(w, w.mark()) for w in workers]
        return all(w.wait_handled(mark, deadline) for w, mark in marks)

    def close(self, timeout: float | None = None) -> None:
        """Stop accepting events, deliver what was accepted, then close the observers.

        From the moment ``close`` begins, ``publish`` raises ``ManagerClosedError``. It then
        waits for publishes already under way in other threads to finish, lets each
        background observer handle everything in its queue, stops the workers and calls each
        observer's ``close()`` (one that raises is logged; the others are still closed).
        Idempotent: a concurrent second call returns once the first is done. With a
        ``timeout``, what is still queued when it passes is dropped (counted) and logged as a
        warning; the observer is not handed events after its ``close()``.
        """
        _seconds_argument("timeout", timeout)
        me = threading.get_ident()
        with self._lock:
            first = not self._closed
            self._closed = True
            subscriptions = list(self._subscriptions)
            if first:
                self._closer = me
        if not first:
            # Waiting from the closing thread itself (an observer's close()) or from a worker
            # (which the first call is waiting for) would never end.
            if me != self._closer and me not in Worker.worker_idents:
                self._close_done.wait(timeout)
            return
        deadline = None if timeout is None else time.monotonic() + timeout
        try:
            for sub in subscriptions:
                if sub.worker is not None:
                    sub.worker.unbound()  # a publisher waiting for room must not hold close()
            self._wait_for_publishers(deadline)
            for sub in subscriptions:
                if sub.worker is not None:
                    remaining = None if deadline is None else max(0.0, deadline - time.monotonic())
                    if not sub.worker.stop(remaining):
                        logger.warning(
                            "close: observer %s still had %d events queued after %.1fs; "
                            "they are dropped (counted in get_metrics()['dropped'])",
                            sub.name,
                            sub.worker.pending(),
                            timeout,
                        )
            for sub in subscriptions:
                close = getattr(sub.observer, "close", None)
                if callable(close) and not isinstance(sub.observer, type):
                    try:
                        close()
                    except Exception:
                        logger.exception("observer %s failed to close", sub.name)
        finally:
            self._close_done.set()

    def _wait_for_publishers(self, deadline: float | None) -> None:
        """Wait until no other thread is inside ``publish`` (they see the manager closed from
        now on, so the wait is short: one delivery each)."""
        mine = getattr(self._tls, "state", None)
        while True:
            with self._lock:
                busy = [
                    s
                    for s in self._thread_states
                    if s is not mine and (s.depth > 0 or s.awaiting > 0)
                ]
            if not busy or (deadline is not None and time.monotonic() >= deadline):
                return
            time.sleep(0.0005)

    def __enter__(self) -> EventManager:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- introspection -------------------------------------------------------------------------

    def get_event_history(
        self, event_type: str | None = None, limit: int | None = None
    ) -> list[Any]:
        """Return recent events, oldest first (a snapshot).

        Args:
            event_type: a pattern (``"test.*"``, an exact type...) to filter by; None for all.
            limit: return at most the last ``limit`` matching events.
        """
        events = list(self._history) if self._history is not None else []
        if event_type is not None:
            pattern: Pattern = compile_pattern(event_type)
            events = [e for e in events if pattern.matches(type_of(e))]
        if limit is not None:
            events = events[-limit:] if limit > 0 else []
        return events

    def clear_history(self) -> None:
        """Forget the recorded history (the dedup window is kept)."""
        if self._history is not None:
            self._history.clear()

    def get_metrics(self) -> dict[str, Any]:
        """Return a snapshot of the counters.

        Keys: ``processed`` (admitted events), ``delivered`` (observer calls and queue
        submissions), ``duplicates``, ``errors`` (observer exceptions), ``invalid`` (refused
        events), ``dropped`` (background overflow), ``by_type``, ``failures_by_observer``,
        ``observers``, ``queued`` (per background observer).
        """
        with self._lock:
            states = [self._retired, *self._thread_states]
            subscriptions = list(self._subscriptions)
            failures = dict(self._failures_by_observer)
        by_type: dict[str, int] = {}
        for state in states:
            for key, count in list(state.by_type.items()):
                by_type[key] = by_type.get(key, 0) + count
        workers = [s for s in subscriptions if s.worker is not None]
        return {
            "processed": sum(by_type.values()),
            "delivered": sum(s.delivered for s in states),
            "duplicates": sum(s.duplicates for s in states),
            "errors": sum(s.errors for s in states),
            "invalid": sum(s.invalid for s in states),
            "dropped": sum(s.worker.dropped for s in workers if s.worker is not None),
            "by_type": by_type,
            "failures_by_observer": failures,
            "observers": len(subscriptions),
            "queued": {s.name: s.worker.pending() for s in workers if s.worker is not None},
        }

    def get_observers(self, event_type: str | None = None) -> list[object]:
        """Return the registered observers in delivery order; only those for a type if given."""
        with self._lock:
            subs = list(self._subscriptions)
        if event_type is None:
            return [s.observer for s in subs]
        return [s.observer for s in subs if s.matches(event_type)]


# help(EventManager) shows the dispatch contract, written once in the module docstring (both
# docstrings are None under ``python -OO``).
if EventManager.__doc__ and __doc__:
    EventManager.__doc__ += "".join(f"\n    {line}" for line in __doc__.splitlines())
