"""``panther-events run EXPERIMENT.yaml``: run an experiment and record every event it emits.

Default observers: terminal progress (unless ``--quiet``), the SQLite store (``--db``, default
``./panther-events.db``; written on a background observer), and a log file beside the store
(``panther-events.log`` for ``panther-events.db``). Exit status: 0 when every test passed, 1
when any failed or the run was interrupted, 2 when nothing could run (an invalid experiment
file, or a store or log file that cannot be written).
"""

from __future__ import annotations

import contextlib
import json
import logging
import signal
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from types import FrameType
from typing import Annotated

import typer

from ..emitters import EmitterRegistry
from ..exceptions import ExperimentFileError, StoreError
from ..manager import EventManager
from ..observers import EventStoreObserver, LoggerObserver, ProgressObserver, ResultCollector
from ..runner import ExperimentResult, ExperimentRunner, load_experiment
from ..store.sqlite import SQLiteEventStore
from ._app import DbOption, JsonOption, app, get_state
from ._nats import NATS_ENV, before_close, check_url_option, nats_summary, start_publisher

__all__ = ["run"]

#: Exit status when nothing can be run: an invalid experiment file or an unusable --db.
EXIT_INVALID = 2


@app.command()
def run(
    ctx: typer.Context,
    experiment: Annotated[
        Path, typer.Argument(help="The experiment file (YAML; see docs/runner.md).")
    ],
    db: DbOption = None,
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="No progress output, only the verdict.")
    ] = False,
    json_output: JsonOption = False,
    junit: Annotated[
        Path | None, typer.Option("--junit", help="Also write the results as JUnit XML here.")
    ] = None,
    nats: Annotated[
        str | None,
        typer.Option(
            "--nats",
            envvar=NATS_ENV,
            help="Also publish every event to this NATS server URL (see docs/deployment.md).",
        ),
    ] = None,
    keep_workdirs: Annotated[
        bool,
        typer.Option("--keep-workdirs", help="Keep each test's working directory and logs."),
    ] = False,
) -> None:
    """Run EXPERIMENT's tests on real local processes, recording every event in the store."""
    state = get_state(ctx, db=db, json=json_output)
    if nats is not None:
        check_url_option(nats, EXIT_INVALID)
    try:
        loaded = load_experiment(experiment)
    except ExperimentFileError as exc:
        typer.echo(f"invalid experiment file:\n{exc}", err=True)
        raise typer.Exit(EXIT_INVALID) from None

    manager = EventManager()
    runner = ExperimentRunner(
        loaded,
        manager=manager,
        registry=EmitterRegistry(manager),
        keep_workdirs=keep_workdirs,
    )
    run_id = runner.experiment_id
    db_path = state.db
    log_path = db_path.with_name(f"{db_path.stem}.log")
    try:
        db_path.parent.mkdir(parents=True, exist_ok=True)
        store = SQLiteEventStore(db_path)
    except (StoreError, OSError) as exc:
        typer.echo(f"cannot use the event store {str(db_path)!r}: {exc}", err=True)
        raise typer.Exit(EXIT_INVALID) from None
    # Signals become an orderly stop for the whole run, closing the store included.
    with _interrupts(runner), contextlib.ExitStack() as stack:
        stack.callback(store.close)
        # Background: a slow disk never slows the run; manager.close() drains it.
        manager.register_observer(
            "*", EventStoreObserver(store, run_id=run_id), background=True, priority=100
        )
        # Unwinding runs last-in first: the manager drains the background store observer and
        # stops its worker, then the store commits what remains and closes.
        stack.callback(manager.close)
        stack.enter_context(_log_file(manager, log_path, run_id))
        if not quiet:
            # On stderr (its default): stdout carries only the verdict, or the --json summary.
            manager.register_observer("*", ProgressObserver())
        # The JUnit report comes from the events, like any other observer's view of the run.
        collector = ResultCollector(suite_name=loaded.spec.name)
        manager.register_observer("*", collector)
        publisher = None
        if nats is not None:
            spool = db_path.with_name(f"{db_path.stem}.{_file_token(run_id)}.nats-spool.jsonl")
            publisher = start_publisher(nats, run_id, spool, EXIT_INVALID)
            # on_event only queues (the transport sends from its own thread): no worker.
            manager.register_observer("*", publisher)
            stack.callback(before_close, publisher)  # runs before manager.close()
        result = runner.run()

    if junit is not None:
        junit.write_text(collector.to_junit_xml(), encoding="utf-8")
    nats_line, nats_figures = ("", {}) if publisher is None else nats_summary(publisher, nats or "")
    if state.json:
        summary = {**result.to_dict(), "db": str(db_path)}
        if nats_figures:
            summary["nats"] = nats_figures
        typer.echo(json.dumps(summary, indent=2))
    else:
        _print_summary(result, db_path, log_path)
        if nats_line:
            typer.echo(nats_line)
    raise typer.Exit(0 if result.passed else 1)


@contextlib.contextmanager
def _interrupts(runner: ExperimentRunner) -> Iterator[None]:
    """Turn SIGINT and SIGTERM into ``runner.interrupt`` for the run's duration."""

    def handler(signum: int, frame: FrameType | None) -> None:
        runner.interrupt(f"received {signal.Signals(signum).name}")

    if threading.current_thread() is not threading.main_thread():
        yield  # signal handlers can only be installed from the main thread
        return
    previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


@contextlib.contextmanager
def _log_file(manager: EventManager, path: Path, run_id: str) -> Iterator[None]:
    """Log every event, one line each, to ``path`` (appended to) for the run's duration."""
    logger = logging.getLogger(f"panther_events.run.{run_id}")
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    try:
        handler = logging.FileHandler(path, encoding="utf-8")
    except OSError as exc:
        typer.echo(f"cannot write the log file {str(path)!r}: {exc}", err=True)
        raise typer.Exit(EXIT_INVALID) from None
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)-7s %(message)s"))
    logger.addHandler(handler)
    observer = LoggerObserver(logger)
    manager.register_observer("*", observer)
    try:
        yield
    finally:
        # The manager is closed before this exits (ExitStack order), so no event is lost.
        logger.removeHandler(handler)
        handler.close()


def _file_token(text: str) -> str:
    """``text`` with every character unsafe in a file name replaced by ``_``."""
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in text)


def _print_summary(result: ExperimentResult, db_path: Path, log_path: Path) -> None:
    passed = sum(t.passed for t in result.tests)
    verdict = "PASSED" if result.passed else "FAILED"
    if result.finished_early:
        verdict = f"FINISHED EARLY ({result.reason})"
    typer.echo(
        f"{result.name}: {verdict}: {passed}/{len(result.tests)} tests passed "
        f"in {result.duration:.2f}s"
    )
    for test in result.tests:
        if not test.passed:
            typer.echo(f"  {test.name}: {test.reason}")
    typer.echo(f"events: {db_path} (run {result.experiment_id}); log: {log_path}")
    sys.stdout.flush()
