"""The consume loop shared by subscribers: fetch a batch, hand it to a target, then ack.

A delivery the target refuses on its own (an event a store cannot hold) is moved aside with
``transport.dead_letter`` and acknowledged, while the rest of its batch is handled: one
poison message never stops a collector. A failure of the target itself (a full disk, a
closed store) refuses the whole batch, which is redelivered.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any, Protocol, runtime_checkable

from ..events.base import BaseEvent
from ..exceptions import TransportError
from .base import Delivery, Transport

__all__ = ["Refused", "Sink", "Target", "consume", "sink_for"]

logger = logging.getLogger(__name__)

#: Deliveries a sink could not handle because of their content, each with the reason.
Refused = list[tuple[Delivery, str]]

#: Handles a batch; returns the deliveries refused for their content; raises if the batch
#: as a whole was not durably handled.
Sink = Callable[[Sequence[Delivery]], Refused]


def _is_environmental(exc: BaseException) -> bool:
    """Whether ``exc`` is a failure of the store itself (disk, lock, memory) rather than of
    the data it was given; such an error refuses the whole batch."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, OSError | sqlite3.OperationalError | MemoryError):
            return True
        if isinstance(seen, sqlite3.DatabaseError) and not isinstance(
            seen, sqlite3.IntegrityError | sqlite3.DataError
        ):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


@runtime_checkable
class _Store(Protocol):
    def append_many(self, events: Any, *, run_id: str) -> Any: ...


@runtime_checkable
class _Manager(Protocol):
    def publish(self, event: object) -> None: ...
    def flush(self, timeout: float | None = None) -> bool: ...


#: What a subscriber can feed: an event store, an ``EventManager``, or ``f(event)``.
Target = _Store | _Manager | Callable[[BaseEvent], object]


def sink_for(target: Target) -> Sink:
    """Return the sink that hands a batch of deliveries to ``target``.

    * a store (``append_many(events, run_id=...)``): one call per run in the batch (its
      ``append_wire`` with the wire forms, if it has one), then ``flush()`` if it has one, so
      the batch is committed before it is acknowledged;
    * a manager (``publish`` + ``flush``): each event published, then ``flush()`` waits for
      background observers, so every observer has run before the acknowledgement;
    * a callable: called with each event in order.

    Raises:
        TypeError: ``target`` is none of these.
    """
    if isinstance(target, _Store):
        store = target

        # Stores that take wire forms (ours) are given those: no event object is rebuilt.
        append_wire = getattr(store, "append_wire", None)

        def append(batch: Sequence[Delivery], run_id: str) -> None:
            if append_wire is not None:
                append_wire([d.wire for d in batch], run_id=run_id)
            else:
                store.append_many([d.event for d in batch], run_id=run_id)

        def to_store(deliveries: Sequence[Delivery]) -> Refused:
            by_run: dict[str, list[Delivery]] = {}
            for d in deliveries:
                by_run.setdefault(d.run_id, []).append(d)
            refused: Refused = []
            for run_id, batch in by_run.items():
                try:
                    append(batch, run_id)
                except Exception as exc:
                    if _is_environmental(exc):
                        raise
                    # Something in the batch cannot be stored: one by one, to find it. A store
                    # ignores the ids a run already holds, so a partial first try is harmless.
                    for d in batch:
                        try:
                            append([d], run_id)
                        except Exception as one:
                            if _is_environmental(one):
                                raise
                            refused.append((d, f"{type(one).__name__}: {one}"))
            flush = getattr(store, "flush", None)
            if callable(flush):
                # Raises if the store itself is broken (closed, disk full): then nothing is
                # refused for its content, the batch is redelivered instead.
                flush()
            return refused

        return to_store
    if isinstance(target, _Manager):
        manager = target

        def to_manager(deliveries: Sequence[Delivery]) -> Refused:
            for d in deliveries:
                manager.publish(d.event)
            manager.flush()
            return []

        return to_manager
    if callable(target):
        callback = target

        def to_callback(deliveries: Sequence[Delivery]) -> Refused:
            for d in deliveries:
                callback(d.event)
            return []

        return to_callback
    raise TypeError(
        f"cannot deliver events to {target!r}: expected an event store (append_many), an "
        "EventManager (publish and flush) or a callable taking one event"
    )


def consume(
    transport: Transport,
    sink: Sink,
    *,
    batch: int = 500,
    stop: threading.Event | None = None,
    max_events: int | None = None,
    idle_timeout: float | None = None,
    poll: float = 0.5,
    on_batch: Callable[[int], None] | None = None,
) -> int:
    """Fetch deliveries and hand them to ``sink``, acknowledging each batch after it.

    Deliveries the sink refuses for their content go to ``transport.dead_letter`` (logged,
    moved aside, acknowledged). If ``sink`` raises, the batch is refused (``nak``, so it is
    redelivered) and the error propagates. Returns after ``stop`` is set, after
    ``max_events`` deliveries, or after ``idle_timeout`` seconds without a delivery; the batch
    in hand is always finished first.

    Returns:
        the number of deliveries handled (redeliveries included).
    """
    stop = stop if stop is not None else threading.Event()
    handled = 0
    last = time.monotonic()
    while not stop.is_set():
        want = batch if max_events is None else min(batch, max_events - handled)
        if want <= 0:
            break
        wait = poll
        if idle_timeout is not None:
            wait = max(0.01, min(poll, idle_timeout - (time.monotonic() - last)))
        deliveries = transport.fetch(want, timeout=wait)
        if not deliveries:
            if idle_timeout is not None and time.monotonic() - last >= idle_timeout:
                break
            continue
        count = len(deliveries)
        try:
            refused = sink(deliveries)
        except BaseException:
            transport.nak(deliveries)
            raise
        if refused:
            moved = {id(d) for d, _ in refused}
            deliveries = [d for d in deliveries if id(d) not in moved]
            try:
                transport.dead_letter(refused)
            except TransportError as exc:
                # Not acknowledged: they come back after the ack wait and are tried again;
                # the rest of the batch is stored and acknowledged all the same.
                logger.error("%d deliveries could not be moved aside: %s", len(refused), exc)
        transport.ack(deliveries)
        handled += count
        last = time.monotonic()
        if on_batch is not None:
            on_batch(handled)
    return handled
