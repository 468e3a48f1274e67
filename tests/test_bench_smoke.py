"""The benchmark's smoke mode runs to the end and prints its tables (no timing is checked)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
RUN = ROOT / "bench" / "run.py"


def smoke(*args: str) -> subprocess.CompletedProcess[str]:
    """Run ``bench/run.py --smoke`` in a child process, as ``make bench-smoke`` does."""
    return subprocess.run(
        [sys.executable, str(RUN), "--smoke", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )


@pytest.mark.slow
class TestBenchSmoke:
    """bench/run.py --smoke."""

    def test_every_case_completes_and_the_tables_print(self) -> None:
        """The whole smoke run exits 0 and prints a row for every case and every target."""
        sys.path.insert(0, str(RUN.parent))
        try:
            import run as bench_run
        finally:
            sys.path.remove(str(RUN.parent))
        done = smoke()
        assert done.returncode == 0, done.stderr
        out = done.stdout
        assert "| Case | Implementation | Median | Best | Per second | x ours |" in out
        for case in bench_run.CASES:
            assert case.title in out, f"no row for {case.key}"
        for target in bench_run.TARGETS:
            assert target.text in out, f"no verdict for {target.text!r}"
        assert "error:" not in out, out
        # Our own implementation was measured, whatever else is installed.
        assert "| panther-events | " in out and "(ours) |" in out

    def test_missing_panther_net_venv_is_reported_not_fatal(self, tmp_path: Path) -> None:
        """Without the peer venv the run still exits 0 and says panther-net is not installed."""
        done = smoke("--only", "build_event,publish_exact", "--peer-python", str(tmp_path / "no"))
        assert done.returncode == 0, done.stderr
        assert "panther-net not installed" in done.stdout
        assert "1.00 (ours)" in done.stdout
