"""The start-up benchmark runs and prints its table (no timing is checked)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

STARTUP = Path(__file__).resolve().parent.parent / "bench" / "startup.py"


@pytest.mark.slow
def test_startup_smoke_prints_every_row_and_goal() -> None:
    """``bench/startup.py --smoke`` exits 0 with a row and a verdict for each goal."""
    done = subprocess.run(
        [sys.executable, str(STARTUP), "--smoke"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    for row in ("import blinker", "import panther_events", "panther-events --help"):
        assert f"| {row} |" in done.stdout
    assert done.stdout.count("<= ") == 2
