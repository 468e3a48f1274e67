"""``show`` prints a multi-line failure message as lines, on a run recorded by pytest."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from panther_events import TestCreatedEvent, TestFailedEvent
from panther_events.store import SQLiteEventStore

from .conftest import run_cli

PYTEST = (sys.executable, "-m", "pytest", "-q", "-p", "no:randomly", "-p", "no:cacheprovider")
SUITE = """
import pytest

def test_compares():
    assert {"a": 1, "b": 2} == {"a": 1, "b": 3}, "first line\\nsecond \\x1b[2J line"

def test_passes():
    pass

@pytest.mark.skip(reason="not today")
def test_skipped():
    pass

@pytest.fixture
def broken():
    raise RuntimeError("no fixture")

def test_errs(broken):
    pass
"""


def test_a_multi_line_failure_keeps_its_line_breaks_indented(tmp_path: Path) -> None:
    """pytest's message (the assert, its diff) shows as indented lines under the failure,
    not as one line with literal ``\\n``; control characters in it stay escaped. ``replay``
    counts the outcomes as ``show`` does. A run without steps or assertions (any pytest
    session) has no columns for them."""
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
    assert "tests: 4 (1 passed, 1 failed, 1 error, 1 skipped)" in done.stdout
    header = next(line for line in done.stdout.splitlines() if "┃ test" in line)
    assert [cell.strip() for cell in header.split("┃")[1:-1]] == ["test", "outcome", "duration"]
    failures = done.stdout[done.stdout.index("failures") :].splitlines()[1:]
    assert failures[0].startswith("  ✗ test_suite.py::test_compares (failed in call): ")
    assert failures[0].endswith("first line"), failures
    assert "\\n" not in done.stdout
    assert any(line.strip() == "second \\x1b[2J line" for line in failures), failures
    message = failures[1 : failures.index(next(f for f in failures if "test_errs" in f))]
    assert all(line.startswith("      ") for line in message), failures
    assert "\x1b" not in done.stdout
    replayed = run_cli("replay", "--quiet", "--db", str(db))
    assert replayed.returncode == 0, replayed.stderr
    assert replayed.stdout.rstrip().endswith(
        ": 4 tests (1 passed, 1 failed, 1 error, 1 skipped)"
    ), replayed.stdout


def test_an_interrupted_run_reads_as_errors_in_plain_words(tmp_path: Path) -> None:
    """A test stopped by Ctrl-C and one it kept from running are errors, said in words:
    ``(error, interrupted)`` and ``(error, not run)``, not ``error in not_run``."""
    db = tmp_path / "events.db"
    events = [
        TestCreatedEvent("r/t1", "first"),
        TestFailedEvent("r/t1", "first", "interrupted: received SIGINT", "Interrupted"),
        TestCreatedEvent("r/t2", "second"),
        TestFailedEvent("r/t2", "second", "not run: received SIGINT", "NotRun", "not_run"),
    ]
    events[1].add_data("phase", "interrupted")
    with SQLiteEventStore(db) as store:
        store.append_many(events, run_id="r")
    done = run_cli("show", "--db", str(db), env={"COLUMNS": "200"})
    assert done.returncode == 0, done.stderr
    assert "  ✗ first (error, interrupted): interrupted: received SIGINT" in done.stdout
    assert "  ✗ second (error, not run): not run: received SIGINT" in done.stdout


def test_entity_takes_a_parametrized_test_name_as_shown(tmp_path: Path) -> None:
    """``events --entity 'test_p.py::test_it[ok]'``, copied from the entity column, selects
    that test: brackets in a name are the name's, not a glob's character class."""
    (tmp_path / "test_p.py").write_text(
        "import pytest\n\n@pytest.mark.parametrize('v', ['ok', 'o'])\ndef test_it(v):\n    pass\n",
        encoding="utf-8",
    )
    db = tmp_path / "events.db"
    session = subprocess.run(
        [*PYTEST, "--panther-events-db", str(db), "test_p.py"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert session.returncode == 0, session.stdout + session.stderr
    done = run_cli("events", "--db", str(db), "--entity", "test_p.py::test_it[ok]", "--json")
    assert done.returncode == 0, done.stderr
    entities = {json.loads(line)["entity_id"].split("/")[-1] for line in done.stdout.splitlines()}
    assert entities == {"test_p.py::test_it[ok]"}
    globbed = run_cli("events", "--db", str(db), "--entity", "*test_it*", "--json")
    tails = {json.loads(line)["entity_id"][-4:] for line in globbed.stdout.splitlines()}
    assert tails == {"[ok]", "t[o]"}  # a glob still selects by pattern
