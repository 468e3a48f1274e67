"""StateManager, BaseState and StateTransition: the contract every machine shares."""

from __future__ import annotations

import logging
from datetime import UTC

import pytest

from panther_events import (
    BaseState,
    InvalidTransitionError,
    ServiceState,
    ServiceStateManager,
    StateManager,
    StateTransition,
)


class Light(BaseState):
    """A tiny user-defined machine's states."""

    OFF = "off"
    ON = "on"
    BROKEN = "broken"


class LightManager(StateManager):
    """A user subclass written only against the spec's abstract method."""

    def _define_allowed_transitions(self) -> dict[BaseState, set[BaseState]]:
        return {
            Light.OFF: {Light.ON, Light.BROKEN},
            Light.ON: {Light.OFF, Light.BROKEN},
            Light.BROKEN: set(),
        }


class TestBaseState:
    """BaseState is the common type of every entity state."""

    def test_has_no_members_and_is_the_parent_of_entity_states(self) -> None:
        """BaseState itself is empty; entity enums inherit from it."""
        assert list(BaseState) == []
        assert isinstance(ServiceState.READY, BaseState)
        assert isinstance(Light.ON, BaseState)


class TestStateTransition:
    """StateTransition keeps what moved, when and why."""

    def test_fields_and_defaults(self) -> None:
        """Timestamp defaults to now in UTC, metadata to an empty dict."""
        t = StateTransition(Light.OFF, Light.ON)
        assert (t.from_state, t.to_state, t.trigger, t.metadata) == (Light.OFF, Light.ON, None, {})
        assert t.timestamp.tzinfo is UTC


class TestStateManager:
    """The spec's StateManager methods, on a user subclass and a built-in machine."""

    def test_abstract_without_a_table(self) -> None:
        """StateManager cannot be instantiated without _define_allowed_transitions."""
        with pytest.raises(TypeError):
            StateManager("x", Light.OFF)  # type: ignore[abstract]

    def test_constructor_sets_the_spec_attributes(self) -> None:
        """entity_id, current_state, empty history, the table and a logger."""
        m = LightManager("lamp", Light.OFF)
        assert m.entity_id == "lamp"
        assert m.current_state is Light.OFF
        assert m.get_current_state() is Light.OFF
        assert m.state_history == []
        assert m.allowed_transitions[Light.OFF] == {Light.ON, Light.BROKEN}
        assert isinstance(m.logger, logging.Logger)

    def test_setup_transitions_reloads_the_table(self) -> None:
        """setup_transitions() stores _define_allowed_transitions() again."""
        m = LightManager("lamp", Light.OFF)
        m.allowed_transitions = {}
        m.setup_transitions()
        assert m.can_transition_to(Light.ON)

    def test_allowed_transition_moves_and_records(self) -> None:
        """transition_to returns True, changes state and appends a history entry."""
        m = LightManager("lamp", Light.OFF)
        assert m.transition_to(Light.ON, trigger="switch", metadata={"by": "me"}) is True
        assert m.current_state is Light.ON
        last = m.get_last_transition()
        assert last is not None
        assert (last.from_state, last.to_state, last.trigger, last.metadata) == (
            Light.OFF,
            Light.ON,
            "switch",
            {"by": "me"},
        )

    def test_undo_transition_takes_back_only_the_latest_move(self) -> None:
        """undo_transition restores the previous state and history; an older move is kept."""
        m = LightManager("lamp", Light.OFF)
        m.transition_to(Light.ON)
        first = m.get_last_transition()
        m.transition_to(Light.OFF)
        second = m.get_last_transition()
        assert first is not None and second is not None
        assert m.undo_transition(first) is False
        assert (m.current_state, m.get_state_history()) == (Light.OFF, [first, second])
        assert m.undo_transition(second) is True
        assert (m.current_state, m.get_state_history()) == (Light.ON, [first])
        assert m.undo_transition(second) is False
        assert m.undo_transition(first) is True
        assert (m.current_state, m.get_state_history()) == (Light.OFF, [])

    def test_forbidden_transition_returns_false_and_changes_nothing(self) -> None:
        """A move the table forbids leaves state and history untouched."""
        m = LightManager("lamp", Light.OFF)
        m.transition_to(Light.BROKEN)
        before = m.get_state_history()
        assert m.transition_to(Light.ON) is False
        assert m.current_state is Light.BROKEN
        assert m.get_state_history() == before

    def test_state_outside_the_table_is_refused(self) -> None:
        """A state of another machine is never a legal target."""
        m = LightManager("lamp", Light.OFF)
        assert m.can_transition_to(ServiceState.READY) is False
        assert m.transition_to(ServiceState.READY) is False

    def test_history_is_a_copy(self) -> None:
        """Changing the returned history does not change the machine."""
        m = LightManager("lamp", Light.OFF)
        m.transition_to(Light.ON)
        history = m.get_state_history()
        history.clear()
        assert len(m.get_state_history()) == 1

    def test_transition_or_raise_names_entity_states_and_allowed(self) -> None:
        """The strict sibling raises InvalidTransitionError with a full message."""
        m = ServiceStateManager("quic-server")
        m.transition_to(ServiceState.CREATED)
        with pytest.raises(InvalidTransitionError) as info:
            m.transition_or_raise(ServiceState.READY)
        message = str(info.value)
        assert "'quic-server'" in message
        assert "'created'" in message
        assert "'ready'" in message
        assert "['deploying', 'destroyed', 'failed', 'preparing', 'running']" in message
        assert info.value.allowed == ["deploying", "destroyed", "failed", "preparing", "running"]
        assert m.current_state is ServiceState.CREATED
        assert len(m.state_history) == 1

    def test_transition_or_raise_moves_when_allowed(self) -> None:
        """The strict sibling moves like transition_to when the move is legal."""
        m = ServiceStateManager("s")
        m.transition_or_raise(ServiceState.CREATED, trigger="service.created")
        assert m.current_state is ServiceState.CREATED

    def test_strict_option_makes_transition_to_raise(self) -> None:
        """strict=True turns a refusal of transition_to into InvalidTransitionError."""
        m = ServiceStateManager("s", strict=True)
        with pytest.raises(InvalidTransitionError):
            m.transition_to(ServiceState.READY)
        assert m.current_state is ServiceState.PENDING

    def test_is_in_state_and_any_state(self) -> None:
        """Membership checks on the current state."""
        m = LightManager("lamp", Light.OFF)
        assert m.is_in_state(Light.OFF)
        assert not m.is_in_state(Light.ON)
        assert m.is_in_any_state({Light.ON, Light.OFF})
        assert not m.is_in_any_state({Light.ON, Light.BROKEN})

    def test_time_in_current_state_is_non_negative(self) -> None:
        """The time spent in the current state is a non-negative float."""
        m = LightManager("lamp", Light.OFF)
        elapsed = m.get_time_in_current_state()
        assert elapsed is not None
        assert elapsed >= 0.0

    def test_last_transition_is_none_before_any_move(self) -> None:
        """A machine that never moved has no last transition."""
        assert LightManager("lamp", Light.OFF).get_last_transition() is None

    def test_reset_to_initial_state(self) -> None:
        """Reset goes to the given state and clears the history."""
        m = LightManager("lamp", Light.OFF)
        m.transition_to(Light.ON)
        m.reset_to_initial_state(Light.OFF)
        assert m.current_state is Light.OFF
        assert m.get_state_history() == []

    def test_reset_defaults_to_the_constructor_state(self) -> None:
        """Without an argument the machine returns to its initial state."""
        m = ServiceStateManager("s")
        m.transition_to(ServiceState.CREATED)
        m.reset_to_initial_state()
        assert m.current_state is ServiceState.PENDING

    def test_each_instance_owns_its_table(self) -> None:
        """Changing one machine's table does not change another's."""
        a, b = ServiceStateManager("a"), ServiceStateManager("b")
        a.allowed_transitions[ServiceState.PENDING].add(ServiceState.READY)
        assert a.can_transition_to(ServiceState.READY)
        assert not b.can_transition_to(ServiceState.READY)

    def test_wrong_initial_state_type_is_refused(self) -> None:
        """A built-in machine only starts in one of its own states."""
        with pytest.raises(TypeError, match="ServiceState"):
            ServiceStateManager("s", Light.OFF)

    def test_debug_logging_of_moves(self, caplog: pytest.LogCaptureFixture) -> None:
        """A move is logged at DEBUG when that level is enabled."""
        m = ServiceStateManager("s")
        with caplog.at_level(logging.DEBUG, "panther_events.states"):
            m.transition_to(ServiceState.CREATED, trigger="service.created")
        assert any("pending -> created" in r.getMessage() for r in caplog.records)
