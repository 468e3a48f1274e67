"""``panther-events run``: exit statuses, --json, --junit, --quiet, the log file and the store."""

from __future__ import annotations

import json
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from typer.testing import CliRunner

from panther_events.cli import app
from panther_events.store.sqlite import SQLiteEventStore

PY = sys.executable

PASSING = f"""
name: tiny
tests:
  - name: ok
    steps:
      - {{name: hello, kind: command, run: [{PY}, -c, "print('hi')"]}}
    assertions:
      - {{kind: output_contains, step: hello, text: hi}}
"""
FAILING = PASSING.replace("text: hi", "text: bye")


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "tiny.yaml"
    path.write_text(text, encoding="utf-8")
    return path


class TestRunCommand:
    """The run command, invoked in-process."""

    def test_passing_run_exits_0_and_stores_the_run(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """Defaults: ./panther-events.db and ./panther-events.log beside it; status 0."""
        monkeypatch.chdir(tmp_path)
        result = CliRunner().invoke(app, ["run", str(_write(tmp_path, PASSING))])
        assert result.exit_code == 0, result.output
        assert "tiny: PASSED: 1/1 tests passed" in result.output
        assert "panther-events.db" in result.output
        with SQLiteEventStore(tmp_path / "panther-events.db") as store:
            (info,) = store.runs()
            types = [e.type for e in store.events(info.run_id)]
        assert types[0] == "experiment.initialized" and types[-1] == "experiment.completed"
        log = (tmp_path / "panther-events.log").read_text(encoding="utf-8")
        assert "experiment.completed" in log and info.run_id in log

    def test_failing_run_exits_1_with_json_and_junit(self, tmp_path: Path) -> None:
        """--json prints only the summary on stdout; --junit writes a failure per failed test."""
        junit = tmp_path / "junit.xml"
        result = CliRunner().invoke(
            app,
            [
                "run", str(_write(tmp_path, FAILING)), "--db", str(tmp_path / "e.db"),
                "--json", "--quiet", "--junit", str(junit),
            ],
        )  # fmt: skip
        assert result.exit_code == 1
        summary = json.loads(result.stdout)
        assert (summary["passed"], summary["failed_count"]) == (False, 1)
        assert "does not contain 'bye'" in summary["tests"][0]["reason"]
        suite = ET.parse(junit).getroot()
        assert (suite.get("tests"), suite.get("failures")) == ("1", "1")
        (failure,) = suite.iter("failure")
        assert "bye" in (failure.get("message") or "")

    def test_invalid_file_exits_2_naming_file_line_and_key(self, tmp_path: Path) -> None:
        """Nothing runs and nothing is stored for an invalid file."""
        # Line 6: the experiment text opens with a blank line.
        path = _write(tmp_path, PASSING.replace("kind: command", "kind: comand"))
        db = tmp_path / "e.db"
        result = CliRunner().invoke(app, ["run", str(path), "--db", str(db)])
        assert result.exit_code == 2
        assert f"{path}:6: tests[0].steps[0].kind: unknown step kind 'comand'" in result.output
        assert not db.exists()

    def test_unusable_store_exits_2_before_running(self, tmp_path: Path) -> None:
        """A --db that cannot be opened stops the command before anything starts."""
        not_a_db = tmp_path / "garbage.db"
        not_a_db.write_bytes(b"this is not sqlite" * 100)
        result = CliRunner().invoke(
            app, ["run", str(_write(tmp_path, PASSING)), "--db", str(not_a_db)]
        )
        assert result.exit_code == 2
        assert "cannot use the event store" in result.output
        assert not (tmp_path / "garbage.log").exists()
