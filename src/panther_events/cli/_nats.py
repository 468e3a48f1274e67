"""The NATS side of the command line: the ``--nats`` check, and a run's publisher to its summary."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from ..exceptions import MissingExtraError, TransportError
from ..transport.base import check_server_urls, shown_url

if TYPE_CHECKING:
    from ..transport.nats import NatsPublisher

__all__ = [
    "CONNECT_WAIT",
    "NATS_ENV",
    "SEND_WAIT",
    "SEND_WAIT_UNREACHABLE",
    "before_close",
    "check_url_option",
    "nats_summary",
    "printable",
    "start_publisher",
]

#: Environment variable read when ``--nats`` is not given (keeps a password out of ``ps``).
NATS_ENV = "PANTHER_EVENTS_NATS"
#: Seconds ``run --nats`` waits at its start to reach the server before saying it cannot.
CONNECT_WAIT = 3.0
#: Seconds ``run --nats`` waits at its end for the server to store every event.
SEND_WAIT = 30.0
#: The same, when the server is unreachable at the end of the run.
SEND_WAIT_UNREACHABLE = 5.0

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def printable(text: str) -> str:
    """``text`` with control characters shown as escapes, safe to print on a terminal."""
    return _CONTROL.sub(lambda m: repr(m.group())[1:-1], text)


def check_url_option(url: str, exit_code: int) -> list[str]:
    """Return the server URLs of a ``--nats`` value, or print one line and exit ``exit_code``."""
    try:
        return check_server_urls(url)
    except ValueError as exc:
        typer.echo(f"error: --nats: {printable(str(exc))}", err=True)
        raise typer.Exit(exit_code) from None


def start_publisher(url: str, run_id: str, spool: Path, exit_code: int) -> NatsPublisher:
    """A publisher of run ``run_id`` spooling to ``spool``; says on stderr at once when the
    server cannot be reached within :data:`CONNECT_WAIT` seconds (the run goes on)."""
    try:
        from ..transport.nats import NatsPublisher  # noqa: PLC0415 - the extra is optional
    except MissingExtraError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(exit_code) from None
    publisher = NatsPublisher(url, run_id=run_id, spool_path=spool, close_timeout=SEND_WAIT)
    try:
        reached = publisher.transport.wait_connected(CONNECT_WAIT)
    except TransportError as exc:  # e.g. the stream exists with other settings
        publisher.transport.close(0)
        typer.echo(f"error: --nats: {printable(str(exc))}", err=True)
        raise typer.Exit(exit_code) from None
    if not reached:
        why = publisher.transport.last_connect_error or "no answer"
        typer.echo(
            f"warning: NATS server {shown_url(url)} not reachable in {CONNECT_WAIT:.0f}s "
            f"({printable(why)}); "
            f"the run goes on, its events wait in memory and in {spool} and are sent if the "
            f"server comes back (at its end the run waits at most {SEND_WAIT:.0f}s for the "
            f"server, {SEND_WAIT_UNREACHABLE:.0f}s if it is still unreachable)",
            err=True,
        )
    return publisher


def before_close(publisher: NatsPublisher) -> None:
    """Say how long closing will wait for the server, and shorten it if it is unreachable."""
    stats = publisher.stats()
    pending = stats["pending"]
    if not pending:
        return
    wait = SEND_WAIT if stats["connected"] else SEND_WAIT_UNREACHABLE
    publisher.close_timeout = wait
    typer.echo(
        f"sending {pending} event{'' if pending == 1 else 's'} to NATS "
        f"(waiting at most {wait:.0f}s)...",
        err=True,
    )


def nats_summary(publisher: NatsPublisher, url: str) -> tuple[str, dict[str, object]]:
    """The summary line of a closed publisher, and its figures for ``--json``."""
    stats = publisher.stats()
    left = int(str(stats["pending"]))
    figures: dict[str, object] = {
        "url": shown_url(url),
        "sent": stats["sent"],
        "left": left,
        "spool": stats["spool"] if left else None,
        "dropped": stats["dropped"],
    }
    if not left:
        return f"nats: {stats['sent']} events sent to {shown_url(url)}", figures
    return (
        f"nats: {left} events NOT sent to {shown_url(url)}; they are kept in {stats['spool']}; "
        f"send them with: panther-events resend {stats['spool']} --nats {shown_url(url)}",
        figures,
    )
