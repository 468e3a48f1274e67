"""ResultCollector: outcomes, steps, assertions, summary, JSON and JUnit XML."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from datetime import timedelta

from panther_events import (
    AssertionResultEvent,
    EventManager,
    ExperimentCompletedEvent,
    ExperimentExecutionStartedEvent,
    StepExecutionCompletedEvent,
    StepExecutionFailedEvent,
    StepExecutionStartedEvent,
    TestAssertionCheckedEvent,
    TestCompletedEvent,
    TestCreatedEvent,
    TestExecutionStartedEvent,
    TestFailedEvent,
    TestSetupFailedEvent,
    TestSetupStartedEvent,
    TestStepCompletedEvent,
    TestStepFailedEvent,
    TestStepStartedEvent,
)
from panther_events.guide import TestCaseFinishedEvent, TestCaseStartedEvent
from panther_events.observers import ResultCollector

from ..store.contract import T0, at


def experiment() -> list[object]:
    """Three tests: one passes, one fails its checks, one cannot even set up."""
    return [
        at(0, ExperimentExecutionStartedEvent("exp-1", test_count=4)),
        at(1, TestCreatedEvent("t1", "handshake")),
        at(1, TestSetupStartedEvent("t1")),
        at(2, TestExecutionStartedEvent("t1")),
        at(2, TestStepStartedEvent("t1", "connect")),
        at(3, TestStepCompletedEvent("t1", "connect", duration_seconds=0.75)),
        at(3, TestAssertionCheckedEvent("t1", "rtt", {}, passed=True)),
        at(3, TestAssertionCheckedEvent("t1", "loss", {}, passed=True)),
        at(4, TestCompletedEvent("t1", "handshake")),
        at(5, TestCreatedEvent("t2", "migration & <stuff>")),
        at(5, StepExecutionStartedEvent("s1", "migrate", test_case_id="t2")),
        at(6, StepExecutionFailedEvent("s1", "migrate", test_case_id="t2", error_message="lost")),
        at(6, AssertionResultEvent("a1", "path", test_case_id="t2", assertion_passed=False)),
        at(7, TestFailedEvent("t2", "migration & <stuff>", error_message='peer said "no"')),
        at(8, TestCreatedEvent("t3", "zero-rtt")),
        at(9, TestSetupFailedEvent("t3", "no docker", error_type="OSError")),
        at(9, TestFailedEvent("t3", "zero-rtt", error_message="no docker", phase="setup")),
        at(10, TestCreatedEvent("t4", "never-ends")),
        at(11, ExperimentCompletedEvent("exp-1")),
    ]


def collect(events: list[object]) -> ResultCollector:
    collector = ResultCollector()
    for event in events:
        collector.on_event(event)
    return collector


class TestResultCollector:
    """ResultCollector turns lifecycle events into test results."""

    def test_outcomes_reasons_and_durations(self) -> None:
        """passed, failed (ran and failed), error (setup broke), incomplete (no end)."""
        tests = {t.test_id: t for t in collect(experiment()).tests()}
        assert [tests[t].outcome for t in ("t1", "t2", "t3", "t4")] == [
            "passed",
            "failed",
            "error",
            "incomplete",
        ]
        assert tests["t1"].duration_seconds == 3.0
        assert tests["t2"].reason == 'peer said "no"'
        assert (tests["t3"].reason, tests["t3"].phase) == ("no docker", "setup")
        assert tests["t3"].error_type == "OSError"

    def test_steps_and_assertions(self) -> None:
        """Steps from test.step_* and step.* events; assertions from both kinds of checks."""
        tests = {t.test_id: t for t in collect(experiment()).tests()}
        (connect,) = tests["t1"].steps
        assert (connect.name, connect.outcome, connect.duration_seconds) == (
            "connect",
            "passed",
            0.75,
        )
        (migrate,) = tests["t2"].steps
        assert (migrate.outcome, migrate.error, migrate.duration_seconds) == (
            "failed",
            "lost",
            1.0,
        )
        assert (tests["t1"].assertions_passed, tests["t1"].assertions_failed) == (2, 0)
        assert (tests["t2"].assertions_passed, tests["t2"].assertions_failed) == (0, 1)

    def test_summary(self) -> None:
        """The summary counts outcomes and lists failures with reasons."""
        summary = collect(experiment()).summary()
        assert summary["experiment_id"] == "exp-1"
        assert summary["status"] == "completed"
        assert summary["duration_seconds"] == 11.0
        assert summary["expected_tests"] == 4
        assert (summary["total"], summary["passed"], summary["failed"]) == (4, 1, 1)
        assert (summary["error"], summary["incomplete"]) == (1, 1)
        assert [f["test_id"] for f in summary["failures"]] == ["t2", "t3"]

    def test_to_json_round_trips(self) -> None:
        """to_json() is valid JSON holding the summary and every test."""
        doc = json.loads(collect(experiment()).to_json())
        assert doc["summary"]["total"] == 4
        assert doc["tests"][0]["steps"][0]["name"] == "connect"

    def test_junit_xml_parses_back(self) -> None:
        """The JUnit XML parses with ElementTree and carries counts, failures and errors."""
        root = ET.fromstring(collect(experiment()).to_junit_xml())
        assert root.tag == "testsuites"
        assert (root.get("tests"), root.get("failures"), root.get("errors")) == ("4", "1", "2")
        suite = root.find("testsuite")
        assert suite is not None and suite.get("name") == "exp-1"
        cases = {c.get("name"): c for c in suite.findall("testcase")}
        assert set(cases) == {"handshake", "migration & <stuff>", "zero-rtt", "never-ends"}
        assert cases["handshake"].get("time") == "3.000"
        assert cases["handshake"].find("failure") is None
        failure = cases["migration & <stuff>"].find("failure")
        assert failure is not None and failure.get("message") == 'peer said "no"'
        error = cases["zero-rtt"].find("error")
        assert error is not None and error.get("type") == "OSError"
        incomplete = cases["never-ends"].find("error")
        assert incomplete is not None and incomplete.get("type") == "incomplete"
        system_out = cases["migration & <stuff>"].find("system-out")
        assert system_out is not None and "step migrate: failed" in (system_out.text or "")

    def test_empty_collector(self) -> None:
        """With no events: zero tests, not a success, still valid XML."""
        collector = ResultCollector()
        assert collector.summary()["total"] == 0
        assert not collector.success
        assert ET.fromstring(collector.to_junit_xml()).get("tests") == "0"

    def test_guide_events_through_a_manager(self) -> None:
        """The guide's TestCaseStarted/Finished events, published, are collected."""
        manager = EventManager()
        collector = ResultCollector()
        manager.register_observer("test_case.*", collector)
        try:
            started = TestCaseStartedEvent("handshake", timestamp=T0)
            finished = TestCaseFinishedEvent(
                "handshake", timestamp=T0 + timedelta(seconds=2), success=True
            )
            failed = TestCaseFinishedEvent("retry", timestamp=T0, success=False, result="x")
            for event in (started, finished, failed):
                manager.publish(event)
        finally:
            manager.close()
        tests = {t.name: t for t in collector.tests()}
        assert tests["handshake"].outcome == "passed"
        assert tests["handshake"].duration_seconds == 2.0
        assert (tests["retry"].outcome, tests["retry"].reason) == ("failed", "x")
        assert not collector.success

    def test_direct_guide_method_calls(self) -> None:
        """on_test_case_started/on_test_case_finished work when called directly."""
        collector = ResultCollector()
        collector.on_test_case_started(TestCaseStartedEvent("a", timestamp=T0))
        collector.on_test_case_finished(TestCaseFinishedEvent("a", timestamp=T0, success=True))
        assert collector.success

    def test_step_completed_without_duration_measures_it(self) -> None:
        """A step's duration falls back to the time between its events."""
        collector = collect(
            [
                at(0, StepExecutionStartedEvent("s", "x", test_case_id="t")),
                at(2.5, StepExecutionCompletedEvent("s", "x", test_case_id="t")),
                at(3, TestStepStartedEvent("t", "y")),
                at(4, TestStepFailedEvent("t", "y", "boom")),
            ]
        )
        (test,) = collector.tests()
        assert [(s.name, s.outcome, s.duration_seconds) for s in test.steps] == [
            ("x", "passed", 2.5),
            ("y", "failed", 1.0),
        ]


def test_a_test_an_interrupt_kept_from_running_is_an_error_not_a_failure() -> None:
    """The runner's ``not run`` verdict (phase ``not_run``) blames no system under test: its
    outcome is ``error``, as for a test interrupted while it ran, and JUnit calls it one."""
    collector = ResultCollector()
    for event in (
        at(0, TestCreatedEvent("t1", "first")),
        at(1, TestFailedEvent("t1", "first", "interrupted: received SIGINT", "Interrupted")),
        at(1, TestCreatedEvent("t2", "second")),
        at(2, TestFailedEvent("t2", "second", "not run: received SIGINT", "NotRun", "not_run")),
    ):
        collector.on_event(event)
    outcomes = {test.name: (test.outcome, test.phase) for test in collector.tests()}
    assert outcomes["second"] == ("error", "not_run")
    cases = ET.fromstring(collector.to_junit_xml()).iter("testcase")
    second = next(case for case in cases if case.get("name") == "second")
    assert second.find("error") is not None and second.find("failure") is None
