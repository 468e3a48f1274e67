"""ProgressObserver: plain lines off a terminal, a rich live display on one."""

from __future__ import annotations

import io
import threading

from panther_events import (
    EventManager,
    ExperimentCompletedEvent,
    ExperimentExecutionStartedEvent,
    StepExecutionStartedEvent,
    TestCompletedEvent,
    TestCreatedEvent,
    TestFailedEvent,
    TestSetupStartedEvent,
    TestStepStartedEvent,
)
from panther_events.guide import ExperimentStartedEvent, TestCaseFinishedEvent
from panther_events.observers import ProgressObserver


def run_experiment(observer: ProgressObserver) -> None:
    for event in (
        ExperimentExecutionStartedEvent("exp-1", test_count=2),
        TestCreatedEvent("t1", "handshake"),
        TestSetupStartedEvent("t1"),
        TestStepStartedEvent("t1", "connect"),
        TestCompletedEvent("t1"),
        TestCreatedEvent("t2", "migration"),
        TestFailedEvent("t2", error_message="timeout"),
        ExperimentCompletedEvent("exp-1"),
    ):
        observer.on_event(event)


class TestProgressObserver:
    """ProgressObserver reports tests done/failed/total, current test and step, elapsed."""

    def test_plain_lines_when_not_a_terminal(self) -> None:
        """Off a terminal each notable event is one plain line."""
        out = io.StringIO()
        observer = ProgressObserver(stream=out)
        assert observer.live is False
        run_experiment(observer)
        lines = out.getvalue().splitlines()
        assert lines[0] == "Starting experiment exp-1 with 2 tests"
        assert lines[1].startswith("[1/2] PASS handshake | 0 failed | elapsed 0:00:0")
        assert lines[2].startswith("[2/2] FAIL migration (timeout) | 1 failed")
        assert lines[3].startswith("Experiment exp-1 completed: 2 tests, 1 failed in 0:00:0")
        assert "\x1b[" not in out.getvalue()  # no terminal escapes in logs

    def test_one_test_is_written_in_the_singular(self) -> None:
        """``with 1 test`` and ``1 test, 0 failed``, never ``1 tests``."""
        out = io.StringIO()
        observer = ProgressObserver(stream=out)
        for event in (
            ExperimentExecutionStartedEvent("exp-1", test_count=1),
            TestCreatedEvent("t1", "handshake"),
            TestCompletedEvent("t1"),
            ExperimentCompletedEvent("exp-1"),
        ):
            observer.on_event(event)
        lines = out.getvalue().splitlines()
        assert lines[0] == "Starting experiment exp-1 with 1 test"
        assert lines[-1].startswith("Experiment exp-1 completed: 1 test, 0 failed in ")

    def test_a_multi_line_reason_keeps_the_counts_on_the_verdict_line(self) -> None:
        """A failure quoting a service's output: the verdict line ends with the counts, the
        output's lines follow it, indented (not the counts after the last output line)."""
        out = io.StringIO()
        observer = ProgressObserver(stream=out)
        for event in (
            ExperimentExecutionStartedEvent("exp-1", test_count=1),
            TestCreatedEvent("t1", "boot"),
            TestFailedEvent("t1", error_message="not ready; its output:\nstarting\nno port\n"),
        ):
            observer.on_event(event)
        lines = out.getvalue().splitlines()
        assert lines[1].startswith("[1/1] FAIL boot (not ready; its output:) | 1 failed | ")
        assert lines[2:] == ["      starting", "      no port"]

    def test_a_test_that_never_got_to_its_checks_is_an_error(self) -> None:
        """A test failed in setup, deployment or by an interrupt is ``ERROR``, as ``show``
        and JUnit call it; a failed check is ``FAIL``."""
        out = io.StringIO()
        observer = ProgressObserver(stream=out)
        for event in (
            ExperimentExecutionStartedEvent("exp-1", test_count=2),
            TestCreatedEvent("t1", "deploy"),
            TestFailedEvent("t1", error_message="no binary", phase="deployment"),
            TestCreatedEvent("t2", "check"),
            TestFailedEvent("t2", error_message="wrong reply", phase="assertions"),
        ):
            observer.on_event(event)
        lines = out.getvalue().splitlines()
        assert lines[1].startswith("[1/2] ERROR deploy (no binary) | 1 failed | ")
        assert lines[2].startswith("[2/2] FAIL check (wrong reply) | 2 failed | ")

    def test_counters_keep_the_guide_names(self) -> None:
        """total_tests, completed_tests and failed_tests, as the guide reads them."""
        observer = ProgressObserver(stream=io.StringIO())
        run_experiment(observer)
        assert (observer.total_tests, observer.completed_tests, observer.failed_tests) == (
            2,
            2,
            1,
        )
        assert observer.status == "completed"
        assert observer.elapsed >= 0

    def test_current_test_and_step(self) -> None:
        """The current test and step follow the events and are described on one line."""
        observer = ProgressObserver(stream=io.StringIO())
        observer.on_event(TestCreatedEvent("t1", "handshake"))
        observer.on_event(TestSetupStartedEvent("t1"))
        observer.on_event(TestStepStartedEvent("t1", "connect"))
        assert (observer.current_test, observer.current_step) == ("handshake", "connect")
        observer.on_event(StepExecutionStartedEvent("s2", "send"))
        assert observer.describe() == "handshake · step send"

    def test_total_grows_with_unannounced_tests(self) -> None:
        """Without an announced total, the total is the number of tests seen."""
        out = io.StringIO()
        observer = ProgressObserver(stream=out)
        observer.on_event(TestCreatedEvent("a", "a"))
        observer.on_event(TestCreatedEvent("b", "b"))
        observer.on_event(TestCompletedEvent("a"))
        assert out.getvalue().startswith("[1/2] PASS a")

    def test_guide_events_and_method_names(self) -> None:
        """The guide's ExperimentStartedEvent(test_cases) and on_test_case_finished work."""
        out = io.StringIO()
        observer = ProgressObserver(stream=out)
        observer.on_experiment_started(ExperimentStartedEvent("e", test_cases=["a", "b", "c"]))
        observer.on_test_case_finished(TestCaseFinishedEvent("a", success=False))
        assert observer.total_tests == 3
        assert "[1/3] FAIL a" in out.getvalue()

    def test_terminal_streams_get_the_live_display(self) -> None:
        """live=None chooses the rich display exactly when the stream is a terminal."""

        class FakeTerminal(io.StringIO):
            def isatty(self) -> bool:
                return True

        observer = ProgressObserver(stream=FakeTerminal())
        assert observer.live is True
        observer.close()

    def test_rich_live_display(self) -> None:
        """With live=True a rich progress bar is drawn and close() stops its thread."""
        out = io.StringIO()
        observer = ProgressObserver(stream=out, live=True)
        before = threading.active_count()
        observer.on_event(ExperimentExecutionStartedEvent("exp-1", test_count=2))
        observer.on_event(TestCreatedEvent("t1", "handshake"))
        observer.on_event(TestCompletedEvent("t1"))
        observer.close()
        observer.close()
        text = out.getvalue()
        assert "1/2" in text and "tests" in text
        assert threading.active_count() <= before

    def test_live_display_finishes_with_the_experiment(self) -> None:
        """The experiment's end prints the final line and stops the display."""
        out = io.StringIO()
        observer = ProgressObserver(stream=out, live=True)
        run_experiment(observer)
        assert "Experiment exp-1 completed: 2 tests, 1 failed" in out.getvalue()
        assert observer._progress is None

    def test_through_a_manager(self) -> None:
        """Registered on a manager, it is closed by manager.close()."""
        manager = EventManager()
        out = io.StringIO()
        observer = ProgressObserver(stream=out)
        manager.register_observer(observer)
        manager.publish(TestCreatedEvent("t1", "x"))
        manager.publish(TestCompletedEvent("t1"))
        manager.close()
        assert "[1/1] PASS x" in out.getvalue()
