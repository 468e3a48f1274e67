"""The in-memory store against the shared contract."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from panther_events.store import InMemoryEventStore

from .contract import StoreContract


class TestInMemoryEventStore(StoreContract):
    """InMemoryEventStore honours the store contract."""

    @pytest.fixture
    def store(self) -> Iterator[InMemoryEventStore]:
        s = InMemoryEventStore()
        yield s
        s.close()
