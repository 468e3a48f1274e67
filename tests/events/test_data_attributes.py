"""Data keys read as attributes: what a user of the API may do with them, and what stays put."""

from __future__ import annotations

import asyncio
import copy
import json
import pickle
import subprocess
import sys
import threading
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any, ClassVar
from unittest.mock import MagicMock

import pytest

from panther_events import (
    EventManager,
    EventType,
    GenericEvent,
    ServiceReadyEvent,
    TestCreatedEvent,
    TestEvent,
)
from panther_events.events._wire import admitted_type, event_type_of
from panther_events.serialization import event_from_dict, event_to_json


def _run(code: str) -> str:
    """Run ``code`` in a fresh interpreter (classes switched to the fallback stay switched
    for the whole process, so what a fresh process sees is tested in one)."""
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


class TestNames:
    """Keys named like attributes, keys that are not identifiers, missing keys."""

    def test_a_key_named_like_an_attribute_keeps_the_attribute(self) -> None:
        event = TestCreatedEvent("t1", "n")
        stamp = event.timestamp
        for key in ("data", "id", "name", "entity_id", "timestamp", "get_type", "to_dict"):
            event.add_data(key, "x")
        assert event.name == "created" and event.entity_id == "t1"
        assert event.timestamp == stamp and event.get_type() == "test.created"
        assert event.to_dict()["data"]["to_dict"] == "x"
        assert event.data["data"] == "x"

    def test_keys_that_are_not_identifiers_read_through_getattr(self) -> None:
        event = GenericEvent("x", EventType.TEST, "t1", {"a-b": 1, "": 2, 3: 4})
        assert getattr(event, "a-b") == 1
        assert getattr(event, "") == 2

    def test_hasattr_of_a_missing_key_is_false(self) -> None:
        for event in (TestCreatedEvent("t1", "n"), GenericEvent("x", EventType.TEST, "t1")):
            assert not hasattr(event, "missing")
            assert not hasattr(event, "_private")

    def test_hasattr_is_false_when_the_data_has_keys_that_are_not_strings(self) -> None:
        event = GenericEvent("x", EventType.TEST, "t1", {"a": 1, 3: 4, None: 5})
        assert not hasattr(event, "missing")
        with pytest.raises(AttributeError, match=r"data keys: \[3, None, 'a'\]"):
            _ = event.missing

    def test_none_values_and_the_id_alias(self) -> None:
        event = TestCreatedEvent("t1", "n")
        assert event.description is None and event.config is None
        assert event.test_id == "t1"
        assert "test_name" in dir(event) and "test_id" in dir(event)


class TestSubclasses:
    """Users' own subclasses of concrete events."""

    def test_an_extra_constructor_parameter_kept_as_an_attribute(self) -> None:
        class RetriedEvent(TestCreatedEvent):
            def __init__(self, test_id: str, test_name: str, retries: int = 0) -> None:
                super().__init__(test_id, test_name)
                self.retries = retries

        event = RetriedEvent("t1", "n", retries=3)
        assert event.retries == 3
        assert event.test_name == "n"

    def test_an_extra_constructor_parameter_put_in_the_data(self) -> None:
        class TaggedEvent(TestCreatedEvent):
            def __init__(self, test_id: str, test_name: str, tag: str = "") -> None:
                super().__init__(test_id, test_name)
                self.add_data("tag", tag)

        assert TaggedEvent("t1", "n", tag="x").tag == "x"

    def test_a_data_key_overridden_by_a_property_or_method(self) -> None:
        class Shouting(TestCreatedEvent):
            @property
            def test_name(self) -> str:
                return str(self.data["test_name"]).upper()

            def description(self) -> str:
                return "method"

        event = Shouting("t1", "n")
        assert event.test_name == "N"
        assert event.description() == "method"

    def test_a_generic_subclass_reads_any_key(self) -> None:
        class MyTestEvent(TestEvent):
            pass

        event = MyTestEvent("custom", "t1", {"answer": 42})
        assert event.answer == 42
        assert not hasattr(event, "missing")


class TestSwitch:
    """``add_data`` of a new key switches the class, and only for the better."""

    def test_add_data_on_one_instance_leaves_others_readable(self) -> None:
        class Lonely(TestCreatedEvent):
            """A user's subclass."""

        first, second = Lonely("t1", "a"), Lonely("t2", "b")
        first.add_data("extra", 1)
        assert first.extra == 1 and second.test_name == "b"
        assert not hasattr(second, "extra")
        assert TestCreatedEvent("t3", "c").test_name == "c"

    def test_a_domain_event_built_directly_leaves_concrete_classes_without_fallback(
        self,
    ) -> None:
        code = (
            "from panther_events import TestEvent, TestExecutionStartedEvent as Started; "
            "event = TestEvent('custom', 't1', {'foo': 1, 'a-b': 2, 3: 4}); "
            "later = TestEvent('custom', 't2', {'bar': 5}); "
            "print(event.foo, getattr(event, 'a-b'), later.bar, later.test_id, "
            "hasattr(later, 'foo'), hasattr(Started('t'), 'foo'), "
            "hasattr(Started, '__getattr__'), hasattr(TestEvent, '__getattr__'))"
        )
        assert _run(code) == "1 2 5 t2 False False False False"

    def test_the_keys_the_runner_adds_leave_their_classes_without_fallback(self) -> None:
        """The runner adds a duration to ``test.failed`` and a number to each health check:
        those classes answer the keys with properties, so the runner's ``add_data`` does not
        give them the slower ``__getattr__`` for the rest of the process."""
        code = (
            "from panther_events import TestFailedEvent as F, "
            "ServiceHealthCheckFailedEvent as HF, ServiceHealthCheckPassedEvent as HP; "
            "from panther_events._durations import TEST_DURATION_KEY as D; "
            "from panther_events.events.service import CHECK_NUMBER_KEY as N; "
            "f = F('t', 'n', 'boom'); f.add_data(D, 1.5); "
            "hf = HF('s', 'svc', 'tcp', 'refused'); hf.add_data(N, 2); "
            "hp = HP('s', 'svc', 'tcp'); hp.add_data(N, 3); "
            "print(f.total_duration_seconds, hf.check_number, hp.check_number, "
            "hasattr(F('u'), D), "
            "any(hasattr(c, '__getattr__') for c in (F, HF, HP)))"
        )
        assert _run(code) == "1.5 2 3 False False"

    def test_readers_never_fail_while_classes_switch_under_them(self) -> None:
        classes = [type(f"Switched{i}", (TestCreatedEvent,), {}) for i in range(100)]
        events = [cls(f"t{i}", f"n{i}") for i, cls in enumerate(classes)]
        errors: list[BaseException] = []
        stop = threading.Event()

        def read() -> None:
            try:
                while not stop.is_set():
                    for event in events:
                        assert event.test_name and event.config is None
                        assert not hasattr(event, "extra")
            except BaseException as exc:  # reported below
                errors.append(exc)

        readers = [threading.Thread(target=read) for _ in range(8)]
        for thread in readers:
            thread.start()
        for cls in classes:
            writer = cls("w", "w")
            writer.add_data("extra", 1)
            assert writer.extra == 1
        stop.set()
        for thread in readers:
            thread.join()
        assert errors == []
        assert all(hasattr(cls, "__getattr__") for cls in classes)

    def test_readers_never_fail_while_another_thread_adds_keys(self) -> None:
        class Raced(TestCreatedEvent):
            """A user's subclass."""

        events = [Raced(f"t{i}", f"n{i}") for i in range(8)]
        errors: list[BaseException] = []
        stop = threading.Event()

        def read(event: Raced) -> None:
            try:
                while not stop.is_set():
                    assert event.test_name and event.test_id and event.description is None
            except BaseException as exc:  # reported below
                errors.append(exc)

        readers = [threading.Thread(target=read, args=(event,)) for event in events]
        for thread in readers:
            thread.start()
        writer = Raced("w", "w")
        for i in range(2000):
            writer.add_data(f"k{i}", i)
            assert getattr(writer, f"k{i}") == i
        stop.set()
        for thread in readers:
            thread.join()
        assert errors == []


class TestCopies:
    """pickle, copy, deepcopy and the wire form keep the attributes readable."""

    def test_copy_and_deepcopy(self) -> None:
        event = ServiceReadyEvent("s1", "quic-server")
        for clone in (copy.copy(event), copy.deepcopy(event), pickle.loads(pickle.dumps(event))):
            assert clone.service_name == "quic-server" and clone.id == event.id

    def test_an_added_key_reads_after_pickling_into_a_fresh_process(self) -> None:
        event = TestCreatedEvent("t1", "n")
        event.add_data("extra", 5)
        blob = pickle.dumps(event)
        code = (
            "import pickle, sys; "
            f"event = pickle.loads({blob!r}); "
            "print(event.extra, event.test_name, event.test_id)"
        )
        assert _run(code) == "5 n t1"

    def test_a_wire_form_with_extra_keys_reads_in_a_fresh_process(self) -> None:
        wire = ServiceReadyEvent("s1", "quic").to_dict()
        wire["data"]["port"] = 4443
        restored = event_from_dict(wire)
        assert restored.port == 4443 and restored.service_name == "quic"
        code = (
            "from panther_events.serialization import event_from_dict; "
            f"e = event_from_dict({wire!r}); print(e.port, e.service_name)"
        )
        assert _run(code) == "4443 quic"

    def test_a_subclass_state_of_its_own_restores(self) -> None:
        class Stated(TestCreatedEvent):
            def __init__(self, test_id: str, test_name: str, note: str = "") -> None:
                super().__init__(test_id, test_name)
                self.note = note

            def __getstate__(self) -> dict[str, Any]:
                fields = ("name", "entity_type", "entity_id", "data", "id", "_type")
                state = {field: getattr(self, field) for field in fields}
                return {**state, "_created": 1.0, "_timestamp": None, "note": self.note}

        clone = copy.copy(Stated("t1", "n", note="kept"))
        assert (clone.note, clone.test_name, clone.get_type()) == ("kept", "n", "test.created")

    def test_equality_and_hash_stay_by_identity(self) -> None:
        first, second = TestCreatedEvent("t1", "n"), TestCreatedEvent("t1", "n")
        assert first.id == second.id
        assert first != second and first == first  # noqa: PLR0124
        assert len({first, second}) == 2


class TestManager:
    """What the manager reads of an event, through ``admitted_type``."""

    def test_a_plain_object_with_a_type_attribute_is_a_plain_object(self) -> None:
        @dataclass
        class Reading:
            _type: str
            value: int

            event_type: ClassVar[str] = "reading"

        received: list[Any] = []
        manager = EventManager()
        manager.register_observer("reading", received.append)
        manager.publish(Reading("sensor", 1))
        manager.publish(Reading("sensor", 1))  # plain objects are never deduplicated
        manager.close()
        assert [r.value for r in received] == [1, 1]

    def test_a_plain_object_with_a_type_attribute_publishes_async_and_serializes(self) -> None:
        plain = SimpleNamespace(_type="reading", event_type="reading", value=1)
        received: list[Any] = []
        manager = EventManager()
        manager.register_observer("reading", received.append)
        asyncio.run(manager.publish_async(plain))
        manager.close()
        assert received == [plain]
        assert json.loads(event_to_json(plain))["data"] == {"event_type": "reading", "value": 1}

    def test_an_object_answering_every_attribute_is_a_plain_object(self) -> None:
        mock = MagicMock()
        assert admitted_type(mock) is None and event_type_of(mock) is None

    def test_an_invalid_event_is_refused_and_a_valid_one_delivered(self) -> None:
        from panther_events import EventValidationError

        received: list[Any] = []
        manager = EventManager()
        manager.register_observer("*", received.append)
        event = TestCreatedEvent("t1", "n")
        event.timestamp = None  # type: ignore[assignment]
        with pytest.raises(EventValidationError, match="validate"):
            manager.publish(event)
        manager.publish(TestCreatedEvent("t1", "n"))
        manager.publish(TestCreatedEvent("t1", "n"))  # a duplicate
        manager.close()
        assert [e.test_name for e in received] == ["n"]
