"""Shared fixtures: every test starts with a fresh default EventManager."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from panther_events import EventManager


@pytest.fixture(autouse=True)
def _fresh_default_manager() -> Iterator[None]:
    """Reset the process-wide default manager around each test."""
    EventManager.reset_instance()
    yield
    EventManager.reset_instance()


@pytest.fixture
def manager() -> Iterator[EventManager]:
    """An independent manager, closed after the test."""
    m = EventManager()
    yield m
    m.close()
