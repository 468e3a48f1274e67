"""``show`` prints a multi-line failure message as lines, on a run recorded by pytest."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from .conftest import run_cli

PYTEST = (sys.executable, "-m", "pytest", "-q", "-p", "no:randomly", "-p", "no:cacheprovider")
SUITE = """
def test_compares():
    assert {"a": 1, "b": 2} == {"a": 1, "b": 3}, "first line\\nsecond \\x1b[2J line"
"""


def test_a_multi_line_failure_keeps_its_line_breaks_indented(tmp_path: Path) -> None:
    """pytest's message (the assert, its diff) shows as indented lines under the failure,
    not as one line with literal ``\\n``; control characters in it stay escaped."""
    (tmp_path / "test_suite.py").write_text(SUITE, encoding="utf-8")
    db = tmp_path / "events.db"
    session = subprocess.run(
        [*PYTEST, "--panther-events-db", str(db), "test_suite.py"],
        cwd=tmp_path,
        env={k: v for k, v in os.environ.items() if k != "PANTHER_EVENTS_DB"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert session.returncode == 1, session.stdout + session.stderr
    done = run_cli("show", "--db", str(db), env={"COLUMNS": "200"})
    assert done.returncode == 0, done.stderr
    failures = done.stdout[done.stdout.index("failures") :].splitlines()[1:]
    assert failures[0].startswith("  ✗ test_suite.py::test_compares (failed in call): ")
    assert failures[0].endswith("first line"), failures
    assert "\\n" not in done.stdout
    assert any(line.strip() == "second \\x1b[2J line" for line in failures), failures
    assert all(line.startswith("      ") for line in failures[1:]), failures
    assert "\x1b" not in done.stdout
