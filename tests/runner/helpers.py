"""Helpers of the runner tests: run the CLI as a real process, read the store, find leftovers."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psutil

from panther_events.states import EVENT_TRANSITIONS, MACHINES, check_event, new_machine
from panther_events.store.base import StoredEvent
from panther_events.store.sqlite import SQLiteEventStore

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
#: The console script of the venv running the tests.
CLI = Path(sys.executable).parent / "panther-events"
#: Environment variable every process a run starts inherits; finds leftovers.
MARKER = "PANTHER_RUNNER_TEST_MARKER"


@dataclass
class CliRun:
    """A finished ``panther-events run`` process."""

    returncode: int
    stdout: str
    stderr: str
    marker: str
    db: Path

    def json(self) -> dict[str, Any]:
        """The ``--json`` summary printed on stdout."""
        data: dict[str, Any] = json.loads(self.stdout)
        return data


def cli_env(marker: str) -> dict[str, str]:
    """The environment for a CLI process: ours plus the leftover marker."""
    return {**os.environ, MARKER: marker, "PYTHONUNBUFFERED": "1"}


def run_cli(experiment: Path, tmp_path: Path, *args: str, timeout: float = 120) -> CliRun:
    """Run ``panther-events run EXPERIMENT --db tmp/events.db --json ARGS`` to completion."""
    marker = uuid.uuid4().hex
    db = tmp_path / "events.db"
    proc = subprocess.run(
        [str(CLI), "run", str(experiment), "--db", str(db), "--json", *args],
        cwd=tmp_path,
        env=cli_env(marker),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    return CliRun(proc.returncode, proc.stdout, proc.stderr, marker, db)


def leftovers(marker: str) -> list[psutil.Process]:
    """Every live process whose environment carries ``marker`` (none should survive a run)."""
    found = []
    for proc in psutil.process_iter():
        try:
            if proc.environ().get(MARKER) == marker and proc.status() != psutil.STATUS_ZOMBIE:
                found.append(proc)
        except psutil.Error:
            continue
    return found


def alive_service_pids(events: list[Any]) -> list[int]:
    """Pids of the services a run started (``service.started``) that are still alive."""
    alive = []
    for event in events:
        if _kind_and_type(event)[1] != "service.started":
            continue
        pid = event.data["pid"]
        try:
            if psutil.Process(pid).status() != psutil.STATUS_ZOMBIE:
                alive.append(pid)
        except psutil.NoSuchProcess:
            continue
    return alive


def stored_events(db: Path, run: str = "latest") -> list[StoredEvent]:
    """Every event of one stored run, in order."""
    with SQLiteEventStore(db) as store:
        return store.events(store.resolve_run(run))


#: The states each kind's lifecycle may end in once a run is over.
FINAL_STATES = {
    "experiment": {"completed", "failed"},
    "test": {"completed", "failed"},
    "service": {"destroyed"},
    "environment": {"torn_down"},
    "plugin": {"stopped"},
    "step": {"completed", "failed", "skipped"},
    "assertion": {"completed", "failed"},
}


def _kind_and_type(event: Any) -> tuple[str, str]:
    """(entity kind, type string) of a stored or a live event."""
    if isinstance(event, StoredEvent):
        return event.entity_type, event.type
    return event.entity_type.value, event.get_type()


def check_lifecycles(
    events: list[Any], final_states: dict[str, set[str]] = FINAL_STATES
) -> dict[str, dict[str, str]]:
    """Assert each entity's events form a valid path of its machine ending in a final state.

    Args:
        events: stored events (``StoredEvent``) or published ones, in order.
        final_states: the states each kind may end in.

    Returns:
        kind -> entity id -> final state value.
    """
    machines: dict[tuple[str, str], Any] = {}
    for index, event in enumerate(events):
        kind, event_type = _kind_and_type(event)
        if kind not in MACHINES:
            continue
        key = (kind, event.entity_id)
        machine = machines.get(key)
        if machine is None:
            machine = machines[key] = new_machine(kind, event.entity_id)
        check = check_event(event_type, machine)
        assert check is not None, f"{event_type} is not a lifecycle event of {kind}"
        assert check.ok, f"event {index}: {check.reason}"
        if check.target is not None:
            assert machine.transition_to(check.target)
    finals: dict[str, dict[str, str]] = defaultdict(dict)
    for (kind, entity_id), machine in machines.items():
        state = str(machine.current_state.value)
        assert state in final_states[kind], f"{kind} {entity_id!r} ended in {state!r}"
        finals[kind][entity_id] = state
    return dict(finals)


def entities(events: list[Any], kind: str) -> set[str]:
    """The ids of every entity of ``kind`` that has a lifecycle event."""
    return {
        e.entity_id
        for e in events
        if _kind_and_type(e)[0] == kind and _kind_and_type(e)[1] in EVENT_TRANSITIONS
    }


def types_of(events: list[Any]) -> list[str]:
    """The type strings of ``events``, in order."""
    return [_kind_and_type(e)[1] for e in events]
