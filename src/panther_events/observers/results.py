"""ResultCollector: every test's outcome, steps and assertions, exported as JSON or JUnit XML."""

from __future__ import annotations

import json
import threading
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from .._durations import TEST_DURATION_KEY, is_test_phase, seconds_between
from .._outcomes import (
    COMPLETED_OUTCOMES,
    ERROR_PHASES,
    OUTCOMES,
    PHASE_FAILURES,
    said_outcome,
    unfinished_outcome,
    verdict_outcome,
)
from .._visible import xml_visible
from ..observer import Observer
from ._util import EventView, view

__all__ = ["ERROR_PHASES", "ExperimentResult", "ResultCollector", "StepResult", "TestResult"]


#: The outcome a test holds until its verdict; ``tests()`` tells running, pending or incomplete.
_NO_VERDICT = "incomplete"


#: Outcomes JUnit reports as ``skipped`` (its type names which): a test of a run still going
#: has no verdict yet, which is neither a failure nor an error.
#: So is an attempt run again (``rerun``): it is neither a pass nor a failure, as in ``show``.
_JUNIT_SKIPPED = ("skipped", "xfailed", "rerun", "running", "pending")
_NOT_YET = {
    "running": "the test is still running (the run goes on)",
    "pending": "the test has not started yet (the run goes on)",
}


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


@dataclass
class StepResult:
    """One step of a test.

    Attributes:
        name: the step's name.
        outcome: ``running``, ``passed``, ``failed``, ``skipped`` or ``unsupported``.
        duration_seconds: as reported by the step's event, else measured from timestamps.
        error: the failure message or skip reason.
    """

    name: str
    outcome: str = "running"
    started_at: datetime | None = None
    finished_at: datetime | None = None
    duration_seconds: float | None = None
    error: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict."""
        return {
            "name": self.name,
            "outcome": self.outcome,
            "duration_seconds": self.duration_seconds,
            "error": self.error,
        }


@dataclass
class TestResult:
    """The result of one test.

    Attributes:
        test_id: the test's entity id.
        name: its name (the id when no event named it).
        outcome: one of ``passed``, ``failed`` (it ran and failed), ``error`` (it could not
            run or was stopped: its setup, environment, deployment or teardown failed, or it
            was interrupted), ``skipped``, ``xfailed`` or ``xpassed`` (a ``test.completed``
            whose ``summary.outcome`` says so, as the pytest plugin's do); with no
            ``test.completed``/``test.failed`` seen, while the experiment goes on (no terminal
            experiment event) ``running`` (the test has begun a phase) or ``pending`` (only
            created), and ``incomplete`` once it ended (``_outcomes.unfinished_outcome``).
        reason: why it failed or errored, or was skipped.
        error_type: the error's type, when reported.
        phase: the phase that failed, when reported.
        duration_seconds: as reported by its verdict event, else from its first phase to its
            verdict (``panther_events._durations``: ``test.created`` is not a phase).
        assertions_passed: assertions that held.
        assertions_failed: assertions that did not.
        steps: the test's steps in the order they started.
    """

    __test__ = False  # not a pytest test class

    test_id: str
    name: str
    outcome: str = "incomplete"  # _NO_VERDICT until a verdict arrives
    reason: str | None = None
    error_type: str | None = None
    phase: str | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None
    duration_seconds: float | None = None
    assertions_passed: int = 0
    assertions_failed: int = 0
    steps: list[StepResult] = field(default_factory=list)

    def step(self, name: str) -> StepResult:
        """Return the step called ``name``, adding it when new."""
        for step in self.steps:
            if step.name == name:
                return step
        step = StepResult(name)
        self.steps.append(step)
        return step

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict."""
        return {
            "test_id": self.test_id,
            "name": self.name,
            "outcome": self.outcome,
            "reason": self.reason,
            "error_type": self.error_type,
            "phase": self.phase,
            "started_at": _iso(self.started_at),
            "finished_at": _iso(self.finished_at),
            "duration_seconds": self.duration_seconds,
            "assertions_passed": self.assertions_passed,
            "assertions_failed": self.assertions_failed,
            "steps": [s.to_dict() for s in self.steps],
        }


@dataclass
class ExperimentResult:
    """The experiment around the tests.

    Attributes:
        experiment_id: its entity id (None until an experiment event arrives).
        status: ``running``, ``completed``, ``failed`` or ``finished_early``.
        reason: the failure message or early-finish reason.
    """

    experiment_id: str | None = None
    status: str = "running"
    reason: str | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None
    expected_tests: int | None = None

    @property
    def duration_seconds(self) -> float | None:
        """Seconds from its start to its end (None until both were seen)."""
        return seconds_between(self.started_at, self.finished_at)


class ResultCollector(Observer):
    """Collect the result of every test from lifecycle events.

    Register it for every event (``manager.register_observer(collector)``) or at least for
    ``test.*``, ``step.*``, ``assertion.*`` and ``experiment.*``; it can run in the background.
    ``tests()``, ``summary()``, ``to_json()`` and ``to_junit_xml()`` may be called at any time,
    from any thread. The observer guide's ``on_test_case_started`` and ``on_test_case_finished``
    are the same handler as ``on_event``.
    """

    def __init__(self, suite_name: str | None = None) -> None:
        self.suite_name = suite_name
        self.experiment = ExperimentResult()
        self._tests: dict[str, TestResult] = {}
        self._lock = threading.Lock()

    # -- receiving ------------------------------------------------------------------------

    def on_event(self, event: Any) -> None:
        """Update the results with one event; events of no interest are ignored."""
        ev = view(event)
        with self._lock:
            domain = ev.type.split(".", 1)[0]
            if domain == "test":
                self._on_test(ev)
            elif domain == "step":
                self._on_step(ev)
            elif domain == "assertion":
                self._on_assertion(ev)
            elif domain == "experiment":
                self._on_experiment(ev)

    # The guide's names: ``test_case.started`` / ``test_case.finished`` are handled as any event.
    on_test_case_started = on_event
    on_test_case_finished = on_event
    on_experiment_started = on_event
    on_experiment_finished = on_event

    def _test(self, test_id: str, ev: EventView) -> TestResult:
        test = self._tests.get(test_id)
        if test is None:
            test = self._tests[test_id] = TestResult(test_id, str(ev.get("test_name", test_id)))
        elif ev.get("test_name") and test.name == test.test_id:
            test.name = str(ev.get("test_name"))
        if test.started_at is None and is_test_phase(ev.type):
            test.started_at = ev.timestamp
        return test

    def _on_test(self, ev: EventView) -> None:
        test = self._test(ev.entity_id, ev)
        kind = ev.type
        if kind == "test.step_started":
            step = test.step(str(ev.get("step_name", "?")))
            step.outcome, step.started_at = "running", ev.timestamp
        elif kind == "test.step_completed":
            self._finish_step(test.step(str(ev.get("step_name", "?"))), ev, "passed")
        elif kind == "test.step_failed":
            self._finish_step(test.step(str(ev.get("step_name", "?"))), ev, "failed")
        elif kind == "test.assertion_checked":
            if ev.get("passed", False):
                test.assertions_passed += 1
            else:
                test.assertions_failed += 1
        elif kind == "test.assertions_completed":
            # Totals, when reported, are authoritative over the individual checks seen.
            test.assertions_passed = int(ev.get("passed_assertions", test.assertions_passed))
            test.assertions_failed = int(ev.get("failed_assertions", test.assertions_failed))
        elif kind in PHASE_FAILURES:
            test.reason = test.reason or ev.get("error_message") or ev.get("error")
            test.error_type = test.error_type or ev.get("error_type")
            test.phase = test.phase or ev.get("phase") or PHASE_FAILURES[kind]
        elif kind == "test.completed":
            summary = ev.get("summary")
            test.outcome = verdict_outcome(kind, None, said_outcome(summary))
            if test.outcome != "passed" and isinstance(summary, dict):
                test.reason = (
                    summary.get("reason") or summary.get("xfail_reason") or summary.get("message")
                )
            self._finish_test(test, ev)
        elif kind == "test.failed":
            test.reason = ev.get("error_message") or test.reason or ev.get("result")
            if test.reason is not None:
                test.reason = str(test.reason)
            test.error_type = ev.get("error_type") or test.error_type
            test.phase = ev.get("phase") or test.phase
            test.outcome = verdict_outcome(kind, test.phase, None)
            if test.reason is None:
                test.reason = "test failed without a message"
            self._finish_test(test, ev)

    @staticmethod
    def _finish_test(test: TestResult, ev: EventView) -> None:
        test.finished_at = ev.timestamp
        reported = ev.get(TEST_DURATION_KEY)
        test.duration_seconds = (
            float(reported)
            if reported is not None
            else seconds_between(test.started_at, ev.timestamp)
        )

    @staticmethod
    def _finish_step(step: StepResult, ev: EventView, outcome: str) -> None:
        step.outcome = outcome
        step.finished_at = ev.timestamp
        reported = ev.get("duration_seconds", ev.get("duration"))
        step.duration_seconds = (
            float(reported)
            if reported is not None
            else seconds_between(step.started_at, ev.timestamp)
        )
        if outcome == "failed":
            step.error = ev.get("error_message") or "step failed"

    def _on_step(self, ev: EventView) -> None:
        test_id = ev.get("test_case_id")
        if test_id is None:
            return  # a step outside any test: nothing to attach it to
        test = self._test(str(test_id), ev)
        step = test.step(str(ev.get("step_name", ev.entity_id)))
        kind = ev.type
        if kind == "step.execution_started":
            step.outcome, step.started_at = "running", ev.timestamp
        elif kind == "step.execution_completed":
            self._finish_step(step, ev, "passed")
        elif kind == "step.execution_failed":
            self._finish_step(step, ev, "failed")
        elif kind == "step.skipped":
            step.outcome, step.error = "skipped", ev.get("skip_reason") or None
        elif kind == "step.unsupported":
            step.outcome, step.error = "unsupported", ev.get("reason") or None

    def _on_assertion(self, ev: EventView) -> None:
        test_id = ev.get("test_case_id")
        if test_id is None:
            return
        test = self._test(str(test_id), ev)
        if ev.type == "assertion.result":
            if ev.get("assertion_passed", False):
                test.assertions_passed += 1
            else:
                test.assertions_failed += 1
        elif ev.type == "assertion.validation_completed" and ev.get("total_count"):
            test.assertions_passed = int(ev.get("passed_count", 0))
            test.assertions_failed = int(ev.get("failed_count", 0))

    def _on_experiment(self, ev: EventView) -> None:
        exp = self.experiment
        exp.experiment_id = exp.experiment_id or ev.entity_id
        if exp.started_at is None:
            exp.started_at = ev.timestamp
        kind = ev.type
        if kind in ("experiment.execution_started", "experiment.test_cases_initialized"):
            count = ev.get("test_count")
            if count is not None:
                exp.expected_tests = int(count)
        elif kind == "experiment.completed":
            exp.status, exp.finished_at = "completed", ev.timestamp
        elif kind in ("experiment.failed", "experiment.execution_failed"):
            exp.status, exp.finished_at = "failed", ev.timestamp
            exp.reason = ev.get("error_message") or exp.reason
        elif kind == "experiment.finished_early":
            exp.status, exp.finished_at = "finished_early", ev.timestamp
            exp.reason = ev.get("reason") or exp.reason

    # -- reporting ------------------------------------------------------------------------

    def tests(self) -> list[TestResult]:
        """Return a snapshot of every test's result, in the order the tests first appeared."""
        with self._lock:
            going = self.experiment.status == "running"
            return [
                TestResult(
                    **{
                        **t.__dict__,
                        "steps": [StepResult(**s.__dict__) for s in t.steps],
                        "outcome": t.outcome
                        if t.outcome != _NO_VERDICT
                        else unfinished_outcome(run_going=going, started=t.started_at is not None),
                    }
                )
                for t in self._tests.values()
            ]

    def summary(self) -> dict[str, Any]:
        """Return the experiment summary: counts by outcome, duration, status and failures."""
        tests = self.tests()
        counts = {outcome: sum(t.outcome == outcome for t in tests) for outcome in OUTCOMES}
        exp = self.experiment
        return {
            "experiment_id": exp.experiment_id,
            "status": exp.status,
            "reason": exp.reason,
            "started_at": _iso(exp.started_at),
            "finished_at": _iso(exp.finished_at),
            "duration_seconds": exp.duration_seconds,
            "expected_tests": exp.expected_tests,
            "total": len(tests),
            **counts,
            "assertions_passed": sum(t.assertions_passed for t in tests),
            "assertions_failed": sum(t.assertions_failed for t in tests),
            "failures": [
                {"test_id": t.test_id, "name": t.name, "outcome": t.outcome, "reason": t.reason}
                for t in tests
                if t.outcome in ("failed", "error")
            ],
        }

    @property
    def success(self) -> bool:
        """True when at least one test ran and none failed, errored or is incomplete."""
        tests = self.tests()
        return bool(tests) and all(t.outcome in COMPLETED_OUTCOMES for t in tests)

    def to_json(self, *, indent: int | None = 2) -> str:
        """Return ``{"summary": ..., "tests": [...]}`` as JSON text."""
        return json.dumps(
            {"summary": self.summary(), "tests": [t.to_dict() for t in self.tests()]},
            indent=indent,
            ensure_ascii=False,
        )

    def to_junit_xml(self) -> str:
        """Return the results as JUnit XML (the ``testsuites`` dialect Jenkins, GitLab and
        GitHub Actions read): one ``testcase`` per test, ``failure`` for failed verdicts,
        ``error`` for tests that broke or never finished, ``skipped`` for skipped and xfailed
        tests, attempts run again (``rerun``) and, in a run still going, tests running or
        not started yet: its ``type`` names which."""
        tests = self.tests()
        summary = self.summary()
        suite_name = self.suite_name or summary["experiment_id"] or "panther-events"
        # The experiment's own time when known: tests' times leave out what runs between them,
        # and the suite's time must never exceed the run's.
        total_time = self.experiment.duration_seconds
        if total_time is None:
            total_time = sum(t.duration_seconds or 0.0 for t in tests)
        failures = summary["failed"]
        errors = summary["error"] + summary["incomplete"]
        skipped = sum(summary[o] for o in _JUNIT_SKIPPED)
        root = ET.Element(
            "testsuites",
            name=suite_name,
            tests=str(len(tests)),
            failures=str(failures),
            errors=str(errors),
            time=f"{total_time:.3f}",
        )
        suite = ET.SubElement(
            root,
            "testsuite",
            name=suite_name,
            tests=str(len(tests)),
            failures=str(failures),
            errors=str(errors),
            skipped=str(skipped),
            time=f"{total_time:.3f}",
        )
        if self.experiment.started_at is not None:
            suite.set("timestamp", self.experiment.started_at.replace(tzinfo=None).isoformat())
        props = ET.SubElement(suite, "properties")
        for key in ("experiment_id", "status", "assertions_passed", "assertions_failed"):
            ET.SubElement(props, "property", name=key, value=str(summary[key]))
        for test in tests:
            case = ET.SubElement(
                suite,
                "testcase",
                name=test.name,
                classname=f"{suite_name}.{test.test_id}",
                time=f"{test.duration_seconds or 0.0:.3f}",
                assertions=str(test.assertions_passed + test.assertions_failed),
            )
            detail = "\n".join(
                f"step {s.name}: {s.outcome}"
                + (f" ({s.duration_seconds:.3f}s)" if s.duration_seconds is not None else "")
                + (f" - {s.error}" if s.error else "")
                for s in test.steps
            )
            if test.outcome in ("failed", "error"):
                tag = "failure" if test.outcome == "failed" else "error"
                element = ET.SubElement(
                    case,
                    tag,
                    message=test.reason or "",
                    type=test.error_type or test.phase or tag,
                )
                element.text = detail or test.reason or ""
            elif test.outcome in _JUNIT_SKIPPED:
                message = _NOT_YET.get(test.outcome, test.reason or "")
                ET.SubElement(case, "skipped", message=message, type=test.outcome)
            elif test.outcome == "incomplete":
                element = ET.SubElement(
                    case, "error", message="the test did not finish", type="incomplete"
                )
                element.text = detail
            if detail:
                ET.SubElement(case, "system-out").text = detail
        ET.indent(root)
        # Messages may quote a service's output: controls spelled out keep the XML well-formed.
        return xml_visible(ET.tostring(root, encoding="unicode", xml_declaration=True)) + "\n"
