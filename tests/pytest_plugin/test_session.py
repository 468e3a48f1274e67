"""The plugin is inert unless enabled, never changes pytest's results, and joins xdist workers."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from panther_events import EmitterRegistry, EventManager

from .conftest import read_run, read_runs

MIXED = """
import pytest

def test_ok():
    pass

def test_bad():
    assert 0

@pytest.mark.skip(reason="later")
def test_later():
    pass
"""

# A fixture that starts a real process and reports it through the panther_events fixture.
SERVICE = """
import subprocess, sys, time
import pytest
from panther_events import (
    ServiceCreatedEvent, ServiceDestroyedEvent, ServiceReadyEvent, ServiceStartedEvent,
    ServiceStoppedEvent, ServiceStoppingEvent,
)

@pytest.fixture
def sleeper(panther_events):
    sid = panther_events.service_id("sleeper")
    emit = panther_events.emit_with_validation
    assert emit(ServiceCreatedEvent(sid, "sleeper", "process", sys.executable))
    proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    assert emit(ServiceStartedEvent(sid, "sleeper", proc.pid, time.time()))
    assert emit(ServiceReadyEvent(sid, "sleeper"))
    yield proc
    assert emit(ServiceStoppingEvent(sid, "sleeper", "teardown"))
    proc.terminate()
    code = proc.wait()
    assert emit(ServiceStoppedEvent(sid, "sleeper", code, "terminated"))
    assert emit(ServiceDestroyedEvent(sid, "sleeper"))

@pytest.mark.parametrize("n", range(4))
def test_uses_service(sleeper, n):
    assert sleeper.poll() is None
"""


def _without_times(lines: list[str]) -> list[str]:
    """pytest's output with its timings (which differ between two runs) blanked."""
    return [re.sub(r"\d+\.\d+s", "T", line) for line in lines]


class TestInert:
    def test_without_the_option_nothing_is_recorded(
        self, pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """Without --panther-events no store is written and pytest's output has no plugin line,
        even with a store named by the environment and the ini file."""
        monkeypatch.setenv("PANTHER_EVENTS_DB", str(pytester.path / "env.db"))
        pytester.makeini("[pytest]\npanther_events_db = ini.db\n")
        pytester.makepyfile(MIXED)
        result = pytester.runpytest()
        result.assert_outcomes(passed=1, failed=1, skipped=1)
        assert not list(pytester.path.glob("*.db"))
        assert not [line for line in result.outlines if line.startswith("panther-events")]

    def test_the_ini_option_enables_it_and_the_environment_names_the_store(
        self, pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """``panther_events = true`` in the ini file records into ``$PANTHER_EVENTS_DB``."""
        db = pytester.path / "from-env.db"
        monkeypatch.setenv("PANTHER_EVENTS_DB", str(db))
        pytester.makeini("[pytest]\npanther_events = true\n")
        pytester.makepyfile(MIXED)
        pytester.runpytest().assert_outcomes(passed=1, failed=1, skipped=1)
        assert read_run(db).counts() == {"passed": 1, "failed": 1, "skipped": 1}

    def test_naming_a_store_on_the_command_line_enables_it(
        self, pytester: pytest.Pytester, db: Path
    ) -> None:
        """``--panther-events-db PATH`` alone records (it asks for a store by name)."""
        pytester.makepyfile(MIXED)
        pytester.runpytest(f"--panther-events-db={db}").assert_outcomes(
            passed=1, failed=1, skipped=1
        )
        assert read_run(db).counts() == {"passed": 1, "failed": 1, "skipped": 1}

    def test_the_ini_store_path_is_relative_to_the_ini_file(
        self, pytester: pytest.Pytester
    ) -> None:
        """``panther_events_db`` in the ini file is found beside it, from any directory."""
        pytester.makeini("[pytest]\npanther_events_db = runs/ini.db\n")
        pytester.makepyfile(MIXED)
        sub = pytester.mkdir("sub")
        with pytest.MonkeyPatch.context() as mp:
            mp.chdir(sub)
            pytester.runpytest("--panther-events", str(pytester.path))
        assert read_run(pytester.path / "runs" / "ini.db").counts()["passed"] == 1


class TestNeverChangesPytest:
    def test_output_exit_status_and_junit_gain_only_the_summary_line(
        self, pytester: pytest.Pytester, db: Path
    ) -> None:
        """Same exit status, same output but one line, same JUnit XML, with the plugin on."""
        pytester.makepyfile(MIXED)
        off_xml, on_xml = pytester.path / "off.xml", pytester.path / "on.xml"
        off = pytester.runpytest("-rA", f"--junitxml={off_xml}")
        on = pytester.runpytest(
            "-rA", f"--junitxml={on_xml}", "--panther-events", f"--panther-events-db={db}"
        )
        assert on.ret == off.ret == pytest.ExitCode.TESTS_FAILED
        added = [line for line in on.outlines if line.startswith("panther-events:")]
        assert len(added) == 1
        on_lines = [line.replace(str(on_xml), str(off_xml)) for line in on.outlines]
        on_lines.remove(added[0])
        assert _without_times(on_lines) == _without_times(off.outlines)
        assert _junit_shape(on_xml) == _junit_shape(off_xml)

    def test_an_unwritable_store_is_said_once_and_changes_nothing_else(
        self, pytester: pytest.Pytester
    ) -> None:
        """A store that cannot be written: pytest runs as usual and says so in one line."""
        pytester.makepyfile(MIXED)
        blocked = pytester.mkdir("a-directory")
        result = pytester.runpytest("--panther-events", f"--panther-events-db={blocked}")
        assert result.ret == pytest.ExitCode.TESTS_FAILED
        result.assert_outcomes(passed=1, failed=1, skipped=1)
        lines = [line for line in result.outlines if line.startswith("panther-events")]
        assert len(lines) == 1, lines
        assert lines[0].startswith("panther-events: this run was not fully recorded: ")
        assert repr(str(blocked)) in lines[0]

    def test_a_failure_inside_the_plugin_changes_nothing_but_the_line(
        self, pytester: pytest.Pytester, db: Path
    ) -> None:
        """A report the recorder cannot read stops the recording, said once; pytest goes on."""
        pytester.makeconftest(
            "import pytest\n"
            "@pytest.hookimpl(wrapper=True, tryfirst=True)\n"
            "def pytest_runtest_makereport(item, call):\n"
            "    report = yield\n"
            "    report.panther_events = 42  # not what the plugin puts there\n"
            "    return report\n"
        )
        pytester.makepyfile(MIXED)
        result = pytester.runpytest("--panther-events", f"--panther-events-db={db}")
        assert result.ret == pytest.ExitCode.TESTS_FAILED
        result.assert_outcomes(passed=1, failed=1, skipped=1)
        (line,) = [line for line in result.outlines if line.startswith("panther-events")]
        assert line.startswith("panther-events: this run was not fully recorded: recording failed")
        assert "AttributeError" in line
        run = read_run(db)
        (failed,) = run.of_type("experiment.failed")
        assert failed.data["error_type"] == "RecordingError"


def _junit_shape(path: Path) -> list[tuple[str, dict[str, str], str]]:
    """Every element of a JUnit XML file, without the attributes that measure time."""
    volatile = {"time", "timestamp", "hostname"}
    return [
        (el.tag, {k: v for k, v in el.attrib.items() if k not in volatile}, (el.text or "").strip())
        for el in ET.parse(path).getroot().iter()
    ]


class TestFixtureEvents:
    @pytest.mark.parametrize("workers", [None, 2], ids=["one-process", "xdist-2"])
    def test_a_fixture_s_service_events_join_its_test_in_order(
        self, pytester: pytest.Pytester, db: Path, workers: int | None
    ) -> None:
        """Service events of a fixture are stored in the run, inside their test's phases."""
        pytester.makepyfile(SERVICE)
        args = ["--panther-events", f"--panther-events-db={db}", "-p", "no:cacheprovider"]
        if workers is not None:
            args += ["-n", str(workers)]
        result = pytester.runpytest_subprocess(*args, timeout=120)
        result.assert_outcomes(passed=4)
        run = read_run(db)
        registry = EmitterRegistry(EventManager())
        assert all(registry.emit_with_validation(e.to_event()) for e in run.events)
        tests = [e.entity_id for e in run.of_type("test.created")]
        assert len(tests) == 4
        for test_id in tests:
            sid = f"{test_id}/service/sleeper"
            order = [e.type for e in run.events if e.entity_id in (test_id, sid)]
            assert order == [
                "test.created",
                "test.setup_started",
                "service.created",
                "service.started",
                "service.ready",
                "test.setup_completed",
                "test.execution_started",
                "test.execution_completed",
                "test.teardown_started",
                "service.stopping",
                "service.stopped",
                "service.destroyed",
                "test.teardown_completed",
                "test.completed",
            ]

    def test_without_the_option_the_fixture_still_works(self, pytester: pytest.Pytester) -> None:
        """A suite using the fixture runs the same without --panther-events."""
        pytester.makepyfile(SERVICE)
        pytester.runpytest().assert_outcomes(passed=4)


LIVE = """
import time

from panther_events import SQLiteEventStore, StoreError


def stored(db):
    try:
        store = SQLiteEventStore(db, create=False)
    except StoreError:  # the recording process has not created it yet
        return set()
    try:
        return {
            (event.type, event.entity_id.rpartition("::")[2])
            for run in store.runs()
            for event in store.events(run.run_id)
        }
    finally:
        store.close()


def test_a():
    pass


def test_b(request):
    db = request.config.getoption("panther_events_db")
    wanted = {("test.completed", "test_a"), ("test.setup_completed", "test_b")}
    deadline = time.monotonic() + 30
    while not wanted <= stored(db):
        assert time.monotonic() < deadline, sorted(stored(db))
        time.sleep(0.05)
"""


class TestLive:
    def test_a_report_s_events_are_stored_while_the_session_runs(
        self, pytester: pytest.Pytester, db: Path
    ) -> None:
        """A test can read, from the store, the events of the reports handled before it: the
        recorder hands them to the store (and its flush interval) as each report is handled,
        not at the end of the session."""
        pytester.makepyfile(LIVE)
        pytester.runpytest(f"--panther-events-db={db}").assert_outcomes(passed=2)


class TestXdist:
    def test_every_worker_s_events_land_in_one_run(
        self, pytester: pytest.Pytester, db: Path
    ) -> None:
        """With -n 2 the store holds one run with every test, run by both workers."""
        pytester.makepyfile(
            "import pytest\n"
            "@pytest.mark.parametrize('n', range(40))\n"
            "def test_many(n):\n"
            "    assert n != 13\n"
        )
        result = pytester.runpytest_subprocess(
            "-n", "2", "--panther-events", f"--panther-events-db={db}", timeout=120
        )
        result.assert_outcomes(passed=39, failed=1)
        (run,) = read_runs(db)
        assert run.counts() == {"passed": 39, "failed": 1}
        workers = {e.data["config"]["worker"] for e in run.of_type("test.created")}
        assert workers == {"gw0", "gw1"}
        assert [e.type for e in run.events if e.entity_id == run.run_id][-1] == (
            "experiment.failed"
        )


class TestDocs:
    def test_the_fixture_example_in_the_docs_records_its_service(
        self, pytester: pytest.Pytester, db: Path
    ) -> None:
        """docs/pytest.md's fixture example, run as a suite, stores the service's lifecycle."""
        docs = Path(__file__).resolve().parents[2] / "docs" / "pytest.md"
        (example,) = re.findall(r"```python\n(.*?)```", docs.read_text(encoding="utf-8"), re.S)
        pytester.makepyfile(test_example=example)
        result = pytester.runpytest_subprocess("--panther-events", f"--panther-events-db={db}")
        result.assert_outcomes(passed=1)
        run = read_run(db)
        service = [e.type for e in run.events if e.entity_id.endswith("/service/echo")]
        assert service == [
            "service.created",
            "service.started",
            "service.ready",
            "service.stopping",
            "service.stopped",
            "service.destroyed",
        ]
