"""A run still going: show, show --json, JUnit and the dashboard's run page say which tests are
running and which have not started, not that they are ``incomplete``."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from panther_events.store import SQLiteEventStore
from panther_events.web import create_app

from .conftest import run_cli
from .test_counts_agree import PYTEST, SESSION_ENV, WIDE, assert_every_view_agrees

# The second test's step waits until the test creates the release file: no timing involved.
EXPERIMENT = """\
name: live
tests:
  - name: first
    steps:
      - name: quick
        kind: command
        run: ["true"]
  - name: second
    steps:
      - name: hold
        kind: command
        run: ["{python}", "-c", "{hold}"]
        timeout: 60
  - name: third
    steps:
      - name: quick
        kind: command
        run: ["true"]
"""


CLI = (sys.executable, "-c", "from panther_events.cli import main; main()")


class LiveRun:
    """A ``panther-events run`` process held in its second test until ``release()``."""

    def __init__(self, tmp_path: Path) -> None:
        self.db = tmp_path / "events.db"
        self.release_file = tmp_path / "release"
        experiment = tmp_path / "live.yaml"
        experiment.write_text(
            EXPERIMENT.format(
                python=sys.executable,
                hold=f"import os, time\\nwhile not os.path.exists({str(self.release_file)!r}):"
                " time.sleep(0.05)",
            )
        )
        self.log = (tmp_path / "stderr").open("w")
        self.proc = subprocess.Popen(
            [*CLI, "run", str(experiment), "--quiet", "--db", str(self.db)],
            stdout=subprocess.DEVNULL,
            stderr=self.log,
        )

    def wait_for_hold(self, timeout: float = 60) -> None:
        """Return once the second test's step is under way (its start is stored)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, (self.db.parent / "stderr").read_text()
            if self.db.exists():
                with SQLiteEventStore(self.db, read_only=True) as store:
                    runs = store.runs()
                    if runs and any(
                        e.data.get("step_name") == "hold"
                        for e in store.events(runs[0].run_id, type_pattern="step.*")
                    ):
                        return
            time.sleep(0.05)
        raise AssertionError("the second test never started")

    def release(self) -> None:
        """Let the run finish, and wait for it."""
        self.release_file.touch()
        self.proc.wait(timeout=60)


@pytest.fixture
def live(tmp_path: Path) -> Iterator[LiveRun]:
    run = LiveRun(tmp_path)
    try:
        yield run
    finally:
        run.log.close()
        if run.proc.poll() is None:
            run.release_file.touch()
            try:
                run.proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                run.proc.kill()
                run.proc.wait()


def outcomes(tests: list[dict[str, object]]) -> dict[object, object]:
    return {t["name"]: t["outcome"] for t in tests}


class TestLiveRun:
    """While a run goes on, a test under way is ``running`` and one not started ``pending``."""

    def test_show_names_running_and_pending_tests_while_the_run_goes_on(
        self, live: LiveRun, tmp_path: Path
    ) -> None:
        live.wait_for_hold()
        shown = run_cli("show", "latest", "--db", str(live.db), "--json")
        assert shown.returncode == 0, shown.stderr
        doc = json.loads(shown.stdout)
        assert doc["run"]["status"] == "running"
        assert outcomes(doc["tests"]) == {
            "first": "passed",
            "second": "running",
            "third": "pending",
        }
        summary = doc["summary"]
        assert (summary["passed"], summary["running"], summary["pending"]) == (1, 1, 1)
        assert summary["incomplete"] == 0
        text = run_cli("show", "latest", "--db", str(live.db), env=WIDE)
        assert "incomplete" not in text.stdout
        assert "tests: 3 (1 passed, 1 running, 1 pending)" in text.stdout

        junit = tmp_path / "live.xml"
        replayed = run_cli("replay", "latest", "--db", str(live.db), "-q", "--junit", str(junit))
        assert replayed.returncode == 0, replayed.stderr
        suite = ET.parse(junit).getroot().find("testsuite")
        assert suite is not None
        assert (suite.get("tests"), suite.get("errors"), suite.get("skipped")) == ("3", "0", "2")
        cases = {c.get("name"): c for c in suite.findall("testcase")}
        running = cases["second"].find("skipped")
        assert running is not None and running.get("type") == "running"
        pending = cases["third"].find("skipped")
        assert pending is not None and pending.get("type") == "pending"

        with TestClient(create_app(live.db), base_url="http://127.0.0.1") as client:
            with SQLiteEventStore(live.db, read_only=True) as store:
                run_id = store.runs()[0].run_id
            page = client.get(f"/runs/{run_id}").text
            assert "outcome-incomplete" not in page
            assert 'class="badge outcome-running">running<' in page
            assert 'class="badge outcome-pending">pending<' in page
            api = client.get(f"/api/runs/{run_id}").json()
            assert outcomes(api["tests"]) == outcomes(doc["tests"])

        listed = run_cli("runs", "--db", str(live.db), "--json")
        assert json.loads(listed.stdout)[0]["outcomes"] == {"passed": 1, "running": 1, "pending": 1}
        listed_text = run_cli("runs", "--db", str(live.db), env=WIDE).stdout
        assert "1 passed, 1 running, 1 pending" in listed_text
        with TestClient(create_app(live.db), base_url="http://127.0.0.1") as client:
            row = client.get("/runs-table").text
            # passed, failed, total: the counts of the run page's header
            assert '<td class="num pass">1</td>' in row
            assert '<td class="num">3</td>' in row
        assert_every_view_agrees(live.db, tmp_path)

        live.release()
        after = json.loads(run_cli("show", "latest", "--db", str(live.db), "--json").stdout)
        assert set(outcomes(after["tests"]).values()) == {"passed"}


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGKILL], ids=["ctrl-c", "sigkill"])
def test_every_view_counts_a_run_stopped_in_its_second_test_alike(
    live: LiveRun, tmp_path: Path, signum: signal.Signals
) -> None:
    """Ctrl-C (the runner ends the run) or SIGKILL (the reaper records its ending): runs,
    show, JUnit and the dashboard count the tests alike, none of them still running."""
    live.wait_for_hold()
    live.proc.send_signal(signum)
    live.proc.wait(timeout=60)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        with SQLiteEventStore(live.db, read_only=True) as store:
            (info,) = store.runs()
        if info.status != "running":
            break
        time.sleep(0.1)
    assert info.status == "failed"
    assert info.outcomes == {"passed": 1, "error": 2}
    assert_every_view_agrees(live.db, tmp_path)


HELD_SESSION = """
import os, time

def test_a():
    pass

def test_b():
    while not os.path.exists({release!r}):
        time.sleep(0.05)

def test_c():
    pass
"""


def test_show_of_a_pytest_session_going_on_says_how_many_tests_are_to_come(
    tmp_path: Path,
) -> None:
    """pytest announces the tests it collected but creates each when it starts: while the
    session goes on, ``show`` says ``tests: 2 of 3`` (its counts those of ``runs``)."""
    release = tmp_path / "release"
    (tmp_path / "test_held.py").write_text(HELD_SESSION.format(release=str(release)))
    db = tmp_path / "events.db"
    with (tmp_path / "log").open("w") as log:
        proc = subprocess.Popen(
            [*PYTEST, "--panther-events", f"--panther-events-db={db}"],
            cwd=tmp_path,
            stdout=log,
            stderr=subprocess.STDOUT,
            env=SESSION_ENV,
        )
        try:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                shown = run_cli("show", "latest", "--db", str(db), env=WIDE)
                if "1 running" in shown.stdout:
                    break
                time.sleep(0.1)
            assert "tests: 2 of 3 (1 passed, 1 running)" in shown.stdout, shown.stdout
            assert "1 passed, 1 running" in run_cli("runs", "--db", str(db), env=WIDE).stdout
        finally:
            release.touch()
            proc.wait(timeout=60)
    shown = run_cli("show", "latest", "--db", str(db))
    assert "tests: 3 (3 passed)" in shown.stdout, shown.stdout
