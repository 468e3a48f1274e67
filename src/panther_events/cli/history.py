"""The commands that look back at stored runs: list, summarise, filter, draw, export, replay."""

from __future__ import annotations

import contextlib
import json
import logging
import os
import sqlite3
import sys
import time
from collections.abc import Iterable, Iterator, Mapping
from datetime import datetime
from itertools import islice
from pathlib import Path
from typing import IO, Annotated, Any, cast

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from .._exit_status import name_signals
from ..compare import experiment_name
from ..events.system import ObserverFailedEvent
from ..exceptions import PantherEventsError
from ..manager import EventManager
from ..observers.metrics import MetricsObserver
from ..observers.results import ResultCollector
from ..store._rows import as_utc
from ..store.base import RunInfo, StoredEvent
from ..store.formats import ExportFormat, export_run, import_events, to_jsonl_record
from ..store.sqlite import SQLiteEventStore
from . import _timeline as timeline
from ._app import AppState, DbOption, JsonOption, app, get_state
from ._names import entity_matcher, is_full_id, short_entity
from ._paths import unwritable_reason
from ._terminal import json_visible, output_closed, visible, visible_lines

__all__: list[str] = []

_OUTCOME_STYLE = {
    "passed": "green",
    "failed": "red",
    "error": "magenta",
    "skipped": "yellow",
    "xfailed": "yellow",
    "xpassed": "yellow",
    "rerun": "yellow",
    "running": "cyan",
    "pending": "dim",
    "incomplete": "yellow",
}
_STATUS_STYLE = {
    "completed": "green",
    "failed": "red",
    "finished_early": "yellow",
    "running": "cyan",
}


def _console() -> Console:
    # Off a terminal (pipes, CI logs) rich would assume 80 columns and squeeze the tables; a
    # wider page keeps rows whole. COLUMNS still wins when set.
    console = Console(highlight=False, soft_wrap=False)
    if not console.is_terminal and "COLUMNS" not in os.environ:
        console.width = 160
    return console


def _fail(message: str, code: int = 1) -> typer.Exit:
    """Print ``error: message`` on one line of stderr and return the exit to raise."""
    first_line = visible(" ".join(str(message).split()))
    typer.echo(f"error: {first_line}", err=True)
    return typer.Exit(code)


@contextlib.contextmanager
def _errors() -> Iterator[None]:
    """Turn the library's errors into one-line messages and exit code 1: never a traceback."""
    try:
        yield
    except BrokenPipeError:
        raise  # the reader went away (``| head``): the command line ends quietly
    except (PantherEventsError, OSError, ValueError, UnicodeDecodeError) as exc:
        raise _fail(str(exc)) from None


@contextlib.contextmanager
def _open_store(
    state: AppState, *, create: bool = False, read_only: bool = False
) -> Iterator[SQLiteEventStore]:
    """The store at ``state.db`` (read-only with ``read_only``); with ``create`` (a command that
    writes it) a store that cannot be written is refused first, naming the cause, with exit 2."""
    if create and state.db.parent.is_dir():
        reason = unwritable_reason(state.db)
        if reason is not None:
            raise _fail(f"cannot write the event store {str(state.db)!r}: {reason}", code=2)
    with _errors():
        try:
            store = SQLiteEventStore(state.db, create=create, read_only=read_only)
        except sqlite3.Error as exc:  # what the store does not translate: name the file
            raise _fail(f"cannot open the event store {str(state.db)!r}: {exc}") from None
    try:
        with _errors():
            yield store
    finally:
        with _errors():
            store.close()


def _markup(text: object) -> str:
    """Event text for rich markup: control characters made visible, markup escaped."""
    return escape(visible(text))


def _fmt_time(moment: datetime | None) -> str:
    if moment is None:
        return "-"
    return moment.strftime("%Y-%m-%d %H:%M:%S")


def _fmt_duration(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    if seconds < 60:
        return f"{seconds:.2f}s"
    minutes, secs = divmod(seconds, 60)
    if minutes < 60:
        return f"{int(minutes)}m{secs:04.1f}s"
    hours, minutes = divmod(minutes, 60)
    return f"{int(hours)}h{int(minutes):02d}m{int(secs):02d}s"


def _compact(data: dict[str, Any], width: int = 80) -> str:
    """Event data on one line for a table: signals named, ``None`` values left out, cut."""
    shown = {k: v for k, v in name_signals(data).items() if v is not None}
    text = json.dumps(shown, ensure_ascii=False, separators=(",", ":"), default=str)
    return text if len(text) <= width else text[: width - 1] + "…"


def _echo_json(obj: Any) -> None:
    typer.echo(json_visible(json.dumps(obj, ensure_ascii=False, indent=2, default=str)))


def _echo_json_line(stored: StoredEvent) -> None:
    typer.echo(json_visible(json.dumps(to_jsonl_record(stored), ensure_ascii=False)))


# -- runs --------------------------------------------------------------------------------


@app.command("runs")
def runs_command(ctx: typer.Context, db: DbOption = None, json_output: JsonOption = False) -> None:
    """List the stored runs, the earliest first."""
    state = get_state(ctx, db=db, json=json_output)
    with _open_store(state) as store:
        infos = store.runs()
        if state.json:
            _echo_json([info.to_dict() for info in infos])
            return
        names = [experiment_name(store, info) for info in infos]
    console = _console()
    if not infos:
        console.print(f"no runs in {_markup(state.db)}")
        return
    rows = [
        {
            "run": info.run_id,
            "status": info.status,
            "experiment": name,
            "started": _fmt_time(info.first_time),
            "duration": _fmt_duration(info.duration_seconds),
            "events": str(info.event_count),
            "tests": _outcome_text(info.outcomes) or "0 passed",
        }
        for info, name in zip(infos, names, strict=True)
    ]
    columns = _fitting_columns(rows, console.width)
    if columns is None:  # too narrow for a table: a line a run (two if need be), nothing cut
        for info, row in zip(infos, rows, strict=True):
            style = _STATUS_STYLE.get(info.status, "white")
            outcome = f"[{style}]{_markup(row['status'])}[/]  {row['tests']}"
            fits = len(visible(f"{row['run']}  {row['status']}  {row['tests']}")) <= console.width
            separator = "  " if fits else "\n  "
            console.print(
                f"{_markup(row['run'])}{separator}{outcome}",
                no_wrap=True,
                overflow="ignore",
                crop=False,
            )
        return
    table = Table(title=f"runs in {_markup(state.db)}")
    for name in columns:
        # Run ids are what people copy into the next command: never cut or wrap them.
        table.add_column(name, no_wrap=True, justify="right" if name == "events" else "left")
    for info, row in zip(infos, rows, strict=True):
        cells = {name: _markup(value) for name, value in row.items()}
        cells["status"] = f"[{_STATUS_STYLE.get(info.status, 'white')}]{cells['status']}[/]"
        cells["tests"] = _outcome_text(info.outcomes, styled=True) or "[green]0 passed[/]"
        table.add_row(*(cells[name] for name in columns))
    console.print(table)


# Left out first when the terminal is too narrow for every column of `runs`.
_DROPPABLE = ("experiment", "started", "duration", "events")


def _fitting_columns(rows: list[dict[str, str]], width: int) -> list[str] | None:
    """The columns of ``rows`` that fit in ``width`` characters, each whole: the less needed
    ones (``_DROPPABLE``, in order) are left out until the rest fit; None when even the rest
    do not."""
    columns = list(rows[0])
    widths = {name: max(len(name), *(len(visible(row[name])) for row in rows)) for name in columns}
    for name in (*_DROPPABLE, None):
        if sum(widths[c] + 3 for c in columns) + 1 <= width:
            return columns
        if name is not None:
            columns.remove(name)
    return None


# -- show --------------------------------------------------------------------------------


def _collect(store: SQLiteEventStore, run_id: str) -> ResultCollector:
    collector = ResultCollector()
    for pattern in ("experiment", "test", "step", "assertion"):
        for stored in store.events(run_id, type_pattern=pattern):
            collector.on_event(stored.to_event())
    return collector


@contextlib.contextmanager
def _open_run(
    ctx: typer.Context, run: str, db: Path | None, json_output: bool
) -> Iterator[tuple[AppState, SQLiteEventStore, RunInfo]]:
    """The command's state, its store (open while the block runs) and the run ``run`` names
    (an id, a unique prefix or ``latest``)."""
    state = get_state(ctx, db=db, json=json_output)
    with _open_store(state) as store:
        run_id = store.resolve_run(run)
        yield state, store, next(info for info in store.runs() if info.run_id == run_id)


@app.command("show")
def show_command(
    ctx: typer.Context,
    run: Annotated[str, typer.Argument(help="Run id, unique prefix, or 'latest'.")] = "latest",
    db: DbOption = None,
    json_output: JsonOption = False,
) -> None:
    """Summarise a run: its tests, outcomes, durations and failures with their messages."""
    with _open_run(ctx, run, db, json_output) as (state, store, info):
        run_id = info.run_id
        collector = _collect(store, run_id)
        experiment = experiment_name(store, info)
    tests = collector.tests()
    summary = collector.summary()
    if state.json:
        _echo_json(
            {"run": info.to_dict(), "summary": summary, "tests": [t.to_dict() for t in tests]}
        )
        return
    console = _console()
    status_style = _STATUS_STYLE.get(info.status, "white")
    console.print(f"[bold]run[/] {_markup(info.run_id)}  [{status_style}]{_markup(info.status)}[/]")
    console.print(
        f"experiment {_markup(experiment)} · started {_fmt_time(info.first_time)}"
        f" · duration {_fmt_duration(info.duration_seconds)} · {info.event_count} events"
    )
    console.print(f"tests: {_test_total(summary)}{_outcome_counts(summary, styled=True)}")
    if summary["reason"]:
        console.print(f"[red]experiment: {_message(summary['reason'], run_id)}[/]")
    if tests:
        # A run with no step or assertion anywhere (a pytest session) gets no columns of zeros.
        checked = any(t.steps or t.assertions_passed or t.assertions_failed for t in tests)
        table = Table()
        table.add_column("test", overflow="fold")  # narrow: folded onto more lines, never cut
        for column in ("outcome", "duration", *(("assertions", "steps") if checked else ())):
            table.add_column(column)
        for test in tests:
            steps_failed = sum(s.outcome == "failed" for s in test.steps)
            cells = [
                _markup(test.name),
                f"[{_OUTCOME_STYLE.get(test.outcome, 'white')}]{_markup(test.outcome)}[/]",
                _fmt_duration(test.duration_seconds),
                f"{test.assertions_passed} ok / {test.assertions_failed} failed",
                f"{len(test.steps)}" + (f" ({steps_failed} failed)" if steps_failed else ""),
            ]
            table.add_row(*cells[: 5 if checked else 3])
        console.print(table)
    failures = [t for t in tests if t.outcome in ("failed", "error")]
    if failures:
        console.print("[bold]failures[/]")
        for test in failures:
            where = f" in {test.phase}" if test.phase else ""
            if test.phase in _NOT_PLACES:  # what happened to the test, not where it failed
                where = f", {test.phase.replace('_', ' ')}"
            console.print(
                f"  [red]✗[/] {_markup(test.name)} ({_markup(test.outcome + where)}): "
                f"{_message(test.reason, run_id)}"
            )
            for step in test.steps:
                if step.outcome == "failed":
                    console.print(
                        f"      step {_markup(step.name)}: {_message(step.error, run_id)}"
                    )


def _test_total(summary: dict[str, Any]) -> str:
    """``3``, or ``2 of 3`` while the run goes on and has announced more tests than it has
    begun (pytest creates each test as it starts)."""
    total, expected = summary["total"], summary["expected_tests"]
    if summary["status"] == "running" and expected is not None and expected > total:
        return f"{total} of {expected}"
    return str(total)


def _outcome_text(counts: Mapping[str, int], *, styled: bool = False) -> str:
    """``2 passed, 1 error``: the non-zero counts by outcome, in the order ``show`` uses."""
    return ", ".join(
        f"[{style}]{counts[o]} {o}[/]" if styled else f"{counts[o]} {o}"
        for o, style in _OUTCOME_STYLE.items()
        if counts.get(o)
    )


def _outcome_counts(summary: dict[str, Any], *, styled: bool = False) -> str:
    """`` (2 passed, 1 error)``: the outcomes a ``ResultCollector`` summary counts, or ``""``."""
    text = _outcome_text(summary, styled=styled)
    return f" ({text})" if text else ""


#: Phases that say what happened to a test rather than where it failed.
_NOT_PLACES = frozenset({"interrupted", "not_run"})

#: The most characters of one failure message ``show`` prints (a service's output can be huge).
_MESSAGE_LIMIT = 4000


def _message(text: str | None, run_id: str) -> str:
    """A failure message for rich markup, cut at ``_MESSAGE_LIMIT`` saying where it is whole;
    its lines (an assertion's diff, a service's output) stay lines, indented under the first."""
    text = (text or "").rstrip("\n")
    if len(text) > _MESSAGE_LIMIT:
        more = len(text) - _MESSAGE_LIMIT
        text = (
            f"{text[:_MESSAGE_LIMIT]}… ({more} more characters: "
            f"panther-events events {run_id} --json)"
        )
    lines = [line.rstrip() for line in visible_lines(text).split("\n")]
    return escape("\n      ".join(line for line in lines if line))


# -- events ------------------------------------------------------------------------------


def _parse_time(value: str | None, option: str) -> datetime | None:
    if value is None:
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        raise _fail(
            f"{option} {value!r} is not an ISO 8601 time; use e.g. 2026-11-23T22:15:00Z"
        ) from None


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _event_line(stored: StoredEvent) -> str:
    entity = _cut(visible(short_entity(stored.entity_id, stored.run_id)), 24)
    return visible(
        f"{stored.seq:>7}  {stored.timestamp.strftime('%H:%M:%S.%f')[:-3]}  "
        f"{stored.type:<36} {entity:<24} {_compact(stored.data)}"
    )


@app.command("events")
def events_command(
    ctx: typer.Context,
    run: Annotated[str, typer.Argument(help="Run id, unique prefix, or 'latest'.")] = "latest",
    type_pattern: Annotated[
        str | None,
        typer.Option("--type", "-t", help="Subscription pattern: test.*, service, *.failed..."),
    ] = None,
    entity: Annotated[
        str | None,
        typer.Option(
            "--entity",
            "-e",
            help="Entity: its short name as listed (tcp-echo/echo), its last part (echo), "
            "the full id, or a glob (tcp-echo/*).",
        ),
    ] = None,
    since: Annotated[
        str | None, typer.Option("--since", help="Only events at or after this ISO time.")
    ] = None,
    until: Annotated[
        str | None, typer.Option("--until", help="Only events before this ISO time.")
    ] = None,
    limit: Annotated[
        int | None, typer.Option("--limit", "-n", min=0, help="At most this many events.")
    ] = None,
    reverse: Annotated[bool, typer.Option("--reverse", help="Newest first.")] = False,
    db: DbOption = None,
    json_output: JsonOption = False,
) -> None:
    """List a run's events, filtered by type pattern, entity and time (JSON Lines with --json)."""
    state = get_state(ctx, db=db, json=json_output)
    if entity is not None and not entity.strip():
        raise _fail(
            f"--entity {entity!r} is empty; give an entity's name (tcp-echo/echo), its last "
            "part (echo) or a glob ('tcp-echo/*')"
        )
    since_at, until_at = _parse_time(since, "--since"), _parse_time(until, "--until")
    if since_at is not None and until_at is not None and as_utc(since_at) >= as_utc(until_at):
        raise _fail(
            f"--since {since!r} is not before --until {until!r}, so no event can match "
            "(since <= t < until); swap them"
        )
    with _open_store(state) as store:
        run_id = store.resolve_run(run)
        filters: dict[str, Any] = {
            "type_pattern": type_pattern,
            "since": since_at,
            "until": until_at,
        }
        if entity is not None and is_full_id(entity, run_id):
            filters["entity_id"] = entity  # the store's index finds it
        # The run may be huge: stream it a page at a time, newest first only when asked.
        events: Iterable[StoredEvent] = (
            store.events(run_id, order="desc", **filters)
            if reverse
            else store.iter_events(run_id, **filters)
        )
        if entity is not None:
            events = filter(entity_matcher(entity), events)
        if limit is not None:
            events = islice(events, min(limit, sys.maxsize))  # past maxsize: every event
        printed = 0
        for stored in events:
            if state.json:
                _echo_json_line(stored)
            else:
                if not printed:
                    typer.echo(f"{'seq':>7}  {'time':<12}  {'type':<36} {'entity':<24} data")
                typer.echo(_event_line(stored))
            printed += 1
    if not printed and not state.json:
        typer.echo(visible(f"no events of run {run_id} match"))


# -- timeline ----------------------------------------------------------------------------


@app.command("timeline")
def timeline_command(
    ctx: typer.Context,
    run: Annotated[str, typer.Argument(help="Run id, unique prefix, or 'latest'.")] = "latest",
    width: Annotated[
        int | None,
        typer.Option("--width", "-w", min=10, max=10_000, help="Bar width in characters."),
    ] = None,
    db: DbOption = None,
    json_output: JsonOption = False,
) -> None:
    """Draw each entity's state intervals over the run's time."""
    with _open_run(ctx, run, db, json_output) as (state, store, info):
        run_id = info.run_id
        intervals = store.state_intervals(run_id)
    if state.json:
        _echo_json({"run": info.to_dict(), "intervals": [i.to_dict() for i in intervals]})
        return
    console = _console()
    if not intervals or info.first_time is None or info.last_time is None:
        console.print(f"run {_markup(run_id)} has no state changes to draw")
        return
    entities = timeline.rows(intervals)
    kinds = [visible(kind) for kind, _, _ in entities]
    names = [visible(short_entity(entity, run_id)) for _, entity, _ in entities]
    finals = [visible(found[-1].state) for _, _, found in entities]
    label_width, bar_width = timeline.layout(
        max(len(k) + 1 + len(n) for k, n in zip(kinds, names, strict=True)),
        max(len(final) for final in finals) + 1,
        console.width,
        width,
    )
    legend = timeline.Legend()
    console.print(
        f"[bold]run[/] {_markup(run_id)}  {_fmt_time(info.first_time)} → "
        f"{_fmt_time(info.last_time)}  ({_fmt_duration(info.duration_seconds)})"
    )
    for kind, name, final, (_, _, entity_intervals) in zip(
        kinds, names, finals, entities, strict=True
    ):
        line = Text(timeline.label(kind, name, label_width) + " ")
        line.append_text(
            timeline.draw_bar(entity_intervals, info.first_time, info.last_time, bar_width, legend)
        )
        line.append(f" {final}")
        console.print(line, no_wrap=True, overflow="ignore", crop=False)
    console.print(legend.render(console.width))


# -- tail --------------------------------------------------------------------------------


#: How long a store file that appeared while ``tail --follow`` waited may stay unreadable
#: (its writer still creating it) before that is an error.
_NEW_STORE_GRACE = 5.0


def _print_tail(events: list[StoredEvent], as_json: bool) -> None:
    for stored in events:
        if as_json:
            _echo_json_line(stored)
        else:
            data = _compact(stored.data, 100)
            typer.echo(
                visible(
                    f"{stored.run_id} #{stored.seq} "
                    f"{stored.timestamp.strftime('%H:%M:%S.%f')[:-3]} {stored.type} "
                    f"{short_entity(stored.entity_id, stored.run_id)} {data}"
                )
            )


def _wait_for_store(path: Path, interval: float, deadline: float | None) -> bool:
    """Wait until an event store can be opened at ``path``; False at the deadline.

    Says once on stderr what it waits for. A file that appears but cannot be read as a store
    for ``_NEW_STORE_GRACE`` seconds is reported as the error it is.
    """
    typer.echo(
        f"waiting for the event store {str(path)!r} to be created (Ctrl-C to stop)", err=True
    )
    appeared: float | None = None
    while deadline is None or time.monotonic() < deadline:
        if path.exists():
            appeared = appeared or time.monotonic()
            try:
                SQLiteEventStore(path, create=False).close()
                return True
            except PantherEventsError:
                if time.monotonic() - appeared > _NEW_STORE_GRACE:
                    raise
        time.sleep(interval)
    return False


@app.command("tail")
def tail_command(
    ctx: typer.Context,
    follow: Annotated[
        bool, typer.Option("--follow", "-f", help="Keep printing events as they are written.")
    ] = False,
    lines: Annotated[
        int, typer.Option("--lines", "-n", min=0, help="How many recent events to show first.")
    ] = 10,
    interval: Annotated[
        float,
        typer.Option(
            "--interval", min=0.01, max=3600, help="Seconds between polls when following."
        ),
    ] = 0.5,
    timeout: Annotated[
        float | None,
        typer.Option("--timeout", min=0, help="Stop following after this many seconds."),
    ] = None,
    db: DbOption = None,
    json_output: JsonOption = False,
) -> None:
    """Print the latest events of every run; with --follow, stream new ones until Ctrl-C.

    With --follow and no store yet, waits for it to be created, then prints every event.
    """
    state = get_state(ctx, db=db, json=json_output)
    deadline = None if timeout is None else time.monotonic() + timeout
    waited = False
    if follow and not state.db.exists():
        try:
            with _errors():
                if not _wait_for_store(state.db, interval, deadline):
                    return
        except KeyboardInterrupt:
            return
        waited = True
    with _open_store(state) as store:
        if waited:
            position = 0  # everything in a store that did not exist before is new
        elif lines:
            recent = _recent(store, lines)
            _print_tail(recent, state.json)
            position = recent[-1].position if recent else _last_position(store)
        else:
            position = _last_position(store)
        if not follow:
            return
        try:
            while deadline is None or time.monotonic() < deadline:
                batch = store.events_after(position, limit=1000)
                if batch:
                    _print_tail(batch, state.json)
                    position = batch[-1].position
                    sys.stdout.flush()
                    continue
                if output_closed():
                    raise BrokenPipeError  # ``| head -1`` got its lines: end quietly
                time.sleep(interval)
        except KeyboardInterrupt:
            return


def _last_position(store: SQLiteEventStore) -> int:
    return store.last_position()


def _recent(store: SQLiteEventStore, count: int) -> list[StoredEvent]:
    # Positions have no gaps unless a batch was rolled back, so this is at most ``count``.
    return store.events_after(max(0, store.last_position() - count))


# -- export / import ---------------------------------------------------------------------


@app.command("export")
def export_command(
    ctx: typer.Context,
    run: Annotated[str, typer.Argument(help="Run id, unique prefix, or 'latest'.")] = "latest",
    format: Annotated[str, typer.Option("--format", "-f", help="jsonl or cloudevents.")] = "jsonl",
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="File to write (default: stdout).")
    ] = None,
    db: DbOption = None,
) -> None:
    """Export a run as JSON Lines or as a CloudEvents JSON batch."""
    if format not in ("jsonl", "cloudevents"):
        raise _fail(f"unknown format {format!r}; expected 'jsonl' or 'cloudevents'", code=2)
    state = get_state(ctx, db=db)
    reason = None if output is None else unwritable_reason(output)
    if reason is not None:
        raise _fail(f"cannot write -o {str(output)!r}: {reason}", code=2)
    with _open_store(state) as store:
        run_id = store.resolve_run(run)
        if output is None:
            out = cast(IO[str], _VisibleJsonStream(sys.stdout))
            export_run(store, run_id, out, format=cast(ExportFormat, format))
            return
        with output.open("w", encoding="utf-8") as out:
            count = export_run(store, run_id, out, format=cast(ExportFormat, format))
    typer.echo(visible(f"exported {count} events of run {run_id} to {output}"), err=True)


class _VisibleJsonStream:
    """A text stream that JSON is written to a piece at a time, each piece through
    ``json_visible``: what export prints to a terminal cannot drive it."""

    def __init__(self, stream: IO[str]) -> None:
        self.stream = stream

    def write(self, text: str) -> int:
        """Write ``text`` with its C1 controls and bidi marks escaped."""
        return self.stream.write(json_visible(text))


@app.command("import")
def import_command(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="JSON Lines or CloudEvents file ('-': stdin).")],
    run_id: Annotated[
        str | None, typer.Option("--run-id", help="Store every event in this run instead.")
    ] = None,
    db: DbOption = None,
    json_output: JsonOption = False,
) -> None:
    """Import events exported by 'export' (or any CloudEvents JSON) into the database."""
    state = get_state(ctx, db=db, json=json_output)
    name = "<stdin>" if str(file) == "-" else str(file)
    with _errors():
        if name != "<stdin>" and not file.is_file():
            raise _fail(f"no file {name!r} to import")
        try:
            text = sys.stdin.read() if name == "<stdin>" else file.read_text(encoding="utf-8")
        except UnicodeDecodeError as exc:
            raise _fail(
                f"cannot import {name!r}: it is not UTF-8 text ({exc.reason} at byte "
                f"{exc.start}); give JSON Lines or CloudEvents JSON, as 'export' writes"
            ) from None
    existed = state.db.exists()
    try:
        with _open_store(state, create=True) as store:
            try:
                result = import_events(store, text, run_id=run_id, name=name)
            except RecursionError:  # a JSON bomb: arrays in arrays, a hundred thousand deep
                raise _fail(
                    f"cannot import {name!r}: its JSON is nested too deeply to read; give JSON "
                    "Lines or CloudEvents JSON, as 'export' writes"
                ) from None
    except typer.Exit:
        if not existed:  # a refused file leaves no empty store behind
            for path in (state.db, *(Path(f"{state.db}{end}") for end in ("-wal", "-shm"))):
                with contextlib.suppress(OSError):  # never made (a read-only disk)
                    path.unlink(missing_ok=True)
        raise
    if state.json:
        _echo_json({"records": result.records, "added": result.added, "runs": result.runs})
        return
    runs = ", ".join(result.runs) or "-"
    typer.echo(visible(f"imported {result.records} events ({result.added} new) into run(s) {runs}"))


# -- replay ------------------------------------------------------------------------------


@app.command("replay")
def replay_command(
    ctx: typer.Context,
    run: Annotated[str, typer.Argument(help="Run id, unique prefix, or 'latest'.")] = "latest",
    junit: Annotated[
        Path | None, typer.Option("--junit", help="Write the rebuilt results as JUnit XML.")
    ] = None,
    metrics: Annotated[
        Path | None,
        typer.Option("--metrics", help="Write rebuilt metrics (.json: JSON, else Prometheus)."),
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Do not print each event.")] = False,
    db: DbOption = None,
    json_output: JsonOption = False,
) -> None:
    """Republish a run through a fresh event manager, rebuilding its results and metrics.

    Events keep their original ids and timestamps, so observers see the run as it happened.
    """
    state = get_state(ctx, db=db, json=json_output)
    for option, path in (("--junit", junit), ("--metrics", metrics)):
        reason = None if path is None else unwritable_reason(path)
        if reason is not None:
            raise _fail(f"cannot write {option} {str(path)!r}: {reason}", code=2)
    manager = EventManager()
    collector, meter = ResultCollector(), MetricsObserver()
    manager.register_observer(collector)
    manager.register_observer(meter)
    # An observer that fails on an event means the stored event is not what its class takes.
    failures: list[ObserverFailedEvent] = []
    manager.register_observer(ObserverFailedEvent.EVENT_TYPE, failures.append)
    count = 0
    try:
        with _open_store(state) as store, _manager_log_silenced():
            run_id = store.resolve_run(run)
            for stored in store.iter_events(run_id):
                manager.publish(stored.to_event())
                count += 1
                if failures:
                    failure = failures[0].data
                    raise _fail(
                        f"event #{stored.seq} ({stored.type}) of run {run_id} cannot be "
                        f"replayed: {failure['observer']} failed with {failure['error_type']}: "
                        f"{failure['error_message']}"
                    )
                if not quiet and not state.json:
                    typer.echo(
                        visible(
                            f"{stored.timestamp.strftime('%H:%M:%S.%f')[:-3]} {stored.type} "
                            f"{short_entity(stored.entity_id, stored.run_id)}"
                        )
                    )
        manager.flush()
    finally:
        manager.close()
    with _errors():
        if junit is not None:
            junit.write_text(collector.to_junit_xml(), encoding="utf-8")
        if metrics is not None:
            text = meter.to_json() if metrics.suffix == ".json" else meter.to_prometheus()
            metrics.write_text(text, encoding="utf-8")
    summary = collector.summary()
    if state.json:
        _echo_json({"run_id": run_id, "replayed": count, "summary": summary})
        return
    tests = "1 test" if summary["total"] == 1 else f"{summary['total']} tests"
    typer.echo(
        visible(f"replayed {count} events of run {run_id}: {tests}{_outcome_counts(summary)}")
    )


@contextlib.contextmanager
def _manager_log_silenced() -> Iterator[None]:
    """Keep the manager's failure log (a traceback per failure) off the terminal: replay
    reports the first failure itself, in one line."""
    manager_logger = logging.getLogger("panther_events.manager")
    handler = logging.NullHandler()
    manager_logger.addHandler(handler)
    propagate, manager_logger.propagate = manager_logger.propagate, False
    try:
        yield
    finally:
        manager_logger.propagate = propagate
        manager_logger.removeHandler(handler)
