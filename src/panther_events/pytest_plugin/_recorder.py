"""The recording side: a pytest session becomes an experiment run in the store (and on NATS).

It runs where pytest logs reports: the only process, or the pytest-xdist controller, which
receives every worker's reports. So one process owns the run id and the store, and the
workers write nothing. Each phase's events carry the times pytest measured (``report.start``
/ ``report.stop``), not the time the report arrived.

For one test (cf. the runner in :mod:`panther_events.runner.engine`)::

    test.created  test.setup_started  [fixture events]  test.setup_completed|setup_failed
    test.execution_started  [fixture events]  test.execution_completed|execution_failed
    test.teardown_started  [fixture events]  test.teardown_completed
    metrics.timing (the test's duration, its phases')  test.completed|test.failed (summary)

A skipped setup goes straight to teardown, and so does a call skipped by ``pytest.skip``.
Each hook's events go to the store in one ``append_many`` as the hook returns (and, with
NATS, through the manager to the publisher), not through an ``EmitterRegistry``: the
sequences above are fixed by this code and legal in the test state machine (the tests replay
every stored run through a registry), and checking each one at run time would cost as much as
building it, on the path of every test (bench/pytest_plugin.py).
The plugin must never change pytest's outcome: every hook here catches its own errors, and
the first one stops the recording and is reported in the summary line.
"""

from __future__ import annotations

import contextlib
import re
import socket
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

import pytest

from ..events.base import BaseEvent, EventType, GenericEvent
from ..events.experiment import (
    ExperimentCompletedEvent,
    ExperimentExecutionCompletedEvent,
    ExperimentExecutionStartedEvent,
    ExperimentFailedEvent,
    ExperimentFinishedEarlyEvent,
    ExperimentInitializedEvent,
    ExperimentTestCasesInitializedEvent,
)
from ..events.metrics import TimingMetricEvent
from ..events.test import (
    TestCompletedEvent,
    TestCreatedEvent,
    TestExecutionCompletedEvent,
    TestExecutionFailedEvent,
    TestExecutionStartedEvent,
    TestFailedEvent,
    TestSetupCompletedEvent,
    TestSetupFailedEvent,
    TestSetupStartedEvent,
    TestTeardownCompletedEvent,
    TestTeardownStartedEvent,
)
from ..manager import EventManager
from ..serialization import event_from_dict
from ..store.sqlite import SQLiteEventStore
from ._capture import REPORT_ATTRIBUTE, clip, test_id_for
from ._outcome import FAILED_OUTCOMES, OUTCOMES, PhaseResult, TestRecord

__all__ = ["Recorder", "new_run_id"]

_CLOCK_SLACK: Final = 0.001
# How long the end of the session waits for NATS to acknowledge what is left (the rest is
# spooled by the publisher): a test session must not hang on an unreachable server.
_NATS_CLOSE_TIMEOUT: Final = 5.0
_INTERRUPTED: Final = int(pytest.ExitCode.INTERRUPTED)


def new_run_id(name: str) -> str:
    """``<name>-<UTC time>-<host>-<random>``: the runner's shape, so runs of both sort alike."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    # The host name keeps run ids distinct when several hosts send to one collector.
    host = re.sub(r"[^A-Za-z0-9_\-]", "-", socket.gethostname().split(".")[0]) or "host"
    safe = re.sub(r"[^A-Za-z0-9_\-.]", "-", name) or "pytest"
    return f"{safe}-{stamp}-{host}-{uuid.uuid4().hex[:6]}"


def _at(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


class _StoreSink:
    """Appends events to the store, a hook's events in one call; the first failure is kept
    and later events dropped.

    It never raises (a failure of the store must not change pytest's outcome): the recorder
    reports the failure once, in the summary line.
    """

    def __init__(self, store: SQLiteEventStore, run_id: str) -> None:
        self.store = store
        self.run_id = run_id
        self.error: str | None = None

    def append(self, events: list[BaseEvent]) -> None:
        if self.error is None:
            try:
                self.store.append_many(events, run_id=self.run_id)
            except Exception as exc:
                self.error = f"{type(exc).__name__}: {exc}"

    def close(self) -> None:
        try:
            self.store.close()
        except Exception as exc:
            self.error = self.error or f"{type(exc).__name__}: {exc}"


class Recorder:
    """The pytest plugin object that records one session as run ``run_id``.

    Args:
        config: the session's pytest config.
        db: where the SQLite store is (created when missing).
        nats_url: also publish every event to this NATS server, when given.
    """

    def __init__(self, config: pytest.Config, db: Path, nats_url: str | None) -> None:
        self.config = config
        self.db = db
        self.nats_url = nats_url
        self.run_id = new_run_id(f"pytest-{config.rootpath.name}")
        # No dedup window and no history: every event here is new by construction (test ids
        # are unique in the run, and the store ignores an id the run already holds), and
        # nothing reads the history; both would cost on every event.
        self.manager = EventManager(dedup=False, history_limit=0)
        #: Why recording stopped (None while it works); said once, in the summary line.
        self.problem: str | None = None
        self.counts = dict.fromkeys(OUTCOMES, 0)
        self._open: dict[str, TestRecord] = {}
        self._seen: dict[str, int] = {}
        self._warnings = 0
        self._began = time.time()
        self._announced = False
        self._sink: _StoreSink | None = None
        # The events of the hook being run, stored together when it returns (_flush).
        self._batch: list[BaseEvent] = []
        self._publisher: Any = None  # a NatsPublisher, when --panther-events-nats is given
        #: What went wrong with NATS, for the summary line (None: all sent, or no NATS).
        self._nats_note: str | None = None
        self._closed = False
        self._attach_outputs()

    # -- outputs ---------------------------------------------------------------------------

    def _attach_outputs(self) -> None:
        try:
            self.db.parent.mkdir(parents=True, exist_ok=True)
            store = SQLiteEventStore(self.db)
        except Exception as exc:
            self.problem = f"cannot write the event store {str(self.db)!r}: {exc}"
            return
        # Appended to straight, not through the manager: a hook's events go in one
        # append_many, which buffers them (the store's writer thread commits).
        self._sink = _StoreSink(store, self.run_id)
        if self.nats_url is not None:
            try:
                # Imported here: the NATS extra is optional and only this option needs it.
                from ..transport.nats import NatsPublisher  # noqa: PLC0415

                self._publisher = NatsPublisher(
                    self.nats_url, self.run_id, close_timeout=_NATS_CLOSE_TIMEOUT
                )
            except Exception as exc:  # the store still records: only NATS is out
                self._nats_note = f"cannot publish: {exc}"
            else:
                self.manager.register_observer("*", self._publisher)

    def _stop(self, problem: str) -> None:
        if self.problem is None:
            self.problem = problem

    def _emit(self, event: BaseEvent, at: float | None = None) -> None:
        """Add ``event``, as having happened at ``at`` (seconds since the epoch), to the
        events the current hook stores when it returns (``_flush``).

        An event built within ``_CLOCK_SLACK`` of ``at`` keeps its own creation time: making
        the datetime is a good part of an event's cost, on the path every test takes.
        """
        if at is not None and time.time() - at > _CLOCK_SLACK:
            event.timestamp = _at(at)
        self._batch.append(event)

    def _flush(self) -> None:
        """Store the current hook's events in one append, and publish them to NATS.

        Called as each hook returns, whatever happened in it: an event is in the store's
        hands (and its flush interval) as soon as the report that made it has been handled.
        """
        batch, self._batch = self._batch, []
        if not batch:
            return
        if self._sink is not None:
            self._sink.append(batch)
        if self._publisher is not None:
            try:
                for event in batch:
                    self.manager.publish(event)
            except Exception as exc:
                self._stop(f"recording failed: {type(exc).__name__}: {exc}")

    @property
    def recording(self) -> bool:
        """Whether events are still being recorded."""
        return self.problem is None and not self._closed

    # -- session ---------------------------------------------------------------------------

    @pytest.hookimpl(optionalhook=True)
    def pytest_configure_node(self, node: Any) -> None:
        """pytest-xdist: give each worker the run id (its fixtures' events name it)."""
        node.workerinput["panther_events_run_id"] = self.run_id

    def pytest_sessionstart(self, session: pytest.Session) -> None:
        if not self.recording:
            return
        try:
            params = self.config.invocation_params
            self._emit(
                ExperimentInitializedEvent(
                    self.run_id,
                    config={
                        "name": f"pytest {self.config.rootpath.name}",
                        "runner": "pytest",
                        "pytest": pytest.__version__,
                        "rootdir": str(self.config.rootpath),
                        "args": list(params.args),
                        "invocation_dir": str(params.dir),
                    },
                ),
                self._began,
            )
        except Exception as exc:
            self._stop(f"recording failed: {type(exc).__name__}: {exc}")
        finally:
            self._flush()

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        self._announce([item.nodeid for item in session.items])

    @pytest.hookimpl(optionalhook=True)
    def pytest_xdist_node_collection_finished(self, node: Any, ids: list[str]) -> None:
        """pytest-xdist: every worker collects the same tests; the first list announces them."""
        self._announce(list(ids))

    def _announce(self, nodeids: list[str]) -> None:
        if self._announced or not self.recording:
            return
        self._announced = True
        try:
            self._emit(ExperimentTestCasesInitializedEvent(self.run_id, len(nodeids), nodeids))
            self._emit(ExperimentExecutionStartedEvent(self.run_id, len(nodeids)))
        except Exception as exc:
            self._stop(f"recording failed: {type(exc).__name__}: {exc}")
        finally:
            self._flush()

    # -- tests -----------------------------------------------------------------------------

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        # Removed first, whatever happens: no other plugin (junitxml, report logs) sees it.
        extra: dict[str, Any] = report.__dict__.pop(REPORT_ATTRIBUTE, None) or {}
        if not self.recording:
            return
        try:
            self._on_report(report, extra)
        except Exception as exc:
            self._stop(f"recording failed at {report.nodeid!r}: {type(exc).__name__}: {exc}")
        finally:
            self._flush()

    def _on_report(self, report: pytest.TestReport, extra: dict[str, Any]) -> None:
        when, nodeid = report.when, report.nodeid
        phase = PhaseResult(
            report.outcome,
            report.duration,
            extra.get("message"),
            extra.get("error_type"),
            extra.get("traceback"),
            # Set on the report by pytest's skipping plugin, when it is set at all.
            report.__dict__.get("wasxfail"),
        )
        if report.failed and phase.message is None:  # e.g. a strict xpass: no exception
            phase.message = clip(report.longreprtext.strip()) or "failed"
        if when == "setup" or nodeid not in self._open:
            test = self._begin(nodeid, report)
        else:
            test = self._open[nodeid]
        test.phases[when] = phase
        tid, start, stop = test.test_id, report.start, report.stop
        if when == "setup":
            self._emit(TestSetupStartedEvent(tid), start)
            self._forward(extra)
            if report.passed:
                self._emit(TestSetupCompletedEvent(tid, None, report.duration), stop)
            elif report.failed:
                message = phase.message or "setup failed"
                self._emit(TestSetupFailedEvent(tid, message, phase.error_type, "fixture"), stop)
        elif when == "call":
            self._emit(TestExecutionStartedEvent(tid), start)
            self._forward(extra)
            if report.failed or (report.skipped and phase.xfail_reason is not None):
                message = phase.message or "failed"
                self._emit(TestExecutionFailedEvent(tid, message, phase.error_type, "call"), stop)
            elif report.passed:
                self._emit(TestExecutionCompletedEvent(tid, report.duration), stop)
        else:
            self._emit(TestTeardownStartedEvent(tid), start)
            self._forward(extra)
            self._emit(TestTeardownCompletedEvent(tid, report.duration), stop)
            self._finish(test, stop)

    def _begin(self, nodeid: str, report: pytest.TestReport) -> TestRecord:
        # A node id seen again (--count, reruns, a file given twice) is another test.
        seen = self._seen.get(nodeid, 0) + 1
        self._seen[nodeid] = seen
        name = nodeid if seen == 1 else f"{nodeid}#{seen}"
        test = self._open[nodeid] = TestRecord(test_id_for(self.run_id, name), nodeid)
        path, lineno, domain = report.location
        config: dict[str, Any] = {"path": path, "line": lineno, "domain": domain}
        worker = report.__dict__.get("worker_id")  # set by pytest-xdist on its reports
        if worker is not None:
            config["worker"] = worker
        self._emit(TestCreatedEvent(test.test_id, name, None, config), report.start)
        return test

    def _forward(self, extra: dict[str, Any]) -> None:
        """Publish the events the test's ``panther_events`` fixture emitted in this phase.

        They were checked against their state machines where they were emitted (the test's own
        registry), so they are published as they are, keeping their ids and times.
        """
        payloads = extra.get("events")
        if payloads:
            self._batch.extend(event_from_dict(payload) for payload in payloads)

    def _finish(self, test: TestRecord, stop: float) -> None:
        del self._open[test.nodeid]
        name = test.test_id.removeprefix(f"{self.run_id}/")
        summary = test.summary()
        outcome = summary["outcome"]
        total = sum(p.duration for p in test.phases.values())
        # One metric per test, its phases in the metadata: a third of the events of one per
        # phase, on the path every test takes (see bench/pytest_plugin.py).
        metric = TimingMetricEvent("test", total, "total", name, "pytest", summary["durations"])
        self._emit(metric, stop)
        self.counts[outcome] += 1
        if outcome in FAILED_OUTCOMES:
            deciding = test.deciding_phase()
            when, phase = deciding if deciding is not None else ("call", PhaseResult("", 0.0))
            self._emit(
                TestFailedEvent(
                    test.test_id, name, phase.message or outcome, phase.error_type, when, summary
                ),
                stop,
            )
        else:
            self._emit(TestCompletedEvent(test.test_id, name, total, summary), stop)

    @pytest.hookimpl(tryfirst=True)
    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        """A collector that failed or was skipped is recorded as a test, as JUnit XML does."""
        if report.passed or not self.recording:
            return
        try:
            now = time.time()
            name = report.nodeid or "<collection>"
            test = TestRecord(test_id_for(self.run_id, name), report.nodeid)
            message = clip(report.longreprtext.strip())
            status = "failed" if report.failed else "skipped"
            if report.skipped and isinstance(report.longrepr, tuple):
                message = str(report.longrepr[2]).removeprefix("Skipped: ")
            error_type = "CollectError" if report.failed else None
            test.phases["setup"] = PhaseResult(status, 0.0, message, error_type)
            self._emit(TestCreatedEvent(test.test_id, name, None, {"path": report.fspath}), now)
            self._open[test.nodeid] = test
            self._emit(TestSetupStartedEvent(test.test_id), now)
            if report.failed:
                self._emit(TestSetupFailedEvent(test.test_id, message, None, "collection"), now)
            self._finish(test, now)
        except Exception as exc:
            self._stop(f"recording failed at {report.nodeid!r}: {type(exc).__name__}: {exc}")
        finally:
            self._flush()

    def pytest_warning_recorded(
        self, warning_message: Any, when: str, nodeid: str, location: Any
    ) -> None:
        """Each captured warning becomes a ``test.warning`` (or ``experiment.warning``) event."""
        if not self.recording:
            return
        try:
            self._warnings += 1
            data = {
                "category": warning_message.category.__name__,
                "message": clip(str(warning_message.message)),
                "filename": str(warning_message.filename),
                "lineno": warning_message.lineno,
                "when": when,
                "nodeid": nodeid,
                # Two equal warnings are two observations, not one event seen twice.
                "number": self._warnings,
            }
            if nodeid:
                tested = self._seen.get(nodeid, 1)
                name = nodeid if tested == 1 else f"{nodeid}#{tested}"
                event = GenericEvent(
                    "warning", EventType.TEST, test_id_for(self.run_id, name), data
                )
            else:
                event = GenericEvent("warning", EventType.EXPERIMENT, self.run_id, data)
            self._emit(event)
        except Exception as exc:
            self._stop(f"recording failed: {type(exc).__name__}: {exc}")
        finally:
            self._flush()

    # -- the end ---------------------------------------------------------------------------

    @pytest.hookimpl(tryfirst=True)
    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        try:
            if self.recording:
                self._verdict(int(exitstatus))
            elif self._sink is not None and self._sink.error is None:
                # The recording broke, the store did not: the run says so rather than look
                # as if it were still running.
                reason = f"recording stopped: {self.problem}"
                self._emit(ExperimentFailedEvent(self.run_id, reason, "RecordingError"))
        except Exception as exc:
            self._stop(f"recording failed: {type(exc).__name__}: {exc}")
        finally:
            self._flush()
            self.close()

    def _verdict(self, exitstatus: int) -> None:
        now = time.time()
        for test in list(self._open.values()):  # interrupted between its setup and teardown
            self._emit(
                TestFailedEvent(
                    test.test_id, test.nodeid, "the session ended before the test did",
                    "Interrupted", "interrupted", {"outcome": "error", "nodeid": test.nodeid},
                ),
                now,
            )  # fmt: skip
            self.counts["error"] += 1
        self._open.clear()
        self._announce([])
        failed = sum(self.counts[o] for o in FAILED_OUTCOMES)
        total = sum(self.counts.values())
        summary: dict[str, Any] = {**self.counts, "total": total, "exit_status": exitstatus}
        xid = self.run_id
        if exitstatus == _INTERRUPTED:
            reason = "interrupted"
            self._emit(ExperimentFinishedEarlyEvent(xid, reason, summary), now)
            self._emit(ExperimentFailedEvent(xid, reason, "Interrupted", summary), now)
            return
        self._emit(
            ExperimentExecutionCompletedEvent(
                xid, total - failed, failed, total, now - self._began
            ),
            now,
        )
        if exitstatus == 0:
            self._emit(ExperimentCompletedEvent(xid, summary), now)
        else:
            reason = f"{failed} of {total} tests failed" if failed else f"exit status {exitstatus}"
            self._emit(ExperimentFailedEvent(xid, reason, None, summary), now)

    def close(self) -> None:
        """Drain the store and NATS observers and close them (idempotent)."""
        if self._closed:
            return
        self._closed = True
        self._flush()
        with contextlib.suppress(Exception):
            self.manager.close()
        if self._sink is not None:
            self._sink.close()
        if self._sink is not None and self._sink.error is not None:
            self._stop(f"cannot write the event store {str(self.db)!r}: {self._sink.error}")
        if self._publisher is not None:
            stats = self._publisher.stats()
            unsent = int(stats["accepted"]) - int(stats["sent"])
            if unsent:
                why = f" ({stats['error']})" if stats["error"] else ""
                self._nats_note = f"{unsent} of {stats['accepted']} events not sent{why}"

    def summary_line(self) -> str:
        """The one line the plugin adds to pytest's output."""
        if self.problem is not None:
            return f"panther-events: this run was not fully recorded: {self.problem}"
        line = f"panther-events: run {self.run_id} stored in {self.db}"
        if self._nats_note is not None:
            line += f"; NATS {self.nats_url}: {self._nats_note}"
        elif self.nats_url is not None:
            line += f" and sent to {self.nats_url}"
        return line

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        # Paths and error messages are not ours: no control character reaches the terminal.
        line = "".join(c if c.isprintable() else repr(c)[1:-1] for c in self.summary_line())
        terminalreporter.write_line(line)
