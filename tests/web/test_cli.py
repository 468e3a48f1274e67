"""``panther-events compare``, ``serve`` and ``run --serve`` as a user runs them: real processes."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from panther_events.events.test import TestCompletedEvent, TestCreatedEvent, TestFailedEvent
from panther_events.store.sqlite import SQLiteEventStore

from ._runs import CLI, EXAMPLES, SLOW_EXPERIMENT, cli
from .conftest import Runs


class TestCompareCommand:
    def test_prints_changed_outcomes_and_durations(self, runs: Runs) -> None:
        """The table form names the test whose outcome changed and every duration's change."""
        proc = cli("compare", runs.failing, runs.fixed, "--db", str(runs.db))
        assert proc.returncode == 0, proc.stderr
        out = proc.stdout
        assert "outcomes that changed" in out
        changed = next(line for line in out.splitlines() if "bad-exit" in line)
        assert "failed" in changed and "passed" in changed
        assert "durations" in out and "%" in out
        assert "different experiments" not in out

    def test_json(self, runs: Runs) -> None:
        """``--json`` prints the comparison as one JSON document."""
        proc = cli("compare", runs.failing, runs.fixed, "--db", str(runs.db), "--json")
        data = json.loads(proc.stdout)
        assert data["outcomes"] == [{"test": "bad-exit", "before": "failed", "after": "passed"}]
        assert data["same_experiment"] is True
        names = {(d["kind"], d["name"]) for d in data["durations"]}
        assert ("test", "bad-exit") in names and ("step", "bad-exit / exit-three") in names
        assert all(d["percent"] is not None for d in data["durations"])

    def test_different_experiments_are_flagged(self, runs: Runs) -> None:
        """Comparing runs of two experiments says so."""
        proc = cli("compare", runs.failing, runs.echo, "--db", str(runs.db))
        assert "the runs are of different experiments" in proc.stdout

    def test_unknown_run_is_one_line(self, runs: Runs) -> None:
        """An unknown run gets one error line and exit status 1, no traceback."""
        proc = cli("compare", "nope", "latest", "--db", str(runs.db))
        assert proc.returncode == 1
        assert proc.stderr.startswith("error: no run matches 'nope'")
        assert len(proc.stderr.strip().splitlines()) == 1


class TestServeCommand:
    def test_serves_the_dashboard_and_prints_its_url(self, runs: Runs) -> None:
        """``serve --port 0`` prints its URL and answers there; Ctrl-C with a live page open
        stops it at once, with nothing on stderr (no traceback)."""
        with subprocess.Popen(
            [str(CLI), "serve", "--db", str(runs.db), "--port", "0"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        ) as proc:
            try:
                assert proc.stdout is not None
                line = proc.stdout.readline()
                url = line.split(": ", 1)[1].split()[0]
                assert url.startswith("http://127.0.0.1:")
                page = httpx.get(url, timeout=10)
                assert page.status_code == 200 and runs.failing in page.text
                # A live page open in another process, reading the stream as a browser does.
                reader = (
                    "import httpx, sys\n"
                    f"with httpx.stream('GET', '{url}api/runs/latest/live', timeout=30) as r:\n"
                    "    for line in r.iter_lines(): print(line, flush=True)\n"
                )
                with subprocess.Popen(
                    [sys.executable, "-c", reader], stdout=subprocess.PIPE, text=True
                ) as page_open:
                    assert page_open.stdout is not None
                    assert page_open.stdout.readline().startswith("retry:")
                    proc.send_signal(signal.SIGINT)
                    started = time.monotonic()
                    assert proc.wait(timeout=15) == 0
                    assert time.monotonic() - started < 1.5
                    page_open.kill()
            finally:
                if proc.poll() is None:
                    proc.kill()
            assert proc.stderr is not None
            assert proc.stderr.read() == ""

    def test_other_addresses_need_a_token(self, runs: Runs) -> None:
        """``--host 0.0.0.0`` without ``--token`` refuses to start with one line, status 2."""
        proc = cli("serve", "--db", str(runs.db), "--host", "0.0.0.0", timeout=30)
        assert proc.returncode == 2
        assert "--token" in proc.stderr and len(proc.stderr.strip().splitlines()) == 1

    def test_missing_store_is_one_line(self, tmp_path: Path) -> None:
        """A --db that holds no store: one line, status 2, and no file created."""
        proc = cli("serve", "--db", str(tmp_path / "none.db"), timeout=30)
        assert proc.returncode == 2
        assert "no event store" in proc.stderr and "Traceback" not in proc.stderr
        assert not (tmp_path / "none.db").exists()


class TestRunServe:
    def test_run_serve_prints_the_dashboard_url(self, tmp_path: Path) -> None:
        """``run --serve`` prints the dashboard's URL and still ends with the run's status."""
        proc = cli("run", str(EXAMPLES / "echo.yaml"), "--db", str(tmp_path / "e.db"), "--serve")
        assert proc.returncode == 0, proc.stderr
        assert "dashboard: http://127.0.0.1:" in proc.stderr
        assert "echo: PASSED" in proc.stdout


class TestRunServeWhileRunning:
    def test_the_printed_url_shows_the_run_while_it_runs(self, tmp_path: Path) -> None:
        """During ``run --serve`` the printed URL serves the run being written, as running."""
        experiment = tmp_path / "slow.yaml"
        experiment.write_text(SLOW_EXPERIMENT)
        with subprocess.Popen(
            [str(CLI), "run", str(experiment), "--db", str(tmp_path / "e.db"), "--serve", "-q"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        ) as proc:
            try:
                assert proc.stderr is not None
                line = proc.stderr.readline()
                assert line.startswith("dashboard: http://127.0.0.1:"), line
                url = line.split(": ", 1)[1].strip()
                deadline = time.monotonic() + 10
                while not (runs := httpx.get(f"{url}api/runs", timeout=10).json()):
                    assert time.monotonic() < deadline, "the run stored nothing"
                    time.sleep(0.05)  # the URL is printed before the run's first event
                assert [r["status"] for r in runs] == ["running"]
                page = httpx.get(f"{url}runs/latest", timeout=10)
                assert page.status_code == 200 and 'data-field="status">running' in page.text
            finally:
                assert proc.wait(timeout=60) == 1


class TestMissingExtra:
    def test_serve_names_the_extra_to_install(self, runs: Runs) -> None:
        """Without the web extra, ``serve`` says which extra to install: one line, status 2."""
        code = (
            "import sys; sys.modules['starlette'] = None; "
            "from panther_events.cli import main; "
            f"sys.argv = ['panther-events', 'serve', '--db', {str(runs.db)!r}]; main()"
        )
        proc = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
        )
        assert proc.returncode == 2
        assert proc.stderr.strip() == (
            "error: the dashboard needs starlette, uvicorn and jinja2: "
            "pip install 'panther-events[web]'"
        )


class TestCompareOutputSafety:
    def test_control_characters_in_names_are_shown_as_escapes(self, tmp_path: Path) -> None:
        """A test name carrying terminal escape sequences prints as visible escapes."""
        evil = "evil\x1b]0;owned\x07\x1b[2J"
        db = tmp_path / "evil.db"
        with SQLiteEventStore(db) as store:
            for run_id, end in (("run-a", TestFailedEvent), ("run-b", TestCompletedEvent)):
                test_id = f"{run_id}/{evil}"
                store.append_many(
                    [TestCreatedEvent(test_id, evil), end(test_id, evil)], run_id=run_id
                )
        proc = cli("compare", "run-a", "run-b", "--db", str(db))
        assert proc.returncode == 0, proc.stderr
        assert "\x1b" not in proc.stdout and "\x07" not in proc.stdout
        assert "evil\\x1b]0;owned\\x07" in proc.stdout
