"""BaseEvent: construction, ids, data access, duplicates, to_dict and validation."""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from datetime import UTC, datetime

import pytest

from panther_events import (
    BaseEvent,
    CounterMetricEvent,
    EventType,
    EventValidationError,
    GenericEvent,
    ServiceReadyEvent,
    TestCreatedEvent,
    TestExecutionStartedEvent,
    create_content_based_uuid,
    create_event_signature,
)


class TestConstruction:
    """Building a BaseEvent."""

    def test_attributes(self) -> None:
        """The constructor sets every spec attribute."""
        before = datetime.now(UTC)
        event = GenericEvent("started", EventType.TEST, "t1", {"a": 1})
        assert (event.name, event.entity_type, event.entity_id) == ("started", EventType.TEST, "t1")
        assert event.data == {"a": 1}
        assert before <= event.timestamp <= datetime.now(UTC)
        assert event.content_signature == 'test:started:t1:{"a":1}'
        assert event.get_type() == "test.started"

    def test_data_is_copied(self) -> None:
        """Mutating the dict passed in does not change the event."""
        data = {"a": 1}
        event = GenericEvent("x", EventType.TEST, "t1", data)
        data["a"] = 2
        assert event.data == {"a": 1}

    def test_wrong_entity_type_is_a_type_error(self) -> None:
        """A string instead of an EventType member names the class and the fix."""
        with pytest.raises(TypeError, match=r"GenericEvent: entity_type .*'test'.*EventType.TEST"):
            GenericEvent("x", "test", "t1")  # type: ignore[arg-type]

    @pytest.mark.parametrize("name", ["", None, 3])
    def test_bad_name_is_refused(self, name: object) -> None:
        """An empty or non-string name is an EventValidationError (a ValueError)."""
        with pytest.raises(ValueError, match="name must be a non-empty string"):
            GenericEvent(name, EventType.TEST, "t1")  # type: ignore[arg-type]

    def test_empty_entity_id_names_the_parameter(self) -> None:
        """A domain class's empty id names the domain's id parameter."""
        with pytest.raises(EventValidationError, match=r"TestCreatedEvent.*'test_id'"):
            TestCreatedEvent(test_id="", test_name="n")

    def test_data_must_be_a_mapping(self) -> None:
        """A list as data is refused with the type named."""
        with pytest.raises(TypeError, match="data must be a mapping, got list"):
            GenericEvent("x", EventType.TEST, "t1", [1])  # type: ignore[arg-type]

    def test_explicit_timestamp(self) -> None:
        """A timestamp can be given (used when rebuilding and by the guide's classes)."""
        ts = datetime(2026, 1, 1, tzinfo=UTC)
        assert GenericEvent("x", EventType.TEST, "t1", timestamp=ts).timestamp == ts

    def test_non_native_data_never_fails(self) -> None:
        """Datetimes, enums, paths, bytes, sets, exceptions and objects with state are
        accepted (an object with no state to encode is refused: see test_canonical)."""
        from pathlib import Path

        class Settings:
            def __init__(self) -> None:
                self.level = 3

        data = {
            "when": datetime(2026, 1, 1, tzinfo=UTC),
            "kind": EventType.TEST,
            "path": Path("/tmp/x"),
            "raw": b"\x00\x01",
            "tags": {"b", "a"},
            "error": ValueError("boom"),
            "obj": Settings(),
            "nested": {1: "int key", (1, 2): "tuple key"},
        }
        event = GenericEvent("x", EventType.TEST, "t1", data)
        json.dumps(event.to_dict())
        assert event.id


class TestIds:
    """Content ids and signatures."""

    def test_id_is_uuid5_of_signature(self) -> None:
        """The id is the spec's UUID5 under NAMESPACE_OID of the content signature."""
        event = TestCreatedEvent(test_id="t1", test_name="handshake")
        assert event.content_signature is not None
        assert event.id == str(uuid.uuid5(uuid.NAMESPACE_OID, event.content_signature))

    def test_equal_content_equal_id_despite_time(self) -> None:
        """Two events with the same content have the same id; timestamps are excluded."""
        a = TestCreatedEvent(test_id="t1", test_name="n")
        b = TestCreatedEvent(test_id="t1", test_name="n")
        assert a.id == b.id and a.is_duplicate_of(b)

    def test_values_of_different_types_differ(self) -> None:
        """1 and "1" (and True and 1) give different ids."""
        ids = {GenericEvent("x", EventType.TEST, "t", {"v": v}).id for v in (1, "1", True, 1.0)}
        assert len(ids) == 4

    def test_use_content_uuid_false_gives_random_ids(self) -> None:
        """With use_content_uuid=False every event gets its own UUID4."""
        a = GenericEvent("x", EventType.TEST, "t", use_content_uuid=False)
        b = GenericEvent("x", EventType.TEST, "t", use_content_uuid=False)
        assert a.id != b.id and uuid.UUID(a.id).version == 4
        assert a.is_duplicate_of(b)  # the signature still compares content

    def test_metrics_samples_are_never_duplicates(self) -> None:
        """Two equal counter increments are two observations: distinct ids."""
        a = CounterMetricEvent(counter_name="requests", value=1)
        b = CounterMetricEvent(counter_name="requests", value=1)
        assert a.id != b.id

    def test_add_data_regenerates_id(self) -> None:
        """add_data mutates data and regenerates signature and id."""
        event = TestExecutionStartedEvent(test_id="t1")
        old_id, old_sig = event.id, event.content_signature
        event.add_data("extra", 1)
        assert event.data["extra"] == 1
        assert event.id != old_id and event.content_signature != old_sig
        assert event.id == create_content_based_uuid(event.content_signature or "")

    def test_signature_function_matches(self) -> None:
        """create_event_signature gives the format the spec describes."""
        sig = create_event_signature("created", "test", "t1", {"b": 2, "a": 1})
        assert sig == 'test:created:t1:{"a":1,"b":2}'
        assert create_event_signature("created", "test", "t1") == "test:created:t1:{}"


class TestAccess:
    """Reading an event."""

    def test_get_data_is_a_copy(self) -> None:
        """Changing get_data()'s result does not change the event."""
        event = ServiceReadyEvent(service_id="s1", service_name="quic")
        event.get_data()["service_name"] = "other"
        assert event.data["service_name"] == "quic"

    def test_data_keys_are_attributes(self) -> None:
        """The guide reads data as attributes: event.service_name, event.service_id."""
        event = ServiceReadyEvent(service_id="s1", service_name="quic")
        assert event.service_name == "quic" and event.service_id == "s1"

    def test_unknown_attribute_lists_the_data_keys(self) -> None:
        """A missing attribute is an AttributeError naming it; where the event could have
        held it as a data key (a generic event, or a data key of the class that this event
        lacks), the message lists the data keys it has."""
        event = ServiceReadyEvent(service_id="s1", service_name="quic")
        with pytest.raises(AttributeError, match=r"no attribute 'nope'"):
            _ = event.nope
        del event.data["service_name"]
        with pytest.raises(AttributeError, match=r"data key 'service_name'.*readiness_checks"):
            _ = event.service_name
        generic = GenericEvent("started", EventType.TEST, "t1", {"a": 1})
        with pytest.raises(AttributeError, match=r"no attribute or data key 'nope'.*'a'"):
            _ = generic.nope

    def test_concrete_events_have_no_getattr_hook(self) -> None:
        """Concrete classes read their data keys through properties, not ``__getattr__``
        (which keeps CPython 3.11 from caching any attribute read on their events)."""
        # In a fresh process: add_data of a new key switches a class (see the next test).
        script = (
            "import panther_events as p\n"
            "print([hasattr(c, '__getattr__') for c in p.registered_event_types().values()])\n"
            "print(hasattr(p.GenericEvent, '__getattr__'))\n"
        )
        done = subprocess.run(
            [sys.executable, "-c", script], check=True, capture_output=True, text=True
        )
        hooks, generic = done.stdout.splitlines()
        assert len(hooks) > 100 and "True" not in hooks
        assert generic == "True"

    def test_keys_added_later_read_as_attributes(self) -> None:
        """A key the constructor does not make (``add_data``, or an event read back with
        more data) reads as an attribute too."""
        from panther_events.events._wire import restore_event

        class Probe(TestCreatedEvent):  # its own class: the switch below is per class
            __slots__ = ()

        event = Probe(test_id="t1", test_name="n")
        event.add_data("check_number", 3)
        assert event.check_number == 3 and event.test_name == "n"
        restored = restore_event(
            ServiceReadyEvent,
            event_id="x",
            event_type="service.ready",
            name="ready",
            entity_type=EventType.SERVICE,
            entity_id="s1",
            timestamp=datetime.now(UTC),
            data={"service_name": "q", "extra_key": 5},
        )
        assert restored.extra_key == 5 and restored.service_id == "s1"

    def test_to_dict_has_the_seven_keys(self) -> None:
        """to_dict: id, name, type, entity_type, entity_id, timestamp (ISO 8601), data."""
        event = TestCreatedEvent(test_id="t1", test_name="n")
        d = event.to_dict()
        assert list(d) == ["id", "name", "type", "entity_type", "entity_id", "timestamp", "data"]
        assert d["type"] == "test.created" and d["entity_type"] == "test"
        assert datetime.fromisoformat(d["timestamp"]) == event.timestamp

    def test_validate(self) -> None:
        """validate() is True for a built event and False once a field is cleared."""
        event = TestCreatedEvent(test_id="t1", test_name="n")
        assert event.validate()
        event.entity_id = ""
        assert not event.validate()

    def test_events_use_slots(self) -> None:
        """Events are small: no per-instance __dict__."""
        event = TestCreatedEvent(test_id="t1", test_name="n")
        assert not hasattr(event, "__dict__")
        assert isinstance(event, BaseEvent)
