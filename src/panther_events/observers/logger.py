"""LoggerObserver: one readable log line per event, through the standard logging module."""

from __future__ import annotations

import json
import logging
from typing import Any

from .._exit_status import name_signals
from .._naming import type_of
from .._visible import json_visible, visible
from ..serialization import event_to_dict

__all__ = ["LoggerObserver", "level_for"]

_ERROR_SUFFIXES = (".failed", ".error", ".execution_failed", ".service_failure")
_WARNING_MARKERS = ("failed", "failure", "error", "finished_early", "unsupported", "stopping")


def level_for(event_type: str) -> int:
    """The logging level of an event type: errors and failures are ERROR, other failed or
    degraded phases WARNING, metrics DEBUG, everything else INFO."""
    if event_type.endswith(_ERROR_SUFFIXES) or event_type == "system.observer_failed":
        return logging.ERROR
    last = event_type.rsplit(".", 1)[-1]
    if any(marker in last for marker in _WARNING_MARKERS):
        return logging.WARNING
    if event_type.startswith("metrics."):
        return logging.DEBUG
    return logging.INFO


def _format_value(value: Any) -> str:
    text = visible(repr(value) if not isinstance(value, str) else value)
    return text if len(text) <= 120 else text[:117] + "..."


class LoggerObserver:
    """Observer that logs framework events for debugging and monitoring.

    Each event becomes one line on ``logger`` (default ``logging.getLogger("panther_events")``)
    at the level ``level_for`` gives it::

        test.execution_failed test=t1 error_message='timeout' phase='steps'

    With ``json_lines=True`` the line is the event's wire form as JSON instead. The observer
    never configures logging: attach handlers and levels in your application as usual. Lines are
    only formatted when their level is enabled. ``None`` data values are left out of text lines.

    Event text is untrusted: every line is one line, with control characters written as escapes
    (``\\x1b``, ``\\n``; JSON escapes in JSON lines), and an ``exit_code`` set by a signal is
    named (``exit_code=SIGABRT (-6)``).
    """

    def __init__(
        self,
        logger: logging.Logger | None = None,
        *,
        json_lines: bool = False,
        min_level: int = logging.NOTSET,
    ) -> None:
        self.logger = logger if logger is not None else logging.getLogger("panther_events")
        self.json_lines = json_lines
        self.min_level = min_level

    def format(self, event: Any) -> str:
        """Return the line this observer logs for ``event``."""
        if self.json_lines:
            wire = json.dumps(event_to_dict(event), ensure_ascii=False, separators=(",", ":"))
            return json_visible(wire)
        event_type = type_of(event)
        entity_type = getattr(event, "entity_type", None)
        entity_id = getattr(event, "entity_id", None)
        parts = [visible(event_type)]
        if entity_id is not None:
            kind = getattr(entity_type, "value", "entity")
            parts.append(visible(f"{kind}={entity_id}"))
        data = getattr(event, "data", None)
        if not isinstance(data, dict):
            data = (
                {k: v for k, v in vars(event).items() if not k.startswith("_")}
                if hasattr(event, "__dict__")
                else {}
            )
        shown = name_signals(data)
        parts.extend(f"{visible(k)}={_format_value(v)}" for k, v in shown.items() if v is not None)
        return " ".join(parts)

    def on_event(self, event: Any) -> None:
        """Log ``event`` at its level."""
        level = max(level_for(type_of(event)), self.min_level)
        if self.logger.isEnabledFor(level):
            self.logger.log(level, "%s", self.format(event))

    # The guide's LoggerObserver names these three; they log like any other event.
    def on_experiment_started(self, event: Any) -> None:
        """Log experiment initialization (the guide's name)."""
        self.on_event(event)

    def on_test_case_started(self, event: Any) -> None:
        """Log individual test case execution (the guide's name)."""
        self.on_event(event)

    def on_plugin_loaded(self, event: Any) -> None:
        """Log plugin loading and initialization (the guide's name)."""
        self.on_event(event)
