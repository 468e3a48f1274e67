"""The Observer base class: typed ``on_<type>`` handlers with an ``on_event`` fallback."""

from __future__ import annotations

from typing import Any

__all__ = ["Observer"]


class Observer:
    """Base class for observers (any callable or object with ``on_event`` works as well).

    The manager calls, for each event, the first of these the observer has:

    1. ``on_<type>``, the event's type with dots as underscores: ``on_test_execution_started``,
       ``on_environment_network_setup_started``;
    2. ``on_<guide name>`` for the observer guide's names of that type: ``on_test_case_started``,
       ``on_test_case_finished`` (see the alias table in the concepts page);
    3. ``on_event``.

    Exactly one of them is called per event, however many of the observer's patterns match.
    Subclasses need not define ``on_event``: events with no handler are skipped.
    """

    def on_event(self, event: Any) -> None:
        """Handle an event that no ``on_<type>`` method handles; the default does nothing."""
