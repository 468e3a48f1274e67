"""bench/run.py --baseline measures another source tree beside ours, in the same run."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
RUN = ROOT / "bench" / "run.py"


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(RUN), "--smoke", "--only", "build_event", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )


@pytest.mark.slow
def test_baseline_tree_gets_its_own_row(tmp_path: Path) -> None:
    """A tree holding src/panther_events is measured as 'panther-events (baseline)', and that
    row's figure comes from the tree's code (a tree whose event class raises shows an error)."""
    done = run("--baseline", str(ROOT), "--peer-python", str(tmp_path / "none"))
    assert done.returncode == 0, done.stderr
    assert "| panther-events (baseline) | " in done.stdout
    broken = tmp_path / "src" / "panther_events"
    broken.mkdir(parents=True)
    (broken / "__init__.py").write_text(
        "class TestExecutionStartedEvent:\n"
        "    def __init__(self, *args):\n"
        "        raise RuntimeError('baseline tree used')\n"
    )
    done = run("--baseline", str(tmp_path), "--peer-python", str(tmp_path / "none"))
    assert done.returncode == 0, done.stderr
    assert "baseline tree used" in done.stdout


def test_baseline_without_a_package_is_one_clear_line(tmp_path: Path) -> None:
    """A --baseline path with no panther_events package is refused with a usage error."""
    done = run("--baseline", str(tmp_path))
    assert done.returncode == 2
    assert "no panther_events package" in done.stderr
    assert "Traceback" not in done.stderr
