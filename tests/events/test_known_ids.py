"""A table of known content ids: a change of Python version or encoder cannot change one
unnoticed (ids are how duplicates are found across processes, stores and versions)."""

from __future__ import annotations

import enum
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import PurePosixPath

import pytest

from panther_events import (
    BaseEvent,
    EventType,
    ExperimentEvent,
    ExperimentEventType,
    GenericEvent,
    TestCreatedEvent,
    TestExecutionStartedEvent,
)


class Colour(enum.Enum):
    RED = "red"


@dataclass
class Point:
    x: int
    y: int


class Vector:
    def __init__(self, values: list[int]) -> None:
        self.values = values

    def tolist(self) -> list[int]:
        return self.values


class State:
    def __init__(self, level: int) -> None:
        self.level = level


def generic(entity_id: str, data: dict[str, object] | None = None) -> BaseEvent:
    return GenericEvent("x", EventType.SYSTEM, entity_id, data)


#: (what is built, how, its id). Never edit an id to make this test pass: an id that changes
#: breaks deduplication against every store and transport that holds the old one.
KNOWN_IDS: list[tuple[str, Callable[[], BaseEvent], str]] = [
    ("test.created", lambda: TestCreatedEvent("t1", "n"), "0ee07bff-600a-5945-a116-ac5c0ab16872"),
    (
        "non-ASCII text",
        lambda: TestCreatedEvent("t\u00e9-1", "\u00fcber \u2603", "d\u00e9"),
        "98879c3f-4d1f-5248-a72f-cf6b8ddba077",
    ),
    (
        "list and float",
        lambda: TestExecutionStartedEvent("test-1", ["connect", "handshake"], 1.5),
        "1618c1e0-2bec-5365-bc58-f19bfe0e6e45",
    ),
    (
        "nested, key order",
        lambda: generic("e1", {"b": [1, 2.5, None, True, False], "a": {"z": "s", "y": -0.0}}),
        "4ee1b6a6-5b0a-579e-a7ef-c7f5ee4d9f27",
    ),
    (
        "NaN and infinities",
        lambda: generic("e2", {"n": float("nan"), "i": float("inf"), "m": float("-inf")}),
        "13ca4a64-84ca-51a7-b6c2-898e739ad1df",
    ),
    (
        "big ints",
        lambda: generic("e3", {"n": 2**70, "neg": -(2**64)}),
        "d0889549-4246-59f7-82e5-16d215cf4869",
    ),
    ("tuple", lambda: generic("e4", {"t": (1, "a")}), "fb6f4c1e-445d-5b61-8e4e-0bc55172748b"),
    (
        "datetime, date, timedelta",
        lambda: generic(
            "e5",
            {
                "t": datetime(2026, 1, 2, 3, 4, 5, 6, tzinfo=UTC),
                "d": date(2026, 1, 2),
                "td": timedelta(seconds=1.5),
            },
        ),
        "4f292658-3717-5d5a-a08f-e789efce4bd7",
    ),
    (
        "sets and bytes",
        lambda: generic("e6", {"s": {3, 1, 2}, "f": frozenset({"q", "r"}), "b": b"\x00\xff"}),
        "41387225-fcd1-5a7b-88c5-17485059066c",
    ),
    (
        "decimal, uuid, path",
        lambda: generic(
            "e7", {"d": Decimal("1.10"), "u": uuid.UUID(int=5), "p": PurePosixPath("/tmp/x")}
        ),
        "8c4a1f06-2520-54b8-af51-b2b45637cd0e",
    ),
    (
        "enum in data",
        lambda: generic("e8", {"c": Colour.RED}),
        "553dbe3e-a811-5b88-850e-50ae0d7aa2a0",
    ),
    (
        "domain event from an enum member",
        lambda: ExperimentEvent(ExperimentEventType.INITIALIZED, "exp-1", {"k": 1}),
        "58485b37-cfe1-508f-8dc9-06684ca234ee",
    ),
    ("empty data", lambda: generic("e9"), "9d6ee1e1-cdf2-5bdc-8a12-71969e101230"),
    (
        "dataclass",
        lambda: generic("e10", {"p": Point(1, 2)}),
        "aa0bd5af-e968-5bc6-849f-a2ecb99f56bd",
    ),
    (
        "tolist()",
        lambda: generic("e11", {"v": Vector([1, 2, 3])}),
        "92ff68a9-8747-5fba-90d5-9fb84743277e",
    ),
    (
        "__dict__ state",
        lambda: generic("e12", {"s": State(3)}),
        "3e80b27f-e774-5cee-af66-28eafd0006bc",
    ),
    (
        "round-tripping repr",
        lambda: generic("e13", {"c": 1 + 2j}),
        "e0bfd615-2792-5b66-81bd-aadba6baffef",
    ),
    (
        "user dict shaped like a tag",
        lambda: generic("e14", {"t": {"$type": "datetime", "value": "2026-01-01T00:00:00+00:00"}}),
        "db37e8df-d3f9-505f-9a4b-2109087ff9b4",
    ),
]


@pytest.mark.parametrize(("label", "build", "known"), KNOWN_IDS, ids=[k[0] for k in KNOWN_IDS])
def test_known_content_ids(label: str, build: Callable[[], BaseEvent], known: str) -> None:
    """Each event of the table has the content id it had when the table was written."""
    assert build().id == known
