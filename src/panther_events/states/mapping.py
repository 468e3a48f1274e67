"""The one mapping from event types to state-machine transitions, and replay of events onto it.

Every registered event type is in exactly one of three tables:

* ``EVENT_TRANSITIONS``: the event moves its entity's machine to a target state
  (``service.deployment_started`` -> the service's machine goes to ``deploying``). The entity is
  the event's ``entity_id`` (its domain id: ``service_id``, ``step_id``, ...).
* ``PHASE_EVENTS``: the event happens *inside* a phase and does not move the machine, but is
  only legal in some states (``test.step_started`` only while the test is ``executing``;
  ``service.health_check_passed`` only while the service is deployed, running or ready).
* ``STATELESS_EVENTS``: the event concerns no lifecycle (metrics, system reports, build and
  command details, results keyed by test name); the value says why.

Decisions worth knowing:

* Every machine starts in ``pending`` (the entity is known but none of its lifecycle events has
  been seen), so creation is an ordinary transition and a second ``service.created`` is refused
  like any other impossible move.
* Health checks are observations, not transitions: a failed probe before readiness is normal
  while a service starts, and the service's failure is reported by ``service.error`` (or a
  failed preparation or deployment), which moves it to ``failed``.
* A test's or experiment's phase failures (``test.deployment_failed``,
  ``experiment.execution_failed``, ...) do not end its lifecycle: teardown usually follows, and
  the verdict is ``test.failed`` / ``experiment.failed``. Services, environments and plugins do
  move to ``failed`` on an error, and are still stopped, torn down or destroyed from there.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from types import MappingProxyType
from typing import Any, NamedTuple

from .assertion import AssertionStateManager
from .base import BaseState, EntityStateManager, StateManager
from .environment import EnvironmentStateManager
from .experiment import ExperimentStateManager
from .plugin import PluginStateManager
from .service import ServiceStateManager
from .step import StepStateManager
from .test import TestStateManager

__all__ = [
    "EVENT_TRANSITIONS",
    "MACHINES",
    "PHASE_EVENTS",
    "STATELESS_EVENTS",
    "EventCheck",
    "check_event",
    "derive_state",
    "derive_states",
    "new_machine",
    "state_enum",
    "state_for_event",
    "target_state",
]

#: entity kind (the class's ``KIND``) -> its machine class (initial state: ``INITIAL_STATE``;
#: table: ``TRANSITIONS``). The one list of entity kinds: the registry, the tracking observer
#: and the diagrams derive theirs from it.
MACHINES: Mapping[str, type[EntityStateManager]] = MappingProxyType(
    {
        machine.KIND: machine
        for machine in (
            ExperimentStateManager,
            TestStateManager,
            ServiceStateManager,
            EnvironmentStateManager,
            PluginStateManager,
            StepStateManager,
            AssertionStateManager,
        )
    }
)

#: event type -> (entity kind, target state value): the event moves the entity's machine.
EVENT_TRANSITIONS: Mapping[str, tuple[str, str]] = MappingProxyType(
    {
        # experiment
        "experiment.initialized": ("experiment", "initialized"),
        "experiment.plugin_loading_started": ("experiment", "loading_plugins"),
        "experiment.plugin_loading_completed": ("experiment", "plugins_loaded"),
        "experiment.test_cases_initialized": ("experiment", "tests_initialized"),
        "experiment.execution_started": ("experiment", "executing"),
        "experiment.execution_completed": ("experiment", "executed"),
        "experiment.finished_early": ("experiment", "finished_early"),
        "experiment.completed": ("experiment", "completed"),
        "experiment.failed": ("experiment", "failed"),
        # test
        "test.created": ("test", "created"),
        "test.setup_started": ("test", "setting_up"),
        "test.setup_completed": ("test", "set_up"),
        "test.environment_setup_started": ("test", "setting_up_environment"),
        "test.environment_setup_completed": ("test", "environment_ready"),
        "test.deployment_started": ("test", "deploying"),
        "test.deployment_completed": ("test", "deployed"),
        "test.execution_started": ("test", "executing"),
        "test.assertions_started": ("test", "validating"),
        "test.assertions_completed": ("test", "validated"),
        "test.execution_completed": ("test", "executed"),
        "test.teardown_started": ("test", "tearing_down"),
        "test.teardown_completed": ("test", "torn_down"),
        "test.completed": ("test", "completed"),
        "test.failed": ("test", "failed"),
        # service
        "service.created": ("service", "created"),
        "service.preparation_started": ("service", "preparing"),
        "service.preparation_completed": ("service", "prepared"),
        "service.preparation_failed": ("service", "failed"),
        "service.deployment_started": ("service", "deploying"),
        "service.deployment_completed": ("service", "deployed"),
        "service.deployment_failed": ("service", "failed"),
        "service.started": ("service", "running"),
        "service.ready": ("service", "ready"),
        "service.stopping": ("service", "stopping"),
        "service.stopped": ("service", "stopped"),
        "service.error": ("service", "failed"),
        "service.destroyed": ("service", "destroyed"),
        # environment
        "environment.created": ("environment", "created"),
        "environment.setup_started": ("environment", "setting_up"),
        "environment.network.setup_started": ("environment", "setting_up_network"),
        "environment.network.setup_completed": ("environment", "network_ready"),
        "environment.network.setup_failed": ("environment", "failed"),
        "environment.setup_completed": ("environment", "ready"),
        "environment.setup_failed": ("environment", "failed"),
        "environment.teardown_started": ("environment", "tearing_down"),
        "environment.network.teardown_started": ("environment", "tearing_down_network"),
        "environment.network.teardown_completed": ("environment", "network_torn_down"),
        "environment.teardown_completed": ("environment", "torn_down"),
        "environment.teardown_failed": ("environment", "failed"),
        "environment.error": ("environment", "failed"),
        # plugin
        "plugin.loading_started": ("plugin", "loading"),
        "plugin.loading_completed": ("plugin", "loaded"),
        "plugin.loaded": ("plugin", "loaded"),
        "plugin.loading_failed": ("plugin", "failed"),
        "plugin.initialized": ("plugin", "initialized"),
        "plugin.started": ("plugin", "running"),
        "plugin.stopped": ("plugin", "stopped"),
        "plugin.error": ("plugin", "failed"),
        # step
        "step.execution_started": ("step", "running"),
        "step.execution_completed": ("step", "completed"),
        "step.execution_failed": ("step", "failed"),
        "step.skipped": ("step", "skipped"),
        "step.unsupported": ("step", "unsupported"),
        # assertion
        "assertion.validation_started": ("assertion", "validating"),
        "assertion.validation_completed": ("assertion", "completed"),
        "assertion.error": ("assertion", "failed"),
        "assertion.unknown": ("assertion", "unknown"),
    }
)

_TEST_SETUP = frozenset(
    {"setting_up", "setting_up_environment", "environment_ready", "deploying", "deployed"}
)
_EXPERIMENT_LIVE = frozenset(
    {
        "initialized",
        "loading_plugins",
        "plugins_loaded",
        "tests_initialized",
        "executing",
        "executed",
        "finished_early",
    }
)

#: event type -> (entity kind, the states it is legal in): it does not move the machine.
PHASE_EVENTS: Mapping[str, tuple[str, frozenset[str]]] = MappingProxyType(
    {
        "experiment.plugin_loading_failed": ("experiment", frozenset({"loading_plugins"})),
        "experiment.execution_failed": ("experiment", frozenset({"executing"})),
        "experiment.service_failure": ("experiment", _EXPERIMENT_LIVE),
        "test.setup_failed": ("test", _TEST_SETUP),
        "test.environment_setup_failed": ("test", frozenset({"setting_up_environment"})),
        "test.deployment_failed": ("test", frozenset({"deploying"})),
        "test.step_started": ("test", frozenset({"executing"})),
        "test.step_completed": ("test", frozenset({"executing"})),
        "test.step_failed": ("test", frozenset({"executing"})),
        "test.assertion_checked": ("test", frozenset({"executing", "validating"})),
        "test.assertions_failed": ("test", frozenset({"validating"})),
        "test.execution_failed": ("test", frozenset({"executing", "validating", "validated"})),
        "service.health_check_passed": ("service", frozenset({"deployed", "running", "ready"})),
        "service.health_check_failed": ("service", frozenset({"deployed", "running", "ready"})),
        "step.progress": ("step", frozenset({"running"})),
        "assertion.progress": ("assertion", frozenset({"validating"})),
        "assertion.result": ("assertion", frozenset({"pending", "validating"})),
    }
)

_SERVICE_DETAIL = "a detail of preparation or analysis; the lifecycle events carry the state"
_PLUGIN_SERVICE = "about a service the plugin manages; that service's own events carry its state"
_PLUGIN_ENVIRONMENT = (
    "about an environment the plugin manages; that environment's own events carry its state"
)
_METRIC = "a measurement, not a lifecycle step"

#: event type -> why it changes no state machine.
STATELESS_EVENTS: Mapping[str, str] = MappingProxyType(
    {
        "service.command_generation_started": _SERVICE_DETAIL,
        "service.command_generated": _SERVICE_DETAIL,
        "service.command_modified": _SERVICE_DETAIL,
        "service.config_generated": _SERVICE_DETAIL,
        "service.docker_build_started": _SERVICE_DETAIL,
        "service.docker_build_completed": _SERVICE_DETAIL,
        "service.docker_build_failed": _SERVICE_DETAIL
        + " (a failed build surfaces as service.preparation_failed)",
        "service.tester_analysis_started": _SERVICE_DETAIL,
        "service.tester_analysis_completed": _SERVICE_DETAIL,
        "service.test_results": "results reported by a service, at any point of its life",
        "plugin.service_created": _PLUGIN_SERVICE,
        "plugin.service_started": _PLUGIN_SERVICE,
        "plugin.service_stopped": _PLUGIN_SERVICE,
        "plugin.service_manager_created": _PLUGIN_SERVICE,
        "plugin.environment_created": _PLUGIN_ENVIRONMENT,
        "plugin.environment_ready": _PLUGIN_ENVIRONMENT,
        "plugin.environment_destroyed": _PLUGIN_ENVIRONMENT,
        "test.result": "keyed by test name, not test id; a result, not a lifecycle step",
        "test.enhanced_result": "keyed by test name, not test id; a result, not a lifecycle step",
        "metrics.collected": _METRIC,
        "metrics.resource": _METRIC,
        "metrics.timing": _METRIC,
        "metrics.counter": _METRIC,
        "metrics.summary": _METRIC,
        "system.observer_failed": "a report about the event system itself",
    }
)

# Looked up once: the tracking observer and the registry check events on every publish, and
# turning a value into an enum member (Enum.__call__) costs more than the rest of the check.
_ENUMS: dict[str, type[BaseState]] = {k: type(m.INITIAL_STATE) for k, m in MACHINES.items()}
_TARGETS: dict[str, BaseState] = {
    event_type: _ENUMS[kind](value) for event_type, (kind, value) in EVENT_TRANSITIONS.items()
}


def target_state(event_type: str) -> BaseState | None:
    """Return the enum member an event type moves its machine to, or None (see state_for_event)."""
    return _TARGETS.get(event_type)


def state_for_event(event_type: str) -> tuple[str, str] | None:
    """Return ``(entity kind, target state value)`` for an event type that moves a machine.

    Args:
        event_type: a canonical type string such as ``"service.deployment_started"``.

    Returns:
        e.g. ``("service", "deploying")``; None for an event that moves no machine (see
        ``PHASE_EVENTS`` and ``STATELESS_EVENTS``) or an unknown type. The entity is the
        event's ``entity_id``.
    """
    return EVENT_TRANSITIONS.get(event_type)


def state_enum(kind: str) -> type[BaseState]:
    """Return the state enum of an entity kind (``"service"`` -> ``ServiceState``).

    Raises:
        ValueError: for an unknown kind; the message lists the known ones.
    """
    return _ENUMS[machine_class(kind).KIND]


def new_machine(kind: str, entity_id: str) -> EntityStateManager:
    """Return a fresh machine of ``kind`` for ``entity_id``, in its initial state.

    Raises:
        ValueError: for an unknown kind; the message lists the known ones.
    """
    return machine_class(kind)(entity_id)


def machine_class(kind: str) -> type[EntityStateManager]:
    """Return the machine class of an entity kind (``"service"`` -> ``ServiceStateManager``).

    Raises:
        ValueError: for an unknown kind; the message lists the known ones.
    """
    machine = MACHINES.get(kind)
    if machine is None:
        raise ValueError(f"unknown entity kind {kind!r}; expected one of {sorted(MACHINES)}")
    return machine


class EventCheck(NamedTuple):
    """What an event means for one machine: see ``check_event``.

    Attributes:
        kind: the entity kind whose machine the event concerns.
        target: the state the event moves to, or None for a phase event.
        ok: whether the machine's current state allows the event.
        reason: why not, when ``ok`` is False (empty otherwise).
    """

    kind: str
    target: BaseState | None
    ok: bool
    reason: str


def check_event(event_type: str, machine: StateManager) -> EventCheck | None:
    """Say whether ``machine`` allows an event of ``event_type`` now, without changing it.

    Returns:
        None when the event concerns no machine; otherwise an ``EventCheck``. For a
        transition event ``target`` is the member to pass to ``transition_to``.
    """
    target = _TARGETS.get(event_type)
    current = machine.current_state
    if target is not None:
        kind, value = EVENT_TRANSITIONS[event_type]
        allowed = machine.allowed_transitions.get(current)
        if allowed is not None and target in allowed:
            return EventCheck(kind, target, True, "")
        names = sorted(str(s.value) for s in allowed or ())
        return EventCheck(
            kind,
            target,
            False,
            f"{event_type} needs {kind} {machine.entity_id!r} to move from {current.value!r} "
            f"to {value!r}; allowed from {current.value!r}: {names}",
        )
    phase = PHASE_EVENTS.get(event_type)
    if phase is not None:
        kind, legal = phase
        if current.value in legal:
            return EventCheck(kind, None, True, "")
        return EventCheck(
            kind,
            None,
            False,
            f"{event_type} is only legal while {kind} {machine.entity_id!r} is in "
            f"{sorted(legal)}, but it is {current.value!r}",
        )
    return None


def derive_states(events: Iterable[Any]) -> dict[tuple[str, str], str]:
    """Replay events onto fresh machines and return each entity's final state value.

    Each event moves the machine of ``(kind, event.entity_id)`` when its table allows; an
    impossible event is skipped (it changes nothing), exactly as ``transition_to`` would. Only
    events with a ``get_type()`` method and an ``entity_id`` attribute are considered.

    Returns:
        ``{(kind, entity_id): state value}`` for every entity that at least one transition
        event named.
    """
    machines: dict[tuple[str, str], EntityStateManager] = {}
    for event in events:
        get_type = getattr(event, "get_type", None)
        if get_type is None:
            continue
        move = EVENT_TRANSITIONS.get(get_type())
        if move is None:
            continue
        key = (move[0], str(event.entity_id))
        machine = machines.get(key)
        if machine is None:
            machine = machines[key] = MACHINES[move[0]](key[1])
        machine.transition_to(_TARGETS[get_type()])
    return {key: str(m.current_state.value) for key, m in machines.items()}


def derive_state(kind: str, event_types: Iterable[str]) -> str:
    """Replay event types of one entity onto a fresh ``kind`` machine; return its final state.

    Event types of other kinds and impossible moves are skipped.

    Raises:
        ValueError: for an unknown kind.
    """
    machine = new_machine(kind, "replay")
    for event_type in event_types:
        move = EVENT_TRANSITIONS.get(event_type)
        if move is not None and move[0] == kind:
            machine.transition_to(_TARGETS[event_type])
    return str(machine.current_state.value)
