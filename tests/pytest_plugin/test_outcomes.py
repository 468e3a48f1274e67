"""Each pytest outcome becomes the right events, verdict and data in the stored run."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from panther_events import EmitterRegistry, EventManager

from .conftest import as_junit_counts, junit_counts, read_run

SUITE = """
import warnings
import pytest

@pytest.fixture
def broken():
    raise RuntimeError("fixture broke")

@pytest.fixture
def bad_teardown():
    yield
    raise ValueError("teardown broke")

def test_passes():
    pass

def helper(x):
    assert x == 2, "numbers differ"

def test_fails():
    helper(1)

def test_setup_error(broken):
    pass

def test_teardown_error(bad_teardown):
    pass

def test_fails_then_teardown_error(bad_teardown):
    assert False

@pytest.mark.skip(reason="not today")
def test_skipped():
    pass

def test_skipped_inside():
    pytest.skip("skipped from the body")

@pytest.mark.xfail(reason="known bug")
def test_xfailed():
    raise KeyError("x")

@pytest.mark.xfail(reason="maybe fixed")
def test_xpassed():
    pass

@pytest.mark.xfail(reason="must fail", strict=True)
def test_strict_xpass():
    pass

@pytest.mark.xfail(reason="not run", run=False)
def test_xfail_not_run():
    pass

def test_warns():
    warnings.warn("mind the gap", UserWarning)
"""

EXPECTED = {
    "test_passes": "passed",
    "test_fails": "failed",
    "test_setup_error": "error",
    "test_teardown_error": "error",
    "test_fails_then_teardown_error": "error",
    "test_skipped": "skipped",
    "test_skipped_inside": "skipped",
    "test_xfailed": "xfailed",
    "test_xpassed": "xpassed",
    "test_strict_xpass": "failed",
    "test_xfail_not_run": "xfailed",
    "test_warns": "passed",
}


@pytest.fixture
def suite_run(pytester: pytest.Pytester, db: Path) -> tuple[pytest.RunResult, Path]:
    """The suite above, run once in process with the plugin on and JUnit XML written."""
    pytester.makepyfile(test_suite=SUITE)
    # The inner session would inherit this project's filterwarnings=error.
    pytester.makeini("[pytest]\nfilterwarnings = default\n")
    junit = pytester.path / "junit.xml"
    result = pytester.runpytest(
        "--panther-events", f"--panther-events-db={db}", f"--junitxml={junit}"
    )
    return result, junit


def _name(test: str) -> str:
    return f"test_suite.py::{test}"


class TestOutcomes:
    def test_every_outcome_is_stored_as_pytest_reports_it(
        self, suite_run: tuple[pytest.RunResult, Path], db: Path
    ) -> None:
        """Each test's stored outcome is the one pytest gave it."""
        result, _ = suite_run
        # pytest counts a test twice when its call passed or failed and its teardown errored.
        result.assert_outcomes(
            passed=3, failed=3, errors=3, skipped=2, xfailed=2, xpassed=1, warnings=1
        )
        assert read_run(db).outcomes() == {_name(t): o for t, o in EXPECTED.items()}

    def test_stored_counts_equal_the_junit_xml(
        self, suite_run: tuple[pytest.RunResult, Path], db: Path
    ) -> None:
        """passed/failed/skipped/xfailed/errored counts agree with pytest's JUnit XML."""
        _, junit = suite_run
        assert as_junit_counts(read_run(db).counts()) == junit_counts(junit)

    def test_phases_map_onto_setup_execution_and_teardown_events(
        self, suite_run: tuple[pytest.RunResult, Path], db: Path
    ) -> None:
        """A passing test goes created, set up, executed, torn down, completed."""
        run = read_run(db)
        assert run.test_events(_name("test_passes")) == [
            "test.created",
            "test.setup_started",
            "test.setup_completed",
            "test.execution_started",
            "test.execution_completed",
            "test.teardown_started",
            "test.teardown_completed",
            "test.completed",
        ]
        assert run.test_events(_name("test_setup_error")) == [
            "test.created",
            "test.setup_started",
            "test.setup_failed",
            "test.teardown_started",
            "test.teardown_completed",
            "test.failed",
        ]
        assert run.test_events(_name("test_skipped")) == [
            "test.created",
            "test.setup_started",
            "test.teardown_started",
            "test.teardown_completed",
            "test.completed",
        ]

    def test_a_failure_carries_its_message_and_a_short_traceback(
        self, suite_run: tuple[pytest.RunResult, Path], db: Path
    ) -> None:
        """The verdict of a failed test has the message, type, phase and a short traceback."""
        verdict = read_run(db).verdicts()[_name("test_fails")]
        assert verdict.type == "test.failed"
        assert verdict.data["error_message"].startswith("AssertionError: numbers differ")
        assert verdict.data["error_type"] == "AssertionError"
        assert verdict.data["phase"] == "call"
        traceback = verdict.data["summary"]["traceback"]
        lines = traceback.splitlines()
        # The test's frame, then the helper's, then the exception: no pytest internals.
        assert lines[0].endswith(" in test_fails"), traceback
        assert "helper(1)" in lines[1]
        assert lines[2].endswith(" in helper")
        assert traceback.endswith(verdict.data["error_message"])
        assert "_pytest" not in traceback and "pluggy" not in traceback

    def test_setup_and_teardown_errors_say_which_phase(
        self, suite_run: tuple[pytest.RunResult, Path], db: Path
    ) -> None:
        """An error names its phase and its exception."""
        verdicts = read_run(db).verdicts()
        setup = verdicts[_name("test_setup_error")].data
        assert (setup["phase"], setup["error_type"]) == ("setup", "RuntimeError")
        assert "fixture broke" in setup["error_message"]
        teardown = verdicts[_name("test_teardown_error")].data
        assert (teardown["phase"], teardown["error_type"]) == ("teardown", "ValueError")

    def test_skips_and_xfails_keep_their_reasons(
        self, suite_run: tuple[pytest.RunResult, Path], db: Path
    ) -> None:
        """A skip keeps its reason; an xfail its reason and the failure it expected."""
        verdicts = read_run(db).verdicts()
        assert verdicts[_name("test_skipped")].data["summary"]["reason"] == "not today"
        inside = verdicts[_name("test_skipped_inside")].data["summary"]
        assert inside["reason"] == "skipped from the body"
        xfailed = verdicts[_name("test_xfailed")].data["summary"]
        assert xfailed["xfail_reason"] == "known bug"
        assert xfailed["message"] == "KeyError: 'x'"
        assert verdicts[_name("test_xpassed")].data["summary"]["xfail_reason"] == "maybe fixed"
        strict = verdicts[_name("test_strict_xpass")].data
        assert strict["error_message"] == "[XPASS(strict)] must fail"

    def test_durations_are_timing_metrics(
        self, suite_run: tuple[pytest.RunResult, Path], db: Path
    ) -> None:
        """Each test has a metrics.timing event: its duration, and each phase's in metadata."""
        run = read_run(db)
        name = _name("test_passes")
        (timing,) = [e for e in run.of_type("metrics.timing") if e.data["test_case"] == name]
        durations = run.verdicts()[name].data["summary"]["durations"]
        assert sorted(durations) == ["call", "setup", "teardown"]
        assert timing.data["metadata"] == durations
        assert timing.data["duration"] == pytest.approx(sum(durations.values()), abs=1e-5)
        assert len(run.of_type("metrics.timing")) == len(EXPECTED)

    def test_every_stored_sequence_is_legal_in_the_state_machines(
        self, suite_run: tuple[pytest.RunResult, Path], db: Path
    ) -> None:
        """Replayed through an EmitterRegistry, no stored event is refused."""
        registry = EmitterRegistry(EventManager())
        refused = [
            (stored.type, stored.entity_id, registry.last_refusal)
            for stored in read_run(db).events
            if not registry.emit_with_validation(stored.to_event())
        ]
        assert refused == []

    def test_captured_warnings_are_events(
        self, suite_run: tuple[pytest.RunResult, Path], db: Path
    ) -> None:
        """A warning pytest captured is a test.warning event of its test."""
        run = read_run(db)
        (warning,) = run.of_type("test.warning")
        assert warning.entity_id == f"{run.run_id}/{_name('test_warns')}"
        assert (warning.data["category"], warning.data["message"]) == (
            "UserWarning",
            "mind the gap",
        )

    def test_the_session_is_one_experiment(
        self, suite_run: tuple[pytest.RunResult, Path], db: Path
    ) -> None:
        """The run's experiment is initialised, executes every test and fails with them."""
        run = read_run(db)
        kinds = [e.type for e in run.events if e.entity_id == run.run_id]
        assert kinds == [
            "experiment.initialized",
            "experiment.test_cases_initialized",
            "experiment.execution_started",
            "experiment.execution_completed",
            "experiment.failed",
        ]
        (failed,) = run.of_type("experiment.failed")
        assert failed.data["summary"]["total"] == len(EXPECTED)
        assert failed.data["summary"]["error"] == 3

    def test_the_summary_line_names_the_run_and_the_store(
        self, suite_run: tuple[pytest.RunResult, Path], db: Path
    ) -> None:
        """pytest's output gains one line naming the run id and the store."""
        result, _ = suite_run
        run = read_run(db)
        lines = [line for line in result.outlines if line.startswith("panther-events")]
        assert lines == [f"panther-events: run {run.run_id} stored in {db}"]


class TestPassingSession:
    def test_a_green_session_is_a_completed_experiment(
        self, pytester: pytest.Pytester, db: Path
    ) -> None:
        """All tests passing: experiment.completed, exit status 0."""
        pytester.makepyfile("def test_a(): pass\ndef test_b(): pass")
        result = pytester.runpytest("--panther-events", f"--panther-events-db={db}")
        assert result.ret == 0
        run = read_run(db)
        assert [e.type for e in run.events if e.entity_id == run.run_id][-1] == (
            "experiment.completed"
        )
        assert run.counts() == {"passed": 2}

    def test_collection_errors_are_recorded_as_errors(
        self, pytester: pytest.Pytester, db: Path
    ) -> None:
        """A module that cannot be imported is an errored test, as in JUnit XML."""
        pytester.makepyfile(test_ok="def test_a(): pass", test_broken="import nope_not_here")
        junit = pytester.path / "junit.xml"
        result = pytester.runpytest(
            "--panther-events", f"--panther-events-db={db}", f"--junitxml={junit}"
        )
        assert result.ret == pytest.ExitCode.INTERRUPTED
        run = read_run(db)
        assert run.outcomes() == {"test_broken.py": "error"}
        assert as_junit_counts(run.counts()) == junit_counts(junit)


class TestSessionEdges:
    def test_a_module_skipped_whole_is_a_skipped_test(
        self, pytester: pytest.Pytester, db: Path
    ) -> None:
        """``pytest.skip(allow_module_level=True)`` records the module as skipped, with why."""
        pytester.makepyfile(
            test_gone="import pytest\npytest.skip('not here', allow_module_level=True)\n",
            test_here="def test_a(): pass\n",
        )
        junit = pytester.path / "junit.xml"
        pytester.runpytest("--panther-events", f"--panther-events-db={db}", f"--junitxml={junit}")
        run = read_run(db)
        assert run.outcomes() == {"test_gone.py": "skipped", "test_here.py::test_a": "passed"}
        assert run.verdicts()["test_gone.py"].data["summary"]["reason"] == "not here"
        assert as_junit_counts(run.counts()) == junit_counts(junit)

    def test_an_interrupted_session_finishes_early(
        self, pytester: pytest.Pytester, db: Path
    ) -> None:
        """Ctrl-C in a test: the test fails as interrupted, the experiment finishes early."""
        pytester.makepyfile(
            "def test_a(): pass\ndef test_b(): raise KeyboardInterrupt\ndef test_c(): pass\n"
        )
        # In a child process: in process, pytester passes the interrupt on to this session.
        result = pytester.runpytest_subprocess("--panther-events", f"--panther-events-db={db}")
        assert result.ret == pytest.ExitCode.INTERRUPTED
        run = read_run(db)
        assert run.outcomes() == {
            "test_an_interrupted_session_finishes_early.py::test_a": "passed",
            "test_an_interrupted_session_finishes_early.py::test_b": "error",
        }
        kinds = [e.type for e in run.events if e.entity_id == run.run_id]
        assert kinds[-2:] == ["experiment.finished_early", "experiment.failed"]
        registry = EmitterRegistry(EventManager())
        assert all(registry.emit_with_validation(e.to_event()) for e in run.events)


class TestStoredRunInTheCli:
    def test_show_and_timeline_present_the_run(
        self, suite_run: tuple[pytest.RunResult, Path], db: Path
    ) -> None:
        """``panther-events show`` counts each outcome; ``timeline`` draws every test."""
        from typer.testing import CliRunner

        from panther_events.cli import app

        runner = CliRunner()
        shown = runner.invoke(app, ["--db", str(db), "show", "latest", "--json"])
        assert shown.exit_code == 0, shown.output
        report = json.loads(shown.stdout)
        counts = {o: report["summary"][o] for o in set(EXPECTED.values())}
        assert counts == dict(Counter(EXPECTED.values()))
        by_name = {t["name"]: t for t in report["tests"]}
        assert by_name[_name("test_skipped")]["reason"] == "not today"
        assert report["run"]["status"] == "failed"

        drawn = runner.invoke(app, ["--db", str(db), "timeline", "latest", "--width", "20"])
        assert drawn.exit_code == 0, drawn.output
        lines = drawn.stdout.splitlines()
        for test in EXPECTED:  # long labels keep their end
            assert any(f"::{test} " in line for line in lines), (test, drawn.stdout)
