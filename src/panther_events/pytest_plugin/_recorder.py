"""The recording side: turns the facts of a pytest session into an experiment run in the store.

It runs in the recording process (:mod:`._record_process`), which the pytest process (the
only one, or the pytest-xdist controller, which receives every worker's reports) starts and
feeds with messages (:mod:`._facts`): the tests do not wait while their events are built,
stored and sent. Each phase's events carry the times pytest measured (the report's ``start``
and ``stop``), not the time the message arrived.

For one test (cf. the runner in :mod:`panther_events.runner.engine`)::

    test.created  test.setup_started  [fixture events]  test.setup_completed|setup_failed
    test.execution_started  [fixture events]  test.execution_completed|execution_failed
    test.teardown_started  [fixture events]  test.teardown_completed
    metrics.timing (the test's duration, its phases')  test.completed|test.failed (summary)

A skipped setup goes straight to teardown, and so does a call skipped by ``pytest.skip``.
Each message's events go to the store in one ``append_many`` once it is handled (and, with
NATS, through the manager to the publisher), not through an ``EmitterRegistry``: the
sequences above are fixed by this code and legal in the test state machine (the tests replay
every stored run through a registry), and checking each one would cost as much as building it.
The first failure stops the recording; it is reported in the summary line, and the run ends
with ``experiment.failed`` when the store still works.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

from ..events import test as test_events
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
from ..manager import EventManager
from ..serialization import event_from_dict
from ..store.sqlite import SQLiteEventStore
from ._facts import FINISH, SUBTEST, CollectFacts, ReportFacts, test_id_for
from ._outcome import FAILED_OUTCOMES, OUTCOMES, RERUN, PhaseResult, TestRecord

__all__ = ["INTERRUPTED", "Recorder"]

#: pytest's exit status of an interrupted session (``pytest.ExitCode.INTERRUPTED``).
INTERRUPTED: Final = 2
_CLOCK_SLACK: Final = 0.001
# A phase's statuses whose events say it failed (a rerun attempt failed too).
_FAILED_STATUSES: Final = frozenset({"failed", RERUN})
# How long the end of the session waits for NATS to acknowledge what is left (the rest is
# spooled by the publisher): a test session must not hang on an unreachable server.
_NATS_CLOSE_TIMEOUT: Final = 5.0


def _storable(value: Any) -> Any:
    """``value`` (a message's argument) with every string as the store takes it.

    Text from pytest is the suite's: bytes decoded with ``surrogateescape`` (file names, a
    peer's bytes, command-line arguments) leave lone surrogates, which the store refuses with
    the whole append. Such a surrogate becomes its escape (``\\udcff``), as the store's
    message suggests; ASCII text, nearly all of it, is passed as it is.
    """
    if isinstance(value, str):
        if value.isascii():
            return value
        try:
            value.encode()
        except UnicodeEncodeError:
            return value.encode("utf-8", "backslashreplace").decode()
        return value
    if isinstance(value, dict):
        return {_storable(k): _storable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_storable(item) for item in value]
    if isinstance(value, tuple):
        items = [_storable(item) for item in value]
        return type(value)(*items) if hasattr(value, "_fields") else tuple(items)
    return value


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
    """Records one pytest session as run ``run_id``, from the relay's messages.

    Args:
        run_id: the session's run id (the relay's: the pytest process names the run).
        db: where the SQLite store is (created when missing).
        nats_url: also publish every event to this NATS server, when given.
        began: when the session began (seconds since the epoch).
    """

    def __init__(self, run_id: str, db: Path, nats_url: str | None, began: float) -> None:
        self.run_id = run_id
        self.db = db
        self.nats_url = nats_url
        # No dedup window and no history: every event here is new by construction (test ids
        # are unique in the run, and the store ignores an id the run already holds), and
        # nothing reads the history; both would cost on every event.
        self.manager = EventManager(dedup=False, history_limit=0)
        #: Why recording stopped (None while it works); said once, in the summary line.
        self.problem: str | None = None
        #: What went wrong with NATS, for the summary line (None: all sent, or no NATS).
        self.nats_note: str | None = None
        self.counts = dict.fromkeys(OUTCOMES, 0)
        self._began = began
        self._open: dict[str, TestRecord] = {}
        self._seen: dict[str, int] = {}
        self._warnings = 0
        self._announced = False
        self._started = False  # the session's start was recorded
        self._finished = False
        self._sink: _StoreSink | None = None
        # The events of the message being handled, stored together once it is (_flush).
        self._batch: list[BaseEvent] = []
        self._publisher: Any = None  # a NatsPublisher, when nats_url is given
        self._closed = False
        self._handlers: dict[str, Callable[..., None]] = {
            "start": self._start,
            "collected": self._announce,
            "report": self._report,
            "collect": self._collect,
            "warning": self._warning,
            "stopped": self._stop,
            FINISH: self._finish_session,
        }
        self._attach_outputs()

    # -- outputs ---------------------------------------------------------------------------

    def _attach_outputs(self) -> None:
        try:
            self.db.parent.mkdir(parents=True, exist_ok=True)
            store = SQLiteEventStore(self.db)
        except Exception as exc:
            self.problem = f"cannot write the event store {str(self.db)!r}: {exc}"
            return
        # Appended to straight, not through the manager: a message's events go in one
        # append_many, which buffers them (the store's writer thread commits).
        self._sink = _StoreSink(store, self.run_id)
        if self.nats_url is not None:
            try:
                # Imported here: the NATS extra is optional and only this option needs it.
                from ..transport.nats import NatsPublisher  # noqa: PLC0415

                # What is not sent waits beside the store, where the summary line says, as
                # for `panther-events run` (not in a private temporary file nobody finds).
                spool = self.db.with_name(f"{self.db.stem}.{self.run_id}.nats-spool.jsonl")
                self._publisher = NatsPublisher(
                    self.nats_url,
                    self.run_id,
                    close_timeout=_NATS_CLOSE_TIMEOUT,
                    spool_path=spool,
                )
            except Exception as exc:  # the store still records: only NATS is out
                self.nats_note = f"cannot publish: {exc}"
            else:
                self.manager.register_observer("*", self._publisher)

    def _stop(self, problem: str) -> None:
        if self.problem is None:
            self.problem = problem

    def _emit(self, event: BaseEvent, at: float | None = None) -> None:
        """Add ``event``, as having happened at ``at`` (seconds since the epoch), to the
        events the current message stores once handled (``_flush``).

        An event built within ``_CLOCK_SLACK`` of ``at`` keeps its own creation time: making
        the datetime is a good part of an event's cost.
        """
        if at is not None and time.time() - at > _CLOCK_SLACK:
            event.timestamp = _at(at)
        self._batch.append(event)

    def _flush(self) -> None:
        """Store the current message's events in one append, and publish them to NATS."""
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

    def handle(self, message: tuple[Any, ...]) -> None:
        """Record one message of the relay: ``(kind, *arguments)``.

        Never raises: the first failure stops the recording (``problem``); after it only the
        end of the session is still recorded.
        """
        kind = message[0]
        if not (self.recording or kind in (FINISH, "stopped")):
            return
        try:
            self._handlers[kind](*(_storable(argument) for argument in message[1:]))
        except Exception as exc:
            where = f" at {message[1].nodeid!r}" if kind == "report" else ""
            self._stop(f"recording failed{where}: {type(exc).__name__}: {exc}")
        finally:
            self._flush()

    # -- session ---------------------------------------------------------------------------

    def _start(self, config: dict[str, Any]) -> None:
        self._started = True
        self._emit(ExperimentInitializedEvent(self.run_id, config=config), self._began)

    def _announce(self, nodeids: list[str]) -> None:
        """The first list of collected tests announces them (every xdist worker sends one)."""
        if self._announced:
            return
        self._announced = True
        self._emit(ExperimentTestCasesInitializedEvent(self.run_id, len(nodeids), nodeids))
        self._emit(ExperimentExecutionStartedEvent(self.run_id, len(nodeids)))

    # -- tests -----------------------------------------------------------------------------

    def _report(self, facts: ReportFacts) -> None:
        when, nodeid, outcome = facts.when, facts.nodeid, facts.outcome
        if when == SUBTEST:
            self._subtest(facts)
            return
        phase = PhaseResult(
            outcome,
            facts.duration,
            facts.message,
            facts.error_type,
            facts.traceback,
            facts.xfail_reason,
        )
        if when == "setup" or nodeid not in self._open:
            test = self._begin(facts)
        else:
            test = self._open[nodeid]
        test.phases[when] = phase
        tid, start, stop = test.test_id, facts.start, facts.stop
        if when == "setup":
            self._emit(test_events.TestSetupStartedEvent(tid), start)
            self._forward(facts.events)
            if outcome == "passed":
                self._emit(test_events.TestSetupCompletedEvent(tid, None, facts.duration), stop)
            elif outcome in _FAILED_STATUSES:
                message = phase.message or "setup failed"
                self._emit(
                    test_events.TestSetupFailedEvent(tid, message, phase.error_type, "fixture"),
                    stop,
                )
        elif when == "call":
            self._emit(test_events.TestExecutionStartedEvent(tid), start)
            self._forward(facts.events)
            if outcome in _FAILED_STATUSES or (
                outcome == "skipped" and phase.xfail_reason is not None
            ):
                message = phase.message or "failed"
                self._emit(
                    test_events.TestExecutionFailedEvent(tid, message, phase.error_type, "call"),
                    stop,
                )
            elif outcome == "passed":
                self._emit(test_events.TestExecutionCompletedEvent(tid, facts.duration), stop)
        elif when != "teardown":
            # A phase pytest does not have: pytest-xdist's "???" for the test whose worker
            # crashed. No teardown follows: the test ends here (an error, as JUnit XML says).
            self._finish(test, stop)
        else:
            self._emit(test_events.TestTeardownStartedEvent(tid), start)
            self._forward(facts.events)
            self._emit(test_events.TestTeardownCompletedEvent(tid, facts.duration), stop)
            self._finish(test, stop)

    def _subtest(self, facts: ReportFacts) -> None:
        """A subtest's report becomes a ``test.subtest`` event of its test; the test's own
        call report, which follows, says whether the test failed."""
        test = self._open.get(facts.nodeid)
        test_id = test.test_id if test is not None else test_id_for(self.run_id, facts.nodeid)
        data = {
            **(facts.subtest or {}),
            "outcome": facts.outcome,
            "duration": facts.duration,
            "message": facts.message,
            "error_type": facts.error_type,
            "traceback": facts.traceback,
        }
        self._forward(facts.events)
        self._emit(GenericEvent("subtest", EventType.TEST, test_id, data), facts.stop)

    def _begin(self, facts: ReportFacts) -> TestRecord:
        # A node id seen again (--count, reruns, a file given twice) is another test.
        nodeid = facts.nodeid
        seen = self._seen.get(nodeid, 0) + 1
        self._seen[nodeid] = seen
        name = nodeid if seen == 1 else f"{nodeid}#{seen}"
        test = self._open[nodeid] = TestRecord(test_id_for(self.run_id, name), nodeid)
        path, lineno, domain = facts.location
        config: dict[str, Any] = {"path": path, "line": lineno, "domain": domain}
        if facts.worker is not None:
            config["worker"] = facts.worker
        self._emit(test_events.TestCreatedEvent(test.test_id, name, None, config), facts.start)
        return test

    def _forward(self, payloads: list[dict[str, Any]] | None) -> None:
        """Publish the events the test's ``panther_events`` fixture emitted in this phase.

        They were checked against their state machines where they were emitted (the test's own
        registry), so they are published as they are, keeping their ids and times.
        """
        if payloads:
            self._batch.extend(event_from_dict(payload) for payload in payloads)

    def _finish(self, test: TestRecord, stop: float) -> None:
        del self._open[test.nodeid]
        name = test.test_id.removeprefix(f"{self.run_id}/")
        summary = test.summary()
        outcome = summary["outcome"]
        total = sum(p.duration for p in test.phases.values())
        # One metric per test, its phases in the metadata: a third of the events of one per
        # phase (see bench/pytest_plugin.py).
        metric = TimingMetricEvent("test", total, "total", name, "pytest", summary["durations"])
        self._emit(metric, stop)
        self.counts[outcome] += 1
        if outcome in FAILED_OUTCOMES:
            deciding = test.deciding_phase()
            when, phase = deciding if deciding is not None else ("call", PhaseResult("", 0.0))
            self._emit(
                test_events.TestFailedEvent(
                    test.test_id, name, phase.message or outcome, phase.error_type, when, summary
                ),
                stop,
            )
        else:
            self._emit(test_events.TestCompletedEvent(test.test_id, name, total, summary), stop)

    def _collect(self, facts: CollectFacts) -> None:
        """A collector that failed or was skipped is recorded as a test, as JUnit XML does."""
        now = time.time()
        name = facts.nodeid or "<collection>"
        test = TestRecord(test_id_for(self.run_id, name), facts.nodeid)
        error_type = "CollectError" if facts.status == "failed" else None
        test.phases["setup"] = PhaseResult(facts.status, 0.0, facts.message, error_type)
        self._emit(
            test_events.TestCreatedEvent(test.test_id, name, None, {"path": facts.path}), now
        )
        self._open[test.nodeid] = test
        self._emit(test_events.TestSetupStartedEvent(test.test_id), now)
        if facts.status == "failed":
            self._emit(
                test_events.TestSetupFailedEvent(test.test_id, facts.message, None, "collection"),
                now,
            )
        self._finish(test, now)

    def _warning(self, data: dict[str, Any]) -> None:
        """A captured warning becomes a ``test.warning`` (or ``experiment.warning``) event."""
        self._warnings += 1
        # Two equal warnings are two observations, not one event seen twice.
        data = {**data, "number": self._warnings}
        nodeid = data["nodeid"]
        if nodeid:
            tested = self._seen.get(nodeid, 1)
            name = nodeid if tested == 1 else f"{nodeid}#{tested}"
            event = GenericEvent("warning", EventType.TEST, test_id_for(self.run_id, name), data)
        else:
            event = GenericEvent("warning", EventType.EXPERIMENT, self.run_id, data)
        self._emit(event)

    # -- the end ---------------------------------------------------------------------------

    def _finish_session(self, exitstatus: int) -> None:
        """The session ended with ``exitstatus``: its verdict."""
        self._finished = True
        if self.recording:
            self._verdict(exitstatus)
        else:
            self._record_stop()

    def _record_stop(self) -> None:
        """The recording broke and the store did not: the run says so rather than look as
        if it were still running."""
        if self._sink is not None and self._sink.error is None:
            reason = f"recording stopped: {self.problem}"
            self._emit(ExperimentFailedEvent(self.run_id, reason, "RecordingError"))

    def ended_early(self) -> None:
        """The pytest process stopped sending before its session's end (it was killed, or
        died): what it sent is kept, and the run ends as failed, its open tests errored.
        Never raises."""
        if self._finished or not self._started:
            return
        self._finished = True
        try:
            if self.recording:
                reason = "the pytest process ended before its session did"
                self._close_open_tests(time.time(), reason)
                self._emit(ExperimentFailedEvent(self.run_id, reason, "ProcessEnded"))
            else:
                self._record_stop()
        except Exception as exc:
            self._stop(f"recording failed: {type(exc).__name__}: {exc}")
        finally:
            self._flush()

    def _close_open_tests(self, now: float, reason: str) -> None:
        for test in list(self._open.values()):  # interrupted between its setup and teardown
            verdict = test_events.TestFailedEvent(
                test.test_id,
                test_name=test.nodeid,
                error_message=reason,
                error_type="Interrupted",
                phase="interrupted",
                summary={"outcome": "error", "nodeid": test.nodeid},
            )
            self._emit(verdict, now)
            self.counts["error"] += 1
        self._open.clear()

    def _verdict(self, exitstatus: int) -> None:
        now = time.time()
        self._close_open_tests(now, "the session ended before the test did")
        self._announce([])
        failed = sum(self.counts[o] for o in FAILED_OUTCOMES)
        total = sum(self.counts.values()) - self.counts[RERUN]  # as pytest counts tests
        summary: dict[str, Any] = {**self.counts, "total": total, "exit_status": exitstatus}
        xid = self.run_id
        if exitstatus == INTERRUPTED:
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
        try:
            self.manager.close()
        except Exception as exc:
            self._stop(f"recording failed: {type(exc).__name__}: {exc}")
        if self._sink is not None:
            self._sink.close()
            if self._sink.error is not None:
                self._stop(f"cannot write the event store {str(self.db)!r}: {self._sink.error}")
        if self._publisher is not None:
            stats = self._publisher.stats()
            unsent = int(stats["accepted"]) - int(stats["sent"])
            if unsent:
                why = f" ({stats['error']})" if stats["error"] else ""
                spool = stats["spool"]
                self.nats_note = (
                    f"{unsent} of {stats['accepted']} events not sent{why}; they are kept in "
                    f"{spool}; send them with: panther-events resend {spool} --nats "
                    f"{self.nats_url}"
                )
