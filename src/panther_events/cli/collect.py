"""``panther-events collect``: the central collector, from NATS JetStream into one SQLite store.

Its companions live here too: ``dead-letters`` lists the events the collector moved aside
because they could not be stored, and ``resend`` sends a spool file a publisher left behind.
"""

from __future__ import annotations

import contextlib
import json
import math
import re
import signal
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Annotated

import typer

from ..exceptions import MissingExtraError, PantherEventsError, TransportError
from ..store.sqlite import SQLiteEventStore
from ..transport.base import DEFAULT_CONSUMER, shown_url
from ._app import DbOption, JsonOption, app, get_state
from ._nats import NATS_ENV, check_url_option, printable

if TYPE_CHECKING:
    from types import ModuleType

__all__ = ["collect", "dead_letters", "resend"]

#: Exit status of these commands when they cannot do their work.
EXIT_FAILED = 1

#: What NATS accepts as a stream or consumer name: no whitespace, '.', '*', '>', '/' or '\\'.
_NAME = re.compile(r"[^\s.*>/\\]+")


def _name(value: str) -> str:
    """A stream or consumer name JetStream accepts, else a usage error naming it."""
    if _NAME.fullmatch(value) is None:
        raise typer.BadParameter(
            f"{value!r} is not a JetStream name: expected letters, digits, '-' or '_' "
            "(no spaces, '.', '*', '>', '/' or '\\'), e.g. PANTHER_EVENTS"
        )
    return value


def _seconds(value: float | None) -> float | None:
    """A finite duration above 0 seconds (or None), else a usage error naming it."""
    if value is not None and not (0 < value < math.inf):
        raise typer.BadParameter(f"{value} is not a duration: expected seconds above 0, e.g. 30")
    return value


NatsOption = Annotated[
    str,
    typer.Option(
        "--nats",
        envvar=NATS_ENV,
        help="NATS server URL (JetStream enabled); a URL with a password is best given "
        f"in ${NATS_ENV}, out of sight of ps.",
    ),
]
StreamOption = Annotated[str, typer.Option(help="JetStream stream name.", callback=_name)]


def _nats_module() -> ModuleType:
    """``panther_events.transport.nats``, or one line and exit when the extra is missing."""
    try:
        from ..transport import nats  # noqa: PLC0415 - the other commands work without it
    except MissingExtraError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(EXIT_FAILED) from None
    return nats


_HELP = (
    "Write every host's events from NATS into one event store, until interrupted.\n\n"
    "Each batch is committed to the store before it is acknowledged, so a collector killed at "
    "any moment loses nothing: unacknowledged events are redelivered to the next collector "
    "with the same --consumer, and the store ignores ids a run already holds. An event that "
    "cannot be stored is logged, moved to the dead-letter stream <stream>_DEAD (see "
    "'panther-events dead-letters') and acknowledged; the rest of its batch is stored. "
    "SIGINT/SIGTERM finish the batch in hand, acknowledge it, flush the store and exit 0."
)


@app.command(help=_HELP)
def collect(
    ctx: typer.Context,
    nats_url: NatsOption = "nats://127.0.0.1:4222",
    db: DbOption = None,
    consumer: Annotated[
        str,
        typer.Option(
            help="Durable consumer name; a restart resumes from its position.", callback=_name
        ),
    ] = DEFAULT_CONSUMER,
    stream: StreamOption = "PANTHER_EVENTS",
    duplicate_window: Annotated[
        float,
        typer.Option(
            help="Seconds a re-sent event is recognised (stream setting).", callback=_seconds
        ),
    ] = 120.0,
    ack_wait: Annotated[
        float,
        typer.Option(
            help="Seconds before an unacknowledged event is redelivered.", callback=_seconds
        ),
    ] = 30.0,
    batch: Annotated[int, typer.Option(min=1, help="Events fetched and committed at once.")] = 500,
    max_events: Annotated[
        int | None, typer.Option(min=1, help="Stop after this many deliveries.")
    ] = None,
    idle_timeout: Annotated[
        float | None,
        typer.Option(help="Stop after this many seconds without an event.", callback=_seconds),
    ] = None,
    json_output: JsonOption = False,
) -> None:
    """Collect events from NATS JetStream into the SQLite store (see ``_HELP``)."""
    state = get_state(ctx, db=db, json=json_output)
    urls = check_url_option(nats_url, EXIT_FAILED)
    nats = _nats_module()
    settings = nats.StreamSettings(name=stream, duplicate_window=duplicate_window)
    started = time.monotonic()
    dead = refused = 0
    try:
        store = SQLiteEventStore(state.db)
    except PantherEventsError as exc:
        typer.echo(f"error: cannot use the event store {str(state.db)!r}: {exc}", err=True)
        raise typer.Exit(EXIT_FAILED) from None
    try:
        subscriber = nats.NatsSubscriber(
            urls, store, consumer=consumer, stream=settings, batch=batch, ack_wait=ack_wait
        )
        with _stop_on_signals(subscriber.stop):
            typer.echo(
                f"collecting from {shown_url(nats_url)} (stream {stream}, consumer {consumer}) "
                f"into {state.db}; Ctrl-C to stop",
                err=True,
            )
            try:
                handled = subscriber.run(max_events=max_events, idle_timeout=idle_timeout)
            finally:
                dead = subscriber.transport.dead_lettered
                # Deliveries the store refused count in `handled`; messages fetch() refused
                # were never handed out.
                refused = dead - subscriber.transport.dead_undelivered
                reached = subscriber.transport.reached
                why = subscriber.transport.last_connect_error or "no answer"
                subscriber.close()
        store.close()
        if not reached:
            raise TransportError(f"never reached NATS {shown_url(nats_url)} ({why})")
    except PantherEventsError as exc:
        # The store's own failure (a full disk...) is said once, whether the run or the
        # closing found it; what was not stored was not acknowledged and comes back.
        typer.echo(f"error: {printable(str(exc))}", err=True)
        raise typer.Exit(EXIT_FAILED) from None
    finally:
        with contextlib.suppress(PantherEventsError):
            store.close()  # harmless twice; a failure was said above
    elapsed = time.monotonic() - started
    dead_stream = f"{stream}_DEAD"
    if state.json:
        typer.echo(
            json.dumps(
                {
                    "events": handled - refused,
                    "dead_lettered": dead,
                    "dead_letter_stream": dead_stream,
                    "db": str(state.db),
                    "seconds": elapsed,
                }
            )
        )
        return
    typer.echo(f"collected {handled - refused} events into {state.db} in {elapsed:.1f}s")
    if dead:
        typer.echo(
            f"{dead} events could not be stored and were moved to the dead-letter stream "
            f"{dead_stream}; list them with: "
            f"panther-events dead-letters --nats {shown_url(nats_url)}"
        )


@app.command("dead-letters")
def dead_letters(
    nats_url: NatsOption = "nats://127.0.0.1:4222",
    stream: StreamOption = "PANTHER_EVENTS",
    limit: Annotated[int, typer.Option(min=1, help="List at most this many.")] = 1000,
    timeout: Annotated[float, typer.Option(help="Seconds to wait for the server.")] = 10.0,
    json_output: JsonOption = False,
) -> None:
    """List the events the collector moved aside because they could not be stored.

    Each line: sequence in the dead-letter stream <stream>_DEAD, time, run, event id, size and
    the reason. The payloads stay in that stream ('nats stream get <stream>_DEAD SEQ').
    """
    urls = check_url_option(nats_url, EXIT_FAILED)
    nats = _nats_module()
    transport = nats.NatsTransport(
        urls, stream=nats.StreamSettings(name=stream), name="panther-events-dead-letters"
    )
    try:
        found = transport.dead_letters(limit, timeout)
    except PantherEventsError as exc:
        typer.echo(f"error: {printable(str(exc))}", err=True)
        raise typer.Exit(EXIT_FAILED) from None
    finally:
        transport.close(0)
    if json_output:
        rows = [
            {
                "seq": d.seq,
                "time": d.time.isoformat(),
                "run_id": d.run_id,
                "event_id": d.event_id,
                "subject": d.subject,
                "size": d.size,
                "reason": d.reason,
            }
            for d in found
        ]
        typer.echo(json.dumps(rows, indent=2))
        return
    if not found:
        typer.echo(f"no dead letters in stream {stream}_DEAD")
        return
    for d in found:
        fields = (
            str(d.seq),
            d.time.isoformat(timespec="seconds"),
            f"run {d.run_id}",
            f"event {d.event_id}",
            f"{d.size} bytes",
            d.reason,
        )
        typer.echo("\t".join(printable(field) for field in fields))


@app.command()
def resend(
    spool: Annotated[
        Path, typer.Argument(help="Spool file a publisher left (its path was printed).")
    ],
    nats_url: NatsOption = "nats://127.0.0.1:4222",
    stream: StreamOption = "PANTHER_EVENTS",
    timeout: Annotated[
        float, typer.Option(help="Seconds to wait for the server to store them.")
    ] = 60.0,
) -> None:
    """Send the events of a spool file to NATS; the file is removed once all are stored.

    Resending is safe: within the stream's duplicate window (120 s) an event already stored
    is stored once, and the collector's store keeps each event of a run once anyway.
    """
    urls = check_url_option(nats_url, EXIT_FAILED)
    if not spool.is_file():
        typer.echo(f"error: spool file {str(spool)!r} does not exist", err=True)
        raise typer.Exit(EXIT_FAILED)
    nats = _nats_module()
    transport = nats.NatsTransport(
        urls, stream=nats.StreamSettings(name=stream), spool_path=spool, name="panther-resend"
    )
    total = int(str(transport.stats()["pending"]))
    try:
        transport.flush(timeout)
    except PantherEventsError as exc:
        typer.echo(f"error: {printable(str(exc))}", err=True)
    finally:
        transport.close(0)
    stats = transport.stats()
    left = int(str(stats["pending"]))
    damaged = stats["damaged"]
    note = f" ({damaged} damaged records skipped)" if damaged else ""
    if left:
        typer.echo(
            f"sent {total - left} of {total} events from {spool} to {shown_url(nats_url)}{note}; "
            f"{left} are still in {spool}: run this command again when the server is reachable",
            err=True,
        )
        raise typer.Exit(EXIT_FAILED)
    typer.echo(f"sent {total} events from {spool} to {shown_url(nats_url)}{note}")


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
