"""Text from events never drives the terminal, and every command ends quietly when its output
is closed (``panther-events replay | head -1``)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from panther_events import TestCreatedEvent
from panther_events.cli._terminal import visible
from panther_events.store import SQLiteEventStore

from .conftest import HOSTILE, RAW, run_cli


def test_visible_spells_out_control_characters() -> None:
    """Controls become escapes; printable text, accents and backslashes stay as they are."""
    assert visible("a\x1b[2Jb\r\n\t\x9b\u202eé\\") == "a\\x1b[2Jb\\r\\n\\t\\x9b\\u202eé\\"


@pytest.mark.parametrize(
    "command",
    [
        ["runs"],
        ["show", "latest"],
        ["events", "latest"],
        ["timeline", "latest", "--width", "40"],
        ["tail", "-n", "20"],
        ["replay", "latest"],
        ["compare", "latest", "latest"],
        ["--json", "compare", "latest", "latest"],
    ],
    ids=lambda c: " ".join(c[:2]),
)
def test_control_characters_from_events_are_shown_escaped(
    hostile_db: Path, command: list[str]
) -> None:
    """No raw escape, bell, carriage return, C1 control or bidi override reaches the terminal."""
    done = run_cli("--db", str(hostile_db), *command)
    assert done.returncode == 0, done.stderr
    output = done.stdout + done.stderr
    assert not [char for char in RAW if char in output], output
    assert "\\x1b" in output or "\\u001b" in output  # as text, or as JSON writes it


def test_import_and_export_name_hostile_runs_escaped(hostile_db: Path, tmp_path: Path) -> None:
    """``import`` says which runs it filled, and ``export -o`` which run it wrote: run ids
    read from a file or a store are event text too."""
    exported = tmp_path / "hostile.jsonl"
    done = run_cli("--db", str(hostile_db), "export", "latest", "-o", str(exported))
    assert done.returncode == 0, done.stderr
    assert not [char for char in RAW if char in done.stderr], done.stderr
    done = run_cli("--db", str(tmp_path / "new.db"), "import", str(exported))
    assert done.returncode == 0, done.stderr
    assert not [char for char in RAW if char in done.stdout + done.stderr], done.stdout
    assert "into run(s) run\\x1b]0;pwned" in done.stdout


def test_an_error_naming_event_text_is_escaped(hostile_db: Path) -> None:
    """An error message that quotes a stored value shows its controls escaped too."""
    done = run_cli("--db", str(hostile_db), "events", "latest", "--since", HOSTILE)
    assert done.returncode == 1
    assert not [char for char in RAW if char in done.stderr]


def _closed_output(*args: str, cwd: Path | None = None) -> tuple[int, str]:
    """Run a command whose stdout reader has gone before it writes; its exit and stderr."""
    proc = subprocess.Popen(
        [sys.executable, "-c", "from panther_events.cli import main; main()", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        cwd=cwd,
    )
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()  # the reader left (``| head -0``)
    err = proc.stderr.read().decode()
    proc.stderr.close()
    return proc.wait(timeout=120), err


@pytest.fixture
def big_db(tmp_path: Path) -> Path:
    """A database with one run of 3,000 events (more than a pipe holds)."""
    path = tmp_path / "big.db"
    with SQLiteEventStore(path) as store:
        store.append_many(
            [TestCreatedEvent(f"t{i}", f"test {i}") for i in range(3000)], run_id="big"
        )
    return path


@pytest.mark.parametrize(
    "command",
    [
        ["runs"],
        ["show", "big"],
        ["events", "big"],
        ["timeline", "big"],
        ["tail", "-n", "100"],
        ["export", "big"],
        ["replay", "big"],
    ],
    ids=lambda c: c[0],
)
def test_every_read_command_ends_quietly_when_its_output_is_closed(
    big_db: Path, command: list[str]
) -> None:
    """No traceback, no 'Exception ignored', no error line: the command just ends."""
    code, err = _closed_output("--db", str(big_db), *command)
    assert err == "", err
    assert code in (0, 1)


def test_import_ends_quietly_when_its_output_is_closed(big_db: Path, tmp_path: Path) -> None:
    """import reads a file, writes the database, and its one line goes nowhere quietly."""
    export = tmp_path / "big.jsonl"
    assert run_cli("--db", str(big_db), "export", "big", "-o", str(export)).returncode == 0
    code, err = _closed_output("--db", str(tmp_path / "copy.db"), "import", str(export))
    assert err == "" and code in (0, 1)
    with SQLiteEventStore(tmp_path / "copy.db") as store:
        assert len(store.events("big")) == 3000


def test_run_ends_quietly_when_its_output_is_closed(tmp_path: Path) -> None:
    """run still runs and records the whole experiment; only its verdict line is lost."""
    experiment = tmp_path / "tiny.yaml"
    experiment.write_text(
        "name: tiny\ntests:\n  - name: ok\n    steps:\n"
        f"      - {{name: hello, kind: command, run: [{sys.executable}, -c, \"print('hi')\"]}}\n",
        encoding="utf-8",
    )
    code, err = _closed_output("run", str(experiment), "--quiet", "--db", str(tmp_path / "e.db"))
    assert err == "" and code in (0, 1)
    with SQLiteEventStore(tmp_path / "e.db") as store:
        (info,) = store.runs()
        assert info.status == "completed"


@pytest.mark.slow
def test_collect_ends_quietly_when_its_output_is_closed(tmp_path: Path) -> None:
    """collect from a real nats-server until idle: its report goes nowhere, quietly."""
    from ..transport._server import NatsServer

    server = NatsServer(tmp_path / "jetstream")
    server.start()
    try:
        code, err = _closed_output(
            "collect", "--nats", server.url, "--db", str(tmp_path / "c.db"), "--idle-timeout", "1"
        )
    finally:
        server.stop()
    # Its progress note goes to stderr by design; nothing else may.
    assert [line for line in err.splitlines() if not line.startswith("collecting from")] == []
    assert code in (0, 1)
