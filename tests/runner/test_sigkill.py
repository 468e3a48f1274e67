"""A runner that dies without tearing down (SIGKILL, the OOM killer) leaves no service behind.

Each test starts a real ``panther-events run`` (or a script using the runner), kills only that
process, and watches the process table: every process it started must be gone within a
generous deadline. Whatever a test starts is killed in its ``finally``.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import psutil
import pytest

from panther_events import ExperimentInitializedEvent
from panther_events.exceptions import StoreError
from panther_events.runner import _reaper
from panther_events.store.sqlite import SQLiteEventStore

from .helpers import CLI, EXAMPLES, FINAL_STATES, check_lifecycles, cli_env, leftovers, run_cli

pytestmark = pytest.mark.slow

ECHO = EXAMPLES / "echo_server.py"
#: How long the processes of a killed runner may take to go (stop graces included).
GONE_WITHIN = 30.0

LONG = f"""
name: long
tests:
  - name: long
    services:
      - name: echo
        command: ["${{python}}", "{ECHO}", "--port", "${{port}}"]
        port: auto
        ready: {{tcp: true}}
      - name: sleeper
        # A grandchild in the group: it must go with the group.
        command: ["/bin/sh", "-c", "sleep 300 & sleep 300"]
      - name: stubborn
        # Ignores SIGTERM: only the SIGKILL after its stop_grace ends it.
        command: ["/bin/sh", "-c", "trap '' TERM; sleep 300"]
        stop_grace: 1
      - name: daemon
        # Leaves its group and its parent (a double fork into a session of its own) before
        # it is ready: only its test's token finds it.
        command: ["/bin/sh", "-c", "(setsid sh -c 'touch d.txt; exec sleep 301' &);
                  while [ ! -e d.txt ]; do sleep 0.01; done; echo up; exec sleep 300"]
        ready: {{log: up}}
    steps:
      - {{name: long-wait, kind: wait, seconds: 120}}
"""


def _write(tmp_path: Path, text: str, name: str = "experiment.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _wait_for(predicate: object, what: str, proc: subprocess.Popen[bytes], limit: float) -> None:
    """Poll ``predicate()`` until true; fail naming ``what`` if ``proc`` ends or time runs out."""
    assert callable(predicate)
    deadline = time.monotonic() + limit
    while not predicate():
        assert proc.poll() is None, f"ended before {what}: {proc.communicate()}"
        assert time.monotonic() < deadline, f"{what} did not happen within {limit}s"
        time.sleep(0.05)


def _gone_within(
    marker: str, limit: float, spared: frozenset[int] = frozenset()
) -> tuple[list[psutil.Process], float]:
    """Wait until no process but the ``spared`` pids carries ``marker``; return those left and
    the seconds waited."""
    began = time.monotonic()

    def left() -> list[psutil.Process]:
        return [p for p in leftovers(marker) if p.pid not in spared]

    still = left()
    while still and time.monotonic() - began < limit:
        time.sleep(0.1)
        still = left()
    return still, time.monotonic() - began


@contextlib.contextmanager
def _running(argv: list[str], tmp_path: Path, marker: str) -> Iterator[subprocess.Popen[bytes]]:
    """Start ``argv`` (a runner) in a session of its own with ``marker`` in its environment;
    at the end kill it and every process carrying the marker."""
    proc = subprocess.Popen(
        argv,
        cwd=tmp_path,
        env=cli_env(marker),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        yield proc
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        for process in leftovers(marker):
            with contextlib.suppress(psutil.Error):
                process.kill()


def _port_free(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


class TestRunnerKilled:
    """SIGKILL to the runner process alone: its services are stopped all the same."""

    def test_sigkilled_runner_leaves_no_service_running(self, tmp_path: Path) -> None:
        """Every service (grandchildren, a SIGTERM-ignoring one and a daemon that left its
        group too) is gone, its port freed."""
        marker = uuid.uuid4().hex
        log = tmp_path / "events.log"
        argv = [str(CLI), "run", str(_write(tmp_path, LONG)), "--db", str(tmp_path / "events.db")]
        with _running(argv, tmp_path, marker) as proc:
            _wait_for(
                lambda: "step.execution_started" in (log.read_text() if log.exists() else ""),
                "the step's start",
                proc,
                60,
            )
            started = [p for p in leftovers(marker) if p.pid != proc.pid]
            names = sorted(p.name() for p in started)
            assert names.count("sleep") == 5, names  # the services really are running
            (daemon,) = [p for p in started if p.cmdline() == ["sleep", "301"]]
            assert os.getsid(daemon.pid) == daemon.pid  # out of its service's session
            echo = [p for p in started if str(ECHO) in p.cmdline()]
            assert len(echo) == 1, names
            port = int(echo[0].cmdline()[echo[0].cmdline().index("--port") + 1])
            assert not _port_free(port)

            os.kill(proc.pid, signal.SIGKILL)  # the runner only, not its process group
            proc.wait(timeout=10)
            left, waited = _gone_within(marker, GONE_WITHIN)
            print(f"every process of the killed runner gone after {waited:.2f}s")
            assert not left, [(p.pid, p.cmdline()) for p in left]
            assert _port_free(port)
        _assert_recorded_as_ended(tmp_path / "events.db", "long")


def _assert_recorded_as_ended(db: Path, test_name: str) -> None:
    """The killed runner's run is recorded as failed, its open test as failed, both saying
    that the runner process ended (by its reaper, after it stopped the services)."""
    deadline = time.monotonic() + GONE_WITHIN
    while True:
        with SQLiteEventStore(db) as store:
            (run,) = store.runs()
            events = store.events(run.run_id)
        if run.status != "running" or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert run.status == "failed", run
    ended = [e for e in events if e.type == "experiment.failed"]
    assert len(ended) == 1, [e.type for e in events]
    assert ended[0].data["error_type"] == "ProcessEnded"
    assert "runner process ended" in ended[0].data["error_message"]
    (verdict,) = [e for e in events if e.type == "test.failed"]
    assert verdict.data["test_name"] == test_name
    assert verdict.data["error_type"] == "ProcessEnded"
    assert events[-1].type == "experiment.failed"


# One test waiting long enough to be killed while it runs.
WAITING = """
name: waiting
tests:
  - name: waiting
    steps:
      - {name: long-wait, kind: wait, seconds: 120}
"""


def _killed_run(
    tmp_path: Path,
    db: Path,
    before_kill: Callable[[], object] = lambda: None,
    text: str = WAITING,
    started: str = "step.execution_started",
) -> None:
    """Run ``text`` with ``panther-events run --db DB``, call ``before_kill`` once the store
    holds an event of type ``started``, SIGKILL the runner and wait until its reaper (and
    whatever the reaper ran) is gone."""
    marker = uuid.uuid4().hex
    argv = [str(CLI), "run", str(_write(tmp_path, text)), "--db", str(db)]

    def stored() -> bool:
        try:
            with SQLiteEventStore(db, read_only=True) as store:
                return any(store.events(r.run_id, type_pattern=started) for r in store.runs())
        except StoreError:  # not yet created (or still empty)
            return False

    with _running(argv, tmp_path, marker) as proc:
        _wait_for(stored, started, proc, 60)
        before_kill()
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
        left, _ = _gone_within(marker, GONE_WITHIN)
        assert not left, [(p.pid, p.cmdline()) for p in left]


class TestKilledRunsStore:
    """The store the reaper records a killed run's ending in."""

    def test_a_store_replaced_while_the_run_lasted_gets_no_ending(self, tmp_path: Path) -> None:
        """The store moved away during the run and a new one made at its path: the ending
        of the killed run is not written into the new one."""
        db = tmp_path / "events.db"

        def replace_store() -> None:
            for suffix in ("", "-wal", "-shm"):
                with contextlib.suppress(FileNotFoundError):
                    (tmp_path / f"events.db{suffix}").rename(tmp_path / f"moved.db{suffix}")
            with SQLiteEventStore(db) as other:
                other.append(ExperimentInitializedEvent("new", config={"name": "new"}), run_id="n")

        _killed_run(tmp_path, db, replace_store)
        with SQLiteEventStore(db) as store:
            assert [(r.run_id, r.status) for r in store.runs()] == [("n", "running")]


class TestKilledRunsEntities:
    """What the store says of each entity of a killed run once the reaper has recorded it."""

    def test_every_entity_of_a_killed_run_ends(self, tmp_path: Path) -> None:
        """No step is left running, no service ready, no plugin running after the run's
        end: the step under way failed, the services stopped (by the reaper) and destroyed,
        the plugins stopped; the environment failed (its working directory is left)."""
        db = tmp_path / "events.db"
        _killed_run(tmp_path, db, text=LONG)
        with SQLiteEventStore(db) as store:
            (run,) = store.runs()
            events = store.events(run.run_id)
        finals = check_lifecycles(events, {**FINAL_STATES, "environment": {"failed"}})
        assert set(finals["service"].values()) == {"destroyed"}, finals
        assert len(finals["service"]) == 4
        assert finals["step"] == {f"{run.run_id}/long/step/long-wait": "failed"}
        (step_failed,) = [e for e in events if e.type == "step.execution_failed"]
        assert "runner process ended" in step_failed.data["error_message"]
        stopped = [e for e in events if e.type == "service.stopped"]
        assert all("reaper" in e.data["reason"] for e in stopped), stopped


FORKS = """
import os, sys, time
from panther_events.manager import EventManager
from panther_events.runner import ExperimentRunner, load_experiment

ready_file = sys.argv[2]

def fork_on_ready(event):
    if event.get_type() == "service.ready" and os.fork() == 0:
        time.sleep(300)  # a forked child that outlives the runner
        os._exit(0)
    if event.get_type() == "step.execution_started":
        with open(ready_file, "w") as f:
            f.write(str(os.getpid()))

with EventManager() as manager:
    manager.register_observer("*", fork_on_ready)
    ExperimentRunner(load_experiment(sys.argv[1]), manager=manager).run()
"""


class TestForkedChild:
    """A process the runner forks does not keep the reaper waiting."""

    def test_forked_child_of_a_killed_runner_does_not_keep_its_services(
        self, tmp_path: Path
    ) -> None:
        """A child forked in the runner process (multiprocessing) outlives it; the services
        still go."""
        marker = uuid.uuid4().hex
        script = _write(tmp_path, FORKS, "forks.py")
        ready = tmp_path / "ready"
        argv = [sys.executable, str(script), str(_write(tmp_path, LONG)), str(ready)]
        with _running(argv, tmp_path, marker) as proc:
            _wait_for(ready.exists, "the step's start", proc, 60)
            forked = [p for p in psutil.Process(proc.pid).children() if p.cmdline() == proc.args]
            assert len(forked) == 4, forked  # one per service

            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
            # The forked children are copies of the runner, not services: they may stay.
            spared = frozenset(p.pid for p in forked)
            left, waited = _gone_within(marker, GONE_WITHIN, spared)
            print(f"the services gone after {waited:.2f}s, the forked children still alive")
            assert not left, [(p.pid, p.cmdline()) for p in left]
            assert all(p.is_running() for p in forked)


# Prints the command lines of its parent's (the runner's) children.
SIBLINGS = (
    "import os, psutil; print([c.cmdline() for c in psutil.Process(os.getppid()).children()])"
)

NORMAL = f"""
name: normal
tests:
  - name: short
    services:
      - name: sleeper
        command: [sleep, "300"]
    steps:
      - name: siblings
        kind: command
        # The runner's children while the test runs: its services, this step, the reaper.
        run: ["${{python}}", "-c", "{SIBLINGS}"]
    assertions:
      - {{kind: output_contains, step: siblings, text: _reaper.py}}
"""


class TestNormalRun:
    """A run that ends by itself (or by Ctrl-C: see test_faults.py) leaves nothing behind."""

    def test_reaper_watches_the_run_and_ends_with_it(self, tmp_path: Path) -> None:
        """A watchdog process runs beside the runner while the test runs; none is left after."""
        run = run_cli(_write(tmp_path, NORMAL), tmp_path)
        assert run.returncode == 0, run.stdout + run.stderr  # the reaper was among them
        assert not leftovers(run.marker)


def _ignores(pid: int, sig: signal.Signals) -> bool:
    """Whether process ``pid`` ignores ``sig`` (its SigIgn mask in /proc)."""
    with open(f"/proc/{pid}/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("SigIgn:"):
                return bool(int(line.split()[1], 16) >> (sig - 1) & 1)
    return False


# A service between fork and exec: it closes its copy of the reaper's pipe, is preempted,
# then execs with its test's mark (argv: the pipe's fd, the mark's value).
LATE_SERVICE = """
import os, sys, time
os.close(int(sys.argv[1]))
time.sleep(0.1)
os.execve("/bin/sleep", ["sleep", "300"], {"REAPER_TEST": sys.argv[2]})
"""


class TestReaperProgram:
    """The reaper process alone, fed the lines a runner writes."""

    @staticmethod
    def _start(lines: bytes) -> subprocess.Popen[bytes]:
        reaper = subprocess.Popen(
            [sys.executable, "-I", "-S", _reaper.__file__],
            stdin=subprocess.PIPE,
            start_new_session=True,
        )
        assert reaper.stdin is not None
        reaper.stdin.write(lines)
        reaper.stdin.close()
        return reaper

    @staticmethod
    def _group(*argv: str) -> subprocess.Popen[bytes]:
        return subprocess.Popen(argv, start_new_session=True)

    def test_end_of_pipe_stops_the_watched_groups_never_a_forgotten_one(self) -> None:
        """SIGTERM to a watched group, SIGKILL to one ignoring it after its grace; a group
        forgotten (the runner stopped and reaped it: its number may be reused) is left be."""
        watched = self._group("sleep", "300")
        stubborn = self._group("/bin/sh", "-c", "trap '' TERM; sleep 300")
        forgotten = self._group("sleep", "300")
        reaper = None
        try:
            reaper = self._start(
                _reaper.watch_line("group", str(watched.pid), 5.0)
                + _reaper.watch_line("group", str(stubborn.pid), 0.5)
                + _reaper.watch_line("group", str(forgotten.pid), 5.0)
                + _reaper.forget_line("group", str(forgotten.pid))
            )
            assert watched.wait(timeout=30) == -signal.SIGTERM
            assert stubborn.wait(timeout=30) == -signal.SIGKILL
            assert forgotten.poll() is None
            assert reaper.wait(timeout=30) == 0
        finally:
            for proc in (watched, stubborn, forgotten, reaper):
                if proc is not None and proc.poll() is None:
                    os.killpg(proc.pid, signal.SIGKILL)
                    proc.wait()

    def test_a_sigterm_for_every_process_leaves_the_reaper_watching(self) -> None:
        """SIGTERM sent to every process of the run at once (``systemctl stop``, a container
        shutdown): the reaper stays, so that it still stops what the runner leaves should
        the runner then be killed; only the end of the pipe ends it."""
        service = self._group("/bin/sh", "-c", "trap '' TERM; sleep 300")
        reaper = subprocess.Popen(
            [sys.executable, "-I", "-S", _reaper.__file__],
            stdin=subprocess.PIPE,
            start_new_session=True,
        )
        try:
            assert reaper.stdin is not None
            reaper.stdin.write(_reaper.watch_line("group", str(service.pid), 0.5))
            reaper.stdin.flush()
            # Once it has started (it ignores SIGINT: a Ctrl-C is for the runner alone).
            deadline = time.monotonic() + 30
            while not _ignores(reaper.pid, signal.SIGINT) and time.monotonic() < deadline:
                time.sleep(0.01)
            reaper.send_signal(signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                reaper.wait(timeout=1)  # time to die of it, if it would
            reaper.stdin.close()  # then the runner dies
            assert service.wait(timeout=30) == -signal.SIGKILL
            assert reaper.wait(timeout=30) == 0
        finally:
            for proc in (service, reaper):
                if proc.poll() is None:
                    os.killpg(proc.pid, signal.SIGKILL)
                    proc.wait()

    def test_done_exits_and_stops_nothing(self) -> None:
        """``done`` (a run that ended normally) ends the reaper at once, signalling nothing."""
        service = self._group("sleep", "300")
        try:
            reaper = self._start(_reaper.watch_line("group", str(service.pid), 5.0) + _reaper.DONE)
            assert reaper.wait(timeout=30) == 0
            assert service.poll() is None
        finally:
            service.kill()
            service.wait()

    def test_a_service_marked_only_after_the_end_of_the_pipe_is_killed_too(self) -> None:
        """A service the runner was starting when it died holds a copy of the pipe until
        just before its exec, and carries its test's mark only from the exec on: here it
        closes the pipe and execs a moment later (a child preempted in between). The
        reaper still finds and kills it."""
        token = uuid.uuid4().hex
        reaper = subprocess.Popen(
            [sys.executable, "-I", "-S", _reaper.__file__],
            stdin=subprocess.PIPE,
            start_new_session=True,
        )
        late = None
        try:
            assert reaper.stdin is not None
            reaper.stdin.write(_reaper.watch_line("marked", f"REAPER_TEST={token}"))
            reaper.stdin.flush()
            pipe = reaper.stdin.fileno()
            late = subprocess.Popen(
                [sys.executable, "-c", LATE_SERVICE, str(pipe), token],
                pass_fds=(pipe,),
                start_new_session=True,
            )
            reaper.stdin.close()  # the runner dies: the late service holds the last copy
            assert late.wait(timeout=30) == -signal.SIGKILL
            assert reaper.wait(timeout=30) == 0
        finally:
            for proc in (late, reaper):
                if proc is not None and proc.poll() is None:
                    os.killpg(proc.pid, signal.SIGKILL)
                    proc.wait()

    def test_end_of_pipe_kills_marked_processes_and_deletes_namespaces(self) -> None:
        """A process carrying a watched mark is killed wherever it is; a watched namespace is
        deleted; a forgotten mark is left be."""
        tokens = [uuid.uuid4().hex, uuid.uuid4().hex]
        mark, other = (f"REAPER_TEST={token}" for token in tokens)
        marked, spared = (
            subprocess.Popen(
                ["sleep", "300"], env={**os.environ, "REAPER_TEST": token}, start_new_session=True
            )
            for token in tokens
        )
        namespace = f"panther-reaper-{uuid.uuid4().hex[:8]}"
        subprocess.run(["ip", "netns", "add", namespace], check=True)
        try:
            reaper = self._start(
                _reaper.watch_line("marked", mark)
                + _reaper.watch_line("marked", other)
                + _reaper.forget_line("marked", other)
                + _reaper.watch_line("netns", namespace)
            )
            assert marked.wait(timeout=30) == -signal.SIGKILL
            assert reaper.wait(timeout=30) == 0
            assert spared.poll() is None
            listed = subprocess.run(["ip", "netns", "list"], check=True, capture_output=True)
            assert namespace.encode() not in listed.stdout
        finally:
            for proc in (marked, spared):
                proc.kill()
                proc.wait()
            subprocess.run(["ip", "netns", "delete", namespace], check=False, capture_output=True)

    def test_end_of_pipe_runs_the_after_commands_once_the_groups_are_gone(
        self, tmp_path: Path
    ) -> None:
        """``after`` commands run in order, after the watched groups are stopped; a forgotten
        one, a cut one and one that cannot start are skipped without stopping the rest."""
        service = self._group("sleep", "300")
        log = tmp_path / "after.log"
        check = (
            "import os, sys; alive = os.path.exists(f'/proc/{sys.argv[1]}') and "
            "open(f'/proc/{sys.argv[1]}/stat').read().split(')')[1].split()[0] != 'Z'; "
            "open(sys.argv[2], 'a').write(f'{sys.argv[3]} alive={alive}\\n')"
        )

        def after(tag: str) -> bytes:
            argv = [sys.executable, "-c", check, str(service.pid), str(log), tag]
            return _reaper.watch_line("after", _reaper.command_name(argv))

        forgotten = _reaper.command_name([sys.executable, "-c", "open('x', 'w')"])
        try:
            reaper = self._start(
                _reaper.watch_line("group", str(service.pid), 5.0)
                + after("first")
                + _reaper.watch_line("after", forgotten)
                + _reaper.forget_line("after", forgotten)
                + _reaper.watch_line("after", _reaper.command_name(["/no/such/program"]))
                + b"+after 5b22\n"  # cut short: not valid JSON
                + after("second")
            )
            assert reaper.wait(timeout=30) == 0
            assert service.wait(timeout=5) == -signal.SIGTERM
            assert log.read_text() == "first alive=False\nsecond alive=False\n"
        finally:
            if service.poll() is None:
                service.kill()
                service.wait()
