"""Deterministic events for transport tests: the same arguments always give the same ids."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from pathlib import Path

from panther_events.events.step import StepProgressEvent
from panther_events.exceptions import StoreError
from panther_events.store.sqlite import SQLiteEventStore
from panther_events.transport import Delivery, Transport


def step_event(i: int, run: str = "r") -> StepProgressEvent:
    """Event number ``i`` of a run: a content id that depends on ``i`` and ``run`` only."""
    return StepProgressEvent(
        step_id=f"{run}-step-{i}", step_name="load", progress_percentage=float(i % 100)
    )


def fetch_until(
    transport: Transport, count: int, *, deadline: float = 30.0, ack: bool = True
) -> list[Delivery]:
    """Fetch until ``count`` deliveries arrived (acking them unless told not to) or give up."""
    got: list[Delivery] = []
    end = time.monotonic() + deadline
    while len(got) < count and time.monotonic() < end:
        batch = transport.fetch(count - len(got), timeout=0.5)
        if ack:
            transport.ack(batch)
        got.extend(batch)
    return got


def stored_total(db: Path) -> int:
    """How many events the store file holds (0 while it does not exist yet)."""
    try:
        with SQLiteEventStore(db, create=False) as store:
            return sum(run.event_count for run in store.runs())
    except StoreError:  # absent, or the collector has not written its schema yet
        return 0


def stored_counts(db: Path) -> tuple[int, int]:
    """``(events, distinct (run, id) pairs)`` in a store, read back through the store API."""
    with SQLiteEventStore(db, create=False) as store:
        keys = [(e.run_id, e.id) for run in store.runs() for e in store.events(run.run_id)]
    return len(keys), len(set(keys))


def stream_messages(url: str, stream: str = "PANTHER_EVENTS") -> int:
    """How many messages the JetStream stream holds (0 if it does not exist yet)."""
    import nats
    import nats.js.errors

    async def ask() -> int:
        nc = await nats.connect(url)
        try:
            info = await nc.jetstream().stream_info(stream)
            return int(info.state.messages)
        except nats.js.errors.NotFoundError:
            return 0
        finally:
            await nc.close()

    return asyncio.run(ask())


def wait_for(condition: Callable[[], bool], deadline: float = 60.0) -> None:
    """Poll ``condition`` until true; fail the test after ``deadline`` seconds."""
    end = time.monotonic() + deadline
    while not condition():
        if time.monotonic() > end:
            raise AssertionError(f"condition not met within {deadline}s")
        time.sleep(0.05)
