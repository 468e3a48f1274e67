"""Shared fixtures: every test starts with a fresh default EventManager."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from panther_events import EventManager

# The pytest plugin's tests (tests/pytest_plugin) run inner sessions; only a top-level
# conftest may load a plugin.
pytest_plugins = ["pytester"]


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
