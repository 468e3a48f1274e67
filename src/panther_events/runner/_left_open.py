"""The entities a killed runner left open in its store, and the events that close them.

A runner killed with SIGKILL leaves its steps running, its services ready and its plugins
running in the store; its reaper then stops the services (:mod:`._reaper`) and records the
run's end (:mod:`._ended`), closing each entity with the first of its kind's sequences below
that its state machine allows from where it stands:

- a step or an assertion under way fails (``cancelled: REASON``);
- a service not started, or failed already, is destroyed; one running is stopped (by the
  reaper) and destroyed; one being prepared or deployed fails first (``service.error``);
- an environment fails (``not torn down``): its working directory is left, as documented;
- a plugin is stopped (after an error when it was still loading).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from ..events.assertion import AssertionErrorEvent
from ..events.base import BaseEvent
from ..events.environment import EnvironmentErrorEvent
from ..events.plugin import PluginErrorEvent, PluginStoppedEvent
from ..events.service import ServiceDestroyedEvent, ServiceErrorEvent, ServiceStoppedEvent
from ..events.step import StepExecutionFailedEvent
from ..states import EntityStateManager, new_machine, target_state
from ..store.base import EventStoreBase

__all__ = ["close_left_open"]

#: The error type of every closing event that has one.
ERROR_TYPE = "ProcessEnded"
# The data keys that name an entity (kept from its events to build the closing ones).
_NAME_KEYS = (
    "step_name",
    "test_case_id",
    "assertion_name",
    "service_name",
    "plugin_name",
    "plugin_type",
    "environment_name",
    "environment_type",
)

_Make = Callable[[str, Mapping[str, Any], str], BaseEvent]


def _step_failed(eid: str, names: Mapping[str, Any], reason: str) -> BaseEvent:
    return StepExecutionFailedEvent(
        eid, names.get("step_name", eid), names.get("test_case_id"), f"cancelled: {reason}"
    )


def _assertion_failed(eid: str, names: Mapping[str, Any], reason: str) -> BaseEvent:
    name = names.get("assertion_name", eid)
    return AssertionErrorEvent(
        eid,
        name,
        names.get("test_case_id"),
        error_message=f"cancelled: {reason}",
        error_type=ERROR_TYPE,
    )


def _service_stopped(eid: str, names: Mapping[str, Any], reason: str) -> BaseEvent:
    stopped = f"stopped by the reaper: {reason}"
    return ServiceStoppedEvent(eid, names.get("service_name", eid), reason=stopped)


def _service_failed(eid: str, names: Mapping[str, Any], reason: str) -> BaseEvent:
    return ServiceErrorEvent(eid, names.get("service_name", eid), reason, ERROR_TYPE)


def _service_destroyed(eid: str, names: Mapping[str, Any], reason: str) -> BaseEvent:
    return ServiceDestroyedEvent(eid, names.get("service_name", eid))


def _environment_failed(eid: str, names: Mapping[str, Any], reason: str) -> BaseEvent:
    return EnvironmentErrorEvent(
        eid,
        names.get("environment_name", eid),
        names.get("environment_type", "unknown"),
        f"not torn down (its working directory is left): {reason}",
        ERROR_TYPE,
    )


def _plugin_failed(eid: str, names: Mapping[str, Any], reason: str) -> BaseEvent:
    plugin_type = names.get("plugin_type", "unknown")
    name = names.get("plugin_name", eid)
    return PluginErrorEvent(eid, name, plugin_type, reason, ERROR_TYPE)


def _plugin_stopped(eid: str, names: Mapping[str, Any], reason: str) -> BaseEvent:
    plugin_type = names.get("plugin_type", "unknown")
    name = names.get("plugin_name", eid)
    return PluginStoppedEvent(eid, name, plugin_type, stop_reason=ERROR_TYPE)


# Per kind: the states that need no closing, and the closing sequences by preference.
_CLOSINGS: dict[str, tuple[frozenset[str], tuple[tuple[_Make, ...], ...]]] = {
    "step": (
        frozenset({"completed", "failed", "skipped", "unsupported"}),
        ((_step_failed,),),
    ),
    "assertion": (frozenset({"completed", "failed", "unknown"}), ((_assertion_failed,),)),
    "service": (
        frozenset({"destroyed"}),
        (
            (_service_destroyed,),
            (_service_stopped, _service_destroyed),
            (_service_failed, _service_destroyed),
        ),
    ),
    "environment": (frozenset({"torn_down", "failed"}), ((_environment_failed,),)),
    "plugin": (frozenset({"stopped"}), ((_plugin_stopped,), (_plugin_failed, _plugin_stopped))),
}


def close_left_open(
    store: EventStoreBase, run_id: str, kinds: Iterable[str], reason: str
) -> list[BaseEvent]:
    """The events that close every entity of ``kinds`` the run left open, kind by kind, each
    kind's entities in the order they first appear (see the module docstring).

    Reads the run's events of those kinds a page at a time; holds one machine per entity.
    """
    closing: list[BaseEvent] = []
    for kind in kinds:
        settled, sequences = _CLOSINGS[kind]
        machines: dict[str, EntityStateManager] = {}
        names: dict[str, dict[str, Any]] = {}
        for event in store.iter_events(run_id, type_pattern=f"{kind}.*"):
            eid = event.entity_id
            if eid not in machines:
                machines[eid], names[eid] = new_machine(kind, eid), {}
            known = names[eid]
            for key in _NAME_KEYS:
                if key not in known and event.data.get(key) is not None:
                    known[key] = event.data[key]
            target = target_state(event.type)
            if target is not None:
                machines[eid].transition_to(target)
        for eid, machine in machines.items():
            if str(machine.current_state.value) in settled:
                continue
            for sequence in sequences:
                events = [make(eid, names[eid], reason) for make in sequence]
                if _allowed(machine, events):
                    closing.extend(events)
                    break
    return closing


def _allowed(machine: EntityStateManager, events: list[BaseEvent]) -> bool:
    """Whether ``machine`` moves through ``events`` in turn, from its current state."""
    table = type(machine).TRANSITIONS
    current = machine.current_state
    for event in events:
        target = target_state(event.get_type())
        if target is None or target not in table.get(current, frozenset()):
            return False
        current = target
    return True
