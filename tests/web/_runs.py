"""Runs for the dashboard's tests: real `panther-events run` processes and hand-built events."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from panther_events.events.experiment import ExperimentInitializedEvent
from panther_events.events.service import (
    ServiceCreatedEvent,
    ServiceHealthCheckPassedEvent,
    ServiceStartedEvent,
)
from panther_events.events.test import (
    TestCompletedEvent,
    TestCreatedEvent,
    TestExecutionStartedEvent,
    TestFailedEvent,
)
from panther_events.store.sqlite import SQLiteEventStore

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
CLI = Path(sys.executable).parent / "panther-events"
#: An experiment that runs for about 6 s, then fails: long enough to watch it live.


def cli(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """Run ``panther-events ARGS...`` to its end; its output captured as text."""
    return subprocess.run(
        [str(CLI), *args], capture_output=True, text=True, timeout=timeout, check=False
    )


SLOW_EXPERIMENT = """\
name: slow
tests:
  - name: waits-then-fails
    steps:
      - name: pause
        kind: wait
        seconds: 6
      - name: exit-two
        kind: command
        run: ["${python}", "-c", "import sys; sys.exit(2)"]
        check: false
    assertions:
      - kind: exit_code
        step: exit-two
        equals: 0
"""
XSS = ("<script>alert(1)</script>", '"><img src=x onerror=alert(1)>')


def record(experiment: Path, db: Path) -> str:
    """Run ``panther-events run EXPERIMENT --db DB`` as a real process; return the run id."""
    proc = subprocess.run(
        [str(CLI), "run", str(experiment), "--db", str(db), "--json", "--quiet"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode in (0, 1), proc.stderr
    return str(json.loads(proc.stdout)["experiment_id"])


def fixed_failing(tmp: Path) -> Path:
    """A copy of examples/failing.yaml (same experiment name) whose ``bad-exit`` now passes."""
    tmp.mkdir(parents=True, exist_ok=True)
    (tmp / "echo_server.py").write_text((EXAMPLES / "echo_server.py").read_text())
    text = (EXAMPLES / "failing.yaml").read_text()
    assert "sys.exit(3)" in text
    path = tmp / "failing.yaml"
    path.write_text(text.replace("sys.exit(3)", "sys.exit(0)"))
    return path


def xss_run(db: Path, run_id: str = "xss-run") -> str:
    """Store a run whose test names, service names and data are HTML/script payloads."""
    events = [ExperimentInitializedEvent(run_id, config={"name": XSS[0]})]
    for n, payload in enumerate(XSS):
        test_id = f"{run_id}/{payload}"
        service_id = f"{test_id}/service/{payload}"
        events += [
            TestCreatedEvent(test_id, payload, description=payload),
            TestExecutionStartedEvent(test_id, steps=[payload]),
            ServiceCreatedEvent(service_id, payload, "process", payload),
            ServiceStartedEvent(service_id, payload),
            TestFailedEvent(test_id, payload, error_message=payload, phase=payload)
            if n == 0
            else TestCompletedEvent(test_id, payload),
        ]
    with SQLiteEventStore(db) as store:
        store.append_many(events, run_id=run_id)
    return run_id


def big_run(db: Path, total: int, run_id: str = "big-run", tests: int = 20) -> str:
    """Store a run of ``total`` events: ``tests`` tests with a service each, the rest health
    checks of those services (the kind of samples that make runs long)."""
    events: list[object] = [ExperimentInitializedEvent(run_id, config={"name": "big"})]
    services = []
    for n in range(tests):
        test_id = f"{run_id}/test-{n}"
        service_id = f"{test_id}/service/server"
        services.append(service_id)
        events += [
            TestCreatedEvent(test_id, f"test-{n}"),
            TestExecutionStartedEvent(test_id),
            ServiceCreatedEvent(service_id, "server", "process", "python"),
            ServiceStartedEvent(service_id, "server"),
        ]
    checks = total - len(events) - tests
    events += [
        ServiceHealthCheckPassedEvent(services[i % tests], "server", "tcp", response_time_ms=i)
        for i in range(checks)
    ]
    events += [TestCompletedEvent(f"{run_id}/test-{n}", f"test-{n}") for n in range(tests)]
    with SQLiteEventStore(db, batch_size=20_000) as store:
        store.append_many(events, run_id=run_id)
    return run_id
