"""``panther-events run``: exit statuses, --json, --junit, --quiet, the log file and the store."""

from __future__ import annotations

import contextlib
import json
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

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

    def test_a_multi_line_reason_stays_under_its_test_and_kept_workdirs_are_named(
        self, tmp_path: Path
    ) -> None:
        """The verdict's failure lines are indented under the test's name (a service's or a
        command's output has several), and --keep-workdirs says where each directory is."""
        shout = "import sys; sys.stderr.write('first line\\nsecond line\\n'); sys.exit(3)"
        text = PASSING.replace("print('hi')", shout)
        args = ["run", str(_write(tmp_path, text)), "--db", str(tmp_path / "e.db"), "--quiet"]
        result = CliRunner().invoke(app, [*args, "--keep-workdirs"])
        assert result.exit_code == 1, result.output
        lines = result.stdout.splitlines()
        start = next(i for i, line in enumerate(lines) if line.startswith("  ok: "))
        end = lines.index("working directories kept (--keep-workdirs):")
        block = lines[start:end]
        assert len(block) > 1 and any("second line" in line for line in block), block
        assert all(line.startswith("    ") for line in block[1:]), block
        name, kept = lines[end + 1].strip().split(": ", 1)
        assert name == "ok" and Path(kept).is_dir() and Path(kept).name.startswith("panther-")
        summary = CliRunner().invoke(app, [*args, "--keep-workdirs", "--json"])
        (test,) = json.loads(summary.stdout)["tests"]
        assert test["workdir"] and Path(test["workdir"]).is_dir()
        for directory in (Path(kept), Path(test["workdir"])):
            shutil.rmtree(directory)

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


def _one_error_line(result: Result, *fragments: str) -> None:
    """Exit 2 and exactly one stderr line, starting ``error:`` and naming each fragment."""
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0])
    assert "Traceback" not in result.output


def _run_with_junit(tmp_path: Path, junit: Path) -> Result:
    """``run`` of a passing experiment with ``--junit junit``; checks that nothing ran."""
    db = tmp_path / "e.db"
    result = CliRunner().invoke(
        app, ["run", str(_write(tmp_path, PASSING)), "--db", str(db), "--junit", str(junit)]
    )
    with SQLiteEventStore(db) as store:
        assert store.runs() == []  # refused before the run started
    return result


@contextlib.contextmanager
def _tmpfs(where: Path, size: str, *, read_only: bool = False) -> Iterator[Path]:
    """A small tmpfs mounted at ``where`` for the test (unmounted after): a disk that fills
    up, or one that cannot be written even by root."""
    where.mkdir()
    options = f"size={size}" + (",ro" if read_only else "")
    subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(where)], check=True)
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=True)


class TestOutputPaths:
    """The files run writes are checked before anything runs; a full disk stops it in one line."""

    @pytest.mark.parametrize(
        ("junit", "cause"),
        [
            ("missing/dir/x.xml", "does not exist"),
            (".", "is a directory"),
        ],
        ids=["missing-dir", "directory"],
    )
    def test_bad_junit_path_is_refused_before_running(
        self, tmp_path: Path, junit: str, cause: str
    ) -> None:
        """--junit into a missing directory or onto a directory: exit 2 before the run."""
        target = tmp_path / junit
        _one_error_line(_run_with_junit(tmp_path, target), "--junit", str(target), cause)

    def test_unwritable_junit_file_is_refused_before_running(self, tmp_path: Path) -> None:
        """A --junit file on a read-only disk (unwritable even for root): exit 2 at the start."""
        with _tmpfs(tmp_path / "ro", "1m", read_only=True) as read_only:
            target = read_only / "x.xml"
            result = _run_with_junit(tmp_path, target)
        _one_error_line(result, str(target), "Read-only file system")

    @pytest.mark.parametrize("db", [".", "/"])
    def test_directory_as_db_is_refused(self, tmp_path: Path, db: str) -> None:
        """--db . and --db /: one line naming the path, exit 2."""
        result = CliRunner().invoke(app, ["run", str(_write(tmp_path, PASSING)), "--db", db])
        _one_error_line(result, f"'{db}'", "is a directory")

    def test_bad_log_file_path_is_refused(self, tmp_path: Path) -> None:
        """A log file path that is a directory (beside the store): exit 2 before running."""
        (tmp_path / "e.log").mkdir()
        result = CliRunner().invoke(
            app, ["run", str(_write(tmp_path, PASSING)), "--db", str(tmp_path / "e.db")]
        )
        _one_error_line(result, "log file", str(tmp_path / "e.log"), "is a directory")

    @pytest.mark.slow
    @pytest.mark.parametrize(
        ("on_disk", "size", "what", "cause"),
        [
            ("e.log", "16k", "the log file", "No space left on device"),
            ("e.db", "96k", "the event store", "disk is full"),
        ],
        ids=["log-file", "store"],
    )
    def test_full_disk_stops_the_run_in_one_line(
        self, tmp_path: Path, on_disk: str, size: str, what: str, cause: str
    ) -> None:
        """A disk that fills up during the run: one line naming the file and the cause, exit 2.

        Only the file under test is on the small disk (the log file is reached through a link
        when it is the one under test, and linked out when it is not), so which of the two
        fills first is not left to timing.
        """
        example = Path(__file__).resolve().parents[2] / "examples" / "echo.yaml"
        with _tmpfs(tmp_path / "disk", size) as disk:
            if on_disk == "e.log":
                db = tmp_path / "e.db"
                (disk / "e.log").touch()
                (tmp_path / "e.log").symlink_to(disk / "e.log")
            else:
                db = disk / "e.db"
                (tmp_path / "e.log").touch()
                (disk / "e.log").symlink_to(tmp_path / "e.log")
            done = subprocess.run(
                [
                    sys.executable,
                    "-c",
                    "from panther_events.cli import main; main()",
                    "run",
                    str(example),
                    "--quiet",
                    "--db",
                    str(db),
                ],
                capture_output=True,
                text=True,
                timeout=120,
                check=False,
            )
        assert done.returncode == 2, done.stderr
        lines = done.stderr.strip().splitlines()
        assert len(lines) == 1, done.stderr
        assert lines[0].startswith(f"error: cannot write {what} '{db.with_name(on_disk)}'")
        assert cause in lines[0]


def test_boolean_flags_take_no_value_in_help() -> None:
    """--quiet, --json, --keep-workdirs and --help show as flags, not ``--quiet <bool>``."""
    result = CliRunner().invoke(app, ["run", "--help"], terminal_width=100)
    assert result.exit_code == 0
    assert "<bool>" not in result.output
    assert "-q, --quiet " in result.output and "--junit <path>" in result.output
