"""The consume loop shared by subscribers: fetch a batch, hand it to a target, then ack."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from typing import Any, Protocol, runtime_checkable

from ..events.base import BaseEvent
from .base import Delivery, Transport

__all__ = ["Sink", "Target", "consume", "sink_for"]

#: Handles a batch; must raise if (and only if) the batch was not durably handled.
Sink = Callable[[Sequence[Delivery]], None]


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

        def to_store(deliveries: Sequence[Delivery]) -> None:
            by_run: dict[str, list[Delivery]] = {}
            for d in deliveries:
                by_run.setdefault(d.run_id, []).append(d)
            for run_id, batch in by_run.items():
                if append_wire is not None:
                    append_wire([d.wire for d in batch], run_id=run_id)
                else:
                    store.append_many([d.event for d in batch], run_id=run_id)
            flush = getattr(store, "flush", None)
            if callable(flush):
                flush()

        return to_store
    if isinstance(target, _Manager):
        manager = target

        def to_manager(deliveries: Sequence[Delivery]) -> None:
            for d in deliveries:
                manager.publish(d.event)
            manager.flush()

        return to_manager
    if callable(target):
        callback = target

        def to_callback(deliveries: Sequence[Delivery]) -> None:
            for d in deliveries:
                callback(d.event)

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

    If ``sink`` raises, the batch is refused (``nak``, so it is redelivered) and the error
    propagates. Returns after ``stop`` is set, after ``max_events`` deliveries, or after
    ``idle_timeout`` seconds without a delivery; the batch in hand is always finished first.

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
        try:
            sink(deliveries)
        except BaseException:
            transport.nak(deliveries)
            raise
        transport.ack(deliveries)
        handled += len(deliveries)
        last = time.monotonic()
        if on_batch is not None:
            on_batch(handled)
    return handled
