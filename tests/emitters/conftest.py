"""Fixtures of the emitter tests."""

from __future__ import annotations

import pytest

from panther_events import EventManager
from panther_events.testing import RecordingObserver


@pytest.fixture
def recorded(manager: EventManager) -> RecordingObserver:
    """A recording observer registered for every event on the test's manager."""
    recorder = RecordingObserver()
    manager.register_observer(recorder)
    return recorder
