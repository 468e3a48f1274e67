"""The engine's one way out for events: validated against each entity's state machine, then sent.

Every lifecycle event the runner emits goes through :meth:`Lifecycle.emit`, which asks the
entity's machine (``panther_events.states``) whether the move is allowed, moves it, and only
then publishes; a refused move is logged and reported as ``False``, never published. Metrics
and other stateless events are published as they are.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from ..events.base import BaseEvent
from ..states import check_event, new_machine
from ..states.base import EntityStateManager

__all__ = ["Lifecycle"]

logger = logging.getLogger("panther_events.runner")


class Lifecycle:
    """Validated emission for one run, through an ``EmitterRegistry``'s manager and machines.

    Args:
        registry: the run's ``EmitterRegistry``; its state managers are the ones moved, so
            anyone inspecting the registry sees the runner's states.
        publish: how an accepted event leaves (``EventManager.publish``).
    """

    def __init__(self, registry: Any, publish: Any) -> None:
        self._registry = registry
        self._publish = publish
        self._machines: dict[tuple[str, str], EntityStateManager] = {}
        # The health monitor emits from its own thread; check-and-move must be atomic.
        self._lock = threading.Lock()
        self.refused: list[str] = []

    def emit(self, event: BaseEvent) -> bool:
        """Publish ``event`` if its entity's lifecycle allows it now.

        Returns:
            True when published; False when the entity's state machine forbids the move (the
            reason is logged and kept in ``refused``).
        """
        event_type = event.get_type()
        with self._lock:
            machine = self._machine_for(event)
            if machine is not None:
                check = check_event(event_type, machine)
                if check is not None:
                    if not check.ok:
                        logger.warning("not emitting %s: %s", event_type, check.reason)
                        self.refused.append(check.reason)
                        return False
                    if check.target is not None:
                        machine.transition_to(check.target, trigger=event_type)
            self._publish(event)
        return True

    def state(self, kind: str, entity_id: str) -> str | None:
        """Return the current state value of an entity, or None if it has none yet."""
        machine = self._machines.get((kind, entity_id))
        return str(machine.current_state.value) if machine is not None else None

    def _machine_for(self, event: BaseEvent) -> EntityStateManager | None:
        kind = event.entity_type.value
        if kind in {"metrics", "system"}:
            return None
        key = (kind, event.entity_id)
        machine = self._machines.get(key)
        if machine is None:
            machine = self._machines[key] = self._new_machine(kind, event.entity_id)
        return machine

    def _new_machine(self, kind: str, entity_id: str) -> EntityStateManager:
        return new_machine(kind, entity_id)
