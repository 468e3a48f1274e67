"""On a narrow terminal the look-back commands keep what matters whole, on a runner-made run."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from .conftest import run_cli


def cli(db: Path, *args: str, columns: int) -> subprocess.CompletedProcess[str]:
    """``panther-events ARGS`` on ``db`` in a terminal ``columns`` wide."""
    return run_cli(*args, env={"PANTHER_EVENTS_DB": str(db), "COLUMNS": str(columns)})


@pytest.mark.parametrize("columns", [60, 50])
def test_timeline_rows_fit_the_terminal_and_end_with_the_final_state(
    failing_db: Path, columns: int
) -> None:
    """Each row fits the width and still ends with the entity's last state; the label gives
    way to the bar, never the other way round."""
    done = cli(failing_db, "timeline", columns=columns)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    rows = [line for line in lines if line.startswith(("test ", "service "))]
    assert rows, done.stdout
    for line in lines:
        assert len(line) <= columns, line
    assert all(line.rstrip()[-1] != "…" for line in rows)
    finals = {line.split()[-1] for line in rows}
    assert finals <= {"completed", "failed", "destroyed", "torn_down"}, rows
    assert {"completed", "failed"} <= finals
    environments = [line.split()[1] for line in lines if line.startswith("environment ")]
    assert len(set(environments)) == len(environments) == 4, environments  # told apart


def test_timeline_legend_never_splits_a_glyph_from_its_state(failing_db: Path) -> None:
    """Wrapped to the width, each legend entry stays on one line: no line ends in a glyph."""
    done = cli(failing_db, "timeline", columns=60)
    legend = done.stdout[done.stdout.index("states:") :].splitlines()
    assert len(legend) > 1
    for line in legend:
        assert len(line) <= 60
        assert len(line.split()[-1]) > 1, legend  # a state name, not a lone glyph


@pytest.mark.parametrize("columns", [60, 40])
def test_runs_on_a_narrow_terminal_never_breaks_a_count(failing_db: Path, columns: int) -> None:
    """Too narrow for a table, each run shows its whole id, then its status and counts whole:
    on one line when they fit, else on an indented line of their own."""
    done = cli(failing_db, "runs", columns=columns)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert all(len(line) <= columns for line in lines), lines
    assert lines[0].startswith("failing-") and len(lines[0].split()) == 1
    assert lines[1].split() == ["failed", "1", "passed,", "3", "failed"]


def test_show_on_a_narrow_terminal_keeps_each_test_name_whole(failing_db: Path) -> None:
    """The test name is what a user looks for: never cut with an ellipsis (it folds onto
    the next line of its cell instead), and every line fits."""
    done = cli(failing_db, "show", columns=60)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert all(len(line) <= 60 for line in lines), lines
    table = lines[lines.index(next(line for line in lines if "┃ test" in line)) :]
    first_column = "".join(line.split("│")[1].strip() for line in table if line.startswith("│"))
    for name in ("wrong-reply", "bad-exit", "service-crash", "passes"):
        assert name in first_column, first_column
    assert "…" not in first_column


def test_timeline_with_an_explicit_width_draws_whole_rows(failing_db: Path) -> None:
    """``--width`` wider than the terminal is the user's choice: rows are printed whole (the
    terminal or pager wraps them), still ending with the final state, never cut."""
    done = cli(failing_db, "timeline", "--width", "70", columns=60)
    rows = [line for line in done.stdout.splitlines() if line.startswith("test ")]
    assert rows and all(line.split()[-1] in {"completed", "failed"} for line in rows), rows
    assert all("…" not in line for line in rows)
