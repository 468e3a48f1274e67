"""A hostile new user's attacks on ``run`` and the look-back commands: event text that tries to
drive the terminal, exit statuses that hide a signal, files that cannot be read or written."""

from __future__ import annotations

import contextlib
import io
import json
import logging
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pytest

from panther_events import (
    ExperimentFailedEvent,
    ExperimentFinishedEarlyEvent,
    ServiceStoppedEvent,
    TestCreatedEvent,
    TestExecutionFailedEvent,
    TestFailedEvent,
    TestSetupStartedEvent,
    TestStepStartedEvent,
)
from panther_events.observers import LoggerObserver, ProgressObserver
from panther_events.store import SQLiteEventStore

from .conftest import HOSTILE, RAW, RUN, run_cli

# YAML's double-quoted escapes for HOSTILE's characters: escape, bell, CR, C1 CSI, RLO.
HOSTILE_YAML = r"\e]0;pwned\a\e[2J\rX\x9b31m\u202e"


def _raw_controls(text: str) -> list[str]:
    return [char for char in RAW if char in text]


@contextlib.contextmanager
def _read_only_disk(where: Path) -> Iterator[Path]:
    """A tmpfs mounted read-only at ``where`` (unwritable even by root), unmounted after."""
    where.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m,ro", "tmpfs", str(where)], check=True)
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=True)


def _one_error_line(done: subprocess.CompletedProcess[str], code: int, *fragments: str) -> str:
    """The command failed with ``code`` and exactly one ``error:`` line naming each fragment."""
    assert done.returncode == code, (done.returncode, done.stderr)
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), done.stderr
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0])
    return lines[0]


class TestRunTerminalOutput:
    """run's progress lines and verdict show a service's hostile output escaped."""

    def test_run_progress_and_verdict_escape_service_output(self, tmp_path: Path) -> None:
        """A service prints escape sequences and dies before it is ready: the failure reason,
        on stderr (progress) and stdout (verdict), keeps its lines but not the controls."""
        experiment = tmp_path / "hostile.yaml"
        experiment.write_text(
            "name: hostile\ntests:\n  - name: t1\n    services:\n      - name: svc\n"
            f"        command: [{sys.executable}, -c, 'import sys; "
            'sys.stdout.write(sys.argv[1] + chr(10) + "second line" + chr(10)); sys.exit(1)\','
            f' "{HOSTILE_YAML}"]\n'
            "        port: auto\n        ready: {tcp: true, timeout: 5}\n"
            "    steps:\n      - {name: s1, kind: command, run: ['true']}\n",
            encoding="utf-8",
        )
        done = run_cli("run", str(experiment), "--db", str(tmp_path / "e.db"))
        assert done.returncode == 1, done.stderr
        assert _raw_controls(done.stdout + done.stderr) == [], done.stdout + done.stderr
        # The service's output is still there, line by line, its controls spelled out.
        for output in (done.stdout, done.stderr):
            assert "\\x1b]0;pwned" in output and "\nsecond line" in output.replace("  ", "")
        log = (tmp_path / "e.log").read_text(encoding="utf-8")
        assert _raw_controls(log) == []

    def test_plain_progress_lines_escape_event_text(self) -> None:
        """Test names and failure messages from any producer (NATS, imports) are escaped."""
        stream = io.StringIO()
        progress = ProgressObserver(stream=stream, live=False)
        progress.on_event(TestCreatedEvent(test_id="t1", test_name=f"name{HOSTILE}"))
        progress.on_event(TestFailedEvent(test_id="t1", error_message=f"why{HOSTILE}"))
        assert _raw_controls(stream.getvalue()) == [], stream.getvalue()
        assert "FAIL name\\x1b]0;pwned" in stream.getvalue()

    def test_an_interrupted_run_ends_in_one_progress_line(self) -> None:
        """Ctrl-C: the runner records ``finished_early`` and then ``failed``; the user reads
        one closing line (finished early), not a second one contradicting it."""
        stream = io.StringIO()
        progress = ProgressObserver(stream=stream, live=False)
        progress.on_event(ExperimentFinishedEarlyEvent("exp", reason="received SIGINT"))
        progress.on_event(ExperimentFailedEvent("exp", error_message="received SIGINT"))
        lines = stream.getvalue().splitlines()
        assert len(lines) == 1 and "finished early" in lines[0], lines
        assert progress.status == "finished early"

    def test_live_progress_shows_markup_and_controls_as_text(self) -> None:
        """A step named like rich markup (``[/]``, ``[red]``) is shown as written, not parsed
        (a stray closing tag would break the display); its controls are escaped."""
        stream = io.StringIO()
        progress = ProgressObserver(stream=stream, live=True)
        try:
            progress.on_event(TestCreatedEvent(test_id="t1", test_name="t1"))
            progress.on_event(TestSetupStartedEvent("t1"))
            progress.on_event(TestStepStartedEvent("t1", f"[/]step[red]{HOSTILE}"))
            progress._draw()  # one frame with the step in the description
        finally:
            progress.close()
        shown = stream.getvalue()
        assert "[/]step[red]\\x1b]0;pwned" in shown, shown
        assert "\x1b]0;pwned" not in shown and "\u202e" not in shown


class TestLoggerObserverLines:
    """LoggerObserver writes one line per event, with controls escaped and signals named."""

    def _line(self, event: object, *, json_lines: bool = False) -> str:
        stream = io.StringIO()
        logger = logging.getLogger(f"test_attacks.{id(stream)}")
        logger.propagate = False
        handler = logging.StreamHandler(stream)
        logger.addHandler(handler)
        logger.setLevel(logging.DEBUG)
        try:
            LoggerObserver(logger, json_lines=json_lines).on_event(event)
        finally:
            logger.removeHandler(handler)
        return stream.getvalue()

    @pytest.mark.parametrize("json_lines", [False, True], ids=["text", "json"])
    def test_log_line_escapes_controls_and_stays_one_line(self, json_lines: bool) -> None:
        """A message with escapes, CR, newlines and bidi controls is logged as one line."""
        event = TestExecutionFailedEvent(
            test_id=f"t{HOSTILE}", error_message=f"first\nsecond{HOSTILE}"
        )
        line = self._line(event, json_lines=json_lines)
        assert line.count("\n") == 1 and line.endswith("\n"), line
        assert _raw_controls(line) == [], line
        if json_lines:
            assert json.loads(line)["data"]["error_message"] == f"first\nsecond{HOSTILE}"

    def test_signal_exit_code_is_named_in_the_log(self) -> None:
        """A service killed by SIGABRT is logged as ``SIGABRT (-6)``, not a bare -6."""
        line = self._line(ServiceStoppedEvent("svc", "svc", exit_code=-6, reason="crashed"))
        assert "exit_code=SIGABRT (-6)" in line, line


@pytest.fixture
def crashed_db(tmp_path: Path) -> Path:
    """A run whose service was killed by SIGABRT, and a test ended by SIGKILL."""
    path = tmp_path / "crashed.db"
    with SQLiteEventStore(path) as store:
        store.append_many(
            [
                TestCreatedEvent(test_id="crashed/t1", test_name="t1"),
                ServiceStoppedEvent("crashed/t1/service/svc", "svc", exit_code=-6),
                ServiceStoppedEvent("crashed/t1/service/ok", "ok", exit_code=0),
            ],
            run_id="crashed",
        )
    return path


@pytest.mark.parametrize("command", [["events", "crashed"], ["tail"]], ids=lambda c: c[0])
def test_event_tables_name_the_signal_of_an_exit_code(crashed_db: Path, command: list[str]) -> None:
    """events and tail show ``SIGABRT (-6)`` for a negative exit code, a plain 0 as it is."""
    done = run_cli("--db", str(crashed_db), *command)
    assert done.returncode == 0, done.stderr
    assert '"exit_code":"SIGABRT (-6)"' in done.stdout, done.stdout
    assert '"exit_code":0' in done.stdout


@pytest.mark.parametrize(
    "command",
    [["events", "latest", "--json"], ["tail", "--json"], ["--json", "show"], ["--json", "runs"]],
    ids=" ".join,
)
def test_json_output_escapes_c1_and_bidi_controls(hostile_db: Path, command: list[str]) -> None:
    """JSON escapes C0 controls itself; C1 controls and bidi overrides are escaped too, so
    ``--json`` on a terminal cannot drive or reorder it, and it still parses to the same text."""
    done = run_cli("--db", str(hostile_db), *command)
    assert done.returncode == 0, done.stderr
    assert _raw_controls(done.stdout) == [], done.stdout
    first = done.stdout if command[0] == "--json" else done.stdout.splitlines()[0]
    assert RUN in _strings(json.loads(first))


def _strings(value: object) -> list[str]:
    """Every string in a parsed JSON value."""
    if isinstance(value, str):
        return [value]
    items = value.values() if isinstance(value, dict) else value if isinstance(value, list) else []
    return [text for item in items for text in _strings(item)]


class TestFilesThatCannotBeWritten:
    """A database or output file that cannot be written: one line, exit 2, never a traceback."""

    @pytest.fixture
    def exported(self, hostile_db: Path, tmp_path: Path) -> Path:
        path = tmp_path / "run.jsonl"
        assert run_cli("--db", str(hostile_db), "export", "-o", str(path)).returncode == 0
        return path

    @pytest.mark.parametrize("existing", [False, True], ids=["new-db", "existing-db"])
    def test_import_into_a_read_only_disk_is_one_line(
        self, tmp_path: Path, exported: Path, existing: bool
    ) -> None:
        """import into a store on a read-only disk names the store and the cause."""
        with _read_only_disk(tmp_path / "ro") as disk:
            if existing:
                subprocess.run(["mount", "-o", "remount,rw", str(disk)], check=True)
                assert run_cli("--db", str(disk / "e.db"), "import", str(exported)).returncode == 0
                subprocess.run(["mount", "-o", "remount,ro", str(disk)], check=True)
            done = run_cli("--db", str(disk / "e.db"), "import", str(exported))
        _one_error_line(done, 2, str(disk / "e.db"), "Read-only file system")

    @pytest.mark.parametrize("existing", [False, True], ids=["new-db", "existing-db"])
    def test_run_with_a_store_on_a_read_only_disk_is_one_line(
        self, tmp_path: Path, existing: bool
    ) -> None:
        """run --db on a read-only disk: refused before anything runs, naming the cause."""
        experiment = tmp_path / "tiny.yaml"
        experiment.write_text(
            "name: tiny\ntests:\n  - name: ok\n    steps:\n"
            "      - {name: hello, kind: command, run: ['true']}\n",
            encoding="utf-8",
        )
        with _read_only_disk(tmp_path / "ro") as disk:
            if existing:
                subprocess.run(["mount", "-o", "remount,rw", str(disk)], check=True)
                SQLiteEventStore(disk / "e.db").close()
                subprocess.run(["mount", "-o", "remount,ro", str(disk)], check=True)
            done = run_cli("run", str(experiment), "--db", str(disk / "e.db"), "--quiet")
        _one_error_line(done, 2, "event store", str(disk / "e.db"), "Read-only file system")

    @pytest.mark.parametrize(
        ("target", "cause"),
        [("missing/run.jsonl", "does not exist"), (".", "is a directory")],
        ids=["missing-dir", "directory"],
    )
    def test_export_to_an_unwritable_file_is_a_usage_error(
        self, hostile_db: Path, tmp_path: Path, target: str, cause: str
    ) -> None:
        """export -o into a missing directory or onto a directory: exit 2, as docs/cli.md says
        of a file that cannot be written, with the cause in words (not ``[Errno 2]``)."""
        output = tmp_path / target
        done = run_cli("--db", str(hostile_db), "export", "-o", str(output))
        line = _one_error_line(done, 2, "-o", str(output), cause)
        assert "Errno" not in line


def test_importing_a_binary_file_names_it_and_what_is_expected(
    hostile_db: Path, tmp_path: Path
) -> None:
    """import of a file that is not text (a database, an image): the file and the formats."""
    done = run_cli("--db", str(tmp_path / "new.db"), "import", str(hostile_db))
    line = _one_error_line(done, 1, str(hostile_db), "not UTF-8 text", "JSON Lines")
    assert "codec" not in line
    assert not (tmp_path / "new.db").exists()


def test_an_empty_entity_filter_is_refused(hostile_db: Path) -> None:
    """--entity '' (an unset shell variable) matches nothing by accident: refused, like an
    empty --type."""
    done = run_cli("--db", str(hostile_db), "events", "--entity", "")
    _one_error_line(done, 1, "--entity", "empty")


def test_junit_of_a_run_with_controls_in_its_messages_is_well_formed(
    hostile_db: Path, tmp_path: Path
) -> None:
    """XML 1.0 forbids most control characters: a failure message quoting a service's escape
    sequences still gives JUnit XML that CI can parse, with the controls spelled out."""
    junit = tmp_path / "results.xml"
    done = run_cli("--db", str(hostile_db), "replay", "--quiet", "--junit", str(junit))
    assert done.returncode == 0, done.stderr
    text = junit.read_text(encoding="utf-8")
    root = ET.fromstring(text.encode())  # raises on a character XML does not allow
    failure = root.find("testsuite/testcase/failure")
    assert failure is not None and "\\x1b]0;pwned" in (failure.get("message") or "")
    assert _raw_controls(text) == [], text


def test_show_cuts_a_huge_failure_message(tmp_path: Path) -> None:
    """A failure message of a megabyte (a service that printed without end) is cut in show's
    report, saying how much was left out and where to read it whole; --json keeps it all."""
    path = tmp_path / "huge.db"
    message = "<b>" + "X" * 1_000_000 + "</b>"
    with SQLiteEventStore(path) as store:
        store.append_many(
            [
                TestCreatedEvent(test_id="huge/t1", test_name="t1"),
                TestFailedEvent(test_id="huge/t1", test_name="t1", error_message=message),
                ExperimentFailedEvent("huge", error_message=message),
            ],
            run_id="huge",
        )
    done = run_cli("--db", str(path), "show", "huge")
    assert done.returncode == 0, done.stderr
    assert len(done.stdout) < 20_000, len(done.stdout)
    assert "more characters" in done.stdout and "events huge --json" in done.stdout
    shown = run_cli("--db", str(path), "--json", "show", "huge")
    assert json.loads(shown.stdout)["tests"][0]["reason"] == message


@pytest.mark.parametrize(
    "command",
    [
        ["timeline", "--width", "1000000000000"],
        ["timeline", "--width", "99999999999999999999"],
        ["tail", "--follow", "--interval", "1e300", "--timeout", "1"],
    ],
    ids=lambda c: " ".join(c[:3]),
)
def test_out_of_range_numbers_are_usage_errors(hostile_db: Path, command: list[str]) -> None:
    """A width or interval far past any use is refused naming the option (exit 2), not a
    MemoryError or OverflowError traceback."""
    done = run_cli("--db", str(hostile_db), *command)
    assert done.returncode == 2, done.stderr
    option = next(arg for arg in command if arg in ("--width", "--interval"))
    assert "Traceback" not in done.stderr and f"'{option}'" in done.stderr, done.stderr


def test_a_limit_past_any_count_shows_everything(hostile_db: Path) -> None:
    """--limit 99999999999999999999 means no limit in practice: every event, exit 0."""
    done = run_cli("--db", str(hostile_db), "events", "--limit", "99999999999999999999")
    assert done.returncode == 0, done.stderr
    assert len(done.stdout.splitlines()) == 1 + 9  # the header and the run's nine events


def test_run_of_a_binary_file_says_it_is_not_an_experiment(
    hostile_db: Path, tmp_path: Path
) -> None:
    """run given a database (or any binary file) instead of YAML: exit 2 naming the file and
    that it is not UTF-8 text, no traceback, nothing recorded."""
    done = run_cli("run", str(hostile_db), "--db", str(tmp_path / "e.db"))
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr and "codec" not in done.stderr, done.stderr
    assert str(hostile_db) in done.stderr and "not UTF-8 text" in done.stderr
    assert not (tmp_path / "e.db").exists()


def test_tail_follow_ends_when_its_reader_goes_while_nothing_is_written(
    hostile_db: Path,
) -> None:
    """``tail --follow | head -1`` on a quiet store: head exits after one line; tail notices
    the closed pipe without having to write to it, and ends quietly (exit 1)."""
    proc = subprocess.Popen(
        [
            *(sys.executable, "-c", "from panther_events.cli import main; main()"),
            *("--db", str(hostile_db), "tail", "--follow", "-n", "1", "--interval", "0.05"),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
    )
    assert proc.stdout is not None and proc.stderr is not None
    try:
        assert proc.stdout.readline()  # the one recent event
        proc.stdout.close()  # the reader goes; no event will ever come
        code = proc.wait(timeout=30)
    finally:
        proc.kill()
        proc.wait()
    assert proc.stderr.read() == b"" and code == 1
    proc.stderr.close()


@pytest.mark.parametrize("whole_file", [True, False], ids=["array", "field"])
def test_import_of_json_nested_past_any_use_is_one_line(tmp_path: Path, whole_file: bool) -> None:
    """A JSON bomb of 100,000 nested arrays (the whole file, or one event's data field):
    one line naming the file, not a RecursionError traceback; nothing imported."""
    nested = "[" * 100_000 + "]" * 100_000
    source = tmp_path / "deep.jsonl"
    if whole_file:
        source.write_text(nested, encoding="utf-8")
    else:
        record = {
            "run_id": "r",
            "seq": 1,
            "id": "e1",
            "name": "created",
            "type": "test.created",
            "entity_type": "test",
            "entity_id": "t1",
            "timestamp": "2026-01-02T03:04:05+00:00",
            "data": "DATA",
        }
        source.write_text(json.dumps(record).replace('"DATA"', nested) + "\n", encoding="utf-8")
    done = run_cli("--db", str(tmp_path / "e.db"), "import", str(source))
    _one_error_line(done, 1, str(source), "nested too deeply")


@pytest.mark.parametrize("export_format", ["jsonl", "cloudevents"])
def test_export_to_the_terminal_escapes_c1_and_bidi_controls(
    hostile_db: Path, export_format: str
) -> None:
    """export without -o prints JSON like --json does: no raw C1 control or bidi override,
    and it parses to the same text (a file written with -o is the library's format)."""
    done = run_cli("--db", str(hostile_db), "export", "--format", export_format)
    assert done.returncode == 0, done.stderr
    assert _raw_controls(done.stdout) == [], done.stdout
    if export_format == "jsonl":
        assert json.loads(done.stdout.splitlines()[0])["run_id"] == RUN
    else:
        assert json.loads(done.stdout)[0]["runid"] == RUN


def test_a_time_window_that_cannot_hold_anything_is_refused(hostile_db: Path) -> None:
    """--since after --until (swapped by mistake) would match nothing, silently: refused."""
    done = run_cli(
        "--db", str(hostile_db), "events", "--since", "2030-01-01", "--until", "2020-01-01"
    )
    _one_error_line(done, 1, "--since '2030-01-01'", "--until '2020-01-01'")


def test_an_invalid_experiment_file_quotes_its_keys_escaped(tmp_path: Path) -> None:
    """An experiment file from someone else, with escape sequences in its keys: the list of
    errors names them with their controls spelled out, one error per line."""
    experiment = tmp_path / "keys.yaml"
    experiment.write_text(
        f'name: x\n"k{HOSTILE_YAML}": 1\ntests:\n  - name: t\n    steps: []\n', encoding="utf-8"
    )
    done = run_cli("run", str(experiment), "--db", str(tmp_path / "e.db"))
    assert done.returncode == 2, done.stderr
    assert _raw_controls(done.stderr) == [], done.stderr
    assert "k\\x1b]0;pwned" in done.stderr
