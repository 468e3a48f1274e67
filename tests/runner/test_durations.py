"""A test's duration: one definition (first phase to verdict), the same figure everywhere."""

from __future__ import annotations

import json
import subprocess
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from panther_events.events.test import (
    TestCreatedEvent,
    TestFailedEvent,
    TestSetupStartedEvent,
)
from panther_events.observers.results import ResultCollector

from .helpers import CLI, run_cli, stored_events

pytestmark = pytest.mark.slow

TWO_TESTS = """
name: durations
tests:
  - name: slow
    steps:
      - {kind: wait, seconds: 0.6}
  - name: quick-fail
    steps:
      - {name: three, kind: command, run: "exit 3", shell: true, check: false}
    assertions:
      - {kind: exit_code, step: three, equals: 0}
"""


def _at(event: object, moment: datetime) -> object:
    object.__setattr__(event, "timestamp", moment)
    return event


class TestOneDuration:
    """The figure printed by --json, show, JUnit and the store's run summary."""

    def test_same_duration_in_json_show_and_junit(self, tmp_path: Path) -> None:
        """A later test's duration excludes the tests before it, and agrees across outputs."""
        path = tmp_path / "experiment.yaml"
        path.write_text(TWO_TESTS, encoding="utf-8")
        junit = tmp_path / "results.xml"
        run = run_cli(path, tmp_path, "--junit", str(junit))
        assert run.returncode == 1, run.stderr
        by_json = {t["name"]: t["duration_seconds"] for t in run.json()["tests"]}
        # The slow test's time is not in the next one's: it fits after the slow one's verdict.
        verdicts = {
            e.data["test_name"]: e.timestamp
            for e in stored_events(run.db)
            if e.type in ("test.completed", "test.failed")
        }
        since_slow = (verdicts["quick-fail"] - verdicts["slow"]).total_seconds()
        assert by_json["quick-fail"] <= since_slow, (by_json, since_slow)

        shown = subprocess.run(
            [str(CLI), "show", "latest", "--db", str(run.db), "--json"],
            capture_output=True,
            text=True,
            check=True,
        )
        show = json.loads(shown.stdout)
        by_show = {t["name"]: t["duration_seconds"] for t in show["tests"]}
        assert by_show == pytest.approx(by_json, abs=1e-6)

        suite = ET.parse(junit).getroot().find("testsuite")
        assert suite is not None
        by_junit = {c.get("name"): float(c.get("time", "nan")) for c in suite.iter("testcase")}
        assert by_junit == pytest.approx(by_json, abs=1e-3)
        assert float(suite.get("time", "nan")) <= show["run"]["duration_seconds"] + 1e-3


class TestCollectorDefinition:
    """ResultCollector measures from the first phase, not from test.created."""

    def test_creation_long_before_the_first_phase_is_not_counted(self) -> None:
        """Created at t0, set up at t0+5 s, failed at t0+5.25 s: 0.25 s."""
        t0 = datetime(2026, 1, 1, tzinfo=UTC)
        collector = ResultCollector()
        collector.on_event(_at(TestCreatedEvent("r/t", "t"), t0))
        collector.on_event(_at(TestSetupStartedEvent("r/t", 0, []), t0 + timedelta(seconds=5)))
        collector.on_event(_at(TestFailedEvent("r/t", "t", "boom"), t0 + timedelta(seconds=5.25)))
        (test,) = collector.tests()
        assert test.duration_seconds == pytest.approx(0.25)
