"""Every look-back command through typer's CliRunner against a real SQLite database."""

from __future__ import annotations

import contextlib
import json
import threading
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from panther_events import TestCompletedEvent, TestCreatedEvent, TestFailedEvent
from panther_events.cli import app
from panther_events.store import SQLiteEventStore

from ..store.contract import sample_run

RUN = "20260102T030405Z-aaaaaa"
OTHER = "20260102T040000Z-bbbbbb"


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Path]:
    """A database holding one finished run (RUN) and one open run (OTHER)."""
    path = tmp_path / "events.db"
    with SQLiteEventStore(path) as store:
        store.append_many(sample_run(), run_id=RUN)
        late = TestCreatedEvent(test_id="t9", test_name="later")
        late.timestamp = late.timestamp.replace(year=2030)
        store.append(late, run_id=OTHER)
    yield path


def invoke(runner: CliRunner, db: Path, *args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, ["--db", str(db), *args])
    assert not isinstance(result.exception, Exception) or isinstance(
        result.exception, SystemExit
    ), result.exception
    return result.exit_code, result.stdout, result.stderr


class TestRunsCommand:
    """panther-events runs."""

    def test_lists_runs_with_status_and_counts(self, runner: CliRunner, db: Path) -> None:
        """The table shows both runs, whole ids, status and test outcomes."""
        code, out, _ = invoke(runner, db, "runs")
        assert code == 0
        assert RUN in out and OTHER in out
        assert "completed" in out and "1 passed, 1 failed" in out

    def test_counts_outcomes_as_show_does(self, runner: CliRunner, tmp_path: Path) -> None:
        """A skip is not a pass and a setup error not a failure: ``runs`` gives the counts
        ``show`` gives for the same run."""
        path = tmp_path / "mixed.db"
        with SQLiteEventStore(path) as store:
            store.append_many(
                [
                    TestCompletedEvent("m/ok", "ok"),
                    TestCompletedEvent("m/skip", "skip", summary={"outcome": "skipped"}),
                    TestFailedEvent("m/setup", "setup", "fixture broke", "Error", "setup"),
                    TestFailedEvent("m/bad", "bad", "assert 1 == 2", "AssertionError", "steps"),
                ],
                run_id="mixed",
            )
        counts = "1 passed, 1 failed, 1 error, 1 skipped"
        code, out, _ = invoke(runner, path, "runs")
        assert code == 0 and counts in " ".join(out.split()), out
        code, out, _ = invoke(runner, path, "show", "mixed")
        assert code == 0 and counts in out, out

    @pytest.mark.parametrize("columns", ["80", "40"])
    def test_a_narrow_terminal_keeps_ids_status_and_counts_whole(
        self, db: Path, columns: str
    ) -> None:
        """On 80 (or even 40) columns the run ids, statuses and test counts are shown whole:
        the less needed columns go, or each run becomes a line."""
        runner = CliRunner(env={"COLUMNS": columns})
        code, out, _ = invoke(runner, db, "runs")
        assert code == 0
        assert RUN in out and OTHER in out
        assert "completed" in out and "1 passed, 1 failed" in " ".join(out.split())
        assert "…" not in out
        assert max(len(line) for line in out.splitlines()) <= int(columns)

    def test_json_output(self, runner: CliRunner, db: Path) -> None:
        """--json gives a list of run summaries, earliest first."""
        code, out, _ = invoke(runner, db, "--json", "runs")
        assert code == 0
        runs = json.loads(out)
        assert [r["run_id"] for r in runs] == [RUN, OTHER]
        assert runs[0]["status"] == "completed" and runs[0]["event_count"] == 12

    def test_command_level_options(self, runner: CliRunner, db: Path) -> None:
        """--db and --json also work after the command name."""
        result = runner.invoke(app, ["runs", "--db", str(db), "--json"])
        assert result.exit_code == 0
        assert len(json.loads(result.stdout)) == 2

    def test_env_var_names_the_database(
        self, runner: CliRunner, db: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """PANTHER_EVENTS_DB is used when --db is not given."""
        monkeypatch.setenv("PANTHER_EVENTS_DB", str(db))
        result = runner.invoke(app, ["--json", "runs"])
        assert result.exit_code == 0
        assert len(json.loads(result.stdout)) == 2


class TestErrors:
    """Every failure is one line on stderr and a non-zero exit, never a traceback."""

    @pytest.mark.parametrize(
        "args", [["runs"], ["show", "latest"], ["events", "latest"], ["tail"], ["replay", "x"]]
    )
    def test_missing_database(self, runner: CliRunner, tmp_path: Path, args: list[str]) -> None:
        """A missing database is named, and not created."""
        path = tmp_path / "absent.db"
        code, out, err = invoke(runner, path, *args)
        assert code == 1
        assert err.startswith("error: no event store at") and "absent.db" in err
        assert len(err.strip().splitlines()) == 1
        assert "Traceback" not in out + err
        assert not path.exists()

    def test_unknown_run(self, runner: CliRunner, db: Path) -> None:
        """An unknown run names the reference and suggests recent runs."""
        code, _, err = invoke(runner, db, "show", "zzz")
        assert code == 1
        assert "no run matches 'zzz'" in err and RUN in err

    def test_ambiguous_prefix(self, runner: CliRunner, db: Path) -> None:
        """A prefix matching two runs says so."""
        code, _, err = invoke(runner, db, "events", "20260102T0")
        assert code == 1
        assert "ambiguous" in err

    def test_corrupt_database(self, runner: CliRunner, tmp_path: Path) -> None:
        """A file that is not a database is reported as such."""
        path = tmp_path / "junk.db"
        path.write_bytes(b"not sqlite" * 500)
        code, out, err = invoke(runner, path, "runs")
        assert code == 1
        assert "not a panther-events database" in err
        assert "Traceback" not in out + err

    def test_malformed_import(self, runner: CliRunner, db: Path, tmp_path: Path) -> None:
        """A malformed import names the line and stores nothing."""
        bad = tmp_path / "bad.jsonl"
        bad.write_text('{"id": "1", "type": "test.created"}\n', encoding="utf-8")
        code, _, err = invoke(runner, db, "import", str(bad))
        assert code == 1
        assert "bad.jsonl: line 1" in err and "missing" in err
        code, out, _ = invoke(runner, db, "--json", "runs")
        assert len(json.loads(out)) == 2

    def test_bad_pattern(self, runner: CliRunner, db: Path) -> None:
        """A malformed --type pattern is a one-line error."""
        code, _, err = invoke(runner, db, "events", RUN, "--type", "test..x")
        assert code == 1
        assert "test..x" in err

    def test_import_of_missing_file(self, runner: CliRunner, db: Path) -> None:
        """Importing a file that does not exist names it."""
        code, _, err = invoke(runner, db, "import", "/nowhere/x.jsonl")
        assert code == 1
        assert "/nowhere/x.jsonl" in err


class TestShowCommand:
    """panther-events show RUN."""

    def test_summarises_tests_and_failures(self, runner: CliRunner, db: Path) -> None:
        """Tests with outcomes and durations, and failures with their messages."""
        code, out, _ = invoke(runner, db, "show", RUN[:13])
        assert code == 0
        assert "handshake" in out and "migration" in out
        assert "passed" in out and "failed" in out
        assert "timeout" in out

    def test_json(self, runner: CliRunner, db: Path) -> None:
        """--json gives run, summary and tests."""
        code, out, _ = invoke(runner, db, "--json", "show", RUN)
        assert code == 0
        doc = json.loads(out)
        assert doc["run"]["run_id"] == RUN
        assert (doc["summary"]["passed"], doc["summary"]["failed"]) == (1, 1)
        assert doc["summary"]["failures"][0]["reason"] == "timeout"


class TestEventsCommand:
    """panther-events events RUN."""

    def test_filters_by_type_and_entity(self, runner: CliRunner, db: Path) -> None:
        """--type and --entity select the matching events only."""
        code, out, _ = invoke(runner, db, "--json", "events", RUN, "--type", "test.*")
        assert code == 0
        types = [json.loads(line)["type"] for line in out.splitlines()]
        assert types and all(t.startswith("test.") for t in types)
        code, out, _ = invoke(runner, db, "--json", "events", RUN, "--entity", "svc-a")
        assert [json.loads(line)["entity_id"] for line in out.splitlines()] == ["svc-a"] * 2

    def test_limit_reverse_and_table(self, runner: CliRunner, db: Path) -> None:
        """--limit and --reverse pick the newest; the table shows types and entities."""
        code, out, _ = invoke(runner, db, "--json", "events", RUN, "-n", "2", "--reverse")
        assert [json.loads(line)["seq"] for line in out.splitlines()] == [12, 11]
        code, out, _ = invoke(runner, db, "events", "latest")
        assert code == 0
        assert "test.created" in out and "t9" in out

    def test_time_range(self, runner: CliRunner, db: Path) -> None:
        """--since/--until take ISO times; a bad one is an error."""
        code, out, _ = invoke(
            runner, db, "--json", "events", RUN, "--since", "2026-01-02T03:04:15+00:00"
        )
        assert [json.loads(line)["seq"] for line in out.splitlines()] == [11, 12]
        code, _, err = invoke(runner, db, "events", RUN, "--since", "yesterday")
        assert code == 1 and "--since" in err


class TestTimelineCommand:
    """panther-events timeline RUN."""

    def test_draws_each_entity(self, runner: CliRunner, db: Path) -> None:
        """One bar per entity, with its last state, and a legend."""
        code, out, _ = invoke(runner, db, "timeline", RUN, "--width", "40")
        assert code == 0
        lines = out.splitlines()
        t1 = next(line for line in lines if line.startswith("test t1"))
        assert "█" in t1 and t1.endswith("completed")
        assert any(line.startswith("service svc-a") for line in lines)
        assert "states:" in out

    def test_json(self, runner: CliRunner, db: Path) -> None:
        """--json gives the intervals."""
        code, out, _ = invoke(runner, db, "--json", "timeline", RUN)
        assert code == 0
        intervals = json.loads(out)["intervals"]
        assert {"kind": "test", "entity_id": "t2", "state": "failed"}.items() <= next(
            i for i in intervals if i["entity_id"] == "t2" and i["state"] == "failed"
        ).items()


class TestTailCommand:
    """panther-events tail [--follow]."""

    def test_shows_recent_events(self, runner: CliRunner, db: Path) -> None:
        """Without --follow: the last N events of any run, then exit."""
        code, out, _ = invoke(runner, db, "--json", "tail", "-n", "2")
        assert code == 0
        records = [json.loads(line) for line in out.splitlines()]
        assert [r["run_id"] for r in records] == [RUN, OTHER]

    def test_follow_streams_events_written_meanwhile(self, runner: CliRunner, db: Path) -> None:
        """With --follow, events another writer commits later are printed."""

        def write_later() -> None:
            time.sleep(0.5)
            with SQLiteEventStore(db) as store:
                for i in range(3):
                    store.append(TestCreatedEvent(test_id=f"new{i}", test_name="n"), run_id="live")

        writer = threading.Thread(target=write_later)
        writer.start()
        try:
            code, out, _ = invoke(
                runner,
                db,
                "--json",
                "tail",
                "-n",
                "0",
                "--follow",
                "--interval",
                "0.05",
                "--timeout",
                "3",
            )
        finally:
            writer.join()
        assert code == 0
        assert [json.loads(line)["entity_id"] for line in out.splitlines()] == [
            "new0",
            "new1",
            "new2",
        ]


class TestExportImportCommands:
    """panther-events export / import."""

    @pytest.mark.parametrize("fmt", ["jsonl", "cloudevents"])
    def test_round_trip_through_a_file(
        self, runner: CliRunner, db: Path, tmp_path: Path, fmt: str
    ) -> None:
        """Export to a file, import into another database: the same events."""
        out_file = tmp_path / f"run.{fmt}"
        code, _, err = invoke(runner, db, "export", RUN, "--format", fmt, "-o", str(out_file))
        assert code == 0 and "exported 12 events" in err
        other = tmp_path / "other.db"
        code, out, _ = invoke(runner, other, "import", str(out_file))
        assert code == 0 and "imported 12 events (12 new)" in out and RUN in out
        with SQLiteEventStore(db) as a, SQLiteEventStore(other) as b:
            assert [e.to_dict() for e in a.events(RUN)] == [e.to_dict() for e in b.events(RUN)]

    def test_export_to_stdout_and_bad_format(self, runner: CliRunner, db: Path) -> None:
        """Without -o the export goes to stdout; an unknown format is refused."""
        code, out, _ = invoke(runner, db, "export", RUN)
        assert code == 0 and len(out.splitlines()) == 12
        code, _, err = invoke(runner, db, "export", RUN, "--format", "xml")
        assert code == 2 and "unknown format 'xml'" in err

    def test_import_into_a_named_run_is_idempotent(
        self, runner: CliRunner, db: Path, tmp_path: Path
    ) -> None:
        """--run-id puts events in that run; importing twice adds nothing."""
        out_file = tmp_path / "run.jsonl"
        invoke(runner, db, "export", RUN, "-o", str(out_file))
        code, out, _ = invoke(runner, db, "--json", "import", str(out_file), "--run-id", "copy")
        assert json.loads(out) == {"records": 12, "added": 12, "runs": {"copy": 12}}
        code, out, _ = invoke(runner, db, "--json", "import", str(out_file), "--run-id", "copy")
        assert code == 0 and json.loads(out)["added"] == 0


class TestReplayCommand:
    """panther-events replay RUN."""

    def test_replays_and_rebuilds_results(
        self, runner: CliRunner, db: Path, tmp_path: Path
    ) -> None:
        """Every event passes through a manager; JUnit and metrics are rebuilt from them."""
        junit, prom = tmp_path / "junit.xml", tmp_path / "metrics.prom"
        code, out, _ = invoke(
            runner, db, "replay", RUN, "--junit", str(junit), "--metrics", str(prom)
        )
        assert code == 0
        assert "replayed 12 events" in out and "test.completed t1" in out
        suite = ET.fromstring(junit.read_text(encoding="utf-8")).find("testsuite")
        assert suite is not None and suite.get("tests") == "2" and suite.get("failures") == "1"
        assert "panther_test_duration_seconds_count" in prom.read_text(encoding="utf-8")

    def test_json_summary(self, runner: CliRunner, db: Path) -> None:
        """--json prints only the summary document."""
        code, out, _ = invoke(runner, db, "--json", "replay", RUN)
        assert code == 0
        doc = json.loads(out)
        assert doc["replayed"] == 12 and doc["summary"]["total"] == 2


class TestShortEntityNames:
    """Entities are shown by the name that tells them apart within their run."""

    def test_run_prefix_and_kind_segments_are_dropped(self) -> None:
        """<run>/a is 'a', <run>/a/service/s is 'a/s'; ids without the run stay whole."""
        from panther_events.cli._names import short_entity

        assert short_entity("exp-1", "exp-1") == "exp-1"
        assert short_entity("exp-1/a", "exp-1") == "a"
        assert short_entity("exp-1/a/service/echo", "exp-1") == "a/echo"
        assert short_entity("exp-1/step/tcp_send", "exp-1") == "tcp_send"
        assert short_entity("exp-1/a/environment", "exp-1") == "a/environment"
        assert short_entity("x/y", "exp-1") == "x/y"


def test_output_into_a_closed_pipe_ends_quietly(tmp_path: Path) -> None:
    """`panther-events events RUN | head -1`: when the reader goes away, no error is printed."""
    import subprocess
    import sys

    path = tmp_path / "big.db"
    with SQLiteEventStore(path) as store:
        store.append_many([TestCreatedEvent(f"t{i}", "n") for i in range(5000)], run_id="big")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from panther_events.cli import main; main()",
            *("--db", str(path), "events", "big"),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stdout is not None and proc.stderr is not None
    assert proc.stdout.readline()  # the reader takes one line, then leaves
    proc.stdout.close()
    err = proc.stderr.read().decode()
    proc.stderr.close()
    proc.wait(timeout=60)
    assert "error" not in err.lower() and "Traceback" not in err, err


class TestReplayOfMalformedEvents:
    """replay of a run whose stored events were damaged: one line, non-zero, no traceback."""

    @pytest.mark.parametrize(
        ("damage", "expected"),
        [
            (
                "data = json_set(data, '$.total_duration_seconds', 'abc')"
                " WHERE type = 'test.completed'",
                "event #9 (test.completed)",
            ),
            ("data = '{not json' WHERE seq = 3", "error: "),
        ],
        ids=["field-of-the-wrong-type", "data-not-json"],
    )
    def test_one_line_and_exit_1(
        self, runner: CliRunner, db: Path, damage: str, expected: str
    ) -> None:
        """The error names the event where it can; nothing else is printed on stderr."""
        import sqlite3

        with contextlib.closing(sqlite3.connect(db)) as connection:
            connection.execute(f"UPDATE events SET {damage}")
            connection.commit()
        code, _, err = invoke(runner, db, "replay", RUN, "--quiet")
        assert code == 1
        lines = err.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("error: ") and expected in lines[0], err
        assert "Traceback" not in err


class TestEntityNames:
    """events shows short entity names and --entity takes a short name or a glob."""

    def test_entity_glob(self, runner: CliRunner, db: Path) -> None:
        """--entity 'svc-*' selects the service's events, 't?' the tests'."""
        code, out, _ = invoke(runner, db, "--json", "events", RUN, "--entity", "svc-*")
        assert code == 0
        assert [json.loads(line)["entity_id"] for line in out.splitlines()] == ["svc-a"] * 2
        code, out, _ = invoke(runner, db, "--json", "events", RUN, "--entity", "t?")
        assert {json.loads(line)["entity_id"] for line in out.splitlines()} == {"t1", "t2"}

    def test_limit_counts_matching_events(self, runner: CliRunner, db: Path) -> None:
        """--limit applies after --entity: the first N of the entity's events."""
        code, out, _ = invoke(runner, db, "--json", "events", RUN, "-e", "t1", "-n", "2")
        assert code == 0
        assert [json.loads(line)["seq"] for line in out.splitlines()] == [2, 3]


class TestTimelineDrawing:
    """Each state for the time it lasted, told apart without colour, rows in kind order."""

    def _lines(self, runner: CliRunner, db: Path) -> list[str]:
        code, out, _ = invoke(runner, db, "timeline", RUN, "--width", "45")
        assert code == 0
        return out.splitlines()

    def test_a_terminal_state_is_one_cell_not_the_rest_of_the_run(
        self, runner: CliRunner, db: Path
    ) -> None:
        """t1 completed at 8 s of an 11 s run: its bar ends there, empty cells follow."""
        t1 = next(line for line in self._lines(runner, db) if line.startswith("test t1"))
        bar = t1.split(" ", 2)[2].rsplit(" ", 1)[0].strip()
        completed = bar.index("✓")
        assert bar.count("✓") == 1
        assert set(bar[completed + 1 :]) == {"·"} and 25 < completed < 40, bar

    def test_states_have_distinct_glyphs(self, runner: CliRunner, db: Path) -> None:
        """The legend gives every state its own glyph, so no colour is needed to read it."""
        legend = next(line for line in self._lines(runner, db) if line.startswith("states:"))
        entries = legend.removeprefix("states:").split("  ")
        glyphs = [entry.split()[0] for entry in entries if entry.strip()]
        assert len(glyphs) >= 3 and len(glyphs) == len(set(glyphs)), legend

    def test_rows_come_in_kind_order(self, runner: CliRunner, db: Path) -> None:
        """experiment, then tests, then services."""
        kinds = [line.split()[0] for line in self._lines(runner, db)[1:-1]]
        order = ["experiment", "test", "service", "environment", "step", "assertion", "plugin"]
        assert kinds == sorted(kinds, key=order.index), kinds
        assert kinds[0] == "experiment" and "test" in kinds and "service" in kinds


@pytest.mark.slow
def test_tail_follow_waits_for_the_store_to_exist(tmp_path: Path) -> None:
    """tail --follow before the store exists says it waits, then prints what is written."""
    import subprocess
    import sys

    path = tmp_path / "later.db"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from panther_events.cli import main; main()",
            "--db",
            str(path),
            "--json",
            "tail",
            "--follow",
            "--interval",
            "0.05",
            "--timeout",
            "20",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None and proc.stderr is not None
    try:
        assert "waiting for the event store" in proc.stderr.readline()
        assert proc.poll() is None  # still waiting, not exited
        with SQLiteEventStore(path) as store:
            store.append_many([TestCreatedEvent(f"w{i}", "n") for i in range(3)], run_id="late")
        lines = [json.loads(proc.stdout.readline()) for _ in range(3)]
        assert [record["entity_id"] for record in lines] == ["w0", "w1", "w2"]
    finally:
        proc.kill()
        proc.wait(timeout=30)
        proc.stdout.close()
        proc.stderr.close()
