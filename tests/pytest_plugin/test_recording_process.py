"""The recording process under faults: pytest killed, the recorder killed, Ctrl-C, garbage.

The pytest process only sends facts; a separate process builds, stores and sends the events.
These tests kill one or the other for real and check what each promise says is left.
"""

from __future__ import annotations

import contextlib
import inspect
import json
import os
import pickle
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from panther_events import EmitterRegistry, EventManager
from panther_events.exceptions import StoreError
from panther_events.pytest_plugin import _relay

from .conftest import StoredRun, read_run

# test_0 .. test_4 pass; test_hang writes a marker (every earlier report has been handled by
# then) and sleeps until it is killed.
HANGS = """
import multiprocessing
import time
from pathlib import Path

import pytest

@pytest.mark.parametrize("n", range(5))
def test_quick(n):
    pass

def test_hang():
    # A forked helper that outlives pytest must not keep the recording waiting.
    helper = multiprocessing.get_context("fork").Process(target=time.sleep, args=(120,))
    helper.start()
    Path("helper.pid").write_text(str(helper.pid))
    Path("started").write_text("yes")
    time.sleep(120)
"""


def _recording_children(pid: int) -> list[int]:
    """The recording processes the pytest process ``pid`` started."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        if parent == pid and b"_record_process" in cmdline:
            found.append(int(entry.name))
    return found


def _wait_for(path: Path, what: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while not path.exists():
        assert process.poll() is None, f"pytest ended before {what}"
        assert time.monotonic() < deadline, f"no {what} after 60 s"
        time.sleep(0.05)


def _run_ended(db: Path) -> StoredRun | None:
    """The run in ``db`` once its experiment has a last event, else None."""
    try:
        run = read_run(db)
    except (StoreError, AssertionError):
        return None
    kinds = [e.type for e in run.events if e.entity_id == run.run_id]
    return run if kinds and kinds[-1] == "experiment.failed" else None


def _pytest(
    pytester: pytest.Pytester, *args: str, session: bool = False
) -> subprocess.Popen[bytes]:
    """pytest on ``pytester``'s directory, in a child process (in a new session if asked:
    a process group of its own, as a terminal's foreground job)."""
    return subprocess.Popen(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *args],
        cwd=pytester.path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=session,
    )


class TestPytestKilled:
    def test_every_report_handled_before_a_sigkill_is_stored(
        self, pytester: pytest.Pytester, db: Path
    ) -> None:
        """SIGKILL of the pytest process: the recording process still stores every report
        pytest handled before it, then ends the run as failed, the running test errored."""
        pytester.makepyfile(test_hangs=HANGS)
        with _pytest(pytester, "--panther-events", f"--panther-events-db={db}") as proc:
            try:
                _wait_for(pytester.path / "started", "test_hang started", proc)
                recorders = _recording_children(proc.pid)
                assert len(recorders) == 1
            finally:
                proc.kill()
                proc.wait()
        helper = int((pytester.path / "helper.pid").read_text())
        try:
            _check_the_run_after_the_kill(db, recorders)
        finally:
            os.kill(helper, signal.SIGKILL)


def _check_the_run_after_the_kill(db: Path, recorders: list[int]) -> None:
    """The run in ``db`` ends as failed with every report before the kill, and the
    recording processes ``recorders`` end by themselves."""
    deadline = time.monotonic() + 30
    while (run := _run_ended(db)) is None:
        assert time.monotonic() < deadline, "the run did not end within 30 s of the kill"
        time.sleep(0.05)
    outcomes = run.outcomes()
    assert outcomes == {
        **{f"test_hangs.py::test_quick[{n}]": "passed" for n in range(5)},
        "test_hangs.py::test_hang": "error",
    }
    (failed,) = run.of_type("experiment.failed")
    assert failed.data["error_type"] == "ProcessEnded"
    assert "test.setup_completed" in run.test_events("test_hangs.py::test_hang")
    registry = EmitterRegistry(EventManager())
    assert all(registry.emit_with_validation(e.to_event()) for e in run.events)
    # The recording process ended by itself once it had stored all that.
    deadline = time.monotonic() + 10
    while any(_alive(pid) for pid in recorders):
        assert time.monotonic() < deadline, "the recording process outlived its work"
        time.sleep(0.05)


def _alive(pid: int) -> bool:
    """Whether process ``pid`` runs (a zombie nobody reaped yet has ended)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


class TestCtrlC:
    def test_ctrl_c_to_the_whole_process_group_is_recorded_as_an_interruption(
        self, pytester: pytest.Pytester, db: Path
    ) -> None:
        """SIGINT to pytest's process group, as a terminal sends it: the recording process
        lives on and records the session's end as interrupted."""
        pytester.makepyfile(test_hangs=HANGS)
        args = ("--panther-events", f"--panther-events-db={db}")
        with _pytest(pytester, *args, session=True) as proc:
            try:
                _wait_for(pytester.path / "started", "test_hang started", proc)
                os.killpg(proc.pid, signal.SIGINT)
                out, _ = proc.communicate(timeout=60)
            finally:
                if proc.poll() is None:
                    os.killpg(proc.pid, signal.SIGKILL)
                    proc.wait()
                with contextlib.suppress(OSError, ValueError):
                    os.kill(int((pytester.path / "helper.pid").read_text()), signal.SIGKILL)
        assert proc.returncode == pytest.ExitCode.INTERRUPTED
        line = [x for x in out.decode().splitlines() if x.startswith("panther-events:")]
        assert line == [f"panther-events: run {read_run(db).run_id} stored in {db}"]
        kinds = [e.type for e in read_run(db).events if e.entity_id == read_run(db).run_id]
        assert kinds[-2:] == ["experiment.finished_early", "experiment.failed"]


class TestRecorderKilled:
    def test_a_killed_recording_process_is_said_once_and_changes_nothing_else(
        self, pytester: pytest.Pytester, db: Path
    ) -> None:
        """The recording process killed in the middle: the tests run on, the exit status is
        pytest's, and the summary line says the recording ended, with its exit status."""
        pytester.makepyfile(
            test_kill=(
                "import os, signal, time, pytest\n"
                "from tests_helper import recording_children, stored_types\n"
                "def test_first(): pass\n"
                "def test_kill_it(request):\n"
                "    db = request.config.getoption('panther_events_db')\n"
                "    while 'test.completed' not in stored_types(db):\n"
                "        time.sleep(0.05)\n"
                "    for pid in recording_children(os.getpid()):\n"
                "        os.kill(pid, signal.SIGKILL)\n"
                "@pytest.mark.parametrize('n', range(50))\n"
                "def test_after(n): assert n != 7\n"
            ),
            tests_helper=_helper_source(),
        )
        with _pytest(pytester, "--panther-events", f"--panther-events-db={db}") as proc:
            out, _ = proc.communicate(timeout=120)
        assert proc.returncode == pytest.ExitCode.TESTS_FAILED
        text = out.decode()
        assert "1 failed, 51 passed" in text
        lines = [x for x in text.splitlines() if x.startswith("panther-events")]
        assert len(lines) == 1, lines
        assert lines[0].startswith(
            "panther-events: this run was not fully recorded: the recording process ended "
            "(exit status -9)"
        )
        assert read_run(db).outcomes()["test_kill.py::test_first"] == "passed"


def _helper_source() -> str:
    """A module for the inner suite: ``recording_children`` and ``stored_types(db)``."""
    source = inspect.getsource(_recording_children)
    children = source.replace("_recording_children", "recording_children")
    return f"""
from pathlib import Path

from panther_events import SQLiteEventStore, StoreError

{children}

def stored_types(db):
    try:
        store = SQLiteEventStore(db, create=False)
    except StoreError:
        return set()
    try:
        return {{event.type for run in store.runs() for event in store.events(run.run_id)}}
    finally:
        store.close()
"""


class TestHostileInput:
    def test_a_cut_or_foreign_message_is_one_clear_problem(self, tmp_path: Path) -> None:
        """Bytes that are not the relay's messages: the recording process records the run as
        failed, says why on its result line and exits 1."""
        db = tmp_path / "events.db"
        opening = pickle.dumps(("run-1", db, None, time.time()))
        start = pickle.dumps(("start", {"name": "hostile"}))
        stream = b"".join(len(p).to_bytes(4, "little") + p for p in (opening, start))
        stream += (5).to_bytes(4, "little") + b"\x80\x05junk"
        done = subprocess.run(
            [sys.executable, "-P", "-c", _relay._BOOT, _relay._PACKAGES],
            input=stream,
            capture_output=True,
            timeout=60,
            check=False,
        )
        assert done.returncode == 1, done.stderr
        result = json.loads(done.stdout.decode().splitlines()[-1])
        assert result["problem"].startswith("unreadable message: ")
        run = read_run(db)
        (failed,) = run.of_type("experiment.failed")
        assert failed.data["error_type"] == "RecordingError"

    def test_a_stream_cut_within_a_message_is_named(self, tmp_path: Path) -> None:
        """A length that promises more bytes than arrive: the problem says so."""
        db = tmp_path / "events.db"
        opening = pickle.dumps(("run-1", db, None, time.time()))
        stream = len(opening).to_bytes(4, "little") + opening + (100).to_bytes(4, "little")
        done = subprocess.run(
            [sys.executable, "-P", "-c", _relay._BOOT, _relay._PACKAGES],
            input=stream + b"abc",
            capture_output=True,
            timeout=60,
            check=False,
        )
        assert done.returncode == 1, done.stderr
        result = json.loads(done.stdout.decode().splitlines()[-1])
        assert "the stream ended within a message" in result["problem"]


class TestStartup:
    def test_the_recording_process_does_not_import_pytest(self) -> None:
        """The recording process starts with each session and the session's end waits for
        it: it loads the events and the store, not pytest (most of its start-up otherwise)."""
        done = subprocess.run(
            [sys.executable, "-X", "importtime", "-P", "-c", _relay._BOOT, _relay._PACKAGES],
            input=b"",
            capture_output=True,
            timeout=60,
            check=True,
        )
        imported = {line.rsplit("|", 1)[-1].strip() for line in done.stderr.decode().splitlines()}
        assert "panther_events.pytest_plugin._recorder" in imported
        assert not {name for name in imported if name.split(".")[0] in ("pytest", "_pytest")}
