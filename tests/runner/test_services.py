"""Services: readiness checks, deployment failures, stop escalation, resources, health checks."""

from __future__ import annotations

import socket
import sys
from pathlib import Path

import psutil
import pytest

from .helpers import EXAMPLES, alive_service_pids, check_lifecycles
from .inprocess import run_text

pytestmark = pytest.mark.slow

PY = sys.executable
ECHO = EXAMPLES / "echo_server.py"
IGNORES_TERM = (
    "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); "
    "print('up', flush=True); time.sleep(300)"
)


def _one_service(service: str, steps: str = "      - {kind: wait, seconds: 0}\n") -> str:
    return (
        "name: x\ntests:\n  - name: t\n    services:\n"
        f"      - {service}\n    steps:\n{steps}"
        "  - name: after\n    steps:\n      - {kind: wait, seconds: 0}\n"
    )


class TestReadiness:
    """The three readiness checks, and what happens when one never passes."""

    @pytest.mark.parametrize("ready", ["{tcp: true}", "{log: 'listening on 127'}", "{delay: 0.05}"])
    def test_each_check_lets_the_test_run(self, ready: str, tmp_path: Path) -> None:
        """tcp, log and delay readiness all lead to a ready service and a passing test."""
        service = (
            f"{{name: echo, command: [{PY}, {ECHO}, --port, '${{port}}'], port: auto, "
            f"ready: {ready}}}"
        )
        run = run_text(_one_service(service), tmp_path)
        assert run.result.passed, run.result.to_dict()
        (ready_event,) = run.of_type("service.ready")
        assert ready_event.readiness_checks[0].split(":")[0] in ready
        check_lifecycles(run.events)
        assert run.refused == []

    def test_never_ready_fails_deployment_and_next_test_runs(self, tmp_path: Path) -> None:
        """A readiness timeout fails the test in deployment; the next test still runs."""
        service = "{name: mute, command: [sleep, '300'], port: 1, ready: {tcp: true, timeout: 0.2}}"
        run = run_text(_one_service(service), tmp_path)
        first, after = run.result.tests
        assert first.phase == "deployment"
        assert "not ready after 0.2s" in (first.reason or "")
        assert after.passed
        (error,) = run.of_type("service.error")
        assert error.error_type == "ServiceNotReady"
        finals = check_lifecycles(run.events)
        assert set(finals["service"].values()) == {"destroyed"}
        assert alive_service_pids(run.events) == []

    def test_exit_before_ready_is_reported_with_output(self, tmp_path: Path) -> None:
        """A service that exits while starting fails with its status and output."""
        service = (
            f"{{name: dies, command: [{PY}, -c, 'print(\"bad config\"); raise SystemExit(4)'], "
            "ready: {log: never, timeout: 5}}"
        )
        run = run_text(_one_service(service), tmp_path)
        reason = run.result.tests[0].reason or ""
        assert "exited with status 4" in reason and "bad config" in reason
        check_lifecycles(run.events)

    def test_missing_program_fails_deployment(self, tmp_path: Path) -> None:
        """A command that cannot be executed is a deployment failure, not a crash."""
        run = run_text(_one_service("{name: ghost, command: [/no/such/program]}"), tmp_path)
        assert "could not start '/no/such/program'" in (run.result.tests[0].reason or "")
        assert run.of_type("service.deployment_failed")
        finals = check_lifecycles(run.events)
        assert set(finals["service"].values()) == {"destroyed"}


class TestStop:
    """Teardown: SIGTERM, then SIGKILL after the grace period."""

    def test_sigterm_is_enough_for_a_well_behaved_service(self, tmp_path: Path) -> None:
        """The echo server exits on SIGTERM: stopped as terminated, its output kept to the end."""
        service = (
            f"{{name: echo, command: [{PY}, {ECHO}, --port, '${{port}}'], port: auto, "
            "ready: {tcp: true}}"
        )
        run = run_text(_one_service(service), tmp_path)
        (stopped,) = run.of_type("service.stopped")
        assert (stopped.exit_code, stopped.reason) == (0, "terminated")

    def test_sigkill_after_grace_for_a_service_ignoring_sigterm(self, tmp_path: Path) -> None:
        """A service that ignores SIGTERM is killed once stop_grace has passed."""
        service = (
            f'{{name: stubborn, command: [{PY}, -c, "{IGNORES_TERM}"], ready: {{log: up}}, '
            "stop_grace: 0.2}"
        )
        run = run_text(_one_service(service), tmp_path)
        (stopping,) = run.of_type("service.stopping")
        (stopped,) = run.of_type("service.stopped")
        assert stopping.grace_period_seconds == 0.2
        assert (stopped.exit_code, stopped.reason) == (-9, "killed")
        assert alive_service_pids(run.events) == []


class TestMonitoring:
    """Health checks and resource figures while the test runs."""

    def test_health_checks_and_resources_are_emitted(self, tmp_path: Path) -> None:
        """TCP health checks pass while the service runs; CPU and peak memory are measured."""
        service = (
            f"{{name: echo, command: [{PY}, {ECHO}, --port, '${{port}}'], port: auto, "
            "ready: {tcp: true}, health: {interval: 0.05, tcp: true}}"
        )
        run = run_text(_one_service(service, "      - {kind: wait, seconds: 0.3}\n"), tmp_path)
        checks = run.of_type("service.health_check_passed")
        assert checks and {c.check_type for c in checks} == {"tcp"}
        resources = {e.resource_type: e.usage_value for e in run.of_type("metrics.resource")}
        assert set(resources) == {"cpu_seconds", "peak_memory_bytes"}
        assert resources["peak_memory_bytes"] > 0
        (summary, _) = run.of_type("metrics.summary")
        assert "service.echo.cpu_seconds" in summary.metrics

    def test_unanswering_service_gets_each_failed_check_recorded(self, tmp_path: Path) -> None:
        """Failed TCP checks of a live service are all reported (none deduplicated away)."""
        service = (
            "{name: mute, command: [sleep, '300'], port: auto, ready: {delay: 0}, "
            "health: {interval: 0.05, tcp: true}}"
        )
        run = run_text(_one_service(service, "      - {kind: wait, seconds: 0.6}\n"), tmp_path)
        failed = run.of_type("service.health_check_failed")
        assert len(failed) >= 2
        assert len({e.id for e in failed}) == len(failed)
        assert [e.check_number for e in failed] == sorted(e.check_number for e in failed)
        assert run.result.tests[0].passed  # alive but unhealthy is reported, not fatal


class TestStrayProcesses:
    """Processes that escape the service's process group and parent."""

    def test_daemonized_grandchild_is_killed(self, tmp_path: Path) -> None:
        """A double-forked process in a session of its own is found by its token and killed."""
        # "up" only once the daemon is in its own session (it writes d.txt after setsid), so
        # teardown's group kill cannot catch it by chance: only the token sweep can.
        service = (
            '{name: forks, command: ["/bin/sh", "-c", '
            "\"(setsid sh -c 'touch d.txt; exec sleep 301' &); "
            'while [ ! -e d.txt ]; do sleep 0.01; done; echo up; exec sleep 300"], '
            "ready: {log: up}}"
        )
        run = run_text(_one_service(service), tmp_path)
        (released,) = [
            e.resources_released
            for e in run.of_type("environment.teardown_completed")
            if "stray_processes_killed" in (e.resources_released or {})
        ]
        (pid,) = released["stray_processes_killed"]
        assert pid not in _live_pids()


def _live_pids() -> set[int]:
    return {p.pid for p in psutil.process_iter(["status"]) if p.info["status"] != "zombie"}


class TestStartOrder:
    """depends_on decides the start order; teardown is its reverse."""

    def test_dependency_is_ready_before_its_dependent_starts(self, tmp_path: Path) -> None:
        """front (declared first) connects to back at start-up: back was started and ready."""
        connect = (
            "import socket, sys; socket.create_connection(('127.0.0.1', int(sys.argv[1])), 2)"
            ".close(); print('connected', flush=True); import time; time.sleep(300)"
        )
        text = (
            "name: x\ntests:\n  - name: t\n    services:\n"
            f"      - {{name: front, command: [{PY}, -c, \"{connect}\", '${{service.back.port}}'],"
            " depends_on: [back], ready: {log: connected, timeout: 10}}\n"
            f"      - {{name: back, command: [{PY}, {ECHO}, --port, '${{port}}'], port: auto,"
            " ready: {tcp: true}}\n"
            "    steps:\n      - {kind: wait, seconds: 0}\n"
        )
        run = run_text(text, tmp_path)
        assert run.result.passed, run.result.to_dict()
        started = [e.service_name for e in run.of_type("service.started")]
        stopped = [e.service_name for e in run.of_type("service.stopping")]
        assert started == ["back", "front"]
        assert stopped == ["front", "back"]
        check_lifecycles(run.events)


class TestNotReadyOutput:
    """The not-ready reason ends with the service's output, or says there was none."""

    def test_last_lines_follow_the_reason(self, tmp_path: Path) -> None:
        """What the service wrote (its last lines) follows 'check the service's output:'."""
        script = (
            "print(chr(10).join(f'line {i}' for i in range(30)), flush=True); "
            "import time; time.sleep(300)"
        )
        service = (
            f'{{name: talks, command: [{PY}, -c, "{script}"], port: 1, '
            "ready: {tcp: true, timeout: 3}}"  # time to start and print, even on a busy machine
        )
        run = run_text(_one_service(service), tmp_path)
        reason = run.result.tests[0].reason or ""
        head, _, tail = reason.partition("check the service's output:\n")
        assert head and tail.splitlines()[-1] == "line 29", reason
        assert "line 0\n" not in tail  # the last lines, not everything

    def test_silence_is_said(self, tmp_path: Path) -> None:
        """A service that wrote nothing gets a sentence saying so, never an empty tail."""
        service = "{name: mute, command: [sleep, '300'], port: 1, ready: {tcp: true, timeout: 0.2}}"
        run = run_text(_one_service(service), tmp_path)
        reason = run.result.tests[0].reason or ""
        assert not reason.endswith(":\n") and not reason.endswith(":"), repr(reason)
        assert "wrote nothing" in reason and "mute.stdout.log" in reason


class TestPortAlreadyTaken:
    """A fixed port another process already listens on is not the service's readiness."""

    def test_a_fixed_port_held_by_another_process_fails_the_deployment(
        self, tmp_path: Path
    ) -> None:
        """Before the service starts its port already accepts connections: the tcp readiness
        check would pass on the other process's socket and the test pass without the service.
        The deployment fails instead, naming the port and the fix, and the next test runs."""
        with socket.create_server(("127.0.0.1", 0)) as other:
            port = other.getsockname()[1]
            service = (
                f"{{name: echo, command: [{PY}, {ECHO}, --port, '${{port}}'], port: {port}, "
                "ready: {tcp: true}}"
            )
            run = run_text(_one_service(service), tmp_path)
        first, after = run.result.tests
        assert not first.passed and after.passed
        assert f"port {port} already accepts connections" in first.reason, first.reason
        assert "port: auto" in first.reason
        assert not run.of_type("service.ready")
        assert alive_service_pids(run.events) == []
