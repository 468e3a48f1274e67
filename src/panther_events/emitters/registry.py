"""EmitterRegistry: every domain emitter plus per-entity state machines that validate emits.

A framework can drive a whole experiment through one registry. Each ``*_with_validation``
method checks the entity's state machine, moves it, emits the event and returns True; when the
lifecycle forbids the event (a test completed that never started, a service created twice) it
emits nothing, logs why on the ``panther_events.registry`` logger and returns False (the reason
is also kept in ``last_refusal``). Those methods are declared in one line each from their
event class (``_validated.py``) and take exactly its constructor's parameters;
``emit_validated(EventClass, ...)`` does the same for any class. Only the spec's two test
methods, which emit several events, are written out here.

Memory: state machines and test emitters are created on demand and live until a ``cleanup_*``
method removes them; ``cleanup_test`` drops a test's emitter, machine and the machines of the
steps and assertions emitted for it, so a long experiment that cleans up after each test keeps
no per-test state.

Thread-safety: the machines are checked and moved under one lock, so two threads can never
both make the same move (one ``service.created`` wins a race). The event is emitted after the
lock is released, so observers, background ones included, may call back into the registry
without deadlock; the price is that two threads driving the *same* entity at once may publish
its events in another order than its moves were made, so drive each entity from one thread at
a time (different entities may be driven from any threads). If emitting raises (a closed
manager), the move is undone.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any, Generic, Literal, ParamSpec, TypeVar, cast, overload

from ..events.base import BaseEvent
from ..events.test import (
    TestCompletedEvent,
    TestCreatedEvent,
    TestExecutionCompletedEvent,
    TestExecutionStartedEvent,
    TestFailedEvent,
)
from ..manager import EventManager
from ..states.assertion import AssertionStateManager
from ..states.base import EntityStateManager, StateTransition
from ..states.environment import EnvironmentStateManager
from ..states.experiment import ExperimentStateManager
from ..states.mapping import (
    EVENT_TRANSITIONS,
    MACHINES,
    PHASE_EVENTS,
    check_event,
    machine_class,
    target_state,
)
from ..states.plugin import PluginStateManager
from ..states.service import ServiceStateManager
from ..states.step import StepStateManager
from ..states.test import TestState, TestStateManager
from ._declare import build
from ._validated import ValidatedLifecycleEmits
from .assertion import AssertionEventEmitter
from .base import EventEmitterBase, check_sink
from .environment import EnvironmentEventEmitter
from .experiment import ExperimentEventEmitter
from .metrics import MetricsEventEmitter
from .plugin import PluginEventEmitter
from .service import ServiceEventEmitter
from .step import StepEventEmitter
from .test import TestEventEmitter

__all__ = ["EmitterRegistry"]

logger = logging.getLogger("panther_events.registry")

M = TypeVar("M", bound=EntityStateManager)
P = ParamSpec("P")

#: The emitter types ``get_emitter`` accepts: every entity kind, and the metrics.
EMITTER_TYPES = (*MACHINES, "metrics")

# States in which a test has started executing: emit_test_completed_with_validation refuses
# the others ("a test completed that never started").
_TEST_STARTED = frozenset(
    {
        TestState.EXECUTING,
        TestState.VALIDATING,
        TestState.VALIDATED,
        TestState.EXECUTED,
        TestState.TEARING_DOWN,
        TestState.TORN_DOWN,
    }
)


class _MachinesOf(Generic[M]):
    """The registry attribute ``<kind>_states``: entity id -> machine of one kind.

    A typed view of the registry's one table per kind (``MACHINES`` lists the kinds).
    """

    __slots__ = ("kind",)

    def __init__(self, machine: type[M]) -> None:
        self.kind = machine.KIND

    def __get__(self, registry: EmitterRegistry, owner: type) -> dict[str, M]:
        return cast("dict[str, M]", registry._machines[self.kind])

    def __set__(self, registry: EmitterRegistry, value: object) -> None:
        raise AttributeError(
            f"EmitterRegistry.{self.kind}_states is read-only: change it in place or with "
            f"get_{self.kind}_state() / cleanup_{self.kind}_state()"
        )


class EmitterRegistry(ValidatedLifecycleEmits):
    """Centralized registry of the event emitters, with state validation.

    Attributes:
        event_manager: the manager every emitter emits through.
        experiment_emitter, service_emitter, environment_emitter, step_emitter,
        plugin_emitter, assertion_emitter, metrics_emitter: one emitter per domain.
        test_emitters: test name -> its ``TestEventEmitter``, created on demand.
        experiment_state: the machine of the experiment most recently asked for (None before).
        experiment_states: experiment id -> its machine (one per id).
        plugin_state: the machine of the plugin most recently asked for (initially that of
            plugin id ``"default"``).
        plugin_states, environment_states, service_states, test_states, step_states,
        assertion_states: entity id -> its machine, created on demand.
        last_refusal: why the most recent validated emit was refused (None when none was).
    """

    experiment_states = _MachinesOf(ExperimentStateManager)
    test_states = _MachinesOf(TestStateManager)
    service_states = _MachinesOf(ServiceStateManager)
    environment_states = _MachinesOf(EnvironmentStateManager)
    plugin_states = _MachinesOf(PluginStateManager)
    step_states = _MachinesOf(StepStateManager)
    assertion_states = _MachinesOf(AssertionStateManager)

    def __init__(self, event_manager: EventManager | None = None) -> None:
        """Create every domain emitter on ``event_manager`` (default: the process-wide one)."""
        if event_manager is None:
            event_manager = EventManager.get_instance()
        check_sink("EmitterRegistry", event_manager)
        self.event_manager = event_manager
        self.experiment_emitter = ExperimentEventEmitter(event_manager)
        self.service_emitter = ServiceEventEmitter(event_manager)
        self.environment_emitter = EnvironmentEventEmitter(event_manager)
        self.step_emitter = StepEventEmitter(event_manager)
        self.plugin_emitter = PluginEventEmitter(event_manager)
        self.assertion_emitter = AssertionEventEmitter(event_manager)
        self.metrics_emitter = MetricsEventEmitter(event_manager)
        self.test_emitters: dict[str, TestEventEmitter] = {}
        self.last_refusal: str | None = None

        self._lock = threading.RLock()
        # entity kind -> entity id -> machine; the *_states attributes are views of it.
        self._machines: dict[str, dict[str, EntityStateManager]] = {k: {} for k in MACHINES}
        self.experiment_state: ExperimentStateManager | None = None
        self.plugin_state = self.get_plugin_state("default")
        # test id -> the (kind, id) of the steps and assertions emitted for it, and back.
        self._children: dict[str, set[tuple[str, str]]] = {}
        self._parent: dict[tuple[str, str], str] = {}

    def __repr__(self) -> str:
        with self._lock:
            counts = {kind: len(table) for kind, table in self._machines.items()}
        return f"<EmitterRegistry machines={counts} test_emitters={len(self.test_emitters)}>"

    # -- emitters ------------------------------------------------------------------------------

    # Overloads give each literal type its emitter class, so callers need no cast.
    @overload
    def get_emitter(
        self, emitter_type: Literal["experiment"], test_name: str = ...
    ) -> ExperimentEventEmitter: ...
    @overload
    def get_emitter(
        self, emitter_type: Literal["service"], test_name: str = ...
    ) -> ServiceEventEmitter: ...
    @overload
    def get_emitter(
        self, emitter_type: Literal["environment"], test_name: str = ...
    ) -> EnvironmentEventEmitter: ...
    @overload
    def get_emitter(
        self, emitter_type: Literal["step"], test_name: str = ...
    ) -> StepEventEmitter: ...
    @overload
    def get_emitter(
        self, emitter_type: Literal["plugin"], test_name: str = ...
    ) -> PluginEventEmitter: ...
    @overload
    def get_emitter(
        self, emitter_type: Literal["assertion"], test_name: str = ...
    ) -> AssertionEventEmitter: ...
    @overload
    def get_emitter(
        self, emitter_type: Literal["metrics"], test_name: str = ...
    ) -> MetricsEventEmitter: ...
    @overload
    def get_emitter(
        self, emitter_type: Literal["test"], test_name: str = ...
    ) -> TestEventEmitter: ...
    @overload
    def get_emitter(self, emitter_type: str, test_name: str = ...) -> EventEmitterBase: ...
    def get_emitter(self, emitter_type: str, test_name: str = "default_test") -> EventEmitterBase:
        """Return the emitter of ``emitter_type``; for ``"test"``, the one of ``test_name``.

        Raises:
            ValueError: for an unknown type; the message lists the valid ones.
        """
        if emitter_type == "test":
            return self.get_test_emitter(test_name)
        try:
            return self._shared_emitters()[emitter_type]
        except KeyError:
            raise ValueError(
                f"unknown emitter type {emitter_type!r}; valid types: {', '.join(EMITTER_TYPES)}"
            ) from None

    def _shared_emitters(self) -> dict[str, EventEmitterBase]:
        """Emitter type -> the registry's one emitter of it (every type but ``"test"``)."""
        return {kind: getattr(self, f"{kind}_emitter") for kind in EMITTER_TYPES if kind != "test"}

    def get_test_emitter(self, test_name: str) -> TestEventEmitter:
        """Return the emitter of test ``test_name`` (its test id), creating it on first use."""
        with self._lock:
            emitter = self.test_emitters.get(test_name)
            if emitter is None:
                emitter = self.test_emitters[test_name] = TestEventEmitter(
                    self.event_manager, test_name
                )
            return emitter

    def get_all_emitters(self) -> dict[str, object]:
        """Return every emitter, for debugging: domain name -> emitter, ``test:<name>`` -> one."""
        with self._lock:
            emitters: dict[str, object] = dict(self._shared_emitters())
            emitters.update({f"test:{name}": e for name, e in self.test_emitters.items()})
            return emitters

    # -- state machines ------------------------------------------------------------------------

    def _machine(self, cls: type[M], entity_id: str) -> M:
        """Return the ``cls`` machine of ``entity_id``, creating it on first use.

        An experiment's or plugin's machine also becomes ``experiment_state`` /
        ``plugin_state``, the registry's current one.
        """
        with self._lock:
            table = self._machines[cls.KIND]
            machine = table.get(entity_id)
            if machine is None:
                machine = table[entity_id] = cls(entity_id)
            self._make_current(machine)
            return cast(M, machine)

    def _make_current(self, machine: EntityStateManager) -> None:
        if isinstance(machine, ExperimentStateManager):
            self.experiment_state = machine
        elif isinstance(machine, PluginStateManager):
            self.plugin_state = machine

    def get_experiment_state(self, experiment_id: str) -> ExperimentStateManager:
        """Return the machine of ``experiment_id`` (one per id), creating it on first use.

        It also becomes ``experiment_state``, the registry's current experiment.
        """
        return self._machine(ExperimentStateManager, experiment_id)

    def get_plugin_state(self, plugin_id: str = "default") -> PluginStateManager:
        """Return the machine of ``plugin_id``, creating it on first use; it becomes
        ``plugin_state``."""
        return self._machine(PluginStateManager, plugin_id)

    def get_service_state(self, service_id: str) -> ServiceStateManager:
        """Return the machine of ``service_id``, creating it on first use."""
        return self._machine(ServiceStateManager, service_id)

    def get_test_state(self, test_id: str) -> TestStateManager:
        """Return the machine of ``test_id``, creating it on first use."""
        return self._machine(TestStateManager, test_id)

    def get_environment_state(self, env_id: str) -> EnvironmentStateManager:
        """Return the machine of environment ``env_id``, creating it on first use."""
        return self._machine(EnvironmentStateManager, env_id)

    def get_step_state(self, step_id: str) -> StepStateManager:
        """Return the machine of ``step_id``, creating it on first use."""
        return self._machine(StepStateManager, step_id)

    def get_assertion_state(self, assertion_id: str) -> AssertionStateManager:
        """Return the machine of ``assertion_id``, creating it on first use."""
        return self._machine(AssertionStateManager, assertion_id)

    def get_state(self, kind: str, entity_id: str) -> EntityStateManager:
        """Return the machine of any entity kind (``"service"``, ``"step"``...) and id.

        Raises:
            ValueError: for an unknown kind; the message lists the known ones.
        """
        return self._machine(machine_class(kind), entity_id)

    def get_all_state_managers(self) -> dict[str, object]:
        """Return every machine, for debugging: ``"<kind>:<entity id>"`` -> machine."""
        with self._lock:
            return {
                f"{kind}:{entity_id}": machine
                for kind, table in self._machines.items()
                for entity_id, machine in table.items()
            }

    # -- validated emits -----------------------------------------------------------------------

    def can_emit(self, event: BaseEvent) -> bool:
        """Return True when the lifecycle allows ``event`` now; changes nothing."""
        with self._lock:
            return self._check(event, dry_run=True)[0] is None

    def emit_with_validation(self, event: BaseEvent) -> bool:
        """Check the machine ``event`` concerns, move it, emit the event; True on success.

        Events that concern no machine (metrics, build details...) are always emitted. When the
        lifecycle forbids the event nothing is emitted, the reason is logged (warning, logger
        ``panther_events.registry``) and kept in ``last_refusal``, and False is returned.

        Raises:
            TypeError: ``event`` is not a ``BaseEvent`` (build it first, or use
                ``emit_validated(EventClass, ...)``).
        """
        if not isinstance(event, BaseEvent):
            raise TypeError(
                f"EmitterRegistry.emit_with_validation() takes a built event (a BaseEvent), got "
                f"{event!r}; build it first, or call emit_validated(EventClass, ...)"
            )
        return self._emit_all([event])

    def emit_validated(
        self, event_class: Callable[P, BaseEvent], /, *args: P.args, **kwargs: P.kwargs
    ) -> bool:
        """Build ``event_class(*args, **kwargs)`` and ``emit_with_validation`` it.

        The generic form of the ``emit_<event>_with_validation`` methods, for any event class;
        mypy checks the arguments against the class's constructor.
        """
        event = build("EmitterRegistry.emit_validated()", event_class, args, kwargs)
        return self.emit_with_validation(event)

    def _check(
        self, event: BaseEvent, *, dry_run: bool = False
    ) -> tuple[str | None, EntityStateManager | None]:
        """Return (refusal reason or None, the machine concerned or None).

        The machine of an entity seen for the first time is stored only when the event is
        allowed (and this is not a dry run), so refused events leave nothing behind. An allowed
        experiment or plugin event makes its machine ``experiment_state`` / ``plugin_state``.
        """
        event_type = event.get_type()
        route = EVENT_TRANSITIONS.get(event_type) or PHASE_EVENTS.get(event_type)
        if route is None:
            return None, None
        table = self._machines[route[0]]
        machine = table.get(event.entity_id)
        new = machine is None
        if machine is None:
            machine = MACHINES[route[0]](event.entity_id)
        check = check_event(event_type, machine)
        if check is not None and not check.ok:
            return check.reason, machine
        if not dry_run:
            if new:
                table[event.entity_id] = machine
            self._make_current(machine)
        return None, machine

    def _emit_all(self, events: list[BaseEvent]) -> bool:
        """Validate every event in order as if the earlier ones had happened, then move and emit
        them all; refuse them all (emitting nothing) when any one is forbidden."""
        moved: list[tuple[EntityStateManager, StateTransition]] = []
        with self._lock:
            # Plan on the real machines, undoing the moves if a later event is refused.
            for event in events:
                reason, machine = self._check(event)
                if reason is not None:
                    self._undo(moved)
                    self._refuse(reason)
                    return False
                target = target_state(event.get_type())
                if machine is not None and target is not None:
                    machine.transition_or_raise(
                        target, trigger=event.get_type(), metadata={"event_id": event.id}
                    )
                    transition = machine.get_last_transition()
                    assert transition is not None  # the move just made
                    moved.append((machine, transition))
                self._adopt(event)
            self.last_refusal = None
        for index, event in enumerate(events):
            try:
                self.event_manager.notify(event)  # the emitters' contract: notify
            except BaseException:
                with self._lock:
                    self._undo(moved[self._moves_before(events, index) :])
                raise
        return True

    @staticmethod
    def _moves_before(events: list[BaseEvent], index: int) -> int:
        return sum(1 for e in events[:index] if e.get_type() in EVENT_TRANSITIONS)

    @staticmethod
    def _undo(moved: list[tuple[EntityStateManager, StateTransition]]) -> None:
        # Undo newest first, and only moves still on top of their machine's history (another
        # thread may have moved the machine since).
        for machine, transition in reversed(moved):
            machine.undo_transition(transition)

    def _refuse(self, reason: str) -> None:
        self.last_refusal = reason
        logger.warning("refused: %s", reason)

    def _adopt(self, event: BaseEvent) -> None:
        """Remember which test a step or assertion belongs to, for ``cleanup_test``."""
        kind = event.entity_type.value
        if kind not in ("step", "assertion"):
            return
        test_id = event.data.get("test_case_id")
        if not test_id:
            return
        key = (kind, event.entity_id)
        if self._parent.get(key) != test_id:
            self._forget_child(key)
            self._parent[key] = str(test_id)
            self._children.setdefault(str(test_id), set()).add(key)

    def _forget_child(self, key: tuple[str, str]) -> None:
        parent = self._parent.pop(key, None)
        if parent is not None:
            siblings = self._children.get(parent)
            if siblings is not None:
                siblings.discard(key)
                if not siblings:
                    del self._children[parent]

    def emit_test_started_with_validation(
        self,
        test_id: str,
        test_name: str,
        test_description: str | None = None,
        expected_duration: float | None = None,
    ) -> bool:
        """Start executing test ``test_id``: emit ``test.execution_started``.

        A test not created yet is created first (``test.created`` with ``test_name`` and
        ``test_description``), in the same validated step. Refused (False, nothing emitted)
        when the test cannot start executing now: already started, or finished.
        """
        events: list[BaseEvent] = []
        known = self.test_states.get(test_id)
        if known is None or known.is_in_state(TestState.PENDING):
            events.append(TestCreatedEvent(test_id, test_name, description=test_description))
        events.append(TestExecutionStartedEvent(test_id, expected_duration=expected_duration))
        # _emit_all validates the whole sequence again under the lock, so a concurrent move
        # between here and there can only make it refuse, never emit something impossible.
        return self._emit_all(events)

    def emit_test_completed_with_validation(
        self,
        test_id: str,
        test_name: str,
        success: bool,
        duration: float | None = None,
        results: dict[str, Any] | None = None,
    ) -> bool:
        """Finish test ``test_id`` with its verdict: ``test.completed`` or ``test.failed``.

        A test still executing first gets ``test.execution_completed`` (with ``duration``). The
        verdict carries ``results`` as its summary; a failure's message is
        ``results["error_message"]`` when given. Refused (False, nothing emitted) for a test
        that never started executing, or that already has its verdict.
        """
        with self._lock:
            machine = self.test_states.get(test_id)
            # An unknown test is refused without creating a machine for it.
            state = TestState.PENDING if machine is None else machine.get_current_state()
            if state not in _TEST_STARTED:
                self._refuse(
                    f"test.completed needs test {test_id!r} to have started executing, but it "
                    f"is {state.value!r}"
                )
                return False
        events: list[BaseEvent] = []
        if state in (TestState.EXECUTING, TestState.VALIDATED):
            events.append(TestExecutionCompletedEvent(test_id, duration_seconds=duration))
        if success:
            events.append(
                TestCompletedEvent(
                    test_id, test_name, total_duration_seconds=duration, summary=results
                )
            )
        else:
            message = str((results or {}).get("error_message") or "test failed")
            events.append(
                TestFailedEvent(test_id, test_name, error_message=message, summary=results)
            )
        return self._emit_all(events)

    # -- cleanup -------------------------------------------------------------------------------

    def _remove(self, kind: str, entity_id: str) -> int:
        """Forget the machine of ``(kind, entity_id)``; a test's steps' and assertions' too.

        A removed current experiment leaves ``experiment_state`` None; a removed current
        plugin makes ``plugin_state`` the machine of plugin ``"default"`` again.

        Returns:
            How many machines were removed (0 when none was kept).
        """
        with self._lock:
            machine = self._machines[kind].pop(entity_id, None)
            self._forget_child((kind, entity_id))
            removed = 0 if machine is None else 1
            if kind == "test":
                for child in list(self._children.get(entity_id, ())):
                    removed += self._remove(*child)
            if machine is not None and machine is self.experiment_state:
                self.experiment_state = None
            elif machine is not None and machine is self.plugin_state:
                self.get_plugin_state("default")
            return removed

    def cleanup_test_emitter(self, test_name: str) -> None:
        """Remove the emitter of ``test_name`` (no-op when absent)."""
        with self._lock:
            self.test_emitters.pop(test_name, None)

    def cleanup_test_state(self, test_id: str) -> None:
        """Remove the machine of ``test_id`` and of the steps and assertions emitted for it."""
        self._remove("test", test_id)

    def cleanup_test(self, test_id: str, test_name: str | None = None) -> None:
        """Remove everything kept for a test: its emitter (by ``test_name``, default the id),
        its machine and its steps' and assertions' machines."""
        with self._lock:
            self.cleanup_test_emitter(test_id if test_name is None else test_name)
            self.cleanup_test_state(test_id)

    def cleanup_service_state(self, service_id: str) -> None:
        """Remove the machine of ``service_id`` (no-op when absent)."""
        self._remove("service", service_id)

    def cleanup_environment_state(self, env_id: str) -> None:
        """Remove the machine of environment ``env_id`` (no-op when absent)."""
        self._remove("environment", env_id)

    def cleanup_experiment_state(self, experiment_id: str) -> None:
        """Remove the machine of ``experiment_id``; ``experiment_state`` too if it was that one."""
        self._remove("experiment", experiment_id)

    def cleanup_plugin_state(self, plugin_id: str) -> None:
        """Remove the machine of ``plugin_id``; if it was ``plugin_state``, that falls back to
        the machine of plugin ``"default"``."""
        self._remove("plugin", plugin_id)

    def cleanup_step_state(self, step_id: str) -> None:
        """Remove the machine of ``step_id`` (no-op when absent)."""
        self._remove("step", step_id)

    def cleanup_assertion_state(self, assertion_id: str) -> None:
        """Remove the machine of ``assertion_id`` (no-op when absent)."""
        self._remove("assertion", assertion_id)

    def cleanup_finished(self) -> int:
        """Remove every machine in a terminal state, and the emitters of finished tests.

        A finished test's steps and assertions go with it, finished or not (as with
        ``cleanup_test``).

        Returns:
            How many machines were removed in all.
        """
        removed = 0
        with self._lock:
            finished = [
                (kind, entity_id)
                for kind, table in self._machines.items()
                for entity_id, machine in table.items()
                if machine.is_terminal()
            ]
            for kind, entity_id in finished:
                if kind == "test":
                    self.cleanup_test_emitter(entity_id)
                removed += self._remove(kind, entity_id)
        return removed
