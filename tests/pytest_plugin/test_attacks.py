"""Suites that do what a demanding user's suites do to the process running them.

Tests close and reuse file descriptors, crash pytest-xdist workers, stop the recording process:
the plugin must still never change pytest's outcome, never write into a file that is not its
own, never hang the session, and say once what it could not record.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
from pathlib import Path

import pytest

from panther_events import EmitterRegistry, EventManager

from .conftest import as_junit_counts, junit_counts, read_run
from .test_recording_process import _helper_source

# Every descriptor above stderr closed, then files opened that take the freed numbers: the
# plugin's pipe to the recording process among them.
CLOSES_FDS = """
import os
from pathlib import Path

def test_before():
    pass

def test_closes_and_reopens():
    os.closerange(3, 1024)
    Path("victims").mkdir()
    for n in range(64):
        os.open(f"victims/{n}", os.O_WRONLY | os.O_CREAT)

def test_after():
    pass
"""

# Plugins of pytest's own that keep descriptors of their own: without them the suite above
# passes without panther-events.
_KEEPS_NO_FDS = ("-s", "-p", "no:faulthandler", "-p", "no:logging", "-p", "no:cacheprovider")


class TestFileDescriptors:
    def test_a_test_that_closes_and_reuses_descriptors_gets_no_bytes_of_the_plugin(
        self, pytester: pytest.Pytester, db: Path
    ) -> None:
        """``os.closerange(3, ...)`` then files that take the freed numbers: the plugin writes
        nothing into them, closes none of them, pytest's outcome is unchanged and the summary
        line says the recording stopped."""
        pytester.makepyfile(test_fds=CLOSES_FDS)
        plain = pytester.runpytest_subprocess(*_KEEPS_NO_FDS)
        plain.assert_outcomes(passed=3)
        for victim in (pytester.path / "victims").iterdir():
            victim.unlink()
        (pytester.path / "victims").rmdir()

        result = pytester.runpytest_subprocess(
            *_KEEPS_NO_FDS, "--panther-events", f"--panther-events-db={db}"
        )
        result.assert_outcomes(passed=3)
        assert result.ret == pytest.ExitCode.OK
        assert not [line for line in result.outlines if "INTERNALERROR" in line]
        written = {p.name: p.stat().st_size for p in (pytester.path / "victims").iterdir()}
        assert set(written.values()) == {0}, written
        lines = [x for x in result.outlines if x.startswith("panther-events")]
        assert len(lines) == 1, lines
        assert lines[0].startswith("panther-events: this run was not fully recorded: ")
        assert "closed" in lines[0]
        assert read_run(db).outcomes()["test_fds.py::test_before"] == "passed"


CRASHES = """
import os
import pytest

@pytest.mark.parametrize("n", range(6))
def test_n(n):
    assert n != 4

def test_crashes_its_worker():
    os._exit(3)
"""


class TestXdistCrash:
    def test_a_crashed_worker_s_test_is_an_error_as_in_junit_xml(
        self, pytester: pytest.Pytester, db: Path
    ) -> None:
        """A test that kills its pytest-xdist worker: pytest-xdist reports it in a phase of its
        own (``???``); it is stored as an error with pytest-xdist's message, and the stored
        counts equal the JUnit XML's."""
        pytester.makepyfile(test_crash=CRASHES)
        junit = pytester.path / "junit.xml"
        result = pytester.runpytest_subprocess(
            "-n",
            "2",
            "--panther-events",
            f"--panther-events-db={db}",
            f"--junitxml={junit}",
            timeout=120,
        )
        result.assert_outcomes(passed=5, failed=2)
        run = read_run(db)
        assert as_junit_counts(run.counts()) == junit_counts(junit)
        verdict = run.verdicts()["test_crash.py::test_crashes_its_worker"]
        assert verdict.type == "test.failed"
        assert verdict.data["summary"]["outcome"] == "error"
        assert "crashed" in verdict.data["error_message"]


# The recording process stopped (SIGSTOP) by the first test, then enough tests to fill the
# pipe to it many times over.
STOPS_THE_RECORDER = """
import os
import contextlib
import json
import os
import signal
from pathlib import Path

import pytest

from tests_helper import recording_children

def test_stops_the_recording_process():
    (pid,) = recording_children(os.getpid())
    Path("recorder.pid").write_text(str(pid))
    os.kill(pid, signal.SIGSTOP)

@pytest.mark.parametrize("n", range(3000))
def test_n(n):
    assert n != 7
"""


class TestStalledRecorder:
    def test_a_recording_process_that_stops_reading_does_not_hang_the_session(
        self, pytester: pytest.Pytester, db: Path
    ) -> None:
        """The recording process stopped (SIGSTOP) while the tests go on: once its pipe is full
        the relay waits at most its stall timeout (shortened here by the inner conftest), then
        stops recording; pytest's outcome is unchanged and the summary line says so."""
        pytester.makeconftest(
            "from panther_events.pytest_plugin import _relay\n_relay._STALL_TIMEOUT = 0.5\n"
        )
        pytester.makepyfile(test_stall=STOPS_THE_RECORDER, tests_helper=_helper_source())
        pid_file = pytester.path / "recorder.pid"
        try:
            result = pytester.runpytest_subprocess(
                "-p",
                "no:cacheprovider",
                "--panther-events",
                f"--panther-events-db={db}",
                timeout=300,
            )
        finally:
            if pid_file.exists():  # the stopped recording process, if it is still there
                with contextlib.suppress(ProcessLookupError):
                    os.kill(int(pid_file.read_text()), signal.SIGKILL)
        result.assert_outcomes(passed=3000, failed=1)
        assert result.ret == pytest.ExitCode.TESTS_FAILED
        lines = [x for x in result.outlines if x.startswith("panther-events")]
        assert len(lines) == 1, lines
        assert "took nothing" in lines[0], lines[0]


# Text that is not UTF-8: bytes decoded with surrogateescape (file names, a peer's bytes),
# in a failure's message, a skip reason, an xfail reason and a warning.
NOT_UTF8 = r"""
import warnings
import pytest

def test_fails():
    raise ValueError(b"peer sent \xff".decode("utf-8", "surrogateescape"))

def test_skips():
    pytest.skip(b"no \xfe here".decode("utf-8", "surrogateescape"))

@pytest.mark.xfail(reason=b"bug \xfd".decode("utf-8", "surrogateescape"))
def test_xfails():
    assert 0

def test_warns():
    warnings.warn(b"odd \xfc".decode("utf-8", "surrogateescape"))

def test_after():
    pass
"""


class TestUntrustedText:
    def test_text_that_is_not_utf8_is_stored_escaped_and_stops_nothing(
        self, pytester: pytest.Pytester, db: Path
    ) -> None:
        """Lone surrogates in a message, a reason or a warning: the store refuses such text,
        so the recorder escapes it (``\\udcff``); every test is stored, as JUnit XML counts."""
        pytester.makepyfile(test_text=NOT_UTF8)
        junit = pytester.path / "junit.xml"
        result = pytester.runpytest_subprocess(
            # pytest would print the text as bytes that are not UTF-8, which pytester cannot
            # read: no tracebacks, short summary or warnings summary.
            "--tb=no",
            "-rN",
            "--disable-warnings",
            "--panther-events",
            f"--panther-events-db={db}",
            f"--junitxml={junit}",
        )
        result.assert_outcomes(passed=2, failed=1, skipped=1, xfailed=1)
        run = read_run(db)
        assert as_junit_counts(run.counts()) == junit_counts(junit)
        assert [x for x in result.outlines if x.startswith("panther-events")] == [
            f"panther-events: run {run.run_id} stored in {db}"
        ]
        summary = run.verdicts()["test_text.py::test_fails"].data["summary"]
        assert "peer sent \\udcff" in summary["message"]
        (warning,) = run.of_type("test.warning")
        assert warning.data["message"] == "odd \\udcfc"


class TestSuiteChangesItsProcess:
    def test_a_conftest_that_changes_sys_executable_changes_nothing(
        self, pytester: pytest.Pytester, db: Path
    ) -> None:
        """A conftest that points ``sys.executable`` elsewhere (tests of tools that start
        interpreters do): the recording process is still the Python that runs pytest."""
        pytester.makeconftest("import sys\nsys.executable = '/nonexistent/python3'\n")
        pytester.makepyfile("def test_a(): pass\n")
        result = pytester.runpytest_subprocess("--panther-events", f"--panther-events-db={db}")
        result.assert_outcomes(passed=1)
        run = read_run(db)
        assert [x for x in result.outlines if x.startswith("panther-events")] == [
            f"panther-events: run {run.run_id} stored in {db}"
        ]


class TestSessionsThatRunNoTest:
    @pytest.mark.parametrize("option", ["--collect-only", "--fixtures", "--markers"])
    def test_a_session_that_runs_no_test_records_nothing(
        self, pytester: pytest.Pytester, db: Path, option: str
    ) -> None:
        """``--collect-only``, ``--fixtures``, ``--markers``: no test runs, so there is no
        experiment to record (``panther-events show latest`` keeps showing the last run)."""
        pytester.makepyfile("def test_a(): pass\n")
        result = pytester.runpytest_subprocess(
            option, "--panther-events", f"--panther-events-db={db}"
        )
        assert result.ret == pytest.ExitCode.OK
        assert not db.exists()
        assert not [x for x in result.outlines if x.startswith("panther-events")]


# pytest-rerunfailures: test_flaky fails once then passes, test_broken fails every attempt.
RERUNS = """
from pathlib import Path

import pytest

@pytest.mark.flaky(reruns=2)
def test_flaky():
    tries = Path("tries")
    tries.write_text(tries.read_text() + "x" if tries.exists() else "x")
    assert len(tries.read_text()) > 1

@pytest.mark.flaky(reruns=2)
def test_broken():
    assert 0

def test_ok():
    pass
"""


class TestReruns:
    def test_a_rerun_attempt_is_stored_as_a_rerun_not_as_a_test_that_passed(
        self, pytester: pytest.Pytester, db: Path
    ) -> None:
        """pytest-rerunfailures reports each failed attempt but the last as ``rerun``: each is
        stored as a test of its own with outcome ``rerun`` (``test.completed``: pytest does not
        count it as a failure), and the other counts equal the JUnit XML's."""
        pytester.makepyfile(test_reruns=RERUNS)
        junit = pytester.path / "junit.xml"
        result = pytester.runpytest_subprocess(
            "--panther-events", f"--panther-events-db={db}", f"--junitxml={junit}"
        )
        assert result.parseoutcomes() == {"passed": 2, "failed": 1, "rerun": 3}
        run = read_run(db)
        counts = run.counts()
        assert counts.pop("rerun") == 3
        assert as_junit_counts(counts) == junit_counts(junit)
        assert run.outcomes()["test_reruns.py::test_flaky"] == "rerun"
        assert run.outcomes()["test_reruns.py::test_flaky#2"] == "passed"
        (end,) = [e for e in run.events if e.type == "experiment.execution_completed"]
        assert (end.data["success_count"], end.data["failure_count"]) == (2, 1)
        registry = EmitterRegistry(EventManager())
        assert all(registry.emit_with_validation(e.to_event()) for e in run.events)

        from typer.testing import CliRunner

        from panther_events.cli import app

        shown = CliRunner().invoke(app, ["--db", str(db), "show", "latest", "--json"])
        assert shown.exit_code == 0, shown.output
        summary = json.loads(shown.stdout)["summary"]
        assert (summary["passed"], summary["failed"], summary["rerun"]) == (2, 1, 3)


# pytest's subtests (built in since pytest 9): two of four subtests fail.
SUBTESTS = """
def test_cases(subtests):
    for i in range(4):
        with subtests.test(msg="case", i=i):
            assert i % 2 == 0

def test_ok():
    pass
"""


class TestSubtests:
    def test_subtests_are_events_of_their_test_which_fails_as_pytest_says(
        self, pytester: pytest.Pytester, db: Path
    ) -> None:
        """Each subtest's report is a ``test.subtest`` event of its test (with its context and
        outcome); the test fails as pytest decides once it saw the subtests ("contains 2 failed
        subtests"), and the counts equal the JUnit XML's."""
        pytester.makepyfile(test_sub=SUBTESTS)
        junit = pytester.path / "junit.xml"
        result = pytester.runpytest_subprocess(
            "--panther-events", f"--panther-events-db={db}", f"--junitxml={junit}"
        )
        assert result.ret == pytest.ExitCode.TESTS_FAILED
        run = read_run(db)
        assert as_junit_counts(run.counts()) == junit_counts(junit)
        verdict = run.verdicts()["test_sub.py::test_cases"]
        assert verdict.data["summary"]["outcome"] == "failed"
        assert "contains 2 failed subtests" in verdict.data["error_message"]
        subtests = [e.data for e in run.of_type("test.subtest")]
        assert [(s["kwargs"], s["outcome"]) for s in subtests] == [
            ({"i": str(i)}, "passed" if i % 2 == 0 else "failed") for i in range(4)
        ]
        assert {s["msg"] for s in subtests} == {"case"}
        registry = EmitterRegistry(EventManager())
        assert all(registry.emit_with_validation(e.to_event()) for e in run.events)
