"""Hypothesis: whatever events arrive, a machine never leaves its transition table."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from panther_events.states import (
    EVENT_TRANSITIONS,
    MACHINES,
    PHASE_EVENTS,
    check_event,
    derive_state,
    state_enum,
)

KINDS = sorted(MACHINES)
TYPES_BY_KIND = {
    kind: sorted(
        t for t, route in [*EVENT_TRANSITIONS.items(), *PHASE_EVENTS.items()] if route[0] == kind
    )
    for kind in KINDS
}


@st.composite
def kind_and_events(draw: st.DrawFn) -> tuple[str, list[str]]:
    """A kind and a sequence of its event types (legal or not)."""
    kind = draw(st.sampled_from(KINDS))
    return kind, draw(st.lists(st.sampled_from(TYPES_BY_KIND[kind]), max_size=40))


class TestMachineProperties:
    """Random event sequences against every machine."""

    @settings(max_examples=300, deadline=None)
    @given(kind_and_events())
    def test_never_leaves_the_table(self, case: tuple[str, list[str]]) -> None:
        """Every recorded move is in the table; refused events change nothing."""
        kind, events = case
        machine = MACHINES[kind]("e")
        enum = state_enum(kind)
        for event_type in events:
            before = (machine.current_state, len(machine.state_history))
            check = check_event(event_type, machine)
            assert check is not None
            moved = check.target is not None and machine.transition_to(check.target)
            assert moved == (check.ok and check.target is not None)
            if not moved:
                assert (machine.current_state, len(machine.state_history)) == before
            assert type(machine.current_state) is enum
        for t in machine.state_history:
            assert t.to_state in MACHINES[kind].TRANSITIONS[t.from_state]
        history = machine.get_state_history()
        if history:
            assert history[0].from_state is MACHINES[kind].INITIAL_STATE
            assert history[-1].to_state is machine.current_state

    @settings(max_examples=300, deadline=None)
    @given(kind_and_events())
    def test_derive_state_agrees_with_stepwise_replay(self, case: tuple[str, list[str]]) -> None:
        """derive_state is the fold of transition_to over the mapped targets."""
        kind, events = case
        machine = MACHINES[kind]("e")
        for event_type in events:
            move = EVENT_TRANSITIONS.get(event_type)
            if move is not None:
                machine.transition_to(state_enum(kind)(move[1]))
        assert derive_state(kind, events) == machine.current_state.value
