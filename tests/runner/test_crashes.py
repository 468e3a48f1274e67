"""A service that dies in any phase: reported as a crash that names the service and the signal."""

from __future__ import annotations

import signal
import sys
from pathlib import Path

import pytest

from panther_events._exit_status import describe_exit_status

from .helpers import alive_service_pids, check_lifecycles
from .inprocess import run_text

pytestmark = pytest.mark.slow

PY = sys.executable

# Listens on its port and calls abort() as soon as a packet arrives (no core file).
ABORT_ON_PACKET = (
    "import os, resource, socket, sys\n"
    "resource.setrlimit(resource.RLIMIT_CORE, (0, 0))\n"
    "s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)\n"
    "s.bind(('127.0.0.1', int(sys.argv[1]))); s.listen()\n"
    "print('listening', flush=True)\n"
    "c, _ = s.accept(); c.recv(100); os.abort()\n"
)


class TestDescribeExitStatus:
    """The one wording of an exit status."""

    @pytest.mark.parametrize(
        ("code", "text"),
        [
            (0, "status 0"),
            (3, "status 3"),
            (-6, "SIGABRT (-6)"),
            (-9, "SIGKILL (-9)"),
            (-int(signal.SIGTERM), "SIGTERM (-15)"),
            (-99, "signal 99 (-99)"),
            (None, "an unknown status"),
        ],
    )
    def test_signals_are_named(self, code: int | None, text: str) -> None:
        """A negative status names its signal and keeps the number; others are a status."""
        assert describe_exit_status(code) == text


class TestCrashDuringStep:
    """A service killed by a signal while a step talks to it."""

    def test_abort_on_packet_is_a_service_crash_naming_the_signal(self, tmp_path: Path) -> None:
        """tcp_send to a service that aborts: service.error + service_failure, reason names both."""
        script = tmp_path / "abort_on_packet.py"
        script.write_text(ABORT_ON_PACKET, encoding="utf-8")
        text = (
            "name: x\ntests:\n  - name: t\n    services:\n"
            f"      - {{name: fragile, command: [{PY}, {script}, '${{port}}'], port: auto,\n"
            "         ready: {log: listening}}\n"
            "    steps:\n"
            "      - {name: poke, kind: tcp_send, service: fragile, data: boom, expect: never,\n"
            "         timeout: 10}\n"
            "      - {name: later, kind: wait, seconds: 0}\n"
            "  - name: next\n    steps:\n      - {kind: wait, seconds: 0}\n"
        )
        run = run_text(text, tmp_path)
        first, after = run.result.tests
        assert first.phase == "service", first
        assert first.reason == "service 'fragile' exited unexpectedly with SIGABRT (-6)"
        assert after.passed
        (error,) = run.of_type("service.error")
        assert error.error_type == "ServiceCrashed"
        assert error.error_details["exit_code"] == -6
        (failure,) = run.of_type("experiment.service_failure")
        assert failure.failed_service == "fragile"
        (stopped,) = run.of_type("service.stopped")
        assert stopped.exit_code == -6 and stopped.reason == "crashed"
        finals = check_lifecycles(run.events)
        steps = {k.rsplit("/", 1)[-1]: v for k, v in finals["step"].items()}
        assert steps["poke"] == "failed" and steps["later"] == "skipped"
        assert alive_service_pids(run.events) == []
        assert run.refused == []


class TestCrashDuringReadiness:
    """A service killed by a signal before it was ready."""

    def test_signal_before_ready_is_a_service_crash(self, tmp_path: Path) -> None:
        """The deployment fails naming the signal, with service.error and service_failure."""
        text = (
            "name: x\ntests:\n  - name: t\n    services:\n"
            f'      - {{name: doomed, command: [{PY}, -c, \'import os; print("starting", '
            "flush=True); os.kill(os.getpid(), 9)'], ready: {log: never, timeout: 10}}\n"
            "    steps:\n      - {kind: wait, seconds: 0}\n"
        )
        run = run_text(text, tmp_path)
        (test,) = run.result.tests
        assert test.phase == "deployment"
        reason = test.reason or ""
        assert reason.startswith("service 'doomed' exited with SIGKILL (-9) before"), reason
        assert "starting" in reason
        (error,) = run.of_type("service.error")
        assert error.error_type == "ServiceCrashed"
        assert len(run.of_type("experiment.service_failure")) == 1
        check_lifecycles(run.events)
        assert run.refused == []


class TestCommandKilledBySignal:
    """A command step that a signal ends."""

    def test_reason_names_the_signal(self, tmp_path: Path) -> None:
        """``kill -ABRT $$`` fails the step with ``SIGABRT (-6)``, not ``status -6``."""
        text = (
            "name: x\ntests:\n  - name: t\n    steps:\n"
            "      - {name: self-abort, kind: command, run: 'kill -ABRT $$$$', shell: true}\n"
        )
        run = run_text(text, tmp_path)
        (test,) = run.result.tests
        assert "exited with SIGABRT (-6)" in (test.reason or ""), test.reason


class TestCrashWhileAnotherGetsReady:
    """A service that dies while a later service is still getting ready."""

    def test_no_step_runs_against_the_dead_service(self, tmp_path: Path) -> None:
        """The crash is the reason (seen while 'slow' waits, or once it is ready); no step runs."""
        (tmp_path / "wait_for_exit.py").write_text(WAIT_FOR_EXIT, encoding="utf-8")
        text = (
            "name: x\ntests:\n  - name: t\n    services:\n"
            "      - {name: short,\n"
            "         command: [/bin/sh, -c, 'echo $$$$ > short.pid; exec sleep 0.5']}\n"
            f"      - {{name: slow, command: [{PY}, '{tmp_path / 'wait_for_exit.py'}'],\n"
            "         ready: {log: ready, timeout: 60}}\n"
            "    steps:\n      - {name: first, kind: wait, seconds: 0}\n"
        )
        run = run_text(text, tmp_path)
        (test,) = run.result.tests
        assert test.reason == "service 'short' exited unexpectedly with status 0"
        assert test.phase == "service"
        assert not run.of_type("step.execution_started")
        check_lifecycles(run.events)
        assert run.refused == []


# Ready only once the process in short.pid has ended (a zombie or gone): no race on timing.
WAIT_FOR_EXIT = """
import pathlib, time
pidfile = pathlib.Path("short.pid")
while not pidfile.exists() or not pidfile.read_text().strip():
    time.sleep(0.01)
stat = pathlib.Path(f"/proc/{pidfile.read_text().strip()}/stat")
while stat.exists() and stat.read_text().rsplit(")", 1)[-1].split()[0] != "Z":
    time.sleep(0.01)
print("ready", flush=True)
time.sleep(300)
"""
