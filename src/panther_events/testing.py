"""Helpers for testing code that publishes events: a recording observer and ``capture_events``."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from typing import Any

from ._naming import type_of
from .manager import EventManager

__all__ = ["RecordingObserver", "capture_events"]


class RecordingObserver:
    """An observer that keeps every event it receives, in order (thread-safe)."""

    def __init__(self) -> None:
        self.events: list[Any] = []
        self._lock = threading.Lock()

    def __call__(self, event: Any) -> None:
        with self._lock:
            self.events.append(event)

    def types(self) -> list[str]:
        """Return the type strings of the recorded events, in order."""
        with self._lock:
            return [type_of(e) for e in self.events]

    def of_type(self, event_type: str) -> list[Any]:
        """Return the recorded events of exactly ``event_type``."""
        with self._lock:
            return [e for e in self.events if type_of(e) == event_type]

    def clear(self) -> None:
        """Forget what was recorded."""
        with self._lock:
            self.events.clear()


class _CapturedEvents(list[Any]):
    """The list ``capture_events`` yields, with a ``types()`` shortcut."""

    def types(self) -> list[str]:
        """Return the type strings of the captured events, in order."""
        return [type_of(e) for e in self]


@contextlib.contextmanager
def capture_events(
    manager: EventManager | None = None, pattern: str = "*"
) -> Iterator[_CapturedEvents]:
    """Capture the events published on ``manager`` (default: the process-wide one) inside a
    ``with`` block::

        with capture_events() as events:
            run_my_code()
        assert events.types() == ["test.created", "test.completed"]

    The observer runs at the highest priority, so it sees events before observers that fail.
    """
    target = manager if manager is not None else EventManager.get_instance()
    captured = _CapturedEvents()
    with target.observing(pattern, captured.append, priority=2**31):
        yield captured
