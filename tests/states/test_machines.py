"""Every built-in machine: its happy path, each failure path, and the shape of its table."""

from __future__ import annotations

from collections import deque

import pytest

from panther_events import (
    AssertionState,
    EnvironmentState,
    ExperimentState,
    PluginState,
    ServiceState,
    StepState,
    TestState,
)
from panther_events.states import (
    EVENT_TRANSITIONS,
    MACHINES,
    EntityStateManager,
    derive_state,
    state_for_event,
)

from ._paths import FAILURE_EVENTS, HAPPY_ENDS, HAPPY_PATHS, PHASE_FAILURES

KINDS = sorted(MACHINES)


def drive(kind: str, event_types: list[str]) -> EntityStateManager:
    """Move a fresh machine through event types, asserting that every move is allowed."""
    machine = MACHINES[kind]("e1")
    for event_type in event_types:
        move = state_for_event(event_type)
        assert move is not None, event_type
        assert move[0] == kind
        target = type(machine.INITIAL_STATE)(move[1])
        assert machine.transition_to(target, trigger=event_type), (
            f"{event_type}: {machine.current_state.value} -> {target.value}"
        )
    return machine


def reachable(kind: str) -> set[object]:
    """Every state reachable from the initial one through the table."""
    machine = MACHINES[kind]
    seen = {machine.INITIAL_STATE}
    todo = deque([machine.INITIAL_STATE])
    while todo:
        for target in machine.TRANSITIONS.get(todo.popleft(), frozenset()):
            if target not in seen:
                seen.add(target)
                todo.append(target)
    return seen


def event_paths(kind: str) -> dict[object, list[str]]:
    """The shortest event-type path from the initial state to every reachable state."""
    machine = MACHINES[kind]
    edges = [(t, v) for t, (k, v) in EVENT_TRANSITIONS.items() if k == kind]
    paths: dict[object, list[str]] = {machine.INITIAL_STATE: []}
    todo = deque([machine.INITIAL_STATE])
    while todo:
        state = todo.popleft()
        for event_type, value in edges:
            target = type(machine.INITIAL_STATE)(value)
            if target in machine.TRANSITIONS[state] and target not in paths:
                paths[target] = [*paths[state], event_type]
                todo.append(target)
    return paths


class TestMachines:
    """The seven lifecycles."""

    def test_every_kind_has_an_enum_and_manager(self) -> None:
        """The spec-named enums back the managers, all starting in pending."""
        enums = {
            "experiment": ExperimentState,
            "test": TestState,
            "service": ServiceState,
            "environment": EnvironmentState,
            "plugin": PluginState,
            "step": StepState,
            "assertion": AssertionState,
        }
        for kind, enum in enums.items():
            machine = MACHINES[kind]("x")
            assert type(machine.current_state) is enum
            assert machine.current_state.value == "pending"
            assert kind == machine.KIND

    @pytest.mark.parametrize("kind", KINDS)
    def test_happy_path(self, kind: str) -> None:
        """The full lifecycle passes, ends terminal, and every move is in the history."""
        machine = drive(kind, HAPPY_PATHS[kind])
        assert machine.current_state.value == HAPPY_ENDS[kind]
        assert machine.is_terminal()
        assert [t.trigger for t in machine.get_state_history()] == HAPPY_PATHS[kind]

    @pytest.mark.parametrize("kind", KINDS)
    def test_failure_from_every_non_terminal_state_of_the_happy_path(self, kind: str) -> None:
        """The kind's failure event reaches `failed` from each state the happy path visits."""
        path = HAPPY_PATHS[kind]
        for length in range(len(path)):
            machine = drive(kind, path[:length])
            assert not machine.is_terminal()
            drive_on = drive(kind, [*path[:length], FAILURE_EVENTS[kind]])
            assert drive_on.current_state.value == "failed", (kind, path[:length])

    @pytest.mark.parametrize("kind", KINDS)
    def test_failure_event_from_every_non_terminal_state(self, kind: str) -> None:
        """Every non-terminal state, reached by events alone, fails on the kind's failure event."""
        paths = event_paths(kind)
        assert set(paths) == set(type(MACHINES[kind].INITIAL_STATE))  # events reach every state
        for state, path in paths.items():
            machine = drive(kind, path)
            assert machine.current_state is state
            if machine.is_terminal():
                continue
            failed = drive(kind, [*path, FAILURE_EVENTS[kind]])
            assert failed.current_state.value == "failed", (kind, path)

    @pytest.mark.parametrize(("kind", "prefix", "failure"), PHASE_FAILURES)
    def test_phase_failures(self, kind: str, prefix: int, failure: str) -> None:
        """A phase's own failure event fails the entity while in that phase."""
        machine = drive(kind, [*HAPPY_PATHS[kind][:prefix], failure])
        assert machine.current_state.value == "failed"

    @pytest.mark.parametrize("kind", KINDS)
    def test_failed_state_reachable_from_every_non_terminal_state(self, kind: str) -> None:
        """The table itself lets every non-terminal state fail."""
        machine = MACHINES[kind]
        failed = type(machine.INITIAL_STATE)("failed")
        for state, targets in machine.TRANSITIONS.items():
            if targets and state is not failed:
                assert failed in targets, (kind, state)

    @pytest.mark.parametrize("kind", KINDS)
    def test_terminal_states_are_terminal(self, kind: str) -> None:
        """No move leaves a terminal state, and the happy end is one of them."""
        machine_cls = MACHINES[kind]
        terminals = machine_cls.terminal_states()
        assert terminals
        assert type(machine_cls.INITIAL_STATE)(HAPPY_ENDS[kind]) in terminals
        for state in terminals:
            machine = machine_cls("x", state)
            for target in type(machine_cls.INITIAL_STATE):
                assert machine.transition_to(target) is False

    @pytest.mark.parametrize("kind", KINDS)
    def test_table_covers_every_state_and_all_are_reachable(self, kind: str) -> None:
        """Every enum member has a row, is reachable, and can reach a terminal state."""
        machine = MACHINES[kind]
        states = set(type(machine.INITIAL_STATE))
        assert set(machine.TRANSITIONS) == states
        assert reachable(kind) == states
        terminals = machine.terminal_states()
        for state in states:
            seen = {state}
            todo = deque([state])
            while todo:
                for target in machine.TRANSITIONS.get(todo.popleft(), frozenset()):
                    if target not in seen:
                        seen.add(target)
                        todo.append(target)
            assert seen & terminals, (kind, state)

    @pytest.mark.parametrize("kind", KINDS)
    def test_every_cycle_goes_through_failed(self, kind: str) -> None:
        """Without `failed` and self-loops the table is acyclic (as docs/state-machines.md says)."""
        machine = MACHINES[kind]
        failed = type(machine.INITIAL_STATE)("failed")
        edges = {
            s: {t for t in targets if t is not s and t is not failed}
            for s, targets in machine.TRANSITIONS.items()
            if s is not failed
        }
        done: set[object] = set()
        visiting: set[object] = set()

        def visit(state: object) -> None:
            assert state not in visiting, f"{kind}: cycle through {state}"
            if state in done:
                return
            visiting.add(state)
            for target in edges[state]:  # type: ignore[index]
                visit(target)
            visiting.discard(state)
            done.add(state)

        for state in edges:
            visit(state)
        self_loops = {s.value for s, t in machine.TRANSITIONS.items() if s in t}
        assert self_loops <= {"failed", "loaded"}

    def test_cleanup_after_failure(self) -> None:
        """A failed service is still stopped and destroyed; a failed environment torn down."""
        service = drive("service", ["service.created", "service.started", "service.error"])
        drive_more = ["service.stopped", "service.destroyed"]
        for event_type in drive_more:
            move = state_for_event(event_type)
            assert move is not None
            assert service.transition_to(ServiceState(move[1]))
        assert service.current_state is ServiceState.DESTROYED
        assert (
            derive_state(
                "environment",
                [
                    "environment.created",
                    "environment.setup_started",
                    "environment.setup_failed",
                    "environment.teardown_started",
                    "environment.teardown_completed",
                ],
            )
            == "torn_down"
        )

    def test_test_teardown_after_a_phase_failure(self) -> None:
        """A test whose deployment failed is torn down, then gets its failed verdict."""
        events = [
            "test.created",
            "test.deployment_started",
            "test.deployment_failed",
            "test.teardown_started",
            "test.teardown_completed",
            "test.failed",
        ]
        assert derive_state("test", events) == "failed"

    def test_impossible_moves_are_refused(self) -> None:
        """A few sequences the issue names: never started, created twice, ready before start."""
        assert derive_state("test", ["test.created", "test.completed"]) == "created"
        assert derive_state("service", ["service.created", "service.created"]) == "created"
        assert derive_state("service", ["service.created", "service.ready"]) == "created"
        assert derive_state("step", ["step.execution_completed"]) == "pending"
