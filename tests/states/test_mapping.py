"""The event -> transition mapping: complete, consistent with the tables, and replayable."""

from __future__ import annotations

from pathlib import Path

import pytest

from panther_events.events.base import registered_event_types
from panther_events.states import (
    EVENT_TRANSITIONS,
    MACHINES,
    PHASE_EVENTS,
    STATELESS_EVENTS,
    ServiceStateManager,
    check_event,
    derive_state,
    derive_states,
    new_machine,
    state_enum,
    state_for_event,
)
from panther_events.states._diagrams import render_mermaid, render_state_machines_doc

from ..emitters._samples import sample_event

DOC = Path(__file__).resolve().parents[2] / "docs" / "state-machines.md"


class TestMapping:
    """state_for_event and the three tables."""

    def test_every_registered_type_is_classified_exactly_once(self) -> None:
        """Each event type moves a machine, happens inside a phase, or is listed as stateless."""
        tables = [set(EVENT_TRANSITIONS), set(PHASE_EVENTS), set(STATELESS_EVENTS)]
        assert set().union(*tables) == set(registered_event_types())
        assert sum(len(t) for t in tables) == len(registered_event_types())

    def test_examples_from_the_issue(self) -> None:
        """The service lifecycle maps as documented."""
        expected = {
            "service.created": "created",
            "service.preparation_started": "preparing",
            "service.deployment_started": "deploying",
            "service.started": "running",
            "service.ready": "ready",
            "service.stopping": "stopping",
            "service.stopped": "stopped",
            "service.destroyed": "destroyed",
            "service.error": "failed",
        }
        for event_type, state in expected.items():
            assert state_for_event(event_type) == ("service", state)
        assert state_for_event("step.execution_started") == ("step", "running")
        assert state_for_event("service.health_check_passed") is None
        assert state_for_event("metrics.collected") is None
        assert state_for_event("no.such_type") is None

    def test_targets_are_states_of_the_events_own_domain(self) -> None:
        """Every target is a member of the machine of the event type's first segment."""
        for event_type, (kind, value) in EVENT_TRANSITIONS.items():
            assert event_type.split(".")[0] == kind
            assert state_enum(kind)(value) in MACHINES[kind].TRANSITIONS

    def test_phase_states_exist(self) -> None:
        """Every legal state of a phase event is a member of its machine."""
        for event_type, (kind, legal) in PHASE_EVENTS.items():
            assert event_type.split(".")[0] == kind
            for value in legal:
                state_enum(kind)(value)

    def test_every_state_but_pending_is_some_events_target(self) -> None:
        """States can be derived from events alone: each is entered by at least one event."""
        for kind, machine in MACHINES.items():
            targets = {v for k, v in EVENT_TRANSITIONS.values() if k == kind}
            states = {s.value for s in type(machine.INITIAL_STATE)}
            assert states - targets == {"pending"}, kind

    def test_unknown_kind_names_the_known_ones(self) -> None:
        """state_enum and new_machine reject an unknown kind with a helpful message."""
        with pytest.raises(ValueError, match=r"'robot'.*assertion"):
            state_enum("robot")
        with pytest.raises(ValueError, match="'robot'"):
            new_machine("robot", "r1")
        assert isinstance(new_machine("service", "s"), ServiceStateManager)

    def test_check_event(self) -> None:
        """check_event explains transition and phase refusals without moving the machine."""
        machine = new_machine("test", "t1")
        refused = check_event("test.completed", machine)
        assert refused is not None
        assert not refused.ok
        assert "allowed from 'pending'" in refused.reason
        phase = check_event("test.step_started", machine)
        assert phase is not None
        assert not phase.ok
        assert "['executing']" in phase.reason
        assert check_event("metrics.timing", machine) is None
        assert machine.current_state.value == "pending"

    def test_derive_states_from_event_objects(self) -> None:
        """Replaying real events gives each entity's state; impossible ones are skipped."""
        reg = registered_event_types()
        events = [
            sample_event(reg["service.created"], "s1"),
            sample_event(reg["service.started"], "s1"),
            sample_event(reg["service.destroyed"], "s1"),  # running -> destroyed: impossible
            sample_event(reg["step.execution_started"], "st"),
            sample_event(reg["metrics.counter"], "c"),
        ]
        assert derive_states(events) == {("service", "s1"): "running", ("step", "st"): "running"}

    def test_derive_state_ignores_other_kinds(self) -> None:
        """Event types of another kind do not touch the replayed machine."""
        assert derive_state("step", ["service.created", "step.skipped"]) == "skipped"


class TestStateMachineDoc:
    """docs/state-machines.md is generated from the tables."""

    def test_committed_doc_equals_the_generated_text(self) -> None:
        """Regenerate with the command in the doc's header comment when this fails."""
        assert DOC.read_text(encoding="utf-8") == render_state_machines_doc()

    @pytest.mark.parametrize("kind", sorted(MACHINES))
    def test_diagram_draws_every_transition(self, kind: str) -> None:
        """Each table edge is a Mermaid arrow, each terminal state points to [*]."""
        text = render_mermaid(kind)
        machine = MACHINES[kind]
        assert text.startswith("stateDiagram-v2\n    [*] --> pending\n")
        arrows = {line.strip() for line in text.splitlines()[2:]}
        expected = {
            f"{s.value} --> {t.value}"
            for s, targets in machine.TRANSITIONS.items()
            for t in targets
        } | {f"{s.value} --> [*]" for s in machine.terminal_states()}
        assert arrows == expected
        assert f"```mermaid\n{text}```" in render_state_machines_doc()

    def test_doc_lists_every_mapped_event(self) -> None:
        """The mapping tables list every event type once."""
        doc = render_state_machines_doc()
        for event_type in registered_event_types():
            assert doc.count(f"| `{event_type}` |") == 1, event_type

    def test_unknown_kind(self) -> None:
        """render_mermaid rejects an unknown kind."""
        with pytest.raises(ValueError, match="unknown entity kind"):
            render_mermaid("robot")
