"""``Delivery``: built from an event or from its wire form, the other side on demand."""

from __future__ import annotations

import json

import pytest

from panther_events import Delivery, TestCreatedEvent, event_to_dict


def test_wire_delivery_rebuilds_the_event_once() -> None:
    """A delivery made from a decoded message gives the same event the publisher had."""
    event = TestCreatedEvent(test_id="t1", test_name="handshake")
    wire = json.loads(json.dumps(event_to_dict(event)))
    delivery = Delivery("run-1", None, 2, wire=wire)
    rebuilt = delivery.event
    assert rebuilt is delivery.event
    assert type(rebuilt) is TestCreatedEvent
    assert rebuilt.to_dict() == event.to_dict()
    assert rebuilt.content_signature == event.content_signature
    assert delivery.wire is wire
    assert delivery.redelivered


def test_event_delivery_gives_its_wire_form() -> None:
    """A delivery made from an event gives the event's wire form."""
    event = TestCreatedEvent(test_id="t1", test_name="handshake")
    delivery = Delivery("run-1", event)
    assert delivery.event is event
    assert delivery.wire == event.to_dict()
    assert not delivery.redelivered
    assert "test.created" in repr(delivery)


def test_delivery_needs_an_event_or_a_wire_form() -> None:
    """Neither given is a programming error, reported at once."""
    with pytest.raises(TypeError, match="wire"):
        Delivery("run-1")


@pytest.mark.parametrize(
    "data", [b'{"a":1}', b' {"a": [1, 2]}\n', b'{"a":"\xc3\xa9"} ', b"[1,2]", b'"x"']
)
def test_message_decoding_agrees_with_json_loads(data: bytes) -> None:
    """The collector's decoder gives what json.loads gives, whitespace and all."""
    from panther_events.transport._jetstream import _loads

    assert _loads(data) == json.loads(data)


@pytest.mark.parametrize("data", [b'{"a":1} x', b"", b"{", b'{"a":1}{}', b"\xff"])
def test_message_decoding_refuses_what_json_loads_refuses(data: bytes) -> None:
    """Trailing garbage, truncation and bad UTF-8 raise ValueError as json.loads does."""
    from panther_events.transport._jetstream import _loads

    with pytest.raises(ValueError):
        _loads(data)
