"""Faults: a service crashing mid-test, a hanging step, and the runner being interrupted.

Each test also checks the process table: no process the run started may survive it.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
import uuid
from pathlib import Path
from typing import Any

import pytest

from panther_events.runner import ExperimentRunner

from .helpers import (
    CLI,
    EXAMPLES,
    alive_service_pids,
    check_lifecycles,
    cli_env,
    leftovers,
    run_cli,
    stored_events,
)
from .inprocess import run_text

pytestmark = pytest.mark.slow

ECHO = EXAMPLES / "echo_server.py"

CRASH = f"""
name: crash
tests:
  - name: crashes
    services:
      - name: flaky
        # The shell leaves a grandchild in the group: teardown must kill it too.
        command: ["/bin/sh", "-c", "sleep 300 & exec \\"$0\\" \\"$@\\"",
                  "${{python}}", "{ECHO}", "--port", "${{port}}", "--exit-after", "0.5"]
        port: auto
        ready: {{tcp: true}}
        health: {{interval: 0.1}}
    steps:
      - {{name: outlive-it, kind: wait, seconds: 30}}
      - {{name: never-runs, kind: wait, seconds: 0}}
  - name: still-runs
    steps:
      - {{kind: command, run: ["${{python}}", "-c", "print('ok')"]}}
    assertions:
      - {{kind: output_contains, step: command-1, text: ok}}
"""

HANG = f"""
name: hang
tests:
  - name: hangs
    services:
      - name: echo
        command: ["${{python}}", "{ECHO}", "--port", "${{port}}"]
        port: auto
        ready: {{tcp: true}}
    steps:
      - name: stuck
        kind: command
        run: "sleep 300 & sleep 300"
        shell: true
        timeout: 0.5
      - {{name: after, kind: wait, seconds: 0}}
"""

INTERRUPT = f"""
name: interrupt
tests:
  - name: long
    services:
      - name: echo
        command: ["${{python}}", "{ECHO}", "--port", "${{port}}"]
        port: auto
        ready: {{tcp: true}}
      - name: sleeper
        command: ["/bin/sh", "-c", "sleep 300 & sleep 300"]
    steps:
      - {{name: long-wait, kind: wait, seconds: 60}}
  - name: never
    steps:
      - {{kind: wait, seconds: 0}}
"""


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "experiment.yaml"
    path.write_text(text, encoding="utf-8")
    return path


class TestServiceCrash:
    """A service that dies while its test runs."""

    def test_crash_fails_the_test_and_the_next_test_runs(self, tmp_path: Path) -> None:
        """The crash is a service error, the test fails with it, the next test still passes."""
        run = run_cli(_write(tmp_path, CRASH), tmp_path)
        assert run.returncode == 1, run.stderr
        tests = {t["name"]: t for t in run.json()["tests"]}
        assert tests["crashes"]["reason"] == "service 'flaky' exited unexpectedly with status 3"
        assert tests["crashes"]["phase"] == "service"
        assert tests["still-runs"]["passed"]
        assert not leftovers(run.marker)

        events = stored_events(run.db)
        finals = check_lifecycles(events)
        errors = [e for e in events if e.type == "service.error"]
        assert [e.data["error_type"] for e in errors] == ["ServiceCrashed"]
        assert [e.type for e in events].count("experiment.service_failure") == 1
        steps = {k.rsplit("/", 1)[-1]: v for k, v in finals["step"].items()}
        assert steps == {"outlive-it": "failed", "never-runs": "skipped", "command-1": "completed"}


class TestHangingStep:
    """A step that never finishes by itself."""

    def test_timeout_fails_the_step_and_teardown_happens(self, tmp_path: Path) -> None:
        """The step's timeout kills it and its children; the service is still torn down."""
        run = run_cli(_write(tmp_path, HANG), tmp_path)
        assert run.returncode == 1, run.stderr
        (test,) = run.json()["tests"]
        assert "still running after 0.5s; killed" in test["reason"]
        assert not leftovers(run.marker)

        events = stored_events(run.db)
        finals = check_lifecycles(events)
        assert set(finals["service"].values()) == {"destroyed"}
        assert set(finals["environment"].values()) == {"torn_down"}
        types = [e.type for e in events]
        assert types.index("test.teardown_completed") < types.index("test.failed")


class TestInterrupt:
    """SIGINT, SIGTERM or SIGHUP (the terminal closed) to the runner while a test runs."""

    @pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM, signal.SIGHUP])
    def test_signal_tears_down_and_finishes_early(
        self, sig: signal.Signals, tmp_path: Path
    ) -> None:
        """Every service is stopped, the experiment is finished early, the store is flushed."""
        marker = uuid.uuid4().hex
        db = tmp_path / "events.db"
        log = tmp_path / "events.log"
        # A session of its own, like a shell job: the signal goes to the whole group, as
        # Ctrl-C at a terminal would send it.
        proc = subprocess.Popen(
            [str(CLI), "run", str(_write(tmp_path, INTERRUPT)), "--db", str(db), "--quiet"],
            cwd=tmp_path,
            env=cli_env(marker),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
        try:
            deadline = time.monotonic() + 60
            while "step.execution_started" not in (log.read_text() if log.exists() else ""):
                assert proc.poll() is None, proc.communicate()
                assert time.monotonic() < deadline, "the step never started"
                time.sleep(0.05)
            os.killpg(proc.pid, sig)
            out, err = proc.communicate(timeout=60)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.communicate()
        assert proc.returncode == 1, err
        assert b"FINISHED EARLY" in out
        assert not leftovers(marker)

        events = stored_events(db)
        finals = check_lifecycles(events)
        finished = [e for e in events if e.type == "experiment.finished_early"]
        assert [e.data["reason"] for e in finished] == [f"received {sig.name}"]
        assert set(finals["service"].values()) == {"destroyed"}
        assert set(finals["test"].values()) == {"failed"}
        not_run = [e for e in events if e.type == "test.failed" and e.data["phase"] == "not_run"]
        assert [e.entity_id.rsplit("/", 1)[-1] for e in not_run] == ["never"]


class TestInterruptPhases:
    """runner.interrupt() in phases other than a step (in-process)."""

    def test_interrupt_while_waiting_for_readiness(self, tmp_path: Path) -> None:
        """An interrupt during the readiness wait stops waiting, tears down, finishes early."""

        def interrupt_on_start(runner: ExperimentRunner, event: Any) -> None:
            if event.get_type() == "service.started":
                runner.interrupt("stop now")

        run = run_text(
            "name: x\ntests:\n  - name: t\n    services:\n"
            "      - {name: slow, command: [sleep, '300'], ready: {log: never, timeout: 60}}\n"
            "    steps:\n      - {kind: wait, seconds: 0}\n"
            "  - name: later\n    steps:\n      - {kind: wait, seconds: 0}\n",
            tmp_path,
            hook=interrupt_on_start,
        )
        assert run.result.finished_early and run.result.reason == "stop now"
        first, later = run.result.tests
        assert first.phase == "interrupted" and later.phase == "not_run"
        finals = check_lifecycles(run.events)
        assert finals["experiment"] == {run.result.experiment_id: "failed"}
        assert set(finals["service"].values()) == {"destroyed"}
        assert "step" not in finals  # no step ran
        assert alive_service_pids(run.events) == []
        assert run.refused == []


BACKGROUND = """
name: background
tests:
  - name: starts-a-daemon
    steps:
      - name: spawn
        kind: command
        run: "sleep 300 & echo started"
        shell: true
        timeout: 20
    assertions:
      - {kind: output_contains, step: spawn, text: started}
"""


class TestBackgroundProcess:
    """A shell step that leaves a background process holding its output open."""

    def test_step_ends_with_the_shell_and_nothing_survives(self, tmp_path: Path) -> None:
        """Output is read until the shell exits (not until the pipe closes); no orphan remains."""
        run = run_cli(_write(tmp_path, BACKGROUND), tmp_path)
        assert run.returncode == 0, run.stdout + run.stderr
        ((step,),) = [t["steps"] for t in run.json()["tests"]]
        assert step["passed"], step
        assert not leftovers(run.marker)
