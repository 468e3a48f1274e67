"""A new user's mistakes with the look-back commands leave nothing behind and say what to do."""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import sys
from pathlib import Path

from .conftest import run_cli

ROOT = Path(__file__).resolve().parents[2]
CLI = (sys.executable, "-c", "from panther_events.cli import main; main()")


def test_a_refused_import_creates_no_store(tmp_path: Path) -> None:
    """``import README.md --db new.db`` refuses the file and leaves no empty store behind
    (a later ``runs`` would otherwise call the mistake a store with no runs)."""
    notes = tmp_path / "notes.md"
    notes.write_text("# not events\n", encoding="utf-8")
    db = tmp_path / "new.db"
    done = run_cli("import", str(notes), "--db", str(db))
    assert done.returncode == 1
    assert done.stderr.startswith("error: ") and "line 1: not valid JSON" in done.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.md"]


def test_a_refused_import_keeps_an_existing_store(tmp_path: Path) -> None:
    """A store that was there before a refused import is left as it was."""
    empty = tmp_path / "empty.jsonl"
    empty.write_text("", encoding="utf-8")
    db = tmp_path / "kept.db"
    assert run_cli("import", str(empty), "--db", str(db)).returncode == 0
    bad = tmp_path / "bad.jsonl"
    bad.write_text("{\n", encoding="utf-8")
    assert run_cli("import", str(bad), "--db", str(db)).returncode == 1
    assert db.exists()
    assert run_cli("runs", "--db", str(db)).returncode == 0


def test_runs_and_show_name_the_experiment_not_the_run_again(failing_db: Path) -> None:
    """The experiment of a runner-made run is ``failing`` (the file's name), as the dashboard
    and ``compare`` say, not the run id a second time."""
    runs = run_cli("runs", "--db", str(failing_db), env={"COLUMNS": "200"})
    assert runs.returncode == 0, runs.stderr
    (row,) = [line for line in runs.stdout.splitlines() if "failing-" in line]
    cells = [cell.strip() for cell in row.split("│")[1:-1]]
    assert cells[0].startswith("failing-") and cells[2] == "failing", cells
    show = run_cli("show", "--db", str(failing_db), env={"COLUMNS": "200"})
    assert show.stdout.splitlines()[1].startswith("experiment failing · started "), show.stdout


def test_serve_stopped_with_ctrl_c_ends_with_0_as_documented(failing_db: Path) -> None:
    """Ctrl-C is how a dashboard is meant to stop: exit 0, nothing on stderr but its
    own line, as docs/cli.md's table says of the commands that run until interrupted."""
    with subprocess.Popen(
        [*CLI, "serve", "--port", "0", "--db", str(failing_db)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    ) as proc:
        try:
            assert proc.stdout is not None and proc.stderr is not None
            assert "http://127.0.0.1:" in proc.stdout.readline()
            proc.send_signal(signal.SIGINT)
            assert proc.wait(timeout=30) == 0
            assert "Traceback" not in proc.stderr.read()
        finally:
            proc.kill()
    table = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    assert "`tail --follow`, `serve` and `collect` end with 0" in table


def test_a_time_without_a_zone_is_utc_as_the_times_printed(failing_db: Path) -> None:
    """``events --since`` without a zone means UTC, the zone every printed time is in,
    whatever the machine's TZ: the time a user copies from the output selects that event."""
    env = {"TZ": "America/New_York", "COLUMNS": "200"}
    listed = run_cli("events", "--db", str(failing_db), "--limit", "40", env=env)
    row = listed.stdout.splitlines()[-1].split()
    day = run_cli("show", "--db", str(failing_db), env=env).stdout.split("started ")[1][:10]
    since = run_cli("events", "--db", str(failing_db), "--since", f"{day}T{row[1]}", env=env)
    first = since.stdout.splitlines()[1].split()
    assert first[1] == row[1] and int(first[0]) <= int(row[0]), since.stdout  # same millisecond


def test_a_kept_workdir_is_found_as_docs_runner_md_says(tmp_path: Path) -> None:
    """After ``run --keep-workdirs``, the command docs/runner.md gives names each test's
    kept directory, which holds the services' captured output."""
    db = tmp_path / "k.db"
    example = ROOT / "examples" / "http.yaml"
    assert run_cli("run", str(example), "--db", str(db), "--keep-workdirs", "-q").returncode == 0
    doc = (ROOT / "docs" / "runner.md").read_text(encoding="utf-8")
    command = "panther-events --json events latest --type environment.teardown_completed"
    assert f"`{command}`" in doc
    done = run_cli(*command.split()[1:], "--db", str(db))
    kept = [
        Path(json.loads(line)["data"]["resources_released"]["workdir_kept"])
        for line in done.stdout.splitlines()
    ]
    try:
        assert kept and all(path.is_dir() for path in kept)
        assert any(p.name.endswith(".stdout.log") for path in kept for p in path.iterdir())
    finally:
        for path in kept:
            shutil.rmtree(path, ignore_errors=True)
