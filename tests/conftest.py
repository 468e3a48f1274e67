"""Shared fixtures: every test starts with a fresh default EventManager."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from panther_events import EventManager

# The pytest plugin's tests (tests/pytest_plugin) run inner sessions; only a top-level
# conftest may load a plugin.
pytest_plugins = ["pytester"]

#: The spec lives beside the project (CI clones with ../shared next to it).
SEEDS = Path(__file__).resolve().parents[1].parent / "shared" / "seeds"
API_REFERENCE = SEEDS / "000_f8b6d7c3d766d2ab.txt"
OBSERVER_GUIDE = SEEDS / "002_7cf29c50b9cb7cd6.txt"


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
