"""The pytest side of recording: each hook's facts, sent to the recording process.

It runs where pytest logs reports: the only process, or the pytest-xdist controller, which
receives every worker's reports. It names the run, starts the recording process
(:mod:`._record_process`) as the session is configured, and writes one pickled message per
hook to its stdin (:mod:`._facts`); the events are built, stored and sent there, on another
core, while the tests go on. A message is in the recording process's hands as soon as the hook
returns; if pytest is killed, what it wrote is still recorded.

The plugin must never change pytest's outcome: every hook here catches its own errors; the
first one stops the recording, and it and any problem of the recording process are said once,
in the summary line.
"""

from __future__ import annotations

import json
import os
import pickle
import select
import subprocess
import sys
import tempfile
import time
import weakref
from collections.abc import Callable
from pathlib import Path
from typing import Any, Final

import pytest

from .._run_ids import new_run_id
from ._capture import REPORT_ATTRIBUTE
from ._facts import FINISH, SUBTEST, CollectFacts, ReportFacts, clip
from ._owned_fd import OwnedFd

__all__ = ["Relay"]

# The recording process runs this package's code, wherever the pytest process found it.
_BOOT: Final = (
    "import sys; sys.path.append(sys.argv[1]); "
    "from panther_events.pytest_plugin._record_process import main; sys.exit(main())"
)
_PACKAGES: Final = str(Path(__file__).resolve().parents[2])
# How long the end of the session waits for the recording process to store what is left
# (it waits at most 5 s for NATS itself): it must not hang a test session for good.
_FINISH_TIMEOUT: Final = 60.0
# How long a message waits for room in a full pipe before the recording process, which took
# nothing all that time, is deemed stuck: a session must not hang on it either.
_STALL_TIMEOUT = 60.0
# How much of the end of the recording process's stderr is read for its last line.
_STDERR_TAIL: Final = 1 << 16


def _writable(fd: int, timeout: float) -> bool:
    """Whether the pipe ``fd`` can take more (or its reader is gone) within ``timeout`` s."""
    poller = select.poll()
    poller.register(fd, select.POLLOUT)
    return bool(poller.poll(timeout * 1000))


def _read_until_end(fd: int, deadline: float) -> bytes:
    """What arrives on ``fd`` until its writer closes it, or ``deadline`` (monotonic) passes."""
    poller = select.poll()
    poller.register(fd, select.POLLIN)
    chunks = []
    while (left := deadline - time.monotonic()) > 0 and poller.poll(left * 1000):
        chunk = os.read(fd, 1 << 16)
        if not chunk:
            break
        chunks.append(chunk)
    return b"".join(chunks)


def _call_if_alive(method: weakref.WeakMethod[Callable[[], None]]) -> None:
    bound = method()
    if bound is not None:
        bound()


class Relay:
    """The pytest plugin object that records one session as run ``run_id``.

    Args:
        config: the session's pytest config.
        db: where the SQLite store is (created when missing).
        nats_url: also publish every event to this NATS server, when given.
        python: the interpreter that runs the recording process.
    """

    def __init__(
        self, config: pytest.Config, db: Path, nats_url: str | None, python: str = sys.executable
    ) -> None:
        self.config = config
        self.db = db
        self.nats_url = nats_url
        self.run_id = new_run_id(f"pytest-{config.rootpath.name}", host=True)
        #: Why recording stopped on this side (None while it works).
        self.problem: str | None = None
        self._result: dict[str, Any] = {}  # the recording process's last line
        self._announced = False
        self._closed = False
        # id(report) -> this plugin's attribute, between the first and last logreport hooks.
        self._extras: dict[int, dict[str, Any]] = {}
        # Raw descriptors, each used only while it is still the relay's (see OwnedFd): a test
        # may close them and open files that take their numbers.
        self._pipe: OwnedFd | None = None  # to the recording process's stdin
        self._result_fd: OwnedFd | None = None  # its stdout: the result line
        self._stderr: OwnedFd | None = None  # an unlinked file: its error lines
        try:
            self._process: subprocess.Popen[bytes] | None = self._start(python)
        except OSError as exc:
            self._process = None
            self.problem = f"cannot start the recording process: {exc}"
            return
        # A process a test forks (multiprocessing's default on Linux) would hold the pipe
        # open: after pytest is killed, the recording process would wait for it to end.
        # Held weakly: a session run in process (pytester) must not keep its relay alive.
        after_fork = weakref.WeakMethod(self._after_fork)
        os.register_at_fork(after_in_child=lambda: _call_if_alive(after_fork))
        self._send((self.run_id, db, nats_url, time.time()))

    def _start(self, python: str) -> subprocess.Popen[bytes]:
        """Start the recording process, its stdin a non-blocking pipe from here."""
        err, path = tempfile.mkstemp(prefix="panther-events-recorder-")
        os.unlink(path)  # nothing is left behind, even when pytest is killed
        self._stderr = OwnedFd(err)
        stdin_read, stdin_write = os.pipe()
        result_read, result_write = os.pipe()
        try:
            process = subprocess.Popen(
                [python, "-P", "-c", _BOOT, _PACKAGES],
                stdin=stdin_read,
                stdout=result_write,
                stderr=err,
                # Its own session: a Ctrl-C meant for pytest does not reach it.
                start_new_session=True,
            )
        except OSError:
            for fd in (stdin_write, result_read, err):
                os.close(fd)
            raise
        finally:
            os.close(stdin_read)
            os.close(result_write)
        # A write never blocks for good: a full pipe waits at most _STALL_TIMEOUT (_send).
        os.set_blocking(stdin_write, False)
        self._pipe = OwnedFd(stdin_write)
        self._result_fd = OwnedFd(result_read)
        return process

    def _after_fork(self) -> None:
        """In a forked child: let go of the pipe (it points at /dev/null from now on) and
        send nothing."""
        if self._process is None:
            return
        self._process = None
        self._closed = True
        if self._pipe is not None and self._pipe.ours():
            null = os.open(os.devnull, os.O_WRONLY)
            try:
                os.dup2(null, self._pipe.fd)
            finally:
                os.close(null)

    # -- sending ---------------------------------------------------------------------------

    @property
    def recording(self) -> bool:
        """Whether hooks are still being sent."""
        return self.problem is None and not self._closed

    def _send(self, message: tuple[Any, ...]) -> None:
        """Write ``message`` to the recording process; a process gone stops the recording."""
        if self._process is None or self._pipe is None:
            return
        pipe = self._pipe
        if not pipe.ours():
            self._end_process(
                f"a test closed the plugin's pipe to the recording process (descriptor "
                f"{pipe.fd}); the run ends at the last report before"
            )
            return
        payload = pickle.dumps(message, pickle.HIGHEST_PROTOCOL)
        data = memoryview(len(payload).to_bytes(4, "little") + payload)
        try:
            while data:
                try:
                    data = data[os.write(pipe.fd, data) :]
                except BlockingIOError:  # the pipe is full: wait until it is not
                    if not _writable(pipe.fd, _STALL_TIMEOUT):
                        self._end_process(
                            f"the recording process took nothing for {_STALL_TIMEOUT:g} s "
                            "and was stopped; the run lacks the events after that",
                            kill=True,
                        )
                        return
        except OSError as exc:
            self._end_process(None, exc)

    def _end_process(
        self, problem: str | None, exc: OSError | None = None, *, kill: bool = False
    ) -> None:
        """Stop sending: the recording process is gone (``exc``), or must be let go
        (``problem``; killed when ``kill``). Closing the pipe ends its input."""
        process, self._process = self._process, None
        if self._pipe is not None:
            self._pipe.close()
        if process is None:
            return
        if kill:
            process.kill()
        try:
            status = process.wait(timeout=_FINISH_TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
            status = process.wait()
        if problem is None:
            why = self._why(exc or RuntimeError("it said nothing"))
            problem = f"the recording process ended (exit status {status}): {why}"
        self._set_problem(problem)

    def _why(self, exc: BaseException) -> str:
        """The last line the recording process wrote to its stderr, else ``exc``."""
        lines: list[str] = []
        if self._stderr is not None and self._stderr.ours():
            fd = self._stderr.fd
            tail = os.pread(fd, _STDERR_TAIL, max(0, os.fstat(fd).st_size - _STDERR_TAIL))
            lines = tail.decode("utf-8", "replace").strip().splitlines()
        return lines[-1] if lines else f"{type(exc).__name__}: {exc}"

    def _set_problem(self, problem: str) -> None:
        if self.problem is None:
            self.problem = problem

    def _stop(self, problem: str) -> None:
        """Stop sending hooks; the recording process ends the run as failed, naming why."""
        if self.problem is None:
            self.problem = problem
            self._send(("stopped", problem))

    # -- session ---------------------------------------------------------------------------

    @pytest.hookimpl(optionalhook=True)
    def pytest_configure_node(self, node: Any) -> None:
        """pytest-xdist: give each worker the run id (its fixtures' events name it)."""
        node.workerinput["panther_events_run_id"] = self.run_id

    def pytest_sessionstart(self, session: pytest.Session) -> None:
        if not self.recording:
            return
        try:
            params = self.config.invocation_params
            config = {
                "name": f"pytest {self.config.rootpath.name}",
                "runner": "pytest",
                "pytest": pytest.__version__,
                "rootdir": str(self.config.rootpath),
                "args": list(params.args),
                "invocation_dir": str(params.dir),
            }
            self._send(("start", config))
        except Exception as exc:
            self._stop(f"recording failed: {type(exc).__name__}: {exc}")

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        self._announce([item.nodeid for item in session.items])

    @pytest.hookimpl(optionalhook=True)
    def pytest_xdist_node_collection_finished(self, node: Any, ids: list[str]) -> None:
        """pytest-xdist: every worker collects the same tests; the first list announces them."""
        self._announce(list(ids))

    def _announce(self, nodeids: list[str]) -> None:
        if self._announced or not self.recording:
            return
        self._announced = True
        self._send(("collected", nodeids))

    # -- tests -----------------------------------------------------------------------------

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        """Take this plugin's attribute off the report before any other plugin sees it (JUnit
        XML, report logs, the terminal): :meth:`pytest_runtest_logreport_last` uses it."""
        extra = report.__dict__.pop(REPORT_ATTRIBUTE, None)
        if extra is not None and self.recording:
            self._extras[id(report)] = extra

    @pytest.hookimpl(trylast=True, specname="pytest_runtest_logreport")
    def pytest_runtest_logreport_last(self, report: pytest.TestReport) -> None:
        """Send the report's facts once every other plugin has seen it: pytest's subtests
        fail a test that passed with failed subtests while the terminal reports it."""
        extra: dict[str, Any] = self._extras.pop(id(report), {})
        if not self.recording:
            return
        try:
            message = extra.get("message")
            if message is None and report.failed:  # e.g. a strict xpass: no exception
                message = clip(report.longreprtext.strip())
            fields = report.__dict__
            context = fields.get("context")  # a subtest's (pytest's SubtestReport)
            facts = ReportFacts(
                report.nodeid,
                report.when if context is None else SUBTEST,
                report.outcome,
                report.duration,
                report.start,
                report.stop,
                report.location,
                fields.get("worker_id"),  # set by pytest-xdist on its reports
                message or ("failed" if report.failed else None),
                extra.get("error_type"),
                extra.get("traceback"),
                fields.get("wasxfail"),  # set by pytest's skipping plugin, when at all
                extra.get("events"),
                None if context is None else {"msg": context.msg, "kwargs": dict(context.kwargs)},
            )
        except Exception as exc:
            self._stop(f"recording failed at {report.nodeid!r}: {type(exc).__name__}: {exc}")
        else:
            self._send(("report", facts))

    @pytest.hookimpl(tryfirst=True)
    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        """A collector that failed or was skipped is recorded as a test, as JUnit XML does."""
        if report.passed or not self.recording:
            return
        try:
            message = clip(report.longreprtext.strip())
            if report.skipped and isinstance(report.longrepr, tuple):
                message = str(report.longrepr[2]).removeprefix("Skipped: ")
            status = "failed" if report.failed else "skipped"
            facts = CollectFacts(report.nodeid, status, message, str(report.fspath))
        except Exception as exc:
            self._stop(f"recording failed at {report.nodeid!r}: {type(exc).__name__}: {exc}")
        else:
            self._send(("collect", facts))

    def pytest_warning_recorded(
        self, warning_message: Any, when: str, nodeid: str, location: Any
    ) -> None:
        """Each captured warning becomes a ``test.warning`` (or ``experiment.warning``) event."""
        if not self.recording:
            return
        try:
            data = {
                "category": warning_message.category.__name__,
                "message": clip(str(warning_message.message)),
                "filename": str(warning_message.filename),
                "lineno": warning_message.lineno,
                "when": when,
                "nodeid": nodeid,
            }
        except Exception as exc:
            self._stop(f"recording failed: {type(exc).__name__}: {exc}")
        else:
            self._send(("warning", data))

    # -- the end ---------------------------------------------------------------------------

    @pytest.hookimpl(tryfirst=True)
    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        self.close(int(exitstatus))

    def close(self, exitstatus: int | None = None) -> None:
        """Send the session's end (when ``exitstatus`` is given), then wait for the recording
        process to store what is left and say how it went (idempotent)."""
        if self._closed:
            return
        self._closed = True
        if exitstatus is not None:
            self._send((FINISH, exitstatus))
        process, self._process = self._process, None
        if self._pipe is not None:
            self._pipe.close()  # the end of the recording process's input
        if process is not None:
            self._wait(process)
        for fd in (self._result_fd, self._stderr):
            if fd is not None:
                fd.close()

    def _wait(self, process: subprocess.Popen[bytes]) -> None:
        deadline = time.monotonic() + _FINISH_TIMEOUT
        out = b""
        if self._result_fd is not None and self._result_fd.ours():
            out = _read_until_end(self._result_fd.fd, deadline)
        try:
            process.wait(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
            self._set_problem(
                f"the recording process did not finish within {_FINISH_TIMEOUT:.0f} s "
                "(it was stopped; the run may lack its last events)"
            )
            return
        try:
            self._result = json.loads(out.decode().splitlines()[-1])
        except (ValueError, IndexError):
            why = self._why(RuntimeError("it said nothing"))
            status = process.returncode
            self._set_problem(f"the recording process failed (exit status {status}): {why}")

    def summary_line(self) -> str:
        """The one line the plugin adds to pytest's output."""
        problem = self.problem or self._result.get("problem")
        if problem:
            return f"panther-events: this run was not fully recorded: {problem}"
        line = f"panther-events: run {self.run_id} stored in {self.db}"
        nats_note = self._result.get("nats_note")
        if nats_note:
            line += f"; NATS {self.nats_url}: {nats_note}"
        elif self.nats_url is not None:
            line += f" and sent to {self.nats_url}"
        return line

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        # Paths and error messages are not ours: no control character reaches the terminal.
        line = "".join(c if c.isprintable() else repr(c)[1:-1] for c in self.summary_line())
        terminalreporter.write_line(line)
