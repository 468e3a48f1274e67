"""``run --nats``, ``collect``, ``dead-letters`` and ``resend`` against a real nats-server."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from panther_events.cli import app
from panther_events.cli._nats import CONNECT_WAIT, SEND_WAIT_UNREACHABLE
from panther_events.store.sqlite import SQLiteEventStore
from panther_events.transport.base import message_id
from panther_events.transport.nats import NatsSubscriber

from ..transport._server import NatsServer

pytestmark = pytest.mark.slow

EXPERIMENT = f"""
name: nats-run
tests:
  - name: t
    steps:
      - {{name: hello, kind: command, run: [{sys.executable}, -c, "print('hi')"]}}
    assertions:
      - {{kind: output_contains, step: hello, text: hi}}
"""


@pytest.fixture
def nats_url(tmp_path: Path) -> Iterator[str]:
    """A real ``nats-server -js`` on a free port."""
    server = NatsServer(tmp_path / "jetstream")
    server.start()
    yield server.url
    server.stop()


class TestRunWithNats:
    """The --nats option."""

    def test_every_stored_event_also_reaches_nats(self, tmp_path: Path, nats_url: str) -> None:
        """The events collected from NATS are exactly the run's events in the local store."""
        path = tmp_path / "exp.yaml"
        path.write_text(EXPERIMENT, encoding="utf-8")
        local = tmp_path / "local.db"
        result = CliRunner().invoke(
            app, ["run", str(path), "--db", str(local), "--quiet", "--nats", nats_url]
        )
        assert result.exit_code == 0, result.output

        collected = SQLiteEventStore(tmp_path / "collected.db")
        try:
            with NatsSubscriber(nats_url, collected) as subscriber:
                subscriber.run(idle_timeout=1.0)
            collected.flush()
            with SQLiteEventStore(local) as store:
                run_id = store.resolve_run("latest")
                expected = [e.id for e in store.events(run_id)]
            got = [e.id for e in collected.events(run_id)]
        finally:
            collected.close()
        assert expected and sorted(got) == sorted(expected)


def cli(*args: str, timeout: float = 240) -> subprocess.CompletedProcess[str]:
    """Run ``panther-events ARGS`` as its own process."""
    return subprocess.run(
        [sys.executable, "-c", "from panther_events.cli import main; main()", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


class TestBadUrl:
    """A --nats value that is no URL is refused before anything runs."""

    @pytest.mark.parametrize("command", ["collect", "run"])
    def test_not_a_url_fails_at_once_with_one_line(self, command: str, tmp_path: Path) -> None:
        """One line naming the value and the expected form, non-zero exit, in seconds."""
        path = tmp_path / "exp.yaml"
        path.write_text(EXPERIMENT, encoding="utf-8")
        args = [str(path), "--quiet"] if command == "run" else ["--idle-timeout", "60"]
        started = time.monotonic()
        result = cli(command, "--db", str(tmp_path / "x.db"), *args, "--nats", "not a url")
        assert time.monotonic() - started < 20
        assert result.returncode != 0
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1, result.stderr
        assert "'not a url'" in lines[0] and "nats://" in lines[0]
        assert not (tmp_path / "x.db").exists()  # nothing was started


class TestServerDown:
    """`run --nats` to a server that is not there: said at once, bounded, nothing lost."""

    def test_run_says_so_finishes_in_bounded_time_and_resend_delivers(self, tmp_path: Path) -> None:
        """The run warns at its start, ends within the documented waits, names the spool and
        its count; `resend` sends the spool once the server is up; `collect` stores them."""
        server = NatsServer(tmp_path / "jetstream")  # not started yet
        path = tmp_path / "exp.yaml"
        path.write_text(EXPERIMENT, encoding="utf-8")
        local = tmp_path / "local.db"
        started = time.monotonic()
        result = cli("run", str(path), "--db", str(local), "--quiet", "--nats", server.url)
        elapsed = time.monotonic() - started
        assert result.returncode == 0, result.stderr
        assert "not reachable" in result.stderr.splitlines()[0]
        # Documented bound: CONNECT_WAIT + SEND_WAIT_UNREACHABLE, plus interpreter start-up.
        assert elapsed < CONNECT_WAIT + SEND_WAIT_UNREACHABLE + 20
        line = next(x for x in result.stdout.splitlines() if x.startswith("nats:"))
        match = re.search(r"nats: (\d+) events NOT sent to .*; they are kept in (\S+);", line)
        assert match, line
        left, spool = int(match.group(1)), Path(match.group(2))
        assert spool.exists() and spool.parent == local.parent
        with SQLiteEventStore(local, create=False) as store:
            run_id = store.resolve_run("latest")
            expected = sorted(e.id for e in store.events(run_id))
        assert left == len(expected) > 0

        server.start()
        try:
            sent = cli("resend", str(spool), "--nats", server.url)
            assert sent.returncode == 0, sent.stderr
            assert f"sent {left} events" in sent.stdout
            assert not spool.exists()
            collected = cli(
                "collect", "--db", str(tmp_path / "central.db"), "--nats", server.url,
                "--idle-timeout", "2", "--json",
            )  # fmt: skip
            assert collected.returncode == 0, collected.stderr
            assert json.loads(collected.stdout)["events"] == left
        finally:
            server.stop()
        with SQLiteEventStore(tmp_path / "central.db", create=False) as central:
            assert sorted(e.id for e in central.events(run_id)) == expected


class TestDeadLetters:
    """`collect` reports what it moved aside and `dead-letters` lists it."""

    def test_collect_reports_and_dead_letters_lists_a_poison_message(
        self, tmp_path: Path, nats_url: str
    ) -> None:
        """A poison message among good ones: collect stores the good ones, exits 0, reports
        one dead letter; `dead-letters` shows its run and id."""
        from ..transport.test_nats_faults import (
            ensure_stream,
            good_messages,
            poison_wire,
            publish_raw,
        )

        ensure_stream(nats_url)
        poison = json.dumps(poison_wire()).encode()
        publish_raw(
            nats_url,
            [
                *good_messages("runA", 3),
                ("panther.events.runP.test.created", message_id("runP", "poison-1"), poison),
            ],
        )
        db = tmp_path / "central.db"
        result = cli("collect", "--db", str(db), "--nats", nats_url, "--idle-timeout", "2")
        assert result.returncode == 0, result.stderr
        assert "Traceback" not in result.stderr
        assert "collected 3 events" in result.stdout
        assert "1 events could not be stored" in result.stdout
        listed = cli("dead-letters", "--nats", nats_url)
        assert listed.returncode == 0, listed.stderr
        (line,) = listed.stdout.strip().splitlines()
        assert "run runP" in line and "event poison-1" in line
        as_json = json.loads(cli("dead-letters", "--nats", nats_url, "--json").stdout)
        assert [(d["run_id"], d["event_id"]) for d in as_json] == [("runP", "poison-1")]


class TestIncompatibleStream:
    """A stream that exists with other settings is a configuration error, said in one line."""

    def test_run_refuses_with_one_line(self, tmp_path: Path, nats_url: str) -> None:
        """`run --nats` exits 2 with a line naming the differing setting; no traceback."""
        from panther_events.transport.nats import NatsTransport, StreamSettings

        other = NatsTransport(nats_url, stream=StreamSettings(duplicate_window=10))
        assert other.wait_connected(30)
        other.close()
        path = tmp_path / "exp.yaml"
        path.write_text(EXPERIMENT, encoding="utf-8")
        result = cli("run", str(path), "--db", str(tmp_path / "l.db"), "-q", "--nats", nats_url)
        assert result.returncode == 2
        assert "Traceback" not in result.stderr
        line = result.stderr.strip().splitlines()[-1]
        assert line.startswith("error: --nats:") and "duplicate_window" in line
