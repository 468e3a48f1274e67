"""Every example runs end to end through the CLI and leaves a complete, valid event record."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from panther_events.cli import app

from .helpers import (
    EXAMPLES,
    CliRun,
    check_lifecycles,
    entities,
    leftovers,
    run_cli,
    stored_events,
)

pytestmark = pytest.mark.slow

#: example file -> the exit status it must give.
EXAMPLE_STATUS = {"echo.yaml": 0, "http.yaml": 0, "failing.yaml": 1}


def _counts(path: Path) -> tuple[int, int, int]:
    """Tests, steps and assertions the experiment file declares."""
    spec = yaml.safe_load(path.read_text(encoding="utf-8"))
    tests = spec["tests"]
    return (
        len(tests),
        sum(len(t.get("steps", [])) for t in tests),
        sum(len(t.get("assertions", [])) for t in tests),
    )


def _tests_with_assertions(path: Path) -> int:
    spec = yaml.safe_load(path.read_text(encoding="utf-8"))
    return sum(bool(t.get("assertions")) for t in spec["tests"])


@pytest.fixture(scope="module")
def example_run(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], CliRun]:
    """Run an example once per module (runs cost seconds); later calls reuse the result."""
    runs: dict[str, CliRun] = {}

    def get(name: str) -> CliRun:
        if name not in runs:
            runs[name] = run_cli(EXAMPLES / name, tmp_path_factory.mktemp(name))
        return runs[name]

    return get


class TestExamples:
    """panther-events run on each shipped example."""

    def test_every_example_is_covered(self) -> None:
        """Each YAML file in examples/ has an expected exit status here."""
        assert {p.name for p in EXAMPLES.glob("*.yaml")} == set(EXAMPLE_STATUS)

    @pytest.mark.parametrize("name", sorted(EXAMPLE_STATUS))
    def test_example_runs_and_records_valid_lifecycles(
        self, name: str, example_run: Callable[[str], CliRun]
    ) -> None:
        """The run exits as expected, every entity's events are a valid path of its machine,
        and the store holds as many tests, steps and assertions as the file declares."""
        path = EXAMPLES / name
        run = example_run(name)
        assert run.returncode == EXAMPLE_STATUS[name], run.stderr
        summary = run.json()
        assert not leftovers(run.marker)

        events = stored_events(run.db, summary["experiment_id"])
        finals = check_lifecycles(events)
        tests, steps, assertions = _counts(path)
        assert len(entities(events, "test")) == tests
        assert len(entities(events, "step")) == steps
        # The assertions of a test are validated as one group (one assertion entity per
        # test that has any), with one result per assertion.
        assert len([e for e in events if e.type == "assertion.result"]) == assertions
        assert len([e for e in events if e.type == "test.assertion_checked"]) == assertions
        assert len(entities(events, "assertion")) == _tests_with_assertions(path)
        assert finals["experiment"] == {
            summary["experiment_id"]: "completed" if EXAMPLE_STATUS[name] == 0 else "failed"
        }
        assert sorted(finals["test"].values()).count("completed") == summary["passed_count"]
        # Every plugin used was loaded through its entry point and stopped at the end.
        assert set(finals["plugin"].values()) == {"stopped"}
        types = [e.type for e in events]
        assert types[0] == "experiment.initialized"
        assert types.count("test.created") == tests

    def test_echo_records_service_metrics(self, example_run: Callable[[str], CliRun]) -> None:
        """Each service's CPU time and peak memory are stored as resource metrics."""
        run = example_run("echo.yaml")
        events = stored_events(run.db)
        resources = [e.data for e in events if e.type == "metrics.resource"]
        kinds = {(r["component"], r["resource_type"]) for r in resources}
        assert kinds == {("echo", "cpu_seconds"), ("echo", "peak_memory_bytes")}
        assert all(r["usage_value"] > 0 for r in resources if r["resource_type"] != "cpu_seconds")
        timings = {e.data["operation_name"] for e in events if e.type == "metrics.timing"}
        assert {"step.say-hello", "service.echo.startup", "test", "experiment"} <= timings

    def test_failing_example_reports_each_reason(
        self, example_run: Callable[[str], CliRun]
    ) -> None:
        """The failures of failing.yaml are reported per test, and the passing test still ran."""
        run = example_run("failing.yaml")
        tests = {t["name"]: t for t in run.json()["tests"]}
        assert "goodbye" in tests["wrong-reply"]["reason"]
        assert "exited with status 3, expected status 0" in tests["bad-exit"]["reason"]
        assert (
            tests["service-crash"]["reason"] == "service 'flaky' exited unexpectedly with status 3"
        )
        assert tests["passes"]["passed"]

    @pytest.mark.parametrize("command", ["show", "timeline"])
    def test_demo_commands_read_the_run(
        self, command: str, example_run: Callable[[str], CliRun]
    ) -> None:
        """The commands make demo points to (show/timeline latest) read a runner's store."""
        run = example_run("echo.yaml")
        result = CliRunner().invoke(app, ["--db", str(run.db), command, "latest"])
        assert result.exit_code == 0, result.output
        assert run.json()["experiment_id"] in result.output
