"""The pattern language, checked against a plain reference matcher."""

from __future__ import annotations

import fnmatch
import logging

import pytest
from hypothesis import given
from hypothesis import strategies as st

from panther_events import EventManager, Pattern, PatternError


def reference_match(pattern: str, event_type: str) -> bool:
    """The documented rules, written as simply as possible (aliases excluded)."""
    if pattern == "*":
        return True
    if "*" not in pattern and "." not in pattern:
        return event_type == pattern or event_type.startswith(pattern + ".")
    p_segs, t_segs = pattern.split("."), event_type.split(".")
    if p_segs[-1] == "*":
        head = p_segs[:-1]
        if len(t_segs) <= len(head):
            return False
        t_segs = t_segs[: len(head)]
        p_segs = head
    if len(p_segs) != len(t_segs):
        return False
    # fnmatch's '*' never meets a dot here because each side is one segment.
    return all(
        fnmatch.fnmatchcase(t, p.replace("[", "[[]").replace("?", "[?]"))
        for p, t in zip(p_segs, t_segs, strict=True)
    )


segment = st.text(alphabet="abcx_-", min_size=1, max_size=4)
glob_segment = st.text(alphabet="abcx_*", min_size=1, max_size=4)
types = st.lists(segment, min_size=1, max_size=4).map(".".join)
patterns = st.lists(glob_segment, min_size=1, max_size=4).map(".".join)


@given(patterns, types)
def test_agrees_with_reference(pattern: str, event_type: str) -> None:
    """Every pattern selects exactly what the reference matcher selects."""
    assert Pattern(pattern).matches(event_type) == reference_match(pattern, event_type)


@pytest.mark.parametrize(
    ("pattern", "event_type", "expected"),
    [
        ("test.*", "test.execution_started", True),
        ("test.*", "test", False),
        ("test.*", "testing.created", False),
        ("environment.*", "environment.network.setup_started", True),
        ("service.health_check_*", "service.health_check_passed", True),
        ("service.health_check_*", "service.ready", False),
        ("*", "custom_protocol", True),
        ("test", "test.created", True),
        ("*.failed", "test.failed", True),
        ("test.execution_started", "test.execution_started", True),
        ("test.execution_started", "test.execution_started_x", False),
        # The observer guide's names stand for canonical types.
        ("test_case.*", "test.completed", True),
        ("test_case.*", "service.ready", False),
        ("test_case.started", "test.setup_started", True),
        ("test_case.finished", "test.failed", True),
        ("experiment.started", "experiment.execution_started", True),
        ("network.ready", "environment.network.setup_completed", True),
        ("service.starting", "service.deployment_started", True),
    ],
)
def test_examples(pattern: str, event_type: str, expected: bool) -> None:
    """The documented examples."""
    assert Pattern(pattern).matches(event_type) is expected


@pytest.mark.parametrize(
    ("pattern", "reason"),
    [
        ("", "empty pattern"),
        ("test..x", "empty segment at position 1"),
        (".test", "empty segment at position 0"),
        ("test.", "empty segment"),
        ("test.a b", "may hold only letters"),
        ("test/x", "may hold only letters"),
    ],
)
def test_malformed_patterns_say_why(pattern: str, reason: str) -> None:
    """A malformed pattern is a PatternError (a ValueError) with the reason."""
    with pytest.raises(PatternError, match=reason):
        Pattern(pattern)
    with pytest.raises(ValueError):
        Pattern(pattern)


class TestMisspeltPatterns:
    """A pattern whose domain is a near miss of ours is accepted, with one logged hint."""

    @pytest.mark.parametrize(
        ("pattern", "meant"),
        [("tset.*", "test.*"), ("servcie", "service"), ("expriment.failed", "experiment.failed")],
    )
    def test_a_near_miss_is_logged_with_the_pattern_meant(
        self, pattern: str, meant: str, caplog: pytest.LogCaptureFixture
    ) -> None:
        manager = EventManager()
        with caplog.at_level(logging.WARNING, logger="panther_events.manager"):
            manager.register_observer(pattern, lambda event: None)
        (record,) = caplog.records
        assert repr(pattern) in record.getMessage() and repr(meant) in record.getMessage()
        manager.close()

    @pytest.mark.parametrize(
        "pattern", ["test.*", "*", "*.failed", "test_case.*", "network.ready", "orders.*", "t*"]
    )
    def test_our_domains_guide_names_wildcards_and_far_names_say_nothing(
        self, pattern: str, caplog: pytest.LogCaptureFixture
    ) -> None:
        manager = EventManager()
        with caplog.at_level(logging.WARNING, logger="panther_events.manager"):
            manager.register_observer(pattern, lambda event: None)
        assert caplog.records == []
        manager.close()
