"""Every view of a run counts its tests alike: ``runs``, ``runs --json``, ``show``, ``show
--json``, the JUnit export and the dashboard's runs and run pages, for a pytest session with
every outcome pytest has (skips, xfail, xpass, fixture errors, reruns, subtests)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from panther_events import (
    ExperimentExecutionStartedEvent,
    ExperimentFailedEvent,
    TestCreatedEvent,
    TestDeploymentFailedEvent,
    TestFailedEvent,
    TestSetupFailedEvent,
)
from panther_events.store import SQLiteEventStore
from panther_events.web import create_app

from ..store.contract import at
from .conftest import run_cli

SESSION = """
import pytest

TRIES = {"flaky": 0}

def test_pass():
    pass

def test_skip_call():
    pytest.skip("not today")

@pytest.mark.skip(reason="marked")
def test_skip_mark():
    pass

@pytest.mark.xfail(reason="known bug")
def test_xfail():
    assert False

@pytest.mark.xfail(reason="fixed?")
def test_xpass():
    pass

@pytest.mark.xfail(reason="strict", strict=True)
def test_xpass_strict():
    pass

@pytest.fixture
def broken():
    raise RuntimeError("fixture broke")

def test_fixture_error(broken):
    pass

@pytest.fixture
def bad_teardown():
    yield
    raise RuntimeError("teardown broke")

def test_teardown_error(bad_teardown):
    pass

@pytest.mark.flaky(reruns=2)
def test_flaky():
    TRIES["flaky"] += 1
    assert TRIES["flaky"] >= 2

@pytest.mark.flaky(reruns=1)
def test_always_fails():
    assert 1 == 2

def test_subtests(subtests):
    for i in range(3):
        with subtests.test(msg="sub", i=i):
            assert i != 1

def test_fail():
    assert 0
"""

#: The environment of an inner session: none of the outer one's pytest-xdist worker variables
#: (pytest-rerunfailures would take the inner session for a worker and rerun nothing).
SESSION_ENV = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
#: Every count on one line, whatever the width of the outer session (pytest-xdist sets one).
WIDE = {"COLUMNS": "300"}
PYTEST = (sys.executable, "-m", "pytest", "-p", "no:randomly", "-p", "no:cacheprovider")

#: The outcomes JUnit has no element for: a testcase with no child.
_PASSING = ("passed", "xpassed")


def junit_outcomes(path: Path) -> Counter[str]:
    """Outcome -> testcases of our JUnit export (passed and xpassed as ``passing``)."""
    found: Counter[str] = Counter()
    for case in ET.parse(path).getroot().iter("testcase"):
        verdicts = [c for c in case if c.tag in ("failure", "error", "skipped")]
        if not verdicts:
            found["passing"] += 1
        elif verdicts[0].tag == "failure":
            found["failed"] += 1
        elif verdicts[0].tag == "error":
            found["incomplete" if verdicts[0].get("type") == "incomplete" else "error"] += 1
        else:
            found[str(verdicts[0].get("type"))] += 1
    return found


#: A module pytest cannot import, and a session stopped at its first failure (``-x``).
BROKEN_IMPORT = "import no_such_module_here\n\ndef test_never(): pass\n"
STOPS = "def test_one(): pass\n\ndef test_two(): assert 0\n\ndef test_three(): pass\n"


@pytest.mark.parametrize(
    ("files", "args"),
    [
        ({"test_session.py": SESSION}, ()),
        ({"test_session.py": SESSION}, ("-n", "2")),
        ({"test_broken.py": BROKEN_IMPORT, "test_stops.py": STOPS}, ()),
        ({"test_stops.py": STOPS}, ("-x",)),
    ],
    ids=["every-outcome", "xdist", "import-error", "exitfirst"],
)
def test_every_view_counts_a_pytest_session_alike(
    tmp_path: Path, files: dict[str, str], args: tuple[str, ...]
) -> None:
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    db = tmp_path / "events.db"
    subprocess.run(
        [*PYTEST, "--panther-events", f"--panther-events-db={db}", *args],
        cwd=tmp_path,
        capture_output=True,
        check=False,
        timeout=120,
        env=SESSION_ENV,
    )
    assert_every_view_agrees(db, tmp_path)


def assert_every_view_agrees(db: Path, tmp_path: Path) -> None:
    """``runs``, ``show`` (text and JSON), JUnit and the dashboard count the run alike."""
    (listed,) = json.loads(run_cli("runs", "--db", str(db), "--json").stdout)
    outcomes = listed["outcomes"]
    shown = json.loads(run_cli("show", "latest", "--db", str(db), "--json").stdout)
    summary = shown["summary"]
    assert {o: summary[o] for o in outcomes} == outcomes
    assert summary["total"] == sum(outcomes.values())
    assert shown["run"]["outcomes"] == outcomes
    printed = run_cli("show", "latest", "--db", str(db), env=WIDE).stdout
    listed_text = run_cli("runs", "--db", str(db), env=WIDE).stdout
    for outcome, count in outcomes.items():
        assert f"{count} {outcome}" in printed, printed.split("\n")[:4]
        assert f"{count} {outcome}" in listed_text

    junit = tmp_path / "junit.xml"
    run_cli("replay", "latest", "--db", str(db), "-q", "--junit", str(junit))
    by_junit = junit_outcomes(junit)
    expected = Counter({o: n for o, n in outcomes.items() if o not in _PASSING})
    expected["passing"] = sum(outcomes.get(o, 0) for o in _PASSING)
    assert by_junit == expected

    with TestClient(create_app(db), base_url="http://127.0.0.1") as client:
        run_id = listed["run_id"]
        api = client.get(f"/api/runs/{run_id}").json()
        assert Counter(t["outcome"] for t in api["tests"]) == Counter(outcomes)
        row = client.get("/runs-table").text
        failed = outcomes.get("failed", 0) + outcomes.get("error", 0)
        assert f'<td class="num pass">{outcomes.get("passed", 0)}</td>' in row
        assert f'<td class="num{" fail" if failed else ""}">{failed}</td>' in row
        assert f'<td class="num">{sum(outcomes.values())}</td>' in row
        page = client.get(f"/runs/{run_id}").text
        assert f'data-field="passed">{outcomes.get("passed", 0)}<' in page
        assert f'data-field="failed">{failed}<' in page
        assert f'data-field="total">{sum(outcomes.values())}<' in page


def test_a_verdict_without_a_phase_after_a_failed_setup_is_an_error_in_every_view(
    tmp_path: Path,
) -> None:
    """A producer that says ``test.setup_failed`` and then ``test.failed`` without a phase:
    the test could not run, an ``error`` for ``runs`` and the dashboard's runs page as for
    ``show`` and JUnit (``runs`` read only the verdict's own phase: a ``failed``)."""
    db = tmp_path / "events.db"
    with SQLiteEventStore(db) as store:
        store.append_many(
            [
                at(0, ExperimentExecutionStartedEvent("exp", test_count=2)),
                at(1, TestCreatedEvent("t1", "setup-breaks")),
                at(2, TestSetupFailedEvent("t1", "no docker", error_type="OSError")),
                at(3, TestFailedEvent("t1", "setup-breaks", error_message="no docker")),
                at(4, TestCreatedEvent("t2", "deploy-breaks")),
                at(5, TestDeploymentFailedEvent("t2", "image missing")),
                at(6, TestFailedEvent("t2", "deploy-breaks", error_message="image missing")),
                at(7, ExperimentFailedEvent("exp", "2 tests could not run")),
            ],
            run_id="r1",
        )
    with SQLiteEventStore(db, read_only=True) as store:
        (info,) = store.runs()
    assert info.outcomes == {"error": 2}
    assert_every_view_agrees(db, tmp_path)
