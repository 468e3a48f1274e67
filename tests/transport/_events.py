"""Deterministic events for transport tests: the same arguments always give the same ids."""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path

from panther_events.events.step import StepProgressEvent
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


def stored_counts(db: Path) -> tuple[int, int]:
    """``(rows, distinct (run, id) pairs)`` in an event store file, read with plain sqlite3."""
    if not db.exists():
        return (0, 0)
    with contextlib.closing(sqlite3.connect(db)) as conn:
        try:
            rows, distinct = conn.execute(
                "SELECT COUNT(*), COUNT(DISTINCT run_id || ':' || id) FROM events"
            ).fetchone()
        except sqlite3.OperationalError:  # the collector has not created the schema yet
            return (0, 0)
    return int(rows), int(distinct)


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
