"""Fixtures of the CLI tests: a stored run whose text tries to drive the terminal."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from panther_events import (
    ExperimentCompletedEvent,
    ExperimentExecutionStartedEvent,
    ServiceCreatedEvent,
    ServiceStartedEvent,
    TestCompletedEvent,
    TestCreatedEvent,
    TestExecutionStartedEvent,
    TestFailedEvent,
)
from panther_events.store import SQLiteEventStore

from ..store.contract import at

# Sets the window title, clears the screen, rewrites the line, C1 CSI, right-to-left override.
HOSTILE = "\x1b]0;pwned\x07\x1b[2J\rX\x9b31m\u202e"
RUN = f"run{HOSTILE}-1"
RAW = ("\x1b", "\x07", "\r", "\x9b", "\u202e")


def run_cli(
    *args: str, cwd: Path | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run ``panther-events ARGS`` in a child process, as a user would; its exit and output.
    ``env`` is added to this process's environment."""
    return subprocess.run(
        [sys.executable, "-c", "from panther_events.cli import main; main()", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=cwd,
        env={**os.environ, **(env or {})},
    )


@pytest.fixture(scope="module")
def failing_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store holding one run of examples/failing.yaml, made by ``panther-events run``."""
    db = tmp_path_factory.mktemp("failing") / "f.db"
    example = Path(__file__).resolve().parents[2] / "examples" / "failing.yaml"
    done = run_cli("run", str(example), "--quiet", "--db", str(db))
    assert done.returncode == 1, done.stderr
    return db


@pytest.fixture
def hostile_db(tmp_path: Path) -> Path:
    """A run whose run id, entity ids, names and messages carry terminal control sequences."""
    path = tmp_path / "hostile.db"
    events = [
        at(0, ExperimentExecutionStartedEvent(experiment_id=f"exp{HOSTILE}", test_count=2)),
        at(1, TestCreatedEvent(test_id=f"t1{HOSTILE}", test_name=f"name{HOSTILE}")),
        at(2, TestExecutionStartedEvent(test_id=f"t1{HOSTILE}")),
        at(3, ServiceCreatedEvent(f"svc{HOSTILE}", f"svc{HOSTILE}", "server", "impl")),
        at(4, ServiceStartedEvent(f"svc{HOSTILE}", f"svc{HOSTILE}", pid=42)),
        at(5, TestCompletedEvent(test_id=f"t1{HOSTILE}", test_name=f"name{HOSTILE}")),
        at(6, TestCreatedEvent(test_id="t2", test_name="second")),
        at(7, TestFailedEvent(test_id="t2", test_name="second", error_message=HOSTILE)),
        at(8, ExperimentCompletedEvent(experiment_id=f"exp{HOSTILE}")),
    ]
    with SQLiteEventStore(path) as store:
        store.append_many(events, run_id=RUN)
    return path
