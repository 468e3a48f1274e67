"""The state-machine core: BaseState, StateTransition and the abstract StateManager."""

from __future__ import annotations

import logging
import time
from abc import ABC, abstractmethod
from collections.abc import Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import Enum
from typing import Any, ClassVar

from ..exceptions import InvalidTransitionError

__all__ = ["BaseState", "StateManager", "StateTransition"]


class BaseState(Enum):
    """Base state enumeration; each entity kind's state enum inherits from it.

    It has no members itself (an Enum with members cannot be subclassed), so it serves as the
    common type of every entity state: ``isinstance(ServiceState.READY, BaseState)`` is true.
    """


@dataclass(slots=True)
class StateTransition:
    """One move of a state machine, with what caused it.

    Attributes:
        from_state: the state left.
        to_state: the state entered.
        timestamp: when the move happened (timezone-aware UTC).
        trigger: what caused it, usually an event type such as ``"service.ready"``.
        metadata: anything else worth keeping about the move.
    """

    from_state: BaseState
    to_state: BaseState
    timestamp: datetime = field(default_factory=lambda: datetime.now(UTC))
    trigger: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)


class StateManager(ABC):
    """Abstract state machine of one entity: its current state, history and transition table.

    Subclasses implement ``_define_allowed_transitions``; the table maps each state to the states
    it may move to. A state absent from the table, or mapped to an empty set, is terminal.

    ``transition_to`` never raises for a forbidden move: it returns False and changes nothing
    (neither the state nor the history). ``transition_or_raise`` is the strict sibling, raising
    ``InvalidTransitionError``; constructing a manager with ``strict=True`` makes
    ``transition_to`` strict as well.

    Attributes:
        entity_id: the entity this machine follows.
        initial_state: the state the machine starts (and resets) in.
        current_state: the state it is in now.
        state_history: every transition made, oldest first.
        allowed_transitions: the transition table, filled by ``setup_transitions()``.
        logger: the logger of the machine's kind (``panther_events.states.<kind>``).
        strict: whether ``transition_to`` raises instead of returning False.

    Thread-safety: a manager is not locked; callers that share one across threads serialise
    their calls (the registry and the tracking observer do).
    """

    # Machines are built per entity (thousands per run): slots keep each one small. Subclasses
    # that declare no __slots__ of their own still get a __dict__ and work as usual.
    __slots__ = (
        "__weakref__",
        "_entered_at",
        "allowed_transitions",
        "current_state",
        "entity_id",
        "initial_state",
        "state_history",
        "strict",
    )

    #: Logger shared by all machines of a class; set per subclass by ``__init_subclass__``.
    logger: ClassVar[logging.Logger] = logging.getLogger("panther_events.states")

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        # One logger per class, looked up once: getLogger takes a lock, and managers are built
        # per entity on the tracking observer's hot path.
        cls.logger = logging.getLogger(f"{cls.__module__}.{cls.__name__}")

    def __init__(self, entity_id: str, initial_state: BaseState, *, strict: bool = False) -> None:
        """Create a machine in ``initial_state``.

        Args:
            entity_id: the entity's id, e.g. a service id.
            initial_state: the state to start in; it should be a key of the transition table.
            strict: when True, ``transition_to`` raises ``InvalidTransitionError`` for a
                forbidden move instead of returning False.
        """
        self.entity_id = entity_id
        self.initial_state = initial_state
        self.current_state = initial_state
        self.state_history: list[StateTransition] = []
        self.allowed_transitions: dict[BaseState, set[BaseState]] = {}
        self.strict = strict
        self._entered_at = time.monotonic()
        self.setup_transitions()

    def __repr__(self) -> str:
        return (
            f"<{type(self).__name__} {self.entity_id!r} state={self.current_state.value!r} "
            f"transitions={len(self.state_history)}>"
        )

    @abstractmethod
    def _define_allowed_transitions(self) -> dict[BaseState, set[BaseState]]:
        """Return the transition table: state -> the states it may move to."""

    def setup_transitions(self) -> None:
        """Call ``_define_allowed_transitions()`` and store the table in ``allowed_transitions``."""
        self.allowed_transitions = self._define_allowed_transitions()

    def get_current_state(self) -> BaseState:
        """Return the current state."""
        return self.current_state

    def get_state_history(self) -> list[StateTransition]:
        """Return a copy of the transition history; changing it does not change the machine."""
        return list(self.state_history)

    def get_allowed_targets(self, state: BaseState | None = None) -> set[BaseState]:
        """Return the states reachable in one move from ``state`` (default: the current one)."""
        source = self.current_state if state is None else state
        return set(self.allowed_transitions.get(source, ()))

    def is_terminal(self, state: BaseState | None = None) -> bool:
        """Return True when ``state`` (default: the current one) allows no further move."""
        source = self.current_state if state is None else state
        return not self.allowed_transitions.get(source)

    def can_transition_to(self, target_state: BaseState) -> bool:
        """Return True when the table allows moving from the current state to ``target_state``."""
        targets = self.allowed_transitions.get(self.current_state)
        if targets is not None and target_state in targets:
            return True
        if not isinstance(target_state, BaseState):
            raise self._not_a_state(target_state)
        return False

    def _not_a_state(self, target: object) -> TypeError:
        """The error for a target that is not a state at all (a string): a mistake of the
        caller, not a forbidden move (a state of another machine is one: False)."""
        kind = type(self.initial_state)
        value = getattr(target, "value", target)
        values = [state.value for state in kind]
        fix = (
            f"use {kind.__name__}({value!r})"
            if value in values
            else f"its states are {', '.join(map(str, values))}"
        )
        return TypeError(
            f"{type(self).__name__} {self.entity_id!r}: a target must be a {kind.__name__}, "
            f"got {target!r}; {fix}"
        )

    def transition_to(
        self,
        target_state: BaseState,
        trigger: str | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> bool:
        """Move to ``target_state`` if the table allows it.

        Args:
            target_state: the state to enter.
            trigger: what caused the move (usually an event type), kept in the history.
            metadata: extra facts kept in the history entry.

        Returns:
            True when the machine moved; False when the table forbids the move, in which case
            neither the state nor the history changed.

        Raises:
            InvalidTransitionError: only for a forbidden move on a manager built with
                ``strict=True``.
        """
        if not self.can_transition_to(target_state):
            if self.strict:
                raise self._refusal(target_state)
            return False
        self._move(target_state, trigger, metadata)
        return True

    def transition_or_raise(
        self,
        target_state: BaseState,
        trigger: str | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> None:
        """Move to ``target_state`` or raise; the strict form of ``transition_to``.

        Raises:
            InvalidTransitionError: when the table forbids the move; its message names the
                entity, the current state, the target and the allowed targets. Nothing changes.
        """
        if not self.can_transition_to(target_state):
            raise self._refusal(target_state)
        self._move(target_state, trigger, metadata)

    def is_in_state(self, state: BaseState) -> bool:
        """Return True when the machine is in ``state``."""
        return self.current_state is state

    def is_in_any_state(self, states: AbstractSet[BaseState]) -> bool:
        """Return True when the machine is in one of ``states``."""
        return self.current_state in states

    def get_time_in_current_state(self) -> float | None:
        """Return the seconds spent in the current state (monotonic clock)."""
        return time.monotonic() - self._entered_at

    def get_last_transition(self) -> StateTransition | None:
        """Return the most recent transition, or None when the machine never moved."""
        return self.state_history[-1] if self.state_history else None

    def undo_transition(self, transition: StateTransition) -> bool:
        """Take back ``transition`` when it is still this machine's latest move.

        The machine returns to ``transition.from_state`` and the entry leaves the history
        (the time in the current state still counts from the move taken back). Used to roll
        back a move whose event could not be published.

        Returns:
            True when undone; False (nothing changes) when ``transition`` is not the latest
            move, because the machine moved again since or never made it.
        """
        if not self.state_history or self.state_history[-1] is not transition:
            return False
        self.state_history.pop()
        self.current_state = transition.from_state
        return True

    def reset_to_initial_state(self, initial_state: BaseState | None = None) -> None:
        """Go back to ``initial_state`` (default: the one given at construction); clear history.

        The given state becomes the machine's initial state from now on.
        """
        if initial_state is not None:
            self.initial_state = initial_state
        self.current_state = self.initial_state
        self.state_history.clear()
        self._entered_at = time.monotonic()

    def _move(
        self, target_state: BaseState, trigger: str | None, metadata: dict[str, Any] | None
    ) -> None:
        self.state_history.append(
            StateTransition(
                self.current_state,
                target_state,
                datetime.now(UTC),
                trigger,
                dict(metadata) if metadata else {},
            )
        )
        self.current_state = target_state
        self._entered_at = time.monotonic()
        if self.logger.isEnabledFor(logging.DEBUG):
            self.logger.debug(
                "%s %r: %s -> %s (trigger %s)",
                type(self).__name__,
                self.entity_id,
                self.state_history[-1].from_state.value,
                target_state.value,
                trigger,
            )

    def _refusal(self, target_state: BaseState) -> InvalidTransitionError:
        allowed = sorted(str(s.value) for s in self.allowed_transitions.get(self.current_state, ()))
        return InvalidTransitionError(self.entity_id, self.current_state, target_state, allowed)


class EntityStateManager(StateManager):
    """A StateManager whose table and initial state are class attributes.

    The concrete machines (experiment, test, service, ...) are built this way, so their table
    can be read without an instance (``ServiceStateManager.TRANSITIONS``) to draw diagrams and
    drive generic code. Each instance still gets its own copy of the table in
    ``allowed_transitions``, so changing one machine's table never affects another.
    """

    __slots__ = ()

    #: The entity kind, the first segment of its event types (``"service"``).
    KIND: ClassVar[str] = ""
    #: The state every machine of the class starts in.
    INITIAL_STATE: ClassVar[BaseState]
    #: The transition table: state -> the states it may move to; absent or empty = terminal.
    TRANSITIONS: ClassVar[Mapping[BaseState, frozenset[BaseState]]]

    def __init__(
        self, entity_id: str, initial_state: BaseState | None = None, *, strict: bool = False
    ) -> None:
        """Create the machine of entity ``entity_id``, in ``INITIAL_STATE`` unless told otherwise.

        Raises:
            TypeError: when ``initial_state`` is not a state of this machine's enum.
        """
        state = type(self).INITIAL_STATE if initial_state is None else initial_state
        if type(state) is not type(self.INITIAL_STATE):
            raise TypeError(
                f"{type(self).__name__}: initial_state must be a "
                f"{type(self.INITIAL_STATE).__name__}, got {state!r}"
            )
        super().__init__(entity_id, state, strict=strict)

    def _define_allowed_transitions(self) -> dict[BaseState, set[BaseState]]:
        return {state: set(targets) for state, targets in type(self).TRANSITIONS.items()}

    @classmethod
    def terminal_states(cls) -> frozenset[BaseState]:
        """Return the states of this machine that allow no further move."""
        state_enum: type[BaseState] = type(cls.INITIAL_STATE)
        return frozenset(s for s in state_enum if not cls.TRANSITIONS.get(s))
