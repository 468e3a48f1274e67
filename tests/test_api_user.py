"""Promises a library user meets first: wrong arguments give one clear error, and leave no trace."""

from __future__ import annotations

from typing import Any

import pytest

from panther_events import EventManager, TestCreatedEvent


@pytest.mark.parametrize(
    ("kwargs", "named"),
    [
        ({"priority": "high"}, "priority"),
        ({"priority": 1.5}, "priority"),
        ({"background": True, "queue_size": "10"}, "queue_size"),
    ],
)
def test_wrong_registration_arguments_are_refused_and_register_nothing(
    kwargs: dict[str, Any], named: str
) -> None:
    manager = EventManager()
    seen: list[object] = []
    with pytest.raises(TypeError, match=rf"^{named} must be an int, got '?[\w.]+'?"):
        manager.register_observer("test.*", seen.append, **kwargs)
    # The manager is unharmed: nothing was registered, and the next registration works.
    manager.register_observer("test.*", seen.append)
    manager.publish(TestCreatedEvent(test_id="t1", test_name="n"))
    assert len(seen) == 1
    manager.close()


@pytest.mark.parametrize(
    ("kwargs", "named"),
    [
        ({"dedup_window": "10"}, "dedup_window"),
        ({"max_depth": 2.5}, "max_depth"),
        ({"history_limit": None}, "history_limit"),
        ({"dedup_ttl": "5"}, "dedup_ttl"),
    ],
)
def test_wrong_manager_arguments_name_the_value(kwargs: dict[str, Any], named: str) -> None:
    with pytest.raises(TypeError, match=rf"^{named} must be"):
        EventManager(**kwargs)


@pytest.mark.parametrize("method", ["flush", "close"])
def test_a_timeout_that_is_not_seconds_is_refused(method: str) -> None:
    manager = EventManager()
    with pytest.raises(TypeError, match=r"^timeout must be seconds \(a number\) or None, got '1'"):
        getattr(manager, method)("1")
    manager.close()
