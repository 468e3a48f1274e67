"""The helpers of ``events/_wire.py``: the one place outside ``BaseEvent`` that reads its slots."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

import pytest

from panther_events import (
    EventManager,
    EventValidationError,
    TestCreatedEvent,
    TestEvent,
)
from panther_events import TestEventType as Kind
from panther_events.events._wire import admitted_type, event_type_of

SRC = Path(__file__).resolve().parents[2] / "src" / "panther_events"
# BaseEvent's private slots and class fields, which only the events package may read.
PRIVATE = {
    "_created",
    "_signature",
    "_timestamp",
    "_type",
    "_use_content_uuid",
    "_custom_validate",
    "_CLASS_FIELDS",
}


def _private_reads(path: Path) -> list[str]:
    """``x._slot`` (x other than self or cls) and ``getattr(x, "_slot", ...)`` in one module."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Attribute) and node.attr in PRIVATE:
            owner = node.value
            if not (isinstance(owner, ast.Name) and owner.id in ("self", "cls")):
                found.append(f"{path.name}:{node.lineno} .{node.attr}")
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in ("getattr", "hasattr", "setattr")
            and len(node.args) > 1
            and isinstance(node.args[1], ast.Constant)
            and node.args[1].value in PRIVATE
        ):
            found.append(f"{path.name}:{node.lineno} {node.func.id}(..., {node.args[1].value!r})")
    return found


def test_modules_outside_events_read_no_private_event_slot() -> None:
    """The manager, serialization, the store and every other module outside ``events/`` go
    through the helpers of ``events/_wire.py`` (or public attributes), never BaseEvent's
    private slots."""
    outside = [p for p in SRC.rglob("*.py") if "events" not in p.relative_to(SRC).parts[:1]]
    assert any(p.name == "manager.py" for p in outside)
    found = [read for path in outside for read in _private_reads(path)]
    assert found == []


def test_the_scan_finds_a_private_read(tmp_path: Path) -> None:
    """The scan above sees the reads it forbids (so it can fail)."""
    probe = tmp_path / "probe.py"
    probe.write_text('e = f()\nx = e._type\ny = getattr(e, "_created", 0)\nself._type = 1\n')
    assert _private_reads(probe) == ["probe.py:2 ._type", "probe.py:3 getattr(..., '_created')"]


class _Picky(TestEvent):
    """A class with its own validate(): it refuses events whose data has no 'ok' key."""

    __slots__ = ()

    def validate(self) -> bool:
        return super().validate() and "ok" in self.data


def test_admitted_type_of_a_valid_event_is_its_type() -> None:
    """A built event is admitted under its type string."""
    assert admitted_type(TestCreatedEvent("t1", "n")) == "test.created"
    assert admitted_type(_Picky(Kind.CREATED, "t1", {"ok": 1})) == "test.created"


def test_admitted_type_of_an_invalid_event_is_empty() -> None:
    """An event that fails validate() (the base rule, or its class's own) gives ""."""
    event = TestCreatedEvent("t1", "n")
    event.entity_id = ""
    assert admitted_type(event) == ""
    cleared = TestCreatedEvent("t2", "n")
    cleared.timestamp = None  # type: ignore[assignment]
    assert admitted_type(cleared) == ""
    assert admitted_type(_Picky(Kind.CREATED, "t1", {})) == ""


def test_admitted_type_of_a_plain_object_is_none() -> None:
    """An object that is not a BaseEvent is told apart (the manager types it by type_of)."""

    class Plain:
        event_type = "custom.thing"

    assert admitted_type(Plain()) is None
    assert event_type_of(Plain()) is None
    assert event_type_of(TestCreatedEvent("t1", "n")) == "test.created"


def test_manager_refuses_what_admitted_type_refuses() -> None:
    """The manager's admission is the helper's: a class's own validate() is honoured."""
    manager = EventManager()
    seen: list[Any] = []
    manager.register_observer("test.*", seen.append)
    manager.publish(_Picky(Kind.CREATED, "t1", {"ok": 1}))
    with pytest.raises(EventValidationError, match="validate"):
        manager.publish(_Picky(Kind.CREATED, "t2", {}))
    assert len(seen) == 1
    manager.close()
