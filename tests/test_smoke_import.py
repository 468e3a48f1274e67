"""The package imports and builds an event."""

from __future__ import annotations

import panther_events


def test_builds_an_event() -> None:
    """A typed event has the spec's type string."""
    event = panther_events.TestCreatedEvent(test_id="t1", test_name="handshake")
    assert event.get_type() == "test.created"
