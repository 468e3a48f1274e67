"""The live stream: Server-Sent Events that carry a run's new events and header to open pages.

Each message's ``id`` is the store position it reached, so a browser that reconnects (after a
network drop or a server restart) sends it back as ``Last-Event-ID`` and misses nothing. The
stream looks at the store every ``interval`` seconds and reads at most ``BATCH`` events per
look, so the server's memory stays flat however fast a run writes.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

import anyio
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request

from .._patterns import compile_pattern
from ..store.base import StoredEvent
from ._source import Source

__all__ = ["BATCH", "check_pattern", "store_stream", "stream"]

#: Events read from the store per look.
BATCH = 500
#: Most events of one message (a page shows a page of them anyway).
SHOWN = 100
#: Seconds between comment lines that keep an idle connection open through proxies.
KEEPALIVE = 15.0
#: Least seconds between two header updates while a run writes fast.
HEADER_EVERY = 0.5
#: Milliseconds the browser waits before reconnecting.
RETRY_MS = 1000
#: Event kinds whose arrival changes the overview (timeline, tests, failures, charts).
_LIFECYCLE = ("experiment.", "test.", "service.", "environment.", "step.", "metrics.resource")


def check_pattern(pattern: str | None) -> None:
    """Raise PatternError when ``pattern`` is given and malformed."""
    if pattern is not None:
        compile_pattern(pattern)


def _message(position: int, payload: dict[str, Any]) -> str:
    # json.dumps escapes newlines inside strings: the data is always a single line.
    return f"id: {position}\nevent: update\ndata: {json.dumps(payload, ensure_ascii=False)}\n\n"


async def stream(
    request: Request,
    source: Source,
    run_id: str,
    *,
    after: int | None,
    type_pattern: str | None,
    entity_id: str | None,
    header: Callable[[], dict[str, Any]],
    row: Callable[[StoredEvent], dict[str, Any]],
    interval: float,
    stopping: threading.Event,
) -> AsyncIterator[str]:
    """Yield SSE messages for run ``run_id`` until the client goes away.

    Args:
        request: the client's request (to notice it disconnecting).
        source: the store.
        run_id: the run followed.
        after: the position to follow on from; None: from now.
        type_pattern: only events of these types are sent (the header counts all).
        entity_id: only events about this entity are sent.
        header: returns the run's header values.
        row: turns a stored event into what the page shows.
        interval: seconds between looks at the store.
        stopping: once set, the stream ends (the browser reconnects to the next server).
    """
    matcher = compile_pattern(type_pattern) if type_pattern else None
    position = after if after is not None else await run_in_threadpool(source.last_position)
    yield f"retry: {RETRY_MS}\n\n"
    yield _message(position, {"header": await run_in_threadpool(header), "events": []})
    last_sent = time.monotonic()
    last_header = 0.0
    header_due = lifecycle_due = False
    while not stopping.is_set() and not await request.is_disconnected():
        batch, position, full = await run_in_threadpool(
            source.events_after, position, run_id, BATCH
        )
        shown = [
            row(e)
            for e in batch
            if (matcher is None or matcher.matches(e.type))
            and (entity_id is None or e.entity_id == entity_id)
        ][-SHOWN:]
        header_due = header_due or bool(batch)
        lifecycle_due = lifecycle_due or any(e.type.startswith(_LIFECYCLE) for e in batch)
        now = time.monotonic()
        send_header = header_due and now - last_header >= HEADER_EVERY
        if shown or send_header:
            payload: dict[str, Any] = {"events": shown, "lifecycle": False}
            if send_header:
                payload["header"] = await run_in_threadpool(header)
                payload["lifecycle"] = lifecycle_due
                last_header, header_due, lifecycle_due = now, False, False
            yield _message(position, payload)
            last_sent = now
        elif now - last_sent >= KEEPALIVE:
            yield ": keep-alive\n\n"
            last_sent = now
        if not full:
            await anyio.sleep(interval)


async def store_stream(
    request: Request,
    source: Source,
    *,
    after: int | None,
    interval: float,
    stopping: threading.Event,
) -> AsyncIterator[str]:
    """Yield an SSE message whenever the store holds events stored after position ``after``
    (None: from now) and again each time it grows (for the runs page, which then refetches its
    table), until the client goes away or the server stops."""
    position = after if after is not None else await run_in_threadpool(source.last_position)
    yield f"retry: {RETRY_MS}\n\n"
    last_sent = time.monotonic()
    while not stopping.is_set() and not await request.is_disconnected():
        newest = await run_in_threadpool(source.last_position)
        now = time.monotonic()
        if newest != position:
            position = newest
            yield _message(position, {"events": [], "lifecycle": True})
            last_sent = now
        elif now - last_sent >= KEEPALIVE:
            yield ": keep-alive\n\n"
            last_sent = now
        await anyio.sleep(interval)
