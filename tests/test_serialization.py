"""The wire form: every event survives to_dict -> event_from_dict, and JSON always encodes."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import panther_events
from panther_events import (
    EventType,
    EventValidationError,
    GenericEvent,
    ServiceHealthCheckFailedEvent,
    TestCreatedEvent,
    event_from_dict,
    event_from_json,
    event_to_dict,
    event_to_json,
)
from panther_events.events.base import registered_event_types

json_scalars = st.none() | st.booleans() | st.integers(-(2**53), 2**53) | st.text(max_size=10)
json_values = st.recursive(
    json_scalars,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=10,
)
ids = st.text(alphabet="abcdefghij-_0123456789", min_size=1, max_size=12)


@given(
    st.sampled_from(sorted(registered_event_types())),
    ids,
    st.dictionaries(st.text(max_size=8), json_values, max_size=5),
)
def test_round_trip_keeps_everything(event_type: str, entity_id: str, data: dict[str, Any]) -> None:
    """Rebuilding from to_dict gives the registered class with id, type, entity, time, data."""
    cls = registered_event_types()[event_type]
    entity, name = event_type.split(".", 1)
    original = GenericEvent(name, EventType(entity), entity_id, data)
    payload = original.to_dict()
    rebuilt = event_from_dict(json.loads(json.dumps(payload)))
    assert type(rebuilt) is cls
    assert rebuilt.to_dict() == payload
    assert rebuilt.id == original.id
    assert rebuilt.timestamp == original.timestamp
    assert rebuilt.content_signature == original.content_signature


awkward_values = st.recursive(
    json_scalars
    | st.floats()  # NaN and infinities included
    | st.datetimes()
    | st.sampled_from(list(EventType))
    | st.frozensets(st.integers(0, 9), max_size=3),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.tuples(inner, inner)
        | st.dictionaries(
            st.text(max_size=4) | st.integers(-5, 5) | st.booleans() | st.none(), inner, max_size=3
        )
    ),
    max_leaves=10,
)


@given(st.dictionaries(st.text(max_size=6), awkward_values, max_size=4))
def test_json_text_is_the_wire_form_encoded(data: dict[str, Any]) -> None:
    """event_to_json reads back as the wire form, whatever the data holds (its fast path
    encodes plain data directly, anything else as to_dict converts it); for plain data it is
    exactly json.dumps of event_to_dict. (Keys such as 1 and "1" in one dict are both written
    by the fast path; a JSON reader keeps the last, as to_dict does.)"""
    event = GenericEvent("probe", EventType.TEST, "t", data)
    wire = event_to_dict(event)
    text = event_to_json(event)
    assert json.loads(text) == wire
    if wire["data"] == data:
        assert text == json.dumps(wire, separators=(",", ":"), ensure_ascii=False)


def test_concrete_event_round_trip() -> None:
    """A concrete event comes back as its class with its attributes readable."""
    event = ServiceHealthCheckFailedEvent("s1", "quic", "tcp", "refused", status_code=503)
    back = event_from_json(event_to_json(event))
    assert isinstance(back, ServiceHealthCheckFailedEvent)
    assert back.service_name == "quic" and back.status_code == 503 and back.id == event.id


def test_unknown_type_comes_back_generic() -> None:
    """A type no class is registered for is read as a GenericEvent, not an error."""
    payload = GenericEvent("future_thing", EventType.TEST, "t1", {"a": 1}).to_dict()
    back = event_from_dict(payload)
    assert type(back) is GenericEvent and back.get_type() == "test.future_thing"


def test_unknown_entity_type_keeps_its_type_string() -> None:
    """An entity type from a newer version keeps the type string."""
    payload = {**GenericEvent("x", EventType.TEST, "t").to_dict(), "type": "robot.moved"}
    payload["entity_type"] = "robot"
    assert event_from_dict(payload).get_type() == "robot.moved"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"type": ""}, "'type' must be a non-empty string"),
        ({"timestamp": "yesterday"}, "'timestamp' must be ISO 8601"),
        ({"data": [1]}, "'data' must be an object"),
        ({"name": ""}, "'name' must be non-empty"),
        ({"entity_type": None}, "'entity_type' must be non-empty"),
        ({"entity_id": ""}, "'entity_id' must be non-empty"),
        ({"id": ""}, "'id' must be non-empty"),
    ],
)
def test_malformed_dicts_are_named(change: dict[str, Any], message: str) -> None:
    """Each malformed field gets an error naming it."""
    payload = {**GenericEvent("x", EventType.TEST, "t").to_dict(), **change}
    with pytest.raises(EventValidationError, match=message):
        event_from_dict(payload)


def test_missing_keys_are_listed() -> None:
    """A dict without the wire keys lists what is missing."""
    with pytest.raises(EventValidationError, match=r"missing \['id', 'name'"):
        event_from_dict({"type": "test.created"})


def test_bad_json_is_a_validation_error() -> None:
    """Text that is not JSON is an EventValidationError."""
    with pytest.raises(EventValidationError, match="not valid event JSON"):
        event_from_json("{nope")


def test_plain_dataclass_events_encode() -> None:
    """The guide's @dataclass CustomProtocolEvent has a wire form too."""

    @dataclasses.dataclass
    class CustomProtocolEvent:
        protocol: str
        message_type: str
        payload: dict[str, Any]
        timestamp: datetime

    event = CustomProtocolEvent("quic", "initial", {"len": 1200}, datetime.now(UTC))
    d = event_to_dict(event)
    assert d["type"] == "custom_protocol" and d["data"]["payload"] == {"len": 1200}
    json.dumps(d)
    assert event_from_dict(d).get_type() == "custom_protocol"


def test_every_public_event_class_is_registered() -> None:
    """Every exported concrete event class is in the registry under its EVENT_TYPE."""
    registry = registered_event_types()
    for name in panther_events.__all__:
        obj = getattr(panther_events, name)
        if isinstance(obj, type) and obj.__dict__.get("EVENT_TYPE"):
            assert registry[obj.EVENT_TYPE] is obj


def test_a_signature_set_to_none_stays_none() -> None:
    """Clearing an event's signature turns off is_duplicate_of, rebuilt events included."""
    event = event_from_dict(TestCreatedEvent(test_id="t1", test_name="x").to_dict())
    twin = TestCreatedEvent(test_id="t1", test_name="x")
    assert event.is_duplicate_of(twin)
    event.content_signature = None
    assert event.content_signature is None
    assert not event.is_duplicate_of(twin)
