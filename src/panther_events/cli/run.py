"""``panther-events run EXPERIMENT.yaml``: run an experiment and record every event it emits.

Default observers: terminal progress (unless ``--quiet``), the SQLite store (``--db``, default
``./panther-events.db``; written on a background observer), and a log file beside the store
(``panther-events.log`` for ``panther-events.db``). Exit status: 0 when every test passed, 1
when any failed or the run was interrupted, 2 when nothing could run (an invalid experiment
file, or a store, log file or ``--junit`` file that cannot be written: checked before the run
starts) or when one of them failed during the run (a full disk: the run stops there). Each
such error is one line on stderr naming the file and the cause.
"""

from __future__ import annotations

import contextlib
import json
import logging
import signal
import sqlite3
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from types import FrameType
from typing import Annotated, NoReturn

import typer

from ..emitters import EmitterRegistry
from ..events.system import ObserverFailedEvent
from ..exceptions import ExperimentFileError, StoreError
from ..manager import EventManager
from ..observers import EventStoreObserver, LoggerObserver, ProgressObserver, ResultCollector
from ..runner import ExperimentOutcome, ExperimentRunner, load_experiment
from ..runner._ended import command as ended_command
from ..runner._reaping import after_death, reaping
from ..store.base import EventStore
from ..store.sqlite import SQLiteEventStore
from ._app import DbOption, JsonOption, app, get_state
from ._nats import NATS_ENV, before_close, check_url_option, nats_summary, start_publisher
from ._paths import unwritable_reason
from ._terminal import json_visible, visible, visible_lines
from .serve import start_dashboard

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
    serve: Annotated[
        bool,
        typer.Option("--serve", help="Serve the live dashboard beside the run; print its URL."),
    ] = False,
) -> None:
    """Run EXPERIMENT's tests on real local processes, recording every event in the store."""
    state = get_state(ctx, db=db, json=json_output)
    if nats is not None:
        check_url_option(nats, EXIT_INVALID)
    try:
        loaded = load_experiment(experiment)
    except ExperimentFileError as exc:
        typer.echo(f"invalid experiment file:\n{visible_lines(exc)}", err=True)
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
    if db_path.is_dir():
        _refuse(f"cannot use the event store {str(db_path)!r}: it is a directory; give a file")
    log_path = db_path.with_name(f"{db_path.stem}.log")
    try:
        db_path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        _refuse(f"cannot use the event store {str(db_path)!r}: {_root_cause(exc)}")
    outputs = (
        ("the event store", db_path),
        ("the log file", log_path),
        ("the --junit file", junit),
    )
    for what, path in outputs:
        reason = None if path is None else unwritable_reason(path)
        if reason is not None:
            _refuse(f"cannot write {what} {str(path)!r}: {reason}")
    try:
        store = SQLiteEventStore(db_path)
    except (StoreError, OSError, sqlite3.Error) as exc:
        _refuse(f"cannot use the event store {str(db_path)!r}: {exc}")
    failure = _OutputFailure(runner)
    dashboard = start_dashboard(db_path) if serve else None
    # Signals become an orderly stop for the whole run, closing the store included.
    with _interrupts(runner), contextlib.ExitStack() as stack:
        # Should this process be killed, its reaper stops the services and then records in
        # the store that the run ended: cancelled only once the store is closed.
        stack.enter_context(reaping())
        stack.enter_context(after_death(ended_command(db_path, run_id)))
        stack.callback(failure.guard, "the event store", db_path, store.close)
        # Background: a slow disk never slows the run; manager.close() drains it.
        manager.register_observer(
            "*", _StoreRecorder(store, run_id, failure, db_path), background=True, priority=100
        )
        # Observer failures are reported here in one line each, not as logged tracebacks.
        stack.enter_context(_failures_reported(manager))
        # Unwinding runs last-in first: the manager drains the background store observer and
        # stops its worker, then the store commits what remains and closes.
        stack.callback(manager.close)
        stack.enter_context(_log_file(manager, log_path, run_id, failure))
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

    if junit is not None and failure.message is None:
        failure.guard("the --junit file", junit, junit.write_text, collector.to_junit_xml())
    if failure.message is not None:
        _refuse(failure.message)
    nats_line, nats_figures = ("", {}) if publisher is None else nats_summary(publisher, nats or "")
    if state.json:
        summary = {**result.to_dict(), "db": str(db_path)}
        if nats_figures:
            summary["nats"] = nats_figures
        typer.echo(json_visible(json.dumps(summary, indent=2)))
    else:
        _print_summary(result, db_path, log_path)
        if nats_line:
            typer.echo(nats_line)
    if dashboard is not None:
        dashboard.finish()
    raise typer.Exit(0 if result.passed else 1)


@contextlib.contextmanager
def _interrupts(runner: ExperimentRunner) -> Iterator[None]:
    """Turn SIGINT, SIGTERM and SIGHUP (a closed terminal) into ``runner.interrupt`` for the
    run's duration: the services are torn down and the events stored, never orphaned."""

    def handler(signum: int, frame: FrameType | None) -> None:
        runner.interrupt(f"received {signal.Signals(signum).name}")

    if threading.current_thread() is not threading.main_thread():
        yield  # signal handlers can only be installed from the main thread
        return
    previous = {
        sig: signal.signal(sig, handler) for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
    }
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


def _refuse(message: str) -> NoReturn:
    """Print ``error: message`` as one line on stderr and exit with ``EXIT_INVALID``."""
    typer.echo(f"error: {visible(' '.join(message.split()))}", err=True)
    raise typer.Exit(EXIT_INVALID)


def _root_cause(exc: BaseException) -> str:
    """The message of the first error in ``exc``'s chain: what really went wrong (``database or
    disk is full``), not what failed while handling it."""
    while exc.__cause__ is not None or exc.__context__ is not None:
        exc = exc.__cause__ or exc.__context__  # type: ignore[assignment]
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return str(exc)


class _OutputFailure:
    """The first failure to write one of the run's files; it stops the run (a full disk)."""

    def __init__(self, runner: ExperimentRunner) -> None:
        self.runner = runner
        self.message: str | None = None

    def record(self, what: str, path: Path, exc: BaseException) -> None:
        """Keep the first failure as one line naming the file and its cause; stop the run."""
        if self.message is None:
            self.message = f"cannot write {what} {str(path)!r}: {_root_cause(exc)}"
            self.runner.interrupt(self.message)

    def guard(self, what: str, path: Path, write: Callable[..., object], *args: object) -> None:
        """Call ``write(*args)``, recording an OSError or StoreError instead of raising it."""
        try:
            write(*args)
        except (OSError, StoreError) as exc:
            self.record(what, path, exc)


class _StoreRecorder(EventStoreObserver):
    """EventStoreObserver that reports the store's first failure and then stops writing."""

    def __init__(self, store: EventStore, run_id: str, failure: _OutputFailure, path: Path) -> None:
        super().__init__(store, run_id=run_id)
        self.failure, self.path, self.failed = failure, path, False

    def on_event(self, event: object) -> None:
        """Append ``event``; after a failure, do nothing (the run is being stopped)."""
        if not self.failed:
            try:
                super().on_event(event)
            except (OSError, StoreError) as exc:
                self.failed = True
                self.failure.record("the event store", self.path, exc)

    __call__ = on_event

    def close(self) -> None:
        """Flush what was recorded, unless writing already failed."""
        if not self.failed:
            self.failure.guard("the event store", self.path, super().close)


class _LogFileHandler(logging.FileHandler):
    """A FileHandler whose write errors stop the run instead of printing tracebacks."""

    def __init__(self, path: Path, failure: _OutputFailure) -> None:
        super().__init__(path, encoding="utf-8")
        self.path, self.failure, self.failed = path, failure, False

    def emit(self, record: logging.LogRecord) -> None:
        """Write ``record``, unless writing already failed."""
        if not self.failed:
            super().emit(record)

    def handleError(self, record: logging.LogRecord) -> None:  # noqa: N802 - logging's name
        """Record the write error (called by ``emit`` inside its ``except``)."""
        self.failed = True
        error = sys.exc_info()[1]
        if error is not None:
            self.failure.record("the log file", self.path, error)

    def close(self) -> None:
        """Close the file; a failing final flush is recorded like any write error."""
        try:
            super().close()
        except OSError as exc:
            self.failure.record("the log file", self.path, exc)


@contextlib.contextmanager
def _log_file(
    manager: EventManager, path: Path, run_id: str, failure: _OutputFailure
) -> Iterator[None]:
    """Log every event, one line each, to ``path`` (appended to) for the run's duration."""
    logger = logging.getLogger(f"panther_events.run.{run_id}")
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    try:
        handler = _LogFileHandler(path, failure)
    except OSError as exc:
        _refuse(f"cannot write the log file {str(path)!r}: {_root_cause(exc)}")
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


@contextlib.contextmanager
def _failures_reported(manager: EventManager) -> Iterator[None]:
    """Report each observer failure as one line on stderr instead of the manager's traceback."""

    def report(event: ObserverFailedEvent) -> None:
        data = event.data
        typer.echo(
            visible(
                f"warning: observer {data['observer']} failed on {data['event_type']}: "
                f"{data['error_type']}: {data['error_message']}"
            ),
            err=True,
        )

    manager_logger = logging.getLogger("panther_events.manager")
    handler = logging.NullHandler()
    manager_logger.addHandler(handler)
    propagate, manager_logger.propagate = manager_logger.propagate, False
    manager.register_observer(ObserverFailedEvent.EVENT_TYPE, report)
    try:
        yield
    finally:
        manager_logger.propagate = propagate
        manager_logger.removeHandler(handler)


def _file_token(text: str) -> str:
    """``text`` with every character unsafe in a file name replaced by ``_``."""
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in text)


def _print_summary(result: ExperimentOutcome, db_path: Path, log_path: Path) -> None:
    passed = sum(t.passed for t in result.tests)
    verdict = "PASSED" if result.passed else "FAILED"
    if result.finished_early:
        verdict = f"FINISHED EARLY ({visible(result.reason)})"
    typer.echo(
        f"{result.name}: {verdict}: {passed}/{len(result.tests)} tests passed "
        f"in {result.duration:.2f}s"
    )
    for test in result.tests:
        if not test.passed:
            # The reason may quote a service's output: its lines, never its controls, each
            # indented under the test's name.
            first, *more = visible_lines(f"{test.name}: {test.reason}").splitlines() or [""]
            typer.echo("\n".join([f"  {first}", *(f"    {line}" for line in more)]))
    kept = [(test.name, test.workdir) for test in result.tests if test.workdir]
    if kept:
        typer.echo("working directories kept (--keep-workdirs):")
        for name, workdir in kept:
            typer.echo(visible(f"  {name}: {workdir}"))
    typer.echo(f"events: {db_path} (run {result.experiment_id}); log: {log_path}")
    sys.stdout.flush()
