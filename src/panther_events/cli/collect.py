"""``panther-events collect``: the central collector, from NATS JetStream into one SQLite store."""

from __future__ import annotations

import contextlib
import json
import signal
import sys
import time
from collections.abc import Callable, Iterator
from types import FrameType
from typing import Annotated

import typer

from ..exceptions import MissingExtraError, PantherEventsError
from ..store.sqlite import SQLiteEventStore
from ..transport.base import DEFAULT_CONSUMER
from ._app import DbOption, JsonOption, app, get_state

__all__ = ["collect"]


_HELP = (
    "Write every host's events from NATS into one event store, until interrupted.\n\n"
    "Each batch is committed to the store before it is acknowledged, so a collector killed at "
    "any moment loses nothing: unacknowledged events are redelivered to the next collector "
    "with the same --consumer, and the store ignores ids a run already holds. SIGINT/SIGTERM "
    "finish the batch in hand, acknowledge it, flush the store and exit 0."
)


@app.command(help=_HELP)
def collect(
    ctx: typer.Context,
    nats_url: Annotated[
        str, typer.Option("--nats", help="NATS server URL (JetStream enabled).")
    ] = "nats://127.0.0.1:4222",
    db: DbOption = None,
    consumer: Annotated[
        str, typer.Option(help="Durable consumer name; a restart resumes from its position.")
    ] = DEFAULT_CONSUMER,
    stream: Annotated[str, typer.Option(help="JetStream stream name.")] = "PANTHER_EVENTS",
    duplicate_window: Annotated[
        float, typer.Option(help="Seconds a re-sent event is recognised (stream setting).")
    ] = 120.0,
    ack_wait: Annotated[
        float, typer.Option(help="Seconds before an unacknowledged event is redelivered.")
    ] = 30.0,
    batch: Annotated[int, typer.Option(min=1, help="Events fetched and committed at once.")] = 500,
    max_events: Annotated[
        int | None, typer.Option(min=1, help="Stop after this many deliveries.")
    ] = None,
    idle_timeout: Annotated[
        float | None, typer.Option(help="Stop after this many seconds without an event.")
    ] = None,
    json_output: JsonOption = False,
) -> None:
    """Collect events from NATS JetStream into the SQLite store (see ``_HELP``)."""
    state = get_state(ctx, db=db, json=json_output)
    # Imported here so that the other commands work without the nats extra.
    try:
        from ..transport.nats import NatsSubscriber, StreamSettings  # noqa: PLC0415
    except MissingExtraError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from exc

    settings = StreamSettings(name=stream, duplicate_window=duplicate_window)
    started = time.monotonic()
    store = SQLiteEventStore(state.db)
    try:
        subscriber = NatsSubscriber(
            nats_url, store, consumer=consumer, stream=settings, batch=batch, ack_wait=ack_wait
        )
        with _stop_on_signals(subscriber.stop):
            typer.echo(
                f"collecting from {nats_url} (stream {stream}, consumer {consumer}) "
                f"into {state.db}; Ctrl-C to stop",
                err=True,
            )
            try:
                handled = subscriber.run(max_events=max_events, idle_timeout=idle_timeout)
            finally:
                subscriber.close()
    except PantherEventsError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from exc
    finally:
        store.close()
    elapsed = time.monotonic() - started
    if state.json:
        typer.echo(json.dumps({"events": handled, "db": str(state.db), "seconds": elapsed}))
    else:
        typer.echo(f"collected {handled} events into {state.db} in {elapsed:.1f}s")


@contextlib.contextmanager
def _stop_on_signals(stop: Callable[[], None]) -> Iterator[None]:
    """While active, SIGINT and SIGTERM call ``stop`` instead of ending the process."""

    def handle(signum: int, frame: FrameType | None) -> None:
        print(f"received signal {signum}; finishing the current batch", file=sys.stderr)
        stop()

    previous = {sig: signal.signal(sig, handle) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
