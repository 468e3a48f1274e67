"""Rows: the text of a creation time is the one ``datetime`` gives, to the microsecond."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from panther_events import TestCreatedEvent
from panther_events.store._rows import event_row


def _stored_text(created: float) -> str:
    event = TestCreatedEvent("t", "x")
    event._created = created  # the creation time the event was stamped with
    return event_row(event).timestamp


def test_microseconds_round_half_to_even_as_datetime_does() -> None:
    """7812.5 µs past a second (an exact float) rounds to 7812; 999,999.76 µs carries into
    the next second."""
    for created in (1764500000 + 2**-7, 1764500000 + 3 * 2**-7, 1764500001 - 2**-22):
        assert _stored_text(created) == datetime.fromtimestamp(created, UTC).isoformat()


@given(st.floats(min_value=1.0, max_value=4_102_444_800.0))  # up to the year 2100
def test_creation_time_text_is_datetimes(created: float) -> None:
    """Any creation time is stored as the text of ``datetime.fromtimestamp(t, UTC)``."""
    assert _stored_text(created) == datetime.fromtimestamp(created, UTC).isoformat()
