"""Deterministic events for transport tests: the same arguments always give the same ids."""

from __future__ import annotations

import time

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
