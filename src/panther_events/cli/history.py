"""The commands that look back at stored runs: list, summarise, filter, draw, export, replay."""

from __future__ import annotations

import contextlib
import json
import os
import sys
import time
from collections.abc import Iterable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any, cast

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from ..exceptions import PantherEventsError
from ..manager import EventManager
from ..observers.metrics import MetricsObserver
from ..observers.results import ResultCollector
from ..store.base import RunInfo, StateInterval, StoredEvent
from ..store.formats import ExportFormat, export_run, import_events, to_jsonl_record
from ..store.sqlite import SQLiteEventStore
from ._app import AppState, DbOption, JsonOption, app, get_state

__all__: list[str] = []

_OUTCOME_STYLE = {
    "passed": "green",
    "failed": "red",
    "error": "magenta",
    "skipped": "yellow",
    "xfailed": "yellow",
    "xpassed": "yellow",
    "incomplete": "yellow",
}
_STATUS_STYLE = {
    "completed": "green",
    "failed": "red",
    "finished_early": "yellow",
    "running": "cyan",
}
# Colours of states on the timeline, by the words their names contain.
_STATE_COLOURS = (
    (("fail", "error", "crash", "abort"), "red"),
    (("complet", "pass", "ready", "done", "success", "loaded"), "green"),
    (("stop", "teardown", "destroy", "clean"), "grey50"),
    (("execut", "running", "run", "active", "start"), "blue"),
    (("setup", "setting", "deploy", "prepar", "build", "load", "init", "creat"), "yellow"),
)
_PALETTE = ("cyan", "magenta", "bright_blue", "bright_green", "orange3", "purple")


def _console() -> Console:
    # Off a terminal (pipes, CI logs) rich would assume 80 columns and squeeze the tables; a
    # wider page keeps rows whole. COLUMNS still wins when set.
    console = Console(highlight=False, soft_wrap=False)
    if not console.is_terminal and "COLUMNS" not in os.environ:
        console.width = 160
    return console


def _fail(message: str, code: int = 1) -> typer.Exit:
    """Print ``error: message`` on one line of stderr and return the exit to raise."""
    first_line = " ".join(str(message).split())
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
def _open_store(state: AppState, *, create: bool = False) -> Iterator[SQLiteEventStore]:
    with _errors():
        store = SQLiteEventStore(state.db, create=create)
    try:
        with _errors():
            yield store
    finally:
        with _errors():
            store.close()


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
    shown = {k: v for k, v in data.items() if v is not None}
    text = json.dumps(shown, ensure_ascii=False, separators=(",", ":"), default=str)
    return text if len(text) <= width else text[: width - 1] + "…"


def _echo_json(obj: Any) -> None:
    typer.echo(json.dumps(obj, ensure_ascii=False, indent=2, default=str))


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
    console = _console()
    if not infos:
        console.print(f"no runs in {state.db}")
        return
    table = Table(title=f"runs in {state.db}")
    # Run ids are what people copy into the next command: never cut or wrap them.
    table.add_column("run", no_wrap=True, min_width=max(len(i.run_id) for i in infos))
    table.add_column("status", no_wrap=True)
    table.add_column("experiment")
    table.add_column("started", no_wrap=True)
    table.add_column("duration", no_wrap=True)
    table.add_column("events", justify="right")
    table.add_column("tests")
    for info in infos:
        tests = f"[green]{info.tests_passed} passed[/]"
        if info.tests_failed:
            tests += f", [red]{info.tests_failed} failed[/]"
        table.add_row(
            info.run_id,
            f"[{_STATUS_STYLE.get(info.status, 'white')}]{info.status}[/]",
            escape(info.experiment_id or "-"),
            _fmt_time(info.first_time),
            _fmt_duration(info.duration_seconds),
            str(info.event_count),
            tests,
        )
    console.print(table)


# -- show --------------------------------------------------------------------------------


def _collect(store: SQLiteEventStore, run_id: str) -> ResultCollector:
    collector = ResultCollector()
    for pattern in ("experiment", "test", "step", "assertion"):
        for stored in store.events(run_id, type_pattern=pattern):
            collector.on_event(stored.to_event())
    return collector


def _run_info(store: SQLiteEventStore, run_id: str) -> RunInfo:
    return next(info for info in store.runs() if info.run_id == run_id)


@app.command("show")
def show_command(
    ctx: typer.Context,
    run: Annotated[str, typer.Argument(help="Run id, unique prefix, or 'latest'.")] = "latest",
    db: DbOption = None,
    json_output: JsonOption = False,
) -> None:
    """Summarise a run: its tests, outcomes, durations and failures with their messages."""
    state = get_state(ctx, db=db, json=json_output)
    with _open_store(state) as store:
        run_id = store.resolve_run(run)
        info = _run_info(store, run_id)
        collector = _collect(store, run_id)
    tests = collector.tests()
    summary = collector.summary()
    if state.json:
        _echo_json(
            {"run": info.to_dict(), "summary": summary, "tests": [t.to_dict() for t in tests]}
        )
        return
    console = _console()
    status_style = _STATUS_STYLE.get(info.status, "white")
    console.print(f"[bold]run[/] {info.run_id}  [{status_style}]{info.status}[/]")
    console.print(
        f"experiment {escape(info.experiment_id or '-')} · started {_fmt_time(info.first_time)}"
        f" · duration {_fmt_duration(info.duration_seconds)} · {info.event_count} events"
    )
    counts = ", ".join(
        f"[{_OUTCOME_STYLE[o]}]{summary[o]} {o}[/]" for o in _OUTCOME_STYLE if summary[o]
    )
    console.print(f"tests: {summary['total']}" + (f" ({counts})" if counts else ""))
    if summary["reason"]:
        console.print(f"[red]experiment: {escape(str(summary['reason']))}[/]")
    if tests:
        table = Table()
        for column in ("test", "outcome", "duration", "assertions", "steps"):
            table.add_column(column)
        for test in tests:
            steps_failed = sum(s.outcome == "failed" for s in test.steps)
            table.add_row(
                escape(test.name),
                f"[{_OUTCOME_STYLE.get(test.outcome, 'white')}]{test.outcome}[/]",
                _fmt_duration(test.duration_seconds),
                f"{test.assertions_passed} ok / {test.assertions_failed} failed",
                f"{len(test.steps)}" + (f" ({steps_failed} failed)" if steps_failed else ""),
            )
        console.print(table)
    failures = [t for t in tests if t.outcome in ("failed", "error")]
    if failures:
        console.print("[bold]failures[/]")
        for test in failures:
            where = f" in {test.phase}" if test.phase else ""
            console.print(
                f"  [red]✗[/] {escape(test.name)} ({test.outcome}{where}): "
                f"{escape(test.reason or '')}"
            )
            for step in test.steps:
                if step.outcome == "failed":
                    console.print(f"      step {escape(step.name)}: {escape(step.error or '')}")


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


def _event_line(stored: StoredEvent) -> str:
    entity = stored.entity_id if len(stored.entity_id) <= 24 else stored.entity_id[:23] + "…"
    return (
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
    entity: Annotated[str | None, typer.Option("--entity", "-e", help="Entity id.")] = None,
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
    since_at, until_at = _parse_time(since, "--since"), _parse_time(until, "--until")
    with _open_store(state) as store:
        run_id = store.resolve_run(run)
        filters: dict[str, Any] = {
            "type_pattern": type_pattern,
            "entity_id": entity,
            "since": since_at,
            "until": until_at,
        }
        # Without a limit the run may be huge: stream it a page at a time.
        events: Iterable[StoredEvent] = (
            store.iter_events(run_id, **filters)
            if limit is None and not reverse
            else store.events(run_id, limit=limit, order="desc" if reverse else "asc", **filters)
        )
        printed = 0
        for stored in events:
            if state.json:
                typer.echo(json.dumps(to_jsonl_record(stored), ensure_ascii=False))
            else:
                if not printed:
                    typer.echo(f"{'seq':>7}  {'time':<12}  {'type':<36} {'entity':<24} data")
                typer.echo(_event_line(stored))
            printed += 1
    if not printed and not state.json:
        typer.echo(f"no events of run {run_id} match")


# -- timeline ----------------------------------------------------------------------------


def _labels(keys: list[tuple[str, str]]) -> dict[tuple[str, str], str]:
    """``kind entity`` per entity, without the leading ``/``-separated segments that every
    such entity id shares (runners prefix ids with the run: ``exp-1/handshake`` shows as
    ``test handshake``)."""
    split = [entity.split("/") for _, entity in keys if "/" in entity]
    shared = 0
    if len(split) > 1:
        while all(len(parts) > shared + 1 for parts in split) and (
            len({parts[shared] for parts in split}) == 1
        ):
            shared += 1
    labels = {}
    for kind, entity in keys:
        parts = entity.split("/")
        shown = "/".join(parts[shared:]) if "/" in entity else entity
        labels[(kind, entity)] = f"{kind} {shown}"
    return labels


def _state_colour(state: str, assigned: dict[str, str]) -> str:
    if state not in assigned:
        lowered = state.lower()
        for words, colour in _STATE_COLOURS:
            if any(word in lowered for word in words):
                assigned[state] = colour
                break
        else:
            assigned[state] = _PALETTE[len(assigned) % len(_PALETTE)]
    return assigned[state]


def _bar(
    intervals: list[StateInterval],
    start: datetime,
    end: datetime,
    width: int,
    colours: dict[str, str],
) -> Text:
    """Draw one entity's intervals over [start, end] in ``width`` cells."""
    span = max((end - start).total_seconds(), 1e-9)
    cells: list[str | None] = [None] * width
    for interval in intervals:
        stop = interval.end or end
        first = int((interval.start - start).total_seconds() / span * (width - 1))
        last = int((stop - start).total_seconds() / span * (width - 1))
        for cell in range(max(first, 0), min(max(last, first + 1), width)):
            cells[cell] = interval.state
        # A state shorter than a cell still shows in its first cell.
        if 0 <= first < width:
            cells[first] = interval.state
    bar = Text()
    for state in cells:
        if state is None:
            bar.append("·", style="grey37")
        else:
            bar.append("█", style=_state_colour(state, colours))
    return bar


@app.command("timeline")
def timeline_command(
    ctx: typer.Context,
    run: Annotated[str, typer.Argument(help="Run id, unique prefix, or 'latest'.")] = "latest",
    width: Annotated[
        int | None, typer.Option("--width", "-w", min=10, help="Bar width in characters.")
    ] = None,
    db: DbOption = None,
    json_output: JsonOption = False,
) -> None:
    """Draw each entity's state intervals over the run's time."""
    state = get_state(ctx, db=db, json=json_output)
    with _open_store(state) as store:
        run_id = store.resolve_run(run)
        info = _run_info(store, run_id)
        intervals = store.state_intervals(run_id)
    if state.json:
        _echo_json({"run": info.to_dict(), "intervals": [i.to_dict() for i in intervals]})
        return
    console = _console()
    if not intervals or info.first_time is None or info.last_time is None:
        console.print(f"run {run_id} has no state changes to draw")
        return
    entities: dict[tuple[str, str], list[StateInterval]] = {}
    for interval in intervals:
        entities.setdefault((interval.kind, interval.entity_id), []).append(interval)
    labels = _labels(list(entities))
    label_width = min(max(len(label) for label in labels.values()), 48)
    bar_width = width or max(20, console.width - label_width - 24)
    colours: dict[str, str] = {}
    console.print(
        f"[bold]run[/] {run_id}  {_fmt_time(info.first_time)} → {_fmt_time(info.last_time)}"
        f"  ({_fmt_duration(info.duration_seconds)})"
    )
    for key, entity_intervals in entities.items():
        label = labels[key]
        if len(label) > label_width:  # keep the end: it is what tells entities apart
            label = "…" + label[-(label_width - 1) :]
        line = Text(label.ljust(label_width) + " ")
        line.append_text(
            _bar(entity_intervals, info.first_time, info.last_time, bar_width, colours)
        )
        line.append(f" {entity_intervals[-1].state}")
        console.print(line, no_wrap=True, overflow="ellipsis", crop=False)
    legend = Text("states: ")
    for state_name, colour in colours.items():
        legend.append("█ ", style=colour)
        legend.append(f"{state_name}  ")
    console.print(legend)


# -- tail --------------------------------------------------------------------------------


def _print_tail(events: list[StoredEvent], as_json: bool) -> None:
    for stored in events:
        if as_json:
            typer.echo(json.dumps(to_jsonl_record(stored), ensure_ascii=False))
        else:
            data = _compact(stored.data, 100)
            typer.echo(
                f"{stored.run_id} #{stored.seq} {stored.timestamp.strftime('%H:%M:%S.%f')[:-3]} "
                f"{stored.type} {stored.entity_id} {data}"
            )


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
        float, typer.Option("--interval", min=0.01, help="Seconds between polls when following.")
    ] = 0.5,
    timeout: Annotated[
        float | None,
        typer.Option("--timeout", min=0, help="Stop following after this many seconds."),
    ] = None,
    db: DbOption = None,
    json_output: JsonOption = False,
) -> None:
    """Print the latest events of every run; with --follow, stream new ones until Ctrl-C."""
    state = get_state(ctx, db=db, json=json_output)
    with _open_store(state) as store:
        position = 0
        if lines:
            recent = _recent(store, lines)
            _print_tail(recent, state.json)
            position = recent[-1].position if recent else _last_position(store)
        else:
            position = _last_position(store)
        if not follow:
            return
        deadline = None if timeout is None else time.monotonic() + timeout
        try:
            while deadline is None or time.monotonic() < deadline:
                batch = store.events_after(position, limit=1000)
                if batch:
                    _print_tail(batch, state.json)
                    position = batch[-1].position
                    sys.stdout.flush()
                    continue
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
    with _open_store(state) as store:
        run_id = store.resolve_run(run)
        if output is None:
            export_run(store, run_id, sys.stdout, format=cast(ExportFormat, format))
            return
        with output.open("w", encoding="utf-8") as out:
            count = export_run(store, run_id, out, format=cast(ExportFormat, format))
    typer.echo(f"exported {count} events of run {run_id} to {output}", err=True)


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
    with _errors():
        if str(file) == "-":
            text, name = sys.stdin.read(), "<stdin>"
        else:
            if not file.is_file():
                raise _fail(f"no file {str(file)!r} to import")
            text, name = file.read_text(encoding="utf-8"), str(file)
    with _open_store(state, create=True) as store:
        result = import_events(store, text, run_id=run_id, name=name)
    if state.json:
        _echo_json({"records": result.records, "added": result.added, "runs": result.runs})
        return
    runs = ", ".join(result.runs) or "-"
    typer.echo(f"imported {result.records} events ({result.added} new) into run(s) {runs}")


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
    manager = EventManager()
    collector, meter = ResultCollector(), MetricsObserver()
    manager.register_observer(collector)
    manager.register_observer(meter)
    if not quiet and not state.json:
        manager.register_observer(
            lambda event: typer.echo(
                f"{event.timestamp.strftime('%H:%M:%S.%f')[:-3]} {event.get_type()} "
                f"{event.entity_id}"
            )
        )
    try:
        with _open_store(state) as store:
            run_id = store.resolve_run(run)
            count = store.replay(run_id, manager)
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
    typer.echo(
        f"replayed {count} events of run {run_id}: {summary['total']} tests, "
        f"{summary['passed']} passed, {summary['failed']} failed, {summary['error']} errors"
    )
