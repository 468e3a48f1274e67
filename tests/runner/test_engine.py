"""The engine's own failures are recorded, and a broken test does not stop the others."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from panther_events.manager import EventManager
from panther_events.runner import ExperimentRunner, load_experiment
from panther_events.runner._test_run import TestRun

from .helpers import alive_service_pids, check_lifecycles
from .inprocess import run_text

TWO_TESTS = (
    "name: x\ntests:\n  - name: first\n    services:\n"
    "      - {name: s, command: [sleep, '300']}\n"
    "    steps:\n      - {kind: wait, seconds: 0}\n"
    "  - name: second\n    steps:\n      - {kind: wait, seconds: 0}\n"
)


class TestRunnerErrors:
    """Unexpected exceptions inside the runner."""

    def test_error_inside_a_test_fails_only_that_test(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """A bug while executing one test fails it, tears it down, and the next test runs."""
        original = TestRun._execute

        def broken(self: TestRun) -> None:
            if self.spec.name == "first":
                raise ZeroDivisionError("boom")
            original(self)

        monkeypatch.setattr(TestRun, "_execute", broken)
        run = run_text(TWO_TESTS, tmp_path)
        first, second = run.result.tests
        assert first.reason == "runner error: ZeroDivisionError: boom"
        assert second.passed
        finals = check_lifecycles(run.events)
        assert set(finals["service"].values()) == {"destroyed"}
        assert alive_service_pids(run.events) == []

    def test_error_outside_tests_is_recorded_then_raised(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """A bug in the experiment phases still ends the experiment's lifecycle, as failed."""

        def broken(self: ExperimentRunner) -> None:
            raise RuntimeError("plugins vanished")

        monkeypatch.setattr(ExperimentRunner, "_stop_plugins", broken)
        path = tmp_path / "x.yaml"
        path.write_text(TWO_TESTS, encoding="utf-8")
        events: list[Any] = []
        with EventManager() as manager:
            manager.register_observer("*", events.append)
            runner = ExperimentRunner(load_experiment(path), manager=manager)
            with pytest.raises(RuntimeError, match="plugins vanished"):
                runner.run()
        (failed,) = [e for e in events if e.get_type() == "experiment.failed"]
        assert failed.error_message == "runner error: RuntimeError: plugins vanished"
        assert [e.get_type() for e in events].count("experiment.execution_failed") == 1
        assert runner.refused == []
        finals = check_lifecycles([e for e in events if e.entity_type.value != "plugin"])
        assert finals["experiment"] == {runner.experiment_id: "failed"}

    def test_a_runner_runs_once(self, tmp_path: Path) -> None:
        """run() twice is refused: ids and state machines belong to one run."""
        path = tmp_path / "x.yaml"
        path.write_text("name: x\ntests:\n  - name: t\n", encoding="utf-8")
        with EventManager() as manager:
            runner = ExperimentRunner(load_experiment(path), manager=manager)
            assert runner.run().passed
            with pytest.raises(RuntimeError, match="already started"):
                runner.run()


def test_a_failed_experiment_names_its_failed_tests_as_text(tmp_path: Path) -> None:
    """``2 of 3 tests failed: a, b``: the names read as words, not as a Python list."""
    text = (
        "name: x\ntests:\n"
        "  - name: a\n    steps:\n      - {kind: command, run: [sh, -c, 'exit 1']}\n"
        "  - name: b\n    steps:\n      - {kind: command, run: [sh, -c, 'exit 1']}\n"
        "  - name: c\n    steps:\n      - {kind: wait, seconds: 0}\n"
    )
    run = run_text(text, tmp_path)
    (failed,) = run.of_type("experiment.failed")
    assert failed.data["error_message"] == "2 of 3 tests failed: a, b"
