"""The one definition of a duration: seconds between two moments, and where a test's begins.

A test's duration runs from its first phase to its verdict (``test.completed`` or
``test.failed``). ``test.created`` is not a phase: a runner creates every test when the
experiment starts, so counting from it would add the tests before to each test's time. The
runner reports the figure in both verdict events; ``ResultCollector`` (``show``, JUnit) reads it
from there, and computes it with the same rule for events of producers that do not report it.
"""

from __future__ import annotations

from datetime import datetime

__all__ = ["TEST_DURATION_KEY", "is_test_phase", "seconds_between"]

#: The data key of the verdict events that holds the test's duration in seconds.
TEST_DURATION_KEY = "total_duration_seconds"

# Test events that are not a phase of the test (see the module docstring).
_NOT_A_PHASE = frozenset({"test.created"})


def seconds_between(start: datetime | None, end: datetime | None) -> float | None:
    """Return the seconds from ``start`` to ``end`` (never negative), or None if one is unknown."""
    if start is None or end is None:
        return None
    return max(0.0, (end - start).total_seconds())


def is_test_phase(event_type: str) -> bool:
    """Return whether ``event_type`` (a test, step or assertion event) may start a test's time."""
    return event_type not in _NOT_A_PHASE
